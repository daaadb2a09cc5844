//! The interactions endpoint (`discord::serve`) in-process on 127.0.0.1:0, as Discord meets
//! it: every request signed with a key pair made for the test, the fake Discord API taking
//! the message edits (each body checked against Discord's published schema), and the fake
//! GitHub API running the diagnosis. Waits are on what the fakes and the audit log
//! recorded, with a deadline.

use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use clap::{CommandFactory, FromArgMatches};
use ed25519_dalek::{Signer, SigningKey};
use remote_hands::cli::{Cli, Command};
use remote_hands::config::{GithubConfig, ResultConfig, Vars};
use remote_hands::discord::serve::{Access, RateLimit, ServeSettings, serve};
use remote_hands::discord::verify::PublicKey;
use remote_hands::github::actions::WorkflowInputs;
use remote_hands::policy::UrlPolicy;
use remote_hands::remote::{Budget, Remote, Trigger};
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use url::Url;
use uuid::Uuid;

use crate::support::discord::{
    APP_ID, CHANNEL_ID, FakeDiscord, GUILD_ID, Reply, assert_bodies_match_discords_schema, kind_of,
};
use crate::support::dispatch::{CID, healthy_run, scenario_with_artifact};
use crate::support::github::deploy::{self, DeployRun};
use crate::support::github::{ArtifactKind, Canned, FakeGithub, Scenario, TOKEN, trickled, zip_of};

const USER: &str = "53908232506183680";
const OTHER_USER: &str = "53908232506183681";
const OTHER_GUILD: &str = "290926798626350000";

/// A token, time scaled down 100× (minutes of GitHub waits in seconds).
fn env() -> Vars {
    Vars::from_iter([("GITHUB_TOKEN", TOKEN), ("REMOTE_HANDS_TIME_SCALE", "0.01")])
}

/// The GitHub settings for acme/site at `api`.
fn github(api: &str) -> GithubConfig {
    let argv = ["remote-hands", "result", CID, "--repo", "acme/site"];
    let matches = Cli::command()
        .try_get_matches_from(argv.into_iter().chain(["--api-url", api]))
        .unwrap();
    let Command::Result(args) = Cli::from_arg_matches(&matches).unwrap().command else {
        unreachable!("parsed as result")
    };
    let (_, sub) = matches.subcommand().unwrap();
    ResultConfig::from_args(&args, sub, &env()).unwrap().github
}

fn key() -> SigningKey {
    let mut bytes = [0u8; 32];
    bytes.iter_mut().for_each(|b| *b = fastrand::u8(..));
    SigningKey::from_bytes(&bytes)
}

/// One server allowed in [`GUILD_ID`], a hundred diagnoses a minute per user, overrides
/// on app.example.com only.
fn settings(gh_api: &str, discord: &FakeDiscord, key: &SigningKey, audit: &Path) -> ServeSettings {
    let mut s = ServeSettings::new(
        PublicKey::from(key.verifying_key()),
        APP_ID.parse().unwrap(),
        github(gh_api),
    );
    s.discord_api_url = Url::parse(&discord.api_url()).unwrap();
    s.access = Access {
        guilds: vec![GUILD_ID.parse().unwrap()],
        ..Access::default()
    };
    s.rate_limit = RateLimit {
        count: NonZeroU32::new(100).unwrap(),
        per: Duration::from_secs(60),
    };
    s.url_policy = UrlPolicy {
        allowed_hosts: UrlPolicy::parse_hosts("app.example.com").unwrap(),
        allow_private: false,
    };
    s.audit_log = audit.to_path_buf();
    s.shutdown_grace = Duration::from_secs(5);
    s
}

/// `serve` running on its own task.
struct Server {
    base: String,
    key: SigningKey,
    stop: oneshot::Sender<()>,
    task: JoinHandle<anyhow::Result<()>>,
}

impl Server {
    async fn start(settings: ServeSettings, key: &SigningKey) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(settings, listener, async move {
            let _ = stopped.await;
        }));
        Server {
            base,
            key: key.clone(),
            stop,
            task,
        }
    }

    /// Stops it as SIGTERM would, and waits for `serve` to return.
    async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        self.task.await.unwrap()
    }

    async fn send(&self, headers: &[(&str, String)], body: Vec<u8>) -> (u16, String) {
        let mut req = reqwest::Client::new()
            .post(format!("{}/interactions", self.base))
            .header("content-type", "application/json")
            .body(body);
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.text().await.unwrap_or_default())
    }

    /// `body` signed by `key` at `timestamp`.
    async fn signed_by(&self, key: &SigningKey, timestamp: u64, body: &[u8]) -> (u16, String) {
        let ts = timestamp.to_string();
        let signed = [ts.as_bytes(), body].concat();
        let signature = hex::encode(key.sign(&signed).to_bytes());
        let headers = [
            ("x-signature-ed25519", signature),
            ("x-signature-timestamp", ts),
        ];
        self.send(&headers, body.to_vec()).await
    }

    /// `interaction` signed now; the answer as JSON.
    async fn interact(&self, interaction: &Value) -> (u16, Value) {
        let body = interaction.to_string().into_bytes();
        let (status, text) = self.signed_by(&self.key, unix_now(), &body).await;
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// `/diagnose` with these options, by `user` in `guild`.
fn diagnose(token: &str, user: &str, guild: &str, options: Value) -> Value {
    json!({
        "type": 2,
        "id": "786008729715212338",
        "application_id": APP_ID,
        "token": token,
        "guild_id": guild,
        "channel_id": CHANNEL_ID,
        "member": {
            "user": {"id": user, "username": "mason", "global_name": "Mason"},
            "roles": []
        },
        "data": {"id": "771825006014889984", "name": "diagnose", "type": 1, "options": options}
    })
}

/// Polls `f` until it gives a value; fails after 30 s naming `what`.
async fn until<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The edits of `token`'s message, in order, as JSON.
fn edits(discord: &FakeDiscord, token: &str) -> Vec<Value> {
    discord
        .requests()
        .into_iter()
        .filter(|r| kind_of(&r.method, &r.path) == "edit_original" && r.path.contains(token))
        .map(|r| r.json())
        .collect()
}

fn content(message: &Value) -> &str {
    message["content"].as_str().unwrap_or("")
}

async fn edit_saying(discord: &FakeDiscord, token: &str, words: &str) -> Value {
    let what = format!("an edit saying {words:?}");
    until(&what, || {
        edits(discord, token)
            .into_iter()
            .find(|e| content(e).contains(words))
    })
    .await
}

fn audit_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The outcome line of diagnosis `cid`, once written.
async fn outcome(path: &Path, cid: &str) -> String {
    until(&format!("the outcome of {cid}"), || {
        audit_lines(path)
            .into_iter()
            .rev()
            .find(|l| l["kind"] == "outcome" && l["correlation_id"] == cid)
            .map(|l| l["outcome"].as_str().unwrap().to_string())
    })
    .await
}

/// A run held in the queue until the test releases it.
fn held() -> Scenario {
    Scenario {
        queued_polls: u32::MAX,
        ..scenario_with_artifact(healthy_run())
    }
}

/// Releases the held run: it runs, completes, and leaves the report of `cid`.
fn release(gh: &FakeGithub, cid: &str) {
    let report = healthy_run().json.replace(CID, cid);
    gh.restart_run(|sc| {
        sc.queued_polls = 1;
        sc.in_progress_polls = 2;
        sc.artifact = ArtifactKind::Zip(zip_of(&[("diagnose-summary.json", report.as_bytes())]));
        sc.log = None;
    });
}

struct Setup {
    gh: FakeGithub,
    discord: FakeDiscord,
    key: SigningKey,
    audit: PathBuf,
    _dir: tempfile::TempDir,
}

impl Setup {
    fn new(scenario: Scenario) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        Setup {
            gh: FakeGithub::start(scenario),
            discord: FakeDiscord::start(),
            key: key(),
            audit: dir.path().join("discord-audit.jsonl"),
            _dir: dir,
        }
    }

    fn settings(&self) -> ServeSettings {
        settings(&self.gh.api_url(), &self.discord, &self.key, &self.audit)
    }

    async fn server(&self) -> Server {
        Server::start(self.settings(), &self.key).await
    }
}

/// The result message of diagnosis `cid`: a line per check, an embed, the run's button.
fn assert_result(message: &Value, cid: &str) {
    let text = content(message);
    let report: Value = serde_json::from_str(&healthy_run().json).unwrap();
    for check in report["checks"].as_object().unwrap().keys() {
        assert!(
            text.contains(&format!("`{check}`")),
            "{check} missing: {text}"
        );
    }
    assert!(text.contains(cid), "{text}");
    assert!(!message["embeds"].as_array().unwrap().is_empty());
    let button = &message["components"][0]["components"][0];
    assert_eq!(button["style"], 5);
    assert!(
        button["url"]
            .as_str()
            .unwrap()
            .ends_with("/actions/runs/4242")
    );
}

/// An ephemeral refusal naming `why`.
fn assert_refused(status: u16, answer: &Value, why: &str) {
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["type"], 4, "{answer}");
    assert_eq!(answer["data"]["flags"], 64, "{answer}");
    let text = content(&answer["data"]);
    assert!(
        text.contains(why) && text.contains("nothing was started"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ping_is_answered_and_the_health_check_is_up() {
    let s = Setup::new(held());
    let server = s.server().await;
    let ping = json!({"type": 1, "id": "786008729715212338", "application_id": APP_ID});
    let (status, answer) = server.interact(&ping).await;
    assert_eq!((status, answer), (200, json!({"type": 1})));
    let http = reqwest::Client::new();
    let health = http
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status().as_u16(), 200);
    let unknown = http
        .get(format!("{}/nope", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status().as_u16(), 404);
    server.stop().await.unwrap();
    assert!(s.gh.requests().is_empty() && s.discord.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_bad_or_stale_signature_is_401_and_an_oversized_body_413() {
    let s = Setup::new(held());
    let server = s.server().await;
    let body = diagnose("tok", USER, GUILD_ID, json!([]))
        .to_string()
        .into_bytes();
    let (status, text) = server.send(&[], body.clone()).await;
    assert_eq!(status, 401, "{text}");
    assert!(
        text.contains("X-Signature-Ed25519 header is missing"),
        "{text}"
    );
    // Signed by another key; signed, then changed.
    let (status, _) = server.signed_by(&key(), unix_now(), &body).await;
    assert_eq!(status, 401);
    let ts = unix_now().to_string();
    let signature = hex::encode(s.key.sign(&[ts.as_bytes(), &body].concat()).to_bytes());
    let mut changed = body.clone();
    changed[10] ^= 1;
    let headers = [
        ("x-signature-ed25519", signature),
        ("x-signature-timestamp", ts),
    ];
    assert_eq!(server.send(&headers, changed).await.0, 401);
    // Signed properly, ten minutes ago.
    let (status, text) = server.signed_by(&s.key, unix_now() - 600, &body).await;
    assert_eq!(status, 401);
    assert!(text.contains("away from this server's clock"), "{text}");
    // Over 64 KiB, signed: refused before it is read.
    let big = format!("{{\"pad\":\"{}\"}}", "x".repeat(64 * 1024)).into_bytes();
    assert_eq!(server.signed_by(&s.key, unix_now(), &big).await.0, 413);
    server.stop().await.unwrap();
    assert!(
        audit_lines(&s.audit).is_empty(),
        "nothing unsigned is logged"
    );
    assert!(s.gh.requests().is_empty() && s.discord.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_from_a_server_not_allowlisted_is_refused_and_logged() {
    let s = Setup::new(held());
    let server = s.server().await;
    let (status, answer) = server
        .interact(&diagnose("tok1", USER, OTHER_GUILD, json!([])))
        .await;
    assert_refused(status, &answer, "not on this server's allowlist");
    server.stop().await.unwrap();
    let lines = audit_lines(&s.audit);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["guild_id"], OTHER_GUILD);
    assert_eq!(lines[0]["user_id"], USER);
    assert!(
        lines[0]["decision"]
            .as_str()
            .unwrap()
            .starts_with("refused: ")
    );
    assert!(s.gh.requests().is_empty(), "nothing was started");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_request_from_the_same_user_within_the_rate_is_refused() {
    let s = Setup::new(held());
    let mut settings = s.settings();
    settings.rate_limit = RateLimit::DEFAULT;
    let server = Server::start(settings, &s.key).await;
    s.discord.open_interaction("first");
    let (_, first) = server
        .interact(&diagnose("first", USER, GUILD_ID, json!([])))
        .await;
    assert!(content(&first["data"]).contains("triggering"), "{first}");
    let (status, second) = server
        .interact(&diagnose("second", USER, GUILD_ID, json!([])))
        .await;
    assert_refused(status, &second, "too often");
    // Another user is not held back.
    s.discord.open_interaction("third");
    let (_, third) = server
        .interact(&diagnose("third", OTHER_USER, GUILD_ID, json!([])))
        .await;
    assert!(content(&third["data"]).contains("triggering"), "{third}");
    until("two dispatches", || {
        (s.gh.count("dispatch") == 2).then_some(())
    })
    .await;
    server.stop().await.unwrap();
    let decisions: Vec<String> = audit_lines(&s.audit)
        .iter()
        .filter(|l| l["kind"] == "interaction")
        .map(|l| l["decision"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(decisions[0], "accepted");
    assert!(decisions[1].contains("too often"));
    assert_eq!(decisions[2], "accepted");
    assert_eq!(s.gh.count("dispatch"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_url_override_on_a_host_not_allowed_is_refused() {
    let s = Setup::new(held());
    let server = s.server().await;
    let options = json!([{"type": 3, "name": "api_base", "value": "https://evil.example.net/"}]);
    let (status, answer) = server
        .interact(&diagnose("tok", USER, GUILD_ID, options))
        .await;
    assert_refused(status, &answer, "evil.example.net is not on the allowlist");
    server.stop().await.unwrap();
    let lines = audit_lines(&s.audit);
    assert_eq!(lines[0]["options"]["api_base"], "https://evil.example.net/");
    assert!(s.gh.requests().is_empty(), "nothing was started");
}

/// A `/diagnose` against `s`'s GitHub: answered at once, then edited to say it failed.
async fn answered_then_failed(s: &Setup, settings: ServeSettings) -> String {
    let server = Server::start(settings, &s.key).await;
    s.discord.open_interaction("failing");
    let began = Instant::now();
    let (status, answer) = server
        .interact(&diagnose("failing", USER, GUILD_ID, json!([])))
        .await;
    let took = began.elapsed();
    assert_eq!(status, 200);
    assert!(took < Duration::from_secs(3), "answered after {took:?}");
    assert!(content(&answer["data"]).contains("triggering"), "{answer}");
    let edit = edit_saying(&s.discord, "failing", "could not be completed").await;
    let cid = audit_lines(&s.audit)[0]["correlation_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(outcome(&s.audit, &cid).await.starts_with("error: "));
    server.stop().await.unwrap();
    assert_bodies_match_discords_schema(&s.discord);
    content(&edit).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn github_failing_is_said_in_the_edit_after_an_answer_at_once() {
    let s = Setup::new(held());
    let down = Canned::new(503, &[], "{\"message\": \"Service Unavailable\"}");
    s.gh.fault("dispatch", vec![down; 20]);
    let text = answered_then_failed(&s, s.settings()).await;
    assert!(text.contains("503"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn github_unreachable_is_said_in_the_edit_after_an_answer_at_once() {
    let s = Setup::new(held());
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let api = format!("http://{}/", closed.local_addr().unwrap());
    drop(closed);
    let settings = settings(&api, &s.discord, &s.key, &s.audit);
    let text = answered_then_failed(&s, settings).await;
    assert!(text.contains("Connection refused"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_github_does_not_hold_the_answer_back() {
    let s = Setup::new(held());
    // The dispatch's answer comes a byte every 50 ms: minutes on the scaled clock.
    let slow = trickled(Canned::new(204, &[], &" ".repeat(400)), 50);
    s.gh.fault("dispatch", vec![slow; 5]);
    let text = answered_then_failed(&s, s.settings()).await;
    assert!(text.contains("dispatch"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_diagnose_ends_in_an_edited_message_with_the_per_check_result() {
    let s = Setup::new(held());
    let server = s.server().await;
    s.discord.open_interaction("happy");
    let options = json!([{"type": 3, "name": "frontend_url", "value": "https://app.example.com/"}]);
    let began = Instant::now();
    let (status, answer) = server
        .interact(&diagnose("happy", USER, GUILD_ID, options))
        .await;
    assert_eq!(status, 200);
    assert!(began.elapsed() < Duration::from_secs(3));
    assert_eq!(answer["type"], 4);
    assert_eq!(answer["data"].get("flags"), None, "seen by the channel");
    let started = content(&answer["data"]).to_string();
    assert!(started.contains("triggering") && started.contains("requested by Mason"));

    let cid = until("the dispatch", || s.gh.dispatched_correlation_id()).await;
    assert!(started.contains(&cid), "{started}");
    let payload = &s.gh.requests_of("dispatch")[0].json()["client_payload"];
    assert_eq!(payload["requester"], format!("mason ({USER})"));
    assert_eq!(payload["frontend_url"], "https://app.example.com/");
    assert_eq!(payload["channel_id"], CHANNEL_ID);
    edit_saying(&s.discord, "happy", "queued").await;
    release(&s.gh, &cid);
    assert_eq!(outcome(&s.audit, &cid).await, "succeeded");

    let edits = edits(&s.discord, "happy");
    assert_result(edits.last().unwrap(), &cid);
    // One edit per state at most: never the same message twice in a row.
    assert!(edits.len() <= 5, "{} edits", edits.len());
    assert!(edits.windows(2).all(|w| w[0] != w[1]), "{edits:?}");
    server.stop().await.unwrap();

    let first = &audit_lines(&s.audit)[0];
    assert_eq!(first["decision"], "accepted");
    assert_eq!(first["correlation_id"], cid.as_str());
    assert_eq!(
        (&first["user_id"], &first["user_name"]),
        (&json!(USER), &json!("mason"))
    );
    assert_eq!(
        (&first["guild_id"], &first["channel_id"]),
        (&json!(GUILD_ID), &json!(CHANNEL_ID))
    );
    assert_eq!(first["command"], "diagnose");
    assert_eq!(first["options"]["frontend_url"], "https://app.example.com/");
    assert_bodies_match_discords_schema(&s.discord);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn before_the_token_expires_the_last_edit_says_where_the_result_will_be() {
    let s = Setup::new(held());
    let mut settings = s.settings();
    settings.token_lifetime = Duration::from_secs(3);
    settings.token_margin = Duration::from_secs(1);
    settings.timeout = Duration::from_secs(3600);
    settings.queue_timeout = Duration::from_secs(3600);
    let server = Server::start(settings, &s.key).await;
    s.discord.open_interaction("expiring");
    server
        .interact(&diagnose("expiring", USER, GUILD_ID, json!([])))
        .await;
    let cid = until("the dispatch", || s.gh.dispatched_correlation_id()).await;
    assert!(outcome(&s.audit, &cid).await.starts_with("expired"));
    let edits = edits(&s.discord, "expiring");
    let last = content(edits.last().unwrap());
    assert!(last.contains("Discord allows no more updates"), "{last}");
    assert!(last.contains("/actions/runs/4242"), "{last}");
    server.stop().await.unwrap();
    assert_bodies_match_discords_schema(&s.discord);
}

/// An accepted `/diagnose` line as the server writes it, `age` ago.
fn accepted_line(cid: &str, token: &str, age: Duration) -> String {
    let time = humantime::format_rfc3339_millis(SystemTime::now() - age).to_string();
    let line = json!({
        "kind": "interaction", "time": time, "user_id": USER, "user_name": "mason",
        "guild_id": GUILD_ID, "channel_id": CHANNEL_ID, "command": "diagnose", "options": {},
        "correlation_id": cid, "decision": "accepted", "application_id": APP_ID, "token": token
    });
    format!("{line}\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_start_the_diagnoses_the_journal_shows_unfinished_are_followed_again() {
    let s = Setup::new(held());
    let cid = Uuid::new_v4().to_string();
    // A previous run of the server dispatched it, and stopped.
    let remote = Remote::connect(
        &github(&s.gh.api_url()),
        Arc::new(|_: &remote_hands::remote::Event| {}),
    )
    .unwrap();
    let budget = Budget::new(
        remote.clock(),
        Duration::from_secs(60),
        Duration::from_secs(60),
    );
    let inputs = WorkflowInputs::new(cid.parse().unwrap(), format!("mason ({USER})"));
    remote
        .start(&Trigger::Repository, &inputs, &budget)
        .await
        .unwrap();
    let ended = Uuid::new_v4().to_string();
    let journal = [
        accepted_line(&Uuid::new_v4().to_string(), "tooOld", Duration::from_secs(20 * 60)),
        accepted_line(&ended, "ended", Duration::from_secs(120)),
        json!({"kind": "outcome", "time": "2026-11-26T00:00:00Z", "correlation_id": ended, "outcome": "succeeded"}).to_string() + "\n",
        accepted_line(&cid, "resumed", Duration::from_secs(60)),
    ];
    std::fs::write(&s.audit, journal.concat()).unwrap();
    for token in ["tooOld", "ended", "resumed"] {
        s.discord.open_interaction(token);
    }
    release(&s.gh, &cid);
    let server = s.server().await;
    assert_eq!(outcome(&s.audit, &cid).await, "succeeded");
    let edits = edits(&s.discord, "resumed");
    assert!(content(&edits[0]).contains("following again after a restart"));
    assert_result(edits.last().unwrap(), &cid);
    server.stop().await.unwrap();
    let others = s.discord.requests().len() - edits.len();
    assert_eq!(others, 0, "only the unfinished diagnosis is edited");
    assert_eq!(
        s.gh.count("dispatch"),
        1,
        "a resumed diagnosis is not dispatched again"
    );
    assert_bodies_match_discords_schema(&s.discord);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_shutdown_a_diagnosis_under_way_is_left_for_the_next_start() {
    let s = Setup::new(held());
    let server = s.server().await;
    s.discord.open_interaction("inflight");
    server
        .interact(&diagnose("inflight", USER, GUILD_ID, json!([])))
        .await;
    edit_saying(&s.discord, "inflight", "queued").await;
    let cid = s.gh.dispatched_correlation_id().unwrap();
    let base = server.base.clone();
    let began = Instant::now();
    server.stop().await.unwrap();
    assert!(
        began.elapsed() < Duration::from_secs(5),
        "within the grace period"
    );
    let last = audit_lines(&s.audit).pop().unwrap();
    assert_eq!(
        (&last["kind"], &last["correlation_id"]),
        (&json!("outcome"), &json!(cid))
    );
    assert_eq!(last["outcome"], "left: still running");
    let refused = reqwest::get(format!("{base}/healthz")).await;
    assert!(refused.is_err(), "no longer accepting");

    // The next start follows it to its end, in the same message.
    release(&s.gh, &cid);
    let server = s.server().await;
    until("the result", || {
        let lines = audit_lines(&s.audit);
        let last = lines.last()?;
        (last["outcome"] == "succeeded").then_some(())
    })
    .await;
    let edits = edits(&s.discord, "inflight");
    assert_result(edits.last().unwrap(), &cid);
    server.stop().await.unwrap();
    assert_eq!(s.gh.count("dispatch"), 1);
    assert_bodies_match_discords_schema(&s.discord);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_that_never_ends_does_not_hold_the_shutdown_past_the_grace() {
    let s = Setup::new(held());
    let mut settings = s.settings();
    settings.shutdown_grace = Duration::from_secs(1);
    let server = Server::start(settings, &s.key).await;
    s.discord.open_interaction("stuck");
    s.discord.fault("edit_original", vec![Reply::silent()]);
    server
        .interact(&diagnose("stuck", USER, GUILD_ID, json!([])))
        .await;
    until("the edit under way", || {
        (!edits(&s.discord, "stuck").is_empty()).then_some(())
    })
    .await;
    let began = Instant::now();
    server.stop().await.unwrap();
    let took = began.elapsed();
    assert!(took < Duration::from_secs(4), "stopped after {took:?}");
    let last = audit_lines(&s.audit).pop().unwrap();
    assert_eq!(last["outcome"], "left: still running");
}

/// A `/verify-latest` interaction from the allowlisted user, with `options`.
fn verify_latest(token: &str, options: Value) -> Value {
    let mut interaction = diagnose(token, USER, GUILD_ID, options);
    interaction["data"]["name"] = json!("verify-latest");
    interaction
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_latest_answers_thinking_then_edits_in_the_deploy_run() {
    let s = Setup::new(held());
    s.gh.set_deploy_runs(vec![DeployRun {
        run: deploy::run(&s.gh.web(), 5042, "completed", Some("failure")),
        jobs: Vec::new(),
    }]);
    s.discord.open_interaction("verify");
    let server = s.server().await;
    let (status, answer) = server.interact(&verify_latest("verify", json!([]))).await;
    assert_eq!(status, 200);
    assert_eq!(answer["type"], 5, "deferred, then edited: {answer}");
    let edit = edit_saying(&s.discord, "verify", "5042").await;
    let text = content(&edit).to_lowercase();
    assert!(
        text.contains("fail") && !text.contains("not found"),
        "{edit}"
    );
    server.stop().await.unwrap();
    assert_bodies_match_discords_schema(&s.discord);
    let logged = audit_lines(&s.audit);
    assert_eq!(logged[0]["command"], "verify-latest", "{logged:?}");
    assert_eq!(logged[0]["decision"], "accepted", "{logged:?}");
    assert!(
        s.gh.requests().iter().all(|r| r.method == "GET"),
        "verify-latest only reads"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_latest_with_diagnose_follows_the_diagnosis_under_the_verdict() {
    let s = Setup::new(held());
    s.gh.set_deploy_runs(vec![DeployRun {
        run: deploy::run(&s.gh.web(), 5043, "completed", Some("success")),
        jobs: Vec::new(),
    }]);
    s.discord.open_interaction("chained");
    let server = s.server().await;
    let options = json!([{"name": "diagnose", "type": 5, "value": true}]);
    let (status, answer) = server.interact(&verify_latest("chained", options)).await;
    assert_eq!(status, 200);
    assert_eq!(answer["type"], 5, "{answer}");
    let cid = until("the dispatch", || s.gh.dispatched_correlation_id()).await;
    release(&s.gh, &cid);
    assert_eq!(outcome(&s.audit, &cid).await, "succeeded");
    let last = edits(&s.discord, "chained").pop().unwrap();
    assert_result(&last, &cid);
    assert!(
        content(&last).contains("5043"),
        "the verdict stays on top: {last}"
    );
    server.stop().await.unwrap();
    assert_bodies_match_discords_schema(&s.discord);
    let first = &audit_lines(&s.audit)[0];
    assert_eq!(first["command"], "verify-latest");
    assert_eq!(first["correlation_id"], cid.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_latest_with_a_run_on_another_host_is_refused_before_github() {
    let s = Setup::new(held());
    let server = s.server().await;
    let options = json!([{"name": "run_url", "type": 3,
        "value": "https://evil.example/acme/site/actions/runs/1"}]);
    let (status, answer) = server.interact(&verify_latest("v2", options)).await;
    assert_eq!(status, 200);
    assert_eq!(answer["data"]["flags"], 64, "{answer}");
    server.stop().await.unwrap();
    assert!(s.gh.requests().is_empty(), "nothing was read");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunked_body_is_not_read_past_64_kib() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let s = Setup::new(held());
    let server = s.server().await;
    let addr = server.base.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /interactions HTTP/1.1\r\nHost: {addr}\r\nTransfer-Encoding: chunked\r\n\
         Content-Type: application/json\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // No Content-Length to refuse it by: 70 chunks of 1 KiB, then no end.
    let chunk = format!("400\r\n{}\r\n", "x".repeat(1024));
    for _ in 0..70 {
        if stream.write_all(chunk.as_bytes()).await.is_err() {
            break;
        }
    }
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    server.stop().await.unwrap();
}
