//! The GitHub Actions runner's files and log commands: step outputs to `$GITHUB_OUTPUT`
//! (multi-line safe), `::error`/`::warning` annotations, and the JSON report printed to the
//! log between fixed marker lines (the fallback channel when no artifact can be read).

use std::path::Path;

use uuid::Uuid;

use crate::model::{Outcome, Report};

/// Line that opens the report in the job log; the correlation ID follows it.
pub const LOG_BEGIN: &str = "::remote-hands-report-begin::";
/// Line that closes the report in the job log.
pub const LOG_END: &str = "::remote-hands-report-end::";

/// `name<<DELIM\nvalue\nDELIM\n` for each output, with a random delimiter that cannot occur
/// in a value.
pub fn outputs(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (name, value) in pairs {
        let mut delim = format!("ghadelimiter_{}", Uuid::new_v4());
        while value.contains(&delim) {
            delim = format!("ghadelimiter_{}", Uuid::new_v4());
        }
        out.push_str(&format!("{name}<<{delim}\n{value}\n{delim}\n"));
    }
    out
}

pub fn write_outputs(path: &Path, pairs: &[(&str, &str)]) -> anyhow::Result<()> {
    crate::report::append(path, outputs(pairs).as_bytes())
}

/// Escapes a workflow-command message.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow-command property value.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// One workflow-command annotation (`notice`, `warning` or `error`) with its title.
pub fn annotation(level: &str, title: &str, message: &str) -> String {
    format!(
        "::{level} title={}::{}\n",
        escape_property(title),
        escape_data(message)
    )
}

/// One annotation per failed (`::error`) or warned (`::warning`) check.
pub fn annotations(report: &Report) -> String {
    let mut out = String::new();
    for (id, r) in &report.checks {
        let level = match r.outcome {
            Outcome::Fail => "error",
            Outcome::Warn => "warning",
            _ => continue,
        };
        out.push_str(&annotation(
            level,
            &format!("remote-hands {id}"),
            &r.details,
        ));
    }
    out
}

/// The JSON report between the marker lines, with workflow commands stopped around it so
/// nothing inside the report can be read by the runner as a command.
pub fn log_block(report: &Report, json: &str) -> String {
    let token = Uuid::new_v4().simple().to_string();
    let mut out = format!("::stop-commands::{token}\n");
    out.push_str(&format!("{LOG_BEGIN}{}\n", report.correlation_id));
    out.push_str(json);
    if !json.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&format!("{LOG_END}{}\n", report.correlation_id));
    out.push_str(&format!("::{token}::\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_use_heredoc_delimiters() {
        let s = outputs(&[("conclusion", "success"), ("multi", "a\nb")]);
        let lines: Vec<&str> = s.lines().collect();
        assert!(lines[0].starts_with("conclusion<<ghadelimiter_"));
        assert_eq!(lines[1], "success");
        assert_eq!(lines[2], &lines[0]["conclusion<<".len()..]);
        assert_eq!(&lines[4..6], &["a", "b"]);
    }

    #[test]
    fn command_values_are_escaped() {
        assert_eq!(escape_data("50%\nnext"), "50%25%0Anext");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
