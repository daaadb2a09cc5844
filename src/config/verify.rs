//! The configuration of `verify-latest` ([`VerifyLatestConfig`]): the deploy workflow, the
//! run (the latest when none is named; a run ID or a run URL on the web host of
//! `--api-url`), the GitHub settings `dispatch` uses, and — with `--diagnose` — how the
//! diagnosis that follows is started and followed ([`DiagnoseRun`], shared with
//! `discord serve`).

use std::time::Duration;

use clap::ArgMatches;

use super::dispatch::{check_run_host, parse_run};
use super::github::{GithubConfig, workflow};
use super::validate::{non_empty, parse_wait};
use super::{ConfigError, Given, Vars};
use crate::cli::discord::{DeployArgs, DiagnoseRunArgs, VerifyLatestArgs};
use crate::cli::inputs::{dispatch, verify};
use crate::cli::{ResultFormat, Via};

/// How a diagnosis is started and how long it is followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiagnoseRun {
    pub via: Via,
    pub timeout: Duration,
    pub queue_timeout: Duration,
}

impl DiagnoseRun {
    pub(super) fn from_args(args: &DiagnoseRunArgs, given: Given) -> Result<Self, ConfigError> {
        Ok(DiagnoseRun {
            via: args.via,
            timeout: parse_wait(&given.name(dispatch::TIMEOUT), &args.timeout)?,
            queue_timeout: parse_wait(&given.name(dispatch::QUEUE_TIMEOUT), &args.queue_timeout)?,
        })
    }
}

/// `--deploy-workflow` (or `DEPLOY_WORKFLOW`): a workflow file name.
pub(super) fn deploy_workflow(args: &DeployArgs, given: Given) -> Result<String, ConfigError> {
    workflow(&given.name(verify::DEPLOY_WORKFLOW), &args.deploy_workflow)
}

/// Everything `remote-hands verify-latest` needs, validated.
#[derive(Debug, Clone)]
pub struct VerifyLatestConfig {
    pub github: GithubConfig,
    pub deploy_workflow: String,
    /// The run; None: the latest run of the deploy workflow.
    pub run: Option<u64>,
    pub format: ResultFormat,
    /// `--diagnose`: the diagnosis that follows.
    pub diagnose: Option<DiagnoseRun>,
}

impl VerifyLatestConfig {
    pub fn from_args(
        args: &VerifyLatestArgs,
        matches: &ArgMatches,
        vars: &Vars,
    ) -> Result<VerifyLatestConfig, ConfigError> {
        let given = Given(matches);
        let deploy_workflow = deploy_workflow(&args.deploy, given)?;
        let diagnose_run = DiagnoseRun::from_args(&args.diagnose_run, given)?;
        let (run, run_url) = match non_empty(&args.run) {
            None => (None, None),
            Some(v) => {
                let (id, url) = parse_run(&v).map_err(|_| bad_run(&v))?;
                (Some(id), url)
            }
        };
        let repo_hint = run_url.as_ref().map(|(_, repo)| repo.clone());
        let github = GithubConfig::from_args(&args.github, given, vars, repo_hint)?;
        if let Some((url, _)) = &run_url {
            check_run_host(url, &github, given)?;
        }
        Ok(VerifyLatestConfig {
            format: github.format,
            github,
            deploy_workflow,
            run,
            diagnose: args.diagnose.then_some(diagnose_run),
        })
    }
}

fn bad_run(v: &str) -> ConfigError {
    ConfigError::new(
        verify::RUN_VALUE_NAME,
        format!(
            "{:?} is neither a run ID nor a run URL like \
             https://github.com/OWNER/NAME/actions/runs/123",
            crate::text::cap(&crate::text::one_line(v), 100)
        ),
    )
}
