//! The JSON report (`diagnose-summary.json`), pretty-printed. `<`, `>`, `&` and backticks
//! inside strings are written as `\u` escapes: the same bytes can then sit inside a
//! markdown code fence or an HTML page without closing it or being read as markup. So are
//! the invisible format characters (bidi overrides, zero-width marks) and the line and
//! paragraph separators: the values stay exactly what they were, but no reader of the
//! file or of its copy in the step summary sees text reordered or hidden.

use super::Renderer;
use crate::model::Report;

pub struct Json;

impl Renderer for Json {
    fn render(&self, report: &Report) -> String {
        escaped_json(report)
    }
}

/// `value` as pretty JSON and a newline, its strings escaped as the report's are.
pub fn escaped_json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    let raw = serde_json::to_string_pretty(value).expect("a serialisable value serialises");
    // These characters never occur in JSON outside strings, so replacing them
    // everywhere escapes exactly the string contents.
    let mut out = String::with_capacity(raw.len() + 1);
    for c in raw.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '`' => out.push_str("\\u0060"),
            c if crate::text::is_format(c) || matches!(c, '\u{2028}' | '\u{2029}') => {
                for unit in c.encode_utf16(&mut [0; 2]) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_invisible_characters_are_escaped_and_mean_the_same() {
        let mut report: Report = serde_json::from_str(
            r#"{"correlation_id":"x","requester":"r","checks":{},"conclusion":"success"}"#,
        )
        .unwrap();
        report.requester = "<b>&`a\u{202E}b\u{200B}\u{2028}\u{E0041}é✅".into();
        let json = Json.render(&report);
        assert!(
            json.contains(
                r#""requester": "\u003cb\u003e\u0026\u0060a\u202eb\u200b\u2028\udb40\udc41é✅""#
            ),
            "{json}"
        );
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back["requester"], report.requester.as_str());
    }
}
