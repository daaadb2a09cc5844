//! Finding a run by correlation ID — the workflow's runs, filtered on the server, the ID
//! matched exactly in each title — and checking that a run is a diagnosis run before
//! anything of it is read.

use std::time::{Duration, Instant, SystemTime};

use uuid::Uuid;

use super::{Event, NoRun, NoRunWhy, NotDiagnosis, POLL_MAX, POLL_MIN, Remote, RemoteError, shown};
use crate::github::GithubError;
use crate::github::actions::RunFilter;
use crate::github::backoff::Backoff;
use crate::github::types::WorkflowRun;

/// How far the local and GitHub's clocks may disagree when searching runs by time.
const CLOCK_SKEW: Duration = Duration::from_secs(120);

/// Which runs are searched, and how long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunSearch {
    /// The run a dispatch just started: runs of its event created since it (less the
    /// allowed clock skew), one page of 30, polled until the deadline. `queue_timeout`
    /// names the wait in messages.
    Dispatched {
        event: &'static str,
        since: SystemTime,
        queue_timeout: Duration,
    },
    /// The workflow's recent runs, one page of 50; with `wait`, polled until the deadline.
    Recent { wait: bool },
}

impl RunSearch {
    fn filter(&self) -> RunFilter {
        match self {
            RunSearch::Dispatched { event, since, .. } => RunFilter {
                event: Some(event),
                created_since: Some(since.checked_sub(CLOCK_SKEW).unwrap_or(*since)),
                per_page: 30,
            },
            RunSearch::Recent { .. } => RunFilter {
                event: None,
                created_since: None,
                per_page: 50,
            },
        }
    }

    fn waits(&self) -> bool {
        match self {
            RunSearch::Dispatched { .. } => true,
            RunSearch::Recent { wait } => *wait,
        }
    }

    /// Why no run was found, in this search's words.
    fn not_found(&self) -> NoRunWhy {
        match self {
            RunSearch::Dispatched { queue_timeout, .. } => NoRunWhy::NotWithin(*queue_timeout),
            RunSearch::Recent { wait } => NoRunWhy::NotListed { waited: *wait },
        }
    }
}

impl Remote {
    /// The run of the workflow whose title carries `correlation_id`, searched as `search`
    /// says until `deadline`.
    pub async fn find_run(
        &self,
        correlation_id: Uuid,
        search: &RunSearch,
        deadline: Instant,
    ) -> Result<WorkflowRun, RemoteError> {
        let cid = correlation_id.to_string();
        let filter = search.filter();
        let mut polls = Backoff::polls(POLL_MIN, POLL_MAX);
        loop {
            self.emit(Event::Searching {
                correlation_id,
                dispatched: matches!(search, RunSearch::Dispatched { .. }),
            });
            let runs = self
                .gh
                .list_runs(&self.workflow, &filter, deadline)
                .await
                .map_err(|e| self.listing_failed(e, correlation_id, search))?;
            if let Some(run) = runs.into_iter().find(|r| r.names(&cid)) {
                return Ok(run);
            }
            let pause = search
                .waits()
                .then(|| polls.pause_before(self.clock(), deadline))
                .flatten();
            let Some(pause) = pause else {
                return Err(self.no_run(correlation_id, search.not_found()));
            };
            self.clock().sleep(pause).await;
        }
    }

    fn no_run(&self, correlation_id: Uuid, why: NoRunWhy) -> RemoteError {
        RemoteError::NoRun(NoRun {
            workflow: self.workflow.clone(),
            correlation_id,
            why,
        })
    }

    /// A failed listing, in the search's terms.
    fn listing_failed(&self, e: GithubError, cid: Uuid, search: &RunSearch) -> RemoteError {
        let dispatched = matches!(search, RunSearch::Dispatched { .. });
        match e {
            GithubError::NotFound { .. } => RemoteError::WorkflowNotFound {
                workflow: self.workflow.clone(),
                repo: self.gh.repo().to_string(),
            },
            GithubError::Deadline { .. } if dispatched => self.no_run(cid, search.not_found()),
            GithubError::Deadline { .. } => self.no_run(cid, NoRunWhy::BeforeTimeout),
            GithubError::RateLimited(m) if dispatched => self.no_run(cid, NoRunWhy::RateLimited(m)),
            other => other.into(),
        }
    }

    /// The correlation ID of `run` once it is known to be a diagnosis run: of the
    /// workflow file, started by one of `events`, with a UUID correlation ID in its title.
    pub fn diagnosis(&self, run: &WorkflowRun, events: &[&str]) -> Result<String, RemoteError> {
        if !run.is_of_workflow(self.gh.repo(), &self.workflow) {
            return Err(NotDiagnosis::OtherWorkflow {
                run: run.id,
                path: shown(run.path.as_deref().unwrap_or("an unnamed workflow")),
                workflow: self.workflow.clone(),
            }
            .into());
        }
        let event = run.event.as_deref().unwrap_or("");
        if !events.contains(&event) {
            return Err(NotDiagnosis::OtherEvent {
                run: run.id,
                event: if event.is_empty() {
                    "an unnamed event".to_string()
                } else {
                    shown(event)
                },
                expected: events.join(" or "),
            }
            .into());
        }
        run.correlation_id()
            .ok_or_else(|| NotDiagnosis::NoCorrelationId { run: run.id }.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dispatched_run_is_searched_from_before_the_dispatch() {
        let at = humantime::parse_rfc3339("2026-11-25T05:02:00Z").unwrap();
        let search = RunSearch::Dispatched {
            event: "workflow_dispatch",
            since: at,
            queue_timeout: Duration::from_secs(30),
        };
        let filter = search.filter();
        assert_eq!(filter.event, Some("workflow_dispatch"));
        assert_eq!(filter.per_page, 30);
        assert_eq!(
            filter.created_since,
            Some(humantime::parse_rfc3339("2026-11-25T05:00:00Z").unwrap())
        );
        assert_eq!(
            search.not_found(),
            NoRunWhy::NotWithin(Duration::from_secs(30))
        );
        assert!(search.waits());
        let recent = RunSearch::Recent { wait: false };
        assert_eq!(recent.filter().per_page, 50);
        assert_eq!(recent.filter().event, None);
        assert!(!recent.waits());
        assert_eq!(recent.not_found(), NoRunWhy::NotListed { waited: false });
    }
}
