//! The report model: one typed value that every check fills in and every renderer reads.
//!
//! It serialises to the JSON artifact (`diagnose-summary.json`), a superset of the
//! original shell workflow's "Machine-Readable Result": the keys that result had keep
//! their name, type and meaning, and everything else is added beside them.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// Version of the JSON report layout; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// The checks this tool knows, in the order reports list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckId {
    Oidc,
    S3Read,
    Cloudfront,
    ApiHealth,
    ApiHello,
    Frontend,
}

impl CheckId {
    pub const ALL: [CheckId; 6] = [
        CheckId::Oidc,
        CheckId::S3Read,
        CheckId::Cloudfront,
        CheckId::ApiHealth,
        CheckId::ApiHello,
        CheckId::Frontend,
    ];

    /// The JSON key of the check.
    pub fn key(self) -> &'static str {
        match self {
            CheckId::Oidc => "oidc",
            CheckId::S3Read => "s3_read",
            CheckId::Cloudfront => "cloudfront",
            CheckId::ApiHealth => "api_health",
            CheckId::ApiHello => "api_hello",
            CheckId::Frontend => "frontend",
        }
    }

    /// A short human title, as the summary table shows it.
    pub fn title(self) -> &'static str {
        match self {
            CheckId::Oidc => "AWS identity (OIDC role)",
            CheckId::S3Read => "S3 bucket access",
            CheckId::Cloudfront => "CloudFront distribution",
            CheckId::ApiHealth => "API health",
            CheckId::ApiHello => "API hello",
            CheckId::Frontend => "Frontend",
        }
    }

    pub fn is_aws(self) -> bool {
        matches!(self, CheckId::Oidc | CheckId::S3Read | CheckId::Cloudfront)
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
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

/// An error as the remote side reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorInfo {
    /// Service error code (`AccessDenied`, `NoSuchBucket`, …) when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// HTTP status of the failing response, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// The error text (capped).
    pub message: String,
}

/// Check-specific evidence, tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Evidence {
    Identity(IdentityEvidence),
    S3(S3Evidence),
    Cloudfront(CloudfrontEvidence),
    Http(HttpEvidence),
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IdentityEvidence {
    pub account: Option<String>,
    pub arn: Option<String>,
    pub user_id: Option<String>,
    /// How the credentials were obtained: `environment keys`, `profile NAME` (with how the
    /// profile got them: `profile dev (SSO)`), `web identity (OIDC)`, `container` or
    /// `instance metadata`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct S3Evidence {
    pub bucket: String,
    /// Keys returned by the small listing.
    pub key_count: Option<i32>,
    /// The first few keys of the listing.
    pub sample_keys: Vec<String>,
    pub index: Option<ObjectEvidence>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ObjectEvidence {
    pub key: String,
    pub cache_control: Option<String>,
    pub etag: Option<String>,
    pub content_type: Option<String>,
    pub content_length: Option<i64>,
    pub last_modified: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CloudfrontEvidence {
    pub distribution_id: String,
    /// `Deployed` or `InProgress`.
    pub distribution_status: Option<String>,
    pub enabled: Option<bool>,
    pub domain_name: Option<String>,
    pub aliases: Vec<String>,
    pub last_modified: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HttpEvidence {
    /// The URL asked for.
    pub url: String,
    /// The URL of the final response, when redirects were followed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_url: Option<String>,
    /// Selected response headers (lower-case names).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// The start of the body, as text, capped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Bytes of body read (reading stops at the cap).
    pub body_bytes: u64,
    /// True when the body was longer than what was kept.
    pub body_truncated: bool,
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

/// What was checked, beyond the spec's two URLs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Target {
    pub bucket: Option<String>,
    pub distribution_id: Option<String>,
    pub region: Option<String>,
    /// Where the region came from: `flag`, `environment`, `profile` or `default`.
    pub region_source: Option<String>,
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
    /// The threshold the conclusion was computed with: `fail`, `warn` or `never`.
    #[serde(default = "default_fail_on")]
    pub fail_on: String,
}

fn default_fail_on() -> String {
    "fail".to_string()
}

impl Report {
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
        assert_eq!(r.checks[&CheckId::ApiHealth].status, Some(200));
        assert_eq!(r.checks[&CheckId::ApiHealth].ms, 145);
        assert_eq!(r.checks[&CheckId::ApiHealth].outcome, Outcome::Pass);
        assert_eq!(r.checks[&CheckId::Cloudfront].outcome, Outcome::Fail);
        assert_eq!(r.durations.total_s, 45.0);
        assert_eq!(r.durations.steps["api"], 243.0);
        assert!(!r.checks.contains_key(&CheckId::Frontend));
    }
}
