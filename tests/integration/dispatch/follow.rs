//! Finding the run a dispatch started and waiting for it: the search with GitHub's
//! filters, the exact match on the correlation ID (decoys, runs of other workflows or
//! events), conditional polls, progress on stderr and on a terminal, and the timeouts
//! (queue, total, a run that never shows up, a rate limit past the deadline).

use crate::support::dispatch::{
    CID, assert_well_behaved, check_in_run, dispatch, healthy_run, reset_in, scenario_with_artifact,
};
use crate::support::github::{ArtifactKind, Canned, FakeGithub, RUN_ID, Scenario, TOKEN, zip_of};

// ---- finding the run ---------------------------------------------------------------------

#[test]
fn the_run_is_searched_with_githubs_filters_since_the_dispatch_less_the_clock_skew() {
    let gh = FakeGithub::start(scenario_with_artifact(healthy_run()));
    let r = dispatch(&gh, &["--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // This event, created since the dispatch (less the allowed clock skew of 120 s, by
    // GitHub's Date header), one page.
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
fn a_run_of_another_workflow_is_not_followed() {
    // A run of another workflow, found under this one's runs.
    let gh = FakeGithub::start(Scenario {
        run_path: Some(".github/workflows/ci.yml".into()),
        ..scenario_with_artifact(healthy_run())
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
}

#[test]
fn a_returned_run_whose_title_carries_another_correlation_id_is_not_followed() {
    // workflow_dispatch names the run; its title must carry our correlation ID.
    let gh = FakeGithub::start(Scenario {
        title_id: Some("11111111-2222-4333-8444-555555555555".into()),
        ..scenario_with_artifact(healthy_run())
    });
    let r = dispatch(&gh, &["--via", "workflow"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("carries correlation ID 11111111-2222-4333-8444-555555555555, not"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_returned_run_started_by_another_event_is_not_followed() {
    // Started by workflow_dispatch, the run must show that event.
    let gh = FakeGithub::start(Scenario {
        run_event: Some("repository_dispatch".into()),
        ..scenario_with_artifact(healthy_run())
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

// ---- waiting -----------------------------------------------------------------------------

#[test]
fn unchanged_polls_are_conditional_requests_that_cost_nothing() {
    let gh = FakeGithub::start(scenario_with_artifact(healthy_run()));
    let r = dispatch(&gh, &["--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
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
}

#[test]
fn off_a_terminal_progress_is_a_line_per_state_change_on_stderr() {
    let gh = FakeGithub::start(scenario_with_artifact(healthy_run()));
    let r = dispatch(&gh, &["--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for state in ["queued", "in_progress", "completed"] {
        assert!(
            r.stderr.contains(&format!("run {RUN_ID} {state}")),
            "{}",
            r.stderr
        );
    }
}

#[test]
fn on_a_terminal_progress_is_a_spinner_line() {
    // `script` runs the client on a pseudo-terminal (util-linux).
    let gh = FakeGithub::start(scenario_with_artifact(healthy_run()));
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

// ---- timeouts ----------------------------------------------------------------------------

#[test]
fn a_run_still_queued_at_the_queue_timeout_exits_3_and_can_be_cancelled() {
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
}

#[test]
fn a_run_still_in_progress_at_the_timeout_exits_3_and_is_left_running() {
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
}

#[test]
fn a_run_that_never_shows_up_exits_3_at_the_queue_timeout() {
    let gh = FakeGithub::start(Scenario {
        appear_after: 10_000,
        ..Scenario::default()
    });
    let r = dispatch(&gh, &["--queue-timeout", "20"]);
    assert_eq!(r.code, 3);
    assert!(r.stderr.contains("appeared within 20 s"), "{}", r.stderr);
    assert_well_behaved(&gh, &r);
}

#[test]
fn a_rate_limit_that_would_hold_the_next_poll_past_the_deadline_is_a_timeout() {
    // That is a timeout too (exit 3), not an API error.
    let gh = FakeGithub::start(Scenario {
        in_progress_polls: 10_000,
        ..Scenario::default()
    });
    let reset = reset_in(3600);
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
