//! Outside text made safe for the summary: one line for prose and table cells (no markup,
//! no HTML, no link or mention), code spans and fenced blocks that nothing inside can close,
//! and lines the Actions runner would obey defused.

use crate::text::{one_line, printable};

/// An invisible break, as an entity: it stops GitHub from turning `www.host`,
/// `scheme://host` and `user@host` in outside text into links (and `@name` into a
/// mention), while the text reads the same.
const NO_LINK: &str = "&#8203;";

/// Escapes one line of outside text for markdown prose or a table cell: no markup, no
/// HTML, no line break, no link.
pub fn escape_inline(s: &str) -> String {
    let text = one_line(s);
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        match c {
            // `://`: the break goes after the colon.
            ':' if text[i..].starts_with("://") => {
                out.push(':');
                out.push_str(NO_LINK);
            }
            '@' => {
                out.push('@');
                out.push_str(NO_LINK);
            }
            // `www.` (any case): the break goes before the dot.
            '.' if i
                .checked_sub(3)
                .and_then(|start| text.get(start..i))
                .is_some_and(|w| w.eq_ignore_ascii_case("www")) =>
            {
                out.push_str(NO_LINK);
                out.push('.');
            }
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            // Emphasis, code spans, links, table cells, strikethrough and math; text here
            // never starts a line, so line-start syntax (headings, lists) needs nothing.
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '$' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// One line of outside text as an inline code span — shown as it is, never a link, and
/// copyable without hidden characters: for URLs and names. The fence is longer than any
/// backtick run inside; in a table cell a `|` is escaped (GitHub splits cells before it
/// reads code spans).
pub fn code_span(s: &str, in_table: bool) -> String {
    let mut text = one_line(s);
    if in_table {
        text = text.replace('|', "\\|");
    }
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    // A space on each side when the text starts or ends with a backtick (CommonMark strips
    // one space on each side), or is empty.
    if text.is_empty() || text.starts_with('`') || text.ends_with('`') {
        format!("{fence} {text} {fence}")
    } else {
        format!("{fence}{text}{fence}")
    }
}

/// A fenced code block that no content can close: the fence is longer than any run of
/// backticks inside. A line that the GitHub Actions runner would read as a workflow
/// command (`::error::…`, `::add-mask::…`, `##[set-output …]`, after any leading
/// whitespace) starts with a zero-width space instead, so markdown printed to a job's log
/// cannot command the runner; the text reads the same.
pub fn code_block(lang: &str, content: &str) -> String {
    let content = defuse_commands(&printable(content));
    let mut longest = 0;
    let mut run = 0;
    for c in content.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat((longest + 1).max(3));
    let mut out = format!("{fence}{lang}\n{content}");
    if !content.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&fence);
    out.push('\n');
    out
}

/// Every line that the runner would take for a workflow command, started with U+200B
/// (which the runner does not trim as whitespace).
pub fn defuse_commands(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let start = line.trim_start();
        if start.starts_with("::") || start.starts_with("##[") {
            out.push('\u{200B}');
        }
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_escaping_neutralises_tables_html_and_lines() {
        let s = escape_inline("a|b <script>x</script>\n## h `c` [l](u)");
        assert!(!s.contains('\n'));
        assert!(!s.contains("<script>"));
        assert!(s.contains("a\\|b"));
        assert!(s.contains("\\`c\\`"));
    }

    #[test]
    fn outside_text_never_becomes_a_link_or_a_mention() {
        let cases = [
            ("see www.evil.com now", "see www&#8203;.evil.com now"),
            ("WWW.Evil.com", "WWW&#8203;.Evil.com"),
            ("https://evil.com/x", "https:&#8203;//evil.com/x"),
            ("mail bob@evil.com", "mail bob@&#8203;evil.com"),
            ("@everyone", "@&#8203;everyone"),
            // Broken even where GitHub would not link it: harmless.
            ("a.www.b", "a.www&#8203;.b"),
            // Not a link: untouched.
            ("ww.x", "ww.x"),
            ("time 10:30", "time 10:30"),
            ("€w.x", "€w.x"),
            ("€ww.x", "€ww.x"),
            ("éwww.x", "éwww&#8203;.x"),
        ];
        for (text, escaped) in cases {
            assert_eq!(escape_inline(text), escaped, "{text}");
        }
    }

    #[test]
    fn lines_the_runner_would_obey_are_defused_in_code_blocks() {
        let body = "ok\n::error::pwned\n  ::add-mask::x\n\t##[set-output name=a;]b\n::remote-hands-report-begin::x\nnot :: this\n";
        let block = code_block("text", body);
        for line in block.lines() {
            let start = line.trim_start();
            assert!(
                !start.starts_with("::") && !start.starts_with("##["),
                "{line:?} in {block}"
            );
        }
        assert!(block.contains("\u{200B}::error::pwned\n"), "{block}");
        assert!(block.contains("\u{200B}  ::add-mask::x\n"), "{block}");
        assert!(block.contains("\u{200B}\t##[set-output"), "{block}");
        assert!(block.contains("\nok\n"), "{block}");
        assert!(block.contains("\nnot :: this\n"), "{block}");
        // A zero-width space that came from outside is neutralised: only ours remain.
        let block = code_block("text", "\u{200B}::error::x");
        assert!(block.contains("\n\u{FFFD}::error::x"), "{block}");
        assert!(!block.contains('\u{200B}'), "{block}");
    }

    #[test]
    fn code_spans_hold_any_text() {
        let cases = [
            ("https://x.example/a", false, "`https://x.example/a`"),
            ("a`b", false, "``a`b``"),
            ("`a``", false, "``` `a`` ```"),
            ("", false, "`  `"),
            ("a|b", true, "`a\\|b`"),
            ("a|b", false, "`a|b`"),
            ("a\nb\u{202E}", false, "`a b\u{FFFD}`"),
        ];
        for (text, in_table, span) in cases {
            assert_eq!(code_span(text, in_table), span, "{text:?}");
        }
    }

    #[test]
    fn code_blocks_cannot_be_closed_from_inside() {
        let block = code_block("text", "x\n````\ny");
        assert!(block.starts_with("`````text\n"), "{block}");
        assert!(block.ends_with("\n`````\n"), "{block}");
    }
}
