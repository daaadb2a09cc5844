//! The JSON report (`diagnose-summary.json`), pretty-printed. `<`, `>`, `&` and backticks
//! inside strings are written as `\u` escapes: the same bytes can then sit inside a
//! markdown code fence or an HTML page without closing it or being read as markup.

use super::Renderer;
use crate::model::Report;

pub struct Json;

impl Renderer for Json {
    fn render(&self, report: &Report) -> String {
        let raw = serde_json::to_string_pretty(report).expect("the report model always serialises");
        // These characters never occur in JSON outside strings, so replacing them
        // everywhere escapes exactly the string contents.
        let mut out = String::with_capacity(raw.len() + 1);
        for c in raw.chars() {
            match c {
                '<' => out.push_str("\\u003c"),
                '>' => out.push_str("\\u003e"),
                '&' => out.push_str("\\u0026"),
                '`' => out.push_str("\\u0060"),
                c => out.push(c),
            }
        }
        out.push('\n');
        out
    }
}
