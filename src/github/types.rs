//! The parts of GitHub's REST responses the client reads. A run's status and conclusion
//! are closed sets of words: anything GitHub (or whatever answers in its place) sends
//! outside them reads as `Unknown`, so what is shown of them is always one of these
//! words.

use serde::{Deserialize, Serialize};

use super::Repo;

/// A workflow run's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Requested,
    Queued,
    Pending,
    Waiting,
    InProgress,
    Completed,
    /// Any other value.
    #[serde(other)]
    Unknown,
}

impl RunStatus {
    /// GitHub's word for it (`unknown` for any other value).
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Requested => "requested",
            RunStatus::Queued => "queued",
            RunStatus::Pending => "pending",
            RunStatus::Waiting => "waiting",
            RunStatus::InProgress => "in_progress",
            RunStatus::Completed => "completed",
            RunStatus::Unknown => "unknown",
        }
    }

    /// Not started yet: waiting for a runner, an approval or a concurrency slot.
    pub fn is_queued(self) -> bool {
        matches!(
            self,
            RunStatus::Queued | RunStatus::Waiting | RunStatus::Pending | RunStatus::Requested
        )
    }
}

impl std::fmt::Display for RunStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a completed workflow run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunConclusion {
    Success,
    Failure,
    Neutral,
    Cancelled,
    Skipped,
    TimedOut,
    ActionRequired,
    Stale,
    StartupFailure,
    /// Any other value.
    #[serde(other)]
    Unknown,
}

impl RunConclusion {
    /// GitHub's word for it (`unknown` for any other value).
    pub fn as_str(self) -> &'static str {
        match self {
            RunConclusion::Success => "success",
            RunConclusion::Failure => "failure",
            RunConclusion::Neutral => "neutral",
            RunConclusion::Cancelled => "cancelled",
            RunConclusion::Skipped => "skipped",
            RunConclusion::TimedOut => "timed_out",
            RunConclusion::ActionRequired => "action_required",
            RunConclusion::Stale => "stale",
            RunConclusion::StartupFailure => "startup_failure",
            RunConclusion::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for RunConclusion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct WorkflowRun {
    pub id: u64,
    #[serde(default)]
    pub display_title: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub status: Option<RunStatus>,
    /// Set once completed.
    #[serde(default)]
    pub conclusion: Option<RunConclusion>,
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
    /// When the run (this attempt) started. Read, not written back.
    #[serde(default, skip_serializing)]
    pub run_started_at: Option<String>,
    /// The commit the run is of. Read, not written back.
    #[serde(default, skip_serializing)]
    pub head_sha: Option<String>,
    #[serde(default, skip_serializing)]
    pub head_branch: Option<String>,
    #[serde(default, skip_serializing)]
    pub head_commit: Option<HeadCommit>,
}

/// The commit a run is of, as the run shows it.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct HeadCommit {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

impl WorkflowRun {
    pub fn is_completed(&self) -> bool {
        self.status == Some(RunStatus::Completed)
    }

    /// The status, `Unknown` when GitHub gave none.
    pub fn state(&self) -> RunStatus {
        self.status.unwrap_or(RunStatus::Unknown)
    }

    /// The conclusion's word, `unknown` when there is none.
    pub fn conclusion_word(&self) -> &'static str {
        self.conclusion.map_or("unknown", RunConclusion::as_str)
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

/// A page of a workflow's runs.
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

/// A job of a run. Its status and conclusion are the run's sets of words; times are
/// RFC 3339 text as GitHub sent it (parsed, with care, by whoever reads them).
#[derive(Debug, Clone, Deserialize)]
pub struct Job {
    pub id: u64,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub status: Option<RunStatus>,
    #[serde(default)]
    pub conclusion: Option<RunConclusion>,
    #[serde(default)]
    pub started_at: Option<String>,
    #[serde(default)]
    pub completed_at: Option<String>,
    #[serde(default)]
    pub steps: Vec<Step>,
}

/// A step of a job.
#[derive(Debug, Clone, Deserialize)]
pub struct Step {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub status: Option<RunStatus>,
    #[serde(default)]
    pub conclusion: Option<RunConclusion>,
    #[serde(default)]
    pub number: Option<u32>,
    #[serde(default)]
    pub started_at: Option<String>,
    #[serde(default)]
    pub completed_at: Option<String>,
}

/// A page of a run's jobs, and how many there are in all.
#[derive(Debug, Clone, Deserialize)]
pub struct Jobs {
    #[serde(default)]
    pub total_count: Option<u64>,
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
            run_started_at: None,
            head_sha: None,
            head_branch: None,
            head_commit: None,
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
    fn statuses_and_conclusions_are_shown_only_as_what_they_claim_to_be() {
        let status = |v: serde_json::Value| {
            serde_json::from_value::<WorkflowRun>(serde_json::json!({"id": 1, "status": v}))
                .unwrap()
                .state()
                .as_str()
        };
        assert_eq!(status("in_progress".into()), "in_progress");
        assert_eq!(status("\u{1b}[2Jdone".into()), "unknown");
        assert_eq!(status("Success".into()), "unknown");
        assert_eq!(status("a".repeat(33).into()), "unknown");
        assert_eq!(status("".into()), "unknown");
        assert_eq!(status(serde_json::Value::Null), "unknown");
        for word in [
            "requested",
            "queued",
            "pending",
            "waiting",
            "in_progress",
            "completed",
        ] {
            assert_eq!(status(word.into()), word);
        }
        let conclusion = |v: &str| {
            serde_json::from_value::<WorkflowRun>(serde_json::json!({"id": 1, "conclusion": v}))
                .unwrap()
                .conclusion_word()
        };
        for word in [
            "success",
            "failure",
            "neutral",
            "cancelled",
            "skipped",
            "timed_out",
            "action_required",
            "stale",
            "startup_failure",
        ] {
            assert_eq!(conclusion(word), word);
        }
        assert_eq!(conclusion("\u{1b}]0;x\u{7}"), "unknown");
        assert_eq!(run("x").conclusion_word(), "unknown");
        // What is written back (result --format json) is the word, never the input.
        let weird: WorkflowRun =
            serde_json::from_str(r#"{"id": 1, "status": "\u001b[2J", "conclusion": "Success"}"#)
                .unwrap();
        let back = serde_json::to_value(&weird).unwrap();
        assert_eq!(back["status"], "unknown");
        assert_eq!(back["conclusion"], "unknown");
        assert!(RunStatus::Waiting.is_queued() && !RunStatus::InProgress.is_queued());
        assert!(!RunStatus::Unknown.is_queued());
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

    #[test]
    fn jobs_and_steps_read_only_githubs_words_and_the_commit_is_not_written_back() {
        let jobs: Jobs = serde_json::from_value(serde_json::json!({
            "total_count": 1,
            "jobs": [{"id": 1, "name": "deploy", "status": "\u{1b}[2J", "conclusion": "Failure",
                      "steps": [{"name": "upload", "number": 4, "status": "completed", "conclusion": "failure"},
                                {}]}],
        }))
        .unwrap();
        let job = &jobs.jobs[0];
        assert_eq!(job.status, Some(RunStatus::Unknown));
        assert_eq!(job.conclusion, Some(RunConclusion::Unknown));
        assert_eq!(job.steps[0].conclusion, Some(RunConclusion::Failure));
        assert_eq!(job.steps[0].number, Some(4));
        assert_eq!(job.steps[1].name, "");
        assert_eq!(job.steps[1].status, None);
        // A job listing without steps (the diagnosis's log lookup) still reads.
        let bare: Jobs = serde_json::from_str(r#"{"jobs": [{"id": 2}]}"#).unwrap();
        assert!(bare.jobs[0].steps.is_empty() && bare.total_count.is_none());
        // What `result --format json` writes of a run stays what it was.
        let run: WorkflowRun = serde_json::from_value(serde_json::json!({
            "id": 1, "head_sha": "abc", "head_branch": "main", "run_started_at": "x",
            "head_commit": {"id": "abc", "message": "<@1>"},
        }))
        .unwrap();
        assert_eq!(
            run.head_commit.as_ref().unwrap().message.as_deref(),
            Some("<@1>")
        );
        let back = serde_json::to_value(&run).unwrap();
        for key in ["head_sha", "head_branch", "head_commit", "run_started_at"] {
            assert!(back.get(key).is_none(), "{key} in {back}");
        }
    }
}
