//! The HTTP checks against real servers on 127.0.0.1: status, latency, deadlines, body
//! caps and CDN headers, through the binary and its JSON report.

use std::time::Duration;

use crate::support::httpd::{Reply, Server};
use crate::support::{assert_valid_report, bin, check, read_json, run};

fn healthy() -> Server {
    Server::start(|path| match path {
        "/health" => Reply::ok(r#"{"status": "healthy"}"#),
        "/hello" => Reply::ok(r#"{"message": "hello"}"#),
        _ => Reply::Answer(
            200,
            vec![
                ("x-cache".into(), "Hit from cloudfront".into()),
                ("x-amz-cf-pop".into(), "FRA56-P1".into()),
                ("age".into(), "42".into()),
            ],
            b"<!doctype html><h1>site</h1>".to_vec(),
        ),
    })
}

#[test]
fn a_healthy_api_and_frontend_pass() {
    let s = healthy();
    let (r, report) = check(&["--api-base", &s.url(""), "--frontend-url", &s.url("/")]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(report["conclusion"], "success");
    for id in ["api_health", "api_hello", "frontend"] {
        let c = &report["checks"][id];
        assert_eq!(c["outcome"], "pass", "{id}: {c}");
        assert_eq!(c["ok"], true);
        // The original workflow's key: `status` is the HTTP status code.
        assert_eq!(c["status"], 200, "{id}");
        assert!(c["ms"].is_u64());
    }
    assert_eq!(
        report["checks"]["api_health"]["evidence"]["body"],
        r#"{"status": "healthy"}"#
    );
    let headers = &report["checks"]["frontend"]["evidence"]["headers"];
    assert_eq!(headers["x-cache"], "Hit from cloudfront");
    assert_eq!(headers["x-amz-cf-pop"], "FRA56-P1");
    assert_eq!(headers["age"], "42");
    // AWS is not configured: skipped with a reason, never silently absent.
    for id in ["oidc", "s3_read", "cloudfront"] {
        assert_eq!(report["checks"][id]["outcome"], "skip", "{id}");
        assert!(
            report["checks"][id]["details"]
                .as_str()
                .unwrap()
                .contains("configured")
        );
    }
    assert!(r.stdout.contains("conclusion: success"), "{}", r.stdout);
    let mut paths = s.requests();
    paths.sort();
    assert_eq!(paths, ["/", "/health", "/hello"]);
}

#[test]
fn a_server_error_fails_the_run() {
    let s = Server::start(|path| match path {
        "/health" => Reply::status(500, "database down"),
        _ => Reply::ok("ok"),
    });
    let (r, report) = check(&["--api-base", &s.url("/")]);
    assert_eq!(r.code, 1);
    assert_eq!(report["conclusion"], "failure");
    let health = &report["checks"]["api_health"];
    assert_eq!(health["outcome"], "fail");
    assert_eq!(health["ok"], false);
    assert_eq!(health["status"], 500);
    assert!(
        health["details"].as_str().unwrap().starts_with("HTTP 500"),
        "{health}"
    );
    assert_eq!(report["checks"]["api_hello"]["outcome"], "pass");
    assert!(r.stdout.contains("FAIL  api_health"), "{}", r.stdout);
}

#[test]
fn a_server_that_never_answers_fails_at_the_deadline_and_the_rest_still_report() {
    let s = Server::start(|path| match path {
        "/health" => Reply::Hang,
        _ => Reply::ok("ok"),
    });
    let (r, report) = check(&["--api-base", &s.url(""), "--timeout", "1"]);
    assert_eq!(r.code, 1);
    let health = &report["checks"]["api_health"];
    assert_eq!(health["outcome"], "fail");
    assert!(
        health["details"].as_str().unwrap().contains("within 1 s"),
        "{health}"
    );
    assert!(health.get("status").is_none(), "no response, no status");
    assert!(
        health["ms"].as_u64().unwrap() >= 1000,
        "waited for the deadline"
    );
    assert_eq!(report["checks"]["api_hello"]["outcome"], "pass");
}

#[test]
fn a_refused_connection_is_a_failure_with_the_reason() {
    // Bind and drop: nothing listens on that port any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (r, report) = check(&["--frontend-url", &format!("http://127.0.0.1:{port}/")]);
    assert_eq!(r.code, 1);
    let details = report["checks"]["frontend"]["details"].as_str().unwrap();
    assert!(details.contains("could not connect"), "{details}");
    assert!(details.to_lowercase().contains("refused"), "{details}");
}

#[test]
fn a_huge_body_is_capped() {
    let s = Server::start(|_| Reply::Answer(200, vec![], vec![b'x'; 5 * 1024 * 1024]));
    let (r, report) = check(&["--api-base", &s.url("")]);
    assert_eq!(r.code, 0);
    let ev = &report["checks"]["api_health"]["evidence"];
    assert_eq!(ev["body_truncated"], true);
    assert!(
        ev["body_bytes"].as_u64().unwrap() <= 64 * 1024,
        "{}",
        ev["body_bytes"]
    );
    assert_eq!(ev["body"].as_str().unwrap().len(), 2048);
}

/// An API whose /hello answers after 300 ms.
fn slow_hello() -> Server {
    Server::start(|path| match path {
        "/hello" => Reply::After(Duration::from_millis(300), Box::new(Reply::ok("late"))),
        _ => Reply::ok("ok"),
    })
}

#[test]
fn a_slow_answer_warns_and_a_warning_alone_passes() {
    let s = slow_hello();
    let (r, report) = check(&["--api-base", &s.url(""), "--slow-ms", "100"]);
    assert_eq!(r.code, 0, "a warning alone passes");
    assert_eq!(report["conclusion"], "success");
    let hello = &report["checks"]["api_hello"];
    assert_eq!(hello["outcome"], "warn");
    assert_eq!(hello["ok"], true);
    assert!(
        hello["details"].as_str().unwrap().contains("slow"),
        "{hello}"
    );
}

#[test]
fn fail_on_warn_turns_a_slow_answer_into_a_failure() {
    let s = slow_hello();
    let base = s.url("");
    let (r, report) = check(&["--api-base", &base, "--slow-ms", "100", "--fail-on", "warn"]);
    assert_eq!(r.code, 1);
    assert_eq!(report["conclusion"], "failure");
    assert_eq!(report["fail_on"], "warn");
}

#[test]
fn fail_on_never_exits_0_but_the_report_tells() {
    let s = Server::start(|_| Reply::status(503, "down"));
    let (r, report) = check(&["--api-base", &s.url(""), "--fail-on", "never"]);
    assert_eq!(r.code, 0);
    assert_eq!(report["conclusion"], "failure");
    assert_eq!(report["checks"]["api_health"]["outcome"], "fail");
}

#[test]
fn redirects_are_followed_and_recorded() {
    let s = Server::start(|path| match path {
        "/" => Reply::Answer(301, vec![("location".into(), "/index.html".into())], vec![]),
        _ => Reply::ok("<h1>home</h1>"),
    });
    let (r, report) = check(&["--frontend-url", &s.url("/")]);
    assert_eq!(r.code, 0);
    let frontend = &report["checks"]["frontend"];
    assert_eq!(frontend["status"], 200);
    assert_eq!(frontend["evidence"]["final_url"], s.url("/index.html"));
}

#[test]
fn a_redirect_loop_fails_with_the_reason() {
    let s = Server::start(|_| Reply::Answer(302, vec![("location".into(), "/".into())], vec![]));
    let (r, report) = check(&["--frontend-url", &s.url("/")]);
    assert_eq!(r.code, 1);
    let details = report["checks"]["frontend"]["details"].as_str().unwrap();
    assert!(details.contains("following the redirects of"), "{details}");
    assert!(details.contains("too many redirects"), "{details}");
    // The first request and five redirects, then it gives up.
    assert_eq!(s.requests().len(), 1 + remote_hands::net::MAX_REDIRECTS);
}

#[test]
fn json_format_prints_the_report_file() {
    let s = healthy();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let r = run(bin()
        .args([
            "check",
            "--format",
            "json",
            "--api-base",
            &s.url(""),
            "--json",
        ])
        .arg(&json));
    assert_eq!(r.code, 0);
    assert_eq!(r.stdout, std::fs::read_to_string(&json).unwrap());
}

#[test]
fn the_checks_run_concurrently() {
    // Each path answers only once all three requests are in flight at the same time:
    // run one after another, the first would wait in vain and fail.
    use std::sync::{Arc, Condvar, Mutex};
    let arrived = Arc::new((Mutex::new(0u32), Condvar::new()));
    let s = {
        let arrived = arrived.clone();
        Server::start(move |_| {
            let (count, all_in) = &*arrived;
            let mut n = count.lock().unwrap();
            *n += 1;
            all_in.notify_all();
            let (n, waited) = all_in
                .wait_timeout_while(n, Duration::from_secs(8), |n| *n < 3)
                .unwrap();
            if waited.timed_out() {
                Reply::status(500, &format!("only {} of 3 requests were in flight", *n))
            } else {
                Reply::ok("ok")
            }
        })
    };
    let (r, report) = check(&[
        "--api-base",
        &s.url(""),
        "--frontend-url",
        &s.url("/"),
        "--timeout",
        "10",
    ]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    for id in ["api_health", "api_hello", "frontend"] {
        assert_eq!(
            report["checks"][id]["outcome"], "pass",
            "{id}: {}",
            report["checks"][id]
        );
    }
}

#[test]
fn an_api_with_only_health_passes_with_one_api_path() {
    let s = Server::start(|path| match path {
        "/health" => Reply::ok("ok"),
        _ => Reply::status(404, "Not Found"),
    });
    let (r, report) = check(&["--api-base", &s.url(""), "--api-path", "/health"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(report["checks"]["api_health"]["outcome"], "pass");
    assert!(report["checks"].get("api_hello").is_none(), "{report}");
    assert_eq!(s.requests(), ["/health"]);
}

fn two_api_paths() -> Server {
    Server::start(|path| match path {
        "/v1/status?deep=1" => Reply::ok("deep"),
        "/healthz" => Reply::status(503, "{\"error\":\"db connection pool exhausted\"}"),
        _ => Reply::status(404, "Not Found"),
    })
}

#[test]
fn each_api_path_is_its_own_check() {
    let s = two_api_paths();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    // From the environment, comma-separated.
    let r = run(bin()
        .env("API_PATHS", "/v1/status?deep=1, /healthz")
        .args(["check", "--api-base", &s.url("/"), "--json"])
        .arg(&json));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report = read_json(&json);
    assert_valid_report(&report);
    assert_eq!(report["checks"]["api_v1_status"]["outcome"], "pass");
    assert_eq!(report["checks"]["api_healthz"]["outcome"], "fail");
    assert!(report["durations"]["steps"]["api"].is_number());
    // The terminal shows each, with the failing API's own words.
    assert!(r.stdout.contains("api_v1_status"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("· {\"error\":\"db connection pool exhausted\"}"),
        "{}",
        r.stdout
    );
}

#[test]
fn two_api_paths_that_make_the_same_check_are_refused() {
    let s = two_api_paths();
    let r = run(bin().args([
        "check",
        "--api-base",
        &s.url("/"),
        "--api-path",
        "/a-b",
        "--api-path",
        "/a_b",
    ]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--api-path"), "{}", r.stderr);
}
