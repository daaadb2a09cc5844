//! The terminal view: one line per check and a conclusion line, colored when standard
//! output is a terminal (and `NO_COLOR` is unset).

use std::fmt::Write;

use super::Renderer;
use crate::model::{Conclusion, Outcome, Report};
use crate::text::one_line;

pub struct Text {
    pub color: bool,
}

impl Text {
    /// Colored when standard output is a terminal, `NO_COLOR` is unset and `TERM` is
    /// not `dumb`.
    pub fn for_stdout() -> Text {
        use std::io::IsTerminal;
        Text {
            color: std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var("TERM").map_or(true, |t| t != "dumb"),
        }
    }

    fn paint(&self, s: &str, code: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    fn outcome(&self, o: Outcome) -> String {
        let (label, code) = match o {
            Outcome::Pass => ("pass", "32"),
            Outcome::Warn => ("warn", "33"),
            Outcome::Fail => ("FAIL", "1;31"),
            Outcome::Skip => ("skip", "2"),
        };
        self.paint(label, code)
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
                "  {}  {:<11} {:>6} ms  {}",
                self.outcome(r.outcome),
                id.key(),
                r.ms,
                one_line(&r.details)
            );
        }
        let verdict = match report.conclusion {
            Conclusion::Success => self.paint("success", "1;32"),
            Conclusion::Failure => self.paint("failure", "1;31"),
        };
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
