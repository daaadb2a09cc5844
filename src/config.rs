//! Turns the command line and the environment into a validated [`CheckConfig`].
//!
//! Every value is checked here, before anything runs: a bad value is a [`ConfigError`]
//! that names the input (flag or environment variable) and what was expected, and the
//! binary exits 2 without touching any report file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::ArgMatches;
use clap::parser::ValueSource;
use url::Url;
use uuid::Uuid;

use crate::cli::{
    CheckArgs, DispatchArgs, FailOn, Format, GithubArgs, ResultArgs, ResultFormat, Via,
};
use crate::policy::UrlPolicy;

/// A configuration error: which input, and what was wrong with it.
#[derive(Debug, thiserror::Error)]
#[error("{input}: {message}")]
pub struct ConfigError {
    pub input: String,
    pub message: String,
}

impl ConfigError {
    fn new(input: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError {
            input: input.into(),
            message: message.into(),
        }
    }
}

/// Where the AWS region came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionSource {
    Flag,
    Environment,
}

/// Everything `remote-hands check` needs, validated.
#[derive(Debug, Clone)]
pub struct CheckConfig {
    pub api_base: Option<Url>,
    pub frontend_url: Option<Url>,
    pub bucket: Option<String>,
    pub distribution_id: Option<String>,
    pub region: Option<(String, RegionSource)>,
    pub endpoint_url: Option<Url>,
    /// True when `--endpoint-url` was given on the command line (not from the environment).
    pub endpoint_from_flag: bool,
    pub expect_account: Option<String>,
    pub expect_arn: Option<String>,
    pub correlation_id: Uuid,
    pub requester: String,
    pub environment: Option<String>,
    pub url_policy: UrlPolicy,
    pub summary_path: Option<PathBuf>,
    pub json_path: PathBuf,
    pub timeout: Duration,
    pub slow: Duration,
    pub fail_on: FailOn,
    pub format: Format,
    /// Set when running inside GitHub Actions (`GITHUB_ACTIONS=true`).
    pub github: Option<GithubEnv>,
}

/// The GitHub Actions runner files this run writes to.
#[derive(Debug, Clone, Default)]
pub struct GithubEnv {
    pub output_path: Option<PathBuf>,
}

/// Longest environment name accepted.
const MAX_ENVIRONMENT: usize = 64;

/// Longest requester name accepted.
const MAX_REQUESTER: usize = 256;

/// Reads environment variables; a seam so tests need not touch the process environment.
pub trait Environment {
    fn var(&self, name: &str) -> Option<String>;
}

/// The process environment.
pub struct ProcessEnv;

impl Environment for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

impl CheckConfig {
    /// Validates `args`. `matches` are the `check` subcommand's matches, used to say whether
    /// a value came from a flag or from an environment variable.
    pub fn from_args(
        args: &CheckArgs,
        matches: &ArgMatches,
        env: &dyn Environment,
    ) -> Result<CheckConfig, ConfigError> {
        let name = |id: &str, flag: &str, var: &str| -> String {
            match matches.value_source(id) {
                Some(ValueSource::EnvVariable) => format!("{var} (environment)"),
                _ => flag.to_string(),
            }
        };

        let (api_base, api_base_input) = match non_empty(&args.api_base) {
            Some(v) => (Some(v), name("api_base", "--api-base", "API_BASE")),
            None => (
                non_empty(&env.var("VITE_API_BASE")),
                "VITE_API_BASE (environment)".to_string(),
            ),
        };
        let api_base = api_base
            .map(|v| parse_http_url(&api_base_input, &v))
            .transpose()?;
        let frontend_url = non_empty(&args.frontend_url)
            .map(|v| {
                parse_http_url(
                    &name("frontend_url", "--frontend-url", "FRONTEND_BASE_URL"),
                    &v,
                )
            })
            .transpose()?;
        let bucket = non_empty(&args.bucket)
            .map(|v| validate_bucket(&name("bucket", "--bucket", "S3_BUCKET"), v))
            .transpose()?;
        let distribution_id = non_empty(&args.distribution_id)
            .map(|v| {
                validate_distribution(
                    &name(
                        "distribution_id",
                        "--distribution-id",
                        "CLOUDFRONT_DISTRIBUTION_ID",
                    ),
                    v,
                )
            })
            .transpose()?;

        let region = match non_empty(&args.region) {
            Some(v) => {
                let source = match matches.value_source("region") {
                    Some(ValueSource::EnvVariable) => RegionSource::Environment,
                    _ => RegionSource::Flag,
                };
                Some((
                    validate_region(&name("region", "--region", "AWS_REGION"), v)?,
                    source,
                ))
            }
            None => non_empty(&env.var("AWS_DEFAULT_REGION"))
                .map(|v| {
                    validate_region("AWS_DEFAULT_REGION (environment)", v)
                        .map(|r| (r, RegionSource::Environment))
                })
                .transpose()?,
        };

        let endpoint_input = name("endpoint_url", "--endpoint-url", "AWS_ENDPOINT_URL");
        let endpoint_url = non_empty(&args.endpoint_url)
            .map(|v| parse_http_url(&endpoint_input, &v))
            .transpose()?;
        let endpoint_from_flag = endpoint_url.is_some()
            && matches.value_source("endpoint_url") == Some(ValueSource::CommandLine);

        let expect_account = non_empty(&args.expect_account)
            .map(|v| {
                if v.len() == 12 && v.bytes().all(|b| b.is_ascii_digit()) {
                    Ok(v)
                } else {
                    Err(ConfigError::new(
                        name("expect_account", "--expect-account", "EXPECT_AWS_ACCOUNT"),
                        format!("{v:?} is not a 12-digit AWS account ID"),
                    ))
                }
            })
            .transpose()?;
        let expect_arn = non_empty(&args.expect_arn);

        let correlation_id = match non_empty(&args.correlation_id) {
            Some(v) => parse_uuid(
                &name("correlation_id", "--correlation-id", "CORRELATION_ID"),
                &v,
            )?,
            None => Uuid::new_v4(),
        };

        let requester = match non_empty(&args.requester) {
            Some(v) => validate_requester(&name("requester", "--requester", "REQUESTER"), v)?,
            None => default_requester(env, &["GITHUB_ACTOR", "USER", "USERNAME"]),
        };

        let environment = non_empty(&args.environment)
            .map(|v| {
                let input = name("environment", "--environment", "DIAGNOSE_ENVIRONMENT");
                if v.chars().count() > MAX_ENVIRONMENT || v.chars().any(char::is_control) {
                    Err(ConfigError::new(
                        input,
                        format!(
                            "{v:?} is not a name of at most {MAX_ENVIRONMENT} printable characters"
                        ),
                    ))
                } else {
                    Ok(v)
                }
            })
            .transpose()?;

        let url_policy = UrlPolicy {
            allowed_hosts: match non_empty(&args.allowed_hosts) {
                Some(list) => UrlPolicy::parse_hosts(&list).map_err(|e| {
                    ConfigError::new(
                        name(
                            "allowed_hosts",
                            "--allowed-hosts",
                            "REMOTE_HANDS_ALLOWED_HOSTS",
                        ),
                        e,
                    )
                })?,
                None => Vec::new(),
            },
            allow_private: args.allow_private_addresses,
        };

        let timeout = parse_seconds("--timeout", &args.timeout)?;
        let slow = parse_millis("--slow-ms", &args.slow_ms)?;

        let json_path = args.json.clone();
        check_writable_file("--json", &json_path)?;
        let summary_path = match &args.summary {
            Some(p) if !p.as_os_str().is_empty() => {
                check_writable_file(&name("summary", "--summary", "GITHUB_STEP_SUMMARY"), p)?;
                Some(p.clone())
            }
            _ => None,
        };

        let github = if env.var("GITHUB_ACTIONS").as_deref() == Some("true") {
            let output_path = non_empty(&env.var("GITHUB_OUTPUT")).map(PathBuf::from);
            if let Some(p) = &output_path {
                check_writable_file("GITHUB_OUTPUT (environment)", p)?;
            }
            Some(GithubEnv { output_path })
        } else {
            None
        };

        let config = CheckConfig {
            api_base,
            frontend_url,
            bucket,
            distribution_id,
            region,
            endpoint_url,
            endpoint_from_flag,
            expect_account,
            expect_arn,
            correlation_id,
            requester,
            environment,
            url_policy,
            summary_path,
            json_path,
            timeout,
            slow,
            fail_on: args.fail_on,
            format: args.format,
            github,
        };
        if !config.anything_to_check() {
            return Err(ConfigError::new(
                "configuration",
                "nothing to check: give at least one of --api-base, --frontend-url, --bucket, --distribution-id (or API_BASE, FRONTEND_BASE_URL, S3_BUCKET, CLOUDFRONT_DISTRIBUTION_ID)",
            ));
        }
        Ok(config)
    }

    pub fn anything_to_check(&self) -> bool {
        self.api_base.is_some()
            || self.frontend_url.is_some()
            || self.bucket.is_some()
            || self.distribution_id.is_some()
    }

    /// True when an AWS resource is configured, so the AWS checks have something to do.
    pub fn uses_aws(&self) -> bool {
        self.bucket.is_some() || self.distribution_id.is_some()
    }

    /// The deadline of the whole run: every check's deadline plus a second of grace.
    pub fn run_deadline(&self) -> Duration {
        self.timeout + Duration::from_secs(1)
    }
}

fn non_empty(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// Parses an absolute http(s) URL with a host.
pub fn parse_http_url(input: &str, value: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(value).map_err(|e| {
        ConfigError::new(
            input,
            format!("{value:?} is not a valid URL ({e}); expected http(s)://host[/path]"),
        )
    })?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(ConfigError::new(
            input,
            format!(
                "{value:?} uses scheme {:?}; expected an http:// or https:// URL",
                url.scheme()
            ),
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(ConfigError::new(
            input,
            format!("{value:?} has no host; expected http(s)://host[/path]"),
        ));
    }
    Ok(url)
}

/// S3 bucket naming rules (the general-purpose bucket subset).
fn validate_bucket(input: &str, v: String) -> Result<String, ConfigError> {
    let ok_chars = v
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
    let ends_ok = v.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && v.bytes().last().is_some_and(|b| b.is_ascii_alphanumeric());
    if (3..=63).contains(&v.len()) && ok_chars && ends_ok && !v.contains("..") {
        Ok(v)
    } else {
        Err(ConfigError::new(
            input,
            format!(
                "{v:?} is not a valid S3 bucket name (3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit)"
            ),
        ))
    }
}

fn validate_distribution(input: &str, v: String) -> Result<String, ConfigError> {
    if (1..=64).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(v)
    } else {
        Err(ConfigError::new(
            input,
            format!(
                "{v:?} is not a CloudFront distribution ID (letters and digits, like E2ABCDEF123456)"
            ),
        ))
    }
}

fn validate_region(input: &str, v: String) -> Result<String, ConfigError> {
    if (1..=32).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        Ok(v)
    } else {
        Err(ConfigError::new(
            input,
            format!("{v:?} is not an AWS region (like us-east-1)"),
        ))
    }
}

/// Parses a UUID in its usual hyphenated form.
pub fn parse_uuid(input: &str, v: &str) -> Result<Uuid, ConfigError> {
    match Uuid::try_parse(v) {
        Ok(u) if v.len() == 36 => Ok(u),
        _ => Err(ConfigError::new(
            input,
            format!("{v:?} is not a UUID (expected the form 123e4567-e89b-42d3-a456-426614174000)"),
        )),
    }
}

fn parse_seconds(input: &str, v: &str) -> Result<Duration, ConfigError> {
    seconds_within(input, v, 3600.0)
}

/// A positive number of seconds, at most `max`.
fn seconds_within(input: &str, v: &str, max: f64) -> Result<Duration, ConfigError> {
    match v.trim().parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 && s <= max => Ok(Duration::from_secs_f64(s)),
        _ => Err(ConfigError::new(
            input,
            format!("{v:?} is not a number of seconds between 0 and {max}"),
        )),
    }
}

fn parse_millis(input: &str, v: &str) -> Result<Duration, ConfigError> {
    match v.trim().parse::<u64>() {
        Ok(ms) if ms > 0 && ms <= 3_600_000 => Ok(Duration::from_millis(ms)),
        _ => Err(ConfigError::new(
            input,
            format!("{v:?} is not a whole number of milliseconds between 1 and 3600000"),
        )),
    }
}

/// A report path must name a file (not a folder) in a folder that exists.
fn check_writable_file(input: &str, path: &Path) -> Result<(), ConfigError> {
    if path.is_dir() {
        return Err(ConfigError::new(
            input,
            format!("{} is a directory; expected a file path", path.display()),
        ));
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !parent.is_dir() {
        return Err(ConfigError::new(
            input,
            format!(
                "{}: folder {} does not exist",
                path.display(),
                parent.display()
            ),
        ));
    }
    if let Ok(meta) = path.metadata()
        && meta.permissions().readonly()
    {
        return Err(ConfigError::new(
            input,
            format!("{} is read-only", path.display()),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_http_with_a_host() {
        assert!(parse_http_url("--api-base", "https://api.example.com/prod").is_ok());
        let e = parse_http_url("--api-base", "ftp://x").unwrap_err();
        assert_eq!(e.input, "--api-base");
        assert!(e.message.contains("http"), "{e}");
        assert!(parse_http_url("--api-base", "not a url").is_err());
        assert!(parse_http_url("--api-base", "http://").is_err());
    }

    #[test]
    fn bucket_names_follow_s3_rules() {
        assert!(validate_bucket("b", "my-site.example".into()).is_ok());
        for bad in [
            "ab",
            "My-Bucket",
            "-bucket",
            "bucket-",
            "a..b",
            "bucket_name",
        ] {
            assert!(validate_bucket("b", bad.into()).is_err(), "{bad}");
        }
    }

    #[test]
    fn uuids_must_be_hyphenated() {
        assert!(parse_uuid("c", "123e4567-e89b-42d3-a456-426614174000").is_ok());
        assert!(parse_uuid("c", "123e4567e89b42d3a456426614174000").is_err());
        assert!(parse_uuid("c", "nope").is_err());
    }

    #[test]
    fn timeouts_are_positive_and_bounded() {
        assert_eq!(
            parse_seconds("t", "2.5").unwrap(),
            Duration::from_millis(2500)
        );
        for bad in ["0", "-1", "abc", "inf", "99999"] {
            assert!(parse_seconds("t", bad).is_err(), "{bad}");
        }
    }
}

// ---- dispatch and result ------------------------------------------------------------------

/// A GitHub token: never printed, never in a Debug output.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    pub fn expose(&self) -> &str {
        &self.0
    }

    #[cfg(test)]
    pub fn for_tests(s: &str) -> Token {
        Token(s.to_string())
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(***)")
    }
}

/// A Discord webhook URL: its path is a secret, so `Debug` shows only the host.
#[derive(Clone)]
pub struct Webhook(Url);

impl Webhook {
    pub fn url(&self) -> &Url {
        &self.0
    }
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Webhook({}/***)", self.0.origin().ascii_serialization())
    }
}

/// `owner/name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repo {
    pub owner: String,
    pub name: String,
}

impl std::fmt::Display for Repo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// What `dispatch` and `result` share, validated.
#[derive(Debug, Clone)]
pub struct GithubConfig {
    pub repo: Repo,
    pub token: Token,
    /// Ends with `/`.
    pub api_url: Url,
    /// Where the web pages of that GitHub are (run links).
    pub web: WebHost,
    pub workflow: String,
    pub artifact_name: String,
    pub format: ResultFormat,
    pub discord_webhook: Option<Webhook>,
    /// Multiplies every wait (tests and benchmarks): `REMOTE_HANDS_TIME_SCALE`.
    pub time_scale: f64,
}

/// Everything `remote-hands dispatch` needs, validated.
#[derive(Debug, Clone)]
pub struct DispatchConfig {
    pub github: GithubConfig,
    pub via: Via,
    pub git_ref: Option<String>,
    pub correlation_id: Uuid,
    pub requester: String,
    /// Passed to the run, in this order: channel_id, thread_id, frontend_url, api_base.
    pub extra: Vec<(&'static str, String)>,
    pub no_wait: bool,
    pub timeout: Duration,
    pub queue_timeout: Duration,
    pub cancel_on_timeout: bool,
}

/// Everything `remote-hands result` needs, validated.
#[derive(Debug, Clone)]
pub struct ResultConfig {
    pub github: GithubConfig,
    pub run_id: u64,
}

impl GithubConfig {
    /// `repo_hint` is the repository named by a run URL, used when --repo is absent.
    fn from_args(
        args: &GithubArgs,
        matches: &ArgMatches,
        env: &dyn Environment,
        repo_hint: Option<Repo>,
    ) -> Result<GithubConfig, ConfigError> {
        let repo_input = match matches.value_source("repo") {
            Some(ValueSource::EnvVariable) => "GITHUB_REPOSITORY (environment)",
            _ => "--repo",
        };
        let repo = match (non_empty(&args.repo), repo_hint) {
            (Some(r), hint) => {
                let repo = parse_repo(repo_input, &r)?;
                if let Some(hint) = hint.filter(|h| *h != repo) {
                    return Err(ConfigError::new(
                        "RUN_URL",
                        format!("the run URL is in {hint}, but {repo_input} says {repo}"),
                    ));
                }
                repo
            }
            (None, Some(hint)) => hint,
            (None, None) => {
                return Err(ConfigError::new(
                    "--repo",
                    "missing: name the repository as OWNER/NAME (or set GITHUB_REPOSITORY)",
                ));
            }
        };
        let token = non_empty(&env.var("GITHUB_TOKEN"))
            .or_else(|| non_empty(&env.var("GH_TOKEN")))
            .ok_or_else(|| {
                ConfigError::new(
                    "GITHUB_TOKEN (environment)",
                    "missing: set GITHUB_TOKEN or GH_TOKEN to a token that may use the repository's Actions",
                )
            })?;
        if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ConfigError::new(
                "GITHUB_TOKEN (environment)",
                "contains whitespace or control characters",
            ));
        }
        let api_input = match matches.value_source("api_url") {
            Some(ValueSource::EnvVariable) => "GITHUB_API_URL (environment)",
            _ => "--api-url",
        };
        let mut api_url = parse_http_url(api_input, &args.api_url)?;
        if api_url.scheme() == "http" && !is_loopback_host(&api_url) {
            return Err(ConfigError::new(
                api_input,
                format!(
                    "{api_url} is plain http: the token would travel unencrypted; use https (http is accepted for loopback only)"
                ),
            ));
        }
        if api_url.query().is_some() || api_url.fragment().is_some() {
            return Err(ConfigError::new(
                api_input,
                "must not have a query or fragment",
            ));
        }
        if !api_url.path().ends_with('/') {
            let path = format!("{}/", api_url.path());
            api_url.set_path(&path);
        }
        let workflow = args.workflow.trim().to_string();
        if workflow.is_empty()
            || !workflow
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        {
            return Err(ConfigError::new(
                "--workflow",
                format!("{workflow:?} is not a workflow file name like diagnose-dispatch.yml"),
            ));
        }
        let artifact_name = args.artifact_name.trim().to_string();
        if artifact_name.is_empty()
            || artifact_name.len() > 256
            || artifact_name.chars().any(|c| {
                c.is_control() || matches!(c, '"' | ':' | '<' | '>' | '|' | '*' | '?' | '\\' | '/')
            })
        {
            return Err(ConfigError::new(
                "--artifact-name",
                format!("{artifact_name:?} is not a valid artifact name"),
            ));
        }
        let discord_webhook = non_empty(&args.discord_webhook)
            .map(|v| {
                let input = match matches.value_source("discord_webhook") {
                    Some(ValueSource::EnvVariable) => "DISCORD_WEBHOOK_URL (environment)",
                    _ => "--discord-webhook",
                };
                let url = Url::parse(&v).map_err(|_| {
                    ConfigError::new(
                        input,
                        "is not a URL (the value is not shown: it holds a secret)",
                    )
                })?;
                let ok =
                    url.scheme() == "https" || (url.scheme() == "http" && is_loopback_host(&url));
                if !ok || url.host_str().is_none() {
                    return Err(ConfigError::new(
                        input,
                        "must be an https URL (the value is not shown: it holds a secret)",
                    ));
                }
                Ok(Webhook(url))
            })
            .transpose()?;
        let time_scale = match non_empty(&env.var("REMOTE_HANDS_TIME_SCALE")) {
            None => 1.0,
            Some(v) => parse_time_scale(&v)?,
        };
        let web = WebHost::of_api(&api_url);
        Ok(GithubConfig {
            repo,
            token: Token(token),
            web,
            api_url,
            workflow,
            artifact_name,
            format: args.format,
            discord_webhook,
            time_scale,
        })
    }
}

impl DispatchConfig {
    pub fn from_args(
        args: &DispatchArgs,
        matches: &ArgMatches,
        env: &dyn Environment,
    ) -> Result<DispatchConfig, ConfigError> {
        let github = GithubConfig::from_args(&args.github, matches, env, None)?;
        let correlation_id = match non_empty(&args.correlation_id) {
            Some(v) => parse_uuid("--correlation-id", &v)?,
            None => Uuid::new_v4(),
        };
        let requester = match non_empty(&args.requester) {
            Some(v) => validate_requester("--requester", v)?,
            None => default_requester(env, &["USER", "USERNAME"]),
        };
        let mut extra = Vec::new();
        for (key, flag, value) in [
            ("channel_id", "--channel-id", &args.channel_id),
            ("thread_id", "--thread-id", &args.thread_id),
        ] {
            if let Some(v) = non_empty(value) {
                if v.len() > 25 || !v.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(ConfigError::new(
                        flag,
                        format!("{v:?} is not a numeric Discord ID"),
                    ));
                }
                extra.push((key, v));
            }
        }
        for (key, flag, value) in [
            ("frontend_url", "--frontend-url", &args.frontend_url),
            ("api_base", "--api-base", &args.api_base),
        ] {
            if let Some(v) = non_empty(value) {
                extra.push((key, parse_http_url(flag, &v)?.to_string()));
            }
        }
        let git_ref = non_empty(&args.git_ref)
            .map(|r| {
                if r.len() > 255
                    || r.chars().any(|c| c.is_control() || c == ' ')
                    || r.contains("..")
                {
                    Err(ConfigError::new(
                        "--ref",
                        format!("{r:?} is not a branch or tag name"),
                    ))
                } else {
                    Ok(r)
                }
            })
            .transpose()?;
        Ok(DispatchConfig {
            github,
            via: args.via,
            git_ref,
            correlation_id,
            requester,
            extra,
            no_wait: args.no_wait,
            timeout: parse_wait("--timeout", &args.timeout)?,
            queue_timeout: parse_wait("--queue-timeout", &args.queue_timeout)?,
            cancel_on_timeout: args.cancel_on_timeout,
        })
    }
}

impl ResultConfig {
    pub fn from_args(
        args: &ResultArgs,
        matches: &ArgMatches,
        env: &dyn Environment,
    ) -> Result<ResultConfig, ConfigError> {
        let (run_id, run_url) = parse_run(&args.run)?;
        let repo_hint = run_url.as_ref().map(|(_, repo)| repo.clone());
        let github = GithubConfig::from_args(&args.github, matches, env, repo_hint)?;
        if let Some((url, _)) = &run_url
            && !github.web.serves(url)
        {
            let api_input = match matches.value_source("api_url") {
                Some(ValueSource::EnvVariable) => "GITHUB_API_URL (environment)",
                _ => "--api-url",
            };
            return Err(ConfigError::new(
                "RUN_URL",
                format!(
                    "the run URL is on {}, but the runs of {api_input} {} are on {}; give the run ID, or the API URL of that GitHub",
                    host_port(url),
                    github.api_url,
                    github.web
                ),
            ));
        }
        Ok(ResultConfig { github, run_id })
    }
}

/// `REMOTE_HANDS_TIME_SCALE`: a number from [`crate::clock::MIN_SCALE`] to 1.
fn parse_time_scale(v: &str) -> Result<f64, ConfigError> {
    use crate::clock::{MAX_SCALE, MIN_SCALE};
    match v.trim().parse::<f64>() {
        Ok(s) if (MIN_SCALE..=MAX_SCALE).contains(&s) => Ok(s),
        _ => Err(ConfigError::new(
            "REMOTE_HANDS_TIME_SCALE (environment)",
            format!("{v:?} is not a number from {MIN_SCALE} to {MAX_SCALE}"),
        )),
    }
}

/// The host (and port, when it is not the scheme's default) of the web pages of a GitHub:
/// `api.github.com` → `github.com`; GitHub Enterprise Cloud with data residency
/// (`api.SUBDOMAIN.ghe.com`) → `SUBDOMAIN.ghe.com`; otherwise (GitHub Enterprise Server,
/// `https://HOST/api/v3`, and loopback fakes) the API's own host and port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebHost {
    host: String,
    port: Option<u16>,
}

impl WebHost {
    pub fn of_api(api: &Url) -> WebHost {
        let host = api.host_str().unwrap_or_default().to_ascii_lowercase();
        let host = match host.as_str() {
            "api.github.com" => "github.com".to_string(),
            h if h.ends_with(".ghe.com") && h.starts_with("api.") => h["api.".len()..].to_string(),
            _ => host,
        };
        WebHost {
            host,
            port: api.port_or_known_default(),
        }
    }

    /// Whether `url` is on this host (and port).
    pub fn serves(&self, url: &Url) -> bool {
        url.host_str()
            .is_some_and(|h| h.eq_ignore_ascii_case(&self.host))
            && url.port_or_known_default() == self.port
    }
}

impl std::fmt::Display for WebHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.port {
            Some(443) | None => f.write_str(&self.host),
            Some(p) => write!(f, "{}:{p}", self.host),
        }
    }
}

/// `HOST` or `HOST:PORT` of a URL, as messages show it.
fn host_port(url: &Url) -> String {
    let host = crate::text::cap(&crate::text::one_line(url.host_str().unwrap_or("")), 100);
    match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host,
    }
}

/// `123`, or `https://HOST/OWNER/NAME/actions/runs/123[/attempts/N][/…]` (with the URL and
/// the repository it names).
fn parse_run(v: &str) -> Result<(u64, Option<(Url, Repo)>), ConfigError> {
    let v = v.trim();
    if let Ok(id) = v.parse::<u64>() {
        return Ok((id, None));
    }
    let bad = || {
        ConfigError::new(
            "RUN_ID|RUN_URL",
            format!(
                "{v:?} is neither a run ID nor a run URL like https://github.com/OWNER/NAME/actions/runs/123"
            ),
        )
    };
    let url = Url::parse(v).map_err(|_| bad())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad());
    }
    let parts: Vec<&str> = url.path_segments().ok_or_else(bad)?.collect();
    match parts.as_slice() {
        [owner, name, "actions", "runs", id, ..] => {
            let id = id.parse::<u64>().map_err(|_| bad())?;
            let repo = parse_repo("RUN_URL", &format!("{owner}/{name}"))?;
            Ok((id, Some((url.clone(), repo))))
        }
        _ => Err(bad()),
    }
}

fn parse_repo(input: &str, v: &str) -> Result<Repo, ConfigError> {
    let bad = || ConfigError::new(input, format!("{v:?} is not OWNER/NAME"));
    let (owner, name) = v.trim().split_once('/').ok_or_else(bad)?;
    let owner_ok = !owner.is_empty()
        && owner.len() <= 39
        && owner.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    let name_ok = !name.is_empty()
        && name.len() <= 100
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if owner_ok && name_ok {
        Ok(Repo {
            owner: owner.to_string(),
            name: name.to_string(),
        })
    } else {
        Err(bad())
    }
}

fn validate_requester(input: &str, v: String) -> Result<String, ConfigError> {
    if v.chars().count() > MAX_REQUESTER {
        return Err(ConfigError::new(
            input,
            format!("longer than {MAX_REQUESTER} characters"),
        ));
    }
    if v.chars().any(char::is_control) {
        return Err(ConfigError::new(
            input,
            "contains control characters (newline, tab, escape…)",
        ));
    }
    Ok(v)
}

/// The first of `vars` that is set and acceptable as a requester, else "unknown".
fn default_requester(env: &dyn Environment, vars: &[&str]) -> String {
    vars.iter()
        .filter_map(|var| non_empty(&env.var(var)))
        .find_map(|v| validate_requester("", v).ok())
        .unwrap_or_else(|| "unknown".to_string())
}

fn parse_wait(input: &str, v: &str) -> Result<Duration, ConfigError> {
    seconds_within(input, v, 21_600.0)
}

fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(a)) => a.is_loopback(),
        Some(url::Host::Ipv6(a)) => a.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod secret_tests {
    use super::*;

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let hook = Webhook(Url::parse("https://discord.com/api/webhooks/1/s3cr3t").unwrap());
        let shown = format!("{hook:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(shown.contains("discord.com"), "{shown}");
        assert_eq!(format!("{:?}", Token::for_tests("ghp_x")), "Token(***)");
    }
}

#[cfg(test)]
mod dispatch_tests {
    use super::*;

    #[test]
    fn the_time_scale_has_a_floor() {
        assert_eq!(parse_time_scale("0.001").unwrap(), 0.001);
        assert_eq!(parse_time_scale("1").unwrap(), 1.0);
        for bad in ["0.0009", "0", "-1", "1.5", "NaN", "inf", "1e-300", "x"] {
            let e = parse_time_scale(bad).unwrap_err();
            assert!(
                e.message.contains("from 0.001 to 1"),
                "{bad}: {}",
                e.message
            );
        }
    }

    #[test]
    fn the_web_host_follows_the_api_url() {
        let web = |api: &str| WebHost::of_api(&Url::parse(api).unwrap());
        let url = |u: &str| Url::parse(u).unwrap();
        let dotcom = web("https://api.github.com/");
        assert_eq!(dotcom.to_string(), "github.com");
        assert!(dotcom.serves(&url("https://github.com/a/b/actions/runs/1")));
        assert!(dotcom.serves(&url("https://GitHub.com/a/b/actions/runs/1")));
        assert!(!dotcom.serves(&url("https://api.github.com/a/b/actions/runs/1")));
        assert!(!dotcom.serves(&url("https://github.com.evil.example/a/b/actions/runs/1")));
        assert!(!dotcom.serves(&url("https://github.com:8443/a/b/actions/runs/1")));
        assert!(!dotcom.serves(&url("http://github.com/a/b/actions/runs/1")));

        let ghes = web("https://ghe.example.com/api/v3/");
        assert_eq!(ghes.to_string(), "ghe.example.com");
        assert!(ghes.serves(&url("https://ghe.example.com/a/b/actions/runs/1")));
        assert!(!ghes.serves(&url("https://github.com/a/b/actions/runs/1")));

        let residency = web("https://api.acme.ghe.com/");
        assert!(residency.serves(&url("https://acme.ghe.com/a/b/actions/runs/1")));

        let fake = web("http://127.0.0.1:4567/");
        assert_eq!(fake.to_string(), "127.0.0.1:4567");
        assert!(fake.serves(&url("http://127.0.0.1:4567/a/b/actions/runs/1")));
        assert!(!fake.serves(&url("http://127.0.0.1:4568/a/b/actions/runs/1")));
    }
}
