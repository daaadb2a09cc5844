//! The command-line surface, as clap derive types only: names, environment variables,
//! help texts. The names come from [`inputs`], the examples and exit codes of `--help`
//! from [`help`]; turning these raw values into a checked configuration is `config`'s job.

pub mod baseline;
mod check_args;
pub mod discord;
pub mod help;
pub mod inputs;
pub mod parse;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub use baseline::{BaselineArgs, BaselineCommand, BaselineFetchArgs};
pub use check_args::CheckArgs;
pub use discord::{PostArgs, RegisterArgs, ServeArgs, VerifyLatestArgs};
use inputs::{dispatch, github, result};

pub use crate::model::FailOn;

#[derive(Debug, Parser)]
#[command(
    name = "remote-hands",
    version,
    about = "Tells you in seconds whether an AWS deployment (S3 + CloudFront site, HTTP API) is healthy.",
    after_help = help::EXIT_CODES,
    propagate_version = true
)]
pub struct Cli {
    /// Say more on standard error: -v this program's requests (and where the GitHub token
    /// came from), -vv the AWS SDK's too [env: RUST_LOG, when set, decides instead]
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the diagnosis: AWS identity, S3, CloudFront and HTTP checks, concurrently.
    #[command(after_help = help::check_after_help())]
    Check(Box<CheckArgs>),
    /// Start the diagnosis workflow in a repository, wait for it, and print its report.
    #[command(after_help = help::dispatch_after_help())]
    Dispatch(DispatchArgs),
    /// Print the report of an existing diagnosis run.
    #[command(after_help = help::result_after_help())]
    Result(ResultArgs),
    /// The Discord application: register its slash commands, serve its interactions.
    Discord(discord::DiscordArgs),
    /// The latest run of the deploy workflow (or a given run): status, conclusion, age,
    /// commit, each job's and step's duration, the failed steps.
    #[command(after_help = help::verify_latest_after_help())]
    VerifyLatest(discord::VerifyLatestArgs),
    /// Comparison with a previous run: fetch the baseline report in GitHub Actions.
    Baseline(BaselineArgs),
    /// Print the completion script of a shell to standard output.
    #[command(after_help = help::completions_after_help())]
    Completions(CompletionsArgs),
}

/// Where the runs are, and how results are shown (shared by `dispatch` and `result`).
#[derive(Debug, Args)]
pub struct GithubArgs {
    /// Repository that holds the diagnosis workflow
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

    /// Workflow file of the diagnosis (used to find runs, and by --via workflow)
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

    /// How the result is printed
    #[arg(
        id = github::FORMAT.id,
        long = github::FORMAT.long,
        value_enum,
        value_name = "FORMAT",
        default_value_t = ResultFormat::Text
    )]
    pub format: ResultFormat,

    /// Also post the Discord message to this webhook URL
    #[arg(
        id = github::DISCORD_WEBHOOK.id,
        long = github::DISCORD_WEBHOOK.long,
        env = github::DISCORD_WEBHOOK.env,
        value_name = "URL",
        hide_env_values = true
    )]
    pub discord_webhook: Option<String>,
}

#[derive(Debug, Args)]
pub struct DispatchArgs {
    #[command(flatten)]
    pub github: GithubArgs,

    /// How the run is started: repository_dispatch (event diagnose.request) or workflow_dispatch
    #[arg(
        id = dispatch::VIA.id,
        long = dispatch::VIA.long,
        value_enum,
        value_name = "HOW",
        default_value_t = Via::Repository
    )]
    pub via: Via,

    /// Branch or tag the workflow runs on (--via workflow) [default: the default branch]
    #[arg(id = dispatch::GIT_REF.id, long = dispatch::GIT_REF.long, value_name = "REF")]
    pub git_ref: Option<String>,

    /// Correlation ID (a UUID); a UUID v4 is generated when absent
    #[arg(
        id = dispatch::CORRELATION_ID.id,
        long = dispatch::CORRELATION_ID.long,
        value_name = "UUID"
    )]
    pub correlation_id: Option<String>,

    /// Who asks (shown in the run name and the report) [default: $USER]
    #[arg(id = dispatch::REQUESTER.id, long = dispatch::REQUESTER.long, value_name = "NAME")]
    pub requester: Option<String>,

    /// Discord channel ID, passed to the run
    #[arg(id = dispatch::CHANNEL_ID.id, long = dispatch::CHANNEL_ID.long, value_name = "ID")]
    pub channel_id: Option<String>,

    /// Discord thread ID, passed to the run
    #[arg(id = dispatch::THREAD_ID.id, long = dispatch::THREAD_ID.long, value_name = "ID")]
    pub thread_id: Option<String>,

    /// Frontend URL override for this run (the workflow checks it against its allowlist)
    #[arg(id = dispatch::FRONTEND_URL.id, long = dispatch::FRONTEND_URL.long, value_name = "URL")]
    pub frontend_url: Option<String>,

    /// API base override for this run (the workflow checks it against its allowlist)
    #[arg(id = dispatch::API_BASE.id, long = dispatch::API_BASE.long, value_name = "URL")]
    pub api_base: Option<String>,

    /// Start the run, print the correlation ID (and the run, when known), and exit 0
    #[arg(id = dispatch::NO_WAIT.id, long = dispatch::NO_WAIT.long)]
    pub no_wait: bool,

    /// Longest total wait, in seconds
    #[arg(
        id = dispatch::TIMEOUT.id,
        long = dispatch::TIMEOUT.long,
        allow_negative_numbers = true,
        value_name = "SECONDS",
        default_value = "600"
    )]
    pub timeout: String,

    /// Longest time the run may take to start (not found yet, or queued), in seconds
    #[arg(
        id = dispatch::QUEUE_TIMEOUT.id,
        long = dispatch::QUEUE_TIMEOUT.long,
        allow_negative_numbers = true,
        value_name = "SECONDS",
        default_value = "300"
    )]
    pub queue_timeout: String,

    /// Cancel the run when the wait gives up
    #[arg(id = dispatch::CANCEL_ON_TIMEOUT.id, long = dispatch::CANCEL_ON_TIMEOUT.long)]
    pub cancel_on_timeout: bool,
}

#[derive(Debug, Args)]
pub struct ResultArgs {
    /// The run: its ID, its URL (https://github.com/OWNER/NAME/actions/runs/ID; it must be
    /// on the web host of --api-url), or the correlation ID `dispatch --no-wait` printed
    #[arg(id = result::RUN, value_name = result::RUN_VALUE_NAME)]
    pub run: String,

    /// Wait for a run that is still going (or not found yet), then print its report
    #[arg(id = result::WAIT.id, long = result::WAIT.long)]
    pub wait: bool,

    /// With --wait: longest total wait, in seconds
    #[arg(
        id = result::TIMEOUT.id,
        long = result::TIMEOUT.long,
        allow_negative_numbers = true,
        value_name = "SECONDS",
        default_value = "600"
    )]
    pub timeout: String,

    #[command(flatten)]
    pub github: GithubArgs,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell the script is for
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Via {
    /// repository_dispatch, event type diagnose.request (needs Contents: write)
    Repository,
    /// workflow_dispatch of --workflow (needs Actions: write)
    Workflow,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ResultFormat {
    /// A terminal table
    Text,
    /// The report with the run's metadata
    Json,
    /// A Discord message payload (JSON)
    Discord,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A compact table (colored on a terminal)
    Text,
    /// The JSON report
    Json,
    /// The markdown summary
    Markdown,
}
