//! What can go wrong talking to GitHub, as variants callers branch on: a permission
//! problem is reported differently from a missing repository or a rate limit. The
//! mapping from an error answer's status to its variant lives here, in
//! [`GithubError::answered`].

use std::time::Duration;

use reqwest::header::HeaderMap;

#[derive(Debug, thiserror::Error)]
pub enum GithubError {
    #[error("GitHub rejected the token (401 Bad credentials): check GITHUB_TOKEN / GH_TOKEN")]
    BadCredentials,

    /// 403 that is not a rate limit. `permission` is what GitHub says the request needs
    /// (`x-accepted-github-permissions`), when it says.
    #[error("{what}: GitHub refused (403 {message}){}", needs(.permission.as_deref()))]
    Forbidden {
        what: String,
        message: String,
        permission: Option<String>,
    },

    /// 404: the repository, workflow or run is not there, or the token cannot see it.
    #[error(
        "{what}: not found (404) in {repo} — check the name, and that the token can see the repository"
    )]
    NotFound { what: String, repo: String },

    /// 400 / 409 / 410 / 422: the request was understood and refused.
    #[error("{what}: GitHub answered {status}: {message}")]
    Refused {
        what: String,
        status: u16,
        message: String,
    },

    #[error("GitHub's rate limit: {0}")]
    RateLimited(String),

    #[error("{what}: GitHub answered {status} after {attempts} attempts: {message}")]
    Server {
        what: String,
        status: u16,
        attempts: u32,
        message: String,
    },

    #[error("{what}: {message}")]
    Transport { what: String, message: String },

    /// A write (a dispatch, a cancel) that may or may not have reached GitHub: it failed
    /// after it may have been sent (a 5xx, a timeout, a connection lost), so it was not
    /// sent again.
    #[error("{what}: {message}; GitHub may or may not have acted on it, and it was not sent again")]
    Ambiguous { what: String, message: String },

    #[error("{what}: gave up after {} s", .waited.as_secs())]
    Deadline { what: String, waited: Duration },

    #[error("{0}")]
    Invalid(String),
}

fn needs(permission: Option<&str>) -> String {
    permission
        .map(|p| format!("; the token needs the permission {p}"))
        .unwrap_or_default()
}

/// An error answer (not a success, a redirect or a rate limit), as [`GithubError::answered`]
/// reads it.
pub struct Answered<'a> {
    /// What the request was doing ("listing the runs").
    pub what: &'a str,
    pub status: u16,
    pub headers: &'a HeaderMap,
    /// GitHub's `message`, or the start of the body.
    pub message: String,
    /// `owner/name`, for a 404.
    pub repo: &'a str,
    /// Whether the request was a write (sent at most once).
    pub write: bool,
    /// Tries so far, for a 5xx to a read.
    pub attempts: u32,
}

impl GithubError {
    /// The error an answer is: 401, 403 (with the permission GitHub names), 404, a 5xx
    /// (to a write: it may have been acted on), any other status (refused).
    pub fn answered(a: Answered<'_>) -> GithubError {
        let what = a.what.to_string();
        match a.status {
            401 => GithubError::BadCredentials,
            403 => GithubError::Forbidden {
                what,
                message: a.message,
                permission: a
                    .headers
                    .get("x-accepted-github-permissions")
                    .and_then(|v| v.to_str().ok())
                    .filter(|v| !v.is_empty())
                    .map(str::to_string),
            },
            404 => GithubError::NotFound {
                what,
                repo: a.repo.to_string(),
            },
            s if s >= 500 && a.write => GithubError::Ambiguous {
                what,
                message: format!("GitHub answered {s} ({})", a.message),
            },
            s if s >= 500 => GithubError::Server {
                what,
                status: s,
                attempts: a.attempts,
                message: a.message,
            },
            s => GithubError::Refused {
                what,
                status: s,
                message: a.message,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn answered(status: u16, headers: &HeaderMap, write: bool) -> GithubError {
        GithubError::answered(Answered {
            what: "sending it",
            status,
            headers,
            message: "Nope".into(),
            repo: "acme/site",
            write,
            attempts: 3,
        })
    }

    #[test]
    fn each_status_is_its_error() {
        let none = HeaderMap::new();
        assert!(matches!(
            answered(401, &none, false),
            GithubError::BadCredentials
        ));
        assert_eq!(
            answered(404, &none, false).to_string(),
            "sending it: not found (404) in acme/site — check the name, and that the token can see the repository"
        );
        assert_eq!(
            answered(422, &none, true).to_string(),
            "sending it: GitHub answered 422: Nope"
        );
        assert_eq!(
            answered(503, &none, false).to_string(),
            "sending it: GitHub answered 503 after 3 attempts: Nope"
        );
        assert_eq!(
            answered(502, &none, true).to_string(),
            "sending it: GitHub answered 502 (Nope); GitHub may or may not have acted on it, and it was not sent again"
        );
    }

    #[test]
    fn a_403_carries_the_permission_github_names() {
        let mut headers = HeaderMap::new();
        match answered(403, &headers, true) {
            e @ GithubError::Forbidden {
                permission: None, ..
            } => assert_eq!(e.to_string(), "sending it: GitHub refused (403 Nope)"),
            other => panic!("{other:?}"),
        }
        headers.insert(
            "x-accepted-github-permissions",
            HeaderValue::from_static("contents=write"),
        );
        match answered(403, &headers, true) {
            e @ GithubError::Forbidden {
                permission: Some(_),
                ..
            } => assert_eq!(
                e.to_string(),
                "sending it: GitHub refused (403 Nope); the token needs the permission contents=write"
            ),
            other => panic!("{other:?}"),
        }
        // An empty header names nothing.
        headers.insert(
            "x-accepted-github-permissions",
            HeaderValue::from_static(""),
        );
        assert!(matches!(
            answered(403, &headers, true),
            GithubError::Forbidden {
                permission: None,
                ..
            }
        ));
    }
}
