//! The HTTP checks (`api_health`, `api_hello`, `frontend`): one GET each, judged on status
//! and latency, with a capped excerpt of the body and, for the frontend, the CDN headers
//! that tell whether CloudFront served it.

use std::error::Error as StdError;
use std::time::{Duration, Instant};

use url::Url;

use crate::model::{CheckResult, ErrorInfo, Evidence, HttpEvidence};
use crate::text::{cap, error_chain};

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

/// GETs `url`. `cdn` records the CDN headers; a 2xx slower than `slow` warns.
pub async fn check(
    client: &reqwest::Client,
    url: &Url,
    cdn: bool,
    slow: Duration,
    timeout: Duration,
) -> CheckResult {
    let shown = crate::text::redact_url(url);
    let mut evidence = HttpEvidence {
        url: shown.clone(),
        ..HttpEvidence::default()
    };
    let started = Instant::now();
    let response = match client.get(url.clone()).send().await {
        Ok(r) => r,
        Err(e) => return failed(&shown, &e, timeout, evidence),
    };
    let status = response.status();
    if response.url() != url {
        evidence.final_url = Some(crate::text::redact_url(response.url()));
    }
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

    let mut body: Vec<u8> = Vec::new();
    let mut response = response;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = BODY_READ_CAP - body.len();
                if chunk.len() > room {
                    body.extend_from_slice(&chunk[..room]);
                    evidence.body_truncated = true;
                    break;
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) => {
                evidence.body_bytes = body.len() as u64;
                let mut r = failed(&shown, &e, timeout, evidence);
                r.status = Some(status.as_u16());
                return r;
            }
        }
    }
    let elapsed = started.elapsed();
    evidence.body_bytes = body.len() as u64;
    if !body.is_empty() {
        let excerpt = &body[..body.len().min(BODY_EXCERPT)];
        let text = String::from_utf8_lossy(excerpt).into_owned();
        if body.len() > BODY_EXCERPT {
            evidence.body_truncated = true;
        }
        evidence.body = Some(text);
    }

    let ms = elapsed.as_millis();
    let code = status.as_u16();
    let reason = status.canonical_reason().unwrap_or("");
    let cdn_note = cdn_note(&evidence);
    let mut result = if status.is_success() {
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
    };
    result.status = Some(code);
    result.with_evidence(Evidence::Http(evidence))
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
    use super::endpoint;
    use url::Url;

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
}
