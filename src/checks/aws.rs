//! AWS setup shared by the AWS checks: the profile (checked against the shared files before
//! anything runs), the region, the credentials (resolved once, provider by provider so the
//! report can say where they came from, with a tight instance-metadata probe so nothing
//! stalls outside AWS), SDK clients, and turning SDK errors into one human sentence: the
//! service's own code and message, or what could not be reached and why.

use std::error::Error as StdError;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use aws_config::ecs::EcsCredentialsProvider;
use aws_config::environment::credentials::EnvironmentVariableCredentialsProvider;
use aws_config::imds::credentials::ImdsCredentialsProvider;
use aws_config::meta::region::ProvideRegion;
use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::profile::ProfileFileRegionProvider;
use aws_config::provider_config::ProviderConfig;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::web_identity_token::WebIdentityTokenCredentialsProvider;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::credential_feature::AwsCredentialFeature;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider, future};
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::dns::ResolveDnsError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextMut,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpResponse, OrchestratorError};
use aws_smithy_runtime_api::client::result::{ConnectorError, SdkError};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_types::os_shim_internal::{Env, Fs};
use tokio::sync::OnceCell;

use crate::config::{CheckConfig, ConfigError, ProfileChoice, Vars, validate_region};
use crate::model::{ErrorInfo, RegionSource};
use crate::text::{cap, error_chain, redact_urls_in};

/// Region used when none is configured anywhere (CloudFront and STS are global anyway).
pub const DEFAULT_REGION: &str = "us-east-1";

/// How long the EC2 instance-metadata endpoint gets to answer. On EC2 it answers in
/// about a millisecond; elsewhere the address usually black-holes, and waiting the
/// SDK's default would stall every run by seconds.
const IMDS_CONNECT_TIMEOUT: Duration = Duration::from_millis(300);
const IMDS_READ_TIMEOUT: Duration = Duration::from_millis(500);

/// The longest error text kept from a service.
const MAX_ERROR_MESSAGE: usize = 500;

/// How many profile names an error lists.
const MAX_LISTED_PROFILES: usize = 20;

/// The sentence every AWS check reports when there are no credentials at all.
pub const NO_CREDENTIALS: &str = "no AWS credentials found (looked in the environment, the shared config/credentials files, a web identity token, the container and the EC2 instance metadata); name a profile with --profile (or AWS_PROFILE), set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or assume a role first";

// ---- region -------------------------------------------------------------------------------

/// Region chosen for the run and where it came from.
#[derive(Debug, Clone)]
pub struct ResolvedRegion {
    pub name: String,
    pub source: RegionSource,
}

/// Resolves the region: flag or environment (already in `config`), then the selected
/// profile (`--profile`, `AWS_PROFILE`, else `default`), then [`DEFAULT_REGION`]. Never
/// asks the instance metadata. A profile's region of the wrong shape is a configuration
/// error, as a flag's would be.
pub async fn resolve_region(config: &CheckConfig) -> Result<ResolvedRegion, ConfigError> {
    if let Some((name, source)) = &config.region {
        return Ok(ResolvedRegion {
            name: name.clone(),
            source: *source,
        });
    }
    let mut provider = ProfileFileRegionProvider::builder();
    if let Some(profile) = &config.profile {
        provider = provider.profile_name(profile.name.clone());
    }
    if let Some(region) = provider.build().region().await {
        let profile = config
            .profile
            .as_ref()
            .map_or("default", |p| p.name.as_str());
        let input = format!("region of profile {profile} (shared config file)");
        return Ok(ResolvedRegion {
            name: validate_region(&input, region.to_string())?,
            source: RegionSource::Profile,
        });
    }
    Ok(ResolvedRegion {
        name: DEFAULT_REGION.to_string(),
        source: RegionSource::Default,
    })
}

// ---- profiles -----------------------------------------------------------------------------

/// Where the shared AWS files are: `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE`, else
/// `~/.aws/config` and `~/.aws/credentials`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedFiles {
    pub config: PathBuf,
    pub credentials: PathBuf,
}

impl SharedFiles {
    pub fn locate(env: &Vars) -> SharedFiles {
        let home = ["HOME", "USERPROFILE"]
            .iter()
            .find_map(|v| env.get(v).filter(|h| !h.is_empty()))
            .map(PathBuf::from);
        let path = |var: &str, file: &str| match env.get(var).filter(|p| !p.trim().is_empty()) {
            Some(p) => match (p.strip_prefix("~/"), &home) {
                (Some(rest), Some(home)) => home.join(rest),
                _ => PathBuf::from(p),
            },
            None => match &home {
                Some(home) => home.join(".aws").join(file),
                None => PathBuf::from("~/.aws").join(file),
            },
        };
        SharedFiles {
            config: path("AWS_CONFIG_FILE", "config"),
            credentials: path("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
        }
    }
}

/// Checks that the named profile exists in the shared files, as the SDK reads them: the
/// error names the files looked at and lists the profiles they hold.
pub async fn check_profile(
    profile: &ProfileChoice,
    files: &SharedFiles,
) -> Result<(), ConfigError> {
    let name = &profile.name;
    let existing: Vec<(EnvConfigFileKind, &Path)> = [
        (EnvConfigFileKind::Config, files.config.as_path()),
        (EnvConfigFileKind::Credentials, files.credentials.as_path()),
    ]
    .into_iter()
    .filter(|(_, p)| p.is_file())
    .collect();
    let shown = |p: &Path| {
        if p.is_file() {
            p.display().to_string()
        } else {
            format!("{} (absent)", p.display())
        }
    };
    if existing.is_empty() {
        return Err(ConfigError::new(
            profile.input(),
            format!(
                "profile {name:?} was named, but there is no shared AWS config or credentials file (looked for {} and {}); create the profile (aws configure --profile {name}, or aws configure sso) or point AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE at the files",
                files.config.display(),
                files.credentials.display()
            ),
        ));
    }
    let mut builder = EnvConfigFiles::builder();
    for (kind, path) in &existing {
        builder = builder.with_file(*kind, *path);
    }
    let set = aws_config::profile::load(&Fs::real(), &Env::from_slice(&[]), &builder.build(), None)
        .await
        .map_err(|e| {
            ConfigError::new(
                profile.input(),
                cap(
                    &format!(
                        "the shared AWS files could not be read: {}",
                        error_chain(&e)
                    ),
                    MAX_ERROR_MESSAGE,
                ),
            )
        })?;
    if set.get_profile(name).is_some() {
        return Ok(());
    }
    let mut names: Vec<String> = set.profiles().map(|n| cap(n, 64)).collect();
    names.sort();
    let listed = match names.len() {
        0 => "they define no profile".to_string(),
        n if n > MAX_LISTED_PROFILES => format!(
            "the profiles there are: {} (and {} more)",
            names[..MAX_LISTED_PROFILES].join(", "),
            n - MAX_LISTED_PROFILES
        ),
        _ => format!("the profiles there are: {}", names.join(", ")),
    };
    // A `[dev]` section in the config file is not a profile there: it must be
    // `[profile dev]` (only the credentials file uses bare names).
    let misnamed = std::fs::read_to_string(&files.config)
        .ok()
        .is_some_and(|text| text.lines().any(|l| l.trim() == format!("[{name}]")))
        && name != "default";
    let hint = if misnamed {
        format!(
            "; {} has a section [{name}], which the config file reads as a profile only when written [profile {name}]",
            files.config.display()
        )
    } else {
        String::new()
    };
    Err(ConfigError::new(
        profile.input(),
        format!(
            "profile {name:?} was not found in {} or {}; {listed}{hint}",
            shown(&files.config),
            shown(&files.credentials)
        ),
    ))
}

// ---- credentials --------------------------------------------------------------------------

/// Where the run's credentials came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    /// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`.
    Environment,
    /// A profile of the shared files; `via` says how it got them when not keys in the file
    /// (SSO, credential_process, an assumed role…).
    Profile {
        name: String,
        via: Option<&'static str>,
    },
    /// `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN` (GitHub Actions' OIDC token).
    WebIdentity,
    /// The ECS/EKS container credentials endpoint.
    Container,
    /// The EC2 instance metadata.
    InstanceMetadata,
}

impl fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialSource::Environment => f.write_str("environment keys"),
            CredentialSource::Profile { name, via: None } => write!(f, "profile {name}"),
            CredentialSource::Profile {
                name,
                via: Some(via),
            } => write!(f, "profile {name} ({via})"),
            CredentialSource::WebIdentity => f.write_str("web identity (OIDC)"),
            CredentialSource::Container => f.write_str("container"),
            CredentialSource::InstanceMetadata => f.write_str("instance metadata"),
        }
    }
}

/// The providers of the SDK's default chain, in its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Provider {
    Environment,
    Profile,
    WebIdentity,
    Container,
    InstanceMetadata,
}

impl Provider {
    fn source(self, profile: &str, credentials: &Credentials) -> CredentialSource {
        match self {
            Provider::Environment => CredentialSource::Environment,
            Provider::Profile => CredentialSource::Profile {
                name: profile.to_string(),
                via: profile_via(credentials),
            },
            Provider::WebIdentity => CredentialSource::WebIdentity,
            Provider::Container => CredentialSource::Container,
            Provider::InstanceMetadata => CredentialSource::InstanceMetadata,
        }
    }

    fn label(self, profile: &str) -> String {
        match self {
            Provider::Profile => format!("profile {profile}"),
            Provider::Environment => CredentialSource::Environment.to_string(),
            Provider::WebIdentity => CredentialSource::WebIdentity.to_string(),
            Provider::Container => CredentialSource::Container.to_string(),
            Provider::InstanceMetadata => CredentialSource::InstanceMetadata.to_string(),
        }
    }
}

/// How a profile's credentials were obtained, from the features the SDK records on them.
fn profile_via(credentials: &Credentials) -> Option<&'static str> {
    let features = credentials.get_property::<Vec<AwsCredentialFeature>>()?;
    let has = |f: AwsCredentialFeature| features.contains(&f);
    if has(AwsCredentialFeature::CredentialsSso) || has(AwsCredentialFeature::CredentialsProfileSso)
    {
        Some("SSO")
    } else if has(AwsCredentialFeature::CredentialsProcess)
        || has(AwsCredentialFeature::CredentialsProfileProcess)
    {
        Some("credential_process")
    } else if has(AwsCredentialFeature::CredentialsProfileStsWebIdToken) {
        Some("web identity")
    } else if has(AwsCredentialFeature::CredentialsProfileLogin) {
        Some("console login")
    } else if has(AwsCredentialFeature::CredentialsStsAssumeRole) {
        Some("assumed role")
    } else {
        None
    }
}

/// What asking the providers in order came to.
#[derive(Debug)]
enum Lookup {
    Found(Provider, Credentials),
    /// Every provider said it had nothing; the last one's words.
    NotFound(Option<CredentialsError>),
    /// A provider had credentials configured but could not deliver them.
    Failed(Provider, CredentialsError),
}

/// Asks `providers` in order, as the SDK's chain does: "not loaded" moves on to the next,
/// any other error stops there.
async fn first_credentials(providers: &[(Provider, SharedCredentialsProvider)]) -> Lookup {
    let mut last = None;
    for (provider, p) in providers {
        match p.provide_credentials().await {
            Ok(credentials) => return Lookup::Found(*provider, credentials),
            Err(e @ CredentialsError::CredentialsNotLoaded(_)) => last = Some(e),
            Err(e) => return Lookup::Failed(*provider, e),
        }
    }
    Lookup::NotFound(last)
}

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

/// The SDK's default credential chain (environment, profile incl. SSO and
/// credential_process, web identity, container, instance metadata), except that the
/// instance metadata gets a tight timeout and any answer from it other than credentials
/// means "not on EC2" rather than an error. A profile named by `--profile` is the only
/// provider, as with the AWS CLI: the flag wins over keys in the environment.
fn credential_providers(
    region: Region,
    profile: Option<&ProfileChoice>,
) -> Vec<(Provider, SharedCredentialsProvider)> {
    let conf = ProviderConfig::default().with_region(Some(region));
    let mut from_profile = ProfileFileCredentialsProvider::builder().configure(&conf);
    if let Some(p) = profile {
        from_profile = from_profile.profile_name(p.name.clone());
    }
    let from_profile = (
        Provider::Profile,
        SharedCredentialsProvider::new(from_profile.build()),
    );
    if profile.is_some_and(|p| p.from_flag) {
        return vec![from_profile];
    }
    let imds = aws_config::imds::Client::builder()
        .connect_timeout(IMDS_CONNECT_TIMEOUT)
        .read_timeout(IMDS_READ_TIMEOUT)
        .max_attempts(1)
        .build();
    vec![
        (
            Provider::Environment,
            SharedCredentialsProvider::new(EnvironmentVariableCredentialsProvider::new()),
        ),
        from_profile,
        (
            Provider::WebIdentity,
            SharedCredentialsProvider::new(
                WebIdentityTokenCredentialsProvider::builder()
                    .configure(&conf)
                    .build(),
            ),
        ),
        (
            Provider::Container,
            SharedCredentialsProvider::new(
                EcsCredentialsProvider::builder().configure(&conf).build(),
            ),
        ),
        (
            Provider::InstanceMetadata,
            SharedCredentialsProvider::new(InstanceMetadata(
                ImdsCredentialsProvider::builder()
                    .configure(&conf)
                    .imds_client(imds)
                    .build(),
            )),
        ),
    ]
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

// ---- clients ------------------------------------------------------------------------------

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

// ---- network failures ---------------------------------------------------------------------

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
    fn new(host: Option<String>, problem: NetworkProblem, detail: Option<String>) -> Self {
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
fn chain<'a>(
    err: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(err), |e: &&'a (dyn StdError + 'static)| (*e).source())
}

/// The innermost cause's text, capped and free of URLs' secrets.
fn innermost(err: &(dyn StdError + 'static)) -> Option<String> {
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
fn host_of(url: &str) -> Option<String> {
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
struct NameTheEndpoint;

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
    use std::collections::HashMap;
    use std::io;

    use aws_smithy_runtime_api::client::http::{
        HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
    };
    use aws_smithy_runtime_api::client::orchestrator::HttpRequest;

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

    /// Makes the error a connection fails with.
    type MakeError = fn() -> ConnectorError;

    /// Makes a provider's answer.
    type Answer = fn() -> Result<Credentials, CredentialsError>;

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

    /// A credentials provider with a fixed answer.
    #[derive(Debug)]
    struct Fixed(Answer);

    impl ProvideCredentials for Fixed {
        fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
        where
            Self: 'a,
        {
            future::ProvideCredentials::ready((self.0)())
        }
    }

    fn keys() -> Result<Credentials, CredentialsError> {
        Ok(Credentials::new("AKID", "secret", None, None, "test"))
    }

    fn nothing() -> Result<Credentials, CredentialsError> {
        Err(CredentialsError::not_loaded("nothing here"))
    }

    fn broken() -> Result<Credentials, CredentialsError> {
        Err(CredentialsError::provider_error(
            "the SSO token has expired",
        ))
    }

    fn providers(answers: &[(Provider, Answer)]) -> Vec<(Provider, SharedCredentialsProvider)> {
        answers
            .iter()
            .map(|(p, f)| (*p, SharedCredentialsProvider::new(Fixed(*f))))
            .collect()
    }

    #[tokio::test]
    async fn the_first_provider_with_credentials_answers_and_is_named() {
        let chain = providers(&[
            (Provider::Environment, nothing),
            (Provider::Profile, nothing),
            (Provider::WebIdentity, keys),
            (Provider::Container, broken),
        ]);
        let Lookup::Found(provider, credentials) = first_credentials(&chain).await else {
            panic!("not found")
        };
        assert_eq!(provider, Provider::WebIdentity);
        assert_eq!(
            provider.source("dev", &credentials).to_string(),
            "web identity (OIDC)"
        );

        // An error other than "nothing here" stops the search, as the SDK's chain does.
        let chain = providers(&[
            (Provider::Environment, nothing),
            (Provider::Profile, broken),
            (Provider::WebIdentity, keys),
        ]);
        match first_credentials(&chain).await {
            Lookup::Failed(Provider::Profile, e) => {
                assert!(error_chain(&e).contains("SSO token has expired"), "{e}")
            }
            other => panic!("{other:?}"),
        }

        let chain = providers(&[
            (Provider::Environment, nothing),
            (Provider::Profile, nothing),
        ]);
        assert!(matches!(
            first_credentials(&chain).await,
            Lookup::NotFound(Some(_))
        ));
    }

    #[test]
    fn a_profile_says_how_it_got_its_credentials() {
        let with = |features: Vec<AwsCredentialFeature>| {
            let mut c = Credentials::new("AKID", "secret", None, None, "test");
            *c.get_property_mut_or_default::<Vec<AwsCredentialFeature>>() = features;
            Provider::Profile.source("dev", &c).to_string()
        };
        assert_eq!(
            with(vec![AwsCredentialFeature::CredentialsProfile]),
            "profile dev"
        );
        assert_eq!(
            with(vec![
                AwsCredentialFeature::CredentialsSso,
                AwsCredentialFeature::CredentialsProfile
            ]),
            "profile dev (SSO)"
        );
        assert_eq!(
            with(vec![
                AwsCredentialFeature::CredentialsProcess,
                AwsCredentialFeature::CredentialsProfile
            ]),
            "profile dev (credential_process)"
        );
        assert_eq!(
            with(vec![
                AwsCredentialFeature::CredentialsStsAssumeRole,
                AwsCredentialFeature::CredentialsProfile
            ]),
            "profile dev (assumed role)"
        );
        let plain = Credentials::new("AKID", "secret", None, None, "test");
        for (provider, label) in [
            (Provider::Environment, "environment keys"),
            (Provider::Container, "container"),
            (Provider::InstanceMetadata, "instance metadata"),
        ] {
            assert_eq!(provider.source("dev", &plain).to_string(), label);
        }
    }

    #[test]
    fn the_shared_files_are_where_the_sdk_looks() {
        let env = Vars::from_iter(HashMap::from([("HOME", "/home/sre".to_string())]));
        assert_eq!(
            SharedFiles::locate(&env),
            SharedFiles {
                config: "/home/sre/.aws/config".into(),
                credentials: "/home/sre/.aws/credentials".into(),
            }
        );
        let env = Vars::from_iter(HashMap::from([
            ("HOME", "/home/sre".to_string()),
            ("AWS_CONFIG_FILE", "~/work/aws-config".to_string()),
            ("AWS_SHARED_CREDENTIALS_FILE", "/etc/aws/creds".to_string()),
        ]));
        assert_eq!(
            SharedFiles::locate(&env),
            SharedFiles {
                config: "/home/sre/work/aws-config".into(),
                credentials: "/etc/aws/creds".into(),
            }
        );
    }

    fn files_with(
        config: Option<&str>,
        credentials: Option<&str>,
    ) -> (tempfile::TempDir, SharedFiles) {
        let dir = tempfile::tempdir().unwrap();
        let files = SharedFiles {
            config: dir.path().join("config"),
            credentials: dir.path().join("credentials"),
        };
        if let Some(text) = config {
            std::fs::write(&files.config, text).unwrap();
        }
        if let Some(text) = credentials {
            std::fs::write(&files.credentials, text).unwrap();
        }
        (dir, files)
    }

    fn choice(name: &str, from_flag: bool) -> ProfileChoice {
        ProfileChoice {
            name: name.into(),
            from_flag,
        }
    }

    #[tokio::test]
    async fn a_named_profile_must_exist_in_the_shared_files() {
        let (_dir, files) = files_with(
            Some("[default]\nregion = eu-west-1\n[profile dev]\nsso_session = corp\n"),
            Some("[ci]\naws_access_key_id = a\naws_secret_access_key = b\n"),
        );
        for name in ["default", "dev", "ci"] {
            check_profile(&choice(name, true), &files).await.unwrap();
        }
        let e = check_profile(&choice("devv", false), &files)
            .await
            .unwrap_err();
        assert_eq!(e.input, "AWS_PROFILE (environment)");
        assert_eq!(
            e.message,
            format!(
                "profile \"devv\" was not found in {} or {}; the profiles there are: ci, default, dev",
                files.config.display(),
                files.credentials.display()
            )
        );

        // Only a credentials file: the absent config file is named as such.
        let (_dir, files) = files_with(None, Some("[ci]\naws_access_key_id = a\n"));
        let e = check_profile(&choice("dev", true), &files)
            .await
            .unwrap_err();
        assert_eq!(e.input, "--profile");
        assert!(
            e.message
                .contains(&format!("{} (absent) or", files.config.display())),
            "{e}"
        );

        // Neither file.
        let (_dir, files) = files_with(None, None);
        let e = check_profile(&choice("dev", true), &files)
            .await
            .unwrap_err();
        assert!(
            e.message
                .contains("there is no shared AWS config or credentials file"),
            "{e}"
        );

        // A file the SDK cannot parse is named, with the line.
        let (_dir, files) = files_with(Some("[profile dev\nregion = x\n"), None);
        let e = check_profile(&choice("dev", true), &files)
            .await
            .unwrap_err();
        assert!(e.message.contains("could not be read"), "{e}");
        assert!(
            e.message.contains(&files.config.display().to_string()),
            "{e}"
        );
    }
}
