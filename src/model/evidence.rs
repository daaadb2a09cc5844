//! The evidence a check records: what the remote side said when it failed
//! ([`ErrorInfo`]), and what each kind of check saw ([`Evidence`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

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
    /// The request method (`GET` when the report does not say).
    #[serde(default = "get")]
    pub method: String,
    /// Every attempt, in order; the last one gave the verdict. Empty in reports of older
    /// versions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attempts: Vec<HttpAttempt>,
    /// The server's leaf certificate, for https targets whose handshake got that far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsEvidence>,
}

fn get() -> String {
    "GET".into()
}

/// One attempt of an HTTP check.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HttpAttempt {
    /// When the attempt started, in ms after the check started.
    pub start_ms: f64,
    /// The status of its response, when one arrived.
    #[serde(default)]
    pub status: Option<u16>,
    /// What ended it, when it did not complete: `timeout`, `connection_reset`, `connect`,
    /// `dns`, `tls`, `body`, `redirect`, `refused` (URL policy) or `other`.
    #[serde(default)]
    pub error: Option<String>,
    pub phases: Phases,
    /// The wait before the next attempt, in ms (`Retry-After` when the server gave one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_in_ms: Option<f64>,
}

/// Milliseconds spent in each phase of one attempt, as blackbox_exporter names them;
/// `None` (`null`) for a phase the attempt never reached, never 0.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Phases {
    /// Name resolution (`None` for an IP literal).
    pub dns: Option<f64>,
    /// TCP connect.
    pub connect: Option<f64>,
    /// TLS handshake (`None` for http).
    pub tls: Option<f64>,
    /// Request sent to the first byte of the response: the server's processing.
    pub ttfb: Option<f64>,
    /// First byte to the end of the body (as much as was read).
    pub transfer: Option<f64>,
    /// The whole attempt.
    pub total: f64,
}

/// The leaf certificate an https server presented. Recorded even when verification failed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TlsEvidence {
    pub subject: String,
    pub issuer: String,
    /// RFC 3339 UTC.
    pub not_before: String,
    /// RFC 3339 UTC.
    pub not_after: String,
    /// Whole days from the check to `not_after` (negative once expired).
    pub days_left: i64,
    /// True when the chain and the host name verified.
    pub verified: bool,
    /// Why verification failed, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify_error: Option<String>,
}
