//! The configurations of the Discord commands: [`RegisterConfig`] for `discord register`
//! and [`ServeConfig`] for `discord serve`. The application's ID, public key and Discord's
//! API URL, the allowlists (at least one, unless `--allow-everyone`), the rate limit, the
//! most diagnoses at once, the hosts a URL override may name, the audit log, and the
//! GitHub settings `dispatch` uses. The bot's token is read from `DISCORD_BOT_TOKEN` only.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::ArgMatches;
use url::Url;

use super::discord_values::{
    RateLimit, parse_bot_token, parse_discord_api_url, parse_listen, parse_max_running,
    parse_public_key, parse_rate_limit, parse_snowflake, parse_snowflakes,
};
use super::github::GithubConfig;
use super::url_policy::allowed_hosts;
use super::validate::{check_writable_file, env_switch, non_empty};
use super::verify::{DiagnoseRun, deploy_workflow};
use super::{ConfigError, Given, Vars, env_name};
use crate::cli::discord::{DiscordAppArgs, RegisterArgs, ServeArgs};
use crate::cli::inputs::{Input, discord};
use crate::discord::api::BotToken;
use crate::discord::interaction::Snowflake;
use crate::discord::verify::PublicKey;
use crate::policy::UrlPolicy;

/// Everything `discord register` needs, validated.
#[derive(Debug, Clone)]
pub struct RegisterConfig {
    pub application_id: Snowflake,
    /// Discord's API base (`DISCORD_API_URL`).
    pub api_url: Url,
    /// The server whose commands are replaced; None: the global commands.
    pub guild: Option<Snowflake>,
    /// Print the request, send nothing.
    pub dry_run: bool,
    /// `DISCORD_BOT_TOKEN`; None only with `--dry-run`, which needs none.
    pub bot_token: Option<BotToken>,
}

/// Who may use the commands. An empty list restricts nothing of its kind; an interaction
/// passes when it passes every list that is not empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allowlists {
    pub guilds: Vec<Snowflake>,
    pub channels: Vec<Snowflake>,
    pub roles: Vec<Snowflake>,
    pub users: Vec<Snowflake>,
    /// `--allow-everyone`: no list is required.
    pub everyone: bool,
}

impl Allowlists {
    /// True when no list restricts anything.
    pub fn is_open(&self) -> bool {
        self.guilds.is_empty()
            && self.channels.is_empty()
            && self.roles.is_empty()
            && self.users.is_empty()
    }
}

/// Everything `discord serve` needs, validated.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub listen: SocketAddr,
    pub public_key: PublicKey,
    pub application_id: Snowflake,
    /// Discord's API base (`DISCORD_API_URL`), for editing the responses.
    pub discord_api_url: Url,
    pub allow: Allowlists,
    pub rate_limit: RateLimit,
    /// The most diagnoses followed at once, at least 1.
    pub max_running: usize,
    /// The hosts a `/diagnose` URL override may name; empty: overrides are refused.
    pub url_policy: UrlPolicy,
    /// The audit log, appended to (its folder exists).
    pub audit_log: PathBuf,
    /// The deploy workflow `/verify-latest` reads.
    pub deploy_workflow: String,
    /// How diagnoses are started and followed.
    pub run: DiagnoseRun,
    pub github: GithubConfig,
}

/// The application's ID: required.
fn application_id(app: &DiscordAppArgs, given: Given) -> Result<Snowflake, ConfigError> {
    let input = discord::APPLICATION_ID;
    match non_empty(&app.application_id) {
        Some(v) => parse_snowflake(&given.name(input), &v),
        None => Err(ConfigError::new(
            env_name(input.env.unwrap_or_default()),
            format!(
                "missing: set it to the application's ID (the developer portal's General \
                 Information page), or give {}",
                input.flag_name()
            ),
        )),
    }
}

fn api_url(app: &DiscordAppArgs, given: Given) -> Result<Url, ConfigError> {
    parse_discord_api_url(&given.name(discord::API_URL), &app.discord_api_url)
}

impl RegisterConfig {
    pub fn from_args(
        args: &RegisterArgs,
        matches: &ArgMatches,
        vars: &Vars,
    ) -> Result<RegisterConfig, ConfigError> {
        let given = Given(matches);
        let application_id = application_id(&args.app, given)?;
        let api_url = api_url(&args.app, given)?;
        let guild = non_empty(&args.guild)
            .map(|g| parse_snowflake(&given.name(discord::GUILD), &g))
            .transpose()?;
        let token_input = env_name(discord::BOT_TOKEN);
        let bot_token = match vars.non_empty(discord::BOT_TOKEN) {
            Some(t) => Some(parse_bot_token(&token_input, &t)?),
            None if args.dry_run => None,
            None => {
                return Err(ConfigError::new(
                    token_input,
                    format!(
                        "missing: set it to the bot's token (the developer portal's Bot page); \
                         {} needs none",
                        discord::DRY_RUN.flag_name()
                    ),
                ));
            }
        };
        Ok(RegisterConfig {
            application_id,
            api_url,
            guild,
            dry_run: args.dry_run,
            bot_token,
        })
    }
}

impl ServeConfig {
    pub fn from_args(
        args: &ServeArgs,
        matches: &ArgMatches,
        vars: &Vars,
    ) -> Result<ServeConfig, ConfigError> {
        let given = Given(matches);
        let listen = parse_listen(&given.name(discord::LISTEN), &args.listen)?;
        let public_key = public_key(args, given)?;
        let application_id = application_id(&args.app, given)?;
        let discord_api_url = api_url(&args.app, given)?;
        let allow = allowlists(args, given, vars)?;
        let rate_limit = parse_rate_limit(&given.name(discord::RATE_LIMIT), &args.rate_limit)?;
        let max_running = parse_max_running(&given.name(discord::MAX_RUNNING), &args.max_running)?;
        let hosts = args.allowed_hosts.as_deref();
        let url_policy = UrlPolicy {
            allowed_hosts: allowed_hosts(discord::ALLOWED_HOSTS, hosts, given)?,
            allow_private: false,
        };
        let audit_input = given.name(discord::AUDIT_LOG);
        check_writable_file(&audit_input, &args.audit_log)?;
        let deploy_workflow = deploy_workflow(&args.deploy, given)?;
        let run = DiagnoseRun::from_args(&args.run, given)?;
        let github = GithubConfig::from_args(&args.github, given, vars, None)?;
        Ok(ServeConfig {
            listen,
            public_key,
            application_id,
            discord_api_url,
            allow,
            rate_limit,
            max_running,
            url_policy,
            audit_log: args.audit_log.clone(),
            deploy_workflow,
            run,
            github,
        })
    }
}

/// The public key: required.
fn public_key(args: &ServeArgs, given: Given) -> Result<PublicKey, ConfigError> {
    let input = discord::PUBLIC_KEY;
    match non_empty(&args.public_key) {
        Some(v) => parse_public_key(&given.name(input), &v),
        None => Err(ConfigError::new(
            env_name(input.env.unwrap_or_default()),
            format!(
                "missing: set it to the application's public key (64 hexadecimal characters, \
                 the developer portal's General Information page), or give {}",
                input.flag_name()
            ),
        )),
    }
}

/// The four allowlists; at least one of them unless everyone is allowed.
fn allowlists(args: &ServeArgs, given: Given, vars: &Vars) -> Result<Allowlists, ConfigError> {
    let list = |input: Input, value: &Option<String>| match value {
        // An empty variable counts as unset, as everywhere else.
        Some(v) if v.trim().is_empty() && given.by_env(input) => Ok(Vec::new()),
        Some(v) => parse_snowflakes(&given.name(input), v),
        None => Ok(Vec::new()),
    };
    let allow = Allowlists {
        guilds: list(discord::ALLOWED_GUILDS, &args.allowed_guilds)?,
        channels: list(discord::ALLOWED_CHANNELS, &args.allowed_channels)?,
        roles: list(discord::ALLOWED_ROLES, &args.allowed_roles)?,
        users: list(discord::ALLOWED_USERS, &args.allowed_users)?,
        everyone: args.allow_everyone || env_switch(vars, discord::ALLOW_EVERYONE_VAR)?,
    };
    if allow.is_open() && !allow.everyone {
        let lists = [
            discord::ALLOWED_GUILDS,
            discord::ALLOWED_CHANNELS,
            discord::ALLOWED_ROLES,
            discord::ALLOWED_USERS,
        ];
        let flags: Vec<String> = lists.iter().map(Input::flag_name).collect();
        let vars: Vec<&str> = lists.iter().filter_map(|i| i.env).collect();
        return Err(ConfigError::new(
            "configuration",
            format!(
                "no allowlist: give at least one of {} (or {}), or {} to let anyone who sees \
                 the commands use them",
                flags.join(", "),
                vars.join(", "),
                discord::ALLOW_EVERYONE.flag_name()
            ),
        ));
    }
    Ok(allow)
}
