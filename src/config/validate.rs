//! The validators every command shares: URLs, UUIDs, durations, report files, switches,
//! requester names. Each takes the input's name as messages show it (`--flag` or
//! `VAR (environment)`) and returns the checked value or a [`ConfigError`] naming it.

use std::path::Path;
use std::time::Duration;

use url::Url;
use uuid::Uuid;

use super::{ConfigError, Vars, env_name};
use crate::text::{cap, one_line};

/// Longest URL accepted (what common servers and CDNs accept in a request line).
const MAX_URL: usize = 8192;

/// Longest requester name accepted.
const MAX_REQUESTER: usize = 256;

/// The value, trimmed, unless it is missing or blank.
pub(crate) fn non_empty(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// Parses an absolute http(s) URL with a host.
pub fn parse_http_url(input: &str, value: &str) -> Result<Url, ConfigError> {
    if value.len() > MAX_URL {
        return Err(ConfigError::new(
            input,
            format!(
                "is {} bytes long; expected a URL of at most {MAX_URL} bytes",
                value.len()
            ),
        ));
    }
    let url = Url::parse(value).map_err(|e| {
        ConfigError::new(
            input,
            format!("{value:?} is not a valid URL ({e}); expected http(s)://host[/path]"),
        )
    })?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(ConfigError::new(
            input,
            format!(
                "{value:?} uses scheme {:?}; expected an http:// or https:// URL",
                url.scheme()
            ),
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(ConfigError::new(
            input,
            format!("{value:?} has no host; expected http(s)://host[/path]"),
        ));
    }
    Ok(url)
}

/// Whether the URL's host is loopback (`localhost`, 127.0.0.0/8, `::1`).
pub(crate) fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(a)) => a.is_loopback(),
        Some(url::Host::Ipv6(a)) => a.is_loopback(),
        None => false,
    }
}

/// Parses a UUID in its usual hyphenated form.
pub fn parse_uuid(input: &str, v: &str) -> Result<Uuid, ConfigError> {
    match Uuid::try_parse(v) {
        Ok(u) if v.len() == 36 => Ok(u),
        _ => Err(ConfigError::new(
            input,
            format!("{v:?} is not a UUID (expected the form 123e4567-e89b-42d3-a456-426614174000)"),
        )),
    }
}

/// The deadline of a check: a positive number of seconds, at most an hour.
pub(crate) fn parse_seconds(input: &str, v: &str) -> Result<Duration, ConfigError> {
    seconds_within(input, v, 3600.0)
}

/// A wait of `dispatch` or `result`: a positive number of seconds, at most six hours.
pub(crate) fn parse_wait(input: &str, v: &str) -> Result<Duration, ConfigError> {
    seconds_within(input, v, 21_600.0)
}

/// A positive number of seconds, at most `max`.
fn seconds_within(input: &str, v: &str, max: f64) -> Result<Duration, ConfigError> {
    let Some(s) = v.trim().parse::<f64>().ok().filter(|s| !s.is_nan()) else {
        return Err(ConfigError::new(
            input,
            format!("{v:?} is not a number of seconds (like 10 or 2.5)"),
        ));
    };
    if !s.is_finite() || s > max {
        return Err(ConfigError::new(
            input,
            format!("{v} seconds is too long: at most {max} is accepted"),
        ));
    }
    if s <= 0.0 {
        return Err(ConfigError::new(
            input,
            format!("{v} seconds: must be more than 0"),
        ));
    }
    Ok(Duration::from_secs_f64(s))
}

/// A positive whole number of milliseconds, at most an hour.
pub(crate) fn parse_millis(input: &str, v: &str) -> Result<Duration, ConfigError> {
    let Ok(ms) = v.trim().parse::<i64>() else {
        return Err(ConfigError::new(
            input,
            format!("{v:?} is not a whole number of milliseconds (like 2000)"),
        ));
    };
    match ms {
        ..=0 => Err(ConfigError::new(
            input,
            format!("{v} ms: must be more than 0"),
        )),
        3_600_001.. => Err(ConfigError::new(
            input,
            format!("{v} ms is too long: at most 3600000 is accepted"),
        )),
        ms => Ok(Duration::from_millis(ms as u64)),
    }
}

/// A report path must name a file (not a folder) in a folder that exists.
pub(crate) fn check_writable_file(input: &str, path: &Path) -> Result<(), ConfigError> {
    if path.is_dir() {
        return Err(ConfigError::new(
            input,
            format!("{} is a directory; expected a file path", path.display()),
        ));
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !parent.is_dir() {
        return Err(ConfigError::new(
            input,
            format!(
                "{}: folder {} does not exist",
                path.display(),
                parent.display()
            ),
        ));
    }
    if let Ok(meta) = path.metadata()
        && meta.permissions().readonly()
    {
        return Err(ConfigError::new(
            input,
            format!("{} is read-only", path.display()),
        ));
    }
    Ok(())
}

/// A boolean environment value: true, false, 1, 0, yes or no, in any case (empty is
/// false); None for anything else.
pub fn switch_value(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "" | "false" | "0" | "no" => Some(false),
        "true" | "1" | "yes" => Some(true),
        _ => None,
    }
}

/// A boolean environment variable: true, false, 1, 0, yes or no, in any case; unset or
/// empty is false. A value that is not UTF-8 is read with replacement characters, so that
/// it fails here instead of passing for unset.
pub(crate) fn env_switch(vars: &Vars, var: &str) -> Result<bool, ConfigError> {
    let value = vars.get_lossy(var).unwrap_or_default();
    switch_value(&value).ok_or_else(|| {
        ConfigError::new(
            env_name(var),
            format!(
                "{:?} is not a switch; expected true, false, 1, 0, yes or no",
                cap(&one_line(&value), 64)
            ),
        )
    })
}

/// A requester name: at most [`MAX_REQUESTER`] characters, no control characters.
pub(crate) fn validate_requester(input: &str, v: String) -> Result<String, ConfigError> {
    if v.chars().count() > MAX_REQUESTER {
        return Err(ConfigError::new(
            input,
            format!("longer than {MAX_REQUESTER} characters"),
        ));
    }
    if v.chars().any(char::is_control) {
        return Err(ConfigError::new(
            input,
            "contains control characters (newline, tab, escape…)",
        ));
    }
    Ok(v)
}

/// The first of `names` that is set and acceptable as a requester, else "unknown".
pub(crate) fn default_requester(vars: &Vars, names: &[&str]) -> String {
    names
        .iter()
        .filter_map(|name| vars.non_empty(name))
        .find_map(|v| validate_requester("", v).ok())
        .unwrap_or_else(|| "unknown".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_http_with_a_host() {
        assert!(parse_http_url("--api-base", "https://api.example.com/prod").is_ok());
        let e = parse_http_url("--api-base", "ftp://x").unwrap_err();
        assert_eq!(e.input, "--api-base");
        assert!(e.message.contains("http"), "{e}");
        assert!(parse_http_url("--api-base", "not a url").is_err());
        assert!(parse_http_url("--api-base", "http://").is_err());
    }

    #[test]
    fn uuids_must_be_hyphenated() {
        assert!(parse_uuid("c", "123e4567-e89b-42d3-a456-426614174000").is_ok());
        assert!(parse_uuid("c", "123e4567e89b42d3a456426614174000").is_err());
        assert!(parse_uuid("c", "nope").is_err());
    }

    #[test]
    fn timeouts_are_positive_and_bounded() {
        assert_eq!(
            parse_seconds("t", "2.5").unwrap(),
            Duration::from_millis(2500)
        );
        for bad in ["0", "-1", "abc", "inf", "99999"] {
            assert!(parse_seconds("t", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn switches_take_the_usual_spellings_and_name_their_variable() {
        let vars = Vars::from_iter([("ON", "Yes"), ("OFF", "0"), ("BAD", "maybe")]);
        assert!(env_switch(&vars, "ON").unwrap());
        assert!(!env_switch(&vars, "OFF").unwrap());
        assert!(!env_switch(&vars, "UNSET").unwrap());
        let e = env_switch(&vars, "BAD").unwrap_err();
        assert_eq!(
            e.to_string(),
            "BAD (environment): \"maybe\" is not a switch; expected true, false, 1, 0, yes or no"
        );
    }

    #[test]
    fn the_default_requester_is_the_first_acceptable_variable() {
        let vars = Vars::from_iter([("GITHUB_ACTOR", "bad\u{7}"), ("USER", " sre ")]);
        assert_eq!(default_requester(&vars, &["GITHUB_ACTOR", "USER"]), "sre");
        assert_eq!(default_requester(&Vars::default(), &["USER"]), "unknown");
    }
}
