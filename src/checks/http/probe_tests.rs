//! The HTTP check against real loopback servers: each retry class, and the phases each
//! attempt reached (the TLS cases are in `tls_tests.rs`).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use url::Url;

use super::{Prober, Spec, Trust, check};
use crate::model::{CheckResult, Evidence, HttpEvidence, Outcome};
use crate::policy::UrlPolicy;

pub(super) const OK: &str = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok";

/// What a scripted server does with one connection.
#[derive(Clone, Debug)]
enum Act {
    /// Reads the request, writes this.
    Reply(String),
    /// Reads the request, then resets the connection.
    Reset,
    /// Reads the request and never answers.
    Hang,
}

/// A loopback server that plays `acts` in order (the last one repeats), and counts the
/// connections it got.
async fn scripted(acts: Vec<Act>) -> (Url, Arc<Mutex<usize>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = Url::parse(&format!("http://{}/health", listener.local_addr().unwrap())).unwrap();
    let count = Arc::new(Mutex::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let n = {
                let mut c = seen.lock().unwrap();
                *c += 1;
                *c
            };
            let act = acts[(n - 1).min(acts.len() - 1)].clone();
            tokio::spawn(async move {
                let mut head = [0u8; 4096];
                let _ = socket.read(&mut head).await;
                match act {
                    Act::Reply(raw) => {
                        let _ = socket.write_all(raw.as_bytes()).await;
                    }
                    Act::Reset => {
                        // A zero linger resets at once; it never blocks.
                        #[allow(deprecated)]
                        let _ = socket.set_linger(Some(Duration::ZERO));
                        drop(socket);
                    }
                    Act::Hang => {
                        tokio::time::sleep(Duration::from_secs(30)).await;
                    }
                }
            });
        }
    });
    (url, count)
}

fn reply(status: &str, extra: &str) -> Act {
    Act::Reply(format!(
        "HTTP/1.1 {status}\r\n{extra}content-length: 0\r\nconnection: close\r\n\r\n"
    ))
}

pub(super) fn prober(trust: Trust) -> Prober {
    Prober {
        policy: Arc::new(UrlPolicy::default()),
        trust,
        tls_warn_days: 14,
    }
}

pub(super) async fn run(
    prober: &Prober,
    spec: Spec,
    timeout: Duration,
) -> (CheckResult, HttpEvidence) {
    let result = check(prober, &spec, timeout).await;
    let Some(Evidence::Http(evidence)) = result.evidence.clone() else {
        panic!("no HTTP evidence: {result:?}")
    };
    (result, evidence)
}

pub(super) fn get(url: &Url) -> Spec {
    Spec::get(url.clone(), false, Duration::from_secs(5))
}

#[tokio::test]
async fn a_503_then_a_200_is_a_flaky_warning_with_both_attempts() {
    let (url, count) = scripted(vec![
        reply("503 Service Unavailable", ""),
        Act::Reply(OK.into()),
    ])
    .await;
    let (r, ev) = run(&super::test_prober(), get(&url), Duration::from_secs(5)).await;
    assert_eq!(r.outcome, Outcome::Warn, "{r:?}");
    assert!(r.flaky);
    assert!(
        r.details.contains("passed on attempt 2 after HTTP 503"),
        "{}",
        r.details
    );
    assert_eq!(ev.attempts.len(), 2);
    assert_eq!(ev.attempts[0].status, Some(503));
    assert!(ev.attempts[0].retry_in_ms.is_some());
    assert_eq!(ev.attempts[1].status, Some(200));
    assert_eq!(*count.lock().unwrap(), 2);
}

#[tokio::test]
async fn a_429_waits_as_retry_after_says() {
    let (url, _) = scripted(vec![
        reply("429 Too Many Requests", "retry-after: 1\r\n"),
        Act::Reply(OK.into()),
    ])
    .await;
    let (r, ev) = run(&super::test_prober(), get(&url), Duration::from_secs(5)).await;
    assert_eq!(r.outcome, Outcome::Warn, "{r:?}");
    assert_eq!(ev.attempts[0].retry_in_ms, Some(1000.0));
    assert!(ev.attempts[1].start_ms >= 1000.0, "{:?}", ev.attempts);
}

#[tokio::test]
async fn a_retry_after_beyond_the_deadline_is_not_waited_for() {
    let (url, count) = scripted(vec![reply(
        "503 Service Unavailable",
        "retry-after: 60\r\n",
    )])
    .await;
    let (r, ev) = run(&super::test_prober(), get(&url), Duration::from_secs(2)).await;
    assert_eq!(r.outcome, Outcome::Fail);
    assert_eq!(ev.attempts.len(), 1);
    assert_eq!(*count.lock().unwrap(), 1);
}

#[tokio::test]
async fn a_reset_connection_is_retried() {
    let (url, _) = scripted(vec![Act::Reset, Act::Reply(OK.into())]).await;
    let (r, ev) = run(&super::test_prober(), get(&url), Duration::from_secs(5)).await;
    assert_eq!(r.outcome, Outcome::Warn, "{r:?}");
    assert!(r.flaky);
    assert_eq!(ev.attempts[0].error.as_deref(), Some("connection_reset"));
    assert_eq!(ev.attempts[0].phases.transfer, None);
}

#[tokio::test]
async fn a_timeout_is_retried_within_the_deadline() {
    let (url, count) = scripted(vec![Act::Hang, Act::Reply(OK.into())]).await;
    let (r, ev) = run(&super::test_prober(), get(&url), Duration::from_secs(3)).await;
    assert_eq!(r.outcome, Outcome::Warn, "{r:?}");
    assert_eq!(ev.attempts[0].error.as_deref(), Some("timeout"));
    assert_eq!(ev.attempts[0].phases.ttfb, None, "never answered");
    assert!(ev.attempts[0].phases.connect.is_some());
    assert_eq!(*count.lock().unwrap(), 2);
}

#[tokio::test]
async fn a_404_and_a_500_are_final() {
    for status in ["404 Not Found", "500 Internal Server Error"] {
        let (url, count) = scripted(vec![reply(status, ""), Act::Reply(OK.into())]).await;
        let (r, ev) = run(&super::test_prober(), get(&url), Duration::from_secs(5)).await;
        assert_eq!(r.outcome, Outcome::Fail, "{status}");
        assert!(!r.flaky);
        assert_eq!(ev.attempts.len(), 1, "{status}");
        assert_eq!(*count.lock().unwrap(), 1, "{status}");
    }
}

#[tokio::test]
async fn a_post_is_sent_at_most_once() {
    for first in [reply("503 Service Unavailable", ""), Act::Reset] {
        let (url, count) = scripted(vec![first.clone(), Act::Reply(OK.into())]).await;
        let spec = Spec {
            method: hyper::Method::POST,
            ..get(&url)
        };
        let (r, ev) = run(&super::test_prober(), spec, Duration::from_secs(5)).await;
        assert_eq!(r.outcome, Outcome::Fail, "{first:?}: {r:?}");
        assert_eq!(ev.attempts.len(), 1, "{first:?}");
        assert_eq!(*count.lock().unwrap(), 1, "{first:?}");
    }
}

#[tokio::test]
async fn a_name_that_does_not_resolve_is_final() {
    let url = Url::parse("http://no-such-host.invalid/health").unwrap();
    let (r, ev) = run(&super::test_prober(), get(&url), Duration::from_secs(5)).await;
    assert_eq!(r.outcome, Outcome::Fail);
    assert_eq!(ev.attempts.len(), 1);
    assert_eq!(ev.attempts[0].error.as_deref(), Some("dns"));
    assert_eq!(ev.attempts[0].phases.connect, None);
}

#[tokio::test]
async fn phases_are_null_where_the_attempt_never_got() {
    // A refused connection: no DNS (an address), no TLS (http), no answer.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
    let (r, ev) = run(&super::test_prober(), get(&url), Duration::from_secs(5)).await;
    assert_eq!(r.outcome, Outcome::Fail);
    assert_eq!(ev.attempts.len(), 1, "a refused connection is final");
    let p = &ev.attempts[0].phases;
    assert_eq!((p.dns, p.tls, p.ttfb, p.transfer), (None, None, None, None));
    assert_eq!(ev.attempts[0].error.as_deref(), Some("connect"));
    // A complete http answer: everything but DNS and TLS.
    let (url, _) = scripted(vec![Act::Reply(OK.into())]).await;
    let (r, ev) = run(&super::test_prober(), get(&url), Duration::from_secs(5)).await;
    assert_eq!(r.outcome, Outcome::Pass, "{r:?}");
    let p = &ev.attempts[0].phases;
    assert_eq!((p.dns, p.tls), (None, None));
    assert!(
        p.connect.is_some() && p.ttfb.is_some() && p.transfer.is_some(),
        "{p:?}"
    );
    assert!(p.total >= p.ttfb.unwrap());
    assert_eq!(ev.tls, None);
}

/// A loopback server that answers every connection with `raw` and keeps each request
/// head, lower-cased.
async fn recording(raw: String) -> (Url, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = Url::parse(&format!("http://{}/start", listener.local_addr().unwrap())).unwrap();
    let heads = Arc::new(Mutex::new(Vec::new()));
    let kept = heads.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let mut head = [0u8; 4096];
            let n = socket.read(&mut head).await.unwrap_or(0);
            kept.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&head[..n]).to_lowercase());
            let _ = socket.write_all(raw.as_bytes()).await;
        }
    });
    (url, heads)
}

#[tokio::test]
async fn secret_headers_never_follow_a_redirect_to_another_origin() {
    let (elsewhere, elsewhere_heads) = recording(OK.into()).await;
    let elsewhere = format!("http://localhost:{}/next", elsewhere.port().unwrap());
    let (url, heads) = recording(format!(
        "HTTP/1.1 302 Found\r\nlocation: {elsewhere}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
    ))
    .await;
    let spec = Spec {
        headers: vec![(
            hyper::header::AUTHORIZATION,
            hyper::header::HeaderValue::from_static("Bearer s3cr3t-value"),
        )],
        ..get(&url)
    };
    let (r, ev) = run(&super::test_prober(), spec, Duration::from_secs(5)).await;
    assert_eq!(r.outcome, Outcome::Pass, "{r:?}");
    assert_eq!(ev.final_url.as_deref(), Some(elsewhere.as_str()));
    let first = heads.lock().unwrap()[0].clone();
    assert!(first.starts_with("get /start http/1.1\r\n"), "{first}");
    assert!(
        first.contains("authorization: bearer s3cr3t-value"),
        "{first}"
    );
    assert!(first.contains("user-agent: remote-hands/"), "{first}");
    let second = elsewhere_heads.lock().unwrap()[0].clone();
    assert!(second.starts_with("get /next http/1.1\r\n"), "{second}");
    assert!(!second.contains("s3cr3t"), "{second}");
    // Both hops are in the one attempt: the second resolved `localhost`.
    assert_eq!(ev.attempts.len(), 1);
    assert!(ev.attempts[0].phases.dns.is_some());
}
