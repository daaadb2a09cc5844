//! The custom checks of the configuration file, planned: an HTTP check goes through the
//! URL policy as the built-in ones do; an `s3_object` check needs the environment's bucket,
//! a `cloudfront_aliases` check its distribution (each is skipped, saying why, without).
//! Each comes with the checks it needs.

use super::Check;
use crate::config::{CheckConfig, CustomKind};
use crate::model::CheckId;

/// The custom checks, in file order, each with the checks that must pass first.
pub fn plan(config: &CheckConfig) -> Vec<(CheckId, Check, Vec<CheckId>)> {
    config
        .custom_checks
        .iter()
        .map(|c| {
            let check = match &c.kind {
                CustomKind::Http(spec) => match config.url_policy.check_url(&spec.url) {
                    Ok(()) => Check::CustomHttp(Box::new(spec.clone())),
                    Err(why) => Check::Refused(format!(
                        "refused by the URL policy: {why}; {} was not contacted",
                        crate::text::redact_url(&spec.url)
                    )),
                },
                CustomKind::S3Object(expect) => match &config.bucket {
                    Some(bucket) => Check::S3Object {
                        bucket: bucket.clone(),
                        expect: expect.clone(),
                    },
                    None => Check::Skip(
                        "no bucket configured (bucket in the environment, --bucket or S3_BUCKET)"
                            .into(),
                    ),
                },
                CustomKind::CloudfrontAliases(aliases) => match &config.distribution_id {
                    Some(id) => Check::CloudfrontAliases {
                        distribution_id: id.clone(),
                        aliases: aliases.clone(),
                    },
                    None => Check::Skip(
                        "no distribution configured (distribution_id in the environment, --distribution-id or CLOUDFRONT_DISTRIBUTION_ID)"
                            .into(),
                    ),
                },
            };
            (c.id.clone(), check, c.needs.clone())
        })
        .collect()
}
