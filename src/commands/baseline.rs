//! `remote-hands baseline fetch`: the report of the last successful run of the same
//! workflow on the same branch, written where `check --baseline` will read it. No earlier
//! run or no artifact is a notice and exit 3 (the first run of a new workflow has nothing
//! to compare with); GitHub unreadable is a warning and exit 1; either way the caller runs
//! the check without a baseline. Inside GitHub Actions the message is an annotation.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::ArgMatches;

use crate::actions;
use crate::baseline::fetch::{Previous, previous};
use crate::cli::inputs::check::GITHUB_ACTIONS;
use crate::cli::{BaselineArgs, BaselineCommand};
use crate::config::{FetchBaselineConfig, Vars, switch_value};
use crate::remote::Remote;
use crate::text::{one_line, redact_urls_in};

/// How long finding and downloading the report may take.
const FETCH_BUDGET: Duration = Duration::from_secs(60);
/// Exit code when there is no baseline to fetch.
pub const EXIT_NONE: u8 = 3;

/// Runs the chosen `baseline` subcommand; `matches` are the `baseline` group's.
pub fn run(args: &BaselineArgs, matches: &ArgMatches, vars: &Vars, verbose: u8) -> ExitCode {
    let sub = matches
        .subcommand()
        .map(|(_, sub)| sub)
        .expect("clap requires a baseline subcommand");
    let BaselineCommand::Fetch(args) = &args.command;
    match FetchBaselineConfig::from_args(args, sub, vars) {
        Ok(config) => {
            super::say_token_source(verbose, &config.github);
            let in_actions = vars
                .get(GITHUB_ACTIONS)
                .is_some_and(|v| switch_value(v) == Some(true));
            super::block_on(fetch(config, in_actions))
        }
        Err(e) => super::usage_error(&e),
    }
}

/// Finds, downloads and writes the baseline; the exit code.
pub async fn fetch(config: FetchBaselineConfig, in_actions: bool) -> anyhow::Result<u8> {
    let remote = Remote::connect(&config.github, Arc::new(|_| {}))?;
    let deadline = remote.clock().deadline(FETCH_BUDGET);
    let say = |level: &str, message: String| {
        let message = one_line(&redact_urls_in(&message));
        if in_actions {
            eprint!(
                "{}",
                actions::annotation(level, "remote-hands baseline", &message)
            );
        } else {
            eprintln!("{level}: {message}");
        }
    };
    match previous(remote.github(), &config.wanted, deadline).await {
        Ok(Previous::Found { run, json, report }) => {
            crate::report::write_atomic(&config.out, &json)
                .context("writing the baseline report")?;
            eprintln!(
                "baseline: the report of run {run} (correlation {}), written to {}",
                one_line(&crate::text::cap(&report.correlation_id, 40)),
                config.out.display()
            );
            Ok(0)
        }
        Ok(Previous::None(why)) => {
            say("notice", format!("no baseline to compare with: {why}"));
            Ok(EXIT_NONE)
        }
        Err(e) => {
            say("warning", format!("no baseline to compare with: {e}"));
            Ok(crate::diagnose::EXIT_FAILED)
        }
    }
}
