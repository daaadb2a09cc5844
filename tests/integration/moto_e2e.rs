//! End to end: the binary, the real AWS SDK over HTTP, a real `moto_server` seeded with a
//! bucket and a distribution, and a loopback HTTP target.

use std::path::Path;

use serde_json::Value;

use crate::support::httpd::{Reply, Server};
use crate::support::moto::Moto;
use crate::support::{Run, assert_valid_report, bin, read_json, run};

fn target() -> Server {
    Server::start(|path| match path {
        "/health" => Reply::ok(r#"{"status": "healthy"}"#),
        "/hello" => Reply::ok(r#"{"message": "hello"}"#),
        _ => Reply::ok("<!doctype html>"),
    })
}

/// Runs check against moto with `args`; returns the run, the JSON report and the summary.
fn check(moto: &Moto, dir: &Path, args: &[&str]) -> (Run, Value, String) {
    let json = dir.join("report.json");
    let summary = dir.join("summary.md");
    let r = run(bin()
        .envs(moto.env())
        .args(["check", "--json"])
        .arg(&json)
        .arg("--summary")
        .arg(&summary)
        .args(args));
    assert!(r.code == 0 || r.code == 1, "exit {}: {}", r.code, r.stderr);
    let report = read_json(&json);
    assert_valid_report(&report);
    (r, report, std::fs::read_to_string(&summary).unwrap())
}

#[test]
fn a_healthy_deployment_passes_every_check() {
    let moto = Moto::start();
    let distribution = moto.seed("healthy-site", true);
    let http = target();
    let dir = tempfile::tempdir().unwrap();
    let (r, report, md) = check(
        &moto,
        dir.path(),
        &[
            "--bucket",
            "healthy-site",
            "--distribution-id",
            &distribution,
            "--api-base",
            &http.url(""),
            "--frontend-url",
            &http.url("/"),
        ],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(report["conclusion"], "success");
    for (id, check) in report["checks"].as_object().unwrap() {
        assert_eq!(check["outcome"], "pass", "{id}: {check}");
    }
    let checks = &report["checks"];
    assert_eq!(checks["oidc"]["evidence"]["account"], "123456789012");
    let index = &checks["s3_read"]["evidence"]["index"];
    assert_eq!(index["cache_control"], "no-cache");
    assert_eq!(index["content_type"], "text/html");
    assert_eq!(checks["s3_read"]["evidence"]["key_count"], 2);
    assert_eq!(
        checks["cloudfront"]["evidence"]["distribution_status"],
        "Deployed"
    );
    assert_eq!(checks["cloudfront"]["evidence"]["enabled"], true);
    assert_eq!(
        report["target"]["endpoint_url"],
        format!("{}/", moto.endpoint)
    );
    assert_eq!(
        checks["oidc"]["evidence"]["credentials"],
        "environment keys"
    );
    assert!(md.contains("## AWS identity\n"), "{md}");
    assert!(md.contains("- **Credentials:** environment keys"), "{md}");
    assert!(md.contains("- **Account:** 123456789012"), "{md}");
    assert!(md.contains("- **Status:** Deployed"), "{md}");
    assert!(
        md.contains("### Bucket Listing (s3://healthy-site)"),
        "{md}"
    );
    assert!(
        r.stdout.contains("conclusion: success (6 passed"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_missing_bucket_fails_with_the_reason_in_every_output() {
    let moto = Moto::start();
    let distribution = moto.seed("real-site", true);
    let dir = tempfile::tempdir().unwrap();
    let (r, report, md) = check(
        &moto,
        dir.path(),
        &[
            "--bucket",
            "no-such-site",
            "--distribution-id",
            &distribution,
        ],
    );
    assert_eq!(r.code, 1);
    assert_eq!(report["conclusion"], "failure");
    let reason = "bucket no-such-site does not exist";
    assert_eq!(report["checks"]["s3_read"]["details"], reason);
    assert!(r.stdout.contains(reason), "{}", r.stdout);
    assert!(md.contains(reason), "{md}");
    assert_eq!(report["checks"]["oidc"]["outcome"], "pass");
    assert_eq!(report["checks"]["cloudfront"]["outcome"], "pass");
}

#[test]
fn a_site_without_index_html_and_an_unknown_distribution_fail() {
    let moto = Moto::start();
    moto.seed("half-deployed", false);
    let dir = tempfile::tempdir().unwrap();
    let (r, report, _) = check(
        &moto,
        dir.path(),
        &[
            "--bucket",
            "half-deployed",
            "--distribution-id",
            "E0000000000000",
        ],
    );
    assert_eq!(r.code, 1);
    let s3 = report["checks"]["s3_read"]["details"].as_str().unwrap();
    assert!(s3.contains("index.html is missing"), "{s3}");
    assert_eq!(
        report["checks"]["cloudfront"]["details"],
        "distribution E0000000000000 does not exist"
    );
    assert_eq!(
        report["checks"]["cloudfront"]["error"]["code"],
        "NoSuchDistribution"
    );
}

#[test]
fn the_expected_account_is_enforced() {
    let moto = Moto::start();
    moto.seed("acct-site", true);
    let dir = tempfile::tempdir().unwrap();
    let (r, report, _) = check(
        &moto,
        dir.path(),
        &["--bucket", "acct-site", "--expect-account", "111122223333"],
    );
    assert_eq!(r.code, 1);
    let oidc = report["checks"]["oidc"]["details"].as_str().unwrap();
    assert!(oidc.contains("not the expected 111122223333"), "{oidc}");
}

#[test]
fn without_any_credentials_the_aws_checks_fail_fast_with_one_reason() {
    // An instance-metadata endpoint that accepts connections and never answers: the
    // worst case outside AWS.
    let black_hole = Server::start(|_| Reply::Hang);
    let http = target();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let r = run(bin()
        .env_remove("AWS_EC2_METADATA_DISABLED")
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", black_hole.url("/"))
        .env("AWS_REGION", "us-east-1")
        .args([
            "check",
            "--bucket",
            "any-site",
            "--distribution-id",
            "E123",
            "--api-base",
            &http.url(""),
            "--timeout",
            "30",
            "--json",
        ])
        .arg(&json));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report = read_json(&json);
    assert_valid_report(&report);
    let oidc = &report["checks"]["oidc"];
    assert_eq!(oidc["outcome"], "fail");
    assert_eq!(
        oidc["details"].as_str().unwrap(),
        remote_hands::checks::aws::NO_CREDENTIALS
    );
    // Far inside the 30 s deadline: the metadata probe does not stall the run.
    assert!(
        oidc["ms"].as_u64().unwrap() < 2500,
        "took {} ms",
        oidc["ms"]
    );
    // The checks behind the identity check say it once, as a skip, not three failures.
    for id in ["s3_read", "cloudfront"] {
        let c = &report["checks"][id];
        assert_eq!(c["outcome"], "skip", "{id}");
        assert_eq!(c["ok"], true, "{id}");
        assert_eq!(
            c["details"].as_str().unwrap(),
            format!(
                "identity check failed: {}",
                remote_hands::checks::aws::NO_CREDENTIALS
            ),
            "{id}"
        );
    }
    assert_eq!(report["conclusion"], "failure");
    assert_eq!(report["checks"]["api_health"]["outcome"], "pass");
    assert!(
        !black_hole.requests().is_empty(),
        "the metadata endpoint was asked"
    );
}

#[test]
fn oidc_web_identity_credentials_are_exchanged_through_sts() {
    // What GitHub Actions' OIDC gives a job: a token file and a role, no keys. The SDK's
    // web-identity provider calls AssumeRoleWithWebIdentity at the same endpoint as the
    // checks (moto's), given by the environment or by --endpoint-url.
    let moto = Moto::start();
    let distribution = moto.seed("oidc-site", true);
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(
        &token,
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOmFjbWUvc2l0ZSJ9.c2ln",
    )
    .unwrap();
    for via_flag in [false, true] {
        let json = dir.path().join(format!("oidc-{via_flag}.json"));
        let mut cmd = bin();
        cmd.env("AWS_WEB_IDENTITY_TOKEN_FILE", &token)
            .env("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/diagnose")
            .env("AWS_ROLE_SESSION_NAME", "remote-hands-test")
            .env("AWS_REGION", "us-east-1")
            .args([
                "check",
                "--bucket",
                "oidc-site",
                "--distribution-id",
                &distribution,
            ])
            .arg("--json")
            .arg(&json);
        if via_flag {
            cmd.args(["--endpoint-url", &moto.endpoint]);
        } else {
            cmd.env("AWS_ENDPOINT_URL", &moto.endpoint);
        }
        let r = run(&mut cmd);
        let report = read_json(&json);
        assert_eq!(r.code, 0, "via flag {via_flag}: {}\n{report}", r.stderr);
        let oidc = &report["checks"]["oidc"];
        assert_eq!(oidc["outcome"], "pass", "{oidc}");
        let arn = oidc["evidence"]["arn"].as_str().unwrap();
        assert!(
            arn.contains("assumed-role/diagnose/remote-hands-test"),
            "not the assumed role: {arn}"
        );
        assert_eq!(oidc["evidence"]["credentials"], "web identity (OIDC)");
        assert_eq!(report["checks"]["s3_read"]["outcome"], "pass");
    }
}
