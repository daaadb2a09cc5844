//! The baseline of a GitHub Actions job: the report artifact of the last successful run
//! of the same workflow on the same branch, read through the GitHub client (its retries,
//! rate limits and download rules) and checked to be a diagnosis report. No such run, no
//! artifact, or an artifact that holds no report is [`Previous::None`] with the reason:
//! the first run of a new workflow has nothing to compare with, and that is no error.

use std::time::Instant;

use crate::github::types::RunConclusion;
use crate::github::{Github, GithubError};
use crate::model::Report;
use crate::remote::artifact;
use crate::text::{cap, one_line};

/// Successful runs read to find the previous one (the current run may be among them
/// when it is a re-run).
const RUNS_PAGE: u8 = 5;

/// Which runs to look at.
#[derive(Debug, Clone)]
pub struct Wanted {
    /// The workflow file (`diagnose.yml`).
    pub workflow: String,
    /// Only runs on this branch, when given.
    pub branch: Option<String>,
    pub artifact_name: String,
    /// The run asking, never its own baseline.
    pub current_run: Option<u64>,
}

/// What was found.
#[derive(Debug)]
pub enum Previous {
    /// The report of run `run`: its bytes as the artifact held them, and parsed.
    Found {
        run: u64,
        json: Vec<u8>,
        report: Box<Report>,
    },
    /// No baseline, and why (one sentence).
    None(String),
}

/// The report of the last successful run that `wanted` names.
pub async fn previous(
    gh: &Github,
    wanted: &Wanted,
    deadline: Instant,
) -> Result<Previous, GithubError> {
    let runs = gh
        .successful_runs(
            &wanted.workflow,
            wanted.branch.as_deref(),
            RUNS_PAGE,
            deadline,
        )
        .await?;
    let run = runs
        .into_iter()
        .find(|r| Some(r.id) != wanted.current_run && r.conclusion == Some(RunConclusion::Success));
    let Some(run) = run else {
        let on = wanted
            .branch
            .as_deref()
            .map(|b| format!(" on branch {}", shown(b)))
            .unwrap_or_default();
        return Ok(Previous::None(format!(
            "no earlier successful run of {}{on}",
            wanted.workflow
        )));
    };
    let name = &wanted.artifact_name;
    let artifacts = gh.artifacts(run.id, name, deadline).await?;
    let Some(found) = artifacts.iter().find(|a| &a.name == name) else {
        return Ok(Previous::None(format!(
            "run {} has no artifact {name}",
            run.id
        )));
    };
    if found.expired {
        return Ok(Previous::None(format!(
            "the artifact {name} of run {} has expired",
            run.id
        )));
    }
    if let Some(why) = artifact::zip_too_big(found.size_in_bytes) {
        return Ok(Previous::None(format!("run {}: {why}", run.id)));
    }
    let zip = gh
        .download_artifact(found, artifact::MAX_ZIP, deadline)
        .await?;
    let json = match artifact::report_from_zip(&zip) {
        Ok(json) => json,
        Err(why) => return Ok(Previous::None(format!("run {}: {}", run.id, shown(&why)))),
    };
    match serde_json::from_slice::<Report>(&json) {
        Ok(report) => Ok(Previous::Found {
            run: run.id,
            json,
            report: Box::new(report),
        }),
        Err(e) => Ok(Previous::None(format!(
            "the artifact {name} of run {} holds no diagnosis report: {}",
            run.id,
            shown(&e.to_string())
        ))),
    }
}

/// Outside text in a one-line message.
fn shown(s: &str) -> String {
    cap(&one_line(s), 200)
}
