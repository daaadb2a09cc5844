//! The values the GitHub client is given, checked by `config` before it runs: the token
//! (never printed), the repository, the Discord webhook (its path is a secret) and the host
//! of the web pages that belong to an API URL.

use url::Url;

/// A GitHub token: never printed, never in a Debug output.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Wraps a token that `config` checked (no whitespace, no control characters).
    pub(crate) fn new(token: String) -> Token {
        Token(token)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    #[cfg(test)]
    pub fn for_tests(s: &str) -> Token {
        Token(s.to_string())
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(***)")
    }
}

/// A Discord webhook URL: its path is a secret, so `Debug` shows only the host.
#[derive(Clone)]
pub struct Webhook(Url);

impl Webhook {
    /// Wraps a URL that `config` checked (https, or http on loopback, with a host).
    pub(crate) fn new(url: Url) -> Webhook {
        Webhook(url)
    }

    pub fn url(&self) -> &Url {
        &self.0
    }
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Webhook({}/***)", self.0.origin().ascii_serialization())
    }
}

/// `owner/name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repo {
    pub owner: String,
    pub name: String,
}

impl std::fmt::Display for Repo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// The host (and port, when it is not the scheme's default) of the web pages of a GitHub:
/// `api.github.com` → `github.com`; GitHub Enterprise Cloud with data residency
/// (`api.SUBDOMAIN.ghe.com`) → `SUBDOMAIN.ghe.com`; otherwise (GitHub Enterprise Server,
/// `https://HOST/api/v3`, and loopback fakes) the API's own host and port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebHost {
    host: String,
    port: Option<u16>,
}

impl WebHost {
    pub fn of_api(api: &Url) -> WebHost {
        let host = api.host_str().unwrap_or_default().to_ascii_lowercase();
        let host = match host.as_str() {
            "api.github.com" => "github.com".to_string(),
            h if h.ends_with(".ghe.com") && h.starts_with("api.") => h["api.".len()..].to_string(),
            _ => host,
        };
        WebHost {
            host,
            port: api.port_or_known_default(),
        }
    }

    /// The host name, as `gh --hostname` takes it.
    pub fn host_name(&self) -> String {
        self.host.clone()
    }

    /// Whether `url` is on this host (and port).
    pub fn serves(&self, url: &Url) -> bool {
        url.host_str()
            .is_some_and(|h| h.eq_ignore_ascii_case(&self.host))
            && url.port_or_known_default() == self.port
    }
}

impl std::fmt::Display for WebHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.port {
            Some(443) | None => f.write_str(&self.host),
            Some(p) => write!(f, "{}:{p}", self.host),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let hook = Webhook(Url::parse("https://discord.com/api/webhooks/1/s3cr3t").unwrap());
        let shown = format!("{hook:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(shown.contains("discord.com"), "{shown}");
        assert_eq!(format!("{:?}", Token::for_tests("ghp_x")), "Token(***)");
    }

    #[test]
    fn the_web_host_follows_the_api_url() {
        let web = |api: &str| WebHost::of_api(&Url::parse(api).unwrap());
        let url = |u: &str| Url::parse(u).unwrap();
        let dotcom = web("https://api.github.com/");
        assert_eq!(dotcom.to_string(), "github.com");
        assert!(dotcom.serves(&url("https://github.com/a/b/actions/runs/1")));
        assert!(dotcom.serves(&url("https://GitHub.com/a/b/actions/runs/1")));
        assert!(!dotcom.serves(&url("https://api.github.com/a/b/actions/runs/1")));
        assert!(!dotcom.serves(&url("https://github.com.evil.example/a/b/actions/runs/1")));
        assert!(!dotcom.serves(&url("https://github.com:8443/a/b/actions/runs/1")));
        assert!(!dotcom.serves(&url("http://github.com/a/b/actions/runs/1")));

        let ghes = web("https://ghe.example.com/api/v3/");
        assert_eq!(ghes.to_string(), "ghe.example.com");
        assert!(ghes.serves(&url("https://ghe.example.com/a/b/actions/runs/1")));
        assert!(!ghes.serves(&url("https://github.com/a/b/actions/runs/1")));

        let residency = web("https://api.acme.ghe.com/");
        assert!(residency.serves(&url("https://acme.ghe.com/a/b/actions/runs/1")));

        let fake = web("http://127.0.0.1:4567/");
        assert_eq!(fake.to_string(), "127.0.0.1:4567");
        assert!(fake.serves(&url("http://127.0.0.1:4567/a/b/actions/runs/1")));
        assert!(!fake.serves(&url("http://127.0.0.1:4568/a/b/actions/runs/1")));
    }
}
