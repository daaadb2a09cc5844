//! The parts of GitHub's REST responses the client reads.

use serde::{Deserialize, Serialize};

use crate::config::Repo;

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct WorkflowRun {
    pub id: u64,
    #[serde(default)]
    pub display_title: String,
    #[serde(default)]
    pub name: Option<String>,
    /// queued, in_progress, completed, waiting, pending, requested.
    #[serde(default)]
    pub status: Option<String>,
    /// success, failure, cancelled, timed_out… once completed.
    #[serde(default)]
    pub conclusion: Option<String>,
    #[serde(default)]
    pub event: Option<String>,
    /// The workflow file, `.github/workflows/NAME.yml` (sometimes with the repository in
    /// front and `@REF` after it).
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub html_url: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub run_attempt: Option<u32>,
}

impl WorkflowRun {
    pub fn is_completed(&self) -> bool {
        self.status.as_deref() == Some("completed")
    }

    /// Whether the run's title names `correlation_id` as a whole word (not a prefix of a
    /// longer ID, not inside another token).
    pub fn names(&self, correlation_id: &str) -> bool {
        self.correlation_id()
            .is_some_and(|id| id.eq_ignore_ascii_case(correlation_id))
    }

    /// Whether the run is of the workflow file `workflow` in `repo`: its path is
    /// `.github/workflows/<workflow>` or `<repo>/.github/workflows/<workflow>`, with or
    /// without `@<ref>` after it.
    pub fn is_of_workflow(&self, repo: &Repo, workflow: &str) -> bool {
        let Some(path) = self.path.as_deref() else {
            return false;
        };
        let path = path.split_once('@').map_or(path, |(p, _)| p);
        let file = format!(".github/workflows/{workflow}");
        match path.strip_suffix(&file) {
            Some("") => true,
            Some(prefix) => prefix.eq_ignore_ascii_case(&format!("{repo}/")),
            None => false,
        }
    }

    /// The correlation ID in the run's title, `Diagnose on Demand — <id> by <requester>`:
    /// the word right after the first ` — `, when it is a UUID. Nothing else in the title
    /// counts, so a requester that looks like another run's ID cannot make this run match
    /// it — not even when this run's own ID is not a UUID.
    pub fn correlation_id(&self) -> Option<String> {
        let (_, rest) = self.display_title.split_once(" \u{2014} ")?;
        let word = rest.split_whitespace().next()?;
        (word.len() == 36 && uuid::Uuid::try_parse(word).is_ok()).then(|| word.to_lowercase())
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct WorkflowRuns {
    #[serde(default)]
    pub workflow_runs: Vec<WorkflowRun>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Artifact {
    pub id: u64,
    pub name: String,
    #[serde(default)]
    pub size_in_bytes: u64,
    #[serde(default)]
    pub expired: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Artifacts {
    #[serde(default)]
    pub artifacts: Vec<Artifact>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Job {
    pub id: u64,
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Jobs {
    #[serde(default)]
    pub jobs: Vec<Job>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Repository {
    pub default_branch: String,
}

/// workflow_dispatch's answer when asked for `return_run_details`.
#[derive(Debug, Clone, Deserialize)]
pub struct DispatchDetails {
    pub workflow_run_id: u64,
    #[serde(default)]
    pub html_url: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(title: &str) -> WorkflowRun {
        WorkflowRun {
            id: 1,
            display_title: title.into(),
            name: None,
            status: None,
            conclusion: None,
            event: None,
            path: None,
            html_url: None,
            created_at: None,
            updated_at: None,
            run_attempt: None,
        }
    }

    #[test]
    fn the_correlation_id_must_be_a_whole_word_of_the_title() {
        let id = "0b7c8f5e-1d2a-4c3b-9e8f-7a6b5c4d3e2f";
        assert!(run(&format!("Diagnose on Demand — {id} by alice")).names(id));
        assert!(!run(&format!("Diagnose on Demand — {id}0 by alice")).names(id));
        assert!(!run(&format!("Diagnose on Demand — x{id} by alice")).names(id));
        assert!(!run("Diagnose on Demand — 0b7c8f5e by alice").names(id));
        assert!(run(&format!("Diagnose on Demand — {} by x", id.to_uppercase())).names(id));
    }

    #[test]
    fn the_workflow_is_read_from_the_path() {
        let repo = Repo {
            owner: "acme".into(),
            name: "site".into(),
        };
        let of = |path: Option<&str>| {
            let mut r = run("x");
            r.path = path.map(str::to_string);
            r.is_of_workflow(&repo, "diagnose-dispatch.yml")
        };
        assert!(of(Some(".github/workflows/diagnose-dispatch.yml")));
        assert!(of(Some(".github/workflows/diagnose-dispatch.yml@main")));
        assert!(of(Some(
            "acme/site/.github/workflows/diagnose-dispatch.yml@main"
        )));
        assert!(of(Some(
            "Acme/Site/.github/workflows/diagnose-dispatch.yml"
        )));
        assert!(!of(Some(".github/workflows/ci.yml")));
        assert!(!of(Some(".github/workflows/x-diagnose-dispatch.yml")));
        assert!(!of(Some(
            "other/repo/.github/workflows/diagnose-dispatch.yml@main"
        )));
        assert!(!of(Some(".github/workflows/diagnose-dispatch.yml.bak")));
        assert!(!of(Some("dynamic/diagnose-dispatch.yml")));
        assert!(!of(Some("")));
        assert!(!of(None));
    }

    #[test]
    fn a_requester_that_looks_like_an_id_does_not_match() {
        let mine = "0b7c8f5e-1d2a-4c3b-9e8f-7a6b5c4d3e2f";
        let other = "11111111-2222-4333-8444-555555555555";
        let theirs = run(&format!("Diagnose on Demand — {other} by {mine}"));
        assert!(!theirs.names(mine));
        assert!(theirs.names(other));
        assert_eq!(theirs.correlation_id().as_deref(), Some(other));
        // A run whose own ID is not a UUID names nobody, whatever its requester.
        let run = run(&format!("Diagnose on Demand — x by {mine}"));
        assert!(!run.names(mine));
        assert_eq!(run.correlation_id(), None);
    }
}
