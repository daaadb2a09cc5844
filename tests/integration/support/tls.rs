//! An https server on 127.0.0.1 with certificates made by the test: a CA that `check` is
//! told to trust (`--ca-cert`), and a leaf certificate for the names and the validity the
//! test asks for, signed by that CA or by itself. It answers every request `200 ok`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// The leaf certificate a server presents.
pub struct Leaf {
    /// DNS names and IP addresses it is valid for.
    pub names: Vec<&'static str>,
    pub not_before: SystemTime,
    pub not_after: SystemTime,
    /// Signed by itself instead of the test CA.
    pub self_signed: bool,
}

impl Leaf {
    /// For `localhost` and 127.0.0.1, valid from a day ago for `days` more days.
    pub fn valid_for(days: u64) -> Leaf {
        Leaf {
            names: vec!["localhost", "127.0.0.1"],
            not_before: SystemTime::now() - days_(1),
            not_after: SystemTime::now() + days_(days),
            self_signed: false,
        }
    }
}

/// `n` days.
pub fn days_(n: u64) -> Duration {
    Duration::from_secs(n * 86_400)
}

/// A test CA, its PEM file, and a server presenting a leaf certificate.
pub struct TlsServer {
    pub addr: SocketAddr,
    /// The test CA's certificate, for `--ca-cert`.
    pub ca_file: PathBuf,
    _dir: tempfile::TempDir,
}

impl TlsServer {
    pub fn start(leaf: Leaf) -> TlsServer {
        let dir = tempfile::tempdir().unwrap();
        let ca = test_ca();
        let ca_file = dir.path().join("ca.pem");
        std::fs::write(&ca_file, ca.pem()).unwrap();
        let (chain, key) = leaf_certificate(&leaf, &ca);
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let config = Arc::new(config);
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let config = config.clone();
                thread::spawn(move || serve(stream, config));
            }
        });
        TlsServer {
            addr,
            ca_file,
            _dir: dir,
        }
    }

    /// `https://localhost:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.addr.port())
    }

    pub fn ca_file(&self) -> &str {
        self.ca_file.to_str().unwrap()
    }
}

fn test_ca() -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(DnType::CommonName, "remote-hands test CA");
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.not_before =
        rcgen::date_time_ymd(1970, 1, 1) + since_epoch(SystemTime::now() - days_(365));
    params.not_after =
        rcgen::date_time_ymd(1970, 1, 1) + since_epoch(SystemTime::now() + days_(365));
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

fn leaf_certificate(
    leaf: &Leaf,
    ca: &CertifiedIssuer<'static, KeyPair>,
) -> (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
    let names: Vec<String> = leaf.names.iter().map(|n| n.to_string()).collect();
    let mut params = CertificateParams::new(names).unwrap();
    // A self-signed certificate gets a name no installed root has, so that nothing but
    // its own signature can be found for it.
    let common_name = if leaf.self_signed {
        "remote-hands self-signed test"
    } else {
        leaf.names[0]
    };
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params.not_before = rcgen::date_time_ymd(1970, 1, 1) + since_epoch(leaf.not_before);
    params.not_after = rcgen::date_time_ymd(1970, 1, 1) + since_epoch(leaf.not_after);
    let key = KeyPair::generate().unwrap();
    let cert = if leaf.self_signed {
        params.self_signed(&key).unwrap()
    } else {
        params.signed_by(&key, ca).unwrap()
    };
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    (vec![cert.der().clone()], key)
}

/// `t` as a time since the epoch (what certificate times are built from).
fn since_epoch(t: SystemTime) -> Duration {
    t.duration_since(UNIX_EPOCH).unwrap()
}

/// One connection: the handshake, the request head, `200 ok`.
fn serve(mut tcp: std::net::TcpStream, config: Arc<rustls::ServerConfig>) {
    let _ = tcp.set_read_timeout(Some(Duration::from_secs(10)));
    let Ok(conn) = rustls::ServerConnection::new(config) else {
        return;
    };
    let mut tls = rustls::StreamOwned::new(conn, &mut tcp);
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match tls.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let _ = tls.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
    tls.conn.send_close_notify();
    let _ = tls.flush();
}
