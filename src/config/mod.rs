//! Turns the command line and the environment into validated configurations:
//! [`CheckConfig`] for `check`, [`DispatchConfig`] and [`ResultConfig`] for `dispatch` and
//! `result`.
//!
//! Every value is checked here, before anything runs: a bad value is a [`ConfigError`]
//! that names the input (flag or environment variable) and what was expected, and the
//! binary exits 2 without touching any report file. The raw values are clap's
//! ([`crate::cli`]); each configuration is built from them in steps, one per group of
//! inputs ([`targets`], [`url_policy`], the outputs in [`check`]), with the shared
//! validators in [`validate`] and the region's in [`region`]. Inputs are named as the user
//! gave them: `--flag`, or `VAR (environment)` when clap read the variable.

mod check;
mod dispatch;
mod region;
mod targets;
mod url_policy;
mod validate;
mod vars;

use clap::ArgMatches;
use clap::parser::ValueSource;

use crate::cli::inputs::Input;

pub use check::{CheckConfig, DEFAULT_JSON, GithubEnv, JsonOut};
pub use dispatch::{DispatchConfig, GithubConfig, ResultConfig, RunRef, TokenSource};
pub use region::{KNOWN_REGIONS, is_region_shape, suggest_region, validate_region};
pub use targets::{DEFAULT_API_PATHS, ProfileChoice};
pub use validate::{parse_http_url, parse_uuid, switch_value};
pub use vars::Vars;

/// Where these live now; `dispatch` and the GitHub client still import them from here.
pub use crate::github::values::{Repo, Token, WebHost, Webhook};
pub use crate::model::RegionSource;

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
    fn from_env(self, input: Input) -> bool {
        self.0.value_source(input.id) == Some(ValueSource::EnvVariable)
    }

    /// True when the value was typed on the command line.
    fn on_command_line(self, input: Input) -> bool {
        self.0.value_source(input.id) == Some(ValueSource::CommandLine)
    }

    /// The input as error messages name it: `--flag`, or `VAR (environment)`.
    fn name(self, input: Input) -> String {
        named(input, self.from_env(input))
    }

    /// The input as the reports label it: `--flag`, or `VAR`.
    fn label(self, input: Input) -> String {
        match input.env {
            Some(var) if self.from_env(input) => var.to_string(),
            _ => input.flag_name(),
        }
    }
}
