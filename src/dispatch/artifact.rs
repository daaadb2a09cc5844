//! Getting the report out of what a run left: the artifact zip (only the expected member,
//! size-capped while it is inflated, so neither path tricks nor zip bombs get anywhere —
//! nothing is ever written to disk), or, failing that, the job log, where
//! `remote-hands check` prints the JSON between two marker lines.

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

/// The bytes of `diagnose-summary.json` at the top of the zip. Members with other names —
/// `../diagnose-summary.json`, `dir/diagnose-summary.json`, absolute paths — are ignored.
pub fn report_from_zip(zip: &[u8]) -> Result<Vec<u8>, String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(zip))
        .map_err(|e| format!("the artifact is not a readable zip: {e}"))?;
    let mut others = Vec::new();
    for i in 0..archive.len() {
        let file = archive
            .by_index(i)
            .map_err(|e| format!("the artifact zip is damaged: {e}"))?;
        let name = file
            .name()
            .map(|n| n.into_owned())
            .unwrap_or_else(|_| "(an unreadable name)".to_string());
        if name != REPORT_MEMBER || file.is_dir() {
            others.push(crate::text::cap(&name, 80));
            continue;
        }
        if file.size() > MAX_REPORT {
            return Err(format!(
                "{REPORT_MEMBER} in the artifact claims {} bytes, more than the {MAX_REPORT}-byte limit",
                file.size()
            ));
        }
        let mut body = Vec::new();
        file.take(MAX_REPORT + 1)
            .read_to_end(&mut body)
            .map_err(|e| format!("reading {REPORT_MEMBER} from the artifact: {e}"))?;
        if body.len() as u64 > MAX_REPORT {
            return Err(format!(
                "{REPORT_MEMBER} in the artifact inflates past the {MAX_REPORT}-byte limit"
            ));
        }
        return Ok(body);
    }
    Err(format!(
        "the artifact holds no {REPORT_MEMBER} (it holds: {})",
        if others.is_empty() {
            "nothing".to_string()
        } else {
            others.join(", ")
        }
    ))
}

/// The JSON between the marker lines of a job log, for `correlation_id` (or the first
/// block when it is not known). GitHub prefixes each log line with a timestamp.
pub fn report_from_log(log: &str, correlation_id: Option<&str>) -> Option<String> {
    let mut inside: Option<String> = None;
    let mut json = String::new();
    for raw in log.lines() {
        let line = strip_timestamp(raw.trim_end_matches('\r'));
        match &inside {
            None => {
                if let Some(id) = line.strip_prefix(LOG_BEGIN) {
                    let id = id.trim();
                    if correlation_id.is_none_or(|want| want.eq_ignore_ascii_case(id)) {
                        inside = Some(id.to_string());
                        json.clear();
                    }
                }
            }
            Some(id) => {
                if line.strip_prefix(LOG_END).map(str::trim) == Some(id.as_str()) {
                    return Some(json);
                }
                json.push_str(line);
                json.push('\n');
            }
        }
    }
    None
}

/// `2026-11-25T05:00:00.1234567Z rest` → `rest`.
fn strip_timestamp(line: &str) -> &str {
    match line.split_once(' ') {
        Some((first, rest))
            if first.len() >= 20
                && first.ends_with('Z')
                && first.as_bytes()[4] == b'-'
                && first.as_bytes()[10] == b'T' =>
        {
            rest
        }
        _ => line,
    }
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
    fn only_the_expected_member_is_read() {
        let zip = zip_of(&[
            ("../diagnose-summary.json", b"{\"evil\":1}"),
            ("diagnose-summary.json", b"{\"ok\":1}"),
        ]);
        assert_eq!(report_from_zip(&zip).unwrap(), b"{\"ok\":1}");
        let zip = zip_of(&[("../diagnose-summary.json", b"{}"), ("/etc/x", b"")]);
        let err = report_from_zip(&zip).unwrap_err();
        assert!(err.contains("holds no diagnose-summary.json"), "{err}");
        assert!(err.contains("../diagnose-summary.json"), "{err}");
    }

    #[test]
    fn a_zip_bomb_stops_at_the_cap() {
        let big = vec![b' '; (MAX_REPORT + 10) as usize];
        let zip = zip_of(&[("diagnose-summary.json", &big)]);
        assert!(zip.len() < 100_000, "compresses well: {}", zip.len());
        let err = report_from_zip(&zip).unwrap_err();
        assert!(err.contains("limit"), "{err}");
        assert!(report_from_zip(b"not a zip").is_err());
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
        // The headers claim 100 bytes; it inflates to more than the cap. The zip reader
        // stops at the declared size, and the cap while reading stands behind it.
        let big = vec![b' '; (MAX_REPORT + 10) as usize];
        let mut zip = zip_of(&[("diagnose-summary.json", &big)]);
        lie_about_size(&mut zip, 100);
        let err = report_from_zip(&zip).unwrap_err();
        assert!(
            err.contains("larger than its declared") || err.contains("inflates past"),
            "{err}"
        );
    }

    #[test]
    fn the_log_block_is_found_by_correlation_id() {
        let log = "\
2026-11-25T05:00:00.0000000Z ::stop-commands::abc
2026-11-25T05:00:00.0000001Z ::remote-hands-report-begin::other-id
2026-11-25T05:00:00.0000002Z {\"x\": 0}
2026-11-25T05:00:00.0000003Z ::remote-hands-report-end::other-id
2026-11-25T05:00:00.0000004Z ::remote-hands-report-begin::the-id
2026-11-25T05:00:00.0000005Z {
2026-11-25T05:00:00.0000006Z   \"x\": 1
2026-11-25T05:00:00.0000007Z }
2026-11-25T05:00:00.0000008Z ::remote-hands-report-end::the-id
";
        assert_eq!(
            report_from_log(log, Some("the-id")).unwrap(),
            "{\n  \"x\": 1\n}\n"
        );
        assert_eq!(report_from_log(log, None).unwrap(), "{\"x\": 0}\n");
        assert_eq!(report_from_log(log, Some("missing")), None);
        // An unterminated block is no block.
        assert_eq!(
            report_from_log("::remote-hands-report-begin::a\n{", Some("a")),
            None
        );
    }
}
