//! A [`Verification`] as the terminal shows it ([`text`]), as JSON ([`json`], strings
//! escaped as the report's are), or as a Discord message ([`discord`], [`discord_payload`]).
//! Each run, job and step looks as the report's outcomes do (`report::style`): success
//! passes, failure and time-outs fail, skipped is skipped, anything else (cancelled,
//! neutral…) warns, and what is not finished yet looks running.

mod discord;

use std::fmt::Write;
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

pub use discord::{discord, discord_payload};

use super::time::human;
use super::{JobView, RunView, StepView, Verdict, Verification, finished};
use crate::github::types::{RunConclusion, RunStatus};
use crate::model::{Conclusion, Outcome};
use crate::report::style::{self, ConclusionLook, OutcomeLook};

/// How a run, job or step looks: finished with `conclusion`, or not finished.
fn look(status: RunStatus, conclusion: Option<RunConclusion>) -> &'static OutcomeLook {
    if !finished(status, conclusion) {
        return &style::RUNNING;
    }
    style::outcome(match conclusion {
        Some(RunConclusion::Success) => Outcome::Pass,
        Some(RunConclusion::Failure | RunConclusion::TimedOut | RunConclusion::StartupFailure) => {
            Outcome::Fail
        }
        Some(RunConclusion::Skipped) => Outcome::Skip,
        _ => Outcome::Warn,
    })
}

/// GitHub's word for where it is: its conclusion once it has one, else its status.
fn word(status: RunStatus, conclusion: Option<RunConclusion>) -> &'static str {
    match conclusion {
        Some(c) if finished(status, conclusion) => c.as_str(),
        _ => status.as_str(),
    }
}

/// How the verdict looks.
fn verdict_look(verdict: Verdict) -> &'static ConclusionLook {
    match verdict {
        Verdict::Succeeded => style::conclusion(Conclusion::Success),
        Verdict::Failed => style::conclusion(Conclusion::Failure),
        Verdict::Running => &style::UNFINISHED,
    }
}

/// `4. Upload` (or the name alone when GitHub gave no number).
fn numbered(number: Option<u32>, name: &str) -> String {
    match number {
        Some(n) => format!("{n}. {name}"),
        None => name.to_string(),
    }
}

fn rfc3339(at: SystemTime) -> String {
    humantime::format_rfc3339_seconds(at).to_string()
}

fn seconds(d: Option<Duration>) -> Value {
    d.map_or(Value::Null, |d| json!(d.as_secs()))
}

/// The terminal view: the run, then each job and its steps, then the failed steps and
/// the verdict; colored when `color`.
pub fn text(v: &Verification, color: bool) -> String {
    let mut out = String::new();
    let run = &v.run;
    let state = word(run.status, run.conclusion);
    let state = style::paint(state, look(run.status, run.conclusion).style, color);
    let attempt = run
        .attempt
        .map(|a| format!(" attempt {a}"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "deploy {} run {}{attempt}: {state}",
        v.workflow, run.id
    );
    if !run.title.is_empty() {
        let _ = writeln!(out, "  {}", run.title);
    }
    let _ = writeln!(out, "  {}", about(run));
    if let Some(link) = &run.link {
        let _ = writeln!(out, "  {link}");
    }
    for job in &v.jobs {
        let _ = writeln!(
            out,
            "  {}",
            line(job.status, job.conclusion, &job.name, job.duration, color)
        );
        for s in &job.steps {
            let name = numbered(s.number, &s.name);
            let _ = writeln!(
                out,
                "    {}",
                line(s.status, s.conclusion, &name, s.duration, color)
            );
        }
    }
    if v.jobs.is_empty() {
        out.push_str("  no jobs yet\n");
    }
    if v.jobs_not_shown > 0 {
        let _ = writeln!(out, "  … {} more jobs not shown", v.jobs_not_shown);
    }
    if !v.failed_steps.is_empty() {
        out.push_str("failed steps:\n");
        for f in &v.failed_steps {
            let step = match &f.step {
                Some(step) => format!(" › {}", numbered(f.number, step)),
                None => String::new(),
            };
            let _ = writeln!(out, "  {}{step} ({})", f.job, f.conclusion);
        }
    }
    let verdict = v.verdict();
    let shown = style::paint(verdict.as_str(), verdict_look(verdict).style, color);
    let _ = writeln!(out, "verdict: {shown}");
    out
}

/// The commit, branch and event; when it started, how long ago, how long it took.
fn about(run: &RunView) -> String {
    let mut parts = Vec::new();
    if let Some(c) = &run.commit {
        parts.push(
            format!("commit {} {}", c.sha, c.message)
                .trim_end()
                .to_string(),
        );
    }
    if let Some(b) = &run.branch {
        parts.push(format!("branch {b}"));
    }
    if let Some(e) = &run.event {
        parts.push(format!("event {e}"));
    }
    if let (Some(at), Some(age)) = (run.started_at, run.age) {
        parts.push(format!("started {} ({} ago)", rfc3339(at), human(age)));
    }
    if let Some(d) = run.duration {
        parts.push(format!("took {}", human(d)));
    }
    match parts.is_empty() {
        true => "nothing more is known of it".to_string(),
        false => parts.join(" · "),
    }
}

/// `success      Build (1 min 2 s)`: the word in its look, the name, the duration.
fn line(
    status: RunStatus,
    conclusion: Option<RunConclusion>,
    name: &str,
    duration: Option<Duration>,
    color: bool,
) -> String {
    let shown = format!("{:<11}", word(status, conclusion));
    let shown = style::paint(&shown, look(status, conclusion).style, color);
    let took = duration
        .map(|d| format!(" ({})", human(d)))
        .unwrap_or_default();
    format!("{shown} {name}{took}")
}

/// The JSON view: the verdict and its exit code, the run, the jobs with their steps, the
/// failed steps. Durations and ages are whole seconds; times are RFC 3339.
pub fn json(v: &Verification) -> String {
    let run = &v.run;
    let value = json!({
        "workflow": v.workflow,
        "verdict": v.verdict().as_str(),
        "exit_code": v.exit_code(),
        "run": {
            "id": run.id,
            "attempt": run.attempt,
            "title": run.title,
            "event": run.event,
            "branch": run.branch,
            "status": run.status.as_str(),
            "conclusion": run.conclusion.map(RunConclusion::as_str),
            "started_at": run.started_at.map(rfc3339),
            "age_s": seconds(run.age),
            "duration_s": seconds(run.duration),
            "commit": run.commit.as_ref().map(|c| json!({"sha": c.sha, "message": c.message})),
            "url": run.link,
        },
        "jobs": v.jobs.iter().map(job_json).collect::<Vec<_>>(),
        "jobs_not_shown": v.jobs_not_shown,
        "failed_steps": v.failed_steps.iter().map(|f| json!({
            "job": f.job,
            "step": f.step,
            "number": f.number,
            "conclusion": f.conclusion.as_str(),
        })).collect::<Vec<_>>(),
    });
    crate::report::escaped_json(&value)
}

fn job_json(job: &JobView) -> Value {
    json!({
        "name": job.name,
        "status": job.status.as_str(),
        "conclusion": job.conclusion.map(RunConclusion::as_str),
        "duration_s": seconds(job.duration),
        "steps": job.steps.iter().map(step_json).collect::<Vec<_>>(),
    })
}

fn step_json(s: &StepView) -> Value {
    json!({
        "number": s.number,
        "name": s.name,
        "status": s.status.as_str(),
        "conclusion": s.conclusion.map(RunConclusion::as_str),
        "duration_s": seconds(s.duration),
    })
}
