//! The configuration of `verify-latest` ([`VerifyLatestConfig`]): the deploy workflow, the
//! run (the latest when none is named; a run ID or a run URL on the web host of
//! `--api-url`), the GitHub settings `dispatch` uses, and — with `--diagnose` — how the
//! diagnosis that follows is started and followed ([`DiagnoseRun`], shared with
//! `discord serve`).

use std::time::Duration;

use clap::ArgMatches;

use super::dispatch::{check_run_host, parse_run};
use super::github::{GithubConfig, workflow};
use super::validate::{default_requester, non_empty, parse_wait};
use super::{ConfigError, Given, Vars};
use crate::cli::Via;
use crate::cli::discord::{DeployArgs, DiagnoseRunArgs, VerifyLatestArgs};
use crate::cli::inputs::{dispatch, verify};

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
    /// `--diagnose`: the diagnosis that follows.
    pub diagnose: Option<DiagnoseRun>,
    /// Who the diagnosis is for (as `dispatch` names its requester by default).
    pub requester: String,
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
            github,
            deploy_workflow,
            run,
            diagnose: args.diagnose.then_some(diagnose_run),
            requester: default_requester(vars, &dispatch::REQUESTER_DEFAULTS),
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

#[cfg(test)]
mod tests {
    use clap::{Args, FromArgMatches};

    use super::*;
    use crate::cli::ResultFormat;

    fn verify(args: &[&str]) -> Result<VerifyLatestConfig, ConfigError> {
        let cmd = VerifyLatestArgs::augment_args(clap::Command::new("verify-latest"))
            .mut_args(|a| a.env(None));
        let m = cmd.try_get_matches_from(args).expect("the arguments parse");
        let a = VerifyLatestArgs::from_arg_matches(&m).unwrap();
        VerifyLatestConfig::from_args(&a, &m, &Vars::from_iter([("GITHUB_TOKEN", "ghs_x")]))
    }

    #[test]
    fn the_latest_run_of_the_deploy_workflow_by_default() {
        let c = verify(&["verify-latest", "--repo", "acme/site"]).unwrap();
        assert_eq!(c.run, None);
        assert_eq!(c.deploy_workflow, "client-deploy.yml");
        assert_eq!(c.github.format, ResultFormat::Text);
        assert_eq!(c.diagnose, None);
        let c = verify(&[
            "verify-latest",
            "42",
            "--repo",
            "acme/site",
            "--deploy-workflow",
            "deploy.yml",
            "--format",
            "json",
            "--diagnose",
            "--via",
            "workflow",
            "--queue-timeout",
            "30",
        ])
        .unwrap();
        assert_eq!(
            (c.run, c.deploy_workflow.as_str()),
            (Some(42), "deploy.yml")
        );
        assert_eq!(c.github.format, ResultFormat::Json);
        let run = c.diagnose.unwrap();
        assert_eq!(
            (run.via, run.queue_timeout),
            (Via::Workflow, Duration::from_secs(30))
        );
        assert_eq!(run.timeout, Duration::from_secs(600));
    }

    #[test]
    fn a_run_url_names_the_repository_and_must_be_on_the_api_s_web_host() {
        let url = "https://github.com/acme/site/actions/runs/77/attempts/2";
        let c = verify(&["verify-latest", url]).unwrap();
        assert_eq!(
            (c.run, c.github.repo.to_string()),
            (Some(77), "acme/site".into())
        );
        let e = verify(&["verify-latest", url, "--repo", "acme/other"]).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("RUN_URL: the run URL is in acme/site"),
            "{e}"
        );
        let ghes = ["--api-url", "https://ghe.example.com/api/v3"];
        let e = verify(&[&["verify-latest", url][..], &ghes].concat()).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("RUN_URL: the run URL is on github.com"),
            "{e}"
        );
    }

    #[test]
    fn bad_values_are_named() {
        let e = verify(&["verify-latest", "latest", "--repo", "a/b"]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "RUN_ID|RUN_URL: \"latest\" is neither a run ID nor a run URL like https://github.com/OWNER/NAME/actions/runs/123"
        );
        let uuid = "3f2a6c1e-8d4b-4e5f-9a7b-1c2d3e4f5a6b";
        assert!(verify(&["verify-latest", uuid, "--repo", "a/b"]).is_err());
        let e = verify(&["verify-latest", "--repo", "a/b", "--deploy-workflow", " "]);
        assert!(
            e.unwrap_err()
                .to_string()
                .starts_with("--deploy-workflow: \"\" is not a workflow")
        );
        let e = verify(&[
            "verify-latest",
            "--repo",
            "a/b",
            "--diagnose",
            "--timeout",
            "x",
        ]);
        assert!(e.unwrap_err().to_string().starts_with("--timeout: "));
        let e = verify(&["verify-latest"]).unwrap_err();
        assert!(e.to_string().starts_with("--repo: missing"), "{e}");
    }
}
