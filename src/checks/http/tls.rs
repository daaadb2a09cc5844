//! TLS for the HTTP checks: a verifier that records the server's leaf certificate before
//! it judges it (so the expiry is known even when verification fails), the client
//! configuration of one connection, and the certificate read into [`TlsEvidence`].

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};

use crate::model::TlsEvidence;
use crate::text::{cap, printable};

/// Longest subject or issuer kept.
const MAX_NAME: usize = 256;

/// What one handshake showed: the leaf certificate, and why verification refused it.
#[derive(Debug, Default)]
pub struct Seen {
    pub leaf: Option<Vec<u8>>,
    pub refused: Option<String>,
}

/// Delegates to the real verifier after noting the leaf certificate and the verdict.
#[derive(Debug)]
struct Recording {
    inner: Arc<dyn ServerCertVerifier>,
    seen: Arc<Mutex<Seen>>,
}

impl ServerCertVerifier for Recording {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verdict = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        if let Ok(mut seen) = self.seen.lock() {
            seen.leaf = Some(end_entity.as_ref().to_vec());
            if let Err(e) = &verdict {
                seen.refused = Some(e.to_string());
            }
        }
        verdict
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// The process's TLS trust: the platform's verifier (the system's roots; `SSL_CERT_FILE`
/// and `SSL_CERT_DIR` are honoured on Linux), or any other for tests.
#[derive(Clone, Debug)]
pub struct Trust {
    verifier: Arc<dyn ServerCertVerifier>,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

/// The crypto provider of the HTTP checks' TLS: aws-lc-rs, the one already in the tree.
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

impl Trust {
    pub fn platform() -> anyhow::Result<Trust> {
        Trust::platform_and(Vec::new())
    }

    /// The platform's verifier, trusting `extra` CA certificates too (`--ca-cert`).
    pub fn platform_and(extra: Vec<CertificateDer<'static>>) -> anyhow::Result<Trust> {
        let provider = provider();
        let verifier =
            rustls_platform_verifier::Verifier::new_with_extra_roots(extra, provider.clone())
                .map_err(|e| anyhow::anyhow!("loading the system's TLS roots: {e}"))?;
        Ok(Trust {
            verifier: Arc::new(verifier),
            provider,
        })
    }

    /// Trusts exactly `verifier`.
    pub fn with(verifier: Arc<dyn ServerCertVerifier>) -> Trust {
        Trust {
            verifier,
            provider: provider(),
        }
    }

    /// The configuration of one connection, and where its handshake writes what it saw.
    pub fn connection(&self) -> (Arc<ClientConfig>, Arc<Mutex<Seen>>) {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let mut config = ClientConfig::builder_with_provider(self.provider.clone())
            .with_safe_default_protocol_versions()
            .expect("the default provider supports the default versions")
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Recording {
                inner: self.verifier.clone(),
                seen: seen.clone(),
            }))
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        (Arc::new(config), seen)
    }
}

/// The certificate's names and dates, `now` being the time of the check. `None` when the
/// DER does not parse.
pub fn evidence(der: &[u8], refused: Option<String>, now: SystemTime) -> Option<TlsEvidence> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let validity = cert.validity();
    let not_before = validity.not_before.timestamp();
    let not_after = validity.not_after.timestamp();
    let now_s = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    Some(TlsEvidence {
        subject: cap(&printable(&cert.subject().to_string()), MAX_NAME),
        issuer: cap(&printable(&cert.issuer().to_string()), MAX_NAME),
        not_before: rfc3339(not_before),
        not_after: rfc3339(not_after),
        days_left: (not_after - now_s).div_euclid(86_400),
        verified: refused.is_none(),
        verify_error: refused.map(|e| cap(&printable(&e), 300)),
    })
}

fn rfc3339(unix: i64) -> String {
    let at = if unix >= 0 {
        UNIX_EPOCH + Duration::from_secs(unix as u64)
    } else {
        UNIX_EPOCH
    };
    humantime::format_rfc3339_seconds(at).to_string()
}

/// The TLS part of a verdict: a failure for a certificate out of its validity period,
/// a warning for one expiring within `warn_days`; `None` when nothing is to say.
pub fn judge(tls: &TlsEvidence, host: &str, warn_days: u32, now: SystemTime) -> Option<Verdict> {
    let now = humantime::format_rfc3339_seconds(now).to_string();
    if tls.not_after < now {
        return Some(Verdict::Fail(format!(
            "the TLS certificate of {host} expired on {} ({} days ago)",
            tls.not_after, -tls.days_left
        )));
    }
    if tls.not_before > now {
        return Some(Verdict::Fail(format!(
            "the TLS certificate of {host} is not valid before {}",
            tls.not_before
        )));
    }
    if let Some(why) = &tls.verify_error {
        return Some(Verdict::Fail(format!(
            "the TLS certificate of {host} is not trusted: {why} (it expires on {})",
            tls.not_after
        )));
    }
    if tls.days_left < i64::from(warn_days) {
        return Some(Verdict::Warn(format!(
            "the TLS certificate of {host} expires in {} days, on {} (warning below {warn_days} days)",
            tls.days_left, tls.not_after
        )));
    }
    None
}

/// What the certificate adds to a verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Warn(String),
    Fail(String),
}
