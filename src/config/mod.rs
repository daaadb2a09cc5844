//! Turns the command line and the environment into validated configurations:
//! [`CheckConfig`] for `check`, [`DispatchConfig`] and [`ResultConfig`] for `dispatch` and
//! `result`, [`RegisterConfig`] and [`ServeConfig`] for `discord register` and `discord
//! serve`, [`PostConfig`] for `discord post`, [`VerifyLatestConfig`] for `verify-latest`.
//!
//! Every value is checked here, before anything runs: a bad value is a [`ConfigError`]
//! that names the input (flag or environment variable) and what was expected, and the
//! binary exits 2 without touching any report file. The raw values are clap's
//! ([`crate::cli`]) and the environment's ([`Vars`]); each configuration is built from them
//! in steps, one per group of inputs: `check.rs` (the time limits, the outputs) with
//! `targets.rs` (what to check, how to reach AWS) and `url_policy.rs`; `github.rs` (what
//! `dispatch` and `result` share, the token) with `dispatch.rs`; `discord.rs` with
//! `discord_values.rs` (its validators), `discord_post.rs` and `verify.rs`; `file/` reads
//! the configuration file (`remote-hands.toml`), whose values fill what no flag or variable
//! gave. The shared validators
//! are in `validate.rs`, the region's in `region.rs`. Inputs are named as the user gave
//! them: `--flag`, or `VAR (environment)` when clap read the variable.

mod baseline;
mod baseline_fetch;
mod check;
mod discord;
mod discord_post;
mod discord_values;
mod dispatch;
mod file;
mod github;
mod region;
mod targets;
mod url_policy;
mod validate;
mod vars;
mod verify;

use clap::ArgMatches;
use clap::parser::ValueSource;

use crate::cli::inputs::Input;

pub use baseline::BaselineConfig;
pub use baseline_fetch::FetchBaselineConfig;
pub use check::{CheckConfig, DEFAULT_JSON, GithubEnv, JsonOut};
pub use discord::{RegisterConfig, ServeConfig};
pub use discord_post::{MAX_REPORT_BYTES, PostConfig};
pub use dispatch::{DispatchConfig, ResultConfig, RunRef};
pub use file::{CustomCheck, CustomKind, FileSettings};
pub use github::{GithubConfig, TokenSource};
pub use region::{KNOWN_REGIONS, is_region_shape, suggest_region, validate_region};
pub use targets::{DEFAULT_API_PATHS, ProfileChoice};
pub use validate::{parse_http_url, parse_uuid, switch_value};
pub use vars::Vars;
pub use verify::{DiagnoseRun, VerifyLatestConfig};

/// A configuration error: which input, and what was wrong with it.
#[derive(Debug, thiserror::Error)]
#[error("{input}: {message}")]
pub struct ConfigError {
    pub input: String,
    pub message: String,
}

impl ConfigError {
    pub fn new(input: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError {
            input: input.into(),
            message: message.into(),
        }
    }
}

/// An environment variable as messages name it: `VAR (environment)`.
fn env_name(var: &str) -> String {
    format!("{var} (environment)")
}

/// The input as messages name it: its variable when that gave the value, else its flag.
fn named(input: Input, from_env: bool) -> String {
    match input.env {
        Some(var) if from_env => env_name(var),
        _ => input.flag_name(),
    }
}

/// A subcommand's matches, asked where each value came from.
#[derive(Clone, Copy)]
struct Given<'a>(&'a ArgMatches);

impl Given<'_> {
    /// True when clap read the value from the input's environment variable.
    fn by_env(self, input: Input) -> bool {
        self.0.value_source(input.id) == Some(ValueSource::EnvVariable)
    }

    /// True when the value was typed on the command line.
    fn on_command_line(self, input: Input) -> bool {
        self.0.value_source(input.id) == Some(ValueSource::CommandLine)
    }

    /// The input as error messages name it: `--flag`, or `VAR (environment)`.
    fn name(self, input: Input) -> String {
        named(input, self.by_env(input))
    }

    /// The input as the reports label it: `--flag`, or `VAR`.
    fn label(self, input: Input) -> String {
        match input.env {
            Some(var) if self.by_env(input) => var.to_string(),
            _ => input.flag_name(),
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, FromArgMatches};

    use super::*;
    use crate::cli::{Cli, Command};
    use crate::model::RegionSource;

    /// `args` parsed as the binary parses them, but blind to the process environment (its
    /// variables are the test's `vars`), then validated.
    fn config(args: &[&str], vars: &Vars) -> Result<Config, ConfigError> {
        let cli = Cli::command().mut_subcommands(|sub| sub.mut_args(|arg| arg.env(None)));
        let matches = cli.try_get_matches_from(args).expect("the arguments parse");
        let parsed = Cli::from_arg_matches(&matches).unwrap();
        let sub = matches.subcommand().unwrap().1;
        Ok(match parsed.command {
            Command::Check(a) => Config::Check(Box::new(CheckConfig::from_args(&a, sub, vars)?)),
            Command::Dispatch(a) => {
                Config::Dispatch(Box::new(DispatchConfig::from_args(&a, sub, vars)?))
            }
            Command::Result(a) => Config::Result(Box::new(ResultConfig::from_args(&a, sub, vars)?)),
            Command::Completions(_)
            | Command::Discord(_)
            | Command::VerifyLatest(_)
            | Command::Baseline(_) => {
                unreachable!("tested elsewhere")
            }
        })
    }

    #[derive(Debug)]
    enum Config {
        Check(Box<CheckConfig>),
        Dispatch(Box<DispatchConfig>),
        Result(Box<ResultConfig>),
    }

    fn error(args: &[&str], vars: &Vars) -> String {
        config(args, vars).unwrap_err().to_string()
    }

    #[test]
    fn messages_that_list_inputs_name_them_as_the_command_line_does() {
        let none = Vars::default();
        assert_eq!(
            error(&["remote-hands", "check"], &none),
            "configuration: nothing to check: give at least one of --api-base, --frontend-url, --bucket, --distribution-id (or API_BASE, FRONTEND_BASE_URL, S3_BUCKET, CLOUDFRONT_DISTRIBUTION_ID)"
        );
        let untrusted = [
            "remote-hands",
            "check",
            "--api-base",
            "http://127.0.0.1:9",
            "--require-allowed-hosts",
        ];
        assert_eq!(
            error(&untrusted, &none),
            "--require-allowed-hosts: the targets came from untrusted hands, so the HTTP checks need an allowlist: give --allowed-hosts (or REMOTE_HANDS_ALLOWED_HOSTS) naming at least one host"
        );
        let required = Vars::from_iter([("REMOTE_HANDS_REQUIRE_ALLOWED_HOSTS", "yes")]);
        assert!(
            error(&untrusted[..4], &required)
                .starts_with("REMOTE_HANDS_REQUIRE_ALLOWED_HOSTS (environment): the targets")
        );
        assert_eq!(
            error(&["remote-hands", "dispatch"], &none),
            "--repo: missing: name the repository as OWNER/NAME (or set GITHUB_REPOSITORY)"
        );
        assert_eq!(
            error(
                &[
                    "remote-hands",
                    "check",
                    "--api-base",
                    "http://x",
                    "--json",
                    "-",
                    "--format",
                    "text"
                ],
                &none
            ),
            "--format: --json - writes the JSON report to standard output; no other format can go there too"
        );
    }

    #[test]
    fn check_reads_its_fallbacks_and_the_runner_from_the_variables_it_is_given() {
        let vars = Vars::from_iter([
            ("VITE_API_BASE", "http://127.0.0.1:9/prod"),
            ("AWS_DEFAULT_REGION", "eu-west-3"),
            ("GITHUB_ACTIONS", "TRUE"),
            ("GITHUB_EVENT_NAME", "workflow_dispatch"),
            ("GITHUB_ACTOR", "octocat"),
            ("REMOTE_HANDS_ALLOW_PRIVATE_ADDRESSES", "yes"),
        ]);
        let args = [
            "remote-hands",
            "check",
            "--bucket",
            "my-site",
            "--json",
            "-",
        ];
        let Config::Check(c) = config(&args, &vars).unwrap() else {
            panic!("a check configuration")
        };
        assert_eq!(c.api_base.unwrap().as_str(), "http://127.0.0.1:9/prod");
        assert_eq!(c.labels.api_base, "VITE_API_BASE");
        assert_eq!(c.labels.bucket, "--bucket");
        assert_eq!(
            c.region,
            Some(("eu-west-3".into(), RegionSource::Environment))
        );
        assert!(c.github.is_some() && c.on_demand);
        assert_eq!(c.requester, "octocat");
        assert!(c.url_policy.allow_private);
        assert_eq!(c.json, JsonOut::Stdout);

        let Config::Check(c) = config(&args, &Vars::default()).unwrap() else {
            panic!("a check configuration")
        };
        assert!(c.api_base.is_none() && c.region.is_none() && c.github.is_none());
        assert_eq!(c.requester, "unknown");
        assert!(!c.url_policy.allow_private);
    }

    #[test]
    fn dispatch_and_result_take_the_token_from_the_variables_they_are_given() {
        let vars = Vars::from_iter([("GH_TOKEN", "t2"), ("USER", "sre")]);
        let args = ["remote-hands", "dispatch", "--repo", "acme/site"];
        let Config::Dispatch(d) = config(&args, &vars).unwrap() else {
            panic!("a dispatch configuration")
        };
        assert_eq!(d.github.token.expose(), "t2");
        assert_eq!(d.github.token_source, TokenSource::GhToken);
        assert_eq!(d.requester, "sre");

        let vars = Vars::from_iter([("GITHUB_TOKEN", "t1"), ("GH_TOKEN", "t2")]);
        let url = "https://github.com/acme/site/actions/runs/42";
        let Config::Result(r) = config(&["remote-hands", "result", url], &vars).unwrap() else {
            panic!("a result configuration")
        };
        assert_eq!(r.github.token_source, TokenSource::GithubToken);
        assert_eq!(r.github.repo.to_string(), "acme/site");
        assert_eq!(r.run, RunRef::Id(42));
    }
}
