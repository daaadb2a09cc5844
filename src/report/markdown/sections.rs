//! The sections of the summary, one function each: the configuration table, the AWS
//! identity, S3, CloudFront, the HTTP checks and the summary table. Every text that came
//! from outside goes through the escapes of [`super::escape`].

use std::fmt::Write;

use super::Labels;
use super::escape::{code_block, code_span, escape_inline};
use crate::model::{CheckId, CheckResult, Evidence, Report};
use crate::report::style;

/// The inputs as the user gave them, the region and where it came from, and an endpoint
/// override.
pub(super) fn configuration(w: &mut String, report: &Report, labels: &Labels) {
    let _ = writeln!(w, "## Diagnostic Configuration\n");
    let _ = writeln!(w, "| Input | Status | Value |");
    let _ = writeln!(w, "|-------|--------|-------|");
    let t = &report.target;
    let rows: [(&str, Option<&String>); 4] = [
        (&labels.api_base, report.api_base.as_ref()),
        (&labels.bucket, t.bucket.as_ref()),
        (&labels.distribution_id, t.distribution_id.as_ref()),
        (&labels.frontend_url, report.frontend_url.as_ref()),
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

/// The result line of a section, and the error's code, status and message when there is one.
fn outcome_line(w: &mut String, r: &CheckResult) {
    let _ = writeln!(
        w,
        "- **Result:** {} {}: {} ({} ms)",
        style::outcome(r.outcome).icon,
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
pub(super) fn identity(w: &mut String, report: &Report) {
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

/// The bucket: what the listing showed and what the entry page carries.
pub(super) fn s3(w: &mut String, report: &Report) {
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

/// The distribution: its domain, status and aliases.
pub(super) fn cloudfront(w: &mut String, report: &Report) {
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

/// Each HTTP check (built-in, or custom with HTTP evidence): the URL, status, redirect, headers, result and the body excerpt
/// (`with_bodies`) or a note that it was left out.
pub(super) fn http(w: &mut String, report: &Report, with_bodies: bool) {
    let _ = writeln!(w, "## HTTP Reachability Checks\n");
    let http_checks = report.checks.iter().filter(|(id, r)| {
        matches!(id, CheckId::Api(_) | CheckId::Frontend)
            || matches!(r.evidence, Some(Evidence::Http(_)))
    });
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
                timing(w, h, r.flaky);
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

/// The attempts and their phases, and the certificate.
fn timing(w: &mut String, h: &crate::model::HttpEvidence, flaky: bool) {
    if let Some(last) = h.attempts.last() {
        let attempts = match (h.attempts.len(), flaky) {
            (1, _) => String::new(),
            (n, true) => format!(" (attempt {n} of {n}; passed after a retry: flaky)"),
            (n, false) => format!(" (attempt {n} of {n})"),
        };
        let phases = crate::report::phase_line(&last.phases);
        let _ = writeln!(w, "- **Phases:** {phases}{attempts}");
    }
    if let Some(tls) = &h.tls {
        let verified = match &tls.verify_error {
            None => "verified".to_string(),
            Some(why) => format!("not verified: {}", escape_inline(why)),
        };
        let _ = writeln!(
            w,
            "- **Certificate:** {} issued by {}, valid {} to {} ({} days left; {verified})",
            escape_inline(&tls.subject),
            escape_inline(&tls.issuer),
            escape_inline(&tls.not_before),
            escape_inline(&tls.not_after),
            tls.days_left
        );
    }
}

/// The summary table in full.
pub(super) fn summary(w: &mut String, report: &Report) {
    summary_table(w, report, usize::MAX);
}

/// The summary table, each check's detail cut to `detail` characters.
pub(super) fn summary_table(w: &mut String, report: &Report, detail: usize) {
    let _ = writeln!(w, "## Diagnostic Summary\n");
    let _ = writeln!(w, "| Check | Status | Details | Time |");
    let _ = writeln!(w, "|-------|--------|---------|------|");
    for (id, r) in &report.checks {
        let _ = writeln!(
            w,
            "| {} (`{}`) | {} {} | {} | {} ms |",
            id.title(),
            id.key(),
            style::outcome(r.outcome).icon,
            r.outcome,
            escape_inline(&crate::text::cap(&r.details, detail)),
            r.ms
        );
    }
    w.push('\n');
}

#[cfg(test)]
mod tests {
    use crate::model::{CheckId, CheckResult, Evidence, IdentityEvidence, Report};
    use crate::report::markdown::tests::report_with;
    use crate::report::{Markdown, Renderer};

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
}
