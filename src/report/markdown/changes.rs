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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Changes, CheckId, Conclusion, FieldChange, Since, Thresholds};

    fn report_with(changes: Changes) -> Report {
        let mut r: Report =
            serde_json::from_str(r#"{"correlation_id":"x","checks":{},"conclusion":"success"}"#)
                .unwrap();
        r.changes = Some(changes);
        r
    }

    fn empty() -> Changes {
        Changes {
            since: Since {
                correlation_id: "abcdef0123456789".into(),
                started_at: "not a time".into(),
                tool: String::new(),
                conclusion: Conclusion::Success,
            },
            thresholds: Thresholds::default(),
            outcome: vec![],
            latency: vec![],
            cloudfront: vec![],
            identity: vec![],
            new_checks: vec![],
            vanished_checks: vec![],
        }
    }

    #[test]
    fn no_changes_is_one_line_and_no_baseline_is_nothing() {
        let mut md = String::new();
        changes(&mut md, &report_with(empty()));
        assert_eq!(md, "**No changes since run `abcdef01`.**\n\n");
        let mut r = report_with(empty());
        r.changes = None;
        let mut md = String::new();
        changes(&mut md, &r);
        assert_eq!(md, "");
    }

    #[test]
    fn many_changes_are_cut_at_the_row_limit_and_values_are_escaped() {
        let mut c = empty();
        c.vanished_checks = (0..MAX_ROWS + 7)
            .map(|i| CheckId::from_key(&format!("api_{i}")))
            .collect();
        c.identity = vec![FieldChange {
            field: "arn".into(),
            from: Some("a|b <i>`x`</i> @team".into()),
            to: None,
        }];
        let mut md = String::new();
        changes(&mut md, &report_with(c));
        let rows = md.lines().filter(|l| l.starts_with("| ")).count();
        assert_eq!(rows, MAX_ROWS + 1, "{md}");
        assert!(
            md.contains("*… and 8 more; the JSON report lists them all.*"),
            "{md}"
        );
        let arn = md.lines().find(|l| l.contains("| arn |")).unwrap();
        assert_eq!(
            arn,
            r"| `identity` | arn | a\|b &lt;i&gt;\`x\`&lt;/i&gt; @&#8203;team |  |"
        );
    }
}
