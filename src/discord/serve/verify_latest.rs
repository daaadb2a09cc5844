//! `/verify-latest [run_url] [diagnose]` on the endpoint: decided by the same guards as
//! `/diagnose` (allowlists, the per-user rate limit; it starts nothing, so it does not
//! count as running), logged, answered at once with "thinking…" (type 5), then the
//! deploy run is read through the `verify` library and the answer is edited into its
//! Discord view. With `diagnose:true` a diagnosis follows in the same message, under the
//! verdict: decided as `/diagnose` is (it counts as running), logged with its correlation
//! ID, and followed as `/diagnose` follows its own.

use std::sync::Arc;

use uuid::Uuid;

use super::App;
use super::audit::{ACCEPTED, Entry};
use super::diagnosis::{self, Job};
use super::guard::Caller;
use super::messages::{self, Header};
use crate::discord::commands::{CHAIN_DIAGNOSE, RUN_URL};
use crate::discord::interaction::{Command, Message, Response};
use crate::remote::Remote;
use crate::verify::{self, RunTarget};

/// How long reading the deploy run may take (well within the token's life).
const READ_BUDGET: std::time::Duration = std::time::Duration::from_secs(60);

/// Decides, logs and answers; the reading goes on in a task of its own.
pub(super) fn answer(app: &Arc<App>, c: &Command) -> Response {
    let caller = Caller {
        user: c.requester.id,
        guild: c.guild_id,
        channel: c.channel_id,
        roles: &c.roles,
    };
    let target = match c.string(RUN_URL) {
        Ok(None) => RunTarget::Latest,
        Ok(Some(v)) => {
            match RunTarget::parse(v, &app.settings.github.web, &app.settings.github.repo) {
                Ok(t) => t,
                Err(e) => return super::http::refused(app, c, None, &e.to_string()),
            }
        }
        Err(e) => return super::http::refused(app, c, None, &e.to_string()),
    };
    let cid = matches!(c.boolean(CHAIN_DIAGNOSE), Ok(Some(true))).then(Uuid::new_v4);
    // A chained diagnosis takes a place among those running, decided under one lock.
    let decision = {
        let mut running = app.running();
        let counted = if cid.is_some() { running.len() } else { 0 };
        let decision = app.guard.decide(&caller, &[], counted);
        if let (Ok(()), Some(cid)) = (&decision, cid) {
            running.insert(cid);
        }
        decision
    };
    if let Err(refusal) = decision {
        return super::http::refused(app, c, None, &refusal.to_string());
    }
    let mut entry = super::http::decided(c, cid, ACCEPTED);
    if cid.is_some() {
        entry.application_id = Some(c.application_id);
        entry.token = Some(c.token.expose().to_string());
    }
    if let Err(e) = app.audit.append(&Entry::Interaction(entry)) {
        tracing::error!("{e:#}");
        if let Some(cid) = cid {
            app.running().remove(&cid);
        }
        return Response::message(messages::refusal("this server cannot write its audit log"));
    }
    let job = cid.map(|cid| {
        let header = Header {
            correlation_id: cid,
            requester: super::http::display_name(c),
        };
        Job::started(&app.settings, c, header, Vec::new())
    });
    let (app, token, application_id) = (app.clone(), c.token.clone(), c.application_id);
    app.clone().spawn_task(async move {
        let message = read(&app, target).await;
        if let Err(e) = app
            .discord
            .edit_original(application_id, &token, &message)
            .await
        {
            tracing::error!("editing the /verify-latest answer: {e}");
        }
        if let Some(job) = job {
            diagnosis::run(app, job.under(message.content())).await;
        }
    });
    Response::deferred()
}

/// The verification's Discord view, or what went wrong, in words.
async fn read(app: &App, target: RunTarget) -> Message {
    let remote = match Remote::connect(&app.settings.github, Arc::new(|_| {})) {
        Ok(r) => r,
        Err(e) => return Message::text(&format!("⚠️ {}", crate::text::one_line(&e.to_string()))),
    };
    let deadline = remote.clock().deadline(READ_BUDGET);
    let workflow = &app.settings.deploy_workflow;
    match verify::verify(&remote, workflow, target, deadline).await {
        Ok(v) => verify::render::discord(&v),
        Err(e) => Message::text(&format!(
            "⚠️ {}",
            crate::text::cap(&crate::text::one_line(&e.to_string()), 1500)
        )),
    }
}
