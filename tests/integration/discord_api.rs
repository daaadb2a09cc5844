//! The Discord REST client against a fake Discord API on loopback: what it sends (method,
//! path, headers, a body that matches Discord's published schema), how it waits out a 429
//! once, and that no token ever shows in an error or a log line.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use remote_hands::discord::api::{ApiError, BotToken, DiscordApi, USER_AGENT};
use remote_hands::discord::commands::definitions;
use remote_hands::discord::interaction::{InteractionToken, Message, Response, Snowflake};
use serde_json::{Value, json};
use url::Url;

use crate::support::discord::{
    APP_ID, BOT_TOKEN, CHANNEL_ID, FakeDiscord, GUILD_ID, MESSAGE_ID, Reply,
    assert_bodies_match_discords_schema, check_against_discords_schema,
};

const TOKEN: &str = "aW50ZXJhY3Rpb246Nzg2MDA4NzI5NzE1MjEyMzM4OnNlY3JldA";

fn client(fake: &FakeDiscord) -> DiscordApi {
    let bot = BotToken::new(BOT_TOKEN).unwrap();
    DiscordApi::new(Url::parse(&fake.api_url()).unwrap(), Some(bot)).unwrap()
}

fn id(s: &str) -> Snowflake {
    s.parse().unwrap()
}

fn token() -> InteractionToken {
    InteractionToken::new(TOKEN).unwrap()
}

/// A result message as the endpoint writes it: per-check lines, an embed, a run link.
fn result_message() -> Message {
    let run = Url::parse("https://github.com/acme/site/actions/runs/4242").unwrap();
    Message::text("🟢 **healthy**: 6 passed\n🟢 frontend reachable\n🟢 API health @everyone")
        .with_embeds(vec![json!({
            "title": "Deployment diagnosis",
            "description": "All checks passed.",
            "color": 3066993,
            "fields": [{"name": "Correlation ID", "value": "rh-1234", "inline": true}],
            "footer": {"text": "remote-hands"}
        })])
        .with_link("Run 4242", &run)
}

fn assert_no_secret(text: &str) {
    for secret in [TOKEN, BOT_TOKEN, "secret", "fake-bot"] {
        assert!(!text.contains(secret), "{secret} shows in: {text}");
    }
}

#[tokio::test]
async fn registering_puts_both_commands_globally_or_in_one_server_with_the_bot_token() {
    let fake = FakeDiscord::start();
    let api = client(&fake);
    let global = api
        .register_commands(id(APP_ID), None, &definitions())
        .await
        .unwrap();
    let names: Vec<&str> = global.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["diagnose", "verify-latest"]);
    assert_eq!(global[0].id, id("1200000000000000000"));
    api.register_commands(id(APP_ID), Some(id(GUILD_ID)), &definitions())
        .await
        .unwrap();

    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].method, "PUT");
    assert_eq!(requests[0].path, format!("/applications/{APP_ID}/commands"));
    assert_eq!(
        requests[1].path,
        format!("/applications/{APP_ID}/guilds/{GUILD_ID}/commands")
    );
    for r in &requests {
        let bot = format!("Bot {BOT_TOKEN}");
        assert_eq!(r.header("authorization"), Some(bot.as_str()));
        assert_eq!(r.header("user-agent"), Some(USER_AGENT));
        assert!(
            USER_AGENT.starts_with("DiscordBot (https://"),
            "{USER_AGENT}"
        );
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(r.json(), serde_json::to_value(definitions()).unwrap());
    }
    assert_bodies_match_discords_schema(&fake);
}

#[tokio::test]
async fn editing_the_original_response_sends_no_authorization() {
    let fake = FakeDiscord::start();
    fake.open_interaction(TOKEN);
    client(&fake)
        .edit_original(id(APP_ID), &token(), &result_message())
        .await
        .unwrap();
    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.method, "PATCH");
    assert_eq!(
        r.path,
        format!("/webhooks/{APP_ID}/{TOKEN}/messages/@original")
    );
    assert_eq!(r.header("authorization"), None);
    assert_eq!(r.header("user-agent"), Some(USER_AGENT));
    let body = r.json();
    assert_eq!(body["allowed_mentions"], json!({"parse": []}));
    assert_eq!(
        body["components"][0]["components"][0]["url"],
        "https://github.com/acme/site/actions/runs/4242"
    );
    assert!(body["content"].as_str().unwrap().contains("@everyone"));
    assert_bodies_match_discords_schema(&fake);
}

#[tokio::test]
async fn posting_to_a_channel_uses_the_bot_token_and_answers_the_message_id() {
    let fake = FakeDiscord::start();
    // A deadline too far to add to an instant is no reason to panic.
    let posted = client(&fake)
        .with_deadline(Duration::MAX)
        .create_message(id(CHANNEL_ID), &result_message())
        .await
        .unwrap();
    assert_eq!(posted, id(MESSAGE_ID));
    let r = &fake.requests()[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, format!("/channels/{CHANNEL_ID}/messages"));
    let bot = format!("Bot {BOT_TOKEN}");
    assert_eq!(r.header("authorization"), Some(bot.as_str()));
    assert_bodies_match_discords_schema(&fake);
}

#[tokio::test]
async fn without_a_bot_token_register_and_post_fail_before_sending() {
    let fake = FakeDiscord::start();
    let api = DiscordApi::new(Url::parse(&fake.api_url()).unwrap(), None).unwrap();
    let err = api
        .register_commands(id(APP_ID), None, &definitions())
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::NoBotToken { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "registering the commands needs the bot's token (DISCORD_BOT_TOKEN)"
    );
    let err = api
        .create_message(id(CHANNEL_ID), &Message::text("hi"))
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::NoBotToken { .. }), "{err}");
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn a_429_is_waited_out_once_as_the_body_says() {
    let fake = FakeDiscord::start();
    fake.open_interaction(TOKEN);
    fake.fault("edit_original", vec![Reply::rate_limited(0.3)]);
    let began = Instant::now();
    client(&fake)
        .edit_original(id(APP_ID), &token(), &Message::text("queued"))
        .await
        .unwrap();
    assert!(
        began.elapsed() >= Duration::from_millis(300),
        "{:?}",
        began.elapsed()
    );
    let statuses: Vec<u16> = fake.requests().iter().map(|r| r.answered).collect();
    assert_eq!(statuses, [429, 200]);
    assert_bodies_match_discords_schema(&fake);
}

#[tokio::test]
async fn without_retry_after_in_the_body_the_header_says_how_long() {
    let fake = FakeDiscord::start();
    fake.fault(
        "create_message",
        vec![Reply::new(429, &[("retry-after", "0.2")], "slow down")],
    );
    let began = Instant::now();
    client(&fake)
        .create_message(id(CHANNEL_ID), &Message::text("hi"))
        .await
        .unwrap();
    let waited = began.elapsed();
    // The header's 0.2 s, not the 1 s used when neither says.
    assert!(
        waited >= Duration::from_millis(200) && waited < Duration::from_millis(900),
        "{waited:?}"
    );
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test]
async fn a_429_past_the_deadline_or_a_second_one_fails() {
    let fake = FakeDiscord::start();
    fake.fault("register", vec![Reply::rate_limited(60.0)]);
    let api = client(&fake).with_deadline(Duration::from_secs(5));
    let began = Instant::now();
    let err = api
        .register_commands(id(APP_ID), None, &definitions())
        .await
        .unwrap_err();
    assert!(began.elapsed() < Duration::from_secs(2), "it waited");
    assert!(
        matches!(err, ApiError::RateLimited { retry_after, .. } if retry_after == Duration::from_secs(60)),
        "{err}"
    );
    assert_eq!(err.status(), Some(429));
    assert!(err.to_string().contains("60.0 s"), "{err}");
    assert_eq!(fake.requests().len(), 1);

    let fake = FakeDiscord::start();
    fake.fault(
        "register",
        vec![Reply::rate_limited(0.05), Reply::rate_limited(0.05)],
    );
    let err = client(&fake)
        .register_commands(id(APP_ID), None, &definitions())
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::RateLimited { .. }), "{err}");
    assert_eq!(fake.requests().len(), 2, "one retry, no more");
}

#[tokio::test]
async fn an_expired_interaction_is_discords_404_and_the_error_names_no_token() {
    let fake = FakeDiscord::start();
    // The token was never opened (or has expired): Discord answers Unknown Webhook.
    let err = client(&fake)
        .edit_original(id(APP_ID), &token(), &Message::text("done"))
        .await
        .unwrap_err();
    match &err {
        ApiError::Status { status, code, .. } => {
            assert_eq!((*status, *code), (404, Some(10015)));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "editing the interaction's message: Discord answered 404 (code 10015): Unknown Webhook"
    );
    assert_no_secret(&format!("{err} {err:?}"));
}

#[tokio::test]
async fn a_wrong_bot_token_is_discords_401() {
    let fake = FakeDiscord::start();
    let wrong = BotToken::new("MTIz.wrong-bot.token").unwrap();
    let api = DiscordApi::new(Url::parse(&fake.api_url()).unwrap(), Some(wrong)).unwrap();
    let err = api
        .register_commands(id(APP_ID), None, &definitions())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert_eq!(
        err.to_string(),
        "registering the commands: Discord answered 401 (code 0): 401: Unauthorized"
    );
    assert!(!format!("{err:?} {api:?}").contains("wrong-bot"));
}

#[tokio::test]
async fn transport_failures_and_silence_name_no_token() {
    // Nothing listens on the port any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = Url::parse(&format!("http://127.0.0.1:{port}/api/v10")).unwrap();
    let api = DiscordApi::new(base, Some(BotToken::new(BOT_TOKEN).unwrap())).unwrap();
    let err = api
        .edit_original(id(APP_ID), &token(), &Message::text("x"))
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Transport { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with("editing the interaction's message: "),
        "{err}"
    );
    assert_no_secret(&format!("{err} {err:?}"));

    // A server that never answers: the call ends at its deadline.
    let fake = FakeDiscord::start();
    fake.open_interaction(TOKEN);
    fake.fault("edit_original", vec![Reply::silent()]);
    let began = Instant::now();
    let err = client(&fake)
        .with_deadline(Duration::from_millis(400))
        .edit_original(id(APP_ID), &token(), &Message::text("x"))
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Timeout { .. }), "{err}");
    assert!(
        began.elapsed() < Duration::from_secs(3),
        "{:?}",
        began.elapsed()
    );
    assert_no_secret(&format!("{err} {err:?}"));
}

/// Collects what the tracing subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The debug events of the Discord client, from every test of this binary: one
/// subscriber for the whole process, installed once (a subscriber scoped to one thread
/// misses events when other tests have already cached the callsites' interest).
fn discord_log() -> &'static Captured {
    static LOG: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
    LOG.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(
                "remote_hands::discord=debug",
            ))
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber)
            .expect("no other global subscriber in the test binary");
        captured
    })
}

#[test]
fn every_request_is_logged_at_debug_with_the_token_redacted() {
    let captured = discord_log();
    let fake = FakeDiscord::start();
    fake.open_interaction(TOKEN);
    fake.fault("edit_original", vec![Reply::rate_limited(0.01)]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let api = client(&fake);
        api.edit_original(id(APP_ID), &token(), &Message::text("x"))
            .await
            .unwrap();
        api.register_commands(id(APP_ID), None, &definitions())
            .await
            .unwrap();
    });
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("discord request") && l.contains(&fake.api_url()))
        .collect();
    assert_eq!(lines.len(), 3, "{log}");
    let edit = format!(
        "{}/webhooks/{APP_ID}/***/messages/@original",
        fake.api_url()
    );
    assert!(lines[0].contains("DEBUG"), "{log}");
    assert!(
        lines[0].contains("method=\"PATCH\"") || lines[0].contains("method=PATCH"),
        "{log}"
    );
    assert!(
        lines[0].contains(&edit) && lines[0].contains("status=429"),
        "{log}"
    );
    assert!(
        lines[1].contains(&edit) && lines[1].contains("status=200"),
        "{log}"
    );
    assert!(
        lines[2].contains("/commands") && lines[2].contains("ms="),
        "{log}"
    );
    assert_no_secret(&log);
}

#[test]
fn interaction_responses_match_discords_callback_schemas() {
    let message = Response::message(result_message());
    let refusal = Response::message(Message::text("You are not allowed here.").ephemeral());
    let items: Vec<(&str, Value)> = vec![
        (
            "PongInteractionCallbackRequestSchema",
            json(&Response::pong()),
        ),
        (
            "CreateMessageInteractionCallbackRequestSchema",
            json(&message),
        ),
        (
            "CreateMessageInteractionCallbackRequestSchema",
            json(&refusal),
        ),
        (
            "CreateMessageInteractionCallbackRequestSchema",
            json(&Response::deferred()),
        ),
        (
            "CreateMessageInteractionCallbackRequestSchema",
            json(&Response::deferred_ephemeral()),
        ),
    ];
    for ((schema, body), verdict) in items.iter().zip(check_against_discords_schema(&items)) {
        assert_eq!(verdict, Ok(()), "{schema}: {body}");
    }
}

fn json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap()
}

/// The check itself can fail: bodies Discord would refuse are caught, fields Discord does
/// not know included, and a schema name that does not exist is an error, not a pass.
#[test]
fn the_schema_check_catches_what_discord_would_refuse() {
    let mut commands = json(&definitions());
    commands[0]["options"][0]["description"] = json!("x".repeat(101));
    let items: Vec<(&str, Value)> = vec![
        (
            "IncomingWebhookUpdateRequestPartialSchema",
            json!({"content": "x".repeat(2001)}),
        ),
        (
            "IncomingWebhookUpdateRequestPartialSchema",
            json!({"content": "hi", "tts": true}),
        ),
        ("ApplicationCommandUpdateRequestSchema[]", commands),
        (
            "ApplicationCommandUpdateRequestSchema[]",
            json!({"name": "x"}),
        ),
        (
            "MessageCreateRequestSchema",
            json!({"components": [{"type": 1, "components": [{"type": 2, "style": 5, "label": "x", "url": "not a url"}]}]}),
        ),
        ("NoSuchSchema", json!({})),
    ];
    let verdicts = check_against_discords_schema(&items);
    let expected = [
        "content:",
        "tts: not a field of the schema",
        "0.options.0.description:",
        "expected an array",
        "url",
        "no schema named NoSuchSchema",
    ];
    for ((verdict, want), (schema, _)) in verdicts.iter().zip(expected).zip(&items) {
        let errors = verdict.as_ref().expect_err(schema);
        assert!(
            errors.iter().any(|e| e.contains(want)),
            "{schema}: {errors:?}"
        );
    }
}
