//! `remote-hands discord register`: replaces the application's slash commands (globally,
//! or in one server with `--guild`) with `/diagnose` and `/verify-latest`, and prints each
//! registered command's name and ID. `--dry-run` prints the request (method, URL, JSON
//! body) and sends nothing. The bot's token is never printed.

use std::process::ExitCode;

use anyhow::bail;
use clap::ArgMatches;
use url::Url;

use crate::cli::RegisterArgs;
use crate::cli::inputs::discord;
use crate::config::{RegisterConfig, Vars};
use crate::discord::api::{ApiError, DiscordApi, RegisteredCommand};
use crate::discord::commands::{CommandDefinition, bulk_overwrite_segments, definitions};

/// The whole command, from the parsed arguments (`matches` are the subcommand's) to the
/// exit code.
pub fn run(args: &RegisterArgs, matches: &ArgMatches, vars: &Vars) -> ExitCode {
    match RegisterConfig::from_args(args, matches, vars) {
        Ok(config) if config.dry_run => {
            print!("{}", dry_run(&config));
            ExitCode::SUCCESS
        }
        Ok(config) => crate::commands::block_on(register(config)),
        Err(e) => crate::commands::usage_error(&e),
    }
}

/// The URL of the bulk overwrite.
fn endpoint(config: &RegisterConfig) -> Url {
    let mut url = config.api_url.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty();
        path.extend(bulk_overwrite_segments(config.application_id, config.guild));
    }
    url
}

/// What `--dry-run` prints: `PUT URL`, then the body as indented JSON.
pub fn dry_run(config: &RegisterConfig) -> String {
    let body = serde_json::to_string_pretty(&definitions()).expect("the commands serialize");
    format!("PUT {}\n{body}\n", endpoint(config))
}

/// Sends the bulk overwrite; prints one line per registered command.
pub async fn register(config: RegisterConfig) -> anyhow::Result<u8> {
    let api = DiscordApi::new(config.api_url.clone(), config.bot_token.clone())?;
    let commands = definitions();
    let registered = api
        .register_commands(config.application_id, config.guild, &commands)
        .await
        .map_err(|e| anyhow::anyhow!("{e}{}", hint(&e)))?;
    check_answer(&commands, &registered)?;
    for c in &registered {
        println!("/{} {}", c.name, c.id);
    }
    match config.guild {
        Some(guild) => eprintln!(
            "remote-hands: {} commands registered in server {guild}",
            registered.len()
        ),
        None => eprintln!(
            "remote-hands: {} commands registered globally (Discord may take a while to show \
             them; --guild shows them at once in one server)",
            registered.len()
        ),
    }
    Ok(0)
}

/// What to check after Discord refused the request.
fn hint(e: &ApiError) -> String {
    let app = discord::APPLICATION_ID.env.unwrap_or_default();
    match e.status() {
        Some(401) => format!(
            "; check that {} is the current token of the application's bot",
            discord::BOT_TOKEN
        ),
        Some(403) => format!(
            "; check that the bot is in that server (invited with the applications.commands \
             scope) and that {} is its application",
            app
        ),
        Some(404) => format!("; check {app} (and {})", discord::GUILD.flag_name()),
        _ => String::new(),
    }
}

/// Discord answers the commands it now has: every one sent must be among them.
fn check_answer(sent: &[CommandDefinition], got: &[RegisteredCommand]) -> anyhow::Result<()> {
    for c in sent {
        if !got.iter().any(|r| r.name == c.name) {
            bail!(
                "registering the commands: Discord's answer does not list /{}; run the command again",
                c.name
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(guild: Option<u64>) -> RegisterConfig {
        RegisterConfig {
            application_id: 775799577604522054.into(),
            api_url: Url::parse("https://discord.com/api/v10").unwrap(),
            guild: guild.map(Into::into),
            dry_run: true,
            bot_token: None,
        }
    }

    #[test]
    fn the_dry_run_shows_the_method_the_url_and_the_body() {
        let out = dry_run(&config(None));
        let (first, body) = out.split_once('\n').unwrap();
        assert_eq!(
            first,
            "PUT https://discord.com/api/v10/applications/775799577604522054/commands"
        );
        let body: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(body, serde_json::to_value(definitions()).unwrap());
        assert!(dry_run(&config(Some(42))).starts_with(
            "PUT https://discord.com/api/v10/applications/775799577604522054/guilds/42/commands\n"
        ));
    }

    #[test]
    fn an_answer_without_a_sent_command_is_an_error() {
        let sent = definitions();
        let one = vec![RegisteredCommand {
            id: 1.into(),
            name: "diagnose".into(),
        }];
        let e = check_answer(&sent, &one).unwrap_err().to_string();
        assert!(e.contains("does not list /verify-latest"), "{e}");
        let both: Vec<RegisteredCommand> = sent
            .iter()
            .map(|c| RegisteredCommand {
                id: 2.into(),
                name: c.name.into(),
            })
            .collect();
        assert!(check_answer(&sent, &both).is_ok());
    }
}
