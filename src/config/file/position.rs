//! Positions in the configuration file: a byte offset as `line:column` (both from 1, the
//! column in characters), the table an offset sits in (`[env.dev]`, `[[check]]
//! "login_page"`), and the one-line error that names them: `remote-hands.toml:12:7: …`.

use std::ops::Range;

use crate::config::ConfigError;
use crate::text::{cap, one_line};

/// The text of a configuration file and the name its errors give it.
pub struct Source<'a> {
    pub name: &'a str,
    pub text: &'a str,
}

impl Source<'_> {
    /// `line:column` of byte `offset` (clamped to the text, and to a character boundary).
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        (line, column)
    }

    /// `name:line:column` of `offset`, as errors name the input.
    pub fn at(&self, offset: usize) -> String {
        let (line, column) = self.line_col(offset);
        format!("{}:{line}:{column}", self.name)
    }

    /// An error at the start of `span`.
    pub fn error(&self, span: &Range<usize>, message: impl Into<String>) -> ConfigError {
        ConfigError::new(self.at(span.start), message)
    }

    /// The table `offset` sits in, as messages name it: `[env.dev]`, `[[check]] "login_page"`,
    /// or `the top level`.
    pub fn table_at(&self, offset: usize) -> String {
        let offset = offset.min(self.text.len());
        let lines: Vec<(usize, &str)> = self
            .text
            .split_inclusive('\n')
            .scan(0, |start, line| {
                let at = *start;
                *start += line.len();
                Some((at, line))
            })
            .collect();
        let header = lines
            .iter()
            .rposition(|(at, line)| *at <= offset && line.trim_start().starts_with('['));
        let Some(h) = header else {
            return "the top level".into();
        };
        let name = lines[h]
            .1
            .split('#')
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        if !name.starts_with("[[") {
            return name;
        }
        let id = lines[h + 1..]
            .iter()
            .take_while(|(_, line)| !line.trim_start().starts_with('['))
            .find_map(|(_, line)| table_id(line));
        match id {
            Some(id) => format!("{name} {id:?}"),
            None => name,
        }
    }

    /// A parse error of the `toml` crate (syntax, unknown key, wrong type) as one line at
    /// its position, in the table it occurred in.
    pub fn parse_error(&self, e: &toml::de::Error) -> ConfigError {
        let offset = e.span().map_or(0, |s| s.start);
        let message = reword(&one_line(e.message()));
        let table = self.table_at(offset);
        let message = match message.split_once(", expected") {
            Some((what, expected)) if e.span().is_some() => {
                format!("{what} in {table}, expected{expected}")
            }
            _ => format!("{message} (in {table})"),
        };
        ConfigError::new(self.at(offset), cap(&message, 600))
    }
}

/// `id = "x"` on a line: `x`.
fn table_id(line: &str) -> Option<String> {
    let (key, value) = line.split_once('=')?;
    if key.trim() != "id" {
        return None;
    }
    let value = value.split('#').next()?.trim();
    let value = value.strip_prefix('"')?.strip_suffix('"')?;
    Some(value.to_string())
}

/// serde's words as the file's reader knows them: keys, not fields; the expected keys as a
/// plain list.
fn reword(message: &str) -> String {
    let message = message
        .replace("unknown field", "unknown key")
        .replace("missing field", "missing key")
        .replace("invalid type:", "wrong type:");
    match message.split_once(", expected one of ") {
        Some((what, list)) => format!("{what}, expected one of: {}", list.replace('`', "")),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_lines_and_columns_counted_in_characters() {
        let s = Source {
            name: "f.toml",
            text: "a = 1\nbé = \"x\"\n",
        };
        assert_eq!(s.line_col(0), (1, 1));
        assert_eq!(s.line_col(6), (2, 1));
        // After the two-byte é, the column counts it once.
        assert_eq!(s.line_col(9), (2, 3));
        assert_eq!(s.line_col(8), (2, 2)); // inside é: its start
        assert_eq!(s.at(10_000), "f.toml:3:1");
    }

    #[test]
    fn the_table_of_an_offset_names_the_check_by_its_id() {
        let text = "x = 1\n[env.dev]\nbucket = 1\n[[check]]\nurl = \"/\"\nid = \"login\" # c\n";
        let s = Source { name: "f", text };
        assert_eq!(s.table_at(2), "the top level");
        assert_eq!(s.table_at(text.find("bucket").unwrap()), "[env.dev]");
        assert_eq!(s.table_at(text.find("url").unwrap()), "[[check]] \"login\"");
    }
}
