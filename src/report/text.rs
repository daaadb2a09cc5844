//! The terminal view: one line per check and a conclusion line, colored when standard
//! output is a terminal, by the conventions `anstream` follows (`NO_COLOR`, `CLICOLOR`,
//! `CLICOLOR_FORCE`).

use std::fmt::Write;

use super::{Renderer, style};
use crate::model::{Cell, CheckResult, Evidence, Outcome, Report};
use crate::text::{cap, one_line};

/// Longest body line shown after a failed or warned HTTP check.
const BODY_LINE: usize = 120;

/// For an HTTP check that did not pass: where a redirect led, and the first line of the
/// body (often the API's own error: `{"error":"db connection pool exhausted"}`).
fn http_clues(r: &CheckResult) -> String {
    let Some(Evidence::Http(h)) = &r.evidence else {
        return String::new();
    };
    if !matches!(r.outcome, Outcome::Fail | Outcome::Warn) {
        return String::new();
    }
    let mut out = String::new();
    if let Some(to) = &h.final_url {
        out.push_str(&format!(" (redirected to {})", one_line(to)));
    }
    let first = h
        .body
        .as_deref()
        .and_then(|b| b.lines().map(str::trim).find(|l| !l.is_empty()));
    if let Some(line) = first {
        out.push_str(&format!(" · {}", cap(&one_line(line), BODY_LINE)));
    }
    out
}

pub struct Text {
    pub color: bool,
}

impl Text {
    /// Colored as `anstream` decides for standard output, by the common conventions: a
    /// terminal (and `TERM` not `dumb`), unless `NO_COLOR` is set or `CLICOLOR=0`;
    /// `CLICOLOR_FORCE=1` colors even a pipe.
    pub fn for_stdout() -> Text {
        let choice = anstream::AutoStream::choice(&std::io::stdout());
        Text {
            color: choice != anstream::ColorChoice::Never,
        }
    }

    fn outcome(&self, o: Outcome) -> String {
        let look = style::outcome(o);
        style::paint(look.label, look.style, self.color)
    }
}

/// Most changes listed; the JSON report has them all.
pub const MAX_CHANGE_ROWS: usize = 30;

impl Text {
    /// "changes since …" and one line per change, or "no changes since …"; nothing
    /// without a baseline. Every text from the baseline is one line and capped.
    fn changes(&self, out: &mut String, report: &Report) {
        let Some(changes) = &report.changes else {
            return;
        };
        let since = &changes.since;
        let mut label = cap(&one_line(&since.short_id()), 8);
        if let Some(when) = since.when() {
            label.push_str(&format!(" ({when})"));
        }
        let rows = changes.rows();
        if rows.is_empty() {
            let _ = writeln!(out, "no changes since {label}");
            return;
        }
        let _ = writeln!(out, "changes since {label}:");
        for row in rows.iter().take(MAX_CHANGE_ROWS) {
            let cell = |c: &Cell| match c {
                Cell::Outcome(o) => self.outcome(*o),
                Cell::Text(t) => cap(&one_line(t), 100),
                Cell::Empty => "-".to_string(),
            };
            let values = match (&row.from, &row.to) {
                (Cell::Empty, Cell::Empty) => String::new(),
                (from, to) => format!("  {} → {}", cell(from), cell(to)),
            };
            let line = format!(
                "  {:<11} {:<15}{values}",
                cap(&one_line(&row.subject), 60),
                cap(&one_line(&row.what), 20)
            );
            let _ = writeln!(out, "{}", line.trim_end());
        }
        if rows.len() > MAX_CHANGE_ROWS {
            let _ = writeln!(
                out,
                "  … and {} more (the JSON report lists them all)",
                rows.len() - MAX_CHANGE_ROWS
            );
        }
    }
}

impl Renderer for Text {
    fn render(&self, report: &Report) -> String {
        let mut out = String::new();
        let _ = write!(
            out,
            "remote-hands check  correlation {}  requester {}",
            report.correlation_id,
            one_line(&report.requester)
        );
        match &report.environment {
            Some(environment) => {
                let _ = writeln!(out, "  environment {}", one_line(environment));
            }
            None => out.push('\n'),
        }
        for (id, r) in &report.checks {
            let _ = writeln!(
                out,
                "  {}  {:<11} {:>6} ms  {}{}",
                self.outcome(r.outcome),
                id.key(),
                r.ms,
                one_line(&r.details),
                http_clues(r)
            );
            if let Some(Evidence::Http(h)) = &r.evidence {
                let line = super::http_line(h);
                if !line.is_empty() {
                    let _ = writeln!(out, "{:27}{}", "", line);
                }
            }
        }
        self.changes(&mut out, report);
        let verdict = style::paint(
            report.conclusion.as_str(),
            style::conclusion(report.conclusion).style,
            self.color,
        );
        let _ = writeln!(
            out,
            "conclusion: {verdict} ({} passed, {} warned, {} failed, {} skipped) in {:.2} s",
            report.count(Outcome::Pass),
            report.count(Outcome::Warn),
            report.count(Outcome::Fail),
            report.count(Outcome::Skip),
            report.durations.total_s
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CheckId, HttpEvidence};

    fn report(outcome: Outcome, body: Option<&str>, final_url: Option<&str>) -> Report {
        let mut r = match outcome {
            Outcome::Pass => CheckResult::pass("HTTP 200 OK"),
            Outcome::Warn => CheckResult::warn("HTTP 200 but slow"),
            _ => CheckResult::fail("HTTP 500 Internal Server Error from http://x/health"),
        };
        r.evidence = Some(Evidence::Http(HttpEvidence {
            url: "http://x/health".into(),
            final_url: final_url.map(str::to_string),
            body: body.map(str::to_string),
            ..HttpEvidence::default()
        }));
        let mut report: Report = serde_json::from_str(
            r#"{"correlation_id":"x","requester":"r","checks":{},"conclusion":"failure"}"#,
        )
        .unwrap();
        report.checks.insert(CheckId::api("/health"), r);
        report
    }

    fn line(report: &Report) -> String {
        let text = Text { color: false }.render(report);
        text.lines()
            .find(|l| l.contains("api_health"))
            .unwrap()
            .to_string()
    }

    #[test]
    fn a_failed_http_check_shows_the_first_body_line_and_the_redirect() {
        let r = report(
            Outcome::Fail,
            Some("\n  {\"error\":\"db connection pool exhausted\"}\nmore"),
            Some("http://y/login"),
        );
        assert!(
            line(&r).ends_with(
                "from http://x/health (redirected to http://y/login) · {\"error\":\"db connection pool exhausted\"}"
            ),
            "{}",
            line(&r)
        );
        let long = "z".repeat(500);
        let r = report(Outcome::Warn, Some(&long), None);
        assert!(
            line(&r).ends_with(&format!(" · {}…", "z".repeat(BODY_LINE - 1))),
            "{}",
            line(&r)
        );
        let r = report(Outcome::Fail, Some("\u{1b}[2Jgone"), None);
        assert!(line(&r).ends_with(" · \u{fffd}[2Jgone"), "{}", line(&r));
    }

    #[test]
    fn a_passing_check_or_an_empty_body_adds_nothing() {
        let r = report(Outcome::Pass, Some("fine"), Some("http://y/"));
        assert!(line(&r).ends_with("HTTP 200 OK"), "{}", line(&r));
        let r = report(Outcome::Fail, Some(" \n "), None);
        assert!(line(&r).ends_with("/health"), "{}", line(&r));
    }

    #[test]
    fn changes_are_one_line_each_capped_at_the_row_limit() {
        let mut r = report(Outcome::Pass, None, None);
        let mut before = r.clone();
        before.correlation_id = "feedface-0000".into();
        for i in 0..MAX_CHANGE_ROWS + 3 {
            let key = format!("api_gone{i}\u{1b}[2J\nforged");
            before
                .checks
                .insert(CheckId::from_key(&key), CheckResult::pass("x"));
        }
        r.changes = Some(crate::baseline::compare(&before, &r, Default::default()));
        let text = Text { color: false }.render(&r);
        assert!(text.contains("changes since feedface:\n"), "{text}");
        assert!(
            !text.contains('\u{1b}') && !text.contains("\nforged"),
            "{text}"
        );
        let rows = text.lines().filter(|l| l.contains("vanished")).count();
        assert_eq!(rows, MAX_CHANGE_ROWS, "{text}");
        assert!(
            text.contains("  … and 3 more (the JSON report lists them all)\n"),
            "{text}"
        );
        r.changes = Some(crate::baseline::compare(&r, &r, Default::default()));
        let text = Text { color: false }.render(&r);
        assert!(text.contains("\nno changes since x\n"), "{text}");
    }
}
