//! From what GitHub answered to a [`Verification`]: every name and message made one line
//! and cut short, an empty name shown as `(unnamed)`, a commit SHA kept only when it is
//! hex, times parsed with care and durations measured on them (never negative).

use std::time::SystemTime;

use super::time::{between, parse_timestamp, took};
use super::{Commit, DeployWorkflow, FailedStep, JobView, RunView, StepView, Verification};
use crate::github::types::{Job, Jobs, RunConclusion, RunStatus, Step, WorkflowRun};
use crate::text::{cap, one_line};

/// The longest job or step name shown.
pub const NAME_LIMIT: usize = 100;
const TITLE_LIMIT: usize = 120;
/// How many hex digits of a commit SHA are shown.
const SHORT_SHA: usize = 7;

/// Text from outside as one line of at most `max` characters, surrounding spaces trimmed.
pub fn shown(s: &str, max: usize) -> String {
    cap(one_line(s).trim(), max)
}

/// A name from outside; `(unnamed)` when there is nothing to show.
fn name(s: &str) -> String {
    match shown(s, NAME_LIMIT) {
        n if n.is_empty() => "(unnamed)".to_string(),
        n => n,
    }
}

fn optional(s: Option<&str>, max: usize) -> Option<String> {
    s.map(|s| shown(s, max)).filter(|s| !s.is_empty())
}

/// Whether a conclusion means the job or step failed.
pub fn is_failure(c: RunConclusion) -> bool {
    matches!(
        c,
        RunConclusion::Failure | RunConclusion::TimedOut | RunConclusion::StartupFailure
    )
}

fn running(status: Option<RunStatus>) -> bool {
    status == Some(RunStatus::InProgress)
}

/// The verification of `run` and its `jobs`, measured at `now`.
pub fn verification(
    workflow: &DeployWorkflow,
    run: &WorkflowRun,
    jobs: Jobs,
    link: Option<String>,
    now: SystemTime,
) -> Verification {
    let read = jobs.jobs.len() as u64;
    // GitHub's count of all the jobs; fewer than were read is no count at all.
    let total = jobs.total_count.unwrap_or(read).max(read);
    let jobs: Vec<JobView> = jobs.jobs.iter().map(|j| job(j, now)).collect();
    Verification {
        workflow: workflow.name().to_string(),
        run: run_view(run, link, now),
        jobs_not_shown: total - read,
        failed_steps: failed_steps(&jobs),
        jobs,
    }
}

fn run_view(run: &WorkflowRun, link: Option<String>, now: SystemTime) -> RunView {
    let started = run.run_started_at.as_deref().or(run.created_at.as_deref());
    let started_at = started.and_then(parse_timestamp);
    let duration = if run.is_completed() {
        took(started, run.updated_at.as_deref(), false, now)
    } else {
        took(started, None, true, now)
    };
    RunView {
        id: run.id,
        attempt: run.run_attempt,
        title: shown(&run.display_title, TITLE_LIMIT),
        event: optional(run.event.as_deref(), NAME_LIMIT),
        branch: optional(run.head_branch.as_deref(), NAME_LIMIT),
        status: run.state(),
        conclusion: run.conclusion,
        started_at,
        age: started_at.map(|at| between(at, now)),
        duration,
        commit: commit(run),
        link,
    }
}

/// The commit: its SHA (when it is hex) and the first line of its message.
fn commit(run: &WorkflowRun) -> Option<Commit> {
    let head = run.head_commit.as_ref();
    let sha = run
        .head_sha
        .as_deref()
        .or(head.and_then(|c| c.id.as_deref()))?;
    let hex =
        sha.len() >= SHORT_SHA && sha.len() <= 64 && sha.bytes().all(|b| b.is_ascii_hexdigit());
    if !hex {
        return None;
    }
    let message = head
        .and_then(|c| c.message.as_deref())
        .and_then(|m| m.lines().map(str::trim).find(|l| !l.is_empty()))
        .map(|line| shown(line, NAME_LIMIT))
        .unwrap_or_default();
    Some(Commit {
        sha: sha[..SHORT_SHA].to_ascii_lowercase(),
        message,
    })
}

fn job(job: &Job, now: SystemTime) -> JobView {
    JobView {
        name: name(&job.name),
        status: job.status.unwrap_or(RunStatus::Unknown),
        conclusion: job.conclusion,
        duration: took(
            job.started_at.as_deref(),
            job.completed_at.as_deref(),
            running(job.status),
            now,
        ),
        steps: job.steps.iter().map(|s| step(s, now)).collect(),
    }
}

fn step(step: &Step, now: SystemTime) -> StepView {
    StepView {
        number: step.number,
        name: name(&step.name),
        status: step.status.unwrap_or(RunStatus::Unknown),
        conclusion: step.conclusion,
        duration: took(
            step.started_at.as_deref(),
            step.completed_at.as_deref(),
            running(step.status),
            now,
        ),
    }
}

/// The failed steps of every job, in order; a failed job without one is listed alone.
fn failed_steps(jobs: &[JobView]) -> Vec<FailedStep> {
    let mut out = Vec::new();
    for job in jobs {
        let before = out.len();
        for s in &job.steps {
            if let Some(c) = s.conclusion.filter(|c| is_failure(*c)) {
                out.push(FailedStep {
                    job: job.name.clone(),
                    step: Some(s.name.clone()),
                    number: s.number,
                    conclusion: c,
                });
            }
        }
        if let Some(c) = job.conclusion.filter(|c| is_failure(*c))
            && out.len() == before
        {
            out.push(FailedStep {
                job: job.name.clone(),
                step: None,
                number: None,
                conclusion: c,
            });
        }
    }
    out
}
