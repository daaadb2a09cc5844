//! What can go wrong talking to GitHub, as variants callers branch on: a permission
//! problem is reported differently from a missing repository or a rate limit.

use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum GithubError {
    #[error("GitHub rejected the token (401 Bad credentials): check GITHUB_TOKEN / GH_TOKEN")]
    BadCredentials,

    /// 403 that is not a rate limit.
    #[error("{0}")]
    Forbidden(String),

    #[error("{0}")]
    NotFound(String),

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

impl GithubError {
    pub fn status(&self) -> Option<u16> {
        match self {
            GithubError::BadCredentials => Some(401),
            GithubError::Refused { status, .. } | GithubError::Server { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }
}
