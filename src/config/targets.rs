//! What `check` checks, validated: the API base and its paths, the frontend URL, the bucket
//! and its entry object, the distribution; and how it reaches AWS: the region (from a flag
//! or a variable), the profile, the endpoint override, the account and ARN to expect.

use url::Url;

use super::region::validate_region;
use super::validate::{non_empty, parse_http_url};
use super::{ConfigError, Given, Vars, env_name, named};
use crate::cli::CheckArgs;
use crate::cli::inputs::check;
use crate::model::{CheckId, RegionSource};
use crate::report::Labels;

/// The API paths checked when none is given: the original workflow's pair.
pub const DEFAULT_API_PATHS: [&str; 2] = ["/health", "/hello"];

/// Longest API path accepted.
const MAX_API_PATH: usize = 1024;

/// Longest profile name accepted.
const MAX_PROFILE: usize = 128;

/// What to check.
pub(super) struct Targets {
    pub api_base: Option<Url>,
    /// True when the API base came from `VITE_API_BASE`.
    api_base_from_vite: bool,
    pub frontend_url: Option<Url>,
    pub api_paths: Vec<(CheckId, String)>,
    pub bucket: Option<String>,
    pub index_key: String,
    pub distribution_id: Option<String>,
}

impl Targets {
    pub fn from_args(args: &CheckArgs, given: Given, vars: &Vars) -> Result<Targets, ConfigError> {
        let (api_base, api_base_input, api_base_from_vite) = match non_empty(&args.api_base) {
            Some(v) => (Some(v), given.name(check::API_BASE), false),
            None => (
                vars.non_empty(check::VITE_API_BASE),
                env_name(check::VITE_API_BASE),
                true,
            ),
        };
        let api_base = api_base
            .map(|v| parse_http_url(&api_base_input, &v))
            .transpose()?;
        let frontend_url = non_empty(&args.frontend_url)
            .map(|v| parse_http_url(&given.name(check::FRONTEND_URL), &v))
            .transpose()?;
        let api_paths = parse_api_paths(&given.name(check::API_PATHS), &args.api_paths)?;
        let index_key = validate_index_key(&given.name(check::INDEX_KEY), args.index_key.trim())?;
        let bucket = non_empty(&args.bucket)
            .map(|v| validate_bucket(&given.name(check::BUCKET), v))
            .transpose()?;
        let distribution_id = non_empty(&args.distribution_id)
            .map(|v| validate_distribution(&given.name(check::DISTRIBUTION_ID), v))
            .transpose()?;
        Ok(Targets {
            api_base_from_vite: api_base_from_vite && api_base.is_some(),
            api_base,
            frontend_url,
            api_paths,
            bucket,
            index_key,
            distribution_id,
        })
    }

    /// What the reports call each target's input: the flag or the variable it came from.
    pub fn labels(&self, given: Given) -> Labels {
        Labels {
            api_base: if self.api_base_from_vite {
                check::VITE_API_BASE.to_string()
            } else {
                given.label(check::API_BASE)
            },
            bucket: given.label(check::BUCKET),
            distribution_id: given.label(check::DISTRIBUTION_ID),
            frontend_url: given.label(check::FRONTEND_URL),
        }
    }
}

/// The shared-config profile chosen for the run (`--profile` or `AWS_PROFILE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileChoice {
    pub name: String,
    /// True when `--profile` named it: it then wins over keys in the environment, as
    /// with the AWS CLI.
    pub from_flag: bool,
}

impl ProfileChoice {
    /// The input that named the profile, as error messages call it.
    pub fn input(&self) -> String {
        named(check::PROFILE, !self.from_flag)
    }
}

/// How to reach AWS, and what to expect of it.
pub(super) struct AwsInputs {
    pub region: Option<(String, RegionSource)>,
    pub profile: Option<ProfileChoice>,
    pub endpoint_url: Option<Url>,
    pub endpoint_from_flag: bool,
    pub expect_account: Option<String>,
    pub expect_arn: Option<String>,
}

impl AwsInputs {
    pub fn from_args(
        args: &CheckArgs,
        given: Given,
        vars: &Vars,
    ) -> Result<AwsInputs, ConfigError> {
        let region = region(args, given, vars)?;
        let profile = non_empty(&args.profile)
            .map(|v| {
                let from_flag = !given.by_env(check::PROFILE);
                let choice = ProfileChoice { name: v, from_flag };
                validate_profile_name(&choice.input(), &choice.name).map(|()| choice)
            })
            .transpose()?;
        let endpoint_url = non_empty(&args.endpoint_url)
            .map(|v| parse_http_url(&given.name(check::ENDPOINT_URL), &v))
            .transpose()?;
        let endpoint_from_flag =
            endpoint_url.is_some() && given.on_command_line(check::ENDPOINT_URL);
        let expect_account = non_empty(&args.expect_account)
            .map(|v| validate_account(&given.name(check::EXPECT_ACCOUNT), v))
            .transpose()?;
        Ok(AwsInputs {
            region,
            profile,
            endpoint_url,
            endpoint_from_flag,
            expect_account,
            expect_arn: non_empty(&args.expect_arn),
        })
    }
}

/// `--region` (or `AWS_REGION`), else `AWS_DEFAULT_REGION`; the profile's region and the
/// default are the AWS setup's to find.
fn region(
    args: &CheckArgs,
    given: Given,
    vars: &Vars,
) -> Result<Option<(String, RegionSource)>, ConfigError> {
    if let Some(v) = non_empty(&args.region) {
        let source = if given.by_env(check::REGION) {
            RegionSource::Environment
        } else {
            RegionSource::Flag
        };
        return Ok(Some((
            validate_region(&given.name(check::REGION), v)?,
            source,
        )));
    }
    vars.non_empty(check::AWS_DEFAULT_REGION)
        .map(|v| {
            validate_region(&env_name(check::AWS_DEFAULT_REGION), v)
                .map(|r| (r, RegionSource::Environment))
        })
        .transpose()
}

pub(super) fn validate_account(input: &str, v: String) -> Result<String, ConfigError> {
    if v.len() == 12 && v.bytes().all(|b| b.is_ascii_digit()) {
        Ok(v)
    } else {
        Err(ConfigError::new(
            input,
            format!("{v:?} is not a 12-digit AWS account ID"),
        ))
    }
}

/// The API checks: each path (starting with `/`, an optional query) and the check it
/// names; two paths that name the same check are an error.
pub(super) fn parse_api_paths(
    input: &str,
    given: &[String],
) -> Result<Vec<(CheckId, String)>, ConfigError> {
    let given: Vec<&str> = given
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .collect();
    let paths = if given.is_empty() {
        DEFAULT_API_PATHS.to_vec()
    } else {
        given
    };
    let mut checks: Vec<(CheckId, String)> = Vec::new();
    for path in paths {
        let ok = path.starts_with('/')
            && path.len() <= MAX_API_PATH
            && !path.contains('#')
            && !path.chars().any(|c| c.is_whitespace() || c.is_control());
        if !ok {
            return Err(ConfigError::new(
                input,
                format!(
                    "{path:?} is not a path under the API base (like /health or /v1/status?deep=1: a leading /, no spaces, no #, at most {MAX_API_PATH} bytes)"
                ),
            ));
        }
        let id = CheckId::api(path);
        if let Some((_, other)) = checks.iter().find(|(known, _)| *known == id) {
            return Err(ConfigError::new(
                input,
                format!(
                    "{other:?} and {path:?} both make the check {id}; give paths that differ in letters or digits"
                ),
            ));
        }
        checks.push((id, path.to_string()));
    }
    Ok(checks)
}

/// An S3 object key for the entry page: not empty, no leading `/`, no control characters.
pub(super) fn validate_index_key(input: &str, v: &str) -> Result<String, ConfigError> {
    if v.is_empty() || v.len() > 1024 || v.starts_with('/') || v.chars().any(char::is_control) {
        return Err(ConfigError::new(
            input,
            format!(
                "{v:?} is not an object key like index.html or app/index.html (no leading /, at most 1024 bytes)"
            ),
        ));
    }
    Ok(v.to_string())
}

/// S3 bucket naming rules (the general-purpose bucket subset).
pub(super) fn validate_bucket(input: &str, v: String) -> Result<String, ConfigError> {
    let ok_chars = v
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
    let ends_ok = v.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && v.bytes().last().is_some_and(|b| b.is_ascii_alphanumeric());
    if (3..=63).contains(&v.len()) && ok_chars && ends_ok && !v.contains("..") {
        Ok(v)
    } else {
        Err(ConfigError::new(
            input,
            format!(
                "{v:?} is not a valid S3 bucket name (3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit)"
            ),
        ))
    }
}

pub(super) fn validate_distribution(input: &str, v: String) -> Result<String, ConfigError> {
    if (1..=64).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(v)
    } else {
        Err(ConfigError::new(
            input,
            format!(
                "{v:?} is not a CloudFront distribution ID (letters and digits, like E2ABCDEF123456)"
            ),
        ))
    }
}

/// A profile name as the shared files can hold it: printable, no spaces or brackets.
pub(super) fn validate_profile_name(input: &str, v: &str) -> Result<(), ConfigError> {
    if v.chars().count() > MAX_PROFILE
        || v.chars()
            .any(|c| c.is_control() || c.is_whitespace() || matches!(c, '[' | ']'))
    {
        return Err(ConfigError::new(
            input,
            format!(
                "{:?} is not a profile name (at most {MAX_PROFILE} printable characters, no spaces or brackets)",
                crate::text::cap(v, 64)
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names_follow_s3_rules() {
        assert!(validate_bucket("b", "my-site.example".into()).is_ok());
        for bad in [
            "ab",
            "My-Bucket",
            "-bucket",
            "bucket-",
            "a..b",
            "bucket_name",
        ] {
            assert!(validate_bucket("b", bad.into()).is_err(), "{bad}");
        }
    }

    #[test]
    fn api_paths_name_their_checks_and_default_to_the_original_pair() {
        let keys = |given: &[&str]| -> Vec<String> {
            let given: Vec<String> = given.iter().map(|s| s.to_string()).collect();
            parse_api_paths("p", &given)
                .unwrap()
                .into_iter()
                .map(|(id, path)| format!("{id}={path}"))
                .collect()
        };
        assert_eq!(keys(&[]), ["api_health=/health", "api_hello=/hello"]);
        assert_eq!(keys(&[" ", ""]), ["api_health=/health", "api_hello=/hello"]);
        assert_eq!(keys(&["/health"]), ["api_health=/health"]);
        assert_eq!(
            keys(&["/v1/status?deep=1", "/"]),
            ["api_v1_status=/v1/status?deep=1", "api_root=/"]
        );
        for bad in ["health", "/a b", "/x#y", "/\u{7}"] {
            let err = parse_api_paths("--api-path", &[bad.to_string()]).unwrap_err();
            assert!(err.to_string().starts_with("--api-path: "), "{err}");
        }
        let long = format!("/{}", "a".repeat(MAX_API_PATH));
        assert!(parse_api_paths("p", &[long]).is_err());
        let err = parse_api_paths("p", &["/a-b".into(), "/a_b".into()]).unwrap_err();
        assert!(
            err.to_string().contains("both make the check api_a_b"),
            "{err}"
        );
    }

    #[test]
    fn index_keys_are_object_keys() {
        assert_eq!(
            validate_index_key("k", "app/index.html").unwrap(),
            "app/index.html"
        );
        for bad in ["", "/index.html", "a\nb"] {
            assert!(validate_index_key("k", bad).is_err(), "{bad:?}");
        }
        assert!(validate_index_key("k", &"k".repeat(1025)).is_err());
        assert!(validate_index_key("k", &"k".repeat(1024)).is_ok());
    }

    #[test]
    fn profile_names_are_printable_words() {
        assert!(validate_profile_name("--profile", "dev-admin.sso@acme").is_ok());
        for bad in ["two words", "evil\n", "[default]", &"p".repeat(200)] {
            let e = validate_profile_name("--profile", bad).unwrap_err();
            assert_eq!(e.input, "--profile");
        }
    }
}
