//! Renderers of the report model, one file per format behind the small [`Renderer`]
//! trait; the look of each outcome they share (`style`); and the file writing they share
//! (atomic replace for the JSON file, one append for the step summary).

pub mod discord;
mod json;
mod markdown;
pub(crate) mod style;
mod text;

use std::io::Write;
use std::path::Path;

use anyhow::Context;

pub use discord::Discord;
pub use json::{Json, escaped_json};
pub use markdown::{Labels, Markdown, SUMMARY_LIMIT};
pub use text::Text;

use crate::model::Report;

/// The phases an HTTP attempt reached, in order: `dns 1.2 · connect 0.4 · ttfb 101.3 ·
/// transfer 0.2 ms (total 103.5)`; a phase never reached is left out.
pub(crate) fn phase_line(p: &crate::model::Phases) -> String {
    let reached: Vec<String> = [
        ("dns", p.dns),
        ("connect", p.connect),
        ("tls", p.tls),
        ("ttfb", p.ttfb),
        ("transfer", p.transfer),
    ]
    .into_iter()
    .filter_map(|(name, ms)| {
        ms.filter(|m| m.is_finite())
            .map(|m| format!("{name} {m:.1}"))
    })
    .collect();
    let total = if p.total.is_finite() { p.total } else { 0.0 };
    if reached.is_empty() {
        format!("total {total:.1} ms")
    } else {
        format!("{} ms (total {total:.1})", reached.join(" · "))
    }
}

/// An HTTP check's timing and certificate in one line: the last attempt's phases, how
/// many attempts there were, the certificate's expiry. Empty without attempts.
pub(crate) fn http_line(h: &crate::model::HttpEvidence) -> String {
    let Some(last) = h.attempts.last() else {
        return String::new();
    };
    let mut line = phase_line(&last.phases);
    if h.attempts.len() > 1 {
        line = format!(
            "attempt {} of {}: {line}",
            h.attempts.len(),
            h.attempts.len()
        );
    }
    if let Some(tls) = &h.tls {
        let date = tls.not_after.get(..10).unwrap_or(&tls.not_after);
        line.push_str(&format!(
            " · certificate expires {} ({} days)",
            crate::text::one_line(date),
            tls.days_left
        ));
    }
    line
}

/// Turns a report into one output format.
pub trait Renderer {
    fn render(&self, report: &Report) -> String;
}

/// Writes `contents` to `path` so that a reader never sees a half-written report: through
/// a temporary file created exclusively (`O_EXCL`, an unpredictable name) in the target's
/// own folder, then a rename over the target. A target that exists and is not a regular
/// file — a device such as `/dev/null`, a FIFO, `/dev/stdout` — is written in place and
/// never replaced.
pub fn write_atomic(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    let shown = path.display();
    if let Ok(meta) = std::fs::metadata(path)
        && !meta.is_file()
    {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .with_context(|| format!("opening {shown}"))?;
        return f
            .write_all(contents)
            .and_then(|_| f.flush())
            .with_context(|| format!("writing {shown}"));
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".into());
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{file_name}."))
        .suffix(".tmp")
        .tempfile_in(dir)
        .with_context(|| {
            format!(
                "writing {shown}: creating a temporary file in {}",
                dir.display()
            )
        })?;
    // A report is no secret: readable as a file created the usual way would be.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = tmp
            .as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644));
    }
    tmp.write_all(contents)
        .and_then(|_| tmp.as_file().sync_all())
        .with_context(|| format!("writing {shown}"))?;
    // On failure the temporary file is removed when `tmp` drops.
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("writing {shown}"))?;
    Ok(())
}

/// Appends `contents` to `path` in one write (creating it when absent), as GitHub's step
/// summary file expects.
pub fn append(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("opening {}", path.display()))?;
    f.write_all(contents)
        .with_context(|| format!("appending to {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_planted_symlink_at_the_old_temporary_name_is_not_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        // The name the temporary file used to have: predictable from the process ID.
        let planted = dir
            .path()
            .join(format!(".r.json.{}.tmp", std::process::id()));
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        let target = dir.path().join("r.json");
        write_atomic(&target, b"{}").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "{}");
        // Nothing else is left behind but the planted link.
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names.len(), 3, "{names:?}");
    }

    #[test]
    fn a_regular_file_is_replaced_whole() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("r.json");
        std::fs::write(&target, "a much longer earlier report").unwrap();
        write_atomic(&target, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&target).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644);
    }

    #[test]
    fn a_fifo_is_written_in_place_and_stays_a_fifo() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(&fifo).unwrap())
        };
        write_atomic(&fifo, b"{\"x\":1}").unwrap();
        assert_eq!(reader.join().unwrap(), b"{\"x\":1}");
        assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    }

    #[test]
    fn a_device_is_written_in_place_and_stays_a_device() {
        use std::os::unix::fs::FileTypeExt;
        write_atomic(Path::new("/dev/null"), b"{}").unwrap();
        assert!(
            std::fs::metadata("/dev/null")
                .unwrap()
                .file_type()
                .is_char_device()
        );
    }

    #[test]
    fn a_missing_folder_is_an_error_naming_the_path() {
        let err = write_atomic(Path::new("/nonexistent/dir/r.json"), b"{}").unwrap_err();
        assert!(
            format!("{err:#}").contains("/nonexistent/dir/r.json"),
            "{err:#}"
        );
    }
}
