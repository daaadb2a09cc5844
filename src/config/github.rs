//! What `dispatch` and `result` share, validated ([`GithubConfig`]): the repository, the
//! API URL and the web host of its runs, the workflow and artifact names, the output
//! format, the Discord webhook, and the token with where it came from — `GITHUB_TOKEN`,
//! then `GH_TOKEN`, then the GitHub CLI's login (`gh auth token`).

use std::time::Duration;

use url::Url;

use super::validate::{is_loopback_host, non_empty, parse_http_url};
use super::{ConfigError, Given, Vars, env_name};
use crate::cli::inputs::github;
use crate::cli::{GithubArgs, ResultFormat};
use crate::github::{Repo, Token, WebHost, Webhook};

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
            TokenSource::GithubToken => github::GITHUB_TOKEN,
            TokenSource::GhToken => github::GH_TOKEN,
            TokenSource::GhCli => "gh auth token",
        })
    }
}

/// How the positional run argument is named when it is a run URL.
pub(super) const RUN_URL: &str = "RUN_URL";

impl GithubConfig {
    /// `repo_hint` is the repository named by a run URL, used when --repo is absent.
    pub(super) fn from_args(
        args: &GithubArgs,
        given: Given,
        vars: &Vars,
        repo_hint: Option<Repo>,
    ) -> Result<GithubConfig, ConfigError> {
        let repo = repo(args, given, repo_hint)?;
        let api_url = api_url(args, given)?;
        let workflow = workflow(&given.name(github::WORKFLOW), &args.workflow)?;
        let artifact_name = artifact_name(&given.name(github::ARTIFACT_NAME), &args.artifact_name)?;
        let discord_webhook = non_empty(&args.discord_webhook)
            .map(|v| discord_webhook(&given.name(github::DISCORD_WEBHOOK), &v))
            .transpose()?;
        let time_scale = match vars.non_empty(github::TIME_SCALE) {
            None => 1.0,
            Some(v) => parse_time_scale(&v)?,
        };
        let web = WebHost::of_api(&api_url);
        let (token, token_source) = github_token(vars, &web)?;
        Ok(GithubConfig {
            repo,
            token: Token::new(token),
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

/// `--repo` (or `GITHUB_REPOSITORY`); a run URL's repository when neither is given, and an
/// error when both are and differ.
fn repo(args: &GithubArgs, given: Given, hint: Option<Repo>) -> Result<Repo, ConfigError> {
    let repo_input = given.name(github::REPO);
    match (non_empty(&args.repo), hint) {
        (Some(r), hint) => {
            let repo = parse_repo(&repo_input, &r)?;
            if let Some(hint) = hint.filter(|h| *h != repo) {
                return Err(ConfigError::new(
                    RUN_URL,
                    format!("the run URL is in {hint}, but {repo_input} says {repo}"),
                ));
            }
            Ok(repo)
        }
        (None, Some(hint)) => Ok(hint),
        (None, None) => Err(ConfigError::new(
            github::REPO.flag_name(),
            format!(
                "missing: name the repository as OWNER/NAME (or set {})",
                github::REPO.env.unwrap_or_default()
            ),
        )),
    }
}

/// `--api-url` (or `GITHUB_API_URL`): https (http on loopback only), no query or
/// fragment, a path that ends with `/`.
fn api_url(args: &GithubArgs, given: Given) -> Result<Url, ConfigError> {
    let api_input = given.name(github::API_URL);
    let mut api_url = parse_http_url(&api_input, &args.api_url)?;
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
    Ok(api_url)
}

pub(super) fn workflow(input: &str, v: &str) -> Result<String, ConfigError> {
    let workflow = v.trim().to_string();
    // A name of dots only (`..`) would climb out of its path segment in the API URL.
    if !workflow.chars().any(|c| c.is_ascii_alphanumeric())
        || !workflow
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    {
        return Err(ConfigError::new(
            input,
            format!("{workflow:?} is not a workflow file name like diagnose-dispatch.yml"),
        ));
    }
    Ok(workflow)
}

fn artifact_name(input: &str, v: &str) -> Result<String, ConfigError> {
    let name = v.trim().to_string();
    if name.is_empty()
        || name.len() > 256
        || name.chars().any(|c| {
            c.is_control() || matches!(c, '"' | ':' | '<' | '>' | '|' | '*' | '?' | '\\' | '/')
        })
    {
        return Err(ConfigError::new(
            input,
            format!("{name:?} is not a valid artifact name"),
        ));
    }
    Ok(name)
}

/// A Discord webhook: https (http on loopback only) with a host. Its messages never show
/// the value: its path is a secret.
fn discord_webhook(input: &str, v: &str) -> Result<Webhook, ConfigError> {
    let url = Url::parse(v).map_err(|_| {
        ConfigError::new(
            input,
            "is not a URL (the value is not shown: it holds a secret)",
        )
    })?;
    let ok = url.scheme() == "https" || (url.scheme() == "http" && is_loopback_host(&url));
    if !ok || url.host_str().is_none() {
        return Err(ConfigError::new(
            input,
            "must be an https URL (the value is not shown: it holds a secret)",
        ));
    }
    Ok(Webhook::new(url))
}

/// The token: `GITHUB_TOKEN`, then `GH_TOKEN`, then — as many CLIs do — the GitHub CLI's
/// login (`gh auth token --hostname HOST`) when `gh` is installed.
fn github_token(vars: &Vars, web: &WebHost) -> Result<(String, TokenSource), ConfigError> {
    let (token, source) = if let Some(t) = vars.non_empty(github::GITHUB_TOKEN) {
        (t, TokenSource::GithubToken)
    } else if let Some(t) = vars.non_empty(github::GH_TOKEN) {
        (t, TokenSource::GhToken)
    } else if let Some(t) = gh_auth_token(&web.host_name()) {
        (t, TokenSource::GhCli)
    } else {
        return Err(ConfigError::new(
            env_name(github::GITHUB_TOKEN),
            format!(
                "missing: set {} or {} to a token that may use the repository's Actions, or log in with `gh auth login`",
                github::GITHUB_TOKEN,
                github::GH_TOKEN
            ),
        ));
    };
    if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        let input = match source {
            TokenSource::GhCli => source.to_string(),
            other => env_name(&other.to_string()),
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

/// `REMOTE_HANDS_TIME_SCALE`: a number from [`crate::clock::MIN_SCALE`] to 1.
fn parse_time_scale(v: &str) -> Result<f64, ConfigError> {
    use crate::clock::{MAX_SCALE, MIN_SCALE};
    match v.trim().parse::<f64>() {
        Ok(s) if (MIN_SCALE..=MAX_SCALE).contains(&s) => Ok(s),
        _ => Err(ConfigError::new(
            env_name(github::TIME_SCALE),
            format!("{v:?} is not a number from {MIN_SCALE} to {MAX_SCALE}"),
        )),
    }
}

pub(super) fn parse_repo(input: &str, v: &str) -> Result<Repo, ConfigError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workflow_is_a_file_name_that_stays_in_its_path_segment() {
        assert_eq!(
            workflow("--workflow", " deploy.yml ").unwrap(),
            "deploy.yml"
        );
        for bad in ["", "..", ".", "...", "a/b.yml", "x?.yml", "é.yml"] {
            let e = workflow("--workflow", bad).unwrap_err();
            assert!(
                e.message.contains("workflow file name"),
                "{bad}: {}",
                e.message
            );
        }
    }

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
}
