//! The `s3_object` custom check: one more key of the site bucket, read with HeadObject, and
//! optionally its Content-Type and Cache-Control (the headers CloudFront passes on, so a
//! wrong one is a site served wrong).

use aws_sdk_s3::operation::head_object::HeadObjectOutput;

use crate::checks::aws::classify;
use crate::model::{CheckResult, Evidence, ObjectEvidence, S3Evidence};

/// The object and what its headers must be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expect {
    pub key: String,
    /// Compared without regard to case or spaces around `;`.
    pub content_type: Option<String>,
    /// Compared without regard to case or spaces around `,`.
    pub cache_control: Option<String>,
}

/// Reads `expect.key` of `bucket` and judges its headers.
pub async fn check(client: &aws_sdk_s3::Client, bucket: &str, expect: &Expect) -> CheckResult {
    let key = &expect.key;
    let mut evidence = S3Evidence {
        bucket: bucket.to_string(),
        ..S3Evidence::default()
    };
    let out = match client.head_object().bucket(bucket).key(key).send().await {
        Ok(out) => out,
        Err(err) => {
            let f = classify(&err);
            let sentence = if f.is_not_found() {
                format!("{key} is missing from bucket {bucket} (or the bucket does not exist)")
            } else if f.is_access_denied() {
                format!("access denied reading {key} in bucket {bucket} (needs s3:GetObject)")
            } else {
                format!("HeadObject {key} on {bucket} failed: {}", f.describe())
            };
            return CheckResult::fail(sentence)
                .with_error(f.info().clone())
                .with_evidence(Evidence::S3(evidence));
        }
    };
    let object = object(key, &out);
    let mut wrong = Vec::new();
    for (name, wanted, found, sep) in [
        (
            "Content-Type",
            &expect.content_type,
            &object.content_type,
            ';',
        ),
        (
            "Cache-Control",
            &expect.cache_control,
            &object.cache_control,
            ',',
        ),
    ] {
        if let Some(wanted) = wanted
            && found.as_deref().map(|f| normal(f, sep)) != Some(normal(wanted, sep))
        {
            let found = found
                .as_deref()
                .map_or("none".to_string(), |f| format!("{f:?}"));
            wrong.push(format!("{name} is {found}, expected {wanted:?}"));
        }
    }
    evidence.index = Some(object);
    let result = if wrong.is_empty() {
        CheckResult::pass(format!(
            "{key} is in bucket {bucket} with the expected headers"
        ))
    } else {
        CheckResult::fail(format!("{key} in bucket {bucket}: {}", wrong.join("; ")))
    };
    result.with_evidence(Evidence::S3(evidence))
}

/// A header value compared: lower case, no spaces around `sep`.
fn normal(v: &str, sep: char) -> String {
    v.split(sep)
        .map(|p| p.trim().to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(&sep.to_string())
}

fn object(key: &str, out: &HeadObjectOutput) -> ObjectEvidence {
    ObjectEvidence {
        key: key.to_string(),
        cache_control: out.cache_control().map(str::to_string),
        etag: out.e_tag().map(str::to_string),
        content_type: out.content_type().map(str::to_string),
        content_length: out.content_length(),
        last_modified: out.last_modified().map(|t| t.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_compare_without_case_or_spacing() {
        assert_eq!(
            normal("Text/HTML; charset=UTF-8", ';'),
            "text/html;charset=utf-8"
        );
        assert_eq!(normal("max-age=60 ,public", ','), "max-age=60,public");
    }
}
