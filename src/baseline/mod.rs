//! Comparison with a previous run (`check --baseline`): [`compare`] a baseline report —
//! one of this tool's, or one of the original shell workflow's, where a check has only
//! `ok` and `ms` — with this run's, giving the report's [`Changes`](crate::model::Changes):
//! outcomes that changed, checks that got slower beyond the
//! [`Thresholds`](crate::model::Thresholds), CloudFront and identity drift, and checks that
//! appeared or vanished. `fetch` finds the baseline of a GitHub Actions job: the report of
//! the last successful run of the same workflow on the same branch.
//!
//! The baseline file is outside text: everything taken from it is capped here, and the
//! renderers escape it like any other outside text.

mod compare;
pub mod fetch;

pub use compare::compare;
