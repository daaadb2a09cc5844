//! `remote-hands result`: reading a run that was dispatched earlier, by its URL, its ID or
//! its correlation ID (waiting for it with `--wait`), including reports of the original
//! shell workflow; and the rules that keep it to diagnosis runs (the workflow, the event,
//! the correlation ID in the title and in the report, the run URL's host and repository).

use serde_json::Value;

use crate::support::dispatch::{
    CID, assert_refused, assert_well_behaved, client, dispatch, healthy_run, run_url,
    scenario_with_artifact,
};
use crate::support::github::{ArtifactKind, FakeGithub, RUN_ID, Scenario, TOKEN, zip_of};
use crate::support::{Run, bin, run};

/// A completed run of `scenario`, dispatched earlier (with --no-wait), read back with
/// `result` (by its page's URL on the fake, or by `run` when given).
fn result_of(scenario: Scenario, run_arg: Option<&str>, extra: &[&str]) -> (FakeGithub, Run) {
    let gh = FakeGithub::start(Scenario {
        queued_polls: 0,
        in_progress_polls: 0,
        ..scenario
    });
    let r = dispatch(&gh, &["--no-wait"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let url = run_url(&gh);
    let mut args = vec!["result", run_arg.unwrap_or(&url)];
    args.extend_from_slice(extra);
    let r = client(&gh, &args);
    (gh, r)
}

/// An artifact holding the healthy report with its correlation ID replaced by `cid`.
fn forged_artifact(cid: &str) -> ArtifactKind {
    let forged = healthy_run().json.replace(CID, cid);
    ArtifactKind::Zip(zip_of(&[("diagnose-summary.json", forged.as_bytes())]))
}

/// A run, dispatched earlier by someone else, whose artifact holds what the spec's shell
/// workflow wrote: its keys only, no schema_version.
fn run_of_the_original_workflow() -> FakeGithub {
    let legacy = format!(
        r#"{{"correlation_id": "{CID}", "requester": "discord-user", "frontend_url": "https://example.com",
        "api_base": "https://api.example.com",
        "checks": {{"oidc": {{"ok": true, "details": "AWS OIDC role assume"}},
                    "s3_read": {{"ok": true, "details": "S3 bucket accessible"}},
                    "cloudfront": {{"ok": true, "details": "CloudFront distribution accessible"}},
                    "api_health": {{"ok": false, "status": 500, "ms": 145}},
                    "api_hello": {{"ok": true, "status": 200, "ms": 98}}}},
        "durations": {{"total_s": 45, "steps": {{"oidc": 2, "s3_read": 5, "cloudfront": 7, "api": 243}}}},
        "conclusion": "failure"}}"#
    );
    let gh = FakeGithub::start(Scenario {
        queued_polls: 0,
        in_progress_polls: 0,
        artifact: ArtifactKind::Zip(zip_of(&[("diagnose-summary.json", legacy.as_bytes())])),
        ..Scenario::default()
    });
    let r = dispatch(&gh, &["--no-wait"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains(CID));
    gh
}

// ---- reading a run -----------------------------------------------------------------------

#[test]
fn result_reads_a_report_of_the_original_workflow_by_the_runs_url() {
    let gh = run_of_the_original_workflow();
    let r = run(bin().env("GITHUB_TOKEN", TOKEN).args([
        "result",
        &run_url(&gh),
        "--api-url",
        &gh.api_url(),
    ]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.contains("FAIL  api_health"), "{}", r.stdout);
    assert!(r.stdout.contains("pass  oidc"), "{}", r.stdout);
}

#[test]
fn a_run_that_passes_every_rule_is_shown() {
    let (_, r) = result_of(scenario_with_artifact(healthy_run()), None, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("report from the artifact"),
        "{}",
        r.stdout
    );
}

#[test]
fn result_of_an_unfinished_run_without_wait_exits_3_saying_how_to_wait() {
    let gh = FakeGithub::start(scenario_with_artifact(healthy_run()));
    let r = dispatch(&gh, &["--no-wait"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains(CID), "{}", r.stdout);
    // The run is not there yet, or still going.
    let r = client(&gh, &["result", CID]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("--wait"), "{}", r.stderr);
}

#[test]
fn result_by_correlation_id_with_wait_follows_the_run_to_its_report() {
    let gh = FakeGithub::start(scenario_with_artifact(healthy_run()));
    let r = dispatch(&gh, &["--no-wait"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // The run appears, runs, completes, and its report is printed.
    let r = client(&gh, &["result", CID, "--wait", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["report"]["correlation_id"], CID);
    assert_eq!(v["source"], "artifact");
    assert_well_behaved(&gh, &r);
}

/// A run dispatched with --no-wait that stays queued for as long as any test waits.
fn a_run_that_never_completes() -> FakeGithub {
    let gh = FakeGithub::start(Scenario {
        appear_after: 0,
        queued_polls: 100_000,
        ..scenario_with_artifact(healthy_run())
    });
    let r = dispatch(&gh, &["--no-wait"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    gh
}

#[test]
fn result_wait_gives_up_at_its_timeout_with_exit_3() {
    let gh = a_run_that_never_completes();
    let r = client(&gh, &["result", CID, "--wait", "--timeout", "5"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("--timeout"), "{}", r.stderr);
}

#[test]
fn result_of_a_correlation_id_that_no_run_carries_exits_3() {
    let gh = a_run_that_never_completes();
    let r = client(&gh, &["result", "11111111-2222-4333-8444-000000000000"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("no run of"), "{}", r.stderr);
}

// ---- only runs of the diagnosis ----------------------------------------------------------

#[test]
fn a_pull_requests_ci_run_with_a_report_in_its_artifact_is_refused() {
    // Titled by whoever opened it, named by its ID.
    let (_, r) = result_of(
        Scenario {
            run_path: Some(".github/workflows/ci.yml".into()),
            run_event: Some("pull_request".into()),
            title: Some("Fix typo".into()),
            artifact: forged_artifact(CID),
            ..Scenario::default()
        },
        Some(&RUN_ID.to_string()),
        &[],
    );
    assert_refused(
        &r,
        "is a run of .github/workflows/ci.yml, not of diagnose-dispatch.yml",
    );
}

#[test]
fn a_run_of_another_workflow_is_refused() {
    let (_, r) = result_of(
        Scenario {
            run_path: Some(".github/workflows/ci.yml".into()),
            artifact: forged_artifact(CID),
            ..Scenario::default()
        },
        None,
        &[],
    );
    assert_refused(&r, "not of diagnose-dispatch.yml (--workflow)");
}

#[test]
fn a_run_started_by_another_event_is_refused() {
    let (_, r) = result_of(
        Scenario {
            run_event: Some("pull_request".into()),
            artifact: forged_artifact(CID),
            ..Scenario::default()
        },
        None,
        &[],
    );
    assert_refused(
        &r,
        "was started by pull_request, not by repository_dispatch or workflow_dispatch",
    );
}

#[test]
fn a_run_whose_title_carries_no_correlation_id_is_refused() {
    // None at all, or one run into other text.
    for title in [
        "Fix typo".to_string(),
        format!("Fix typo — {CID}x by someone"),
    ] {
        let (_, r) = result_of(
            Scenario {
                title: Some(title),
                artifact: forged_artifact(CID),
                ..Scenario::default()
            },
            None,
            &[],
        );
        assert_refused(&r, "title carries no correlation ID");
    }
}

#[test]
fn a_diagnosis_run_whose_report_is_anothers_is_refused() {
    let (_, r) = result_of(
        Scenario {
            artifact: forged_artifact("00000000-0000-4000-8000-000000000000"),
            ..Scenario::default()
        },
        None,
        &[],
    );
    assert_refused(&r, "refusing to show another run's result");
}

#[test]
fn a_report_whose_correlation_id_is_not_a_uuid_is_refused_without_showing_it() {
    let (_, r) = result_of(
        Scenario {
            // Escape sequences, as JSON writes them.
            artifact: forged_artifact(r"\u001b]0;owned\u0007not-a-uuid"),
            ..Scenario::default()
        },
        None,
        &[],
    );
    assert_refused(&r, "carries a correlation ID that is not a UUID");
    assert!(
        !r.stderr.contains("owned") && !r.stderr.contains("not-a-uuid"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_run_url_on_another_host_than_the_apis_web_host_is_refused_before_any_request() {
    let gh = FakeGithub::start(Scenario::default());
    for url in [
        format!("https://github.com/acme/site/actions/runs/{RUN_ID}"),
        format!(
            "http://127.0.0.1:{}/acme/site/actions/runs/{RUN_ID}",
            gh.addr.port() + 1
        ),
    ] {
        let r = client(&gh, &["result", &url]);
        assert_refused(&r, "RUN_URL: the run URL is on ");
        assert!(
            r.stderr.contains("but the runs of --api-url"),
            "{}",
            r.stderr
        );
    }
    assert!(gh.requests().is_empty(), "asked GitHub anyway");
}

#[test]
fn a_run_url_of_another_repository_than_repo_is_refused() {
    let gh = run_of_the_original_workflow();
    let r = run(bin().env("GITHUB_TOKEN", TOKEN).args([
        "result",
        &run_url(&gh),
        "--repo",
        "acme/other",
        "--api-url",
        &gh.api_url(),
    ]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("the run URL is in acme/site"),
        "{}",
        r.stderr
    );
}
