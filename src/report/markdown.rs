//! The markdown step summary. First what a reader needs at a glance — who asked, when,
//! the verdict and the summary table — then each section of the original workflow
//! (configuration, AWS identity, S3, CloudFront, HTTP), then the JSON report folded in a
//! `<details>` block, still as the fenced `json` block that parsers of the original
//! summary look for (the same bytes as the JSON file).
//!
//! Text that came from outside (requester, response bodies, error messages, header values)
//! is escaped so it cannot break a table, close a fence, smuggle in HTML, make a link or a
//! mention, or command the Actions runner; and the whole summary stays under GitHub's
//! 1 MiB per-step limit.

use std::fmt::Write;

use super::{Json, Renderer};
use crate::model::{CheckId, CheckResult, Evidence, Outcome, Report};
use crate::text::{one_line, printable};

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
    /// The whole summary; over the limit, without the body excerpts; still over (huge
    /// error texts or URLs), the compact form: header, conclusion and the summary table
    /// with each detail cut short, the JSON left to the report file. The limit is a hard
    /// cap: whatever the report holds, the result is never longer.
    fn render(&self, report: &Report) -> String {
        let full = self.document(report, true);
        if full.len() <= self.limit {
            return full;
        }
        let lean = self.document(report, false);
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

/// Longest detail text in the compact form, in characters.
const COMPACT_DETAIL: usize = 300;
/// What the compact form says in place of the sections it leaves out.
const COMPACT_NOTE: &str = "*This summary is shortened to stay under GitHub's 1 MiB step-summary limit; \
     the JSON report holds everything.*";

impl Markdown {
    /// The whole document: who and when, the verdict and the summary table first, then
    /// each check's detail, then the JSON report folded away (still a ```json fence, where
    /// parsers of the original summary look for it).
    fn document(&self, report: &Report, with_bodies: bool) -> String {
        let mut md = String::new();
        let w = &mut md;
        self.header(w, report);
        summary(w, report);
        self.configuration(w, report);
        identity(w, report);
        s3(w, report);
        cloudfront(w, report);
        http(w, report, with_bodies);
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

fn icon(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "✅",
        Outcome::Warn => "⚠️",
        Outcome::Fail => "❌",
        Outcome::Skip => "⏭️",
    }
}

/// An invisible break, as an entity: it stops GitHub from turning `www.host`,
/// `scheme://host` and `user@host` in outside text into links (and `@name` into a
/// mention), while the text reads the same.
const NO_LINK: &str = "&#8203;";

/// Escapes one line of outside text for markdown prose or a table cell: no markup, no
/// HTML, no line break, no link.
pub fn escape_inline(s: &str) -> String {
    let text = one_line(s);
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        match c {
            // `://`: the break goes after the colon.
            ':' if text[i..].starts_with("://") => {
                out.push(':');
                out.push_str(NO_LINK);
            }
            '@' => {
                out.push('@');
                out.push_str(NO_LINK);
            }
            // `www.` (any case): the break goes before the dot.
            '.' if i
                .checked_sub(3)
                .and_then(|start| text.get(start..i))
                .is_some_and(|w| w.eq_ignore_ascii_case("www")) =>
            {
                out.push_str(NO_LINK);
                out.push('.');
            }
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            // Emphasis, code spans, links, table cells, strikethrough and math; text here
            // never starts a line, so line-start syntax (headings, lists) needs nothing.
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '$' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// One line of outside text as an inline code span — shown as it is, never a link, and
/// copyable without hidden characters: for URLs and names. The fence is longer than any
/// backtick run inside; in a table cell a `|` is escaped (GitHub splits cells before it
/// reads code spans).
pub fn code_span(s: &str, in_table: bool) -> String {
    let mut text = one_line(s);
    if in_table {
        text = text.replace('|', "\\|");
    }
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    // A space on each side when the text starts or ends with a backtick (CommonMark strips
    // one space on each side), or is empty.
    if text.is_empty() || text.starts_with('`') || text.ends_with('`') {
        format!("{fence} {text} {fence}")
    } else {
        format!("{fence}{text}{fence}")
    }
}

/// A fenced code block that no content can close: the fence is longer than any run of
/// backticks inside. A line that the GitHub Actions runner would read as a workflow
/// command (`::error::…`, `::add-mask::…`, `##[set-output …]`, after any leading
/// whitespace) starts with a zero-width space instead, so markdown printed to a job's log
/// cannot command the runner; the text reads the same.
pub fn code_block(lang: &str, content: &str) -> String {
    let content = defuse_commands(&printable(content));
    let mut longest = 0;
    let mut run = 0;
    for c in content.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat((longest + 1).max(3));
    let mut out = format!("{fence}{lang}\n{content}");
    if !content.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&fence);
    out.push('\n');
    out
}

/// Every line that the runner would take for a workflow command, started with U+200B
/// (which the runner does not trim as whitespace).
pub fn defuse_commands(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let start = line.trim_start();
        if start.starts_with("::") || start.starts_with("##[") {
            out.push('\u{200B}');
        }
        out.push_str(line);
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
        let (icon_c, word) = match report.conclusion {
            crate::model::Conclusion::Success => ("✅", "success"),
            crate::model::Conclusion::Failure => ("❌", "failure"),
        };
        let _ = writeln!(
            w,
            "**Conclusion:** {icon_c} {word}: {} passed, {} warned, {} failed, {} skipped in {:.2} s\n",
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

impl Markdown {
    fn configuration(&self, w: &mut String, report: &Report) {
        let _ = writeln!(w, "## Diagnostic Configuration\n");
        let _ = writeln!(w, "| Input | Status | Value |");
        let _ = writeln!(w, "|-------|--------|-------|");
        let t = &report.target;
        let l = &self.labels;
        let rows: [(&str, Option<&String>); 4] = [
            (&l.api_base, report.api_base.as_ref()),
            (&l.bucket, t.bucket.as_ref()),
            (&l.distribution_id, t.distribution_id.as_ref()),
            (&l.frontend_url, report.frontend_url.as_ref()),
        ];
        for (name, value) in rows {
            match value {
                Some(v) => {
                    let _ = writeln!(
                        w,
                        "| {} | ✅ Present | {} |",
                        code_span(name, true),
                        code_span(v, true)
                    );
                }
                None => {
                    let _ = writeln!(w, "| {} | ⏭️ Not set | |", code_span(name, true));
                }
            }
        }
        if let Some(region) = &t.region {
            let source = t.region_source.map_or("unknown", |s| s.as_str());
            let _ = writeln!(
                w,
                "| AWS region | ✅ {} | {} |",
                escape_inline(source),
                escape_inline(region)
            );
        }
        if let Some(endpoint) = &t.endpoint_url {
            let _ = writeln!(
                w,
                "| AWS endpoint | ⚠️ Overridden | {} |",
                code_span(endpoint, true)
            );
        }
        w.push('\n');
    }
}

fn outcome_line(w: &mut String, r: &CheckResult) {
    let _ = writeln!(
        w,
        "- **Result:** {} {}: {} ({} ms)",
        icon(r.outcome),
        r.outcome,
        escape_inline(&r.details),
        r.ms
    );
    if let Some(e) = &r.error {
        let code = e.code.as_deref().map(escape_inline).unwrap_or_default();
        let status = e
            .http_status
            .map(|s| format!(" HTTP {s}"))
            .unwrap_or_default();
        let _ = writeln!(
            w,
            "- **Error:** {code}{status} {}",
            escape_inline(&e.message)
        );
    }
}

/// Who the AWS credentials belong to and how they were obtained (environment keys, a
/// profile, web identity, container, instance metadata).
fn identity(w: &mut String, report: &Report) {
    let _ = writeln!(w, "## AWS identity\n");
    let Some(r) = report.checks.get(&CheckId::Oidc) else {
        return;
    };
    if let Some(Evidence::Identity(id)) = &r.evidence {
        if let Some(credentials) = &id.credentials {
            let _ = writeln!(w, "- **Credentials:** {}", escape_inline(credentials));
        }
        // A failed check knows how the credentials were obtained, but not whose they are.
        if id.account.is_some() || id.arn.is_some() || id.user_id.is_some() {
            let opt = |v: &Option<String>| v.as_deref().map(escape_inline).unwrap_or_default();
            let _ = writeln!(w, "- **Account:** {}", opt(&id.account));
            let _ = writeln!(w, "- **Arn:** {}", opt(&id.arn));
            let _ = writeln!(w, "- **UserId:** {}", opt(&id.user_id));
        }
    }
    outcome_line(w, r);
    w.push('\n');
}

fn s3(w: &mut String, report: &Report) {
    let _ = writeln!(w, "## S3 Checks\n");
    let Some(r) = report.checks.get(&CheckId::S3Read) else {
        return;
    };
    match &r.evidence {
        Some(Evidence::S3(s3)) => {
            let _ = writeln!(
                w,
                "### Bucket Listing (s3://{})\n",
                escape_inline(&s3.bucket)
            );
            if let Some(n) = s3.key_count {
                let keys: Vec<String> = s3.sample_keys.iter().map(|k| escape_inline(k)).collect();
                let _ = writeln!(w, "- **Objects listed:** {n} ({})", keys.join(", "));
            }
            if let Some(index) = &s3.index {
                let opt = |v: &Option<String>| {
                    v.as_deref()
                        .map(escape_inline)
                        .unwrap_or_else(|| "none".into())
                };
                let _ = writeln!(
                    w,
                    "- **{}:** Cache-Control {}; Content-Type {}; ETag {}; {} bytes; last modified {}",
                    escape_inline(&index.key),
                    opt(&index.cache_control),
                    opt(&index.content_type),
                    opt(&index.etag),
                    index.content_length.unwrap_or(0),
                    opt(&index.last_modified)
                );
            }
        }
        _ => {
            let _ = writeln!(w, "### Bucket Listing\n");
        }
    }
    outcome_line(w, r);
    w.push('\n');
}

fn cloudfront(w: &mut String, report: &Report) {
    let _ = writeln!(w, "## CloudFront Checks\n");
    let Some(r) = report.checks.get(&CheckId::Cloudfront) else {
        return;
    };
    if let Some(Evidence::Cloudfront(cf)) = &r.evidence {
        let _ = writeln!(
            w,
            "### Distribution Info ({})\n",
            escape_inline(&cf.distribution_id)
        );
        let opt = |v: &Option<String>| v.as_deref().map(escape_inline).unwrap_or_default();
        if cf.distribution_status.is_some() {
            let _ = writeln!(w, "- **DomainName:** {}", opt(&cf.domain_name));
            let _ = writeln!(w, "- **Status:** {}", opt(&cf.distribution_status));
            if let Some(enabled) = cf.enabled {
                let _ = writeln!(w, "- **Enabled:** {enabled}");
            }
            if !cf.aliases.is_empty() {
                let aliases: Vec<String> = cf.aliases.iter().map(|a| escape_inline(a)).collect();
                let _ = writeln!(w, "- **Aliases:** {}", aliases.join(", "));
            }
        }
    } else {
        let _ = writeln!(w, "### Distribution Info\n");
    }
    outcome_line(w, r);
    w.push('\n');
}

/// A check's title in heading case: "API Health", "API V1 Status", "Frontend".
fn heading(id: &CheckId) -> String {
    id.title()
        .split(' ')
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn http(w: &mut String, report: &Report, with_bodies: bool) {
    let _ = writeln!(w, "## HTTP Reachability Checks\n");
    let http_checks = report
        .checks
        .iter()
        .filter(|(id, _)| matches!(id, CheckId::Api(_) | CheckId::Frontend));
    for (id, r) in http_checks {
        let title = heading(id);
        match &r.evidence {
            Some(Evidence::Http(h)) => {
                let _ = writeln!(w, "### {title} ({})\n", code_span(&h.url, false));
                if let Some(code) = r.status {
                    let _ = writeln!(w, "- **Status Code:** {code}");
                }
                if let Some(final_url) = &h.final_url {
                    let _ = writeln!(w, "- **Redirected to:** {}", code_span(final_url, false));
                }
                for (name, value) in &h.headers {
                    let _ = writeln!(w, "- **{}:** {}", escape_inline(name), escape_inline(value));
                }
                outcome_line(w, r);
                if let Some(body) = &h.body {
                    if with_bodies {
                        let note = if h.body_truncated {
                            format!(" (first {} bytes; truncated)", body.len())
                        } else {
                            String::new()
                        };
                        let _ = writeln!(w, "- **Body:**{note}\n");
                        w.push_str(&code_block("text", body));
                    } else {
                        let _ = writeln!(
                            w,
                            "- **Body:** omitted to keep this summary under GitHub's size limit (see the JSON report)"
                        );
                    }
                }
            }
            _ => {
                let _ = writeln!(w, "### {title}\n");
                outcome_line(w, r);
            }
        }
        w.push('\n');
    }
}

fn summary(w: &mut String, report: &Report) {
    summary_table(w, report, usize::MAX);
}

/// The summary table, each check's detail cut to `detail` characters.
fn summary_table(w: &mut String, report: &Report, detail: usize) {
    let _ = writeln!(w, "## Diagnostic Summary\n");
    let _ = writeln!(w, "| Check | Status | Details | Time |");
    let _ = writeln!(w, "|-------|--------|---------|------|");
    for (id, r) in &report.checks {
        let _ = writeln!(
            w,
            "| {} (`{}`) | {} {} | {} | {} ms |",
            id.title(),
            id.key(),
            icon(r.outcome),
            r.outcome,
            escape_inline(&crate::text::cap(&r.details, detail)),
            r.ms
        );
    }
    w.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::IdentityEvidence;

    #[test]
    fn inline_escaping_neutralises_tables_html_and_lines() {
        let s = escape_inline("a|b <script>x</script>\n## h `c` [l](u)");
        assert!(!s.contains('\n'));
        assert!(!s.contains("<script>"));
        assert!(s.contains("a\\|b"));
        assert!(s.contains("\\`c\\`"));
    }

    #[test]
    fn over_the_limit_the_bodies_are_left_out_and_the_rest_stays() {
        use crate::model::{CheckResult, Conclusion, Durations, HttpEvidence, Target};
        let mut checks = std::collections::BTreeMap::new();
        let mut api = CheckResult::fail("HTTP 500");
        api.evidence = Some(Evidence::Http(HttpEvidence {
            url: "http://127.0.0.1/health".into(),
            final_url: None,
            headers: Default::default(),
            body: Some("B".repeat(20_000)),
            body_bytes: 20_000,
            body_truncated: false,
        }));
        checks.insert(CheckId::api("/health"), api);
        let report = Report {
            schema_version: 1,
            correlation_id: "0b7c8f5e-1d2a-4c3b-9e8f-7a6b5c4d3e2f".into(),
            requester: "alice".into(),
            environment: None,
            frontend_url: None,
            api_base: None,
            target: Target::default(),
            started_at: String::new(),
            tool: "remote-hands".into(),
            checks,
            durations: Durations::default(),
            conclusion: Conclusion::Failure,
            fail_on: crate::model::FailOn::Fail,
        };
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

    fn report_with(details: &str, url: &str) -> Report {
        use crate::model::{CheckResult, Conclusion, Durations, HttpEvidence, Target};
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
            }));
            checks.insert(id, r);
        }
        Report {
            schema_version: 1,
            correlation_id: "0b7c8f5e-1d2a-4c3b-9e8f-7a6b5c4d3e2f".into(),
            requester: "alice".into(),
            environment: None,
            frontend_url: Some(url.into()),
            api_base: Some(url.into()),
            target: Target::default(),
            started_at: String::new(),
            tool: "remote-hands".into(),
            checks,
            durations: Durations::default(),
            conclusion: Conclusion::Failure,
            fail_on: crate::model::FailOn::Fail,
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
    fn the_compact_form_is_used_only_when_the_lean_one_does_not_fit() {
        let report = report_with("HTTP 500", "https://example.com/");
        let lean = Markdown::default().document(&report, false);
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

    #[test]
    fn outside_text_never_becomes_a_link_or_a_mention() {
        let cases = [
            ("see www.evil.com now", "see www&#8203;.evil.com now"),
            ("WWW.Evil.com", "WWW&#8203;.Evil.com"),
            ("https://evil.com/x", "https:&#8203;//evil.com/x"),
            ("mail bob@evil.com", "mail bob@&#8203;evil.com"),
            ("@everyone", "@&#8203;everyone"),
            // Broken even where GitHub would not link it: harmless.
            ("a.www.b", "a.www&#8203;.b"),
            // Not a link: untouched.
            ("ww.x", "ww.x"),
            ("time 10:30", "time 10:30"),
            ("€w.x", "€w.x"),
            ("€ww.x", "€ww.x"),
            ("éwww.x", "éwww&#8203;.x"),
        ];
        for (text, escaped) in cases {
            assert_eq!(escape_inline(text), escaped, "{text}");
        }
    }

    #[test]
    fn lines_the_runner_would_obey_are_defused_in_code_blocks() {
        let body = "ok\n::error::pwned\n  ::add-mask::x\n\t##[set-output name=a;]b\n::remote-hands-report-begin::x\nnot :: this\n";
        let block = code_block("text", body);
        for line in block.lines() {
            let start = line.trim_start();
            assert!(
                !start.starts_with("::") && !start.starts_with("##["),
                "{line:?} in {block}"
            );
        }
        assert!(block.contains("\u{200B}::error::pwned\n"), "{block}");
        assert!(block.contains("\u{200B}  ::add-mask::x\n"), "{block}");
        assert!(block.contains("\u{200B}\t##[set-output"), "{block}");
        assert!(block.contains("\nok\n"), "{block}");
        assert!(block.contains("\nnot :: this\n"), "{block}");
        // A zero-width space that came from outside is neutralised: only ours remain.
        let block = code_block("text", "\u{200B}::error::x");
        assert!(block.contains("\n\u{FFFD}::error::x"), "{block}");
        assert!(!block.contains('\u{200B}'), "{block}");
    }

    #[test]
    fn code_spans_hold_any_text() {
        let cases = [
            ("https://x.example/a", false, "`https://x.example/a`"),
            ("a`b", false, "``a`b``"),
            ("`a``", false, "``` `a`` ```"),
            ("", false, "`  `"),
            ("a|b", true, "`a\\|b`"),
            ("a|b", false, "`a|b`"),
            ("a\nb\u{202E}", false, "`a b\u{FFFD}`"),
        ];
        for (text, in_table, span) in cases {
            assert_eq!(code_span(text, in_table), span, "{text:?}");
        }
    }

    fn identity_report(evidence: Option<IdentityEvidence>, outcome: CheckResult) -> Report {
        let mut report = report_with("HTTP 500", "https://example.com/");
        let mut r = outcome;
        r.evidence = evidence.map(Evidence::Identity);
        report.checks.insert(CheckId::Oidc, r);
        report
    }

    /// The identity section: from its heading to the next one.
    fn identity_section(md: &str) -> &str {
        let start = md.find("## AWS identity\n").expect("the identity section");
        let end = start + 3 + md[start + 3..].find("\n## ").unwrap();
        &md[start..end]
    }

    #[test]
    fn the_identity_section_says_how_the_credentials_were_obtained() {
        let passed = identity_report(
            Some(IdentityEvidence {
                account: Some("123456789012".into()),
                arn: Some("arn:aws:sts::123456789012:assumed-role/dev/sre".into()),
                user_id: Some("AROA:sre".into()),
                credentials: Some("profile dev (SSO)".into()),
            }),
            CheckResult::pass("authenticated"),
        );
        let md = Markdown::default().render(&passed);
        assert_eq!(
            identity_section(&md),
            "## AWS identity\n\n- **Credentials:** profile dev (SSO)\n- **Account:** 123456789012\n- **Arn:** arn:aws:sts::123456789012:assumed-role/dev/sre\n- **UserId:** AROA:sre\n- **Result:** ✅ pass: authenticated (0 ms)\n"
        );

        // Rejected credentials: how they were obtained, and no empty identity lines.
        let rejected = identity_report(
            Some(IdentityEvidence {
                credentials: Some("environment keys".into()),
                ..IdentityEvidence::default()
            }),
            CheckResult::fail("the credentials were rejected by STS"),
        );
        let md = Markdown::default().render(&rejected);
        let section = identity_section(&md);
        assert!(
            section.contains("- **Credentials:** environment keys\n"),
            "{section}"
        );
        assert!(!section.contains("Account"), "{section}");

        // A profile name comes from outside: escaped like any outside text.
        let hostile = identity_report(
            Some(IdentityEvidence {
                credentials: Some("profile a|b<script>".into()),
                ..IdentityEvidence::default()
            }),
            CheckResult::fail("x"),
        );
        let md = Markdown::default().render(&hostile);
        let section = identity_section(&md);
        assert!(!section.contains("<script>"), "{section}");
        assert!(section.contains("a\\|b"), "{section}");
    }

    #[test]
    fn code_blocks_cannot_be_closed_from_inside() {
        let block = code_block("text", "x\n````\ny");
        assert!(block.starts_with("`````text\n"), "{block}");
        assert!(block.ends_with("\n`````\n"), "{block}");
    }
}
