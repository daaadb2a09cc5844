//! The configuration of `baseline fetch`: [`FetchBaselineConfig`]. The repository, API URL
//! and token are `dispatch`'s ([`GithubConfig`]); the workflow is `--workflow`, else the
//! running workflow's file (`GITHUB_WORKFLOW_REF`); the branch `--branch`, else the pull
//! request's head branch or the run's branch; the run asking (`GITHUB_RUN_ID`) is never
//! its own baseline.

use std::path::PathBuf;

use clap::ArgMatches;

use super::github::workflow;
use super::validate::{check_writable_file, non_empty};
use super::{ConfigError, GithubConfig, Given, Vars, env_name};
use crate::baseline::fetch::Wanted;
use crate::cli::inputs::{baseline, github};
use crate::cli::{BaselineFetchArgs, GithubArgs, ResultFormat};

/// Longest branch name accepted (git allows more; GitHub's refs stay well under it).
const MAX_BRANCH: usize = 255;

/// Everything `baseline fetch` needs, validated.
#[derive(Debug, Clone)]
pub struct FetchBaselineConfig {
    pub github: GithubConfig,
    pub wanted: Wanted,
    pub out: PathBuf,
}

impl FetchBaselineConfig {
    pub fn from_args(
        args: &BaselineFetchArgs,
        matches: &ArgMatches,
        vars: &Vars,
    ) -> Result<FetchBaselineConfig, ConfigError> {
        let given = Given(matches);
        check_writable_file(&given.name(baseline::OUT), &args.out)?;
        let workflow = match non_empty(&args.workflow) {
            Some(w) => workflow(&given.name(github::WORKFLOW), &w)?,
            None => workflow_of_ref(vars)?,
        };
        let branch = match non_empty(&args.branch) {
            Some(b) => Some(validate_branch(&given.name(baseline::BRANCH), b)?),
            None => baseline::BRANCH_DEFAULTS
                .iter()
                .find_map(|var| vars.non_empty(var).map(|b| (var, b)))
                .map(|(var, b)| validate_branch(&env_name(var), b))
                .transpose()?,
        };
        let current_run = vars
            .non_empty(baseline::GITHUB_RUN_ID)
            .map(|v| {
                v.trim().parse::<u64>().map_err(|_| {
                    ConfigError::new(env_name(baseline::GITHUB_RUN_ID), "is not a run ID")
                })
            })
            .transpose()?;
        let github_args = GithubArgs {
            repo: args.repo.clone(),
            api_url: args.api_url.clone(),
            workflow: workflow.clone(),
            artifact_name: args.artifact_name.clone(),
            format: ResultFormat::Text,
            discord_webhook: None,
        };
        let github = GithubConfig::from_args(&github_args, given, vars, None)?;
        Ok(FetchBaselineConfig {
            wanted: Wanted {
                workflow,
                branch,
                artifact_name: github.artifact_name.clone(),
                current_run,
            },
            github,
            out: args.out.clone(),
        })
    }
}

/// The workflow file of `GITHUB_WORKFLOW_REF` (`OWNER/REPO/.github/workflows/FILE@REF`).
fn workflow_of_ref(vars: &Vars) -> Result<String, ConfigError> {
    let var = baseline::GITHUB_WORKFLOW_REF;
    let Some(value) = vars.non_empty(var) else {
        return Err(ConfigError::new(
            github::WORKFLOW.flag_name(),
            format!("missing: name the workflow file (inside GitHub Actions, {var} gives it)"),
        ));
    };
    let path = value.split('@').next().unwrap_or_default();
    let file = path.rsplit('/').next().unwrap_or_default();
    workflow(&env_name(var), file)
}

/// A branch name: printable, no spaces, at most [`MAX_BRANCH`] characters.
fn validate_branch(input: &str, v: String) -> Result<String, ConfigError> {
    let v = v.trim().to_string();
    if v.is_empty()
        || v.chars().count() > MAX_BRANCH
        || v.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(ConfigError::new(
            input,
            format!(
                "{:?} is not a branch name (printable, no spaces, at most {MAX_BRANCH} characters)",
                crate::text::cap(&v, 60)
            ),
        ));
    }
    Ok(v)
}
