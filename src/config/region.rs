//! The shape of an AWS region, and the region a near miss was probably meant to be: a
//! flag, a variable or a profile's region of the wrong shape is a configuration error
//! that says which region was meant (`us-east1` → `us-east-1`).

use super::ConfigError;
use crate::text::cap;

/// The regions the SDK's endpoint rules know (its partitions), used to suggest a region
/// when a value is almost one. A region missing here is still accepted when its shape is
/// right: new regions keep coming.
pub const KNOWN_REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-gov-east-1",
    "us-gov-west-1",
    "cn-north-1",
    "cn-northwest-1",
    "eusc-de-east-1",
    "eu-isoe-west-1",
    "us-iso-east-1",
    "us-iso-west-1",
    "us-isob-east-1",
    "us-isob-west-1",
    "us-isof-east-1",
    "us-isof-south-1",
];

/// Whether `v` has the shape of an AWS region in any partition: `us-east-1`,
/// `us-gov-west-1`, `us-isob-east-1`, `cn-north-1`, `eusc-de-east-1`. That is two letters
/// (or `eusc`), optionally `gov`, `iso…` (or for `eusc` a two-letter country), a direction
/// of letters, and a number of one or two digits, joined by hyphens.
pub fn is_region_shape(v: &str) -> bool {
    let parts: Vec<&str> = v.split('-').collect();
    let letters = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase());
    let (first, last) = match (parts.first(), parts.last()) {
        (Some(f), Some(l)) => (*f, *l),
        _ => return false,
    };
    let first_ok = (first.len() == 2 && letters(first)) || first == "eusc";
    let number_ok = (1..=2).contains(&last.len()) && last.bytes().all(|b| b.is_ascii_digit());
    let middle_ok = match parts.len() {
        3 => letters(parts[1]) && first != "eusc",
        4 => {
            let qualifier = parts[1];
            let qualifier_ok = if first == "eusc" {
                qualifier.len() == 2 && letters(qualifier)
            } else {
                qualifier == "gov" || (qualifier.starts_with("iso") && letters(qualifier))
            };
            qualifier_ok && letters(parts[2])
        }
        _ => false,
    };
    first_ok && number_ok && middle_ok
}

/// A region `v` was probably meant to be: the same in lower case with hyphens for
/// underscores or spaces, or with the hyphen before the number put back (`us-east1`), or
/// else the known region within two edits.
pub fn suggest_region(v: &str) -> Option<String> {
    if v.chars().count() > 40 {
        return None;
    }
    let normalised: String = v
        .trim()
        .chars()
        .map(|c| match c {
            '_' | ' ' | '.' => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    if normalised != v && is_region_shape(&normalised) {
        return Some(normalised);
    }
    let digits = normalised
        .bytes()
        .rev()
        .take_while(u8::is_ascii_digit)
        .count();
    if digits > 0 && digits < normalised.len() {
        let (head, number) = normalised.split_at(normalised.len() - digits);
        if !head.ends_with('-') {
            let fixed = format!("{head}-{number}");
            if is_region_shape(&fixed) {
                return Some(fixed);
            }
        }
    }
    KNOWN_REGIONS
        .iter()
        .map(|r| (edit_distance(&normalised, r), *r))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, r)| r.to_string())
}

/// Levenshtein distance between two short strings.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = prev[j] + usize::from(ca != cb);
            cur[j + 1] = substitution.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Checks the shape of a region; on a near miss the message says which region was meant.
pub fn validate_region(input: &str, v: String) -> Result<String, ConfigError> {
    if is_region_shape(&v) {
        return Ok(v);
    }
    let hint = suggest_region(&v)
        .map(|s| format!("; did you mean {s}?"))
        .unwrap_or_default();
    Err(ConfigError::new(
        input,
        format!(
            "{:?} is not an AWS region (expected the shape of us-east-1, eu-central-2 or us-gov-west-1){hint}",
            cap(&v, 64)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_must_have_the_shape_of_a_region() {
        for good in [
            "us-east-1",
            "eu-central-2",
            "ap-southeast-4",
            "us-gov-west-1",
            "cn-north-1",
            "il-central-1",
            "mx-central-1",
            "us-isob-east-1",
            "eu-isoe-west-1",
            "eusc-de-east-1",
            "xx-newplace-12",
        ] {
            assert!(is_region_shape(good), "{good}");
            assert_eq!(validate_region("--region", good.into()).unwrap(), good);
        }
        for bad in [
            "us-east1",
            "useast1",
            "US-EAST-1",
            "us-east-",
            "us-east-123",
            "use-east-1",
            "us--east-1",
            "us-foo-west-1",
            "eusc-east-1",
            "",
            "-",
            "us-east-1 ",
        ] {
            assert!(!is_region_shape(bad), "{bad}");
        }
    }

    #[test]
    fn a_near_miss_region_gets_a_suggestion() {
        for (typed, meant) in [
            ("us-east1", "us-east-1"),
            ("eu-central2", "eu-central-2"),
            ("US-EAST-1", "us-east-1"),
            ("us_west_2", "us-west-2"),
            ("useast1", "us-east-1"),
            ("use-east-1", "us-east-1"),
            ("ap-southeast4", "ap-southeast-4"),
            ("us-gov-west1", "us-gov-west-1"),
            ("eu-west", "eu-west-1"),
        ] {
            assert_eq!(suggest_region(typed).as_deref(), Some(meant), "{typed}");
            let e = validate_region("AWS_REGION (environment)", typed.into()).unwrap_err();
            assert_eq!(e.input, "AWS_REGION (environment)");
            assert!(e.message.contains(&format!("did you mean {meant}?")), "{e}");
        }
        for far in ["mars", "nowhere-at-all", &"x".repeat(500)] {
            assert_eq!(suggest_region(far), None, "{far}");
            let e = validate_region("--region", far.to_string()).unwrap_err();
            assert!(!e.message.contains("did you mean"), "{e}");
            assert!(e.message.len() < 200, "capped: {e}");
        }
    }
}
