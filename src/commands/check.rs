//! `remote-hands check`: validate the configuration, diagnose, then write every output —
//! the JSON report, the step summary, the GitHub Actions step outputs and annotations —
//! and print the chosen format; the exit code follows `--fail-on`.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use clap::ArgMatches;

use super::{block_on, usage_error};
use crate::cli::{CheckArgs, Format};
use crate::config::{CheckConfig, GithubEnv, JsonOut, Vars};
use crate::diagnose::{diagnose, exit_code};
use crate::model::Report;
use crate::report::{self, Json, Markdown, Renderer, Text};
use crate::{actions, baseline};

/// The whole command, from the parsed arguments (`matches` are the subcommand's) to the
/// exit code. Call it before any other thread exists: it may set `AWS_ENDPOINT_URL`.
pub fn run(args: &CheckArgs, matches: &ArgMatches, vars: &Vars) -> ExitCode {
    let config = match CheckConfig::from_args(args, matches, vars) {
        Ok(c) => c,
        Err(e) => return usage_error(&e),
    };
    if config.endpoint_from_flag
        && let Some(url) = &config.endpoint_url
    {
        // SAFETY: the caller runs this before any other thread exists (the runtime starts
        // below). The variable lets the SDK's credential providers (web identity → STS)
        // use the same endpoint as the service clients.
        unsafe { std::env::set_var("AWS_ENDPOINT_URL", url.as_str()) };
    }
    block_on(check(config, vars))
}

/// Diagnose, write every output, return the exit code.
pub async fn check(config: CheckConfig, vars: &Vars) -> anyhow::Result<u8> {
    let mut report = diagnose(&config, vars).await?;
    if let Some(b) = &config.baseline {
        report.changes = Some(baseline::compare(&b.report, &report, b.thresholds));
    }
    let json = Json.render(&report);
    if let JsonOut::File(path) = &config.json {
        report::write_atomic(path, json.as_bytes()).context("writing the JSON report")?;
    }
    if let Some(path) = &config.summary_path {
        let md = Markdown::for_run(config.on_demand, config.labels.clone()).render(&report);
        report::append(path, md.as_bytes()).context("writing the step summary")?;
    }
    if let Some(github) = &config.github {
        write_step_outputs(github, &config.json, &report)?;
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
    print_stdout(&stdout_text)?;
    Ok(exit_code(&report, config.fail_on))
}

/// `$GITHUB_OUTPUT`: the conclusion, the correlation ID and the report's absolute path.
fn write_step_outputs(github: &GithubEnv, json: &JsonOut, report: &Report) -> anyhow::Result<()> {
    let Some(path) = &github.output_path else {
        return Ok(());
    };
    let report_path = match json {
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
    actions::write_outputs(path, &outputs).context("writing the step outputs")
}

/// Standard output, flushed; a reader that went away (a closed pipe) is no error.
fn print_stdout(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
        .or_else(|e| {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                Ok(())
            } else {
                Err(e)
            }
        })
        .context("writing to standard output")
}
