//! The command-line surface, as clap derive types only: names, environment variables,
//! help texts. Turning these raw values into a checked configuration is `config`'s job.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXIT_CODES: &str = "\
Exit codes:
  0  every check passed (or warned, or was skipped)
  1  at least one check failed (with --fail-on warn: failed or warned)
  2  usage or configuration error: nothing was checked and no report was written;
     or, after the checks ran, an output (the step summary, $GITHUB_OUTPUT) could not be
     written: the JSON report, written first, is then complete";

const DISPATCH_EXIT_CODES: &str = "\
Exit codes:
  0  the diagnosis ran and succeeded (its report and the run's conclusion agree)
  1  the diagnosis ran and failed (the report says why), or the run's conclusion
     contradicts its report (the output says so)
  2  usage, authentication or GitHub API error; a run that is not a diagnosis run (and,
     for result, a report that is not the run's own); a dispatch that may or may not
     have been accepted and whose run did not appear
  3  the run did not complete in time, or ended without a report of its own

The token comes from GITHUB_TOKEN, then GH_TOKEN; it is never printed. repository_dispatch
needs a token with Contents: write (fine-grained) or repo scope; workflow_dispatch needs
Actions: write; reading the result needs Actions: read.";

#[derive(Debug, Parser)]
#[command(
    name = "remote-hands",
    version,
    about = "Tells you in seconds whether an AWS deployment (S3 + CloudFront site, HTTP API) is healthy.",
    after_help = EXIT_CODES,
    propagate_version = true
)]
pub struct Cli {
    /// Say more on standard error (where the GitHub token came from)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the diagnosis: AWS identity, S3, CloudFront and HTTP checks, concurrently.
    #[command(after_help = EXIT_CODES)]
    Check(CheckArgs),
    /// Start the diagnosis workflow in a repository, wait for it, and print its report.
    #[command(after_help = DISPATCH_EXIT_CODES)]
    Dispatch(DispatchArgs),
    /// Print the report of an existing diagnosis run.
    #[command(after_help = DISPATCH_EXIT_CODES)]
    Result(ResultArgs),
}

/// Where the runs are, and how results are shown (shared by `dispatch` and `result`).
#[derive(Debug, Args)]
pub struct GithubArgs {
    /// Repository that holds the diagnosis workflow
    #[arg(long, value_name = "OWNER/NAME", env = "GITHUB_REPOSITORY")]
    pub repo: Option<String>,

    /// GitHub REST API base URL (GitHub Enterprise Server: https://HOST/api/v3)
    #[arg(
        long,
        value_name = "URL",
        env = "GITHUB_API_URL",
        default_value = "https://api.github.com"
    )]
    pub api_url: String,

    /// Workflow file of the diagnosis (used to find runs, and by --via workflow)
    #[arg(long, value_name = "FILE", default_value = "diagnose-dispatch.yml")]
    pub workflow: String,

    /// Name of the artifact that holds diagnose-summary.json
    #[arg(long, value_name = "NAME", default_value = "diagnose-summary")]
    pub artifact_name: String,

    /// How the result is printed
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = ResultFormat::Text)]
    pub format: ResultFormat,

    /// Also post the Discord message to this webhook URL
    #[arg(
        long,
        value_name = "URL",
        env = "DISCORD_WEBHOOK_URL",
        hide_env_values = true
    )]
    pub discord_webhook: Option<String>,
}

#[derive(Debug, Args)]
pub struct DispatchArgs {
    #[command(flatten)]
    pub github: GithubArgs,

    /// How the run is started: repository_dispatch (event diagnose.request) or workflow_dispatch
    #[arg(long, value_enum, value_name = "HOW", default_value_t = Via::Repository)]
    pub via: Via,

    /// Branch or tag the workflow runs on (--via workflow) [default: the default branch]
    #[arg(long = "ref", value_name = "REF")]
    pub git_ref: Option<String>,

    /// Correlation ID (a UUID); a UUID v4 is generated when absent
    #[arg(long, value_name = "UUID")]
    pub correlation_id: Option<String>,

    /// Who asks (shown in the run name and the report) [default: $USER]
    #[arg(long, value_name = "NAME")]
    pub requester: Option<String>,

    /// Discord channel ID, passed to the run
    #[arg(long, value_name = "ID")]
    pub channel_id: Option<String>,

    /// Discord thread ID, passed to the run
    #[arg(long, value_name = "ID")]
    pub thread_id: Option<String>,

    /// Frontend URL override for this run (the workflow checks it against its allowlist)
    #[arg(long, value_name = "URL")]
    pub frontend_url: Option<String>,

    /// API base override for this run (the workflow checks it against its allowlist)
    #[arg(long, value_name = "URL")]
    pub api_base: Option<String>,

    /// Start the run, print the correlation ID (and the run, when known), and exit 0
    #[arg(long)]
    pub no_wait: bool,

    /// Longest total wait, in seconds
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "SECONDS",
        default_value = "600"
    )]
    pub timeout: String,

    /// Longest time the run may take to start (not found yet, or queued), in seconds
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "SECONDS",
        default_value = "300"
    )]
    pub queue_timeout: String,

    /// Cancel the run when the wait gives up
    #[arg(long)]
    pub cancel_on_timeout: bool,
}

#[derive(Debug, Args)]
pub struct ResultArgs {
    /// The run: its ID, its URL (https://github.com/OWNER/NAME/actions/runs/ID; it must be
    /// on the web host of --api-url), or the correlation ID `dispatch --no-wait` printed
    #[arg(value_name = "RUN_ID|RUN_URL|CORRELATION_ID")]
    pub run: String,

    /// Wait for a run that is still going (or not found yet), then print its report
    #[arg(long)]
    pub wait: bool,

    /// With --wait: longest total wait, in seconds
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "SECONDS",
        default_value = "600"
    )]
    pub timeout: String,

    #[command(flatten)]
    pub github: GithubArgs,
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

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Base URL of the HTTP API; the --api-path checks (`/health` and `/hello`) run below it
    /// [env: API_BASE, then VITE_API_BASE]
    #[arg(long, value_name = "URL", env = "API_BASE", hide_env = true)]
    pub api_base: Option<String>,

    /// Path of an API check under --api-base, each its own check (`/health` is `api_health`);
    /// repeat the flag for several [env: API_PATHS, comma-separated] [default: /health,/hello]
    #[arg(
        long = "api-path",
        value_name = "PATH",
        env = "API_PATHS",
        hide_env = true,
        value_delimiter = ','
    )]
    pub api_paths: Vec<String>,

    /// URL of the static site (the CloudFront front door)
    #[arg(long, value_name = "URL", env = "FRONTEND_BASE_URL")]
    pub frontend_url: Option<String>,

    /// S3 bucket that holds the site
    #[arg(long, value_name = "NAME", env = "S3_BUCKET")]
    pub bucket: Option<String>,

    /// The site's entry object in the bucket, checked with HeadObject
    #[arg(
        long,
        value_name = "KEY",
        env = "S3_INDEX_KEY",
        default_value = "index.html"
    )]
    pub index_key: String,

    /// CloudFront distribution serving the site
    #[arg(long, value_name = "ID", env = "CLOUDFRONT_DISTRIBUTION_ID")]
    pub distribution_id: Option<String>,

    /// AWS region [env: AWS_REGION, then AWS_DEFAULT_REGION; then the profile's region; then
    /// us-east-1]
    #[arg(long, value_name = "REGION", env = "AWS_REGION", hide_env = true)]
    pub region: Option<String>,

    /// Profile of the shared AWS config/credentials files (~/.aws/config, ~/.aws/credentials)
    /// that gives the credentials and the region; named by the flag, it also wins over keys in
    /// the environment [env: AWS_PROFILE]
    #[arg(long, value_name = "NAME", env = "AWS_PROFILE", hide_env = true)]
    pub profile: Option<String>,

    /// Endpoint override for every AWS service (moto, LocalStack)
    #[arg(long, value_name = "URL", env = "AWS_ENDPOINT_URL")]
    pub endpoint_url: Option<String>,

    /// Fail `oidc` unless the credentials belong to this 12-digit account
    #[arg(long, value_name = "ACCOUNT", env = "EXPECT_AWS_ACCOUNT")]
    pub expect_account: Option<String>,

    /// Fail `oidc` unless the caller ARN matches this pattern (`*` matches any run of characters)
    #[arg(long, value_name = "PATTERN", env = "EXPECT_AWS_ARN")]
    pub expect_arn: Option<String>,

    /// Correlation ID of this run (a UUID); a UUID v4 is generated when absent
    #[arg(long, value_name = "UUID", env = "CORRELATION_ID")]
    pub correlation_id: Option<String>,

    /// Who asked for this run [default: $GITHUB_ACTOR, then $USER]
    #[arg(long, value_name = "NAME", env = "REQUESTER")]
    pub requester: Option<String>,

    /// Name of the environment checked (production, staging…), shown in every report
    #[arg(long, value_name = "NAME", env = "DIAGNOSE_ENVIRONMENT")]
    pub environment: Option<String>,

    /// Only contact these hosts in the HTTP checks (comma- or space-separated names, IPs or
    /// `*.domain`, each with an optional `:port`; `[IPv6]:port`), never internal addresses
    /// and never a cloud metadata endpoint; for URLs that came from untrusted hands. Given,
    /// it must name at least one host (an empty environment variable counts as unset)
    #[arg(long, value_name = "HOSTS", env = "REMOTE_HANDS_ALLOWED_HOSTS")]
    pub allowed_hosts: Option<String>,

    /// With --allowed-hosts: also allow loopback, private and link-local addresses (never a
    /// cloud metadata endpoint) [env: REMOTE_HANDS_ALLOW_PRIVATE_ADDRESSES=true|false]
    #[arg(long)]
    pub allow_private_addresses: bool,

    /// The targets came from untrusted hands: refuse to run (exit 2) unless --allowed-hosts
    /// names at least one host [env: REMOTE_HANDS_REQUIRE_ALLOWED_HOSTS=true|false]
    #[arg(long)]
    pub require_allowed_hosts: bool,

    /// Markdown summary file, appended to (as GitHub's step summary expects)
    #[arg(long, value_name = "PATH", env = "GITHUB_STEP_SUMMARY")]
    pub summary: Option<PathBuf>,

    /// Where the JSON report is written; `-` for standard output (then nothing else goes
    /// there) [default: diagnose-summary.json; none with --format json outside GitHub Actions]
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,

    /// Deadline of each check, in seconds; the whole run gets one second more
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "SECONDS",
        default_value = "10"
    )]
    pub timeout: String,

    /// An HTTP check slower than this (milliseconds) warns instead of passing
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "MS",
        default_value = "2000"
    )]
    pub slow_ms: String,

    /// Which outcomes make the run fail (exit 1, conclusion `failure`)
    #[arg(long, value_enum, value_name = "LEVEL", default_value_t = FailOn::Fail)]
    pub fail_on: FailOn,

    /// What goes to standard output
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = Format::Text)]
    pub format: Format,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Exit 1 when a check failed
    Fail,
    /// Exit 1 when a check failed or warned
    Warn,
    /// Always exit 0 once the checks ran (the report still tells)
    Never,
}

impl FailOn {
    pub fn as_str(self) -> &'static str {
        match self {
            FailOn::Fail => "fail",
            FailOn::Warn => "warn",
            FailOn::Never => "never",
        }
    }
}
