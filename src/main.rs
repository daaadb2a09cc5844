//! The `remote-hands` binary: parse, run one command, exit code.

use std::process::ExitCode;

use remote_hands::cli::{self, Command};
use remote_hands::commands::{self, usage_error};
use remote_hands::config::Vars;
use remote_hands::logging;

fn main() -> ExitCode {
    unset_empty_variables();
    run()
}

fn run() -> ExitCode {
    let parsed = match cli::parse::parse() {
        Ok(p) => p,
        Err(code) => return code,
    };
    let vars = Vars::from_process();
    if let Err(e) = logging::init(parsed.cli.verbose, &vars) {
        return usage_error(&e);
    }
    let sub = parsed.subcommand_matches();
    let verbose = parsed.cli.verbose;
    match &parsed.cli.command {
        Command::Check(args) => commands::check::run(args, sub, &vars),
        Command::Dispatch(args) => commands::dispatch::run(args, sub, &vars, verbose),
        Command::Result(args) => commands::result::run(args, sub, &vars, verbose),
        Command::VerifyLatest(args) => commands::verify_latest::run(args, sub, &vars, verbose),
        Command::Discord(args) => commands::discord::run(args, sub, &vars),
        Command::Baseline(args) => commands::baseline::run(args, sub, &vars, verbose),
        Command::Completions(args) => commands::completions::run(args),
    }
}

/// An environment variable set to the empty string means "unset", as in the GitHub Actions
/// toolkit: `GITHUB_STEP_SUMMARY=""` writes no summary, `GITHUB_API_URL=""` keeps the
/// default. Removed before anything reads the environment (clap, the AWS SDK).
fn unset_empty_variables() {
    let empty: Vec<std::ffi::OsString> = std::env::vars_os()
        .filter(|(_, value)| value.is_empty())
        .map(|(name, _)| name)
        .collect();
    for name in empty {
        // SAFETY: called first thing in `main`, before any other thread exists.
        unsafe { std::env::remove_var(name) };
    }
}
