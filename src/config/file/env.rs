//! One `[env.NAME]` table, validated value by value with the checks the flags get, each
//! error at the value's position: the strings that fill the inputs no flag or variable gave.

use toml::Spanned;

use super::model::EnvModel;
use super::position::Source;
use crate::config::ConfigError;
use crate::config::region::validate_region;
use crate::config::targets::{
    parse_api_paths, validate_account, validate_bucket, validate_distribution, validate_index_key,
    validate_profile_name,
};
use crate::config::validate::{parse_http_url, parse_millis, parse_seconds};
use crate::policy::UrlPolicy;

/// An environment's values, each valid as its flag's value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvValues {
    pub api_base: Option<String>,
    pub api_paths: Vec<String>,
    pub frontend_url: Option<String>,
    pub bucket: Option<String>,
    pub index_key: Option<String>,
    pub distribution_id: Option<String>,
    pub region: Option<String>,
    pub aws_profile: Option<String>,
    pub endpoint_url: Option<String>,
    pub expect_account: Option<String>,
    pub expect_arn: Option<String>,
    /// Comma-separated, as `--allowed-hosts` takes them.
    pub allowed_hosts: Option<String>,
    /// Seconds, as `--timeout` takes them.
    pub timeout: Option<String>,
    /// Milliseconds, as `--slow-ms` takes them.
    pub slow_ms: Option<String>,
}

/// Longest expected-ARN pattern accepted.
const MAX_ARN_PATTERN: usize = 2048;

/// Validates `env`'s values.
pub fn validate(src: &Source, env: &EnvModel) -> Result<EnvValues, ConfigError> {
    let at = |s: &Spanned<String>| src.at(s.span().start);
    let text = |s: &Option<Spanned<String>>| s.as_ref().map(|v| v.get_ref().trim().to_string());
    for url in [&env.api_base, &env.frontend_url, &env.endpoint_url]
        .into_iter()
        .flatten()
    {
        parse_http_url(&at(url), url.get_ref().trim())?;
    }
    if let Some(v) = &env.bucket {
        validate_bucket(&at(v), v.get_ref().trim().to_string())?;
    }
    if let Some(v) = &env.index_key {
        validate_index_key(&at(v), v.get_ref().trim())?;
    }
    if let Some(v) = &env.distribution_id {
        validate_distribution(&at(v), v.get_ref().trim().to_string())?;
    }
    if let Some(v) = &env.region {
        validate_region(&at(v), v.get_ref().trim().to_string())?;
    }
    if let Some(v) = &env.aws_profile {
        validate_profile_name(&at(v), v.get_ref().trim())?;
        if v.get_ref().trim().is_empty() {
            return Err(src.error(
                &v.span(),
                "an empty profile name; expected a profile of the shared AWS config files",
            ));
        }
    }
    if let Some(v) = &env.expect_account {
        validate_account(&at(v), v.get_ref().trim().to_string())?;
    }
    if let Some(v) = &env.expect_arn {
        let p = v.get_ref();
        if p.trim().is_empty() || p.len() > MAX_ARN_PATTERN || p.chars().any(char::is_control) {
            return Err(src.error(&v.span(), format!("expected an ARN pattern like arn:aws:sts::123456789012:assumed-role/deploy/* (not empty, at most {MAX_ARN_PATTERN} bytes, one line)")));
        }
    }
    let api_paths = list(&env.api_paths);
    if let Some(paths) = &env.api_paths {
        for p in paths.get_ref() {
            parse_api_paths(&at(p), &[p.get_ref().clone()])?;
        }
        parse_api_paths(&src.at(paths.span().start), &api_paths)?;
    }
    let allowed_hosts = allowed_hosts(src, env)?;
    let timeout = env.timeout.as_ref().map(|t| t.get_ref().to_string());
    if let (Some(t), Some(v)) = (&env.timeout, &timeout) {
        parse_seconds(&src.at(t.span().start), v)?;
    }
    let slow_ms = env.slow_ms.as_ref().map(|t| t.get_ref().to_string());
    if let (Some(t), Some(v)) = (&env.slow_ms, &slow_ms) {
        parse_millis(&src.at(t.span().start), v)?;
    }
    Ok(EnvValues {
        api_base: text(&env.api_base),
        api_paths,
        frontend_url: text(&env.frontend_url),
        bucket: text(&env.bucket),
        index_key: text(&env.index_key),
        distribution_id: text(&env.distribution_id),
        region: text(&env.region),
        aws_profile: text(&env.aws_profile),
        endpoint_url: text(&env.endpoint_url),
        expect_account: text(&env.expect_account),
        expect_arn: text(&env.expect_arn),
        allowed_hosts,
        timeout,
        slow_ms,
    })
}

fn list(v: &Option<Spanned<Vec<Spanned<String>>>>) -> Vec<String> {
    v.as_ref()
        .map(|l| {
            l.get_ref()
                .iter()
                .map(|s| s.get_ref().trim().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The allowlist: at least one host when given, each a host pattern of `--allowed-hosts`.
fn allowed_hosts(src: &Source, env: &EnvModel) -> Result<Option<String>, ConfigError> {
    let Some(hosts) = &env.allowed_hosts else {
        return Ok(None);
    };
    if hosts.get_ref().is_empty() {
        return Err(src.error(
            &hosts.span(),
            "an empty allowlist; expected at least one host name, IP address or '*.domain' pattern",
        ));
    }
    for h in hosts.get_ref() {
        let v = h.get_ref().trim();
        match UrlPolicy::parse_hosts(v) {
            Ok(parsed) if parsed.len() == 1 => {}
            Ok(_) => {
                return Err(src.error(
                    &h.span(),
                    format!("{v:?} is not one host; expected a host name, an IP address or a '*.domain' pattern (with an optional ':port'), one per string"),
                ));
            }
            Err(e) => return Err(src.error(&h.span(), e)),
        }
    }
    Ok(Some(list(&env.allowed_hosts).join(",")))
}
