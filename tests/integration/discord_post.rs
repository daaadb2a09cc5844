//! `remote-hands discord post` against the fake Discord API on loopback: a real report
//! (what `check` wrote) posted to the channel, or to the thread when one is given, with a
//! body that matches Discord's schema; nothing sent when neither is given; a bad report,
//! a malformed ID or run URL, and a refused token as one line, exit 2, without the token.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::discord::{
    BOT_TOKEN, CHANNEL_ID, FakeDiscord, MESSAGE_ID, assert_bodies_match_discords_schema,
};
use crate::support::dispatch::{CID, healthy_run};
use crate::support::{Run, bin, run};

const THREAD_ID: &str = "1310000000000000007";
const RUN_URL: &str = "https://github.com/acme/site/actions/runs/123456789";

/// The healthy report, written to a file in `dir`.
fn report_file(dir: &Path) -> PathBuf {
    let path = dir.join("diagnose-summary.json");
    std::fs::write(&path, &healthy_run().json).unwrap();
    path
}

fn post(fake: &FakeDiscord, report: &Path, args: &[&str]) -> Run {
    run(bin()
        .args(["discord", "post", "--report"])
        .arg(report)
        .args(args)
        .env("DISCORD_API_URL", fake.api_url())
        .env("DISCORD_BOT_TOKEN", BOT_TOKEN))
}

fn assert_no_token(r: &Run) {
    let all = format!("{}{}", r.stdout, r.stderr);
    assert!(!all.contains(BOT_TOKEN), "the token shows in: {all}");
    assert!(
        !all.contains("fake-bot"),
        "part of the token shows in: {all}"
    );
}

/// The one message the fake received: its path and its body.
fn the_one_message(fake: &FakeDiscord) -> (String, Value) {
    let requests = fake.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0].method, "POST");
    let bot = format!("Bot {BOT_TOKEN}");
    assert_eq!(requests[0].header("authorization"), Some(bot.as_str()));
    assert_bodies_match_discords_schema(fake);
    (requests[0].path.clone(), requests[0].json())
}

#[test]
fn post_sends_the_report_to_the_channel_with_a_link_to_the_run() {
    let fake = FakeDiscord::start();
    let dir = tempfile::tempdir().unwrap();
    let r = post(
        &fake,
        &report_file(dir.path()),
        &["--channel-id", CHANNEL_ID, "--run-url", RUN_URL],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "report posted to channel {CHANNEL_ID} (message {MESSAGE_ID})"
        )),
        "{}",
        r.stderr
    );
    let (path, body) = the_one_message(&fake);
    assert_eq!(path, format!("/channels/{CHANNEL_ID}/messages"));
    let text = body.to_string();
    assert!(text.contains(CID), "{text}");
    assert!(text.contains(RUN_URL), "{text}");
    assert_eq!(body["allowed_mentions"]["parse"], serde_json::json!([]));
    assert_no_token(&r);
}

#[test]
fn post_sends_to_the_thread_when_one_is_given_whatever_the_channel() {
    let fake = FakeDiscord::start();
    let dir = tempfile::tempdir().unwrap();
    let r = post(
        &fake,
        &report_file(dir.path()),
        &["--channel-id", CHANNEL_ID, "--thread-id", THREAD_ID],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains(&format!("report posted to thread {THREAD_ID}")),
        "{}",
        r.stderr
    );
    let (path, body) = the_one_message(&fake);
    assert_eq!(path, format!("/channels/{THREAD_ID}/messages"));
    assert!(body.to_string().contains(CID), "{body}");
}

#[test]
fn post_with_neither_channel_nor_thread_sends_nothing_and_succeeds_without_a_token() {
    let fake = FakeDiscord::start();
    let dir = tempfile::tempdir().unwrap();
    let report = report_file(dir.path());
    for args in [&[][..], &["--channel-id=", "--thread-id= "][..]] {
        let r = run(bin()
            .args(["discord", "post", "--report"])
            .arg(&report)
            .args(args)
            .env("DISCORD_API_URL", fake.api_url())
            .env_remove("DISCORD_BOT_TOKEN"));
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains("nothing is posted"), "{}", r.stderr);
    }
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
}

#[test]
fn bad_input_is_one_line_exit_2_and_sends_nothing() {
    let fake = FakeDiscord::start();
    let dir = tempfile::tempdir().unwrap();
    let good = report_file(dir.path());
    let not_json = dir.path().join("not-json.json");
    std::fs::write(&not_json, "<html>").unwrap();
    let not_a_report = dir.path().join("other.json");
    std::fs::write(&not_a_report, r#"{"hello": "world"}"#).unwrap();
    let missing = dir.path().join("missing.json");
    for (report, args, names) in [
        (&missing, vec!["--channel-id", CHANNEL_ID], "--report"),
        (&not_json, vec!["--channel-id", CHANNEL_ID], "--report"),
        (&not_a_report, vec!["--channel-id", CHANNEL_ID], "--report"),
        (&good, vec!["--channel-id", "general"], "--channel-id"),
        (
            &good,
            vec!["--thread-id", "1/../../webhooks"],
            "--thread-id",
        ),
        (
            &good,
            vec![
                "--channel-id",
                CHANNEL_ID,
                "--run-url",
                "javascript:alert(1)",
            ],
            "--run-url",
        ),
    ] {
        let r = post(&fake, report, &args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert_eq!(r.stderr.trim_end().lines().count(), 1, "{}", r.stderr);
        assert!(
            r.stderr.starts_with(&format!("error: {names}")),
            "{}",
            r.stderr
        );
        assert_no_token(&r);
    }
    let r = run(bin()
        .args(["discord", "post", "--report"])
        .arg(&good)
        .args(["--channel-id", CHANNEL_ID])
        .env("DISCORD_API_URL", fake.api_url())
        .env_remove("DISCORD_BOT_TOKEN"));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.starts_with("error: DISCORD_BOT_TOKEN"),
        "{}",
        r.stderr
    );
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
}

#[test]
fn a_refused_token_is_one_line_exit_2_without_the_token() {
    let fake = FakeDiscord::start();
    let dir = tempfile::tempdir().unwrap();
    let r = run(bin()
        .args(["discord", "post", "--report"])
        .arg(report_file(dir.path()))
        .args(["--channel-id", CHANNEL_ID])
        .env("DISCORD_API_URL", fake.api_url())
        .env("DISCORD_BOT_TOKEN", "MTIz.wrong-secret.token"));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert_eq!(r.stderr.trim_end().lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr.starts_with(&format!(
            "error: the report is not posted to channel {CHANNEL_ID}: posting the message to the channel: Discord answered 401"
        )),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("DISCORD_BOT_TOKEN"), "{}", r.stderr);
    assert!(!r.stderr.contains("wrong-secret"), "{}", r.stderr);
    assert_eq!(fake.requests().len(), 1);
}
