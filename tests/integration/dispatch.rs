//! `remote-hands dispatch` and `result` against a stateful fake of the GitHub REST API on
//! 127.0.0.1, with a real report: each simulated run carries what `remote-hands check`
//! wrote against a loopback target (its JSON as the artifact, its output as the job log).

use std::sync::OnceLock;

use serde_json::Value;

use crate::support::github::{
    ArtifactKind, Canned, DispatchDetails, ELSEWHERE_REPO, FakeGithub, GHES_PREFIX, OLD_REPO,
    RUN_ID, Scenario, TOKEN, WEB_REPO, as_job_log, zip_of,
};
use crate::support::httpd::{Reply, Server};
use crate::support::{Run, bin, run};

const CID: &str = "8d7e2c4a-3b1f-4e5d-9a6c-0f1e2d3c4b5a";

/// What `check` left in a simulated run.
pub struct CheckOutput {
    json: String,
    stdout: String,
    /// stderr + stdout as a job log, with the report between the markers.
    log: String,
}

/// Runs `check` (as inside GitHub Actions) against a loopback API that is healthy or not.
fn check_in_run(healthy: bool) -> CheckOutput {
    let s = Server::start(move |path| match (path, healthy) {
        ("/health", false) => Reply::status(503, "down"),
        _ => Reply::ok("ok"),
    });
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("diagnose-summary.json");
    let r = run(bin()
        .env("GITHUB_ACTIONS", "true")
        .args(["check", "--api-base", &s.url(""), "--requester", "alice"])
        .args(["--correlation-id", CID, "--json"])
        .arg(&json));
    assert_eq!(r.code, if healthy { 0 } else { 1 }, "{}", r.stderr);
    CheckOutput {
        json: std::fs::read_to_string(&json).unwrap(),
        log: as_job_log(&format!("{}{}", r.stderr, r.stdout)),
        stdout: r.stdout,
    }
}

pub fn healthy_run() -> &'static CheckOutput {
    static ONCE: OnceLock<CheckOutput> = OnceLock::new();
    ONCE.get_or_init(|| check_in_run(true))
}

pub fn scenario_with_artifact(out: &CheckOutput) -> Scenario {
    Scenario {
        artifact: ArtifactKind::Zip(zip_of(&[("diagnose-summary.json", out.json.as_bytes())])),
        log: Some(out.log.clone()),
        ..Scenario::default()
    }
}

/// `remote-hands dispatch` (or `result`) against the fake, time scaled down 1000×.
fn client(gh: &FakeGithub, args: &[&str]) -> Run {
    client_of(gh, "acme/site", args)
}

fn client_of(gh: &FakeGithub, repo: &str, args: &[&str]) -> Run {
    client_at(&gh.api_url(), repo, args)
}

fn client_at(api_url: &str, repo: &str, args: &[&str]) -> Run {
    run(bin()
        .env("GITHUB_TOKEN", TOKEN)
        .env("REMOTE_HANDS_TIME_SCALE", "0.001")
        .args(args)
        .args(["--repo", repo, "--api-url", api_url]))
}

fn dispatch(gh: &FakeGithub, extra: &[&str]) -> Run {
    let mut args = vec!["dispatch", "--correlation-id", CID, "--requester", "alice"];
    args.extend_from_slice(extra);
    client(gh, &args)
}

/// Things every conversation with the fake must respect.
fn assert_well_behaved(gh: &FakeGithub, r: &Run) {
    for req in gh.requests() {
        assert!(
            req.header("user-agent")
                .is_some_and(|ua| ua.starts_with("remote-hands/")),
            "{req:?}"
        );
        assert_eq!(
            req.header("x-github-api-version"),
            Some("2022-11-28"),
            "{req:?}"
        );
    }
    for req in gh.blob_requests() {
        assert!(
            req.header("authorization").is_none(),
            "the token went to the download host"
        );
        assert_ne!(req.answered, 400);
    }
    assert!(
        !r.stdout.contains(TOKEN) && !r.stderr.contains(TOKEN),
        "the token was printed"
    );
    assert_requests_match_githubs_description(gh);
}

#[test]
fn dispatch_prints_the_report_check_wrote_in_each_format() {
    let out = healthy_run();
    let check_report: Value = serde_json::from_str(&out.json).unwrap();

    // JSON: the report, identical, plus the run.
    let gh = FakeGithub::start(scenario_with_artifact(out));
    let r = dispatch(&gh, &["--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["report"], check_report);
    assert_eq!(v["run"]["id"], RUN_ID);
    assert_eq!(v["source"], "artifact");
    assert_well_behaved(&gh, &r);
    // The run was searched for with GitHub's filters: this event, created since the
    // dispatch (less the allowed clock skew of 120 s, by GitHub's Date header), one page.
    let list = gh
        .requests()
        .into_iter()
        .find(|q| q.path.ends_with("/runs"))
        .expect("the runs were listed");
    let query: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(list.query.as_bytes())
            .into_owned()
            .collect();
    assert_eq!(query["event"], "repository_dispatch", "{}", list.query);
    assert_eq!(query["per_page"], "30", "{}", list.query);
    let since = query["created"]
        .strip_prefix(">=")
        .expect("created>=…")
        .to_string();
    let since = humantime::parse_rfc3339(&since).unwrap();
    let skew = std::time::SystemTime::now()
        .duration_since(since)
        .expect("the search starts before now");
    assert!(
        (115..=180).contains(&skew.as_secs()),
        "created>= is {} s before now",
        skew.as_secs()
    );
    // The run was polled with conditional requests; unchanged polls were free.
    assert!(
        gh.requests().iter().any(|q| q.answered == 304),
        "no 304 seen"
    );
    assert!(
        gh.counted() <= 8,
        "{} counted requests: {:#?}",
        gh.counted(),
        gh.requests()
            .iter()
            .map(|q| (&q.method, &q.path, q.answered))
            .collect::<Vec<_>>()
    );
    // Progress on stderr, a line per state change (not a terminal here).
    for state in ["queued", "in_progress", "completed"] {
        assert!(
            r.stderr.contains(&format!("run {RUN_ID} {state}")),
            "{}",
            r.stderr
        );
    }

    // Text: the same table `check` printed.
    let gh = FakeGithub::start(scenario_with_artifact(out));
    let r = dispatch(&gh, &["--format", "text"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.ends_with(&out.stdout),
        "{}\n---\n{}",
        r.stdout,
        out.stdout
    );
    assert!(
        r.stdout.starts_with(&format!(
            "run {RUN_ID} completed (success; report from the artifact)"
        )),
        "{}",
        r.stdout
    );

    // Discord: a message payload.
    let gh = FakeGithub::start(scenario_with_artifact(out));
    let r = dispatch(&gh, &["--format", "discord"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let msg: Value = serde_json::from_str(&r.stdout).unwrap();
    let content = msg["content"].as_str().unwrap();
    assert!(content.contains("🟢 `api_health`"), "{content}");
    assert!(content.contains("⏭️ `s3_read`"), "{content}");
    assert!(content.contains(CID), "{content}");
    assert!(
        content.contains(&format!("/actions/runs/{RUN_ID}")),
        "{content}"
    );
    assert!(content.chars().count() <= 2000);
    assert_eq!(msg["allowed_mentions"]["parse"], serde_json::json!([]));
    // Exactly the Discord rendering of the report `check` wrote, with the run's link.
    use remote_hands::report::Renderer;
    let report: remote_hands::model::Report = serde_json::from_str(&out.json).unwrap();
    let expected = remote_hands::report::Discord {
        run_url: Some(format!(
            "http://{}/acme/site/actions/runs/{RUN_ID}",
            gh.addr
        )),
    }
    .render(&report);
    assert_eq!(r.stdout, expected);
}

#[test]
fn a_failed_diagnosis_exits_1_with_its_report() {
    let out = check_in_run(false);
    let gh = FakeGithub::start(Scenario {
        conclusion: "failure",
        ..scenario_with_artifact(&out)
    });
    let r = dispatch(&gh, &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.contains("FAIL  api_health"), "{}", r.stdout);
    assert!(r.stdout.ends_with(&out.stdout));
    assert_well_behaved(&gh, &r);
}

#[test]
fn workflow_dispatch_uses_the_returned_run_and_falls_back_to_the_search() {
    let out = healthy_run();
    // Current GitHub: the run ID comes back; no search at all.
    let gh = FakeGithub::start(scenario_with_artifact(out));
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

    // 204: search by correlation ID.
    let gh = FakeGithub::start(Scenario {
        details: DispatchDetails::NoContent,
        ..scenario_with_artifact(out)
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

    // Older GitHub Enterprise Server: 422 on the unknown key, sent again without it.
    let gh = FakeGithub::start(Scenario {
        details: DispatchDetails::Unknown,
        ..scenario_with_artifact(out)
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

    // Other versions refuse it with a 400 that does not name the key.
    let gh = FakeGithub::start(Scenario {
        details: DispatchDetails::UnknownGeneric,
        ..scenario_with_artifact(out)
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

    // A request refused for another reason is refused again: that answer is reported.
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
fn a_renamed_repository_is_followed_on_githubs_own_host_only() {
    let out = healthy_run();
    let gh = FakeGithub::start(scenario_with_artifact(out));
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

    // A redirect to another host is not followed with the token.
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

    // GitHub Enterprise Server: the API under /api/v3. A rename within it is followed;
    // a redirect to the same host outside it (the web UI) is not.
    let gh = FakeGithub::start(scenario_with_artifact(out));
    let ghes = format!("{}{}/", gh.api_url().trim_end_matches('/'), GHES_PREFIX);
    let r = client_at(
        &ghes,
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
    let gh = FakeGithub::start(Scenario::default());
    let ghes = format!("{}{}/", gh.api_url().trim_end_matches('/'), GHES_PREFIX);
    let r = client_at(
        &ghes,
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
fn the_run_is_matched_exactly_and_its_report_verified() {
    // The fake lists a decoy whose title holds our ID with a suffix; the real run comes
    // later. A report for another correlation ID is never shown.
    let other = check_in_run(true);
    let wrong = other
        .json
        .replace(CID, "00000000-0000-4000-8000-000000000000");
    let gh = FakeGithub::start(Scenario {
        artifact: ArtifactKind::Zip(zip_of(&[("diagnose-summary.json", wrong.as_bytes())])),
        ..Scenario::default()
    });
    let r = dispatch(&gh, &[]);
    assert_eq!(r.code, 3, "{}", r.stdout);
    assert!(
        r.stderr.contains("refusing to show another run's result"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty());
}

#[test]
fn rate_limits_are_waited_out_and_permission_errors_named() {
    let out = healthy_run();
    let gh = FakeGithub::start(scenario_with_artifact(out));
    let reset = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 30)
        .to_string();
    gh.fault(
        "runs_list",
        vec![
            Canned::new(
                403,
                &[
                    ("x-ratelimit-remaining", "0"),
                    ("x-ratelimit-reset", &reset),
                ],
                r#"{"message":"API rate limit exceeded for user ID 1."}"#,
            ),
            Canned::new(
                429,
                &[("retry-after", "7")],
                r#"{"message":"Too many requests"}"#,
            ),
        ],
    );
    gh.fault(
        "run",
        vec![Canned::new(
            403,
            &[],
            r#"{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}"#,
        )],
    );
    let r = dispatch(&gh, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("GitHub's rate limit is used up; waiting 3"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("secondary rate limit was hit; waiting 7 s"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("secondary rate limit was hit; waiting 60 s"),
        "{}",
        r.stderr
    );
    assert_well_behaved(&gh, &r);

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

#[test]
fn api_errors_exit_2_with_one_line() {
    for (status, body, expect) in [
        (
            404,
            r#"{"message":"Not Found"}"#,
            "not found (404) in acme/site",
        ),
        (
            422,
            r#"{"message":"Validation Failed"}"#,
            "GitHub answered 422: Validation Failed",
        ),
        (
            401,
            r#"{"message":"Bad credentials"}"#,
            "GitHub rejected the token",
        ),
        (
            503,
            r#"{"message":"Service Unavailable"}"#,
            "GitHub answered 503 after 3 attempts",
        ),
    ] {
        let gh = FakeGithub::start(Scenario::default());
        gh.fault("dispatch", vec![Canned::new(status, &[], body); 3]);
        let r = dispatch(&gh, &[]);
        assert_eq!(r.code, 2, "{status}: {}", r.stderr);
        // Retries are announced; the error is one line, the last.
        let errors: Vec<&str> = r
            .stderr
            .lines()
            .filter(|l| l.starts_with("error:"))
            .collect();
        assert_eq!(errors.len(), 1, "{status}: {}", r.stderr.trim());
        assert!(r.stderr.trim_end().ends_with(errors[0]));
        assert!(errors[0].contains(expect), "{status}: {}", r.stderr);
        assert_well_behaved(&gh, &r);
    }
    // One 502 is retried and forgotten.
    let out = healthy_run();
    let gh = FakeGithub::start(scenario_with_artifact(out));
    gh.fault("run", vec![Canned::new(502, &[], "Bad Gateway")]);
    let r = dispatch(&gh, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn a_run_that_does_not_finish_in_time_exits_3_and_can_be_cancelled() {
    let gh = FakeGithub::start(Scenario {
        queued_polls: 10_000,
        ..Scenario::default()
    });
    let r = dispatch(&gh, &["--queue-timeout", "30", "--cancel-on-timeout"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("still queued after the queue timeout of 30 s"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("the run was cancelled"), "{}", r.stderr);
    assert!(gh.cancelled());
    assert_well_behaved(&gh, &r);

    let gh = FakeGithub::start(Scenario {
        in_progress_polls: 10_000,
        ..Scenario::default()
    });
    let r = dispatch(&gh, &["--timeout", "60"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr.contains("was still in_progress after"),
        "{}",
        r.stderr
    );
    assert!(!gh.cancelled(), "cancelled without --cancel-on-timeout");

    // The run never shows up.
    let gh = FakeGithub::start(Scenario {
        appear_after: 10_000,
        ..Scenario::default()
    });
    let r = dispatch(&gh, &["--queue-timeout", "20"]);
    assert_eq!(r.code, 3);
    assert!(r.stderr.contains("appeared within 20 s"), "{}", r.stderr);
    assert_well_behaved(&gh, &r);

    // The rate limit would hold the next poll past the deadline: that is a timeout
    // too (exit 3), not an API error.
    let gh = FakeGithub::start(Scenario {
        in_progress_polls: 10_000,
        ..Scenario::default()
    });
    let reset = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600)
        .to_string();
    gh.fault(
        "run",
        vec![Canned::new(
            403,
            &[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", &reset),
            ],
            r#"{"message":"API rate limit exceeded for user ID 1."}"#,
        )],
    );
    let r = dispatch(&gh, &["--timeout", "300"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("rate limit"), "{}", r.stderr);
    assert!(r.stderr.contains("after the deadline"), "{}", r.stderr);
    assert_well_behaved(&gh, &r);
}

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
        let r = dispatch(&gh, &["--format", "json"]);
        assert_eq!(r.code, 0, "{why}: {}", r.stderr);
        assert!(r.stderr.contains(why), "{why}: {}", r.stderr);
        let v: Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(v["source"], "log");
        assert_eq!(v["report"], check_report, "{why}");
        assert_well_behaved(&gh, &r);
    }

    // Neither artifact nor report block: the run ended without a report.
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

#[test]
fn result_reads_an_existing_run_including_reports_of_the_original_workflow() {
    // What the spec's shell workflow wrote: its keys only, no schema_version.
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
    // The run was dispatched earlier, by someone else.
    let r = dispatch(&gh, &["--no-wait"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains(CID));
    let url = format!("https://github.com/acme/site/actions/runs/{RUN_ID}");
    let r =
        run(bin()
            .env("GITHUB_TOKEN", TOKEN)
            .args(["result", &url, "--api-url", &gh.api_url()]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.contains("FAIL  api_health"), "{}", r.stdout);
    assert!(r.stdout.contains("pass  oidc"), "{}", r.stdout);

    // A URL of another repository than --repo is refused.
    let r = run(bin().env("GITHUB_TOKEN", TOKEN).args([
        "result",
        &url,
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

#[test]
fn the_discord_message_is_posted_to_the_webhook() {
    let out = healthy_run();
    let gh = FakeGithub::start(scenario_with_artifact(out));
    let hook = Server::start(|_| Reply::status(204, ""));
    let webhook = hook.url("/api/webhooks/1/secret-token");
    let r = dispatch(&gh, &["--format", "text", "--discord-webhook", &webhook]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        hook.requests(),
        vec!["/api/webhooks/1/secret-token".to_string()]
    );
    assert!(!r.stderr.contains("secret-token") && !r.stdout.contains("secret-token"));
    assert_well_behaved(&gh, &r);

    // A webhook that refuses: the report is still printed, the failure is one line
    // naming the webhook (not its secret path), exit 2.
    for status in [404, 429] {
        let gh = FakeGithub::start(scenario_with_artifact(out));
        let hook = Server::start(move |_| Reply::status(status, "{\"message\": \"no\"}"));
        let webhook = hook.url("/api/webhooks/1/secret-token");
        let r = dispatch(&gh, &["--format", "json", "--discord-webhook", &webhook]);
        assert_eq!(r.code, 2, "{}", r.stderr);
        let v: Value = serde_json::from_str(&r.stdout).expect("the report was printed");
        assert_eq!(v["report"]["correlation_id"], CID);
        let errors: Vec<&str> = r
            .stderr
            .lines()
            .filter(|l| l.starts_with("error:"))
            .collect();
        assert_eq!(errors.len(), 1, "{}", r.stderr);
        assert!(
            errors[0].contains("Discord webhook") && errors[0].contains(&status.to_string()),
            "{}",
            r.stderr
        );
        assert!(!r.stderr.contains("secret-token"), "{}", r.stderr);
    }
}

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
    // The token would travel in clear text to a remote host.
    let r = run(bin().env("GITHUB_TOKEN", TOKEN).args([
        "dispatch",
        "--repo",
        "acme/site",
        "--api-url",
        "http://github.example.com/api/v3",
    ]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("plain http"), "{}", r.stderr);
    assert!(gh.requests().is_empty());
}

// ---- GitHub's published REST description -------------------------------------------------

fn openapi() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let path = crate::support::root()
            .join("node_modules/@octokit/openapi/generated/api.github.com.json");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (scripts/setup.sh installs @octokit/openapi)",
                path.display()
            )
        });
        serde_json::from_str(&text).unwrap()
    })
}

/// Every request the client sent is an operation GitHub documents, and every body it sent
/// validates against that operation's request schema.
fn assert_requests_match_githubs_description(gh: &FakeGithub) {
    let doc = openapi();
    let paths = doc["paths"].as_object().unwrap();
    for req in gh.requests() {
        let segments: Vec<&str> = req.path.trim_start_matches('/').split('/').collect();
        let op = paths.iter().find_map(|(template, item)| {
            let t: Vec<&str> = template.trim_start_matches('/').split('/').collect();
            let matches = t.len() == segments.len()
                && t.iter()
                    .zip(&segments)
                    .all(|(a, b)| (a.starts_with('{') && a.ends_with('}')) || a == b);
            matches
                .then(|| item.get(req.method.to_ascii_lowercase()))
                .flatten()
        });
        let op = op.unwrap_or_else(|| {
            panic!(
                "{} {} is not in GitHub's REST description",
                req.method, req.path
            )
        });
        if req.body.is_empty() {
            continue;
        }
        let schema = &op["requestBody"]["content"]["application/json"]["schema"];
        assert!(
            schema.is_object(),
            "{} {} sends a body GitHub does not take",
            req.method,
            req.path
        );
        let body: Value = serde_json::from_slice(&req.body).expect("bodies are JSON");
        let validator = jsonschema::validator_for(schema).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&body)
            .map(|e| e.to_string())
            .collect();
        assert!(
            errors.is_empty(),
            "{} {}: {body} violates GitHub's schema: {errors:?}",
            req.method,
            req.path
        );
    }
}

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

#[test]
fn on_a_terminal_progress_is_a_spinner_line() {
    // `script` runs the client on a pseudo-terminal (util-linux).
    let out = healthy_run();
    let gh = FakeGithub::start(scenario_with_artifact(out));
    let bin = env!("CARGO_BIN_EXE_remote-hands");
    let command = format!(
        "{bin} dispatch --correlation-id {CID} --repo acme/site --api-url {}",
        gh.api_url()
    );
    let output = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap())
        .env("GITHUB_TOKEN", TOKEN)
        .env("REMOTE_HANDS_TIME_SCALE", "0.001")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("TERM", "xterm")
        .output()
        .expect("script (util-linux) runs");
    let tty = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{tty}");
    // The state is rewritten in place, with a spinner frame, not printed line by line.
    let spun = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
        .chars()
        .any(|f| tty.contains(&format!("\r\x1b[2K{f} run {RUN_ID} queued (")));
    assert!(spun, "{tty:?}");
    assert!(
        !tty.contains(&format!("remote-hands: run {RUN_ID} queued")),
        "{tty:?}"
    );
    assert!(
        tty.contains("\x1b[32mpass\x1b[0m"),
        "colored table on a terminal: {tty:?}"
    );
}
