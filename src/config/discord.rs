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
    parse_bot_token, parse_discord_api_url, parse_listen, parse_max_running, parse_public_key,
    parse_rate_limit, parse_snowflake, parse_snowflakes,
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
use crate::discord::serve::{Access, RateLimit};
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

/// Everything `discord serve` needs, validated.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub listen: SocketAddr,
    pub public_key: PublicKey,
    pub application_id: Snowflake,
    /// Discord's API base (`DISCORD_API_URL`), for editing the responses.
    pub discord_api_url: Url,
    /// Who may use the commands (the server's own type).
    pub allow: Access,
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
        let github = GithubConfig::from_args(&args.github.to_github_args(), given, vars, None)?;
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
fn allowlists(args: &ServeArgs, given: Given, vars: &Vars) -> Result<Access, ConfigError> {
    let list = |input: Input, value: &Option<String>| match value {
        // An empty variable counts as unset, as everywhere else.
        Some(v) if v.trim().is_empty() && given.by_env(input) => Ok(Vec::new()),
        Some(v) => parse_snowflakes(&given.name(input), v),
        None => Ok(Vec::new()),
    };
    let allow = Access {
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use clap::{Args, FromArgMatches};
    use ed25519_dalek::SigningKey;

    use super::*;
    use crate::cli::Via;

    const APP: &str = "775799577604522054";

    /// `args` parsed as the binary parses them, blind to the process environment.
    fn parse<A: Args + FromArgMatches>(args: &[&str]) -> (A, ArgMatches) {
        let cmd = A::augment_args(clap::Command::new("cmd")).mut_args(|a| a.env(None));
        let matches = cmd.try_get_matches_from(args).expect("the arguments parse");
        (A::from_arg_matches(&matches).unwrap(), matches)
    }

    fn key() -> String {
        hex::encode(SigningKey::from_bytes(&[7; 32]).verifying_key().as_bytes())
    }

    fn github() -> Vars {
        Vars::from_iter([("GITHUB_TOKEN", "ghs_secret")])
    }

    fn serve(extra: &[&str], vars: &Vars) -> Result<ServeConfig, ConfigError> {
        let key = key();
        let mut args = vec!["serve", "--public-key", &key, "--application-id", APP];
        args.extend(["--repo", "acme/site"]);
        args.extend(extra);
        let (a, m) = parse::<ServeArgs>(&args);
        ServeConfig::from_args(&a, &m, vars)
    }

    fn serve_error(extra: &[&str]) -> String {
        serve(extra, &github()).unwrap_err().to_string()
    }

    fn register(args: &[&str], vars: &Vars) -> Result<RegisterConfig, ConfigError> {
        let (a, m) = parse::<RegisterArgs>(args);
        RegisterConfig::from_args(&a, &m, vars)
    }

    #[test]
    fn serve_takes_its_defaults_typed() {
        let c = serve(&["--allowed-guilds", "290926798626357999"], &github()).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.public_key.to_hex(), key());
        assert_eq!(c.application_id.to_string(), APP);
        assert_eq!(c.discord_api_url.as_str(), "https://discord.com/api/v10");
        assert_eq!(c.allow.guilds, [290926798626357999.into()]);
        assert!(c.allow.users.is_empty() && !c.allow.everyone);
        let per_minute = Duration::from_secs(60);
        assert_eq!(
            c.rate_limit,
            RateLimit {
                count: std::num::NonZeroU32::MIN,
                per: per_minute
            }
        );
        assert_eq!(c.max_running, 4);
        assert!(c.url_policy.allowed_hosts.is_empty() && !c.url_policy.allow_private);
        assert_eq!(c.audit_log, PathBuf::from("./discord-audit.jsonl"));
        assert_eq!(c.deploy_workflow, "client-deploy.yml");
        assert_eq!(c.run.via, Via::Repository);
        assert_eq!(c.run.timeout, Duration::from_secs(600));
        assert_eq!(c.run.queue_timeout, Duration::from_secs(300));
        assert_eq!(c.github.repo.to_string(), "acme/site");
        assert_eq!(c.github.workflow, "diagnose-dispatch.yml");
        assert_eq!(c.github.format, crate::cli::ResultFormat::Discord);
        assert!(c.github.discord_webhook.is_none());
    }

    #[test]
    fn serve_reads_every_setting_it_is_given() {
        let dir = tempfile::tempdir().unwrap();
        let audit = dir.path().join("audit.jsonl");
        let c = serve(
            &[
                "--listen",
                "[::1]:0",
                "--allowed-users",
                "1,2",
                "--allowed-roles",
                "3",
                "--allowed-channels",
                "4",
                "--rate-limit",
                "5/10m",
                "--max-running",
                "12",
                "--allowed-hosts",
                "*.example.com, api.example.com:443",
                "--audit-log",
                audit.to_str().unwrap(),
                "--deploy-workflow",
                "deploy.yml",
                "--via",
                "workflow",
                "--timeout",
                "90",
                "--discord-api-url",
                "http://127.0.0.1:9/api/v10",
            ],
            &github(),
        )
        .unwrap();
        assert!(c.listen.is_ipv6());
        assert_eq!(c.allow.users, [1.into(), 2.into()]);
        assert_eq!((c.allow.roles.len(), c.allow.channels.len()), (1, 1));
        assert_eq!(c.rate_limit.count.get(), 5);
        assert_eq!(c.rate_limit.per, Duration::from_secs(600));
        assert_eq!(c.max_running, 12);
        assert_eq!(c.url_policy.allowed_hosts.len(), 2);
        assert_eq!(c.audit_log, audit);
        assert_eq!(c.deploy_workflow, "deploy.yml");
        assert_eq!(
            (c.run.via, c.run.timeout),
            (Via::Workflow, Duration::from_secs(90))
        );
        assert_eq!(c.discord_api_url.port(), Some(9));
    }

    #[test]
    fn serve_needs_an_allowlist_unless_everyone_is_allowed() {
        let e = serve_error(&[]);
        assert!(e.starts_with("configuration: no allowlist: give at least one of --allowed-guilds, --allowed-channels, --allowed-roles, --allowed-users (or DISCORD_ALLOWED_GUILDS, DISCORD_ALLOWED_CHANNELS, DISCORD_ALLOWED_ROLES, DISCORD_ALLOWED_USERS), or --allow-everyone"), "{e}");
        let c = serve(&["--allow-everyone"], &github()).unwrap();
        assert!(c.allow.everyone && c.allow.is_open());
        let vars = Vars::from_iter([("DISCORD_ALLOW_EVERYONE", "yes"), ("GITHUB_TOKEN", "t")]);
        assert!(serve(&[], &vars).unwrap().allow.everyone);
        let bad = Vars::from_iter([("DISCORD_ALLOW_EVERYONE", "sure"), ("GITHUB_TOKEN", "t")]);
        let e = serve(&[], &bad).unwrap_err().to_string();
        assert!(e.starts_with("DISCORD_ALLOW_EVERYONE (environment): \"sure\" is not a switch"));
        // With everyone allowed, a list given still restricts.
        let c = serve(&["--allow-everyone", "--allowed-users", "9"], &github()).unwrap();
        assert_eq!(c.allow.users, [9.into()]);
    }

    #[test]
    fn serve_names_each_bad_setting_and_what_was_expected() {
        let cases: &[(&[&str], &str)] = &[
            (
                &["--allowed-guilds", "x1"],
                "--allowed-guilds: \"x1\" is not a Discord ID",
            ),
            (
                &["--allowed-users", ""],
                "--allowed-users: \"\" names no ID",
            ),
            (
                &["--allow-everyone", "--listen", "localhost"],
                "--listen: \"localhost\" is not an address",
            ),
            (
                &["--allow-everyone", "--rate-limit", "1/0s"],
                "--rate-limit: \"1/0s\" has a duration",
            ),
            (
                &["--allow-everyone", "--max-running", "0"],
                "--max-running: \"0\" is not a number",
            ),
            (
                &["--allow-everyone", "--allowed-hosts", ""],
                "--allowed-hosts: \"\" names no host",
            ),
            (
                &[
                    "--allow-everyone",
                    "--audit-log",
                    "/nonexistent/dir/a.jsonl",
                ],
                "--audit-log: /nonexistent/dir/a.jsonl: folder /nonexistent/dir does not exist",
            ),
            (
                &["--allow-everyone", "--audit-log", "/"],
                "--audit-log: / is a directory",
            ),
            (
                &["--allow-everyone", "--deploy-workflow", "a/b.yml"],
                "--deploy-workflow: \"a/b.yml\" is not a workflow file name",
            ),
            (
                &["--allow-everyone", "--timeout", "0"],
                "--timeout: 0 seconds",
            ),
            (
                &[
                    "--allow-everyone",
                    "--discord-api-url",
                    "http://discord.com",
                ],
                "--discord-api-url: http://discord.com/ is plain http",
            ),
            (
                &["--allow-everyone", "--api-url", "http://github.example"],
                "--api-url: ",
            ),
        ];
        for (extra, start) in cases {
            let e = serve_error(extra);
            assert!(e.starts_with(start), "{extra:?}: {e}");
            assert!(!e.contains('\n') && !e.contains("ghs_secret"), "{e}");
        }
        let e = serve(
            &["--allow-everyone"],
            &Vars::from_iter([("GH_TOKEN", "bad token")]),
        );
        assert!(!e.unwrap_err().to_string().contains("bad token"));
    }

    #[test]
    fn serve_needs_the_public_key_and_the_application_id() {
        let vars = github();
        let base = ["serve", "--repo", "acme/site", "--allow-everyone"];
        let (a, m) = parse::<ServeArgs>(&[&base[..], &["--application-id", APP]].concat());
        let e = ServeConfig::from_args(&a, &m, &vars)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with(
                "DISCORD_PUBLIC_KEY (environment): missing: set it to the application's public key"
            ),
            "{e}"
        );
        assert!(e.ends_with("or give --public-key"), "{e}");
        let key = key();
        let (a, m) = parse::<ServeArgs>(&[&base[..], &["--public-key", &key]].concat());
        let e = ServeConfig::from_args(&a, &m, &vars)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("DISCORD_APPLICATION_ID (environment): missing"),
            "{e}"
        );
        let short = &key[..60];
        let args = [&base[..], &["--public-key", short, "--application-id", APP]].concat();
        let (a, m) = parse::<ServeArgs>(&args);
        let e = ServeConfig::from_args(&a, &m, &vars)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("--public-key: is 60 characters long; expected"),
            "{e}"
        );
        assert!(!e.contains(short), "{e}");
    }

    #[test]
    fn register_needs_the_application_and_a_token_unless_it_is_a_dry_run() {
        let token = Vars::from_iter([("DISCORD_BOT_TOKEN", " abc.def-ghi ")]);
        let c = register(&["register", "--application-id", APP], &token).unwrap();
        assert_eq!(c.application_id.to_string(), APP);
        assert!(c.bot_token.is_some() && c.guild.is_none() && !c.dry_run);
        assert_eq!(c.api_url.as_str(), "https://discord.com/api/v10");
        let c = register(
            &["register", "--application-id", APP, "--guild", "42"],
            &token,
        );
        assert_eq!(c.unwrap().guild, Some(42.into()));

        let none = Vars::default();
        let e = register(&["register"], &token).unwrap_err().to_string();
        assert!(
            e.starts_with(
                "DISCORD_APPLICATION_ID (environment): missing: set it to the application's ID"
            ),
            "{e}"
        );
        let e = register(&["register", "--application-id", APP], &none).unwrap_err();
        assert_eq!(
            e.to_string(),
            "DISCORD_BOT_TOKEN (environment): missing: set it to the bot's token (the developer portal's Bot page); --dry-run needs none"
        );
        let c = register(&["register", "--application-id", APP, "--dry-run"], &none).unwrap();
        assert!(c.dry_run && c.bot_token.is_none());

        let bad = Vars::from_iter([("DISCORD_BOT_TOKEN", "Bot my-secret")]);
        let e = register(&["register", "--application-id", APP], &bad)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("DISCORD_BOT_TOKEN (environment): expected the bot's token alone"));
        assert!(!e.contains("my-secret"), "{e}");
        let e = register(&["register", "--application-id", "app"], &token).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("--application-id: \"app\" is not a Discord ID")
        );
        let e = register(
            &["register", "--application-id", APP, "--guild", "1e3"],
            &token,
        );
        assert!(
            e.unwrap_err()
                .to_string()
                .starts_with("--guild: \"1e3\" is not a Discord ID")
        );
    }
}
