//! Why a diagnosis ended without a report, as variants a caller branches on: an API error,
//! a run that is not a diagnosis run (or not this one), no run at all, a run that did not
//! finish in time, a report refused, none readable. Text from outside in them (a run's
//! workflow path or event) was made one short line when the error was made.

use std::time::Duration;

use uuid::Uuid;

use super::Source;
use crate::github::GithubError;
use crate::github::types::RunStatus;

#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    /// GitHub's error (a deadline that passed is a timeout; anything else an API error).
    #[error(transparent)]
    Github(#[from] GithubError),

    /// A dispatch refused for want of a permission (GitHub did not name it) or not found:
    /// the error, with what the dispatch needs.
    #[error("{}", denied(.error, .needs))]
    Denied {
        error: GithubError,
        needs: &'static str,
    },

    #[error("workflow {workflow} not found in {repo} (--workflow), or the token cannot see it")]
    WorkflowNotFound { workflow: String, repo: String },

    /// A dispatch that may or may not have reached GitHub, whose run did not appear.
    #[error(
        "{what}: {why}; no run for correlation ID {correlation_id} appeared within {} s, so the dispatch may or may not have been accepted; it was not sent again (look at the workflow's runs before dispatching again)",
        .grace.as_secs()
    )]
    DispatchUnknown {
        what: String,
        why: String,
        correlation_id: Uuid,
        grace: Duration,
    },

    #[error(transparent)]
    NotDiagnosis(#[from] NotDiagnosis),

    #[error(transparent)]
    NoRun(#[from] NoRun),

    #[error(transparent)]
    TimedOut(Box<TimedOut>),

    #[error(transparent)]
    Refused(#[from] Refusal),

    /// The run completed without a report that could be read (why, for each channel).
    #[error("run {run} ended {conclusion} without a readable report: {}", .why.join("; "))]
    NoReport {
        run: u64,
        conclusion: &'static str,
        why: Vec<String>,
    },
}

fn denied(error: &GithubError, needs: &str) -> String {
    match error {
        GithubError::NotFound { .. } => format!("{error} ({needs})"),
        _ => format!("{error}; {needs}"),
    }
}

impl From<TimedOut> for RemoteError {
    fn from(t: TimedOut) -> RemoteError {
        RemoteError::TimedOut(Box::new(t))
    }
}

impl RemoteError {
    /// `error` of a dispatch, with what the dispatch `needs` when GitHub refused it
    /// without naming the permission, or did not find it.
    pub(super) fn of_dispatch(error: GithubError, needs: &'static str) -> RemoteError {
        match error {
            GithubError::Forbidden {
                permission: None, ..
            }
            | GithubError::NotFound { .. } => RemoteError::Denied { error, needs },
            other => RemoteError::Github(other),
        }
    }
}

/// A run that is not to be read.
#[derive(Debug, thiserror::Error)]
pub enum NotDiagnosis {
    #[error("run {run} is a run of {path}, not of {workflow} (--workflow); refusing to read it")]
    OtherWorkflow {
        run: u64,
        path: String,
        workflow: String,
    },
    #[error("run {run} was started by {event}, not by {expected}; refusing to read it")]
    OtherEvent {
        run: u64,
        event: String,
        expected: String,
    },
    #[error(
        "run {run}'s title carries no correlation ID (a UUID after \" — \"); refusing to read it"
    )]
    NoCorrelationId { run: u64 },
    #[error(
        "run {run} carries correlation ID {carried}, not {expected}; refusing to follow another run"
    )]
    OtherRun {
        run: u64,
        carried: String,
        expected: Uuid,
    },
}

/// No run carries the correlation ID.
#[derive(Debug, thiserror::Error)]
#[error("{}", self.message())]
pub struct NoRun {
    pub workflow: String,
    pub correlation_id: Uuid,
    pub why: NoRunWhy,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoRunWhy {
    /// The run of a dispatch did not appear within the queue timeout.
    NotWithin(Duration),
    /// The rate limit would hold the search past its deadline.
    RateLimited(String),
    /// The deadline passed while listing the runs.
    BeforeTimeout,
    /// None of the recent runs carries it (`waited`: after waiting until the deadline).
    NotListed { waited: bool },
}

impl NoRun {
    fn message(&self) -> String {
        let (workflow, cid) = (&self.workflow, self.correlation_id);
        match &self.why {
            NoRunWhy::NotWithin(wait) => format!(
                "no run of {workflow} for correlation ID {cid} appeared within {} s; is the workflow on the default branch, and does its run-name carry the correlation ID?",
                wait.as_secs()
            ),
            NoRunWhy::RateLimited(m) => format!(
                "no run for correlation ID {cid} was found before the deadline: GitHub's rate limit: {m}"
            ),
            NoRunWhy::BeforeTimeout => {
                format!("no run of {workflow} for correlation ID {cid} appeared before --timeout")
            }
            NoRunWhy::NotListed { waited } => format!(
                "no run of {workflow} carries correlation ID {cid}{}",
                if *waited {
                    ""
                } else {
                    " (--wait waits for it)"
                }
            ),
        }
    }
}

/// A run given up on before it completed.
#[derive(Debug, thiserror::Error)]
#[error("{}{}", self.why_message(), self.cancel)]
pub struct TimedOut {
    pub run: u64,
    /// Its status when it was given up on.
    pub state: RunStatus,
    /// Time since the budget's start.
    pub after: Duration,
    pub why: GaveUp,
    pub cancel: Cancel,
}

/// Which budget ran out.
#[derive(Debug)]
pub enum GaveUp {
    /// Still queued at the queue timeout (this long).
    Queue(Duration),
    /// The whole budget (`--timeout`).
    Deadline,
    /// The rate limit would hold the next poll past the deadline.
    RateLimited(GithubError),
}

/// Whether a run given up on was cancelled.
#[derive(Debug)]
pub enum Cancel {
    NotAsked,
    Cancelled,
    /// The cancel failed (a 409: it finished meanwhile).
    Failed(GithubError),
}

impl TimedOut {
    fn why_message(&self) -> String {
        let (run, state) = (self.run, self.state);
        match &self.why {
            GaveUp::Queue(wait) => format!(
                "run {run} was still {state} after the queue timeout of {} s",
                wait.as_secs()
            ),
            GaveUp::Deadline => format!(
                "run {run} was still {state} after {} s (--timeout)",
                self.after.as_secs()
            ),
            GaveUp::RateLimited(e) => format!("run {run} was still {state}: {e}"),
        }
    }
}

impl std::fmt::Display for Cancel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cancel::NotAsked => Ok(()),
            Cancel::Cancelled => f.write_str("; the run was cancelled"),
            Cancel::Failed(e) => write!(f, "; cancelling it failed: {e}"),
        }
    }
}

/// A report that is not shown: it is not this run's.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error(
        "run {run}'s report ({}) carries a correlation ID that is not a UUID; refusing to show it",
        .from.described()
    )]
    NotAUuid { run: u64, from: Source },
    #[error(
        "run {run}'s report is for correlation ID {got}, not {expected}; refusing to show another run's result"
    )]
    OtherCorrelationId {
        run: u64,
        got: String,
        expected: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dispatch_refusal_says_what_the_dispatch_needs_unless_github_did() {
        let needs = "repository_dispatch needs a token with Contents: write";
        let forbidden = |permission: Option<&str>| GithubError::Forbidden {
            what: "sending".into(),
            message: "Resource not accessible".into(),
            permission: permission.map(str::to_string),
        };
        let e = RemoteError::of_dispatch(forbidden(None), needs);
        assert_eq!(
            e.to_string(),
            format!("sending: GitHub refused (403 Resource not accessible); {needs}")
        );
        let e = RemoteError::of_dispatch(forbidden(Some("contents=write")), needs);
        assert!(matches!(e, RemoteError::Github(_)), "{e:?}");
        assert!(!e.to_string().contains(needs), "{e}");
        let missing = GithubError::NotFound {
            what: "sending".into(),
            repo: "acme/site".into(),
        };
        let e = RemoteError::of_dispatch(missing, needs);
        assert!(e.to_string().ends_with(&format!(" ({needs})")), "{e}");
        let e = RemoteError::of_dispatch(GithubError::BadCredentials, needs);
        assert!(matches!(e, RemoteError::Github(_)), "{e:?}");
    }

    #[test]
    fn a_timeout_says_which_budget_and_whether_the_run_was_cancelled() {
        let t = TimedOut {
            run: 4,
            state: RunStatus::Queued,
            after: Duration::from_secs(31),
            why: GaveUp::Queue(Duration::from_secs(30)),
            cancel: Cancel::Cancelled,
        };
        assert_eq!(
            t.to_string(),
            "run 4 was still queued after the queue timeout of 30 s; the run was cancelled"
        );
        let t = TimedOut {
            state: RunStatus::InProgress,
            why: GaveUp::Deadline,
            cancel: Cancel::NotAsked,
            ..t
        };
        assert_eq!(
            t.to_string(),
            "run 4 was still in_progress after 31 s (--timeout)"
        );
    }
}
