//! [`compare`]: a baseline report against this run's, as the report's [`Changes`].

use crate::model::{
    Changes, CheckId, CheckResult, CloudfrontEvidence, Evidence, FieldChange, IdentityEvidence,
    LatencyChange, Outcome, OutcomeChange, Report, Since, Thresholds,
};
use crate::text::{cap, one_line};

/// Longest text taken from the baseline (a field value, a correlation ID, a tool name).
const MAX_TEXT: usize = 300;
/// Longest check key taken from the baseline.
const MAX_KEY: usize = 128;

/// What changed from `baseline` to `current`. A check new or vanished counts only when it
/// ran (was not skipped) in the run that has it.
pub fn compare(baseline: &Report, current: &Report, thresholds: Thresholds) -> Changes {
    let mut changes = Changes {
        since: Since {
            correlation_id: outside(&baseline.correlation_id),
            started_at: outside(&baseline.started_at),
            tool: outside(&baseline.tool),
            conclusion: baseline.conclusion,
        },
        thresholds,
        outcome: Vec::new(),
        latency: Vec::new(),
        cloudfront: cloudfront_drift(baseline, current),
        identity: identity_drift(baseline, current),
        new_checks: Vec::new(),
        vanished_checks: Vec::new(),
    };
    for (id, now) in &current.checks {
        let Some(before) = baseline.checks.get(id) else {
            if now.outcome != Outcome::Skip {
                changes.new_checks.push(id.clone());
            }
            continue;
        };
        if before.outcome != now.outcome {
            changes.outcome.push(OutcomeChange {
                check: id.clone(),
                from: before.outcome,
                to: now.outcome,
            });
        }
        if regressed(before, now, thresholds) {
            changes.latency.push(LatencyChange {
                check: id.clone(),
                from_ms: before.ms,
                to_ms: now.ms,
            });
        }
    }
    changes.vanished_checks = baseline
        .checks
        .iter()
        .filter(|(id, before)| {
            before.outcome != Outcome::Skip
                && !id.key().is_empty()
                && !current.checks.contains_key(*id)
        })
        .map(|(id, _)| capped_id(id))
        .collect();
    changes
}

/// Slower by more than `pct` percent and by at least `ms` milliseconds. A check skipped in
/// either run, or with no time in the baseline (0: the original workflow recorded none for
/// its AWS checks), is no regression.
fn regressed(before: &CheckResult, now: &CheckResult, t: Thresholds) -> bool {
    if before.outcome == Outcome::Skip || now.outcome == Outcome::Skip || before.ms == 0 {
        return false;
    }
    let (from, to) = (u128::from(before.ms), u128::from(now.ms));
    to * 100 > from * (100 + u128::from(t.pct)) && to >= from + u128::from(t.ms)
}

/// The CloudFront evidence of a report, when its check recorded some.
fn cloudfront(report: &Report) -> Option<&CloudfrontEvidence> {
    match report.checks.get(&CheckId::Cloudfront)?.evidence.as_ref()? {
        Evidence::Cloudfront(e) => Some(e),
        _ => None,
    }
}

fn identity(report: &Report) -> Option<&IdentityEvidence> {
    match report.checks.get(&CheckId::Oidc)?.evidence.as_ref()? {
        Evidence::Identity(e) => Some(e),
        _ => None,
    }
}

/// The distribution's fields that differ, when both runs saw the distribution.
fn cloudfront_drift(baseline: &Report, current: &Report) -> Vec<FieldChange> {
    let (Some(a), Some(b)) = (cloudfront(baseline), cloudfront(current)) else {
        return Vec::new();
    };
    let aliases = |e: &CloudfrontEvidence| {
        let mut list = e.aliases.clone();
        list.sort();
        list.dedup();
        (!list.is_empty()).then(|| list.join(", "))
    };
    let enabled = |e: &CloudfrontEvidence| e.enabled.map(|v| v.to_string());
    let fields = [
        (
            "distribution_id",
            Some(a.distribution_id.clone()),
            Some(b.distribution_id.clone()),
        ),
        (
            "status",
            a.distribution_status.clone(),
            b.distribution_status.clone(),
        ),
        ("enabled", enabled(a), enabled(b)),
        ("domain_name", a.domain_name.clone(), b.domain_name.clone()),
        ("aliases", aliases(a), aliases(b)),
    ];
    drift(fields)
}

/// The caller's account and ARN, when both runs know who they were.
fn identity_drift(baseline: &Report, current: &Report) -> Vec<FieldChange> {
    let (Some(a), Some(b)) = (identity(baseline), identity(current)) else {
        return Vec::new();
    };
    drift([
        ("account", a.account.clone(), b.account.clone()),
        ("arn", a.arn.clone(), b.arn.clone()),
    ])
}

fn drift<const N: usize>(fields: [(&str, Option<String>, Option<String>); N]) -> Vec<FieldChange> {
    fields
        .into_iter()
        .filter(|(_, from, to)| from != to)
        .map(|(field, from, to)| FieldChange {
            field: field.to_string(),
            from: from.as_deref().map(outside),
            to: to.as_deref().map(outside),
        })
        .collect()
}

/// Outside text kept: one line, capped.
fn outside(s: &str) -> String {
    cap(&one_line(s), MAX_TEXT)
}

/// A check of the baseline, its key capped.
fn capped_id(id: &CheckId) -> CheckId {
    if id.key().chars().count() <= MAX_KEY {
        id.clone()
    } else {
        CheckId::from_key(&cap(id.key(), MAX_KEY))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Conclusion;

    fn report(checks: &[(&str, Outcome, u64)]) -> Report {
        let mut r: Report = serde_json::from_str(
            r#"{"correlation_id":"11111111-2222-4333-8444-555555555555","started_at":"2026-11-25T04:42:02.123Z","tool":"remote-hands 0.1.0","checks":{},"conclusion":"success"}"#,
        )
        .unwrap();
        for (key, outcome, ms) in checks {
            let mut c = CheckResult::new(*outcome, "x");
            c.ms = *ms;
            r.checks.insert(CheckId::from_key(key), c);
        }
        r
    }

    fn with_evidence(mut r: Report, id: CheckId, evidence: Evidence) -> Report {
        let c = r.checks.entry(id).or_insert_with(|| CheckResult::pass("x"));
        c.evidence = Some(evidence);
        r
    }

    fn distribution(status: &str, domain: &str, aliases: &[&str]) -> Evidence {
        Evidence::Cloudfront(CloudfrontEvidence {
            distribution_id: "E123".into(),
            distribution_status: Some(status.into()),
            enabled: Some(true),
            domain_name: Some(domain.into()),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            last_modified: None,
        })
    }

    fn who(account: &str, arn: &str) -> Evidence {
        Evidence::Identity(IdentityEvidence {
            account: Some(account.into()),
            arn: Some(arn.into()),
            ..IdentityEvidence::default()
        })
    }

    #[test]
    fn identical_runs_have_no_changes_and_say_which_run_they_compare_with() {
        let r = report(&[
            ("oidc", Outcome::Pass, 300),
            ("api_health", Outcome::Pass, 80),
        ]);
        let c = compare(&r, &r, Thresholds::default());
        assert!(c.is_empty(), "{c:?}");
        assert_eq!(
            c.since.correlation_id,
            "11111111-2222-4333-8444-555555555555"
        );
        assert_eq!(c.since.started_at, "2026-11-25T04:42:02.123Z");
        assert_eq!(c.since.tool, "remote-hands 0.1.0");
        assert_eq!(c.since.conclusion, Conclusion::Success);
        assert_eq!(c.thresholds, Thresholds { pct: 50, ms: 100 });
    }

    #[test]
    fn outcome_changes_and_new_and_vanished_checks_are_listed() {
        let before = report(&[
            ("oidc", Outcome::Pass, 300),
            ("api_health", Outcome::Pass, 80),
            ("api_old", Outcome::Pass, 80),
        ]);
        let after = report(&[
            ("oidc", Outcome::Fail, 300),
            ("api_health", Outcome::Warn, 80),
            ("frontend", Outcome::Pass, 80),
        ]);
        let c = compare(&before, &after, Thresholds::default());
        let outcome: Vec<_> = c
            .outcome
            .iter()
            .map(|o| (o.check.key(), o.from, o.to))
            .collect();
        assert_eq!(
            outcome,
            [
                ("oidc", Outcome::Pass, Outcome::Fail),
                ("api_health", Outcome::Pass, Outcome::Warn)
            ]
        );
        assert_eq!(c.new_checks, [CheckId::Frontend]);
        assert_eq!(c.vanished_checks, [CheckId::api("/old")]);
        assert!(c.latency.is_empty() && c.cloudfront.is_empty() && c.identity.is_empty());
        // Skipped (not configured) on the side that has it: neither new nor vanished; nor
        // a key no check can have.
        let before = report(&[("s3_read", Outcome::Skip, 0), ("", Outcome::Pass, 1)]);
        let after = report(&[("cloudfront", Outcome::Skip, 0)]);
        let c = compare(&before, &after, Thresholds::default());
        assert!(c.is_empty(), "{c:?}");
    }

    /// Both thresholds must be crossed: more than +50 % AND at least +100 ms.
    #[test]
    fn a_latency_regression_crosses_both_thresholds() {
        let t = Thresholds::default();
        let cases = [
            (200, 301, true),               // +50.5 %, +101 ms
            (200, 300, false),              // exactly +50 %: not beyond it
            (200, 299, false),              //
            (100, 200, true),               // +100 %, exactly +100 ms
            (100, 199, false),              // +99 ms
            (1000, 1400, false),            // +400 ms but only +40 %
            (10, 150, true),                //
            (10, 100, false),               // +900 % but only +90 ms
            (300, 100, false),              // faster
            (u64::MAX / 2, u64::MAX, true), // no overflow
        ];
        for (from, to, regressed) in cases {
            let c = compare(
                &report(&[("api_health", Outcome::Pass, from)]),
                &report(&[("api_health", Outcome::Pass, to)]),
                t,
            );
            assert_eq!(!c.latency.is_empty(), regressed, "{from} → {to}");
            if regressed {
                assert_eq!(
                    c.latency[0],
                    LatencyChange {
                        check: CheckId::api("/health"),
                        from_ms: from,
                        to_ms: to
                    }
                );
            }
        }
        // Other thresholds.
        let strict = Thresholds { pct: 10, ms: 5 };
        let c = compare(
            &report(&[("api_health", Outcome::Pass, 100)]),
            &report(&[("api_health", Outcome::Pass, 111)]),
            strict,
        );
        assert_eq!(c.latency.len(), 1);
        assert_eq!(c.thresholds, strict);
    }

    #[test]
    fn a_check_skipped_in_either_run_or_untimed_in_the_baseline_is_no_regression() {
        let t = Thresholds::default();
        for (before, after) in [
            ((Outcome::Skip, 1), (Outcome::Pass, 900)),
            ((Outcome::Pass, 100), (Outcome::Skip, 900)),
            ((Outcome::Pass, 0), (Outcome::Pass, 900)),
        ] {
            let c = compare(
                &report(&[("api_health", before.0, before.1)]),
                &report(&[("api_health", after.0, after.1)]),
                t,
            );
            assert!(c.latency.is_empty(), "{before:?} → {after:?}");
        }
        // A failed check that got slower is still a regression (a timeout is news).
        let c = compare(
            &report(&[("api_health", Outcome::Pass, 100)]),
            &report(&[("api_health", Outcome::Fail, 10_000)]),
            t,
        );
        assert_eq!(c.latency.len(), 1);
    }

    #[test]
    fn cloudfront_drift_names_each_field_that_changed() {
        let before = with_evidence(
            report(&[]),
            CheckId::Cloudfront,
            distribution(
                "Deployed",
                "d1.cloudfront.net",
                &["www.example.com", "example.com"],
            ),
        );
        let same = with_evidence(
            report(&[]),
            CheckId::Cloudfront,
            distribution(
                "Deployed",
                "d1.cloudfront.net",
                &["example.com", "www.example.com"],
            ),
        );
        assert!(
            compare(&before, &same, Thresholds::default())
                .cloudfront
                .is_empty()
        );
        let after = with_evidence(
            report(&[]),
            CheckId::Cloudfront,
            distribution("InProgress", "d2.cloudfront.net", &["example.com"]),
        );
        let c = compare(&before, &after, Thresholds::default());
        let fields: Vec<_> = c
            .cloudfront
            .iter()
            .map(|f| (f.field.as_str(), f.from.as_deref(), f.to.as_deref()))
            .collect();
        assert_eq!(
            fields,
            [
                ("status", Some("Deployed"), Some("InProgress")),
                (
                    "domain_name",
                    Some("d1.cloudfront.net"),
                    Some("d2.cloudfront.net")
                ),
                (
                    "aliases",
                    Some("example.com, www.example.com"),
                    Some("example.com")
                ),
            ]
        );
        // A run that did not see the distribution says nothing about drift.
        assert!(
            compare(&before, &report(&[]), Thresholds::default())
                .cloudfront
                .is_empty()
        );
    }

    #[test]
    fn identity_drift_names_the_account_and_the_arn() {
        let arn = "arn:aws:sts::111111111111:assumed-role/deploy/gh";
        let before = with_evidence(report(&[]), CheckId::Oidc, who("111111111111", arn));
        let after = with_evidence(
            report(&[]),
            CheckId::Oidc,
            who(
                "222222222222",
                "arn:aws:sts::222222222222:assumed-role/deploy/gh",
            ),
        );
        let c = compare(&before, &after, Thresholds::default());
        let fields: Vec<_> = c.identity.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["account", "arn"]);
        assert_eq!(c.identity[0].from.as_deref(), Some("111111111111"));
        assert_eq!(c.identity[0].to.as_deref(), Some("222222222222"));
        let same_account = with_evidence(
            report(&[]),
            CheckId::Oidc,
            who(
                "111111111111",
                "arn:aws:sts::111111111111:assumed-role/admin/gh",
            ),
        );
        let c = compare(&before, &same_account, Thresholds::default());
        assert_eq!(c.identity.len(), 1);
        assert_eq!(c.identity[0].field, "arn");
    }

    /// A report of the original shell workflow: outcomes from `ok`, times from `ms`.
    #[test]
    fn a_baseline_of_the_original_workflow_compares() {
        let seed: Report = serde_json::from_str(
            r#"{
              "correlation_id": "abc12345-6789-...",
              "checks": {
                "oidc": {"ok": true, "details": "AWS OIDC role assume"},
                "cloudfront": {"ok": false, "details": "CloudFront distribution accessible"},
                "api_health": {"ok": true, "status": 200, "ms": 145},
                "api_hello": {"ok": true, "status": 200, "ms": 98}
              },
              "durations": {"total_s": 45, "steps": {"api": 243}},
              "conclusion": "success"
            }"#,
        )
        .unwrap();
        let now = report(&[
            ("oidc", Outcome::Pass, 900),
            ("cloudfront", Outcome::Pass, 400),
            ("api_health", Outcome::Pass, 400),
            ("api_hello", Outcome::Pass, 120),
            ("frontend", Outcome::Pass, 50),
        ]);
        let c = compare(&seed, &now, Thresholds::default());
        assert_eq!(c.since.correlation_id, "abc12345-6789-...");
        assert_eq!(c.since.started_at, "");
        assert_eq!(c.outcome.len(), 1);
        assert_eq!(c.outcome[0].check, CheckId::Cloudfront);
        assert_eq!(
            (c.outcome[0].from, c.outcome[0].to),
            (Outcome::Fail, Outcome::Pass)
        );
        // oidc had no time in the seed: not a regression; api_health 145 → 400 is.
        assert_eq!(c.latency.len(), 1);
        assert_eq!(c.latency[0].check, CheckId::api("/health"));
        assert_eq!(c.new_checks, [CheckId::Frontend]);
        assert!(c.vanished_checks.is_empty());
    }

    #[test]
    fn text_from_the_baseline_is_kept_short_and_on_one_line() {
        let mut before = report(&[]);
        before.correlation_id = format!("a\n\u{1b}[2J{}", "x".repeat(5000));
        let long_key = "k".repeat(10_000);
        before
            .checks
            .insert(CheckId::from_key(&long_key), CheckResult::pass("x"));
        let before = with_evidence(
            before,
            CheckId::Oidc,
            who("111111111111", &format!("arn\n{}", "y".repeat(10_000))),
        );
        let after = with_evidence(report(&[]), CheckId::Oidc, who("111111111111", "arn"));
        let c = compare(&before, &after, Thresholds::default());
        assert!(c.since.correlation_id.chars().count() <= MAX_TEXT);
        assert!(!c.since.correlation_id.chars().any(char::is_control));
        assert_eq!(c.vanished_checks[0].key().chars().count(), MAX_KEY);
        let from = c.identity[0].from.as_deref().unwrap();
        assert!(
            from.chars().count() <= MAX_TEXT && !from.contains('\n'),
            "{from}"
        );
    }
}
