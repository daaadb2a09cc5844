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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn now() -> SystemTime {
        humantime::parse_rfc3339("2026-11-25T06:00:00Z").unwrap()
    }

    fn run(v: serde_json::Value) -> WorkflowRun {
        serde_json::from_value(v).unwrap()
    }

    fn jobs(v: serde_json::Value) -> Jobs {
        serde_json::from_value(v).unwrap()
    }

    fn build(r: serde_json::Value, j: serde_json::Value) -> Verification {
        verification(&DeployWorkflow::default(), &run(r), jobs(j), None, now())
    }

    #[test]
    fn names_and_messages_from_github_are_one_short_line() {
        let v = build(
            json!({
                "id": 1, "status": "completed", "conclusion": "failure",
                "display_title": format!("Deploy\n\u{1b}[2J{}", "t".repeat(500)),
                "head_branch": "  ",
                "event": "push\r\n",
                "head_sha": "ABCDEF0123456789abcdef0123456789abcdef01",
                "head_commit": {"message": "\n\n  Fix the \u{202e}login\u{7} page  \nsecond line"},
            }),
            json!({"jobs": [{"id": 1, "name": "", "conclusion": "failure", "steps": [
                {"name": format!("<@123> {}", "s".repeat(300)), "number": 4, "conclusion": "timed_out"},
                {"name": "\t", "number": 5, "conclusion": "skipped"},
            ]}]}),
        );
        let r = &v.run;
        assert!(r.title.starts_with("Deploy \u{fffd}[2J"), "{}", r.title);
        assert_eq!(r.title.chars().count(), TITLE_LIMIT);
        assert_eq!(r.branch, None);
        assert_eq!(r.event.as_deref(), Some("push\u{fffd}"));
        let c = r.commit.as_ref().unwrap();
        assert_eq!(c.sha, "abcdef0");
        assert_eq!(c.message, "Fix the \u{fffd}login\u{fffd} page");
        let job = &v.jobs[0];
        assert_eq!(job.name, "(unnamed)");
        assert_eq!(job.steps[0].name.chars().count(), NAME_LIMIT);
        assert!(job.steps[0].name.ends_with('…'));
        assert_eq!(job.steps[1].name, "(unnamed)");
        let shown = [&r.title, &job.steps[0].name, &c.message];
        assert!(shown.iter().all(|s| !s.chars().any(char::is_control)));
    }

    #[test]
    fn a_commit_is_shown_only_by_a_hex_sha() {
        let commit = |v: serde_json::Value| commit(&run(v));
        let base = json!({"id": 1});
        assert_eq!(commit(base.clone()), None);
        for bad in ["abc12", "zzzzzzzzzz", "abcdef0\u{1b}", &"a".repeat(65)] {
            assert_eq!(commit(json!({"id": 1, "head_sha": bad})), None, "{bad:?}");
        }
        let from_head =
            commit(json!({"id": 1, "head_commit": {"id": "1234567890", "message": ""}}));
        assert_eq!(
            from_head,
            Some(Commit {
                sha: "1234567".into(),
                message: String::new()
            })
        );
    }

    #[test]
    fn failed_steps_are_listed_in_order_and_a_failed_job_without_one_too() {
        let v = build(
            json!({"id": 1, "status": "completed", "conclusion": "failure"}),
            json!({"total_count": 4, "jobs": [
                {"id": 1, "name": "build", "conclusion": "success", "steps": [
                    {"name": "compile", "number": 1, "conclusion": "success"}]},
                {"id": 2, "name": "deploy", "conclusion": "failure", "steps": [
                    {"name": "upload", "number": 3, "conclusion": "failure"},
                    {"name": "wait", "number": 4, "conclusion": "timed_out"},
                    {"name": "notify", "number": 5, "conclusion": "cancelled"}]},
                {"id": 3, "name": "smoke", "conclusion": "startup_failure", "steps": []},
            ]}),
        );
        let failed: Vec<(String, Option<String>, Option<u32>, RunConclusion)> = v
            .failed_steps
            .iter()
            .map(|f| (f.job.clone(), f.step.clone(), f.number, f.conclusion))
            .collect();
        assert_eq!(
            failed,
            vec![
                (
                    "deploy".into(),
                    Some("upload".into()),
                    Some(3),
                    RunConclusion::Failure
                ),
                (
                    "deploy".into(),
                    Some("wait".into()),
                    Some(4),
                    RunConclusion::TimedOut
                ),
                ("smoke".into(), None, None, RunConclusion::StartupFailure),
            ]
        );
        assert_eq!(v.jobs_not_shown, 1);
    }

    #[test]
    fn times_are_measured_and_a_count_below_what_was_read_is_ignored() {
        let v = build(
            json!({"id": 1, "status": "in_progress",
                   "created_at": "2026-11-25T05:00:00Z", "run_started_at": "2026-11-25T05:30:00Z",
                   "updated_at": "2026-11-25T05:31:00Z"}),
            json!({"total_count": 0, "jobs": [
                {"id": 1, "name": "deploy", "status": "in_progress",
                 "started_at": "2026-11-25T05:50:00Z", "steps": [
                    {"name": "a", "status": "completed", "conclusion": "success",
                     "started_at": "2026-11-25T05:50:00Z", "completed_at": "2026-11-25T05:49:00Z"},
                    {"name": "b", "status": "in_progress", "started_at": "2026-11-25T05:58:30Z"},
                    {"name": "c", "status": "queued"},
                    {"name": "d", "status": "completed", "started_at": "bogus", "completed_at": "2026-11-25T05:58:30Z"}]},
            ]}),
        );
        let secs = |d: Option<std::time::Duration>| d.map(|d| d.as_secs());
        // The attempt started at 05:30: 30 minutes ago, running for as long.
        assert_eq!(secs(v.run.age), Some(1800));
        assert_eq!(secs(v.run.duration), Some(1800));
        assert_eq!(secs(v.jobs[0].duration), Some(600));
        let steps: Vec<Option<u64>> = v.jobs[0].steps.iter().map(|s| secs(s.duration)).collect();
        assert_eq!(steps, vec![Some(0), Some(90), None, None]);
        assert_eq!(v.jobs_not_shown, 0);
    }
}
