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
}
