//! The `s3_read` check: the site bucket is reachable and readable, and holds the entry
//! page. HeadBucket, a small ListObjectsV2 and HeadObject `index.html` go out together;
//! the first failure in that order explains the result.

use crate::checks::aws::{Failure, classify};
use crate::model::{CheckResult, Evidence, ObjectEvidence, S3Evidence};

/// The object every static site must have.
pub const INDEX_KEY: &str = "index.html";
/// Keys listed (and at most kept as samples).
const LIST_MAX_KEYS: i32 = 5;

pub async fn check(client: &aws_sdk_s3::Client, bucket: &str) -> CheckResult {
    let (head_bucket, list, head_index) = tokio::join!(
        client.head_bucket().bucket(bucket).send(),
        client
            .list_objects_v2()
            .bucket(bucket)
            .max_keys(LIST_MAX_KEYS)
            .send(),
        client.head_object().bucket(bucket).key(INDEX_KEY).send(),
    );
    let mut evidence = S3Evidence {
        bucket: bucket.to_string(),
        ..S3Evidence::default()
    };

    if let Err(err) = head_bucket {
        let f = classify(&err);
        let sentence = match &f {
            f if f.is_not_found() => format!("bucket {bucket} does not exist"),
            f if f.is_access_denied() => {
                format!("access denied to bucket {bucket} (HeadBucket needs s3:ListBucket)")
            }
            f if f.http_status() == Some(301) => format!(
                "bucket {bucket} is in another region than the one configured (set --region)"
            ),
            f => generic("HeadBucket", bucket, f),
        };
        return fail(sentence, &f, evidence);
    }

    match list {
        Ok(out) => {
            evidence.key_count = out.key_count();
            evidence.sample_keys = out
                .contents()
                .iter()
                .filter_map(|o| o.key().map(str::to_string))
                .collect();
        }
        Err(err) => {
            let f = classify(&err);
            let sentence = if f.is_access_denied() {
                format!("access denied listing bucket {bucket} (needs s3:ListBucket)")
            } else {
                generic("ListObjectsV2", bucket, &f)
            };
            return fail(sentence, &f, evidence);
        }
    }

    match head_index {
        Ok(out) => {
            evidence.index = Some(ObjectEvidence {
                key: INDEX_KEY.to_string(),
                cache_control: out.cache_control().map(str::to_string),
                etag: out.e_tag().map(str::to_string),
                content_type: out.content_type().map(str::to_string),
                content_length: out.content_length(),
                last_modified: out.last_modified().map(|t| t.to_string()),
            });
        }
        Err(err) => {
            let f = classify(&err);
            let sentence = if f.is_not_found() {
                format!("{INDEX_KEY} is missing from bucket {bucket}: the site has no entry page")
            } else if f.is_access_denied() {
                format!("access denied reading {INDEX_KEY} in bucket {bucket} (needs s3:GetObject)")
            } else {
                generic("HeadObject index.html", bucket, &f)
            };
            return fail(sentence, &f, evidence);
        }
    }

    let cache = evidence
        .index
        .as_ref()
        .and_then(|i| i.cache_control.clone())
        .map_or_else(|| "no Cache-Control".to_string(), |c| format!("Cache-Control {c:?}"));
    CheckResult::pass(format!(
        "bucket {bucket} is readable and has {INDEX_KEY} ({cache})"
    ))
    .with_evidence(Evidence::S3(evidence))
}

fn generic(operation: &str, bucket: &str, f: &Failure) -> String {
    match f {
        f if f.is_throttling() => format!("S3 throttled {operation} on {bucket} ({})", f.describe()),
        Failure::Service(_) => format!("{operation} on {bucket} failed: {}", f.describe()),
        Failure::Timeout(_) => format!("S3 did not answer {operation} on {bucket} in time"),
        _ => format!("could not reach S3 for {operation} on {bucket}: {}", f.describe()),
    }
}

fn fail(sentence: String, f: &Failure, evidence: S3Evidence) -> CheckResult {
    CheckResult::fail(sentence)
        .with_error(f.info().clone())
        .with_evidence(Evidence::S3(evidence))
}
