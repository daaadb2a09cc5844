//! Usage and configuration errors: exit 2, one line naming the input, no report written;
//! what `--help` says; how environment variables are read (an empty one is unset, switches
//! take the usual spellings). Where the report goes is in `outputs.rs`.

use crate::support::{bin, read_json, run};

const UUID: &str = "3f2a6c1e-8d4b-4e5f-9a7b-1c2d3e4f5a6b";

fn assert_usage_error(args: &[&str], envs: &[(&str, &str)], input: &str, expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    std::fs::write(&json, "previous report").unwrap();
    let summary = dir.path().join("summary.md");
    let mut cmd = bin();
    cmd.current_dir(dir.path())
        .args(["check", "--json"])
        .arg(&json)
        .arg("--summary")
        .arg(&summary)
        .args(args)
        .envs(envs.iter().copied());
    let r = run(&mut cmd);
    assert_eq!(r.code, 2, "stderr: {}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "one line: {:?}", r.stderr);
    assert!(r.stderr.starts_with("error: "), "{}", r.stderr);
    assert!(r.stderr.contains(input), "names {input}: {}", r.stderr);
    assert!(r.stderr.contains(expected), "says {expected}: {}", r.stderr);
    assert!(r.stdout.is_empty(), "no report on stdout: {}", r.stdout);
    assert_eq!(std::fs::read_to_string(&json).unwrap(), "previous report");
    assert!(!summary.exists(), "no summary written");
}

#[test]
fn a_url_that_is_not_http_is_refused() {
    assert_usage_error(
        &["--api-base", "ftp://example.com"],
        &[],
        "--api-base",
        "http:// or https://",
    );
}

#[test]
fn environment_inputs_are_named_as_such() {
    assert_usage_error(
        &["--api-base", "http://127.0.0.1:9"],
        &[("CORRELATION_ID", "not-a-uuid")],
        "CORRELATION_ID (environment)",
        "is not a UUID",
    );
    assert_usage_error(
        &[],
        &[("VITE_API_BASE", "api.example.com")],
        "VITE_API_BASE (environment)",
        "not a valid URL",
    );
}

#[test]
fn bad_names_and_numbers_are_refused() {
    let api = ["--api-base", "http://127.0.0.1:9"];
    for (extra, input, expected) in [
        (["--bucket", "Not_A_Bucket"], "--bucket", "S3 bucket name"),
        (
            ["--distribution-id", "E1/../x"],
            "--distribution-id",
            "distribution ID",
        ),
        (["--region", "US EAST"], "--region", "AWS region"),
        (
            ["--timeout", "0"],
            "--timeout",
            "0 seconds: must be more than 0",
        ),
        (
            ["--timeout", "-1"],
            "--timeout",
            "-1 seconds: must be more than 0",
        ),
        (
            ["--timeout", "NaN"],
            "--timeout",
            "is not a number of seconds",
        ),
        (["--timeout", "7200"], "--timeout", "at most 3600"),
        (["--slow-ms", "-5"], "--slow-ms", "must be more than 0"),
        (["--slow-ms", "fast"], "--slow-ms", "milliseconds"),
        (
            ["--expect-account", "12345"],
            "--expect-account",
            "12-digit",
        ),
        (
            ["--requester", "a\u{1b}[31mb"],
            "--requester",
            "control characters",
        ),
    ] {
        let args: Vec<&str> = api.iter().chain(extra.iter()).copied().collect();
        assert_usage_error(&args, &[], input, expected);
    }
}

#[test]
fn nothing_to_check_is_a_usage_error() {
    assert_usage_error(
        &["--correlation-id", UUID],
        &[],
        "configuration",
        "nothing to check",
    );
}

#[test]
fn help_documents_the_exit_codes() {
    let r = run(bin().args(["check", "--help"]));
    assert_eq!(r.code, 0);
    for needle in [
        "Exit codes:",
        "0  every check passed",
        "1  at least one check failed",
        "2  usage or configuration error",
        "after the checks ran, an output",
        "the JSON report, written first, is then complete",
    ] {
        assert!(
            r.stdout.contains(needle),
            "help lacks {needle:?}:\n{}",
            r.stdout
        );
    }
}

#[test]
fn unknown_flags_exit_2() {
    let r = run(bin().args(["check", "--no-such-flag"]));
    assert_eq!(r.code, 2);
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    assert!(r.stderr.contains("--no-such-flag"), "{}", r.stderr);
}

#[test]
fn a_missing_argument_is_one_line_naming_it() {
    let r = run(bin().args(["result"]));
    assert_eq!(r.code, 2);
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    assert!(r.stderr.contains("<RUN"), "{}", r.stderr);
}

#[test]
fn a_bad_enum_value_is_one_line_naming_the_flag_and_the_choices() {
    let r = run(bin().args(["check", "--format", "yaml"]));
    assert_eq!(r.code, 2);
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    for needle in ["--format", "yaml", "text", "json", "markdown"] {
        assert!(r.stderr.contains(needle), "{needle}: {}", r.stderr);
    }
}

#[test]
fn an_empty_step_summary_or_api_variable_means_unset() {
    let dir = tempfile::tempdir().unwrap();
    // An empty step-summary path writes no summary, and is no error.
    let r = run(bin()
        .current_dir(dir.path())
        .env("GITHUB_STEP_SUMMARY", "")
        .env("API_BASE", "")
        .args(["check", "--frontend-url", "http://127.0.0.1:9/"]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report = read_json(&dir.path().join("diagnose-summary.json"));
    assert_eq!(report["checks"]["api_health"]["outcome"], "skip");
}

#[test]
fn an_empty_github_api_url_keeps_the_default() {
    // The next input is the one refused.
    let r = run(bin()
        .env("GITHUB_API_URL", "")
        .env("GITHUB_TOKEN", "t")
        .args(["result", "1", "--repo", "acme/site", "--workflow", "a/b"]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--workflow"), "{}", r.stderr);
}

#[test]
fn switch_variables_take_the_usual_spellings() {
    for (value, internal_allowed) in [
        ("true", true),
        ("YES", true),
        ("1", true),
        ("false", false),
        ("No", false),
        ("0", false),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let r = run(bin()
            .current_dir(dir.path())
            .env("REMOTE_HANDS_ALLOW_PRIVATE_ADDRESSES", value)
            .args([
                "check",
                "--api-base",
                "http://127.0.0.1:9",
                "--allowed-hosts",
                "127.0.0.1",
            ]));
        assert_eq!(r.code, 1, "{value}: {}", r.stderr);
        let report = read_json(&dir.path().join("diagnose-summary.json"));
        let details = report["checks"]["api_health"]["details"].as_str().unwrap();
        assert_eq!(
            !details.contains("refused by the URL policy"),
            internal_allowed,
            "{value}: {details}"
        );
    }
}

#[test]
fn a_switch_variable_set_to_an_unknown_word_is_a_usage_error_naming_it() {
    let r = run(bin()
        .env("REMOTE_HANDS_ALLOW_PRIVATE_ADDRESSES", "maybe")
        .args(["check", "--api-base", "http://127.0.0.1:9"]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("REMOTE_HANDS_ALLOW_PRIVATE_ADDRESSES (environment)"),
        "{}",
        r.stderr
    );
}

#[test]
fn github_actions_in_another_spelling_is_still_actions() {
    // Annotations are raised.
    let dir = tempfile::tempdir().unwrap();
    let r = run(bin()
        .current_dir(dir.path())
        .env("GITHUB_ACTIONS", "TRUE")
        .args(["check", "--api-base", "http://127.0.0.1:9"]));
    assert!(r.stderr.contains("::error title="), "{}", r.stderr);
}

#[test]
fn an_absurdly_long_url_is_refused() {
    let url = format!("http://example.com/{}", "a".repeat(120_000));
    let r = run(bin().args(["check", "--api-base", &url]));
    assert_eq!(r.code, 2);
    assert_eq!(r.stderr.trim().lines().count(), 1);
    assert!(r.stderr.contains("--api-base"), "{}", r.stderr);
    assert!(r.stderr.contains("at most 8192 bytes"), "{}", r.stderr);
    assert!(r.stderr.len() < 300, "{}", r.stderr);
}

#[test]
fn a_mistyped_name_keeps_clap_s_suggestion() {
    for (args, tip) in [
        (&["chek"][..], "tip: a similar subcommand exists: 'check'"),
        (
            &["check", "--frontend", "x"][..],
            "tip: a similar argument exists: '--frontend-url'",
        ),
    ] {
        let r = run(bin().args(args));
        assert_eq!(r.code, 2);
        assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
        assert!(r.stderr.contains(tip), "{}", r.stderr);
        assert!(!r.stderr.contains("Usage:"), "{}", r.stderr);
    }
}
