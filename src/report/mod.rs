//! Rendering: the frozen report model, and one module per output format.
//! Renderers only present verdicts; they never re-derive them.

pub mod assemble;
pub mod console;
pub mod csv;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod model;
pub mod sarif;
pub mod view;

use std::io::Write as _;
use std::path::Path;

/// Output formats. New formats slot in here and in [`render`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Console,
    Json,
    Sarif,
    Junit,
    Markdown,
    Csv,
    /// One self-contained page for auditors (templates in `report-templates/`).
    Html,
}

/// What some renderers need besides the report.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// `--template-dir`: the user's copies of the HTML templates.
    pub template_dir: Option<std::path::PathBuf>,
    /// `-v`: the console lists every failing finding on its own line
    /// instead of grouping those that read the same.
    pub verbose: bool,
}

/// Renders `report` in `format`. Only HTML can fail: its templates may be
/// the user's own (`--template-dir`), and a broken one is an input error.
pub fn render(
    report: &model::Report,
    format: Format,
    options: &RenderOptions,
) -> Result<Vec<u8>, html::HtmlError> {
    Ok(match format {
        Format::Html => html::render(report, options.template_dir.as_deref())?,
        Format::Console => console::render_verbose(report, options.verbose),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report),
        Format::Junit => junit::render(report),
        Format::Markdown => markdown::render(report),
        Format::Csv => csv::render(report),
    })
}

/// The HTML report, rendered once into an unnamed temporary file: the page
/// streams out as it is rendered (a large organization's runs to tens of
/// megabytes and is never held in memory), and a template error is known
/// before any report file is written. Copy it where it goes with
/// [`write_file_output`].
pub fn render_html_file(
    report: &model::Report,
    options: &RenderOptions,
) -> Result<std::fs::File, html::HtmlError> {
    let mut file = tempfile::tempfile().map_err(html::HtmlError::Write)?;
    html::render_to(report, options.template_dir.as_deref(), &mut file)?;
    Ok(file)
}

/// Copies a rendered report (see [`render_html_file`]) to `path`
/// atomically, or to stdout when `path` is `None`.
pub fn write_file_output(file: &std::fs::File, path: Option<&Path>) -> std::io::Result<()> {
    use std::io::Seek as _;
    let copy = |w: &mut dyn std::io::Write| -> std::io::Result<()> {
        let mut file = file;
        file.seek(std::io::SeekFrom::Start(0))?;
        std::io::copy(&mut file, w)?;
        w.flush()
    };
    match path {
        None => copy(&mut std::io::stdout().lock()),
        Some(path) => write_atomically_with(path, copy),
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

/// The JSON report, streamed to `path` (atomically) or stdout: a large
/// organization's report runs to hundreds of megabytes, which are never
/// held in memory.
pub fn write_json(report: &model::Report, path: Option<&Path>) -> std::io::Result<()> {
    let write = |w: &mut dyn std::io::Write| -> std::io::Result<()> {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, w);
        serde_json::to_writer(&mut w, report)?;
        w.write_all(b"\n")?;
        w.flush()
    };
    match path {
        None => write(&mut std::io::stdout().lock()),
        Some(path) => write_atomically_with(path, write),
    }
}

/// Temporary file in the target's directory, then rename: a reader never
/// sees a half-written file, and a failed write leaves nothing behind.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomically_with(path, |w| w.write_all(bytes))
}

/// [`write_atomically`], with the content written by `write`.
pub fn write_atomically_with(
    path: &Path,
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    #[cfg_attr(not(unix), allow(unused_mut))]
    let mut builder = tempfile::Builder::new();
    // Temporary files are owner-only (0600); a report is an ordinary file,
    // so ask for 0666 and let the umask decide, as any other writer would.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(dir)?;
    write(tmp.as_file_mut())?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
