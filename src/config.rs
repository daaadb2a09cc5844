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
use crate::model::CheckId;
use crate::policy::UrlPolicy;
use crate::report::Labels;

/// A configuration error: which input, and what was wrong with it.
#[derive(Debug, thiserror::Error)]
#[error("{input}: {message}")]
pub struct ConfigError {
    pub input: String,
    pub message: String,
}

impl ConfigError {
    pub fn new(input: impl Into<String>, message: impl Into<String>) -> Self {
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

/// The shared-config profile chosen for the run (`--profile` or `AWS_PROFILE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileChoice {
    pub name: String,
    /// True when `--profile` named it: it then wins over keys in the environment, as
    /// with the AWS CLI.
    pub from_flag: bool,
}

impl ProfileChoice {
    /// The input that named the profile, as error messages call it.
    pub fn input(&self) -> &'static str {
        if self.from_flag {
            "--profile"
        } else {
            "AWS_PROFILE (environment)"
        }
    }
}

/// Everything `remote-hands check` needs, validated.
#[derive(Debug, Clone)]
pub struct CheckConfig {
    pub api_base: Option<Url>,
    pub frontend_url: Option<Url>,
    /// The API checks: each path under `api_base`, with its check.
    pub api_paths: Vec<(CheckId, String)>,
    pub bucket: Option<String>,
    /// The bucket's entry object.
    pub index_key: String,
    pub distribution_id: Option<String>,
    pub region: Option<(String, RegionSource)>,
    /// The shared-config profile, when one is named.
    pub profile: Option<ProfileChoice>,
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
    /// Where the JSON report goes.
    pub json: JsonOut,
    pub timeout: Duration,
    pub slow: Duration,
    pub fail_on: FailOn,
    pub format: Format,
    /// What the reports call each input: the flag or the variable it came from.
    pub labels: Labels,
    /// Started on demand: inside Actions by `repository_dispatch` or `workflow_dispatch`.
    pub on_demand: bool,
    /// Set when running inside GitHub Actions (`GITHUB_ACTIONS=true`).
    pub github: Option<GithubEnv>,
}

/// The report file written when `--json` is not given.
pub const DEFAULT_JSON: &str = "diagnose-summary.json";

/// Where the JSON report goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonOut {
    /// This file, replaced atomically.
    File(PathBuf),
    /// Standard output (`--json -`), and nothing else goes there.
    Stdout,
    /// Nowhere (`--format json` on a terminal prints it already).
    None,
}

/// The GitHub Actions runner files this run writes to.
#[derive(Debug, Clone, Default)]
pub struct GithubEnv {
    pub output_path: Option<PathBuf>,
}

/// Longest environment name accepted.
const MAX_ENVIRONMENT: usize = 64;

/// Longest URL accepted (what common servers and CDNs accept in a request line).
const MAX_URL: usize = 8192;

/// Longest requester name accepted.
const MAX_REQUESTER: usize = 256;

/// Reads environment variables; a seam so tests need not touch the process environment.
pub trait Environment {
    fn var(&self, name: &str) -> Option<String>;

    /// Like [`Environment::var`], but a value that is not UTF-8 is read with replacement
    /// characters, so that it fails validation instead of passing for unset.
    fn var_lossy(&self, name: &str) -> Option<String> {
        self.var(name)
    }
}

/// The process environment.
pub struct ProcessEnv;

impl Environment for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }

    fn var_lossy(&self, name: &str) -> Option<String> {
        std::env::var_os(name).map(|v| v.to_string_lossy().into_owned())
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
        let api_paths = parse_api_paths(
            &name("api_paths", "--api-path", "API_PATHS"),
            &args.api_paths,
        )?;
        let index_key = validate_index_key(
            &name("index_key", "--index-key", "S3_INDEX_KEY"),
            args.index_key.trim(),
        )?;
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

        let profile = non_empty(&args.profile)
            .map(|v| {
                let from_flag = matches.value_source("profile") != Some(ValueSource::EnvVariable);
                let choice = ProfileChoice { name: v, from_flag };
                validate_profile_name(choice.input(), &choice.name).map(|()| choice)
            })
            .transpose()?;

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

        let url_policy = url_policy(args, matches, env)?;

        let timeout = parse_seconds("--timeout", &args.timeout)?;
        let slow = parse_millis("--slow-ms", &args.slow_ms)?;

        let summary_path = match &args.summary {
            Some(p) if !p.as_os_str().is_empty() => {
                check_writable_file(&name("summary", "--summary", "GITHUB_STEP_SUMMARY"), p)?;
                Some(p.clone())
            }
            _ => None,
        };

        let github = if env
            .var("GITHUB_ACTIONS")
            .as_deref()
            .is_some_and(|v| switch_value(v) == Some(true))
        {
            let output_path = non_empty(&env.var("GITHUB_OUTPUT")).map(PathBuf::from);
            if let Some(p) = &output_path {
                check_writable_file("GITHUB_OUTPUT (environment)", p)?;
            }
            Some(GithubEnv { output_path })
        } else {
            None
        };

        let label = |id: &str, flag: &str, var: &str| -> String {
            match matches.value_source(id) {
                Some(ValueSource::EnvVariable) => var.to_string(),
                _ => flag.to_string(),
            }
        };
        let labels = Labels {
            api_base: if non_empty(&args.api_base).is_none() && api_base.is_some() {
                "VITE_API_BASE".to_string()
            } else {
                label("api_base", "--api-base", "API_BASE")
            },
            bucket: label("bucket", "--bucket", "S3_BUCKET"),
            distribution_id: label(
                "distribution_id",
                "--distribution-id",
                "CLOUDFRONT_DISTRIBUTION_ID",
            ),
            frontend_url: label("frontend_url", "--frontend-url", "FRONTEND_BASE_URL"),
        };
        let on_demand = github.is_some()
            && env
                .var("GITHUB_EVENT_NAME")
                .is_some_and(|e| matches!(e.as_str(), "repository_dispatch" | "workflow_dispatch"));

        let json = match args.json.as_deref() {
            Some(p) if p == Path::new("-") => {
                if args.format != Format::Json
                    && matches.value_source("format") == Some(ValueSource::CommandLine)
                {
                    return Err(ConfigError::new(
                        "--format",
                        "--json - writes the JSON report to standard output; no other format can go there too",
                    ));
                }
                JsonOut::Stdout
            }
            Some(p) => {
                check_writable_file("--json", p)?;
                JsonOut::File(p.to_path_buf())
            }
            // Inside Actions the file is the artifact; on a terminal, `--format json` is
            // the report already.
            None if github.is_none() && args.format == Format::Json => JsonOut::None,
            None => {
                let p = PathBuf::from(DEFAULT_JSON);
                check_writable_file("--json", &p)?;
                JsonOut::File(p)
            }
        };

        let config = CheckConfig {
            api_base,
            frontend_url,
            api_paths,
            bucket,
            index_key,
            distribution_id,
            region,
            profile,
            endpoint_url,
            endpoint_from_flag,
            expect_account,
            expect_arn,
            correlation_id,
            requester,
            environment,
            url_policy,
            summary_path,
            json,
            labels,
            on_demand,
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

/// A boolean environment value: true, false, 1, 0, yes or no, in any case (empty is
/// false); None for anything else.
pub fn switch_value(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "" | "false" | "0" | "no" => Some(false),
        "true" | "1" | "yes" => Some(true),
        _ => None,
    }
}

/// The URL policy: `--allowed-hosts`, `--allow-private-addresses` and
/// `--require-allowed-hosts`. An allowlist that was given is active: one that names no host
/// is an error, not "no policy". An environment variable set to the empty string counts as
/// unset (as in the Actions toolkit); `--allowed-hosts ''` on the command line is an error.
fn url_policy(
    args: &CheckArgs,
    matches: &ArgMatches,
    env: &dyn Environment,
) -> Result<UrlPolicy, ConfigError> {
    let from_env = matches.value_source("allowed_hosts") == Some(ValueSource::EnvVariable);
    let hosts_input = if from_env {
        "REMOTE_HANDS_ALLOWED_HOSTS (environment)"
    } else {
        "--allowed-hosts"
    };
    let allowed_hosts = match args.allowed_hosts.as_deref() {
        None => Vec::new(),
        Some("") if from_env => Vec::new(),
        Some(list) => {
            let hosts =
                UrlPolicy::parse_hosts(list).map_err(|e| ConfigError::new(hosts_input, e))?;
            if hosts.is_empty() {
                return Err(ConfigError::new(
                    hosts_input,
                    format!(
                        "{:?} names no host; expected host names, IP addresses or '*.domain' \
                         patterns (each with an optional ':port'), separated by commas or spaces",
                        crate::text::cap(&crate::text::one_line(list), 64)
                    ),
                ));
            }
            hosts
        }
    };

    let require_var = "REMOTE_HANDS_REQUIRE_ALLOWED_HOSTS";
    let require_input = if args.require_allowed_hosts {
        "--require-allowed-hosts".to_string()
    } else {
        format!("{require_var} (environment)")
    };
    let required = args.require_allowed_hosts || env_switch(env, require_var)?;
    if required && allowed_hosts.is_empty() {
        return Err(ConfigError::new(
            require_input,
            "the targets came from untrusted hands, so the HTTP checks need an allowlist: \
             give --allowed-hosts (or REMOTE_HANDS_ALLOWED_HOSTS) naming at least one host",
        ));
    }

    Ok(UrlPolicy {
        allowed_hosts,
        allow_private: args.allow_private_addresses
            || env_switch(env, "REMOTE_HANDS_ALLOW_PRIVATE_ADDRESSES")?,
    })
}

/// A boolean environment variable: true, false, 1, 0, yes or no, in any case; unset or
/// empty is false.
fn env_switch(env: &dyn Environment, var: &str) -> Result<bool, ConfigError> {
    let value = env.var_lossy(var).unwrap_or_default();
    switch_value(&value).ok_or_else(|| {
        ConfigError::new(
            format!("{var} (environment)"),
            format!(
                "{:?} is not a switch; expected true, false, 1, 0, yes or no",
                crate::text::cap(&crate::text::one_line(&value), 64)
            ),
        )
    })
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
    if value.len() > MAX_URL {
        return Err(ConfigError::new(
            input,
            format!(
                "is {} bytes long; expected a URL of at most {MAX_URL} bytes",
                value.len()
            ),
        ));
    }
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

/// The API paths checked when none is given: the original workflow's pair.
pub const DEFAULT_API_PATHS: [&str; 2] = ["/health", "/hello"];

/// Longest API path accepted.
const MAX_API_PATH: usize = 1024;

/// The API checks: each path (starting with `/`, an optional query) and the check it
/// names; two paths that name the same check are an error.
fn parse_api_paths(input: &str, given: &[String]) -> Result<Vec<(CheckId, String)>, ConfigError> {
    let given: Vec<&str> = given
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .collect();
    let paths = if given.is_empty() {
        DEFAULT_API_PATHS.to_vec()
    } else {
        given
    };
    let mut checks: Vec<(CheckId, String)> = Vec::new();
    for path in paths {
        let ok = path.starts_with('/')
            && path.len() <= MAX_API_PATH
            && !path.contains('#')
            && !path.chars().any(|c| c.is_whitespace() || c.is_control());
        if !ok {
            return Err(ConfigError::new(
                input,
                format!(
                    "{path:?} is not a path under the API base (like /health or /v1/status?deep=1: a leading /, no spaces, no #, at most {MAX_API_PATH} bytes)"
                ),
            ));
        }
        let id = CheckId::api(path);
        if let Some((_, other)) = checks.iter().find(|(known, _)| *known == id) {
            return Err(ConfigError::new(
                input,
                format!(
                    "{other:?} and {path:?} both make the check {id}; give paths that differ in letters or digits"
                ),
            ));
        }
        checks.push((id, path.to_string()));
    }
    Ok(checks)
}

/// An S3 object key for the entry page: not empty, no leading `/`, no control characters.
fn validate_index_key(input: &str, v: &str) -> Result<String, ConfigError> {
    if v.is_empty() || v.len() > 1024 || v.starts_with('/') || v.chars().any(char::is_control) {
        return Err(ConfigError::new(
            input,
            format!(
                "{v:?} is not an object key like index.html or app/index.html (no leading /, at most 1024 bytes)"
            ),
        ));
    }
    Ok(v.to_string())
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

/// Longest profile name accepted.
const MAX_PROFILE: usize = 128;

/// A profile name as the shared files can hold it: printable, no spaces or brackets.
fn validate_profile_name(input: &str, v: &str) -> Result<(), ConfigError> {
    if v.chars().count() > MAX_PROFILE
        || v.chars()
            .any(|c| c.is_control() || c.is_whitespace() || matches!(c, '[' | ']'))
    {
        return Err(ConfigError::new(
            input,
            format!(
                "{:?} is not a profile name (at most {MAX_PROFILE} printable characters, no spaces or brackets)",
                crate::text::cap(v, 64)
            ),
        ));
    }
    Ok(())
}

/// The regions the SDK's endpoint rules know (its partitions), used to suggest a region
/// when a value is almost one. A region missing here is still accepted when its shape is
/// right: new regions keep coming.
pub const KNOWN_REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-gov-east-1",
    "us-gov-west-1",
    "cn-north-1",
    "cn-northwest-1",
    "eusc-de-east-1",
    "eu-isoe-west-1",
    "us-iso-east-1",
    "us-iso-west-1",
    "us-isob-east-1",
    "us-isob-west-1",
    "us-isof-east-1",
    "us-isof-south-1",
];

/// Whether `v` has the shape of an AWS region in any partition: `us-east-1`,
/// `us-gov-west-1`, `us-isob-east-1`, `cn-north-1`, `eusc-de-east-1`. That is two letters
/// (or `eusc`), optionally `gov`, `iso…` (or for `eusc` a two-letter country), a direction
/// of letters, and a number of one or two digits, joined by hyphens.
pub fn is_region_shape(v: &str) -> bool {
    let parts: Vec<&str> = v.split('-').collect();
    let letters = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase());
    let (first, last) = match (parts.first(), parts.last()) {
        (Some(f), Some(l)) => (*f, *l),
        _ => return false,
    };
    let first_ok = (first.len() == 2 && letters(first)) || first == "eusc";
    let number_ok = (1..=2).contains(&last.len()) && last.bytes().all(|b| b.is_ascii_digit());
    let middle_ok = match parts.len() {
        3 => letters(parts[1]) && first != "eusc",
        4 => {
            let qualifier = parts[1];
            let qualifier_ok = if first == "eusc" {
                qualifier.len() == 2 && letters(qualifier)
            } else {
                qualifier == "gov" || (qualifier.starts_with("iso") && letters(qualifier))
            };
            qualifier_ok && letters(parts[2])
        }
        _ => false,
    };
    first_ok && number_ok && middle_ok
}

/// A region `v` was probably meant to be: the same in lower case with hyphens for
/// underscores or spaces, or with the hyphen before the number put back (`us-east1`), or
/// else the known region within two edits.
pub fn suggest_region(v: &str) -> Option<String> {
    if v.chars().count() > 40 {
        return None;
    }
    let normalised: String = v
        .trim()
        .chars()
        .map(|c| match c {
            '_' | ' ' | '.' => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    if normalised != v && is_region_shape(&normalised) {
        return Some(normalised);
    }
    let digits = normalised
        .bytes()
        .rev()
        .take_while(u8::is_ascii_digit)
        .count();
    if digits > 0 && digits < normalised.len() {
        let (head, number) = normalised.split_at(normalised.len() - digits);
        if !head.ends_with('-') {
            let fixed = format!("{head}-{number}");
            if is_region_shape(&fixed) {
                return Some(fixed);
            }
        }
    }
    KNOWN_REGIONS
        .iter()
        .map(|r| (edit_distance(&normalised, r), *r))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, r)| r.to_string())
}

/// Levenshtein distance between two short strings.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = prev[j] + usize::from(ca != cb);
            cur[j + 1] = substitution.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Checks the shape of a region; on a near miss the message says which region was meant.
pub fn validate_region(input: &str, v: String) -> Result<String, ConfigError> {
    if is_region_shape(&v) {
        return Ok(v);
    }
    let hint = suggest_region(&v)
        .map(|s| format!("; did you mean {s}?"))
        .unwrap_or_default();
    Err(ConfigError::new(
        input,
        format!(
            "{:?} is not an AWS region (expected the shape of us-east-1, eu-central-2 or us-gov-west-1){hint}",
            crate::text::cap(&v, 64)
        ),
    ))
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
    let Some(s) = v.trim().parse::<f64>().ok().filter(|s| !s.is_nan()) else {
        return Err(ConfigError::new(
            input,
            format!("{v:?} is not a number of seconds (like 10 or 2.5)"),
        ));
    };
    if !s.is_finite() || s > max {
        return Err(ConfigError::new(
            input,
            format!("{v} seconds is too long: at most {max} is accepted"),
        ));
    }
    if s <= 0.0 {
        return Err(ConfigError::new(
            input,
            format!("{v} seconds: must be more than 0"),
        ));
    }
    Ok(Duration::from_secs_f64(s))
}

fn parse_millis(input: &str, v: &str) -> Result<Duration, ConfigError> {
    let Ok(ms) = v.trim().parse::<i64>() else {
        return Err(ConfigError::new(
            input,
            format!("{v:?} is not a whole number of milliseconds (like 2000)"),
        ));
    };
    match ms {
        ..=0 => Err(ConfigError::new(
            input,
            format!("{v} ms: must be more than 0"),
        )),
        3_600_001.. => Err(ConfigError::new(
            input,
            format!("{v} ms is too long: at most 3600000 is accepted"),
        )),
        ms => Ok(Duration::from_millis(ms as u64)),
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
    fn api_paths_name_their_checks_and_default_to_the_original_pair() {
        let keys = |given: &[&str]| -> Vec<String> {
            let given: Vec<String> = given.iter().map(|s| s.to_string()).collect();
            parse_api_paths("p", &given)
                .unwrap()
                .into_iter()
                .map(|(id, path)| format!("{id}={path}"))
                .collect()
        };
        assert_eq!(keys(&[]), ["api_health=/health", "api_hello=/hello"]);
        assert_eq!(keys(&[" ", ""]), ["api_health=/health", "api_hello=/hello"]);
        assert_eq!(keys(&["/health"]), ["api_health=/health"]);
        assert_eq!(
            keys(&["/v1/status?deep=1", "/"]),
            ["api_v1_status=/v1/status?deep=1", "api_root=/"]
        );
        for bad in ["health", "/a b", "/x#y", "/\u{7}"] {
            let err = parse_api_paths("--api-path", &[bad.to_string()]).unwrap_err();
            assert!(err.to_string().starts_with("--api-path: "), "{err}");
        }
        let long = format!("/{}", "a".repeat(MAX_API_PATH));
        assert!(parse_api_paths("p", &[long]).is_err());
        let err = parse_api_paths("p", &["/a-b".into(), "/a_b".into()]).unwrap_err();
        assert!(
            err.to_string().contains("both make the check api_a_b"),
            "{err}"
        );
    }

    #[test]
    fn index_keys_are_object_keys() {
        assert_eq!(
            validate_index_key("k", "app/index.html").unwrap(),
            "app/index.html"
        );
        for bad in ["", "/index.html", "a\nb"] {
            assert!(validate_index_key("k", bad).is_err(), "{bad:?}");
        }
        assert!(validate_index_key("k", &"k".repeat(1025)).is_err());
        assert!(validate_index_key("k", &"k".repeat(1024)).is_ok());
    }

    #[test]
    fn regions_must_have_the_shape_of_a_region() {
        for good in [
            "us-east-1",
            "eu-central-2",
            "ap-southeast-4",
            "us-gov-west-1",
            "cn-north-1",
            "il-central-1",
            "mx-central-1",
            "us-isob-east-1",
            "eu-isoe-west-1",
            "eusc-de-east-1",
            "xx-newplace-12",
        ] {
            assert!(is_region_shape(good), "{good}");
            assert_eq!(validate_region("--region", good.into()).unwrap(), good);
        }
        for bad in [
            "us-east1",
            "useast1",
            "US-EAST-1",
            "us-east-",
            "us-east-123",
            "use-east-1",
            "us--east-1",
            "us-foo-west-1",
            "eusc-east-1",
            "",
            "-",
            "us-east-1 ",
        ] {
            assert!(!is_region_shape(bad), "{bad}");
        }
    }

    #[test]
    fn a_near_miss_region_gets_a_suggestion() {
        for (typed, meant) in [
            ("us-east1", "us-east-1"),
            ("eu-central2", "eu-central-2"),
            ("US-EAST-1", "us-east-1"),
            ("us_west_2", "us-west-2"),
            ("useast1", "us-east-1"),
            ("use-east-1", "us-east-1"),
            ("ap-southeast4", "ap-southeast-4"),
            ("us-gov-west1", "us-gov-west-1"),
            ("eu-west", "eu-west-1"),
        ] {
            assert_eq!(suggest_region(typed).as_deref(), Some(meant), "{typed}");
            let e = validate_region("AWS_REGION (environment)", typed.into()).unwrap_err();
            assert_eq!(e.input, "AWS_REGION (environment)");
            assert!(e.message.contains(&format!("did you mean {meant}?")), "{e}");
        }
        for far in ["mars", "nowhere-at-all", &"x".repeat(500)] {
            assert_eq!(suggest_region(far), None, "{far}");
            let e = validate_region("--region", far.to_string()).unwrap_err();
            assert!(!e.message.contains("did you mean"), "{e}");
            assert!(e.message.len() < 200, "capped: {e}");
        }
    }

    #[test]
    fn profile_names_are_printable_words() {
        assert!(validate_profile_name("--profile", "dev-admin.sso@acme").is_ok());
        for bad in ["two words", "evil\n", "[default]", &"p".repeat(200)] {
            let e = validate_profile_name("--profile", bad).unwrap_err();
            assert_eq!(e.input, "--profile");
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
    /// Where the token came from (`-v` says).
    pub token_source: TokenSource,
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

/// Where the GitHub token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    GithubToken,
    GhToken,
    /// `gh auth token`: the GitHub CLI's login.
    GhCli,
}

impl std::fmt::Display for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TokenSource::GithubToken => "GITHUB_TOKEN",
            TokenSource::GhToken => "GH_TOKEN",
            TokenSource::GhCli => "gh auth token",
        })
    }
}

/// The token: `GITHUB_TOKEN`, then `GH_TOKEN`, then — as many CLIs do — the GitHub CLI's
/// login (`gh auth token --hostname HOST`) when `gh` is installed.
fn github_token(
    env: &dyn Environment,
    web: &WebHost,
) -> Result<(String, TokenSource), ConfigError> {
    let (token, source) = if let Some(t) = non_empty(&env.var("GITHUB_TOKEN")) {
        (t, TokenSource::GithubToken)
    } else if let Some(t) = non_empty(&env.var("GH_TOKEN")) {
        (t, TokenSource::GhToken)
    } else if let Some(t) = gh_auth_token(&web.host_name()) {
        (t, TokenSource::GhCli)
    } else {
        return Err(ConfigError::new(
            "GITHUB_TOKEN (environment)",
            "missing: set GITHUB_TOKEN or GH_TOKEN to a token that may use the repository's Actions, or log in with `gh auth login`",
        ));
    };
    if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        let input = match source {
            TokenSource::GhCli => "gh auth token".to_string(),
            other => format!("{other} (environment)"),
        };
        return Err(ConfigError::new(
            input,
            "contains whitespace or control characters",
        ));
    }
    Ok((token, source))
}

/// How long `gh auth token` may take (it reads a file or the system keyring).
const GH_TIMEOUT: Duration = Duration::from_secs(5);

/// `gh auth token --hostname host`, when `gh` runs and prints a token in time.
fn gh_auth_token(host: &str) -> Option<String> {
    use std::process::{Command, Stdio};
    let mut child = Command::new("gh")
        .args(["auth", "token", "--hostname", host])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let started = std::time::Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => break,
            Ok(Some(_)) | Err(_) => return None,
            Ok(None) if started.elapsed() > GH_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
    let mut out = String::new();
    std::io::Read::read_to_string(child.stdout.as_mut()?, &mut out).ok()?;
    non_empty(&Some(out))
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
    pub run: RunRef,
    /// Wait for a run that is still going, up to `timeout`.
    pub wait: bool,
    pub timeout: Duration,
}

/// How `result` names its run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunRef {
    /// A run ID (or the ID in a run URL).
    Id(u64),
    /// The correlation ID of a dispatch: the run is found as `dispatch` finds it.
    Correlation(Uuid),
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
        let (token, token_source) = github_token(env, &web)?;
        Ok(GithubConfig {
            repo,
            token: Token(token),
            token_source,
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
        let timeout = parse_wait("--timeout", &args.timeout)?;
        if let Ok(cid) = parse_uuid("RUN_ID|RUN_URL|CORRELATION_ID", args.run.trim()) {
            let github = GithubConfig::from_args(&args.github, matches, env, None)?;
            return Ok(ResultConfig {
                github,
                run: RunRef::Correlation(cid),
                wait: args.wait,
                timeout,
            });
        }
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
        Ok(ResultConfig {
            github,
            run: RunRef::Id(run_id),
            wait: args.wait,
            timeout,
        })
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

    /// The host name, as `gh --hostname` takes it.
    pub fn host_name(&self) -> String {
        self.host.clone()
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
                "{v:?} is neither a run ID, a run URL like https://github.com/OWNER/NAME/actions/runs/123, nor a correlation ID (a UUID)"
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
