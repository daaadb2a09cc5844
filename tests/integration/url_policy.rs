//! The URL policy for dispatched (untrusted) targets, against real loopback servers:
//! hosts off the allowlist, internal addresses (literal, resolved, or reached through a
//! redirect) are refused without a request being sent.

use crate::http_checks::check;
use crate::support::httpd::{Reply, Server};
use crate::support::{bin, run};

fn api() -> Server {
    Server::start(|_| Reply::ok("fine"))
}

#[test]
fn a_loopback_target_is_refused_unless_private_addresses_are_allowed() {
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
