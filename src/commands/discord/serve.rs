//! `remote-hands discord serve`: the interactions endpoint. The settings are validated
//! (one line and exit 2 before anything listens), the address is bound, and the server
//! runs until SIGTERM or Ctrl-C, when it stops accepting, lets the edits under way finish
//! within the grace period and records what it left in the audit log.

use std::process::ExitCode;

use anyhow::Context;
use clap::ArgMatches;

use crate::cli::Via;
use crate::cli::discord::ServeArgs;
use crate::config::{ServeConfig, Vars};
use crate::discord::serve::{ServeSettings, serve};
use crate::remote::Trigger;
use crate::verify::DeployWorkflow;

/// The whole command, from the parsed arguments (`matches` are the subcommand's) to the
/// exit code.
pub fn run(args: &ServeArgs, matches: &ArgMatches, vars: &Vars) -> ExitCode {
    let config = match ServeConfig::from_args(args, matches, vars) {
        Ok(c) => c,
        Err(e) => return crate::commands::usage_error(&e),
    };
    let settings = match settings(config) {
        Ok(s) => s,
        Err(e) => return crate::commands::usage_error(&e),
    };
    if let Err(e) = settings.check() {
        return crate::commands::usage_error(&e);
    }
    crate::commands::block_on(listen_and_serve(settings))
}

/// The server's settings from the validated configuration.
pub fn settings(config: ServeConfig) -> anyhow::Result<ServeSettings> {
    let mut s = ServeSettings::new(config.public_key, config.application_id, config.github);
    s.listen = config.listen;
    s.discord_api_url = config.discord_api_url;
    s.trigger = match config.run.via {
        Via::Repository => Trigger::Repository,
        Via::Workflow => Trigger::Workflow { git_ref: None },
    };
    s.timeout = config.run.timeout;
    s.queue_timeout = config.run.queue_timeout;
    s.access = config.allow;
    s.rate_limit = config.rate_limit;
    s.max_running = config.max_running;
    s.url_policy = config.url_policy;
    s.audit_log = config.audit_log;
    s.deploy_workflow = DeployWorkflow::new(&config.deploy_workflow)
        .with_context(|| format!("--deploy-workflow: {:?}", config.deploy_workflow))?;
    Ok(s)
}

async fn listen_and_serve(settings: ServeSettings) -> anyhow::Result<u8> {
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("--listen: cannot listen on {}", settings.listen))?;
    eprintln!(
        "remote-hands: serving Discord interactions on http://{}/interactions",
        listener.local_addr().unwrap_or(settings.listen)
    );
    serve(settings, listener, stop_signal()).await?;
    Ok(0)
}

/// Resolves on SIGTERM (Unix) or Ctrl-C.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
