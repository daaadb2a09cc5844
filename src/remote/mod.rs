//! The remote diagnosis, as a library the command line (`dispatch`, `result`) and a chat
//! server drive alike: start the diagnosis workflow in a repository
//! ([`Remote::start`]), find its run by correlation ID ([`Remote::run_of`],
//! [`Remote::find_run`]), follow it within the rate limits and a [`Budget`]
//! ([`Remote::follow`]), read its report back — artifact first, job log second — and
//! check that it is this run's report ([`Remote::fetch_report`]), or cancel it
//! ([`Remote::cancel`]). Progress is told as typed [`Event`]s to an observer; outcomes
//! are typed values and [`RemoteError`]s. Nothing here prints.
//!
//! Nothing read from GitHub is trusted before it is checked: the run must be of the
//! diagnosis workflow file (`--workflow`), started by `repository_dispatch` or
//! `workflow_dispatch`, with a UUID correlation ID in its title, and the report must carry
//! that same ID. A report read from the job log says so, and a run whose conclusion
//! contradicts its report is flagged. A dispatch is sent at most once: when it may or may
//! not have reached GitHub, the run is looked for before deciding.

pub mod artifact;
mod error;
mod events;
mod fetch;
mod find;
mod follow;
mod start;

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::clock::Clock;
use crate::config::GithubConfig;
use crate::github::Github;
use crate::github::WebHost;
use crate::github::types::WorkflowRun;

pub use error::{Cancel, GaveUp, NoRun, NoRunWhy, NotDiagnosis, Refusal, RemoteError, TimedOut};
pub use events::Event;
pub use fetch::{Found, Source};
pub use find::RunSearch;
pub use follow::{Budget, FollowEnd};
pub use start::{RunLink, Started, Trigger};

/// The repository_dispatch event type the workflow listens for.
pub const EVENT_TYPE: &str = "diagnose.request";
/// First poll interval; it grows by half each unchanged poll, up to the maximum. Unchanged
/// polls are 304s, which GitHub does not count, so the maximum stays short: the result is
/// available at most this long after the run completes.
pub const POLL_MIN: Duration = Duration::from_secs(1);
pub const POLL_MAX: Duration = Duration::from_secs(2);
/// How long the run of a dispatch that may or may not have been accepted is looked for
/// (at most the queue timeout) before giving up on it.
pub const UNSURE_GRACE: Duration = Duration::from_secs(120);
/// The events that start a diagnosis run.
pub const DIAGNOSIS_EVENTS: [&str; 2] = ["repository_dispatch", "workflow_dispatch"];
/// How long a cancel may take.
const CANCEL_WAIT: Duration = Duration::from_secs(30);

/// Where [`Event`]s go: a callback (a channel's sender fits in one).
pub type Observer = Arc<dyn Fn(&Event) + Send + Sync>;

/// The diagnosis workflow of one repository, reached through one GitHub client.
pub struct Remote {
    gh: Github,
    workflow: String,
    artifact_name: String,
    web: WebHost,
    observer: Observer,
}

impl Remote {
    /// A client for `config`'s repository and workflow, telling `observer` what happens
    /// (the client's own waits and retries included).
    pub fn connect(config: &GithubConfig, observer: Observer) -> anyhow::Result<Remote> {
        let notices = observer.clone();
        let gh = Github::new(
            crate::net::api_client()?,
            config.api_url.clone(),
            config.repo.clone(),
            config.token.clone(),
            Clock::new(config.time_scale),
            Box::new(move |notice| notices(&Event::from(notice))),
        );
        Ok(Remote {
            gh,
            workflow: config.workflow.clone(),
            artifact_name: config.artifact_name.clone(),
            web: config.web.clone(),
            observer,
        })
    }

    /// The GitHub client (its HTTP client also posts to webhooks).
    pub fn github(&self) -> &Github {
        &self.gh
    }

    pub fn clock(&self) -> Clock {
        self.gh.clock()
    }

    fn emit(&self, event: Event) {
        (self.observer)(&event);
    }

    /// Run `id`, as GitHub shows it now.
    pub async fn read_run(&self, id: u64, deadline: Instant) -> Result<WorkflowRun, RemoteError> {
        Ok(self.gh.get_run(id, deadline).await?)
    }

    /// Asks GitHub to cancel run `id`.
    pub async fn cancel(&self, id: u64) -> Result<(), crate::github::GithubError> {
        let deadline = self.clock().deadline(CANCEL_WAIT);
        self.gh.cancel_run(id, deadline).await?;
        self.emit(Event::Cancelled { run: id });
        Ok(())
    }

    /// Where the web pages of this GitHub are (run links).
    pub fn web(&self) -> &WebHost {
        &self.web
    }

    /// The run's page, when it is a web URL of this GitHub; otherwise it is not shown.
    pub fn trusted_link(&self, html_url: Option<&str>) -> Option<String> {
        trusted_link(&self.web, html_url)
    }
}

/// The run's page, when it is a web URL of `web`.
fn trusted_link(web: &WebHost, html_url: Option<&str>) -> Option<String> {
    let url = url::Url::parse(html_url?).ok()?;
    (matches!(url.scheme(), "http" | "https") && web.serves(&url)).then(|| url.to_string())
}

/// Text from outside, fit for a one-line message.
fn shown(s: &str) -> String {
    crate::text::cap(&crate::text::one_line(s), 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_from_github_are_shown_only_when_they_are_githubs() {
        let web = WebHost::of_api(&url::Url::parse("https://api.github.com/").unwrap());
        let link = "https://github.com/acme/site/actions/runs/1";
        assert_eq!(trusted_link(&web, Some(link)).as_deref(), Some(link));
        for bad in [
            "https://evil.example/acme/site/actions/runs/1",
            "https://github.com.evil.example/x",
            "javascript:alert(1)",
            "not a url",
        ] {
            assert_eq!(trusted_link(&web, Some(bad)), None, "{bad}");
        }
        assert_eq!(trusted_link(&web, None), None);
    }

    #[test]
    fn outside_text_in_messages_is_one_short_line() {
        let s = shown(&format!("a\u{1b}[2J\nb{}", "x".repeat(500)));
        assert!(!s.chars().any(char::is_control), "{s:?}");
        assert_eq!(s.chars().count(), 100);
    }
}
