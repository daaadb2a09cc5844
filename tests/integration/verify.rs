//! The verification of the deploy library driven without the command line, as a chat
//! server or `verify-latest` drives it, against the fake GitHub API's deploy workflow:
//! the newest run succeeded, failed (its failed steps listed) or still running; a run
//! named by its page; a run of another workflow, a page on another host and a workflow
//! without runs refused with a clear error. The text and Discord views are snapshots
//! (the run's age filtered); every Discord payload validates against Discord's schema,
//! and is posted to a channel or a thread of the fake Discord API.

use std::time::Duration;

use clap::{CommandFactory, FromArgMatches};
use remote_hands::cli::{Cli, Command};
use remote_hands::config::{GithubConfig, ResultConfig, Vars};
use remote_hands::discord::api::{BotToken, DiscordApi};
use remote_hands::discord::post::{self, Destination};
use remote_hands::github::types::RunStatus;
use remote_hands::model::Report;
use remote_hands::remote::Remote;
use remote_hands::verify::{
    self, DeployWorkflow, RunTarget, Verdict, Verification, VerifyError, render,
};
use serde_json::{Value, json};
use url::Url;

use crate::support::discord::{
    BOT_TOKEN, CHANNEL_ID, FakeDiscord, assert_bodies_match_discords_schema,
    check_against_discords_schema,
};
use crate::support::github::deploy::{DeployRun, job, run, step};
use crate::support::github::{Canned, FakeGithub, RUN_ID, Scenario, TOKEN};

/// A thread in the channel.
const THREAD_ID: &str = "1310000000000000002";

/// The environment a chat server would run in: a token, time scaled down 100×.
fn env() -> Vars {
    Vars::from_iter([("GITHUB_TOKEN", TOKEN), ("REMOTE_HANDS_TIME_SCALE", "0.01")])
}

/// The validated GitHub configuration for the fake's acme/site.
fn config(gh: &FakeGithub) -> GithubConfig {
    let api = gh.api_url();
    let argv = ["remote-hands", "result", "1", "--repo", "acme/site"];
    let matches = Cli::command()
        .try_get_matches_from(argv.into_iter().chain(["--api-url", &api]))
        .unwrap();
    let Command::Result(args) = Cli::from_arg_matches(&matches).unwrap().command else {
        unreachable!("parsed as result")
    };
    let (_, sub) = matches.subcommand().unwrap();
    ResultConfig::from_args(&args, sub, &env()).unwrap().github
}

/// A fake GitHub whose deploy workflow has these runs (made with its address), newest
/// first, and a library client of it.
fn github(runs: impl FnOnce(&str) -> Vec<DeployRun>) -> (FakeGithub, Remote) {
    let gh = FakeGithub::start(Scenario::default());
    gh.set_deploy_runs(runs(&gh.web()));
    let remote = Remote::connect(&config(&gh), std::sync::Arc::new(|_| {})).unwrap();
    (gh, remote)
}

async fn verify(remote: &Remote, target: RunTarget) -> Result<Verification, VerifyError> {
    let deadline = remote.clock().deadline(Duration::from_secs(30));
    verify::verify(remote, &DeployWorkflow::default(), target, deadline).await
}

const T0: &str = "2026-11-25T05:00:00Z";

fn at(s: u32) -> String {
    format!("2026-11-25T05:{:02}:{:02}Z", s / 60, s % 60)
}

/// Steps from `start` seconds after 05:00, that took the given seconds one after the
/// other, all with `conclusion`.
fn steps(start: u32, names: &[(&str, u32)], conclusion: &str) -> Vec<Value> {
    let mut t = start;
    names
        .iter()
        .enumerate()
        .map(|(i, (name, secs))| {
            let (a, b) = (at(t), at(t + secs));
            t += secs;
            step(
                i as u32 + 1,
                name,
                "completed",
                Some(conclusion),
                Some(&a),
                Some(&b),
            )
        })
        .collect()
}

fn build_job(id: u64) -> Value {
    let s = steps(
        0,
        &[("Set up job", 2), ("Build", 55), ("Complete job", 5)],
        "success",
    );
    job(
        id,
        "build",
        "completed",
        Some("success"),
        T0,
        Some(&at(62)),
        s,
    )
}

/// The newest run succeeded.
fn succeeded(web: &str, id: u64) -> DeployRun {
    let deploy = steps(
        62,
        &[
            ("Set up job", 2),
            ("Upload to S3", 30),
            ("Invalidate CloudFront", 8),
        ],
        "success",
    );
    let s = (62, 102);
    DeployRun {
        run: run(web, id, "completed", Some("success")),
        jobs: vec![
            build_job(id * 10),
            job(
                id * 10 + 1,
                "deploy",
                "completed",
                Some("success"),
                &at(s.0),
                Some(&at(s.1)),
                deploy,
            ),
        ],
    }
}

/// The upload failed; what came after it was skipped.
fn failed(web: &str, id: u64) -> DeployRun {
    let mut deploy = steps(
        62,
        &[("Set up job", 2), ("Check out", 3), ("Configure AWS", 5)],
        "success",
    );
    deploy.push(step(
        4,
        "Upload to S3",
        "completed",
        Some("failure"),
        Some(&at(72)),
        Some(&at(110)),
    ));
    deploy.push(step(
        5,
        "Invalidate CloudFront",
        "completed",
        Some("skipped"),
        None,
        None,
    ));
    DeployRun {
        run: run(web, id, "completed", Some("failure")),
        jobs: vec![
            build_job(id * 10),
            job(
                id * 10 + 1,
                "deploy",
                "completed",
                Some("failure"),
                &at(62),
                Some(&at(112)),
                deploy,
            ),
        ],
    }
}

/// Building done, the upload going on, the invalidation queued.
fn running(web: &str, id: u64) -> DeployRun {
    let mut deploy = steps(62, &[("Set up job", 2)], "success");
    deploy.push(step(
        2,
        "Upload to S3",
        "in_progress",
        None,
        Some(&at(64)),
        None,
    ));
    deploy.push(step(3, "Invalidate CloudFront", "queued", None, None, None));
    let mut r = run(web, id, "in_progress", None);
    r["updated_at"] = json!(at(64));
    DeployRun {
        run: r,
        jobs: vec![
            build_job(id * 10),
            job(
                id * 10 + 1,
                "deploy",
                "in_progress",
                None,
                &at(62),
                None,
                deploy,
            ),
        ],
    }
}

/// What varies from one test run to the next: the fake's port, how long ago the run was.
fn filters() -> Vec<(&'static str, &'static str)> {
    vec![
        (r"127\.0\.0\.1:\d+", "[GITHUB]"),
        (r"\d+ (d|h|min|s)( \d+ (h|min|s))? ago", "[AGE] ago"),
    ]
}

/// The payload validates as a message created in a channel and as an edit of an
/// interaction's answer.
fn assert_valid_discord(payload: &Value) {
    let verdicts = check_against_discords_schema(&[
        ("MessageCreateRequestSchema", payload.clone()),
        ("IncomingWebhookUpdateRequestPartialSchema", payload.clone()),
    ]);
    for v in verdicts {
        assert_eq!(v, Ok(()), "{payload:#}");
    }
}

#[tokio::test]
async fn the_newest_run_succeeded() {
    let (gh, remote) = github(|web| vec![succeeded(web, 5002), failed(web, 5001)]);
    let v = verify(&remote, RunTarget::Latest).await.unwrap();
    assert_eq!(v.run.id, 5002);
    assert_eq!(v.verdict(), Verdict::Succeeded);
    assert_eq!(v.exit_code(), 0);
    assert!(v.failed_steps.is_empty());
    assert_eq!(v.jobs.len(), 2);
    assert_eq!(v.jobs[1].steps[1].duration, Some(Duration::from_secs(30)));
    assert_eq!(v.run.duration, Some(Duration::from_secs(125)));
    assert_eq!(v.run.commit.as_ref().unwrap().sha, "abc1234");
    // One page of one run: the newest, whatever its state.
    let lists = gh.requests_of("deploy_runs");
    assert_eq!(lists.len(), 1);
    assert_eq!(lists[0].query, "per_page=1");
    assert_eq!(gh.count("deploy_jobs"), 1);
    insta::with_settings!({ filters => filters() }, {
        insta::assert_snapshot!("succeeded_text", render::text(&v, false));
        insta::assert_snapshot!("succeeded_discord", render::discord_payload(&v));
    });
    assert_valid_discord(&serde_json::from_str(&render::discord_payload(&v)).unwrap());
}

#[tokio::test]
async fn the_newest_run_failed_and_its_failed_steps_are_listed() {
    let (_gh, remote) = github(|web| vec![failed(web, 5003), succeeded(web, 5002)]);
    let v = verify(&remote, RunTarget::Latest).await.unwrap();
    assert_eq!(v.run.id, 5003);
    assert_eq!(v.verdict(), Verdict::Failed);
    assert_eq!(v.exit_code(), 1);
    let failed: Vec<(&str, Option<&str>, Option<u32>)> = v
        .failed_steps
        .iter()
        .map(|f| (f.job.as_str(), f.step.as_deref(), f.number))
        .collect();
    assert_eq!(failed, [("deploy", Some("Upload to S3"), Some(4))]);
    let json: Value = serde_json::from_str(&render::json(&v)).unwrap();
    assert_eq!(json["verdict"], "failed");
    assert_eq!(json["exit_code"], 1);
    assert_eq!(json["failed_steps"][0]["step"], "Upload to S3");
    assert_eq!(json["jobs"][1]["steps"][3]["duration_s"], 38);
    assert_eq!(json["jobs"][1]["steps"][4]["duration_s"], Value::Null);
    insta::with_settings!({ filters => filters() }, {
        insta::assert_snapshot!("failed_text", render::text(&v, false));
        insta::assert_snapshot!("failed_discord", render::discord_payload(&v));
    });
    assert_valid_discord(&serde_json::from_str(&render::discord_payload(&v)).unwrap());
}

#[tokio::test]
async fn a_run_still_going_says_what_is_not_done_yet() {
    let (_gh, remote) = github(|web| vec![running(web, 5004), succeeded(web, 5002)]);
    let v = verify(&remote, RunTarget::Latest).await.unwrap();
    assert_eq!(v.verdict(), Verdict::Running);
    assert_eq!(v.exit_code(), 3);
    assert_eq!(v.run.status, RunStatus::InProgress);
    assert_eq!(v.run.conclusion, None);
    let deploy = &v.jobs[1];
    assert_eq!(deploy.status, RunStatus::InProgress);
    assert_eq!(deploy.steps[1].status, RunStatus::InProgress);
    // Running since 05:01:04 of a day gone by: measured until now, so long.
    assert!(deploy.steps[1].duration.unwrap() > Duration::from_secs(3600));
    assert_eq!(deploy.steps[2].duration, None);
    let text = render::text(&v, false);
    assert!(
        text.contains("\n    in_progress 2. Upload to S3 ("),
        "{text}"
    );
    assert!(
        text.contains("\n    queued      3. Invalidate CloudFront\n"),
        "{text}"
    );
    assert!(text.ends_with("\nverdict: running\n"), "{text}");
    let payload: Value = serde_json::from_str(&render::discord_payload(&v)).unwrap();
    let content = payload["content"].as_str().unwrap();
    assert!(
        content.starts_with("🔄 **Deploy running** (in_progress) · `client-deploy.yml` run 5004\n"),
        "{content}"
    );
    assert_eq!(
        payload["embeds"][0]["description"],
        "Still in_progress: 1 of 2 jobs done."
    );
    assert_valid_discord(&payload);
}

#[tokio::test]
async fn a_run_named_by_its_page_is_read_and_not_the_newest() {
    let (gh, remote) = github(|web| vec![succeeded(web, 5002), failed(web, 5001)]);
    let page = format!("http://{}/acme/site/actions/runs/5001/attempts/1", gh.web());
    let target = RunTarget::parse(&page, remote.web(), remote.github().repo()).unwrap();
    assert_eq!(target, RunTarget::Run(5001));
    let v = verify(&remote, target).await.unwrap();
    assert_eq!(v.run.id, 5001);
    assert_eq!(v.exit_code(), 1);
    assert_eq!(
        v.run.link,
        Some(format!("http://{}/acme/site/actions/runs/5001", gh.web()))
    );
    assert_eq!(gh.count("deploy_runs"), 0);
    assert_eq!(gh.count("deploy_run"), 1);
}

#[tokio::test]
async fn a_run_of_another_workflow_is_refused() {
    let (gh, remote) = github(|web| vec![succeeded(web, 5002)]);
    let e = verify(&remote, RunTarget::Run(RUN_ID)).await.unwrap_err();
    assert!(
        matches!(e, VerifyError::OtherWorkflow { run: RUN_ID, .. }),
        "{e}"
    );
    assert_eq!(
        e.to_string(),
        "run 4242 is a run of .github/workflows/diagnose-dispatch.yml, not of the deploy workflow client-deploy.yml; refusing to verify it"
    );
    assert_eq!(e.exit_code(), 2);
    // Its jobs were not read.
    assert_eq!(gh.count("jobs"), 0);
}

#[tokio::test]
async fn a_run_page_on_another_host_is_refused_before_asking_github() {
    let (gh, remote) = github(|web| vec![succeeded(web, 5002)]);
    for page in [
        "https://github.com/acme/site/actions/runs/5002".to_string(),
        format!(
            "http://127.0.0.2:{}/acme/site/actions/runs/5002",
            gh.addr.port()
        ),
    ] {
        let e = RunTarget::parse(&page, remote.web(), remote.github().repo()).unwrap_err();
        assert!(matches!(e, VerifyError::OtherHost { .. }), "{page}: {e}");
        assert!(
            e.to_string().ends_with(&format!(
                "but this GitHub's runs are on {0}; give the run ID, or a run URL on {0}",
                gh.web()
            )),
            "{e}"
        );
    }
    let e = RunTarget::parse(
        &format!("http://{}/other/site/actions/runs/5002", gh.web()),
        remote.web(),
        remote.github().repo(),
    )
    .unwrap_err();
    assert!(matches!(e, VerifyError::OtherRepo { .. }), "{e}");
    assert!(gh.requests().is_empty());
}

#[tokio::test]
async fn a_workflow_without_runs_is_a_clear_error() {
    let (gh, remote) = github(|_| vec![]);
    let e = verify(&remote, RunTarget::Latest).await.unwrap_err();
    assert!(matches!(e, VerifyError::NoRuns { .. }), "{e}");
    assert_eq!(
        e.to_string(),
        "workflow client-deploy.yml has no runs in acme/site yet: there is no deploy to verify"
    );
    assert_eq!(e.exit_code(), 2);
    // A workflow GitHub does not know.
    gh.fault(
        "deploy_runs",
        vec![Canned::new(
            404,
            &[("content-type", "application/json")],
            r#"{"message":"Not Found"}"#,
        )],
    );
    let e = verify(&remote, RunTarget::Latest).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "workflow client-deploy.yml not found in acme/site, or the token cannot see it"
    );
}

#[tokio::test]
async fn hostile_names_and_links_from_github_are_shown_defused() {
    let (gh, remote) = github(|web| {
        let mut r = failed(web, 5005);
        r.run["display_title"] = json!("@everyone \u{1b}[2J deploy");
        r.run["html_url"] = json!("https://evil.example/acme/site/actions/runs/5005");
        r.run["head_commit"]["message"] = json!("<@123> [click](https://evil.example)\u{202e}");
        r.jobs[1]["name"] = json!(format!("deploy\r\n\u{1b}]0;owned\u{7}{}", "x".repeat(500)));
        r.jobs[1]["steps"][3]["name"] = json!("@here **upload**");
        r.jobs[1]["steps"][3]["completed_at"] = json!("not a time");
        r.jobs[0]["completed_at"] = json!("2020-01-01T00:00:00Z");
        vec![r]
    });
    let v = verify(&remote, RunTarget::Latest).await.unwrap();
    // The page is not on this GitHub: not linked.
    assert_eq!(v.run.link, None);
    // Finished before it started: zero, not negative; an end that is no time: unknown.
    assert_eq!(v.jobs[0].duration, Some(Duration::ZERO));
    assert_eq!(v.jobs[1].steps[3].duration, None);
    let text = render::text(&v, false);
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "{text:?}"
    );
    assert!(!text.contains("evil.example/acme"), "{text}");
    assert!(text.lines().all(|l| l.chars().count() < 400), "{text}");
    let payload: Value = serde_json::from_str(&render::discord_payload(&v)).unwrap();
    let all = payload.to_string();
    for raw in [
        "@everyone",
        "@here",
        "<@123>",
        "**upload**",
        "[click](",
        "evil.example/acme",
    ] {
        assert!(!all.contains(raw), "{raw} in {all}");
    }
    assert_valid_discord(&payload);
    drop(gh);
}

/// The report the diagnose workflow posts.
fn report() -> Report {
    serde_json::from_value(json!({
        "correlation_id": "8d7e2c4a-3b1f-4e5d-9a6c-0f1e2d3c4b5a",
        "requester": "@everyone",
        "checks": {},
        "conclusion": "failure",
    }))
    .unwrap()
}

#[tokio::test]
async fn reports_are_posted_to_the_seeds_thread_or_channel() {
    let (_gh, remote) = github(|web| vec![failed(web, 5003)]);
    let v = verify(&remote, RunTarget::Latest).await.unwrap();
    let discord = FakeDiscord::start();
    let api = DiscordApi::new(
        Url::parse(&discord.api_url()).unwrap(),
        Some(BotToken::new(BOT_TOKEN).unwrap()),
    )
    .unwrap();
    let to_thread = post::destination(Some(CHANNEL_ID), Some(THREAD_ID))
        .unwrap()
        .unwrap();
    assert_eq!(
        to_thread,
        Destination {
            channel: THREAD_ID.parse().unwrap(),
            thread: true
        }
    );
    let to_channel = post::destination(Some(CHANNEL_ID), Some(""))
        .unwrap()
        .unwrap();
    post::post(&api, to_thread, &render::discord(&v))
        .await
        .unwrap();
    let run_page = "https://github.com/acme/site/actions/runs/4242";
    let message = post::report_message(&report(), Some(run_page));
    post::post(&api, to_channel, &message).await.unwrap();
    let requests = discord.requests();
    let paths: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            format!("/channels/{THREAD_ID}/messages"),
            format!("/channels/{CHANNEL_ID}/messages"),
        ]
    );
    assert!(
        requests
            .iter()
            .all(|r| r.header("authorization") == Some(&format!("Bot {BOT_TOKEN}")))
    );
    let report_body = requests[1].json();
    assert!(
        report_body["content"]
            .as_str()
            .unwrap()
            .contains("@\u{200b}everyone")
    );
    assert_eq!(
        report_body["components"][0]["components"][0]["url"],
        run_page
    );
    assert_eq!(
        requests[0].json()["embeds"][0]["title"],
        "Deploy failed — client-deploy.yml run 5003"
    );
    assert_bodies_match_discords_schema(&discord);
    // A seed whose IDs are not Discord IDs posts nowhere.
    let e = post::destination(Some(CHANNEL_ID), Some("../webhooks/1")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "thread_id: \"../webhooks/1\" is not a Discord ID (a decimal number of up to 20 digits)"
    );
}

// ---- the command line ----------------------------------------------------------------------

/// `remote-hands verify-latest` against a fake whose deploy workflow has `runs`.
fn verify_latest_cli(
    runs: impl FnOnce(&str) -> Vec<DeployRun>,
    args: &[&str],
) -> crate::support::Run {
    let gh = FakeGithub::start(Scenario::default());
    gh.set_deploy_runs(runs(&gh.web()));
    let mut all = vec!["verify-latest"];
    all.extend_from_slice(args);
    crate::support::dispatch::client(&gh, &all)
}

#[test]
fn the_command_exits_0_when_the_newest_run_succeeded() {
    let r = verify_latest_cli(|web| vec![succeeded(web, 5007)], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("Upload to S3"), "{}", r.stdout);
}

#[test]
fn the_command_exits_1_when_it_failed_and_3_while_it_runs() {
    let r = verify_latest_cli(|web| vec![failed(web, 5007)], &["--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let json: Value = serde_json::from_str(&r.stdout).expect("JSON on stdout");
    assert!(json.is_object(), "{json}");
    let r = verify_latest_cli(|web| vec![running(web, 5007)], &[]);
    assert_eq!(r.code, 3, "{}", r.stderr);
}

#[test]
fn the_command_exits_2_with_one_line_when_there_is_no_run() {
    let r = verify_latest_cli(|_| Vec::new(), &[]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    assert!(r.stderr.contains("client-deploy.yml"), "{}", r.stderr);
}
