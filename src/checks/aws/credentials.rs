//! Where the run's credentials come from: the SDK's default chain asked provider by
//! provider, so the report can say which one answered, with a tight instance-metadata probe
//! so nothing stalls outside AWS.

use std::fmt;
use std::time::Duration;

use aws_config::Region;
use aws_config::ecs::EcsCredentialsProvider;
use aws_config::environment::credentials::EnvironmentVariableCredentialsProvider;
use aws_config::imds::credentials::ImdsCredentialsProvider;
use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::provider_config::ProviderConfig;
use aws_config::web_identity_token::WebIdentityTokenCredentialsProvider;
use aws_credential_types::Credentials;
use aws_credential_types::credential_feature::AwsCredentialFeature;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider, future};

use crate::config::ProfileChoice;

/// How long the EC2 instance-metadata endpoint gets to answer. On EC2 it answers in
/// about a millisecond; elsewhere the address usually black-holes, and waiting the
/// SDK's default would stall every run by seconds.
const IMDS_CONNECT_TIMEOUT: Duration = Duration::from_millis(300);
const IMDS_READ_TIMEOUT: Duration = Duration::from_millis(500);

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
pub(super) enum Provider {
    Environment,
    Profile,
    WebIdentity,
    Container,
    InstanceMetadata,
}

impl Provider {
    pub(super) fn source(self, profile: &str, credentials: &Credentials) -> CredentialSource {
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

    pub(super) fn label(self, profile: &str) -> String {
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
pub(super) enum Lookup {
    Found(Provider, Credentials),
    /// Every provider said it had nothing; the last one's words.
    NotFound(Option<CredentialsError>),
    /// A provider had credentials configured but could not deliver them.
    Failed(Provider, CredentialsError),
}

/// Asks `providers` in order, as the SDK's chain does: "not loaded" moves on to the next,
/// any other error stops there.
pub(super) async fn first_credentials(
    providers: &[(Provider, SharedCredentialsProvider)],
) -> Lookup {
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

/// The SDK's default credential chain (environment, profile incl. SSO and
/// credential_process, web identity, container, instance metadata), except that the
/// instance metadata gets a tight timeout and any answer from it other than credentials
/// means "not on EC2" rather than an error. A profile named by `--profile` is the only
/// provider, as with the AWS CLI: the flag wins over keys in the environment.
pub(super) fn credential_providers(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::error_chain;

    /// Makes a provider's answer.
    type Answer = fn() -> Result<Credentials, CredentialsError>;

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
}
