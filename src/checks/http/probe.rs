//! One attempt of an HTTP check over a fresh connection, timed phase by phase as
//! blackbox_exporter does: name resolution, TCP connect, TLS handshake, the wait for the
//! response head (ttfb) and the body (transfer). Redirects are followed by hand — each hop
//! checked against the URL policy, the request's headers dropped when the origin changes
//! — and the phases of the hops add up. Every address a name resolves to passes the
//! policy before it is contacted. No proxy is used: a check measures the path to the
//! target itself.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::header::{ACCEPT, HOST, HeaderMap, LOCATION, USER_AGENT};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use url::{Host, Url};

use super::tls::{self, Trust};
use super::{BODY_READ_CAP, Spec};
use crate::model::{Phases, TlsEvidence};
use crate::net::{MAX_REDIRECTS, USER_AGENT as PRODUCT};
use crate::policy::UrlPolicy;
use crate::text::redact_url;

/// What the HTTP checks of a run share: the URL policy, the TLS trust, the warning
/// threshold for certificates.
#[derive(Clone, Debug)]
pub struct Prober {
    pub policy: Arc<UrlPolicy>,
    pub trust: Trust,
    /// A certificate expiring within this many days warns.
    pub tls_warn_days: u32,
}

/// A complete answer.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub truncated: bool,
    /// The URL that answered (after redirects).
    pub url: Url,
}

/// Why an attempt did not complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Timeout,
    ConnectionReset,
    Connect,
    Dns,
    Tls,
    Body,
    Redirect,
    Refused,
    Other,
}

impl Kind {
    /// The name the report gives it (`attempts[].error`).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Timeout => "timeout",
            Kind::ConnectionReset => "connection_reset",
            Kind::Connect => "connect",
            Kind::Dns => "dns",
            Kind::Tls => "tls",
            Kind::Body => "body",
            Kind::Redirect => "redirect",
            Kind::Refused => "refused",
            Kind::Other => "other",
        }
    }
}

/// An attempt that did not complete.
#[derive(Debug, Clone)]
pub struct Failure {
    pub kind: Kind,
    /// The innermost cause, the part a person acts on.
    pub message: String,
    /// True once the request may have reached the server.
    pub sent: bool,
    /// The status, when the response head had arrived.
    pub status: Option<StatusCode>,
    /// Body bytes read before it broke.
    pub read: usize,
}

impl Failure {
    fn new(kind: Kind, message: impl Into<String>) -> Failure {
        Failure {
            kind,
            message: message.into(),
            sent: false,
            status: None,
            read: 0,
        }
    }
}

/// One attempt: when it started (after the check's start), its phases, what it got.
#[derive(Debug)]
pub struct Attempt {
    pub start: Duration,
    pub phases: Phases,
    pub tls: Option<TlsEvidence>,
    pub outcome: Result<Answer, Failure>,
    /// The wait before the next attempt, when there is one.
    pub retry_in: Option<Duration>,
}

/// Sends `spec`'s request once, within `budget`, following redirects.
pub async fn attempt(
    prober: &Prober,
    spec: &Spec,
    check_start: Instant,
    budget: Duration,
) -> Attempt {
    let started = Instant::now();
    let mut phases = Phases::default();
    let mut tls = None;
    let outcome =
        match tokio::time::timeout(budget, hops(prober, spec, &mut phases, &mut tls)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(Failure::new(Kind::Timeout, "timed out")),
        };
    phases.total = ms(started.elapsed());
    Attempt {
        start: started.duration_since(check_start),
        phases,
        tls,
        outcome,
        retry_in: None,
    }
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 10_000.0).round() / 10.0
}

fn add(phase: &mut Option<f64>, since: Instant) {
    *phase = Some(phase.unwrap_or(0.0) + ms(since.elapsed()));
}

/// The request, then each redirect it leads to.
async fn hops(
    prober: &Prober,
    spec: &Spec,
    phases: &mut Phases,
    tls: &mut Option<TlsEvidence>,
) -> Result<Answer, Failure> {
    let mut url = spec.url.clone();
    let mut method = spec.method.clone();
    let mut headers = spec.headers.clone();
    let mut redirects = 0;
    loop {
        let answer = hop(prober, &method, &url, &headers, phases, tls).await?;
        let location = answer.headers.get(LOCATION).and_then(|v| v.to_str().ok());
        let (true, Some(location)) = (answer.status.is_redirection(), location) else {
            return Ok(answer);
        };
        redirects += 1;
        if redirects > MAX_REDIRECTS {
            return Err(Failure::new(
                Kind::Redirect,
                format!("too many redirects (more than {MAX_REDIRECTS})"),
            ));
        }
        let next = url
            .join(location)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| {
                Failure::new(
                    Kind::Redirect,
                    "the redirect's Location is not an http(s) URL",
                )
            })?;
        if prober.policy.is_active()
            && let Err(why) = prober.policy.check_url(&next)
        {
            let to = redact_url(&next);
            return Err(Failure::new(
                Kind::Redirect,
                format!("redirect to {to} refused by the URL policy: {why}"),
            ));
        }
        if next.origin() != url.origin() {
            headers.clear();
        }
        let status = answer.status;
        if status == StatusCode::SEE_OTHER
            || (method == Method::POST
                && matches!(status, StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND))
        {
            method = Method::GET;
        }
        url = next;
    }
}

/// One request to `url` over a new connection.
async fn hop(
    prober: &Prober,
    method: &Method,
    url: &Url,
    headers: &[(hyper::header::HeaderName, hyper::header::HeaderValue)],
    phases: &mut Phases,
    tls: &mut Option<TlsEvidence>,
) -> Result<Answer, Failure> {
    let addrs = resolve(prober, url, phases).await?;
    let t = Instant::now();
    let tcp = connect(&addrs).await?;
    add(&mut phases.connect, t);
    let request = request(method, url, headers)?;
    if url.scheme() == "https" {
        let host = url
            .host_str()
            .unwrap_or("")
            .trim_matches(['[', ']'])
            .to_string();
        let name = rustls::pki_types::ServerName::try_from(host)
            .map_err(|e| Failure::new(Kind::Tls, e.to_string()))?;
        let (config, seen) = prober.trust.connection();
        let t = Instant::now();
        let handshake = tokio_rustls::TlsConnector::from(config)
            .connect(name, tcp)
            .await;
        let seen = std::mem::take(&mut *seen.lock().unwrap_or_else(|p| p.into_inner()));
        let refused = seen.refused.clone();
        if let Some(der) = &seen.leaf {
            *tls = tls::evidence(der, seen.refused, std::time::SystemTime::now());
        }
        let stream = handshake.map_err(|e| match refused {
            Some(why) => Failure::new(Kind::Tls, why),
            None => io_failure(&e, Kind::Tls),
        })?;
        add(&mut phases.tls, t);
        exchange(stream, request, url, phases).await
    } else {
        exchange(tcp, request, url, phases).await
    }
}

/// The addresses of `url`'s host that the policy lets through (timed, unless a literal).
async fn resolve(
    prober: &Prober,
    url: &Url,
    phases: &mut Phases,
) -> Result<Vec<SocketAddr>, Failure> {
    let port = url.port_or_known_default().unwrap_or(80);
    match url.host() {
        Some(Host::Ipv4(ip)) => Ok(vec![SocketAddr::new(ip.into(), port)]),
        Some(Host::Ipv6(ip)) => Ok(vec![SocketAddr::new(ip.into(), port)]),
        Some(Host::Domain(name)) => {
            let t = Instant::now();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((name, port))
                .await
                .map_err(|e| Failure::new(Kind::Dns, e.to_string()))?
                .collect();
            add(&mut phases.dns, t);
            if !prober.policy.is_active() {
                return Ok(found);
            }
            prober
                .policy
                .allowed_addrs(name, found)
                .map_err(|why| Failure::new(Kind::Refused, why))
        }
        None => Err(Failure::new(Kind::Other, "the URL has no host")),
    }
}

/// A TCP connection to the first address that takes one.
async fn connect(addrs: &[SocketAddr]) -> Result<TcpStream, Failure> {
    let mut last = Failure::new(Kind::Connect, "no address to connect to");
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(stream) => {
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(e) => last = io_failure(&e, Kind::Connect),
        }
    }
    Err(last)
}

fn request(
    method: &Method,
    url: &Url,
    headers: &[(hyper::header::HeaderName, hyper::header::HeaderValue)],
) -> Result<Request<Empty<Bytes>>, Failure> {
    let host = match url.port() {
        Some(port) => format!("{}:{port}", url.host_str().unwrap_or("")),
        None => url.host_str().unwrap_or("").to_string(),
    };
    let target = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    let mut builder = Request::builder()
        .method(method.clone())
        .uri(target)
        .header(HOST, host)
        .header(USER_AGENT, PRODUCT)
        .header(ACCEPT, "*/*");
    for (name, value) in headers {
        let mut value = value.clone();
        value.set_sensitive(true);
        builder = builder.header(name.clone(), value);
    }
    builder
        .body(Empty::new())
        .map_err(|e| Failure::new(Kind::Other, e.to_string()))
}

/// Sends the request on `stream` and reads the answer: ttfb, then transfer.
async fn exchange<S>(
    stream: S,
    request: Request<Empty<Bytes>>,
    url: &Url,
    phases: &mut Phases,
) -> Result<Answer, Failure>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| hyper_failure(&e, false))?;
    let driver = tokio::spawn(connection);
    let t = Instant::now();
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| hyper_failure(&e, true))?;
    add(&mut phases.ttfb, t);
    let status = response.status();
    let (parts, mut body) = response.into_parts();
    let t = Instant::now();
    let mut bytes = Vec::new();
    let mut truncated = false;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| Failure {
            status: Some(status),
            read: bytes.len(),
            ..hyper_failure(&e, true)
        })?;
        if let Ok(data) = frame.into_data() {
            let room = BODY_READ_CAP - bytes.len();
            if data.len() > room {
                bytes.extend_from_slice(&data[..room]);
                truncated = true;
                break;
            }
            bytes.extend_from_slice(&data);
        }
    }
    add(&mut phases.transfer, t);
    driver.abort();
    Ok(Answer {
        status,
        headers: parts.headers,
        body: bytes,
        truncated,
        url: url.clone(),
    })
}

/// An I/O error in words, its kind by what it says of the connection.
fn io_failure(e: &io::Error, otherwise: Kind) -> Failure {
    let kind = match e.kind() {
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe
        | io::ErrorKind::UnexpectedEof => Kind::ConnectionReset,
        io::ErrorKind::TimedOut => Kind::Timeout,
        _ => otherwise,
    };
    Failure::new(kind, root_cause(e))
}

/// A hyper error: a reset or an early close when the connection broke, else `Other`.
fn hyper_failure(e: &hyper::Error, sent: bool) -> Failure {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if let Some(io) = err.downcast_ref::<io::Error>() {
            return Failure {
                sent,
                ..io_failure(io, Kind::ConnectionReset)
            };
        }
        source = err.source();
    }
    let kind = if e.is_incomplete_message() || e.is_closed() || e.is_canceled() {
        Kind::ConnectionReset
    } else if e.is_parse() || e.is_body_write_aborted() {
        Kind::Other
    } else {
        Kind::Body
    };
    Failure {
        sent,
        ..Failure::new(kind, root_cause(e))
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}
