//! The clap types of the Discord commands: `discord register` (the slash commands, sent to
//! Discord), `discord serve` (the interactions endpoint), `discord post` (a report to a
//! channel or thread) and `verify-latest` (the latest deploy run). Names come from
//! [`super::inputs`]; checking the values is `config`'s job.

use clap::{Args, Subcommand};

use super::inputs::{discord, dispatch, github, verify};
use super::{GithubArgs, ResultFormat, Via, help};

/// `remote-hands discord …`.
#[derive(Debug, Args)]
pub struct DiscordArgs {
    #[command(subcommand)]
    pub command: DiscordCommand,
}

#[derive(Debug, Subcommand)]
pub enum DiscordCommand {
    /// Register the slash commands /diagnose and /verify-latest with Discord (a bulk
    /// overwrite: running it again changes nothing). Needs DISCORD_BOT_TOKEN.
    #[command(after_help = help::register_after_help())]
    Register(RegisterArgs),
    /// Serve Discord's interactions endpoint (POST /interactions): /diagnose and
    /// /verify-latest, behind allowlists, a per-user rate limit and an audit log.
    #[command(after_help = help::serve_after_help())]
    Serve(Box<ServeArgs>),
    /// Post a diagnosis report (diagnose-summary.json) to a thread or channel: the thread
    /// when given, else the channel; neither: nothing is posted. Needs DISCORD_BOT_TOKEN.
    #[command(after_help = help::post_after_help())]
    Post(PostArgs),
}

/// `discord post`. The bot's token comes from DISCORD_BOT_TOKEN (never a flag).
#[derive(Debug, Args)]
pub struct PostArgs {
    /// The JSON report to post (diagnose-summary.json)
    #[arg(id = discord::REPORT.id, long = discord::REPORT.long, value_name = "PATH")]
    pub report: std::path::PathBuf,

    /// The channel to post to (empty: none)
    #[arg(id = discord::CHANNEL_ID.id, long = discord::CHANNEL_ID.long, value_name = "ID")]
    pub channel_id: Option<String>,

    /// The thread to post to; it wins over --channel-id (empty: none)
    #[arg(id = discord::THREAD_ID.id, long = discord::THREAD_ID.long, value_name = "ID")]
    pub thread_id: Option<String>,

    /// The run's page, linked from the message (http or https)
    #[arg(id = discord::RUN_URL.id, long = discord::RUN_URL.long, value_name = "URL")]
    pub run_url: Option<String>,

    /// Discord's REST API base URL
    #[arg(
        id = discord::API_URL.id,
        long = discord::API_URL.long,
        env = discord::API_URL.env,
        value_name = "URL",
        default_value = crate::discord::api::DEFAULT_API_URL
    )]
    pub discord_api_url: String,
}

/// The Discord application: its ID and where its API is.
#[derive(Debug, Args)]
pub struct DiscordAppArgs {
    /// The application's ID (the developer portal's "Application ID")
    #[arg(
        id = discord::APPLICATION_ID.id,
        long = discord::APPLICATION_ID.long,
        env = discord::APPLICATION_ID.env,
        value_name = "ID"
    )]
    pub application_id: Option<String>,

    /// Discord's REST API base URL
    #[arg(
        id = discord::API_URL.id,
        long = discord::API_URL.long,
        env = discord::API_URL.env,
        value_name = "URL",
        default_value = crate::discord::api::DEFAULT_API_URL
    )]
    pub discord_api_url: String,
}

/// `discord register`. The bot's token comes from DISCORD_BOT_TOKEN (never a flag).
#[derive(Debug, Args)]
pub struct RegisterArgs {
    #[command(flatten)]
    pub app: DiscordAppArgs,

    /// Register in this server (guild) only: the commands show up at once, where global
    /// commands may take a while
    #[arg(id = discord::GUILD.id, long = discord::GUILD.long, value_name = "ID")]
    pub guild: Option<String>,

    /// Print the request (method, path, JSON body) and send nothing; no token needed
    #[arg(id = discord::DRY_RUN.id, long = discord::DRY_RUN.long)]
    pub dry_run: bool,
}

/// How a diagnosis is started and how long it is followed (as `dispatch` does).
#[derive(Debug, Args)]
pub struct DiagnoseRunArgs {
    /// How a diagnosis run is started: repository_dispatch (event diagnose.request) or
    /// workflow_dispatch
    #[arg(
        id = dispatch::VIA.id,
        long = dispatch::VIA.long,
        value_enum,
        value_name = "HOW",
        default_value_t = Via::Repository
    )]
    pub via: Via,

    /// Longest total wait for a diagnosis, in seconds
    #[arg(
        id = dispatch::TIMEOUT.id,
        long = dispatch::TIMEOUT.long,
        allow_negative_numbers = true,
        value_name = "SECONDS",
        default_value = "600"
    )]
    pub timeout: String,

    /// Longest time a diagnosis run may take to start, in seconds
    #[arg(
        id = dispatch::QUEUE_TIMEOUT.id,
        long = dispatch::QUEUE_TIMEOUT.long,
        allow_negative_numbers = true,
        value_name = "SECONDS",
        default_value = "300"
    )]
    pub queue_timeout: String,
}

/// The deploy workflow whose runs `verify-latest` reads.
#[derive(Debug, Args)]
pub struct DeployArgs {
    /// Workflow file of the deployment
    #[arg(
        id = verify::DEPLOY_WORKFLOW.id,
        long = verify::DEPLOY_WORKFLOW.long,
        env = verify::DEPLOY_WORKFLOW.env,
        value_name = "FILE",
        default_value = "client-deploy.yml"
    )]
    pub deploy_workflow: String,
}

/// `discord serve`: the interactions endpoint. The GitHub token comes from the
/// environment, as `dispatch`'s does.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on (plain HTTP: put a TLS-terminating proxy in front)
    #[arg(
        id = discord::LISTEN.id,
        long = discord::LISTEN.long,
        env = discord::LISTEN.env,
        value_name = "IP:PORT",
        default_value = "127.0.0.1:8080"
    )]
    pub listen: String,

    /// The application's public key (hex), to verify every request's signature
    #[arg(
        id = discord::PUBLIC_KEY.id,
        long = discord::PUBLIC_KEY.long,
        env = discord::PUBLIC_KEY.env,
        value_name = "HEX"
    )]
    pub public_key: Option<String>,

    #[command(flatten)]
    pub app: DiscordAppArgs,

    /// Only these servers (comma-separated IDs)
    #[arg(
        id = discord::ALLOWED_GUILDS.id,
        long = discord::ALLOWED_GUILDS.long,
        env = discord::ALLOWED_GUILDS.env,
        value_name = "IDS"
    )]
    pub allowed_guilds: Option<String>,

    /// Only these channels (comma-separated IDs)
    #[arg(
        id = discord::ALLOWED_CHANNELS.id,
        long = discord::ALLOWED_CHANNELS.long,
        env = discord::ALLOWED_CHANNELS.env,
        value_name = "IDS"
    )]
    pub allowed_channels: Option<String>,

    /// Only members with one of these roles (comma-separated IDs)
    #[arg(
        id = discord::ALLOWED_ROLES.id,
        long = discord::ALLOWED_ROLES.long,
        env = discord::ALLOWED_ROLES.env,
        value_name = "IDS"
    )]
    pub allowed_roles: Option<String>,

    /// Only these users (comma-separated IDs)
    #[arg(
        id = discord::ALLOWED_USERS.id,
        long = discord::ALLOWED_USERS.long,
        env = discord::ALLOWED_USERS.env,
        value_name = "IDS"
    )]
    pub allowed_users: Option<String>,

    /// Serve anyone who can use the commands when no --allowed-* list is given (without
    /// it, at least one list is required) [env: DISCORD_ALLOW_EVERYONE=true|false]
    #[arg(id = discord::ALLOW_EVERYONE.id, long = discord::ALLOW_EVERYONE.long)]
    pub allow_everyone: bool,

    /// Diagnoses each user may start: N/DURATION, the duration in s, m or h (5/10m)
    #[arg(
        id = discord::RATE_LIMIT.id,
        long = discord::RATE_LIMIT.long,
        env = discord::RATE_LIMIT.env,
        value_name = "N/DURATION",
        default_value = "1/60s"
    )]
    pub rate_limit: String,

    /// Most diagnoses followed at once
    #[arg(
        id = discord::MAX_RUNNING.id,
        long = discord::MAX_RUNNING.long,
        env = discord::MAX_RUNNING.env,
        value_name = "N",
        default_value = "4"
    )]
    pub max_running: String,

    /// Hosts a /diagnose URL override may name (as check's --allowed-hosts: names, IPs or
    /// `*.domain`, each with an optional `:port`); without it, overrides are refused
    #[arg(
        id = discord::ALLOWED_HOSTS.id,
        long = discord::ALLOWED_HOSTS.long,
        env = discord::ALLOWED_HOSTS.env,
        value_name = "HOSTS"
    )]
    pub allowed_hosts: Option<String>,

    /// The audit log: one JSON line per interaction and per outcome, appended to
    #[arg(
        id = discord::AUDIT_LOG.id,
        long = discord::AUDIT_LOG.long,
        env = discord::AUDIT_LOG.env,
        value_name = "PATH",
        default_value = "./discord-audit.jsonl"
    )]
    pub audit_log: std::path::PathBuf,

    #[command(flatten)]
    pub deploy: DeployArgs,

    #[command(flatten)]
    pub run: DiagnoseRunArgs,

    #[command(flatten)]
    pub github: ServeGithubArgs,
}

/// The GitHub settings of `discord serve`: `dispatch`'s, but the output format and the
/// webhook (the server answers in Discord, through the interaction).
#[derive(Debug, Args)]
pub struct ServeGithubArgs {
    /// Repository that holds the diagnosis and deploy workflows
    #[arg(
        id = github::REPO.id,
        long = github::REPO.long,
        env = github::REPO.env,
        value_name = "OWNER/NAME"
    )]
    pub repo: Option<String>,

    /// GitHub REST API base URL (GitHub Enterprise Server: https://HOST/api/v3)
    #[arg(
        id = github::API_URL.id,
        long = github::API_URL.long,
        env = github::API_URL.env,
        value_name = "URL",
        default_value = "https://api.github.com"
    )]
    pub api_url: String,

    /// Workflow file of the diagnosis
    #[arg(
        id = github::WORKFLOW.id,
        long = github::WORKFLOW.long,
        value_name = "FILE",
        default_value = "diagnose-dispatch.yml"
    )]
    pub workflow: String,

    /// Name of the artifact that holds diagnose-summary.json
    #[arg(
        id = github::ARTIFACT_NAME.id,
        long = github::ARTIFACT_NAME.long,
        value_name = "NAME",
        default_value = "diagnose-summary"
    )]
    pub artifact_name: String,
}

impl ServeGithubArgs {
    /// As `dispatch`'s settings, answering in Discord's format and posting to no webhook.
    pub fn to_github_args(&self) -> GithubArgs {
        GithubArgs {
            repo: self.repo.clone(),
            api_url: self.api_url.clone(),
            workflow: self.workflow.clone(),
            artifact_name: self.artifact_name.clone(),
            format: ResultFormat::Discord,
            discord_webhook: None,
        }
    }
}

/// `verify-latest`: the latest run of the deploy workflow, or the one given.
#[derive(Debug, Args)]
pub struct VerifyLatestArgs {
    /// The deploy run: its ID or its URL [default: the latest run of --deploy-workflow]
    #[arg(id = verify::RUN, value_name = verify::RUN_VALUE_NAME)]
    pub run: Option<String>,

    #[command(flatten)]
    pub deploy: DeployArgs,

    /// Then start a diagnosis and follow it, as dispatch does
    #[arg(id = verify::DIAGNOSE.id, long = verify::DIAGNOSE.long)]
    pub diagnose: bool,

    #[command(flatten)]
    pub diagnose_run: DiagnoseRunArgs,

    #[command(flatten)]
    pub github: GithubArgs,
}
