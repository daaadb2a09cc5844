//! Parsing the process's arguments: help and version go out as clap prints them; a usage
//! error becomes one line (clap's message with what it names — the missing arguments,
//! the accepted values — and its tips) and exit 2.

use std::process::ExitCode;

use clap::{ArgMatches, CommandFactory, FromArgMatches};

use super::Cli;
use crate::diagnose::EXIT_USAGE;
use crate::text::one_line;

/// The parsed command line: the typed values, and clap's matches, which say where each
/// value came from (a flag or an environment variable).
pub struct Parsed {
    pub cli: Cli,
    matches: ArgMatches,
}

impl Parsed {
    /// The matches of the subcommand.
    pub fn subcommand_matches(&self) -> &ArgMatches {
        self.matches
            .subcommand()
            .map(|(_, sub)| sub)
            .expect("clap requires a subcommand")
    }
}

/// Parses the process's arguments; Err is the exit code of help, version (clap prints and
/// exits 0) or a usage error (printed, exit 2).
pub fn parse() -> Result<Parsed, ExitCode> {
    let matches = Cli::command().try_get_matches().map_err(clap_error)?;
    let cli = Cli::from_arg_matches(&matches).map_err(clap_error)?;
    Ok(Parsed { cli, matches })
}

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
