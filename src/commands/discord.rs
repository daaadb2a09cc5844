//! `remote-hands discord …`: the commands of the Discord application. `register` sends the
//! slash commands to Discord ([`register`]); `serve` is the interactions endpoint
//! ([`serve`]); `post` sends a report to a channel or thread ([`post`]).

pub mod post;
pub mod register;
pub mod serve;

use std::process::ExitCode;

use clap::ArgMatches;

use crate::cli::discord::{DiscordArgs, DiscordCommand};
use crate::config::Vars;

/// Runs the chosen `discord` subcommand; `matches` are the `discord` group's.
pub fn run(args: &DiscordArgs, matches: &ArgMatches, vars: &Vars) -> ExitCode {
    let sub = matches
        .subcommand()
        .map(|(_, sub)| sub)
        .expect("clap requires a discord subcommand");
    match &args.command {
        DiscordCommand::Register(a) => register::run(a, sub, vars),
        DiscordCommand::Serve(a) => serve::run(a, sub, vars),
        DiscordCommand::Post(a) => post::run(a, sub, vars),
    }
}
