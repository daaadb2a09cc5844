//! What an HTTP check expects of its answer — the status set, a string in the body, JSON
//! values at pointers, the time above which it warns — and the judging of a body against
//! it; and the removal of the request's secret header values from every text of a result.

use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue};

use crate::model::{CheckResult, Evidence};
use crate::text::{cap, printable};

/// Longest expected or found value quoted in a verdict.
const MAX_QUOTED: usize = 120;

/// What an answer must be.
#[derive(Debug, Clone, PartialEq)]
pub struct Expect {
    /// The statuses that pass; empty means any 2xx.
    pub status: Vec<u16>,
    /// Text the body must contain (searched in the part read, at most
    /// [`super::BODY_READ_CAP`] bytes).
    pub body_contains: Option<String>,
    /// JSON pointers (`/status`) and the value each must hold.
    pub json: Vec<(String, serde_json::Value)>,
    /// A passing answer slower than this warns.
    pub warn_after: Duration,
}

impl Expect {
    /// Any 2xx, warning above `slow`: the built-in checks' expectation.
    pub fn success_within(slow: Duration) -> Expect {
        Expect {
            status: Vec::new(),
            body_contains: None,
            json: Vec::new(),
            warn_after: slow,
        }
    }

    /// True when `code` is one of the expected statuses.
    pub fn status_matches(&self, code: u16) -> bool {
        if self.status.is_empty() {
            (200..300).contains(&code)
        } else {
            self.status.contains(&code)
        }
    }

    /// With an explicit status set that `code` is not in: the set, as a verdict says it
    /// ("200 or 302"). `None` otherwise (the default set keeps the plain verdict).
    pub fn unexpected_status(&self, code: u16) -> Option<String> {
        if self.status.is_empty() || self.status.contains(&code) {
            return None;
        }
        let mut codes: Vec<String> = self.status.iter().map(u16::to_string).collect();
        let last = codes.pop().unwrap_or_default();
        Some(if codes.is_empty() {
            last
        } else {
            format!("{} or {last}", codes.join(", "))
        })
    }

    /// Checks the body against `body_contains` and the JSON pointers: why it does not
    /// match, or `Ok`.
    pub fn judge_body(&self, body: &[u8]) -> Result<(), String> {
        if let Some(wanted) = &self.body_contains
            && !contains(body, wanted.as_bytes())
        {
            return Err(format!("the body does not contain {}", quote(wanted)));
        }
        if self.json.is_empty() {
            return Ok(());
        }
        let doc: serde_json::Value = serde_json::from_slice(body)
            .map_err(|e| format!("the body is not JSON ({e}), expected JSON values"))?;
        for (pointer, wanted) in &self.json {
            match doc.pointer(pointer) {
                Some(found) if found == wanted => {}
                Some(found) => {
                    return Err(format!(
                        "JSON {} is {}, expected {}",
                        quote(pointer),
                        json_text(found),
                        json_text(wanted)
                    ));
                }
                None => {
                    return Err(format!(
                        "JSON {} is missing, expected {}",
                        quote(pointer),
                        json_text(wanted)
                    ));
                }
            }
        }
        Ok(())
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

/// A JSON value as JSON text (`"healthy"`, `true`, `3`), capped, on one line.
fn json_text(value: &serde_json::Value) -> String {
    cap(&printable(&value.to_string()), MAX_QUOTED)
}

/// `s` capped, on one line, in backquote-free quotes.
fn quote(s: &str) -> String {
    format!("\"{}\"", cap(&printable(s), MAX_QUOTED))
}

/// `result` with every secret header value replaced by `***` in each of its texts: a server
/// that echoes a token (in its body, a header or an error) does not get it into a report.
pub fn redact_secrets(
    mut result: CheckResult,
    headers: &[(HeaderName, HeaderValue)],
) -> CheckResult {
    // The whole value, and each word of it long enough to be a credential (the token of
    // `Bearer <token>`), longest first.
    let mut secrets: Vec<&str> = headers
        .iter()
        .filter_map(|(_, v)| v.to_str().ok())
        .flat_map(|v| std::iter::once(v).chain(v.split_whitespace().filter(|w| w.len() >= 8)))
        .filter(|v| v.len() >= 4)
        .collect();
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    if secrets.is_empty() {
        return result;
    }
    let scrub = |text: &mut String| {
        for secret in &secrets {
            if text.contains(secret) {
                *text = text.replace(secret, crate::text::REDACTED);
            }
        }
    };
    scrub(&mut result.details);
    if let Some(error) = &mut result.error {
        scrub(&mut error.message);
    }
    if let Some(Evidence::Http(evidence)) = &mut result.evidence {
        scrub(&mut evidence.url);
        if let Some(url) = &mut evidence.final_url {
            scrub(url);
        }
        if let Some(body) = &mut evidence.body {
            scrub(body);
        }
        for value in evidence.headers.values_mut() {
            scrub(value);
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn expect() -> Expect {
        Expect::success_within(Duration::from_secs(1))
    }

    #[test]
    fn the_default_status_set_is_any_2xx_and_an_explicit_one_is_exact() {
        let default = expect();
        assert!(default.status_matches(204));
        assert!(!default.status_matches(302));
        assert_eq!(default.unexpected_status(500), None);
        let set = Expect {
            status: vec![200, 302],
            ..expect()
        };
        assert!(set.status_matches(302));
        assert!(!set.status_matches(204));
        assert_eq!(set.unexpected_status(204).as_deref(), Some("200 or 302"));
        assert_eq!(set.unexpected_status(302), None);
        let one = Expect {
            status: vec![401],
            ..expect()
        };
        assert_eq!(one.unexpected_status(200).as_deref(), Some("401"));
    }

    #[test]
    fn the_body_must_contain_the_text_and_hold_the_json_values() {
        let e = Expect {
            body_contains: Some("ok".into()),
            json: vec![
                ("/status".into(), json!("healthy")),
                ("/n".into(), json!(3)),
            ],
            ..expect()
        };
        assert_eq!(
            e.judge_body(br#"{"status":"healthy","n":3,"ok":1}"#),
            Ok(())
        );
        assert_eq!(
            e.judge_body(br#"{"status":"degraded","n":3,"ok":1}"#),
            Err(r#"JSON "/status" is "degraded", expected "healthy""#.into())
        );
        assert_eq!(
            e.judge_body(br#"{"status":"healthy","ok":1}"#),
            Err(r#"JSON "/n" is missing, expected 3"#.into())
        );
        assert_eq!(
            e.judge_body(b"nope"),
            Err(r#"the body does not contain "ok""#.into())
        );
        let err = e.judge_body(b"ok, but <html>").unwrap_err();
        assert!(err.starts_with("the body is not JSON"), "{err}");
    }

    #[test]
    fn secret_header_values_leave_every_text_of_the_result() {
        let mut r = CheckResult::fail("HTTP 401 from x: the body does not contain s3cr3t-token");
        r.evidence = Some(Evidence::Http(crate::model::HttpEvidence {
            body: Some("echo: Bearer s3cr3t-token".into()),
            ..Default::default()
        }));
        let headers = vec![(
            HeaderName::from_static("authorization"),
            HeaderValue::from_static("Bearer s3cr3t-token"),
        )];
        let r = redact_secrets(r, &headers);
        let text = serde_json::to_string(&r).unwrap();
        assert!(!text.contains("s3cr3t"), "{text}");
        assert!(text.contains("echo: ***"), "{text}");
    }
}
