//! The `cloudfront_aliases` custom check: the distribution serves every expected alias
//! (CNAME). It reads the distribution as the `cloudfront` check does; a distribution that
//! cannot be read fails the same way, and one that is missing an alias fails naming it.

use crate::model::{CheckResult, Evidence};

/// Checks that distribution `id` has every alias of `expected` (compared in lower case;
/// more aliases are fine).
pub async fn check(
    client: &aws_sdk_cloudfront::Client,
    id: &str,
    expected: &[String],
) -> CheckResult {
    let read = super::cloudfront::check(client, id).await;
    let aliases = match &read.evidence {
        Some(Evidence::Cloudfront(e)) if e.domain_name.is_some() => e.aliases.clone(),
        _ => return read,
    };
    let mut result = judge(id, expected, &aliases);
    result.evidence = read.evidence;
    result
}

fn judge(id: &str, expected: &[String], aliases: &[String]) -> CheckResult {
    let served: Vec<String> = aliases.iter().map(|a| a.to_ascii_lowercase()).collect();
    let missing: Vec<&str> = expected
        .iter()
        .filter(|e| !served.contains(&e.to_ascii_lowercase()))
        .map(String::as_str)
        .collect();
    if missing.is_empty() {
        return CheckResult::pass(format!(
            "distribution {id} serves every expected alias ({})",
            expected.join(", ")
        ));
    }
    let has = if aliases.is_empty() {
        "it has no alias".to_string()
    } else {
        format!("it serves {}", aliases.join(", "))
    };
    CheckResult::fail(format!(
        "distribution {id} does not serve {} ({has})",
        missing.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Outcome;

    #[test]
    fn every_expected_alias_must_be_served_in_any_case() {
        let served = ["WWW.example.com".to_string(), "example.com".to_string()];
        let ok = judge("E1", &["www.example.com".into()], &served);
        assert_eq!(ok.outcome, Outcome::Pass, "{}", ok.details);
        let missing = judge(
            "E1",
            &["www.example.com".into(), "api.example.com".into()],
            &served,
        );
        assert_eq!(missing.outcome, Outcome::Fail);
        assert_eq!(
            missing.details,
            "distribution E1 does not serve api.example.com (it serves WWW.example.com, example.com)"
        );
        let none = judge("E1", &["a.example.com".into()], &[]);
        assert!(
            none.details.ends_with("(it has no alias)"),
            "{}",
            none.details
        );
    }
}
