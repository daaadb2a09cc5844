//! The benchmark of `remote-hands discord serve` (ignored in the suite; `bench/run.sh`
//! runs it): the binary on 127.0.0.1 with a key pair made here, the fake GitHub API
//! holding every run in the queue (so diagnoses stay in progress) and the fake Discord API
//! taking the edits. It prints `serve-bench:` lines, and a `target: … PASS|MISS` line per
//! target, and asserts nothing about the figures: it fails only when the server or the
//! fakes do not work.
//!
//! - Answer time: 200 clients at once, each on its own connection, sending signed
//!   interactions one after another; the time from sending to the whole answer read, per
//!   request, as p50/p99/max. First PINGs, then `/diagnose` from 200 different users
//!   (the first 100 accepted — audit line written, dispatch started — and the rest refused
//!   as too many running, also logged), each kind on its own.
//! - Memory: a fresh server following 50 diagnoses at once (each edited to "queued" and
//!   polled again since), its peak resident set (`VmHWM` of /proc/PID/status).
//!
//! `SERVE_BENCH_BIN` names the binary to measure (the benchmark passes the release
//! build); without it, the suite's build.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use ed25519_dalek::{Signer, SigningKey};
use serde_json::{Value, json};

use crate::support::discord::{APP_ID, CHANNEL_ID, FakeDiscord, GUILD_ID, kind_of};
use crate::support::dispatch::{healthy_run, scenario_with_artifact};
use crate::support::github::{FakeGithub, Scenario, TOKEN};

const CLIENTS: usize = 200;
const PINGS_PER_CLIENT: usize = 25;
const DIAGNOSES_PER_CLIENT: usize = 5;
const FOLLOWED: usize = 50;
const P99_TARGET_MS: f64 = 50.0;
const MEMORY_TARGET_MIB: f64 = 50.0;

/// `discord serve` as a child process, stopped (SIGTERM, then kill) when dropped.
struct Served {
    child: Child,
    url: String,
    key: SigningKey,
    _audit_dir: tempfile::TempDir,
    _discord: FakeDiscord,
}

impl Served {
    /// Starts the binary against `gh` and `discord`; fails loudly when it does not
    /// announce its address.
    fn start(gh: &FakeGithub, discord: FakeDiscord) -> Served {
        let mut bytes = [0u8; 32];
        bytes.iter_mut().for_each(|b| *b = fastrand::u8(..));
        let key = SigningKey::from_bytes(&bytes);
        let dir = tempfile::tempdir().unwrap();
        let program = std::env::var_os("SERVE_BENCH_BIN").map_or_else(
            || {
                #[allow(deprecated)]
                assert_cmd::cargo::cargo_bin("remote-hands")
            },
            PathBuf::from,
        );
        println!("serve-bench: binary {}", program.display());
        let mut child = Command::new(&program)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .current_dir(dir.path())
            .env(
                "DISCORD_PUBLIC_KEY",
                hex::encode(key.verifying_key().to_bytes()),
            )
            .env("DISCORD_APPLICATION_ID", APP_ID)
            .env("GITHUB_TOKEN", TOKEN)
            .env("REMOTE_HANDS_TIME_SCALE", "0.1")
            .args(["discord", "serve", "--listen", "127.0.0.1:0"])
            .args(["--repo", "acme/site", "--api-url", &gh.api_url()])
            .args(["--discord-api-url", &discord.api_url()])
            .args(["--allow-everyone", "--rate-limit", "1000/1s"])
            .args(["--max-running", "100", "--audit-log", "audit.jsonl"])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        stderr.read_line(&mut line).unwrap();
        let Some(url) = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .map(str::to_string)
        else {
            let _ = child.kill();
            panic!("discord serve did not start: {line:?}");
        };
        // Keep reading stderr so the server never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
        Served {
            child,
            url,
            key,
            _audit_dir: dir,
            _discord: discord,
        }
    }

    /// `interaction` as Discord sends it: the body, the signature and timestamp headers.
    fn signed(&self, interaction: &Value) -> (Vec<u8>, String, String) {
        let body = interaction.to_string().into_bytes();
        let ts = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            .to_string();
        let signature = self.key.sign(&[ts.as_bytes(), &body].concat());
        (body, hex::encode(signature.to_bytes()), ts)
    }

    /// The peak and current resident set, in KiB.
    fn memory_kib(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("the server's /proc status");
        let field = |name: &str| -> u64 {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
                .unwrap_or_else(|| panic!("no {name} in /proc status"))
        };
        (field("VmHWM:"), field("VmRSS:"))
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A run held in the queue for as long as the benchmark lasts.
fn held() -> Scenario {
    Scenario {
        queued_polls: u32::MAX,
        ..scenario_with_artifact(healthy_run())
    }
}

/// A user ID (a snowflake) for client `n`.
fn user(n: usize) -> String {
    (53908232506183680u64 + n as u64).to_string()
}

fn token(n: usize) -> String {
    format!("bench-token-{n}")
}

fn ping() -> Value {
    json!({"type": 1, "id": "786008729715212338", "application_id": APP_ID})
}

/// `/diagnose` with no options, by `user`, answered through `token`.
fn diagnose(token: &str, user: &str) -> Value {
    json!({
        "type": 2,
        "id": "786008729715212338",
        "application_id": APP_ID,
        "token": token,
        "guild_id": GUILD_ID,
        "channel_id": CHANNEL_ID,
        "member": {
            "user": {"id": user, "username": "bench", "global_name": "Bench"},
            "roles": []
        },
        "data": {"id": "771825006014889984", "name": "diagnose", "type": 1, "options": []}
    })
}

/// What an answer was: a PONG, a diagnosis started, or a refusal.
fn kind_of_answer(answer: &Value) -> &'static str {
    match (answer["type"].as_u64(), answer["data"]["flags"].as_u64()) {
        (Some(1), _) => "pong",
        (Some(4), Some(64)) => "refused",
        (Some(4 | 5), _) => "accepted",
        _ => "unexpected",
    }
}

/// Each of the clients sends its interactions (from `make(client, i)`) one after
/// another, on its own connection, all clients at once; the answer times by kind.
async fn load(
    served: &Arc<Served>,
    per_client: usize,
    make: fn(usize, usize) -> Value,
) -> Vec<(&'static str, Duration)> {
    let start = Arc::new(tokio::sync::Barrier::new(CLIENTS));
    let mut tasks = Vec::new();
    for client in 0..CLIENTS {
        let (served, start) = (served.clone(), start.clone());
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .build()
                .unwrap();
            let mut times = Vec::new();
            start.wait().await;
            for i in 0..per_client {
                let (body, signature, ts) = served.signed(&make(client, i));
                let began = Instant::now();
                let answer = http
                    .post(&served.url)
                    .header("content-type", "application/json")
                    .header("x-signature-ed25519", signature)
                    .header("x-signature-timestamp", ts)
                    .body(body)
                    .send()
                    .await
                    .expect("the server answers");
                let status = answer.status().as_u16();
                let text = answer.text().await.expect("the whole answer");
                let took = began.elapsed();
                assert_eq!(status, 200, "{text}");
                let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                times.push((kind_of_answer(&v), took));
            }
            times
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Prints p50/p99/max of the times of `kind`; the p99 in ms.
fn report(what: &str, times: &[(&'static str, Duration)], kind: &str) -> Option<f64> {
    let mut t: Vec<Duration> = times
        .iter()
        .filter(|(k, _)| *k == kind)
        .map(|(_, d)| *d)
        .collect();
    if t.is_empty() {
        return None;
    }
    t.sort();
    let at = |q: f64| t[((t.len() as f64 * q).ceil() as usize).clamp(1, t.len()) - 1];
    let p99 = ms(at(0.99));
    println!(
        "serve-bench: {what}: {} answers, p50 {:.1} ms, p99 {p99:.1} ms, max {:.1} ms",
        t.len(),
        ms(at(0.50)),
        ms(t[t.len() - 1]),
    );
    Some(p99)
}

fn verdict(met: bool) -> &'static str {
    if met { "PASS" } else { "MISS" }
}

async fn answer_times() {
    let gh = FakeGithub::start(held());
    let discord = FakeDiscord::start();
    (0..CLIENTS).for_each(|n| discord.open_interaction(&token(n)));
    let served = Arc::new(Served::start(&gh, discord));
    // Warm-up, not counted: one PING per client.
    load(&served, 1, |_, _| ping()).await;
    let pings = load(&served, PINGS_PER_CLIENT, |_, _| ping()).await;
    assert!(
        pings.iter().all(|(k, _)| *k == "pong"),
        "every PING answered"
    );
    let ping_p99 = report(
        &format!("PING, {CLIENTS} clients × {PINGS_PER_CLIENT}"),
        &pings,
        "pong",
    )
    .unwrap();
    let diagnoses = load(&served, DIAGNOSES_PER_CLIENT, |client, i| {
        // One token per request: the first of each client may be accepted.
        let t = if i == 0 {
            token(client)
        } else {
            format!("{}-{i}", token(client))
        };
        diagnose(&t, &user(client))
    })
    .await;
    assert!(
        diagnoses.iter().all(|(k, _)| *k != "unexpected"),
        "every /diagnose answered as accepted or refused"
    );
    let accepted = diagnoses.iter().filter(|(k, _)| *k == "accepted").count();
    assert_eq!(accepted, 100, "as many accepted as --max-running allows");
    let label = format!("/diagnose, {CLIENTS} clients × {DIAGNOSES_PER_CLIENT}");
    let accepted_p99 = report(&format!("{label}, accepted"), &diagnoses, "accepted").unwrap();
    let refused_p99 = report(
        &format!("{label}, refused (too many running)"),
        &diagnoses,
        "refused",
    )
    .unwrap();
    let (peak, _) = served.memory_kib();
    println!(
        "serve-bench: peak RSS after the load (100 diagnoses followed): {:.1} MiB",
        peak as f64 / 1024.0
    );
    let worst = ping_p99.max(accepted_p99).max(refused_p99);
    println!(
        "target: answer p99 < {P99_TARGET_MS} ms with {CLIENTS} concurrent clients {} ({worst:.1} ms, the worst of the three)",
        verdict(worst < P99_TARGET_MS)
    );
}

async fn memory_following() {
    let gh = FakeGithub::start(held());
    let discord = FakeDiscord::start();
    (0..FOLLOWED).for_each(|n| discord.open_interaction(&token(n)));
    let served = Served::start(&gh, discord);
    let http = reqwest::Client::new();
    for n in 0..FOLLOWED {
        let (body, signature, ts) = served.signed(&diagnose(&token(n), &user(n)));
        let answer: Value = http
            .post(&served.url)
            .header("content-type", "application/json")
            .header("x-signature-ed25519", signature)
            .header("x-signature-timestamp", ts)
            .body(body)
            .send()
            .await
            .expect("the server answers")
            .json()
            .await
            .expect("a JSON answer");
        assert_eq!(kind_of_answer(&answer), "accepted", "{answer}");
    }
    // Every diagnosis edited to "queued", then the run polled twice more per diagnosis.
    let deadline = Instant::now() + Duration::from_secs(120);
    let queued = |d: &FakeDiscord| {
        d.requests()
            .iter()
            .filter(|r| kind_of(&r.method, &r.path) == "edit_original")
            .filter(|r| {
                r.json()["content"]
                    .as_str()
                    .unwrap_or("")
                    .contains("queued")
            })
            .map(|r| r.path.clone())
            .collect::<std::collections::HashSet<_>>()
            .len()
    };
    let dispatched = || gh.count("dispatch") + gh.count("workflow_dispatch");
    while dispatched() < FOLLOWED || queued(&served._discord) == 0 {
        assert!(
            Instant::now() < deadline,
            "only {} of {FOLLOWED} diagnoses were dispatched",
            dispatched()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let polls = gh.count("run");
    while gh.count("run") < polls + 2 * FOLLOWED {
        assert!(
            Instant::now() < deadline,
            "the runs are not polled any more"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (peak, now) = served.memory_kib();
    let (peak, now) = (peak as f64 / 1024.0, now as f64 / 1024.0);
    println!(
        "serve-bench: {FOLLOWED} diagnoses dispatched, {} shown as queued: peak RSS {peak:.1} MiB, now {now:.1} MiB",
        queued(&served._discord)
    );
    println!(
        "target: peak RSS < {MEMORY_TARGET_MIB} MiB following {FOLLOWED} diagnoses {} ({peak:.1} MiB)",
        verdict(peak < MEMORY_TARGET_MIB)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: bench/run.sh runs it"]
async fn serve_answer_time_and_memory() {
    memory_following().await;
    answer_times().await;
}
