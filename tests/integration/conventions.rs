//! The conventions of a command-line tool: shell completions, `--help` examples that are
//! true, and `-v`/`-vv`/`RUST_LOG` diagnostics on standard error.

use std::net::TcpListener;

use clap::Parser;
use remote_hands::cli::Cli;
use remote_hands::cli::help::{EXAMPLES, example_args};

use crate::support::httpd::{Reply, Server};
use crate::support::{bin, run, tool};

#[test]
fn completions_are_printed_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let r = run(bin().args(["completions", shell]));
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        assert!(r.stderr.is_empty(), "{shell}: {}", r.stderr);
        for word in ["remote-hands", "dispatch", "result", "api-base", "fail-on"] {
            assert!(r.stdout.contains(word), "{shell} completions lack {word}");
        }
        if shell == "bash"
            && let Some(bash) = tool("bash")
        {
            let dir = tempfile::tempdir().unwrap();
            let script = dir.path().join("remote-hands.bash");
            std::fs::write(&script, &r.stdout).unwrap();
            let out = std::process::Command::new(bash)
                .arg("-n")
                .arg(&script)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "bash -n: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    let r = run(bin().args(["completions", "tcsh"]));
    assert_eq!(r.code, 2);
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
}

#[test]
fn every_help_example_parses_and_is_shown_by_its_command() {
    for (command, examples) in EXAMPLES {
        assert!((2..=4).contains(&examples.len()), "{command}");
        // A subcommand of a group (`discord register`) is named by its words.
        let words: Vec<&str> = command.split(' ').collect();
        let help = run(bin().args(&words).arg("--help"));
        assert_eq!(help.code, 0);
        assert!(help.stdout.contains("Examples:"), "{}", help.stdout);
        for example in *examples {
            let args = example_args(example.line);
            assert_eq!(args[0], "remote-hands", "{}", example.line);
            assert_eq!(args[1..=words.len()], words, "{}", example.line);
            if let Err(e) = Cli::try_parse_from(&args) {
                panic!("{}: {e}", example.line);
            }
            assert!(help.stdout.contains(example.what), "{}", help.stdout);
            let first_words = args[..(words.len() + 2).min(args.len())].join(" ");
            assert!(help.stdout.contains(&first_words), "{first_words}");
        }
    }
}

fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn verbosity_shows_this_program_s_events_then_the_aws_sdk_s_and_rust_log_decides_when_set() {
    let api = format!("http://127.0.0.1:{}", closed_port());
    let stderr = |verbose: &[&str], rust_log: Option<&str>| {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = bin();
        cmd.current_dir(dir.path())
            .args(["check", "--api-base", &api])
            .args(verbose);
        if let Some(filter) = rust_log {
            cmd.env("RUST_LOG", filter);
        }
        let r = run(&mut cmd);
        assert_eq!(r.code, 1, "{}", r.stderr);
        r.stderr
    };
    let planned = "check planned check=api_health";
    assert!(!stderr(&[], None).contains("DEBUG"));
    assert!(stderr(&["-v"], None).contains(planned));
    assert!(stderr(&[], Some("remote_hands=debug")).contains(planned));
    assert!(!stderr(&["-v"], Some("off")).contains("DEBUG"));

    // The AWS SDK's events come with -vv only: against a loopback endpoint that refuses
    // every call at once (no retries).
    let aws = Server::start(|_| {
        Reply::status(
            403,
            "<ErrorResponse><Error><Code>AccessDenied</Code><Message>no</Message></Error></ErrorResponse>",
        )
    });
    let run_aws = |verbose: &str| {
        let dir = tempfile::tempdir().unwrap();
        let r = run(bin()
            .current_dir(dir.path())
            .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
            .env("AWS_SECRET_ACCESS_KEY", "not-a-secret")
            .args([
                "check",
                verbose,
                "--bucket",
                "my-site",
                "--region",
                "eu-west-1",
            ])
            .args(["--endpoint-url", &aws.url(""), "--timeout", "5"]));
        assert_eq!(r.code, 1, "{}", r.stderr);
        r.stderr
    };
    let sdk = |stderr: &str| {
        stderr
            .lines()
            .filter(|l| l.contains("aws_smithy_runtime"))
            .count()
    };
    let v = run_aws("-v");
    assert!(v.contains("check planned check=s3_read"), "{v}");
    assert_eq!(sdk(&v), 0, "{v}");
    let vv = run_aws("-vv");
    assert!(sdk(&vv) > 0, "{vv}");
    assert!(!vv.contains("not-a-secret"), "the secret key leaked");
}

#[test]
fn a_rust_log_that_is_not_a_filter_is_a_usage_error() {
    let r = run(bin().env("RUST_LOG", "remote_hands=loud").args([
        "check",
        "--api-base",
        "http://127.0.0.1:9",
    ]));
    assert_eq!(r.code, 2);
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr.starts_with("error: RUST_LOG (environment): "),
        "{}",
        r.stderr
    );
}
