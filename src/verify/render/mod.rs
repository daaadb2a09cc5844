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
    // The title, unless it is the commit's message (a push), shown next.
    let message = run.commit.as_ref().map(|c| c.message.as_str());
    if !run.title.is_empty() && message != Some(run.title.as_str()) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::{Commit, FailedStep};

    fn at(s: &str) -> SystemTime {
        humantime::parse_rfc3339(s).unwrap()
    }

    fn step(number: u32, name: &str, conclusion: Option<RunConclusion>, secs: u64) -> StepView {
        StepView {
            number: Some(number),
            name: name.into(),
            status: if conclusion.is_some() {
                RunStatus::Completed
            } else {
                RunStatus::InProgress
            },
            conclusion,
            duration: Some(Duration::from_secs(secs)),
        }
    }

    /// A failed deploy: build passed, deploy failed at its upload.
    pub(super) fn failed() -> Verification {
        use RunConclusion::{Failure, Skipped, Success};
        Verification {
            workflow: "client-deploy.yml".into(),
            run: RunView {
                id: 5001,
                attempt: Some(1),
                title: "Fix the login page".into(),
                event: Some("push".into()),
                branch: Some("main".into()),
                status: RunStatus::Completed,
                conclusion: Some(Failure),
                started_at: Some(at("2026-11-25T05:00:00Z")),
                age: Some(Duration::from_secs(7380)),
                duration: Some(Duration::from_secs(125)),
                commit: Some(Commit {
                    sha: "abc1234".into(),
                    message: "Fix the login page".into(),
                }),
                link: Some("https://github.com/acme/site/actions/runs/5001".into()),
            },
            jobs: vec![
                JobView {
                    name: "build".into(),
                    status: RunStatus::Completed,
                    conclusion: Some(Success),
                    duration: Some(Duration::from_secs(62)),
                    steps: vec![step(1, "Set up job", Some(Success), 2)],
                },
                JobView {
                    name: "deploy".into(),
                    status: RunStatus::Completed,
                    conclusion: Some(Failure),
                    duration: Some(Duration::from_secs(40)),
                    steps: vec![
                        step(4, "Upload to S3", Some(Failure), 38),
                        step(5, "Invalidate", Some(Skipped), 0),
                    ],
                },
            ],
            jobs_not_shown: 0,
            failed_steps: vec![FailedStep {
                job: "deploy".into(),
                step: Some("Upload to S3".into()),
                number: Some(4),
                conclusion: Failure,
            }],
        }
    }

    #[test]
    fn the_text_view_shows_the_run_each_job_and_step_and_the_failed_steps() {
        assert_eq!(
            text(&failed(), false),
            "\
deploy client-deploy.yml run 5001 attempt 1: failure
  commit abc1234 Fix the login page · branch main · event push · started 2026-11-25T05:00:00Z (2 h 3 min ago) · took 2 min 5 s
  https://github.com/acme/site/actions/runs/5001
  success     build (1 min 2 s)
    success     1. Set up job (2 s)
  failure     deploy (40 s)
    failure     4. Upload to S3 (38 s)
    skipped     5. Invalidate (0 s)
failed steps:
  deploy › 4. Upload to S3 (failure)
verdict: failed
"
        );
        let colored = text(&failed(), true);
        assert!(
            colored.contains("\x1b[1m\x1b[31mfailure    \x1b[0m deploy"),
            "{colored}"
        );
        assert!(
            colored.ends_with("verdict: \x1b[1m\x1b[31mfailed\x1b[0m\n"),
            "{colored}"
        );
    }

    #[test]
    fn a_running_deploy_shows_what_is_not_done_yet() {
        let mut v = failed();
        v.run.status = RunStatus::InProgress;
        v.run.conclusion = None;
        v.jobs[1].status = RunStatus::InProgress;
        v.jobs[1].conclusion = None;
        v.jobs[1].steps[0] = step(4, "Upload to S3", None, 12);
        v.failed_steps.clear();
        v.jobs_not_shown = 3;
        v.run.title = "Deploy by hand".into();
        let out = text(&v, false);
        assert!(
            out.contains(": in_progress\n  Deploy by hand\n  commit abc1234 "),
            "{out}"
        );
        assert!(out.starts_with("deploy client-deploy.yml run 5001 attempt 1: in_progress\n"));
        assert!(
            out.contains("\n  in_progress deploy (40 s)\n    in_progress 4. Upload to S3 (12 s)\n"),
            "{out}"
        );
        assert!(out.contains("\n  … 3 more jobs not shown\n"), "{out}");
        assert!(out.ends_with("\nverdict: running\n"), "{out}");
        let colored = text(&v, true);
        assert!(
            colored.contains("\x1b[34min_progress\x1b[0m deploy"),
            "{colored}"
        );
    }

    #[test]
    fn the_json_view_is_typed_and_escaped() {
        let mut v = failed();
        v.run.title = "<script>`x`&\u{202e}".into();
        let out = json(&v);
        assert!(
            out.contains(r#""title": "\u003cscript\u003e\u0060x\u0060\u0026\u202e""#),
            "{out}"
        );
        let back: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back["run"]["title"], v.run.title.as_str());
        assert_eq!(back["verdict"], "failed");
        assert_eq!(back["exit_code"], 1);
        assert_eq!(back["run"]["started_at"], "2026-11-25T05:00:00Z");
        assert_eq!(back["run"]["age_s"], 7380);
        assert_eq!(
            back["run"]["commit"],
            json!({"sha": "abc1234", "message": "Fix the login page"})
        );
        assert_eq!(
            back["jobs"][1]["steps"][0],
            json!({
                "number": 4, "name": "Upload to S3", "status": "completed",
                "conclusion": "failure", "duration_s": 38,
            })
        );
        assert_eq!(
            back["failed_steps"],
            json!([{"job": "deploy", "step": "Upload to S3", "number": 4, "conclusion": "failure"}])
        );
        v.run.link = None;
        v.run.commit = None;
        v.run.duration = None;
        let back: Value = serde_json::from_str(&json(&v)).unwrap();
        assert_eq!(back["run"]["url"], Value::Null);
        assert_eq!(back["run"]["commit"], Value::Null);
        assert_eq!(back["run"]["duration_s"], Value::Null);
    }
}
