//! The configuration file as serde reads it: every table refuses unknown keys, and every
//! value keeps its position ([`Spanned`]) so that the checks made after parsing (ranges,
//! names, references between checks) can point at the value they refuse.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileModel {
    /// The environment used when neither `--env` nor `REMOTE_HANDS_ENV` names one.
    pub default_env: Option<Spanned<String>>,
    /// Most checks running at once.
    pub max_in_flight: Option<Spanned<i64>>,
    /// A TLS certificate expiring within this many days warns.
    pub tls_warn_days: Option<Spanned<i64>>,
    /// The environments, by name (`[env.dev]`).
    #[serde(default)]
    pub env: BTreeMap<String, Spanned<EnvModel>>,
    /// The custom checks (`[[check]]`), shared by every environment unless `envs` says.
    #[serde(default)]
    pub check: Vec<Spanned<CheckModel>>,
}

/// One environment's targets, AWS access and expectations.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvModel {
    pub api_base: Option<Spanned<String>>,
    pub api_paths: Option<Spanned<Vec<Spanned<String>>>>,
    pub frontend_url: Option<Spanned<String>>,
    pub bucket: Option<Spanned<String>>,
    pub index_key: Option<Spanned<String>>,
    pub distribution_id: Option<Spanned<String>>,
    pub region: Option<Spanned<String>>,
    pub aws_profile: Option<Spanned<String>>,
    pub endpoint_url: Option<Spanned<String>>,
    pub expect_account: Option<Spanned<String>>,
    pub expect_arn: Option<Spanned<String>>,
    pub allowed_hosts: Option<Spanned<Vec<Spanned<String>>>>,
    /// Deadline of each check, in seconds.
    pub timeout: Option<Spanned<i64>>,
    /// An HTTP check slower than this (milliseconds) warns.
    pub slow_ms: Option<Spanned<i64>>,
}

/// What a custom check does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// An HTTP request and what its answer must be (the default).
    Http,
    /// A HeadObject of a key in the environment's bucket.
    S3Object,
    /// The aliases (CNAMEs) the environment's distribution must serve.
    CloudfrontAliases,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Http => "http",
            Kind::S3Object => "s3_object",
            Kind::CloudfrontAliases => "cloudfront_aliases",
        }
    }
}

/// One `[[check]]`. The keys of each kind are refused on the others.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckModel {
    pub id: Spanned<String>,
    pub kind: Option<Spanned<Kind>>,
    /// The environments it runs in; every one when absent.
    pub envs: Option<Spanned<Vec<Spanned<String>>>>,
    /// Checks that must pass before this one runs.
    #[serde(default)]
    pub needs: Vec<Spanned<String>>,
    // kind = "http"
    pub url: Option<Spanned<String>>,
    pub method: Option<Spanned<String>>,
    pub headers: Option<Spanned<BTreeMap<String, Spanned<toml::Value>>>>,
    pub expect_status: Option<Spanned<Vec<Spanned<i64>>>>,
    pub body_contains: Option<Spanned<String>>,
    pub json: Option<Spanned<BTreeMap<String, Spanned<toml::Value>>>>,
    pub warn_ms: Option<Spanned<i64>>,
    // kind = "s3_object"
    pub key: Option<Spanned<String>>,
    pub content_type: Option<Spanned<String>>,
    pub cache_control: Option<Spanned<String>>,
    // kind = "cloudfront_aliases"
    pub aliases: Option<Spanned<Vec<Spanned<String>>>>,
}

impl CheckModel {
    pub fn kind(&self) -> Kind {
        self.kind.as_ref().map_or(Kind::Http, |k| *k.get_ref())
    }

    /// The keys given that belong to another kind than this check's: name and where.
    pub fn foreign_keys(&self) -> Vec<(&'static str, std::ops::Range<usize>)> {
        let http = [
            ("url", self.url.as_ref().map(Spanned::span)),
            ("method", self.method.as_ref().map(Spanned::span)),
            ("headers", self.headers.as_ref().map(Spanned::span)),
            (
                "expect_status",
                self.expect_status.as_ref().map(Spanned::span),
            ),
            (
                "body_contains",
                self.body_contains.as_ref().map(Spanned::span),
            ),
            ("json", self.json.as_ref().map(Spanned::span)),
            ("warn_ms", self.warn_ms.as_ref().map(Spanned::span)),
        ];
        let s3 = [
            ("key", self.key.as_ref().map(Spanned::span)),
            (
                "content_type",
                self.content_type.as_ref().map(Spanned::span),
            ),
            (
                "cache_control",
                self.cache_control.as_ref().map(Spanned::span),
            ),
        ];
        let aliases = [("aliases", self.aliases.as_ref().map(Spanned::span))];
        let kind = self.kind();
        let mut foreign = Vec::new();
        if kind != Kind::Http {
            foreign.extend(http);
        }
        if kind != Kind::S3Object {
            foreign.extend(s3);
        }
        if kind != Kind::CloudfrontAliases {
            foreign.extend(aliases);
        }
        foreign
            .into_iter()
            .filter_map(|(name, span)| span.map(|s| (name, s)))
            .collect()
    }
}
