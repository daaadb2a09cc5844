//! The report of a completed run: from its artifact, else from its job logs, then checked
//! to be this run's (its correlation ID) and compared with the run's conclusion.

use std::time::Instant;

use super::{Event, Refusal, Remote, RemoteError, artifact, shown};
use crate::github::types::{RunConclusion, WorkflowRun};
use crate::model::{Conclusion, Report};

/// A run's report, read and checked.
#[derive(Debug)]
pub struct Found {
    pub run: WorkflowRun,
    pub report: Report,
    pub source: Source,
    /// Set when the run's conclusion and the report's disagree (one says success, the
    /// other does not): what disagrees, in words.
    pub contradiction: Option<String>,
}

/// Where a report was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Artifact,
    /// The job log: the fallback channel, weaker than the artifact.
    Log,
}

impl Source {
    /// The JSON value: `artifact` or `log`.
    pub fn key(self) -> &'static str {
        match self {
            Source::Artifact => "artifact",
            Source::Log => "log",
        }
    }

    /// `from the artifact`, `from the job log`.
    pub fn described(self) -> &'static str {
        match self {
            Source::Artifact => "from the artifact",
            Source::Log => "from the job log",
        }
    }
}

impl Found {
    /// The warnings every format shows.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.source == Source::Log {
            out.push("the report was read from the job log, not from the artifact".to_string());
        }
        if let Some(c) = &self.contradiction {
            out.push(c.clone());
        }
        out
    }

    /// Whether the diagnosis passed: its report says success, and the run agrees.
    pub fn succeeded(&self) -> bool {
        self.report.conclusion == Conclusion::Success && self.contradiction.is_none()
    }
}

impl Remote {
    /// The report of completed `run`, which must be for correlation ID `expected`: from
    /// its artifact (which may use half the time left, so that a download that stalls
    /// still leaves the job log its chance), else from its job logs.
    pub async fn fetch_report(
        &self,
        run: WorkflowRun,
        expected: &str,
        deadline: Instant,
    ) -> Result<Found, RemoteError> {
        let left = deadline.saturating_duration_since(Instant::now());
        let artifact_deadline = crate::clock::later(Instant::now(), left / 2);
        let mut why_not = Vec::new();
        match self.report_from_artifact(&run, artifact_deadline).await {
            Ok(report) => return verified(run, report, Source::Artifact, expected),
            Err(why) => why_not.push(why),
        }
        self.emit(Event::ReadingLog {
            why: why_not.join("; "),
        });
        match self.report_from_logs(&run, expected, deadline).await {
            Ok(report) => verified(run, report, Source::Log, expected),
            Err(why) => {
                why_not.push(why);
                Err(RemoteError::NoReport {
                    run: run.id,
                    conclusion: run.conclusion_word(),
                    why: why_not,
                })
            }
        }
    }

    /// The report in the run's artifact, or why there is none.
    async fn report_from_artifact(
        &self,
        run: &WorkflowRun,
        deadline: Instant,
    ) -> Result<Report, String> {
        let name = &self.artifact_name;
        let artifacts = self
            .gh
            .artifacts(run.id, name, deadline)
            .await
            .map_err(|e| e.to_string())?;
        let artifact = artifacts
            .iter()
            .find(|a| &a.name == name)
            .ok_or_else(|| format!("the run has no artifact {name}"))?;
        if artifact.expired {
            return Err(format!("the artifact {name} has expired"));
        }
        if let Some(why) = artifact::zip_too_big(artifact.size_in_bytes) {
            return Err(why);
        }
        let zip = self
            .gh
            .download_artifact(artifact, artifact::MAX_ZIP, deadline)
            .await
            .map_err(|e| e.to_string())?;
        let json = artifact::report_from_zip(&zip)?;
        parse_report(&json, "artifact")
    }

    /// The report in the job logs of `run`: the one block of the tool, in one log. A log
    /// with a block that cannot be trusted, or more than one block in all, is refused.
    async fn report_from_logs(
        &self,
        run: &WorkflowRun,
        expected: &str,
        deadline: Instant,
    ) -> Result<Report, String> {
        let jobs = self
            .gh
            .jobs(run.id, deadline)
            .await
            .map_err(|e| e.to_string())?;
        // A job whose log cannot be read (a skipped gate job, an expired log) does not
        // stop the search: the report may be in the next one.
        let mut unreadable = Vec::new();
        let mut found: Option<String> = None;
        for job in &jobs {
            let log = match self.gh.job_logs(job, artifact::MAX_LOG, deadline).await {
                Ok(log) => log,
                Err(e) => {
                    unreadable.push(e.to_string());
                    continue;
                }
            };
            match artifact::report_from_log(&String::from_utf8_lossy(&log), expected) {
                Ok(None) => {}
                Ok(Some(_)) if found.is_some() => {
                    return Err(
                        "more than one job log holds a report block where the tool writes one; refusing to choose"
                            .to_string(),
                    );
                }
                Ok(Some(json)) => found = Some(json),
                Err(e) => return Err(format!("job {}: {e}", shown(&job.name))),
            }
        }
        if let Some(json) = found {
            return parse_report(json.as_bytes(), "job log");
        }
        let mut why = "no job log holds the report block".to_string();
        for e in unreadable {
            why.push_str("; ");
            why.push_str(&e);
        }
        Err(why)
    }
}

fn parse_report(json: &[u8], source: &str) -> Result<Report, String> {
    serde_json::from_slice(json)
        .map_err(|e| format!("the report in the {source} is not valid: {e}"))
}

/// Never another run's report; flags a run whose conclusion contradicts its report.
fn verified(
    run: WorkflowRun,
    report: Report,
    source: Source,
    expected: &str,
) -> Result<Found, RemoteError> {
    let got = &report.correlation_id;
    if crate::config::parse_uuid("", got).is_err() {
        return Err(Refusal::NotAUuid {
            run: run.id,
            from: source,
        }
        .into());
    }
    if !got.eq_ignore_ascii_case(expected) {
        return Err(Refusal::OtherCorrelationId {
            run: run.id,
            got: got.clone(),
            expected: expected.to_string(),
        }
        .into());
    }
    let contradiction = run.conclusion.and_then(|c| {
        let run_succeeded = c == RunConclusion::Success;
        let report_succeeded = report.conclusion == Conclusion::Success;
        (run_succeeded != report_succeeded).then(|| {
            format!(
                "the run concluded {c} but its report says {}: the two disagree",
                report.conclusion.as_str()
            )
        })
    });
    Ok(Found {
        run,
        report,
        source,
        contradiction,
    })
}
