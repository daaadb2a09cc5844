//! Small text helpers shared by checks and renderers: capping, URL redaction (in URLs and
//! in any message that quotes one), and neutralising text that came from outside — control
//! characters, and the invisible format characters (bidi overrides, zero-width marks) that
//! would make a text display as something it is not.

use url::Url;

/// What stands in for a redacted secret.
pub const REDACTED: &str = "***";

/// `s` cut to at most `max` characters, ending in `…` when cut.
pub fn cap(s: &str, max: usize) -> String {
    capped(s, max, false)
}

/// [`cap`] for text with backslash escapes (Discord markdown): a cut never leaves an
/// escaping backslash dangling before the `…`.
pub fn cap_escaped(s: &str, max: usize) -> String {
    capped(s, max, true)
}

/// The one way text is cut: the first `max - 1` characters and `…`; with `escapes`, a
/// backslash that the cut left escaping nothing is dropped too.
fn capped(s: &str, max: usize, escapes: bool) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    if escapes && out.ends_with('\\') && !out.ends_with("\\\\") {
        out.pop();
    }
    out.push('…');
    out
}

/// The URL as reports and messages show it: the user name and password (often a token),
/// every query value (and a bare query key) and the fragment replaced by `***`. Query keys
/// with a value stay, so a reader still sees which parameters there were.
pub fn redact_url(url: &Url) -> String {
    let mut shown = url.clone();
    if !shown.username().is_empty() {
        let _ = shown.set_username(REDACTED);
    }
    if shown.password().is_some() {
        let _ = shown.set_password(Some(REDACTED));
    }
    if shown.query().is_some() {
        let pairs: Vec<(String, String)> = shown
            .query_pairs()
            .map(|(k, v)| {
                if v.is_empty() {
                    (REDACTED.to_string(), String::new())
                } else {
                    (k.into_owned(), REDACTED.to_string())
                }
            })
            .collect();
        shown.query_pairs_mut().clear().extend_pairs(pairs);
    }
    if shown.fragment().is_some() {
        shown.set_fragment(Some(REDACTED));
    }
    shown.to_string()
}

/// `message` with every URL in it (anything shaped `scheme://…`) redacted as
/// [`redact_url`] does; a URL that does not parse keeps only its scheme. Error texts of
/// HTTP libraries quote the URL they were given, query string and all.
pub fn redact_urls_in(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find("://") {
        let scheme_start = rest[..at]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
            .map_or(0, |i| i + 1);
        let tail = &rest[at + 3..];
        let end = at
            + 3
            + tail
                .find(|c: char| c.is_whitespace() || c.is_control() || "\"'<>`)]}".contains(c))
                .unwrap_or(tail.len());
        // Sentence punctuation right after a URL is not part of it.
        let end = scheme_start
            + rest[scheme_start..end]
                .trim_end_matches(['.', ',', ';', ':', '!', '?'])
                .len();
        out.push_str(&rest[..scheme_start]);
        let candidate = &rest[scheme_start..end];
        if scheme_start == at {
            // "://" with no scheme before it: not a URL.
            out.push_str("://");
            rest = &rest[at + 3..];
            continue;
        }
        if end == at + 3 {
            // Nothing after "://" ("an http:// URL"): nothing to hide.
            out.push_str(candidate);
            rest = &rest[end..];
            continue;
        }
        match Url::parse(candidate) {
            Ok(url) => out.push_str(&redact_url(&url)),
            Err(_) => {
                out.push_str(&rest[scheme_start..at + 3]);
                out.push_str(REDACTED);
            }
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Whether `c` is an invisible format character that can change how the text around it
/// displays or reads: bidirectional embeddings, overrides and isolates, zero-width spaces
/// and joiners, the word joiner and invisible operators, the byte-order mark, interlinear
/// annotations, language tags (Unicode's `Cf` characters that matter for display).
pub fn is_format(c: char) -> bool {
    matches!(c,
        '\u{00AD}'
        | '\u{061C}'
        | '\u{180E}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206F}'
        | '\u{FEFF}'
        | '\u{FFF9}'..='\u{FFFB}'
        | '\u{E0001}'
        | '\u{E0020}'..='\u{E007F}'
    )
}

/// One line of outside text: newlines, tabs and the line and paragraph separators become
/// spaces; other control characters (escape sequences, carriage returns, NULs…) and
/// format characters (see [`is_format`]) become `�`.
pub fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\n' | '\t' | '\u{2028}' | '\u{2029}' => ' ',
            c if c.is_control() || is_format(c) => '\u{fffd}',
            c => c,
        })
        .collect()
}

/// Like [`one_line`] but keeps newlines and tabs (a carriage return becomes a newline):
/// for multi-line excerpts.
pub fn printable(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\n' | '\t' => c,
            '\r' | '\u{2028}' | '\u{2029}' => '\n',
            c if c.is_control() || is_format(c) => '\u{fffd}',
            c => c,
        })
        .collect()
}

/// An error and its sources, as one line of their messages ("a: b: c"), a message that
/// an earlier one already quotes left out, and every URL in it redacted.
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
    redact_urls_in(&parts.join(": "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_by_characters() {
        assert_eq!(cap("héllo", 10), "héllo");
        assert_eq!(cap("héllo", 5), "héllo");
        assert_eq!(cap("héllo", 4), "hél…");
        assert_eq!(cap("héllo", 3), "hé…");
        assert_eq!(cap("héllo", 1), "…");
        assert_eq!(cap("", 0), "");
    }

    #[test]
    fn a_cut_in_escaped_text_leaves_no_dangling_backslash() {
        assert_eq!(cap_escaped(r"a\*b", 10), r"a\*b");
        // Cut right after an escaping backslash: it goes too.
        assert_eq!(cap_escaped(r"ab\*cd", 4), "ab…");
        assert_eq!(cap(r"ab\*cd", 4), "ab\\…");
        // An escaped backslash stays whole.
        assert_eq!(cap_escaped(r"ab\\cd", 5), r"ab\\…");
        assert_eq!(cap_escaped(r"ab\*cd", 5), r"ab\*…");
        assert_eq!(cap_escaped("héllo", 4), "hél…");
        assert_eq!(cap_escaped("", 0), "");
    }

    #[test]
    fn redacts_every_secret_part_of_a_url() {
        let cases = [
            (
                "https://user:secret@x.example/p?token=abc&v=1#frag",
                "https://***:***@x.example/p?token=***&v=***#***",
            ),
            // A token as the user name, no password.
            ("https://ghp_abc@x.example/", "https://***@x.example/"),
            // A bare key is as secret as a value.
            ("https://x.example/?s3cr3t", "https://x.example/?***="),
            (
                "https://x.example/a#access_token=s3cr3t",
                "https://x.example/a#***",
            ),
            // Nothing secret: unchanged.
            ("https://x.example/a/b", "https://x.example/a/b"),
            ("http://127.0.0.1:8080/", "http://127.0.0.1:8080/"),
        ];
        for (url, shown) in cases {
            assert_eq!(redact_url(&Url::parse(url).unwrap()), shown, "{url}");
        }
    }

    #[test]
    fn redacts_the_urls_inside_a_message() {
        let cases = [
            (
                "error sending request for url (http://127.0.0.1:1/?token=SECRET)",
                "error sending request for url (http://127.0.0.1:1/?token=***)",
            ),
            (
                "redirect to https://evil.example/x?sig=SECRET. refused",
                "redirect to https://evil.example/x?sig=***. refused",
            ),
            (
                "two: http://a.example/?k=1, and 'https://u:p@b.example/#f'",
                "two: http://a.example/?k=***, and 'https://***:***@b.example/#***'",
            ),
            // Not a URL that parses: only the scheme stays.
            ("see http://[bad/?k=SECRET now", "see http://*** now"),
            // No scheme before "://": left as it is.
            ("a :// b", "a :// b"),
            ("an http:// or https:// URL", "an http:// or https:// URL"),
            ("no url at all", "no url at all"),
            ("", ""),
            (
                "ends with http://x.example/?t=S",
                "ends with http://x.example/?t=***",
            ),
            ("<https://x.example/?t=S>", "<https://x.example/?t=***>"),
        ];
        for (message, shown) in cases {
            assert_eq!(redact_urls_in(message), shown, "{message}");
        }
    }

    #[test]
    fn neutralises_controls() {
        assert_eq!(one_line("a\nb\u{1b}[31m"), "a b\u{fffd}[31m");
        assert_eq!(
            one_line("a\tb\r\u{0}\u{7f}\u{9b}"),
            "a b\u{fffd}\u{fffd}\u{fffd}\u{fffd}"
        );
        assert_eq!(printable("a\r\nb\u{0}\tc"), "a\n\nb\u{fffd}\tc");
        assert_eq!(printable("\u{1b}]8;;x\u{7}"), "\u{fffd}]8;;x\u{fffd}");
    }

    #[test]
    fn neutralises_format_characters() {
        // "evil.com" shown reversed by a right-to-left override, hidden zero-width marks,
        // an isolate, a byte-order mark, a language tag.
        let spoof = "moc.live\u{202E}\u{200B}x\u{2066}y\u{FEFF}\u{E0041}\u{061C}\u{00AD}";
        let expected = "moc.live\u{fffd}\u{fffd}x\u{fffd}y\u{fffd}\u{fffd}\u{fffd}\u{fffd}";
        assert_eq!(one_line(spoof), expected);
        assert_eq!(printable(spoof), expected);
        assert_eq!(one_line("a\u{2028}b\u{2029}c"), "a b c");
        assert_eq!(printable("a\u{2028}b\u{2029}c"), "a\nb\nc");
        // Every edge of every range, and just outside it.
        for c in [
            '\u{00AD}',
            '\u{061C}',
            '\u{180E}',
            '\u{200B}',
            '\u{200F}',
            '\u{202A}',
            '\u{202E}',
            '\u{2060}',
            '\u{2064}',
            '\u{2066}',
            '\u{206F}',
            '\u{FEFF}',
            '\u{FFF9}',
            '\u{FFFB}',
            '\u{E0001}',
            '\u{E0020}',
            '\u{E007F}',
        ] {
            assert!(is_format(c), "{:04X} is a format character", c as u32);
        }
        for c in [
            'a',
            '\u{00AC}',
            '\u{00AE}',
            '\u{061B}',
            '\u{061D}',
            '\u{180D}',
            '\u{180F}',
            '\u{200A}',
            '\u{2010}',
            '\u{2029}',
            '\u{202F}',
            '\u{205F}',
            '\u{2065}',
            '\u{2070}',
            '\u{FEFE}',
            '\u{FF00}',
            '\u{FFF8}',
            '\u{FFFC}',
            '\u{E0000}',
            '\u{E0002}',
            '\u{E001F}',
            '\u{E0080}',
            'é',
            '🟢',
        ] {
            assert!(!is_format(c), "{:04X} is not a format character", c as u32);
        }
        // Text that is fine passes untouched.
        assert_eq!(one_line("héllo wörld ✅"), "héllo wörld ✅");
        assert_eq!(printable("héllo\nwörld ✅"), "héllo\nwörld ✅");
    }

    #[derive(Debug)]
    struct Chain(&'static str, Option<Box<Chain>>);

    impl std::fmt::Display for Chain {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl std::error::Error for Chain {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_deref().map(|c| c as _)
        }
    }

    #[test]
    fn an_error_chain_is_one_line_of_its_messages() {
        let e = Chain(
            "request failed for http://x.example/?token=SECRET",
            Some(Box::new(Chain(
                "connect error",
                Some(Box::new(Chain("refused", None))),
            ))),
        );
        assert_eq!(
            error_chain(&e),
            "request failed for http://x.example/?token=***: connect error: refused"
        );
        // A source the message already quotes is said once.
        let e = Chain(
            "tcp connect error: refused",
            Some(Box::new(Chain("refused", None))),
        );
        assert_eq!(error_chain(&e), "tcp connect error: refused");
        assert_eq!(error_chain(&Chain("alone", None)), "alone");
    }
}
