//! `/verify-latest [run_url] [diagnose]` on the endpoint: decided by the same guards as
//! `/diagnose` (allowlists, the per-user rate limit; it starts nothing, so it does not
//! count as running), logged, answered at once with "thinking…" (type 5), then the
//! deploy run is read through the `verify` library and the answer is edited into its
//! Discord view. `diagnose:true` is not chained here: the message says to use
//! `/diagnose`.

use std::sync::Arc;

use super::App;
use super::audit::{ACCEPTED, Entry};
use super::guard::Caller;
use super::messages;
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
    if let Err(refusal) = app.guard.decide(&caller, &[], 0) {
        return super::http::refused(app, c, None, &refusal.to_string());
    }
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
    let chained = matches!(c.boolean(CHAIN_DIAGNOSE), Ok(Some(true)));
    let entry = super::http::decided(c, None, ACCEPTED);
    if let Err(e) = app.audit.append(&Entry::Interaction(entry)) {
        tracing::error!("{e:#}");
        return Response::message(messages::refusal("this server cannot write its audit log"));
    }
    let (app, token, application_id) = (app.clone(), c.token.clone(), c.application_id);
    app.clone().spawn_task(async move {
        let message = read(&app, target, chained).await;
        if let Err(e) = app
            .discord
            .edit_original(application_id, &token, &message)
            .await
        {
            tracing::error!("editing the /verify-latest answer: {e}");
        }
    });
    Response::deferred()
}

/// The verification's Discord view, or what went wrong, in words.
async fn read(app: &App, target: RunTarget, chained: bool) -> Message {
    let remote = match Remote::connect(&app.settings.github, Arc::new(|_| {})) {
        Ok(r) => r,
        Err(e) => return Message::text(&format!("⚠️ {}", crate::text::one_line(&e.to_string()))),
    };
    let deadline = remote.clock().deadline(READ_BUDGET);
    let workflow = &app.settings.deploy_workflow;
    let message = match verify::verify(&remote, workflow, target, deadline).await {
        Ok(v) => verify::render::discord(&v),
        Err(e) => Message::text(&format!(
            "⚠️ {}",
            crate::text::cap(&crate::text::one_line(&e.to_string()), 1500)
        )),
    };
    if chained {
        let content = format!(
            "{}\n(diagnose:true is not chained on this server yet: use /diagnose.)",
            message.content()
        );
        return message.with_content(&content);
    }
    message
}
