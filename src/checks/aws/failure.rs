//! What an SDK call's failure comes down to: the service's own code, status and message,
//! no answer in time, or an endpoint that could not be reached and why.

use std::error::Error as StdError;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::MAX_ERROR_MESSAGE;
use super::network::{ConnectFailed, NetworkProblem, chain, innermost, network_problem};
use crate::model::ErrorInfo;
use crate::text::{cap, error_chain};

/// What an SDK call's failure comes down to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The service answered with an error.
    Service(ErrorInfo),
    /// No answer in time.
    Timeout(ErrorInfo),
    /// The request never got an answer (connection refused, DNS, TLS…).
    Unreachable(ErrorInfo),
    /// Anything else (unparseable response, request could not be built).
    Other(ErrorInfo),
}

impl Failure {
    pub fn info(&self) -> &ErrorInfo {
        match self {
            Failure::Service(i)
            | Failure::Timeout(i)
            | Failure::Unreachable(i)
            | Failure::Other(i) => i,
        }
    }

    pub fn code(&self) -> Option<&str> {
        self.info().code.as_deref()
    }

    pub fn http_status(&self) -> Option<u16> {
        self.info().http_status
    }

    pub fn is_access_denied(&self) -> bool {
        matches!(self, Failure::Service(_))
            && (self.http_status() == Some(403)
                || matches!(
                    self.code(),
                    Some("AccessDenied" | "AccessDeniedException" | "Forbidden")
                ))
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, Failure::Service(_))
            && (self.http_status() == Some(404)
                || self
                    .code()
                    .is_some_and(|c| c.starts_with("NoSuch") || c == "NotFound"))
    }

    pub fn is_throttling(&self) -> bool {
        matches!(
            self.code(),
            Some(
                "Throttling"
                    | "ThrottlingException"
                    | "SlowDown"
                    | "TooManyRequestsException"
                    | "RequestLimitExceeded"
            )
        ) || self.http_status() == Some(429)
    }

    /// A sentence fragment for the generic cases: "AccessDenied: message" or the transport
    /// error.
    pub fn describe(&self) -> String {
        match self {
            Failure::Service(i) => match (&i.code, i.message.is_empty()) {
                (Some(code), false) => format!("{code}: {}", i.message),
                (Some(code), true) => code.clone(),
                (None, _) if !i.message.is_empty() => i.message.clone(),
                (None, _) => format!(
                    "HTTP {}",
                    i.http_status.map_or("error".into(), |s| s.to_string())
                ),
            },
            Failure::Timeout(i) | Failure::Unreachable(i) | Failure::Other(i) => i.message.clone(),
        }
    }
}

/// Classifies an SDK error, keeping the service's code, HTTP status and message.
pub fn classify<E>(err: &SdkError<E, HttpResponse>) -> Failure
where
    E: ProvideErrorMetadata + StdError + 'static,
{
    let http_status = err.raw_response().map(|r| r.status().as_u16());
    match err {
        SdkError::ServiceError(_) => {
            let code = err.code().map(str::to_string).or_else(|| {
                // HEAD responses carry no body, so no code: derive one from the status.
                http_status.and_then(|s| match s {
                    403 => Some("Forbidden".to_string()),
                    404 => Some("NotFound".to_string()),
                    301 => Some("PermanentRedirect".to_string()),
                    _ => None,
                })
            });
            Failure::Service(ErrorInfo {
                code,
                http_status,
                message: cap(err.message().unwrap_or_default(), MAX_ERROR_MESSAGE),
            })
        }
        SdkError::TimeoutError(_) => Failure::Timeout(ErrorInfo {
            code: None,
            http_status: None,
            message: "the request timed out".into(),
        }),
        SdkError::DispatchFailure(_) => {
            let failed = chain(err)
                .find_map(|e| e.downcast_ref::<ConnectFailed>().cloned())
                .unwrap_or_else(|| {
                    ConnectFailed::new(
                        None,
                        network_problem(err).unwrap_or(NetworkProblem::Other),
                        innermost(err),
                    )
                });
            Failure::Unreachable(ErrorInfo {
                code: None,
                http_status: None,
                message: cap(&failed.to_string(), MAX_ERROR_MESSAGE),
            })
        }
        _ => Failure::Other(ErrorInfo {
            code: None,
            http_status,
            message: cap(&error_chain(err), MAX_ERROR_MESSAGE),
        }),
    }
}

#[cfg(test)]
mod tests {
    use std::io;

    use aws_smithy_runtime_api::box_error::BoxError;
    use aws_smithy_runtime_api::client::result::ConnectorError;

    use super::*;

    fn io_error(kind: io::ErrorKind, text: &str) -> BoxError {
        Box::new(io::Error::new(kind, text.to_string()))
    }

    /// A dispatch failure as the SDK reports it.
    fn dispatch_failure(e: ConnectorError) -> SdkError<aws_sdk_sts::Error, HttpResponse> {
        SdkError::dispatch_failure(e)
    }

    #[test]
    fn a_dispatch_failure_is_described_without_a_debug_dump() {
        let err = dispatch_failure(ConnectorError::io(io_error(
            io::ErrorKind::ConnectionRefused,
            "tcp connect error: Connection refused (os error 111)",
        )));
        let failure = classify(&err);
        assert!(matches!(failure, Failure::Unreachable(_)), "{failure:?}");
        assert_eq!(failure.describe(), "connection refused");
    }
}
