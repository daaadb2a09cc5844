//! The configurations of `dispatch` and `result`: each command's own inputs on top of
//! what they share ([`GithubConfig`]). `result` names its run by ID, by URL (whose
//! repository and host must agree with `--repo` and `--api-url`) or by correlation ID.

use std::time::Duration;

use clap::ArgMatches;
use url::Url;
use uuid::Uuid;

use super::github::{GithubConfig, RUN_URL, parse_repo};
use super::validate::{
    default_requester, non_empty, parse_http_url, parse_uuid, parse_wait, validate_requester,
};
use super::{ConfigError, Given, Vars};
use crate::cli::inputs::{dispatch, github, result};
use crate::cli::{DispatchArgs, ResultArgs, Via};
use crate::github::Repo;
use crate::text::{cap, one_line};

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

impl DispatchConfig {
    pub fn from_args(
        args: &DispatchArgs,
        matches: &ArgMatches,
        vars: &Vars,
    ) -> Result<DispatchConfig, ConfigError> {
        let given = Given(matches);
        let github = GithubConfig::from_args(&args.github, given, vars, None)?;
        let correlation_id = match non_empty(&args.correlation_id) {
            Some(v) => parse_uuid(&given.name(dispatch::CORRELATION_ID), &v)?,
            None => Uuid::new_v4(),
        };
        let requester = match non_empty(&args.requester) {
            Some(v) => validate_requester(&given.name(dispatch::REQUESTER), v)?,
            None => default_requester(vars, &dispatch::REQUESTER_DEFAULTS),
        };
        let extra = extra_inputs(args, given)?;
        let git_ref = non_empty(&args.git_ref)
            .map(|r| validate_ref(&given.name(dispatch::GIT_REF), r))
            .transpose()?;
        Ok(DispatchConfig {
            github,
            via: args.via,
            git_ref,
            correlation_id,
            requester,
            extra,
            no_wait: args.no_wait,
            timeout: parse_wait(&given.name(dispatch::TIMEOUT), &args.timeout)?,
            queue_timeout: parse_wait(&given.name(dispatch::QUEUE_TIMEOUT), &args.queue_timeout)?,
            cancel_on_timeout: args.cancel_on_timeout,
        })
    }
}

/// What is passed to the run beyond the correlation ID: the Discord channel and thread
/// (numeric IDs), the frontend and API overrides (http(s) URLs).
fn extra_inputs(
    args: &DispatchArgs,
    given: Given,
) -> Result<Vec<(&'static str, String)>, ConfigError> {
    let mut extra = Vec::new();
    for (key, input, value) in [
        ("channel_id", dispatch::CHANNEL_ID, &args.channel_id),
        ("thread_id", dispatch::THREAD_ID, &args.thread_id),
    ] {
        if let Some(v) = non_empty(value) {
            if v.len() > 25 || !v.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ConfigError::new(
                    given.name(input),
                    format!("{v:?} is not a numeric Discord ID"),
                ));
            }
            extra.push((key, v));
        }
    }
    for (key, input, value) in [
        ("frontend_url", dispatch::FRONTEND_URL, &args.frontend_url),
        ("api_base", dispatch::API_BASE, &args.api_base),
    ] {
        if let Some(v) = non_empty(value) {
            extra.push((key, parse_http_url(&given.name(input), &v)?.to_string()));
        }
    }
    Ok(extra)
}

/// A branch or tag name, loosely: no spaces or control characters, no `..`.
fn validate_ref(input: &str, r: String) -> Result<String, ConfigError> {
    if r.len() > 255 || r.chars().any(|c| c.is_control() || c == ' ') || r.contains("..") {
        Err(ConfigError::new(
            input,
            format!("{r:?} is not a branch or tag name"),
        ))
    } else {
        Ok(r)
    }
}

impl ResultConfig {
    pub fn from_args(
        args: &ResultArgs,
        matches: &ArgMatches,
        vars: &Vars,
    ) -> Result<ResultConfig, ConfigError> {
        let given = Given(matches);
        let timeout = parse_wait(&given.name(result::TIMEOUT), &args.timeout)?;
        if let Ok(cid) = parse_uuid(result::RUN_VALUE_NAME, args.run.trim()) {
            let github = GithubConfig::from_args(&args.github, given, vars, None)?;
            return Ok(ResultConfig {
                github,
                run: RunRef::Correlation(cid),
                wait: args.wait,
                timeout,
            });
        }
        let (run_id, run_url) = parse_run(&args.run)?;
        let repo_hint = run_url.as_ref().map(|(_, repo)| repo.clone());
        let github = GithubConfig::from_args(&args.github, given, vars, repo_hint)?;
        if let Some((url, _)) = &run_url {
            check_run_host(url, &github, given)?;
        }
        Ok(ResultConfig {
            github,
            run: RunRef::Id(run_id),
            wait: args.wait,
            timeout,
        })
    }
}

/// A run URL must be on the web host of the API the runs are read from.
pub(super) fn check_run_host(
    url: &Url,
    github: &GithubConfig,
    given: Given,
) -> Result<(), ConfigError> {
    if github.web.serves(url) {
        return Ok(());
    }
    Err(ConfigError::new(
        RUN_URL,
        format!(
            "the run URL is on {}, but the runs of {} {} are on {}; give the run ID, or the API URL of that GitHub",
            host_port(url),
            given.name(github::API_URL),
            github.api_url,
            github.web
        ),
    ))
}

/// `HOST` or `HOST:PORT` of a URL, as messages show it.
fn host_port(url: &Url) -> String {
    let host = cap(&one_line(url.host_str().unwrap_or("")), 100);
    match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host,
    }
}

/// `123`, or `https://HOST/OWNER/NAME/actions/runs/123[/attempts/N][/…]` (with the URL and
/// the repository it names).
pub(super) fn parse_run(v: &str) -> Result<(u64, Option<(Url, Repo)>), ConfigError> {
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
            let repo = parse_repo(RUN_URL, &format!("{owner}/{name}"))?;
            Ok((id, Some((url.clone(), repo))))
        }
        _ => Err(bad()),
    }
}
