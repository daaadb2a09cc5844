//! Small text helpers shared by checks and renderers: capping, URL redaction, and
//! neutralising control characters in text that came from outside.

use url::Url;

/// `s` cut to at most `max` characters, ending in `…` when cut.
pub fn cap(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The URL as reports show it: any password and query values replaced by `***`.
pub fn redact_url(url: &Url) -> String {
    let mut shown = url.clone();
    if shown.password().is_some() {
        let _ = shown.set_password(Some("***"));
    }
    if shown.query().is_some() {
        let pairs: Vec<(String, String)> = shown
            .query_pairs()
            .map(|(k, _)| (k.into_owned(), "***".to_string()))
            .collect();
        shown.query_pairs_mut().clear().extend_pairs(pairs);
    }
    shown.to_string()
}

/// Replaces control characters (escape sequences, carriage returns, NULs…) with `�`, and
/// newlines and tabs with spaces: for one-line text that came from outside.
pub fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\n' | '\t' => ' ',
            c if c.is_control() => '\u{fffd}',
            c => c,
        })
        .collect()
}

/// Like [`one_line`] but keeps newlines and tabs: for multi-line excerpts.
pub fn printable(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\n' | '\t' => c,
            '\r' => '\n',
            c if c.is_control() => '\u{fffd}',
            c => c,
        })
        .collect()
}

/// An error and its sources, as one line of their messages ("a: b: c"), repeats dropped.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e;
    while let Some(next) = cur.source() {
        let s = next.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = next;
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_by_characters() {
        assert_eq!(cap("héllo", 10), "héllo");
        assert_eq!(cap("héllo", 3), "hé…");
    }

    #[test]
    fn redacts_passwords_and_query_values() {
        let u = Url::parse("https://user:secret@x.example/p?token=abc&v=1").unwrap();
        let shown = redact_url(&u);
        assert!(
            !shown.contains("secret") && !shown.contains("abc"),
            "{shown}"
        );
        assert!(
            shown.contains("user") && shown.contains("token="),
            "{shown}"
        );
    }

    #[test]
    fn neutralises_controls() {
        assert_eq!(one_line("a\nb\u{1b}[31m"), "a b\u{fffd}[31m");
        assert_eq!(printable("a\r\nb\u{0}"), "a\n\nb\u{fffd}");
    }
}
