//! GitHub answering badly while a dispatch is followed: API errors (one line, exit 2),
//! what is retried and what is not, rate limits waited out, a 304 with nothing cached,
//! waits GitHub asks for that make no sense, and answers that trickle past the deadline.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::dispatch::{
    CID, assert_well_behaved, dispatch, healthy_run, reset_in, scenario_with_artifact,
};
use crate::support::github::{Canned, FakeGithub, Scenario, TOKEN, trickled};
use crate::support::{bin, run};

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
        // A read is retried (a write is not: see dispatch::start, at most one dispatch).
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
}

#[test]
fn one_502_is_retried_and_forgotten() {
    let gh = FakeGithub::start(scenario_with_artifact(healthy_run()));
    gh.fault("run", vec![Canned::new(502, &[], "Bad Gateway")]);
    let r = dispatch(&gh, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn rate_limits_are_waited_out() {
    let gh = FakeGithub::start(scenario_with_artifact(healthy_run()));
    let reset = reset_in(30);
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
}

#[test]
fn a_304_without_a_cached_answer_is_asked_again_once() {
    let gh = FakeGithub::start(scenario_with_artifact(healthy_run()));
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
}

#[test]
fn a_304_without_a_cached_answer_twice_is_an_error() {
    let gh = FakeGithub::start(scenario_with_artifact(healthy_run()));
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
}

#[test]
fn the_deadline_covers_an_answer_that_trickles() {
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
}

#[test]
fn an_artifact_download_that_trickles_is_given_up_for_the_job_log() {
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
