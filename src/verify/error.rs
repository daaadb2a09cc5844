//! Why there is no verification, as variants a caller branches on: the input was not a
//! workflow file name or a run of this repository on this GitHub, the workflow is not
//! there or has never run, the run is of another workflow, or GitHub failed. Every one
//! is exit code 2. Text from outside in them was made one short line when the error was
//! made.

use crate::github::GithubError;

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("deploy workflow {0:?} is not a workflow file name like client-deploy.yml")]
    BadWorkflow(String),

    #[error(
        "{0:?} is neither a run ID nor a run URL like https://github.com/OWNER/NAME/actions/runs/123"
    )]
    BadRun(String),

    #[error(
        "the run URL is on {host}, but this GitHub's runs are on {web}; give the run ID, or a run URL on {web}"
    )]
    OtherHost { host: String, web: String },

    #[error("the run URL is of repository {named}, not of {repo}; refusing to read it")]
    OtherRepo { named: String, repo: String },

    #[error("workflow {workflow} not found in {repo}, or the token cannot see it")]
    WorkflowNotFound { workflow: String, repo: String },

    #[error("workflow {workflow} has no runs in {repo} yet: there is no deploy to verify")]
    NoRuns { workflow: String, repo: String },

    #[error(
        "run {run} is a run of {path}, not of the deploy workflow {workflow}; refusing to verify it"
    )]
    OtherWorkflow {
        run: u64,
        path: String,
        workflow: String,
    },

    #[error(transparent)]
    Github(#[from] GithubError),
}

impl VerifyError {
    /// Always [`super::EXIT_ERROR`].
    pub fn exit_code(&self) -> i32 {
        super::EXIT_ERROR
    }
}
