//! The `oidc` check: STS GetCallerIdentity proves the job's credentials work (typically a
//! role assumed through GitHub's OIDC token, or a profile on a laptop) and records who they
//! belong to and how they were obtained, optionally holding them to an expected account
//! and ARN pattern.

use crate::checks::aws::{Failure, classify};
use crate::model::{CheckResult, Evidence, IdentityEvidence};

/// What the identity must look like, when the operator said so.
#[derive(Debug, Clone, Default)]
pub struct Expectations {
    pub account: Option<String>,
    pub arn_pattern: Option<String>,
}

/// Calls GetCallerIdentity with `client`. `credentials` says how the client's credentials
/// were obtained; it is recorded in the evidence, whatever the outcome.
pub async fn check(
    client: &aws_sdk_sts::Client,
    expect: &Expectations,
    credentials: Option<String>,
) -> CheckResult {
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
            let result = CheckResult::fail(sentence).with_error(failure.info().clone());
            return match credentials {
                Some(credentials) => result.with_evidence(Evidence::Identity(IdentityEvidence {
                    credentials: Some(credentials),
                    ..IdentityEvidence::default()
                })),
                None => result,
            };
        }
    };
    let evidence = IdentityEvidence {
        account: out.account().map(str::to_string),
        arn: out.arn().map(str::to_string),
        user_id: out.user_id().map(str::to_string),
        credentials,
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
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
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
        assert!(glob_match(
            "arn:aws:sts::*:assumed-role/deploy/*",
            "arn:aws:sts::123456789012:assumed-role/deploy/gh"
        ));
        assert!(!glob_match(
            "arn:aws:sts::*:assumed-role/deploy/*",
            "arn:aws:iam::123456789012:user/bob"
        ));
        assert!(glob_match("exact", "exact"));
        assert!(!glob_match("exact", "exactly"));
        assert!(glob_match("a*b*c", "aXbYc"));
        assert!(!glob_match("ab*ba", "aba"));
    }
}

#[cfg(test)]
mod mock_tests {
    use super::*;
    use crate::model::Outcome;
    use aws_sdk_sts::Client;
    use aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};

    fn identity() -> GetCallerIdentityOutput {
        GetCallerIdentityOutput::builder()
            .account("123456789012")
            .arn("arn:aws:sts::123456789012:assumed-role/deploy/gh-run")
            .user_id("AROAEXAMPLE:gh-run")
            .build()
    }

    #[tokio::test]
    async fn records_the_identity() {
        let rule = mock!(Client::get_caller_identity).then_output(identity);
        let client = mock_client!(aws_sdk_sts, RuleMode::MatchAny, [&rule]);
        let r = check(&client, &Expectations::default(), None).await;
        assert_eq!(r.outcome, Outcome::Pass);
        assert!(
            r.details.contains("assumed-role/deploy/gh-run"),
            "{}",
            r.details
        );
        let Some(Evidence::Identity(id)) = r.evidence else {
            panic!("no identity evidence")
        };
        assert_eq!(id.account.as_deref(), Some("123456789012"));
        assert_eq!(id.user_id.as_deref(), Some("AROAEXAMPLE:gh-run"));
    }

    #[tokio::test]
    async fn holds_the_identity_to_expectations() {
        let rule = mock!(Client::get_caller_identity).then_output(identity);
        let client = mock_client!(aws_sdk_sts, RuleMode::MatchAny, [&rule]);
        let wrong_account = Expectations {
            account: Some("999999999999".into()),
            arn_pattern: None,
        };
        let r = check(&client, &wrong_account, None).await;
        assert_eq!(r.outcome, Outcome::Fail);
        assert!(
            r.details.contains("not the expected 999999999999"),
            "{}",
            r.details
        );

        let right = Expectations {
            account: Some("123456789012".into()),
            arn_pattern: Some("arn:aws:sts::*:assumed-role/deploy/*".into()),
        };
        assert_eq!(check(&client, &right, None).await.outcome, Outcome::Pass);
        let wrong_role = Expectations {
            account: None,
            arn_pattern: Some("*:assumed-role/admin/*".into()),
        };
        assert_eq!(
            check(&client, &wrong_role, None).await.outcome,
            Outcome::Fail
        );
    }

    #[tokio::test]
    async fn rejected_credentials_fail_with_the_service_code() {
        let body = r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error><RequestId>1</RequestId></ErrorResponse>"#;
        let rule = mock!(Client::get_caller_identity)
            .sequence()
            .http_status(403, Some(body.into()))
            .repeatedly()
            .build();
        let client = mock_client!(aws_sdk_sts, RuleMode::MatchAny, [&rule]);
        let r = check(&client, &Expectations::default(), None).await;
        assert_eq!(r.outcome, Outcome::Fail);
        assert!(!r.ok);
        assert!(r.details.contains("rejected by STS"), "{}", r.details);
        let e = r.error.expect("error info");
        assert_eq!(e.code.as_deref(), Some("InvalidClientTokenId"));
        assert_eq!(e.http_status, Some(403));
    }

    #[tokio::test]
    async fn how_the_credentials_were_obtained_is_recorded_whatever_the_outcome() {
        let rule = mock!(Client::get_caller_identity).then_output(identity);
        let client = mock_client!(aws_sdk_sts, RuleMode::MatchAny, [&rule]);
        let r = check(
            &client,
            &Expectations::default(),
            Some("web identity (OIDC)".into()),
        )
        .await;
        let Some(Evidence::Identity(id)) = r.evidence else {
            panic!("no identity evidence")
        };
        assert_eq!(id.credentials.as_deref(), Some("web identity (OIDC)"));
        assert_eq!(id.account.as_deref(), Some("123456789012"));

        let body = r#"<ErrorResponse><Error><Type>Sender</Type><Code>ExpiredToken</Code><Message>The security token included in the request is expired</Message></Error><RequestId>1</RequestId></ErrorResponse>"#;
        let rule = mock!(Client::get_caller_identity)
            .sequence()
            .http_status(403, Some(body.into()))
            .repeatedly()
            .build();
        let client = mock_client!(aws_sdk_sts, RuleMode::MatchAny, [&rule]);
        let r = check(
            &client,
            &Expectations::default(),
            Some("profile dev (SSO)".into()),
        )
        .await;
        assert_eq!(r.outcome, Outcome::Fail);
        assert!(r.details.contains("ExpiredToken"), "{}", r.details);
        let Some(Evidence::Identity(id)) = r.evidence else {
            panic!("no identity evidence on failure")
        };
        assert_eq!(id.credentials.as_deref(), Some("profile dev (SSO)"));
        assert_eq!((id.account, id.arn, id.user_id), (None, None, None));
    }

    #[tokio::test]
    async fn throttling_is_retried_then_reported() {
        let body = r#"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>1</RequestId></ErrorResponse>"#;
        let rule = mock!(Client::get_caller_identity)
            .sequence()
            .http_status(400, Some(body.into()))
            .times(2)
            .output(identity)
            .build();
        let client = mock_client!(aws_sdk_sts, RuleMode::Sequential, [&rule], |c| c
            .retry_config(crate::checks::test_retry()));
        let r = check(&client, &Expectations::default(), None).await;
        assert_eq!(r.outcome, Outcome::Pass, "{}", r.details);
        assert_eq!(rule.num_calls(), 3);

        let always = mock!(Client::get_caller_identity)
            .sequence()
            .http_status(400, Some(body.into()))
            .repeatedly()
            .build();
        let client = mock_client!(aws_sdk_sts, RuleMode::MatchAny, [&always], |c| c
            .retry_config(crate::checks::test_retry()));
        let r = check(&client, &Expectations::default(), None).await;
        assert_eq!(r.outcome, Outcome::Fail);
        assert!(r.details.contains("throttled"), "{}", r.details);
    }
}
