//! The HTTP checks: the built-in ones (`api_health`, `api_hello`, `frontend`) and the custom
//! ones of a configuration file. Each is a [`Spec`] — a request (method, URL, headers whose
//! values are secrets) and what to expect of its answer ([`Expect`], judged in `expect.rs`)
//! — sent over a fresh connection timed phase by phase (`probe.rs`), retried by error
//! kind within its deadline (`retry.rs`), its certificate read and judged (`tls.rs`), and
//! turned into a result (`verdict.rs`) with a capped excerpt of the body and, for the
//! frontend, the CDN headers that tell whether CloudFront served it.

mod expect;
mod probe;
#[cfg(test)]
mod probe_tests;
mod retry;
pub mod tls;
#[cfg(test)]
mod tls_tests;
mod verdict;

use std::time::Duration;

use url::Url;

use crate::model::{CheckResult, HttpEvidence};
use crate::text::cap;

pub use expect::Expect;
pub use probe::Prober;
pub use tls::Trust;

/// Days before a certificate's expiry from which a check warns, unless configured.
pub const DEFAULT_TLS_WARN_DAYS: u32 = 14;

/// One HTTP check: the request and what its answer must be.
#[derive(Debug, Clone)]
pub struct Spec {
    pub method: hyper::Method,
    pub url: Url,
    /// Request headers. Their values come from the environment and are secrets: they are
    /// marked sensitive, never recorded, and removed from every text of the result.
    pub headers: Vec<(hyper::header::HeaderName, hyper::header::HeaderValue)>,
    /// Record the CDN headers (the frontend).
    pub cdn: bool,
    pub expect: Expect,
}

impl Spec {
    /// A GET of `url` that expects a 2xx within `slow` (the built-in checks).
    pub fn get(url: Url, cdn: bool, slow: Duration) -> Spec {
        Spec {
            method: hyper::Method::GET,
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

/// Sends `spec`'s request (retrying what may be retried) and judges the answer against its
/// expectations and the certificate.
pub async fn check(prober: &Prober, spec: &Spec, timeout: Duration) -> CheckResult {
    let attempts = retry::attempts(prober, spec, timeout).await;
    let shown = crate::text::redact_url(&spec.url);
    for attempt in &attempts {
        trace_attempt(spec.method.as_str(), &shown, attempt);
    }
    verdict::result(spec, attempts, timeout, prober.tls_warn_days)
}

/// Records the common headers, and the CDN's when `cdn`, each value capped.
fn record_headers(headers: &hyper::HeaderMap, cdn: bool, evidence: &mut HttpEvidence) {
    let names = COMMON_HEADERS
        .iter()
        .chain(if cdn { CDN_HEADERS } else { &[] });
    for name in names {
        if let Some(v) = headers.get(*name) {
            let v = String::from_utf8_lossy(v.as_bytes());
            evidence
                .headers
                .insert(name.to_string(), cap(&v, MAX_HEADER_VALUE));
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

/// One debug event per attempt: the method, the redacted URL, the status or what kind of
/// error ended it, and how long it took.
fn trace_attempt(method: &str, shown: &str, attempt: &probe::Attempt) {
    let elapsed_ms = attempt.phases.total.round() as u64;
    match &attempt.outcome {
        Ok(answer) => tracing::debug!(
            method,
            url = shown,
            status = answer.status.as_u16(),
            elapsed_ms,
            "HTTP check request"
        ),
        Err(failure) => match failure.status {
            Some(status) => tracing::debug!(
                method,
                url = shown,
                status = status.as_u16(),
                error = failure.kind.as_str(),
                elapsed_ms,
                "HTTP check request: the body could not be read"
            ),
            None => tracing::debug!(
                method,
                url = shown,
                error = failure.kind.as_str(),
                elapsed_ms,
                "HTTP check request failed"
            ),
        },
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

/// A prober with no URL policy and the platform's trust, for tests.
#[cfg(test)]
pub(crate) fn test_prober() -> Prober {
    Prober {
        policy: std::sync::Arc::new(crate::policy::UrlPolicy::default()),
        trust: Trust::platform().expect("the platform's roots load"),
        tls_warn_days: DEFAULT_TLS_WARN_DAYS,
    }
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
        let second = Duration::from_secs(1);
        let spec = super::Spec::get(url.clone(), false, second);
        check(&super::test_prober(), &spec, second).await;
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
                .write_all(b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 4\r\nconnection: close\r\n\r\ndown")
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
        assert_eq!(event["status"], "500");
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
