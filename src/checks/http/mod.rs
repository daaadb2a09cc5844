//! The HTTP checks: the built-in ones (`api_health`, `api_hello`, `frontend`) and the custom
//! ones of a configuration file. Each is a [`Spec`] — a request (method, URL, headers whose
//! values are secrets) and what to expect of its answer ([`Expect`], judged in `expect.rs`)
//! — sent once, with a capped excerpt of the body and, for the frontend, the CDN headers
//! that tell whether CloudFront served it.

mod expect;

use std::error::Error as StdError;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use url::Url;

use crate::model::{CheckResult, ErrorInfo, Evidence, HttpEvidence};
use crate::text::{cap, error_chain};

pub use expect::Expect;

/// One HTTP check: the request and what its answer must be.
#[derive(Debug, Clone)]
pub struct Spec {
    pub method: reqwest::Method,
    pub url: Url,
    /// Request headers. Their values come from the environment and are secrets: they are
    /// marked sensitive, never recorded, and removed from every text of the result.
    pub headers: Vec<(reqwest::header::HeaderName, reqwest::header::HeaderValue)>,
    /// Record the CDN headers (the frontend).
    pub cdn: bool,
    pub expect: Expect,
}

impl Spec {
    /// A GET of `url` that expects a 2xx within `slow` (the built-in checks).
    pub fn get(url: Url, cdn: bool, slow: Duration) -> Spec {
        Spec {
            method: reqwest::Method::GET,
            url,
            headers: Vec::new(),
            cdn,
            expect: Expect::success_within(slow),
        }
    }
}

/// Most body bytes read from a response; the rest is never downloaded.
pub const BODY_READ_CAP: usize = 64 * 1024;
/// Most body bytes kept in the report.
pub const BODY_EXCERPT: usize = 2048;
/// Longest header value kept.
const MAX_HEADER_VALUE: usize = 256;

/// Headers recorded for every HTTP check.
const COMMON_HEADERS: &[&str] = &["content-type", "server"];
/// Headers recorded for the frontend, where the CDN's view matters.
const CDN_HEADERS: &[&str] = &[
    "x-cache",
    "x-amz-cf-pop",
    "x-amz-cf-id",
    "age",
    "cache-control",
    "etag",
    "last-modified",
];

/// `base` with `path` (`/health`, `/v1/status?deep=1`) appended to its path:
/// `https://x/prod` + `/health` = `https://x/prod/health`. The base's own query and
/// fragment are dropped; the path's query is kept.
pub fn endpoint(base: &Url, path: &str) -> Url {
    let (path, query) = match path.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path, None),
    };
    let mut url = base.clone();
    let joined = format!(
        "{}/{}",
        base.path().trim_end_matches('/'),
        path.trim_start_matches('/')
    );
    url.set_path(&joined);
    url.set_query(query);
    url.set_fragment(None);
    url
}

/// Sends `spec`'s request and judges the answer against its expectations.
pub async fn check(client: &reqwest::Client, spec: &Spec, timeout: Duration) -> CheckResult {
    let shown = crate::text::redact_url(&spec.url);
    let mut evidence = HttpEvidence {
        url: shown.clone(),
        method: spec.method.to_string(),
        ..HttpEvidence::default()
    };
    let started = Instant::now();
    let fetched = fetch(client, spec, &mut evidence).await;
    let elapsed = started.elapsed();
    trace_request(spec.method.as_str(), &shown, &fetched, elapsed);
    let result = match fetched {
        Ok((status, body)) => {
            let mut result = judge(status, elapsed, &spec.expect, &shown, &evidence);
            if result.outcome != crate::model::Outcome::Fail
                && let Err(why) = spec.expect.judge_body(&body)
            {
                result = CheckResult::fail(format!("HTTP {} from {shown}: {why}", status.as_u16()));
            }
            result.status = Some(status.as_u16());
            result.with_evidence(Evidence::Http(evidence))
        }
        Err(FetchFailed { error, status }) => {
            let mut r = failed(&shown, &error, timeout, evidence);
            r.status = status.map(|s| s.as_u16());
            r
        }
    };
    expect::redact_secrets(result, &spec.headers)
}

/// A GET that did not complete: the error, and the status when the response had begun.
struct FetchFailed {
    error: reqwest::Error,
    status: Option<StatusCode>,
}

/// Sends the request and reads the response into `evidence` (final URL, headers, body
/// excerpt): its status and the body read (capped), or why it did not complete.
async fn fetch(
    client: &reqwest::Client,
    spec: &Spec,
    evidence: &mut HttpEvidence,
) -> Result<(StatusCode, Vec<u8>), FetchFailed> {
    let (url, cdn) = (&spec.url, spec.cdn);
    let mut request = client.request(spec.method.clone(), url.clone());
    for (name, value) in &spec.headers {
        let mut value = value.clone();
        value.set_sensitive(true);
        request = request.header(name.clone(), value);
    }
    let mut response = request.send().await.map_err(|error| FetchFailed {
        error,
        status: None,
    })?;
    let status = response.status();
    if response.url() != url {
        evidence.final_url = Some(crate::text::redact_url(response.url()));
    }
    record_headers(&response, cdn, evidence);
    let body = read_body(&mut response, evidence)
        .await
        .map_err(|error| FetchFailed {
            error,
            status: Some(status),
        })?;
    keep_excerpt(&body, evidence);
    Ok((status, body))
}

/// Records the common headers, and the CDN's when `cdn`, each value capped.
fn record_headers(response: &reqwest::Response, cdn: bool, evidence: &mut HttpEvidence) {
    let names = COMMON_HEADERS
        .iter()
        .chain(if cdn { CDN_HEADERS } else { &[] });
    for name in names {
        if let Some(v) = response.headers().get(*name) {
            let v = String::from_utf8_lossy(v.as_bytes());
            evidence
                .headers
                .insert(name.to_string(), cap(&v, MAX_HEADER_VALUE));
        }
    }
}

/// Reads at most [`BODY_READ_CAP`] bytes of the body; the rest is never downloaded (the
/// evidence says it was cut). On an error, the evidence counts the bytes read so far.
async fn read_body(
    response: &mut reqwest::Response,
    evidence: &mut HttpEvidence,
) -> Result<Vec<u8>, reqwest::Error> {
    match crate::net::read_capped(response, BODY_READ_CAP).await {
        Ok(body) => {
            evidence.body_truncated |= body.truncated;
            Ok(body.bytes)
        }
        Err(broken) => {
            evidence.body_bytes = broken.read as u64;
            Err(broken.error)
        }
    }
}

/// The body's size, and its first [`BODY_EXCERPT`] bytes as text.
fn keep_excerpt(body: &[u8], evidence: &mut HttpEvidence) {
    evidence.body_bytes = body.len() as u64;
    if !body.is_empty() {
        let excerpt = &body[..body.len().min(BODY_EXCERPT)];
        let text = String::from_utf8_lossy(excerpt).into_owned();
        if body.len() > BODY_EXCERPT {
            evidence.body_truncated = true;
        }
        evidence.body = Some(text);
    }
}

/// The verdict on a complete response's status and time: an expected status passes (warns
/// when slower than the expectation's limit), anything else fails.
fn judge(
    status: StatusCode,
    elapsed: Duration,
    expect: &Expect,
    shown: &str,
    evidence: &HttpEvidence,
) -> CheckResult {
    let ms = elapsed.as_millis();
    let code = status.as_u16();
    let reason = status.canonical_reason().unwrap_or("");
    let cdn_note = cdn_note(evidence);
    let slow = expect.warn_after;
    if let Some(wanted) = expect.unexpected_status(code) {
        CheckResult::fail(
            format!("HTTP {code} {reason} from {shown}, expected {wanted}{cdn_note}")
                .replace("  ", " "),
        )
    } else if expect.status_matches(code) {
        if elapsed > slow {
            CheckResult::warn(format!(
                "HTTP {code} from {shown} but slow: {ms} ms (limit {} ms)",
                slow.as_millis()
            ))
        } else {
            CheckResult::pass(format!("HTTP {code} {reason}{cdn_note}").replace("  ", " "))
        }
    } else {
        CheckResult::fail(format!("HTTP {code} {reason} from {shown}{cdn_note}").replace("  ", " "))
    }
}

/// One debug event per request: the method, the redacted URL, the status or what kind of
/// error ended it, and how long it took.
fn trace_request(
    method: &str,
    shown: &str,
    fetched: &Result<(StatusCode, Vec<u8>), FetchFailed>,
    elapsed: Duration,
) {
    let elapsed_ms = elapsed.as_millis() as u64;
    match fetched {
        Ok((status, _)) => tracing::debug!(
            method,
            url = shown,
            status = status.as_u16(),
            elapsed_ms,
            "HTTP check request"
        ),
        Err(FetchFailed {
            error,
            status: Some(status),
        }) => tracing::debug!(
            method,
            url = shown,
            status = status.as_u16(),
            error = error_kind(error),
            elapsed_ms,
            "HTTP check request: the body could not be read"
        ),
        Err(FetchFailed {
            error,
            status: None,
        }) => tracing::debug!(
            method,
            url = shown,
            error = error_kind(error),
            elapsed_ms,
            "HTTP check request failed"
        ),
    }
}

/// What kind of error ended a request, in a word.
fn error_kind(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connect"
    } else if e.is_redirect() {
        "redirect"
    } else if e.is_body() {
        "body"
    } else if e.is_decode() {
        "decode"
    } else if e.is_request() {
        "request"
    } else {
        "other"
    }
}

fn cdn_note(evidence: &HttpEvidence) -> String {
    let cache = evidence.headers.get("x-cache");
    let pop = evidence.headers.get("x-amz-cf-pop");
    match (cache, pop) {
        (Some(c), Some(p)) => format!(" ({c}, edge {p})"),
        (Some(c), None) => format!(" ({c})"),
        (None, Some(p)) => format!(" (edge {p})"),
        (None, None) => String::new(),
    }
}

fn failed(
    shown: &str,
    e: &reqwest::Error,
    timeout: Duration,
    evidence: HttpEvidence,
) -> CheckResult {
    let root = crate::text::redact_urls_in(&root_cause(e));
    let sentence = if e.is_timeout() {
        format!(
            "no response from {shown} within {} s",
            timeout.as_secs_f64()
        )
    } else if e.is_connect() {
        format!("could not connect to {shown}: {root}")
    } else if e.is_redirect() {
        format!("following the redirects of {shown} stopped: {root}")
    } else {
        format!("request to {shown} failed: {root}")
    };
    CheckResult::fail(sentence)
        .with_error(ErrorInfo {
            code: None,
            http_status: None,
            message: cap(&error_chain(e), 500),
        })
        .with_evidence(Evidence::Http(evidence))
}

/// The innermost cause's text, which is the part a person can act on
/// ("Connection refused (os error 111)").
fn root_cause(e: &(dyn StdError + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Metadata, Subscriber};
    use url::Url;

    use super::{check, endpoint};

    #[test]
    fn endpoints_join_below_the_base_path() {
        let base = Url::parse("https://api.example.com/prod/?x=1").unwrap();
        let root = Url::parse("http://127.0.0.1:8080").unwrap();
        for (base, path, url) in [
            (&base, "/health", "https://api.example.com/prod/health"),
            (
                &base,
                "/v1/status?deep=1",
                "https://api.example.com/prod/v1/status?deep=1",
            ),
            (&base, "/", "https://api.example.com/prod/"),
            (&root, "/hello", "http://127.0.0.1:8080/hello"),
            (&root, "/a/b/", "http://127.0.0.1:8080/a/b/"),
        ] {
            assert_eq!(endpoint(base, path).as_str(), url, "{path}");
        }
    }

    /// The fields of one event, as text.
    type Fields = BTreeMap<String, String>;

    /// Keeps the events of this module.
    #[derive(Clone, Default)]
    struct Recorder(Arc<Mutex<Vec<Fields>>>);

    struct FieldText<'a>(&'a mut Fields);

    impl Visit for FieldText<'_> {
        fn record_str(&mut self, field: &Field, value: &str) {
            self.0.insert(field.name().into(), value.into());
        }

        fn record_u64(&mut self, field: &Field, value: u64) {
            self.0.insert(field.name().into(), value.to_string());
        }

        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            self.0.insert(field.name().into(), format!("{value:?}"));
        }
    }

    impl Subscriber for Recorder {
        fn enabled(&self, metadata: &Metadata<'_>) -> bool {
            metadata.target() == module_path!().trim_end_matches("::tests")
        }

        fn new_span(&self, _span: &Attributes<'_>) -> Id {
            Id::from_u64(1)
        }

        fn record(&self, _span: &Id, _values: &Record<'_>) {}

        fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

        fn event(&self, event: &Event<'_>) {
            let mut fields = Fields::new();
            event.record(&mut FieldText(&mut fields));
            self.0.lock().unwrap().push(fields);
        }

        fn enter(&self, _span: &Id) {}

        fn exit(&self, _span: &Id) {}
    }

    /// The events `check` emits for `url`.
    async fn events_of(url: &Url) -> Vec<Fields> {
        let recorder = Recorder::default();
        let _guard = tracing::subscriber::set_default(recorder.clone());
        let client = reqwest::Client::new();
        let second = Duration::from_secs(1);
        check(
            &client,
            &super::Spec::get(url.clone(), false, second),
            second,
        )
        .await;
        recorder.0.lock().unwrap().clone()
    }

    #[tokio::test]
    async fn each_request_is_one_debug_event_with_the_url_redacted() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = [0u8; 1024];
            let _ = socket.read(&mut request).await.unwrap();
            socket
                .write_all(b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 4\r\nconnection: close\r\n\r\ndown")
                .await
                .unwrap();
        });
        let url = Url::parse(&format!("http://127.0.0.1:{port}/health?token=SECRET")).unwrap();
        let events = events_of(&url).await;
        server.await.unwrap();
        assert_eq!(events.len(), 1, "{events:?}");
        let event = &events[0];
        assert_eq!(event["method"], "GET");
        assert_eq!(
            event["url"],
            format!("http://127.0.0.1:{port}/health?token=***")
        );
        assert_eq!(event["status"], "503");
        assert!(event["elapsed_ms"].parse::<u64>().is_ok(), "{event:?}");
        assert!(!event.contains_key("error"), "{event:?}");

        // Nothing listens any more: the kind of error instead of a status.
        let events = events_of(&url).await;
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0]["error"], "connect");
        assert!(!events[0].contains_key("status"), "{events:?}");
        assert!(!format!("{events:?}").contains("SECRET"), "{events:?}");
    }
}
