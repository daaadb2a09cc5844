//! The checks and the runner that drives them. [`plan`] decides, from the configuration,
//! what each check will do (or why it is skipped) and which checks it needs first (the S3
//! and CloudFront checks need the identity check); [`future`] turns a planned check into
//! the future that performs it; [`run_all`] (`run.rs`) runs them concurrently, gated by
//! their needs, under a limit of checks in flight and the deadlines.

pub mod aws;
pub mod cloudfront;
pub mod cloudfront_aliases;
pub mod custom;
pub mod http;
pub mod oidc;
mod run;
pub mod s3;
pub mod s3_object;

pub use run::{Limits, Planned, Task, run_all};

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::config::CheckConfig;
use crate::model::{CheckId, CheckResult};

/// What one check will do in this run.
#[derive(Debug, Clone)]
pub enum Check {
    /// Not configured: the reason.
    Skip(String),
    /// Configured, but the URL policy forbids contacting it: the reason (a failure).
    Refused(String),
    Oidc(oidc::Expectations),
    S3Read {
        bucket: String,
        index_key: String,
    },
    Cloudfront {
        distribution_id: String,
    },
    Http {
        url: Url,
        cdn: bool,
    },
    /// A custom HTTP check of the configuration file.
    CustomHttp(Box<http::Spec>),
    /// A custom check of one more object of the bucket.
    S3Object {
        bucket: String,
        expect: s3_object::Expect,
    },
    /// A custom check of the distribution's aliases.
    CloudfrontAliases {
        distribution_id: String,
        aliases: Vec<String>,
    },
}

/// Decides what every check does, in report order. Every check is present: an
/// unconfigured one is a [`Check::Skip`] with the reason. The S3 and CloudFront checks,
/// when configured, need the identity check: with credentials that do not work, they say
/// so once (`oidc` fails) instead of three times.
pub fn plan(config: &CheckConfig) -> Vec<Planned> {
    let mut plan = vec![
        (
            CheckId::Oidc,
            if config.uses_aws() {
                Check::Oidc(oidc::Expectations {
                    account: config.expect_account.clone(),
                    arn_pattern: config.expect_arn.clone(),
                })
            } else {
                Check::Skip("no AWS resource configured (--bucket, --distribution-id)".into())
            },
        ),
        (
            CheckId::S3Read,
            match &config.bucket {
                Some(bucket) => Check::S3Read {
                    bucket: bucket.clone(),
                    index_key: config.index_key.clone(),
                },
                None => Check::Skip("no bucket configured (--bucket or S3_BUCKET)".into()),
            },
        ),
        (
            CheckId::Cloudfront,
            match &config.distribution_id {
                Some(id) => Check::Cloudfront {
                    distribution_id: id.clone(),
                },
                None => Check::Skip(
                    "no distribution configured (--distribution-id or CLOUDFRONT_DISTRIBUTION_ID)"
                        .into(),
                ),
            },
        ),
    ];
    for (id, path) in &config.api_paths {
        let check = match &config.api_base {
            Some(base) => Check::Http {
                url: http::endpoint(base, path),
                cdn: false,
            },
            None => Check::Skip("no API base configured (--api-base or API_BASE)".into()),
        };
        plan.push((id.clone(), check));
    }
    plan.push((
        CheckId::Frontend,
        match &config.frontend_url {
            Some(url) => Check::Http {
                url: url.clone(),
                cdn: true,
            },
            None => Check::Skip(
                "no frontend URL configured (--frontend-url or FRONTEND_BASE_URL)".into(),
            ),
        },
    ));
    let custom = custom::plan(config);
    plan.into_iter()
        .map(|(id, check)| (id, policed(config, check), Vec::new()))
        .chain(custom)
        .map(|(id, check, needs)| Planned {
            needs: with_implicit_needs(&check, needs),
            id,
            check,
        })
        .collect()
}

/// An HTTP check as the URL policy lets it be: unchanged, or refused saying why.
fn policed(config: &CheckConfig, check: Check) -> Check {
    match check {
        Check::Http { url, cdn } => match config.url_policy.check_url(&url) {
            Ok(()) => Check::Http { url, cdn },
            Err(why) => Check::Refused(format!(
                "refused by the URL policy: {why}; {} was not contacted",
                crate::text::redact_url(&url)
            )),
        },
        other => other,
    }
}

/// `needs`, and the identity check first for every configured AWS check but itself: with
/// credentials that do not work, the identity check says so once and the checks behind it
/// are skipped with its words.
fn with_implicit_needs(check: &Check, mut needs: Vec<CheckId>) -> Vec<CheckId> {
    let aws = matches!(
        check,
        Check::S3Read { .. }
            | Check::Cloudfront { .. }
            | Check::S3Object { .. }
            | Check::CloudfrontAliases { .. }
    );
    if aws && !needs.contains(&CheckId::Oidc) {
        needs.insert(0, CheckId::Oidc);
    }
    needs
}

/// A check ready to run.
pub type CheckFuture = Pin<Box<dyn Future<Output = CheckResult> + Send>>;

/// Shared resources of one run.
pub struct Resources {
    pub http: http::Prober,
    pub aws: Option<Arc<aws::AwsContext>>,
    pub slow: Duration,
    pub timeout: Duration,
}

/// The future that performs `check`.
pub fn future(check: Check, res: &Resources) -> CheckFuture {
    match check {
        Check::Skip(reason) => Box::pin(async move { CheckResult::skip(reason) }),
        Check::Refused(reason) => Box::pin(async move { CheckResult::fail(reason) }),
        Check::Http { url, cdn } => {
            let client = res.http.clone();
            let (slow, timeout) = (res.slow, res.timeout);
            let spec = http::Spec::get(url, cdn, slow);
            Box::pin(async move { http::check(&client, &spec, timeout).await })
        }
        Check::CustomHttp(spec) => {
            let (client, timeout) = (res.http.clone(), res.timeout);
            Box::pin(async move { http::check(&client, &spec, timeout).await })
        }
        aws_check => {
            let Some(ctx) = res.aws.clone() else {
                return Box::pin(async { CheckResult::skip("AWS is not configured") });
            };
            Box::pin(async move {
                let session = match ctx.session().await {
                    Ok(session) => session,
                    Err(reason) => return CheckResult::fail(reason),
                };
                let sdk = &session.sdk;
                match aws_check {
                    Check::Oidc(expect) => {
                        let credentials = Some(session.credentials.to_string());
                        oidc::check(&aws::sts_client(sdk), &expect, credentials).await
                    }
                    Check::S3Read { bucket, index_key } => {
                        let client = aws::s3_client(sdk, ctx.custom_endpoint());
                        s3::check(&client, &bucket, &index_key).await
                    }
                    Check::Cloudfront { distribution_id } => {
                        cloudfront::check(&aws::cloudfront_client(sdk), &distribution_id).await
                    }
                    Check::S3Object { bucket, expect } => {
                        let client = aws::s3_client(sdk, ctx.custom_endpoint());
                        s3_object::check(&client, &bucket, &expect).await
                    }
                    Check::CloudfrontAliases {
                        distribution_id,
                        aliases,
                    } => {
                        let client = aws::cloudfront_client(sdk);
                        cloudfront_aliases::check(&client, &distribution_id, &aliases).await
                    }
                    Check::Skip(_)
                    | Check::Refused(_)
                    | Check::Http { .. }
                    | Check::CustomHttp(_) => {
                        unreachable!("handled above")
                    }
                }
            })
        }
    }
}

/// Retries as the real clients do, with a 1 ms backoff so tests stay fast.
#[cfg(test)]
pub(crate) fn test_retry() -> aws_config::retry::RetryConfig {
    aws_config::retry::RetryConfig::standard()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(1))
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, FromArgMatches};

    use super::*;
    use crate::cli::{Cli, Command};
    use crate::config::Vars;

    /// The plan of `check` with these arguments (and an empty environment).
    fn planned(args: &[&str]) -> Vec<(String, Vec<CheckId>)> {
        let argv = [&["remote-hands", "check", "--json", "-"], args].concat();
        let cli = Cli::command().mut_subcommands(|sub| sub.mut_args(|arg| arg.env(None)));
        let matches = cli.try_get_matches_from(argv).unwrap();
        let Command::Check(a) = Cli::from_arg_matches(&matches).unwrap().command else {
            unreachable!()
        };
        let vars: Vars = Vec::<(String, String)>::new().into_iter().collect();
        let config = CheckConfig::from_args(&a, matches.subcommand().unwrap().1, &vars).unwrap();
        plan(&config)
            .into_iter()
            .map(|p| (p.id.key().to_string(), p.needs))
            .collect()
    }

    #[test]
    fn an_aws_check_needs_the_identity_check_once_beside_the_needs_it_names() {
        let s3 = Check::S3Read {
            bucket: "site".into(),
            index_key: "index.html".into(),
        };
        let named = vec![CheckId::Frontend];
        assert_eq!(
            with_implicit_needs(&s3, named.clone()),
            vec![CheckId::Oidc, CheckId::Frontend]
        );
        let both = vec![CheckId::Frontend, CheckId::Oidc];
        assert_eq!(with_implicit_needs(&s3, both.clone()), both);
        let http = Check::Skip("not configured".into());
        assert_eq!(with_implicit_needs(&http, named.clone()), named);
    }

    #[test]
    fn the_configured_aws_checks_need_the_identity_check_and_nothing_else_needs_anything() {
        let all = ["--bucket", "site", "--distribution-id", "E123"];
        let api = ["--api-base", "http://127.0.0.1:9/", "--api-path", "/health"];
        let needs = planned(&[&all[..], &api].concat());
        let oidc = vec![CheckId::Oidc];
        assert_eq!(
            needs,
            vec![
                ("oidc".into(), vec![]),
                ("s3_read".into(), oidc.clone()),
                ("cloudfront".into(), oidc),
                ("api_health".into(), vec![]),
                ("frontend".into(), vec![]),
            ]
        );
        // An unconfigured check keeps its own reason to skip: it needs nothing.
        assert_eq!(planned(&all[2..])[1], ("s3_read".into(), vec![]));
    }
}
