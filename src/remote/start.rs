//! Starting a diagnosis, at most once: the dispatch is sent, and when it may or may not
//! have reached GitHub (a 5xx, a connection lost after sending) it is not sent again —
//! its run is looked for instead, for a grace period, and its appearance decides. Then the
//! run of a started diagnosis is found, and checked to be that diagnosis's run.

use std::time::{Instant, SystemTime};

use uuid::Uuid;

use super::{
    Budget, EVENT_TYPE, Event, NotDiagnosis, Remote, RemoteError, RunSearch, UNSURE_GRACE,
};
use crate::github::GithubError;
use crate::github::Repo;
use crate::github::actions::{RunDetails, WorkflowInputs};
use crate::github::types::WorkflowRun;

/// What repository_dispatch needs of the token.
const REPOSITORY_NEEDS: &str = "repository_dispatch needs a token with Contents: write (fine-grained) or the repo scope (classic)";
/// What workflow_dispatch needs of the token.
const WORKFLOW_NEEDS: &str = "workflow_dispatch needs a token with Actions: write";

/// How the diagnosis workflow is started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// A repository_dispatch event of type [`EVENT_TYPE`].
    Repository,
    /// A workflow_dispatch of the workflow on `git_ref` (the default branch when None).
    Workflow { git_ref: Option<String> },
}

impl Trigger {
    /// The event the run shows.
    pub fn event(&self) -> &'static str {
        match self {
            Trigger::Repository => "repository_dispatch",
            Trigger::Workflow { .. } => "workflow_dispatch",
        }
    }
}

/// A run, and its page when that is on this GitHub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunLink {
    pub id: u64,
    pub url: Option<String>,
}

/// A diagnosis GitHub took.
#[derive(Debug, Clone)]
pub struct Started {
    pub correlation_id: Uuid,
    pub repository: Repo,
    /// The run, when GitHub named it (workflow_dispatch with run details) or it was
    /// found after a dispatch that may or may not have been taken.
    pub run: Option<RunLink>,
    event: &'static str,
    /// When GitHub took it (its clock), or when it was sent.
    at: SystemTime,
    /// The run found after an unsure dispatch, as it was read.
    found: Option<WorkflowRun>,
}

impl Remote {
    /// Starts the diagnosis `inputs` describe, at most once, within `budget`.
    pub async fn start(
        &self,
        trigger: &Trigger,
        inputs: &WorkflowInputs,
        budget: &Budget,
    ) -> Result<Started, RemoteError> {
        let cid = inputs.correlation_id;
        let before = SystemTime::now();
        let (sent, needs) = match trigger {
            Trigger::Repository => {
                let sent = self
                    .gh
                    .repository_dispatch(EVENT_TYPE, inputs, budget.deadline)
                    .await;
                (sent.map(|at| (at, None)), REPOSITORY_NEEDS)
            }
            Trigger::Workflow { git_ref } => {
                let git_ref = match git_ref {
                    Some(r) => r.clone(),
                    None => self.gh.default_branch(budget.deadline).await?,
                };
                let sent = self
                    .gh
                    .workflow_dispatch(&self.workflow, &git_ref, inputs, budget.deadline)
                    .await;
                (
                    sent.map(|d| (d.at, self.details(d.details))),
                    WORKFLOW_NEEDS,
                )
            }
        };
        let (at, known, found) = match sent {
            Ok((at, known)) => {
                self.emit(Event::Dispatched {
                    correlation_id: cid,
                });
                (at, known, None)
            }
            Err(GithubError::Ambiguous { what, message }) => {
                let unsure = Unsure { what, why: message };
                let run = self.confirm(unsure, cid, trigger, before, budget).await?;
                (before, None, Some(run))
            }
            Err(e) => return Err(RemoteError::of_dispatch(e, needs)),
        };
        let run = known.or_else(|| found.as_ref().map(|r| self.link(r)));
        Ok(Started {
            correlation_id: cid,
            repository: self.gh.repo().clone(),
            run,
            event: trigger.event(),
            at,
            found,
        })
    }

    /// The run of a started diagnosis — found after an unsure dispatch, named by GitHub,
    /// or searched for until the queue deadline — once it is known to be that diagnosis's
    /// run.
    pub async fn run_of(
        &self,
        started: &Started,
        budget: &Budget,
    ) -> Result<WorkflowRun, RemoteError> {
        let cid = started.correlation_id;
        let run = match (&started.found, &started.run) {
            (Some(run), _) => run.clone(),
            (None, Some(link)) => self.read_run(link.id, budget.deadline).await?,
            (None, None) => {
                let search = RunSearch::Dispatched {
                    event: started.event,
                    since: started.at,
                    queue_timeout: budget.queue_timeout,
                };
                self.find_run(cid, &search, budget.queue_deadline).await?
            }
        };
        let carried = self.diagnosis(&run, &[started.event])?;
        if carried != cid.to_string() {
            return Err(NotDiagnosis::OtherRun {
                run: run.id,
                carried,
                expected: cid,
            }
            .into());
        }
        self.emit(Event::RunFound {
            id: run.id,
            url: self.trusted_link(run.html_url.as_deref()),
        });
        Ok(run)
    }

    /// The run GitHub named, if it did; says so when this GitHub cannot name it.
    fn details(&self, details: RunDetails) -> Option<RunLink> {
        match details {
            RunDetails::Returned { id, html_url } => Some(RunLink {
                id,
                url: self.trusted_link(html_url.as_deref()),
            }),
            RunDetails::Missing => None,
            RunDetails::Unsupported => {
                self.emit(Event::NoRunDetails);
                None
            }
        }
    }

    fn link(&self, run: &WorkflowRun) -> RunLink {
        RunLink {
            id: run.id,
            url: self.trusted_link(run.html_url.as_deref()),
        }
    }

    /// After a dispatch that may or may not have been taken: its run, when it appears
    /// within the grace period (at most the queue timeout and what is left).
    async fn confirm(
        &self,
        unsure: Unsure,
        cid: Uuid,
        trigger: &Trigger,
        before: SystemTime,
        budget: &Budget,
    ) -> Result<WorkflowRun, RemoteError> {
        let clock = self.clock();
        let left = clock.unscaled(budget.deadline.saturating_duration_since(Instant::now()));
        let grace = UNSURE_GRACE.min(budget.queue_timeout).min(left);
        self.emit(Event::DispatchUnsure {
            what: unsure.what.clone(),
            why: unsure.why.clone(),
            correlation_id: cid,
            grace,
        });
        let search = RunSearch::Dispatched {
            event: trigger.event(),
            since: before,
            queue_timeout: budget.queue_timeout,
        };
        let grace_deadline = clock.deadline(grace).min(budget.deadline);
        match self.find_run(cid, &search, grace_deadline).await {
            Ok(run) => {
                self.emit(Event::DispatchConfirmed {
                    run: run.id,
                    correlation_id: cid,
                });
                Ok(run)
            }
            Err(RemoteError::NoRun(_)) => Err(RemoteError::DispatchUnknown {
                what: unsure.what,
                why: unsure.why,
                correlation_id: cid,
                grace,
            }),
            Err(other) => Err(other),
        }
    }
}

/// A dispatch that may or may not have reached GitHub: what it was, what happened.
struct Unsure {
    what: String,
    why: String,
}
