//! Starting a diagnosis: what `remote-hands dispatch` sends (repository_dispatch, or
//! workflow_dispatch with its fallbacks for servers that do not return the run), that a
//! dispatch is sent at most once, where the token comes from and where it may go (renamed
//! repositories, GitHub Enterprise Server, plain http), and input refused before any
//! request.

use serde_json::Value;

use crate::support::dispatch::{
    CID, assert_well_behaved, client, client_at, client_of, dispatch, healthy_run, openapi,
    scenario_with_artifact,
};
use crate::support::github::{
    Canned, DispatchDetails, ELSEWHERE_REPO, FakeGithub, GHES_PREFIX, OLD_REPO, RUN_ID, Scenario,
    TOKEN, WEB_REPO, hang_up,
};
use crate::support::{bin, run};

// ---- workflow_dispatch ---------------------------------------------------------------------

#[test]
fn workflow_dispatch_follows_the_returned_run_without_a_search() {
    // Current GitHub: the run ID comes back; no search at all.
    let gh = FakeGithub::start(scenario_with_artifact(healthy_run()));
    let r = dispatch(&gh, &["--via", "workflow"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let reqs = gh.requests();
    assert!(
        !reqs
            .iter()
            .any(|q| q.path.ends_with("/runs") && q.method == "GET"),
        "searched anyway"
    );
    let sent = reqs
        .iter()
        .find(|q| q.path.ends_with("/dispatches"))
        .unwrap()
        .json();
    assert_eq!(sent["ref"], "main", "the default branch");
    assert_eq!(sent["return_run_details"], true);
    assert_eq!(sent["inputs"]["correlation_id"], CID);
    assert_well_behaved(&gh, &r);
}

#[test]
fn workflow_dispatch_answered_204_searches_for_the_run_by_correlation_id() {
    let gh = FakeGithub::start(Scenario {
        details: DispatchDetails::NoContent,
        ..scenario_with_artifact(healthy_run())
    });
    let r = dispatch(&gh, &["--via", "workflow", "--ref", "release"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let list = gh
        .requests()
        .into_iter()
        .find(|q| q.path.ends_with("/runs"))
        .unwrap();
    assert!(
        list.query.contains("event=workflow_dispatch"),
        "{}",
        list.query
    );
    assert!(list.query.contains("created=%3E%3D"), "{}", list.query);
}

#[test]
fn workflow_dispatch_refused_422_for_return_run_details_is_sent_again_without_it() {
    // Older GitHub Enterprise Server: 422 on the unknown key.
    let gh = FakeGithub::start(Scenario {
        details: DispatchDetails::Unknown,
        ..scenario_with_artifact(healthy_run())
    });
    let r = dispatch(&gh, &["--via", "workflow"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let sends: Vec<_> = gh
        .requests()
        .into_iter()
        .filter(|q| q.path.ends_with("/dispatches"))
        .collect();
    assert_eq!(sends.len(), 2);
    assert!(sends[1].json().get("return_run_details").is_none());
    assert_well_behaved(&gh, &r);
}

#[test]
fn workflow_dispatch_refused_400_without_naming_the_key_is_sent_again_without_it() {
    // Other versions refuse return_run_details with a 400 that does not name it.
    let gh = FakeGithub::start(Scenario {
        details: DispatchDetails::UnknownGeneric,
        ..scenario_with_artifact(healthy_run())
    });
    let r = dispatch(&gh, &["--via", "workflow"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let answers: Vec<u16> = gh
        .requests()
        .into_iter()
        .filter(|q| q.path.ends_with("/dispatches"))
        .map(|q| q.answered)
        .collect();
    assert_eq!(answers, vec![400, 204]);
    assert_well_behaved(&gh, &r);
}

#[test]
fn workflow_dispatch_refused_for_another_reason_reports_that_answer() {
    // Refused again without return_run_details: that answer is reported.
    let gh = FakeGithub::start(Scenario::default());
    gh.fault(
        "workflow_dispatch",
        vec![
            Canned::new(
                422,
                &[],
                r#"{"message":"Unexpected inputs provided: [\"x\"]"}"#
            );
            2
        ],
    );
    let r = dispatch(&gh, &["--via", "workflow"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("Unexpected inputs provided"),
        "{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains("does not return run details"),
        "{}",
        r.stderr
    );
}

#[test]
fn no_wait_prints_the_correlation_id_and_the_run_when_known() {
    let gh = FakeGithub::start(Scenario::default());
    let r = client(
        &gh,
        &[
            "dispatch",
            "--no-wait",
            "--via",
            "workflow",
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(uuid::Uuid::parse_str(v["correlation_id"].as_str().unwrap()).is_ok());
    assert_eq!(v["run_id"], RUN_ID);
    assert_eq!(
        gh.requests().len(),
        2,
        "the repository, the dispatch: nothing else"
    );
    assert_well_behaved(&gh, &r);
}

// ---- at most one dispatch ----------------------------------------------------------------

#[test]
fn a_dispatch_accepted_then_answered_with_an_error_is_followed_not_sent_again() {
    // GitHub accepted the event, then answered 502 (or the connection dropped before the
    // answer): the run appears, and is followed.
    for (via, kind, answer) in [
        (
            "repository",
            "dispatch",
            Canned::new(502, &[], "Bad Gateway"),
        ),
        ("repository", "dispatch", hang_up()),
        (
            "workflow",
            "workflow_dispatch",
            Canned::new(502, &[], "Bad Gateway"),
        ),
    ] {
        let gh = FakeGithub::start(scenario_with_artifact(healthy_run()));
        gh.fault_after_effect(kind, vec![answer]);
        let r = dispatch(&gh, &["--via", via, "--format", "json"]);
        assert_eq!(r.code, 0, "{kind}: {}", r.stderr);
        assert_eq!(gh.count(kind), 1, "{kind}: sent again");
        assert!(
            r.stderr.contains("GitHub may or may not have accepted it"),
            "{}",
            r.stderr
        );
        assert!(
            r.stderr
                .contains("GitHub had accepted the dispatch; carrying on"),
            "{}",
            r.stderr
        );
        let v: Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(v["report"]["correlation_id"], CID);
        assert_well_behaved(&gh, &r);
    }
}

#[test]
fn a_dispatch_refused_before_it_took_effect_is_not_sent_again_and_says_what_is_known() {
    // Refused with a 502 before it took effect: no run appears.
    let gh = FakeGithub::start(scenario_with_artifact(healthy_run()));
    gh.fault("dispatch", vec![Canned::new(502, &[], "Bad Gateway")]);
    let r = dispatch(&gh, &["--queue-timeout", "30"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(gh.count("dispatch"), 1, "sent again");
    let error = r.stderr.lines().last().unwrap();
    assert!(
        error.starts_with("error: sending the repository_dispatch event: GitHub answered 502"),
        "{}",
        r.stderr
    );
    assert!(
        error.contains(&format!(
            "no run for correlation ID {CID} appeared within 30 s, so the dispatch may or may not have been accepted; it was not sent again"
        )),
        "{}",
        r.stderr
    );
}

#[test]
fn a_permission_error_is_one_line_naming_the_permission_and_is_not_retried() {
    // A 403 that is about permissions: exit 2, one line, naming what is missing.
    let gh = FakeGithub::start(Scenario::default());
    gh.fault(
        "dispatch",
        vec![Canned::new(
            403,
            &[("x-accepted-github-permissions", "contents=write")],
            r#"{"message":"Resource not accessible by personal access token"}"#,
        )],
    );
    let r = dispatch(&gh, &[]);
    assert_eq!(r.code, 2);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("the token needs the permission contents=write"),
        "{}",
        r.stderr
    );
    assert_eq!(gh.requests().len(), 1, "a permission error is not retried");
}

// ---- where the requests go ---------------------------------------------------------------

#[test]
fn a_renamed_repository_is_followed_to_its_new_name() {
    let gh = FakeGithub::start(scenario_with_artifact(healthy_run()));
    let repo = format!("acme/{OLD_REPO}");
    let r = client_of(
        &gh,
        &repo,
        &["dispatch", "--correlation-id", CID, "--format", "json"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["report"]["correlation_id"], CID);
    let reqs = gh.requests();
    let moved: Vec<(String, u16)> = reqs
        .iter()
        .filter(|q| q.path.contains(OLD_REPO))
        .map(|q| (q.method.clone(), q.answered))
        .collect();
    assert!(moved.contains(&("POST".into(), 307)), "{moved:?}");
    assert!(moved.contains(&("GET".into(), 301)), "{moved:?}");
    // The event was sent once, to the new name, with its body.
    let sent: Vec<_> = reqs
        .iter()
        .filter(|q| q.method == "POST" && q.answered == 204)
        .collect();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].json()["client_payload"]["correlation_id"], CID);
    assert_well_behaved(&gh, &r);
}

#[test]
fn a_redirect_to_another_host_is_not_followed_with_the_token() {
    let gh = FakeGithub::start(Scenario::default());
    let repo = format!("acme/{ELSEWHERE_REPO}");
    let r = client_of(&gh, &repo, &["dispatch", "--correlation-id", CID]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("not following it with the token"),
        "{}",
        r.stderr
    );
    assert!(gh.blob_requests().is_empty(), "the other host was asked");
}

/// The fake's API as GitHub Enterprise Server serves it, under /api/v3.
fn ghes_url(gh: &FakeGithub) -> String {
    format!("{}{}/", gh.api_url().trim_end_matches('/'), GHES_PREFIX)
}

#[test]
fn on_github_enterprise_server_a_rename_is_followed_within_the_api_path() {
    let gh = FakeGithub::start(scenario_with_artifact(healthy_run()));
    let r = client_at(
        &ghes_url(&gh),
        &format!("acme/{OLD_REPO}"),
        &["dispatch", "--correlation-id", CID],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        gh.requests()
            .iter()
            .all(|q| q.path.starts_with(GHES_PREFIX)),
        "a request left the API path"
    );
}

#[test]
fn on_github_enterprise_server_a_redirect_outside_the_api_path_is_not_followed() {
    // A redirect to the same host outside the API (the web UI).
    let gh = FakeGithub::start(Scenario::default());
    let r = client_at(
        &ghes_url(&gh),
        &format!("acme/{WEB_REPO}"),
        &["dispatch", "--correlation-id", CID],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("outside the API URL"), "{}", r.stderr);
    assert!(
        gh.requests().iter().all(|q| !q.path.starts_with("/login")),
        "followed to the web UI"
    );
}

#[test]
fn the_token_is_not_sent_in_plain_http_to_a_remote_host() {
    let r = run(bin().env("GITHUB_TOKEN", TOKEN).args([
        "dispatch",
        "--repo",
        "acme/site",
        "--api-url",
        "http://github.example.com/api/v3",
    ]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("plain http"), "{}", r.stderr);
}

// ---- input refused before any request ----------------------------------------------------

#[test]
fn bad_dispatch_input_is_refused_before_any_request() {
    let gh = FakeGithub::start(Scenario::default());
    for (args, env_token, expect) in [
        (
            vec!["dispatch", "--correlation-id", "nope"],
            true,
            "error: --correlation-id: ",
        ),
        (
            vec!["dispatch", "--channel-id", "12a"],
            true,
            "error: --channel-id: ",
        ),
        (
            vec!["dispatch", "--frontend-url", "ftp://x"],
            true,
            "error: --frontend-url: ",
        ),
        (
            vec!["dispatch", "--timeout", "0"],
            true,
            "error: --timeout: ",
        ),
        (
            vec!["dispatch"],
            false,
            "error: GITHUB_TOKEN (environment): missing",
        ),
        (
            vec!["result", "https://github.com/acme"],
            true,
            "error: RUN_ID|RUN_URL: ",
        ),
    ] {
        let mut cmd = bin();
        if env_token {
            cmd.env("GITHUB_TOKEN", TOKEN);
        }
        let r = run(cmd
            .args(&args)
            .args(["--repo", "acme/site", "--api-url", &gh.api_url()]));
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.starts_with(expect), "{args:?}: {}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1);
    }
    assert!(gh.requests().is_empty());
}

#[test]
fn a_time_scale_below_its_floor_is_refused() {
    let gh = FakeGithub::start(Scenario::default());
    let r = run(bin()
        .env("GITHUB_TOKEN", TOKEN)
        .env("REMOTE_HANDS_TIME_SCALE", "0.0001")
        .args([
            "dispatch",
            "--repo",
            "acme/site",
            "--api-url",
            &gh.api_url(),
        ]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        r.stderr.trim_end(),
        r#"error: REMOTE_HANDS_TIME_SCALE (environment): "0.0001" is not a number from 0.001 to 1"#
    );
}

// ---- where the token comes from ----------------------------------------------------------

/// A `gh` that knows a login for the fake's host only, in a folder to put first on PATH;
/// returns the folder and that PATH.
fn github_cli_logged_in_to(gh: &FakeGithub) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let fake_gh = dir.path().join("gh");
    let host = gh.addr.ip().to_string();
    std::fs::write(
        &fake_gh,
        format!(
            "#!/bin/sh\n[ \"$1 $2 $3 $4\" = \"auth token --hostname {host}\" ] && echo {TOKEN} && exit 0\nexit 1\n"
        ),
    )
    .unwrap();
    let made = std::process::Command::new("chmod")
        .arg("+x")
        .arg(&fake_gh)
        .status()
        .unwrap();
    assert!(made.success());
    let path = format!(
        "{}:{}",
        dir.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    (dir, path)
}

#[test]
fn without_a_token_variable_the_github_cli_login_is_used() {
    let gh = FakeGithub::start(Scenario::default());
    let (_dir, path) = github_cli_logged_in_to(&gh);
    let r = run(bin()
        .env("PATH", &path)
        .env("REMOTE_HANDS_TIME_SCALE", "0.01")
        .args(["dispatch", "-v", "--no-wait", "--correlation-id", CID])
        .args(["--repo", "acme/site", "--api-url", &gh.api_url()]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("GitHub token from gh auth token"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains(TOKEN), "{}", r.stderr);
}

#[test]
fn a_token_variable_wins_over_the_github_cli_login_and_v_says_so() {
    let gh = FakeGithub::start(Scenario::default());
    let (_dir, path) = github_cli_logged_in_to(&gh);
    let r = run(bin().env("PATH", &path).env("GITHUB_TOKEN", TOKEN).args([
        "result",
        "-v",
        CID,
        "--repo",
        "acme/site",
        "--api-url",
        &gh.api_url(),
    ]));
    assert!(
        r.stderr.contains("GitHub token from GITHUB_TOKEN"),
        "{}",
        r.stderr
    );
}

#[test]
fn without_a_token_variable_or_a_github_cli_login_one_line_says_what_to_do() {
    let gh = FakeGithub::start(Scenario::default());
    let r = run(bin().args([
        "result",
        CID,
        "--repo",
        "acme/site",
        "--api-url",
        &gh.api_url(),
    ]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("gh auth login"), "{}", r.stderr);
}

// ---- GitHub's published REST description -------------------------------------------------

#[test]
fn the_description_check_catches_a_bad_body() {
    // The schema of repository_dispatch refuses more than 10 payload keys.
    let doc = openapi();
    let schema = &doc["paths"]["/repos/{owner}/{repo}/dispatches"]["post"]["requestBody"]["content"]
        ["application/json"]["schema"];
    let validator = jsonschema::validator_for(schema).unwrap();
    let keys: serde_json::Map<String, Value> =
        (0..11).map(|i| (format!("k{i}"), Value::from(i))).collect();
    let bad = serde_json::json!({"event_type": "diagnose.request", "client_payload": keys});
    assert!(!validator.is_valid(&bad));
    assert!(!validator.is_valid(&serde_json::json!({"client_payload": {}})));
}
