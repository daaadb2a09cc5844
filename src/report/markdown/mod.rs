//! The markdown step summary. First what a reader needs at a glance — who asked, when,
//! the verdict and the summary table, the changes since a baseline (`changes.rs`), the
//! timeline of the run (`gantt.rs`, a Mermaid diagram) — then each section of the original
//! workflow (configuration, AWS identity, S3, CloudFront, HTTP), then the JSON report folded in a
//! `<details>` block, still as the fenced `json` block that parsers of the original
//! summary look for (the same bytes as the JSON file).
//!
//! Text that came from outside (requester, response bodies, error messages, header values)
//! is escaped so it cannot break a table, close a fence, smuggle in HTML, make a link or a
//! mention, or command the Actions runner; and the whole summary stays under GitHub's
//! 1 MiB per-step limit.

mod changes;
mod escape;
mod gantt;
mod sections;

use std::fmt::Write;

use super::{Json, Renderer, style};
use crate::model::{Outcome, Report};
use escape::escape_inline;
use sections::{cloudfront, configuration, http, identity, s3, summary, summary_table};

/// GitHub rejects step summaries over 1 MiB; keep a margin.
pub const SUMMARY_LIMIT: usize = 1024 * 1024 - 16 * 1024;

pub struct Markdown {
    limit: usize,
    /// Whether the run was started on demand (a dispatch): the title says so.
    on_demand: bool,
    labels: Labels,
}

/// What the configuration table calls each input: what the user gave — the flag, or the
/// environment variable the value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labels {
    pub api_base: String,
    pub bucket: String,
    pub distribution_id: String,
    pub frontend_url: String,
}

impl Default for Labels {
    fn default() -> Self {
        Labels {
            api_base: "--api-base".into(),
            bucket: "--bucket".into(),
            distribution_id: "--distribution-id".into(),
            frontend_url: "--frontend-url".into(),
        }
    }
}

impl Default for Markdown {
    fn default() -> Self {
        Markdown {
            limit: SUMMARY_LIMIT,
            on_demand: false,
            labels: Labels::default(),
        }
    }
}

impl Markdown {
    /// A renderer that keeps the summary under `limit` bytes (dropping body excerpts first).
    pub fn with_limit(limit: usize) -> Self {
        Markdown {
            limit,
            ..Markdown::default()
        }
    }

    /// The summary of a run started on demand ("Diagnose on Demand") or not ("Diagnosis"),
    /// with the configuration labelled as the user gave it.
    pub fn for_run(on_demand: bool, labels: Labels) -> Self {
        Markdown {
            on_demand,
            labels,
            ..Markdown::default()
        }
    }

    fn title(&self) -> &'static str {
        if self.on_demand {
            "Diagnose on Demand"
        } else {
            "Diagnosis"
        }
    }
}

impl Renderer for Markdown {
    /// The whole summary; over the limit, without the timeline; still over, without the
    /// body excerpts too; still over (huge error texts or URLs), the compact form: header, conclusion and the summary table
    /// with each detail cut short, the JSON left to the report file. The limit is a hard
    /// cap: whatever the report holds, the result is never longer.
    fn render(&self, report: &Report) -> String {
        let full = self.document(report, Parts::ALL);
        if full.len() <= self.limit {
            return full;
        }
        let without_timeline = self.document(report, Parts::NO_TIMELINE);
        if without_timeline.len() <= self.limit {
            return without_timeline;
        }
        let lean = self.document(report, Parts::LEAN);
        if lean.len() <= self.limit {
            return lean;
        }
        let compact = self.compact(report);
        if compact.len() <= self.limit {
            return compact;
        }
        cut(&compact, self.limit)
    }
}

/// What a document holds beyond the essentials: the optional parts, dropped in this
/// order when the summary would be too big.
#[derive(Debug, Clone, Copy)]
struct Parts {
    timeline: bool,
    bodies: bool,
}

impl Parts {
    const ALL: Parts = Parts {
        timeline: true,
        bodies: true,
    };
    const NO_TIMELINE: Parts = Parts {
        timeline: false,
        bodies: true,
    };
    const LEAN: Parts = Parts {
        timeline: false,
        bodies: false,
    };
}

/// Longest detail text in the compact form, in characters.
const COMPACT_DETAIL: usize = 300;
/// What the compact form says in place of the sections it leaves out.
const COMPACT_NOTE: &str = "*This summary is shortened to stay under GitHub's 1 MiB step-summary limit; \
     the JSON report holds everything.*";

impl Markdown {
    /// The whole document: who and when, the verdict and the summary table first, then
    /// the timeline, each check's detail, then the JSON report folded away (still a ```json
    /// fence, where parsers of the original summary look for it).
    fn document(&self, report: &Report, parts: Parts) -> String {
        let mut md = String::new();
        let w = &mut md;
        self.header(w, report);
        summary(w, report);
        changes::changes(w, report);
        if parts.timeline {
            gantt::timeline(w, report);
        }
        configuration(w, report, &self.labels);
        identity(w, report);
        s3(w, report);
        cloudfront(w, report);
        http(w, report, parts.bodies);
        let _ = writeln!(
            w,
            "<details><summary><strong>Machine-Readable Result</strong> (JSON)</summary>\n"
        );
        let _ = writeln!(w, "```json\n{}```\n", Json.render(report));
        let _ = writeln!(w, "</details>");
        md
    }

    /// Header, conclusion and the summary table, each outside text capped.
    fn compact(&self, report: &Report) -> String {
        let mut md = String::new();
        let w = &mut md;
        self.header(w, report);
        let _ = writeln!(w, "{COMPACT_NOTE}\n");
        summary_table(w, report, COMPACT_DETAIL);
        md
    }
}

/// The first `limit` bytes of `md` (at a line end where there is one), then the note; at
/// most `limit` bytes in all.
fn cut(md: &str, limit: usize) -> String {
    let note = format!("\n\n{COMPACT_NOTE}\n");
    let room = limit.saturating_sub(note.len());
    let mut end = room.min(md.len());
    while !md.is_char_boundary(end) {
        end -= 1;
    }
    let end = md[..end].rfind('\n').map_or(end, |i| i + 1);
    let mut out = md[..end].to_string();
    if out.len() + note.len() <= limit {
        out.push_str(&note);
    }
    out
}

impl Markdown {
    /// The title, who and when, and the conclusion line.
    fn header(&self, w: &mut String, report: &Report) {
        let _ = writeln!(w, "# {}\n", self.title());
        let _ = writeln!(w, "**Correlation ID:** `{}`  ", report.correlation_id);
        let _ = writeln!(w, "**Requester:** {}  ", escape_inline(&report.requester));
        if let Some(environment) = &report.environment {
            let _ = writeln!(w, "**Environment:** {}  ", escape_inline(environment));
        }
        let _ = writeln!(
            w,
            "**Triggered:** {}  ",
            escape_inline(&triggered(&report.started_at))
        );
        let _ = writeln!(
            w,
            "**Conclusion:** {} {}: {} passed, {} warned, {} failed, {} skipped in {:.2} s\n",
            style::conclusion(report.conclusion).icon,
            report.conclusion.as_str(),
            report.count(Outcome::Pass),
            report.count(Outcome::Warn),
            report.count(Outcome::Fail),
            report.count(Outcome::Skip),
            report.durations.total_s
        );
    }
}

/// "2026-11-25T04:42:02.123Z" as "2026-11-25 04:42:02 UTC".
fn triggered(started_at: &str) -> String {
    match (started_at.get(..10), started_at.get(11..19)) {
        (Some(d), Some(t)) => format!("{d} {t} UTC"),
        _ => started_at.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CheckId, Evidence};

    #[test]
    fn over_the_limit_the_bodies_are_left_out_and_the_rest_stays() {
        use crate::model::{CheckResult, HttpEvidence};
        let mut checks = std::collections::BTreeMap::new();
        let mut api = CheckResult::fail("HTTP 500");
        api.evidence = Some(Evidence::Http(HttpEvidence {
            url: "http://127.0.0.1/health".into(),
            final_url: None,
            headers: Default::default(),
            body: Some("B".repeat(20_000)),
            body_bytes: 20_000,
            body_truncated: false,
            ..Default::default()
        }));
        checks.insert(CheckId::api("/health"), api);
        let report = Report::sample(checks);
        let full = Markdown::default().render(&report);
        assert!(full.contains(&"B".repeat(20_000)));

        // The JSON block alone holds the body once; the limit lets that through but not
        // a second copy in the HTTP section.
        let limit = full.len() - 10_000;
        let small = Markdown::with_limit(limit).render(&report);
        assert!(small.len() <= limit, "{} > {limit}", small.len());
        assert!(small.contains("omitted to keep this summary under GitHub's size limit"));
        assert_eq!(
            small.matches(&"B".repeat(20_000)).count(),
            1,
            "only in the JSON"
        );
        assert!(small.contains("## HTTP Reachability Checks"));
        assert!(small.contains("```json"));
    }

    pub(super) fn report_with(details: &str, url: &str) -> Report {
        use crate::model::{CheckResult, HttpEvidence};
        let mut checks = std::collections::BTreeMap::new();
        for id in [
            CheckId::api("/health"),
            CheckId::api("/hello"),
            CheckId::Frontend,
        ] {
            let mut r = CheckResult::fail(details);
            r.evidence = Some(Evidence::Http(HttpEvidence {
                url: url.into(),
                final_url: Some(url.into()),
                headers: Default::default(),
                body: Some("B".repeat(2000)),
                body_bytes: 2000,
                body_truncated: false,
                ..Default::default()
            }));
            checks.insert(id, r);
        }
        Report {
            frontend_url: Some(url.into()),
            api_base: Some(url.into()),
            ..Report::sample(checks)
        }
    }

    #[test]
    fn the_limit_is_a_hard_cap_whatever_the_report_holds() {
        // A 120 KB URL appears in the configuration, in each HTTP section, in each detail
        // and in the JSON: without a hard cap, more than 1 MiB.
        let url = format!("https://example.com/{}", "u".repeat(120_000));
        let report = report_with(&format!("could not connect to {url}"), &url);
        let md = Markdown::default().render(&report);
        assert!(md.len() <= SUMMARY_LIMIT, "{} bytes", md.len());
        assert!(
            md.contains("shortened to stay under GitHub's 1 MiB"),
            "{}",
            &md[..500]
        );
        assert!(md.contains("## Diagnostic Summary"));
        assert!(md.contains("| API health (`api_health`) | ❌ fail |"));
        // Each limit, however small, holds.
        for limit in [0, 1, 10, 200, 1000, 5000] {
            let md = Markdown::with_limit(limit).render(&report);
            assert!(md.len() <= limit, "{limit}: {} bytes", md.len());
        }
    }

    #[test]
    fn over_the_limit_the_timeline_goes_first_and_the_bodies_stay() {
        let mut report = report_with("HTTP 500", "https://example.com/");
        for (n, r) in report.checks.values_mut().enumerate() {
            r.start_ms = Some(n as u64);
            r.ms = 100;
        }
        let full = Markdown::default().render(&report);
        assert!(
            full.contains("## Timeline\n\n```mermaid\ngantt\n"),
            "{full}"
        );
        let without = Markdown::default().document(&report, Parts::NO_TIMELINE);
        assert!(without.len() < full.len());
        let md = Markdown::with_limit(full.len() - 1).render(&report);
        assert_eq!(md, without);
        assert!(!md.contains("mermaid"));
        assert!(md.contains(&"B".repeat(2000)), "the bodies stay");
    }

    #[test]
    fn the_compact_form_is_used_only_when_the_lean_one_does_not_fit() {
        let report = report_with("HTTP 500", "https://example.com/");
        let lean = Markdown::default().document(&report, Parts::LEAN);
        let md = Markdown::with_limit(lean.len()).render(&report);
        assert_eq!(md, lean);
        let md = Markdown::with_limit(lean.len() - 1).render(&report);
        assert_eq!(md, Markdown::default().compact(&report));
        let cut_short =
            Markdown::with_limit(Markdown::default().compact(&report).len() - 1).render(&report);
        assert!(
            cut_short.ends_with(&format!("{COMPACT_NOTE}\n")),
            "{cut_short}"
        );
        assert!(cut_short.len() < Markdown::default().compact(&report).len());
    }
}
