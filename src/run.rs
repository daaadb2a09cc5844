//! One `remote-hands check` run from a validated configuration to an exit code: plan the
//! checks, run them, assemble the report, write the JSON file, the step summary and the
//! GitHub Actions outputs, and print the chosen format.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use anyhow::Context;

use crate::checks::{self, Resources};
use crate::cli::{FailOn, Format};
use crate::config::{CheckConfig, JsonOut, ProcessEnv};
use crate::model::{
    CheckId, CheckResult, Conclusion, Durations, Outcome, Report, SCHEMA_VERSION, Target,
};
use crate::report::{self, Json, Markdown, Renderer, Text};
use crate::text::redact_url;
use crate::{actions, http};

/// Exit code when every check passed, warned or was skipped.
pub const EXIT_OK: u8 = 0;
/// Exit code when at least one check failed.
pub const EXIT_FAILED: u8 = 1;
/// Exit code for usage and configuration errors.
pub const EXIT_USAGE: u8 = 2;

/// Runs the checks and returns the report (no files written). An error is a configuration
/// error found before any check ran: a named profile that the shared files do not hold, or
/// a profile's region of the wrong shape.
pub async fn diagnose(config: &CheckConfig) -> anyhow::Result<Report> {
    let started_at = humantime::format_rfc3339_millis(SystemTime::now()).to_string();
    let start = Instant::now();

    let (aws, region) = if config.uses_aws() {
        if let Some(profile) = &config.profile {
            let files = checks::aws::SharedFiles::locate(&ProcessEnv);
            checks::aws::check_profile(profile, &files).await?;
        }
        let region = checks::aws::resolve_region(config).await?;
        let ctx = checks::aws::AwsContext::new(
            region.name.clone(),
            config.endpoint_url.as_ref().map(|u| u.to_string()),
            config.timeout,
        )
        .with_profile(config.profile.clone());
        (Some(Arc::new(ctx)), Some(region))
    } else {
        (None, None)
    };
    let resources = Resources {
        http: http::client(config.timeout, &config.url_policy)?,
        aws,
        slow: config.slow,
        timeout: config.timeout,
    };
    let futures = checks::plan(config)
        .into_iter()
        .map(|(id, check)| (id, checks::future(check, &resources)))
        .collect();
    let results = checks::run_all(futures, config.timeout, config.run_deadline()).await;
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
            region_source: region.as_ref().map(|r| r.source.to_string()),
            endpoint_url: config.endpoint_url.as_ref().map(redact_url),
        },
        started_at,
        tool: format!("remote-hands {}", env!("CARGO_PKG_VERSION")),
        durations: durations(&results, total.as_secs_f64()),
        conclusion: conclusion(&results, config.fail_on),
        fail_on: config.fail_on.as_str().to_string(),
        checks: results,
    })
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

/// The whole `check` command: diagnose, write every output, return the exit code.
pub async fn check(config: CheckConfig) -> anyhow::Result<u8> {
    let report = diagnose(&config).await?;
    let json = Json.render(&report);
    if let JsonOut::File(path) = &config.json {
        report::write_atomic(path, json.as_bytes()).context("writing the JSON report")?;
    }
    if let Some(path) = &config.summary_path {
        let md = Markdown::for_run(config.on_demand, config.labels.clone()).render(&report);
        report::append(path, md.as_bytes()).context("writing the step summary")?;
    }
    if let Some(github) = &config.github {
        if let Some(path) = &github.output_path {
            let report_path = match &config.json {
                JsonOut::File(p) => Some(
                    std::path::absolute(p)
                        .unwrap_or_else(|_| p.clone())
                        .to_string_lossy()
                        .into_owned(),
                ),
                JsonOut::Stdout | JsonOut::None => None,
            };
            let mut outputs = vec![
                ("conclusion", report.conclusion.as_str()),
                ("correlation-id", report.correlation_id.as_str()),
            ];
            if let Some(p) = &report_path {
                outputs.push(("report-path", p));
            }
            actions::write_outputs(path, &outputs).context("writing the step outputs")?;
        }
        let mut stderr = std::io::stderr().lock();
        let _ = stderr.write_all(actions::annotations(&report).as_bytes());
        let _ = stderr.write_all(actions::log_block(&report, &json).as_bytes());
    }

    let stdout_text = match config.format {
        _ if config.json == JsonOut::Stdout => json,
        Format::Json => json,
        Format::Markdown => {
            Markdown::for_run(config.on_demand, config.labels.clone()).render(&report)
        }
        Format::Text => Text::for_stdout().render(&report),
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(stdout_text.as_bytes())
        .and_then(|_| stdout.flush())
        .or_else(|e| {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                Ok(())
            } else {
                Err(e)
            }
        })
        .context("writing to standard output")?;
    Ok(exit_code(&report, config.fail_on))
}
