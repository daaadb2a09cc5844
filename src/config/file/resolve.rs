//! The custom checks of the selected environment, made ready to run once the run's own
//! values are known: paths joined to the API base, ids checked against the API checks',
//! `needs` against the checks that run, and each header's value read from its variable
//! (a secret: it is marked sensitive and never appears in a message).

use std::time::Duration;

use reqwest::header::HeaderValue;
use url::Url;

use super::checks::{BUILT_IN, Pending, PendingHttp, PendingKind};
use crate::checks::http::{self, Expect, Spec};
use crate::checks::s3_object;
use crate::config::validate::parse_http_url;
use crate::config::{ConfigError, Vars};
use crate::model::CheckId;

/// A custom check of the configuration file, ready to run.
#[derive(Debug, Clone)]
pub struct CustomCheck {
    pub id: CheckId,
    /// The checks that must pass before it runs.
    pub needs: Vec<CheckId>,
    pub kind: CustomKind,
}

#[derive(Debug, Clone)]
pub enum CustomKind {
    Http(Spec),
    /// A HeadObject of a key in the environment's bucket.
    S3Object(s3_object::Expect),
    /// The aliases the environment's distribution must serve.
    CloudfrontAliases(Vec<String>),
}

/// What the run knows when the custom checks are resolved.
pub struct RunValues<'a> {
    pub env: Option<&'a str>,
    pub api_base: Option<&'a Url>,
    pub api_paths: &'a [(CheckId, String)],
    pub slow: Duration,
    pub vars: &'a Vars,
}

/// The checks of `pending` that run in the selected environment, resolved.
pub fn resolve(pending: &[Pending], run: &RunValues) -> Result<Vec<CustomCheck>, ConfigError> {
    let here: Vec<&Pending> = pending
        .iter()
        .filter(|p| match (&p.envs, run.env) {
            (None, _) => true,
            (Some(envs), Some(env)) => envs.iter().any(|e| e == env),
            (Some(_), None) => false,
        })
        .collect();
    let mut out = Vec::new();
    for p in &here {
        let id = CheckId::from_key(&p.id);
        let needs = p
            .needs
            .iter()
            .map(|(n, at)| need(n, at, &here, run))
            .collect::<Result<Vec<_>, _>>()?;
        let kind = match &p.what {
            PendingKind::Http(h) => CustomKind::Http(spec(p, h, run)?),
            PendingKind::S3Object {
                key,
                content_type,
                cache_control,
            } => CustomKind::S3Object(s3_object::Expect {
                key: key.clone(),
                content_type: content_type.clone(),
                cache_control: cache_control.clone(),
            }),
            PendingKind::CloudfrontAliases(aliases) => {
                CustomKind::CloudfrontAliases(aliases.clone())
            }
        };
        out.push(CustomCheck { id, needs, kind });
    }
    Ok(out)
}

/// A check named in `needs`: built in, an API check of the run, or a custom one that runs
/// in this environment.
fn need(n: &str, at: &str, here: &[&Pending], run: &RunValues) -> Result<CheckId, ConfigError> {
    let id = CheckId::from_key(n);
    let known = BUILT_IN.contains(&n)
        || run.api_paths.iter().any(|(api, _)| *api == id)
        || here.iter().any(|p| p.id == n);
    if known {
        return Ok(id);
    }
    let mut ids: Vec<String> = BUILT_IN.iter().map(|s| s.to_string()).collect();
    ids.extend(run.api_paths.iter().map(|(api, _)| api.to_string()));
    ids.extend(here.iter().map(|p| p.id.clone()));
    let env = run
        .env
        .map_or(String::new(), |e| format!(" in environment {e}"));
    Err(ConfigError::new(
        at,
        format!(
            "needs {n:?}, which is not a check of this run{env}; expected one of: {}",
            ids.join(", ")
        ),
    ))
}

/// The request and its expectations.
fn spec(p: &Pending, h: &PendingHttp, run: &RunValues) -> Result<Spec, ConfigError> {
    let url = if h.url.starts_with('/') {
        let Some(base) = run.api_base else {
            let env = run
                .env
                .map_or("the file".to_string(), |e| format!("[env.{e}]"));
            return Err(ConfigError::new(
                &h.url_at,
                format!(
                    "{:?} is a path under api_base, but {env} has no api_base (and no --api-base or API_BASE was given); expected an absolute URL or an api_base",
                    h.url
                ),
            ));
        };
        if h.url.contains('#') || h.url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ConfigError::new(
                &h.url_at,
                format!(
                    "{:?} is not a path like /login or /v1/status?deep=1 (no spaces, no #)",
                    h.url
                ),
            ));
        }
        http::endpoint(base, &h.url)
    } else {
        parse_http_url(&h.url_at, &h.url)?
    };
    let mut headers = Vec::new();
    for (name, var, at) in &h.headers {
        let Some(value) = run.vars.get(var) else {
            return Err(ConfigError::new(
                at,
                format!(
                    "check {:?}: header {name} takes its value from ${var}, which is not set; expected the variable set (its value is never shown)",
                    p.id
                ),
            ));
        };
        let mut value = HeaderValue::from_str(value).map_err(|_| {
            ConfigError::new(
                at,
                format!("check {:?}: header {name}: ${var} does not hold a valid header value (visible ASCII only, one line; its value is not shown)", p.id),
            )
        })?;
        value.set_sensitive(true);
        headers.push((name.clone(), value));
    }
    Ok(Spec {
        method: h.method.clone(),
        url,
        headers,
        cdn: false,
        expect: Expect {
            status: h.status.clone(),
            body_contains: h.body_contains.clone(),
            json: h.json.clone(),
            warn_after: h.warn_after.unwrap_or(run.slow),
        },
    })
}
