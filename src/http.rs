//! The one HTTP client of the process, built in one place: rustls, a product User-Agent,
//! bounded redirects, and the run's deadline.

use std::time::Duration;

use anyhow::Context;

/// `remote-hands/<version>`.
pub const USER_AGENT: &str = concat!("remote-hands/", env!("CARGO_PKG_VERSION"));

/// Redirects followed before a check gives up.
pub const MAX_REDIRECTS: usize = 5;

pub fn client(timeout: Duration) -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .redirect(reqwest::redirect::Policy::limited(MAX_REDIRECTS))
        .connect_timeout(timeout)
        .timeout(timeout)
        .build()
        .context("building the HTTP client")
}
