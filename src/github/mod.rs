//! The GitHub REST client of `dispatch` and `result`: every request goes through one
//! place that sets `User-Agent`, `X-GitHub-Api-Version` and the token, asks the rate-limit
//! governor first, revalidates GETs with `If-None-Match` (a 304 is free), retries
//! transient failures of reads within the caller's deadline, and turns error answers into
//! [`GithubError`] variants. Writes (POST) are sent at most once: one is sent again only
//! when the connection could not be made, so nothing reached GitHub; any other failure
//! is [`GithubError::Ambiguous`]. The caller's deadline covers the whole exchange, the
//! body included. A redirect within the API (a renamed repository) is followed with the
//! token; a download's redirect to another host gets a fresh request without it.
//!
//! One try of a request (`attempt.rs`) says what to do next; the loop here does it. The
//! Actions endpoints the rest of the crate uses are typed functions in [`actions`]; waits
//! (rate limits, retries) are announced as [`Notice`]s; every request is logged at debug
//! level (method, redacted URL, status, time taken — never the token).

pub mod actions;
mod attempt;
pub mod backoff;
pub mod error;
pub mod ratelimit;
pub mod types;
pub mod values;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use reqwest::Method;
use reqwest::header::{self, HeaderMap, HeaderValue};
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use crate::clock::Clock;
use attempt::{Exchange, Next, ReadError, Reading, Why, read_capped, until};
use backoff::seconds;
pub use error::GithubError;
use ratelimit::Governor;
pub use values::{Repo, Token, WebHost, Webhook};

/// The REST API version the client speaks.
pub const API_VERSION: &str = "2022-11-28";

/// An answer, after 304s were replaced by the cached body.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json<T: DeserializeOwned>(&self, what: &str) -> Result<T, GithubError> {
        serde_json::from_slice(&self.body).map_err(|e| {
            GithubError::Invalid(format!(
                "{what}: GitHub's answer is not what was expected: {e}"
            ))
        })
    }
}

/// A wait or a second try the client makes on its own, for whoever shows progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// The rate limit holds the next try back this long.
    RateLimited { wait: Duration, why: &'static str },
    /// A failure that may pass (a 5xx to a read, a connection that could not be made):
    /// tried again after `wait`.
    Retrying { wait: Duration, why: String },
    /// A 304 to a request that had no cached answer: asked once more, past any cache.
    Uncached { what: String },
}

impl std::fmt::Display for Notice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Notice::RateLimited { wait, why } => write!(f, "{why}; waiting {}", seconds(*wait)),
            Notice::Retrying { wait, why } => {
                write!(f, "{why}; retrying; waiting {}", seconds(*wait))
            }
            Notice::Uncached { what } => write!(
                f,
                "{what}: GitHub answered 304 Not Modified to a request that had no cached answer; asking once more, past any cache"
            ),
        }
    }
}

/// Where [`Notice`]s go.
pub type NoticeSink = Box<dyn Fn(&Notice) + Send + Sync>;

pub struct Github {
    http: reqwest::Client,
    api: Url,
    repo: Repo,
    token: Token,
    governor: Governor,
    etags: Mutex<HashMap<String, (HeaderValue, Vec<u8>)>>,
    clock: Clock,
    notice: NoticeSink,
}

impl Github {
    pub fn new(
        http: reqwest::Client,
        api: Url,
        repo: Repo,
        token: Token,
        clock: Clock,
        notice: NoticeSink,
    ) -> Github {
        Github {
            http,
            api,
            repo,
            token,
            governor: Governor::default(),
            etags: Mutex::new(HashMap::new()),
            clock,
            notice,
        }
    }

    /// The HTTP client (it follows no redirects).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The repository every request is about.
    pub fn repo(&self) -> &Repo {
        &self.repo
    }

    /// The clock every wait is measured on.
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// `repos/OWNER/NAME/` + `rest`.
    fn repo_url(&self, rest: &str, query: &[(&str, String)]) -> Url {
        let path = match rest {
            "" => format!("repos/{}/{}", self.repo.owner, self.repo.name),
            _ => format!("repos/{}/{}/{rest}", self.repo.owner, self.repo.name),
        };
        let mut url = self.api.join(&path).expect("a relative path joins");
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        url
    }

    /// Announces `notice` and waits, unless the wait would pass `deadline` (false then).
    async fn pause(&self, wait: Duration, notice: Notice, deadline: Instant) -> bool {
        if self.clock.scaled(wait) > deadline.saturating_duration_since(Instant::now()) {
            return false;
        }
        (self.notice)(&notice);
        self.clock.sleep(wait).await;
        true
    }

    /// Waits out a rate limit, unless the wait would pass `deadline`.
    async fn wait_limit(
        &self,
        wait: Duration,
        why: &'static str,
        deadline: Instant,
    ) -> Result<(), GithubError> {
        if self
            .pause(wait, Notice::RateLimited { wait, why }, deadline)
            .await
        {
            return Ok(());
        }
        Err(GithubError::RateLimited(format!(
            "{why}; the next try would be in {}, after the deadline",
            seconds(wait)
        )))
    }

    /// Sends one API request. `what` names it in errors ("listing the runs"). A redirect
    /// within the API's own origin (a renamed or transferred repository: 301 for reads,
    /// 307 for writes) is followed with the token; a redirect anywhere else is an error.
    async fn call(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
        what: &str,
        deadline: Instant,
    ) -> Result<Answer, GithubError> {
        self.send(Exchange::new(
            method,
            url,
            body,
            what,
            deadline,
            Reading::Json,
        ))
        .await
    }

    /// GET and parse.
    async fn get<T: DeserializeOwned>(
        &self,
        url: Url,
        what: &str,
        deadline: Instant,
    ) -> Result<T, GithubError> {
        self.call(Method::GET, url, None, what, deadline)
            .await?
            .json(what)
    }

    /// Tries `ex` until an attempt says it is done or failed.
    async fn send(&self, mut ex: Exchange<'_>) -> Result<Answer, GithubError> {
        let deadline = ex.deadline;
        loop {
            let hold = self.governor.wait_before_request();
            if !hold.is_zero() {
                self.wait_limit(hold, "the rate limit is used up until its reset", deadline)
                    .await?;
            }
            match self.attempt(&mut ex).await {
                Next::Done(answer) => return Ok(answer),
                Next::Fail(e) => return Err(e),
                Next::FollowRedirect(url) => ex.url = url,
                Next::RetryAfter(wait, Why::RateLimit(why)) => {
                    self.wait_limit(wait, why, deadline).await?;
                }
                Next::RetryAfter(wait, Why::Failed { why, error }) => {
                    if !self
                        .pause(wait, Notice::Retrying { wait, why }, deadline)
                        .await
                    {
                        return Err(error);
                    }
                }
                Next::RetryAfter(_, Why::PastCache) => {
                    (self.notice)(&Notice::Uncached {
                        what: ex.what.to_string(),
                    });
                }
            }
        }
    }

    /// Downloads what `url` redirects to (an artifact zip, a job log), at most `cap`
    /// bytes (more is an error). The API request carries the token, and so does a hop
    /// within the API; the download location elsewhere gets a fresh request without it.
    async fn download(
        &self,
        url: Url,
        what: &str,
        cap: u64,
        deadline: Instant,
    ) -> Result<Vec<u8>, GithubError> {
        let began = Instant::now();
        let ex = Exchange::new(
            Method::GET,
            url.clone(),
            None,
            what,
            deadline,
            Reading::Download(cap),
        );
        let answer = self.send(ex).await?;
        if answer.status == 200 {
            return cap_body(answer.body, cap, what);
        }
        let target = download_location(&url, &answer, what)?;
        let deadline_passed = || GithubError::Deadline {
            what: what.to_string(),
            waited: self.clock.since(began),
        };
        let sent_at = Instant::now();
        let sent = until(deadline, self.http.get(target.clone()).send()).await;
        attempt::trace(&Method::GET, &target, &sent, sent_at);
        let response =
            sent.map_err(|_| deadline_passed())?
                .map_err(|e| GithubError::Transport {
                    what: what.to_string(),
                    message: crate::text::error_chain(&e.without_url()),
                })?;
        let status = response.status();
        if !status.is_success() {
            return Err(GithubError::Refused {
                what: what.to_string(),
                status: status.as_u16(),
                message: "the download location refused".to_string(),
            });
        }
        if let Some(len) = response.content_length()
            && len > cap
        {
            return Err(GithubError::Invalid(format!(
                "{what}: {len} bytes, more than the {cap}-byte limit"
            )));
        }
        let body = read_capped(response, cap + 1, deadline)
            .await
            .map_err(|e| match e {
                ReadError::Deadline => deadline_passed(),
                ReadError::Transport(message) => GithubError::Transport {
                    what: what.to_string(),
                    message,
                },
            })?;
        cap_body(body, cap, what)
    }
}

/// Where a download's answer sends it: an http(s) URL, relative to `url`.
fn download_location(url: &Url, answer: &Answer, what: &str) -> Result<Url, GithubError> {
    let location = answer
        .headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            GithubError::Invalid(format!(
                "{what}: GitHub answered {} without a location",
                answer.status
            ))
        })?;
    let target = url
        .join(location)
        .map_err(|_| GithubError::Invalid(format!("{what}: the redirect location is not a URL")))?;
    if !matches!(target.scheme(), "http" | "https") {
        return Err(GithubError::Invalid(format!(
            "{what}: refusing a redirect to a {} URL",
            target.scheme()
        )));
    }
    Ok(target)
}

fn cap_body(body: Vec<u8>, cap: u64, what: &str) -> Result<Vec<u8>, GithubError> {
    if body.len() as u64 > cap {
        return Err(GithubError::Invalid(format!(
            "{what}: more than the {cap}-byte limit"
        )));
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn github(api: &str) -> Github {
        Github::new(
            reqwest::Client::new(),
            Url::parse(api).unwrap(),
            Repo {
                owner: "acme".into(),
                name: "site".into(),
            },
            Token::for_tests("t"),
            Clock::new(1.0),
            Box::new(|_| {}),
        )
    }

    #[test]
    fn urls_keep_the_enterprise_server_prefix() {
        let gh = github("https://ghe.example.com/api/v3/");
        assert_eq!(
            gh.repo_url(
                "actions/runs/1",
                &[("created", ">=2026-11-25T05:00:00Z".into())]
            )
            .as_str(),
            "https://ghe.example.com/api/v3/repos/acme/site/actions/runs/1?created=%3E%3D2026-11-25T05%3A00%3A00Z"
        );
        assert_eq!(
            gh.repo_url("", &[]).as_str(),
            "https://ghe.example.com/api/v3/repos/acme/site"
        );
    }

    #[test]
    fn notices_say_what_is_waited_for() {
        let n = Notice::RateLimited {
            wait: Duration::from_secs(60),
            why: "GitHub's secondary rate limit was hit",
        };
        assert_eq!(
            n.to_string(),
            "GitHub's secondary rate limit was hit; waiting 60 s"
        );
        let n = Notice::Retrying {
            wait: Duration::from_millis(800),
            why: "reading run 1: GitHub answered 502".into(),
        };
        assert_eq!(
            n.to_string(),
            "reading run 1: GitHub answered 502; retrying; waiting 0.8 s"
        );
    }
}
