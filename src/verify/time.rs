//! Times as GitHub writes them, read without trusting them: an RFC 3339 timestamp (`Z`
//! or a `±HH:MM` offset, any fraction of a second) becomes an instant, anything else
//! nothing; the time between two instants is never negative; and a length of time is
//! shown the way people say it ("2 min 5 s", "3 h 10 min").

use std::time::{Duration, SystemTime};

/// The longest timestamp read (RFC 3339 with nanoseconds and an offset is 35).
const MAX_TIMESTAMP: usize = 40;

/// `s` as an instant, when it is an RFC 3339 timestamp (`2026-11-25T05:00:00Z`,
/// `2026-11-25T05:00:00.123-07:00`); otherwise `None`.
pub fn parse_timestamp(s: &str) -> Option<SystemTime> {
    let s = s.trim();
    if s.len() > MAX_TIMESTAMP || !s.is_ascii() {
        return None;
    }
    if s.ends_with('Z') {
        return humantime::parse_rfc3339_weak(s).ok();
    }
    // `±HH:MM` after the time of day.
    let (local, offset) = s.split_at(s.len().checked_sub(6)?);
    let (sign, hm) = offset.split_at(1);
    let (h, m) = hm.split_once(':')?;
    let two_digits = |p: &str| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit());
    if !two_digits(h) || !two_digits(m) || !local.contains('T') {
        return None;
    }
    let minutes = h.parse::<u64>().ok()? * 60 + m.parse::<u64>().ok()?;
    if minutes >= 24 * 60 {
        return None;
    }
    let at = humantime::parse_rfc3339_weak(&format!("{local}Z")).ok()?;
    let offset = Duration::from_secs(minutes * 60);
    // Local time = UTC + offset, so UTC = local − offset.
    match sign {
        "+" => at.checked_sub(offset),
        "-" => at.checked_add(offset),
        _ => None,
    }
}

/// The time from `start` to `end`: zero when `end` is before `start`.
pub fn between(start: SystemTime, end: SystemTime) -> Duration {
    end.duration_since(start).unwrap_or_default()
}

/// How long something took: from `started` to `completed` when both are known; while
/// it is still going (no end yet, `running`), from `started` until `now`.
pub fn took(
    started: Option<&str>,
    completed: Option<&str>,
    running: bool,
    now: SystemTime,
) -> Option<Duration> {
    let start = parse_timestamp(started?)?;
    match completed.and_then(parse_timestamp) {
        Some(end) => Some(between(start, end)),
        None if running => Some(between(start, now)),
        None => None,
    }
}

/// A length of time as people say it: `0 s`, `42 s`, `2 min 5 s`, `3 h 10 min`,
/// `4 d 2 h` (the two largest units, whole numbers).
pub fn human(d: Duration) -> String {
    let s = d.as_secs();
    let (days, hours, minutes, seconds) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{seconds} s"),
        (0, 0, m) if seconds == 0 => format!("{m} min"),
        (0, 0, m) => format!("{m} min {seconds} s"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, 0, _) => format!("{d} d"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> SystemTime {
        humantime::parse_rfc3339(s).unwrap()
    }

    #[test]
    fn githubs_timestamps_are_read_with_their_offset() {
        let utc = at("2020-01-20T16:42:40Z");
        assert_eq!(parse_timestamp("2020-01-20T16:42:40Z"), Some(utc));
        assert_eq!(parse_timestamp(" 2020-01-20T16:42:40Z "), Some(utc));
        assert_eq!(parse_timestamp("2020-01-20T09:42:40.000-07:00"), Some(utc));
        assert_eq!(parse_timestamp("2020-01-20T18:12:40+01:30"), Some(utc));
        assert_eq!(parse_timestamp("2020-01-20T16:42:40+00:00"), Some(utc));
        assert_eq!(
            parse_timestamp("2020-01-20T16:42:40.5Z"),
            Some(utc + Duration::from_millis(500))
        );
    }

    #[test]
    fn anything_else_is_no_time_at_all() {
        for bad in [
            "",
            "yesterday",
            "2020-01-20",
            "2020-01-20T16:42:40",
            "2020-01-20T16:42:40+24:00",
            "2020-01-20T16:42:40+0a:00",
            "2020-01-20T16:42:40+01:-1",
            "2020-01-20T16:42:40*01:00",
            "2020-13-20T16:42:40Z",
            "2020-01-20T16:42:40.000000000000000000000000Z",
            "2020-01-20T16:42:40\u{1b}Z",
            "00:00:00+01:00",
            "+01:00",
            "1969-12-31T23:59:59Z",
            "٢٠٢٠-01-20T16:42:40Z",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn durations_are_never_negative() {
        let (a, b) = (at("2026-11-25T05:00:00Z"), at("2026-11-25T05:01:05Z"));
        assert_eq!(between(a, b), Duration::from_secs(65));
        assert_eq!(between(b, a), Duration::ZERO);
        let now = at("2026-11-25T05:10:00Z");
        let (s, e) = ("2026-11-25T05:00:00Z", "2026-11-25T05:01:05Z");
        assert_eq!(
            took(Some(s), Some(e), false, now),
            Some(Duration::from_secs(65))
        );
        // Ended before it began: zero, not negative.
        assert_eq!(took(Some(e), Some(s), false, now), Some(Duration::ZERO));
        // Still running: until now; started in the future: zero.
        assert_eq!(
            took(Some(s), None, true, now),
            Some(Duration::from_secs(600))
        );
        assert_eq!(
            took(Some("2026-11-26T00:00:00Z"), None, true, now),
            Some(Duration::ZERO)
        );
        assert_eq!(took(Some(s), None, false, now), None);
        assert_eq!(took(None, Some(e), false, now), None);
        assert_eq!(took(Some("soon"), Some(e), false, now), None);
        // An end that does not parse is no end.
        assert_eq!(
            took(Some(s), Some("later"), true, now),
            Some(Duration::from_secs(600))
        );
    }

    #[test]
    fn lengths_of_time_read_as_people_say_them() {
        let h = |s| human(Duration::from_secs(s));
        assert_eq!(h(0), "0 s");
        assert_eq!(h(42), "42 s");
        assert_eq!(h(120), "2 min");
        assert_eq!(h(125), "2 min 5 s");
        assert_eq!(h(3600), "1 h");
        assert_eq!(h(3600 * 3 + 600 + 7), "3 h 10 min");
        assert_eq!(h(86_400), "1 d");
        assert_eq!(h(86_400 * 4 + 7200 + 5), "4 d 2 h");
        let longest = human(Duration::MAX);
        assert!(
            longest.starts_with(&format!("{} d", u64::MAX / 86_400)),
            "{longest}"
        );
    }
}
