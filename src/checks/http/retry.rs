//! Retries by error kind, within the check's deadline. Timeouts, connection resets and the
//! statuses that say "try again" (502, 503, 504, and 429 with its `Retry-After`) are
//! retried; a name that does not resolve, a certificate that does not verify, a refused
//! connection and any other 4xx or 5xx are final. A request that may have changed
//! something (any method but GET, HEAD and OPTIONS) is sent at most once: it is retried
//! only when it certainly never left (the connection or the handshake failed).

use std::time::{Duration, Instant, SystemTime};

use hyper::StatusCode;
use hyper::header::RETRY_AFTER;

use super::Spec;
use super::probe::{self, Attempt, Kind, Prober};

/// Most attempts of one check.
pub const MAX_ATTEMPTS: usize = 3;
/// The wait before the second attempt; it doubles for the third.
const FIRST_WAIT: Duration = Duration::from_millis(100);

/// Every attempt of `spec`, the last one giving the verdict.
pub async fn attempts(prober: &Prober, spec: &Spec, timeout: Duration) -> Vec<Attempt> {
    let start = Instant::now();
    let deadline = start + timeout;
    let mut attempts: Vec<Attempt> = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let last_chance = attempts.len() + 1 == MAX_ATTEMPTS;
        // Leave room for another try unless this is the last one.
        let budget = if last_chance { left } else { left * 2 / 3 };
        let mut attempt = probe::attempt(prober, spec, start, budget).await;
        let wait = next_wait(&attempt, spec, attempts.len() + 1);
        let left = deadline.saturating_duration_since(Instant::now());
        let more = attempts.len() + 1 < MAX_ATTEMPTS && !left.is_zero();
        match wait {
            // A wait the server asked for must fit; our own backoff shrinks to what is left,
            // so that the last attempt runs to the deadline.
            Some(Wait { time, asked }) if more && (!asked || time < left) => {
                let time = if asked { time } else { time.min(left / 2) };
                attempt.retry_in = Some(time);
                attempts.push(attempt);
                tokio::time::sleep(time).await;
            }
            _ => {
                attempts.push(attempt);
                return attempts;
            }
        }
    }
}

/// The wait before another attempt.
struct Wait {
    time: Duration,
    /// The server asked for it (`Retry-After`).
    asked: bool,
}

/// How long to wait before trying again, or `None` when this attempt is final.
fn next_wait(attempt: &Attempt, spec: &Spec, number: usize) -> Option<Wait> {
    let backoff = FIRST_WAIT * (1 << (number - 1).min(4)) as u32;
    let safe = is_safe(&spec.method);
    match &attempt.outcome {
        Ok(answer) => {
            let again = matches!(
                answer.status,
                StatusCode::BAD_GATEWAY
                    | StatusCode::SERVICE_UNAVAILABLE
                    | StatusCode::GATEWAY_TIMEOUT
                    | StatusCode::TOO_MANY_REQUESTS
            );
            if !again || !safe {
                return None;
            }
            let after = answer
                .headers
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(retry_after);
            Some(Wait {
                time: after.unwrap_or(backoff),
                asked: after.is_some(),
            })
        }
        Err(failure) => {
            let again = matches!(failure.kind, Kind::Timeout | Kind::ConnectionReset);
            (again && (safe || !failure.sent)).then_some(Wait {
                time: backoff,
                asked: false,
            })
        }
    }
}

/// GET, HEAD and OPTIONS change nothing: they may be sent again.
fn is_safe(method: &hyper::Method) -> bool {
    matches!(method.as_str(), "GET" | "HEAD" | "OPTIONS")
}

/// A `Retry-After` value: seconds, or an HTTP date (a date in the past is no wait).
pub fn retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds.min(24 * 3600)));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(retry_after(" 0 "), Some(Duration::ZERO));
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        let soon = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(30));
        let wait = retry_after(&soon).unwrap();
        assert!(
            wait > Duration::from_secs(25) && wait <= Duration::from_secs(30),
            "{wait:?}"
        );
        assert_eq!(retry_after("soon"), None);
        assert_eq!(retry_after("-1"), None);
    }

    #[test]
    fn only_safe_methods_are_sent_twice() {
        assert!(is_safe(&hyper::Method::GET));
        assert!(is_safe(&hyper::Method::HEAD));
        assert!(!is_safe(&hyper::Method::POST));
        assert!(!is_safe(&hyper::Method::PUT));
        assert!(!is_safe(&hyper::Method::DELETE));
    }
}
