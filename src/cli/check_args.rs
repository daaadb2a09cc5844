//! The clap arguments of `check`: what to check, how to reach AWS, the configuration
//! file, limits and thresholds, and where the results go.

use std::path::PathBuf;

use clap::Args;

use super::inputs::check;
use super::{FailOn, Format};

#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// Configuration file: environments (targets, AWS profile, expectations) and custom
    /// checks; its values count only where no flag or variable gives one [default:
    /// ./remote-hands.toml when present]
    #[arg(
        id = check::CONFIG.id,
        long = check::CONFIG.long,
        env = check::CONFIG.env,
        value_name = "PATH"
    )]
    pub config: Option<PathBuf>,

    /// Environment of the configuration file to check (its [env.NAME] table) [default: the
    /// file's default_env]
    #[arg(
        id = check::ENV.id,
        long = check::ENV.long,
        env = check::ENV.env,
        value_name = "NAME"
    )]
    pub env: Option<String>,

    /// Base URL of the HTTP API; the --api-path checks (`/health` and `/hello`) run below it
    /// [env: API_BASE, then VITE_API_BASE]
    #[arg(
        id = check::API_BASE.id,
        long = check::API_BASE.long,
        env = check::API_BASE.env,
        value_name = "URL",
        hide_env = true
    )]
    pub api_base: Option<String>,

    /// Path of an API check under --api-base, each its own check (`/health` is `api_health`);
    /// repeat the flag for several [env: API_PATHS, comma-separated] [default: /health,/hello]
    #[arg(
        id = check::API_PATHS.id,
        long = check::API_PATHS.long,
        env = check::API_PATHS.env,
        value_name = "PATH",
        hide_env = true,
        value_delimiter = ','
    )]
    pub api_paths: Vec<String>,

    /// URL of the static site (the CloudFront front door)
    #[arg(
        id = check::FRONTEND_URL.id,
        long = check::FRONTEND_URL.long,
        env = check::FRONTEND_URL.env,
        value_name = "URL"
    )]
    pub frontend_url: Option<String>,

    /// S3 bucket that holds the site
    #[arg(
        id = check::BUCKET.id,
        long = check::BUCKET.long,
        env = check::BUCKET.env,
        value_name = "NAME"
    )]
    pub bucket: Option<String>,

    /// The site's entry object in the bucket, checked with HeadObject
    #[arg(
        id = check::INDEX_KEY.id,
        long = check::INDEX_KEY.long,
        env = check::INDEX_KEY.env,
        value_name = "KEY",
        default_value = "index.html"
    )]
    pub index_key: String,

    /// CloudFront distribution serving the site
    #[arg(
        id = check::DISTRIBUTION_ID.id,
        long = check::DISTRIBUTION_ID.long,
        env = check::DISTRIBUTION_ID.env,
        value_name = "ID"
    )]
    pub distribution_id: Option<String>,

    /// AWS region [env: AWS_REGION, then AWS_DEFAULT_REGION; then the profile's region; then
    /// us-east-1]
    #[arg(
        id = check::REGION.id,
        long = check::REGION.long,
        env = check::REGION.env,
        value_name = "REGION",
        hide_env = true
    )]
    pub region: Option<String>,

    /// Profile of the shared AWS config/credentials files (~/.aws/config, ~/.aws/credentials)
    /// that gives the credentials and the region; named by the flag, it also wins over keys in
    /// the environment [env: AWS_PROFILE]
    #[arg(
        id = check::PROFILE.id,
        long = check::PROFILE.long,
        env = check::PROFILE.env,
        value_name = "NAME",
        hide_env = true
    )]
    pub profile: Option<String>,

    /// Endpoint override for every AWS service (moto, LocalStack)
    #[arg(
        id = check::ENDPOINT_URL.id,
        long = check::ENDPOINT_URL.long,
        env = check::ENDPOINT_URL.env,
        value_name = "URL"
    )]
    pub endpoint_url: Option<String>,

    /// Fail `oidc` unless the credentials belong to this 12-digit account
    #[arg(
        id = check::EXPECT_ACCOUNT.id,
        long = check::EXPECT_ACCOUNT.long,
        env = check::EXPECT_ACCOUNT.env,
        value_name = "ACCOUNT"
    )]
    pub expect_account: Option<String>,

    /// Fail `oidc` unless the caller ARN matches this pattern (`*` matches any run of characters)
    #[arg(
        id = check::EXPECT_ARN.id,
        long = check::EXPECT_ARN.long,
        env = check::EXPECT_ARN.env,
        value_name = "PATTERN"
    )]
    pub expect_arn: Option<String>,

    /// Correlation ID of this run (a UUID); a UUID v4 is generated when absent
    #[arg(
        id = check::CORRELATION_ID.id,
        long = check::CORRELATION_ID.long,
        env = check::CORRELATION_ID.env,
        value_name = "UUID"
    )]
    pub correlation_id: Option<String>,

    /// Who asked for this run [default: $GITHUB_ACTOR, then $USER]
    #[arg(
        id = check::REQUESTER.id,
        long = check::REQUESTER.long,
        env = check::REQUESTER.env,
        value_name = "NAME"
    )]
    pub requester: Option<String>,

    /// Name of the environment checked (production, staging…), shown in every report
    #[arg(
        id = check::ENVIRONMENT.id,
        long = check::ENVIRONMENT.long,
        env = check::ENVIRONMENT.env,
        value_name = "NAME"
    )]
    pub environment: Option<String>,

    /// Only contact these hosts in the HTTP checks (comma- or space-separated names, IPs or
    /// `*.domain`, each with an optional `:port`; `[IPv6]:port`), never internal addresses
    /// and never a cloud metadata endpoint; for URLs that came from untrusted hands. Given,
    /// it must name at least one host (an empty environment variable counts as unset)
    #[arg(
        id = check::ALLOWED_HOSTS.id,
        long = check::ALLOWED_HOSTS.long,
        env = check::ALLOWED_HOSTS.env,
        value_name = "HOSTS"
    )]
    pub allowed_hosts: Option<String>,

    /// With --allowed-hosts: also allow loopback, private and link-local addresses (never a
    /// cloud metadata endpoint) [env: REMOTE_HANDS_ALLOW_PRIVATE_ADDRESSES=true|false]
    #[arg(id = check::ALLOW_PRIVATE_ADDRESSES.id, long = check::ALLOW_PRIVATE_ADDRESSES.long)]
    pub allow_private_addresses: bool,

    /// The targets came from untrusted hands: refuse to run (exit 2) unless --allowed-hosts
    /// names at least one host [env: REMOTE_HANDS_REQUIRE_ALLOWED_HOSTS=true|false]
    #[arg(id = check::REQUIRE_ALLOWED_HOSTS.id, long = check::REQUIRE_ALLOWED_HOSTS.long)]
    pub require_allowed_hosts: bool,

    /// Markdown summary file, appended to (as GitHub's step summary expects)
    #[arg(
        id = check::SUMMARY.id,
        long = check::SUMMARY.long,
        env = check::SUMMARY.env,
        value_name = "PATH"
    )]
    pub summary: Option<PathBuf>,

    /// Where the JSON report is written; `-` for standard output (then nothing else goes
    /// there) [default: diagnose-summary.json; none with --format json outside GitHub Actions]
    #[arg(id = check::JSON.id, long = check::JSON.long, value_name = "PATH")]
    pub json: Option<PathBuf>,

    /// Deadline of each check, in seconds; the whole run gets one second more
    #[arg(
        id = check::TIMEOUT.id,
        long = check::TIMEOUT.long,
        allow_negative_numbers = true,
        value_name = "SECONDS",
        default_value = "10"
    )]
    pub timeout: String,

    /// An HTTP check slower than this (milliseconds) warns instead of passing
    #[arg(
        id = check::SLOW_MS.id,
        long = check::SLOW_MS.long,
        allow_negative_numbers = true,
        value_name = "MS",
        default_value = "2000"
    )]
    pub slow_ms: String,

    /// How many checks run at once (1 to 1000); the others wait for a free slot
    #[arg(
        id = check::MAX_IN_FLIGHT.id,
        long = check::MAX_IN_FLIGHT.long,
        env = check::MAX_IN_FLIGHT.env,
        allow_negative_numbers = true,
        value_name = "N",
        default_value = "32"
    )]
    pub max_in_flight: String,

    /// An https certificate expiring within this many days warns (0 to 365)
    #[arg(
        id = check::TLS_WARN_DAYS.id,
        long = check::TLS_WARN_DAYS.long,
        env = check::TLS_WARN_DAYS.env,
        allow_negative_numbers = true,
        value_name = "DAYS",
        default_value = "14"
    )]
    pub tls_warn_days: String,

    /// CA certificates (PEM) trusted for https checks besides the system's: a private CA
    #[arg(
        id = check::CA_CERT.id,
        long = check::CA_CERT.long,
        env = check::CA_CERT.env,
        value_name = "PATH"
    )]
    pub ca_cert: Option<PathBuf>,

    /// Which outcomes make the run fail (exit 1, conclusion `failure`)
    #[arg(
        id = check::FAIL_ON.id,
        long = check::FAIL_ON.long,
        value_enum,
        value_name = "LEVEL",
        default_value_t = FailOn::Fail
    )]
    pub fail_on: FailOn,

    /// What goes to standard output
    #[arg(
        id = check::FORMAT.id,
        long = check::FORMAT.long,
        value_enum,
        value_name = "FORMAT",
        default_value_t = Format::Text
    )]
    pub format: Format,

    /// A previous run's report (diagnose-summary.json, the original workflow's included):
    /// every output gets a "Changes since" section — outcome changes, latency regressions,
    /// CloudFront and identity drift, new and vanished checks
    #[arg(
        id = check::BASELINE.id,
        long = check::BASELINE.long,
        env = check::BASELINE.env,
        value_name = "PATH"
    )]
    pub baseline: Option<PathBuf>,

    /// With --baseline: a check is a latency regression when slower by more than this
    /// percentage…
    #[arg(
        id = check::REGRESSION_PCT.id,
        long = check::REGRESSION_PCT.long,
        env = check::REGRESSION_PCT.env,
        allow_negative_numbers = true,
        value_name = "PERCENT",
        default_value = "50"
    )]
    pub regression_pct: String,

    /// …and by at least this many milliseconds
    #[arg(
        id = check::REGRESSION_MS.id,
        long = check::REGRESSION_MS.long,
        env = check::REGRESSION_MS.env,
        allow_negative_numbers = true,
        value_name = "MS",
        default_value = "100"
    )]
    pub regression_ms: String,
}
