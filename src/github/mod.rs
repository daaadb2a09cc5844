//! The GitHub REST client of `dispatch` and `result`: every request goes through one
//! place that sets `User-Agent`, `X-GitHub-Api-Version` and the token, asks the rate-limit
//! governor first, revalidates GETs with `If-None-Match` (a 304 is free), retries
//! transient failures of reads within the caller's deadline, and turns error answers into
//! [`GithubError`] variants. Writes (POST) are sent at most once: one is sent again only
//! when the connection could not be made, so nothing reached GitHub; any other failure
//! is [`GithubError::Ambiguous`]. The caller's deadline covers the whole exchange, the
//! body included. A redirect within the API (a renamed repository) is followed with the
//! token; a download's redirect to another host gets a fresh request without it.

pub mod error;
pub mod ratelimit;
pub mod types;
pub mod values;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use crate::clock::Clock;
use crate::config::{Repo, Token};
pub use error::GithubError;
use ratelimit::{Governor, Limited};
pub use values::{WebHost, Webhook};

/// The REST API version the client speaks.
pub const API_VERSION: &str = "2022-11-28";
/// Largest JSON answer read.
const MAX_JSON: u64 = 8 * 1024 * 1024;
/// Attempts for a request that fails in transport or with a 5xx.
const ATTEMPTS: u32 = 3;
/// Same-origin redirects followed for one API request.
const MAX_REDIRECTS: u32 = 3;

/// An answer, after 304s were replaced by the cached body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json<T: DeserializeOwned>(&self, what: &str) -> Result<T, GithubError> {
        serde_json::from_slice(&self.body).map_err(|e| {
            GithubError::Invalid(format!(
                "{what}: GitHub's answer is not what was expected: {e}"
            ))
        })
    }
}

pub struct Github {
    http: reqwest::Client,
    api: Url,
    pub repo: Repo,
    token: Token,
    pub governor: Governor,
    etags: Mutex<HashMap<String, (HeaderValue, Vec<u8>)>>,
    pub clock: Clock,
    /// Where waits are announced (rate limits, retries).
    note: Box<dyn Fn(&str) + Send + Sync>,
}

impl Github {
    pub fn new(
        http: reqwest::Client,
        api: Url,
        repo: Repo,
        token: Token,
        clock: Clock,
        note: Box<dyn Fn(&str) + Send + Sync>,
    ) -> Github {
        Github {
            http,
            api,
            repo,
            token,
            governor: Governor::default(),
            etags: Mutex::new(HashMap::new()),
            clock,
            note,
        }
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// `repos/OWNER/NAME/` + `rest`.
    pub fn repo_url(&self, rest: &str, query: &[(&str, String)]) -> Url {
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

    /// Waits, unless the wait would pass `deadline`.
    async fn wait(&self, wait: Duration, why: &str, deadline: Instant) -> Result<(), GithubError> {
        if self.clock.scaled(wait) > deadline.saturating_duration_since(Instant::now()) {
            return Err(GithubError::RateLimited(format!(
                "{why}; the next try would be in {}, after the deadline",
                seconds(wait)
            )));
        }
        (self.note)(&format!("{why}; waiting {}", seconds(wait)));
        self.clock.sleep(wait).await;
        Ok(())
    }

    /// Sends one API request. `what` names it in errors ("listing the runs"). A redirect
    /// within the API's own origin (a renamed or transferred repository: 301 for reads,
    /// 307 for writes) is followed with the token; a redirect anywhere else is an error.
    pub async fn call(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
        what: &str,
        deadline: Instant,
    ) -> Result<Answer, GithubError> {
        self.send(method, url, body, what, deadline, Reading::Json)
            .await
    }

    /// [`Github::call`], or the API half of a download (see [`Reading`]).
    async fn send(
        &self,
        method: Method,
        mut url: Url,
        body: Option<&Value>,
        what: &str,
        deadline: Instant,
        reading: Reading,
    ) -> Result<Answer, GithubError> {
        let cache_key = (method == Method::GET).then(|| url.to_string());
        let write = !matches!(method, Method::GET | Method::HEAD);
        let mut failures = 0u32;
        let mut redirects = 0u32;
        // Set after a 304 that had no cached answer: the next try bypasses caches.
        let mut uncached_304 = false;
        let began = Instant::now();
        let deadline_passed = || GithubError::Deadline {
            what: what.to_string(),
            waited: self.clock.since(began),
        };
        loop {
            let hold = self.governor.wait_before_request();
            if !hold.is_zero() {
                self.wait(hold, "the rate limit is used up until its reset", deadline)
                    .await?;
            }
            let mut req = self
                .http
                .request(method.clone(), url.clone())
                .header(header::ACCEPT, "application/vnd.github+json")
                .header("X-GitHub-Api-Version", API_VERSION)
                .bearer_auth(self.token.expose());
            if uncached_304 {
                req = req.header(header::CACHE_CONTROL, "no-cache");
            } else if let Some(key) = &cache_key
                && let Some((etag, _)) = self.etags.lock().unwrap().get(key)
            {
                req = req.header(header::IF_NONE_MATCH, etag.clone());
            }
            if let Some(body) = body {
                req = req.json(body);
            }
            let sent = until(deadline, req.send()).await;
            let response = match sent {
                Err(_) if write => {
                    return Err(GithubError::Ambiguous {
                        what: what.to_string(),
                        message: format!(
                            "no answer within the deadline ({} s)",
                            self.clock.since(began).as_secs()
                        ),
                    });
                }
                Err(_) => return Err(deadline_passed()),
                Ok(Err(e)) => {
                    let message = crate::text::error_chain(&e);
                    // Only a connection that was never made certainly sent nothing.
                    if write && !e.is_connect() {
                        return Err(GithubError::Ambiguous {
                            what: what.to_string(),
                            message,
                        });
                    }
                    failures += 1;
                    if failures >= ATTEMPTS {
                        return Err(GithubError::Transport {
                            what: what.to_string(),
                            message,
                        });
                    }
                    self.wait(
                        backoff(failures),
                        &format!("{what}: {message}; retrying"),
                        deadline,
                    )
                    .await
                    .map_err(|_| GithubError::Transport {
                        what: what.to_string(),
                        message: message.clone(),
                    })?;
                    continue;
                }
                Ok(Ok(r)) => r,
            };
            let status = response.status();
            let headers = response.headers().clone();
            self.governor.observe(status.as_u16(), &headers);
            if status == StatusCode::NOT_MODIFIED {
                let cached = cache_key
                    .as_ref()
                    .and_then(|key| self.etags.lock().unwrap().get(key).cloned());
                if let Some((_, body)) = cached {
                    return Ok(Answer {
                        status: 200,
                        headers,
                        body,
                    });
                }
                let said = format!(
                    "{what}: GitHub answered 304 Not Modified to a request that had no cached answer"
                );
                if write || uncached_304 {
                    return Err(GithubError::Invalid(format!(
                        "{said}{}",
                        if uncached_304 {
                            ", twice (is a proxy between here and GitHub answering from its cache?)"
                        } else {
                            ""
                        }
                    )));
                }
                (self.note)(&format!("{said}; asking once more, past any cache"));
                uncached_304 = true;
                continue;
            }
            let body = match read_capped(response, reading.cap(), deadline).await {
                Ok(body) => body,
                // A write was answered: whether it was taken is in the status, even when
                // the rest of the answer is lost.
                Err(_) if write => Vec::new(),
                Err(ReadError::Deadline) => return Err(deadline_passed()),
                Err(ReadError::Transport(message)) => {
                    return Err(GithubError::Transport {
                        what: what.to_string(),
                        message,
                    });
                }
            };
            if status.is_redirection() {
                // Within the API's origin: followed with the token (a renamed repository).
                // Elsewhere: a download's location, or an error.
                redirects += 1;
                match self.same_origin_redirect(&url, status, &headers, what, redirects) {
                    Ok(next) => {
                        url = next;
                        continue;
                    }
                    Err(_) if matches!(reading, Reading::Download(_)) => {}
                    Err(e) => return Err(e),
                }
            }
            if status.is_success() || status.is_redirection() {
                if status == StatusCode::OK
                    && let (Some(key), Some(etag)) = (&cache_key, headers.get(header::ETAG))
                {
                    self.etags
                        .lock()
                        .unwrap()
                        .insert(key.clone(), (etag.clone(), body.clone()));
                }
                return Ok(Answer {
                    status: status.as_u16(),
                    headers,
                    body,
                });
            }
            let text = String::from_utf8_lossy(&body).into_owned();
            let message = api_message(&text);
            match self.governor.classify(status.as_u16(), &headers, &text) {
                Limited::Primary(wait) => {
                    self.wait(wait, "GitHub's rate limit is used up", deadline)
                        .await?;
                    continue;
                }
                Limited::Secondary(wait) => {
                    self.wait(wait, "GitHub's secondary rate limit was hit", deadline)
                        .await?;
                    continue;
                }
                Limited::No => {}
            }
            match status.as_u16() {
                401 => return Err(GithubError::BadCredentials),
                403 => {
                    let accepted = headers
                        .get("x-accepted-github-permissions")
                        .and_then(|v| v.to_str().ok())
                        .filter(|v| !v.is_empty());
                    let need = match accepted {
                        Some(p) => format!("; the token needs the permission {p}"),
                        None => String::new(),
                    };
                    return Err(GithubError::Forbidden(format!(
                        "{what}: GitHub refused (403 {message}){need}"
                    )));
                }
                404 => {
                    return Err(GithubError::NotFound(format!(
                        "{what}: not found (404) in {} — check the name, and that the token can see the repository",
                        self.repo
                    )));
                }
                s if s >= 500 && write => {
                    return Err(GithubError::Ambiguous {
                        what: what.to_string(),
                        message: format!("GitHub answered {s} ({message})"),
                    });
                }
                s if s >= 500 => {
                    failures += 1;
                    if failures >= ATTEMPTS {
                        return Err(GithubError::Server {
                            what: what.to_string(),
                            status: s,
                            attempts: failures,
                            message,
                        });
                    }
                    self.wait(
                        backoff(failures),
                        &format!("{what}: GitHub answered {s}; retrying"),
                        deadline,
                    )
                    .await
                    .map_err(|_| GithubError::Server {
                        what: what.to_string(),
                        status: s,
                        attempts: failures,
                        message: message.clone(),
                    })?;
                }
                s => {
                    return Err(GithubError::Refused {
                        what: what.to_string(),
                        status: s,
                        message,
                    });
                }
            }
        }
    }

    /// GET and parse.
    pub async fn get<T: DeserializeOwned>(
        &self,
        url: Url,
        what: &str,
        deadline: Instant,
    ) -> Result<T, GithubError> {
        self.call(Method::GET, url, None, what, deadline)
            .await?
            .json(what)
    }

    /// Downloads what `url` redirects to (an artifact zip, a job log), at most `cap`
    /// bytes (more is an error). The API request carries the token, and so does a hop
    /// within the API; the download location elsewhere gets a fresh request without it.
    pub async fn download(
        &self,
        url: Url,
        what: &str,
        cap: u64,
        deadline: Instant,
    ) -> Result<Vec<u8>, GithubError> {
        let began = Instant::now();
        let answer = self
            .send(
                Method::GET,
                url.clone(),
                None,
                what,
                deadline,
                Reading::Download(cap),
            )
            .await?;
        if answer.status == 200 {
            return cap_body(answer.body, cap, what);
        }
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
        let target = url.join(location).map_err(|_| {
            GithubError::Invalid(format!("{what}: the redirect location is not a URL"))
        })?;
        if !matches!(target.scheme(), "http" | "https") {
            return Err(GithubError::Invalid(format!(
                "{what}: refusing a redirect to a {} URL",
                target.scheme()
            )));
        }
        let deadline_passed = || GithubError::Deadline {
            what: what.to_string(),
            waited: self.clock.since(began),
        };
        let response = until(deadline, self.http.get(target).send())
            .await
            .map_err(|_| deadline_passed())?
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

impl Github {
    /// Where a 301/302/307/308 from the API leads, when it stays within the API — same
    /// scheme, host and port, under the API's base path (`/api/v3/` on GitHub Enterprise
    /// Server) — so the token may go there; an error otherwise.
    fn same_origin_redirect(
        &self,
        from: &Url,
        status: StatusCode,
        headers: &HeaderMap,
        what: &str,
        hops: u32,
    ) -> Result<Url, GithubError> {
        let code = status.as_u16();
        if hops > MAX_REDIRECTS {
            return Err(GithubError::Invalid(format!(
                "{what}: GitHub redirected more than {MAX_REDIRECTS} times"
            )));
        }
        let target = headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|l| from.join(l).ok())
            .ok_or_else(|| {
                GithubError::Invalid(format!(
                    "{what}: GitHub answered {code} without a usable location"
                ))
            })?;
        let within_api =
            target.origin() == self.api.origin() && target.path().starts_with(self.api.path());
        if !matches!(code, 301 | 302 | 307 | 308) || !within_api {
            return Err(GithubError::Invalid(format!(
                "{what}: GitHub answered {code}, moving the request to {}{}; not following it with the token (was the repository moved? check --repo and --api-url)",
                target.origin().ascii_serialization(),
                if within_api {
                    ""
                } else {
                    " (outside the API URL)"
                }
            )));
        }
        Ok(target)
    }
}

/// What an API request reads.
#[derive(Clone, Copy)]
enum Reading {
    /// A JSON answer, up to [`MAX_JSON`]; a redirect away from the API is an error.
    Json,
    /// A download of at most this many bytes: a redirect away from the API is the
    /// answer (the download's location), and one byte more than the cap is read so that
    /// the caller can tell an oversized body.
    Download(u64),
}

impl Reading {
    fn cap(self) -> u64 {
        match self {
            Reading::Json => MAX_JSON,
            Reading::Download(cap) => cap + 1,
        }
    }
}

fn cap_body(body: Vec<u8>, cap: u64, what: &str) -> Result<Vec<u8>, GithubError> {
    if body.len() as u64 > cap {
        return Err(GithubError::Invalid(format!(
            "{what}: more than the {cap}-byte limit"
        )));
    }
    Ok(body)
}

/// `job`, unless `deadline` passes first.
async fn until<F: std::future::Future>(
    deadline: Instant,
    job: F,
) -> Result<F::Output, tokio::time::error::Elapsed> {
    tokio::time::timeout_at(tokio::time::Instant::from_std(deadline), job).await
}

/// Why a body could not be read.
#[derive(Debug)]
enum ReadError {
    /// The deadline passed while it was arriving.
    Deadline,
    /// The connection failed.
    Transport(String),
}

/// Reads at most `cap` bytes of a body (more is cut off; callers compare the length),
/// by `deadline`: a body that trickles or stalls ends there.
async fn read_capped(
    mut response: reqwest::Response,
    cap: u64,
    deadline: Instant,
) -> Result<Vec<u8>, ReadError> {
    let read = async {
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| ReadError::Transport(crate::text::error_chain(&e.without_url())))?
        {
            let room = (cap as usize).saturating_sub(body.len());
            body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if body.len() as u64 >= cap {
                break;
            }
        }
        Ok(body)
    };
    until(deadline, read)
        .await
        .unwrap_or(Err(ReadError::Deadline))
}

/// GitHub's `message` field, or the start of the body.
fn api_message(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v["message"].as_str().map(str::to_string))
        .unwrap_or_else(|| crate::text::cap(body.trim(), 200))
}

/// `7 s`, `0.8 s`.
fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 || d >= Duration::from_secs(10) {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// 1 s, 2 s, 4 s… with ±20 % jitter.
fn backoff(failures: u32) -> Duration {
    let base = Duration::from_secs(1 << failures.saturating_sub(1).min(5));
    base.mul_f64(0.8 + 0.4 * fastrand::f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn github(api: &str) -> Github {
        Github::new(
            reqwest::Client::new(),
            Url::parse(api).unwrap(),
            Repo {
                owner: "acme".into(),
                name: "site".into(),
            },
            crate::config::Token::for_tests("t"),
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
    fn waits_read_naturally() {
        assert_eq!(seconds(Duration::from_secs(60)), "60 s");
        assert_eq!(seconds(Duration::from_millis(800)), "0.8 s");
    }
}
