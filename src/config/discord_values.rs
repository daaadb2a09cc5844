//! The validators of the Discord commands' values: Discord IDs and lists of them, the
//! application's public key and the bot's token (neither ever quoted back), the address to
//! listen on, the per-user rate limit (`N/DURATION`), the most diagnoses at once and
//! Discord's API URL. Each takes the input's name as messages show it and returns the
//! typed value or a [`ConfigError`] naming it.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use url::Url;

use super::ConfigError;
use super::validate::{is_loopback_host, parse_http_url};
use crate::discord::api::BotToken;
use crate::discord::interaction::Snowflake;
use crate::discord::serve::RateLimit;
use crate::discord::verify::{KeyError, PublicKey};
use crate::text::{cap, one_line};

/// The most IDs one allowlist takes.
const MAX_IDS: usize = 1000;
/// The most diagnoses a user may be allowed per period, and the longest period.
const MAX_PER_PERIOD: u32 = 10_000;
const MAX_PERIOD: Duration = Duration::from_secs(24 * 3600);
/// The most diagnoses followed at once.
const MAX_RUNNING: usize = 100;

/// A value as messages may quote it: one line, capped.
fn quoted(v: &str) -> String {
    format!("{:?}", cap(&one_line(v), 64))
}

/// One Discord ID.
pub(crate) fn parse_snowflake(input: &str, v: &str) -> Result<Snowflake, ConfigError> {
    v.trim().parse().map_err(|_| {
        ConfigError::new(
            input,
            format!(
                "{} is not a Discord ID; expected a number of up to 20 digits (Discord's \
                 \"Copy ID\")",
                quoted(v)
            ),
        )
    })
}

/// A comma-separated list of Discord IDs: at least one, duplicates dropped, order kept.
pub(crate) fn parse_snowflakes(input: &str, v: &str) -> Result<Vec<Snowflake>, ConfigError> {
    let mut ids = Vec::new();
    for item in v.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let id = parse_snowflake(input, item)?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.is_empty() {
        return Err(ConfigError::new(
            input,
            format!(
                "{} names no ID; expected Discord IDs separated by commas",
                quoted(v)
            ),
        ));
    }
    if ids.len() > MAX_IDS {
        return Err(ConfigError::new(
            input,
            format!("names {} IDs; at most {MAX_IDS} are accepted", ids.len()),
        ));
    }
    Ok(ids)
}

/// The application's public key. The key is public, but messages never need to quote it.
pub(crate) fn parse_public_key(input: &str, v: &str) -> Result<PublicKey, ConfigError> {
    PublicKey::from_hex(v).map_err(|e| {
        let what = match e {
            KeyError::Length(n) => format!("{n} characters long"),
            KeyError::NotHex => "not hexadecimal".to_string(),
            KeyError::Invalid => "not a usable Ed25519 public key".to_string(),
        };
        ConfigError::new(
            input,
            format!(
                "is {what}; expected the application's public key as the developer portal shows \
                 it: 64 hexadecimal characters"
            ),
        )
    })
}

/// The bot's token; the message never quotes it.
pub(crate) fn parse_bot_token(input: &str, v: &str) -> Result<BotToken, ConfigError> {
    BotToken::new(v).map_err(|_| {
        ConfigError::new(
            input,
            "expected the bot's token alone (the developer portal's Bot page): visible \
             characters, no spaces, no \"Bot \" in front, at most 512 characters (the value \
             is not shown: it is a secret)",
        )
    })
}

/// `IP:PORT` (`[IPv6]:PORT`).
pub(crate) fn parse_listen(input: &str, v: &str) -> Result<SocketAddr, ConfigError> {
    v.trim().parse().map_err(|_| {
        ConfigError::new(
            input,
            format!(
                "{} is not an address to listen on; expected IP:PORT like 127.0.0.1:8080 or \
                 [::1]:8080",
                quoted(v)
            ),
        )
    })
}

/// `N/DURATION`: N at least 1, the duration a whole number (1 when absent) and a unit, `s`,
/// `m` or `h`, more than zero and at most a day (`1/60s`, `5/10m`, `20/h`).
pub(crate) fn parse_rate_limit(input: &str, v: &str) -> Result<RateLimit, ConfigError> {
    let bad = |why: &str| {
        ConfigError::new(
            input,
            format!(
                "{} {why}; expected N/DURATION like 1/60s, 5/10m or 20/1h (diagnoses per user, \
                 then a duration in s, m or h)",
                quoted(v)
            ),
        )
    };
    let Some((n, period)) = v.trim().split_once('/') else {
        return Err(bad("is not a rate limit"));
    };
    let per_user = match n.trim().parse::<u32>() {
        Ok(n @ 1..=MAX_PER_PERIOD) => n,
        Ok(0) => return Err(bad("allows nothing: N must be at least 1")),
        _ => return Err(bad(&format!("has no count of 1 to {MAX_PER_PERIOD}"))),
    };
    let period = period.trim();
    let split = period
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(period.len());
    let (count, unit) = period.split_at(split);
    let unit = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        _ => return Err(bad("has no duration unit s, m or h")),
    };
    let count = match count {
        "" => 1,
        c => c
            .parse::<u64>()
            .map_err(|_| bad("has a duration too long"))?,
    };
    let period = Duration::from_secs(count.saturating_mul(unit));
    if period.is_zero() || period > MAX_PERIOD {
        return Err(bad(
            "has a duration that is not more than zero and at most 24h",
        ));
    }
    let count = NonZeroU32::new(per_user).expect("checked to be at least 1");
    Ok(RateLimit { count, per: period })
}

/// A whole number of diagnoses followed at once, 1 to [`MAX_RUNNING`].
pub(crate) fn parse_max_running(input: &str, v: &str) -> Result<usize, ConfigError> {
    match v.trim().parse::<usize>() {
        Ok(n @ 1..=MAX_RUNNING) => Ok(n),
        _ => Err(ConfigError::new(
            input,
            format!(
                "{} is not a number of diagnoses at once; expected a whole number from 1 to \
                 {MAX_RUNNING}",
                quoted(v)
            ),
        )),
    }
}

/// Discord's API base: https (http on loopback only, for tests), no user, query or
/// fragment.
pub(crate) fn parse_discord_api_url(input: &str, v: &str) -> Result<Url, ConfigError> {
    let url = parse_http_url(input, v.trim())?;
    if url.scheme() == "http" && !is_loopback_host(&url) {
        return Err(ConfigError::new(
            input,
            format!(
                "{url} is plain http: the token would travel unencrypted; use https (http is \
                 accepted for loopback only)"
            ),
        ));
    }
    let secret_parts = !url.username().is_empty() || url.password().is_some();
    if secret_parts || url.query().is_some() || url.fragment().is_some() {
        return Err(ConfigError::new(
            input,
            "must not have a user, a password, a query or a fragment; expected a URL like \
             https://discord.com/api/v10",
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err<T: std::fmt::Debug>(r: Result<T, ConfigError>) -> String {
        r.unwrap_err().to_string()
    }

    #[test]
    fn id_lists_are_comma_separated_snowflakes_deduplicated_in_order() {
        let ids = parse_snowflakes(
            "--allowed-users",
            " 80351110224678912, 1 ,,80351110224678912",
        );
        let ids: Vec<u64> = ids.unwrap().into_iter().map(Snowflake::get).collect();
        assert_eq!(ids, [80351110224678912, 1]);
        let e = err(parse_snowflakes("--allowed-users", "123,abc"));
        assert!(
            e.starts_with("--allowed-users: \"abc\" is not a Discord ID"),
            "{e}"
        );
        for bad in ["007", "-1", "1 2", "123456789012345678901", "1.5"] {
            assert!(parse_snowflakes("x", bad).is_err(), "{bad}");
        }
        let e = err(parse_snowflakes(
            "DISCORD_ALLOWED_GUILDS (environment)",
            " , ",
        ));
        assert!(e.contains("names no ID"), "{e}");
        let many = (1..=1001)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",");
        assert!(err(parse_snowflakes("x", &many)).contains("at most 1000"));
    }

    #[test]
    fn rate_limits_are_a_count_over_a_duration_in_s_m_or_h() {
        let r = |v| parse_rate_limit("--rate-limit", v);
        let secs = |n| Duration::from_secs(n);
        assert_eq!(
            r("1/60s").unwrap(),
            RateLimit {
                count: NonZeroU32::new(1).unwrap(),
                per: secs(60)
            }
        );
        assert_eq!(
            r(" 5 / 10m ").unwrap(),
            RateLimit {
                count: NonZeroU32::new(5).unwrap(),
                per: secs(600)
            }
        );
        assert_eq!(
            r("20/h").unwrap(),
            RateLimit {
                count: NonZeroU32::new(20).unwrap(),
                per: secs(3600)
            }
        );
        assert_eq!(r("3/24h").unwrap().per, secs(86400));
        for bad in [
            "", "1", "0/60s", "-1/60s", "1/60", "1/60d", "1/0s", "1/25h", "x/1s", "1/1ms",
        ] {
            let e = err(r(bad));
            assert!(e.starts_with("--rate-limit: "), "{bad}: {e}");
            assert!(e.contains("expected N/DURATION like 1/60s"), "{bad}: {e}");
        }
        assert!(err(r("0/1m")).contains("at least 1"));
        assert!(err(r("1/99999999999999999999s")).contains("too long"));
    }

    #[test]
    fn the_listen_address_is_an_ip_and_a_port() {
        let a = parse_listen("--listen", "127.0.0.1:8080").unwrap();
        assert_eq!(a.port(), 8080);
        assert!(parse_listen("--listen", "[::1]:0").unwrap().is_ipv6());
        for bad in ["localhost:8080", "127.0.0.1", ":8080", "127.0.0.1:70000"] {
            let e = err(parse_listen("DISCORD_LISTEN (environment)", bad));
            assert!(e.starts_with("DISCORD_LISTEN (environment): "), "{e}");
            assert!(e.contains("expected IP:PORT"), "{e}");
        }
    }

    #[test]
    fn public_key_errors_name_the_input_and_never_quote_the_value() {
        let input = "DISCORD_PUBLIC_KEY (environment)";
        let key = "7b8f0d57d7a6f2cb7bd4ba8a6e1c0be3b1f8f7e2f2d59c8e4f3e8a0d9c1b2a3f";
        for bad in [&key[..63], &format!("{}zz", &key[..62]), &"0".repeat(64)] {
            let e = err(parse_public_key(input, bad));
            assert!(
                e.starts_with("DISCORD_PUBLIC_KEY (environment): is "),
                "{e}"
            );
            assert!(e.contains("64 hexadecimal characters"), "{e}");
            assert!(!e.contains(&bad[..20]), "{e}");
        }
        assert!(err(parse_public_key(input, &key[..63])).contains("63 characters long"));
    }

    #[test]
    fn bot_token_errors_never_quote_the_token() {
        let e = err(parse_bot_token(
            "DISCORD_BOT_TOKEN (environment)",
            "Bot secret-value",
        ));
        assert!(e.starts_with("DISCORD_BOT_TOKEN (environment): expected the bot's token"));
        assert!(!e.contains("secret-value"), "{e}");
        assert!(parse_bot_token("x", " abc.def ").is_ok());
    }

    #[test]
    fn max_running_is_one_to_a_hundred() {
        assert_eq!(parse_max_running("--max-running", "4").unwrap(), 4);
        assert_eq!(parse_max_running("--max-running", "100").unwrap(), 100);
        for bad in ["0", "-1", "101", "two", ""] {
            let e = err(parse_max_running("--max-running", bad));
            assert!(
                e.contains("expected a whole number from 1 to 100"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn the_discord_api_url_is_https_or_loopback_http_without_secrets() {
        let u = parse_discord_api_url("--discord-api-url", "https://discord.com/api/v10").unwrap();
        assert_eq!(u.as_str(), "https://discord.com/api/v10");
        assert!(parse_discord_api_url("x", "http://127.0.0.1:9/api/v10").is_ok());
        for bad in [
            "http://discord.com/api",
            "https://u:p@discord.com/api",
            "https://discord.com/api?x=1",
            "ftp://discord.com",
            "nope",
        ] {
            let e = err(parse_discord_api_url("--discord-api-url", bad));
            assert!(e.starts_with("--discord-api-url: "), "{bad}: {e}");
            assert!(!e.contains("u:p"), "{e}");
        }
    }
}
