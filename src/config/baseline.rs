//! `check --baseline`: the previous run's report, read and parsed before any check runs
//! (at most [`MAX_REPORT_BYTES`](super::MAX_REPORT_BYTES), like `discord post`'s), and the
//! latency regression thresholds (`--regression-pct`, `--regression-ms`).

use std::path::PathBuf;

use super::discord_post::read_report;
use super::{ConfigError, Given};
use crate::cli::CheckArgs;
use crate::cli::inputs::check;
use crate::model::{Report, Thresholds};
use crate::text::cap;

/// Largest `--regression-pct`.
const MAX_PCT: u32 = 100_000;
/// Largest `--regression-ms` (an hour).
const MAX_MS: u64 = 3_600_000;

/// The run to compare with, and how much slower is a regression.
#[derive(Debug, Clone)]
pub struct BaselineConfig {
    pub path: PathBuf,
    pub report: Report,
    pub thresholds: Thresholds,
}

/// The baseline, when one is given (an empty value is none); the thresholds are checked
/// either way.
pub(super) fn baseline(
    args: &CheckArgs,
    given: Given,
) -> Result<Option<BaselineConfig>, ConfigError> {
    let pct = whole(
        &given.name(check::REGRESSION_PCT),
        &args.regression_pct,
        "percent",
        u64::from(MAX_PCT),
    )?;
    let ms = whole(
        &given.name(check::REGRESSION_MS),
        &args.regression_ms,
        "milliseconds",
        MAX_MS,
    )?;
    let thresholds = Thresholds {
        pct: u32::try_from(pct).unwrap_or(MAX_PCT),
        ms,
    };
    let path = args.baseline.as_ref().filter(|p| !p.as_os_str().is_empty());
    let Some(path) = path else {
        return Ok(None);
    };
    let report = read_report(&given.name(check::BASELINE), path)?;
    Ok(Some(BaselineConfig {
        path: path.clone(),
        report,
        thresholds,
    }))
}

/// A whole number from 0 to `max`.
fn whole(input: &str, v: &str, unit: &str, max: u64) -> Result<u64, ConfigError> {
    match v.trim().parse::<u64>() {
        Ok(n) if n <= max => Ok(n),
        _ => Err(ConfigError::new(
            input,
            format!(
                "{:?} is not a whole number of {unit} from 0 to {max}",
                cap(v, 40)
            ),
        )),
    }
}
