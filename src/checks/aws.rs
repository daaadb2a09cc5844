//! AWS setup shared by the AWS checks: region, credentials (resolved once, with a tight
//! instance-metadata probe so nothing stalls outside AWS), SDK clients, and turning SDK
//! errors into one human sentence plus the service's own code and message.

use std::error::Error as StdError;
use std::time::Duration;

use aws_config::ecs::EcsCredentialsProvider;
use aws_config::environment::credentials::EnvironmentVariableCredentialsProvider;
use aws_config::imds::credentials::ImdsCredentialsProvider;
use aws_config::meta::credentials::CredentialsProviderChain;
use aws_config::meta::region::ProvideRegion;
use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::profile::ProfileFileRegionProvider;
use aws_config::provider_config::ProviderConfig;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::web_identity_token::WebIdentityTokenCredentialsProvider;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider, future};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use tokio::sync::OnceCell;

use crate::config::{CheckConfig, RegionSource};
use crate::model::ErrorInfo;
use crate::text::{cap, error_chain};

/// Region used when none is configured anywhere (CloudFront and STS are global anyway).
pub const DEFAULT_REGION: &str = "us-east-1";

/// How long the EC2 instance-metadata endpoint gets to answer. On EC2 it answers in
/// about a millisecond; elsewhere the address usually black-holes, and waiting the
/// SDK's default would stall every run by seconds.
const IMDS_CONNECT_TIMEOUT: Duration = Duration::from_millis(300);
const IMDS_READ_TIMEOUT: Duration = Duration::from_millis(500);

/// The longest error text kept from a service.
const MAX_ERROR_MESSAGE: usize = 500;

/// The sentence every AWS check reports when there are no credentials at all.
pub const NO_CREDENTIALS: &str = "no AWS credentials found (looked in the environment, the shared config/credentials files, a web identity token, the container and the EC2 instance metadata); set AWS_PROFILE or AWS_ACCESS_KEY_ID, or assume a role first";

/// Region chosen for the run and where it came from.
#[derive(Debug, Clone)]
pub struct ResolvedRegion {
    pub name: String,
    pub source: &'static str,
}

/// Resolves the region: flag or environment (already in `config`), then the profile, then
/// [`DEFAULT_REGION`]. Never asks the instance metadata.
pub async fn resolve_region(config: &CheckConfig) -> ResolvedRegion {
    if let Some((name, source)) = &config.region {
        return ResolvedRegion {
            name: name.clone(),
            source: match source {
                RegionSource::Flag => "flag",
                RegionSource::Environment => "environment",
            },
        };
    }
    if let Some(region) = ProfileFileRegionProvider::new().region().await {
        return ResolvedRegion {
            name: region.to_string(),
            source: "profile",
        };
    }
    ResolvedRegion {
        name: DEFAULT_REGION.to_string(),
        source: "default",
    }
}

/// The AWS side of one run: loaded at most once, on first use, shared by the AWS checks.
pub struct AwsContext {
    region: String,
    endpoint_url: Option<String>,
    timeout: Duration,
    sdk: OnceCell<Result<SdkConfig, String>>,
}

impl AwsContext {
    pub fn new(region: String, endpoint_url: Option<String>, timeout: Duration) -> Self {
        AwsContext {
            region,
            endpoint_url,
            timeout,
            sdk: OnceCell::new(),
        }
    }

    /// The SDK configuration, with credentials already resolved; or the one sentence that
    /// says why there are none.
    pub async fn sdk(&self) -> Result<&SdkConfig, String> {
        self.sdk
            .get_or_init(|| self.load())
            .await
            .as_ref()
            .map_err(Clone::clone)
    }

    async fn load(&self) -> Result<SdkConfig, String> {
        let region = Region::new(self.region.clone());
        let chain = credentials_chain(region.clone());
        let credentials =
            match tokio::time::timeout(self.timeout, chain.provide_credentials()).await {
                Err(_) => {
                    return Err(format!(
                        "AWS credentials could not be loaded within {} s",
                        self.timeout.as_secs_f64()
                    ));
                }
                Ok(Err(CredentialsError::CredentialsNotLoaded(_))) => {
                    return Err(NO_CREDENTIALS.to_string());
                }
                Ok(Err(e)) => {
                    return Err(cap(
                        &format!("AWS credentials could not be loaded: {}", error_chain(&e)),
                        MAX_ERROR_MESSAGE,
                    ));
                }
                Ok(Ok(c)) => c,
            };
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(region)
            .credentials_provider(SharedCredentialsProvider::new(credentials))
            .retry_config(RetryConfig::standard().with_max_attempts(3))
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(self.timeout)
                    .operation_timeout(self.timeout)
                    .build(),
            );
        if let Some(url) = &self.endpoint_url {
            loader = loader.endpoint_url(url.clone());
        }
        Ok(loader.load().await)
    }

    /// True when the endpoint is overridden (moto, LocalStack): S3 then needs path-style
    /// addressing.
    pub fn custom_endpoint(&self) -> bool {
        self.endpoint_url.is_some()
    }
}

/// The SDK's default credential chain (environment, profile incl. SSO and
/// credential_process, web identity, container, instance metadata), except that the
/// instance metadata gets a tight timeout and any answer from it other than credentials
/// means "not on EC2" rather than an error.
fn credentials_chain(region: Region) -> CredentialsProviderChain {
    let conf = ProviderConfig::default().with_region(Some(region));
    let imds = aws_config::imds::Client::builder()
        .connect_timeout(IMDS_CONNECT_TIMEOUT)
        .read_timeout(IMDS_READ_TIMEOUT)
        .max_attempts(1)
        .build();
    CredentialsProviderChain::first_try(
        "Environment",
        EnvironmentVariableCredentialsProvider::new(),
    )
    .or_else(
        "Profile",
        ProfileFileCredentialsProvider::builder()
            .configure(&conf)
            .build(),
    )
    .or_else(
        "WebIdentityToken",
        WebIdentityTokenCredentialsProvider::builder()
            .configure(&conf)
            .build(),
    )
    .or_else(
        "EcsContainer",
        EcsCredentialsProvider::builder().configure(&conf).build(),
    )
    .or_else(
        "Ec2InstanceMetadata",
        InstanceMetadata(
            ImdsCredentialsProvider::builder()
                .configure(&conf)
                .imds_client(imds)
                .build(),
        ),
    )
}

/// Instance-metadata credentials where any failure counts as "no credentials here".
#[derive(Debug)]
struct InstanceMetadata(ImdsCredentialsProvider);

impl ProvideCredentials for InstanceMetadata {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            self.0.provide_credentials().await.map_err(|e| match e {
                CredentialsError::CredentialsNotLoaded(_) => e,
                other => CredentialsError::not_loaded(other),
            })
        })
    }
}

pub fn sts_client(sdk: &SdkConfig) -> aws_sdk_sts::Client {
    aws_sdk_sts::Client::new(sdk)
}

pub fn s3_client(sdk: &SdkConfig, path_style: bool) -> aws_sdk_s3::Client {
    let conf = aws_sdk_s3::config::Builder::from(sdk)
        .force_path_style(path_style)
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

/// CloudFront is global and signs in us-east-1 whatever the run's region.
pub fn cloudfront_client(sdk: &SdkConfig) -> aws_sdk_cloudfront::Client {
    let conf = aws_sdk_cloudfront::config::Builder::from(sdk)
        .region(Region::new("us-east-1"))
        .build();
    aws_sdk_cloudfront::Client::from_conf(conf)
}

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
        SdkError::DispatchFailure(_) => Failure::Unreachable(ErrorInfo {
            code: None,
            http_status: None,
            message: cap(&DisplayErrorContext(err).to_string(), MAX_ERROR_MESSAGE),
        }),
        _ => Failure::Other(ErrorInfo {
            code: None,
            http_status,
            message: cap(&DisplayErrorContext(err).to_string(), MAX_ERROR_MESSAGE),
        }),
    }
}
