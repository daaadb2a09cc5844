//! The report model: one typed value that every check fills in and every renderer reads.
//!
//! It serialises to the JSON artifact (`diagnose-summary.json`), a superset of the
//! original shell workflow's "Machine-Readable Result": the keys that result had keep
//! their name, type and meaning, and everything else is added beside them.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

mod changes;
mod evidence;

pub use changes::*;
pub use evidence::*;

/// Version of the JSON report layout; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 2;

/// A check's identity, and its key in the JSON report. Reports list the checks in this
/// order: the AWS checks, the API checks (by key), the frontend, then any other.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CheckId {
    Oidc,
    S3Read,
    Cloudfront,
    /// An HTTP check under the API base; its key is `api_` and the path's name
    /// (`/health` → `api_health`), see [`CheckId::api`].
    Api(String),
    Frontend,
    /// A key this version does not know (a report written by another one).
    Other(String),
}

/// Longest key of an API check.
pub const MAX_API_KEY: usize = 64;

impl CheckId {
    /// The API check of `path` (`/health` → `api_health`, `/v1/status` → `api_v1_status`,
    /// `/` → `api_root`): lower-case letters and digits, runs of anything else as one `_`.
    pub fn api(path: &str) -> CheckId {
        let path = path.split(['?', '#']).next().unwrap_or("");
        let mut name = String::new();
        for c in path.chars() {
            if c.is_ascii_alphanumeric() {
                name.push(c.to_ascii_lowercase());
            } else if !name.is_empty() && !name.ends_with('_') {
                name.push('_');
            }
        }
        let name = name.trim_end_matches('_');
        let name = if name.is_empty() { "root" } else { name };
        let mut key = format!("api_{name}");
        key.truncate(MAX_API_KEY);
        CheckId::Api(key.trim_end_matches('_').to_string())
    }

    /// The checks of a run with the default configuration, in report order.
    pub fn defaults() -> Vec<CheckId> {
        vec![
            CheckId::Oidc,
            CheckId::S3Read,
            CheckId::Cloudfront,
            CheckId::api("/health"),
            CheckId::api("/hello"),
            CheckId::Frontend,
        ]
    }

    /// The JSON key of the check.
    pub fn key(&self) -> &str {
        match self {
            CheckId::Oidc => "oidc",
            CheckId::S3Read => "s3_read",
            CheckId::Cloudfront => "cloudfront",
            CheckId::Api(key) | CheckId::Other(key) => key,
            CheckId::Frontend => "frontend",
        }
    }

    /// The check of a JSON key.
    pub fn from_key(key: &str) -> CheckId {
        match key {
            "oidc" => CheckId::Oidc,
            "s3_read" => CheckId::S3Read,
            "cloudfront" => CheckId::Cloudfront,
            "frontend" => CheckId::Frontend,
            k if k.starts_with("api_") => CheckId::Api(k.to_string()),
            k => CheckId::Other(k.to_string()),
        }
    }

    /// A short human title, as the summary table shows it ("API health").
    pub fn title(&self) -> String {
        match self {
            CheckId::Oidc => "AWS identity (OIDC role)".into(),
            CheckId::S3Read => "S3 bucket access".into(),
            CheckId::Cloudfront => "CloudFront distribution".into(),
            CheckId::Api(key) => format!(
                "API {}",
                key.strip_prefix("api_").unwrap_or(key).replace('_', " ")
            ),
            CheckId::Frontend => "Frontend".into(),
            CheckId::Other(key) => key.clone(),
        }
    }

    pub fn is_aws(&self) -> bool {
        matches!(self, CheckId::Oidc | CheckId::S3Read | CheckId::Cloudfront)
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl Serialize for CheckId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.key())
    }
}

impl<'de> Deserialize<'de> for CheckId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<CheckId, D::Error> {
        let key = String::deserialize(d)?;
        Ok(CheckId::from_key(&key))
    }
}

/// The verdict of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    Warn,
    Fail,
    Skip,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Warn => "warn",
            Outcome::Fail => "fail",
            Outcome::Skip => "skip",
        }
    }

    /// The spec's `ok` flag: everything but a failure is ok (a skipped check is not a failure).
    pub fn ok(self) -> bool {
        !matches!(self, Outcome::Fail)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The result of one check. Reads reports of the original shell workflow too, where a
/// check has only `ok` and `details` (or `status` and `ms`): the outcome is then `pass`
/// or `fail` by `ok`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "RawCheckResult")]
pub struct CheckResult {
    /// The spec's flag: false only when the check failed.
    pub ok: bool,
    /// pass | warn | fail | skip.
    pub outcome: Outcome,
    /// One human sentence.
    pub details: String,
    /// Wall time of the check in milliseconds.
    pub ms: u64,
    /// HTTP checks only: the status code of the final response (the spec's `status`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// What went wrong, as the remote side said it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorInfo>,
    /// What the check saw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
    /// True when the check passed only after a retry (its outcome is then `warn`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub flaky: bool,
    /// When the check started, in ms after the run started (reports of older versions
    /// do not say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_ms: Option<u64>,
}

#[derive(Deserialize)]
struct RawCheckResult {
    ok: bool,
    #[serde(default)]
    outcome: Option<Outcome>,
    #[serde(default)]
    details: String,
    #[serde(default)]
    ms: u64,
    #[serde(default)]
    status: Option<u16>,
    #[serde(default)]
    error: Option<ErrorInfo>,
    #[serde(default)]
    evidence: Option<Evidence>,
    #[serde(default)]
    flaky: bool,
    #[serde(default)]
    start_ms: Option<u64>,
}

impl From<RawCheckResult> for CheckResult {
    fn from(raw: RawCheckResult) -> Self {
        let outcome = raw
            .outcome
            .unwrap_or(if raw.ok { Outcome::Pass } else { Outcome::Fail });
        CheckResult {
            ok: raw.ok,
            outcome,
            details: raw.details,
            ms: raw.ms,
            status: raw.status,
            error: raw.error,
            evidence: raw.evidence,
            flaky: raw.flaky,
            start_ms: raw.start_ms,
        }
    }
}

impl CheckResult {
    pub fn new(outcome: Outcome, details: impl Into<String>) -> Self {
        CheckResult {
            ok: outcome.ok(),
            outcome,
            details: details.into(),
            ms: 0,
            status: None,
            error: None,
            evidence: None,
            flaky: false,
            start_ms: None,
        }
    }

    pub fn pass(details: impl Into<String>) -> Self {
        Self::new(Outcome::Pass, details)
    }

    pub fn warn(details: impl Into<String>) -> Self {
        Self::new(Outcome::Warn, details)
    }

    pub fn fail(details: impl Into<String>) -> Self {
        Self::new(Outcome::Fail, details)
    }

    pub fn skip(details: impl Into<String>) -> Self {
        Self::new(Outcome::Skip, details)
    }

    pub fn with_error(mut self, error: ErrorInfo) -> Self {
        self.error = Some(error);
        self
    }

    pub fn with_evidence(mut self, evidence: Evidence) -> Self {
        self.evidence = Some(evidence);
        self
    }
}

/// The spec's `durations` object.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Durations {
    /// Wall time of the whole run, in seconds.
    #[serde(default)]
    pub total_s: f64,
    /// Seconds per step, keyed by check id (and `api` for the API checks together).
    #[serde(default)]
    pub steps: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Conclusion {
    Success,
    Failure,
}

impl Conclusion {
    pub fn as_str(self) -> &'static str {
        match self {
            Conclusion::Success => "success",
            Conclusion::Failure => "failure",
        }
    }
}

/// Where the AWS region of a run came from; the report says it as `flag`, `environment`,
/// `profile` or `default`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RegionSource {
    /// `--region`.
    Flag,
    /// `AWS_REGION`, then `AWS_DEFAULT_REGION`.
    Environment,
    /// The selected profile of the shared config file.
    Profile,
    /// The environment's `region` in the configuration file (`remote-hands.toml`).
    File,
    /// None of these: [`crate::checks::aws::DEFAULT_REGION`].
    Default,
}

impl RegionSource {
    pub fn as_str(self) -> &'static str {
        match self {
            RegionSource::Flag => "flag",
            RegionSource::Environment => "environment",
            RegionSource::Profile => "profile",
            RegionSource::Default => "default",
            RegionSource::File => "file",
        }
    }
}

impl fmt::Display for RegionSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which outcomes make a run fail (exit 1, conclusion `failure`): `--fail-on`, and the
/// report's `fail_on`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    /// Exit 1 when a check failed
    #[default]
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

/// What was checked, beyond the spec's two URLs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Target {
    pub bucket: Option<String>,
    pub distribution_id: Option<String>,
    pub region: Option<String>,
    /// Where the region came from: `flag`, `environment`, `profile` or `default`.
    pub region_source: Option<RegionSource>,
    pub endpoint_url: Option<String>,
}

/// The whole report. Reports of the original shell workflow (the spec's keys only, no
/// `schema_version`) read back with `schema_version` 0 and the added fields empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    #[serde(default)]
    pub schema_version: u32,
    pub correlation_id: String,
    #[serde(default)]
    pub requester: String,
    /// Name of the environment checked (`--environment`), when given.
    #[serde(default)]
    pub environment: Option<String>,
    #[serde(default)]
    pub frontend_url: Option<String>,
    #[serde(default)]
    pub api_base: Option<String>,
    #[serde(default)]
    pub target: Target,
    /// RFC 3339 UTC time the run started.
    #[serde(default)]
    pub started_at: String,
    /// `remote-hands <version>`.
    #[serde(default)]
    pub tool: String,
    pub checks: BTreeMap<CheckId, CheckResult>,
    #[serde(default)]
    pub durations: Durations,
    pub conclusion: Conclusion,
    /// The threshold the conclusion was computed with: `fail`, `warn` or `never` (`fail`
    /// when the report does not say).
    #[serde(default)]
    pub fail_on: FailOn,
    /// What changed since a previous run, when one was given (`--baseline`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<Changes>,
}

impl Report {
    /// A failed run of `checks` by alice, for the renderers' tests.
    #[cfg(test)]
    pub fn sample(checks: BTreeMap<CheckId, CheckResult>) -> Report {
        Report {
            schema_version: SCHEMA_VERSION,
            correlation_id: "0b7c8f5e-1d2a-4c3b-9e8f-7a6b5c4d3e2f".into(),
            requester: "alice".into(),
            environment: None,
            frontend_url: None,
            api_base: None,
            target: Target::default(),
            started_at: String::new(),
            tool: "remote-hands".into(),
            checks,
            durations: Durations::default(),
            conclusion: Conclusion::Failure,
            fail_on: FailOn::Fail,
            changes: None,
        }
    }

    /// Count of checks with the given outcome.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.checks
            .values()
            .filter(|c| c.outcome == outcome)
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The "Machine-Readable Result" of the original shell workflow, as its spec shows it.
    const SPEC_REPORT: &str = r#"{
      "correlation_id": "abc12345-6789-...",
      "requester": "discord-user",
      "frontend_url": "https://example.com",
      "api_base": "https://api.example.com",
      "checks": {
        "oidc": {"ok": true, "details": "AWS OIDC role assume"},
        "s3_read": {"ok": true, "details": "S3 bucket accessible"},
        "cloudfront": {"ok": false, "details": "CloudFront distribution accessible"},
        "api_health": {"ok": true, "status": 200, "ms": 145},
        "api_hello": {"ok": true, "status": 200, "ms": 98}
      },
      "durations": {"total_s": 45, "steps": {"oidc": 2, "s3_read": 5, "cloudfront": 7, "api": 243}},
      "conclusion": "success"
    }"#;

    #[test]
    fn reports_of_the_original_workflow_read_back() {
        let r: Report = serde_json::from_str(SPEC_REPORT).unwrap();
        assert_eq!(r.schema_version, 0);
        assert_eq!(r.requester, "discord-user");
        assert_eq!(r.checks[&CheckId::api("/health")].status, Some(200));
        assert_eq!(r.checks[&CheckId::api("/health")].ms, 145);
        assert_eq!(r.checks[&CheckId::api("/health")].outcome, Outcome::Pass);
        assert_eq!(r.checks[&CheckId::Cloudfront].outcome, Outcome::Fail);
        assert_eq!(r.durations.total_s, 45.0);
        assert_eq!(r.durations.steps["api"], 243.0);
        assert!(!r.checks.contains_key(&CheckId::Frontend));
    }

    #[test]
    fn the_region_source_and_fail_on_read_and_write_as_the_schema_says() {
        for (source, text) in [
            (RegionSource::Flag, "flag"),
            (RegionSource::Environment, "environment"),
            (RegionSource::Profile, "profile"),
            (RegionSource::Default, "default"),
        ] {
            assert_eq!(
                serde_json::to_string(&source).unwrap(),
                format!("\"{text}\"")
            );
            assert_eq!(source.to_string(), text);
            let back: RegionSource = serde_json::from_str(&format!("\"{text}\"")).unwrap();
            assert_eq!(back, source);
        }
        for (fail_on, text) in [
            (FailOn::Fail, "fail"),
            (FailOn::Warn, "warn"),
            (FailOn::Never, "never"),
        ] {
            assert_eq!(
                serde_json::to_string(&fail_on).unwrap(),
                format!("\"{text}\"")
            );
            assert_eq!(fail_on.as_str(), text);
            let back: FailOn = serde_json::from_str(&format!("\"{text}\"")).unwrap();
            assert_eq!(back, fail_on);
        }
        // A report without them (the original workflow's) reads as `fail` and no source.
        let r: Report = serde_json::from_str(SPEC_REPORT).unwrap();
        assert_eq!(r.fail_on, FailOn::Fail);
        assert_eq!(r.target.region_source, None);
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["fail_on"], "fail");
        assert_eq!(json["target"]["region_source"], serde_json::Value::Null);
    }

    #[test]
    fn api_checks_are_named_after_their_path() {
        for (path, key) in [
            ("/health", "api_health"),
            ("/hello", "api_hello"),
            ("/v1/Status", "api_v1_status"),
            ("/healthz?deep=1", "api_healthz"),
            ("/a--b//c/", "api_a_b_c"),
            ("/", "api_root"),
            ("/--/", "api_root"),
            ("/é", "api_root"),
        ] {
            assert_eq!(CheckId::api(path).key(), key, "{path}");
        }
        let long = format!("/{}", "x".repeat(200));
        assert_eq!(CheckId::api(&long).key().len(), MAX_API_KEY);
        assert_eq!(CheckId::api("/health").title(), "API health");
        assert_eq!(CheckId::api("/v1/status").title(), "API v1 status");
    }

    #[test]
    fn check_ids_read_back_from_their_keys_and_keep_report_order() {
        for id in CheckId::defaults() {
            let json = serde_json::to_string(&id).unwrap();
            assert_eq!(json, format!("\"{}\"", id.key()));
            assert_eq!(serde_json::from_str::<CheckId>(&json).unwrap(), id);
        }
        assert_eq!(
            CheckId::from_key("login_page"),
            CheckId::Other("login_page".into())
        );
        let mut ids = [
            CheckId::Other("a".into()),
            CheckId::Frontend,
            CheckId::api("/zz"),
            CheckId::api("/aa"),
            CheckId::Cloudfront,
            CheckId::S3Read,
            CheckId::Oidc,
        ];
        ids.sort();
        let keys: Vec<&str> = ids.iter().map(|i| i.key()).collect();
        assert_eq!(
            keys,
            [
                "oidc",
                "s3_read",
                "cloudfront",
                "api_aa",
                "api_zz",
                "frontend",
                "a"
            ]
        );
    }
}
