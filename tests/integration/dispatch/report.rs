//! What `dispatch` prints once the run completed: the report `check` wrote in the run,
//! unchanged, as JSON, as the text table or as a Discord message (and posted to a
//! webhook); the exit code of a failed diagnosis; outside text on stderr neutralised.

use serde_json::Value;

use crate::support::dispatch::{
    CID, assert_well_behaved, check_in_run, dispatch, healthy_run, run_url, scenario_with_artifact,
};
use crate::support::github::{ArtifactKind, FakeGithub, RUN_ID, Scenario, zip_of};
use crate::support::httpd::{Reply, Server};

// ---- the formats -------------------------------------------------------------------------

#[test]
fn json_format_prints_the_report_check_wrote_and_the_run() {
    let out = healthy_run();
    let check_report: Value = serde_json::from_str(&out.json).unwrap();
    let gh = FakeGithub::start(scenario_with_artifact(out));
    let r = dispatch(&gh, &["--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // The report, identical, plus the run.
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["report"], check_report);
    assert_eq!(v["run"]["id"], RUN_ID);
    assert_eq!(v["source"], "artifact");
    assert_well_behaved(&gh, &r);
}

#[test]
fn text_format_prints_the_table_check_printed_after_a_line_on_the_run() {
    let out = healthy_run();
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
}

#[test]
fn discord_format_is_the_discord_rendering_of_the_report_with_the_runs_link() {
    let out = healthy_run();
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
        run_url: Some(run_url(&gh)),
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

// ---- the Discord webhook -----------------------------------------------------------------

#[test]
fn the_discord_message_is_posted_to_the_webhook() {
    let gh = FakeGithub::start(scenario_with_artifact(healthy_run()));
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
}

#[test]
fn a_webhook_that_refuses_still_gets_the_report_printed_and_exits_2() {
    // The failure is one line naming the webhook (not its secret path).
    for status in [404, 429] {
        let gh = FakeGithub::start(scenario_with_artifact(healthy_run()));
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
