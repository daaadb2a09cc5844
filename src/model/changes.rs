//! What changed since a previous run (`check --baseline`): the report's `changes`. Each
//! kind of change is its own list, empty when nothing of that kind changed; text that came
//! from the baseline file (check keys, CloudFront names, ARNs) is held capped, and every
//! renderer escapes it like any other outside text.

use serde::{Deserialize, Serialize};

use super::{CheckId, Conclusion, Outcome};

/// The differences between a baseline report and this run's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Changes {
    /// The run compared with.
    pub since: Since,
    /// The latency regression thresholds the comparison used.
    pub thresholds: Thresholds,
    /// Checks whose outcome changed.
    #[serde(default)]
    pub outcome: Vec<OutcomeChange>,
    /// Checks that got slower beyond both thresholds.
    #[serde(default)]
    pub latency: Vec<LatencyChange>,
    /// CloudFront distribution fields that drifted (`distribution_id`, `status`,
    /// `enabled`, `domain_name`, `aliases`).
    #[serde(default)]
    pub cloudfront: Vec<FieldChange>,
    /// AWS identity fields that drifted (`account`, `arn`).
    #[serde(default)]
    pub identity: Vec<FieldChange>,
    /// Checks of this run the baseline did not have.
    #[serde(default)]
    pub new_checks: Vec<CheckId>,
    /// Checks of the baseline this run does not have.
    #[serde(default)]
    pub vanished_checks: Vec<CheckId>,
}

impl Changes {
    /// True when nothing changed.
    pub fn is_empty(&self) -> bool {
        self.outcome.is_empty()
            && self.latency.is_empty()
            && self.cloudfront.is_empty()
            && self.identity.is_empty()
            && self.new_checks.is_empty()
            && self.vanished_checks.is_empty()
    }
}

/// The baseline run, as its report names it (reports of the original shell workflow have
/// no start time or tool: empty strings).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Since {
    pub correlation_id: String,
    #[serde(default)]
    pub started_at: String,
    #[serde(default)]
    pub tool: String,
    pub conclusion: Conclusion,
}

/// A check is a latency regression when it is slower by more than `pct` percent AND by
/// at least `ms` milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thresholds {
    pub pct: u32,
    pub ms: u64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds { pct: 50, ms: 100 }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeChange {
    pub check: CheckId,
    pub from: Outcome,
    pub to: Outcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LatencyChange {
    pub check: CheckId,
    pub from_ms: u64,
    pub to_ms: u64,
}

/// A field that drifted; `None` where a run did not record it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub from: Option<String>,
    pub to: Option<String>,
}
