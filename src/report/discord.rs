//! The Discord message for a report: a short content block (one line per check with
//! 🟢/⚠️/🔴/⏭️, the conclusion, the correlation ID, the run link) and one embed, within
//! Discord's limits (2,000 characters of content; embed title 256, description 4,096,
//! field values 1,024, 6,000 in all). Text from the report is escaped for Discord's
//! markdown, and `allowed_mentions` is empty so nothing in it can ping anyone.

use serde_json::{Value, json};

use super::{Renderer, style};
use crate::model::{Outcome, Report};
use crate::text::{cap_escaped, one_line};

/// Discord's limit on `content`.
pub const CONTENT_LIMIT: usize = 2000;
const EMBED_DESCRIPTION_LIMIT: usize = 4096;
/// Discord allows 1,024 per field value; these stay far below it so that the embed's
/// 6,000-character total holds even with a full description.
const SHORT_FIELD_LIMIT: usize = 300;
const DETAIL_LIMIT: usize = 140;

#[derive(Debug, Clone, Default)]
pub struct Discord {
    /// The run's page, when known.
    pub run_url: Option<String>,
    /// Warnings shown under the headline, each on its own line with ⚠️ (the report was
    /// read from the job log; the run's conclusion contradicts the report).
    pub notes: Vec<String>,
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

/// Text for inside an inline code span: one line, no backticks (which would close it),
/// at most 100 characters. Markdown escapes are literal inside code, so none are added.
pub(crate) fn code(s: &str) -> String {
    cap_escaped(&one_line(s).replace('`', "'"), 100)
}

/// ` · <url>` after a line, when there is a run link.
fn link(run_url: Option<&str>) -> String {
    match run_url {
        Some(u) => format!(" · <{u}>"),
        None => String::new(),
    }
}

/// The payload as Discord receives it: pretty JSON and a newline.
fn payload_text(payload: &Value) -> String {
    let mut out = serde_json::to_string_pretty(payload).expect("a JSON value serialises");
    out.push('\n');
    out
}

/// The message for a diagnosis that was started and not waited for (`--no-wait`).
pub fn started(correlation_id: &str, run_url: Option<&str>) -> String {
    let content = format!(
        "🔄 **Diagnose on Demand started** · correlation ID `{}`{}",
        code(correlation_id),
        link(run_url)
    );
    payload_text(
        &json!({"content": cap_escaped(&content, CONTENT_LIMIT), "allowed_mentions": {"parse": []}}),
    )
}

/// One line on what changed since the baseline: counts by kind, or that nothing did.
fn changes_line(changes: &crate::model::Changes) -> String {
    let since = format!("`{}`", code(&changes.since.short_id()));
    let counts: Vec<String> = [
        (changes.outcome.len(), "outcome changed"),
        (changes.latency.len(), "slower"),
        (changes.cloudfront.len(), "CloudFront drift"),
        (changes.identity.len(), "identity drift"),
        (changes.new_checks.len(), "new"),
        (changes.vanished_checks.len(), "vanished"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    if counts.is_empty() {
        format!("↔️ No changes since {since}")
    } else {
        format!("↕️ Changes since {since}: {}", counts.join(", "))
    }
}

impl Renderer for Discord {
    fn render(&self, report: &Report) -> String {
        payload_text(&json!({
            "content": self.content(report),
            "embeds": [self.embed(report)],
            "allowed_mentions": {"parse": []},
        }))
    }
}

impl Discord {
    /// The content block: the headline (with the notes), as many check lines as fit, then
    /// the footer; within [`CONTENT_LIMIT`].
    fn content(&self, report: &Report) -> String {
        let headline = self.headline(report);
        let footer = self.footer(report);
        // Check lines as long as they fit, then a note of how many were left out.
        let budget = CONTENT_LIMIT
            .saturating_sub(headline.chars().count())
            .saturating_sub(footer.chars().count())
            .saturating_sub(40);
        let body = lines_within(&check_lines(report), budget);
        cap_escaped(&format!("{headline}\n{body}{footer}"), CONTENT_LIMIT)
    }

    /// The verdict and the environment, then each note on its own line with ⚠️.
    fn headline(&self, report: &Report) -> String {
        let mut headline = format!(
            "{} **Diagnose on Demand: {}**{}",
            style::conclusion(report.conclusion).icon,
            report.conclusion.as_str(),
            match &report.environment {
                Some(e) => format!(" ({})", cap_escaped(&escape(e), 100)),
                None => String::new(),
            }
        );
        for note in &self.notes {
            headline.push_str(&format!("\n⚠️ {}", cap_escaped(&escape(note), 300)));
        }
        if let Some(changes) = &report.changes {
            headline.push('\n');
            headline.push_str(&changes_line(changes));
        }
        headline
    }

    /// The correlation ID, who asked, how long it took and the run link.
    fn footer(&self, report: &Report) -> String {
        format!(
            "Correlation ID `{}` · requested by {} · {:.1} s{}",
            code(&report.correlation_id),
            cap_escaped(&escape(&report.requester), 300),
            report.durations.total_s,
            link(self.run_url.as_deref())
        )
    }

    /// The embed: the checks that failed or warned, the correlation ID, requester and
    /// duration, the tool and the run link.
    fn embed(&self, report: &Report) -> Value {
        let title = format!("Diagnose on Demand — {}", report.conclusion.as_str());
        let mut embed = json!({
            "title": cap_escaped(&title, 256),
            "description": cap_escaped(&problems(report), EMBED_DESCRIPTION_LIMIT),
            "color": style::conclusion(report.conclusion).embed_color,
            "fields": [
                {"name": "Correlation ID", "value": cap_escaped(&escape(&report.correlation_id), SHORT_FIELD_LIMIT), "inline": false},
                {"name": "Requester", "value": cap_escaped(&escape(&report.requester), SHORT_FIELD_LIMIT), "inline": true},
                {"name": "Duration", "value": format!("{:.2} s", report.durations.total_s), "inline": true},
            ],
        });
        if !report.tool.is_empty() {
            embed["footer"] = json!({"text": cap_escaped(&report.tool, SHORT_FIELD_LIMIT)});
        }
        if let Some(url) = &self.run_url {
            embed["url"] = Value::String(url.clone());
        }
        embed
    }
}

/// One line per check: marker, key, detail (cut short) and time.
fn check_lines(report: &Report) -> Vec<String> {
    report
        .checks
        .iter()
        .map(|(id, r)| {
            format!(
                "{} `{}` {} ({} ms)",
                style::outcome(r.outcome).dot,
                id.key(),
                cap_escaped(&escape(&r.details), DETAIL_LIMIT),
                r.ms
            )
        })
        .collect()
}

/// The lines, each ending in a newline, as long as they fit in `budget` characters; then
/// how many more there are.
pub(crate) fn lines_within(lines: &[String], budget: usize) -> String {
    let mut body = String::new();
    let mut shown = 0;
    for line in lines {
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
    body
}

/// The checks that failed or warned, one line each; or that every configured check passed.
fn problems(report: &Report) -> String {
    let mut description = String::new();
    for (id, r) in &report.checks {
        if r.outcome == Outcome::Fail || r.outcome == Outcome::Warn {
            description.push_str(&format!(
                "{} **{}**: {}\n",
                style::outcome(r.outcome).dot,
                id.key(),
                escape(&r.details)
            ));
        }
    }
    if description.is_empty() {
        description = "Every configured check passed.".into();
    }
    description
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CheckId, CheckResult};
    use std::collections::BTreeMap;

    fn report(details: &str) -> Report {
        let mut checks = BTreeMap::new();
        for id in CheckId::defaults() {
            checks.insert(id, CheckResult::fail(details));
        }
        Report {
            requester: "@everyone".into(),
            tool: "remote-hands 0.1.0".into(),
            ..Report::sample(checks)
        }
    }

    fn payload(r: &Report) -> Value {
        serde_json::from_str(
            &Discord {
                run_url: Some("https://github.com/a/b/actions/runs/1".into()),
                notes: vec![],
            }
            .render(r),
        )
        .unwrap()
    }

    #[test]
    fn outside_text_cannot_ping_or_format() {
        let v = payload(&report("<@123> **bold** `code` [x](https://evil) @here"));
        let content = v["content"].as_str().unwrap();
        assert!(
            !content.contains("@everyone") && !content.contains("@here"),
            "{content}"
        );
        assert!(!content.contains("<@123>"), "{content}");
        assert!(content.contains(r"\*\*bold\*\*"), "{content}");
        assert!(content.contains(r"\[x\]\(https\:"), "{content}");
        assert_eq!(v["allowed_mentions"], json!({"parse": []}));
        assert!(content.contains("🔴 `api_health`"));
    }

    /// Characters that count against Discord's 6,000 per embed.
    fn embed_chars(embed: &Value) -> usize {
        let chars = |v: &Value| v.as_str().unwrap().chars().count();
        chars(&embed["title"])
            + chars(&embed["description"])
            + embed["fields"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| chars(&f["name"]) + chars(&f["value"]))
                .sum::<usize>()
            + chars(&embed["footer"]["text"])
    }

    #[test]
    fn notes_are_shown_under_the_headline() {
        let out = Discord {
            run_url: None,
            notes: vec!["report from the job log".into(), "x".repeat(5_000)],
        }
        .render(&report(&"d".repeat(5_000)));
        let v: Value = serde_json::from_str(&out).unwrap();
        let content = v["content"].as_str().unwrap();
        let lines: Vec<&str> = content.lines().collect();
        assert!(lines[0].starts_with("❌ **Diagnose on Demand: failure**"));
        assert_eq!(lines[1], "⚠️ report from the job log");
        assert!(lines[2].starts_with("⚠️ xxx"), "{content}");
        assert!(content.chars().count() <= CONTENT_LIMIT);
    }

    #[test]
    fn everything_stays_within_discords_limits() {
        let v = payload(&report(&"x".repeat(50_000)));
        assert!(v["content"].as_str().unwrap().chars().count() <= CONTENT_LIMIT);
        let embed = &v["embeds"][0];
        assert!(embed["description"].as_str().unwrap().chars().count() <= EMBED_DESCRIPTION_LIMIT);
        assert!(embed["title"].as_str().unwrap().chars().count() <= 256);
        let total = embed_chars(embed);
        assert!(total <= 6000, "{total}");
        assert_eq!(embed["url"], "https://github.com/a/b/actions/runs/1");
    }

    #[test]
    fn a_legacy_report_with_huge_or_odd_fields_still_fits() {
        // Reports read back from old runs are not validated like the runner's own.
        let mut r = report(&"y".repeat(5_000));
        r.requester = "@".repeat(3_000);
        r.correlation_id = format!("abc`def{}", "z".repeat(3_000));
        r.tool = "t".repeat(5_000);
        r.environment = Some("e".repeat(5_000));
        let v = payload(&r);
        let content = v["content"].as_str().unwrap();
        assert!(content.chars().count() <= CONTENT_LIMIT);
        // The ID's backtick cannot close the code span it is shown in, and the footer
        // (ID, run link) survives the long fields.
        assert!(content.contains("`abc'def"), "{content}");
        assert!(
            content.ends_with("<https://github.com/a/b/actions/runs/1>"),
            "{content}"
        );
        let embed = &v["embeds"][0];
        let total = embed_chars(embed);
        assert!(total <= 6000, "{total}");
        assert!(
            embed["fields"][0]["value"]
                .as_str()
                .unwrap()
                .starts_with(r"abc\`def")
        );
    }

    #[test]
    fn changes_since_a_baseline_are_one_line_of_counts() {
        let mut before = report("x");
        before.correlation_id = "`@everyone`-1111".into();
        let mut after = report("x");
        after.checks.remove(&CheckId::Frontend);
        let changes = crate::baseline::compare(&before, &after, Default::default());
        after.changes = Some(changes);
        let content = payload(&after)["content"].as_str().unwrap().to_string();
        let line = content.lines().nth(1).unwrap();
        assert_eq!(line, "↕️ Changes since `'@everyo`: 1 vanished", "{content}");
        let same = crate::baseline::compare(&after, &after, Default::default());
        after.changes = Some(same);
        let content = payload(&after)["content"].as_str().unwrap().to_string();
        assert!(
            content.contains("↔️ No changes since `0b7c8f5e`"),
            "{content}"
        );
    }
}
