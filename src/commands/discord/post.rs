//! `remote-hands discord post`: posts a diagnosis report, as the Discord renderer writes it
//! with a link to the run, to the thread (`--thread-id`) or else the channel
//! (`--channel-id`) with the bot's token (`POST /channels/{id}/messages`). With neither,
//! it says that nothing is posted and succeeds. The token is never printed.

use std::process::ExitCode;

use clap::ArgMatches;

use crate::cli::PostArgs;
use crate::cli::inputs::discord;
use crate::config::{PostConfig, Vars};
use crate::discord::api::{ApiError, DiscordApi};
use crate::discord::post::{post, report_message};

/// The whole command, from the parsed arguments (`matches` are the subcommand's) to the
/// exit code.
pub fn run(args: &PostArgs, matches: &ArgMatches, vars: &Vars) -> ExitCode {
    match PostConfig::from_args(args, matches, vars) {
        Ok(config) if config.destination.is_none() => {
            eprintln!(
                "remote-hands: neither {} nor {} is given: nothing is posted",
                discord::THREAD_ID.flag_name(),
                discord::CHANNEL_ID.flag_name()
            );
            ExitCode::SUCCESS
        }
        Ok(config) => crate::commands::block_on(send(config)),
        Err(e) => crate::commands::usage_error(&e),
    }
}

/// Posts the report; says where on standard error.
pub async fn send(config: PostConfig) -> anyhow::Result<u8> {
    let Some(to) = config.destination else {
        return Ok(0);
    };
    let api = DiscordApi::new(config.api_url.clone(), config.bot_token.clone())?;
    let message = report_message(&config.report, config.run_url.as_ref().map(|u| u.as_str()));
    let what = if to.thread { "thread" } else { "channel" };
    let id = post(&api, to, &message).await.map_err(|e| {
        anyhow::anyhow!(
            "the report is not posted to {what} {}: {e}{}",
            to.channel,
            hint(&e)
        )
    })?;
    eprintln!(
        "remote-hands: report posted to {what} {} (message {id})",
        to.channel
    );
    Ok(0)
}

/// What to check after Discord refused the message.
fn hint(e: &ApiError) -> String {
    match e.status() {
        Some(401) => format!(
            "; check that {} is the current token of the application's bot",
            discord::BOT_TOKEN
        ),
        Some(403) => "; check that the bot is in that server and may send messages there \
                      (View Channel, Send Messages; in a thread, Send Messages in Threads)"
            .to_string(),
        Some(404) => format!(
            "; check {} and {}",
            discord::CHANNEL_ID.flag_name(),
            discord::THREAD_ID.flag_name()
        ),
        _ => String::new(),
    }
}
