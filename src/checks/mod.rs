//! The checks and the runner that drives them. [`plan`] decides, from the configuration,
//! what each check will do (or why it is skipped); [`run_all`] starts them all at once, each
//! under its own deadline and the whole under the run's deadline, and turns a timeout, an
//! error or a panic into a `fail` result: a check never aborts the run.

pub mod aws;
pub mod cloudfront;
pub mod cloudfront_aliases;
pub mod custom;
pub mod http;
pub mod oidc;
pub mod s3;
pub mod s3_object;

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

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
/// unconfigured one is a [`Check::Skip`] with the reason.
pub fn plan(config: &CheckConfig) -> Vec<(CheckId, Check)> {
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
    plan.into_iter()
        .map(|(id, check)| {
            let check = match check {
                Check::Http { url, cdn } => match config.url_policy.check_url(&url) {
                    Ok(()) => Check::Http { url, cdn },
                    Err(why) => Check::Refused(format!(
                        "refused by the URL policy: {why}; {} was not contacted",
                        crate::text::redact_url(&url)
                    )),
                },
                other => other,
            };
            (id, check)
        })
        .chain(
            custom::plan(config)
                .into_iter()
                .map(|(id, check, _needs)| (id, check)),
        )
        .collect()
}

/// A check ready to run.
pub type CheckFuture = Pin<Box<dyn Future<Output = CheckResult> + Send>>;

/// Shared resources of one run.
pub struct Resources {
    pub http: reqwest::Client,
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

/// Extra time a check's own deadline gets over the checks' inner timeouts, so that their
/// more precise messages win the race.
const GRACE: Duration = Duration::from_millis(250);

/// Runs every check concurrently. Each gets `check_deadline`; whatever has not finished
/// when `run_deadline` (from now) passes is stopped and reported as failed. Every id in
/// `checks` is in the result.
pub async fn run_all(
    checks: Vec<(CheckId, CheckFuture)>,
    check_deadline: Duration,
    run_deadline: Duration,
) -> BTreeMap<CheckId, CheckResult> {
    let start = Instant::now();
    let run_end = tokio::time::Instant::now() + run_deadline;
    let handles: Vec<_> = checks
        .into_iter()
        .map(|(id, fut)| {
            let handle = tokio::spawn(async move {
                let started = Instant::now();
                let mut result = match tokio::time::timeout(check_deadline + GRACE, fut).await {
                    Ok(r) => r,
                    Err(_) => CheckResult::fail(format!(
                        "no result within the check deadline of {} s",
                        check_deadline.as_secs_f64()
                    )),
                };
                result.ms = started.elapsed().as_millis() as u64;
                result
            });
            (id, handle)
        })
        .collect();

    let mut results = BTreeMap::new();
    for (id, mut handle) in handles {
        let result = match tokio::time::timeout_at(run_end, &mut handle).await {
            Ok(Ok(result)) => result,
            Ok(Err(join_error)) => {
                let why = if join_error.is_panic() {
                    let payload = join_error.into_panic();
                    let msg = payload
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| payload.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "unknown panic".into());
                    format!("internal error: the check panicked: {msg}")
                } else {
                    "internal error: the check was cancelled".to_string()
                };
                let mut r = CheckResult::fail(why);
                r.ms = start.elapsed().as_millis() as u64;
                r
            }
            Err(_) => {
                handle.abort();
                let mut r = CheckResult::fail(format!(
                    "did not finish within the run deadline of {} s",
                    run_deadline.as_secs_f64()
                ));
                r.ms = start.elapsed().as_millis() as u64;
                r
            }
        };
        results.insert(id, result);
    }
    results
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
    use super::*;
    use crate::model::Outcome;

    #[tokio::test]
    async fn a_panicking_check_becomes_a_failure_and_the_rest_still_report() {
        let checks: Vec<(CheckId, CheckFuture)> = vec![
            (CheckId::api("/health"), Box::pin(async { panic!("boom") })),
            (
                CheckId::api("/hello"),
                Box::pin(async { CheckResult::pass("fine") }),
            ),
        ];
        let results = run_all(checks, Duration::from_secs(5), Duration::from_secs(6)).await;
        let health = &results[&CheckId::api("/health")];
        assert_eq!(health.outcome, Outcome::Fail);
        assert!(!health.ok);
        assert!(
            health.details.contains("panicked: boom"),
            "{}",
            health.details
        );
        assert_eq!(results[&CheckId::api("/hello")].outcome, Outcome::Pass);
    }

    #[tokio::test(start_paused = true)]
    async fn a_check_that_never_finishes_fails_at_its_deadline() {
        let checks: Vec<(CheckId, CheckFuture)> = vec![
            (CheckId::Frontend, Box::pin(std::future::pending())),
            (
                CheckId::api("/hello"),
                Box::pin(async { CheckResult::pass("fine") }),
            ),
        ];
        let results = run_all(checks, Duration::from_secs(2), Duration::from_secs(3)).await;
        let frontend = &results[&CheckId::Frontend];
        assert_eq!(frontend.outcome, Outcome::Fail);
        assert!(
            frontend.details.contains("check deadline of 2 s"),
            "{}",
            frontend.details
        );
        assert_eq!(results[&CheckId::api("/hello")].outcome, Outcome::Pass);
    }

    #[tokio::test(start_paused = true)]
    async fn the_run_deadline_bounds_everything() {
        let checks: Vec<(CheckId, CheckFuture)> =
            vec![(CheckId::Oidc, Box::pin(std::future::pending()))];
        // A check deadline longer than the run's: the run's wins.
        let results = run_all(checks, Duration::from_secs(60), Duration::from_secs(1)).await;
        assert!(
            results[&CheckId::Oidc].details.contains("run deadline"),
            "{}",
            results[&CheckId::Oidc].details
        );
    }
}
