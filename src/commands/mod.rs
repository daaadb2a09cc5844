//! The commands, one file each: from the parsed command line to an exit code. Each
//! validates its configuration (a usage error is one line and exit 2), drives the library
//! (`diagnose` for `check`, `remote` for `dispatch` and `result`, Discord's API for
//! `discord register`), shows its events as
//! progress on standard error and prints the outcome in the chosen format. What they
//! share is here: the usage error, the async runtime and the `-v` token-source line.

pub mod baseline;
pub mod check;
pub mod completions;
pub mod discord;
pub mod dispatch;
pub mod progress;
pub mod result;
pub mod verify_latest;

use std::fmt::Display;
use std::future::Future;
use std::process::ExitCode;

use crate::config::GithubConfig;
use crate::diagnose::EXIT_USAGE;
use crate::text::{one_line, redact_urls_in};

/// A usage or configuration error: one line on standard error (URLs redacted), exit 2.
pub fn usage_error(e: &dyn Display) -> ExitCode {
    eprintln!("error: {}", one_line(&redact_urls_in(&e.to_string())));
    ExitCode::from(EXIT_USAGE)
}

/// Runs `job` on a multi-threaded runtime; an error is a one-line message and exit 2.
pub fn block_on<F, C>(job: F) -> ExitCode
where
    F: Future<Output = anyhow::Result<C>>,
    C: Into<u8>,
{
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: starting the async runtime: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    match runtime.block_on(job) {
        Ok(code) => ExitCode::from(code.into()),
        Err(e) => {
            eprintln!("error: {}", one_line(&redact_urls_in(&format!("{e:#}"))));
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// With `-v`: where the GitHub token came from (never the token).
pub fn say_token_source(verbose: u8, github: &GithubConfig) {
    if verbose > 0 {
        eprintln!(
            "remote-hands: GitHub token from {} (for {})",
            github.token_source, github.api_url
        );
    }
}
