//! The `s3_read` check: the site bucket is reachable and readable, and holds the entry
//! page. HeadBucket, a small ListObjectsV2 and HeadObject of the entry page (`index.html`
//! unless `--index-key` says otherwise) go out together; the first failure in that order
//! explains the result.

use aws_sdk_s3::operation::head_object::HeadObjectOutput;
use aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Output;

use crate::checks::aws::{Failure, classify};
use crate::model::{CheckResult, Evidence, ObjectEvidence, S3Evidence};

/// The object every static site must have, unless told otherwise.
pub const INDEX_KEY: &str = "index.html";
/// Keys listed (and at most kept as samples).
const LIST_MAX_KEYS: i32 = 5;

/// Checks `bucket` and its entry page `index_key`.
pub async fn check(client: &aws_sdk_s3::Client, bucket: &str, index_key: &str) -> CheckResult {
    let (head_bucket, list, head_index) = tokio::join!(
        client.head_bucket().bucket(bucket).send(),
        client
            .list_objects_v2()
            .bucket(bucket)
            .max_keys(LIST_MAX_KEYS)
            .send(),
        client.head_object().bucket(bucket).key(index_key).send(),
    );
    let mut evidence = S3Evidence {
        bucket: bucket.to_string(),
        ..S3Evidence::default()
    };
    if let Err(err) = head_bucket {
        let f = classify(&err);
        return fail(head_bucket_failed(bucket, &f), &f, evidence);
    }
    match list {
        Ok(out) => record_listing(&mut evidence, &out),
        Err(err) => {
            let f = classify(&err);
            return fail(listing_failed(bucket, &f), &f, evidence);
        }
    }
    match head_index {
        Ok(out) => evidence.index = Some(entry_page(index_key, &out)),
        Err(err) => {
            let f = classify(&err);
            return fail(entry_page_failed(bucket, index_key, &f), &f, evidence);
        }
    }
    passed(bucket, index_key, evidence)
}

/// Why HeadBucket failed, in one sentence.
fn head_bucket_failed(bucket: &str, f: &Failure) -> String {
    match f {
        f if f.is_not_found() => format!("bucket {bucket} does not exist"),
        f if f.is_access_denied() => {
            format!("access denied to bucket {bucket} (HeadBucket needs s3:ListBucket)")
        }
        f if f.http_status() == Some(301) => {
            format!("bucket {bucket} is in another region than the one configured (set --region)")
        }
        f => generic("HeadBucket", bucket, f),
    }
}

/// Records the listing's key count and sample keys.
fn record_listing(evidence: &mut S3Evidence, out: &ListObjectsV2Output) {
    evidence.key_count = out.key_count();
    evidence.sample_keys = out
        .contents()
        .iter()
        .filter_map(|o| o.key().map(str::to_string))
        .collect();
}

/// Why ListObjectsV2 failed, in one sentence.
fn listing_failed(bucket: &str, f: &Failure) -> String {
    if f.is_access_denied() {
        format!("access denied listing bucket {bucket} (needs s3:ListBucket)")
    } else if f.is_not_found() {
        format!("bucket {bucket} does not exist")
    } else {
        generic("ListObjectsV2", bucket, f)
    }
}

/// What HeadObject said about the entry page.
fn entry_page(index_key: &str, out: &HeadObjectOutput) -> ObjectEvidence {
    ObjectEvidence {
        key: index_key.to_string(),
        cache_control: out.cache_control().map(str::to_string),
        etag: out.e_tag().map(str::to_string),
        content_type: out.content_type().map(str::to_string),
        content_length: out.content_length(),
        last_modified: out.last_modified().map(|t| t.to_string()),
    }
}

/// Why HeadObject of the entry page failed, in one sentence.
fn entry_page_failed(bucket: &str, index_key: &str, f: &Failure) -> String {
    if f.is_not_found() {
        format!("{index_key} is missing from bucket {bucket}: the site has no entry page")
    } else if f.is_access_denied() {
        format!("access denied reading {index_key} in bucket {bucket} (needs s3:GetObject)")
    } else {
        generic(&format!("HeadObject {index_key}"), bucket, f)
    }
}

/// The passing result: the bucket is readable and has its entry page, with its
/// Cache-Control.
fn passed(bucket: &str, index_key: &str, evidence: S3Evidence) -> CheckResult {
    let cache = evidence
        .index
        .as_ref()
        .and_then(|i| i.cache_control.clone())
        .map_or_else(
            || "no Cache-Control".to_string(),
            |c| format!("Cache-Control {c:?}"),
        );
    CheckResult::pass(format!(
        "bucket {bucket} is readable and has {index_key} ({cache})"
    ))
    .with_evidence(Evidence::S3(evidence))
}

fn generic(operation: &str, bucket: &str, f: &Failure) -> String {
    match f {
        f if f.is_throttling() => {
            format!("S3 throttled {operation} on {bucket} ({})", f.describe())
        }
        Failure::Service(_) => format!("{operation} on {bucket} failed: {}", f.describe()),
        Failure::Timeout(_) => format!("S3 did not answer {operation} on {bucket} in time"),
        _ => format!(
            "could not reach S3 for {operation} on {bucket}: {}",
            f.describe()
        ),
    }
}

fn fail(sentence: String, f: &Failure, evidence: S3Evidence) -> CheckResult {
    CheckResult::fail(sentence)
        .with_error(f.info().clone())
        .with_evidence(Evidence::S3(evidence))
}

#[cfg(test)]
mod mock_tests {
    use super::*;
    use crate::model::Outcome;
    use aws_sdk_s3::Client;
    use aws_sdk_s3::operation::head_bucket::HeadBucketOutput;
    use aws_sdk_s3::operation::head_object::HeadObjectOutput;
    use aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Output;
    use aws_sdk_s3::types::Object;
    use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};

    fn head_bucket_ok() -> Rule {
        mock!(Client::head_bucket).then_output(|| HeadBucketOutput::builder().build())
    }

    fn list_ok() -> Rule {
        mock!(Client::list_objects_v2).then_output(|| {
            ListObjectsV2Output::builder()
                .key_count(2)
                .contents(Object::builder().key("assets/app.js").build())
                .contents(Object::builder().key("index.html").build())
                .build()
        })
    }

    fn head_index_ok() -> Rule {
        mock!(Client::head_object)
            .match_requests(|r| r.key() == Some("index.html"))
            .then_output(|| {
                HeadObjectOutput::builder()
                    .cache_control("no-cache")
                    .content_type("text/html")
                    .e_tag("\"abc\"")
                    .content_length(1234)
                    .build()
            })
    }

    fn http(status: u16, body: &str) -> Rule {
        let body = body.to_string();
        // One rule per operation kind is built by the callers below.
        mock!(Client::head_bucket)
            .sequence()
            .http_status(status, Some(body))
            .repeatedly()
            .build()
    }

    fn client(rules: &[&Rule]) -> Client {
        mock_client!(aws_sdk_s3, RuleMode::MatchAny, rules.iter().copied(), |c| c
            .retry_config(crate::checks::test_retry()))
    }

    #[tokio::test]
    async fn a_readable_bucket_with_an_index_passes_and_records_it() {
        let (a, b, c) = (head_bucket_ok(), list_ok(), head_index_ok());
        let r = check(&client(&[&a, &b, &c]), "site-bucket", INDEX_KEY).await;
        assert_eq!(r.outcome, Outcome::Pass, "{}", r.details);
        assert!(r.details.contains("no-cache"), "{}", r.details);
        let Some(Evidence::S3(e)) = r.evidence else {
            panic!("no s3 evidence")
        };
        assert_eq!(e.key_count, Some(2));
        assert_eq!(e.sample_keys, ["assets/app.js", "index.html"]);
        let index = e.index.expect("index evidence");
        assert_eq!(index.cache_control.as_deref(), Some("no-cache"));
        assert_eq!(index.etag.as_deref(), Some("\"abc\""));
        assert_eq!(index.content_type.as_deref(), Some("text/html"));
    }

    #[tokio::test]
    async fn a_missing_bucket_says_so() {
        // A real HEAD 404: no body, so no error code.
        let (a, b, c) = (http(404, ""), list_ok(), head_index_ok());
        let r = check(&client(&[&a, &b, &c]), "gone-bucket", INDEX_KEY).await;
        assert_eq!(r.outcome, Outcome::Fail);
        assert_eq!(r.details, "bucket gone-bucket does not exist");
        assert_eq!(r.error.unwrap().http_status, Some(404));
    }

    #[tokio::test]
    async fn access_denied_names_the_permission() {
        let (a, b, c) = (http(403, ""), list_ok(), head_index_ok());
        let r = check(&client(&[&a, &b, &c]), "locked", INDEX_KEY).await;
        assert_eq!(r.outcome, Outcome::Fail);
        assert!(
            r.details.contains("access denied") && r.details.contains("s3:ListBucket"),
            "{}",
            r.details
        );
    }

    #[tokio::test]
    async fn the_entry_object_can_be_another_key() {
        let (a, b) = (head_bucket_ok(), list_ok());
        let app = mock!(Client::head_object)
            .match_requests(|r| r.key() == Some("app/index.html"))
            .then_output(|| {
                HeadObjectOutput::builder()
                    .cache_control("max-age=60")
                    .build()
            });
        let r = check(&client(&[&a, &b, &app]), "site-bucket", "app/index.html").await;
        assert_eq!(r.outcome, Outcome::Pass, "{}", r.details);
        assert!(r.details.contains("has app/index.html"), "{}", r.details);
        let Some(Evidence::S3(e)) = r.evidence else {
            panic!("no evidence")
        };
        assert_eq!(e.index.unwrap().key, "app/index.html");
    }

    #[tokio::test]
    async fn a_missing_index_html_fails() {
        let missing = mock!(Client::head_object)
            .sequence()
            .http_status(404, None)
            .repeatedly()
            .build();
        let (a, b) = (head_bucket_ok(), list_ok());
        let r = check(&client(&[&a, &b, &missing]), "empty-site", INDEX_KEY).await;
        assert_eq!(r.outcome, Outcome::Fail);
        assert!(r.details.contains("index.html is missing"), "{}", r.details);
        // What was seen before the failure is kept.
        let Some(Evidence::S3(e)) = r.evidence else {
            panic!("no s3 evidence")
        };
        assert_eq!(e.key_count, Some(2));
    }

    #[tokio::test]
    async fn no_such_bucket_from_the_listing_says_so_with_the_code() {
        let gone = mock!(Client::list_objects_v2)
            .sequence()
            .http_status(
                404,
                Some("<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><BucketName>gone</BucketName></Error>".into()),
            )
            .repeatedly()
            .build();
        let (a, c) = (head_bucket_ok(), head_index_ok());
        let r = check(&client(&[&a, &gone, &c]), "gone", INDEX_KEY).await;
        assert_eq!(r.outcome, Outcome::Fail);
        assert_eq!(r.details, "bucket gone does not exist");
        let error = r.error.expect("error recorded");
        assert_eq!(error.code.as_deref(), Some("NoSuchBucket"));
        assert_eq!(error.http_status, Some(404));
    }

    #[tokio::test]
    async fn access_denied_on_index_html_names_get_object() {
        let denied = mock!(Client::head_object)
            .sequence()
            .http_status(403, None)
            .repeatedly()
            .build();
        let (a, b) = (head_bucket_ok(), list_ok());
        let r = check(&client(&[&a, &b, &denied]), "half-open", INDEX_KEY).await;
        assert_eq!(r.outcome, Outcome::Fail);
        assert!(
            r.details.contains("access denied reading index.html")
                && r.details.contains("s3:GetObject"),
            "{}",
            r.details
        );
    }

    #[tokio::test]
    async fn persistent_throttling_fails_after_retries() {
        let slow_down = mock!(Client::list_objects_v2)
            .sequence()
            .http_status(
                503,
                Some("<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>".into()),
            )
            .repeatedly()
            .build();
        let (a, c) = (head_bucket_ok(), head_index_ok());
        let r = check(&client(&[&a, &slow_down, &c]), "busy", INDEX_KEY).await;
        assert_eq!(r.outcome, Outcome::Fail);
        assert!(
            r.details.contains("throttled") && r.details.contains("SlowDown"),
            "{}",
            r.details
        );
        assert_eq!(slow_down.num_calls(), 3, "retried up to the attempt limit");
    }
}
