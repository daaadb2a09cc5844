//! One governor for every request to the GitHub API: it remembers what the last response
//! said about the primary rate limit (`x-ratelimit-remaining` / `-reset`), holds requests
//! back while the limit is exhausted, and tells a rate-limit 403/429 (primary or
//! secondary) from a permission 403. Every wait read from a header is clamped to
//! [`MAX_WAIT`]: a reset years away is a wait past any deadline, never an overflow.

use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;

/// The shortest wait after a secondary rate limit, as GitHub asks.
pub const SECONDARY_MIN_WAIT: Duration = Duration::from_secs(60);
/// The longest wait taken from a header (`retry-after`, `x-ratelimit-reset`). Longer is
/// no different for the client: every command's deadline is shorter, so it gives up.
pub const MAX_WAIT: Duration = Duration::from_secs(3600);

#[derive(Debug, Default)]
pub struct Governor {
    state: Mutex<State>,
}

#[derive(Debug, Default, Clone, Copy)]
struct State {
    remaining: Option<u64>,
    /// Unix seconds, on GitHub's clock.
    reset: Option<u64>,
    /// GitHub's clock minus ours, in seconds, from the last `Date` header.
    skew: i64,
}

/// How a 403 or 429 is to be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Limited {
    /// The primary limit is used up: wait this long (until the reset).
    Primary(Duration),
    /// A secondary (abuse) limit: wait at least this long.
    Secondary(Duration),
    /// Not a rate limit.
    No,
}

fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// GitHub's clock minus ours, from a response's `Date` header.
fn skew_of(headers: &HeaderMap) -> Option<i64> {
    let date = headers
        .get(reqwest::header::DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok())?;
    let server = i64::try_from(date.duration_since(UNIX_EPOCH).ok()?.as_secs()).ok()?;
    Some(server.saturating_sub(now_unix() as i64))
}

/// Time until `reset` (GitHub's clock), plus a second: `x-ratelimit-reset` is GitHub's
/// time, so a local clock running ahead must not shorten the wait.
fn until_reset(reset: u64, skew: i64) -> Duration {
    let github_now = (now_unix() as i64).saturating_add(skew).max(0) as u64;
    clamp(Duration::from_secs(
        reset.saturating_sub(github_now).saturating_add(1),
    ))
}

/// A wait from a header, at most [`MAX_WAIT`].
fn clamp(wait: Duration) -> Duration {
    wait.min(MAX_WAIT)
}

impl Governor {
    /// How long to hold the next request back (zero when the limit has room).
    pub fn wait_before_request(&self) -> Duration {
        let s = *self.state.lock().unwrap();
        match (s.remaining, s.reset) {
            (Some(0), Some(reset)) => until_reset(reset, s.skew),
            _ => Duration::ZERO,
        }
    }

    /// Records what a response's headers say of the rate limit.
    pub fn observe(&self, headers: &HeaderMap) {
        let mut s = self.state.lock().unwrap();
        if let Some(r) = header_u64(headers, "x-ratelimit-remaining") {
            s.remaining = Some(r);
        }
        if let Some(r) = header_u64(headers, "x-ratelimit-reset") {
            s.reset = Some(r);
        }
        if let Some(skew) = skew_of(headers) {
            s.skew = skew;
        }
    }

    /// Reads a 403/429: rate limit (which one, and how long to wait) or not.
    pub fn classify(&self, status: u16, headers: &HeaderMap, body: &str) -> Limited {
        if status != 403 && status != 429 {
            return Limited::No;
        }
        let retry_after = header_u64(headers, "retry-after").map(|s| clamp(Duration::from_secs(s)));
        let remaining = header_u64(headers, "x-ratelimit-remaining");
        let lower = body.to_ascii_lowercase();
        let secondary = lower.contains("secondary rate limit") || lower.contains("abuse");
        if secondary {
            let wait = retry_after
                .unwrap_or(SECONDARY_MIN_WAIT)
                .max(SECONDARY_MIN_WAIT)
                .min(MAX_WAIT);
            return Limited::Secondary(wait);
        }
        if remaining == Some(0) {
            let wait = header_u64(headers, "x-ratelimit-reset")
                .map(|reset| {
                    let skew = skew_of(headers).unwrap_or(self.state.lock().unwrap().skew);
                    until_reset(reset, skew)
                })
                .unwrap_or(SECONDARY_MIN_WAIT);
            return Limited::Primary(wait);
        }
        if let Some(wait) = retry_after {
            return Limited::Secondary(wait);
        }
        if status == 429 || lower.contains("rate limit") {
            return Limited::Secondary(SECONDARY_MIN_WAIT);
        }
        Limited::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&str, String)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn a_permission_403_is_not_a_rate_limit() {
        let g = Governor::default();
        let h = headers(&[
            ("x-ratelimit-remaining", "4999".into()),
            ("x-accepted-github-permissions", "actions=write".into()),
        ]);
        assert_eq!(
            g.classify(
                403,
                &h,
                r#"{"message":"Resource not accessible by personal access token"}"#
            ),
            Limited::No
        );
    }

    #[test]
    fn primary_limit_waits_for_the_reset() {
        let g = Governor::default();
        let reset = now_unix() + 30;
        let h = headers(&[
            ("x-ratelimit-remaining", "0".into()),
            ("x-ratelimit-reset", reset.to_string()),
        ]);
        match g.classify(403, &h, r#"{"message":"API rate limit exceeded"}"#) {
            Limited::Primary(d) => assert!((29..=31).contains(&d.as_secs()), "{d:?}"),
            other => panic!("{other:?}"),
        }
        g.observe(&h);
        assert!(g.wait_before_request() >= Duration::from_secs(29));
    }

    #[test]
    fn the_reset_is_read_on_githubs_clock() {
        // Our clock runs 100 s ahead of GitHub's: the reset, 30 s ahead on GitHub's
        // clock, is still 30 s away, not already past.
        let g = Governor::default();
        let github_now = SystemTime::now() - Duration::from_secs(100);
        let reset = now_unix() - 100 + 30;
        let h = headers(&[
            ("x-ratelimit-remaining", "0".into()),
            ("x-ratelimit-reset", reset.to_string()),
            ("date", httpdate::fmt_http_date(github_now)),
        ]);
        match g.classify(403, &h, r#"{"message":"API rate limit exceeded"}"#) {
            Limited::Primary(d) => assert!((29..=32).contains(&d.as_secs()), "{d:?}"),
            other => panic!("{other:?}"),
        }
        g.observe(&h);
        let hold = g.wait_before_request();
        assert!((29..=32).contains(&hold.as_secs()), "{hold:?}");
    }

    #[test]
    fn secondary_limits_wait_at_least_a_minute() {
        let g = Governor::default();
        let h = headers(&[("retry-after", "5".into())]);
        assert_eq!(
            g.classify(403, &h, "You have exceeded a secondary rate limit"),
            Limited::Secondary(SECONDARY_MIN_WAIT)
        );
        let h = headers(&[("retry-after", "120".into())]);
        assert_eq!(
            g.classify(429, &h, ""),
            Limited::Secondary(Duration::from_secs(120))
        );
        // A 429 without headers is still a limit.
        assert_eq!(
            g.classify(429, &HeaderMap::new(), ""),
            Limited::Secondary(SECONDARY_MIN_WAIT)
        );
    }

    #[test]
    fn absurd_waits_are_clamped() {
        let g = Governor::default();
        let max = u64::MAX.to_string();
        let h = headers(&[("retry-after", max.clone())]);
        assert_eq!(g.classify(429, &h, ""), Limited::Secondary(MAX_WAIT));
        assert_eq!(
            g.classify(403, &h, "You have exceeded a secondary rate limit"),
            Limited::Secondary(MAX_WAIT)
        );
        let h = headers(&[
            ("x-ratelimit-remaining", "0".into()),
            ("x-ratelimit-reset", max),
        ]);
        assert_eq!(
            g.classify(403, &h, "API rate limit exceeded"),
            Limited::Primary(MAX_WAIT)
        );
        g.observe(&h);
        assert_eq!(g.wait_before_request(), MAX_WAIT);
        // A wait just under the bound is kept as it is.
        let h = headers(&[("retry-after", "3599".into())]);
        assert_eq!(
            g.classify(429, &h, ""),
            Limited::Secondary(Duration::from_secs(3599))
        );
        assert_eq!(until_reset(u64::MAX, i64::MAX), MAX_WAIT);
        assert_eq!(until_reset(0, i64::MIN), Duration::from_secs(1));
    }
}
