//! The clap types of `remote-hands baseline`: `fetch`, which downloads the baseline report
//! of a GitHub Actions job for `check --baseline`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::inputs::{baseline, github};

#[derive(Debug, Args)]
pub struct BaselineArgs {
    #[command(subcommand)]
    pub command: BaselineCommand,
}

#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// Download the report of the last successful run of this workflow on this branch, for
    /// `check --baseline`.
    #[command(after_help = super::help::baseline_fetch_after_help())]
    Fetch(BaselineFetchArgs),
}

#[derive(Debug, Args)]
pub struct BaselineFetchArgs {
    /// Where the report is written
    #[arg(id = baseline::OUT.id, long = baseline::OUT.long, value_name = "PATH")]
    pub out: PathBuf,

    /// Repository that holds the workflow
    #[arg(
        id = github::REPO.id,
        long = github::REPO.long,
        env = github::REPO.env,
        value_name = "OWNER/NAME"
    )]
    pub repo: Option<String>,

    /// GitHub REST API base URL (GitHub Enterprise Server: https://HOST/api/v3)
    #[arg(
        id = github::API_URL.id,
        long = github::API_URL.long,
        env = github::API_URL.env,
        value_name = "URL",
        default_value = "https://api.github.com"
    )]
    pub api_url: String,

    /// Workflow file whose runs are looked at [default: the running workflow's, from
    /// GITHUB_WORKFLOW_REF]
    #[arg(id = github::WORKFLOW.id, long = github::WORKFLOW.long, value_name = "FILE")]
    pub workflow: Option<String>,

    /// Only runs on this branch [default: GITHUB_HEAD_REF, then GITHUB_REF_NAME; any branch
    /// when neither is set]
    #[arg(id = baseline::BRANCH.id, long = baseline::BRANCH.long, value_name = "BRANCH")]
    pub branch: Option<String>,

    /// Name of the artifact that holds diagnose-summary.json
    #[arg(
        id = github::ARTIFACT_NAME.id,
        long = github::ARTIFACT_NAME.long,
        value_name = "NAME",
        default_value = "diagnose-summary"
    )]
    pub artifact_name: String,
}
