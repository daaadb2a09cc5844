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
                f if f.is_access_denied() => format!(
                    "access denied to distribution {id} (needs cloudfront:GetDistribution)"
                ),
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
        (_, "Deployed") => CheckResult::pass(format!("distribution {id} ({domain}) is deployed and enabled")),
        (_, "InProgress") => CheckResult::warn(format!(
            "distribution {id} ({domain}) is still deploying a change (InProgress)"
        )),
        (_, other) => CheckResult::warn(format!(
            "distribution {id} ({domain}) has unexpected status {other:?}"
        )),
    };
    result.with_evidence(Evidence::Cloudfront(evidence))
}
