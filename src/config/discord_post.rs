//! The configuration of `discord post`: [`PostConfig`]. The report (a `diagnose-summary.json`,
//! read and parsed here, at most [`MAX_REPORT_BYTES`]), where it goes (the thread when
//! `--thread-id` is given, else the channel; empty values are absent), the run's page
//! (http or https) and Discord's API URL. The bot's token is read from
//! `DISCORD_BOT_TOKEN` only, and only needed when there is somewhere to post.

use std::io::Read;
use std::path::Path;

use clap::ArgMatches;
use url::Url;

use super::discord_values::{parse_bot_token, parse_discord_api_url, parse_snowflake};
use super::validate::{non_empty, parse_http_url};
use super::{ConfigError, Given, Vars, env_name};
use crate::cli::PostArgs;
use crate::cli::inputs::{Input, discord};
use crate::discord::api::BotToken;
use crate::discord::post::Destination;
use crate::model::Report;
use crate::text::{cap, one_line};

/// The largest report read: a real one is a few KiB.
pub const MAX_REPORT_BYTES: u64 = 4 * 1024 * 1024;

/// Everything `discord post` needs, validated.
#[derive(Debug, Clone)]
pub struct PostConfig {
    pub report: Report,
    /// The thread or channel; None: nothing is to be posted.
    pub destination: Option<Destination>,
    /// The run's page, linked from the message.
    pub run_url: Option<Url>,
    /// Discord's API base (`DISCORD_API_URL`).
    pub api_url: Url,
    /// `DISCORD_BOT_TOKEN`; None only when there is no destination.
    pub bot_token: Option<BotToken>,
}

impl PostConfig {
    pub fn from_args(
        args: &PostArgs,
        matches: &ArgMatches,
        vars: &Vars,
    ) -> Result<PostConfig, ConfigError> {
        let given = Given(matches);
        let report = read_report(&given.name(discord::REPORT), &args.report)?;
        let id = |input: Input, v: &Option<String>| {
            non_empty(v)
                .map(|v| parse_snowflake(&given.name(input), &v))
                .transpose()
        };
        let channel = id(discord::CHANNEL_ID, &args.channel_id)?;
        let thread = id(discord::THREAD_ID, &args.thread_id)?;
        let destination = match (thread, channel) {
            (Some(id), _) => Some(Destination {
                channel: id,
                thread: true,
            }),
            (None, Some(id)) => Some(Destination {
                channel: id,
                thread: false,
            }),
            (None, None) => None,
        };
        let run_url = non_empty(&args.run_url)
            .map(|u| parse_http_url(&given.name(discord::RUN_URL), &u))
            .transpose()?;
        let api_url = parse_discord_api_url(&given.name(discord::API_URL), &args.discord_api_url)?;
        let token_input = env_name(discord::BOT_TOKEN);
        let bot_token = match vars.non_empty(discord::BOT_TOKEN) {
            Some(t) => Some(parse_bot_token(&token_input, &t)?),
            None if destination.is_none() => None,
            None => {
                return Err(ConfigError::new(
                    token_input,
                    "missing: set it to the bot's token (the developer portal's Bot page); \
                     it is needed to post",
                ));
            }
        };
        Ok(PostConfig {
            report,
            destination,
            run_url,
            api_url,
            bot_token,
        })
    }
}

/// The report at `path`: a readable file of at most [`MAX_REPORT_BYTES`] holding a
/// diagnosis report.
pub(super) fn read_report(input: &str, path: &Path) -> Result<Report, ConfigError> {
    let shown = cap(&one_line(&path.display().to_string()), 200);
    let unreadable = |e: std::io::Error| {
        ConfigError::new(
            input,
            format!(
                "cannot read {shown}: {e}; expected the diagnosis report (diagnose-summary.json)"
            ),
        )
    };
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let mut bytes = Vec::new();
    file.take(MAX_REPORT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_REPORT_BYTES {
        return Err(ConfigError::new(
            input,
            format!(
                "{shown} is over {} MiB; expected the diagnosis report (diagnose-summary.json)",
                MAX_REPORT_BYTES / (1024 * 1024)
            ),
        ));
    }
    serde_json::from_slice(&bytes).map_err(|e| {
        ConfigError::new(
            input,
            format!(
                "{shown} is not a diagnosis report: {}",
                cap(&one_line(&e.to_string()), 200)
            ),
        )
    })
}
