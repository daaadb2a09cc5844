//! A benchmark, not a test: what waiting for a run costs in GitHub API requests, and how
//! soon after the run completes the result is printed — `remote-hands dispatch` against a
//! fixed 3-second poll without conditional requests (what the original Python dispatcher
//! did). The fake GitHub API runs a run that completes 60 s after the dispatch, with time
//! scaled down 10×. `bench/run.sh` runs it:
//!
//! ```sh
//! cargo test --test integration -- --ignored --nocapture dispatch_api_cost
//! ```

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::dispatch::{healthy_run, scenario_with_artifact};
use crate::support::github::{FakeGithub, RUN_ID, Scenario, TOKEN, Timeline};

/// Real seconds per simulated second.
const SCALE: f64 = 0.1;
/// Runs of each; the completion time moves across one 3-s poll period from run to run,
/// so a fixed poll is not flattered (or punished) by landing in phase with it.
const RUNS: usize = 5;
const FIXED_POLL: Duration = Duration::from_secs(3);
/// The correlation ID of the report the simulated run carries.
const CID: &str = "8d7e2c4a-3b1f-4e5d-9a6c-0f1e2d3c4b5a";

/// Run `i` completes 60 s after the dispatch, plus i fifths of a poll period.
fn scenario(i: usize) -> Scenario {
    let real = |s: f64| Duration::from_secs_f64(s * SCALE);
    let offset = FIXED_POLL.as_secs_f64() * i as f64 / RUNS as f64;
    Scenario {
        timeline: Some(Timeline {
            appear: real(4.0),
            start: real(10.0),
            complete: real(60.0 + offset),
        }),
        ..scenario_with_artifact(healthy_run())
    }
}

struct Measured {
    counted: usize,
    not_modified: usize,
    /// Simulated seconds between the run completing and the result being available.
    delay_s: f64,
}

fn ours(i: usize) -> Measured {
    let gh = FakeGithub::start(scenario(i));
    let bin = env!("CARGO_BIN_EXE_remote-hands");
    let out = Command::new(bin)
        .args([
            "dispatch",
            "--repo",
            "acme/site",
            "--api-url",
            &gh.api_url(),
        ])
        .args(["--format", "json", "--correlation-id", CID])
        .env_clear()
        .env("GITHUB_TOKEN", TOKEN)
        .env("REMOTE_HANDS_TIME_SCALE", SCALE.to_string())
        .output()
        .expect("the client runs");
    let done = Instant::now();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["run"]["id"], RUN_ID);
    let completes = gh.completes_at().expect("dispatched");
    let requests = gh.requests();
    Measured {
        counted: gh.counted(),
        not_modified: requests.iter().filter(|r| r.answered == 304).count(),
        delay_s: done.saturating_duration_since(completes).as_secs_f64() / SCALE,
    }
}

/// One blocking HTTP/1.1 request (the fake closes every connection).
fn request(addr: SocketAddr, method: &str, target: &str, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {TOKEN}\r\nUser-Agent: fixed-poll\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text[9..12].parse().unwrap();
    (status, text)
}

/// Poll every 3 s, no ETags: list until the run shows up, then the run until it
/// completes, then the artifact list and the download.
fn fixed_poll(i: usize) -> Measured {
    let gh = FakeGithub::start(scenario(i));
    let addr = gh.addr;
    let cid = CID;
    let body = format!(
        r#"{{"event_type":"diagnose.request","client_payload":{{"correlation_id":"{cid}","requester":"bench"}}}}"#
    );
    assert_eq!(
        request(addr, "POST", "/repos/acme/site/dispatches", &body).0,
        204
    );
    let tick = || std::thread::sleep(FIXED_POLL.mul_f64(SCALE));
    loop {
        tick();
        let (_, text) = request(
            addr,
            "GET",
            "/repos/acme/site/actions/workflows/diagnose-dispatch.yml/runs?event=repository_dispatch",
            "",
        );
        if text.contains(&format!("— {cid} by")) {
            break;
        }
    }
    loop {
        tick();
        let (_, text) = request(
            addr,
            "GET",
            &format!("/repos/acme/site/actions/runs/{RUN_ID}"),
            "",
        );
        if text.contains(r#""status":"completed""#) {
            break;
        }
    }
    request(
        addr,
        "GET",
        &format!("/repos/acme/site/actions/runs/{RUN_ID}/artifacts"),
        "",
    );
    let (status, _) = request(
        addr,
        "GET",
        "/repos/acme/site/actions/artifacts/777/zip",
        "",
    );
    assert_eq!(status, 302);
    let done = Instant::now();
    let completes = gh.completes_at().expect("dispatched");
    Measured {
        counted: gh.counted(),
        not_modified: 0,
        delay_s: done.saturating_duration_since(completes).as_secs_f64() / SCALE,
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

#[test]
#[ignore = "a benchmark: bench/run.sh runs it"]
fn dispatch_api_cost() {
    let ours: Vec<Measured> = (0..RUNS).map(ours).collect();
    let fixed: Vec<Measured> = (0..RUNS).map(fixed_poll).collect();
    let row = |name: &str, m: &[Measured]| {
        let counted = median(m.iter().map(|x| x.counted as f64).collect());
        let free = median(m.iter().map(|x| x.not_modified as f64).collect());
        let delay = median(m.iter().map(|x| x.delay_s).collect());
        println!(
            "dispatch-cost: {name:<22} counted_requests={counted:.0} free_304s={free:.0} result_delay_s={delay:.2}"
        );
        (counted, delay)
    };
    println!(
        "dispatch-cost: a run completing 60-63 s after the dispatch (time scaled {}x), median of {RUNS}",
        (1.0 / SCALE).round()
    );
    let (counted, delay) = row("remote-hands dispatch", &ours);
    let (fixed_counted, fixed_delay) = row("fixed 3 s poll", &fixed);
    println!(
        "dispatch-cost: counted requests {counted:.0} vs {fixed_counted:.0} ({:.1}x fewer); target <= 8: {}",
        fixed_counted / counted,
        if counted <= 8.0 { "PASS" } else { "MISS" }
    );
    println!(
        "dispatch-cost: result {delay:.2} s after completion vs {fixed_delay:.2} s; target within one poll interval ({} s max): {}",
        crate_poll_max(),
        if delay <= crate_poll_max() as f64 {
            "PASS"
        } else {
            "MISS"
        }
    );
}

fn crate_poll_max() -> u64 {
    remote_hands::remote::POLL_MAX.as_secs()
}
