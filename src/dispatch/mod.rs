//! `remote-hands dispatch` and `remote-hands result`: start the diagnosis workflow in a
//! repository, find its run by correlation ID, wait for it within the rate limits, read
//! the report back (artifact first, job log second), check that it is this run's report,
//! and print it as text, JSON or a Discord message.
//!
//! Nothing read from GitHub is shown before it is checked: the run must be of the
//! diagnosis workflow file (`--workflow`), started by `repository_dispatch` or
//! `workflow_dispatch`, with a UUID correlation ID in its title, and the report must carry
//! that same ID. A report read from the job log says so, and a run whose conclusion
//! contradicts its report is flagged, in every format. A dispatch is sent at most once:
//! when it may or may not have reached GitHub, the run is looked for before deciding.

pub mod artifact;
pub mod progress;

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use reqwest::Method;
use serde_json::{Map, Value, json};

use crate::cli::{ResultFormat, Via};
use crate::clock::Clock;
use crate::config::{DispatchConfig, GithubConfig, ResultConfig, RunRef, WebHost};
use crate::github::types::{
    Artifacts, DispatchDetails, Jobs, Repository, WorkflowRun, WorkflowRuns,
};
use crate::github::{Github, GithubError};
use crate::model::{Conclusion, Report};
use crate::report::{Discord, Renderer, Text};
use progress::Progress;

/// The repository_dispatch event type the workflow listens for.
pub const EVENT_TYPE: &str = "diagnose.request";
/// GitHub's limit on client_payload's top-level keys.
pub const MAX_PAYLOAD_KEYS: usize = 10;
/// GitHub's limit on workflow_dispatch inputs.
pub const MAX_INPUTS: usize = 25;
/// First poll interval; it grows by half each unchanged poll, up to the maximum. Unchanged
/// polls are 304s, which GitHub does not count, so the maximum stays short: the result is
/// printed at most this long after the run completes.
pub const POLL_MIN: Duration = Duration::from_secs(1);
pub const POLL_MAX: Duration = Duration::from_secs(2);
/// How far the local and GitHub's clocks may disagree when searching runs by time.
const CLOCK_SKEW: Duration = Duration::from_secs(120);
/// How long the run of a dispatch that may or may not have been accepted is looked for
/// (at most --queue-timeout) before giving up on it.
pub const UNSURE_GRACE: Duration = Duration::from_secs(120);
/// The events that start a diagnosis run.
const DIAGNOSIS_EVENTS: [&str; 2] = ["repository_dispatch", "workflow_dispatch"];

/// How a dispatch or result ended; each maps to an exit code.
#[derive(Debug)]
pub enum Ending {
    /// The run's report (exit 0 or 1 by its conclusion).
    Report(Box<Found>),
    /// `--no-wait`: the run was started (exit 0).
    Started(Value),
    /// Not complete in time (exit 3).
    Timeout(String),
    /// Completed without a readable report (exit 3).
    NoReport(String),
    /// Usage, authentication or API error (exit 2).
    Error(String),
}

#[derive(Debug)]
pub struct Found {
    pub run: WorkflowRun,
    pub report: Report,
    pub source: Source,
    /// Set when the run's conclusion and the report's disagree (one says success, the
    /// other does not): what disagrees, in words.
    pub contradiction: Option<String>,
}

/// Where a report was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Artifact,
    /// The job log: the fallback channel, weaker than the artifact.
    Log,
}

impl Source {
    /// The JSON value: `artifact` or `log`.
    pub fn key(self) -> &'static str {
        match self {
            Source::Artifact => "artifact",
            Source::Log => "log",
        }
    }

    /// `from the artifact`, `from the job log`.
    pub fn described(self) -> &'static str {
        match self {
            Source::Artifact => "from the artifact",
            Source::Log => "from the job log",
        }
    }
}

impl Found {
    /// The warnings every format shows.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.source == Source::Log {
            out.push("the report was read from the job log, not from the artifact".to_string());
        }
        if let Some(c) = &self.contradiction {
            out.push(c.clone());
        }
        out
    }
}

impl Ending {
    pub fn exit_code(&self) -> u8 {
        match self {
            Ending::Report(f)
                if f.report.conclusion == Conclusion::Success && f.contradiction.is_none() =>
            {
                0
            }
            Ending::Report(_) => 1,
            Ending::Started(_) => 0,
            Ending::Timeout(_) | Ending::NoReport(_) => 3,
            Ending::Error(_) => 2,
        }
    }
}

impl From<GithubError> for Ending {
    fn from(e: GithubError) -> Ending {
        match e {
            GithubError::Deadline { .. } => Ending::Timeout(e.to_string()),
            other => Ending::Error(other.to_string()),
        }
    }
}

fn github(config: &GithubConfig, progress: Arc<Progress>) -> anyhow::Result<Github> {
    Ok(Github::new(
        crate::net::api_client()?,
        config.api_url.clone(),
        config.repo.clone(),
        config.token.clone(),
        Clock::new(config.time_scale),
        Box::new(move |m| progress.note(m)),
    ))
}

/// The repository_dispatch `client_payload` (or workflow_dispatch `inputs`), refused
/// before sending when it has more than `limit` keys.
pub fn payload(fields: &[(&str, String)], limit: usize) -> Result<Map<String, Value>, String> {
    let map: Map<String, Value> = fields
        .iter()
        .map(|(k, v)| (k.to_string(), Value::String(v.clone())))
        .collect();
    if map.len() > limit {
        return Err(format!(
            "the payload has {} top-level keys; GitHub accepts at most {limit}",
            map.len()
        ));
    }
    Ok(map)
}

/// Runs `remote-hands dispatch`; prints the result; returns the exit code.
pub async fn dispatch(config: DispatchConfig) -> anyhow::Result<u8> {
    let progress = Arc::new(Progress::new());
    let gh = github(&config.github, progress.clone())?;
    let ending = match run_dispatch(&config, &gh, &progress).await {
        Ok(e) | Err(e) => e,
    };
    progress.finish();
    finish(&config.github, &gh, ending).await
}

/// Runs `remote-hands result`.
pub async fn result(config: ResultConfig) -> anyhow::Result<u8> {
    let progress = Arc::new(Progress::new());
    let gh = github(&config.github, progress.clone())?;
    let clock = gh.clock;
    let started = Instant::now();
    let deadline = if config.wait {
        clock.deadline(config.timeout)
    } else {
        clock.deadline(Duration::from_secs(120))
    };
    let ending = async {
        let mut run: WorkflowRun = match config.run {
            RunRef::Id(id) => read_run(&gh, id, deadline).await?,
            RunRef::Correlation(cid) => {
                run_of_correlation(&config, &gh, &progress, &cid.to_string(), deadline).await?
            }
        };
        // The run was named by the user: only a diagnosis run is read, and its title
        // says which correlation ID its report must carry.
        let expected = diagnosis_run(&config.github, &run, &DIAGNOSIS_EVENTS)?;
        let mut interval = POLL_MIN;
        while !run.is_completed() {
            let state = word(run.status.as_deref()).to_string();
            if !config.wait {
                return Ok::<Ending, Ending>(Ending::Timeout(format!(
                    "run {} is {state}, not completed yet (--wait follows it)",
                    run.id,
                )));
            }
            progress.state(&format!("run {} {state}", run.id));
            let Some(pause) = pause_before(clock, interval, deadline) else {
                return Err(Ending::Timeout(format!(
                    "run {} was still {state} after {} s (--timeout)",
                    run.id,
                    clock.since(started).as_secs()
                )));
            };
            clock.sleep(pause).await;
            interval = interval.mul_f64(1.5).min(POLL_MAX);
            run = match read_run(&gh, run.id, deadline).await {
                Ok(r) => r,
                Err(GithubError::Deadline { .. } | GithubError::RateLimited(_)) => {
                    return Err(Ending::Timeout(format!(
                        "run {} was still {state} after {} s (--timeout)",
                        run.id,
                        clock.since(started).as_secs()
                    )));
                }
                Err(e) => return Err(e.into()),
            };
        }
        let read_deadline = deadline.max(clock.deadline(Duration::from_secs(60)));
        Ok(fetch_report(
            &config.github,
            &gh,
            &progress,
            run,
            &expected,
            read_deadline,
            Ending::Error,
        )
        .await)
    }
    .await;
    let ending = match ending {
        Ok(e) | Err(e) => e,
    };
    progress.finish();
    finish(&config.github, &gh, ending).await
}

/// Run `id`, as GitHub shows it now (a 304 when nothing changed since the last read).
async fn read_run(gh: &Github, id: u64, deadline: Instant) -> Result<WorkflowRun, GithubError> {
    gh.get(
        gh.repo_url(&format!("actions/runs/{id}"), &[]),
        &format!("reading run {id}"),
        deadline,
    )
    .await
}

/// The wait before the next poll: the poll interval (less jitter), or what is left before
/// `deadline` when that is shorter — the last poll happens at the deadline, so a budget
/// is honoured as stated. None when the deadline has passed.
fn pause_before(clock: Clock, interval: Duration, deadline: Instant) -> Option<Duration> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return None;
    }
    Some(jitter(interval).min(clock.unscaled(left)))
}

/// The run of the workflow whose title carries `cid` (`result <correlation-id>`): the
/// workflow's recent runs, searched as `dispatch` searches them; with `--wait`, waited
/// for until it appears.
async fn run_of_correlation(
    config: &ResultConfig,
    gh: &Github,
    progress: &Progress,
    cid: &str,
    deadline: Instant,
) -> Result<WorkflowRun, Ending> {
    let url = gh.repo_url(
        &format!("actions/workflows/{}/runs", config.github.workflow),
        &[("per_page", "50".to_string())],
    );
    let mut interval = POLL_MIN;
    loop {
        progress.state(&format!("looking for the run of {cid}"));
        let runs: WorkflowRuns = gh
            .get(url.clone(), "listing the workflow's runs", deadline)
            .await
            .map_err(|e| match e {
                GithubError::NotFound(_) => Ending::Error(format!(
                    "workflow {} not found in {} (--workflow), or the token cannot see it",
                    config.github.workflow, gh.repo
                )),
                GithubError::Deadline { .. } => Ending::Timeout(format!(
                    "no run of {} for correlation ID {cid} appeared before --timeout",
                    config.github.workflow
                )),
                other => other.into(),
            })?;
        if let Some(run) = runs.workflow_runs.into_iter().find(|r| r.names(cid)) {
            return Ok(run);
        }
        let pause = config
            .wait
            .then(|| pause_before(gh.clock, interval, deadline))
            .flatten();
        let Some(pause) = pause else {
            let hint = if config.wait {
                ""
            } else {
                " (--wait waits for it)"
            };
            return Err(Ending::Timeout(format!(
                "no run of {} carries correlation ID {cid}{hint}",
                config.github.workflow
            )));
        };
        gh.clock.sleep(pause).await;
        interval = interval.mul_f64(1.5).min(POLL_MAX);
    }
}

async fn run_dispatch(
    config: &DispatchConfig,
    gh: &Github,
    progress: &Progress,
) -> Result<Ending, Ending> {
    let clock = gh.clock;
    let started = Instant::now();
    let deadline = clock.deadline(config.timeout);
    let queue_deadline = clock.deadline(config.queue_timeout).min(deadline);
    let cid = config.correlation_id.to_string();

    let mut fields: Vec<(&str, String)> = vec![
        ("correlation_id", cid.clone()),
        ("requester", config.requester.clone()),
    ];
    fields.extend(config.extra.iter().cloned());

    let before = SystemTime::now();
    // A dispatch that may or may not have reached GitHub is not sent again: the run is
    // looked for instead, and its appearance decides.
    let unsure = |e: GithubError| match e {
        GithubError::Ambiguous { what, message } => Ok((None, before, Some((what, message)))),
        other => Err(other),
    };
    let (known_run, dispatched_at, unsure) = match config.via {
        Via::Repository => {
            let client_payload = payload(&fields, MAX_PAYLOAD_KEYS).map_err(Ending::Error)?;
            let body = json!({"event_type": EVENT_TYPE, "client_payload": client_payload});
            gh.call(
                Method::POST,
                gh.repo_url("dispatches", &[]),
                Some(&body),
                "sending the repository_dispatch event",
                deadline,
            )
            .await
            .map(|answer| (None, server_time(&answer.headers), None))
            .or_else(unsure)
            .map_err(|e| with_hint(e, "repository_dispatch needs a token with Contents: write (fine-grained) or the repo scope (classic)"))?
        }
        Via::Workflow => {
            let inputs = payload(&fields, MAX_INPUTS).map_err(Ending::Error)?;
            let git_ref = match &config.git_ref {
                Some(r) => r.clone(),
                None => {
                    let repo: Repository = gh
                        .get(gh.repo_url("", &[]), "reading the repository", deadline)
                        .await?;
                    repo.default_branch
                }
            };
            let url = gh.repo_url(
                &format!("actions/workflows/{}/dispatches", config.github.workflow),
                &[],
            );
            let what = format!("starting {} on {git_ref}", config.github.workflow);
            let hint = "workflow_dispatch needs a token with Actions: write";
            let body = json!({"ref": git_ref, "inputs": inputs, "return_run_details": true});
            let sent = match gh
                .call(Method::POST, url.clone(), Some(&body), &what, deadline)
                .await
            {
                // Older GitHub Enterprise Server does not know return_run_details and
                // refuses the request (400 or 422, in words that vary by version). A
                // refused request started nothing, so it is sent again without it; a
                // request that was wrong for another reason is refused again, and that
                // answer is reported.
                Err(GithubError::Refused {
                    status: 400 | 422, ..
                }) => {
                    let body = json!({"ref": git_ref, "inputs": inputs});
                    let sent = gh
                        .call(Method::POST, url, Some(&body), &what, deadline)
                        .await;
                    if sent.is_ok() {
                        progress.note(
                            "this GitHub does not return run details; searching for the run instead",
                        );
                    }
                    sent
                }
                sent => sent,
            };
            sent.map(|answer| {
                let details = (answer.status == 200)
                    .then(|| serde_json::from_slice::<DispatchDetails>(&answer.body).ok())
                    .flatten();
                (details, server_time(&answer.headers), None)
            })
            .or_else(unsure)
            .map_err(|e| with_hint(e, hint))?
        }
    };
    let event = match config.via {
        Via::Repository => "repository_dispatch",
        Via::Workflow => "workflow_dispatch",
    };

    // After a dispatch that may or may not have been accepted, the run decides.
    let found_unsure = match &unsure {
        None => {
            progress.note(&format!("started: correlation ID {cid}"));
            None
        }
        Some((what, why)) => {
            let left = clock.unscaled(deadline.saturating_duration_since(Instant::now()));
            let grace = UNSURE_GRACE.min(config.queue_timeout).min(left);
            progress.note(&format!(
                "{what}: {why}; GitHub may or may not have accepted it, so it is not sent again: looking for the run of correlation ID {cid} for up to {} s",
                grace.as_secs()
            ));
            let grace_deadline = clock.deadline(grace).min(deadline);
            match find_run(
                config,
                gh,
                progress,
                &cid,
                event,
                dispatched_at,
                grace_deadline,
            )
            .await
            {
                Ok(run) => {
                    progress.note(&format!(
                        "run {} carries correlation ID {cid}: GitHub had accepted the dispatch; carrying on",
                        run.id
                    ));
                    Some(run)
                }
                Err(Ending::Timeout(_)) => {
                    return Err(Ending::Error(format!(
                        "{what}: {why}; no run for correlation ID {cid} appeared within {} s, so the dispatch may or may not have been accepted; it was not sent again (look at the workflow's runs before dispatching again)",
                        grace.as_secs()
                    )));
                }
                Err(other) => return Err(other),
            }
        }
    };

    if config.no_wait {
        let mut started = json!({"correlation_id": cid, "repository": gh.repo.to_string()});
        let known = known_run
            .as_ref()
            .map(|d| (d.workflow_run_id, d.html_url.clone()))
            .or_else(|| found_unsure.as_ref().map(|r| (r.id, r.html_url.clone())));
        if let Some((id, html_url)) = known {
            started["run_id"] = json!(id);
            started["html_url"] = json!(trusted_link(&config.github.web, html_url.as_deref()));
        }
        return Ok(Ending::Started(started));
    }

    // Find the run.
    let mut run = match (found_unsure, &known_run) {
        (Some(run), _) => run,
        (None, Some(d)) => read_run(gh, d.workflow_run_id, deadline).await?,
        (None, None) => {
            find_run(
                config,
                gh,
                progress,
                &cid,
                event,
                dispatched_at,
                queue_deadline,
            )
            .await?
        }
    };
    // It must be a run of the diagnosis, started by this dispatch.
    let carried = diagnosis_run(&config.github, &run, &[event])?;
    if carried != cid {
        return Err(Ending::Error(format!(
            "run {} carries correlation ID {carried}, not {cid}; refusing to follow another run",
            run.id
        )));
    }
    if let Some(url) = trusted_link(&config.github.web, run.html_url.as_deref()) {
        progress.note(&format!("run {}: {url}", run.id));
    }

    // Wait for it.
    let mut interval = POLL_MIN;
    let mut last = String::new();
    loop {
        let state = word(run.status.as_deref()).to_string();
        if state != last {
            interval = POLL_MIN;
            last = state.clone();
        }
        progress.state(&format!("run {} {state}", run.id));
        if run.is_completed() {
            break;
        }
        let queued = matches!(
            state.as_str(),
            "queued" | "waiting" | "pending" | "requested"
        );
        let now = Instant::now();
        // Queued, the next poll comes no later than the queue deadline; the last poll is
        // at the deadline itself, so each budget is honoured as stated.
        let limit = if queued { queue_deadline } else { deadline };
        let pause = pause_before(clock, interval, limit);
        let give_up = match pause {
            None if queued && now >= queue_deadline && queue_deadline < deadline => Some(format!(
                "run {} was still {state} after the queue timeout of {} s",
                run.id,
                config.queue_timeout.as_secs()
            )),
            None => Some(format!(
                "run {} was still {state} after {} s (--timeout)",
                run.id,
                clock.since(started).as_secs()
            )),
            Some(_) => None,
        };
        if let Some(why) = give_up {
            return Err(timeout(gh, config, progress, &run, why).await);
        }
        clock.sleep(pause.unwrap_or_default()).await;
        interval = interval.mul_f64(1.5).min(POLL_MAX);
        run = match read_run(gh, run.id, deadline).await {
            Ok(r) => r,
            // The deadline passed during the poll itself: the same timeout.
            Err(GithubError::Deadline { .. }) => {
                let why = format!(
                    "run {} was still {last} after {} s (--timeout)",
                    run.id,
                    clock.since(started).as_secs()
                );
                return Err(timeout(gh, config, progress, &run, why).await);
            }
            // The rate limit would hold the next poll past the deadline.
            Err(e @ GithubError::RateLimited(_)) => {
                let why = format!("run {} was still {last}: {e}", run.id);
                return Err(timeout(gh, config, progress, &run, why).await);
            }
            Err(e) => return Err(e.into()),
        };
    }

    // Reading the result gets its own short deadline when the wait used up the total.
    let read_deadline = deadline.max(clock.deadline(Duration::from_secs(60)));
    Ok(fetch_report(
        &config.github,
        gh,
        progress,
        run,
        &cid,
        read_deadline,
        Ending::NoReport,
    )
    .await)
}

/// The correlation ID of `run` once it is known to be a diagnosis run: of the workflow
/// file `--workflow`, started by one of `events`, with a UUID correlation ID in its title.
/// Anything else is refused (exit 2).
fn diagnosis_run(
    config: &GithubConfig,
    run: &WorkflowRun,
    events: &[&str],
) -> Result<String, Ending> {
    if !run.is_of_workflow(&config.repo, &config.workflow) {
        return Err(Ending::Error(format!(
            "run {} is a run of {}, not of {} (--workflow); refusing to read it",
            run.id,
            shown(run.path.as_deref().unwrap_or("an unnamed workflow")),
            config.workflow
        )));
    }
    let event = run.event.as_deref().unwrap_or("");
    if !events.contains(&event) {
        return Err(Ending::Error(format!(
            "run {} was started by {}, not by {}; refusing to read it",
            run.id,
            if event.is_empty() {
                "an unnamed event".to_string()
            } else {
                shown(event)
            },
            events.join(" or ")
        )));
    }
    run.correlation_id().ok_or_else(|| {
        Ending::Error(format!(
            "run {}'s title carries no correlation ID (a UUID after \" — \"); refusing to read it",
            run.id
        ))
    })
}

/// Text from outside, fit for a one-line message.
fn shown(s: &str) -> String {
    crate::text::cap(&crate::text::one_line(s), 100)
}

/// A run's status or conclusion as shown: GitHub's words are lowercase letters and `_`;
/// anything else is `unknown`.
fn word(s: Option<&str>) -> &str {
    match s {
        Some(w)
            if !w.is_empty()
                && w.len() <= 32
                && w.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') =>
        {
            w
        }
        _ => "unknown",
    }
}

/// The run's page, when it is a web URL of this GitHub; otherwise it is not shown.
fn trusted_link(web: &WebHost, html_url: Option<&str>) -> Option<String> {
    let url = url::Url::parse(html_url?).ok()?;
    (matches!(url.scheme(), "http" | "https") && web.serves(&url)).then(|| url.to_string())
}

/// Appends what the token lacks to a permission error.
fn with_hint(e: GithubError, hint: &str) -> Ending {
    match e {
        GithubError::Forbidden(m) if !m.contains("needs the permission") => {
            Ending::Error(format!("{m}; {hint}"))
        }
        GithubError::NotFound(m) => Ending::Error(format!("{m} ({hint})")),
        other => other.into(),
    }
}

/// The Date header of GitHub's answer (its clock, not ours), else our clock.
fn server_time(headers: &reqwest::header::HeaderMap) -> SystemTime {
    headers
        .get(reqwest::header::DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok())
        .unwrap_or_else(SystemTime::now)
}

/// 75–100 % of `d`: spreads clients out, never waits longer than the bound.
fn jitter(d: Duration) -> Duration {
    d.mul_f64(0.75 + 0.25 * fastrand::f64())
}

async fn find_run(
    config: &DispatchConfig,
    gh: &Github,
    progress: &Progress,
    cid: &str,
    event: &str,
    dispatched_at: SystemTime,
    queue_deadline: Instant,
) -> Result<WorkflowRun, Ending> {
    let since = dispatched_at
        .checked_sub(CLOCK_SKEW)
        .unwrap_or(dispatched_at);
    let since = humantime::format_rfc3339_seconds(since).to_string();
    let url = gh.repo_url(
        &format!("actions/workflows/{}/runs", config.github.workflow),
        &[
            ("event", event.to_string()),
            ("created", format!(">={since}")),
            ("per_page", "30".to_string()),
        ],
    );
    let mut interval = POLL_MIN;
    loop {
        progress.state(&format!("waiting for the run of {cid} to appear"));
        let runs: WorkflowRuns = gh
            .get(url.clone(), "listing the workflow's runs", queue_deadline)
            .await
            .map_err(|e| match e {
                GithubError::Deadline { .. } => no_run(config, cid),
                GithubError::RateLimited(m) => Ending::Timeout(format!(
                    "no run for correlation ID {cid} was found before the deadline: GitHub's rate limit: {m}"
                )),
                GithubError::NotFound(_) => Ending::Error(format!(
                    "workflow {} not found in {} (--workflow), or the token cannot see it",
                    config.github.workflow, gh.repo
                )),
                other => other.into(),
            })?;
        if let Some(run) = runs.workflow_runs.into_iter().find(|r| r.names(cid)) {
            return Ok(run);
        }
        let Some(pause) = pause_before(gh.clock, interval, queue_deadline) else {
            return Err(no_run(config, cid));
        };
        gh.clock.sleep(pause).await;
        interval = interval.mul_f64(1.5).min(POLL_MAX);
    }
}

fn no_run(config: &DispatchConfig, cid: &str) -> Ending {
    Ending::Timeout(format!(
        "no run of {} for correlation ID {cid} appeared within {} s; is the workflow on the default branch, and does its run-name carry the correlation ID?",
        config.github.workflow,
        config.queue_timeout.as_secs()
    ))
}

/// Gives up on `run`; cancels it when asked.
async fn timeout(
    gh: &Github,
    config: &DispatchConfig,
    progress: &Progress,
    run: &WorkflowRun,
    why: String,
) -> Ending {
    if !config.cancel_on_timeout {
        return Ending::Timeout(why);
    }
    let deadline = gh.clock.deadline(Duration::from_secs(30));
    let cancel = gh
        .call(
            Method::POST,
            gh.repo_url(&format!("actions/runs/{}/cancel", run.id), &[]),
            None,
            &format!("cancelling run {}", run.id),
            deadline,
        )
        .await;
    match cancel {
        Ok(_) => {
            progress.note(&format!("cancelled run {}", run.id));
            Ending::Timeout(format!("{why}; the run was cancelled"))
        }
        // 409: it finished meanwhile.
        Err(e) => Ending::Timeout(format!("{why}; cancelling it failed: {e}")),
    }
}

/// The report of a completed run: from its artifact, else from its job logs. A report
/// for another correlation ID than `expected` is refused as `refuse` says.
async fn fetch_report(
    config: &GithubConfig,
    gh: &Github,
    progress: &Progress,
    run: WorkflowRun,
    expected: &str,
    deadline: Instant,
    refuse: fn(String) -> Ending,
) -> Ending {
    let mut why_not = Vec::new();
    // The artifact may use half the time left, so that a download that stalls still
    // leaves the job log its chance.
    let left = deadline.saturating_duration_since(Instant::now());
    let artifact_deadline = crate::clock::later(Instant::now(), left / 2);
    let artifacts = gh
        .get::<Artifacts>(
            gh.repo_url(
                &format!("actions/runs/{}/artifacts", run.id),
                &[
                    ("name", config.artifact_name.clone()),
                    ("per_page", "10".to_string()),
                ],
            ),
            &format!("listing the artifacts of run {}", run.id),
            artifact_deadline,
        )
        .await;
    match artifacts {
        Err(e) => why_not.push(e.to_string()),
        Ok(list) => match list
            .artifacts
            .iter()
            .find(|a| a.name == config.artifact_name)
        {
            None => why_not.push(format!("the run has no artifact {}", config.artifact_name)),
            Some(a) if a.expired => {
                why_not.push(format!("the artifact {} has expired", config.artifact_name))
            }
            Some(a) if artifact::zip_too_big(a.size_in_bytes).is_some() => {
                why_not.extend(artifact::zip_too_big(a.size_in_bytes))
            }
            Some(a) => {
                let zip = gh
                    .download(
                        gh.repo_url(&format!("actions/artifacts/{}/zip", a.id), &[]),
                        &format!("downloading artifact {}", a.name),
                        artifact::MAX_ZIP,
                        artifact_deadline,
                    )
                    .await;
                match zip
                    .map_err(|e| e.to_string())
                    .and_then(|z| artifact::report_from_zip(&z))
                    .and_then(|json| parse_report(&json, "artifact"))
                {
                    Ok(report) => {
                        return verified(run, report, Source::Artifact, expected, refuse);
                    }
                    Err(e) => why_not.push(e),
                }
            }
        },
    }
    progress.note(&format!(
        "{}; reading the report from the job log instead",
        why_not.join("; ")
    ));

    match report_from_logs(gh, &run, expected, deadline).await {
        Ok(report) => verified(run, report, Source::Log, expected, refuse),
        Err(e) => {
            why_not.push(e);
            Ending::NoReport(format!(
                "run {} ended {} without a readable report: {}",
                run.id,
                word(run.conclusion.as_deref()),
                why_not.join("; ")
            ))
        }
    }
}

/// The report in the job logs of `run`: the one block of the tool, in one log. A log with
/// a block that cannot be trusted, or more than one block in all, is refused.
async fn report_from_logs(
    gh: &Github,
    run: &WorkflowRun,
    expected: &str,
    deadline: Instant,
) -> Result<Report, String> {
    let jobs: Jobs = gh
        .get(
            gh.repo_url(
                &format!("actions/runs/{}/jobs", run.id),
                &[("per_page", "30".to_string())],
            ),
            &format!("listing the jobs of run {}", run.id),
            deadline,
        )
        .await
        .map_err(|e| e.to_string())?;
    // A job whose log cannot be read (a skipped gate job, an expired log) does not stop
    // the search: the report may be in the next one.
    let mut unreadable = Vec::new();
    let mut found: Option<String> = None;
    for job in &jobs.jobs {
        let log = match gh
            .download(
                gh.repo_url(&format!("actions/jobs/{}/logs", job.id), &[]),
                &format!("downloading the log of job {}", job.name),
                artifact::MAX_LOG,
                deadline,
            )
            .await
        {
            Ok(log) => log,
            Err(e) => {
                unreadable.push(e.to_string());
                continue;
            }
        };
        match artifact::report_from_log(&String::from_utf8_lossy(&log), expected) {
            Ok(None) => {}
            Ok(Some(_)) if found.is_some() => {
                return Err(
                    "more than one job log holds a report block where the tool writes one; refusing to choose"
                        .to_string(),
                );
            }
            Ok(Some(json)) => found = Some(json),
            Err(e) => return Err(format!("job {}: {e}", shown(&job.name))),
        }
    }
    if let Some(json) = found {
        return parse_report(json.as_bytes(), "job log");
    }
    let mut why = "no job log holds the report block".to_string();
    for e in unreadable {
        why.push_str("; ");
        why.push_str(&e);
    }
    Err(why)
}

fn parse_report(json: &[u8], source: &str) -> Result<Report, String> {
    serde_json::from_slice(json)
        .map_err(|e| format!("the report in the {source} is not valid: {e}"))
}

/// Never reports another run's result; flags a run whose conclusion contradicts its report.
fn verified(
    run: WorkflowRun,
    report: Report,
    source: Source,
    expected: &str,
    refuse: fn(String) -> Ending,
) -> Ending {
    let got = &report.correlation_id;
    if crate::config::parse_uuid("", got).is_err() {
        return refuse(format!(
            "run {}'s report ({}) carries a correlation ID that is not a UUID; refusing to show it",
            run.id,
            source.described()
        ));
    }
    if !got.eq_ignore_ascii_case(expected) {
        return refuse(format!(
            "run {}'s report is for correlation ID {got}, not {expected}; refusing to show another run's result",
            run.id
        ));
    }
    let contradiction = run.conclusion.as_deref().and_then(|c| {
        let run_succeeded = c == "success";
        let report_succeeded = report.conclusion == Conclusion::Success;
        (run_succeeded != report_succeeded).then(|| {
            format!(
                "the run concluded {} but its report says {}: the two disagree",
                word(Some(c)),
                report.conclusion.as_str()
            )
        })
    });
    Ending::Report(Box::new(Found {
        run,
        report,
        source,
        contradiction,
    }))
}

/// Prints the ending in the chosen format, posts to Discord when asked; the exit code.
async fn finish(config: &GithubConfig, gh: &Github, ending: Ending) -> anyhow::Result<u8> {
    let code = ending.exit_code();
    match &ending {
        Ending::Report(found) => {
            let out = render(config, config.format, found);
            print!("{out}");
            if let Some(webhook) = &config.discord_webhook {
                let payload = if config.format == ResultFormat::Discord {
                    out
                } else {
                    render(config, ResultFormat::Discord, found)
                };
                post_webhook(gh, webhook, payload).await?;
            }
        }
        Ending::Started(v) => match config.format {
            ResultFormat::Text => {
                let mut line = format!(
                    "correlation ID {}",
                    v["correlation_id"].as_str().unwrap_or("")
                );
                if let Some(id) = v["run_id"].as_u64() {
                    line.push_str(&format!("  run {id}"));
                }
                if let Some(url) = v["html_url"].as_str() {
                    // Checked by trusted_link before it was put there.
                    line.push_str(&format!("  {url}"));
                }
                println!("{line}");
            }
            ResultFormat::Json => println!("{}", serde_json::to_string_pretty(v)?),
            ResultFormat::Discord => {
                let payload = crate::report::discord::started(
                    v["correlation_id"].as_str().unwrap_or(""),
                    v["html_url"].as_str(),
                );
                print!("{payload}");
                if let Some(webhook) = &config.discord_webhook {
                    post_webhook(gh, webhook, payload).await?;
                }
            }
        },
        Ending::Timeout(m) | Ending::NoReport(m) | Ending::Error(m) => {
            eprintln!("error: {}", progress::clean(m));
        }
    }
    Ok(code)
}

fn render(config: &GithubConfig, format: ResultFormat, found: &Found) -> String {
    let run_url = trusted_link(&config.web, found.run.html_url.as_deref());
    let warnings = found.warnings();
    match format {
        ResultFormat::Text => {
            let mut out = format!(
                "run {} {} ({}; report {}){}\n",
                found.run.id,
                word(found.run.status.as_deref()),
                word(found.run.conclusion.as_deref()),
                found.source.described(),
                run_url.map(|u| format!("  {u}")).unwrap_or_default(),
            );
            if let Some(c) = &found.contradiction {
                out.push_str(&format!("warning: {c}\n"));
            }
            out.push_str(&Text::for_stdout().render(&found.report));
            out
        }
        ResultFormat::Json => {
            let v = json!({
                "run": found.run,
                "source": found.source.key(),
                "warnings": warnings,
                "consistent": found.contradiction.is_none(),
                "report": found.report,
            });
            let mut s = serde_json::to_string_pretty(&v).expect("serialisable");
            s.push('\n');
            s
        }
        ResultFormat::Discord => Discord {
            run_url,
            notes: warnings,
        }
        .render(&found.report),
    }
}

async fn post_webhook(
    gh: &Github,
    webhook: &crate::config::Webhook,
    payload: String,
) -> anyhow::Result<()> {
    let response = gh
        .http()
        .post(webhook.url().clone())
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(payload)
        .send()
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "posting to the Discord webhook: {}",
                crate::text::error_chain(&e.without_url())
            )
        })?;
    if !response.status().is_success() {
        anyhow::bail!(
            "posting to the Discord webhook: it answered {}",
            response.status().as_u16()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_links_from_github_are_shown_only_as_what_they_claim_to_be() {
        assert_eq!(word(Some("in_progress")), "in_progress");
        assert_eq!(word(Some("\u{1b}[2Jdone")), "unknown");
        assert_eq!(word(Some("Success")), "unknown");
        assert_eq!(word(Some(&"a".repeat(33))), "unknown");
        assert_eq!(word(Some("")), "unknown");
        assert_eq!(word(None), "unknown");
        let web = WebHost::of_api(&url::Url::parse("https://api.github.com/").unwrap());
        let link = "https://github.com/acme/site/actions/runs/1";
        assert_eq!(trusted_link(&web, Some(link)).as_deref(), Some(link));
        for bad in [
            "https://evil.example/acme/site/actions/runs/1",
            "https://github.com.evil.example/x",
            "javascript:alert(1)",
            "not a url",
        ] {
            assert_eq!(trusted_link(&web, Some(bad)), None, "{bad}");
        }
        assert_eq!(trusted_link(&web, None), None);
    }

    #[test]
    fn the_payload_is_checked_before_sending() {
        let fields: Vec<(&str, String)> = (0..11)
            .map(|i| {
                (
                    ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"][i],
                    "v".to_string(),
                )
            })
            .collect();
        let err = payload(&fields, MAX_PAYLOAD_KEYS).unwrap_err();
        assert!(err.contains("11 top-level keys"), "{err}");
        assert_eq!(payload(&fields[..10], MAX_PAYLOAD_KEYS).unwrap().len(), 10);
    }

    #[test]
    fn the_last_poll_comes_at_the_deadline_not_before() {
        let clock = Clock::new(1.0);
        let interval = Duration::from_secs(2);
        // Plenty of time: the interval, less at most a quarter of jitter.
        let far = Instant::now() + Duration::from_secs(60);
        let pause = pause_before(clock, interval, far).unwrap();
        assert!(
            pause <= interval && pause >= interval.mul_f64(0.75),
            "{pause:?}"
        );
        // Less time left than the interval: wait only that long, then poll once more.
        let near = Instant::now() + Duration::from_millis(300);
        let pause = pause_before(clock, interval, near).unwrap();
        assert!(pause <= Duration::from_millis(300), "{pause:?}");
        assert!(pause > Duration::from_millis(200), "{pause:?}");
        // The deadline has passed: no more polls.
        assert_eq!(pause_before(clock, interval, Instant::now()), None);
        // Scaled clocks wait scaled time: 0.3 s left at scale 0.001 is 300 s of theirs.
        let pause = pause_before(Clock::new(0.001), interval, near).unwrap();
        assert!(pause <= interval, "{pause:?}");
    }
}
