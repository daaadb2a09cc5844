//! Connection failures of SDK calls: what went wrong (DNS, refused, timeout, TLS…) read
//! from the error chain, and the interceptor that names the endpoint's host in the error,
//! so that "dispatch failure" becomes "connection refused by sts.us-east-1.amazonaws.com".

use std::error::Error as StdError;
use std::fmt;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::dns::ResolveDnsError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextMut,
};
use aws_smithy_runtime_api::client::orchestrator::OrchestratorError;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};

use crate::text::{cap, redact_urls_in};

/// Why a connection to an endpoint failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkProblem {
    Dns,
    Refused,
    TimedOut,
    Tls,
    Reset,
    Unreachable,
    Other,
}

/// A connection that failed: to which host, why, and the innermost cause as the network
/// stack said it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectFailed {
    pub host: Option<String>,
    pub problem: NetworkProblem,
    pub detail: Option<String>,
}

impl ConnectFailed {
    pub(super) fn new(
        host: Option<String>,
        problem: NetworkProblem,
        detail: Option<String>,
    ) -> Self {
        ConnectFailed {
            host,
            problem,
            detail,
        }
    }
}

impl fmt::Display for ConnectFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use NetworkProblem::*;
        let (what, show_detail) = match (&self.host, self.problem) {
            (Some(h), Dns) => (format!("DNS lookup failed for {h}"), false),
            (Some(h), Refused) => (format!("connection refused by {h}"), false),
            (Some(h), TimedOut) => (format!("timed out connecting to {h}"), false),
            (Some(h), Tls) => (format!("TLS handshake failed with {h}"), true),
            (Some(h), Reset) => (format!("connection reset by {h}"), false),
            (Some(h), Unreachable) => (format!("{h} is unreachable (no route)"), false),
            (Some(h), Other) => (format!("could not connect to {h}"), true),
            (None, Dns) => ("DNS lookup failed".into(), false),
            (None, Refused) => ("connection refused".into(), false),
            (None, TimedOut) => ("timed out connecting".into(), false),
            (None, Tls) => ("TLS handshake failed".into(), true),
            (None, Reset) => ("connection reset".into(), false),
            (None, Unreachable) => ("host unreachable (no route)".into(), false),
            (None, Other) => ("could not connect".into(), true),
        };
        f.write_str(&what)?;
        match &self.detail {
            Some(d) if show_detail => write!(f, " ({d})"),
            _ => Ok(()),
        }
    }
}

impl StdError for ConnectFailed {}

/// `err` and its causes, outermost first.
pub(super) fn chain<'a>(
    err: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(err), |e: &&'a (dyn StdError + 'static)| (*e).source())
}

/// The innermost cause's text, capped and free of URLs' secrets.
pub(super) fn innermost(err: &(dyn StdError + 'static)) -> Option<String> {
    let last = chain(err).last()?;
    let text = redact_urls_in(&last.to_string());
    let text = text.trim();
    (!text.is_empty()).then(|| cap(text, 200))
}

/// Why a request could not reach its endpoint, from the error chain: None when nothing in
/// the chain is a connection failure. Typed causes first (the connector's timeout, DNS
/// resolution, the operating system's error kind), then the words of the causes as a
/// last resort (resolver and TLS libraries say it only in text).
pub fn network_problem(err: &(dyn StdError + 'static)) -> Option<NetworkProblem> {
    use NetworkProblem::*;
    let mut connector = false;
    for e in chain(err) {
        if let Some(failed) = e.downcast_ref::<ConnectFailed>() {
            return Some(failed.problem);
        }
        if let Some(c) = e.downcast_ref::<ConnectorError>() {
            if c.is_timeout() {
                return Some(TimedOut);
            }
            connector = true;
        }
    }
    if !connector {
        return None;
    }
    if chain(err).any(|e| e.downcast_ref::<ResolveDnsError>().is_some()) {
        return Some(Dns);
    }
    for e in chain(err) {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind as K;
            match io.kind() {
                K::TimedOut => return Some(TimedOut),
                K::ConnectionRefused => return Some(Refused),
                K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe => return Some(Reset),
                K::HostUnreachable | K::NetworkUnreachable => return Some(Unreachable),
                _ => {}
            }
        }
    }
    let texts: Vec<String> = chain(err).map(|e| e.to_string().to_lowercase()).collect();
    let says = |words: &[&str]| texts.iter().any(|t| words.iter().any(|w| t.contains(w)));
    if says(&[
        "dns error",
        "failed to lookup address",
        "name or service not known",
        "nodename nor servname",
        "no such host",
        "name resolution",
    ]) {
        Some(Dns)
    } else if says(&[
        "certificate",
        "handshake",
        "tls",
        "ssl",
        "corrupt message",
        "invalidcontenttype",
    ]) {
        Some(Tls)
    } else if says(&["connection refused"]) {
        Some(Refused)
    } else if says(&["timed out"]) {
        Some(TimedOut)
    } else {
        Some(Other)
    }
}

/// `host[:port]` of a URL.
pub(super) fn host_of(url: &str) -> Option<String> {
    let url = url::Url::parse(url).ok()?;
    let host = url.host_str()?;
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    })
}

/// The host a request was sent to, kept for the operation's error.
#[derive(Debug, Clone)]
struct EndpointHost(String);

impl Storable for EndpointHost {
    type Storer = StoreReplace<Self>;
}

/// Puts the endpoint's host and the reason in words into a connection failure, so that
/// "dispatch failure" becomes "connection refused by sts.us-east-1.amazonaws.com". It runs
/// once the retries are over and keeps the failure's kind.
#[derive(Debug)]
pub(super) struct NameTheEndpoint;

impl Intercept for NameTheEndpoint {
    fn name(&self) -> &'static str {
        "NameTheEndpoint"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(host) = host_of(context.request().uri()) {
            cfg.interceptor_state().store_put(EndpointHost(host));
        }
        Ok(())
    }

    fn modify_before_completion(
        &self,
        context: &mut FinalizerInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let host = cfg.load::<EndpointHost>().map(|h| h.0.clone());
        if let Some(Err(err)) = context.output_or_error_mut()
            && let Some(connector) = err.as_connector_error()
        {
            let problem = network_problem(connector).unwrap_or(NetworkProblem::Other);
            let named: BoxError = Box::new(ConnectFailed::new(host, problem, innermost(connector)));
            let replaced = if connector.is_timeout() {
                ConnectorError::timeout(named)
            } else if connector.is_io() {
                ConnectorError::io(named)
            } else if connector.is_user() {
                ConnectorError::user(named)
            } else {
                ConnectorError::other(named, connector.as_other())
            };
            *err = OrchestratorError::connector(replaced);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io;

    use aws_config::retry::RetryConfig;
    use aws_config::{BehaviorVersion, Region};
    use aws_credential_types::Credentials;
    use aws_credential_types::provider::error::CredentialsError;
    use aws_smithy_runtime_api::client::http::{
        HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
    };
    use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
    use aws_smithy_runtime_api::client::result::SdkError;

    use super::*;
    use crate::checks::oidc;
    use crate::model::{Evidence, Outcome};

    fn io_error(kind: io::ErrorKind, text: &str) -> BoxError {
        Box::new(io::Error::new(kind, text.to_string()))
    }

    /// A dispatch failure as the SDK reports it.
    fn dispatch_failure(e: ConnectorError) -> SdkError<aws_sdk_sts::Error, HttpResponse> {
        SdkError::dispatch_failure(e)
    }

    #[test]
    fn network_failures_are_classified_from_the_error_chain() {
        use NetworkProblem::*;
        let cases: Vec<(ConnectorError, NetworkProblem)> = vec![
            (
                ConnectorError::io(io_error(io::ErrorKind::ConnectionRefused, "refused")),
                Refused,
            ),
            (
                ConnectorError::timeout(io_error(io::ErrorKind::Other, "connect timeout")),
                TimedOut,
            ),
            (
                ConnectorError::io(io_error(io::ErrorKind::TimedOut, "operation timed out")),
                TimedOut,
            ),
            (
                ConnectorError::io(Box::new(ResolveDnsError::new(io_error(
                    io::ErrorKind::Other,
                    "no record",
                )))),
                Dns,
            ),
            (
                ConnectorError::io(io_error(
                    io::ErrorKind::Other,
                    "dns error: failed to lookup address information: Name or service not known",
                )),
                Dns,
            ),
            (
                ConnectorError::io(io_error(
                    io::ErrorKind::InvalidData,
                    "invalid peer certificate: UnknownIssuer",
                )),
                Tls,
            ),
            (
                ConnectorError::io(io_error(
                    io::ErrorKind::InvalidData,
                    "received corrupt message of type InvalidContentType",
                )),
                Tls,
            ),
            (
                ConnectorError::io(io_error(io::ErrorKind::ConnectionReset, "reset by peer")),
                Reset,
            ),
            (
                ConnectorError::io(io_error(io::ErrorKind::HostUnreachable, "no route")),
                Unreachable,
            ),
            (
                ConnectorError::other("something odd".into(), None),
                NetworkProblem::Other,
            ),
        ];
        for (error, expected) in cases {
            let shown = format!("{error:?}");
            assert_eq!(network_problem(&error), Some(expected), "{shown}");
            let sdk = dispatch_failure(error);
            assert_eq!(network_problem(&sdk), Some(expected), "{shown}");
        }
        // Not a connection at all (a credential_process that is not installed): the SDK's
        // own words stay.
        let spawn = io::Error::new(io::ErrorKind::NotFound, "No such file or directory");
        assert_eq!(network_problem(&spawn), None);
        let not_network = CredentialsError::provider_error(spawn);
        assert_eq!(network_problem(&not_network), None);
    }

    #[test]
    fn connection_failures_read_as_a_sentence() {
        use NetworkProblem::*;
        let host = Some("sts.us-east-1.amazonaws.com".to_string());
        let detail = Some("invalid peer certificate: UnknownIssuer".to_string());
        for (problem, text) in [
            (Dns, "DNS lookup failed for sts.us-east-1.amazonaws.com"),
            (Refused, "connection refused by sts.us-east-1.amazonaws.com"),
            (
                TimedOut,
                "timed out connecting to sts.us-east-1.amazonaws.com",
            ),
            (
                Tls,
                "TLS handshake failed with sts.us-east-1.amazonaws.com (invalid peer certificate: UnknownIssuer)",
            ),
            (Reset, "connection reset by sts.us-east-1.amazonaws.com"),
        ] {
            let failed = ConnectFailed::new(host.clone(), problem, detail.clone());
            assert_eq!(failed.to_string(), text);
        }
        assert_eq!(
            ConnectFailed::new(None, Refused, detail).to_string(),
            "connection refused"
        );
    }

    /// Makes the error a connection fails with.
    type MakeError = fn() -> ConnectorError;

    /// An HTTP client whose every connection fails with `error`.
    #[derive(Debug, Clone)]
    struct Failing(MakeError);

    impl HttpConnector for Failing {
        fn call(&self, _request: HttpRequest) -> HttpConnectorFuture {
            HttpConnectorFuture::ready(Err((self.0)()))
        }
    }

    impl HttpClient for Failing {
        fn http_connector(
            &self,
            _settings: &HttpConnectorSettings,
            _components: &RuntimeComponents,
        ) -> SharedHttpConnector {
            SharedHttpConnector::new(self.clone())
        }
    }

    fn sts_failing(error: MakeError) -> aws_sdk_sts::Client {
        let conf = aws_sdk_sts::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("eu-west-1"))
            .credentials_provider(Credentials::new("AKID", "secret", None, None, "test"))
            .endpoint_url("https://sts.example.test:8443")
            .http_client(Failing(error))
            .retry_config(RetryConfig::disabled())
            .interceptor(NameTheEndpoint)
            .build();
        aws_sdk_sts::Client::from_conf(conf)
    }

    #[tokio::test]
    async fn the_check_names_the_host_that_could_not_be_reached() {
        let cases: [(MakeError, &str); 4] = [
            (
                || ConnectorError::io(io_error(io::ErrorKind::ConnectionRefused, "refused")),
                "could not reach STS: connection refused by sts.example.test:8443",
            ),
            (
                || {
                    ConnectorError::io(Box::new(ResolveDnsError::new(io_error(
                        io::ErrorKind::Other,
                        "failed to lookup address information",
                    ))))
                },
                "could not reach STS: DNS lookup failed for sts.example.test:8443",
            ),
            (
                || ConnectorError::timeout(io_error(io::ErrorKind::Other, "connect timeout")),
                "could not reach STS: timed out connecting to sts.example.test:8443",
            ),
            (
                || {
                    ConnectorError::io(io_error(
                        io::ErrorKind::InvalidData,
                        "invalid peer certificate: UnknownIssuer",
                    ))
                },
                "could not reach STS: TLS handshake failed with sts.example.test:8443 (invalid peer certificate: UnknownIssuer)",
            ),
        ];
        for (error, expected) in cases {
            let r = oidc::check(
                &sts_failing(error),
                &oidc::Expectations::default(),
                Some("profile dev".into()),
            )
            .await;
            assert_eq!(r.outcome, Outcome::Fail);
            assert_eq!(r.details, expected);
            let Some(Evidence::Identity(id)) = &r.evidence else {
                panic!("no evidence: {r:?}")
            };
            assert_eq!(id.credentials.as_deref(), Some("profile dev"));
            assert_eq!(id.account, None);
        }
    }
}
