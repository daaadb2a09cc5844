//! The URL policy for dispatched (untrusted) targets, against real loopback servers:
//! hosts off the allowlist, internal addresses (literal, resolved, or reached through a
//! redirect) are refused without a request being sent.

use crate::support::httpd::{Reply, Server};
use crate::support::{bin, check, run};

fn api() -> Server {
    Server::start(|_| Reply::ok("fine"))
}

#[test]
fn a_loopback_target_is_refused_by_default() {
    let s = api();
    let (r, report) = check(&["--api-base", &s.url(""), "--allowed-hosts", "127.0.0.1"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    let details = report["checks"]["api_health"]["details"].as_str().unwrap();
    assert!(details.contains("refused by the URL policy"), "{details}");
    assert!(details.contains("127.0.0.1 is internal"), "{details}");
    assert!(
        s.requests().is_empty(),
        "nothing may be sent: {:?}",
        s.requests()
    );
}

#[test]
fn a_loopback_target_is_checked_when_private_addresses_are_allowed() {
    let s = api();
    let (r, report) = check(&[
        "--api-base",
        &s.url(""),
        "--allowed-hosts",
        "127.0.0.1",
        "--allow-private-addresses",
    ]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(report["checks"]["api_health"]["outcome"], "pass");
}

#[test]
fn a_host_off_the_allowlist_is_not_contacted() {
    let s = api();
    let (r, report) = check(&[
        "--api-base",
        &s.url(""),
        "--allowed-hosts",
        "api.example.com,*.example.net",
        "--allow-private-addresses",
    ]);
    assert_eq!(r.code, 1);
    let details = report["checks"]["api_hello"]["details"].as_str().unwrap();
    assert!(
        details.contains("host 127.0.0.1 is not on the allowlist"),
        "{details}"
    );
    assert!(s.requests().is_empty());
}

#[test]
fn a_name_that_resolves_to_an_internal_address_is_refused() {
    let s = api();
    let url = format!("http://localhost:{}/", s.addr.port());
    let (r, report) = check(&["--frontend-url", &url, "--allowed-hosts", "localhost"]);
    assert_eq!(r.code, 1);
    let details = report["checks"]["frontend"]["details"].as_str().unwrap();
    assert!(details.contains("resolves to address"), "{details}");
    assert!(details.contains("is internal"), "{details}");
    assert!(s.requests().is_empty());
}

#[test]
fn redirects_are_checked_against_the_policy_too() {
    let target = api();
    let hop = format!("http://localhost:{}/elsewhere", target.addr.port());
    let s = Server::start(move |_| {
        Reply::Answer(302, vec![("location".into(), hop.clone())], Vec::new())
    });
    let (r, report) = check(&[
        "--frontend-url",
        &s.url("/"),
        "--allowed-hosts",
        "127.0.0.1",
        "--allow-private-addresses",
    ]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    let details = report["checks"]["frontend"]["details"].as_str().unwrap();
    assert!(details.contains("refused by the URL policy"), "{details}");
    assert!(
        details.contains("localhost is not on the allowlist"),
        "{details}"
    );
    assert_eq!(s.requests().len(), 1);
    assert!(target.requests().is_empty(), "the redirect was followed");
}

#[test]
fn a_malformed_allowlist_is_a_usage_error() {
    let r = run(bin().args([
        "check",
        "--api-base",
        "https://api.example.com",
        "--allowed-hosts",
        "ok.example.com, not_a host!",
    ]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.starts_with("error: --allowed-hosts: 'not_a"),
        "{}",
        r.stderr
    );
}

/// Runs `check` against `target` expecting a usage error: exit 2, one line on stderr naming
/// `input` and saying `expected`, and not one request sent to the target.
fn assert_refused_to_run(args: &[&str], envs: &[(&str, &str)], input: &str, expected: &str) {
    let target = api();
    let dir = tempfile::tempdir().unwrap();
    let r = run(bin()
        .current_dir(dir.path())
        .args(["check", "--frontend-url", &target.url("/")])
        .args(args)
        .envs(envs.iter().copied()));
    assert_eq!(r.code, 2, "{args:?} {envs:?}: {}{}", r.stdout, r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "one line: {:?}", r.stderr);
    assert!(r.stderr.starts_with("error: "), "{}", r.stderr);
    assert!(r.stderr.contains(input), "names {input}: {}", r.stderr);
    assert!(r.stderr.contains(expected), "says {expected}: {}", r.stderr);
    assert!(
        target.requests().is_empty(),
        "sent: {:?}",
        target.requests()
    );
}

#[test]
fn a_given_allowlist_that_names_no_host_is_a_usage_error_not_an_open_door() {
    for list in ["", " ", ",", " , ", ", ,\t"] {
        assert_refused_to_run(
            &["--allowed-hosts", list],
            &[],
            "--allowed-hosts",
            "names no host",
        );
    }
    for list in [" ", ",", " , "] {
        assert_refused_to_run(
            &[],
            &[("REMOTE_HANDS_ALLOWED_HOSTS", list)],
            "REMOTE_HANDS_ALLOWED_HOSTS (environment)",
            "names no host",
        );
    }
}

#[test]
fn an_empty_allowlist_variable_is_an_unset_one() {
    let s = api();
    let (r, report) = check(&["--frontend-url", &s.url("/")]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(report["checks"]["frontend"]["outcome"], "pass");
    let dir = tempfile::tempdir().unwrap();
    let r = run(bin()
        .current_dir(dir.path())
        .args(["check", "--frontend-url", &s.url("/")])
        .env("REMOTE_HANDS_ALLOWED_HOSTS", ""));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(s.requests().len(), 2);
}

#[test]
fn require_allowed_hosts_refuses_to_run_without_an_allowlist() {
    assert_refused_to_run(
        &["--require-allowed-hosts"],
        &[],
        "--require-allowed-hosts",
        "--allowed-hosts",
    );
}

#[test]
fn require_allowed_hosts_from_the_environment_in_any_spelling_refuses_to_run_without_one() {
    for on in ["true", "TRUE", "1", "yes", "Yes"] {
        assert_refused_to_run(
            &[],
            &[("REMOTE_HANDS_REQUIRE_ALLOWED_HOSTS", on)],
            "REMOTE_HANDS_REQUIRE_ALLOWED_HOSTS (environment)",
            "untrusted",
        );
    }
}

#[test]
fn require_allowed_hosts_counts_an_empty_allowlist_variable_as_none() {
    // An allowlist variable left empty is no allowlist.
    assert_refused_to_run(
        &["--require-allowed-hosts"],
        &[("REMOTE_HANDS_ALLOWED_HOSTS", "")],
        "--require-allowed-hosts",
        "at least one host",
    );
}

#[test]
fn require_allowed_hosts_set_to_an_unknown_word_is_a_usage_error() {
    assert_refused_to_run(
        &[],
        &[("REMOTE_HANDS_REQUIRE_ALLOWED_HOSTS", "maybe")],
        "REMOTE_HANDS_REQUIRE_ALLOWED_HOSTS (environment)",
        "true, false, 1, 0, yes or no",
    );
}

#[test]
fn require_allowed_hosts_runs_with_an_allowlist() {
    let s = api();
    let (r, report) = check(&[
        "--frontend-url",
        &s.url("/"),
        "--require-allowed-hosts",
        "--allowed-hosts",
        "127.0.0.1",
        "--allow-private-addresses",
    ]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(report["checks"]["frontend"]["outcome"], "pass");
    assert_eq!(s.requests().len(), 1);
}

#[test]
fn require_allowed_hosts_is_off_when_false_in_any_spelling_or_empty() {
    let s = api();
    for off in ["", "false", "FALSE", "0", "no", "No"] {
        let dir = tempfile::tempdir().unwrap();
        let r = run(bin()
            .current_dir(dir.path())
            .args(["check", "--frontend-url", &s.url("/")])
            .env("REMOTE_HANDS_REQUIRE_ALLOWED_HOSTS", off));
        assert_eq!(r.code, 0, "{off:?}: {}{}", r.stdout, r.stderr);
    }
    assert_eq!(s.requests().len(), 6);
}

#[test]
fn allow_private_addresses_reads_the_same_switch_words_from_the_environment() {
    let s = api();
    for (value, outcome) in [
        ("yes", "pass"),
        ("1", "pass"),
        ("TRUE", "pass"),
        ("", "fail"),
        ("no", "fail"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let json = dir.path().join("report.json");
        let r = run(bin()
            .current_dir(dir.path())
            .args(["check", "--json"])
            .arg(&json)
            .args([
                "--frontend-url",
                &s.url("/"),
                "--allowed-hosts",
                "127.0.0.1",
            ])
            .env("REMOTE_HANDS_ALLOW_PRIVATE_ADDRESSES", value));
        assert!(r.code == 0 || r.code == 1, "{value:?}: {}", r.stderr);
        let report = crate::support::read_json(&json);
        assert_eq!(
            report["checks"]["frontend"]["outcome"], outcome,
            "{value:?}"
        );
    }
    assert_eq!(s.requests().len(), 3);
}

#[test]
fn an_allowlist_entry_with_a_port_refuses_another_port() {
    let s = api();
    let port = s.addr.port();
    let other = if port == 65535 { port - 1 } else { port + 1 };
    let (r, report) = check(&[
        "--frontend-url",
        &s.url("/"),
        "--allowed-hosts",
        &format!("127.0.0.1:{other}"),
        "--allow-private-addresses",
    ]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    let details = report["checks"]["frontend"]["details"].as_str().unwrap();
    assert!(details.contains(&format!("not port {port}")), "{details}");
    assert!(s.requests().is_empty(), "{:?}", s.requests());
}

#[test]
fn an_allowlist_entry_with_a_port_allows_that_port() {
    let s = api();
    let port = s.addr.port();
    let (r, report) = check(&[
        "--frontend-url",
        &s.url("/"),
        "--allowed-hosts",
        &format!("example.com, 127.0.0.1:{port}"),
        "--allow-private-addresses",
    ]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(report["checks"]["frontend"]["outcome"], "pass");
    assert_eq!(s.requests().len(), 1);
}

#[test]
fn a_metadata_endpoint_is_refused_whatever_the_flags() {
    // Refused before any connection is attempted, so nothing leaves the machine.
    let (r, report) = check(&[
        "--frontend-url",
        "http://169.254.169.254/latest/meta-data/",
        "--api-base",
        "http://[::ffff:169.254.169.254]/",
        "--allowed-hosts",
        "169.254.169.254, ::ffff:169.254.169.254",
        "--allow-private-addresses",
    ]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    for id in ["frontend", "api_health", "api_hello"] {
        let details = report["checks"][id]["details"].as_str().unwrap();
        assert!(details.contains("cloud metadata endpoint"), "{details}");
        assert!(details.contains("no flag"), "{details}");
        assert!(details.contains("was not contacted"), "{details}");
    }
}

#[test]
fn a_redirect_to_another_port_of_a_pinned_host_is_refused() {
    let target = api();
    let hop = target.url("/elsewhere");
    let s = Server::start(move |_| {
        Reply::Answer(302, vec![("location".into(), hop.clone())], Vec::new())
    });
    let (r, report) = check(&[
        "--frontend-url",
        &s.url("/"),
        "--allowed-hosts",
        &format!("127.0.0.1:{}", s.addr.port()),
        "--allow-private-addresses",
    ]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    let details = report["checks"]["frontend"]["details"].as_str().unwrap();
    assert!(details.contains("refused by the URL policy"), "{details}");
    assert!(
        details.contains(&format!("not port {}", target.addr.port())),
        "{details}"
    );
    assert_eq!(s.requests().len(), 1);
    assert!(target.requests().is_empty(), "the redirect was followed");
}
