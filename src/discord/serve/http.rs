//! The HTTP side: `POST /interactions` and `GET /healthz` (anything else is 404). An
//! interaction's body is read up to 64 KiB and no further (more is 413), its signature
//! checked before anything in it is read (401), then it is parsed: a PING is answered
//! `{"type":1}`, `/diagnose` is decided, logged and answered at once, `/verify-latest`
//! is answered by [`super::verify_latest`]. The answer never waits on GitHub or on Discord's API.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response as HttpResponse};
use axum::routing::{get, post};
use serde_json::{Value, json};
use uuid::Uuid;

use super::App;
use super::audit::{ACCEPTED, Decided, Entry};
use super::diagnosis::Job;
use super::guard::Caller;
use super::messages::{self, Header, Stage};
use crate::discord::commands::{API_BASE, DIAGNOSE, FRONTEND_URL, VERIFY_LATEST};
use crate::discord::interaction::{Command, Interaction, OptionValue, Response};
use crate::discord::verify::MAX_BODY;

pub(super) fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/interactions", post(interactions))
        .route("/healthz", get(|| async { "ok" }))
        .with_state(app)
}

fn status(code: StatusCode, why: &str) -> HttpResponse {
    (
        code,
        [(header::CONTENT_TYPE, "text/plain")],
        format!("{why}\n"),
    )
        .into_response()
}

fn answer(response: &Response) -> HttpResponse {
    let body = response.to_json();
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn interactions(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> HttpResponse {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return status(StatusCode::PAYLOAD_TOO_LARGE, "the body is over 64 KiB");
    }
    let body: Bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => return status(StatusCode::PAYLOAD_TOO_LARGE, "the body is over 64 KiB"),
    };
    if let Err(e) = app.verifier.verify_headers(&headers, &body) {
        let code = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::UNAUTHORIZED);
        return status(code, &e.to_string());
    }
    let interaction = match Interaction::parse(&body) {
        Ok(i) => i,
        Err(e) => return status(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    match interaction {
        Interaction::Ping { .. } => answer(&Response::pong()),
        Interaction::Command(c) if c.application_id != app.settings.application_id => status(
            StatusCode::BAD_REQUEST,
            "the interaction is for another application",
        ),
        Interaction::Command(c) => answer(&command(&app, c)),
        Interaction::Other { kind } => status(
            StatusCode::BAD_REQUEST,
            &format!("interactions of type {kind} are not handled here"),
        ),
    }
}

fn command(app: &Arc<App>, c: Command) -> Response {
    match c.name.as_str() {
        DIAGNOSE => diagnose(app, c),
        VERIFY_LATEST => super::verify_latest::answer(app, &c),
        _ => Response::message(messages::note("This server does not know that command.")),
    }
}

/// The requester's name as shown and logged.
pub(super) fn display_name(c: &Command) -> String {
    c.requester
        .global_name
        .clone()
        .unwrap_or_else(|| c.requester.username.clone())
}

/// `/diagnose`: decided, logged, answered; when accepted, started by a task of its own.
fn diagnose(app: &Arc<App>, c: Command) -> Response {
    let overrides = match overrides(&c) {
        Ok(o) => o,
        Err(why) => return refused(app, &c, None, &why),
    };
    let given: Vec<(&'static str, &str)> =
        overrides.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let caller = Caller {
        user: c.requester.id,
        guild: c.guild_id,
        channel: c.channel_id,
        roles: &c.roles,
    };
    let cid = Uuid::new_v4();
    // Decided and counted as running under one lock: no two requests take the last place.
    let decision = {
        let mut running = app.running();
        let decision = app.guard.decide(&caller, &given, running.len());
        if decision.is_ok() {
            running.insert(cid);
        }
        decision
    };
    if let Err(refusal) = decision {
        return refused(app, &c, None, &refusal.to_string());
    }
    let mut entry = decided(&c, Some(cid), ACCEPTED);
    entry.application_id = Some(c.application_id);
    entry.token = Some(c.token.expose().to_string());
    if let Err(e) = app.audit.append(&Entry::Interaction(entry)) {
        tracing::error!("{e:#}");
        app.running().remove(&cid);
        return Response::message(messages::refusal("this server cannot write its audit log"));
    }
    let header = Header {
        correlation_id: cid,
        requester: display_name(&c),
    };
    let message = header.at(&Stage::Triggering);
    app.spawn(Job::started(&app.settings, &c, header, overrides));
    Response::message(message)
}

/// A refusal, logged then answered.
pub(super) fn refused(app: &App, c: &Command, cid: Option<Uuid>, why: &str) -> Response {
    let entry = decided(c, cid, &format!("refused: {why}"));
    if let Err(e) = app.audit.append(&Entry::Interaction(entry)) {
        tracing::error!("{e:#}");
    }
    Response::message(messages::refusal(why))
}

/// The URL overrides given, as strings.
fn overrides(c: &Command) -> Result<Vec<(&'static str, String)>, String> {
    let mut out = Vec::new();
    for name in [FRONTEND_URL, API_BASE] {
        if let Some(v) = c.string(name).map_err(|e| e.to_string())? {
            out.push((name, v.trim().to_string()));
        }
    }
    Ok(out)
}

pub(super) fn decided(c: &Command, cid: Option<Uuid>, decision: &str) -> Decided {
    let options: BTreeMap<String, Value> = c
        .options
        .iter()
        .map(|o| {
            let value = match &o.value {
                OptionValue::String(s) => json!(crate::text::cap(s, 600)),
                OptionValue::Integer(n) => json!(n),
                OptionValue::Boolean(b) => json!(b),
                OptionValue::Number(n) => json!(n),
                OptionValue::Other { kind } => json!({ "type": kind }),
            };
            (crate::text::cap(&o.name, 40), value)
        })
        .collect();
    Decided {
        time: super::audit::now(),
        user_id: c.requester.id,
        user_name: c.requester.username.clone(),
        guild_id: c.guild_id,
        channel_id: c.channel_id,
        command: crate::text::cap(&c.name, 40),
        options,
        correlation_id: cid,
        decision: decision.to_string(),
        application_id: None,
        token: None,
    }
}
