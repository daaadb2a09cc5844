//! Where `check` writes its report: the JSON report file (by default in the working
//! folder, or where `--json` says, including `-` and devices such as /dev/stdout), what
//! `--format json` does with the file on a terminal and inside GitHub Actions, report paths
//! that cannot be written (a usage error before the checks), and an output that fails
//! after the checks ran (exit 2 with the JSON report complete).

use crate::support::{assert_valid_report, bin, read_json, run};

// ---- paths refused before the checks -----------------------------------------------------

#[test]
fn a_json_path_in_a_missing_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(bin().current_dir(dir.path()).args([
        "check",
        "--api-base",
        "http://127.0.0.1:9",
        "--json",
        "missing/dir/r.json",
    ]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("--json") && r.stderr.contains("does not exist"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_json_path_that_is_a_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(bin()
        .current_dir(dir.path())
        .args(["check", "--api-base", "http://127.0.0.1:9", "--json"])
        .arg(dir.path()));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("is a directory"), "{}", r.stderr);
}

#[test]
fn a_step_summary_path_in_a_missing_folder_is_refused_before_any_report_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(bin()
        .current_dir(dir.path())
        .env("GITHUB_STEP_SUMMARY", dir.path().join("nope/summary.md"))
        .args(["check", "--api-base", "http://127.0.0.1:9"]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("GITHUB_STEP_SUMMARY (environment)"),
        "{}",
        r.stderr
    );
    assert!(!dir.path().join("diagnose-summary.json").exists());
}

// ---- an output that fails after the checks -----------------------------------------------

#[test]
fn an_output_that_fails_after_the_checks_exits_2_with_the_json_complete() {
    // What --help promises for exit 2 once the checks ran: /dev/full accepts the open and
    // refuses the write, as a full disk would.
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let r = run(bin()
        .args([
            "check",
            "--api-base",
            "http://127.0.0.1:9",
            "--summary",
            "/dev/full",
            "--json",
        ])
        .arg(&json));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    assert!(r.stderr.contains("step summary"), "{}", r.stderr);
    let report = read_json(&json);
    assert_eq!(report["checks"]["api_health"]["outcome"], "fail");
    assert_valid_report(&report);
}

// ---- the report on standard output -------------------------------------------------------

#[test]
fn the_json_report_can_go_to_a_device_such_as_stdout() {
    let r = run(bin().args([
        "check",
        "--api-base",
        "http://127.0.0.1:9",
        "--format",
        "markdown",
        "--json",
        "/dev/stdout",
    ]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    // The JSON report, then the markdown: both on standard output.
    let json_end = r.stdout.find("\n}\n").expect("the JSON report") + 3;
    let report: serde_json::Value = serde_json::from_str(&r.stdout[..json_end]).unwrap();
    assert_eq!(report["checks"]["api_health"]["outcome"], "fail");
    assert!(r.stdout[json_end..].starts_with("# "), "{}", r.stdout);
    assert!(std::path::Path::new("/dev/stdout").exists());
}

#[test]
fn json_dash_writes_the_report_to_stdout_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(bin().current_dir(dir.path()).args([
        "check",
        "--api-base",
        "http://127.0.0.1:9",
        "--json",
        "-",
    ]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report: serde_json::Value = serde_json::from_str(&r.stdout).expect("stdout is the JSON");
    assert_eq!(report["checks"]["api_health"]["outcome"], "fail");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no file");
}

#[test]
fn json_dash_with_another_format_on_stdout_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(bin().current_dir(dir.path()).args([
        "check",
        "--api-base",
        "http://127.0.0.1:9",
        "--json",
        "-",
        "--format",
        "markdown",
    ]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--format"), "{}", r.stderr);
    assert!(r.stdout.is_empty());
}

// ---- the report file ---------------------------------------------------------------------

#[test]
fn format_json_outside_actions_prints_the_report_and_writes_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(bin().current_dir(dir.path()).args([
        "check",
        "--api-base",
        "http://127.0.0.1:9",
        "--format",
        "json",
    ]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    serde_json::from_str::<serde_json::Value>(&r.stdout).expect("stdout is the JSON");
    assert!(!dir.path().join("diagnose-summary.json").exists());
}

#[test]
fn format_json_inside_actions_writes_the_report_file_too() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(bin()
        .current_dir(dir.path())
        .env("GITHUB_ACTIONS", "true")
        .args([
            "check",
            "--api-base",
            "http://127.0.0.1:9",
            "--format",
            "json",
        ]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(dir.path().join("diagnose-summary.json").is_file());
}

#[test]
fn the_text_format_writes_the_report_file() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(bin()
        .current_dir(dir.path())
        .args(["check", "--api-base", "http://127.0.0.1:9"]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(dir.path().join("diagnose-summary.json").is_file());
}

// ---- colors --------------------------------------------------------------------------------

/// The text view of a check against a refused port, with `vars` set (and `NO_COLOR`
/// removed unless given).
fn text_with(vars: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = bin();
    cmd.env_remove("NO_COLOR").current_dir(dir.path()).args([
        "check",
        "--api-base",
        "http://127.0.0.1:9",
        "--timeout",
        "2",
    ]);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let r = run(&mut cmd);
    assert_eq!(r.code, 1, "{}", r.stderr);
    r.stdout
}

#[test]
fn a_pipe_gets_no_colors_unless_clicolor_force_asks_and_no_color_always_wins() {
    assert!(!text_with(&[]).contains('\u{1b}'));
    let forced = text_with(&[("CLICOLOR_FORCE", "1")]);
    assert!(forced.contains("\u{1b}["), "{forced:?}");
    assert!(!text_with(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]).contains('\u{1b}'));
}
