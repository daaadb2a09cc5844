//! `remote-hands verify-latest [RUN_ID|RUN_URL]`: the latest run of the deploy workflow
//! (or the run named) with its jobs and steps, printed as text, JSON or a Discord message.
//! Exit 0 when the run succeeded, 1 when it failed, 3 while it is still going, 2 for
//! errors. `--diagnose` then starts a diagnosis and follows it as `dispatch` does; the
//! exit code is then the verification's when it is not 0, else the diagnosis's.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::ArgMatches;
use uuid::Uuid;

use crate::cli::{ResultFormat, VerifyLatestArgs};
use crate::config::{DispatchConfig, Vars, VerifyLatestConfig};
use crate::remote::Remote;
use crate::report::Text;
use crate::verify::{self, DeployWorkflow, RunTarget, VerifyError};

/// How long reading the run and its jobs may take.
const READ_BUDGET: Duration = Duration::from_secs(60);

/// The whole command, from the parsed arguments (`matches` are the subcommand's) to the
/// exit code.
pub fn run(args: &VerifyLatestArgs, matches: &ArgMatches, vars: &Vars, verbose: u8) -> ExitCode {
    match VerifyLatestConfig::from_args(args, matches, vars) {
        Ok(config) => {
            super::say_token_source(verbose, &config.github);
            super::block_on(verify_latest(config))
        }
        Err(e) => super::usage_error(&e),
    }
}

/// Verifies, prints, and chains the diagnosis when asked; the exit code.
pub async fn verify_latest(config: VerifyLatestConfig) -> anyhow::Result<u8> {
    let remote = Remote::connect(&config.github, Arc::new(|_| {}))?;
    let code = match read(&config, &remote).await {
        Ok(v) => {
            print!("{}", shown(&v, config.github.format));
            v.exit_code()
        }
        Err(e) => {
            eprintln!("error: {}", crate::text::one_line(&e.to_string()));
            e.exit_code()
        }
    };
    let code = u8::try_from(code).unwrap_or(2);
    match config.diagnose {
        Some(run) if code != 2 => {
            let diagnosis = DispatchConfig {
                github: config.github,
                via: run.via,
                git_ref: None,
                correlation_id: Uuid::new_v4(),
                requester: config.requester,
                extra: Vec::new(),
                no_wait: false,
                timeout: run.timeout,
                queue_timeout: run.queue_timeout,
                cancel_on_timeout: false,
            };
            let diagnosed = super::dispatch::dispatch(diagnosis).await?;
            Ok(if code != 0 { code } else { diagnosed })
        }
        _ => Ok(code),
    }
}

async fn read(
    config: &VerifyLatestConfig,
    remote: &Remote,
) -> Result<verify::Verification, VerifyError> {
    let workflow = DeployWorkflow::new(&config.deploy_workflow)?;
    let target = config.run.map_or(RunTarget::Latest, RunTarget::Run);
    let deadline = remote.clock().deadline(READ_BUDGET);
    verify::verify(remote, &workflow, target, deadline).await
}

fn shown(v: &verify::Verification, format: ResultFormat) -> String {
    match format {
        ResultFormat::Text => verify::render::text(v, Text::for_stdout().color),
        ResultFormat::Json => verify::render::json(v),
        ResultFormat::Discord => verify::render::discord_payload(v),
    }
}
