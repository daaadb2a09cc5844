//! The composite action (`action.yml`) run by `act` against moto_server and loopback
//! targets: a healthy deployment and a failing one (step outputs, the JSON report, the
//! step summary, annotations, the report in the log); and its diagnosis step
//! (`scripts/action/check.sh`) alone, as the runner starts it.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use crate::support::act::{
    ACT, CACHE, CORRELATION, UPLOAD_ARTIFACT, json_log, messages, site, stand_in,
};
use crate::support::httpd::{Reply, Server};
use crate::support::moto::Moto;
use crate::support::{assert_valid_report, read_json, require_tool, root};

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

/// Runs tests/act/action-e2e.yml under act with the given targets.
fn act(moto: &Moto, bucket: &str, distribution: &str, api_base: &str, frontend: &str) -> ActRun {
    act_with(moto, bucket, distribution, api_base, frontend, &[])
}

/// [`act`] with more of the workflow's inputs.
fn act_with(
    moto: &Moto,
    bucket: &str,
    distribution: &str,
    api_base: &str,
    frontend: &str,
    more: &[(&str, &str)],
) -> ActRun {
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
    for (k, v) in more {
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

// ---- the diagnosis step alone -----------------------------------------------------------

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
}

#[test]
fn the_api_paths_input_is_comma_separated() {
    let s = site();
    let api = s.url("");
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

// ---- the baseline input -----------------------------------------------------------------

/// A previous report of the loopback site: `api_hello` failed then, and `api_old` ran.
fn previous_report(correlation_id: &str) -> String {
    serde_json::json!({
        "correlation_id": correlation_id,
        "started_at": "2026-11-25T04:42:02.123Z",
        "checks": {
            "api_health": {"ok": true, "ms": 5},
            "api_hello": {"ok": false, "ms": 5},
            "api_old": {"ok": true, "ms": 5},
        },
        "conclusion": "failure",
    })
    .to_string()
}

#[test]
fn the_baseline_input_compares_with_a_report_file() {
    let s = site();
    let api = s.url("");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("previous.json");
    std::fs::write(&path, previous_report(CORRELATION)).unwrap();
    let (out, report) = check_step(&[
        ("INPUT_API_BASE", api.as_str()),
        ("INPUT_BASELINE", path.to_str().unwrap()),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = report.expect("the step wrote its report");
    assert_valid_report(&report);
    assert_eq!(report["changes"]["since"]["correlation_id"], CORRELATION);
    assert_eq!(report["changes"]["outcome"][0]["check"], "api_hello");
    assert_eq!(report["changes"]["vanished_checks"][0], "api_old");
    assert!(stdout.contains("changes since 5f0c6c1e"), "{stdout}");
}

/// The regression thresholds reach the binary as its flags (a bad one is refused by name).
#[test]
fn the_regression_inputs_are_the_check_flags() {
    let s = site();
    let api = s.url("");
    for (input, flag) in [
        ("INPUT_REGRESSION_PCT", "--regression-pct"),
        ("INPUT_REGRESSION_MS", "--regression-ms"),
    ] {
        let (out, report) = check_step(&[("INPUT_API_BASE", api.as_str()), (input, "lots")]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{input}: {stderr}");
        assert!(stderr.contains(flag), "{input}: {stderr}");
        assert!(report.is_none(), "{input}: nothing checked");
    }
    let (out, report) = check_step(&[
        ("INPUT_API_BASE", api.as_str()),
        ("INPUT_REGRESSION_PCT", "20"),
        ("INPUT_REGRESSION_MS", "10"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(report.is_some());
}

/// `baseline: previous`: the report of the last successful run of the same workflow on the
/// same branch, fetched from (the fake) GitHub with the token input only.
#[test]
fn the_baseline_input_previous_fetches_the_last_successful_run() {
    use crate::support::github::history::{HISTORY_WORKFLOW, PastRun};
    use crate::support::github::{FakeGithub, Scenario, TOKEN, zip_of};

    let gh = FakeGithub::start(Scenario::default());
    let earlier = "11111111-2222-4333-8444-555555555555";
    gh.set_history(vec![PastRun {
        id: 7003,
        branch: "main",
        conclusion: "success",
        artifact: Some((
            "diagnose-summary",
            zip_of(&[("diagnose-summary.json", previous_report(earlier).as_bytes())]),
        )),
    }]);
    let s = site();
    let api = s.url("");
    let api_url = gh.api_url();
    let workflow_ref = format!("acme/site/.github/workflows/{HISTORY_WORKFLOW}@refs/heads/main");
    let env = [
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_REPOSITORY", "acme/site"),
        ("GITHUB_API_URL", api_url.as_str()),
        ("GITHUB_WORKFLOW_REF", workflow_ref.as_str()),
        ("GITHUB_REF_NAME", "main"),
        ("GITHUB_RUN_ID", "7100"),
        ("INPUT_GITHUB_TOKEN", TOKEN),
        ("INPUT_ARTIFACT_NAME", "diagnose-summary"),
        ("INPUT_API_BASE", api.as_str()),
        ("INPUT_BASELINE", "previous"),
    ];
    let (out, report) = check_step(&env);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let report = report.expect("the step wrote its report");
    assert_eq!(report["changes"]["since"]["correlation_id"], earlier);
    let list = gh.requests_of("history_runs");
    assert_eq!(list.len(), 1);
    assert_eq!(
        list[0].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );

    // A new workflow: no earlier run. A notice, and the check runs without a comparison.
    gh.set_history(vec![]);
    let (out, report) = check_step(&env);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("::notice title=remote-hands baseline::no baseline to compare with"),
        "{stderr}"
    );
    let report = report.expect("the step wrote its report");
    assert!(report.get("changes").is_none(), "{report:#}");
    assert!(!stderr.contains(TOKEN) && !String::from_utf8_lossy(&out.stdout).contains(TOKEN));
}

/// The action run by act with `baseline:` set to a report file: the step summary has the
/// "Changes since" section and the report its `changes`.
#[test]
fn the_composite_action_compares_with_a_baseline_under_act() {
    let moto = Moto::start();
    let distribution = moto.seed("act-baseline", true);
    let s = site();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("previous.json");
    std::fs::write(
        &path,
        previous_report("22222222-2222-4333-8444-555555555555"),
    )
    .unwrap();
    let run = act_with(
        &moto,
        "act-baseline",
        &distribution,
        &s.url(""),
        &s.url("/"),
        &[("baseline", path.to_str().unwrap())],
    );
    let text = run.text();
    assert_eq!(run.code, 0, "act failed:\n{text}");
    let report = read_json(&run.out.path().join("report.json"));
    assert_valid_report(&report);
    assert_eq!(
        report["changes"]["since"]["correlation_id"],
        "22222222-2222-4333-8444-555555555555"
    );
    assert_eq!(report["changes"]["outcome"][0]["check"], "api_hello");
    let summary = run.summary();
    assert!(
        summary.contains("## Changes since run `22222222` of 2026-11-25 04:42:02 UTC"),
        "{summary}"
    );
    assert!(
        summary.contains("| `api_hello` | outcome | ❌ fail | ✅ pass |"),
        "{summary}"
    );
}

/// The `config` and `env` inputs reach the binary through `check.sh`.
#[test]
fn the_config_and_env_inputs_pick_the_file_and_its_environment() {
    let s = site();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("rh.toml");
    let toml = format!(
        "default_env = \"prod\"\n[env.prod]\napi_base = \"http://127.0.0.1:9\"\n[env.dev]\napi_base = \"{}\"\napi_paths = [\"/health\"]\n",
        s.url("")
    );
    std::fs::write(&config, toml).unwrap();
    let config = config.to_str().unwrap();
    let (out, report) = check_step(&[("INPUT_CONFIG", config), ("INPUT_ENV", "dev")]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let report = report.expect("the step wrote its report");
    assert_eq!(report["environment"], "dev");
    assert_eq!(report["checks"]["api_health"]["outcome"], "pass");
    assert!(report["checks"].get("api_hello").is_none());
    let (out, _) = check_step(&[("INPUT_CONFIG", config), ("INPUT_ENV", "qa")]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("REMOTE_HANDS_ENV (environment): unknown environment \"qa\""),
        "{stderr}"
    );
}
