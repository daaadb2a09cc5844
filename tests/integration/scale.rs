//! Many checks at once: `--max-in-flight` (and `REMOTE_HANDS_MAX_IN_FLIGHT`) bounds how many
//! HTTP checks a target sees at the same time, counted by the target itself; a bad value
//! is a one-line usage error.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::{Arc, Condvar, Mutex};

use crate::support::httpd::{Reply, Server};
use crate::support::{bin, check, read_json, run};

/// What the target has seen, and whether it answers yet.
#[derive(Default)]
struct Gate {
    /// Requests received and not yet answered.
    in_flight: usize,
    /// The most `in_flight` ever was.
    peak: usize,
    /// Requests are answered (until then they are held).
    open: bool,
    /// Open the gate when this many requests are held.
    open_at: Option<usize>,
}

type Shared = Arc<(Mutex<Gate>, Condvar)>;

/// A target that holds every request until its gate opens (by the test, or when `open_at`
/// requests are held), and counts how many it has in hand at once.
fn gated_target(open_at: Option<usize>) -> (Server, Shared) {
    let gate = Gate {
        open_at,
        ..Gate::default()
    };
    let state: Shared = Arc::new((Mutex::new(gate), Condvar::new()));
    let shared = state.clone();
    let server = Server::start(move |_| {
        let (lock, cvar) = &*shared;
        let mut g = lock.lock().unwrap();
        g.in_flight += 1;
        g.peak = g.peak.max(g.in_flight);
        if g.open_at == Some(g.in_flight) {
            g.open = true;
        }
        cvar.notify_all();
        let mut g = cvar.wait_while(g, |g| !g.open).unwrap();
        g.in_flight -= 1;
        Reply::ok("ok")
    });
    (server, state)
}

fn paths() -> Vec<String> {
    (0..6).map(|i| format!("/p{i}")).collect()
}

/// The six checks of [`paths`] passed, each with its start.
fn all_passed(report: &serde_json::Value) {
    for i in 0..6 {
        let c = &report["checks"][format!("api_p{i}")];
        assert_eq!(c["outcome"], "pass", "{c}");
        assert!(c["start_ms"].is_u64(), "{c}");
    }
}

#[test]
fn with_max_in_flight_2_the_target_never_has_more_than_2_requests_at_once() {
    let (server, state) = gated_target(None);
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("remote-hands"))
        .env_clear()
        .env("NO_COLOR", "1")
        .current_dir(dir.path())
        .args(["-v", "check", "--api-base", &server.url("/"), "--json"])
        .arg(&json)
        .args(["--api-path", &paths().join(","), "--max-in-flight", "2"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The target holds every request. The run says when a check waits for a slot: once
    // four do, the other two are in the target's hands and nothing else can start.
    let mut waiting = 0;
    let mut log = String::new();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    while waiting < 4 {
        let mut line = String::new();
        let read = stderr.read_line(&mut line).unwrap();
        assert!(read > 0, "the run ended before four checks waited:\n{log}");
        waiting += usize::from(line.contains("waiting for a free slot"));
        log.push_str(&line);
    }
    let (lock, cvar) = &*state;
    let mut g = cvar
        .wait_while(lock.lock().unwrap(), |g| g.in_flight < 2)
        .unwrap();
    assert_eq!((g.in_flight, g.peak), (2, 2), "{log}");
    g.open = true;
    cvar.notify_all();
    drop(g);
    std::io::copy(&mut stderr, &mut std::io::sink()).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0), "{log}");
    all_passed(&read_json(&json));
    assert_eq!(lock.lock().unwrap().peak, 2);
}

#[test]
fn with_a_larger_limit_the_target_has_them_all_at_once() {
    // Held until all six are in: with fewer at once, the checks would wait to their deadline.
    let (server, state) = gated_target(Some(6));
    let base = server.url("/");
    let paths = paths().join(",");
    let (r, report) = check(&["--api-base", &base, "--api-path", &paths, "--timeout", "30"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    all_passed(&report);
    assert_eq!(state.0.lock().unwrap().peak, 6);
    // The variable sets it too.
    let (server, state) = gated_target(Some(6));
    let dir = tempfile::tempdir().unwrap();
    let r = run(bin()
        .current_dir(dir.path())
        .env("REMOTE_HANDS_MAX_IN_FLIGHT", "6")
        .env("API_PATHS", &paths)
        .args(["check", "--api-base", &server.url("/"), "--timeout", "30"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(state.0.lock().unwrap().peak, 6);
}

#[test]
fn a_bad_max_in_flight_is_a_one_line_usage_error() {
    for (flag, var, expected) in [
        (
            Some("0"),
            None,
            "error: --max-in-flight: \"0\" is not a whole number of checks from 1 to 1000",
        ),
        (
            Some("1001"),
            None,
            "error: --max-in-flight: \"1001\" is not a whole number",
        ),
        (Some("-3"), None, "error: --max-in-flight: \"-3\" is not"),
        (
            None,
            Some("lots"),
            "error: REMOTE_HANDS_MAX_IN_FLIGHT (environment): \"lots\" is not a whole number",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = bin();
        cmd.current_dir(dir.path())
            .args(["check", "--api-base", "http://127.0.0.1:9/"]);
        if let Some(v) = flag {
            cmd.args(["--max-in-flight", v]);
        }
        if let Some(v) = var {
            cmd.env("REMOTE_HANDS_MAX_IN_FLIGHT", v);
        }
        let r = run(&mut cmd);
        assert_eq!(r.code, 2, "{flag:?} {var:?}: {}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{:?}", r.stderr);
        assert!(r.stderr.starts_with(expected), "{}", r.stderr);
        assert!(!dir.path().join("diagnose-summary.json").exists());
    }
}

#[test]
fn a_bad_tls_warn_days_is_a_one_line_usage_error() {
    for (flag, var, expected) in [
        (
            Some("366"),
            None,
            "error: --tls-warn-days: \"366\" is not a whole number of days from 0 to 365",
        ),
        (Some("-1"), None, "error: --tls-warn-days: \"-1\" is not"),
        (
            None,
            Some("soon"),
            "error: REMOTE_HANDS_TLS_WARN_DAYS (environment): \"soon\" is not",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = bin();
        cmd.current_dir(dir.path())
            .args(["check", "--api-base", "http://127.0.0.1:9/"]);
        if let Some(v) = flag {
            cmd.args(["--tls-warn-days", v]);
        }
        if let Some(v) = var {
            cmd.env("REMOTE_HANDS_TLS_WARN_DAYS", v);
        }
        let r = run(&mut cmd);
        assert_eq!(r.code, 2, "{flag:?} {var:?}: {}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{:?}", r.stderr);
        assert!(r.stderr.starts_with(expected), "{}", r.stderr);
    }
}
