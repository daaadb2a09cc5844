//! The GitHub Actions endpoints the client calls, each a typed function: its path, its
//! query, its body and what its answer is read as are written here and nowhere else.
//! Each names itself in errors ("reading run 42").

use std::time::{Instant, SystemTime};

use reqwest::Method;
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::types::{
    Artifact, Artifacts, DispatchDetails, Job, Jobs, Repository, WorkflowRun, WorkflowRuns,
};
use super::{Github, GithubError};

/// The most jobs read of one run (GitHub's largest page).
pub const JOBS_PAGE: u8 = 100;

/// What a diagnosis run is given: the `client_payload` of a repository_dispatch event,
/// or the `inputs` of a workflow_dispatch. Absent fields are left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkflowInputs {
    pub correlation_id: Uuid,
    pub requester: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frontend_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_base: Option<String>,
}

impl WorkflowInputs {
    pub fn new(correlation_id: Uuid, requester: impl Into<String>) -> WorkflowInputs {
        WorkflowInputs {
            correlation_id,
            requester: requester.into(),
            channel_id: None,
            thread_id: None,
            frontend_url: None,
            api_base: None,
        }
    }

    fn to_json(&self) -> Value {
        serde_json::to_value(self).expect("strings serialise")
    }
}

/// Which of a workflow's runs to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunFilter {
    /// Only runs started by this event (`repository_dispatch`).
    pub event: Option<&'static str>,
    /// Only runs created at or after this time (on GitHub's clock).
    pub created_since: Option<SystemTime>,
    pub per_page: u8,
}

impl RunFilter {
    fn query(&self) -> Vec<(&'static str, String)> {
        let mut query = Vec::new();
        if let Some(event) = self.event {
            query.push(("event", event.to_string()));
        }
        if let Some(since) = self.created_since {
            let since = humantime::format_rfc3339_seconds(since);
            query.push(("created", format!(">={since}")));
        }
        query.push(("per_page", self.per_page.to_string()));
        query
    }
}

/// What GitHub said when a workflow_dispatch was accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowDispatched {
    /// When, on GitHub's clock (its `Date` header), else on ours.
    pub at: SystemTime,
    pub details: RunDetails,
}

/// Whether a workflow_dispatch named the run it started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunDetails {
    /// It did (`return_run_details`).
    Returned { id: u64, html_url: Option<String> },
    /// It answered without them.
    Missing,
    /// It does not know `return_run_details` (older GitHub Enterprise Server): the
    /// dispatch was sent again without asking.
    Unsupported,
}

impl Github {
    /// Run `id`, as GitHub shows it now (a 304 when nothing changed since the last read).
    pub async fn get_run(&self, id: u64, deadline: Instant) -> Result<WorkflowRun, GithubError> {
        let url = self.repo_url(&format!("actions/runs/{id}"), &[]);
        self.get(url, &format!("reading run {id}"), deadline).await
    }

    /// The runs of the workflow file `workflow` that `filter` selects, newest first.
    pub async fn list_runs(
        &self,
        workflow: &str,
        filter: &RunFilter,
        deadline: Instant,
    ) -> Result<Vec<WorkflowRun>, GithubError> {
        let url = self.repo_url(
            &format!("actions/workflows/{workflow}/runs"),
            &filter.query(),
        );
        let runs: WorkflowRuns = self
            .get(url, "listing the workflow's runs", deadline)
            .await?;
        Ok(runs.workflow_runs)
    }

    /// The newest run of the workflow file `workflow`, whatever its state; `None` when it
    /// has none.
    pub async fn latest_run(
        &self,
        workflow: &str,
        deadline: Instant,
    ) -> Result<Option<WorkflowRun>, GithubError> {
        let filter = RunFilter {
            event: None,
            created_since: None,
            per_page: 1,
        };
        let runs = self.list_runs(workflow, &filter, deadline).await?;
        Ok(runs.into_iter().next())
    }

    /// The newest successful runs of the workflow file `workflow` (on `branch` when one is
    /// given), newest first: one page of `per_page`.
    pub async fn successful_runs(
        &self,
        workflow: &str,
        branch: Option<&str>,
        per_page: u8,
        deadline: Instant,
    ) -> Result<Vec<WorkflowRun>, GithubError> {
        let mut query = vec![("status", "success".to_string())];
        if let Some(branch) = branch {
            query.push(("branch", branch.to_string()));
        }
        query.push(("per_page", per_page.to_string()));
        let url = self.repo_url(&format!("actions/workflows/{workflow}/runs"), &query);
        let runs: WorkflowRuns = self
            .get(url, "listing the workflow's successful runs", deadline)
            .await?;
        Ok(runs.workflow_runs)
    }

    /// The repository's default branch.
    pub async fn default_branch(&self, deadline: Instant) -> Result<String, GithubError> {
        let repo: Repository = self
            .get(self.repo_url("", &[]), "reading the repository", deadline)
            .await?;
        Ok(repo.default_branch)
    }

    /// Sends a repository_dispatch event; when GitHub took it, on its clock.
    pub async fn repository_dispatch(
        &self,
        event_type: &str,
        payload: &WorkflowInputs,
        deadline: Instant,
    ) -> Result<SystemTime, GithubError> {
        let body = json!({"event_type": event_type, "client_payload": payload.to_json()});
        let url = self.repo_url("dispatches", &[]);
        let what = "sending the repository_dispatch event";
        let answer = self
            .call(Method::POST, url, Some(&body), what, deadline)
            .await?;
        Ok(server_time(&answer.headers))
    }

    /// Starts the workflow file `workflow` on `git_ref`, asking for the run it starts.
    /// Older GitHub Enterprise Server does not know `return_run_details` and refuses the
    /// request (400 or 422, in words that vary by version). A refused request started
    /// nothing, so it is sent again without it; a request that was wrong for another
    /// reason is refused again, and that answer is the error.
    pub async fn workflow_dispatch(
        &self,
        workflow: &str,
        git_ref: &str,
        inputs: &WorkflowInputs,
        deadline: Instant,
    ) -> Result<WorkflowDispatched, GithubError> {
        let url = self.repo_url(&format!("actions/workflows/{workflow}/dispatches"), &[]);
        let what = format!("starting {workflow} on {git_ref}");
        let inputs = inputs.to_json();
        let body = json!({"ref": git_ref, "inputs": inputs, "return_run_details": true});
        let sent = self
            .call(Method::POST, url.clone(), Some(&body), &what, deadline)
            .await;
        let (answer, supported) = match sent {
            Err(GithubError::Refused {
                status: 400 | 422, ..
            }) => {
                let body = json!({"ref": git_ref, "inputs": inputs});
                let answer = self
                    .call(Method::POST, url, Some(&body), &what, deadline)
                    .await?;
                (answer, false)
            }
            sent => (sent?, true),
        };
        let details = match serde_json::from_slice::<DispatchDetails>(&answer.body) {
            _ if !supported => RunDetails::Unsupported,
            Ok(d) if answer.status == 200 => RunDetails::Returned {
                id: d.workflow_run_id,
                html_url: d.html_url,
            },
            _ => RunDetails::Missing,
        };
        Ok(WorkflowDispatched {
            at: server_time(&answer.headers),
            details,
        })
    }

    /// Asks GitHub to cancel run `id` (a 409 when it finished meanwhile).
    pub async fn cancel_run(&self, id: u64, deadline: Instant) -> Result<(), GithubError> {
        let url = self.repo_url(&format!("actions/runs/{id}/cancel"), &[]);
        self.call(
            Method::POST,
            url,
            None,
            &format!("cancelling run {id}"),
            deadline,
        )
        .await?;
        Ok(())
    }

    /// The artifacts of run `run` named `name` (GitHub filters by name; one page of 10).
    pub async fn artifacts(
        &self,
        run: u64,
        name: &str,
        deadline: Instant,
    ) -> Result<Vec<Artifact>, GithubError> {
        let url = self.repo_url(
            &format!("actions/runs/{run}/artifacts"),
            &[("name", name.to_string()), ("per_page", "10".to_string())],
        );
        let what = format!("listing the artifacts of run {run}");
        let list: Artifacts = self.get(url, &what, deadline).await?;
        Ok(list.artifacts)
    }

    /// The zip of `artifact`, at most `cap` bytes.
    pub async fn download_artifact(
        &self,
        artifact: &Artifact,
        cap: u64,
        deadline: Instant,
    ) -> Result<Vec<u8>, GithubError> {
        let url = self.repo_url(&format!("actions/artifacts/{}/zip", artifact.id), &[]);
        let what = format!("downloading artifact {}", artifact.name);
        self.download(url, &what, cap, deadline).await
    }

    /// The jobs of run `run` (one page of 30).
    pub async fn jobs(&self, run: u64, deadline: Instant) -> Result<Vec<Job>, GithubError> {
        let url = self.repo_url(
            &format!("actions/runs/{run}/jobs"),
            &[("per_page", "30".to_string())],
        );
        let what = format!("listing the jobs of run {run}");
        let jobs: Jobs = self.get(url, &what, deadline).await?;
        Ok(jobs.jobs)
    }

    /// The jobs of run `run` with their steps (its latest attempt; one page of
    /// [`JOBS_PAGE`]), and how many jobs GitHub says the run has.
    pub async fn jobs_with_steps(&self, run: u64, deadline: Instant) -> Result<Jobs, GithubError> {
        let url = self.repo_url(
            &format!("actions/runs/{run}/jobs"),
            &[("per_page", JOBS_PAGE.to_string())],
        );
        let what = format!("listing the jobs of run {run}");
        self.get(url, &what, deadline).await
    }

    /// The log of `job`, at most `cap` bytes.
    pub async fn job_logs(
        &self,
        job: &Job,
        cap: u64,
        deadline: Instant,
    ) -> Result<Vec<u8>, GithubError> {
        let url = self.repo_url(&format!("actions/jobs/{}/logs", job.id), &[]);
        let what = format!("downloading the log of job {}", job.name);
        self.download(url, &what, cap, deadline).await
    }
}

/// The Date header of GitHub's answer (its clock, not ours), else our clock.
fn server_time(headers: &reqwest::header::HeaderMap) -> SystemTime {
    headers
        .get(reqwest::header::DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok())
        .unwrap_or_else(SystemTime::now)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// GitHub's limit on a client_payload's top-level keys (workflow inputs may be 25).
    const MAX_PAYLOAD_KEYS: usize = 10;

    #[test]
    fn every_input_set_fits_githubs_limits() {
        let id = Uuid::new_v4();
        let bare = WorkflowInputs::new(id, "alice").to_json();
        assert_eq!(
            bare,
            json!({"correlation_id": id.to_string(), "requester": "alice"})
        );
        let full = WorkflowInputs {
            channel_id: Some("1".into()),
            thread_id: Some("2".into()),
            frontend_url: Some("https://example.com/".into()),
            api_base: Some("https://api.example.com/".into()),
            ..WorkflowInputs::new(id, "alice")
        }
        .to_json();
        let keys = full.as_object().unwrap().len();
        assert_eq!(keys, 6);
        assert!(keys <= MAX_PAYLOAD_KEYS);
        assert!(full.as_object().unwrap().values().all(Value::is_string));
    }

    #[test]
    fn run_filters_are_githubs_query() {
        let gh = super::super::tests::github("https://api.github.com/");
        let since = humantime::parse_rfc3339("2026-11-25T05:00:00Z").unwrap();
        let filter = RunFilter {
            event: Some("repository_dispatch"),
            created_since: Some(since),
            per_page: 30,
        };
        assert_eq!(
            gh.repo_url("actions/workflows/d.yml/runs", &filter.query())
                .query(),
            Some("event=repository_dispatch&created=%3E%3D2026-11-25T05%3A00%3A00Z&per_page=30")
        );
        let recent = RunFilter {
            event: None,
            created_since: None,
            per_page: 50,
        };
        assert_eq!(recent.query(), vec![("per_page", "50".to_string())]);
    }
}
