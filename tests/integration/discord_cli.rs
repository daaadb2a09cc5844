//! `remote-hands discord register` against the fake Discord API on loopback: the bulk
//! overwrite (global, or one server's) with bodies that match Discord's schema, one line
//! per registered command, `--dry-run` sending nothing, and a refused token or a missing
//! setting as one line, exit 2, without the token.

use serde_json::Value;

use crate::support::discord::{
    APP_ID, BOT_TOKEN, FakeDiscord, GUILD_ID, Reply, assert_bodies_match_discords_schema,
};
use crate::support::{bin, run};

fn register(fake: &FakeDiscord, args: &[&str]) -> assert_cmd::Command {
    let mut cmd = bin();
    cmd.args(["discord", "register"])
        .args(args)
        .env("DISCORD_API_URL", fake.api_url())
        .env("DISCORD_APPLICATION_ID", APP_ID)
        .env("DISCORD_BOT_TOKEN", BOT_TOKEN);
    cmd
}

fn assert_no_token(text: &str) {
    assert!(!text.contains(BOT_TOKEN), "the token shows in: {text}");
    assert!(
        !text.contains("fake-bot"),
        "part of the token shows in: {text}"
    );
}

#[test]
fn register_replaces_the_global_commands_and_prints_each_one() {
    let fake = FakeDiscord::start();
    let r = run(&mut register(&fake, &[]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "/diagnose 1200000000000000000\n/verify-latest 1200000000000000001\n"
    );
    assert!(
        r.stderr.contains("2 commands registered globally"),
        "{}",
        r.stderr
    );
    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "PUT");
    assert_eq!(requests[0].path, format!("/applications/{APP_ID}/commands"));
    let bot = format!("Bot {BOT_TOKEN}");
    assert_eq!(requests[0].header("authorization"), Some(bot.as_str()));
    let names: Vec<Value> = requests[0]
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].clone())
        .collect();
    assert_eq!(names, ["diagnose", "verify-latest"]);
    assert_bodies_match_discords_schema(&fake);
    assert_no_token(&format!("{}{}", r.stdout, r.stderr));
}

#[test]
fn register_with_a_guild_replaces_that_server_s_commands() {
    let fake = FakeDiscord::start();
    let r = run(register(&fake, &["--guild", GUILD_ID])
        .env_remove("DISCORD_APPLICATION_ID")
        .args(["--application-id", APP_ID]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout.lines().count(), 2, "{}", r.stdout);
    assert!(
        r.stderr
            .contains(&format!("registered in server {GUILD_ID}")),
        "{}",
        r.stderr
    );
    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0].path,
        format!("/applications/{APP_ID}/guilds/{GUILD_ID}/commands")
    );
    assert_bodies_match_discords_schema(&fake);
}

#[test]
fn a_dry_run_prints_the_request_sends_nothing_and_needs_no_token() {
    let fake = FakeDiscord::start();
    let r =
        run(register(&fake, &["--dry-run", "--guild", GUILD_ID]).env_remove("DISCORD_BOT_TOKEN"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let (first, body) = r.stdout.split_once('\n').unwrap();
    assert_eq!(
        first,
        format!(
            "PUT {}/applications/{APP_ID}/guilds/{GUILD_ID}/commands",
            fake.api_url()
        )
    );
    let body: Value = serde_json::from_str(body).expect("the body is JSON");
    assert_eq!(body.as_array().unwrap().len(), 2);
    assert!(fake.requests().is_empty(), "a dry run sent a request");
    // With a token set, it is not shown either.
    let r = run(&mut register(&fake, &["--dry-run"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_no_token(&format!("{}{}", r.stdout, r.stderr));
    assert!(fake.requests().is_empty(), "a dry run sent a request");
}

#[test]
fn a_refused_token_is_one_line_exit_2_without_the_token() {
    let fake = FakeDiscord::start();
    let r = run(register(&fake, &[]).env("DISCORD_BOT_TOKEN", "MTIz.wrong-secret.token"));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert_eq!(r.stderr.trim_end().lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr
            .starts_with("error: registering the commands: Discord answered 401"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("DISCORD_BOT_TOKEN"), "{}", r.stderr);
    assert!(!r.stderr.contains("wrong-secret"), "{}", r.stderr);
    assert_eq!(fake.requests().len(), 1);
}

#[test]
fn discord_s_other_refusals_and_faults_are_one_line_exit_2() {
    let fake = FakeDiscord::start();
    let not_found = r#"{"message": "Unknown Application", "code": 10002}"#;
    fake.fault(
        "register",
        vec![Reply::new(
            404,
            &[("content-type", "application/json")],
            not_found,
        )],
    );
    let r = run(&mut register(&fake, &[]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(r.stderr.trim_end().lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("404") && r.stderr.contains("DISCORD_APPLICATION_ID"),
        "{}",
        r.stderr
    );
    assert_no_token(&r.stderr);
}

#[test]
fn missing_or_malformed_settings_are_one_line_exit_2_before_anything_is_sent() {
    let fake = FakeDiscord::start();
    let cases: Vec<(assert_cmd::Command, &str)> = vec![
        (
            {
                let mut c = register(&fake, &[]);
                c.env_remove("DISCORD_BOT_TOKEN");
                c
            },
            "error: DISCORD_BOT_TOKEN (environment): missing",
        ),
        (
            {
                let mut c = register(&fake, &[]);
                c.env("DISCORD_BOT_TOKEN", "Bot my-secret-token");
                c
            },
            "error: DISCORD_BOT_TOKEN (environment): expected the bot's token alone",
        ),
        (
            {
                let mut c = register(&fake, &[]);
                c.env_remove("DISCORD_APPLICATION_ID");
                c
            },
            "error: DISCORD_APPLICATION_ID (environment): missing",
        ),
        (
            {
                let mut c = register(&fake, &[]);
                c.env("DISCORD_APPLICATION_ID", "my-app");
                c
            },
            "error: DISCORD_APPLICATION_ID (environment): \"my-app\" is not a Discord ID",
        ),
        (
            register(&fake, &["--guild", "x"]),
            "error: --guild: \"x\" is not a Discord ID",
        ),
        (
            {
                let mut c = register(&fake, &[]);
                c.env("DISCORD_API_URL", "http://discord.example/api");
                c
            },
            "error: DISCORD_API_URL (environment): http://discord.example/api is plain http",
        ),
    ];
    for (mut cmd, start) in cases {
        let r = run(&mut cmd);
        assert_eq!(r.code, 2, "{start}: {}", r.stderr);
        assert!(r.stderr.starts_with(start), "{start}: {}", r.stderr);
        assert_eq!(r.stderr.trim_end().lines().count(), 1, "{}", r.stderr);
        assert!(!r.stderr.contains("my-secret-token"), "{}", r.stderr);
        assert_no_token(&r.stderr);
    }
    assert!(fake.requests().is_empty(), "a bad setting let a request go");
}

// ---- discord serve -------------------------------------------------------------------------

#[test]
fn serve_refuses_missing_settings_in_one_line_before_listening() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(bin().current_dir(dir.path()).args([
        "discord",
        "serve",
        "--repo",
        "acme/site",
        "--allow-everyone",
    ]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    assert!(r.stderr.contains("DISCORD_PUBLIC_KEY"), "{}", r.stderr);
}

#[tokio::test]
async fn serve_answers_a_signed_ping_and_stops_on_sigterm() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    use ed25519_dalek::{Signer, SigningKey};

    let key = SigningKey::from_bytes(&[7u8; 32]);
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    #[allow(deprecated)]
    let program = assert_cmd::cargo::cargo_bin("remote-hands");
    let mut child = std::process::Command::new(program)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .current_dir(dir.path())
        .env(
            "DISCORD_PUBLIC_KEY",
            hex::encode(key.verifying_key().to_bytes()),
        )
        .env("DISCORD_APPLICATION_ID", APP_ID)
        .env("GITHUB_TOKEN", "ghs_test")
        .args([
            "discord",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--repo",
            "acme/site",
        ])
        .args(["--allow-everyone", "--api-url", "http://127.0.0.1:9/"])
        .arg("--audit-log")
        .arg(&audit)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    let body =
        r#"{"type":1,"id":"1","application_id":"775799577604522054","token":"x","version":1}"#;
    let timestamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let signature = key.sign(&[timestamp.as_bytes(), body.as_bytes()].concat());
    let client = reqwest::Client::new();
    let answer = client
        .post(&url)
        .header("x-signature-ed25519", hex::encode(signature.to_bytes()))
        .header("x-signature-timestamp", &timestamp)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    let pong: Value = answer.json().await.unwrap();
    assert_eq!(pong, serde_json::json!({"type": 1}));
    let unsigned = client.post(&url).body(body).send().await.unwrap();
    assert_eq!(unsigned.status().as_u16(), 401);
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "a clean stop on SIGTERM");
}
