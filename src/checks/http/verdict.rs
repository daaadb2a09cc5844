//! From the attempts of an HTTP check to its result: the last attempt gives the verdict
//! (status and time against the expectation, then the body, then the certificate); every
//! attempt is recorded with its phases; a pass that needed a retry is a `warn` marked
//! `flaky`.

use std::time::{Duration, SystemTime};

use hyper::StatusCode;

use super::probe::{Answer, Attempt, Failure, Kind};
use super::tls::{self, Verdict};
use super::{Expect, Spec, cdn_note, keep_excerpt, record_headers};
use crate::model::{CheckResult, ErrorInfo, Evidence, HttpAttempt, HttpEvidence, Outcome};
use crate::text::{cap, redact_urls_in};

/// The result of `attempts` (at least one) of `spec`.
pub fn result(
    spec: &Spec,
    attempts: Vec<Attempt>,
    timeout: Duration,
    tls_warn_days: u32,
) -> CheckResult {
    let shown = crate::text::redact_url(&spec.url);
    let mut evidence = HttpEvidence {
        url: shown.clone(),
        method: spec.method.to_string(),
        attempts: attempts.iter().map(record).collect(),
        tls: attempts.iter().rev().find_map(|a| a.tls.clone()),
        ..HttpEvidence::default()
    };
    let tries = attempts.len();
    let first_trouble = attempts.first().filter(|_| tries > 1).map(trouble);
    let Some(last) = attempts.into_iter().last() else {
        return CheckResult::fail(format!("no attempt was made to reach {shown}"));
    };
    let elapsed = Duration::from_secs_f64(last.phases.total / 1000.0);
    let mut result = match last.outcome {
        Ok(answer) => answered(spec, &answer, elapsed, &shown, &mut evidence),
        Err(failure) => failed(
            spec.method.as_str(),
            &shown,
            &failure,
            timeout,
            &mut evidence,
        ),
    };
    if let Some(cert) = &evidence.tls {
        let host = spec.url.host_str().unwrap_or("");
        result = with_certificate(
            result,
            tls::judge(cert, host, tls_warn_days, SystemTime::now()),
        );
    }
    if let Some(trouble) = first_trouble
        && result.outcome != Outcome::Fail
    {
        result = flaky(result, tries, &trouble);
    }
    let result = result.with_evidence(Evidence::Http(evidence));
    super::expect::redact_secrets(result, &spec.headers)
}

/// An attempt as the report records it.
fn record(a: &Attempt) -> HttpAttempt {
    let (status, error) = match &a.outcome {
        Ok(answer) => (Some(answer.status.as_u16()), None),
        Err(f) => (
            f.status.map(|s| s.as_u16()),
            Some(f.kind.as_str().to_string()),
        ),
    };
    HttpAttempt {
        start_ms: (a.start.as_secs_f64() * 10_000.0).round() / 10.0,
        status,
        error,
        phases: a.phases.clone(),
        retry_in_ms: a
            .retry_in
            .map(|d| (d.as_secs_f64() * 10_000.0).round() / 10.0),
    }
}

/// What went wrong with an attempt that was retried, in a few words.
fn trouble(a: &Attempt) -> String {
    match &a.outcome {
        Ok(answer) => format!("HTTP {}", answer.status.as_u16()),
        Err(f) => match f.kind {
            Kind::Timeout => "a timeout".into(),
            Kind::ConnectionReset => "a connection reset".into(),
            other => format!("a {} error", other.as_str()),
        },
    }
}

/// The verdict on a complete answer.
fn answered(
    spec: &Spec,
    answer: &Answer,
    elapsed: Duration,
    shown: &str,
    evidence: &mut HttpEvidence,
) -> CheckResult {
    if answer.url != spec.url {
        evidence.final_url = Some(crate::text::redact_url(&answer.url));
    }
    record_headers(&answer.headers, spec.cdn, evidence);
    keep_excerpt(&answer.body, evidence);
    evidence.body_truncated |= answer.truncated;
    let mut result = judge(answer.status, elapsed, &spec.expect, shown, evidence);
    if result.outcome != Outcome::Fail
        && let Err(why) = spec.expect.judge_body(&answer.body)
    {
        result = CheckResult::fail(format!(
            "HTTP {} from {shown}: {why}",
            answer.status.as_u16()
        ));
    }
    result.status = Some(answer.status.as_u16());
    result
}

/// The verdict on a response's status and time: an expected status passes (warns when
/// slower than the expectation's limit), anything else fails.
fn judge(
    status: StatusCode,
    elapsed: Duration,
    expect: &Expect,
    shown: &str,
    evidence: &HttpEvidence,
) -> CheckResult {
    let ms = elapsed.as_millis();
    let code = status.as_u16();
    let reason = status.canonical_reason().unwrap_or("");
    let cdn_note = cdn_note(evidence);
    let slow = expect.warn_after;
    if let Some(wanted) = expect.unexpected_status(code) {
        CheckResult::fail(
            format!("HTTP {code} {reason} from {shown}, expected {wanted}{cdn_note}")
                .replace("  ", " "),
        )
    } else if expect.status_matches(code) {
        if elapsed > slow {
            CheckResult::warn(format!(
                "HTTP {code} from {shown} but slow: {ms} ms (limit {} ms)",
                slow.as_millis()
            ))
        } else {
            CheckResult::pass(format!("HTTP {code} {reason}{cdn_note}").replace("  ", " "))
        }
    } else {
        CheckResult::fail(format!("HTTP {code} {reason} from {shown}{cdn_note}").replace("  ", " "))
    }
}

/// The verdict on an attempt that did not complete.
fn failed(
    method: &str,
    shown: &str,
    f: &Failure,
    timeout: Duration,
    evidence: &mut HttpEvidence,
) -> CheckResult {
    evidence.body_bytes = f.read as u64;
    let root = redact_urls_in(&f.message);
    let sentence = match f.kind {
        Kind::Timeout => format!(
            "no response from {shown} within {} s",
            timeout.as_secs_f64()
        ),
        Kind::Connect | Kind::Dns | Kind::Refused | Kind::Tls => {
            format!("could not connect to {shown}: {root}")
        }
        Kind::Redirect => format!("following the redirects of {shown} stopped: {root}"),
        Kind::ConnectionReset | Kind::Body | Kind::Other => {
            format!("request to {shown} failed: {root}")
        }
    };
    let mut result = CheckResult::fail(sentence).with_error(ErrorInfo {
        code: None,
        http_status: None,
        message: cap(&format!("{method} {shown}: {root}"), 500),
    });
    result.status = f.status.map(|s| s.as_u16());
    result
}

/// The certificate's say: a failure replaces the verdict (the answer, if any, stays in
/// the evidence); a warning replaces a pass.
fn with_certificate(result: CheckResult, verdict: Option<Verdict>) -> CheckResult {
    let status = result.status;
    let mut next = match verdict {
        Some(Verdict::Fail(why)) => CheckResult::fail(why),
        Some(Verdict::Warn(why)) if result.outcome == Outcome::Pass => {
            CheckResult::warn(format!("{}; {why}", result.details))
        }
        _ => return result,
    };
    next.status = status;
    next.error = result.error;
    next
}

/// A check that passed only after a retry: a warning, marked flaky.
fn flaky(mut result: CheckResult, tries: usize, trouble: &str) -> CheckResult {
    let note = format!("passed on attempt {tries} after {trouble}");
    if result.outcome == Outcome::Pass {
        result.outcome = Outcome::Warn;
        result.details = format!("{}; {note}", result.details);
    } else if result.outcome == Outcome::Warn {
        result.details = format!("{}; {note}", result.details);
    }
    result.ok = result.outcome.ok();
    result.flaky = true;
    result
}
