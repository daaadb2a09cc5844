//! The markdown step summary: sections, escaping of outside text, the embedded JSON, and
//! snapshots with timings filtered out.

use crate::support::httpd::{Reply, Server};
use crate::support::{bin, run};

const UUID: &str = "0b7c8f5e-1d2a-4c3b-9e8f-7a6b5c4d3e2f";

/// Runs `check` writing a summary into a file that already holds an earlier step's text;
/// returns (exit code, summary text, JSON file text).
fn summarise(args: &[&str]) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let json = dir.path().join("r.json");
    let r = run(bin()
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["check", "--correlation-id", UUID, "--json"])
        .arg(&json)
        .args(args));
    let text = std::fs::read_to_string(&summary).unwrap();
    let text = text
        .strip_prefix("earlier step\n")
        .expect("the summary is appended to, not replaced")
        .to_string();
    (r.code, text, std::fs::read_to_string(&json).unwrap())
}

/// The content of the fenced `json` block.
fn json_block(md: &str) -> &str {
    let start = md.find("```json\n").expect("a json block") + "```json\n".len();
    let end = start + md[start..].find("\n```").expect("the json block closes");
    &md[start..=end]
}

/// The JSON as the original dispatcher's `parse_summary_json` finds it: the first
/// ```` ```json ```` fence, whitespace, a `{`…`}` object, whitespace, the closing fence.
fn seed_json_block(md: &str) -> &str {
    let start = md.find("```json").expect("a json fence") + "```json".len();
    let rest = md[start..].trim_start();
    let end = rest.find("```").expect("the fence closes");
    let object = rest[..end].trim_end();
    assert!(object.starts_with('{') && object.ends_with('}'), "{object}");
    object
}

/// The markdown with fenced code blocks removed (a fence closes only with a line of at
/// least as many backticks, as CommonMark says).
fn outside_code_blocks(md: &str) -> String {
    let mut out = String::new();
    let mut open: Option<usize> = None;
    for line in md.lines() {
        let ticks = line.chars().take_while(|c| *c == '`').count();
        match open {
            None if ticks >= 3 => open = Some(ticks),
            None => {
                out.push_str(line);
                out.push('\n');
            }
            Some(n) if ticks >= n && line.trim_start_matches('`').trim().is_empty() => open = None,
            Some(_) => {}
        }
    }
    assert!(open.is_none(), "a code block never closes");
    out
}

fn filters() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            r"\b(dns|connect|tls|ttfb|transfer|total) \d+\.\d\b",
            "$1 [ms]",
        ),
        (r"127\.0\.0\.1:\d+", "127.0.0.1:[port]"),
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "[time]"),
        (r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", "[time]"),
        (r"\b\d+ ms\b", "[ms] ms"),
        (r#""ms": \d+"#, r#""ms": [ms]"#),
        (
            r#""(start_ms|dns|connect|tls|ttfb|transfer|total)": [\d.]+"#,
            r#""$1": [ms]"#,
        ),
        (
            r"(?m)^(    [a-z0-9 ]+ :(?:done|active|crit), )\d+, \d+$",
            "$1[start], [end]",
        ),
        (r#""total_s": [\d.]+"#, r#""total_s": [s]"#),
        (r"in \d+\.\d+ s", "in [s] s"),
        (
            r#"("(?:oidc|s3_read|cloudfront|api_health|api_hello|frontend|api)": )[\d.]+"#,
            "$1[s]",
        ),
        (r"remote-hands \d+\.\d+\.\d+", "remote-hands [version]"),
    ]
}

#[test]
fn outside_text_cannot_break_the_summary() {
    let hostile = "```\n</details><script>alert(1)</script>\n| forged | row |\n## Injected heading\n::error::forged\n````";
    let s = Server::start(move |path| match path {
        "/health" => Reply::status(500, hostile),
        _ => Reply::ok("ok"),
    });
    let (code, md, json) = summarise(&[
        "--api-base",
        &s.url(""),
        "--requester",
        "eve | `x` <img src=x onerror=alert(1)> [link](javascript:x)",
    ]);
    assert_eq!(code, 1);
    // The JSON block is byte-identical to the JSON file, and still parses.
    assert_eq!(json_block(&md), json);
    let parsed: serde_json::Value = serde_json::from_str(json_block(&md)).unwrap();
    assert_eq!(parsed["checks"]["api_health"]["evidence"]["body"], hostile);
    // Outside code blocks: no raw HTML, and no heading or table row from outside.
    let prose = outside_code_blocks(&md);
    assert!(
        !prose.contains("<script>") && !prose.contains("<img"),
        "{prose}"
    );
    assert!(
        !prose.lines().any(|l| l.starts_with("## Injected")),
        "{prose}"
    );
    assert!(!prose.lines().any(|l| l.starts_with("| forged")), "{prose}");
    assert!(
        !prose.lines().any(|l| l.starts_with("::error::forged")),
        "{prose}"
    );
    // The requester stays inside its line, escaped.
    let requester = md
        .lines()
        .find(|l| l.starts_with("**Requester:**"))
        .unwrap();
    assert!(requester.contains(r"eve \| \`x\` &lt;img"), "{requester}");
    // Every fence that opens closes: the body's backticks did not end its block.
    let body_fence = md
        .lines()
        .find(|l| l.starts_with("`````"))
        .expect("a fence longer than the body's backtick runs");
    assert_eq!(body_fence, "`````text");
    insta::with_settings!({ filters => filters() }, {
        insta::assert_snapshot!("hostile_summary", md);
    });
}

#[test]
fn a_passing_summary_has_the_original_sections() {
    let s = Server::start(|path| match path {
        "/health" => Reply::ok(r#"{"status": "healthy"}"#),
        "/hello" => Reply::ok(r#"{"message": "hello"}"#),
        _ => Reply::Answer(
            200,
            vec![("x-cache".into(), "Miss from cloudfront".into())],
            b"<!doctype html>".to_vec(),
        ),
    });
    let (code, md, json) = summarise(&[
        "--api-base",
        &s.url("/"),
        "--frontend-url",
        &s.url("/"),
        "--requester",
        "alice",
        "--environment",
        "staging",
    ]);
    assert_eq!(code, 0);
    // The original sections, the verdict and the summary table first.
    let mut at = 0;
    for section in [
        "# Diagnosis",
        "## Diagnostic Summary",
        "## Diagnostic Configuration",
        "## AWS identity",
        "## S3 Checks",
        "## CloudFront Checks",
        "## HTTP Reachability Checks",
        "<details><summary><strong>Machine-Readable Result</strong> (JSON)</summary>",
        "</details>",
    ] {
        let found = md.lines().position(|l| l == section);
        let found = found.unwrap_or_else(|| panic!("missing {section}:\n{md}"));
        assert!(found >= at, "{section} is out of order:\n{md}");
        at = found;
    }
    assert!(md.contains(&format!("**Correlation ID:** `{UUID}`")));
    // Both the original dispatcher's way of finding the JSON and ours find the report.
    assert_eq!(json_block(&md), json);
    assert_eq!(seed_json_block(&md), json.trim());
    // The configuration says what was given: flags here.
    assert!(md.contains("| `--api-base` | ✅ Present |"), "{md}");
    insta::with_settings!({ filters => filters() }, {
        insta::assert_snapshot!("passing_summary", md);
    });
}

#[test]
fn a_dispatched_run_is_diagnose_on_demand_and_labels_say_where_values_came_from() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let r = run(bin()
        .current_dir(dir.path())
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "repository_dispatch")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("VITE_API_BASE", "http://127.0.0.1:9/")
        .env("FRONTEND_BASE_URL", "http://127.0.0.1:9/")
        .args(["check", "--correlation-id", UUID]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.starts_with("# Diagnose on Demand\n"), "{md}");
    assert!(md.contains("| `VITE_API_BASE` | ✅ Present |"), "{md}");
    assert!(md.contains("| `FRONTEND_BASE_URL` | ✅ Present |"), "{md}");
    assert!(md.contains("| `--bucket` | ⏭️ Not set | |"), "{md}");
}

#[test]
fn a_scheduled_run_is_a_diagnosis_not_an_on_demand_one() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("scheduled.md");
    let r = run(bin()
        .current_dir(dir.path())
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "schedule")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["check", "--api-base", "http://127.0.0.1:9/"]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.starts_with("# Diagnosis\n"), "{md}");
}
