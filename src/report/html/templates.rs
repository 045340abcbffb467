//! The HTML report's templates: the embedded ones, a `--template-dir`'s
//! copies and extra partials, and the errors that name the file and line.

use super::HtmlError;
use handlebars::Handlebars;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// (file name, embedded contents) of every HTML report template. A
/// `--template-dir` copy of a file replaces the embedded one; a missing
/// copy falls back to it. The name a template is registered under (and
/// included as a partial by) is the file name up to its first dot.
pub const TEMPLATE_FILES: &[(&str, &str)] = &[
    (
        "report.html.hbs",
        include_str!("../../../report-templates/report.html.hbs"),
    ),
    (
        "cover.html.hbs",
        include_str!("../../../report-templates/cover.html.hbs"),
    ),
    (
        "summary.html.hbs",
        include_str!("../../../report-templates/summary.html.hbs"),
    ),
    (
        "matrix.html.hbs",
        include_str!("../../../report-templates/matrix.html.hbs"),
    ),
    (
        "findings.html.hbs",
        include_str!("../../../report-templates/findings.html.hbs"),
    ),
    (
        "errors.html.hbs",
        include_str!("../../../report-templates/errors.html.hbs"),
    ),
    (
        "policy.html.hbs",
        include_str!("../../../report-templates/policy.html.hbs"),
    ),
    (
        "baseline.html.hbs",
        include_str!("../../../report-templates/baseline.html.hbs"),
    ),
    (
        "evidence.html.hbs",
        include_str!("../../../report-templates/evidence.html.hbs"),
    ),
    (
        "style.css.hbs",
        include_str!("../../../report-templates/style.css.hbs"),
    ),
    (
        "script.js.hbs",
        include_str!("../../../report-templates/script.js.hbs"),
    ),
];

/// Suffixes of the extra files a `--template-dir` may add as partials
/// (a logo or a corporate footer, included from a replaced template).
pub(super) const EXTRA_SUFFIXES: &[&str] = &[".html.hbs", ".css.hbs", ".js.hbs"];

pub(super) fn registry<'r>(
    template_dir: Option<&Path>,
) -> Result<(Handlebars<'r>, Vec<Source>), HtmlError> {
    let sources = template_sources(template_dir)?;
    let mut hb = Handlebars::new();
    // A misspelled field is an error, not a silently empty cell.
    hb.set_strict_mode(true);
    // Keeps the script partial byte-identical wherever it is included, so the
    // CSP hash computed in `render` matches what the browser sees.
    hb.set_prevent_indent(true);
    for source in &sources {
        hb.register_template_string(&source.name, &source.text)
            .map_err(|e| template_error(&sources, Some(&source.name), &e))?;
    }
    check_partials(&sources)?;
    Ok((hb, sources))
}

/// The partials each template includes (`{{> name}}`, `{{#> name}}`),
/// checked before anything renders: a template that includes itself, or
/// two that include each other, would recurse until the stack overflows
/// (handlebars does not stop it), and a partial chosen at render time
/// (`{{> (expression)}}`) cannot be checked, so neither is accepted.
pub(super) fn check_partials(sources: &[Source]) -> Result<(), HtmlError> {
    let mut includes: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for source in sources {
        let mut names = Vec::new();
        let mut rest = source.text.as_str();
        while let Some(at) = rest.find("{{") {
            rest = &rest[at + 2..];
            let tag = rest.trim_start_matches(['~', '#']).trim_start();
            let Some(partial) = tag.strip_prefix('>') else {
                continue;
            };
            let partial = partial.trim_start();
            if partial.starts_with('(') {
                return Err(HtmlError::Template {
                    file: source.origin.clone(),
                    message: "a partial chosen at render time ({{> (…)}}) is not supported: name the partial".into(),
                });
            }
            let name: String = partial
                .trim_start_matches(['"', '\''])
                .chars()
                .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'))
                .collect();
            names.push(name);
        }
        includes.insert(source.name.as_str(), names);
    }
    // Depth-first, following includes; a name met again on the current
    // path closes a cycle.
    pub(super) fn visit<'a>(
        name: &'a str,
        includes: &'a BTreeMap<&str, Vec<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<&'a str>> {
        if let Some(start) = path.iter().position(|p| *p == name) {
            let mut cycle = path[start..].to_vec();
            cycle.push(name);
            return Some(cycle);
        }
        if !done.insert(name) {
            return None;
        }
        path.push(name);
        for next in includes.get(name).into_iter().flatten() {
            if let Some(cycle) = visit(next, includes, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for name in includes.keys() {
        if let Some(cycle) = visit(name, &includes, &mut Vec::new(), &mut done) {
            let file = sources
                .iter()
                .find(|s| s.name == cycle[0])
                .map_or_else(|| cycle[0].to_string(), |s| s.origin.clone());
            return Err(HtmlError::Template {
                file,
                message: format!(
                    "the templates include each other without end: {}",
                    cycle.join(" includes ")
                ),
            });
        }
    }
    Ok(())
}

pub(super) struct Source {
    pub(super) name: String,
    /// Where it came from, for error messages.
    pub(super) origin: String,
    pub(super) text: String,
}

pub(super) fn template_name(file: &str) -> &str {
    file.split('.').next().unwrap_or(file)
}

/// The embedded templates, each replaced by the user's copy when
/// `template_dir` has one, plus the user's extra partials.
pub(super) fn template_sources(template_dir: Option<&Path>) -> Result<Vec<Source>, HtmlError> {
    let mut sources: Vec<Source> = TEMPLATE_FILES
        .iter()
        .map(|(file, text)| Source {
            name: template_name(file).to_string(),
            origin: format!("{file} (built in)"),
            text: (*text).to_string(),
        })
        .collect();
    let Some(dir) = template_dir else {
        return Ok(sources);
    };
    let dir_error = |message: String| HtmlError::TemplateDir {
        dir: dir.display().to_string(),
        message,
    };
    let entries = std::fs::read_dir(dir).map_err(|e| dir_error(format!("cannot read: {e}")))?;
    let mut files: Vec<PathBuf> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| dir_error(format!("cannot list: {e}")))?;
        files.push(entry.path());
    }
    files.sort();
    for path in files {
        let Some(file) = path.file_name().and_then(|f| f.to_str()) else {
            continue;
        };
        let known = TEMPLATE_FILES.iter().position(|(f, _)| *f == file);
        if known.is_none() && !EXTRA_SUFFIXES.iter().any(|s| file.ends_with(s)) {
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(|e| HtmlError::Template {
            file: path.display().to_string(),
            message: format!("cannot read: {e}"),
        })?;
        let source = Source {
            name: template_name(file).to_string(),
            origin: path.display().to_string(),
            text,
        };
        match known {
            Some(i) => sources[i] = source,
            None => {
                if sources.iter().any(|s| s.name == source.name) {
                    return Err(HtmlError::Template {
                        file: source.origin,
                        message: format!(
                            "its name '{}' is already taken by a built-in template",
                            source.name
                        ),
                    });
                }
                sources.push(source)
            }
        }
    }
    Ok(sources)
}

pub(super) fn origin_of(sources: &[Source], name: Option<&str>) -> String {
    name.and_then(|n| sources.iter().find(|s| s.name == n))
        .map(|s| s.origin.clone())
        .unwrap_or_else(|| name.unwrap_or("(unknown)").to_string())
}

pub(super) fn position(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(" (line {l}, column {c})"),
        (Some(l), None) => format!(" (line {l})"),
        _ => String::new(),
    }
}

/// Handlebars' own messages span several lines (with a code excerpt): keep
/// the reason and the position on one line.
pub(super) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(super) fn template_error(
    sources: &[Source],
    name: Option<&str>,
    e: &handlebars::TemplateError,
) -> HtmlError {
    let (line, column) = e.pos().map_or((None, None), |(l, c)| (Some(l), Some(c)));
    HtmlError::Template {
        file: origin_of(sources, name),
        message: format!(
            "syntax error: {}{}",
            one_line(&e.reason().to_string()),
            position(line, column)
        ),
    }
}

pub(super) fn render_error(sources: &[Source], e: &handlebars::RenderError) -> HtmlError {
    if let handlebars::RenderErrorReason::IOError(io) = e.reason() {
        return HtmlError::Write(std::io::Error::new(io.kind(), io.to_string()));
    }
    if let handlebars::RenderErrorReason::TemplateError(inner) = e.reason() {
        return template_error(sources, inner.name().map(String::as_str), inner);
    }
    HtmlError::Template {
        file: origin_of(sources, e.template_name.as_deref()),
        message: format!(
            "cannot render: {}{}",
            one_line(&e.reason().to_string()),
            position(e.line_no, e.column_no)
        ),
    }
}
