//! The GitHub Actions packaging, for real: the composite action run by `act` (on the
//! host, no Docker) against moto_server and loopback targets; the installer's download
//! and SHA-256 verification against a loopback "release" server; and the linters that
//! guard the action and the workflows.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use serde_json::Value;

use crate::support::httpd::{Reply, Server};
use crate::support::moto::Moto;
use crate::support::{assert_valid_report, read_json, require_tool, root};

/// act keeps per-workflow state under ~/.cache/act; one run at a time.
static ACT: Mutex<()> = Mutex::new(());

const UPLOAD_ARTIFACT: &str = "actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02";
const CACHE: &str = "actions/cache@5a3ec84eff668545956fd18022155c47e93e2684";

struct ActRun {
    code: i32,
    /// act's JSON log lines.
    log: Vec<Value>,
    /// What the workflow's last step copied: `outputs.txt`, `report.json`.
    out: tempfile::TempDir,
}

impl ActRun {
    fn output(&self, name: &str) -> String {
        let text = std::fs::read_to_string(self.out.path().join("outputs.txt")).unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}=")))
            .unwrap_or_else(|| panic!("no {name} in {text}"))
            .to_string()
    }

    /// The step summary the action's diagnosis step wrote.
    fn summary(&self) -> String {
        self.log
            .iter()
            .filter(|l| {
                l["command"] == "summary" && l["stepID"] == serde_json::json!(["diagnose", "check"])
            })
            .map(|l| l["content"].as_str().unwrap().to_string())
            .collect()
    }

    /// Everything the steps printed, in order.
    fn text(&self) -> String {
        messages(&self.log)
    }
}

/// An action that prints STAND-IN RAN and fails: what act gets for actions it would
/// have to download.
fn stand_in() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    // The action at the repository's root and at the sub-paths used (`actions/cache/restore`,
    // `actions/cache/save`).
    for sub in ["", "restore", "save"] {
        let at = dir.path().join(sub);
        std::fs::create_dir_all(&at).unwrap();
        std::fs::write(
            at.join("action.yml"),
            "name: stand-in\ndescription: must never run\nruns:\n  using: composite\n  steps:\n    - shell: bash\n      run: echo 'STAND-IN RAN'; exit 1\n",
        )
        .unwrap();
    }
    dir
}

/// Parses act's `--json` log.
fn json_log(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn messages(log: &[Value]) -> String {
    log.iter()
        .filter_map(|l| l["msg"].as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs tests/act/action-e2e.yml under act with the given targets.
fn act(moto: &Moto, bucket: &str, distribution: &str, api_base: &str, frontend: &str) -> ActRun {
    let _one = ACT.lock().unwrap_or_else(|e| e.into_inner());
    let act = require_tool("act");
    // The upload and cache actions cannot be downloaded here. With `upload-artifact:
    // false` and a given `binary` they must not run at all; act still resolves every
    // `uses:` up front, so it gets a stand-in that fails loudly if it ever runs.
    let stand_in = stand_in();
    let out = tempfile::tempdir().unwrap();
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_remote-hands"));
    let mut cmd = Command::new(act);
    cmd.current_dir(root())
        .args([
            "workflow_dispatch",
            "--json",
            "-W",
            "tests/act/action-e2e.yml",
        ])
        .args(["-P", "ubuntu-latest=-self-hosted"])
        .arg("--local-repository")
        .arg(format!("{UPLOAD_ARTIFACT}={}", stand_in.path().display()))
        .arg("--local-repository")
        .arg(format!("{CACHE}={}", stand_in.path().display()));
    for (k, v) in moto.env() {
        cmd.arg("--env").arg(format!("{k}={v}"));
    }
    cmd.args(["--env", "AWS_EC2_METADATA_DISABLED=true"]);
    for (k, v) in [
        ("binary", binary.display().to_string()),
        ("api_base", api_base.to_string()),
        ("frontend_url", frontend.to_string()),
        ("bucket", bucket.to_string()),
        ("distribution_id", distribution.to_string()),
        ("correlation_id", CORRELATION.to_string()),
        ("out_dir", out.path().display().to_string()),
    ] {
        cmd.arg("--input").arg(format!("{k}={v}"));
    }
    let output = cmd.output().expect("running act");
    let log = json_log(&output.stdout);
    assert!(
        !log.is_empty(),
        "act printed no JSON log:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    ActRun {
        code: output.status.code().unwrap_or(-1),
        log,
        out,
    }
}

const CORRELATION: &str = "5f0c6c1e-8a47-4d4b-b5a8-2f7e9a1c3d42";

fn site() -> Server {
    Server::start(|path| match path {
        "/health" => Reply::ok(r#"{"status": "healthy"}"#),
        "/hello" => Reply::ok(r#"{"message": "hello"}"#),
        _ => Reply::Answer(
            200,
            vec![("x-cache".into(), "Hit from cloudfront".into())],
            b"<!doctype html>".to_vec(),
        ),
    })
}

#[test]
fn the_composite_action_diagnoses_a_healthy_deployment_under_act() {
    let moto = Moto::start();
    let distribution = moto.seed("act-site", true);
    let s = site();
    let run = act(&moto, "act-site", &distribution, &s.url(""), &s.url("/"));
    let text = run.text();
    assert_eq!(run.code, 0, "act failed:\n{text}");
    assert!(
        !text.contains("STAND-IN RAN"),
        "a skipped step ran:\n{text}"
    );

    // Step outputs, through the composite action's `outputs:`.
    assert_eq!(run.output("outcome"), "success");
    assert_eq!(run.output("conclusion"), "success");
    assert_eq!(run.output("correlation-id"), CORRELATION);
    assert!(
        run.output("report-path")
            .ends_with("/diagnose-summary.json")
    );

    // The JSON report the artifact would hold.
    let report = read_json(&run.out.path().join("report.json"));
    assert_valid_report(&report);
    assert_eq!(report["correlation_id"], CORRELATION);
    assert_eq!(report["requester"], "act-e2e");
    assert_eq!(report["environment"], "e2e");
    for id in [
        "oidc",
        "s3_read",
        "cloudfront",
        "api_health",
        "api_hello",
        "frontend",
    ] {
        assert_eq!(
            report["checks"][id]["outcome"], "pass",
            "{id}: {}",
            report["checks"][id]
        );
    }

    // The step summary, with the JSON block identical to the report file.
    let summary = run.summary();
    assert!(summary.starts_with("# Diagnose on Demand"), "{summary}");
    assert!(summary.contains("**Environment:** e2e"), "{summary}");
    let file = std::fs::read_to_string(run.out.path().join("report.json")).unwrap();
    assert!(
        summary.contains(&format!("```json\n{file}```")),
        "{summary}"
    );

    // The log channel: the report between the markers.
    assert!(
        text.contains(&format!("::remote-hands-report-begin::{CORRELATION}")),
        "{text}"
    );
}

#[test]
fn a_failing_target_fails_the_step_and_still_leaves_the_report() {
    let moto = Moto::start();
    let distribution = moto.seed("act-broken", true);
    let s = Server::start(|path| match path {
        "/health" => Reply::status(503, "down for maintenance"),
        _ => Reply::ok("ok"),
    });
    let run = act(
        &moto,
        "act-missing-bucket",
        &distribution,
        &s.url(""),
        &s.url("/"),
    );
    let text = run.text();
    assert_ne!(run.code, 0, "the job must fail:\n{text}");
    assert!(
        !text.contains("STAND-IN RAN"),
        "a skipped step ran:\n{text}"
    );
    assert_eq!(run.output("outcome"), "failure");
    assert_eq!(run.output("conclusion"), "failure");
    assert_eq!(run.output("correlation-id"), CORRELATION);

    let report = read_json(&run.out.path().join("report.json"));
    assert_valid_report(&report);
    assert_eq!(report["conclusion"], "failure");
    assert_eq!(report["checks"]["s3_read"]["outcome"], "fail");
    assert_eq!(report["checks"]["api_health"]["status"], 503);
    assert_eq!(report["checks"]["cloudfront"]["outcome"], "pass");

    let summary = run.summary();
    assert!(summary.contains("❌ failure"), "{summary}");
    assert!(
        summary.contains("act-missing-bucket does not exist"),
        "{summary}"
    );
    // One annotation per failed check, titled with the check.
    let mut titles: Vec<&str> = run
        .log
        .iter()
        .filter(|l| l["command"] == "error")
        .filter_map(|l| l["kvPairs"]["title"].as_str())
        .collect();
    titles.sort();
    titles.dedup();
    assert_eq!(
        titles,
        ["remote-hands api_health", "remote-hands s3_read"],
        "{text}"
    );
}

// ---- the dispatch workflow's gate ------------------------------------------------------

const CONFIGURE_AWS: &str =
    "aws-actions/configure-aws-credentials@b47578312673ae6fa5b5096b330d9fbac3d116df";

/// A stand-in for aws-actions/configure-aws-credentials: prints the role and region it
/// was given. The credentials themselves come from the job's environment (moto's).
const CONFIGURE_AWS_STAND_IN: &str = r#"name: configure-aws-credentials stand-in
description: prints what it was asked to assume
inputs:
  role-to-assume: {required: false}
  aws-region: {required: false}
  role-session-name: {required: false}
runs:
  using: composite
  steps:
    - shell: bash
      env:
        ROLE: ${{ inputs.role-to-assume }}
        REGION: ${{ inputs.aws-region }}
      run: echo "STAND-IN ASSUMES $ROLE IN $REGION"
"#;

/// A stand-in for actions/upload-artifact: copies the file to `$STAND_IN_UPLOADS/<name>`.
const UPLOAD_STAND_IN: &str = r#"name: upload-artifact stand-in
description: copies what it was asked to upload
inputs:
  name: {required: false}
  path: {required: false}
  retention-days: {required: false}
  if-no-files-found: {required: false}
runs:
  using: composite
  steps:
    - shell: bash
      env:
        NAME: ${{ inputs.name }}
        FILE: ${{ inputs.path }}
      run: |
        echo "STAND-IN UPLOADS $FILE AS $NAME"
        cp "$FILE" "$STAND_IN_UPLOADS/$NAME"
"#;

/// The action's diagnosis step alone (`scripts/action/check.sh`), as the runner starts it:
/// inputs in `INPUT_*` variables, the binary in `REMOTE_HANDS_BIN`.
fn check_step(inputs: &[(&str, &str)]) -> (std::process::Output, Option<Value>) {
    let temp = tempfile::tempdir().unwrap();
    let out = Command::new("bash")
        .arg(root().join("scripts/action/check.sh"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap())
        .env("HOME", "/nonexistent")
        .env("RUNNER_TEMP", temp.path())
        .env("REMOTE_HANDS_BIN", env!("CARGO_BIN_EXE_remote-hands"))
        .env("NO_COLOR", "1")
        .envs(inputs.iter().copied())
        .output()
        .unwrap();
    let report = std::fs::read_dir(temp.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("diagnose-summary.json"))
        .find(|p| p.is_file())
        .map(|p| read_json(&p));
    (out, report)
}

#[test]
fn inputs_that_start_with_a_dash_stay_values() {
    let s = site();
    let api = s.url("");
    let (out, report) = check_step(&[
        ("INPUT_API_BASE", api.as_str()),
        ("INPUT_REQUESTER", "-Bob-"),
        ("INPUT_ENVIRONMENT", "--prod"),
        ("INPUT_CORRELATION_ID", CORRELATION),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let report = report.expect("the step wrote its report");
    assert_eq!(report["requester"], "-Bob-");
    assert_eq!(report["environment"], "--prod");
    assert_eq!(report["checks"]["api_health"]["outcome"], "pass");

    // The API paths input, comma-separated.
    let (out, report) = check_step(&[
        ("INPUT_API_BASE", api.as_str()),
        ("INPUT_API_PATHS", "/health,/v1/x"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = report.expect("the step wrote its report");
    assert_eq!(report["checks"]["api_v1_x"]["outcome"], "pass");
    assert!(report["checks"].get("api_hello").is_none());
}

fn action_dir(yaml: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("action.yml"), yaml).unwrap();
    dir
}

struct DispatchRun {
    code: i32,
    text: String,
    /// What the upload stand-in received, by artifact name.
    uploads: tempfile::TempDir,
}

/// Runs .github/workflows/diagnose-dispatch.yml under act for `event` (a JSON payload),
/// with repository variables `vars` and job environment `env`. The AWS and upload actions
/// are recording stand-ins (they print `STAND-IN …`); the cache actions must not run.
fn dispatch_workflow(
    event_name: &str,
    event: Value,
    vars: &[(&str, String)],
    env: &[(&str, String)],
) -> DispatchRun {
    workflow_run(
        ".github/workflows/diagnose-dispatch.yml",
        event_name,
        event,
        vars,
        env,
    )
}

/// What a release of the action holds that its steps use: `action.yml` and its scripts
/// (act copies the whole folder it is given, so not the checkout with its build output).
fn released_action() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(root().join("action.yml"), dir.path().join("action.yml")).unwrap();
    std::fs::copy(root().join("Cargo.lock"), dir.path().join("Cargo.lock")).unwrap();
    let scripts = dir.path().join("scripts/action");
    std::fs::create_dir_all(&scripts).unwrap();
    for entry in std::fs::read_dir(root().join("scripts/action")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, scripts.join(path.file_name().unwrap())).unwrap();
    }
    dir
}

/// The action as a user's copy of the example workflow names it.
const RELEASED_ACTION: &str = "OWNER/remote-hands@v1";

/// Runs `workflow` under act, as [`dispatch_workflow`] does; the released action it may
/// name ([`RELEASED_ACTION`]) is this checkout.
fn workflow_run(
    workflow: &str,
    event_name: &str,
    event: Value,
    vars: &[(&str, String)],
    env: &[(&str, String)],
) -> DispatchRun {
    let _one = ACT.lock().unwrap_or_else(|e| e.into_inner());
    let released = released_action();
    let never = stand_in();
    let configure = action_dir(CONFIGURE_AWS_STAND_IN);
    let upload = action_dir(UPLOAD_STAND_IN);
    let uploads = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let event_file = dir.path().join("event.json");
    std::fs::write(&event_file, event.to_string()).unwrap();
    let mut cmd = Command::new(require_tool("act"));
    cmd.current_dir(root())
        .args([event_name, "--json", "-W", workflow])
        .args(["-P", "ubuntu-latest=-self-hosted", "-e"])
        .arg(&event_file);
    for (action, at) in [
        (CONFIGURE_AWS, configure.path()),
        (UPLOAD_ARTIFACT, upload.path()),
        (CACHE, never.path()),
        (RELEASED_ACTION, released.path()),
    ] {
        cmd.arg("--local-repository")
            .arg(format!("{action}={}", at.display()));
    }
    for (k, v) in vars {
        cmd.arg("--var").arg(format!("{k}={v}"));
    }
    cmd.arg("--env")
        .arg(format!("STAND_IN_UPLOADS={}", uploads.path().display()));
    for (k, v) in env {
        cmd.arg("--env").arg(format!("{k}={v}"));
    }
    let output = cmd.output().expect("running act");
    DispatchRun {
        code: output.status.code().unwrap_or(-1),
        text: messages(&json_log(&output.stdout)),
        uploads,
    }
}

#[test]
fn the_dispatch_workflow_refuses_bad_requests_before_anything_runs() {
    let refused_with = |event_name: &str, event: Value, vars: &[(&str, String)], why: &str| {
        let run = dispatch_workflow(event_name, event, vars, &[]);
        assert_ne!(run.code, 0, "{why}");
        assert!(run.text.contains(why), "{}", run.text);
        assert!(
            !run.text.contains("STAND-IN"),
            "a later step ran:\n{}",
            run.text
        );
    };
    let refused =
        |event_name: &str, event: Value, why: &str| refused_with(event_name, event, &[], why);
    refused(
        "repository_dispatch",
        serde_json::json!({
            "action": "diagnose.request",
            "client_payload": {"correlation_id": "$(curl evil)", "requester": "mallory"}
        }),
        "correlation_id is not a UUID",
    );
    // A URL override without an allowlist.
    refused(
        "workflow_dispatch",
        serde_json::json!({"inputs": {
            "correlation_id": CORRELATION,
            "frontend_url": "http://169.254.169.254/latest/meta-data/"
        }}),
        "URL overrides need the repository variable DIAGNOSE_ALLOWED_HOSTS",
    );
    // An allowlist that names no host is no allowlist.
    for list in [",", " , ", " "] {
        refused_with(
            "workflow_dispatch",
            serde_json::json!({"inputs": {
                "correlation_id": CORRELATION,
                "api_base": "http://169.254.169.254/latest/meta-data/"
            }}),
            &[("DIAGNOSE_ALLOWED_HOSTS", list.to_string())],
            "URL overrides need the repository variable DIAGNOSE_ALLOWED_HOSTS (at least one host)",
        );
    }
    // A requester the runner would refuse: refused here, visibly, instead.
    refused(
        "repository_dispatch",
        serde_json::json!({
            "action": "diagnose.request",
            "client_payload": {"correlation_id": CORRELATION, "requester": "x".repeat(300)}
        }),
        "requester must be at most 256 characters",
    );
}

/// The variables of a repository whose deployment is moto's `bucket` and `site`.
fn deployment_vars(bucket: &str, distribution: &str, site: &Server) -> Vec<(&'static str, String)> {
    vec![
        (
            "AWS_ROLE_ARN",
            "arn:aws:iam::123456789012:role/diagnose".into(),
        ),
        ("AWS_REGION", "us-east-1".into()),
        ("S3_BUCKET", bucket.into()),
        ("CLOUDFRONT_DISTRIBUTION_ID", distribution.into()),
        ("VITE_API_BASE", site.url("")),
        ("FRONTEND_BASE_URL", site.url("/")),
        (
            "REMOTE_HANDS_BINARY",
            env!("CARGO_BIN_EXE_remote-hands").into(),
        ),
    ]
}

#[test]
fn the_dispatch_workflow_diagnoses_a_good_request_and_uploads_the_report() {
    let moto = Moto::start();
    let distribution = moto.seed("dispatch-site", true);
    let s = site();
    let vars = deployment_vars("dispatch-site", &distribution, &s);
    let run = dispatch_workflow(
        "repository_dispatch",
        serde_json::json!({
            "action": "diagnose.request",
            "client_payload": {"correlation_id": CORRELATION, "requester": "alice", "channel_id": "123"}
        }),
        &vars,
        &moto.env(),
    );
    let text = &run.text;
    assert_eq!(run.code, 0, "{text}");
    assert!(
        text.contains(&format!("correlation {CORRELATION}, channel 123")),
        "{text}"
    );
    assert!(
        text.contains("STAND-IN ASSUMES arn:aws:iam::123456789012:role/diagnose IN us-east-1"),
        "{text}"
    );
    assert!(!text.contains("STAND-IN RAN"), "the cache ran:\n{text}");
    // The report the client reads back: uploaded as diagnose-summary, and in the log.
    let report = read_json(&run.uploads.path().join("diagnose-summary"));
    assert_valid_report(&report);
    assert_eq!(report["correlation_id"], CORRELATION);
    assert_eq!(report["requester"], "alice");
    assert_eq!(report["conclusion"], "success", "{report}");
    assert!(
        text.contains(&format!("::remote-hands-report-begin::{CORRELATION}")),
        "{text}"
    );
}

#[test]
fn the_dispatch_workflow_uploads_the_report_of_a_failing_diagnosis_too() {
    let moto = Moto::start();
    let distribution = moto.seed("dispatch-broken", true);
    let s = Server::start(|path| match path {
        "/health" => Reply::status(503, "down"),
        _ => Reply::ok("ok"),
    });
    let vars = deployment_vars("dispatch-broken", &distribution, &s);
    let run = dispatch_workflow(
        "workflow_dispatch",
        serde_json::json!({"inputs": {"correlation_id": CORRELATION, "requester": "bob"}}),
        &vars,
        &moto.env(),
    );
    assert_ne!(run.code, 0, "the job must fail:\n{}", run.text);
    // `if: always()`: the failed diagnosis still publishes its report.
    let report = read_json(&run.uploads.path().join("diagnose-summary"));
    assert_eq!(report["correlation_id"], CORRELATION);
    assert_eq!(report["conclusion"], "failure");
    assert_eq!(report["checks"]["api_health"]["status"], 503);
}

#[test]
fn the_example_workflow_is_this_repositorys_own_but_for_the_action_it_uses() {
    let own =
        std::fs::read_to_string(root().join(".github/workflows/diagnose-dispatch.yml")).unwrap();
    let example = std::fs::read_to_string(root().join("examples/diagnose-dispatch.yml")).unwrap();
    // This repository's copy, less its checkout step (with the comment above it), with the
    // released action instead of the checkout's.
    let mut derived = Vec::new();
    let mut skipping = false;
    let mut uses_lines = 0;
    for line in own.lines() {
        if line.starts_with("      # This repository's own copy takes the action") {
            skipping = true;
        }
        if skipping {
            skipping = !line.trim().is_empty();
            continue;
        }
        if line == "        uses: ./" {
            uses_lines += 1;
            derived.push(format!("        uses: {RELEASED_ACTION}"));
        } else {
            derived.push(line.to_string());
        }
    }
    assert_eq!(uses_lines, 1);
    let example: Vec<&str> = example.lines().collect();
    assert_eq!(
        derived, example,
        "examples/diagnose-dispatch.yml has drifted"
    );
    assert!(!example.iter().any(|l| l.contains("actions/checkout")));
}

#[test]
fn a_copy_of_the_example_workflow_diagnoses_a_dispatch() {
    let moto = Moto::start();
    let distribution = moto.seed("example-site", true);
    let s = site();
    let vars = deployment_vars("example-site", &distribution, &s);
    let run = workflow_run(
        "examples/diagnose-dispatch.yml",
        "repository_dispatch",
        serde_json::json!({
            "action": "diagnose.request",
            "client_payload": {"correlation_id": CORRELATION, "requester": "new-team"}
        }),
        &vars,
        &moto.env(),
    );
    assert_eq!(run.code, 0, "{}", run.text);
    let report = read_json(&run.uploads.path().join("diagnose-summary"));
    assert_valid_report(&report);
    assert_eq!(report["correlation_id"], CORRELATION);
    assert_eq!(report["requester"], "new-team");
    assert_eq!(report["conclusion"], "success", "{report}");
}

// ---- the installer ------------------------------------------------------------------

struct Install {
    code: i32,
    outputs: String,
    stdout: String,
    /// Holds what was installed.
    _temp: tempfile::TempDir,
}

fn install(env: &[(&str, String)]) -> Install {
    let temp = tempfile::tempdir().unwrap();
    let outputs = temp.path().join("github_output");
    std::fs::write(&outputs, "").unwrap();
    let out = Command::new("bash")
        .arg(root().join("scripts/action/install.sh"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap())
        .env("GITHUB_OUTPUT", &outputs)
        .env("GITHUB_ACTION_PATH", root())
        .env("RUNNER_TEMP", temp.path())
        .env("RUNNER_OS", "Linux")
        .env("RUNNER_ARCH", "X64")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap();
    Install {
        code: out.status.code().unwrap(),
        outputs: std::fs::read_to_string(&outputs).unwrap(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        _temp: temp,
    }
}

/// A release server on loopback holding `remote-hands-v9.9.9-x86_64-unknown-linux-gnu.tar.gz`
/// (served through a redirect, as GitHub does) and a SHA-256 file saying `sha`.
fn release_server(tarball: Vec<u8>, sha: Option<String>) -> Server {
    release_server_for("v9.9.9", tarball, sha)
}

/// The same, for the release `tag` (`v9`: the moving major-version release).
fn release_server_for(tag: &str, tarball: Vec<u8>, sha: Option<String>) -> Server {
    let name = format!("remote-hands-{tag}-x86_64-unknown-linux-gnu.tar.gz");
    let asset = format!("/acme/remote-hands/releases/download/{tag}/{name}");
    Server::start(move |path| {
        if path == asset {
            Reply::Answer(
                302,
                vec![("location".into(), "/objects/blob".into())],
                vec![],
            )
        } else if path == "/objects/blob" {
            Reply::Answer(200, vec![], tarball.clone())
        } else if let (Some(sha), true) = (&sha, path == format!("{asset}.sha256")) {
            Reply::ok(&format!("{sha}  {name}\n"))
        } else {
            Reply::status(404, "Not Found")
        }
    })
}

/// A tarball holding an executable `remote-hands` that prints a version.
fn tarball(dir: &Path) -> (Vec<u8>, String) {
    let exe = dir.join("remote-hands");
    std::fs::write(&exe, "#!/bin/sh\necho 'remote-hands 9.9.9'\n").unwrap();
    let status = Command::new("chmod").arg("+x").arg(&exe).status().unwrap();
    assert!(status.success());
    let tar = dir.join("r.tar.gz");
    let status = Command::new("tar")
        .arg("-czf")
        .arg(&tar)
        .arg("-C")
        .arg(dir)
        .arg("remote-hands")
        .status()
        .unwrap();
    assert!(status.success());
    let sha = Command::new("sha256sum").arg(&tar).output().unwrap();
    let sha = String::from_utf8(sha.stdout).unwrap()[..64].to_string();
    (std::fs::read(&tar).unwrap(), sha)
}

fn release_env(server: &Server) -> Vec<(&'static str, String)> {
    vec![
        (
            "GITHUB_SERVER_URL",
            server.url("").trim_end_matches('/').to_string(),
        ),
        ("ACTION_REPOSITORY", "acme/remote-hands".into()),
        ("ACTION_REF", "v9.9.9".into()),
    ]
}

#[test]
fn the_installer_verifies_the_release_binary_against_its_sha256() {
    let dir = tempfile::tempdir().unwrap();
    let (tar, sha) = tarball(dir.path());
    let server = release_server(tar.clone(), Some(sha.clone()));
    let r = install(&release_env(&server));
    assert_eq!(r.code, 0, "{}", r.stdout);
    let path = r
        .outputs
        .lines()
        .find_map(|l| l.strip_prefix("path="))
        .unwrap_or_else(|| panic!("no path output: {}", r.outputs));
    let version = Command::new(path).arg("--version").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&version.stdout),
        "remote-hands 9.9.9\n"
    );
    assert!(r.stdout.contains(&sha), "{}", r.stdout);

    // The action used locally (`uses: ./`) with a version: this repository's release.
    let r = install(&[
        (
            "GITHUB_SERVER_URL",
            server.url("").trim_end_matches('/').to_string(),
        ),
        ("GITHUB_REPOSITORY", "acme/remote-hands".into()),
        ("INPUT_VERSION", "v9.9.9".into()),
    ]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.outputs.contains("path="), "{}", r.outputs);

    // The action used at its major-version tag (`@v9`): that release's binary, verified.
    let major = release_server_for("v9", tar.clone(), Some(sha.clone()));
    let mut env = release_env(&major);
    env.retain(|(k, _)| *k != "ACTION_REF");
    env.push(("ACTION_REF", "v9".into()));
    let r = install(&env);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.outputs.contains("path="), "{}", r.outputs);
    assert!(
        r.stdout
            .contains("remote-hands-v9-x86_64-unknown-linux-gnu.tar.gz"),
        "{}",
        r.stdout
    );

    // The action used at a pre-release tag: release.yml builds those too, and the
    // installer takes that release's binary instead of building from source.
    let pre = release_server_for("v9.9.9-rc.1", tar.clone(), Some(sha.clone()));
    let mut env = release_env(&pre);
    env.retain(|(k, _)| *k != "ACTION_REF");
    env.push(("ACTION_REF", "v9.9.9-rc.1".into()));
    let r = install(&env);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.outputs.contains("path="), "{}", r.outputs);
    assert!(
        r.stdout
            .contains("remote-hands-v9.9.9-rc.1-x86_64-unknown-linux-gnu.tar.gz"),
        "{}",
        r.stdout
    );

    // A tampered binary is refused, and nothing is handed to the next step.
    let bad = release_server(tar, Some("0".repeat(64)));
    let r = install(&release_env(&bad));
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("does not match its published SHA-256"),
        "{}",
        r.stdout
    );
    assert!(!r.outputs.contains("path="), "{}", r.outputs);
}

#[test]
fn without_a_fitting_release_the_installer_asks_for_a_build() {
    // The release has no asset for this platform.
    let server = release_server(Vec::new(), None);
    let r = install(&release_env(&server));
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.outputs.contains("build=true"), "{}", r.outputs);
    assert!(r.outputs.contains("lock-hash="), "{}", r.outputs);
    assert!(r.stdout.contains("::warning"), "{}", r.stdout);

    // Used from a branch: no download is tried at all.
    let r = install(&[
        ("ACTION_REF", "main".into()),
        ("ACTION_REPOSITORY", "acme/remote-hands".into()),
    ]);
    assert_eq!(r.code, 0);
    assert!(r.outputs.contains("build=true"), "{}", r.outputs);
    assert_eq!(server.requests().len(), 1, "{:?}", server.requests());

    // A platform without release binaries for the action.
    let mut env = release_env(&server);
    env.push(("RUNNER_OS", "Windows".into()));
    let r = install(&env);
    assert!(r.outputs.contains("build=true"), "{}", r.outputs);
}

#[test]
fn the_installer_takes_a_given_binary_and_refuses_a_bad_one() {
    let binary = env!("CARGO_BIN_EXE_remote-hands");
    let r = install(&[("INPUT_BINARY", binary.into())]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.outputs.contains(&format!("path={binary}")),
        "{}",
        r.outputs
    );

    let r = install(&[("INPUT_BINARY", "/nonexistent/remote-hands".into())]);
    assert_eq!(r.code, 2);
    assert!(
        r.stdout
            .contains("input binary: '/nonexistent/remote-hands' is not an executable file")
    );

    let r = install(&[("INPUT_VERSION", "latest; rm -rf /".into())]);
    assert_eq!(r.code, 2);
    assert!(r.stdout.contains("is not a release tag"), "{}", r.stdout);
}

// ---- the linters ----------------------------------------------------------------------

#[test]
fn the_action_and_workflows_pass_the_linters_and_the_linters_catch_mistakes() {
    let lint = Command::new("bash")
        .arg(root().join("scripts/lint-actions.sh"))
        .output()
        .unwrap();
    assert!(
        lint.status.success(),
        "{}{}",
        String::from_utf8_lossy(&lint.stdout),
        String::from_utf8_lossy(&lint.stderr)
    );

    // A workflow that interpolates untrusted input into a script fails both our rule and
    // actionlint's.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yml");
    std::fs::write(
        &bad,
        "on: issues\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo \"${{ github.event.issue.title }}\"\n",
    )
    .unwrap();
    let ours = Command::new(require_tool("python"))
        .arg(root().join("scripts/lint_run_scripts.py"))
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(ours.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&ours.stdout).contains("pass it through env:"));
    let actionlint = Command::new(require_tool("actionlint"))
        .arg(&bad)
        .output()
        .expect("actionlint runs");
    assert_eq!(actionlint.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&actionlint.stdout).contains("potentially untrusted"));

    // shellcheck runs on the run: scripts through actionlint.
    std::fs::write(
        &bad,
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: cd $DIR; ls\n",
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        require_tool("shellcheck").parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let actionlint = Command::new(require_tool("actionlint"))
        .arg(&bad)
        .env("PATH", path)
        .output()
        .expect("actionlint runs");
    assert_eq!(actionlint.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&actionlint.stdout).contains("shellcheck"));
}

// ---- releases -----------------------------------------------------------------------------

/// Whether `text` matches a GitHub Actions filter pattern (`[0-9]`, `+` after a character
/// or class, `*` for any run of characters but `/`), the subset release.yml uses.
fn filter_matches(pattern: &[u8], text: &[u8]) -> bool {
    let Some((&first, rest)) = pattern.split_first() else {
        return text.is_empty();
    };
    if first == b'*' {
        return (0..=text.len())
            .take_while(|&i| i == 0 || text[i - 1] != b'/')
            .any(|i| filter_matches(rest, &text[i..]));
    }
    let (class, rest): (Vec<u8>, &[u8]) = if first == b'[' {
        let end = rest
            .iter()
            .position(|&c| c == b']')
            .expect("a closed class");
        let body = &rest[..end];
        let mut set = Vec::new();
        let mut i = 0;
        while i < body.len() {
            if i + 2 < body.len() && body[i + 1] == b'-' {
                set.extend(body[i]..=body[i + 2]);
                i += 3;
            } else {
                set.push(body[i]);
                i += 1;
            }
        }
        (set, &rest[end + 1..])
    } else {
        (vec![first], rest)
    };
    let (repeat, rest) = match rest.split_first() {
        Some((b'+', r)) => (true, r),
        _ => (false, rest),
    };
    let mut i = 0;
    while i < text.len() && class.contains(&text[i]) {
        i += 1;
        if filter_matches(rest, &text[i..]) {
            return true;
        }
        if !repeat {
            break;
        }
    }
    false
}

#[test]
fn every_tag_the_installer_downloads_is_one_the_release_workflow_builds() {
    let release = std::fs::read_to_string(root().join(".github/workflows/release.yml")).unwrap();
    let globs: Vec<String> = release
        .lines()
        .skip_while(|l| l.trim() != "tags:")
        .skip(1)
        .map_while(|l| l.trim().strip_prefix("- "))
        .map(|g| g.trim_matches('\'').to_string())
        .collect();
    assert!(globs.len() >= 2, "{globs:?}");
    let built = |tag: &str| {
        globs
            .iter()
            .any(|g| filter_matches(g.as_bytes(), tag.as_bytes()))
    };
    // What install.sh takes as a release tag (the major tag vX is moved, not built).
    let installer = std::fs::read_to_string(root().join("scripts/action/install.sh")).unwrap();
    let accepts = |tag: &str| {
        let check = format!(
            "{}\n[[ \"$1\" =~ $release_tag ]]",
            installer
                .lines()
                .find(|l| l.starts_with("release_tag="))
                .expect("install.sh names its tag pattern")
        );
        Command::new("bash")
            .args(["-c", &check, "-", tag])
            .status()
            .unwrap()
            .success()
    };
    for tag in [
        "v1.2.3",
        "v10.0.1",
        "v1.2.3-rc.1",
        "v1.2.3-beta",
        "v0.1.0-alpha.2",
    ] {
        assert!(accepts(tag), "the installer refuses {tag}");
        assert!(built(tag), "release.yml does not build {tag}: {globs:?}");
    }
    for tag in ["v1", "v1.2", "main", "1.2.3", "v1.2.3/x"] {
        assert!(!built(tag), "release.yml builds {tag}: {globs:?}");
    }
    assert!(accepts("v1"), "the moving major tag");
    for tag in ["v1.2", "latest", "v1.2.3;rm", "v1.2.3-"] {
        assert!(!accepts(tag), "the installer accepts {tag}");
    }
    // A pre-release is published as one, and never moves the major tag.
    assert!(release.contains("prerelease=(--prerelease)"));
    assert!(release.contains("if: ${{ !contains(github.ref_name, '-') }}"));
}

#[test]
fn cargo_binstall_finds_the_assets_the_release_workflow_builds() {
    let cargo = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let template = cargo
        .lines()
        .find_map(|l| l.strip_prefix("pkg-url = "))
        .expect("binstall metadata")
        .trim_matches('"');
    let release = std::fs::read_to_string(root().join(".github/workflows/release.yml")).unwrap();
    let targets: Vec<&str> = release
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- target: "))
        .collect();
    for target in [
        "x86_64-unknown-linux-gnu",
        "aarch64-unknown-linux-gnu",
        "x86_64-apple-darwin",
        "aarch64-apple-darwin",
        "x86_64-pc-windows-msvc",
    ] {
        assert!(
            targets.contains(&target),
            "release.yml does not build {target}"
        );
    }
    assert!(release.contains(r#"asset="remote-hands-$VERSION-$TARGET.tar.gz""#));
    // The URL binstall builds for a tag vX.Y.Z is the asset release.yml names for it.
    for target in targets {
        let url = template
            .replace("{ repo }", "https://github.com/remote-hands/remote-hands")
            .replace("{ version }", "1.2.3")
            .replace("{ name }", "remote-hands")
            .replace("{ target }", target)
            .replace("{ archive-suffix }", ".tar.gz");
        assert_eq!(
            url,
            format!(
                "https://github.com/remote-hands/remote-hands/releases/download/v1.2.3/remote-hands-v1.2.3-{target}.tar.gz"
            )
        );
    }
}
