//! `check --baseline`: a previous run's report compared with this run's, in the three
//! outputs (terminal text, step summary, JSON); baselines of the original shell workflow;
//! hostile baselines; and bad baseline files refused before any check runs.

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::httpd::{Reply, Server};
use crate::support::{assert_valid_report, bin, read_json, run};

const UUID: &str = "0b7c8f5e-1d2a-4c3b-9e8f-7a6b5c4d3e2f";
const BASELINE_ID: &str = "11111111-2222-4333-8444-555555555555";

fn filters() -> Vec<(&'static str, &'static str)> {
    vec![
        (r"127\.0\.0\.1:\d+", "127.0.0.1:[port]"),
        (r"\b\d+ ms\b", "[ms] ms"),
        (r"\(\+\d+ %\)", "(+[pct] %)"),
    ]
}

/// A report of this tool, as a baseline: `api_health` passing fast, `api_hello` failing,
/// `api_gone` passing.
fn baseline_report() -> Value {
    let check = |ok: bool, outcome: &str, ms: u64| json!({"ok": ok, "outcome": outcome, "details": "x", "ms": ms});
    json!({
        "schema_version": 2,
        "correlation_id": BASELINE_ID,
        "requester": "alice",
        "started_at": "2026-11-25T04:42:02.123Z",
        "tool": "remote-hands 0.1.0",
        "checks": {
            "api_health": check(true, "pass", 5),
            "api_hello": check(false, "fail", 5),
            "api_gone": check(true, "pass", 5),
        },
        "conclusion": "failure",
    })
}

/// Runs `check` against `server` with `baseline` written to a file; returns (run, JSON
/// report, step summary).
fn check_with(
    server: &Server,
    baseline: &str,
    extra: &[&str],
) -> (crate::support::Run, Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("previous.json");
    std::fs::write(&path, baseline).unwrap();
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "").unwrap();
    let json = dir.path().join("r.json");
    let r = run(bin()
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args([
            "check",
            "--correlation-id",
            UUID,
            "--api-base",
            &server.url(""),
        ])
        .args(["--frontend-url", &server.url("/")])
        .arg("--json")
        .arg(&json)
        .arg("--baseline")
        .arg(&path)
        .args(extra));
    assert!(r.code == 0 || r.code == 1, "exit {}: {}", r.code, r.stderr);
    let report = read_json(&json);
    assert_valid_report(&report);
    (r, report, std::fs::read_to_string(&summary).unwrap())
}

/// The text of `text` from `first` up to `next`.
fn between(text: &str, first: &str, next: &str) -> String {
    let start = text
        .find(first)
        .unwrap_or_else(|| panic!("no {first:?} in\n{text}"));
    let rest = &text[start..];
    let end = rest
        .find(next)
        .unwrap_or_else(|| panic!("no {next:?} in\n{rest}"));
    rest[..end].to_string()
}

/// The markdown section, up to the next one.
fn md_section(md: &str) -> String {
    // Up to the next section (the timeline, else the configuration).
    between(md, "## Changes since", "\n## ") + "\n"
}

fn servers() -> Server {
    Server::start(|path| match path {
        // Slower than the baseline's 5 ms by far more than +50 % and +100 ms.
        "/health" => Reply::After(Duration::from_millis(250), Box::new(Reply::ok("up"))),
        _ => Reply::ok("ok"),
    })
}

#[test]
fn the_changes_since_the_baseline_are_in_all_three_outputs() {
    let s = servers();
    let (r, report, md) = check_with(&s, &baseline_report().to_string(), &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);

    let changes = &report["changes"];
    assert_eq!(changes["since"]["correlation_id"], BASELINE_ID);
    assert_eq!(changes["since"]["started_at"], "2026-11-25T04:42:02.123Z");
    assert_eq!(changes["since"]["conclusion"], "failure");
    assert_eq!(changes["thresholds"], json!({"pct": 50, "ms": 100}));
    assert_eq!(
        changes["outcome"],
        json!([{"check": "api_hello", "from": "fail", "to": "pass"}])
    );
    assert_eq!(changes["latency"][0]["check"], "api_health");
    assert_eq!(changes["latency"][0]["from_ms"], 5);
    assert!(changes["latency"][0]["to_ms"].as_u64().unwrap() >= 250);
    assert_eq!(changes["latency"].as_array().unwrap().len(), 1);
    assert_eq!(changes["new_checks"], json!(["frontend"]));
    assert_eq!(changes["vanished_checks"], json!(["api_gone"]));
    assert_eq!(changes["cloudfront"], json!([]));
    assert_eq!(changes["identity"], json!([]));

    let text = between(&r.stdout, "changes since", "conclusion:");
    assert!(
        text.starts_with("changes since 11111111 (2026-11-25 04:42:02 UTC):"),
        "{text}"
    );
    assert!(
        text.contains("api_hello   outcome          FAIL → pass"),
        "{text}"
    );
    let section = md_section(&md);
    assert!(
        section.contains("| `api_hello` | outcome | ❌ fail | ✅ pass |"),
        "{section}"
    );
    insta::with_settings!({ filters => filters() }, {
        insta::assert_snapshot!("changes_text", text);
        insta::assert_snapshot!("changes_markdown", section);
    });
    // The section comes right after the summary table, before the configuration.
    let at = |needle: &str| md.find(needle).unwrap_or_else(|| panic!("{needle}"));
    assert!(at("## Changes since") < at("## Diagnostic Configuration"));
}

#[test]
fn a_run_like_its_baseline_says_there_are_no_changes_in_one_line() {
    let s = Server::start(|_| Reply::ok("ok"));
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.json");
    let r = run(bin()
        .args([
            "check",
            "--api-base",
            &s.url(""),
            "--frontend-url",
            &s.url("/"),
        ])
        .arg("--json")
        .arg(&first));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let first_id = read_json(&first)["correlation_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (r, report, md) = check_with(&s, &std::fs::read_to_string(&first).unwrap(), &[]);
    let short = &first_id[..8];
    let line = r
        .stdout
        .lines()
        .find(|l| l.starts_with("no changes since"))
        .unwrap_or_else(|| panic!("{}", r.stdout));
    assert!(
        line.starts_with(&format!("no changes since {short} (")),
        "{line}"
    );
    assert!(
        md.contains(&format!("**No changes since run `{short}` of ")),
        "{md}"
    );
    assert!(!md.contains("## Changes since"));
    assert_eq!(report["changes"]["outcome"], json!([]));
    assert_eq!(
        report["changes"]["since"]["correlation_id"],
        first_id.as_str()
    );
}

/// The original shell workflow's report: no schema_version, checks with only ok/details
/// or ok/status/ms.
#[test]
fn a_baseline_of_the_original_workflow_is_compared() {
    let seed = r#"{
      "correlation_id": "abc12345-6789-...",
      "requester": "discord-user",
      "frontend_url": "https://example.com",
      "api_base": "https://api.example.com",
      "checks": {
        "oidc": {"ok": true, "details": "AWS OIDC role assume"},
        "api_health": {"ok": true, "status": 200, "ms": 5},
        "api_hello": {"ok": false, "status": 500, "ms": 98}
      },
      "durations": {"total_s": 45, "steps": {"oidc": 2, "api": 243}},
      "conclusion": "failure"
    }"#;
    let s = servers();
    let (r, report, _) = check_with(&s, seed, &[]);
    let changes = &report["changes"];
    assert_eq!(changes["since"]["correlation_id"], "abc12345-6789-...");
    assert_eq!(changes["since"]["started_at"], "");
    // oidc ran in the original workflow; not configured here, it is skipped.
    assert_eq!(
        changes["outcome"],
        json!([
            {"check": "oidc", "from": "pass", "to": "skip"},
            {"check": "api_hello", "from": "fail", "to": "pass"}
        ])
    );
    assert_eq!(changes["latency"][0]["check"], "api_health");
    assert_eq!(changes["new_checks"], json!(["frontend"]));
    assert_eq!(changes["vanished_checks"], json!([]));
    assert!(r.stdout.contains("changes since abc12345:"), "{}", r.stdout);
}

/// Check keys, CloudFront names and ARNs of a baseline are outside text: they cannot
/// break the summary's table, open a fence or smuggle HTML, nor the terminal's lines.
#[test]
fn a_hostile_baseline_cannot_break_the_outputs() {
    let hostile =
        "x | forged | row |\n## Injected\n```\n</details><script>alert(1)</script>\u{1b}[2J";
    let mut b = baseline_report();
    b["correlation_id"] = json!(format!("`{hostile}"));
    b["checks"][hostile] = json!({"ok": true, "details": hostile, "ms": 1});
    let s = servers();
    let (r, report, md) = check_with(&s, &b.to_string(), &[]);
    assert!(
        report["changes"]["vanished_checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k.as_str().unwrap().starts_with("x | forged")),
        "{report:#}"
    );
    let table = md_section(&md);
    let rows: Vec<&str> = table
        .lines()
        .filter(|l| l.starts_with('|'))
        .skip(2)
        .collect();
    assert_eq!(rows.len(), 5, "{table}");
    for line in rows {
        assert!(line.starts_with("| ") && line.ends_with(" |"), "{line}");
        let unescaped_pipes = line.matches(" | ").count();
        assert_eq!(unescaped_pipes, 3, "{line}");
    }
    assert!(
        !md.contains("<script>") && !md.contains("\n## Injected"),
        "{md}"
    );
    assert!(!r.stdout.contains('\u{1b}'), "{}", r.stdout);
    assert!(!r.stdout.lines().any(|l| l.starts_with("## Injected")));
}

/// Runs `check --baseline PATH` (or with the variable) against a server that counts
/// requests; the run must stop at exit 2 with one line, before any check.
fn refused(path: &Path, by_env: bool) -> String {
    let s = Server::start(|_| Reply::ok("ok"));
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = bin();
    cmd.current_dir(dir.path())
        .args(["check", "--api-base", &s.url("")]);
    if by_env {
        cmd.env("REMOTE_HANDS_BASELINE", path);
    } else {
        cmd.arg("--baseline").arg(path);
    }
    let r = run(&mut cmd);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(r.stderr.trim_end().lines().count(), 1, "{}", r.stderr);
    assert!(s.requests().is_empty(), "a check ran: {:?}", s.requests());
    assert!(!dir.path().join("diagnose-summary.json").exists());
    r.stderr
}

#[test]
fn bad_baseline_files_are_refused_in_one_line_before_any_check() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.json");
    let e = refused(&missing, false);
    assert!(
        e.contains("--baseline") && e.contains("nope.json") && e.contains("cannot read"),
        "{e}"
    );
    assert!(e.contains("expected the diagnosis report"), "{e}");

    let e = refused(&missing, true);
    assert!(e.contains("REMOTE_HANDS_BASELINE (environment)"), "{e}");

    let not_json = dir.path().join("notes.txt");
    std::fs::write(&not_json, "hello\nworld").unwrap();
    let e = refused(&not_json, false);
    assert!(e.contains("notes.txt is not a diagnosis report"), "{e}");

    let wrong_shape = dir.path().join("other.json");
    std::fs::write(&wrong_shape, r#"{"checks": [1, 2], "conclusion": 7}"#).unwrap();
    let e = refused(&wrong_shape, false);
    assert!(e.contains("other.json is not a diagnosis report"), "{e}");

    let huge = dir.path().join("huge.json");
    let f = std::fs::File::create(&huge).unwrap();
    f.set_len(64 * 1024 * 1024).unwrap();
    let e = refused(&huge, false);
    assert!(e.contains("huge.json is over 4 MiB"), "{e}");

    let deep = dir.path().join("deep.json");
    std::fs::write(
        &deep,
        format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)),
    )
    .unwrap();
    let e = refused(&deep, false);
    assert!(e.contains("deep.json is not a diagnosis report"), "{e}");

    let e = refused(dir.path(), false);
    assert!(e.contains("cannot read"), "{e}");
}

#[test]
fn bad_thresholds_are_refused() {
    for (flag, value) in [
        ("--regression-pct", "-5"),
        ("--regression-pct", "1.5"),
        ("--regression-ms", "soon"),
        ("--regression-ms", "99999999999"),
    ] {
        let r = run(bin().args(["check", "--api-base", "http://127.0.0.1:9", flag, value]));
        assert_eq!(r.code, 2, "{flag} {value}: {}", r.stderr);
        assert!(
            r.stderr.contains(flag) && r.stderr.contains("whole number"),
            "{}",
            r.stderr
        );
    }
    let r = run(bin().env("REMOTE_HANDS_REGRESSION_MS", "x").args([
        "check",
        "--api-base",
        "http://127.0.0.1:9",
    ]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("REMOTE_HANDS_REGRESSION_MS (environment)"),
        "{}",
        r.stderr
    );
}

#[test]
fn the_thresholds_decide_what_is_slower() {
    let s = servers();
    let (_, report, _) = check_with(
        &s,
        &baseline_report().to_string(),
        &["--regression-ms", "100000"],
    );
    assert_eq!(report["changes"]["latency"], json!([]));
    assert_eq!(report["changes"]["thresholds"]["ms"], 100000);
}

// ---- baseline fetch: the last successful run's report, from the fake GitHub API ----------

mod fetch {
    use super::*;
    use crate::support::dispatch::assert_requests_match_githubs_description;
    use crate::support::github::history::{HISTORY_WORKFLOW, PastRun};
    use crate::support::github::{FakeGithub, OWNER, REPO, Scenario, TOKEN, zip_of};

    /// `baseline fetch` inside GitHub Actions, as the action runs it: the workflow from
    /// GITHUB_WORKFLOW_REF, the branch from GITHUB_REF_NAME, this run GITHUB_RUN_ID.
    fn fetch(gh: &FakeGithub, out: &Path, extra: &[(&str, &str)]) -> crate::support::Run {
        let mut cmd = bin();
        cmd.env("GITHUB_ACTIONS", "true")
            .env("GITHUB_TOKEN", TOKEN)
            .env("GITHUB_REPOSITORY", format!("{OWNER}/{REPO}"))
            .env("GITHUB_API_URL", gh.api_url())
            .env(
                "GITHUB_WORKFLOW_REF",
                format!("{OWNER}/{REPO}/.github/workflows/{HISTORY_WORKFLOW}@refs/heads/main"),
            )
            .env("GITHUB_REF_NAME", "main")
            .env("GITHUB_RUN_ID", "7009");
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let r = run(cmd.args(["baseline", "fetch", "--out"]).arg(out));
        assert!(!r.stdout.contains(TOKEN) && !r.stderr.contains(TOKEN));
        assert_requests_match_githubs_description(gh);
        r
    }

    fn report_zip(correlation_id: &str) -> Vec<u8> {
        let mut b = baseline_report();
        b["correlation_id"] = json!(correlation_id);
        zip_of(&[("diagnose-summary.json", b.to_string().as_bytes())])
    }

    fn past(id: u64, branch: &'static str, conclusion: &'static str, cid: &str) -> PastRun {
        PastRun {
            id,
            branch,
            conclusion,
            artifact: Some(("diagnose-summary", report_zip(cid))),
        }
    }

    #[test]
    fn the_last_successful_run_on_the_branch_gives_the_baseline() {
        let gh = FakeGithub::start(Scenario::default());
        gh.set_history(vec![
            // This run (a re-run that already succeeded once): never its own baseline.
            past(
                7009,
                "main",
                "success",
                "99999999-0000-4000-8000-000000000000",
            ),
            past(
                7008,
                "main",
                "failure",
                "88888888-0000-4000-8000-000000000000",
            ),
            past(
                7007,
                "feature",
                "success",
                "77777777-0000-4000-8000-000000000000",
            ),
            past(7006, "main", "success", BASELINE_ID),
            past(
                7005,
                "main",
                "success",
                "55555555-0000-4000-8000-000000000000",
            ),
        ]);
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("baseline.json");
        let r = fetch(&gh, &out, &[]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_eq!(read_json(&out)["correlation_id"], BASELINE_ID);
        assert!(r.stderr.contains("the report of run 7006"), "{}", r.stderr);
        let list = &gh.requests_of("history_runs")[0];
        assert!(list.query.contains("status=success"), "{}", list.query);
        assert!(list.query.contains("branch=main"), "{}", list.query);
        // The pull request's head branch wins over GITHUB_REF_NAME.
        let r = fetch(&gh, &out, &[("GITHUB_HEAD_REF", "feature")]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_eq!(
            read_json(&out)["correlation_id"],
            "77777777-0000-4000-8000-000000000000"
        );
        // What was fetched is a baseline `check` takes.
        let s = servers();
        let (_, report, _) = check_with(&s, &std::fs::read_to_string(&out).unwrap(), &[]);
        assert_eq!(
            report["changes"]["since"]["correlation_id"],
            "77777777-0000-4000-8000-000000000000"
        );
    }

    #[test]
    fn no_earlier_run_or_no_artifact_is_a_notice_and_exit_3() {
        let gh = FakeGithub::start(Scenario::default());
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("baseline.json");
        // A new workflow: no run yet.
        let r = fetch(&gh, &out, &[]);
        assert_eq!(r.code, 3, "{}", r.stderr);
        assert_eq!(
            r.stderr.trim_end(),
            "::notice title=remote-hands baseline::no baseline to compare with: no earlier successful run of diagnose.yml on branch main"
        );
        assert!(!out.exists());
        // The last successful run uploaded no report.
        gh.set_history(vec![PastRun {
            id: 7001,
            branch: "main",
            conclusion: "success",
            artifact: None,
        }]);
        let r = fetch(&gh, &out, &[]);
        assert_eq!(r.code, 3, "{}", r.stderr);
        assert!(
            r.stderr
                .contains("run 7001 has no artifact diagnose-summary"),
            "{}",
            r.stderr
        );
        // Its artifact holds something else.
        gh.set_history(vec![PastRun {
            id: 7002,
            branch: "main",
            conclusion: "success",
            artifact: Some((
                "diagnose-summary",
                zip_of(&[("diagnose-summary.json", b"{\"not\": \"a report\"}")]),
            )),
        }]);
        let r = fetch(&gh, &out, &[]);
        assert_eq!(r.code, 3, "{}", r.stderr);
        assert!(
            r.stderr.contains("holds no diagnosis report"),
            "{}",
            r.stderr
        );
        assert_eq!(r.stderr.trim_end().lines().count(), 1, "{}", r.stderr);
        assert!(!out.exists());
    }

    #[test]
    fn github_refusing_is_a_warning_and_exit_1() {
        let gh = FakeGithub::start(Scenario::default());
        gh.fault(
            "history_runs",
            vec![crate::support::github::Canned::new(
                403,
                &[("content-type", "application/json")],
                r#"{"message":"Resource not accessible by integration"}"#,
            )],
        );
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("baseline.json");
        let r = fetch(&gh, &out, &[]);
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert!(
            r.stderr.starts_with(
                "::warning title=remote-hands baseline::no baseline to compare with: "
            ),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains("403"), "{}", r.stderr);
        assert!(!out.exists());
    }

    #[test]
    fn without_a_workflow_or_a_token_it_is_a_usage_error() {
        let dir = tempfile::tempdir().unwrap();
        let r = run(bin()
            .env("GITHUB_TOKEN", TOKEN)
            .env("GITHUB_REPOSITORY", "acme/site")
            .env("GITHUB_API_URL", "http://127.0.0.1:9")
            .args(["baseline", "fetch", "--out"])
            .arg(dir.path().join("b.json")));
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(
            r.stderr.contains("--workflow: missing") && r.stderr.contains("GITHUB_WORKFLOW_REF"),
            "{}",
            r.stderr
        );
        let r = run(bin()
            .env("GITHUB_REPOSITORY", "acme/site")
            .env("GITHUB_API_URL", "http://127.0.0.1:9")
            .env("PATH", "/nonexistent")
            .args(["baseline", "fetch", "--workflow", "d.yml", "--out"])
            .arg(dir.path().join("b.json")));
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(r.stderr.contains("GITHUB_TOKEN"), "{}", r.stderr);
        let r = run(bin()
            .env("GITHUB_TOKEN", TOKEN)
            .env("GITHUB_REPOSITORY", "acme/site")
            .env("GITHUB_API_URL", "http://127.0.0.1:9")
            .env(
                "GITHUB_WORKFLOW_REF",
                "acme/site/.github/workflows/@refs/heads/main",
            )
            .args(["baseline", "fetch", "--out"])
            .arg(dir.path().join("b.json")));
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(
            r.stderr.contains("GITHUB_WORKFLOW_REF (environment)"),
            "{}",
            r.stderr
        );
    }
}

/// The schema holds every field of `changes` to its shape: a report with any one of them
/// wrong does not validate.
#[test]
fn the_schema_validates_every_field_of_changes() {
    let s = servers();
    let (_, report, _) = check_with(&s, &baseline_report().to_string(), &[]);
    let schema_text =
        std::fs::read_to_string(crate::support::root().join("schema/diagnose-summary.schema.json"))
            .unwrap();
    let schema: Value = serde_json::from_str(&schema_text).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(validator.is_valid(&report));
    let field = json!({"field": "status", "from": "Deployed", "to": null});
    let cases: Vec<(&str, Value)> = vec![
        ("/changes/since/correlation_id", json!(7)),
        ("/changes/since/conclusion", json!("maybe")),
        ("/changes/since/extra", json!("x")),
        ("/changes/thresholds/pct", json!(-1)),
        ("/changes/thresholds/ms", json!(1.5)),
        ("/changes/outcome/0/from", json!("great")),
        ("/changes/outcome/0/check", json!("")),
        ("/changes/latency/0/from_ms", json!(0)),
        ("/changes/latency/0/to_ms", json!("slow")),
        (
            "/changes/cloudfront",
            json!([{"field": "price", "from": null, "to": null}]),
        ),
        (
            "/changes/cloudfront",
            json!([{"field": "status", "from": "x".repeat(301), "to": null}]),
        ),
        ("/changes/identity", json!([field])),
        ("/changes/new_checks", json!([3])),
        ("/changes/vanished_checks", json!(["k".repeat(129)])),
        ("/changes/extra", json!([])),
    ];
    for (pointer, value) in cases {
        let mut bad = report.clone();
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        match bad.pointer_mut(parent).unwrap() {
            Value::Array(items) => items[key.parse::<usize>().unwrap()] = value.clone(),
            Value::Object(map) => {
                map.insert(key.to_string(), value.clone());
            }
            other => panic!("{pointer}: {other}"),
        }
        assert!(!validator.is_valid(&bad), "{pointer} = {value} validates");
    }
    let mut missing = report.clone();
    missing["changes"].as_object_mut().unwrap().remove("since");
    assert!(!validator.is_valid(&missing));
}
