//! `remote-hands result`: the report of a run named by its ID, its URL or its correlation
//! ID — read only when the run is a diagnosis run, followed first with `--wait` — shown
//! as text, JSON or a Discord message, and posted to a Discord webhook when one is given.
//! How a report and an error are shown, and which exit code each is, is shared with
//! `dispatch`.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::ArgMatches;
use serde_json::json;

use super::progress::{Progress, clean};
use crate::cli::{ResultArgs, ResultFormat};
use crate::config::{GithubConfig, ResultConfig, RunRef, Vars};
use crate::github::GithubError;
use crate::github::Webhook;
use crate::github::types::{RunStatus, WorkflowRun};
use crate::remote::{
    Budget, DIAGNOSIS_EVENTS, FollowEnd, Found, GaveUp, Remote, RemoteError, RunSearch, TimedOut,
};
use crate::report::{Discord, Renderer, Text};

/// How long `result` looks without `--wait`.
const LOOK: Duration = Duration::from_secs(120);
/// Reading a report gets at least this long, whatever the wait used up.
pub(crate) const READ_AT_LEAST: Duration = Duration::from_secs(60);

/// The whole command, from the parsed arguments (`matches` are the subcommand's) to the
/// exit code.
pub fn run(args: &ResultArgs, matches: &ArgMatches, vars: &Vars, verbose: u8) -> ExitCode {
    match ResultConfig::from_args(args, matches, vars) {
        Ok(config) => {
            super::say_token_source(verbose, &config.github);
            super::block_on(result(config))
        }
        Err(e) => super::usage_error(&e),
    }
}

/// Runs `remote-hands result`; prints the result; returns the exit code.
pub async fn result(config: ResultConfig) -> anyhow::Result<u8> {
    let progress = Arc::new(Progress::new());
    let remote = Remote::connect(&config.github, progress.observer(false))?;
    let outcome = read(&config, &remote).await;
    progress.finish();
    match outcome {
        Ok(found) => show_found(&config.github, &remote, &found).await,
        Err(Stop::Remote(e)) => Ok(fail(exit_code(&e, 2), &e)),
        Err(Stop::NotCompleted { run, state }) => Ok(fail(
            3,
            format!("run {run} is {state}, not completed yet (--wait follows it)"),
        )),
    }
}

/// Why `result` shows no report.
enum Stop {
    Remote(RemoteError),
    /// Without `--wait`, the run is still going.
    NotCompleted {
        run: u64,
        state: RunStatus,
    },
}

impl From<RemoteError> for Stop {
    fn from(e: RemoteError) -> Stop {
        Stop::Remote(e)
    }
}

impl From<GithubError> for Stop {
    fn from(e: GithubError) -> Stop {
        Stop::Remote(e.into())
    }
}

async fn read(config: &ResultConfig, remote: &Remote) -> Result<Found, Stop> {
    let clock = remote.clock();
    let wait = if config.wait { config.timeout } else { LOOK };
    let budget = Budget::new(clock, wait, wait);
    let run: WorkflowRun = match config.run {
        RunRef::Id(id) => remote.read_run(id, budget.deadline).await?,
        RunRef::Correlation(cid) => {
            let search = RunSearch::Recent { wait: config.wait };
            remote.find_run(cid, &search, budget.deadline).await?
        }
    };
    // The run was named by the user: only a diagnosis run is read, and its title says
    // which correlation ID its report must carry.
    let expected = remote.diagnosis(&run, &DIAGNOSIS_EVENTS)?;
    let run = if run.is_completed() {
        run
    } else if !config.wait {
        return Err(Stop::NotCompleted {
            run: run.id,
            state: run.state(),
        });
    } else {
        match remote.follow(run, &budget, false).await? {
            FollowEnd::Completed(run) => run,
            // Whichever budget ran out, `result` names it by its --timeout.
            FollowEnd::TimedOut(t) => {
                let t = TimedOut {
                    why: GaveUp::Deadline,
                    ..t
                };
                return Err(RemoteError::from(t).into());
            }
        }
    };
    let read_deadline = budget.deadline.max(clock.deadline(READ_AT_LEAST));
    Ok(remote.fetch_report(run, &expected, read_deadline).await?)
}

/// The exit code of an error: 3 for what did not happen in time or left no report, 2 for
/// usage, authentication and API errors; a report refused as another run's is `refused`.
pub(crate) fn exit_code(e: &RemoteError, refused: u8) -> u8 {
    match e {
        RemoteError::Github(GithubError::Deadline { .. })
        | RemoteError::NoRun(_)
        | RemoteError::TimedOut(_)
        | RemoteError::NoReport { .. } => 3,
        RemoteError::Refused(_) => refused,
        _ => 2,
    }
}

/// Prints `error` as one clean line; returns `code`.
pub(crate) fn fail(code: u8, error: impl std::fmt::Display) -> u8 {
    eprintln!("error: {}", clean(&error.to_string()));
    code
}

/// Prints the report in the chosen format, posts it to Discord when asked; the exit code.
pub(crate) async fn show_found(
    config: &GithubConfig,
    remote: &Remote,
    found: &Found,
) -> anyhow::Result<u8> {
    let out = render(remote, config.format, found);
    print!("{out}");
    if let Some(webhook) = &config.discord_webhook {
        let payload = if config.format == ResultFormat::Discord {
            out
        } else {
            render(remote, ResultFormat::Discord, found)
        };
        post_webhook(remote, webhook, payload).await?;
    }
    Ok(if found.succeeded() { 0 } else { 1 })
}

fn render(remote: &Remote, format: ResultFormat, found: &Found) -> String {
    let run_url = remote.trusted_link(found.run.html_url.as_deref());
    match format {
        ResultFormat::Text => {
            let mut out = format!(
                "run {} {} ({}; report {}){}\n",
                found.run.id,
                found.run.state(),
                found.run.conclusion_word(),
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
            // The run's status and conclusion are GitHub's words or `unknown`.
            let v = json!({
                "run": found.run,
                "source": found.source.key(),
                "warnings": found.warnings(),
                "consistent": found.contradiction.is_none(),
                "report": found.report,
            });
            let mut s = serde_json::to_string_pretty(&v).expect("serialisable");
            s.push('\n');
            s
        }
        ResultFormat::Discord => Discord {
            run_url,
            notes: found.warnings(),
        }
        .render(&found.report),
    }
}

/// Posts a Discord message payload to the webhook (its secret path never shown).
pub(crate) async fn post_webhook(
    remote: &Remote,
    webhook: &Webhook,
    payload: String,
) -> anyhow::Result<()> {
    let response = remote
        .github()
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
    use crate::remote::{Cancel, NoRun, NoRunWhy, Refusal};

    #[test]
    fn errors_exit_3_when_time_ran_out_or_no_report_came_else_2() {
        let timed_out = RemoteError::from(TimedOut {
            run: 1,
            state: RunStatus::Queued,
            after: Duration::from_secs(1),
            why: GaveUp::Deadline,
            cancel: Cancel::NotAsked,
        });
        assert_eq!(exit_code(&timed_out, 2), 3);
        let no_run = RemoteError::NoRun(NoRun {
            workflow: "d.yml".into(),
            correlation_id: uuid::Uuid::nil(),
            why: NoRunWhy::BeforeTimeout,
        });
        assert_eq!(exit_code(&no_run, 2), 3);
        let deadline = RemoteError::Github(GithubError::Deadline {
            what: "x".into(),
            waited: Duration::from_secs(1),
        });
        assert_eq!(exit_code(&deadline, 2), 3);
        let refused = RemoteError::Refused(Refusal::OtherCorrelationId {
            run: 1,
            got: "a".into(),
            expected: "b".into(),
        });
        assert_eq!(exit_code(&refused, 2), 2);
        assert_eq!(exit_code(&refused, 3), 3);
        let limited = RemoteError::Github(GithubError::RateLimited("x".into()));
        assert_eq!(exit_code(&limited, 3), 2);
    }
}
