//! What the integration tests share: the binary under test run in a clean environment
//! (and `check` run with its report read back), real loopback servers (HTTP targets in
//! `httpd`, moto in `moto`, the fake GitHub API in `github`, the fake Discord API in `discord`), the drivers of `dispatch`
//! and of `act`, and the JSON Schema validator.

pub mod act;
pub mod discord;
pub mod dispatch;
pub mod github;
pub mod httpd;
pub mod moto;
pub mod tls;

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

/// The crate root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `name` from the project's virtualenv, else from PATH.
pub fn tool(name: &str) -> Option<PathBuf> {
    let venv = root().join(".venv/bin").join(name);
    if venv.is_file() {
        return Some(venv);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// Like [`tool`], but a missing tool fails the test with how to install it.
pub fn require_tool(name: &str) -> PathBuf {
    tool(name).unwrap_or_else(|| {
        panic!("{name} not found: run scripts/setup.sh (it installs the test tools)")
    })
}

/// `remote-hands` with an empty environment (but PATH), so nothing on the machine
/// (credentials, profiles, GitHub variables) leaks into a test. AWS config files point
/// nowhere and instance metadata is disabled unless a test says otherwise.
pub fn bin() -> Command {
    let mut cmd = Command::cargo_bin("remote-hands").expect("the binary is built");
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", "/nonexistent")
        .env("AWS_CONFIG_FILE", "/nonexistent/config")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("NO_COLOR", "1");
    cmd
}

/// A finished run: exit code and both streams as text.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(cmd: &mut Command) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("the binary runs");
    Run {
        code: status.code().expect("exited normally"),
        stdout: String::from_utf8(stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(stderr).expect("stderr is UTF-8"),
    }
}

/// Runs `check` with `args` in a fresh folder, writing the JSON report there; the run must
/// finish with a report (exit 0 or 1) that matches the schema. Returns the run and the
/// report.
pub fn check(args: &[&str]) -> (Run, Value) {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    let r = run(bin()
        .current_dir(dir.path())
        .args(["check", "--json"])
        .arg(&json)
        .args(args));
    assert!(r.code == 0 || r.code == 1, "exit {}: {}", r.code, r.stderr);
    let report = read_json(&json);
    assert_valid_report(&report);
    (r, report)
}

pub fn read_json(path: &Path) -> Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// Validates `report` against `schema/diagnose-summary.schema.json`, panicking with every
/// violation.
pub fn assert_valid_report(report: &Value) {
    let schema_text = std::fs::read_to_string(root().join("schema/diagnose-summary.schema.json"))
        .expect("the schema is in the repository");
    let schema: Value = serde_json::from_str(&schema_text).expect("the schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "report does not match the schema:\n{}\n{report:#}",
        errors.join("\n")
    );
}
