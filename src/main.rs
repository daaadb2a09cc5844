//! The `remote-hands` binary: parse, run, exit code.

use std::future::Future;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};
use remote_hands::cli::{Cli, Command};
use remote_hands::config::{CheckConfig, DispatchConfig, ProcessEnv, ResultConfig};
use remote_hands::run::{self, EXIT_USAGE};
use remote_hands::text::{one_line, redact_urls_in};

fn main() -> ExitCode {
    unset_empty_variables();
    let matches = match Cli::command().try_get_matches() {
        Ok(m) => m,
        Err(e) => return clap_error(e),
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => return clap_error(e),
    };
    let (_, sub) = matches.subcommand().expect("clap requires a subcommand");
    let usage = |e: &dyn std::fmt::Display| {
        eprintln!("error: {}", one_line(&redact_urls_in(&e.to_string())));
        ExitCode::from(EXIT_USAGE)
    };
    match cli.command {
        Command::Check(args) => {
            let config = match CheckConfig::from_args(&args, sub, &ProcessEnv) {
                Ok(c) => c,
                Err(e) => return usage(&e),
            };
            if config.endpoint_from_flag
                && let Some(url) = &config.endpoint_url
            {
                // SAFETY: no other thread exists yet (the runtime starts below). The
                // variable lets the SDK's credential providers (web identity → STS) use
                // the same endpoint as the service clients.
                unsafe { std::env::set_var("AWS_ENDPOINT_URL", url.as_str()) };
            }
            block_on(run::check(config))
        }
        Command::Dispatch(args) => match DispatchConfig::from_args(&args, sub, &ProcessEnv) {
            Ok(config) => {
                say_token_source(cli.verbose, &config.github);
                block_on(remote_hands::commands::dispatch::dispatch(config))
            }
            Err(e) => usage(&e),
        },
        Command::Result(args) => match ResultConfig::from_args(&args, sub, &ProcessEnv) {
            Ok(config) => {
                say_token_source(cli.verbose, &config.github);
                block_on(remote_hands::commands::result::result(config))
            }
            Err(e) => usage(&e),
        },
    }
}

/// With `-v`: where the GitHub token came from (never the token).
fn say_token_source(verbose: u8, github: &remote_hands::config::GithubConfig) {
    if verbose > 0 {
        eprintln!(
            "remote-hands: GitHub token from {} (for {})",
            github.token_source, github.api_url
        );
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

/// Help and version go out as clap prints them; a usage error becomes one line (clap's
/// own message with what it names: missing arguments, accepted values) and exit 2.
fn clap_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        e.exit();
    }
    // clap's message with what it names (the missing arguments, the accepted values) and
    // its tips ("a similar argument exists: '--frontend-url'"), joined into one line; the
    // usage and the pointer to --help are replaced by the short "(see --help)".
    let rendered = e.render().to_string();
    let line = clap_line(&rendered);
    let line = if line.is_empty() {
        "error: invalid arguments".to_string()
    } else {
        line
    };
    eprintln!("{} (see --help)", one_line(&line));
    ExitCode::from(EXIT_USAGE)
}

/// The paragraphs of a rendered clap error, but the usage and the "For more information"
/// line, as one line ("error: …; tip: …").
fn clap_line(rendered: &str) -> String {
    rendered
        .split("\n\n")
        .map(|paragraph| {
            paragraph
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|p| {
            !p.is_empty() && !p.starts_with("Usage:") && !p.starts_with("For more information")
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Runs `job` on a multi-threaded runtime; an error is a one-line message and exit 2.
fn block_on<F, C>(job: F) -> ExitCode
where
    F: Future<Output = anyhow::Result<C>>,
    C: Into<u8>,
{
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
    match runtime.block_on(job) {
        Ok(code) => ExitCode::from(code.into()),
        Err(e) => {
            eprintln!("error: {}", one_line(&redact_urls_in(&format!("{e:#}"))));
            ExitCode::from(EXIT_USAGE)
        }
    }
}
