//! The parts of GitHub's REST responses the client reads.

use serde::{Deserialize, Serialize};

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
        self.display_title
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .any(|word| word.eq_ignore_ascii_case(correlation_id))
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

    #[test]
    fn the_correlation_id_must_be_a_whole_word_of_the_title() {
        let run = |t: &str| WorkflowRun {
            id: 1,
            display_title: t.into(),
            name: None,
            status: None,
            conclusion: None,
            event: None,
            html_url: None,
            created_at: None,
            updated_at: None,
            run_attempt: None,
        };
        let id = "0b7c8f5e-1d2a-4c3b-9e8f-7a6b5c4d3e2f";
        assert!(run(&format!("Diagnose on Demand — {id} by alice")).names(id));
        assert!(!run(&format!("Diagnose on Demand — {id}0 by alice")).names(id));
        assert!(!run(&format!("Diagnose on Demand — x{id} by alice")).names(id));
        assert!(!run("Diagnose on Demand — 0b7c8f5e by alice").names(id));
    }
}
