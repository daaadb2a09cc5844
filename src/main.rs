//! The `remote-hands` binary: parse, run, exit code.

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};
use remote_hands::cli::{Cli, Command};
use remote_hands::config::{CheckConfig, ProcessEnv};
use remote_hands::run::{self, EXIT_USAGE};

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    match cli.command {
        Command::Check(args) => {
            let sub = matches
                .subcommand_matches("check")
                .expect("clap matched the check subcommand");
            let config = match CheckConfig::from_args(&args, sub, &ProcessEnv) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(EXIT_USAGE);
                }
            };
            if config.endpoint_from_flag
                && let Some(url) = &config.endpoint_url
            {
                // SAFETY: no other thread exists yet (the runtime starts below). The
                // variable lets the SDK's credential providers (web identity → STS) use
                // the same endpoint as the service clients.
                unsafe { std::env::set_var("AWS_ENDPOINT_URL", url.as_str()) };
            }
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("error: starting the async runtime: {e}");
                    return ExitCode::from(EXIT_USAGE);
                }
            };
            match runtime.block_on(run::check(config)) {
                Ok(code) => ExitCode::from(code),
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::from(EXIT_USAGE)
                }
            }
        }
    }
}
