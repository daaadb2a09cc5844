//! The "Changes since" section of the summary (`check --baseline`): one table row per
//! change, or one line when nothing changed. Check keys, CloudFront names and ARNs may
//! come from the baseline file: every cell goes through [`super::escape`].

use std::fmt::Write;

use super::escape::{code_span, escape_inline};
use crate::model::{Cell, Report};
use crate::report::style;
use crate::text::cap;

/// Most rows shown; the JSON report lists every change.
pub const MAX_ROWS: usize = 50;
/// Longest cell, in characters, before escaping.
const MAX_CELL: usize = 200;

/// The section, after the summary table; nothing without a baseline.
pub(super) fn changes(w: &mut String, report: &Report) {
    let Some(changes) = &report.changes else {
        return;
    };
    let since = &changes.since;
    let mut label = format!("run {}", shown(&since.short_id(), false));
    if let Some(when) = since.when() {
        let _ = write!(label, " of {}", escape_inline(&when));
    }
    let rows = changes.rows();
    if rows.is_empty() {
        let _ = writeln!(w, "**No changes since {label}.**\n");
        return;
    }
    let _ = writeln!(w, "## Changes since {label}\n");
    let _ = writeln!(w, "| Check | Change | Before | Now |");
    let _ = writeln!(w, "|-------|--------|--------|-----|");
    for row in rows.iter().take(MAX_ROWS) {
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} |",
            shown(&row.subject, true),
            escape_inline(&cap(&row.what, MAX_CELL)),
            cell(&row.from),
            cell(&row.to)
        );
    }
    if rows.len() > MAX_ROWS {
        let _ = writeln!(
            w,
            "\n*… and {} more; the JSON report lists them all.*",
            rows.len() - MAX_ROWS
        );
    }
    let t = changes.thresholds;
    let _ = writeln!(
        w,
        "\n*Slower means more than +{} % and at least +{} ms.*\n",
        t.pct, t.ms
    );
}

fn cell(c: &Cell) -> String {
    match c {
        Cell::Outcome(o) => format!("{} {}", style::outcome(*o).icon, o.as_str()),
        Cell::Text(t) => shown(t, true),
        Cell::Empty => String::new(),
    }
}

/// Outside text, capped: as code when it holds only the characters of names, numbers,
/// ARNs and host lists (nothing there can end a span or make markup), else escaped prose.
fn shown(s: &str, in_table: bool) -> String {
    let s = cap(s, MAX_CELL);
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-.:/, +%()*".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        code_span(&s, in_table)
    } else {
        escape_inline(&s)
    }
}
