//! https targets through the binary, against a real TLS server on 127.0.0.1 with
//! certificates made by the test and a CA given with `--ca-cert`: the leaf certificate in
//! the report (schema-checked), its phases, a failure with the expiry still reported when
//! verification fails, and a CA file that holds no certificate refused before anything runs.

use serde_json::Value;

use crate::support::tls::{Leaf, TlsServer, days_};
use crate::support::{bin, check, run};

/// Checks `s` as the frontend, trusting the test CA: the run and the check's JSON.
fn frontend(s: &TlsServer, extra: &[&str]) -> (crate::support::Run, Value) {
    let url = s.url("/");
    let mut args = vec!["--frontend-url", &url, "--ca-cert", s.ca_file()];
    args.extend_from_slice(extra);
    let (r, report) = check(&args);
    (r, report["checks"]["frontend"].clone())
}

#[test]
fn a_trusted_certificate_passes_and_is_described_with_the_phases() {
    let s = TlsServer::start(Leaf::valid_for(90));
    let (r, c) = frontend(&s, &[]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(c["outcome"], "pass", "{c}");
    let tls = &c["evidence"]["tls"];
    assert_eq!(tls["verified"], true, "{tls}");
    assert!(tls.get("verify_error").is_none(), "{tls}");
    assert_eq!(tls["subject"], "CN=localhost");
    assert_eq!(tls["issuer"], "CN=remote-hands test CA");
    let days = tls["days_left"].as_i64().unwrap();
    assert!((89..=90).contains(&days), "{tls}");
    let phases = &c["evidence"]["attempts"][0]["phases"];
    for phase in ["dns", "connect", "tls", "ttfb", "transfer"] {
        assert!(
            phases[phase].as_f64().is_some_and(|ms| ms >= 0.0),
            "{phase}: {phases}"
        );
    }
    // The terminal says it too.
    assert!(r.stdout.contains(" · tls "), "{}", r.stdout);
    assert!(r.stdout.contains("certificate expires "), "{}", r.stdout);
}

#[test]
fn a_certificate_near_its_end_warns_below_the_threshold() {
    let s = TlsServer::start(Leaf::valid_for(5));
    let (r, c) = frontend(&s, &[]);
    assert_eq!(r.code, 0, "a warning alone passes");
    assert_eq!(c["outcome"], "warn", "{c}");
    assert!(c["details"].as_str().unwrap().contains("expires in"), "{c}");
    let (_, c) = frontend(&s, &["--tls-warn-days", "3"]);
    assert_eq!(c["outcome"], "pass", "{c}");
}

#[test]
fn an_expired_certificate_fails_and_says_when_it_expired() {
    let s = TlsServer::start(Leaf {
        not_before: std::time::SystemTime::now() - days_(30),
        not_after: std::time::SystemTime::now() - days_(2),
        ..Leaf::valid_for(1)
    });
    let (r, c) = frontend(&s, &[]);
    assert_eq!(r.code, 1);
    assert_eq!(c["outcome"], "fail", "{c}");
    let tls = &c["evidence"]["tls"];
    assert_eq!(tls["verified"], false, "{tls}");
    let not_after = tls["not_after"].as_str().unwrap();
    assert!(
        c["details"]
            .as_str()
            .unwrap()
            .contains(&format!("expired on {not_after}")),
        "{c}"
    );
}

#[test]
fn a_self_signed_certificate_fails_and_its_expiry_is_still_reported() {
    let s = TlsServer::start(Leaf {
        self_signed: true,
        ..Leaf::valid_for(60)
    });
    let (r, c) = frontend(&s, &[]);
    assert_eq!(r.code, 1);
    assert_eq!(c["outcome"], "fail", "{c}");
    let tls = &c["evidence"]["tls"];
    assert_eq!(tls["verified"], false, "{tls}");
    assert!(tls["verify_error"].as_str().is_some(), "{tls}");
    assert!(
        (59..=60).contains(&tls["days_left"].as_i64().unwrap()),
        "{tls}"
    );
    assert!(
        c["details"].as_str().unwrap().contains("is not trusted"),
        "{c}"
    );
}

#[test]
fn a_ca_file_that_holds_no_certificate_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    for (path, expected) in [
        (empty.to_str().unwrap(), "holds no PEM certificate"),
        ("/nonexistent/ca.pem", "could not be read"),
    ] {
        let r = run(bin().current_dir(dir.path()).args([
            "check",
            "--frontend-url",
            "https://localhost:9/",
            "--ca-cert",
            path,
        ]));
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
        assert!(r.stderr.contains("--ca-cert"), "{}", r.stderr);
        assert!(r.stderr.contains(expected), "{}", r.stderr);
    }
}
