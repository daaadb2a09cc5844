//! AWS setup shared by the AWS checks: the profile (checked against the shared files before
//! anything runs), the region, the credentials (resolved once, provider by provider so the
//! report can say where they came from, with a tight instance-metadata probe so nothing
//! stalls outside AWS), SDK clients, and turning SDK errors into one human sentence: the
//! service's own code and message, or what could not be reached and why. This file holds
//! the run's [`AwsContext`] (the session loaded once) and the clients; each concern has its
//! own file below it.

mod credentials;
mod failure;
mod network;
mod profile;
mod region;

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::provider::error::CredentialsError;
use tokio::sync::OnceCell;

pub use credentials::CredentialSource;
use credentials::{Lookup, Provider, credential_providers, first_credentials};
pub use failure::{Failure, classify};
pub use network::{ConnectFailed, NetworkProblem, network_problem};
use network::{NameTheEndpoint, host_of, innermost};
pub use profile::{SharedFiles, check_profile};
pub use region::{DEFAULT_REGION, ResolvedRegion, resolve_region};

use crate::config::ProfileChoice;
use crate::text::{cap, error_chain};

/// The longest error text kept from a service.
const MAX_ERROR_MESSAGE: usize = 500;

/// The sentence every AWS check reports when there are no credentials at all.
pub const NO_CREDENTIALS: &str = "no AWS credentials found (looked in the environment, the shared config/credentials files, a web identity token, the container and the EC2 instance metadata); name a profile with --profile (or AWS_PROFILE), set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or assume a role first";

/// What the AWS checks share once credentials are resolved.
#[derive(Debug)]
pub struct Session {
    pub sdk: SdkConfig,
    pub credentials: CredentialSource,
}

/// The AWS side of one run: loaded at most once, on first use, shared by the AWS checks.
pub struct AwsContext {
    region: String,
    endpoint_url: Option<String>,
    profile: Option<ProfileChoice>,
    timeout: Duration,
    session: OnceCell<Result<Session, String>>,
}

impl AwsContext {
    pub fn new(region: String, endpoint_url: Option<String>, timeout: Duration) -> Self {
        AwsContext {
            region,
            endpoint_url,
            profile: None,
            timeout,
            session: OnceCell::new(),
        }
    }

    /// Uses this shared-config profile for credentials and service settings.
    pub fn with_profile(mut self, profile: Option<ProfileChoice>) -> Self {
        self.profile = profile;
        self
    }

    /// The SDK configuration, with credentials already resolved and where they came from;
    /// or the one sentence that says why there are none.
    pub async fn session(&self) -> Result<&Session, String> {
        self.session
            .get_or_init(|| self.load())
            .await
            .as_ref()
            .map_err(Clone::clone)
    }

    fn endpoint_host(&self) -> Option<String> {
        self.endpoint_url.as_deref().and_then(host_of)
    }

    fn profile_name(&self) -> &str {
        self.profile.as_ref().map_or("default", |p| p.name.as_str())
    }

    async fn load(&self) -> Result<Session, String> {
        let region = Region::new(self.region.clone());
        let providers = credential_providers(region.clone(), self.profile.as_ref());
        let lookup = tokio::time::timeout(self.timeout, first_credentials(&providers)).await;
        let profile = self.profile_name();
        let (credentials, source) = match lookup {
            Err(_) => {
                return Err(format!(
                    "AWS credentials could not be loaded within {} s",
                    self.timeout.as_secs_f64()
                ));
            }
            Ok(Lookup::Found(provider, c)) => {
                let source = provider.source(profile, &c);
                (c, source)
            }
            Ok(Lookup::NotFound(last)) => return Err(self.no_credentials(last.as_ref())),
            Ok(Lookup::Failed(provider, e)) => {
                let reason = match network_problem(&e) {
                    Some(problem) => {
                        // The endpoint override reaches STS and SSO, not the container's
                        // credentials endpoint.
                        let (what, host) = match provider {
                            Provider::Container => ("the container credentials endpoint", None),
                            Provider::WebIdentity => ("STS", self.endpoint_host()),
                            _ => ("AWS", self.endpoint_host()),
                        };
                        let failed = ConnectFailed::new(host, problem, innermost(&e));
                        format!("could not reach {what}: {failed}")
                    }
                    None => error_chain(&e),
                };
                return Err(cap(
                    &format!(
                        "AWS credentials from {} could not be loaded: {reason}",
                        provider.label(profile)
                    ),
                    MAX_ERROR_MESSAGE,
                ));
            }
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
        if let Some(profile) = &self.profile {
            loader = loader.profile_name(profile.name.clone());
        }
        if let Some(url) = &self.endpoint_url {
            loader = loader.endpoint_url(url.clone());
        }
        Ok(Session {
            sdk: loader.load().await,
            credentials: source,
        })
    }

    /// Why there are no credentials, in one sentence.
    fn no_credentials(&self, last: Option<&CredentialsError>) -> String {
        match &self.profile {
            Some(p) if p.from_flag => {
                // The SDK's words when they say more than "not enabled" (a source_profile
                // that is missing, an SSO profile without its account and role…).
                let why = last
                    .map(|e| error_chain(e))
                    .filter(|w| !w.contains("was not enabled"))
                    .map(|w| format!(" ({w})"))
                    .unwrap_or_default();
                cap(
                    &format!(
                        "profile {} (--profile) holds no AWS credentials{why}: give it access keys, an SSO login, a role or a credential_process",
                        p.name
                    ),
                    MAX_ERROR_MESSAGE,
                )
            }
            Some(p) => format!(
                "no AWS credentials found (looked in the environment, profile {} named by AWS_PROFILE, a web identity token, the container and the EC2 instance metadata); give the profile access keys, an SSO login, a role or a credential_process, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
                p.name
            ),
            None => NO_CREDENTIALS.to_string(),
        }
    }

    /// True when the endpoint is overridden (moto, LocalStack): S3 then needs path-style
    /// addressing.
    pub fn custom_endpoint(&self) -> bool {
        self.endpoint_url.is_some()
    }
}

pub fn sts_client(sdk: &SdkConfig) -> aws_sdk_sts::Client {
    let conf = aws_sdk_sts::config::Builder::from(sdk)
        .interceptor(NameTheEndpoint)
        .build();
    aws_sdk_sts::Client::from_conf(conf)
}

pub fn s3_client(sdk: &SdkConfig, path_style: bool) -> aws_sdk_s3::Client {
    let conf = aws_sdk_s3::config::Builder::from(sdk)
        .force_path_style(path_style)
        .interceptor(NameTheEndpoint)
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

/// CloudFront is global and signs in us-east-1 whatever the run's region.
pub fn cloudfront_client(sdk: &SdkConfig) -> aws_sdk_cloudfront::Client {
    let conf = aws_sdk_cloudfront::config::Builder::from(sdk)
        .region(Region::new("us-east-1"))
        .interceptor(NameTheEndpoint)
        .build();
    aws_sdk_cloudfront::Client::from_conf(conf)
}
