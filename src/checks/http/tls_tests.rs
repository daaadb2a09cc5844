//! The HTTP check against TLS servers on loopback, with certificates made here: valid,
//! near expiry, expired, for another host, self-signed.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use url::Url;

use super::Trust;
use super::probe_tests::{OK, get, prober, run};
use crate::model::{CheckResult, HttpEvidence, Outcome};

const DAY: u64 = 86_400;

/// A test CA, and the trust that knows only it.
struct Ca {
    params: CertificateParams,
    key: KeyPair,
    der: CertificateDer<'static>,
}

fn at(offset_days: i64) -> time::OffsetDateTime {
    let now = SystemTime::now();
    let t = if offset_days >= 0 {
        now + Duration::from_secs(offset_days as u64 * DAY)
    } else {
        now - Duration::from_secs(offset_days.unsigned_abs() * DAY)
    };
    time::OffsetDateTime::from(t)
}

fn ca() -> Ca {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(DnType::CommonName, "remote-hands test CA");
    let der = params.self_signed(&key).unwrap().der().clone();
    Ca { params, key, der }
}

impl Ca {
    fn trust(&self) -> Trust {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(self.der.clone()).unwrap();
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let verifier =
            rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .unwrap();
        Trust::with(verifier)
    }

    /// A leaf for `host`, valid from `from` to `to` days from now, signed by this CA (or
    /// by itself).
    fn leaf(
        &self,
        host: &str,
        from: i64,
        to: i64,
        self_signed: bool,
    ) -> (CertificateDer<'static>, KeyPair) {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(vec![host.to_string()]).unwrap();
        params.distinguished_name.push(DnType::CommonName, host);
        params.not_before = at(from);
        params.not_after = at(to);
        let cert = if self_signed {
            params.self_signed(&key).unwrap()
        } else {
            params
                .signed_by(&key, &Issuer::from_params(&self.params, &self.key))
                .unwrap()
        };
        (cert.der().clone(), key)
    }
}

/// A TLS server on loopback answering every request with 200 "ok": its https URL on
/// `localhost`.
async fn tls_server(cert: CertificateDer<'static>, key: KeyPair) -> Url {
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(serve_tls(acceptor, socket));
        }
    });
    Url::parse(&format!("https://localhost:{port}/health")).unwrap()
}

async fn serve_tls(acceptor: tokio_rustls::TlsAcceptor, socket: TcpStream) {
    let Ok(mut tls) = acceptor.accept(socket).await else {
        return;
    };
    let mut head = [0u8; 4096];
    let _ = tls.read(&mut head).await;
    let _ = tls.write_all(OK.as_bytes()).await;
    let _ = tls.shutdown().await;
}

async fn tls_check(
    ca: &Ca,
    host: &str,
    from: i64,
    to: i64,
    self_signed: bool,
) -> (CheckResult, HttpEvidence) {
    let (cert, key) = ca.leaf(host, from, to, self_signed);
    let url = tls_server(cert, key).await;
    run(&prober(ca.trust()), get(&url), Duration::from_secs(5)).await
}

#[tokio::test]
async fn a_valid_certificate_passes_with_its_names_dates_and_the_tls_phase() {
    let ca = ca();
    let (r, ev) = tls_check(&ca, "localhost", -1, 90, false).await;
    assert_eq!(r.outcome, Outcome::Pass, "{r:?}");
    let tls = ev.tls.expect("the certificate is recorded");
    assert!(tls.verified);
    assert_eq!(tls.verify_error, None);
    assert!(tls.subject.contains("localhost"), "{}", tls.subject);
    assert!(
        tls.issuer.contains("remote-hands test CA"),
        "{}",
        tls.issuer
    );
    assert!((88..=90).contains(&tls.days_left), "{}", tls.days_left);
    let p = &ev.attempts[0].phases;
    assert!(
        p.dns.is_some() && p.tls.is_some() && p.ttfb.is_some(),
        "{p:?}"
    );
}

#[tokio::test]
async fn a_certificate_near_its_expiry_warns() {
    let ca = ca();
    let (r, ev) = tls_check(&ca, "localhost", -30, 5, false).await;
    assert_eq!(r.outcome, Outcome::Warn, "{r:?}");
    assert!(
        r.details.contains("expires in 4 days") || r.details.contains("expires in 5 days"),
        "{}",
        r.details
    );
    assert!(ev.tls.unwrap().verified);
}

#[tokio::test]
async fn an_expired_certificate_fails_with_its_date() {
    let ca = ca();
    let (r, ev) = tls_check(&ca, "localhost", -30, -2, false).await;
    assert_eq!(r.outcome, Outcome::Fail, "{r:?}");
    let tls = ev.tls.expect("recorded though it did not verify");
    assert!(!tls.verified);
    assert!(tls.days_left < 0);
    assert!(
        r.details.contains(&format!("expired on {}", tls.not_after)),
        "{}",
        r.details
    );
    assert_eq!(ev.attempts.len(), 1, "a certificate error is final");
    assert_eq!(ev.attempts[0].error.as_deref(), Some("tls"));
}

#[tokio::test]
async fn a_certificate_for_another_host_fails_and_its_expiry_is_still_reported() {
    let ca = ca();
    let (r, ev) = tls_check(&ca, "other.example", -1, 60, false).await;
    assert_eq!(r.outcome, Outcome::Fail, "{r:?}");
    let tls = ev.tls.expect("recorded though it did not verify");
    assert!(!tls.verified);
    assert!(
        tls.verify_error
            .as_deref()
            .unwrap_or("")
            .to_lowercase()
            .contains("not valid for name"),
        "{tls:?}"
    );
    assert!(
        r.details.contains("is not trusted") && r.details.contains(&tls.not_after),
        "{}",
        r.details
    );
    assert_eq!(ev.attempts.len(), 1);
}

#[tokio::test]
async fn a_self_signed_certificate_fails_and_its_expiry_is_still_reported() {
    let ca = ca();
    let (r, ev) = tls_check(&ca, "localhost", -1, 60, true).await;
    assert_eq!(r.outcome, Outcome::Fail, "{r:?}");
    let tls = ev.tls.expect("recorded though it did not verify");
    assert!(!tls.verified);
    assert_eq!(tls.subject, tls.issuer, "self-signed");
    assert!((58..=60).contains(&tls.days_left));
    assert!(r.details.contains("is not trusted"), "{}", r.details);
}

#[tokio::test]
async fn the_warning_threshold_is_the_probers() {
    let ca = ca();
    let (cert, key) = ca.leaf("localhost", -1, 20, false);
    let url = tls_server(cert, key).await;
    let mut p = prober(ca.trust());
    let (r, _) = run(&p, get(&url), Duration::from_secs(5)).await;
    assert_eq!(
        r.outcome,
        Outcome::Pass,
        "20 days left, warning below 14: {r:?}"
    );
    p.tls_warn_days = 30;
    let (r, _) = run(&p, get(&url), Duration::from_secs(5)).await;
    assert_eq!(
        r.outcome,
        Outcome::Warn,
        "20 days left, warning below 30: {r:?}"
    );
    assert!(r.details.contains("warning below 30 days"), "{}", r.details);
}
