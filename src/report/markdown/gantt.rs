//! The timeline of the run as a Mermaid `gantt` diagram, which GitHub draws in a step
//! summary: one section per check that ran, from its start to its end (`start_ms`, `ms`),
//! an HTTP check split into the phases of each attempt (DNS, connect, TLS, time to first
//! byte, transfer) when the report has them, so a reader sees what ran side by side and
//! where the time went. Skipped checks, and checks of reports that do not say when they
//! started, have no bar; a report with no bar at all gets no diagram.
//!
//! Mermaid's gantt syntax breaks on `:`, `#`, `;`, `%`, braces and line ends, and reads a
//! line that starts with a keyword (`click`, `section`…) as a statement. So outside text
//! reaches the diagram only as a section name, reduced to `[A-Za-z0-9 _.-]`; bar names are
//! this module's own words. The times are ms after the run started, drawn as dates of the
//! epoch (`dateFormat x`), the axis in seconds (`%S.%L`).

use std::fmt::Write;

use crate::model::{CheckResult, Evidence, HttpAttempt, Outcome, Report};

/// Longest diagram source drawn: Mermaid refuses larger ones (`maxTextSize`, 50,000).
const MAX_SOURCE: usize = 48_000;
/// Longest section name, in characters.
const MAX_NAME: usize = 48;

/// One bar: its name (this module's words), its Mermaid tag, start and end in ms.
struct Bar {
    name: String,
    tag: &'static str,
    start: u64,
    end: u64,
}

/// The "Timeline" section, or nothing when no check has a bar. With phases when the
/// source stays under Mermaid's limit, else one bar per check; else nothing.
pub(super) fn timeline(w: &mut String, report: &Report) {
    let Some(diagram) = diagram(report, true)
        .filter(|d| d.len() <= MAX_SOURCE)
        .or_else(|| diagram(report, false).filter(|d| d.len() <= MAX_SOURCE))
    else {
        return;
    };
    let _ = writeln!(w, "## Timeline\n");
    let _ = writeln!(w, "```mermaid\n{diagram}```\n");
}

/// The diagram's source, or `None` when no check has a bar.
fn diagram(report: &Report, phases: bool) -> Option<String> {
    let mut out = String::new();
    for (id, result) in &report.checks {
        let bars = bars(result, phases);
        if bars.is_empty() {
            continue;
        }
        let _ = writeln!(out, "    section {}", sanitize(id.key()));
        for bar in bars {
            let _ = writeln!(
                out,
                "    {} :{}{}, {}",
                bar.name, bar.tag, bar.start, bar.end
            );
        }
    }
    if out.is_empty() {
        return None;
    }
    Some(format!(
        "gantt\n    title Checks over time (seconds after the start)\n    dateFormat x\n    \
         axisFormat %S.%L\n    todayMarker off\n{out}"
    ))
}

/// The bars of one check: none when it was skipped or its start is unknown; its phases
/// when asked for and recorded; else one bar from its start to its end.
fn bars(result: &CheckResult, phases: bool) -> Vec<Bar> {
    let Some(start) = result.start_ms else {
        return Vec::new();
    };
    if result.outcome == Outcome::Skip {
        return Vec::new();
    }
    let tag = tag(result.outcome);
    let attempts = match &result.evidence {
        Some(Evidence::Http(http)) if phases => http.attempts.as_slice(),
        _ => &[],
    };
    let mut bars = Vec::new();
    for (n, attempt) in attempts.iter().enumerate() {
        let prefix = if attempts.len() > 1 {
            format!("try {} ", n + 1)
        } else {
            String::new()
        };
        bars.extend(phase_bars(attempt, start, &prefix, tag));
    }
    if bars.is_empty() {
        bars.push(Bar {
            name: "check".into(),
            tag,
            start,
            end: start.saturating_add(result.ms.max(1)),
        });
    }
    bars
}

/// The phases one attempt reached, one after another from the attempt's start (each
/// bar at least 1 ms, none before the end of the one before); when the attempt failed, the
/// rest of its time as `unfinished` (where a timeout spent it).
fn phase_bars(
    attempt: &HttpAttempt,
    check_start: u64,
    prefix: &str,
    tag: &'static str,
) -> Vec<Bar> {
    let p = &attempt.phases;
    let phases = [
        ("dns", p.dns),
        ("connect", p.connect),
        ("tls", p.tls),
        ("ttfb", p.ttfb),
        ("transfer", p.transfer),
    ];
    let begin = check_start as f64 + finite(attempt.start_ms);
    let mut at = begin;
    let mut last_end = 0;
    let mut bars = Vec::new();
    let mut push = |name: &str, from: f64, to: f64, last_end: &mut u64| {
        let start = (from.round() as u64).max(*last_end);
        let end = (to.round() as u64).max(start.saturating_add(1));
        *last_end = end;
        bars.push(Bar {
            name: format!("{prefix}{name}"),
            tag,
            start,
            end,
        });
    };
    for (name, ms) in phases {
        let Some(ms) = ms.map(finite) else { continue };
        push(name, at, at + ms, &mut last_end);
        at += ms;
    }
    let end = begin + finite(p.total);
    if attempt.error.is_some() && end - at >= 1.0 {
        push("unfinished", at, end, &mut last_end);
    }
    bars
}

/// A time from the report as a number of ms a bar can start at: never negative or NaN,
/// at most a day.
fn finite(ms: f64) -> f64 {
    if ms.is_finite() {
        ms.clamp(0.0, 86_400_000.0)
    } else {
        0.0
    }
}

/// The Mermaid tag (and its comma) that colors a bar by the check's outcome.
fn tag(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Fail => "crit, ",
        Outcome::Warn => "active, ",
        Outcome::Pass | Outcome::Skip => "done, ",
    }
}

/// Outside text as a section name: only ASCII letters, digits, space, `_`, `.` and `-`,
/// every other character a space, runs of spaces as one, at most [`MAX_NAME`] characters;
/// `check` when nothing is left.
fn sanitize(text: &str) -> String {
    let kept: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                c
            } else {
                ' '
            }
        })
        .collect();
    let mut name = kept.split_whitespace().collect::<Vec<_>>().join(" ");
    name.truncate(MAX_NAME);
    let name = name.trim_end();
    if name.is_empty() {
        "check".into()
    } else {
        name.to_string()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::model::{CheckId, HttpEvidence, Phases};

    fn report(checks: BTreeMap<CheckId, CheckResult>) -> Report {
        Report::sample(checks)
    }

    fn ran(mut r: CheckResult, start_ms: u64, ms: u64) -> CheckResult {
        r.start_ms = Some(start_ms);
        r.ms = ms;
        r
    }

    fn attempt(start_ms: f64, phases: Phases, error: Option<&str>) -> HttpAttempt {
        HttpAttempt {
            start_ms,
            status: None,
            error: error.map(String::from),
            phases,
            retry_in_ms: None,
        }
    }

    fn sample() -> Report {
        let mut checks = BTreeMap::new();
        checks.insert(CheckId::Oidc, ran(CheckResult::pass("ok"), 0, 180));
        checks.insert(
            CheckId::S3Read,
            ran(CheckResult::skip("identity check failed: no"), 180, 0),
        );
        let mut api = ran(CheckResult::warn("passed on the second try"), 2, 1350);
        api.evidence = Some(Evidence::Http(HttpEvidence {
            url: "http://127.0.0.1/health".into(),
            attempts: vec![
                attempt(
                    0.0,
                    Phases {
                        dns: Some(1.4),
                        connect: Some(0.6),
                        tls: None,
                        ttfb: None,
                        transfer: None,
                        total: 1000.0,
                    },
                    Some("timeout"),
                ),
                attempt(
                    1200.0,
                    Phases {
                        dns: None,
                        connect: Some(0.4),
                        tls: Some(12.2),
                        ttfb: Some(101.3),
                        transfer: Some(35.7),
                        total: 150.0,
                    },
                    None,
                ),
            ],
            ..Default::default()
        }));
        checks.insert(CheckId::api("/health"), api);
        // No phases recorded: one bar.
        checks.insert(CheckId::Frontend, ran(CheckResult::fail("HTTP 503"), 3, 95));
        // An older report's check: no start, no bar.
        checks.insert(CheckId::api("/hello"), CheckResult::pass("ok"));
        report(checks)
    }

    #[test]
    fn the_timeline_of_a_run() {
        let mut md = String::new();
        timeline(&mut md, &sample());
        insta::assert_snapshot!(md);
    }

    #[test]
    fn without_phases_each_check_is_one_bar_and_without_bars_there_is_no_diagram() {
        let flat = diagram(&sample(), false).unwrap();
        assert!(
            flat.contains("    section api_health\n    check :active, 2, 1352\n"),
            "{flat}"
        );
        let mut old = sample();
        for r in old.checks.values_mut() {
            r.start_ms = None;
        }
        let mut md = String::new();
        timeline(&mut md, &old);
        assert_eq!(md, "");
    }

    #[test]
    fn outside_text_cannot_break_out_of_the_diagram() {
        let hostile = [
            "x\n    click a call alert(1)",
            "a: 0, 99999\n```\n</details><script>",
            "b; c # d %% {init: {}} `e`",
            "section evil",
            ":::",
        ];
        let mut checks = BTreeMap::new();
        for (n, key) in hostile.iter().enumerate() {
            let mut r = ran(CheckResult::fail(*key), n as u64, 10);
            r.evidence = Some(Evidence::Http(HttpEvidence {
                url: (*key).into(),
                ..Default::default()
            }));
            checks.insert(CheckId::Other((*key).into()), r);
        }
        let mut md = String::new();
        timeline(&mut md, &report(checks));
        let body = md
            .strip_prefix("## Timeline\n\n```mermaid\n")
            .and_then(|b| b.strip_suffix("```\n\n"))
            .unwrap_or_else(|| panic!("one fenced block: {md}"));
        assert!(!body.contains('`'), "{body}");
        let lines: Vec<&str> = body.lines().collect();
        // The header, then a section line and a bar line for each check: no line more.
        assert_eq!(lines.len(), 5 + 2 * hostile.len(), "{body}");
        for line in &lines[5..] {
            let line = line.trim_start();
            if let Some(name) = line.strip_prefix("section ") {
                assert!(
                    name.chars()
                        .all(|c| c.is_ascii_alphanumeric() || " _.-".contains(c)),
                    "{line}"
                );
            } else {
                assert!(line.starts_with("check :crit, "), "{line}");
            }
        }
        assert!(
            body.contains("section a 0 99999 details script\n"),
            "{body}"
        );
        assert!(body.contains("section check\n"), "{body}");
    }

    #[test]
    fn times_from_a_hostile_report_stay_in_range() {
        let mut r = ran(CheckResult::pass("ok"), 5, 10);
        r.evidence = Some(Evidence::Http(HttpEvidence {
            attempts: vec![attempt(
                f64::NAN,
                Phases {
                    dns: Some(-4.0),
                    connect: Some(f64::INFINITY),
                    ttfb: Some(1e300),
                    ..Default::default()
                },
                None,
            )],
            ..Default::default()
        }));
        let bars = bars(&r, true);
        let spans: Vec<(u64, u64)> = bars.iter().map(|b| (b.start, b.end)).collect();
        assert_eq!(spans, vec![(5, 6), (6, 7), (7, 86_400_005)]);
    }
}
