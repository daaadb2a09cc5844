//! The dispatch workflow (`.github/workflows/diagnose-dispatch.yml`) under `act`: its gate
//! refusing bad requests before anything runs, a good request diagnosed and its report
//! uploaded (a failing diagnosis's too), posted to the requested Discord channel when the
//! repository has the bot's secret and skipped when it has not; and the example workflow users copy, which must
//! stay this repository's own but for the action it uses, and work as a copy.

use std::process::Command;

use serde_json::Value;

use crate::support::act::{
    ACT, CACHE, CORRELATION, UPLOAD_ARTIFACT, json_log, messages, site, stand_in,
};
use crate::support::discord::{
    BOT_TOKEN, CHANNEL_ID, FakeDiscord, assert_bodies_match_discords_schema,
};
use crate::support::httpd::{Reply, Server};
use crate::support::moto::Moto;
use crate::support::{assert_valid_report, read_json, require_tool, root};

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
        &[],
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
    secrets: &[(&str, String)],
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
    for (k, v) in secrets {
        cmd.arg("--secret").arg(format!("{k}={v}"));
    }
    let output = cmd.output().expect("running act");
    DispatchRun {
        code: output.status.code().unwrap_or(-1),
        text: messages(&json_log(&output.stdout)),
        uploads,
    }
}

/// Runs the dispatch workflow for `event` with repository variables `vars`: the gate
/// must refuse it, saying `why`, before any later step runs.
fn assert_refused_by_the_gate(event_name: &str, event: Value, vars: &[(&str, String)], why: &str) {
    let run = dispatch_workflow(event_name, event, vars, &[]);
    assert_ne!(run.code, 0, "{why}");
    assert!(run.text.contains(why), "{}", run.text);
    assert!(
        !run.text.contains("STAND-IN"),
        "a later step ran:\n{}",
        run.text
    );
}

#[test]
fn the_dispatch_workflow_refuses_a_correlation_id_that_is_not_a_uuid() {
    assert_refused_by_the_gate(
        "repository_dispatch",
        serde_json::json!({
            "action": "diagnose.request",
            "client_payload": {"correlation_id": "$(curl evil)", "requester": "mallory"}
        }),
        &[],
        "correlation_id is not a UUID",
    );
}

#[test]
fn the_dispatch_workflow_refuses_a_url_override_without_an_allowlist() {
    assert_refused_by_the_gate(
        "workflow_dispatch",
        serde_json::json!({"inputs": {
            "correlation_id": CORRELATION,
            "frontend_url": "http://169.254.169.254/latest/meta-data/"
        }}),
        &[],
        "URL overrides need the repository variable DIAGNOSE_ALLOWED_HOSTS",
    );
}

#[test]
fn the_dispatch_workflow_counts_an_allowlist_that_names_no_host_as_none() {
    for list in [",", " , ", " "] {
        assert_refused_by_the_gate(
            "workflow_dispatch",
            serde_json::json!({"inputs": {
                "correlation_id": CORRELATION,
                "api_base": "http://169.254.169.254/latest/meta-data/"
            }}),
            &[("DIAGNOSE_ALLOWED_HOSTS", list.to_string())],
            "URL overrides need the repository variable DIAGNOSE_ALLOWED_HOSTS (at least one host)",
        );
    }
}

#[test]
fn the_dispatch_workflow_refuses_a_requester_the_runner_would_refuse() {
    // Refused here, visibly, instead.
    assert_refused_by_the_gate(
        "repository_dispatch",
        serde_json::json!({
            "action": "diagnose.request",
            "client_payload": {"correlation_id": CORRELATION, "requester": "x".repeat(300)}
        }),
        &[],
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
    // A channel was asked for, but the repository has no DISCORD_BOT_TOKEN secret: the
    // post step is skipped with a notice, and the job stays green.
    assert!(
        text.contains("no DISCORD_BOT_TOKEN secret: the report is not posted to Discord"),
        "{text}"
    );
}

#[test]
fn the_dispatch_workflow_posts_the_report_to_the_requested_channel_with_the_bot_s_secret() {
    let moto = Moto::start();
    let distribution = moto.seed("posting-site", true);
    let s = site();
    let discord = FakeDiscord::start();
    let mut vars = deployment_vars("posting-site", &distribution, &s);
    vars.push(("DISCORD_API_URL", discord.api_url()));
    let run = workflow_run(
        ".github/workflows/diagnose-dispatch.yml",
        "repository_dispatch",
        serde_json::json!({
            "action": "diagnose.request",
            "client_payload": {"correlation_id": CORRELATION, "requester": "alice", "channel_id": CHANNEL_ID}
        }),
        &vars,
        &moto.env(),
        &[("DISCORD_BOT_TOKEN", BOT_TOKEN.to_string())],
    );
    let text = &run.text;
    assert_eq!(run.code, 0, "{text}");
    assert!(
        text.contains(&format!("report posted to channel {CHANNEL_ID}")),
        "{text}"
    );
    let requests = discord.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[0].path, format!("/channels/{CHANNEL_ID}/messages"));
    let bot = format!("Bot {BOT_TOKEN}");
    assert_eq!(requests[0].header("authorization"), Some(bot.as_str()));
    assert_bodies_match_discords_schema(&discord);
    let body = requests[0].json().to_string();
    assert!(body.contains(CORRELATION), "{body}");
    assert!(
        body.contains("/actions/runs/"),
        "the run's link is missing: {body}"
    );
    assert!(
        !text.contains(BOT_TOKEN),
        "the token shows in the log:\n{text}"
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
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.text);
    let report = read_json(&run.uploads.path().join("diagnose-summary"));
    assert_valid_report(&report);
    assert_eq!(report["correlation_id"], CORRELATION);
    assert_eq!(report["requester"], "new-team");
    assert_eq!(report["conclusion"], "success", "{report}");
}

#[test]
fn a_post_discord_refuses_leaves_a_healthy_diagnosis_green() {
    let moto = Moto::start();
    let distribution = moto.seed("refused-post-site", true);
    let s = site();
    let discord = FakeDiscord::start();
    let mut vars = deployment_vars("refused-post-site", &distribution, &s);
    vars.push(("DISCORD_API_URL", discord.api_url()));
    let run = workflow_run(
        ".github/workflows/diagnose-dispatch.yml",
        "workflow_dispatch",
        serde_json::json!({"inputs": {"correlation_id": CORRELATION, "thread_id": CHANNEL_ID}}),
        &vars,
        &moto.env(),
        &[("DISCORD_BOT_TOKEN", "MTIz.wrong-secret.token".to_string())],
    );
    let text = &run.text;
    // The step failed (Discord answered 401) but is best-effort: the job is what the
    // checks say.
    assert_eq!(run.code, 0, "{text}");
    assert!(text.contains("Discord answered 401"), "{text}");
    let requests = discord.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0].answered, 401);
    let report = read_json(&run.uploads.path().join("diagnose-summary"));
    assert_eq!(report["conclusion"], "success", "{report}");
}
