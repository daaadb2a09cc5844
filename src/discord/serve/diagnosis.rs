//! One diagnosis, followed by a task of its own: the work (start the workflow, or find the
//! run of a resumed one; follow it; read its report) runs through the remote library,
//! whose events move the message's [`Stage`]; the editor edits the interaction's message
//! once per stage it sees (a stage polled again is no edit), then with the result or
//! the failure. Before the token expires (less the margin) the last edit says where the
//! result will be, and following stops. When the server stops, the edit under way
//! finishes and the diagnosis is left for the next start. Each ends with one outcome line.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::watch;
use tokio::task::JoinHandle;
use uuid::Uuid;

use super::audit::Pending;
use super::messages::{Header, Run, Stage};
use super::{App, ServeSettings};
use crate::discord::interaction::{Command, InteractionToken, Message, Snowflake};
use crate::github::actions::WorkflowInputs;
use crate::remote::{Budget, Event, FollowEnd, Found, Observer, Remote, RemoteError, RunSearch};

/// The least time left to read the report once the run is done.
const READ_AT_LEAST: Duration = Duration::from_secs(60);

/// How the diagnosis begins.
enum Begin {
    /// Dispatched here, with these inputs.
    Start(WorkflowInputs),
    /// Dispatched before a restart, at about this time: its run is looked for.
    Resume { since: SystemTime },
}

/// A diagnosis to follow, and the message to edit.
pub(super) struct Job {
    header: Header,
    application_id: Snowflake,
    token: InteractionToken,
    /// The last edit comes before then.
    last_edit_by: Instant,
    begin: Begin,
    /// Shown above every edit: what the message said before the diagnosis began
    /// (`/verify-latest diagnose:true` keeps the deploy run's verdict there).
    prefix: Option<String>,
}

impl Job {
    /// A diagnosis `c` asked for, with its URL overrides.
    pub(super) fn started(
        settings: &ServeSettings,
        c: &Command,
        header: Header,
        overrides: Vec<(&'static str, String)>,
    ) -> Job {
        let requester = format!("{} ({})", c.requester.username, c.requester.id);
        let mut inputs = WorkflowInputs::new(header.correlation_id, requester);
        inputs.channel_id = c.channel_id.map(|id| id.to_string());
        for (name, value) in overrides {
            match name {
                "frontend_url" => inputs.frontend_url = Some(value),
                _ => inputs.api_base = Some(value),
            }
        }
        Job {
            header,
            application_id: c.application_id,
            token: c.token.clone(),
            last_edit_by: last_edit_by(settings, SystemTime::now()),
            begin: Begin::Start(inputs),
            prefix: None,
        }
    }

    /// The same job, its edits under `prefix`.
    pub(super) fn under(mut self, prefix: &str) -> Job {
        self.prefix = Some(prefix.to_string());
        self
    }

    /// A diagnosis the journal shows as not ended.
    pub(super) fn resumed(settings: &ServeSettings, p: Pending) -> Job {
        Job {
            header: Header {
                correlation_id: p.correlation_id,
                requester: p.user_name,
            },
            application_id: p.application_id,
            token: p.token,
            last_edit_by: last_edit_by(settings, p.accepted_at),
            begin: Begin::Resume {
                since: p.accepted_at,
            },
            prefix: None,
        }
    }
}

/// When the last edit must be made for a token issued at `issued`.
fn last_edit_by(settings: &ServeSettings, issued: SystemTime) -> Instant {
    let age = SystemTime::now().duration_since(issued).unwrap_or_default();
    let left = settings
        .token_lifetime
        .saturating_sub(settings.token_margin)
        .saturating_sub(age);
    crate::clock::later(Instant::now(), left)
}

/// How following ended, as the outcome line says it.
enum End {
    Done(Result<Box<Found>, RemoteError>),
    Expired,
    Left,
}

/// Follows `job` to its end and records the outcome.
pub(super) async fn run(app: Arc<App>, job: Job) {
    let cid = job.header.correlation_id;
    let first = match job.begin {
        Begin::Start(_) => Stage::Triggering,
        Begin::Resume { .. } => Stage::Resuming,
    };
    let (stage_tx, stages) = watch::channel(first);
    let stage_tx = Arc::new(stage_tx);
    let sink = stage_tx.clone();
    let observer: Observer = Arc::new(move |e: &Event| {
        sink.send_if_modified(|s| match s.after(e) {
            Some(next) => {
                *s = next;
                true
            }
            None => false,
        });
    });
    let remote = match Remote::connect(&app.settings.github, observer) {
        Ok(r) => r,
        Err(e) => {
            let why = format!("{e:#}");
            edit(&app, &job, &job.header.failed(&why, &Stage::Triggering)).await;
            app.finish(cid, &format!("error: {why}"));
            return;
        }
    };
    let settings = app.settings.clone();
    let begin = job.begin_kind();
    let work = tokio::spawn(async move { work(&remote, &settings, cid, begin, &stage_tx).await });
    let end = follow(&app, &job, stages, work).await;
    let outcome = match &end {
        End::Done(Ok(found)) if found.succeeded() => "succeeded".to_string(),
        End::Done(Ok(_)) => "failed".to_string(),
        End::Done(Err(e)) => format!("error: {}", crate::text::cap(&e.to_string(), 300)),
        End::Expired => "expired: the token's time ran out before the result".to_string(),
        End::Left => super::audit::LEFT.to_string(),
    };
    app.finish(cid, &outcome);
}

impl Job {
    fn begin_kind(&self) -> Begin {
        match &self.begin {
            Begin::Start(inputs) => Begin::Start(inputs.clone()),
            Begin::Resume { since } => Begin::Resume { since: *since },
        }
    }
}

/// Aborts the work when following ends, however it ends.
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Edits the message once per stage seen until the work ends, the token's time runs out
/// or the server stops.
async fn follow(
    app: &App,
    job: &Job,
    mut stages: watch::Receiver<Stage>,
    work: JoinHandle<Result<Found, RemoteError>>,
) -> End {
    let mut work = AbortOnDrop(work);
    let mut stopping = app.stopping.clone();
    // A started diagnosis's answer already shows its first stage.
    let mut shown = matches!(job.begin, Begin::Start(_)).then(|| stages.borrow().clone());
    loop {
        let stage = stages.borrow_and_update().clone();
        if shown.as_ref() != Some(&stage) {
            edit(app, job, &job.header.at(&stage)).await;
            shown = Some(stage);
            continue;
        }
        tokio::select! {
            biased;
            _ = stopped(&mut stopping) => return End::Left,
            done = &mut work.0 => {
                let stage = stages.borrow().clone();
                return finish(app, job, stage, done).await;
            }
            _ = tokio::time::sleep_until(job.last_edit_by.into()) => {
                let stage = stages.borrow().clone();
                edit(app, job, &job.header.expiring(&stage)).await;
                return End::Expired;
            }
            changed = stages.changed() => {
                if changed.is_err() {
                    // Every sender is gone: the work has ended, its result comes next.
                    let done = (&mut work.0).await;
                    let stage = stages.borrow().clone();
                    return finish(app, job, stage, done).await;
                }
            }
        }
    }
}

/// Resolves once the server is stopping.
async fn stopped(stopping: &mut watch::Receiver<bool>) {
    let _ = stopping.wait_for(|stop| *stop).await;
}

/// The last edit: the result, or why there is none.
async fn finish(
    app: &App,
    job: &Job,
    stage: Stage,
    done: Result<Result<Found, RemoteError>, tokio::task::JoinError>,
) -> End {
    let done = done.unwrap_or_else(|e| Err(RemoteError::from(aborted(e))));
    let message = match &done {
        Ok(found) => {
            let run = stage.run().cloned().unwrap_or_else(|| found_run(found));
            job.header.result(found, Some(&run))
        }
        Err(e) => job.header.failed(&e.to_string(), &stage),
    };
    edit(app, job, &message).await;
    End::Done(done.map(Box::new))
}

/// The run a report was read from, when no event named it.
fn found_run(found: &Found) -> Run {
    Run {
        id: found.run.id,
        url: None,
    }
}

fn aborted(e: tokio::task::JoinError) -> crate::github::GithubError {
    crate::github::GithubError::Transport {
        what: "following the run".into(),
        message: format!("the task following it ended: {e}"),
    }
}

/// Edits the message (under the job's prefix); a failure is logged, and following goes on.
async fn edit(app: &App, job: &Job, message: &Message) {
    let prefixed;
    let message = match &job.prefix {
        Some(prefix) => {
            let content = format!("{prefix}\n\n{}", message.content());
            prefixed = message.clone().with_content(&content);
            &prefixed
        }
        None => message,
    };
    if let Err(e) = app
        .discord
        .edit_original(job.application_id, &job.token, message)
        .await
    {
        tracing::warn!("diagnosis {}: {e}", job.header.correlation_id);
    }
}

/// Starts (or finds) the run, follows it and reads its report.
async fn work(
    remote: &Remote,
    settings: &ServeSettings,
    cid: Uuid,
    begin: Begin,
    stage: &watch::Sender<Stage>,
) -> Result<Found, RemoteError> {
    let clock = remote.clock();
    let budget = Budget::new(clock, settings.timeout, settings.queue_timeout);
    let run = match begin {
        Begin::Start(inputs) => {
            let started = remote.start(&settings.trigger, &inputs, &budget).await?;
            remote.run_of(&started, &budget).await?
        }
        Begin::Resume { since } => {
            let event = settings.trigger.event();
            let search = RunSearch::Dispatched {
                event,
                since,
                queue_timeout: settings.queue_timeout,
            };
            let run = remote.find_run(cid, &search, budget.queue_deadline).await?;
            remote.diagnosis(&run, &[event])?;
            let url = remote.trusted_link(run.html_url.as_deref());
            stage.send_replace(Stage::Found(Run { id: run.id, url }));
            run
        }
    };
    let run = match remote.follow(run, &budget, false).await? {
        FollowEnd::Completed(run) => run,
        FollowEnd::TimedOut(t) => return Err(t.into()),
    };
    let read_deadline = budget.deadline.max(clock.deadline(READ_AT_LEAST));
    remote
        .fetch_report(run, &cid.to_string(), read_deadline)
        .await
}
