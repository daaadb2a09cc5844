//! [`CheckConfig`]: everything `remote-hands check` needs, validated. Built in steps, in
//! the order the inputs are checked (so the first bad one is the one reported): what to
//! check and how to reach AWS (`targets.rs`), who asked, the URL policy (`url_policy.rs`),
//! the time limits, then where the results go.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::ArgMatches;
use url::Url;
use uuid::Uuid;

use super::file::{CustomCheck, FileSettings, RunValues};
use super::targets::{AwsInputs, ProfileChoice, Targets};
use super::validate::{
    check_writable_file, default_requester, non_empty, parse_millis, parse_seconds, parse_uuid,
    switch_value, validate_requester,
};
use super::{ConfigError, Given, Vars, env_name, url_policy::url_policy};
use crate::cli::inputs::check;
use crate::cli::{CheckArgs, Format};
use crate::model::{CheckId, FailOn, RegionSource};
use crate::policy::UrlPolicy;
use crate::report::Labels;

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
    /// The region from a flag or a variable, when one gave it.
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
    /// How many checks run at once: 1..=[`MAX_IN_FLIGHT`].
    pub max_in_flight: usize,
    /// An https certificate expiring within this many days warns.
    pub tls_warn_days: u32,
    /// CA certificates trusted besides the system's (`--ca-cert`).
    pub ca_certs: Vec<rustls::pki_types::CertificateDer<'static>>,
    pub fail_on: FailOn,
    pub format: Format,
    /// What the reports call each input: the flag or the variable it came from.
    pub labels: Labels,
    /// Started on demand: inside Actions by `repository_dispatch` or `workflow_dispatch`.
    pub on_demand: bool,
    /// Set when running inside GitHub Actions (`GITHUB_ACTIONS=true`).
    pub github: Option<GithubEnv>,
    /// The previous run to compare with (`--baseline`).
    pub baseline: Option<super::BaselineConfig>,
    /// The custom checks of the configuration file's environment, in file order.
    pub custom_checks: Vec<CustomCheck>,
    /// The configuration file, when one was read (also its top-level `max_in_flight` and
    /// `tls_warn_days`).
    pub file: Option<FileSettings>,
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

/// Who asked for the run, and under which name it goes.
struct Identity {
    correlation_id: Uuid,
    requester: String,
    environment: Option<String>,
}

/// Where the results go.
struct Outputs {
    summary_path: Option<PathBuf>,
    github: Option<GithubEnv>,
    on_demand: bool,
    json: JsonOut,
}

impl CheckConfig {
    /// Validates `args`. `matches` are the `check` subcommand's matches, used to say whether
    /// a value came from a flag or from an environment variable; `vars` is the environment.
    pub fn from_args(
        args: &CheckArgs,
        matches: &ArgMatches,
        vars: &Vars,
    ) -> Result<CheckConfig, ConfigError> {
        let given = Given(matches);
        let mut file = FileSettings::load(args, given)?;
        let filled;
        let args = match file.as_mut() {
            Some(f) => {
                filled = f.fill(args, given);
                &filled
            }
            None => args,
        };
        let targets = Targets::from_args(args, given, vars)?;
        let mut aws = AwsInputs::from_args(args, given, vars)?;
        let mut identity = Identity::from_args(args, given, vars)?;
        let url_policy = url_policy(args, given, vars)?;
        let timeout = parse_seconds(&given.name(check::TIMEOUT), &args.timeout)?;
        let slow = parse_millis(&given.name(check::SLOW_MS), &args.slow_ms)?;
        let max_in_flight =
            parse_max_in_flight(&given.name(check::MAX_IN_FLIGHT), &args.max_in_flight)?;
        let tls_warn_days =
            parse_tls_warn_days(&given.name(check::TLS_WARN_DAYS), &args.tls_warn_days)?;
        let ca_certs = match &args.ca_cert {
            Some(path) => read_ca_certs(&given.name(check::CA_CERT), path)?,
            None => Vec::new(),
        };
        let outputs = Outputs::from_args(args, given, vars)?;
        let baseline = super::baseline::baseline(args, given)?;
        let custom_checks = match &file {
            Some(f) => from_file(f, &targets, &mut aws, &mut identity, slow, vars)?,
            None => Vec::new(),
        };
        let labels = targets.labels(given);
        let config = CheckConfig {
            labels: file.as_ref().map_or(labels.clone(), |f| f.relabel(labels)),
            api_base: targets.api_base,
            frontend_url: targets.frontend_url,
            api_paths: targets.api_paths,
            bucket: targets.bucket,
            index_key: targets.index_key,
            distribution_id: targets.distribution_id,
            region: aws.region,
            profile: aws.profile,
            endpoint_url: aws.endpoint_url,
            endpoint_from_flag: aws.endpoint_from_flag,
            expect_account: aws.expect_account,
            expect_arn: aws.expect_arn,
            correlation_id: identity.correlation_id,
            requester: identity.requester,
            environment: identity.environment,
            url_policy,
            summary_path: outputs.summary_path,
            json: outputs.json,
            on_demand: outputs.on_demand,
            timeout,
            slow,
            max_in_flight,
            tls_warn_days,
            ca_certs,
            fail_on: args.fail_on,
            format: args.format,
            github: outputs.github,
            baseline,
            custom_checks,
            file,
        };
        if !config.anything_to_check() {
            return Err(nothing_to_check());
        }
        Ok(config)
    }

    pub fn anything_to_check(&self) -> bool {
        self.api_base.is_some()
            || self.frontend_url.is_some()
            || self.bucket.is_some()
            || self.distribution_id.is_some()
            || !self.custom_checks.is_empty()
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

/// Most checks a run lets run at once.
pub const MAX_IN_FLIGHT: usize = 1000;

/// How many checks run at once: a whole number from 1 to [`MAX_IN_FLIGHT`].
fn parse_max_in_flight(input: &str, v: &str) -> Result<usize, ConfigError> {
    v.trim()
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=MAX_IN_FLIGHT).contains(n))
        .ok_or_else(|| {
            ConfigError::new(
                input,
                format!("{v:?} is not a whole number of checks from 1 to {MAX_IN_FLIGHT}"),
            )
        })
}

/// Days before a certificate's expiry from which it warns: a whole number from 0 to 365.
fn parse_tls_warn_days(input: &str, v: &str) -> Result<u32, ConfigError> {
    v.trim()
        .parse::<u32>()
        .ok()
        .filter(|n| *n <= 365)
        .ok_or_else(|| {
            ConfigError::new(
                input,
                format!("{v:?} is not a whole number of days from 0 to 365"),
            )
        })
}

/// Largest CA file read.
const MAX_CA_FILE: u64 = 1024 * 1024;

/// The PEM certificates of `path`: at least one, else a one-line error.
fn read_ca_certs(
    input: &str,
    path: &Path,
) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>, ConfigError> {
    use rustls::pki_types::pem::PemObject;
    use std::io::Read;
    let shown = path.display();
    let mut pem = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_CA_FILE + 1).read_to_end(&mut pem))
        .map_err(|e| ConfigError::new(input, format!("{shown} could not be read: {e}")))?;
    if pem.len() as u64 > MAX_CA_FILE {
        return Err(ConfigError::new(
            input,
            format!("{shown} is over 1 MiB; expected CA certificates in PEM"),
        ));
    }
    let certs: Vec<_> = rustls::pki_types::CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<_, _>>()
        .map_err(|e| {
            ConfigError::new(
                input,
                format!("{shown}: {e}; expected CA certificates in PEM"),
            )
        })?;
    if certs.is_empty() {
        return Err(ConfigError::new(
            input,
            format!("{shown} holds no PEM certificate; expected CA certificates in PEM"),
        ));
    }
    Ok(certs)
}

/// What the configuration file adds once the run's values are known: the region's source,
/// the environment's name (when `--environment` gave none), the custom checks.
fn from_file(
    file: &FileSettings,
    targets: &Targets,
    aws: &mut AwsInputs,
    identity: &mut Identity,
    slow: Duration,
    vars: &Vars,
) -> Result<Vec<CustomCheck>, ConfigError> {
    if file.filled(check::REGION)
        && let Some((_, source)) = &mut aws.region
    {
        *source = RegionSource::File;
    }
    if identity.environment.is_none()
        && let Some(env) = &file.env
    {
        identity.environment = Some(validate_environment(&file.name, env.clone())?);
    }
    file.custom_checks(&RunValues {
        env: file.env.as_deref(),
        api_base: targets.api_base.as_ref(),
        api_paths: &targets.api_paths,
        slow,
        vars,
    })
}

/// The error of a run that names no target: the four inputs that would give one.
fn nothing_to_check() -> ConfigError {
    let inputs = [
        check::API_BASE,
        check::FRONTEND_URL,
        check::BUCKET,
        check::DISTRIBUTION_ID,
    ];
    let flags: Vec<String> = inputs.iter().map(|i| i.flag_name()).collect();
    let vars: Vec<&str> = inputs.iter().filter_map(|i| i.env).collect();
    ConfigError::new(
        "configuration",
        format!(
            "nothing to check: give at least one of {} (or {})",
            flags.join(", "),
            vars.join(", ")
        ),
    )
}

impl Identity {
    /// `--correlation-id` (else a new UUID v4), `--requester` (else the runner's actor or
    /// the user), `--environment`.
    fn from_args(args: &CheckArgs, given: Given, vars: &Vars) -> Result<Identity, ConfigError> {
        let correlation_id = match non_empty(&args.correlation_id) {
            Some(v) => parse_uuid(&given.name(check::CORRELATION_ID), &v)?,
            None => Uuid::new_v4(),
        };
        let requester = match non_empty(&args.requester) {
            Some(v) => validate_requester(&given.name(check::REQUESTER), v)?,
            None => default_requester(vars, &check::REQUESTER_DEFAULTS),
        };
        let environment = non_empty(&args.environment)
            .map(|v| validate_environment(&given.name(check::ENVIRONMENT), v))
            .transpose()?;
        Ok(Identity {
            correlation_id,
            requester,
            environment,
        })
    }
}

/// The name of the environment checked: at most [`MAX_ENVIRONMENT`] printable characters.
fn validate_environment(input: &str, v: String) -> Result<String, ConfigError> {
    if v.chars().count() > MAX_ENVIRONMENT || v.chars().any(char::is_control) {
        Err(ConfigError::new(
            input,
            format!("{v:?} is not a name of at most {MAX_ENVIRONMENT} printable characters"),
        ))
    } else {
        Ok(v)
    }
}

impl Outputs {
    /// The step summary, the runner's files (inside GitHub Actions), and the JSON report.
    fn from_args(args: &CheckArgs, given: Given, vars: &Vars) -> Result<Outputs, ConfigError> {
        let summary_path = match &args.summary {
            Some(p) if !p.as_os_str().is_empty() => {
                check_writable_file(&given.name(check::SUMMARY), p)?;
                Some(p.clone())
            }
            _ => None,
        };
        let github = github_env(vars)?;
        let on_demand = github.is_some()
            && vars
                .get(check::GITHUB_EVENT_NAME)
                .is_some_and(|e| matches!(e, "repository_dispatch" | "workflow_dispatch"));
        let json = json_out(args, given, github.is_some())?;
        Ok(Outputs {
            summary_path,
            github,
            on_demand,
            json,
        })
    }
}

/// Inside GitHub Actions (`GITHUB_ACTIONS` is a true switch): the step-outputs file.
fn github_env(vars: &Vars) -> Result<Option<GithubEnv>, ConfigError> {
    let in_actions = vars
        .get(check::GITHUB_ACTIONS)
        .is_some_and(|v| switch_value(v) == Some(true));
    if !in_actions {
        return Ok(None);
    }
    let output_path = vars.non_empty(check::GITHUB_OUTPUT).map(PathBuf::from);
    if let Some(p) = &output_path {
        check_writable_file(&env_name(check::GITHUB_OUTPUT), p)?;
    }
    Ok(Some(GithubEnv { output_path }))
}

/// Where the JSON report goes: `--json -` is standard output (and no other format may go
/// there), a path is a file; by default [`DEFAULT_JSON`], but none with `--format json`
/// outside GitHub Actions (the report is on the terminal already).
fn json_out(args: &CheckArgs, given: Given, in_actions: bool) -> Result<JsonOut, ConfigError> {
    let json_input = given.name(check::JSON);
    match args.json.as_deref() {
        Some(p) if p == Path::new("-") => {
            if args.format != Format::Json && given.on_command_line(check::FORMAT) {
                return Err(ConfigError::new(
                    given.name(check::FORMAT),
                    format!(
                        "{json_input} - writes the JSON report to standard output; no other format can go there too"
                    ),
                ));
            }
            Ok(JsonOut::Stdout)
        }
        Some(p) => {
            check_writable_file(&json_input, p)?;
            Ok(JsonOut::File(p.to_path_buf()))
        }
        None if !in_actions && args.format == Format::Json => Ok(JsonOut::None),
        None => {
            let p = PathBuf::from(DEFAULT_JSON);
            check_writable_file(&json_input, &p)?;
            Ok(JsonOut::File(p))
        }
    }
}
