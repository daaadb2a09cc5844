//! Renderers of the report model, one file per format behind the small [`Renderer`]
//! trait, and the file writing they share (atomic replace for the JSON file, one append
//! for the step summary).

pub mod discord;
mod json;
mod markdown;
mod text;

use std::io::Write;
use std::path::Path;

use anyhow::Context;

pub use discord::Discord;
pub use json::Json;
pub use markdown::{Markdown, SUMMARY_LIMIT};
pub use text::Text;

use crate::model::Report;

/// Turns a report into one output format.
pub trait Renderer {
    fn render(&self, report: &Report) -> String;
}

/// Writes `contents` to `path` through a temporary file in the same folder and a rename,
/// so a reader never sees a half-written report.
pub fn write_atomic(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".into());
    let tmp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(contents)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.with_context(|| format!("writing {}", path.display()))
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
