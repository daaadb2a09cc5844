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

impl Since {
    /// The baseline's correlation ID, short: its first 8 characters.
    pub fn short_id(&self) -> String {
        self.correlation_id.chars().take(8).collect()
    }

    /// When the baseline run started, as "2026-11-25 04:42:02 UTC"; `None` when its report
    /// does not say (or says it in another shape).
    pub fn when(&self) -> Option<String> {
        let s = self.started_at.as_str();
        let (date, time) = (s.get(..10)?, s.get(11..19)?);
        let shaped = |t: &str, sep: u8| t.bytes().all(|b| b.is_ascii_digit() || b == sep);
        (shaped(date, b'-') && shaped(time, b':')).then(|| format!("{date} {time} UTC"))
    }
}

/// One value of a change, as the renderers show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Outcome(Outcome),
    Text(String),
    /// Not recorded by that run.
    Empty,
}

/// One change as one row: what changed (a check, or `cloudfront` / `identity`), the kind
/// of change (`outcome`, `slower`, `new check`, `vanished`, or the drifted field's name),
/// before and now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub subject: String,
    pub what: String,
    pub from: Cell,
    pub to: Cell,
}

impl Changes {
    /// Every change, one row each, in this order: outcomes, latency, CloudFront, identity,
    /// new checks, vanished checks.
    pub fn rows(&self) -> Vec<Row> {
        let mut rows = Vec::new();
        let row = |subject: &str, what: &str, from: Cell, to: Cell| Row {
            subject: subject.to_string(),
            what: what.to_string(),
            from,
            to,
        };
        for o in &self.outcome {
            rows.push(row(
                o.check.key(),
                "outcome",
                Cell::Outcome(o.from),
                Cell::Outcome(o.to),
            ));
        }
        for l in &self.latency {
            let more = (u128::from(l.to_ms) - u128::from(l.from_ms).min(u128::from(l.to_ms))) * 100
                / u128::from(l.from_ms.max(1));
            rows.push(row(
                l.check.key(),
                "slower",
                Cell::Text(format!("{} ms", l.from_ms)),
                Cell::Text(format!("{} ms (+{more} %)", l.to_ms)),
            ));
        }
        let text = |v: &Option<String>| v.clone().map_or(Cell::Empty, Cell::Text);
        for (subject, fields) in [
            ("cloudfront", &self.cloudfront),
            ("identity", &self.identity),
        ] {
            for f in fields {
                rows.push(row(subject, &f.field, text(&f.from), text(&f.to)));
            }
        }
        for id in &self.new_checks {
            rows.push(row(id.key(), "new check", Cell::Empty, Cell::Empty));
        }
        for id in &self.vanished_checks {
            rows.push(row(id.key(), "vanished", Cell::Empty, Cell::Empty));
        }
        rows
    }
}
