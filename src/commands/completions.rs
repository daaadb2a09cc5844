//! `remote-hands completions SHELL`: the shell's completion script, on standard output.

use std::io::Write;
use std::process::ExitCode;

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};
use crate::diagnose::{EXIT_OK, EXIT_USAGE};

/// The script clap generates for the shell, printed whole (a closed pipe is no error).
pub fn run(args: &CompletionsArgs) -> ExitCode {
    let script = script(args.shell);
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(&script).and_then(|_| stdout.flush()) {
        Ok(()) => ExitCode::from(EXIT_OK),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::from(EXIT_OK),
        Err(e) => {
            eprintln!("error: writing to standard output: {e}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// The completion script of `shell` for `remote-hands`.
pub fn script(shell: clap_complete::Shell) -> Vec<u8> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "remote-hands", &mut script);
    script
}
