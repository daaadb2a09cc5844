//! One try of a request to the API, and what it says to do next: done (an answer), try
//! again after a wait (a rate limit, a failure that may pass, a 304 without a cached
//! answer), follow a redirect within the API, or fail. The state one request carries
//! across its tries ([`Exchange`]) is here too: failures so far and their backoff,
//! redirects followed, whether caches are to be bypassed.

use std::time::Instant;

use reqwest::header::{self, HeaderMap};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use url::Url;

use super::backoff::Backoff;
use super::error::{Answered, GithubError};
use super::ratelimit::Limited;
use super::{API_VERSION, Answer, Github};

/// Largest JSON answer read.
const MAX_JSON: u64 = 8 * 1024 * 1024;
/// Attempts for a request that fails in transport or with a 5xx.
const ATTEMPTS: u32 = 3;
/// Same-origin redirects followed for one API request.
const MAX_REDIRECTS: u32 = 3;

/// What to do after one try.
pub(super) enum Next {
    Done(Answer),
    /// Try again after this wait.
    RetryAfter(std::time::Duration, Why),
    /// Send the request again, to this URL within the API.
    FollowRedirect(Url),
    Fail(GithubError),
}

/// Why a request is tried again.
pub(super) enum Why {
    /// A rate limit (primary or secondary), in words.
    RateLimit(&'static str),
    /// A failure that may pass; `error` stands when the retry would pass the deadline.
    Failed { why: String, error: GithubError },
    /// A 304 without a cached answer: at once, past any cache.
    PastCache,
}

/// What an API request reads.
#[derive(Clone, Copy)]
pub(super) enum Reading {
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

/// One request across its tries.
pub(super) struct Exchange<'a> {
    method: Method,
    pub(super) url: Url,
    body: Option<&'a Value>,
    pub(super) what: &'a str,
    pub(super) deadline: Instant,
    reading: Reading,
    /// GETs are cached by their first URL.
    cache_key: Option<String>,
    /// Writes are sent at most once.
    write: bool,
    failures: u32,
    backoff: Backoff,
    redirects: u32,
    /// Set after a 304 that had no cached answer: the next try bypasses caches.
    uncached_304: bool,
    began: Instant,
}

impl<'a> Exchange<'a> {
    pub(super) fn new(
        method: Method,
        url: Url,
        body: Option<&'a Value>,
        what: &'a str,
        deadline: Instant,
        reading: Reading,
    ) -> Exchange<'a> {
        Exchange {
            cache_key: (method == Method::GET).then(|| url.to_string()),
            write: !matches!(method, Method::GET | Method::HEAD),
            method,
            url,
            body,
            what,
            deadline,
            reading,
            failures: 0,
            backoff: Backoff::retries(),
            redirects: 0,
            uncached_304: false,
            began: Instant::now(),
        }
    }

    fn deadline_passed(&self, gh: &Github) -> GithubError {
        GithubError::Deadline {
            what: self.what.to_string(),
            waited: gh.clock.since(self.began),
        }
    }

    /// A failure that may pass: tried again after the backoff, unless this was the last
    /// attempt.
    fn retry_or(&mut self, why: String, error: GithubError) -> Next {
        if self.failures >= ATTEMPTS {
            return Next::Fail(error);
        }
        Next::RetryAfter(self.backoff.next_wait(), Why::Failed { why, error })
    }
}

impl Github {
    /// One try of `ex`.
    pub(super) async fn attempt(&self, ex: &mut Exchange<'_>) -> Next {
        let sent_at = Instant::now();
        let sent = until(ex.deadline, self.request(ex).send()).await;
        trace(&ex.method, &ex.url, &sent, sent_at);
        let response = match sent {
            Err(_) if ex.write => {
                return Next::Fail(GithubError::Ambiguous {
                    what: ex.what.to_string(),
                    message: format!(
                        "no answer within the deadline ({} s)",
                        self.clock.since(ex.began).as_secs()
                    ),
                });
            }
            Err(_) => return Next::Fail(ex.deadline_passed(self)),
            Ok(Err(e)) => return unsent(ex, &e),
            Ok(Ok(r)) => r,
        };
        let status = response.status();
        let headers = response.headers().clone();
        self.governor.observe(&headers);
        if status == StatusCode::NOT_MODIFIED {
            return self.not_modified(ex, headers);
        }
        let body = match read_capped(response, ex.reading.cap(), ex.deadline).await {
            Ok(body) => body,
            // A write was answered: whether it was taken is in the status, even when
            // the rest of the answer is lost.
            Err(_) if ex.write => Vec::new(),
            Err(ReadError::Deadline) => return Next::Fail(ex.deadline_passed(self)),
            Err(ReadError::Transport(message)) => {
                return Next::Fail(GithubError::Transport {
                    what: ex.what.to_string(),
                    message,
                });
            }
        };
        if status.is_redirection() {
            // Within the API's origin: followed with the token (a renamed repository).
            // Elsewhere: a download's location, or an error.
            ex.redirects += 1;
            match self.same_origin_redirect(ex, status, &headers) {
                Ok(next) => return Next::FollowRedirect(next),
                Err(_) if matches!(ex.reading, Reading::Download(_)) => {}
                Err(e) => return Next::Fail(e),
            }
        }
        if status.is_success() || status.is_redirection() {
            self.remember(ex, status, &headers, &body);
            return Next::Done(Answer {
                status: status.as_u16(),
                headers,
                body,
            });
        }
        self.refused(ex, status, &headers, &body)
    }

    /// The request of one try: the API's headers, the token, and the cached ETag (or no
    /// cache at all after a 304 that had no cached answer).
    fn request(&self, ex: &Exchange<'_>) -> reqwest::RequestBuilder {
        let mut req = self
            .http
            .request(ex.method.clone(), ex.url.clone())
            .header(header::ACCEPT, "application/vnd.github+json")
            .header("X-GitHub-Api-Version", API_VERSION)
            .bearer_auth(self.token.expose());
        if ex.uncached_304 {
            req = req.header(header::CACHE_CONTROL, "no-cache");
        } else if let Some(key) = &ex.cache_key
            && let Some((etag, _)) = self.etags.lock().unwrap().get(key)
        {
            req = req.header(header::IF_NONE_MATCH, etag.clone());
        }
        if let Some(body) = ex.body {
            req = req.json(body);
        }
        req
    }

    /// A 304: the cached answer, or — once — a try past any cache.
    fn not_modified(&self, ex: &mut Exchange<'_>, headers: HeaderMap) -> Next {
        let cached = ex
            .cache_key
            .as_ref()
            .and_then(|key| self.etags.lock().unwrap().get(key).cloned());
        if let Some((_, body)) = cached {
            return Next::Done(Answer {
                status: 200,
                headers,
                body,
            });
        }
        if ex.write || ex.uncached_304 {
            return Next::Fail(GithubError::Invalid(format!(
                "{}: GitHub answered 304 Not Modified to a request that had no cached answer{}",
                ex.what,
                if ex.uncached_304 {
                    ", twice (is a proxy between here and GitHub answering from its cache?)"
                } else {
                    ""
                }
            )));
        }
        ex.uncached_304 = true;
        Next::RetryAfter(std::time::Duration::ZERO, Why::PastCache)
    }

    /// Keeps a 200 with an ETag for the next conditional request.
    fn remember(&self, ex: &Exchange<'_>, status: StatusCode, headers: &HeaderMap, body: &[u8]) {
        if status == StatusCode::OK
            && let (Some(key), Some(etag)) = (&ex.cache_key, headers.get(header::ETAG))
        {
            self.etags
                .lock()
                .unwrap()
                .insert(key.clone(), (etag.clone(), body.to_vec()));
        }
    }

    /// An error answer: a rate limit is waited out, a 5xx to a read tried again, anything
    /// else is the error its status says.
    fn refused(
        &self,
        ex: &mut Exchange<'_>,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Next {
        let text = String::from_utf8_lossy(body);
        match self.governor.classify(status.as_u16(), headers, &text) {
            Limited::Primary(wait) => {
                return Next::RetryAfter(wait, Why::RateLimit("GitHub's rate limit is used up"));
            }
            Limited::Secondary(wait) => {
                return Next::RetryAfter(
                    wait,
                    Why::RateLimit("GitHub's secondary rate limit was hit"),
                );
            }
            Limited::No => {}
        }
        let code = status.as_u16();
        let retryable = code >= 500 && !ex.write;
        if retryable {
            ex.failures += 1;
        }
        let repo = self.repo.to_string();
        let error = GithubError::answered(Answered {
            what: ex.what,
            status: code,
            headers,
            message: api_message(&text),
            repo: &repo,
            write: ex.write,
            attempts: ex.failures,
        });
        if !retryable {
            return Next::Fail(error);
        }
        ex.retry_or(format!("{}: GitHub answered {code}", ex.what), error)
    }

    /// Where a 301/302/307/308 from the API leads, when it stays within the API — same
    /// scheme, host and port, under the API's base path (`/api/v3/` on GitHub Enterprise
    /// Server) — so the token may go there; an error otherwise.
    fn same_origin_redirect(
        &self,
        ex: &Exchange<'_>,
        status: StatusCode,
        headers: &HeaderMap,
    ) -> Result<Url, GithubError> {
        let (what, code) = (ex.what, status.as_u16());
        if ex.redirects > MAX_REDIRECTS {
            return Err(GithubError::Invalid(format!(
                "{what}: GitHub redirected more than {MAX_REDIRECTS} times"
            )));
        }
        let target = headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|l| ex.url.join(l).ok())
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

/// A request that got no answer: a write is not sent again unless the connection was
/// never made (then nothing reached GitHub); a read is tried again.
fn unsent(ex: &mut Exchange<'_>, e: &reqwest::Error) -> Next {
    let message = crate::text::error_chain(e);
    if ex.write && !e.is_connect() {
        return Next::Fail(GithubError::Ambiguous {
            what: ex.what.to_string(),
            message,
        });
    }
    ex.failures += 1;
    let error = GithubError::Transport {
        what: ex.what.to_string(),
        message: message.clone(),
    };
    ex.retry_or(format!("{}: {message}", ex.what), error)
}

/// Logs one request at debug level: method, URL without secrets, status (or why there
/// is none), time taken.
pub(super) fn trace(
    method: &Method,
    url: &Url,
    sent: &Result<Result<reqwest::Response, reqwest::Error>, tokio::time::error::Elapsed>,
    at: Instant,
) {
    let url = crate::text::redact_url(url);
    let elapsed_ms = at.elapsed().as_millis() as u64;
    match sent {
        Ok(Ok(response)) => tracing::debug!(
            %method, %url, status = response.status().as_u16(), elapsed_ms, "GitHub request"
        ),
        Ok(Err(e)) => tracing::debug!(
            %method, %url, elapsed_ms,
            error = %crate::text::redact_urls_in(&crate::text::error_chain(e)),
            "GitHub request failed"
        ),
        Err(_) => {
            tracing::debug!(%method, %url, elapsed_ms, "GitHub request: no answer by the deadline")
        }
    }
}

/// `job`, unless `deadline` passes first.
pub(super) async fn until<F: std::future::Future>(
    deadline: Instant,
    job: F,
) -> Result<F::Output, tokio::time::error::Elapsed> {
    tokio::time::timeout_at(tokio::time::Instant::from_std(deadline), job).await
}

/// Why a body could not be read.
#[derive(Debug)]
pub(super) enum ReadError {
    /// The deadline passed while it was arriving.
    Deadline,
    /// The connection failed.
    Transport(String),
}

/// Reads at most `cap` bytes of a body (more is cut off; callers compare the length),
/// by `deadline`: a body that trickles or stalls ends there.
pub(super) async fn read_capped(
    mut response: reqwest::Response,
    cap: u64,
    deadline: Instant,
) -> Result<Vec<u8>, ReadError> {
    let cap = usize::try_from(cap).unwrap_or(usize::MAX);
    let read = async {
        crate::net::read_capped(&mut response, cap)
            .await
            .map(|body| body.bytes)
            .map_err(|broken| {
                ReadError::Transport(crate::text::error_chain(&broken.error.without_url()))
            })
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

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;
    use std::sync::{Arc, Mutex};

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tracing::field::{Field, Visit};
    use tracing::{Level, Metadata, span};

    use super::super::actions::RunFilter;
    use super::*;
    use crate::clock::Clock;
    use crate::github::{Repo, Token};

    /// Every event of the crate, as `name=value` pairs, with its level.
    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<(Level, String)>>>);

    struct Fields<'a>(&'a mut String);

    impl Visit for Fields<'_> {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            let _ = write!(self.0, "{}={value:?} ", field.name());
        }

        fn record_str(&mut self, field: &Field, value: &str) {
            let _ = write!(self.0, "{}={value} ", field.name());
        }
    }

    impl tracing::Subscriber for Capture {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, _: &span::Attributes<'_>) -> span::Id {
            span::Id::from_u64(1)
        }
        fn record(&self, _: &span::Id, _: &span::Record<'_>) {}
        fn record_follows_from(&self, _: &span::Id, _: &span::Id) {}
        fn event(&self, event: &tracing::Event<'_>) {
            if !event.metadata().target().starts_with("remote_hands") {
                return;
            }
            let mut line = String::new();
            event.record(&mut Fields(&mut line));
            let level = *event.metadata().level();
            self.0.lock().unwrap().push((level, line));
        }
        fn enter(&self, _: &span::Id) {}
        fn exit(&self, _: &span::Id) {}
    }

    /// A loopback API answering every request with one JSON body.
    async fn serve(listener: tokio::net::TcpListener) {
        let body = r#"{"default_branch":"main","workflow_runs":[]}"#;
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).await.unwrap_or(0) == 1 {
                head.push(byte[0]);
            }
            let answer = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(answer.as_bytes()).await;
        }
    }

    #[test]
    fn every_request_is_logged_without_the_token() {
        const SECRET: &str = "ghp_never_in_a_log_0123456789";
        let capture = Capture::default();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let port = tracing::subscriber::with_default(capture.clone(), || {
            runtime.block_on(async {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let port = listener.local_addr().unwrap().port();
                tokio::spawn(serve(listener));
                let gh = Github::new(
                    crate::net::api_client().unwrap(),
                    Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap(),
                    Repo {
                        owner: "acme".into(),
                        name: "site".into(),
                    },
                    Token::for_tests(SECRET),
                    Clock::new(1.0),
                    Box::new(|_| {}),
                );
                let deadline = Instant::now() + std::time::Duration::from_secs(30);
                assert_eq!(gh.default_branch(deadline).await.unwrap(), "main");
                let filter = RunFilter {
                    event: Some("repository_dispatch"),
                    created_since: None,
                    per_page: 30,
                };
                let runs = gh.list_runs("d.yml", &filter, deadline).await.unwrap();
                assert!(runs.is_empty());
                port
            })
        });
        let seen = capture.0.lock().unwrap().clone();
        assert_eq!(seen.len(), 2, "{seen:#?}");
        for (level, line) in &seen {
            assert_eq!(*level, Level::DEBUG, "{line}");
            assert!(line.contains("method=GET"), "{line}");
            assert!(line.contains("status=200"), "{line}");
            assert!(line.contains("elapsed_ms="), "{line}");
            assert!(!line.contains(SECRET), "{line}");
        }
        assert!(
            seen[0]
                .1
                .contains(&format!("url=http://127.0.0.1:{port}/repos/acme/site ")),
            "{}",
            seen[0].1
        );
        // Query values are redacted.
        assert!(
            seen[1].1.contains(&format!(
                "url=http://127.0.0.1:{port}/repos/acme/site/actions/workflows/d.yml/runs?event=***&per_page=***"
            )),
            "{}",
            seen[1].1
        );
    }
}
