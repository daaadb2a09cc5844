//! What `check` hands the GitHub Actions runner when it runs inside a job
//! (`GITHUB_ACTIONS=true`): step outputs appended to `$GITHUB_OUTPUT`, `::error` and
//! `::warning` annotations for failed and slow checks, and the JSON report in the log
//! between marker lines (with workflow commands stopped around it); outside Actions,
//! none of these.

use std::collections::HashMap;
use std::path::PathBuf;

use remote_hands::actions::{LOG_BEGIN, LOG_END};

use crate::support::httpd::{Reply, Server};
use crate::support::{Run, bin, read_json, run};

const UUID: &str = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a";

/// Parses `name<<DELIM ... DELIM` blocks (and plain `name=value` lines).
fn parse_outputs(text: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some((name, delim)) = line.split_once("<<") {
            let mut value = Vec::new();
            for l in lines.by_ref() {
                if l == delim {
                    break;
                }
                value.push(l);
            }
            out.insert(name.to_string(), value.join("\n"));
        } else if let Some((name, value)) = line.split_once('=') {
            out.insert(name.to_string(), value.to_string());
        }
    }
    out
}

/// A `check` run inside Actions against an API whose /health fails and /hello is slow,
/// with an earlier step's output already in `$GITHUB_OUTPUT`.
struct InActions {
    r: Run,
    /// The working folder, holding the report and the outputs file.
    dir: tempfile::TempDir,
    _api: Server,
}

impl InActions {
    fn report_path(&self) -> PathBuf {
        self.dir.path().join("diagnose-summary.json")
    }

    fn outputs(&self) -> PathBuf {
        self.dir.path().join("output")
    }
}

fn check_in_actions() -> InActions {
    let s = Server::start(|path| match path {
        "/health" => Reply::status(502, "bad gateway"),
        "/hello" => Reply::After(
            std::time::Duration::from_millis(200),
            Box::new(Reply::ok("hi")),
        ),
        _ => Reply::ok("ok"),
    });
    let dir = tempfile::tempdir().unwrap();
    let outputs = dir.path().join("output");
    std::fs::write(&outputs, "earlier=value\n").unwrap();
    let r = run(bin()
        .current_dir(dir.path())
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &outputs)
        .env("CORRELATION_ID", UUID)
        .env("GITHUB_ACTOR", "octocat")
        .env("API_BASE", s.url(""))
        .args(["check", "--slow-ms", "50"]));
    assert_eq!(r.code, 1);
    InActions { r, dir, _api: s }
}

#[test]
fn the_requester_defaults_to_the_github_actor() {
    let run = check_in_actions();
    let report = read_json(&run.report_path());
    assert_eq!(
        report["requester"], "octocat",
        "defaults to the GitHub actor"
    );
}

#[test]
fn step_outputs_are_appended_to_github_output() {
    let run = check_in_actions();
    let report_path = run.report_path();
    let out = parse_outputs(&std::fs::read_to_string(run.outputs()).unwrap());
    assert_eq!(out["earlier"], "value", "appended, not replaced");
    assert_eq!(out["conclusion"], "failure");
    assert_eq!(out["correlation-id"], UUID);
    assert_eq!(
        std::fs::canonicalize(&out["report-path"]).unwrap(),
        std::fs::canonicalize(&report_path).unwrap()
    );
}

#[test]
fn failed_and_slow_checks_are_annotated_with_their_names() {
    let InActions { r, .. } = check_in_actions();
    assert!(
        r.stderr
            .lines()
            .any(|l| l.starts_with("::error title=remote-hands api_health::HTTP 502")),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .lines()
            .any(|l| l.starts_with("::warning title=remote-hands api_hello::")),
        "{}",
        r.stderr
    );
}

#[test]
fn the_report_is_in_the_log_between_markers_with_commands_stopped_around_it() {
    let run = check_in_actions();
    let report = read_json(&run.report_path());
    let r = &run.r;
    let lines: Vec<&str> = r.stderr.lines().collect();
    let begin = lines
        .iter()
        .position(|l| *l == format!("{LOG_BEGIN}{UUID}"))
        .expect("begin marker");
    let end = lines
        .iter()
        .position(|l| *l == format!("{LOG_END}{UUID}"))
        .expect("end marker");
    let stop = lines[begin - 1]
        .strip_prefix("::stop-commands::")
        .expect("commands stopped before the block");
    assert_eq!(
        lines[end + 1],
        format!("::{stop}::"),
        "and resumed after it"
    );
    let logged: serde_json::Value =
        serde_json::from_str(&lines[begin + 1..end].join("\n")).unwrap();
    assert_eq!(logged, report);
}

#[test]
fn outside_actions_nothing_goes_to_the_runner() {
    let s = Server::start(|_| Reply::status(500, "x"));
    let dir = tempfile::tempdir().unwrap();
    let outputs = dir.path().join("output");
    let r = run(bin()
        .current_dir(dir.path())
        .env("GITHUB_OUTPUT", &outputs)
        .args(["check", "--api-base", &s.url("")]));
    assert_eq!(r.code, 1);
    assert!(!outputs.exists());
    assert!(!r.stderr.contains("::error"), "{}", r.stderr);
}
