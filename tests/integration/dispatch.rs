//! `remote-hands dispatch` and `result` against a stateful fake of the GitHub REST API on
//! 127.0.0.1, with a real report: each simulated run carries what `remote-hands check`
//! wrote against a loopback target (its JSON as the artifact, its output as the job log).

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::github::{
    ArtifactKind, Canned, DispatchDetails, ELSEWHERE_REPO, FakeGithub, GHES_PREFIX, OLD_REPO,
    RUN_ID, Scenario, TOKEN, WEB_REPO, as_job_log, hang_up, trickled, zip_of,
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

/// `remote-hands dispatch` (or `result`) against the fake, time scaled down 100× (minutes
/// of waiting in seconds, with room to spare on a loaded machine).
fn client(gh: &FakeGithub, args: &[&str]) -> Run {
    client_of(gh, "acme/site", args)
}

fn client_of(gh: &FakeGithub, repo: &str, args: &[&str]) -> Run {
    client_at(&gh.api_url(), repo, args)
}

fn client_at(api_url: &str, repo: &str, args: &[&str]) -> Run {
    run(bin()
        .env("GITHUB_TOKEN", TOKEN)
        .env("REMOTE_HANDS_TIME_SCALE", "0.01")
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
        notes: vec![],
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
    for (kind, via, status, body, expect) in [
        (
            "dispatch",
            "repository",
            404,
            r#"{"message":"Not Found"}"#,
            "not found (404) in acme/site",
        ),
        (
            "dispatch",
            "repository",
            422,
            r#"{"message":"Validation Failed"}"#,
            "GitHub answered 422: Validation Failed",
        ),
        (
            "dispatch",
            "repository",
            401,
            r#"{"message":"Bad credentials"}"#,
            "GitHub rejected the token",
        ),
        // A read is retried (a write is not: see at_most_once_dispatch).
        (
            "repo",
            "workflow",
            503,
            r#"{"message":"Service Unavailable"}"#,
            "GitHub answered 503 after 3 attempts",
        ),
    ] {
        let gh = FakeGithub::start(Scenario::default());
        gh.fault(kind, vec![Canned::new(status, &[], body); 3]);
        let r = dispatch(&gh, &["--via", via]);
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
        // Listed at once: the 30-s queue timeout is 30 ms of real time.
        appear_after: 0,
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
    // The run's page, as the API names it (on the fake's own host).
    let url = format!("http://{}/acme/site/actions/runs/{RUN_ID}", gh.addr);
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

// ---- what `result` and `dispatch` accept --------------------------------------------------

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
    let url = format!("http://{}/acme/site/actions/runs/{RUN_ID}", gh.addr);
    let mut args = vec!["result", run_arg.unwrap_or(&url)];
    args.extend_from_slice(extra);
    let r = client(&gh, &args);
    (gh, r)
}

/// Exit 2, one line on stderr containing `expect`, nothing on stdout.
fn assert_refused(r: &Run, expect: &str) {
    assert_eq!(r.code, 2, "{expect}: {}\n{}", r.stderr, r.stdout);
    assert!(r.stdout.is_empty(), "{expect}: printed {}", r.stdout);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(r.stderr.starts_with("error: "), "{}", r.stderr);
    assert!(r.stderr.contains(expect), "{expect}: {}", r.stderr);
}

fn forged_artifact(cid: &str) -> ArtifactKind {
    let forged = healthy_run().json.replace(CID, cid);
    ArtifactKind::Zip(zip_of(&[("diagnose-summary.json", forged.as_bytes())]))
}

#[test]
fn result_reads_only_runs_of_the_diagnosis() {
    // A pull request's CI run, titled by whoever opened it, whose artifact holds a report.
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

    // Each rule on its own.
    for (scenario, expect) in [
        (
            Scenario {
                run_path: Some(".github/workflows/ci.yml".into()),
                ..Scenario::default()
            },
            "not of diagnose-dispatch.yml (--workflow)",
        ),
        (
            Scenario {
                run_event: Some("pull_request".into()),
                ..Scenario::default()
            },
            "was started by pull_request, not by repository_dispatch or workflow_dispatch",
        ),
        (
            Scenario {
                title: Some("Fix typo".into()),
                ..Scenario::default()
            },
            "title carries no correlation ID",
        ),
        (
            Scenario {
                title: Some(format!("Fix typo — {CID}x by someone")),
                ..Scenario::default()
            },
            "title carries no correlation ID",
        ),
        // The run is a diagnosis run, but its report is another's.
        (
            Scenario {
                artifact: forged_artifact("00000000-0000-4000-8000-000000000000"),
                ..Scenario::default()
            },
            "refusing to show another run's result",
        ),
    ] {
        let scenario = Scenario {
            artifact: match scenario.artifact {
                ArtifactKind::Missing => forged_artifact(CID),
                a => a,
            },
            ..scenario
        };
        let (_, r) = result_of(scenario, None, &[]);
        assert_refused(&r, expect);
    }

    // A report whose correlation ID is not a UUID is refused without showing it.
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

    // A run URL on another host than the API's web host is refused before any request.
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

    // What passes all the rules is shown, as before.
    let (_, r) = result_of(scenario_with_artifact(healthy_run()), None, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("report from the artifact"),
        "{}",
        r.stdout
    );
}

#[test]
fn dispatch_follows_only_the_run_it_started() {
    let out = healthy_run();
    // A run of another workflow, found under this one's runs.
    let gh = FakeGithub::start(Scenario {
        run_path: Some(".github/workflows/ci.yml".into()),
        ..scenario_with_artifact(out)
    });
    let r = dispatch(&gh, &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("is a run of .github/workflows/ci.yml, not of diagnose-dispatch.yml"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty());

    // workflow_dispatch names the run; its title must carry our correlation ID.
    let gh = FakeGithub::start(Scenario {
        title_id: Some("11111111-2222-4333-8444-555555555555".into()),
        ..scenario_with_artifact(out)
    });
    let r = dispatch(&gh, &["--via", "workflow"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("carries correlation ID 11111111-2222-4333-8444-555555555555, not"),
        "{}",
        r.stderr
    );

    // Started by workflow_dispatch, the run must show that event.
    let gh = FakeGithub::start(Scenario {
        run_event: Some("repository_dispatch".into()),
        ..scenario_with_artifact(out)
    });
    let r = dispatch(&gh, &["--via", "workflow"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("was started by repository_dispatch, not by workflow_dispatch"),
        "{}",
        r.stderr
    );
}

// ---- the job log ---------------------------------------------------------------------------

/// What the runner logs for the request-validation step when the dispatch's
/// frontend_url carries `injected` (lines after the first of a multi-line value are
/// printed verbatim, without a timestamp), and the step then fails.
fn validation_log(injected: &[String]) -> String {
    let stamp = "2026-11-25T05:00:00.1000000Z ";
    let mut log = String::from("\u{feff}");
    for l in [
        "##[group]Run uuid='^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'",
        "shell: /usr/bin/bash -e {0}",
        "env:",
        &format!("  CORRELATION_ID: {CID}"),
        "  REQUESTER: mallory",
        "  FRONTEND_URL_OVERRIDE: https://x.example",
    ] {
        log.push_str(&format!("{stamp}{l}\n"));
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
        log.push_str(&format!("{stamp}{l}\n"));
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

fn forged_json() -> String {
    let v: Value = serde_json::from_str(&healthy_run().json).unwrap();
    assert_eq!(v["conclusion"], "success");
    serde_json::to_string(&v).unwrap()
}

#[test]
fn a_report_forged_into_the_job_log_is_refused() {
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

    // With timestamps forged too, beside the tool's own block: two blocks, none read.
    let mut log = validation_log(&forged_block(
        &forged_json(),
        "2026-11-25T05:00:00.1000000Z ",
    ));
    log.push_str(&healthy_run().log);
    let gh = FakeGithub::start(Scenario {
        log: Some(log),
        ..Scenario::default()
    });
    let r = dispatch(&gh, &[]);
    assert_eq!(r.code, 3, "{}\n{}", r.stderr, r.stdout);
    assert!(r.stderr.contains("holds 2 report blocks"), "{}", r.stderr);
}

#[test]
fn a_report_from_the_job_log_says_so_and_a_contradicting_run_is_flagged() {
    // The forged block cannot be told from the tool's (timestamps forged too, the tool's
    // own never written), but the run failed while the report says success.
    let scenario = || Scenario {
        conclusion: "failure",
        log: Some(validation_log(&forged_block(
            &forged_json(),
            "2026-11-25T05:00:00.1000000Z ",
        ))),
        ..Scenario::default()
    };
    let gh = FakeGithub::start(scenario());
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

    let gh = FakeGithub::start(scenario());
    let r = dispatch(&gh, &["--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["source"], "log");
    assert_eq!(v["consistent"], false);
    let warnings = v["warnings"].to_string();
    assert!(warnings.contains("from the job log"), "{warnings}");
    assert!(warnings.contains("the run concluded failure"), "{warnings}");

    let gh = FakeGithub::start(scenario());
    let r = dispatch(&gh, &["--format", "discord"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let msg: Value = serde_json::from_str(&r.stdout).unwrap();
    let content = msg["content"].as_str().unwrap();
    assert!(content.contains("from the job log"), "{content}");
    assert!(content.contains("the run concluded failure"), "{content}");

    // The other way round: the run succeeded, its report says failure.
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

    // The tool's own block, with the run's conclusion agreeing: no warning but the source.
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

// ---- what reaches the terminal -----------------------------------------------------------

#[test]
fn outside_text_on_stderr_is_neutralised_and_bounded() {
    // An artifact of 2,000 members with escape sequences in their names, none the report.
    let names: Vec<String> = (0..2000)
        .map(|i| format!("\u{1b}]0;owned\u{7}\u{1b}[2J\u{202e}{i}"))
        .collect();
    let members: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b""[..])).collect();
    let gh = FakeGithub::start(Scenario {
        artifact: ArtifactKind::Zip(zip_of(&members)),
        log: Some(healthy_run().log.clone()),
        ..Scenario::default()
    });
    let r = dispatch(&gh, &["--timeout", "3600"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        !r.stderr.contains('\u{1b}') && !r.stderr.contains('\u{7}'),
        "{:?}",
        r.stderr
    );
    assert!(r.stderr.contains("and 1990 more"), "{}", r.stderr);
    assert!(r.stderr.len() < 4000, "{} bytes on stderr", r.stderr.len());
}

// ---- limits ------------------------------------------------------------------------------

#[test]
fn an_absurd_wait_asked_by_github_is_a_timeout_not_a_crash() {
    // Real time (no time scale): the wait is clamped, and past the deadline at once.
    let gh = FakeGithub::start(Scenario::default());
    gh.fault(
        "runs_list",
        vec![Canned::new(
            429,
            &[("retry-after", "18446744073709551615")],
            r#"{"message":"Too many requests"}"#,
        )],
    );
    let r = run(bin()
        .env("GITHUB_TOKEN", TOKEN)
        .args(["dispatch", "--correlation-id", CID])
        .args(["--repo", "acme/site", "--api-url", &gh.api_url()]));
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr.contains("next try would be in 3600 s"),
        "{}",
        r.stderr
    );

    // The time scale has a floor.
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

#[test]
fn the_deadline_covers_answers_that_trickle() {
    // The run's JSON arrives a byte every 20 ms (40 s in all); --timeout is 600 s,
    // 0.6 s of real time.
    let gh = FakeGithub::start(Scenario::default());
    gh.fault(
        "run",
        vec![trickled(Canned::new(200, &[], &" ".repeat(2000)), 20)],
    );
    let began = Instant::now();
    let r = dispatch(&gh, &[]);
    let took = began.elapsed();
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("--timeout"), "{}", r.stderr);
    assert!(took < Duration::from_secs(20), "took {took:?}");

    // The download of the artifact trickles: the report comes from the job log instead.
    let gh = FakeGithub::start(scenario_with_artifact(healthy_run()));
    gh.fault(
        "blob_artifact",
        vec![trickled(Canned::new(200, &[], &" ".repeat(2000)), 20)],
    );
    let began = Instant::now();
    let r = dispatch(&gh, &["--format", "json"]);
    let took = began.elapsed();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("downloading artifact diagnose-summary: gave up after"),
        "{}",
        r.stderr
    );
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["source"], "log");
    assert!(took < Duration::from_secs(20), "took {took:?}");
}

#[test]
fn a_304_without_a_cached_answer_is_asked_again_once() {
    let out = healthy_run();
    let gh = FakeGithub::start(scenario_with_artifact(out));
    gh.fault("run", vec![Canned::new(304, &[], "")]);
    let r = dispatch(&gh, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "GitHub answered 304 Not Modified to a request that had no cached answer; asking once more"
        ),
        "{}",
        r.stderr
    );
    let gh = FakeGithub::start(scenario_with_artifact(out));
    gh.fault("run", vec![Canned::new(304, &[], ""); 2]);
    let r = dispatch(&gh, &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let error = r.stderr.lines().last().unwrap();
    assert!(
        error.contains(
            "GitHub answered 304 Not Modified to a request that had no cached answer, twice"
        ),
        "{}",
        r.stderr
    );
}

// ---- at most one dispatch ----------------------------------------------------------------

#[test]
fn a_dispatch_is_sent_at_most_once() {
    let out = healthy_run();
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
        let gh = FakeGithub::start(scenario_with_artifact(out));
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

    // Refused with a 502 before it took effect: no run appears. It is not sent again, and
    // the message says what is known.
    let gh = FakeGithub::start(scenario_with_artifact(out));
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

#[test]
fn no_wait_then_result_by_correlation_id_with_wait_prints_the_report() {
    let out = healthy_run();
    let gh = FakeGithub::start(scenario_with_artifact(out));
    let r = dispatch(&gh, &["--no-wait"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains(CID), "{}", r.stdout);

    // Not waiting: the run is not there yet, or still going; it says how to wait.
    let r = client(&gh, &["result", CID]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("--wait"), "{}", r.stderr);

    // Waiting: the run appears, runs, completes, and its report is printed.
    let r = client(&gh, &["result", CID, "--wait", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["report"]["correlation_id"], CID);
    assert_eq!(v["source"], "artifact");
    assert_well_behaved(&gh, &r);
}

#[test]
fn result_wait_gives_up_at_its_timeout_with_exit_3() {
    // The run never completes within the wait: many polls queued.
    let gh = FakeGithub::start(Scenario {
        appear_after: 0,
        queued_polls: 100_000,
        ..scenario_with_artifact(healthy_run())
    });
    let r = dispatch(&gh, &["--no-wait"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = client(&gh, &["result", CID, "--wait", "--timeout", "5"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("--timeout"), "{}", r.stderr);
    // A correlation ID that no run carries.
    let r = client(&gh, &["result", "11111111-2222-4333-8444-000000000000"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("no run of"), "{}", r.stderr);
}

#[test]
fn without_a_token_variable_the_github_cli_login_is_used() {
    let gh = FakeGithub::start(Scenario::default());
    // A `gh` that knows a login for the fake's host only.
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

    // A token in the environment wins, and -v says so.
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

    // No variable and no gh login: one line saying what to do.
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
