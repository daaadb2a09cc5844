//! The `cloudfront` check: the distribution exists and is enabled. `Deployed` passes;
//! `InProgress` (a change is still rolling out to the edges) warns.

use crate::checks::aws::{Failure, classify};
use crate::model::{CheckResult, CloudfrontEvidence, Evidence};

pub async fn check(client: &aws_sdk_cloudfront::Client, id: &str) -> CheckResult {
    let mut evidence = CloudfrontEvidence {
        distribution_id: id.to_string(),
        ..CloudfrontEvidence::default()
    };
    let out = match client.get_distribution().id(id).send().await {
        Ok(out) => out,
        Err(err) => {
            let f = classify(&err);
            let sentence = match &f {
                f if f.is_not_found() => format!("distribution {id} does not exist"),
                f if f.is_access_denied() => {
                    format!("access denied to distribution {id} (needs cloudfront:GetDistribution)")
                }
                f if f.is_throttling() => {
                    format!("CloudFront throttled GetDistribution ({})", f.describe())
                }
                Failure::Service(_) => format!("GetDistribution {id} failed: {}", f.describe()),
                Failure::Timeout(_) => "CloudFront did not answer GetDistribution in time".into(),
                _ => format!("could not reach CloudFront: {}", f.describe()),
            };
            return CheckResult::fail(sentence)
                .with_error(f.info().clone())
                .with_evidence(Evidence::Cloudfront(evidence));
        }
    };
    let Some(dist) = out.distribution() else {
        return CheckResult::fail(format!(
            "GetDistribution {id} answered without a distribution"
        ))
        .with_evidence(Evidence::Cloudfront(evidence));
    };
    evidence.distribution_status = Some(dist.status().to_string());
    evidence.domain_name = Some(dist.domain_name().to_string());
    evidence.last_modified = Some(dist.last_modified_time().to_string());
    if let Some(conf) = dist.distribution_config() {
        evidence.enabled = Some(conf.enabled());
        evidence.aliases = conf
            .aliases()
            .map(|a| a.items().to_vec())
            .unwrap_or_default();
    }
    let domain = dist.domain_name();
    let result = match (evidence.enabled, dist.status()) {
        (Some(false), _) => CheckResult::fail(format!("distribution {id} ({domain}) is disabled")),
        (_, "Deployed") => CheckResult::pass(format!(
            "distribution {id} ({domain}) is deployed and enabled"
        )),
        (_, "InProgress") => CheckResult::warn(format!(
            "distribution {id} ({domain}) is still deploying a change (InProgress)"
        )),
        (_, other) => CheckResult::warn(format!(
            "distribution {id} ({domain}) has unexpected status {other:?}"
        )),
    };
    result.with_evidence(Evidence::Cloudfront(evidence))
}

#[cfg(test)]
mod mock_tests {
    use super::*;
    use crate::model::Outcome;
    use aws_sdk_cloudfront::Client;
    use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};

    fn distribution_xml(status: &str, enabled: bool) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<Distribution xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">
  <Id>E2EXAMPLE</Id><ARN>arn:aws:cloudfront::123456789012:distribution/E2EXAMPLE</ARN>
  <Status>{status}</Status><LastModifiedTime>2026-11-25T00:00:00Z</LastModifiedTime>
  <InProgressInvalidationBatches>0</InProgressInvalidationBatches>
  <DomainName>d111111abcdef8.cloudfront.net</DomainName>
  <DistributionConfig>
    <CallerReference>ref</CallerReference>
    <Aliases><Quantity>1</Quantity><Items><CNAME>www.example.com</CNAME></Items></Aliases>
    <Origins><Quantity>1</Quantity><Items><Origin><Id>s3</Id><DomainName>site.s3.amazonaws.com</DomainName></Origin></Items></Origins>
    <DefaultCacheBehavior><TargetOriginId>s3</TargetOriginId><ViewerProtocolPolicy>redirect-to-https</ViewerProtocolPolicy></DefaultCacheBehavior>
    <Comment></Comment><Enabled>{enabled}</Enabled>
  </DistributionConfig>
</Distribution>"#
        )
    }

    fn answering(status: u16, body: String) -> Rule {
        mock!(Client::get_distribution)
            .sequence()
            .http_status(status, Some(body))
            .repeatedly()
            .build()
    }

    async fn run(rule: &Rule) -> CheckResult {
        let client = mock_client!(aws_sdk_cloudfront, RuleMode::MatchAny, [rule], |c| c
            .retry_config(crate::checks::test_retry()));
        check(&client, "E2EXAMPLE").await
    }

    #[tokio::test]
    async fn deployed_and_enabled_passes() {
        let r = run(&answering(200, distribution_xml("Deployed", true))).await;
        assert_eq!(r.outcome, Outcome::Pass, "{}", r.details);
        let Some(Evidence::Cloudfront(e)) = r.evidence else {
            panic!("no evidence")
        };
        assert_eq!(
            e.domain_name.as_deref(),
            Some("d111111abcdef8.cloudfront.net")
        );
        assert_eq!(e.aliases, ["www.example.com"]);
        assert_eq!(e.enabled, Some(true));
        assert_eq!(e.distribution_status.as_deref(), Some("Deployed"));
    }

    #[tokio::test]
    async fn in_progress_warns() {
        let r = run(&answering(200, distribution_xml("InProgress", true))).await;
        assert_eq!(r.outcome, Outcome::Warn);
        assert!(r.ok, "a warning is not a failure");
        assert!(r.details.contains("InProgress"), "{}", r.details);
    }

    #[tokio::test]
    async fn disabled_fails() {
        let r = run(&answering(200, distribution_xml("Deployed", false))).await;
        assert_eq!(r.outcome, Outcome::Fail);
        assert!(r.details.contains("disabled"), "{}", r.details);
    }

    #[tokio::test]
    async fn a_missing_distribution_says_so() {
        let body = r#"<?xml version="1.0"?><ErrorResponse xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Error><Type>Sender</Type><Code>NoSuchDistribution</Code><Message>The specified distribution does not exist.</Message></Error><RequestId>1</RequestId></ErrorResponse>"#;
        let r = run(&answering(404, body.into())).await;
        assert_eq!(r.outcome, Outcome::Fail);
        assert_eq!(r.details, "distribution E2EXAMPLE does not exist");
        assert_eq!(r.error.unwrap().code.as_deref(), Some("NoSuchDistribution"));
    }

    #[tokio::test]
    async fn access_denied_names_the_permission() {
        let body = r#"<?xml version="1.0"?><ErrorResponse xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized to perform: cloudfront:GetDistribution</Message></Error><RequestId>1</RequestId></ErrorResponse>"#;
        let r = run(&answering(403, body.into())).await;
        assert_eq!(r.outcome, Outcome::Fail);
        assert!(
            r.details.contains("cloudfront:GetDistribution"),
            "{}",
            r.details
        );
    }

    #[tokio::test]
    async fn throttling_is_reported_after_retries() {
        let body = r#"<?xml version="1.0"?><ErrorResponse xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>1</RequestId></ErrorResponse>"#;
        let rule = answering(400, body.into());
        let r = run(&rule).await;
        assert_eq!(r.outcome, Outcome::Fail);
        assert!(r.details.contains("throttled"), "{}", r.details);
        assert_eq!(rule.num_calls(), 3);
    }
}
