//! The interactions endpoint Discord calls: [`serve`] answers `/diagnose` and
//! `/verify-latest` on a bound listener until told to stop. Each `/diagnose` is decided
//! by the [`guard`] (allowlists, per-user rate, URL override hosts, diagnoses running),
//! written to the [`audit`] log, then answered at once — never waiting on GitHub — while
//! a task of its own ([`diagnosis`]) starts it through the remote library and edits the
//! message as it moves. The audit log is the journal: on start, the diagnoses a previous
//! run of the server left unfinished within the token's lifetime are followed again; on
//! stop, the server stops accepting, lets the edits under way finish within the grace
//! period, and records what it left so the next start resumes it.

pub mod audit;
mod diagnosis;
pub mod guard;
mod http;
pub mod messages;
mod verify_latest;

use std::collections::HashSet;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::sync::watch;
use tokio::task::JoinSet;
use url::Url;
use uuid::Uuid;

use super::api::{DEFAULT_API_URL, DiscordApi};
use super::interaction::Snowflake;
use super::verify::{PublicKey, Verifier};
use crate::config::GithubConfig;
use crate::policy::UrlPolicy;
use crate::remote::Trigger;
use crate::verify::DeployWorkflow;
pub use guard::{Access, RateLimit, Refusal};

/// How long Discord lets an interaction's token edit its message.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(15 * 60);
/// How long before the token expires the last edit is made.
pub const TOKEN_MARGIN: Duration = Duration::from_secs(30);
/// How long edits under way may take to finish when the server stops.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Everything the server needs, validated by [`ServeSettings::check`] when it starts.
#[derive(Debug, Clone)]
pub struct ServeSettings {
    /// Where to listen (`serve` takes the bound listener; this is for whoever binds it).
    pub listen: SocketAddr,
    pub public_key: PublicKey,
    pub application_id: Snowflake,
    /// Discord's API, e.g. [`DEFAULT_API_URL`].
    pub discord_api_url: Url,
    pub github: GithubConfig,
    /// How the diagnosis workflow is started.
    pub trigger: Trigger,
    /// How long a diagnosis may take in all, and queued (on the GitHub clock).
    pub timeout: Duration,
    pub queue_timeout: Duration,
    /// Which servers, channels, roles and users may start a diagnosis.
    pub access: Access,
    pub rate_limit: RateLimit,
    /// Diagnoses followed at once.
    pub max_running: usize,
    /// The hosts `frontend_url` and `api_base` may name (none: no override taken).
    pub url_policy: UrlPolicy,
    pub audit_log: PathBuf,
    pub token_lifetime: Duration,
    pub token_margin: Duration,
    pub shutdown_grace: Duration,
    /// The deploy workflow `/verify-latest` reads.
    pub deploy_workflow: DeployWorkflow,
}

impl ServeSettings {
    /// The defaults around what has none: listen on 127.0.0.1:8080, Discord's API,
    /// repository_dispatch, 10 minutes (5 queued), one diagnosis a minute per user, four
    /// at once, no URL override, `./discord-audit.jsonl`, and nobody allowed yet.
    pub fn new(
        public_key: PublicKey,
        application_id: Snowflake,
        github: GithubConfig,
    ) -> ServeSettings {
        ServeSettings {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_key,
            application_id,
            discord_api_url: Url::parse(DEFAULT_API_URL).expect("a valid URL"),
            github,
            trigger: Trigger::Repository,
            timeout: Duration::from_secs(600),
            queue_timeout: Duration::from_secs(300),
            access: Access::default(),
            rate_limit: RateLimit::DEFAULT,
            max_running: 4,
            url_policy: UrlPolicy::default(),
            audit_log: PathBuf::from("discord-audit.jsonl"),
            token_lifetime: TOKEN_LIFETIME,
            token_margin: TOKEN_MARGIN,
            shutdown_grace: SHUTDOWN_GRACE,
            deploy_workflow: DeployWorkflow::default(),
        }
    }

    /// What cannot work, in one line naming the setting.
    pub fn check(&self) -> anyhow::Result<()> {
        let a = &self.access;
        let lists = [&a.guilds, &a.channels, &a.roles, &a.users];
        if !a.everyone && lists.iter().all(|l| l.is_empty()) {
            bail!(
                "no allowlist is set: give --allowed-guilds, --allowed-channels, \
                 --allowed-roles or --allowed-users, or --allow-everyone"
            );
        }
        if self.max_running == 0 {
            bail!("--max-running must be at least 1");
        }
        if self.rate_limit.per.is_zero() {
            bail!("--rate-limit must have a period longer than zero");
        }
        if self.token_margin >= self.token_lifetime {
            bail!("the token margin must be shorter than the token's lifetime");
        }
        Ok(())
    }
}

/// What the handlers and the diagnosis tasks share.
struct App {
    settings: ServeSettings,
    verifier: Verifier,
    guard: guard::Guard,
    audit: audit::AuditLog,
    discord: DiscordApi,
    /// The diagnoses under way, by correlation ID; each leaves with its outcome line.
    running: Mutex<HashSet<Uuid>>,
    tasks: Mutex<JoinSet<()>>,
    stopping: watch::Receiver<bool>,
}

impl App {
    fn running(&self) -> std::sync::MutexGuard<'_, HashSet<Uuid>> {
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Writes diagnosis `cid`'s outcome, once: the first to end it writes it.
    fn finish(&self, cid: Uuid, outcome: &str) {
        let mut running = self.running();
        if running.remove(&cid)
            && let Err(e) = self.audit.outcome(cid, outcome)
        {
            tracing::error!("{e:#}");
        }
    }

    fn spawn(self: &Arc<App>, job: diagnosis::Job) {
        let app = self.clone();
        self.spawn_task(diagnosis::run(app, job));
    }

    /// Runs `task` among the server's tasks (waited for, within the grace, on shutdown).
    fn spawn_task(&self, task: impl Future<Output = ()> + Send + 'static) {
        let mut tasks = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
        // Forget the tasks that have ended.
        while tasks.try_join_next().is_some() {}
        tasks.spawn(task);
    }
}

/// Serves the interactions endpoint on `listener` until `shutdown` resolves; then stops
/// accepting, lets the diagnoses' edits under way finish within the grace period, and
/// records the diagnoses it leaves. Settings that cannot work are an error before
/// anything is served.
pub async fn serve(
    settings: ServeSettings,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    settings.check()?;
    let app = build(settings)?;
    let stop = app.1;
    let app = app.0;
    resume(&app);
    let router = http::router(app.clone());
    let server = axum::serve(listener, router).with_graceful_shutdown(shutdown);
    let served = server.await.context("serving the interactions endpoint");
    let _ = stop.send(true);
    wind_down(&app).await;
    served
}

fn build(settings: ServeSettings) -> anyhow::Result<(Arc<App>, watch::Sender<bool>)> {
    let guard = guard::Guard::new(
        settings.access.clone(),
        settings.rate_limit,
        settings.url_policy.clone(),
        settings.max_running,
    )
    .context("--rate-limit must have a period longer than zero")?;
    let audit = audit::AuditLog::open(&settings.audit_log)?;
    let discord = DiscordApi::new(settings.discord_api_url.clone(), None)?;
    let (stop, stopping) = watch::channel(false);
    let app = App {
        verifier: Verifier::new(settings.public_key.clone()),
        guard,
        audit,
        discord,
        running: Mutex::new(HashSet::new()),
        tasks: Mutex::new(JoinSet::new()),
        stopping,
        settings,
    };
    Ok((Arc::new(app), stop))
}

/// Follows again what the journal shows as started and not ended.
fn resume(app: &Arc<App>) {
    let pending = match app.audit.pending(app.settings.token_lifetime) {
        Ok(p) => p,
        Err(e) => {
            tracing::error!("{e:#}; no diagnosis is resumed");
            return;
        }
    };
    for p in pending {
        tracing::info!("resuming diagnosis {}", p.correlation_id);
        app.running().insert(p.correlation_id);
        app.spawn(diagnosis::Job::resumed(&app.settings, p));
    }
}

/// Waits up to the grace period for the diagnosis tasks to end (each records how it
/// ended); records the rest as left, still running.
async fn wind_down(app: &Arc<App>) {
    let mut tasks = std::mem::take(&mut *app.tasks.lock().unwrap_or_else(|p| p.into_inner()));
    let drained = async { while tasks.join_next().await.is_some() {} };
    let _ = tokio::time::timeout(app.settings.shutdown_grace, drained).await;
    tasks.abort_all();
    let left: Vec<Uuid> = app.running().iter().copied().collect();
    for cid in left {
        app.finish(cid, audit::LEFT);
    }
}
