//! The Discord message for a report: a short content block (one line per check with
//! 🟢/⚠️/🔴/⏭️, the conclusion, the correlation ID, the run link) and one embed, within
//! Discord's limits (2,000 characters of content; embed title 256, description 4,096,
//! field values 1,024, 6,000 in all). Text from the report is escaped for Discord's
//! markdown, and `allowed_mentions` is empty so nothing in it can ping anyone.

use serde_json::{Value, json};

use super::Renderer;
use crate::model::{Conclusion, Outcome, Report};
use crate::text::one_line;

/// Discord's limit on `content`.
pub const CONTENT_LIMIT: usize = 2000;
const EMBED_DESCRIPTION_LIMIT: usize = 4096;
const FIELD_LIMIT: usize = 1024;
const DETAIL_LIMIT: usize = 140;

pub struct Discord {
    /// The run's page, when known.
    pub run_url: Option<String>,
}

fn emoji(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "🟢",
        Outcome::Warn => "⚠️",
        Outcome::Fail => "🔴",
        Outcome::Skip => "⏭️",
    }
}

/// Escapes Discord markdown and defuses mentions (`@everyone`, `<@123>`).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in one_line(s).chars() {
        match c {
            '\\' | '*' | '_' | '~' | '`' | '|' | '>' | '#' | '[' | ']' | '(' | ')' | '<' | ':'
            | '-' => {
                out.push('\\');
                out.push(c);
            }
            '@' => out.push_str("@\u{200b}"),
            _ => out.push(c),
        }
    }
    out
}

/// At most `limit` characters, ending in `…` when cut.
fn fit(s: &str, limit: usize) -> String {
    if s.chars().count() <= limit {
        return s.to_string();
    }
    let mut t: String = s.chars().take(limit.saturating_sub(1)).collect();
    // Do not leave a dangling escape backslash.
    if t.ends_with('\\') && !t.ends_with("\\\\") {
        t.pop();
    }
    t.push('…');
    t
}

impl Renderer for Discord {
    fn render(&self, report: &Report) -> String {
        let success = report.conclusion == Conclusion::Success;
        let headline = format!(
            "{} **Diagnose on Demand: {}**{}",
            if success { "✅" } else { "❌" },
            report.conclusion.as_str(),
            match &report.environment {
                Some(e) => format!(" ({})", escape(e)),
                None => String::new(),
            }
        );
        let lines: Vec<String> = report
            .checks
            .iter()
            .map(|(id, r)| {
                format!(
                    "{} `{}` {} ({} ms)",
                    emoji(r.outcome),
                    id.key(),
                    fit(&escape(&r.details), DETAIL_LIMIT),
                    r.ms
                )
            })
            .collect();
        let footer = format!(
            "Correlation ID `{}` · requested by {} · {:.1} s{}",
            escape(&report.correlation_id).replace('\\', ""),
            escape(&report.requester),
            report.durations.total_s,
            match &self.run_url {
                Some(u) => format!(" · <{u}>"),
                None => String::new(),
            }
        );
        // Check lines as long as they fit, then a note of how many were left out.
        let budget = CONTENT_LIMIT - headline.chars().count() - footer.chars().count() - 40;
        let mut body = String::new();
        let mut shown = 0;
        for line in &lines {
            if body.chars().count() + line.chars().count() + 1 > budget {
                break;
            }
            body.push_str(line);
            body.push('\n');
            shown += 1;
        }
        if shown < lines.len() {
            body.push_str(&format!("… {} more in the run\n", lines.len() - shown));
        }
        let content = fit(&format!("{headline}\n{body}{footer}"), CONTENT_LIMIT);

        let mut description = String::new();
        for (id, r) in &report.checks {
            if r.outcome == Outcome::Fail || r.outcome == Outcome::Warn {
                description.push_str(&format!(
                    "{} **{}**: {}\n",
                    emoji(r.outcome),
                    id.key(),
                    escape(&r.details)
                ));
            }
        }
        if description.is_empty() {
            description = "Every configured check passed.".into();
        }
        let mut embed = json!({
            "title": fit(&format!("Diagnose on Demand — {}", report.conclusion.as_str()), 256),
            "description": fit(&description, EMBED_DESCRIPTION_LIMIT),
            "color": if success { 0x2e_a0_43 } else { 0xcf_22_2e },
            "fields": [
                {"name": "Correlation ID", "value": fit(&report.correlation_id, FIELD_LIMIT), "inline": false},
                {"name": "Requester", "value": fit(&escape(&report.requester), FIELD_LIMIT), "inline": true},
                {"name": "Duration", "value": format!("{:.2} s", report.durations.total_s), "inline": true},
            ],
            "footer": {"text": fit(&report.tool, 2048)},
        });
        if let Some(url) = &self.run_url {
            embed["url"] = Value::String(url.clone());
        }
        let payload = json!({
            "content": content,
            "embeds": [embed],
            "allowed_mentions": {"parse": []},
        });
        let mut out = serde_json::to_string_pretty(&payload).expect("a JSON value serialises");
        out.push('\n');
        out
    }
}
