//! The job log as the fallback channel for the report: used when the artifact is missing,
//! expired, too big or malformed; a report block forged into the log (by a request's
//! multi-line value) refused; and a report that contradicts the run's conclusion flagged
//! in every format.

use serde_json::Value;

use crate::support::dispatch::{
    CID, assert_well_behaved, check_in_run, dispatch, healthy_run, scenario_with_artifact,
};
use crate::support::github::{ArtifactKind, FakeGithub, RUN_ID, Scenario, as_job_log, zip_of};

#[test]
fn without_a_usable_artifact_the_report_comes_from_the_job_log() {
    let out = healthy_run();
    let check_report: Value = serde_json::from_str(&out.json).unwrap();
    for (artifact, why) in [
        (ArtifactKind::Expired, "has expired"),
        (ArtifactKind::Missing, "has no artifact"),
        (ArtifactKind::Oversized(1 << 30), "more than the"),
        // Listed as 1,000 bytes, streamed without a length: cut off at the cap.
        (
            ArtifactKind::LyingSize(vec![b'z'; 17 << 20]),
            "more than the 16777216-byte limit",
        ),
        (
            ArtifactKind::Zip(zip_of(&[("../diagnose-summary.json", out.json.as_bytes())])),
            "holds no diagnose-summary.json",
        ),
        (
            ArtifactKind::Zip(zip_of(&[("diagnose-summary.json", &vec![b' '; 5 << 20])])),
            "limit",
        ),
    ] {
        let gh = FakeGithub::start(Scenario {
            artifact,
            log: Some(out.log.clone()),
            ..Scenario::default()
        });
        // Moving megabytes takes real time, which the 1000× time scale makes look long:
        // room for it.
        let r = dispatch(&gh, &["--format", "json", "--timeout", "3600"]);
        assert_eq!(r.code, 0, "{why}: {}", r.stderr);
        assert!(r.stderr.contains(why), "{why}: {}", r.stderr);
        let v: Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(v["source"], "log");
        assert_eq!(v["report"], check_report, "{why}");
        assert_well_behaved(&gh, &r);
    }
}

#[test]
fn a_run_with_neither_artifact_nor_report_block_ended_without_a_report() {
    let gh = FakeGithub::start(Scenario {
        conclusion: "failure",
        log: Some(as_job_log(
            "Validate the request\n::error::correlation_id is not a UUID\n",
        )),
        ..Scenario::default()
    });
    let r = dispatch(&gh, &[]);
    assert_eq!(r.code, 3);
    assert!(
        r.stderr.contains("ended failure without a readable report"),
        "{}",
        r.stderr
    );
}

// ---- forged report blocks ----------------------------------------------------------------

/// The runner's timestamp before a line of the request-validation step.
const STAMP: &str = "2026-11-25T05:00:00.1000000Z ";

/// What the runner logs for the request-validation step when the dispatch's
/// frontend_url carries `injected` (lines after the first of a multi-line value are
/// printed verbatim, without a timestamp), and the step then fails.
fn validation_log(injected: &[String]) -> String {
    let mut log = String::from("\u{feff}");
    for l in [
        "##[group]Run uuid='^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'",
        "shell: /usr/bin/bash -e {0}",
        "env:",
        &format!("  CORRELATION_ID: {CID}"),
        "  REQUESTER: mallory",
        "  FRONTEND_URL_OVERRIDE: https://x.example",
    ] {
        log.push_str(&format!("{STAMP}{l}\n"));
    }
    for l in injected {
        log.push_str(l);
        log.push('\n');
    }
    for l in [
        "  ALLOWED_HOSTS: ",
        "##[endgroup]",
        "##[error]URL overrides need the repository variable DIAGNOSE_ALLOWED_HOSTS",
        "##[error]Process completed with exit code 1.",
    ] {
        log.push_str(&format!("{STAMP}{l}\n"));
    }
    log
}

/// The lines of a report block as `check` writes it, holding `json`.
fn forged_block(json: &str, stamp: &str) -> Vec<String> {
    let token = "0123456789abcdef0123456789abcdef";
    [
        format!("::stop-commands::{token}"),
        format!("::remote-hands-report-begin::{CID}"),
        json.to_string(),
        format!("::remote-hands-report-end::{CID}"),
        format!("::{token}::"),
    ]
    .into_iter()
    .map(|l| format!("{stamp}{l}"))
    .collect()
}

/// A report of a successful diagnosis, on one line.
fn forged_json() -> String {
    let v: Value = serde_json::from_str(&healthy_run().json).unwrap();
    assert_eq!(v["conclusion"], "success");
    serde_json::to_string(&v).unwrap()
}

#[test]
fn a_report_block_forged_into_the_job_log_without_timestamps_is_refused() {
    // The forged block, as a multi-line environment value: no timestamps.
    let gh = FakeGithub::start(Scenario {
        conclusion: "failure",
        log: Some(validation_log(&forged_block(&forged_json(), ""))),
        ..Scenario::default()
    });
    let r = dispatch(&gh, &[]);
    assert_eq!(r.code, 3, "{}\n{}", r.stderr, r.stdout);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(
        r.stderr.contains("lacks the runner's timestamp"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_forged_block_beside_the_tools_own_makes_two_and_neither_is_read() {
    // With timestamps forged too, beside the tool's own block.
    let mut log = validation_log(&forged_block(&forged_json(), STAMP));
    log.push_str(&healthy_run().log);
    let gh = FakeGithub::start(Scenario {
        log: Some(log),
        ..Scenario::default()
    });
    let r = dispatch(&gh, &[]);
    assert_eq!(r.code, 3, "{}\n{}", r.stderr, r.stdout);
    assert!(r.stderr.contains("holds 2 report blocks"), "{}", r.stderr);
}

// ---- a report that contradicts its run ---------------------------------------------------

/// A failed run whose log holds a forged block (timestamps forged too, the tool's own
/// never written) that cannot be told from the tool's, saying success.
fn failed_run_with_a_forged_success() -> Scenario {
    Scenario {
        conclusion: "failure",
        log: Some(validation_log(&forged_block(&forged_json(), STAMP))),
        ..Scenario::default()
    }
}

#[test]
fn a_contradicted_success_from_the_job_log_is_flagged_in_text() {
    let gh = FakeGithub::start(failed_run_with_a_forged_success());
    let r = dispatch(&gh, &["--format", "text"]);
    assert_eq!(
        r.code, 1,
        "a contradicted success is not a success: {}",
        r.stderr
    );
    let first: Vec<&str> = r.stdout.lines().take(2).collect();
    assert!(
        first[0].starts_with(&format!(
            "run {RUN_ID} completed (failure; report from the job log)"
        )),
        "{}",
        r.stdout
    );
    assert_eq!(
        first[1],
        "warning: the run concluded failure but its report says success: the two disagree"
    );
}

#[test]
fn a_contradicted_success_from_the_job_log_is_flagged_in_json() {
    let gh = FakeGithub::start(failed_run_with_a_forged_success());
    let r = dispatch(&gh, &["--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["source"], "log");
    assert_eq!(v["consistent"], false);
    let warnings = v["warnings"].to_string();
    assert!(warnings.contains("from the job log"), "{warnings}");
    assert!(warnings.contains("the run concluded failure"), "{warnings}");
}

#[test]
fn a_contradicted_success_from_the_job_log_is_flagged_in_discord() {
    let gh = FakeGithub::start(failed_run_with_a_forged_success());
    let r = dispatch(&gh, &["--format", "discord"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let msg: Value = serde_json::from_str(&r.stdout).unwrap();
    let content = msg["content"].as_str().unwrap();
    assert!(content.contains("from the job log"), "{content}");
    assert!(content.contains("the run concluded failure"), "{content}");
}

#[test]
fn a_successful_run_whose_report_says_failure_is_flagged() {
    let failing = check_in_run(false);
    let gh = FakeGithub::start(Scenario {
        conclusion: "success",
        ..scenario_with_artifact(&failing)
    });
    let r = dispatch(&gh, &["--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["source"], "artifact");
    assert_eq!(v["consistent"], false);
    assert_eq!(
        v["warnings"],
        serde_json::json!([
            "the run concluded success but its report says failure: the two disagree"
        ])
    );
}

#[test]
fn the_tools_own_block_agreeing_with_the_run_warns_only_of_its_source() {
    let gh = FakeGithub::start(Scenario {
        log: Some(healthy_run().log.clone()),
        ..Scenario::default()
    });
    let r = dispatch(&gh, &["--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["consistent"], true);
    assert_eq!(
        v["warnings"],
        serde_json::json!(["the report was read from the job log, not from the artifact"])
    );
}
