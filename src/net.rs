//! The HTTP clients of the process, built in one place: rustls and a product User-Agent.
//! `check` gets one that follows bounded redirects under the URL policy; `dispatch` and
//! `result` get one that follows none, so a redirect to another host never carries the
//! GitHub token.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use crate::policy::{PolicyResolver, UrlPolicy};

/// `remote-hands/<version>`.
pub const USER_AGENT: &str = concat!("remote-hands/", env!("CARGO_PKG_VERSION"));

/// Redirects followed before a check gives up.
pub const MAX_REDIRECTS: usize = 5;

/// The client of the HTTP checks. With an active [`UrlPolicy`], every redirect target (its
/// scheme, host and port, and the address when it is a literal) and every address a name
/// resolves to is checked against it — cloud metadata endpoints are refused whatever the
/// policy allows — and no proxy is used (a proxy would resolve names where the policy
/// cannot see the addresses).
pub fn client(timeout: Duration, policy: &UrlPolicy) -> anyhow::Result<reqwest::Client> {
    let policy = Arc::new(policy.clone());
    let mut builder = reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .connect_timeout(timeout)
        .timeout(timeout);
    if policy.is_active() {
        let redirect_policy = policy.clone();
        builder = builder
            .no_proxy()
            .dns_resolver(Arc::new(PolicyResolver(policy)))
            .redirect(reqwest::redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() > MAX_REDIRECTS {
                    return attempt.error(format!("more than {MAX_REDIRECTS} redirects"));
                }
                match redirect_policy.check_url(attempt.url()) {
                    Ok(()) => attempt.follow(),
                    Err(why) => {
                        let to = crate::text::redact_url(attempt.url());
                        attempt.error(format!("redirect to {to} refused by the URL policy: {why}"))
                    }
                }
            }));
    } else {
        builder = builder.redirect(reqwest::redirect::Policy::limited(MAX_REDIRECTS));
    }
    builder.build().context("building the HTTP client")
}

/// The client of `dispatch` and `result`: no redirects followed (the caller follows them
/// by hand, without credentials), no cookies, bounded connect and request times.
pub fn api_client() -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .build()
        .context("building the HTTP client")
}
