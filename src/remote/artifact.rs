//! Getting the report out of what a run left: the artifact zip (only the expected member,
//! size-capped while it is inflated, so neither path tricks nor zip bombs get anywhere —
//! nothing is ever written to disk), or, failing that, the job log, where
//! `remote-hands check` prints the JSON between two marker lines inside a stop-commands
//! bracket ([`crate::actions::log_block`]).
//!
//! The job log is read strictly, because parts of it are written by whoever started the
//! run: the runner prints a step's environment verbatim, and the lines after the first
//! of a multi-line value carry no timestamp. So a block is read only when every one of
//! its lines carries the runner's timestamp, when it sits inside the bracket, when it is
//! for the expected correlation ID, and when it is the only block in the log.

use std::io::{Cursor, Read};

use crate::actions::{LOG_BEGIN, LOG_END};

/// The file inside the artifact.
pub const REPORT_MEMBER: &str = "diagnose-summary.json";
/// Largest artifact zip downloaded.
pub const MAX_ZIP: u64 = 16 * 1024 * 1024;
/// Largest report accepted (inflated).
pub const MAX_REPORT: u64 = 4 * 1024 * 1024;
/// Largest job log read.
pub const MAX_LOG: u64 = 32 * 1024 * 1024;
/// How many names of other members an error shows.
pub const NAMES_SHOWN: usize = 10;
/// Longest member name shown, in characters.
const NAME_SHOWN_CHARS: usize = 80;

/// The runner's timestamp before each log line: `2026-11-25T05:00:00.1234567Z `, where
/// each `d` stands for a digit and every other byte is itself.
const TIMESTAMP: &[u8] = b"dddd-dd-ddTdd:dd:dd.dddddddZ ";
/// What opens the stop-commands bracket; the token follows.
const STOP_COMMANDS: &str = "::stop-commands::";
/// Length of the bracket's token (a UUID without hyphens, lowercase).
const TOKEN_LEN: usize = 32;

/// Why an artifact listed at `size_in_bytes` is not downloaded: more than [`MAX_ZIP`].
pub fn zip_too_big(size_in_bytes: u64) -> Option<String> {
    (size_in_bytes > MAX_ZIP).then(|| {
        format!("the artifact is {size_in_bytes} bytes, more than the {MAX_ZIP}-byte limit")
    })
}

/// The bytes of `diagnose-summary.json` at the top of the zip. Members with other names —
/// `../diagnose-summary.json`, `dir/diagnose-summary.json`, absolute paths — are ignored.
pub fn report_from_zip(zip: &[u8]) -> Result<Vec<u8>, String> {
    report_from_zip_capped(zip, MAX_REPORT)
}

/// [`report_from_zip`] with the cap on the inflated report as a parameter.
fn report_from_zip_capped(zip: &[u8], cap: u64) -> Result<Vec<u8>, String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(zip))
        .map_err(|e| format!("the artifact is not a readable zip: {e}"))?;
    let Some(index) = archive.index_for_name(REPORT_MEMBER) else {
        let others: Vec<String> = archive
            .file_names()
            .map(|n| match n {
                Ok(name) => name.into_owned(),
                Err(_) => "(an unreadable name)".to_string(),
            })
            .collect();
        return Err(format!(
            "the artifact holds no {REPORT_MEMBER} (it holds: {})",
            listing(&others)
        ));
    };
    let file = archive
        .by_index(index)
        .map_err(|e| format!("the artifact zip is damaged: {e}"))?;
    if file.size() > cap {
        return Err(format!(
            "{REPORT_MEMBER} in the artifact claims {} bytes, more than the {cap}-byte limit",
            file.size()
        ));
    }
    read_at_most(file, cap)
}

/// At most `cap` bytes from `reader`, more being an error: the cap holds while inflating,
/// whatever the zip's headers declared.
fn read_at_most(reader: impl Read, cap: u64) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    reader
        .take(cap + 1)
        .read_to_end(&mut body)
        .map_err(|e| format!("reading {REPORT_MEMBER} from the artifact: {e}"))?;
    if body.len() as u64 > cap {
        return Err(format!(
            "{REPORT_MEMBER} in the artifact inflates past the {cap}-byte limit"
        ));
    }
    Ok(body)
}

/// The first [`NAMES_SHOWN`] names, each one line and capped, and how many more there are.
fn listing(names: &[String]) -> String {
    if names.is_empty() {
        return "nothing".to_string();
    }
    let shown: Vec<String> = names
        .iter()
        .take(NAMES_SHOWN)
        .map(|n| crate::text::cap(&crate::text::one_line(n), NAME_SHOWN_CHARS))
        .collect();
    let mut out = shown.join(", ");
    if names.len() > NAMES_SHOWN {
        out.push_str(&format!(" and {} more", names.len() - NAMES_SHOWN));
    }
    out
}

/// The JSON of the report block in a job log, for `correlation_id`: `Ok(None)` when the
/// log holds no block, an error when it holds one that cannot be trusted (see the module
/// documentation) or more than one.
pub fn report_from_log(log: &str, correlation_id: &str) -> Result<Option<String>, String> {
    let lines: Vec<&str> = log
        .lines()
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    // Every line that opens a block counts, whether it carries a timestamp or not.
    let begins: Vec<usize> = (0..lines.len())
        .filter(|&i| {
            strip_timestamp(lines[i])
                .unwrap_or(lines[i])
                .trim_start()
                .starts_with(LOG_BEGIN)
        })
        .collect();
    let begin = match begins.as_slice() {
        [] => return Ok(None),
        [one] => *one,
        more => {
            return Err(format!(
                "the job log holds {} report blocks where the tool writes one; refusing to choose",
                more.len()
            ));
        }
    };
    let untimed = || {
        "a line of the report block in the job log lacks the runner's timestamp (it was not written by the tool)"
            .to_string()
    };
    let at = |i: usize| lines.get(i).copied().and_then(strip_timestamp);
    let id = at(begin)
        .ok_or_else(untimed)?
        .strip_prefix(LOG_BEGIN)
        .filter(|id| id.eq_ignore_ascii_case(correlation_id))
        .ok_or_else(|| {
            "the report block in the job log is not for this run's correlation ID".to_string()
        })?;
    let token = begin
        .checked_sub(1)
        .and_then(at)
        .and_then(|l| l.strip_prefix(STOP_COMMANDS))
        .filter(|t| is_token(t))
        .ok_or_else(|| {
            "the report block in the job log is not right after the tool's stop-commands line"
                .to_string()
        })?;
    let close = format!("{LOG_END}{id}");
    let mut json = String::new();
    for i in begin + 1..lines.len() {
        let line = at(i).ok_or_else(untimed)?;
        if line == close {
            return match at(i + 1) {
                Some(resume) if resume == format!("::{token}::") => Ok(Some(json)),
                _ => Err(
                    "the report block in the job log is not followed by the tool's resume-commands line"
                        .to_string(),
                ),
            };
        }
        json.push_str(line);
        json.push('\n');
    }
    Err("the report block in the job log is not closed".to_string())
}

/// Whether `t` is a stop-commands token as the tool writes it: 32 lowercase hex digits.
fn is_token(t: &str) -> bool {
    t.len() == TOKEN_LEN
        && t.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// `2026-11-25T05:00:00.1234567Z rest` → `rest`; `None` for a line without exactly that
/// timestamp (and one space) in front.
fn strip_timestamp(line: &str) -> Option<&str> {
    let bytes = line.as_bytes();
    if bytes.len() < TIMESTAMP.len() {
        return None;
    }
    let stamped = TIMESTAMP.iter().zip(bytes).all(|(&want, &got)| {
        if want == b'd' {
            got.is_ascii_digit()
        } else {
            got == want
        }
    });
    stamped.then(|| &line[TIMESTAMP.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        {
            let mut w = zip::ZipWriter::new(&mut out);
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            for (name, body) in members {
                w.start_file(*name, opts).unwrap();
                w.write_all(body).unwrap();
            }
            w.finish().unwrap();
        }
        out.into_inner()
    }

    #[test]
    fn the_caps_are_the_documented_sizes() {
        assert_eq!(MAX_ZIP, 16 << 20);
        assert_eq!(MAX_REPORT, 4 << 20);
        assert_eq!(MAX_LOG, 32 << 20);
        assert_eq!(NAMES_SHOWN, 10);
    }

    #[test]
    fn an_artifact_listed_above_the_zip_cap_is_not_downloaded() {
        assert_eq!(zip_too_big(0), None);
        assert_eq!(zip_too_big(MAX_ZIP - 1), None);
        assert_eq!(zip_too_big(MAX_ZIP), None);
        assert_eq!(
            zip_too_big(MAX_ZIP + 1).as_deref(),
            Some("the artifact is 16777217 bytes, more than the 16777216-byte limit")
        );
        assert!(zip_too_big(u64::MAX).is_some());
    }

    #[test]
    fn only_the_expected_member_is_read() {
        let zip = zip_of(&[
            ("../diagnose-summary.json", b"{\"evil\":1}"),
            ("diagnose-summary.json", b"{\"ok\":1}"),
            ("dir/diagnose-summary.json", b"{\"evil\":2}"),
        ]);
        assert_eq!(report_from_zip(&zip).unwrap(), b"{\"ok\":1}");
        let zip = zip_of(&[("../diagnose-summary.json", b"{}"), ("/etc/x", b"")]);
        let err = report_from_zip(&zip).unwrap_err();
        assert_eq!(
            err,
            "the artifact holds no diagnose-summary.json (it holds: ../diagnose-summary.json, /etc/x)"
        );
        let err = report_from_zip(&zip_of(&[])).unwrap_err();
        assert!(err.ends_with("(it holds: nothing)"), "{err}");
    }

    #[test]
    fn names_of_other_members_are_few_and_neutralised() {
        let names: Vec<String> = (0..11).map(|i| format!("f{i}")).collect();
        assert_eq!(
            listing(&names[..10]),
            "f0, f1, f2, f3, f4, f5, f6, f7, f8, f9"
        );
        assert_eq!(
            listing(&names),
            "f0, f1, f2, f3, f4, f5, f6, f7, f8, f9 and 1 more"
        );
        assert_eq!(listing(&names[..1]), "f0");
        assert_eq!(listing(&[]), "nothing");
        let odd = vec![format!("\u{1b}]0;pwned\u{7}\u{1b}[2J{}", "x".repeat(200))];
        let shown = listing(&odd);
        assert!(!shown.chars().any(char::is_control), "{shown:?}");
        assert_eq!(shown.chars().count(), NAME_SHOWN_CHARS);
        // Through the zip too: 60 names, 10 shown.
        let members: Vec<(String, Vec<u8>)> = (0..60)
            .map(|i| (format!("\u{1b}[31mm{i}"), vec![]))
            .collect();
        let refs: Vec<(&str, &[u8])> = members
            .iter()
            .map(|(n, b)| (n.as_str(), b.as_slice()))
            .collect();
        let err = report_from_zip(&zip_of(&refs)).unwrap_err();
        assert!(err.ends_with("and 50 more)"), "{err}");
        assert!(!err.contains('\u{1b}'), "{err:?}");
    }

    /// A zip whose report is `size` spaces.
    fn report_of(size: u64) -> Vec<u8> {
        zip_of(&[("diagnose-summary.json", &vec![b' '; size as usize])])
    }

    #[test]
    fn the_report_cap_holds_at_its_boundary() {
        let cap = 1000;
        assert_eq!(
            report_from_zip_capped(&report_of(cap - 1), cap)
                .unwrap()
                .len(),
            999
        );
        assert_eq!(
            report_from_zip_capped(&report_of(cap), cap).unwrap().len(),
            1000
        );
        let err = report_from_zip_capped(&report_of(cap + 1), cap).unwrap_err();
        assert_eq!(
            err,
            "diagnose-summary.json in the artifact claims 1001 bytes, more than the 1000-byte limit"
        );
        // The public entry point uses MAX_REPORT.
        assert_eq!(
            report_from_zip(&report_of(MAX_REPORT)).unwrap().len() as u64,
            MAX_REPORT
        );
        let err = report_from_zip(&report_of(MAX_REPORT + 1)).unwrap_err();
        assert!(err.contains("4194305 bytes"), "{err}");
    }

    #[test]
    fn reading_stops_one_byte_past_the_cap() {
        for (len, ok) in [
            (0, true),
            (999, true),
            (1000, true),
            (1001, false),
            (5000, false),
        ] {
            let got = read_at_most(Cursor::new(vec![b'x'; len]), 1000);
            match (got, ok) {
                (Ok(body), true) => assert_eq!(body.len(), len),
                (Err(e), false) => assert_eq!(
                    e,
                    "diagnose-summary.json in the artifact inflates past the 1000-byte limit"
                ),
                (other, _) => panic!("{len}: {other:?}"),
            }
        }
        // Reading stops there: a reader that never ends is not drained.
        let err = read_at_most(std::io::repeat(b'x'), 1000).unwrap_err();
        assert!(err.contains("inflates past"), "{err}");

        struct Broken;
        impl Read for Broken {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("damaged"))
            }
        }
        assert_eq!(
            read_at_most(Broken, 1000).unwrap_err(),
            "reading diagnose-summary.json from the artifact: damaged"
        );
    }

    #[test]
    fn a_zip_bomb_stops_at_the_cap() {
        let big = vec![b' '; (MAX_REPORT + 10) as usize];
        let zip = zip_of(&[("diagnose-summary.json", &big)]);
        assert!(zip.len() < 100_000, "compresses well: {}", zip.len());
        let err = report_from_zip(&zip).unwrap_err();
        assert!(err.contains("limit"), "{err}");
        let err = report_from_zip(b"not a zip").unwrap_err();
        assert!(
            err.starts_with("the artifact is not a readable zip"),
            "{err}"
        );
    }

    /// Overwrites every uncompressed-size field (local and central headers) with `size`.
    fn lie_about_size(zip: &mut [u8], size: u32) {
        let mut i = 0;
        while i + 4 <= zip.len() {
            let at = match &zip[i..i + 4] {
                b"PK\x03\x04" => Some(i + 22),
                b"PK\x01\x02" => Some(i + 24),
                _ => None,
            };
            if let Some(at) = at {
                zip[at..at + 4].copy_from_slice(&size.to_le_bytes());
            }
            i += 1;
        }
    }

    #[test]
    fn a_member_that_lies_about_its_size_is_refused() {
        // The headers claim a small size; it inflates to more than the cap. The zip
        // reader stops at the declared size, and the cap while reading stands behind it.
        for actual in [1001, 1100, 50_000] {
            let mut zip = report_of(actual);
            lie_about_size(&mut zip, 100);
            let err = report_from_zip_capped(&zip, 1000).unwrap_err();
            assert!(
                err.contains("larger than its declared") || err.contains("inflates past"),
                "{actual}: {err}"
            );
        }
    }

    #[test]
    fn timestamps_are_the_runners_exactly() {
        for (line, content) in [
            ("2026-11-25T05:00:00.1234567Z hello", Some("hello")),
            ("2026-11-25T05:00:00.1234567Z ", Some("")),
            (
                "2026-11-25T05:00:00.1234567Z  two spaces",
                Some(" two spaces"),
            ),
            ("0000-00-00T00:00:00.0000000Z x", Some("x")),
            ("9999-99-99T99:99:99.9999999Z x", Some("x")),
            // Not the runner's: no space, fewer or more digits, other separators.
            ("2026-11-25T05:00:00.1234567Z", None),
            ("2026-11-25T05:00:00.1234567Zx", None),
            ("2026-11-25T05:00:00.123456Z x", None),
            ("2026-11-25T05:00:00.12345678Z x", None),
            ("2026-11-25T05:00:00Z x", None),
            ("2026-11-25 05:00:00.1234567Z x", None),
            ("2026/11-25T05:00:00.1234567Z x", None),
            ("2026-11/25T05:00:00.1234567Z x", None),
            ("2026-11-25T05-00:00.1234567Z x", None),
            ("2026-11-25T05:00-00.1234567Z x", None),
            ("2026-11-25T05:00:00,1234567Z x", None),
            ("2026-11-25T05:00:00.1234567z x", None),
            ("2026-11-25T05:00:00.1234567Z\tx", None),
            ("x026-11-25T05:00:00.1234567Z x", None),
            ("2026-11-25T05:00:00.123456xZ x", None),
            ("2026-1a-25T05:00:00.1234567Z x", None),
            (" 2026-11-25T05:00:00.1234567Z x", None),
            ("\u{feff}2026-11-25T05:00:00.1234567Z x", None),
            ("hello", None),
            ("", None),
            ("2026-11-25T05:00", None),
        ] {
            assert_eq!(strip_timestamp(line), content, "{line:?}");
        }
    }

    #[test]
    fn tokens_are_what_the_tool_writes() {
        assert!(is_token(&uuid::Uuid::new_v4().simple().to_string()));
        assert!(is_token("0123456789abcdef0123456789abcdef"));
        for bad in [
            "0123456789abcdef0123456789abcde",
            "0123456789abcdef0123456789abcdef0",
            "0123456789ABCDEF0123456789abcdef",
            "0123456789abcdeg0123456789abcdef",
            "0123456789abcdef0123456789abcde`",
            "0123456789abcdef0123456789abcde/",
            "0123456789abcdef0123456789abcde:",
            "",
        ] {
            assert!(!is_token(bad), "{bad}");
        }
    }

    const ID: &str = "0b7c8f5e-1d2a-4c3b-9e8f-7a6b5c4d3e2f";
    const TOKEN: &str = "0123456789abcdef0123456789abcdef";

    /// The runner's log of `lines`, each with a timestamp.
    fn stamped(lines: &[String]) -> String {
        lines
            .iter()
            .map(|l| format!("2026-11-25T05:00:00.1234567Z {l}\n"))
            .collect()
    }

    /// What `log_block` writes for ID, as lines.
    fn block(json: &[&str]) -> Vec<String> {
        let mut out = vec![
            format!("::stop-commands::{TOKEN}"),
            format!("{LOG_BEGIN}{ID}"),
        ];
        out.extend(json.iter().map(|l| l.to_string()));
        out.push(format!("{LOG_END}{ID}"));
        out.push(format!("::{TOKEN}::"));
        out
    }

    fn with_context(block: Vec<String>) -> Vec<String> {
        let mut lines = vec!["Run ./".to_string(), "checks ran".to_string()];
        lines.extend(block);
        lines.push("Post job cleanup.".to_string());
        lines
    }

    #[test]
    fn the_tools_own_block_is_read() {
        let log = stamped(&with_context(block(&["{", "  \"x\": 1", "}"])));
        assert_eq!(
            report_from_log(&log, ID).unwrap().unwrap(),
            "{\n  \"x\": 1\n}\n"
        );
        // The ID is compared without regard to case; CRLF line ends are read.
        let upper = ID.to_ascii_uppercase();
        assert_eq!(
            report_from_log(&log, &upper).unwrap().unwrap(),
            "{\n  \"x\": 1\n}\n"
        );
        let crlf = log.replace('\n', "\r\n");
        assert_eq!(
            report_from_log(&crlf, ID).unwrap().unwrap(),
            "{\n  \"x\": 1\n}\n"
        );
        // An empty block is a block (its JSON is then refused by the caller).
        let log = stamped(&block(&[]));
        assert_eq!(report_from_log(&log, ID).unwrap().unwrap(), "");
        // No block at all.
        let log = stamped(&["Validate the request".into(), "::error::no".into()]);
        assert_eq!(report_from_log(&log, ID), Ok(None));
        assert_eq!(report_from_log("", ID), Ok(None));
    }

    #[test]
    fn a_block_from_an_environment_dump_is_refused() {
        // The runner prints a step's environment; the lines after the first of a
        // multi-line value carry no timestamp.
        let mut log = stamped(&[
            "##[group]Run echo validating".to_string(),
            "env:".to_string(),
            "  FRONTEND_URL_OVERRIDE: x".to_string(),
        ]);
        for l in block(&["{\"forged\": true}"]) {
            log.push_str(&l);
            log.push('\n');
        }
        let err = report_from_log(&log, ID).unwrap_err();
        assert!(err.contains("lacks the runner's timestamp"), "{err}");
        // One untimed line inside an otherwise stamped block is enough.
        let mut lines = block(&["{", "}"]);
        let mut log = stamped(&lines[..3]);
        log.push_str(&format!("{}\n", lines[3]));
        log.push_str(&stamped(&lines.split_off(4)));
        let err = report_from_log(&log, ID).unwrap_err();
        assert!(err.contains("lacks the runner's timestamp"), "{err}");
        // An untimed end or resume line too.
        let lines = block(&["{}"]);
        let mut log = stamped(&lines[..3]);
        log.push_str(&format!("{}\n", lines[3]));
        log.push_str(&stamped(&lines[4..]));
        assert!(report_from_log(&log, ID).is_err());
        let mut log = stamped(&lines[..4]);
        log.push_str(&format!("{}\n", lines[4]));
        assert!(report_from_log(&log, ID).is_err());
        // An untimed begin line.
        let mut log = stamped(&lines[..1]);
        log.push_str(&format!("{}\n", lines[1]));
        log.push_str(&stamped(&lines[2..]));
        let err = report_from_log(&log, ID).unwrap_err();
        assert!(err.contains("lacks the runner's timestamp"), "{err}");
    }

    #[test]
    fn more_than_one_block_is_refused() {
        let mut lines = block(&["{\"forged\": true}"]);
        lines.extend(block(&["{\"real\": true}"]));
        let err = report_from_log(&stamped(&lines), ID).unwrap_err();
        assert!(err.contains("holds 2 report blocks"), "{err}");
        // A forged opener counts even without a timestamp, or indented.
        let mut log = String::from("  ::remote-hands-report-begin::x\n");
        log.push_str(&stamped(&block(&["{}"])));
        let err = report_from_log(&log, ID).unwrap_err();
        assert!(err.contains("holds 2 report blocks"), "{err}");
        let mut log = stamped(&["\t::remote-hands-report-begin::x".to_string()]);
        log.push_str(&stamped(&block(&["{}"])));
        assert!(report_from_log(&log, ID).is_err());
        // The marker inside a JSON string is not an opener.
        let log = stamped(&block(&[
            "{\"details\": \"::remote-hands-report-begin::x\"}",
        ]));
        assert!(report_from_log(&log, ID).unwrap().is_some());
    }

    #[test]
    fn the_block_must_sit_in_the_tools_bracket() {
        let good = block(&["{}"]);
        // No stop-commands line before it (at the start of the log, or another line).
        assert!(report_from_log(&stamped(&good[1..]), ID).is_err());
        let mut lines = good.clone();
        lines[0] = "echo".into();
        let err = report_from_log(&stamped(&lines), ID).unwrap_err();
        assert!(err.contains("stop-commands"), "{err}");
        // A token that is not the tool's.
        let mut lines = good.clone();
        lines[0] = "::stop-commands::abc".into();
        assert!(report_from_log(&stamped(&lines), ID).is_err());
        // The resume line is missing, or resumes another token.
        let err = report_from_log(&stamped(&good[..4]), ID).unwrap_err();
        assert!(err.contains("resume-commands"), "{err}");
        let mut lines = good.clone();
        lines[4] = "::ffffffffffffffffffffffffffffffff::".into();
        assert!(report_from_log(&stamped(&lines), ID).is_err());
        let mut lines = good.clone();
        lines.insert(4, "after".into());
        let err = report_from_log(&stamped(&lines), ID).unwrap_err();
        assert!(err.contains("resume-commands"), "{err}");
        // Something between the stop-commands line and the opener.
        let mut lines = good.clone();
        lines.insert(1, "between".into());
        assert!(report_from_log(&stamped(&lines), ID).is_err());
        // Not closed.
        let err = report_from_log(&stamped(&good[..3]), ID).unwrap_err();
        assert_eq!(err, "the report block in the job log is not closed");
        // Closed for another ID: not closed.
        let mut lines = good.clone();
        lines[3] = format!("{LOG_END}11111111-2222-4333-8444-555555555555");
        assert!(report_from_log(&stamped(&lines), ID).is_err());
    }

    #[test]
    fn a_block_for_another_correlation_id_is_refused() {
        let log = stamped(&block(&["{}"]));
        let err = report_from_log(&log, "11111111-2222-4333-8444-555555555555").unwrap_err();
        assert!(err.contains("not for this run's correlation ID"), "{err}");
        // A prefix of the ID is not the ID.
        let mut lines = block(&["{}"]);
        lines[1] = format!("{LOG_BEGIN}{}", &ID[..30]);
        lines[3] = format!("{LOG_END}{}", &ID[..30]);
        assert!(report_from_log(&stamped(&lines), ID).is_err());
        // Extra text after the ID.
        let mut lines = block(&["{}"]);
        lines[1] = format!("{LOG_BEGIN}{ID} x");
        assert!(report_from_log(&stamped(&lines), ID).is_err());
    }
}
