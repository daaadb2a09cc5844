//! What happens while a diagnosis is started, found, followed and read, as typed events
//! for an observer (a spinner, a chat message being edited). Each has one line of words
//! (its `Display`); text in it that came from outside (GitHub's error messages, job names)
//! is for the observer to clean before it reaches a terminal.

use std::time::Duration;

use uuid::Uuid;

use crate::github::Notice;
use crate::github::backoff::seconds;
use crate::github::types::{RunConclusion, RunStatus, WorkflowRun};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// GitHub took the dispatch.
    Dispatched {
        correlation_id: Uuid,
    },
    /// This GitHub does not return run details: the run is searched for.
    NoRunDetails,
    /// The dispatch may or may not have reached GitHub: it is not sent again, and its run
    /// is looked for this long.
    DispatchUnsure {
        what: String,
        why: String,
        correlation_id: Uuid,
        grace: Duration,
    },
    /// After an unsure dispatch, its run appeared: GitHub had taken it.
    DispatchConfirmed {
        run: u64,
        correlation_id: Uuid,
    },
    /// Looking for the run of a correlation ID: one just dispatched, or one named.
    Searching {
        correlation_id: Uuid,
        dispatched: bool,
    },
    /// The run to follow, and its page when that is on this GitHub.
    RunFound {
        id: u64,
        url: Option<String>,
    },
    /// The run waits to start (queued, waiting for an approval or a runner…).
    Queued {
        run: u64,
        status: RunStatus,
    },
    /// The run has started, or is in a status this client does not know (`status` says
    /// which).
    InProgress {
        run: u64,
        status: RunStatus,
    },
    Completed {
        run: u64,
        conclusion: Option<RunConclusion>,
    },
    /// The rate limit holds the next request back this long.
    RateLimitedWait {
        wait: Duration,
        why: &'static str,
    },
    /// A request failed in a way that may pass; it is tried again after `wait`.
    Retrying {
        wait: Duration,
        why: String,
    },
    /// The run was cancelled (it did not finish in time).
    Cancelled {
        run: u64,
    },
    /// The artifact could not be read; the report is read from the job log.
    ReadingLog {
        why: String,
    },
    Note(String),
}

impl Event {
    /// The state `run` is in.
    pub fn of_run(run: &WorkflowRun) -> Event {
        match run.state() {
            RunStatus::Completed => Event::Completed {
                run: run.id,
                conclusion: run.conclusion,
            },
            status if status.is_queued() => Event::Queued {
                run: run.id,
                status,
            },
            status => Event::InProgress {
                run: run.id,
                status,
            },
        }
    }

    /// Whether this is the state of a run or a search (shown in place, not as a line of
    /// its own).
    pub fn is_state(&self) -> bool {
        matches!(
            self,
            Event::Searching { .. }
                | Event::Queued { .. }
                | Event::InProgress { .. }
                | Event::Completed { .. }
        )
    }
}

impl From<&Notice> for Event {
    fn from(notice: &Notice) -> Event {
        match notice {
            Notice::RateLimited { wait, why } => Event::RateLimitedWait { wait: *wait, why },
            Notice::Retrying { wait, why } => Event::Retrying {
                wait: *wait,
                why: why.clone(),
            },
            other @ Notice::Uncached { .. } => Event::Note(other.to_string()),
        }
    }
}

impl std::fmt::Display for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Event::Dispatched { correlation_id } => {
                write!(f, "started: correlation ID {correlation_id}")
            }
            Event::NoRunDetails => f.write_str(
                "this GitHub does not return run details; searching for the run instead",
            ),
            Event::DispatchUnsure {
                what,
                why,
                correlation_id,
                grace,
            } => write!(
                f,
                "{what}: {why}; GitHub may or may not have accepted it, so it is not sent again: looking for the run of correlation ID {correlation_id} for up to {} s",
                grace.as_secs()
            ),
            Event::DispatchConfirmed {
                run,
                correlation_id,
            } => write!(
                f,
                "run {run} carries correlation ID {correlation_id}: GitHub had accepted the dispatch; carrying on"
            ),
            Event::Searching {
                correlation_id,
                dispatched: true,
            } => write!(f, "waiting for the run of {correlation_id} to appear"),
            Event::Searching { correlation_id, .. } => {
                write!(f, "looking for the run of {correlation_id}")
            }
            Event::RunFound { id, url: Some(url) } => write!(f, "run {id}: {url}"),
            Event::RunFound { id, url: None } => write!(f, "run {id}"),
            Event::Queued { run, status } | Event::InProgress { run, status } => {
                write!(f, "run {run} {status}")
            }
            Event::Completed { run, .. } => write!(f, "run {run} completed"),
            Event::RateLimitedWait { wait, why } => write!(f, "{why}; waiting {}", seconds(*wait)),
            Event::Retrying { wait, why } => {
                write!(f, "{why}; retrying; waiting {}", seconds(*wait))
            }
            Event::Cancelled { run } => write!(f, "cancelled run {run}"),
            Event::ReadingLog { why } => {
                write!(f, "{why}; reading the report from the job log instead")
            }
            Event::Note(text) => f.write_str(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(status: &str) -> WorkflowRun {
        serde_json::from_value(serde_json::json!({"id": 7, "status": status})).unwrap()
    }

    #[test]
    fn a_runs_state_is_one_of_three_events() {
        assert_eq!(
            Event::of_run(&run("waiting")),
            Event::Queued {
                run: 7,
                status: RunStatus::Waiting
            }
        );
        assert_eq!(Event::of_run(&run("waiting")).to_string(), "run 7 waiting");
        assert_eq!(
            Event::of_run(&run("in_progress")).to_string(),
            "run 7 in_progress"
        );
        // A status from outside that is not GitHub's word is shown as `unknown`.
        assert_eq!(
            Event::of_run(&run("\u{1b}[2Jdone")).to_string(),
            "run 7 unknown"
        );
        assert!(matches!(
            Event::of_run(&run("completed")),
            Event::Completed {
                run: 7,
                conclusion: None
            }
        ));
        assert!(Event::of_run(&run("queued")).is_state());
        assert!(!Event::Cancelled { run: 7 }.is_state());
    }

    #[test]
    fn the_clients_notices_become_events_with_the_same_words() {
        for notice in [
            Notice::RateLimited {
                wait: Duration::from_secs(7),
                why: "GitHub's secondary rate limit was hit",
            },
            Notice::Retrying {
                wait: Duration::from_millis(1500),
                why: "reading run 1: GitHub answered 502".into(),
            },
            Notice::Uncached {
                what: "reading run 1".into(),
            },
        ] {
            assert_eq!(Event::from(&notice).to_string(), notice.to_string());
        }
    }
}
