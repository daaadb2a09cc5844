//! `remote-hands dispatch`: start the diagnosis workflow, find its run, follow it within
//! `--timeout` and `--queue-timeout` (cancelling it on timeout when asked), and show its
//! report as `result` does — or, with `--no-wait`, only what was started.

use std::process::ExitCode;
use std::sync::Arc;

use clap::ArgMatches;
use serde_json::json;

use super::progress::Progress;
use super::result::{READ_AT_LEAST, exit_code, fail, post_webhook, show_found};
use crate::cli::{DispatchArgs, ResultFormat, Via};
use crate::config::{DispatchConfig, Vars};
use crate::github::actions::WorkflowInputs;
use crate::remote::{Budget, FollowEnd, Found, Remote, RemoteError, Started, Trigger};

/// The whole command, from the parsed arguments (`matches` are the subcommand's) to the
/// exit code.
pub fn run(args: &DispatchArgs, matches: &ArgMatches, vars: &Vars, verbose: u8) -> ExitCode {
    match DispatchConfig::from_args(args, matches, vars) {
        Ok(config) => {
            super::say_token_source(verbose, &config.github);
            super::block_on(dispatch(config))
        }
        Err(e) => super::usage_error(&e),
    }
}

/// Runs `remote-hands dispatch`; prints the result; returns the exit code.
pub async fn dispatch(config: DispatchConfig) -> anyhow::Result<u8> {
    let progress = Arc::new(Progress::new());
    let remote = Remote::connect(&config.github, progress.observer(true))?;
    let outcome = drive(&config, &remote).await;
    progress.finish();
    match outcome {
        Ok(Done::Report(found)) => show_found(&config.github, &remote, &found).await,
        Ok(Done::Started(started)) => show_started(&config, &remote, &started).await,
        // A report refused as another run's is a run without its report.
        Err(e) => Ok(fail(exit_code(&e, 3), &e)),
    }
}

/// What `dispatch` shows.
enum Done {
    Report(Box<Found>),
    /// `--no-wait`: what was started.
    Started(Box<Started>),
}

async fn drive(config: &DispatchConfig, remote: &Remote) -> Result<Done, RemoteError> {
    let clock = remote.clock();
    let budget = Budget::new(clock, config.timeout, config.queue_timeout);
    let started = remote
        .start(&trigger(config), &inputs(config), &budget)
        .await?;
    if config.no_wait {
        return Ok(Done::Started(Box::new(started)));
    }
    let run = remote.run_of(&started, &budget).await?;
    let run = match remote
        .follow(run, &budget, config.cancel_on_timeout)
        .await?
    {
        FollowEnd::Completed(run) => run,
        FollowEnd::TimedOut(t) => return Err(t.into()),
    };
    // Reading the result gets its own short deadline when the wait used up the total.
    let read_deadline = budget.deadline.max(clock.deadline(READ_AT_LEAST));
    let expected = started.correlation_id.to_string();
    let found = remote.fetch_report(run, &expected, read_deadline).await?;
    Ok(Done::Report(Box::new(found)))
}

fn trigger(config: &DispatchConfig) -> Trigger {
    match config.via {
        Via::Repository => Trigger::Repository,
        Via::Workflow => Trigger::Workflow {
            git_ref: config.git_ref.clone(),
        },
    }
}

/// What the run is given: the correlation ID, the requester, and the fields the command
/// line set.
fn inputs(config: &DispatchConfig) -> WorkflowInputs {
    let mut inputs = WorkflowInputs::new(config.correlation_id, config.requester.clone());
    for (key, value) in &config.extra {
        let field = match *key {
            "channel_id" => &mut inputs.channel_id,
            "thread_id" => &mut inputs.thread_id,
            "frontend_url" => &mut inputs.frontend_url,
            "api_base" => &mut inputs.api_base,
            // The configuration sets only the fields above.
            _ => continue,
        };
        *field = Some(value.clone());
    }
    inputs
}

/// `--no-wait`: the correlation ID, and the run when it is known, in the chosen format.
async fn show_started(
    config: &DispatchConfig,
    remote: &Remote,
    started: &Started,
) -> anyhow::Result<u8> {
    let cid = started.correlation_id.to_string();
    // Its link was checked to be this GitHub's when it was made.
    let url = started.run.as_ref().and_then(|r| r.url.clone());
    match config.github.format {
        ResultFormat::Text => {
            let mut line = format!("correlation ID {cid}");
            if let Some(run) = &started.run {
                line.push_str(&format!("  run {}", run.id));
            }
            if let Some(url) = &url {
                line.push_str(&format!("  {url}"));
            }
            println!("{line}");
        }
        ResultFormat::Json => {
            let mut v =
                json!({"correlation_id": cid, "repository": started.repository.to_string()});
            if let Some(run) = &started.run {
                v["run_id"] = json!(run.id);
                v["html_url"] = json!(url);
            }
            println!("{}", serde_json::to_string_pretty(&v)?);
        }
        ResultFormat::Discord => {
            let payload = crate::report::discord::started(&cid, url.as_deref());
            print!("{payload}");
            if let Some(webhook) = &config.github.discord_webhook {
                post_webhook(remote, webhook, payload).await?;
            }
        }
    }
    Ok(0)
}
