//! One diagnosis, from a validated configuration to a report: the AWS setup (the named
//! profile checked, the region resolved), the checks planned and run concurrently, their
//! durations, and the conclusion under `--fail-on`; and the exit codes that follow. Writing
//! the report anywhere is the `check` command's part (`commands::check`).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use crate::checks::aws::{AwsContext, ResolvedRegion};
use crate::checks::{self, Resources};
use crate::config::{CheckConfig, Vars};
use crate::model::{
    CheckId, CheckResult, Conclusion, Durations, FailOn, Outcome, Report, SCHEMA_VERSION, Target,
};
use crate::text::redact_url;

/// Exit code when every check passed, warned or was skipped.
pub const EXIT_OK: u8 = 0;
/// Exit code when at least one check failed.
pub const EXIT_FAILED: u8 = 1;
/// Exit code for usage and configuration errors.
pub const EXIT_USAGE: u8 = 2;

/// Runs the checks and returns the report (no files written). An error is a configuration
/// error found before any check ran: a named profile that the shared files do not hold, or
/// a profile's region of the wrong shape. `vars` tells where the shared AWS files are.
pub async fn diagnose(config: &CheckConfig, vars: &Vars) -> anyhow::Result<Report> {
    let started_at = humantime::format_rfc3339_millis(SystemTime::now()).to_string();
    let start = Instant::now();
    let (aws, region) = aws_setup(config, vars).await?;
    let resources = Resources {
        http: checks::http::Prober {
            policy: Arc::new(config.url_policy.clone()),
            trust: checks::http::Trust::platform_and(config.ca_certs.clone())?,
            tls_warn_days: config.tls_warn_days,
        },
        aws,
        slow: config.slow,
        timeout: config.timeout,
    };
    let tasks = checks::plan(config)
        .into_iter()
        .inspect(|p| tracing::debug!(check = %p.id, needs = ?p.needs, "check planned"))
        .map(|p| checks::Task {
            future: checks::future(p.check, &resources),
            id: p.id,
            needs: p.needs,
        })
        .collect();
    let limits = checks::Limits {
        check_deadline: config.timeout,
        run_deadline: config.run_deadline(),
        max_in_flight: config.max_in_flight,
    };
    let results = checks::run_all(tasks, limits).await;
    let total = start.elapsed();

    Ok(Report {
        schema_version: SCHEMA_VERSION,
        correlation_id: config.correlation_id.to_string(),
        requester: config.requester.clone(),
        environment: config.environment.clone(),
        frontend_url: config.frontend_url.as_ref().map(redact_url),
        api_base: config.api_base.as_ref().map(redact_url),
        target: Target {
            bucket: config.bucket.clone(),
            distribution_id: config.distribution_id.clone(),
            region: region.as_ref().map(|r| r.name.clone()),
            region_source: region.as_ref().map(|r| r.source),
            endpoint_url: config.endpoint_url.as_ref().map(redact_url),
        },
        started_at,
        tool: format!("remote-hands {}", env!("CARGO_PKG_VERSION")),
        durations: durations(&results, total.as_secs_f64()),
        conclusion: conclusion(&results, config.fail_on),
        fail_on: config.fail_on,
        checks: results,
        changes: None,
    })
}

/// When an AWS resource is configured: the named profile checked against the shared
/// files, the region resolved, and the context the AWS checks share.
async fn aws_setup(
    config: &CheckConfig,
    vars: &Vars,
) -> anyhow::Result<(Option<Arc<AwsContext>>, Option<ResolvedRegion>)> {
    if !config.uses_aws() {
        return Ok((None, None));
    }
    if let Some(profile) = &config.profile {
        let files = checks::aws::SharedFiles::locate(vars);
        checks::aws::check_profile(profile, &files).await?;
    }
    let region = checks::aws::resolve_region(config).await?;
    tracing::debug!(region = %region.name, source = %region.source, "AWS region");
    let ctx = AwsContext::new(
        region.name.clone(),
        config.endpoint_url.as_ref().map(|u| u.to_string()),
        config.timeout,
    )
    .with_profile(config.profile.clone());
    Ok((Some(Arc::new(ctx)), Some(region)))
}

fn round_ms(seconds: f64) -> f64 {
    (seconds * 1000.0).round() / 1000.0
}

fn durations(results: &BTreeMap<CheckId, CheckResult>, total_s: f64) -> Durations {
    let mut steps: BTreeMap<String, f64> = results
        .iter()
        .map(|(id, r)| (id.key().to_string(), round_ms(r.ms as f64 / 1000.0)))
        .collect();
    // The original workflow timed the API checks as one step, `api`; they run side by
    // side here, so the step lasts as long as the slower one.
    let api = results
        .iter()
        .filter(|(id, r)| matches!(id, CheckId::Api(_)) && r.outcome != Outcome::Skip)
        .map(|(_, r)| r)
        .map(|r| r.ms)
        .max();
    if let Some(ms) = api {
        steps.insert("api".into(), round_ms(ms as f64 / 1000.0));
    }
    Durations {
        total_s: round_ms(total_s),
        steps,
    }
}

/// `failure` when a check failed, or warned with `--fail-on warn`.
pub fn conclusion(results: &BTreeMap<CheckId, CheckResult>, fail_on: FailOn) -> Conclusion {
    let failed = results.values().any(|r| match r.outcome {
        Outcome::Fail => true,
        Outcome::Warn => fail_on == FailOn::Warn,
        _ => false,
    });
    if failed {
        Conclusion::Failure
    } else {
        Conclusion::Success
    }
}

/// The process exit code for a finished run.
pub fn exit_code(report: &Report, fail_on: FailOn) -> u8 {
    match (fail_on, report.conclusion) {
        (FailOn::Never, _) | (_, Conclusion::Success) => EXIT_OK,
        (_, Conclusion::Failure) => EXIT_FAILED,
    }
}
