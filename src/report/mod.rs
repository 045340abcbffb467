//! Rendering: the frozen report model, and one module per output format.
//! Renderers only present verdicts; they never re-derive them.

pub mod console;
pub mod json;
pub mod model;

use std::io::Write as _;
use std::path::Path;

/// Output formats. New formats slot in here and in [`render`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Console,
    Json,
}

pub fn render(report: &model::Report, format: Format) -> Vec<u8> {
    match format {
        Format::Console => console::render(report),
        Format::Json => json::render(report),
    }
}

/// Writes `bytes` to `path` atomically (a temporary file beside it, then a
/// rename), or to stdout when `path` is `None`.
pub fn write_output(bytes: &[u8], path: Option<&Path>) -> std::io::Result<()> {
    match path {
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(bytes)?;
            stdout.flush()
        }
        Some(path) => write_atomically(path, bytes),
    }
}

/// Temporary file in the target's directory, then rename: a reader never
/// sees a half-written file, and a failed write leaves nothing behind.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
