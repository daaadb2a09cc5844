//! The `oidc` check: STS GetCallerIdentity proves the job's credentials work (typically a
//! role assumed through GitHub's OIDC token) and records who they belong to, optionally
//! holding them to an expected account and ARN pattern.

use crate::checks::aws::{Failure, classify};
use crate::model::{CheckResult, Evidence, IdentityEvidence};

/// What the identity must look like, when the operator said so.
#[derive(Debug, Clone, Default)]
pub struct Expectations {
    pub account: Option<String>,
    pub arn_pattern: Option<String>,
}

pub async fn check(client: &aws_sdk_sts::Client, expect: &Expectations) -> CheckResult {
    let out = match client.get_caller_identity().send().await {
        Ok(out) => out,
        Err(err) => {
            let failure = classify(&err);
            let sentence = match &failure {
                f if f.is_throttling() => {
                    format!("STS throttled GetCallerIdentity ({})", f.describe())
                }
                f @ Failure::Service(_) => {
                    format!("the credentials were rejected by STS ({})", f.describe())
                }
                Failure::Timeout(_) => "STS did not answer GetCallerIdentity in time".into(),
                f => format!("could not reach STS: {}", f.describe()),
            };
            return CheckResult::fail(sentence).with_error(failure.info().clone());
        }
    };
    let evidence = IdentityEvidence {
        account: out.account().map(str::to_string),
        arn: out.arn().map(str::to_string),
        user_id: out.user_id().map(str::to_string),
    };
    let account = evidence.account.clone().unwrap_or_default();
    let arn = evidence.arn.clone().unwrap_or_default();
    let result = if let Some(expected) = expect.account.as_deref().filter(|e| *e != account) {
        CheckResult::fail(format!(
            "credentials belong to account {account}, not the expected {expected}"
        ))
    } else if let Some(pattern) = expect
        .arn_pattern
        .as_deref()
        .filter(|p| !glob_match(p, &arn))
    {
        CheckResult::fail(format!(
            "caller {arn} does not match the expected pattern {pattern}"
        ))
    } else {
        CheckResult::pass(format!("authenticated as {arn} in account {account}"))
    };
    result.with_evidence(Evidence::Identity(evidence))
}

/// Matches `text` against `pattern`, where `*` stands for any run of characters.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last)
    {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn globs() {
        assert!(glob_match("arn:aws:sts::*:assumed-role/deploy/*", "arn:aws:sts::123456789012:assumed-role/deploy/gh"));
        assert!(!glob_match("arn:aws:sts::*:assumed-role/deploy/*", "arn:aws:iam::123456789012:user/bob"));
        assert!(glob_match("exact", "exact"));
        assert!(!glob_match("exact", "exactly"));
        assert!(glob_match("a*b*c", "aXbYc"));
        assert!(!glob_match("ab*ba", "aba"));
    }
}
