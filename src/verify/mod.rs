//! Did the last deploy work? The newest run of a repository's deploy workflow
//! (`client-deploy.yml` unless told otherwise), or a run named by its ID or its page, read
//! with its jobs and their steps into a [`Verification`]: the run's status, conclusion,
//! age and commit, each job's and step's conclusion and duration, and the steps that
//! failed. Its [`Verdict`] gives the exit code (0 succeeded, 1 failed, 3 still running;
//! 2 is any [`VerifyError`]). [`render`] writes it as text, JSON or a Discord message.
//!
//! Everything read from GitHub is hostile until checked: a run of another workflow is
//! refused (as the diagnosis library refuses a run that is not a diagnosis), names and
//! messages are made one short line, timestamps that do not parse are no time at all,
//! durations are never negative, and a run's page is linked only when it is on this
//! GitHub's web host.

mod build;
mod error;
pub mod render;
mod target;
pub mod time;

use std::time::{Duration, Instant, SystemTime};

use crate::github::GithubError;
use crate::github::types::{RunConclusion, RunStatus};
use crate::remote::Remote;

pub use error::VerifyError;
pub use target::{DEFAULT_DEPLOY_WORKFLOW, DeployWorkflow, RunTarget};

/// The exit code of a verification that could not be made (bad input, GitHub's errors).
pub const EXIT_ERROR: i32 = 2;

/// What was found: the run and its jobs, every text in them checked and cut short.
#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    /// The deploy workflow's file name.
    pub workflow: String,
    pub run: RunView,
    pub jobs: Vec<JobView>,
    /// Jobs the run has beyond those read (more than one page of them).
    pub jobs_not_shown: u64,
    /// The steps that failed, in order; a job that failed without a failed step is
    /// listed on its own.
    pub failed_steps: Vec<FailedStep>,
}

/// The run, as shown.
#[derive(Debug, Clone, PartialEq)]
pub struct RunView {
    pub id: u64,
    pub attempt: Option<u32>,
    /// The run's title (one line, at most 120 characters).
    pub title: String,
    pub event: Option<String>,
    pub branch: Option<String>,
    pub status: RunStatus,
    pub conclusion: Option<RunConclusion>,
    /// When this attempt started (else when the run was created).
    pub started_at: Option<SystemTime>,
    /// How long ago that was.
    pub age: Option<Duration>,
    /// How long it took (so far, while it runs).
    pub duration: Option<Duration>,
    pub commit: Option<Commit>,
    /// The run's page, when it is on this GitHub's web host.
    pub link: Option<String>,
}

/// The commit a run is of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    /// The first 7 hex digits of its SHA.
    pub sha: String,
    /// The first line of its message (one line, at most 100 characters).
    pub message: String,
}

/// A job, as shown.
#[derive(Debug, Clone, PartialEq)]
pub struct JobView {
    pub name: String,
    pub status: RunStatus,
    pub conclusion: Option<RunConclusion>,
    pub duration: Option<Duration>,
    pub steps: Vec<StepView>,
}

/// A step of a job, as shown.
#[derive(Debug, Clone, PartialEq)]
pub struct StepView {
    pub number: Option<u32>,
    pub name: String,
    pub status: RunStatus,
    pub conclusion: Option<RunConclusion>,
    pub duration: Option<Duration>,
}

/// A step that failed (or a job that failed without a failed step: `step` is `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedStep {
    pub job: String,
    pub step: Option<String>,
    pub number: Option<u32>,
    pub conclusion: RunConclusion,
}

/// What the run says about the deploy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Completed with `success`.
    Succeeded,
    /// Completed with any other conclusion (failure, cancelled, timed out, skipped…).
    Failed,
    /// Not completed yet (queued, waiting, in progress).
    Running,
}

impl Verdict {
    /// 0 succeeded, 1 failed, 3 still running.
    pub fn exit_code(self) -> i32 {
        match self {
            Verdict::Succeeded => 0,
            Verdict::Failed => 1,
            Verdict::Running => 3,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Succeeded => "succeeded",
            Verdict::Failed => "failed",
            Verdict::Running => "running",
        }
    }
}

impl Verification {
    /// Succeeded only when the run completed with `success`. A status GitHub did not name
    /// counts as completed when the run has a conclusion, as still running otherwise.
    pub fn verdict(&self) -> Verdict {
        match (
            finished(self.run.status, self.run.conclusion),
            self.run.conclusion,
        ) {
            (false, _) => Verdict::Running,
            (true, Some(RunConclusion::Success)) => Verdict::Succeeded,
            (true, _) => Verdict::Failed,
        }
    }

    /// The process's exit code for this verification.
    pub fn exit_code(&self) -> i32 {
        self.verdict().exit_code()
    }
}

/// Whether a run, job or step is over: completed, or of a status GitHub did not name
/// but with a conclusion.
pub(crate) fn finished(status: RunStatus, conclusion: Option<RunConclusion>) -> bool {
    match status {
        RunStatus::Completed => true,
        RunStatus::Unknown => conclusion.is_some(),
        _ => false,
    }
}

/// Reads `target` — the newest run of `workflow`, or the run named — with its jobs and
/// steps, through `remote`'s GitHub client, within `deadline`.
pub async fn verify(
    remote: &Remote,
    workflow: &DeployWorkflow,
    target: RunTarget,
    deadline: Instant,
) -> Result<Verification, VerifyError> {
    let gh = remote.github();
    let run = match target {
        RunTarget::Latest => gh
            .latest_run(workflow.name(), deadline)
            .await
            .map_err(|e| match e {
                GithubError::NotFound { .. } => VerifyError::WorkflowNotFound {
                    workflow: workflow.name().to_string(),
                    repo: gh.repo().to_string(),
                },
                other => other.into(),
            })?
            .ok_or_else(|| VerifyError::NoRuns {
                workflow: workflow.name().to_string(),
                repo: gh.repo().to_string(),
            })?,
        RunTarget::Run(id) => gh.get_run(id, deadline).await?,
    };
    if !run.is_of_workflow(gh.repo(), workflow.name()) {
        return Err(VerifyError::OtherWorkflow {
            run: run.id,
            path: build::shown(run.path.as_deref().unwrap_or("an unnamed workflow"), 100),
            workflow: workflow.name().to_string(),
        });
    }
    let jobs = gh.jobs_with_steps(run.id, deadline).await?;
    let link = remote.trusted_link(run.html_url.as_deref());
    Ok(build::verification(
        workflow,
        &run,
        jobs,
        link,
        SystemTime::now(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verification(status: RunStatus, conclusion: Option<RunConclusion>) -> Verification {
        Verification {
            workflow: DEFAULT_DEPLOY_WORKFLOW.into(),
            run: RunView {
                id: 1,
                attempt: None,
                title: String::new(),
                event: None,
                branch: None,
                status,
                conclusion,
                started_at: None,
                age: None,
                duration: None,
                commit: None,
                link: None,
            },
            jobs: Vec::new(),
            jobs_not_shown: 0,
            failed_steps: Vec::new(),
        }
    }

    #[test]
    fn exit_codes_say_succeeded_failed_or_still_running() {
        use RunConclusion as C;
        use RunStatus as S;
        let code = |s, c| verification(s, c).exit_code();
        assert_eq!(code(S::Completed, Some(C::Success)), 0);
        for c in [
            C::Failure,
            C::Cancelled,
            C::TimedOut,
            C::Skipped,
            C::Neutral,
            C::ActionRequired,
            C::Stale,
            C::StartupFailure,
            C::Unknown,
        ] {
            assert_eq!(code(S::Completed, Some(c)), 1, "{c}");
        }
        // Completed without a conclusion did not succeed.
        assert_eq!(code(S::Completed, None), 1);
        for s in [
            S::Queued,
            S::Pending,
            S::Waiting,
            S::Requested,
            S::InProgress,
        ] {
            assert_eq!(code(s, None), 3, "{s}");
            // A conclusion before the run completed is not believed.
            assert_eq!(code(s, Some(C::Success)), 3, "{s}");
        }
        // A status GitHub did not name: over when there is a conclusion.
        assert_eq!(code(S::Unknown, Some(C::Success)), 0);
        assert_eq!(code(S::Unknown, Some(C::Failure)), 1);
        assert_eq!(code(S::Unknown, None), 3);
        let e = VerifyError::BadRun("x".into());
        assert_eq!(e.exit_code(), EXIT_ERROR);
        assert_eq!(EXIT_ERROR, 2);
    }
}
