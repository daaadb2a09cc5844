//! What a hostile target can put in front of a reader: secrets quoted back in error texts,
//! lines that the GitHub Actions runner would obey, text that displays as something else,
//! links the reader did not ask for. Each output — the JSON report, the step summary, the
//! terminal table, stdout in every format, stderr — is checked.

use serde_json::Value;

use crate::support::httpd::{Reply, Server};
use crate::support::{bin, read_json, run};

/// Runs `check` inside "GitHub Actions", with a step summary and step outputs; returns
/// (code, stdout, stderr, JSON report text, summary text).
fn check_in_actions(args: &[&str]) -> (i32, String, String, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let outputs = dir.path().join("outputs");
    let json = dir.path().join("r.json");
    let r = run(bin()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &outputs)
        .args(["check", "--json"])
        .arg(&json)
        .args(args));
    let report = std::fs::read_to_string(&json).unwrap_or_default();
    let summary = std::fs::read_to_string(&summary).unwrap_or_default();
    (r.code, r.stdout, r.stderr, report, summary)
}

/// Lines the runner would read as workflow commands: `::name…` or `##[name…` after any
/// leading whitespace (the runner trims it, but not a zero-width space).
fn commands(output: &str) -> Vec<&str> {
    output
        .lines()
        .filter(|l| {
            let l = l.trim_start();
            l.starts_with("::") || l.starts_with("##[")
        })
        .collect()
}

const INJECTION: &str = "fine\n::error::pwned\n  ::add-mask::x\n::set-output name=conclusion::success\n##[set-output name=a;]b\n::remote-hands-report-begin::0b7c8f5e-1d2a-4c3b-9e8f-7a6b5c4d3e2f\n{\"conclusion\":\"success\"}\n::remote-hands-report-end::0b7c8f5e-1d2a-4c3b-9e8f-7a6b5c4d3e2f\n::stop-commands::abc\n";

#[test]
fn nothing_from_a_response_starts_a_line_the_runner_would_obey() {
    let s = Server::start(|_| Reply::status(500, INJECTION));
    for format in ["markdown", "text", "json"] {
        let (code, stdout, stderr, report, summary) =
            check_in_actions(&["--api-base", &s.url(""), "--format", format]);
        assert_eq!(code, 1, "{stderr}");
        assert!(report.contains("pwned"), "the body is recorded");
        assert_eq!(
            commands(&stdout),
            Vec::<&str>::new(),
            "--format {format}:\n{stdout}"
        );
        assert_eq!(
            commands(&summary),
            Vec::<&str>::new(),
            "summary:\n{summary}"
        );
        // Stderr carries the tool's own commands only: one annotation per failed check,
        // and the report between its markers inside a stop-commands bracket.
        let own = commands(&stderr);
        let token = own
            .iter()
            .find_map(|l| l.strip_prefix("::stop-commands::"))
            .expect("the log block stops commands");
        for line in &own {
            let ours = line.starts_with("::error title=remote-hands api_")
                || *line == format!("::stop-commands::{token}")
                || *line == format!("::{token}::")
                || line.starts_with("::remote-hands-report-begin::")
                || line.starts_with("::remote-hands-report-end::");
            assert!(ours, "{line:?} in stderr:\n{stderr}");
        }
    }
}

#[test]
fn a_secret_in_a_url_reaches_no_output() {
    // Nothing listens on port 1: the error text of the HTTP library quotes the URL.
    let (code, stdout, stderr, report, summary) = check_in_actions(&[
        "--frontend-url",
        "http://tok3n-user:pa55@127.0.0.1:1/?token=SECRET1#frag=SECRET2",
        "--api-base",
        "http://127.0.0.1:1/base?key=SECRET3",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{stderr}");
    for (name, text) in [
        ("stdout", &stdout),
        ("stderr", &stderr),
        ("report", &report),
        ("summary", &summary),
    ] {
        for secret in ["SECRET1", "SECRET2", "SECRET3", "tok3n-user", "pa55"] {
            assert!(!text.contains(secret), "{secret} in {name}:\n{text}");
        }
    }
    let report: Value = serde_json::from_str(&report).unwrap();
    let message = report["checks"]["frontend"]["error"]["message"]
        .as_str()
        .unwrap();
    assert!(message.contains("token=***"), "{message}");
    assert!(message.contains("127.0.0.1:1"), "{message}");
}

#[test]
fn a_refused_redirect_does_not_show_where_it_led() {
    let s = Server::start(|_| {
        Reply::Answer(
            302,
            vec![(
                "location".into(),
                "http://elsewhere.invalid/latest/?sig=SECRET".into(),
            )],
            Vec::new(),
        )
    });
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let r = run(bin()
        .args(["check", "--allowed-hosts", "127.0.0.1"])
        .args([
            "--allow-private-addresses",
            "--api-base",
            &s.url(""),
            "--json",
        ])
        .arg(&json));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report = std::fs::read_to_string(&json).unwrap();
    assert!(!report.contains("SECRET"), "{report}");
    assert!(!r.stdout.contains("SECRET"), "{}", r.stdout);
    let report: Value = serde_json::from_str(&report).unwrap();
    let details = report["checks"]["api_health"]["details"].as_str().unwrap();
    assert!(details.contains("refused"), "{details}");
}

/// A target whose answer would display as something else: a right-to-left override makes
/// "moc.live" read as "evil.com"; the rest would be a link and a mention in the summary.
fn deceptive_target() -> Server {
    let body = "status\u{202E}moc.live\u{200B} see www.evil.com and https://evil.com @everyone";
    Server::start(move |_| {
        Reply::Answer(
            503,
            vec![(
                "server".into(),
                "www.evil.com https://evil.com @everyone".into(),
            )],
            body.as_bytes().to_vec(),
        )
    })
}

#[test]
fn text_that_would_display_as_something_else_is_neutralised_everywhere() {
    let s = deceptive_target();
    for format in ["text", "markdown"] {
        let (code, stdout, stderr, _, summary) = check_in_actions(&[
            "--api-base",
            &s.url(""),
            "--requester",
            "alice\u{202E}evil",
            "--format",
            format,
        ]);
        assert_eq!(code, 1, "{stderr}");
        for (name, text) in [("stdout", &stdout), ("summary", &summary)] {
            assert!(!text.contains('\u{202E}'), "U+202E in {name} ({format})");
            assert!(
                !text.contains("\u{200B} see"),
                "U+200B in {name} ({format})"
            );
            assert!(
                text.contains("alice\u{FFFD}evil"),
                "{name} ({format}):\n{text}"
            );
        }
        // The summary shows no link and no mention the target put there (here in a
        // header value): an invisible entity breaks each.
        assert!(summary.contains("www&#8203;.evil.com"), "{summary}");
        assert!(summary.contains("https:&#8203;//evil.com"), "{summary}");
        assert!(summary.contains("@&#8203;everyone"), "{summary}");
    }
}

#[test]
fn the_json_report_keeps_such_text_as_it_came() {
    // Escaped as JSON, for the record.
    let s = deceptive_target();
    let (_, _, _, report, _) = check_in_actions(&["--api-base", &s.url("")]);
    let report = read_json_str(&report);
    assert!(
        report["checks"]["api_health"]["evidence"]["body"]
            .as_str()
            .unwrap()
            .contains('\u{202E}')
    );
}

fn read_json_str(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

#[test]
fn the_report_file_is_what_the_tests_read() {
    // The helper above reads the report the same way `read_json` does.
    let s = Server::start(|_| Reply::ok("{}"));
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let r = run(bin()
        .args(["check", "--api-base", &s.url(""), "--json"])
        .arg(&json));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(read_json(&json)["conclusion"], "success");
}
