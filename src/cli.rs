//! The command-line surface, as clap derive types only: names, environment variables,
//! help texts. Turning these raw values into a checked configuration is `config`'s job.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXIT_CODES: &str = "\
Exit codes:
  0  every check passed (or warned, or was skipped)
  1  at least one check failed (with --fail-on warn: failed or warned)
  2  usage or configuration error: nothing was checked and no report was written";

#[derive(Debug, Parser)]
#[command(
    name = "remote-hands",
    version,
    about = "Tells you in seconds whether an AWS deployment (S3 + CloudFront site, HTTP API) is healthy.",
    after_help = EXIT_CODES,
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the diagnosis: AWS identity, S3, CloudFront and HTTP checks, concurrently.
    #[command(after_help = EXIT_CODES)]
    Check(CheckArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Base URL of the HTTP API; `/health` and `/hello` are checked below it
    /// [env: API_BASE, then VITE_API_BASE]
    #[arg(long, value_name = "URL", env = "API_BASE", hide_env = true)]
    pub api_base: Option<String>,

    /// URL of the static site (the CloudFront front door)
    #[arg(long, value_name = "URL", env = "FRONTEND_BASE_URL")]
    pub frontend_url: Option<String>,

    /// S3 bucket that holds the site
    #[arg(long, value_name = "NAME", env = "S3_BUCKET")]
    pub bucket: Option<String>,

    /// CloudFront distribution serving the site
    #[arg(long, value_name = "ID", env = "CLOUDFRONT_DISTRIBUTION_ID")]
    pub distribution_id: Option<String>,

    /// AWS region [env: AWS_REGION, then AWS_DEFAULT_REGION; then the profile; then us-east-1]
    #[arg(long, value_name = "REGION", env = "AWS_REGION", hide_env = true)]
    pub region: Option<String>,

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

    /// Only contact these hosts in the HTTP checks (comma-separated names, IPs or `*.domain`),
    /// and never internal addresses; for URLs that came from untrusted hands
    #[arg(long, value_name = "HOSTS", env = "REMOTE_HANDS_ALLOWED_HOSTS")]
    pub allowed_hosts: Option<String>,

    /// With --allowed-hosts: also allow loopback, private and link-local addresses
    #[arg(long, env = "REMOTE_HANDS_ALLOW_PRIVATE_ADDRESSES")]
    pub allow_private_addresses: bool,

    /// Markdown summary file, appended to (as GitHub's step summary expects)
    #[arg(long, value_name = "PATH", env = "GITHUB_STEP_SUMMARY")]
    pub summary: Option<PathBuf>,

    /// Where the JSON report is written
    #[arg(long, value_name = "PATH", default_value = "diagnose-summary.json")]
    pub json: PathBuf,

    /// Deadline of each check, in seconds; the whole run gets one second more
    #[arg(long, value_name = "SECONDS", default_value = "10")]
    pub timeout: String,

    /// An HTTP check slower than this (milliseconds) warns instead of passing
    #[arg(long, value_name = "MS", default_value = "2000")]
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
