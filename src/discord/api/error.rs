//! How a call to Discord's API failed, for callers to branch on: Discord answered an
//! error (with its JSON error code: 10015 is an expired interaction), kept rate limiting,
//! did not answer in time, could not be reached, answered something else than expected,
//! or the call needs the bot token and there is none. Messages name the call, never a
//! token.

use std::time::Duration;

/// Why a call failed. `what` says which call ("editing the interaction's message").
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{what}: Discord answered {status}{}: {message}", code_note(*code))]
    Status {
        what: &'static str,
        status: u16,
        /// Discord's JSON error code (10015: unknown webhook, an expired interaction).
        code: Option<u64>,
        message: String,
    },
    #[error(
        "{what}: Discord is rate limiting; the next try would be in {:.1} s, past the deadline \
         or after a retry already made",
        retry_after.as_secs_f64()
    )]
    RateLimited {
        what: &'static str,
        retry_after: Duration,
    },
    #[error("{what}: no complete answer from Discord within {} s", waited.as_secs())]
    Timeout {
        what: &'static str,
        waited: Duration,
    },
    #[error("{what}: {message}")]
    Transport { what: &'static str, message: String },
    #[error("{what}: Discord's answer is not what was expected: {message}")]
    Invalid { what: &'static str, message: String },
    #[error("{what} needs the bot's token (DISCORD_BOT_TOKEN)")]
    NoBotToken { what: &'static str },
}

fn code_note(code: Option<u64>) -> String {
    code.map(|c| format!(" (code {c})")).unwrap_or_default()
}

impl ApiError {
    /// The HTTP status Discord answered, when it answered with an error.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Status { status, .. } => Some(*status),
            ApiError::RateLimited { .. } => Some(429),
            _ => None,
        }
    }
}
