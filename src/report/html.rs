//! `--format html`: one self-contained HTML document for auditors, rendered
//! through the handlebars templates in `report-templates/` (embedded in the
//! binary; `--template-dir` overrides them file by file).
//!
//! The page only presents the report's frozen verdicts: the words, the
//! finding groups and every framework's control table come from
//! [`super::view`]; what is computed here is layout (the matrix's worst
//! status per cell, the evidence store). The page streams out as it is
//! rendered (see [`render_to`]). Every string reaches the page through
//! handlebars' HTML escaping: templates must never use a triple-stash on
//! data; the script reads data only from escaped attributes, cell text and
//! the compressed evidence, and writes only text, so nothing from AWS can
//! become markup or code.

use super::model::{
    Report, ReportCheck, ReportFinding, ReportFramework, ReportWaiver, StatusCounts,
};
use super::view;
use crate::finding::{Severity, Status};
use crate::verdict::Change;
use handlebars::Handlebars;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// The main template: the document skeleton that includes the partials.
const MAIN: &str = "report";

/// (file name, embedded contents) of every HTML report template. A
/// `--template-dir` copy of a file replaces the embedded one; a missing
/// copy falls back to it. The name a template is registered under (and
/// included as a partial by) is the file name up to its first dot.
pub const TEMPLATE_FILES: &[(&str, &str)] = &[
    (
        "report.html.hbs",
        include_str!("../../report-templates/report.html.hbs"),
    ),
    (
        "cover.html.hbs",
        include_str!("../../report-templates/cover.html.hbs"),
    ),
    (
        "summary.html.hbs",
        include_str!("../../report-templates/summary.html.hbs"),
    ),
    (
        "matrix.html.hbs",
        include_str!("../../report-templates/matrix.html.hbs"),
    ),
    (
        "findings.html.hbs",
        include_str!("../../report-templates/findings.html.hbs"),
    ),
    (
        "errors.html.hbs",
        include_str!("../../report-templates/errors.html.hbs"),
    ),
    (
        "policy.html.hbs",
        include_str!("../../report-templates/policy.html.hbs"),
    ),
    (
        "baseline.html.hbs",
        include_str!("../../report-templates/baseline.html.hbs"),
    ),
    (
        "evidence.html.hbs",
        include_str!("../../report-templates/evidence.html.hbs"),
    ),
    (
        "style.css.hbs",
        include_str!("../../report-templates/style.css.hbs"),
    ),
    (
        "script.js.hbs",
        include_str!("../../report-templates/script.js.hbs"),
    ),
];

/// Suffixes of the extra files a `--template-dir` may add as partials
/// (a logo or a corporate footer, included from a replaced template).
const EXTRA_SUFFIXES: &[&str] = &[".html.hbs", ".css.hbs", ".js.hbs"];

/// Why the HTML report could not be rendered. Each message is one line
/// that names the file and, for template errors, the line and column.
#[derive(Debug, thiserror::Error)]
pub enum HtmlError {
    #[error("--template-dir {dir}: {message}")]
    TemplateDir { dir: String, message: String },
    #[error("HTML template {file}: {message}")]
    Template { file: String, message: String },
    /// The page could not be written (a full disk, a closed pipe): not a
    /// template problem, and reported like any other unwritable report.
    #[error("{0}")]
    Write(std::io::Error),
}

/// Loads and compiles the templates without rendering, so a missing
/// directory or a syntax error stops the run before anything is collected.
pub fn check_templates(template_dir: Option<&Path>) -> Result<(), HtmlError> {
    registry(template_dir).map(|_| ())
}

/// Renders the report with the embedded templates, or with `template_dir`'s
/// copies where it has them, into memory. For tests and small reports; the
/// CLI streams with [`render_to`].
pub fn render(report: &Report, template_dir: Option<&Path>) -> Result<Vec<u8>, HtmlError> {
    let mut out = Vec::new();
    render_to(report, template_dir, &mut out)?;
    Ok(out)
}

/// Renders the report into `out` as it goes: a 5,000-account organization's
/// page is tens of megabytes, and neither the page nor a template context
/// holding every finding is ever in memory. The findings, the matrix rows
/// and the evidence reach the templates one group, one row, one chunk at a
/// time through block helpers (`finding_groups`, `matrix_rows`,
/// `evidence_chunks`); everything else is an ordinary context.
pub fn render_to(
    report: &Report,
    template_dir: Option<&Path>,
    out: &mut dyn std::io::Write,
) -> Result<(), HtmlError> {
    // The templates are checked first (`check_templates`, before the audit
    // runs); `data` outlives `hb`, whose helpers borrow it.
    check_templates(template_dir)?;
    let data = PageData::build(report);
    let (mut hb, sources) = registry(template_dir)?;
    register_row_helpers(&mut hb, &data);
    let mut view = View::build(report, &data);
    // Content-Security-Policy: only this exact inline script may run, and
    // nothing may be fetched. Injected markup, if any escaped the escaping,
    // could neither execute nor phone home.
    let script = hb
        .render("script", &view)
        .map_err(|e| render_error(&sources, &e))?;
    view.script_sha256 = base64(&sha256(script.as_bytes()));
    let mut w = std::io::BufWriter::with_capacity(1 << 20, out);
    hb.render_to_write(MAIN, &view, &mut w)
        .map_err(|e| render_error(&sources, &e))?;
    std::io::Write::flush(&mut w).map_err(HtmlError::Write)?;
    Ok(())
}

fn registry<'r>(template_dir: Option<&Path>) -> Result<(Handlebars<'r>, Vec<Source>), HtmlError> {
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
fn check_partials(sources: &[Source]) -> Result<(), HtmlError> {
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
    fn visit<'a>(
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

struct Source {
    name: String,
    /// Where it came from, for error messages.
    origin: String,
    text: String,
}

fn template_name(file: &str) -> &str {
    file.split('.').next().unwrap_or(file)
}

/// The embedded templates, each replaced by the user's copy when
/// `template_dir` has one, plus the user's extra partials.
fn template_sources(template_dir: Option<&Path>) -> Result<Vec<Source>, HtmlError> {
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

fn origin_of(sources: &[Source], name: Option<&str>) -> String {
    name.and_then(|n| sources.iter().find(|s| s.name == n))
        .map(|s| s.origin.clone())
        .unwrap_or_else(|| name.unwrap_or("(unknown)").to_string())
}

fn position(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(" (line {l}, column {c})"),
        (Some(l), None) => format!(" (line {l})"),
        _ => String::new(),
    }
}

/// Handlebars' own messages span several lines (with a code excerpt): keep
/// the reason and the position on one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn template_error(
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

fn render_error(sources: &[Source], e: &handlebars::RenderError) -> HtmlError {
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

// ---------------------------------------------------------------------------
// The view: what the templates see (documented in docs/reports.md).

/// The JSON report as templates see it: every field but `findings` and
/// `shared_evidence`. Handlebars turns its context into a JSON value tree;
/// with the findings in it, a 5,000-account report became gigabytes of
/// tree before a byte was written. The findings reach templates through the
/// block helpers instead.
#[derive(Debug, Serialize)]
struct ReportHead<'a> {
    schema_version: u32,
    tool: &'a super::model::ReportTool,
    generated_at: &'a chrono::DateTime<chrono::Utc>,
    snapshot: &'a super::model::SnapshotInfo,
    scope: &'a super::model::ReportScope,
    fail_on: Severity,
    exit_code: u8,
    summary: &'a super::model::Summary,
    checks: &'a BTreeMap<String, ReportCheck>,
    collection_errors: &'a [super::model::ReportCollectionError],
    policy: &'a super::model::ReportPolicy,
    framework: &'a Option<ReportFramework>,
    baseline: &'a Option<super::model::ReportBaseline>,
}

impl<'a> ReportHead<'a> {
    fn of(r: &'a Report) -> Self {
        ReportHead {
            schema_version: r.schema_version,
            tool: &r.tool,
            generated_at: &r.generated_at,
            snapshot: &r.snapshot,
            scope: &r.scope,
            fail_on: r.fail_on,
            exit_code: r.exit_code,
            summary: &r.summary,
            checks: &r.checks,
            collection_errors: &r.collection_errors,
            policy: &r.policy,
            framework: &r.framework,
            baseline: &r.baseline,
        }
    }
}

#[derive(Debug, Serialize)]
struct View<'a> {
    report: ReportHead<'a>,
    /// `generated_at` and `collected_at` as `YYYY-MM-DD HH:MM:SS UTC`.
    generated_at: String,
    collected_at: String,
    caller_arn: String,
    account_count: usize,
    region_count: usize,
    exit_meaning: &'static str,
    /// Base64 SHA-256 of the rendered script, for the CSP header.
    script_sha256: String,
    statuses: Vec<Label>,
    severities: Vec<Label>,
    summary: SummaryView,
    frameworks: Vec<FrameworkView>,
    accounts: &'a [&'a str],
    matrix: MatrixView,
    checks: Vec<CheckView<'a>>,
    /// How the evidence is stored in the page (see [`EvidenceStore`]).
    evidence: EvidenceInfo,
    collection_errors: Vec<ErrorView<'a>>,
    /// Every `[[waiver]]` with its state's label.
    waivers: Vec<WaiverView<'a>>,
    /// With `--baseline`: counts and the resolved findings; else null.
    baseline: Option<BaselineView<'a>>,
    /// Options of the change filter (empty without a baseline).
    changes: Vec<Label>,
}

#[derive(Debug, Serialize)]
struct WaiverView<'a> {
    waiver: &'a ReportWaiver,
    /// `active`, `expiring_soon`, `expired`, `stale`, `not_evaluated`.
    state: &'static str,
    label: &'static str,
    /// What the state asks of the reader (empty when nothing).
    advice: String,
    /// Accounts, regions and resources it is limited to; `all` when none.
    scope: String,
}

#[derive(Debug, Serialize)]
struct BaselineView<'a> {
    sha256: &'a str,
    generated_at: String,
    new: usize,
    unchanged: usize,
    resolved: usize,
    /// Findings that now pass, then those no longer reported.
    resolved_findings: Vec<ResolvedView<'a>>,
}

#[derive(Debug, Serialize)]
struct ResolvedView<'a> {
    check_id: &'a str,
    title: &'a str,
    severity: &'static str,
    account_id: &'a str,
    region: &'a str,
    resource: &'a str,
    /// `now pass`, `now not_applicable` or `no longer reported`.
    how: String,
}

#[derive(Debug, Serialize)]
struct Label {
    key: &'static str,
    label: &'static str,
}

#[derive(Debug, Serialize)]
struct Count {
    status: &'static str,
    label: &'static str,
    count: usize,
}

#[derive(Debug, Serialize)]
struct SummaryView {
    total: usize,
    by_status: Vec<Count>,
    by_severity: Vec<SeverityRow>,
}

#[derive(Debug, Serialize)]
struct SeverityRow {
    severity: &'static str,
    label: &'static str,
    total: usize,
    counts: Vec<Count>,
}

#[derive(Debug, Serialize)]
struct FrameworkView {
    key: String,
    name: String,
    /// The run's `--framework`: its controls come from the model and are
    /// shown expanded.
    selected: bool,
    controls_total: usize,
    passed: usize,
    failed: usize,
    /// Controls with an `error` finding and no failing one: not proven.
    incomplete: usize,
    /// Controls whose worst finding is an accepted (waived) failure.
    waived: usize,
    not_applicable: usize,
    /// Controls none of whose checks ran (the configuration disabled them
    /// all): not evaluated, so counted neither as passed nor as N/A.
    disabled: usize,
    controls: Vec<ControlView>,
}

#[derive(Debug, Serialize)]
struct ControlView {
    id: String,
    status: &'static str,
    label: &'static str,
    checks: Vec<String>,
    /// Its checks the configuration disabled (the run's framework only).
    disabled_checks: Vec<String>,
    counts: StatusCounts,
}

/// The matrix's columns; its rows come one at a time from the
/// `matrix_rows` block helper.
#[derive(Debug, Serialize)]
struct MatrixView {
    checks: Vec<MatrixColumn>,
}

#[derive(Debug, Serialize)]
struct MatrixColumn {
    id: String,
    title: String,
    severity: &'static str,
    frameworks: String,
}

/// One account's row of the matrix (a `matrix_rows` item). A cell's check,
/// severity and frameworks are its column's: repeating them in each of
/// 175,000 cells made a third of a large page.
#[derive(Debug, Serialize)]
struct MatrixRow<'a> {
    account: &'a str,
    cells: Vec<MatrixCell>,
}

#[derive(Debug, Serialize)]
struct MatrixCell {
    /// Worst status of the account's findings for the check; `none` when
    /// the check produced no finding for the account.
    status: &'static str,
    label: &'static str,
}

#[derive(Debug, Serialize)]
struct CheckView<'a> {
    id: &'a str,
    title: &'a str,
    severity: &'static str,
    /// Paragraphs, each reflowed onto one line.
    rationale: Vec<String>,
    /// Space-separated framework keys, for the framework filter.
    framework_keys: String,
    frameworks: Vec<FrameworkControls>,
    console: Vec<String>,
    cli: &'a str,
    worst: &'static str,
    worst_label: &'static str,
    counts: Vec<Count>,
    /// Findings; the groups themselves come from `{{#finding_groups id}}`.
    total: usize,
}

#[derive(Debug, Serialize)]
struct FrameworkControls {
    name: String,
    controls: String,
}

/// Findings of one check with the same verdict, message, waiver and
/// baseline change (a `finding_groups` item): the message is shown once for
/// the 2,500 accounts an organization trail covers, not once per account.
#[derive(Debug, Serialize)]
struct GroupView<'a> {
    status: &'static str,
    label: &'static str,
    /// `new`, `unchanged`, `resolved`, or empty without a baseline.
    change: &'static str,
    change_label: &'static str,
    /// The waiver that waived them, or whose expiry made them fail again.
    waiver: Option<WaiverNoteView<'a>>,
    message: &'a str,
    count: usize,
    findings: Vec<RowView<'a>>,
}

/// One finding of a group: where it is, and which evidence item it rests on.
#[derive(Debug, Serialize)]
struct RowView<'a> {
    account_id: &'a str,
    region: &'a str,
    resource: &'a str,
    /// Number of its evidence in the page's evidence store.
    evidence: usize,
}

#[derive(Debug, Serialize)]
struct EvidenceInfo {
    /// Distinct evidence items (findings share an item when their evidence
    /// is identical).
    items: usize,
    chunks: usize,
}

/// One compressed chunk of the evidence store (an `evidence_chunks` item).
#[derive(Debug, Serialize)]
struct ChunkView<'a> {
    /// Number of its first item.
    first: usize,
    /// Base64 of the gzip of `{"items":[...],"shared":{key: evidence}}`.
    data: &'a str,
}

#[derive(Debug, Serialize)]
struct WaiverNoteView<'a> {
    index: usize,
    reason: &'a str,
    owner: &'a str,
    expires: String,
    expired: bool,
}

#[derive(Debug, Serialize)]
struct ErrorView<'a> {
    account_id: &'a str,
    region: &'a str,
    service: &'a str,
    operation: &'a str,
    code: &'a str,
    message: &'a str,
}

fn waiver_view(w: &ReportWaiver) -> WaiverView<'_> {
    let words = view::waiver_state(&w.state, w.days_left);
    let scope: Vec<String> = w
        .narrowed_by()
        .into_iter()
        .map(|(what, list)| format!("{what}: {}", list.join(", ")))
        .collect();
    WaiverView {
        waiver: w,
        state: words.key,
        label: words.label,
        advice: words.advice,
        scope: if scope.is_empty() {
            "all resources of the check".to_string()
        } else {
            scope.join("; ")
        },
    }
}

fn resolved_view<'a>(report: &'a Report, f: &'a ReportFinding, how: String) -> ResolvedView<'a> {
    ResolvedView {
        check_id: &f.check_id,
        title: &report.check(&f.check_id).title,
        severity: f.severity.as_str(),
        account_id: &f.account_id,
        region: f.region.as_deref().unwrap_or("global"),
        resource: &f.resource,
        how,
    }
}

use super::model::worst;

fn counts(c: &StatusCounts) -> Vec<Count> {
    Status::ALL
        .iter()
        .map(|s| Count {
            status: s.as_str(),
            label: view::status(*s).label,
            count: c.get(*s),
        })
        .collect()
}

fn framework_keys(check: &ReportCheck) -> String {
    view::check_frameworks(check)
        .into_iter()
        .map(|(key, _, _)| key)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The metadata's prose is hard-wrapped for terminals: on a page, only its
/// blank lines separate paragraphs.
fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}

fn utc(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// What the page is built from, computed once before rendering: the
/// findings grouped per check, the matrix's worst statuses, and the
/// evidence store. The block helpers read it while the page streams out.
struct PageData<'a> {
    report: &'a Report,
    /// Check ids in report (registry) order.
    order: Vec<&'a str>,
    /// Per check (same order): its groups, failing first.
    groups: Vec<Vec<Group>>,
    /// Every account in scope, then any other a finding names.
    accounts: Vec<&'a str>,
    /// Per account (same order), per check: the worst status, if any.
    cells: Vec<Vec<Option<Status>>>,
    evidence: EvidenceStore,
}

/// Findings (indexes into `report.findings`) that share a verdict, message,
/// waiver and change.
struct Group {
    members: Vec<usize>,
}

/// Every distinct evidence text once, gzip-compressed in chunks.
///
/// A 5,000-account organization's findings carry 280 MB of evidence when
/// each is written out whole: the organization trail's analysis under every
/// account, and each workload account's own trail, bucket and recorder.
/// Here each distinct evidence text is stored once (findings refer to it by
/// number), the shared evidence it refers to travels with it in its chunk,
/// and chunks are compressed: the page's script inflates a chunk when a
/// reader opens an evidence cell (and, for a small report, every chunk at
/// load, so that printing shows all evidence).
struct EvidenceStore {
    /// Per finding: the number of its evidence item.
    of_finding: Vec<usize>,
    items: usize,
    /// (first item, base64 gzip payload).
    chunks: Vec<(usize, String)>,
}

/// A chunk closes at this many items or this much text, whichever comes
/// first: small enough to inflate at a click, large enough to compress well.
const CHUNK_ITEMS: usize = 256;
const CHUNK_BYTES: usize = 256 * 1024;

impl EvidenceStore {
    fn build(report: &Report) -> EvidenceStore {
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut items: Vec<&str> = Vec::new();
        let of_finding = report
            .findings
            .iter()
            .map(|f| {
                let text = f.evidence.text();
                *index.entry(text).or_insert_with(|| {
                    items.push(text);
                    items.len() - 1
                })
            })
            .collect();
        // Chunk boundaries, then the chunks compressed on every core.
        let mut bounds: Vec<(usize, usize)> = Vec::new();
        let (mut start, mut bytes) = (0, 0);
        for (i, text) in items.iter().enumerate() {
            bytes += text.len();
            if i + 1 - start >= CHUNK_ITEMS || bytes >= CHUNK_BYTES {
                bounds.push((start, i + 1));
                (start, bytes) = (i + 1, 0);
            }
        }
        if start < items.len() {
            bounds.push((start, items.len()));
        }
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, 8);
        let per_thread = bounds.len().div_ceil(threads).max(1);
        let chunks: Vec<(usize, String)> = std::thread::scope(|scope| {
            let handles: Vec<_> = bounds
                .chunks(per_thread)
                .map(|part| {
                    let items = &items;
                    scope.spawn(move || {
                        part.iter()
                            .map(|&(a, b)| (a, compress_chunk(report, &items[a..b])))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("evidence compression does not panic"))
                .collect()
        });
        EvidenceStore {
            of_finding,
            items: items.len(),
            chunks,
        }
    }
}

/// `{"items":[...],"shared":{key: evidence}}` for some evidence texts, with
/// the shared evidence they refer to, gzip-compressed and in base64. The
/// texts are the report's own JSON, copied as they are.
fn compress_chunk(report: &Report, texts: &[&str]) -> String {
    use std::io::Write as _;
    let mut shared: BTreeSet<String> = BTreeSet::new();
    for text in texts {
        if text.contains(crate::finding::SHARED_EVIDENCE_REF) {
            if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
                shared_keys(&value, &mut shared);
            }
        }
    }
    let mut json = String::with_capacity(texts.iter().map(|t| t.len() + 1).sum::<usize>() + 32);
    json.push_str("{\"items\":[");
    for (i, text) in texts.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        json.push_str(text);
    }
    json.push_str("],\"shared\":{");
    let mut first = true;
    for key in &shared {
        if let Some(evidence) = report.shared_evidence.get(key) {
            if !first {
                json.push(',');
            }
            first = false;
            json.push_str(&serde_json::to_string(key).expect("a string serializes"));
            json.push(':');
            json.push_str(evidence.json.text());
        }
    }
    json.push_str("}}");
    let mut gz = flate2::write::GzEncoder::new(
        Vec::with_capacity(json.len() / 8),
        // Fast: at level 1 the evidence of 5,000 accounts compresses in a
        // fraction of the time level 6 takes, for a page a few MB larger.
        flate2::Compression::fast(),
    );
    gz.write_all(json.as_bytes())
        .expect("writing to memory does not fail");
    let bytes = gz.finish().expect("writing to memory does not fail");
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The keys of the shared evidence a value refers to (at any depth).
fn shared_keys(value: &serde_json::Value, keys: &mut BTreeSet<String>) {
    if let Some(key) = crate::finding::shared_evidence_key(value) {
        keys.insert(key.to_string());
        return;
    }
    match value {
        serde_json::Value::Object(map) => map.values().for_each(|v| shared_keys(v, keys)),
        serde_json::Value::Array(list) => list.iter().for_each(|v| shared_keys(v, keys)),
        _ => {}
    }
}

impl<'a> PageData<'a> {
    fn build(report: &'a Report) -> PageData<'a> {
        let checks = view::checks(report);
        let check_index = &checks.index;
        let order = checks.ids.clone();
        // Per check, its groups (see `view::group_findings`), failing first.
        let mut groups: Vec<Vec<Group>> = (0..order.len()).map(|_| Vec::new()).collect();
        for g in view::group_findings(report, |_| true) {
            let c = check_index[report.findings[g.members[0]].check_id.as_str()];
            groups[c].push(Group { members: g.members });
        }
        for list in &mut groups {
            list.sort_by_key(|g| {
                std::cmp::Reverse(super::model::badness(report.findings[g.members[0]].status))
            });
        }

        let accounts = view::accounts(report);
        let cells = view::matrix(report, &accounts, &checks);
        let accounts = accounts.ids;
        PageData {
            report,
            order,
            groups,
            accounts,
            cells,
            evidence: EvidenceStore::build(report),
        }
    }

    fn group_view(&self, group: &Group) -> GroupView<'a> {
        let report = self.report;
        let first = &report.findings[group.members[0]];
        GroupView {
            status: first.status.as_str(),
            label: view::status(first.status).label,
            change: first.change.map_or("", Change::as_str),
            change_label: view::change(first.change),
            waiver: first.waiver.as_ref().map(|w| WaiverNoteView {
                index: w.index,
                reason: &w.reason,
                owner: &w.owner,
                expires: w.expires.to_string(),
                expired: w.expired,
            }),
            message: &first.message,
            count: group.members.len(),
            findings: group
                .members
                .iter()
                .map(|&i| {
                    let f = &report.findings[i];
                    RowView {
                        account_id: &f.account_id,
                        region: f.region.as_deref().unwrap_or("global"),
                        resource: &f.resource,
                        evidence: self.evidence.of_finding[i],
                    }
                })
                .collect(),
        }
    }
}

// ---------------------------------------------------------------------------
// Block helpers: the page's long lists, one item at a time.

/// Renders the helper's block once per item, each item being the block's
/// context (as `{{#each}}` does), without ever holding the whole list.
fn render_items<'reg: 'rc, 'rc, T: Serialize>(
    items: impl Iterator<Item = T>,
    h: &handlebars::Helper<'rc>,
    r: &'reg Handlebars<'reg>,
    ctx: &'rc handlebars::Context,
    rc: &mut handlebars::RenderContext<'reg, 'rc>,
    out: &mut dyn handlebars::Output,
) -> handlebars::HelperResult {
    use handlebars::Renderable as _;
    let Some(template) = h.template() else {
        return Ok(());
    };
    for item in items {
        let value = serde_json::to_value(item).map_err(handlebars::RenderErrorReason::from)?;
        let mut block = handlebars::BlockContext::new();
        block.set_base_value(value);
        rc.push_block(block);
        let rendered = template.render(r, ctx, rc, out);
        rc.pop_block();
        rendered?;
    }
    Ok(())
}

/// `{{#finding_groups id}}…{{/finding_groups}}`: the groups of check `id`.
struct FindingGroups<'d>(&'d PageData<'d>);
/// `{{#matrix_rows}}…{{/matrix_rows}}`: one row per account.
struct MatrixRows<'d>(&'d PageData<'d>);
/// `{{#evidence_chunks}}…{{/evidence_chunks}}`: the compressed evidence.
struct EvidenceChunks<'d>(&'d PageData<'d>);

impl handlebars::HelperDef for FindingGroups<'_> {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &handlebars::Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc handlebars::Context,
        rc: &mut handlebars::RenderContext<'reg, 'rc>,
        out: &mut dyn handlebars::Output,
    ) -> handlebars::HelperResult {
        let id = h.param(0).and_then(|p| p.value().as_str()).ok_or(
            handlebars::RenderErrorReason::ParamNotFoundForIndex("finding_groups", 0),
        )?;
        let data = self.0;
        let groups = match data.order.iter().position(|c| *c == id) {
            Some(c) => data.groups[c].as_slice(),
            None => &[],
        };
        render_items(
            groups.iter().map(|g| data.group_view(g)),
            h,
            r,
            ctx,
            rc,
            out,
        )
    }
}

impl handlebars::HelperDef for MatrixRows<'_> {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &handlebars::Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc handlebars::Context,
        rc: &mut handlebars::RenderContext<'reg, 'rc>,
        out: &mut dyn handlebars::Output,
    ) -> handlebars::HelperResult {
        let data = self.0;
        let rows = data
            .accounts
            .iter()
            .zip(&data.cells)
            .map(|(account, cells)| MatrixRow {
                account,
                cells: cells
                    .iter()
                    .map(|w| MatrixCell {
                        status: w.map_or("none", Status::as_str),
                        label: w.map_or("—", |s| view::status(s).label),
                    })
                    .collect(),
            });
        render_items(rows, h, r, ctx, rc, out)
    }
}

impl handlebars::HelperDef for EvidenceChunks<'_> {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &handlebars::Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc handlebars::Context,
        rc: &mut handlebars::RenderContext<'reg, 'rc>,
        out: &mut dyn handlebars::Output,
    ) -> handlebars::HelperResult {
        let chunks = self
            .0
            .evidence
            .chunks
            .iter()
            .map(|(first, data)| ChunkView {
                first: *first,
                data,
            });
        render_items(chunks, h, r, ctx, rc, out)
    }
}

fn register_row_helpers<'d>(hb: &mut Handlebars<'d>, data: &'d PageData<'d>) {
    hb.register_helper("finding_groups", Box::new(FindingGroups(data)));
    hb.register_helper("matrix_rows", Box::new(MatrixRows(data)));
    hb.register_helper("evidence_chunks", Box::new(EvidenceChunks(data)));
}

impl<'a> View<'a> {
    fn build(report: &'a Report, data: &'a PageData<'a>) -> View<'a> {
        let order = &data.order;
        let checks: Vec<CheckView<'a>> = order
            .iter()
            .zip(&data.groups)
            .map(|(id, groups)| check_view(report, id, groups))
            .collect();
        let matrix = MatrixView {
            checks: order
                .iter()
                .zip(&checks)
                .map(|(id, check)| MatrixColumn {
                    id: id.to_string(),
                    title: check.title.to_string(),
                    severity: check.severity,
                    frameworks: check.framework_keys.clone(),
                })
                .collect(),
        };

        View {
            report: ReportHead::of(report),
            generated_at: utc(&report.generated_at),
            collected_at: utc(&report.snapshot.collected_at),
            caller_arn: report
                .snapshot
                .caller_arn
                .clone()
                .unwrap_or_else(|| "unknown (not recorded in the snapshot)".into()),
            account_count: report.scope.accounts.len(),
            region_count: report.scope.regions.len(),
            exit_meaning: match report.exit_code {
                0 => "clean: no failing finding at or above the threshold",
                1 => "failing: a finding at or above the threshold fails",
                3 => "incomplete: some facts could not be collected or judged",
                _ => "see the exit code table in the README",
            },
            script_sha256: String::new(),
            statuses: Status::ALL
                .iter()
                .map(|s| Label {
                    key: s.as_str(),
                    label: view::status(*s).label,
                })
                .collect(),
            severities: Severity::ALL
                .iter()
                .rev()
                .map(|s| Label {
                    key: s.as_str(),
                    label: view::severity(*s),
                })
                .collect(),
            summary: SummaryView {
                total: report.summary.total,
                by_status: counts(&report.summary.by_status),
                by_severity: Severity::ALL
                    .iter()
                    .rev()
                    .map(|s| {
                        let c = report
                            .summary
                            .by_severity
                            .get(s)
                            .copied()
                            .unwrap_or_default();
                        SeverityRow {
                            severity: s.as_str(),
                            label: view::severity(*s),
                            total: c.total(),
                            counts: counts(&c),
                        }
                    })
                    .collect(),
            },
            frameworks: view::control_tables(report)
                .iter()
                .map(framework_view)
                .collect(),
            accounts: &data.accounts,
            matrix,
            checks,
            evidence: EvidenceInfo {
                items: data.evidence.items,
                chunks: data.evidence.chunks.len(),
            },
            waivers: report.policy.waivers.iter().map(waiver_view).collect(),
            baseline: report.baseline.as_ref().map(|b| BaselineView {
                sha256: &b.sha256,
                generated_at: utc(&b.generated_at),
                new: b.new,
                unchanged: b.unchanged,
                resolved: b.resolved,
                resolved_findings: report
                    .findings
                    .iter()
                    .filter(|f| f.change == Some(Change::Resolved))
                    .map(|f| {
                        resolved_view(report, f, format!("now {}", view::status(f.status).label))
                    })
                    .chain(
                        b.no_longer_reported
                            .iter()
                            .map(|f| resolved_view(report, f, "no longer reported".to_string())),
                    )
                    .collect(),
            }),
            changes: if report.baseline.is_some() {
                [Change::New, Change::Unchanged, Change::Resolved]
                    .iter()
                    .map(|c| Label {
                        key: c.as_str(),
                        label: view::change(Some(*c)),
                    })
                    .collect()
            } else {
                Vec::new()
            },
            collection_errors: report
                .collection_errors
                .iter()
                .map(|e| ErrorView {
                    account_id: &e.account_id,
                    region: e.region.as_deref().unwrap_or("global"),
                    service: &e.service,
                    operation: &e.operation,
                    code: &e.code,
                    message: &e.message,
                })
                .collect(),
        }
    }
}

fn check_view<'a>(report: &'a Report, id: &'a str, groups: &[Group]) -> CheckView<'a> {
    let findings = || {
        groups
            .iter()
            .flat_map(|g| g.members.iter().map(|&i| &report.findings[i]))
    };
    let first = &report.findings[groups[0].members[0]];
    let check = report.check(id);
    let mut c = StatusCounts::default();
    for f in findings() {
        c.add(f.status);
    }
    let w = worst(findings().map(|f| f.status)).unwrap_or(Status::NotApplicable);
    CheckView {
        id,
        title: &check.title,
        severity: first.severity.as_str(),
        rationale: paragraphs(&check.rationale),
        framework_keys: framework_keys(check),
        frameworks: view::check_frameworks(check)
            .into_iter()
            .map(|(_, name, ids)| FrameworkControls {
                name,
                controls: ids.join(", "),
            })
            .collect(),
        console: paragraphs(&check.remediation.console),
        cli: &check.remediation.cli,
        worst: w.as_str(),
        worst_label: view::status(w).label,
        counts: counts(&c),
        total: c.total(),
    }
}

/// A framework's control table (see [`view::control_tables`]) for templates.
fn framework_view(table: &view::ControlTable) -> FrameworkView {
    use view::ControlVerdict::{Disabled, Judged};
    FrameworkView {
        key: table.key.clone(),
        name: table.name.clone(),
        selected: table.selected,
        controls_total: table.rows.len(),
        passed: table.count(Judged(Status::Pass)),
        failed: table.count(Judged(Status::Fail)),
        incomplete: table.count(Judged(Status::Error)),
        waived: table.count(Judged(Status::Waived)),
        not_applicable: table.count(Judged(Status::NotApplicable)),
        disabled: table.count(Disabled),
        controls: table
            .rows
            .iter()
            .map(|r| ControlView {
                id: r.id.clone(),
                status: r.verdict.key(),
                label: r.verdict.label(),
                checks: r.checks.clone(),
                disabled_checks: r.disabled_checks.clone(),
                counts: r.counts,
            })
            .collect(),
    }
}

// ---------------------------------------------------------------------------
// SHA-256 and base64 for the CSP script hash (sha2 is already a dependency;
// base64 is small enough not to add a crate for).

fn sha256(bytes: &[u8]) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).to_vec()
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::Snapshot;
    use chrono::TimeZone as _;

    const DEMO: &str = include_str!("../../examples/demo-org.snapshot.json");
    const HOSTILE_TRAIL: &str = "<script>alert(1)</script>";
    const HOSTILE_BUCKET: &str = "\"'><img src=x onerror=alert(2)>";

    fn report_of(snapshot_json: &str) -> Report {
        let snapshot = Snapshot::from_slice(snapshot_json.as_bytes(), "test").unwrap();
        crate::report::assemble::assemble_report(
            &snapshot,
            "0123abcd",
            &crate::report::assemble::Gate::with_fail_on(Severity::Low),
            &crate::config::Config::default(),
            chrono::Utc.with_ymd_and_hms(2026, 11, 2, 8, 30, 0).unwrap(),
        )
        .0
    }

    fn html_of(report: &Report, dir: Option<&Path>) -> String {
        String::from_utf8(render(report, dir).unwrap()).unwrap()
    }

    /// Every `data-count="KEY">N<` of the page.
    fn shown_counts(html: &str) -> BTreeMap<String, usize> {
        html.split("data-count=\"")
            .skip(1)
            .map(|rest| {
                let key = &rest[..rest.find('"').unwrap()];
                let after = &rest[rest.find('>').unwrap() + 1..];
                let n = after[..after.find('<').unwrap()].trim().parse().unwrap();
                (key.to_string(), n)
            })
            .collect()
    }

    #[test]
    fn summary_counts_are_the_reports() {
        let report = report_of(DEMO);
        let html = html_of(&report, None);
        let shown = shown_counts(&html);
        let s = &report.summary;
        assert!(s.by_status.fail > 0 && s.by_status.pass > 0 && s.by_status.error > 0);
        assert_eq!(shown["total"], s.total);
        assert_eq!(shown["status:pass"], s.by_status.pass);
        assert_eq!(shown["status:fail"], s.by_status.fail);
        assert_eq!(shown["status:error"], s.by_status.error);
        assert_eq!(shown["status:not_applicable"], s.by_status.not_applicable);
        for (severity, c) in &s.by_severity {
            let k = |st: &str| shown[&format!("severity:{}:{st}", severity.as_str())];
            assert_eq!(
                (k("pass"), k("fail"), k("error"), k("not_applicable")),
                (c.pass, c.fail, c.error, c.not_applicable),
                "{severity:?}"
            );
        }
        // One finding row per finding.
        assert_eq!(html.matches("<tr class=\"finding\"").count(), s.total);
    }

    #[test]
    fn cover_names_scope_caller_times_version_and_snapshot_hash() {
        let report = report_of(DEMO);
        let html = html_of(&report, None);
        for needle in [
            "0123abcd",
            "2026-11-01 12:00:00 UTC",
            "2026-11-02 08:30:00 UTC",
            "o-7k2m9x4q1w",
            "444444444444",
            "eu-west-1",
            report.snapshot.caller_arn.as_deref().unwrap(),
            &format!("trailwarden {}", env!("CARGO_PKG_VERSION")),
        ] {
            assert!(html.contains(needle), "missing {needle}");
        }
        // The collection errors are listed.
        assert_eq!(
            html.matches("<tr class=\"collection-error\"").count(),
            report.collection_errors.len()
        );
        assert!(!report.collection_errors.is_empty());
    }

    #[test]
    fn hostile_names_render_as_text() {
        let json = DEMO.replace("org-trail", HOSTILE_TRAIL).replace(
            "acme-org-cloudtrail-logs-222222222222",
            &HOSTILE_BUCKET.replace('"', "\\\""),
        );
        let report = report_of(&json);
        let html = html_of(&report, None);
        // The names reached the report...
        let in_report = serde_json::to_string(&report).unwrap();
        assert!(in_report.contains("alert(1)") && in_report.contains("alert(2)"));
        // ...and the page shows them only as text.
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("&quot;&#x27;&gt;&lt;img src&#x3D;x onerror&#x3D;alert(2)&gt;"));
        assert!(!html.contains("<script>alert"));
        assert!(!html.contains("<img"));
        assert!(!html.contains("onerror="));
        assert_eq!(
            html.matches("<script").count(),
            1,
            "only the report's script"
        );
        assert_eq!(html.matches("</script>").count(), 1);
    }

    #[test]
    fn self_contained_no_external_resources() {
        let html = html_of(&report_of(DEMO), None);
        let lower = html.to_ascii_lowercase();
        for bad in [
            "src=\"http",
            "href=\"http",
            "src=\"//",
            "href=\"//",
            "url(",
            "@import",
            "<link",
            "<iframe",
        ] {
            assert!(!lower.contains(bad), "{bad}");
        }
        assert!(html.contains("<style>") && html.contains("<script>"));
        assert!(html.contains("default-src 'none'"));
    }

    #[test]
    fn csp_hash_is_the_scripts() {
        let html = html_of(&report_of(DEMO), None);
        let start = html.find("<script>").unwrap() + "<script>".len();
        let end = html.find("</script>").unwrap();
        let expected = base64(&sha256(&html.as_bytes()[start..end]));
        let escaped = expected.replace('=', "&#x3D;");
        assert!(
            html.contains(&format!("script-src 'sha256-{escaped}'")),
            "{expected}"
        );
    }

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (input, out) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), out);
        }
    }

    fn finding(check: &str, account: &str, status: Status) -> ReportFinding {
        ReportFinding {
            check_id: check.into(),
            severity: Severity::High,
            status,
            account_id: account.into(),
            region: None,
            resource: format!("res-{account}"),
            message: "m".into(),
            evidence: crate::finding::EvidenceJson::of(&serde_json::json!({})),
            waiver: None,
            change: None,
        }
    }

    #[test]
    fn matrix_cell_is_the_worst_status() {
        let mut report = report_of(DEMO);
        report.scope.accounts = vec!["1".into(), "2".into()];
        report.findings = vec![
            finding("a", "1", Status::Pass),
            finding("a", "1", Status::Error),
            finding("a", "1", Status::Fail),
            finding("a", "2", Status::NotApplicable),
            finding("a", "2", Status::Pass),
            finding("b", "1", Status::Error),
        ];
        let data = PageData::build(&report);
        let cells: Vec<Vec<&str>> = data
            .cells
            .iter()
            .map(|r| r.iter().map(|c| c.map_or("none", Status::as_str)).collect())
            .collect();
        assert_eq!(cells, [vec!["fail", "error"], vec!["pass", "none"]]);
        // The page shows the same, one cell per check in each account's row.
        let html = html_of(&report, None);
        assert!(html.contains(
            "<tr><th scope=\"row\">1</th><td class=\"s-fail\">FAIL</td><td class=\"s-error\">ERROR</td></tr>"
        ));
        assert!(html.contains(
            "<tr><th scope=\"row\">2</th><td class=\"s-pass\">PASS</td><td class=\"s-none\">—</td></tr>"
        ));
    }

    /// The payload of every chunk, inflated as the page's script does.
    fn inflated_chunks(store: &EvidenceStore) -> Vec<(usize, serde_json::Value)> {
        use base64::Engine as _;
        use std::io::Read as _;
        store
            .chunks
            .iter()
            .map(|(first, data)| {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(data)
                    .unwrap();
                let mut text = String::new();
                flate2::read::GzDecoder::new(bytes.as_slice())
                    .read_to_string(&mut text)
                    .unwrap();
                (*first, serde_json::from_str(&text).unwrap())
            })
            .collect()
    }

    #[test]
    fn evidence_is_stored_once_and_resolves_to_each_findings_whole_evidence() {
        let report = report_of(DEMO);
        let store = EvidenceStore::build(&report);
        let distinct: BTreeSet<&str> = report.findings.iter().map(|f| f.evidence.text()).collect();
        assert_eq!(store.items, distinct.len());
        assert!(
            store.items < report.findings.len(),
            "the demo shares evidence"
        );
        let chunks = inflated_chunks(&store);
        assert_eq!(chunks[0].0, 0);
        let item = |n: usize| {
            let (first, payload) = chunks.iter().rev().find(|(first, _)| *first <= n).unwrap();
            (
                payload["items"][n - first].clone(),
                payload["shared"].clone(),
            )
        };
        let mut shared_refs = 0;
        for (i, f) in report.findings.iter().enumerate() {
            let (value, shared) = item(store.of_finding[i]);
            assert_eq!(value, f.evidence.value(), "finding {i}");
            // Resolved with the shared evidence its chunk carries, it is
            // the finding's evidence whole, as the JSON report states it.
            let whole = crate::finding::resolve_shared(&value, &|key| shared.get(key).cloned());
            assert_eq!(whole, report.evidence_of(f), "finding {i}");
            if f.evidence
                .text()
                .contains(crate::finding::SHARED_EVIDENCE_REF)
            {
                shared_refs += 1;
            }
        }
        assert!(shared_refs > 0, "the demo has shared evidence");
    }

    #[test]
    fn findings_are_grouped_by_verdict_and_message_failing_first() {
        let mut report = report_of(DEMO);
        report.scope.accounts = vec!["1".into(), "2".into(), "3".into()];
        let mut odd = finding("a", "3", Status::Fail);
        odd.message = "other".into();
        report.findings = vec![
            finding("a", "1", Status::Pass),
            finding("a", "2", Status::Fail),
            finding("a", "1", Status::Fail),
            odd,
            finding("b", "1", Status::Error),
        ];
        let data = PageData::build(&report);
        let shape: Vec<Vec<Vec<usize>>> = data
            .groups
            .iter()
            .map(|g| g.iter().map(|g| g.members.clone()).collect())
            .collect();
        assert_eq!(shape, [vec![vec![1, 2], vec![3], vec![0]], vec![vec![4]]]);
        let html = html_of(&report, None);
        assert_eq!(html.matches("<tr class=\"finding\"").count(), 5);
        assert_eq!(html.matches("<tbody class=\"group\"").count(), 4);
        assert!(html.contains(
            "<span class=\"message\">m</span> <span class=\"count\">· 2 finding(s)</span>"
        ));
    }

    fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        dir
    }

    #[test]
    fn template_dir_overrides_file_by_file_and_adds_partials() {
        let dir = dir_with(&[
            (
                "cover.html.hbs",
                "<header id=\"cover\">{{> logo}} ACME audit of {{report.scope.organization_id}}</header>",
            ),
            ("logo.html.hbs", "<span class=\"logo\">ACME</span>"),
            ("notes.txt", "ignored: not a template"),
        ]);
        let report = report_of(DEMO);
        let html = html_of(&report, Some(dir.path()));
        assert!(html.contains("<span class=\"logo\">ACME</span> ACME audit of o-7k2m9x4q1w"));
        assert!(!html.contains("Audit-logging posture of"), "cover replaced");
        // The files the directory lacks are the built-in ones.
        assert!(html.contains("Executive summary") && html.contains("data-ready"));
    }

    fn error_of(files: &[(&str, &str)]) -> String {
        let dir = dir_with(files);
        let e = render(&report_of(DEMO), Some(dir.path())).unwrap_err();
        let text = e.to_string();
        assert!(!text.contains('\n'), "one line: {text}");
        text
    }

    /// The error `check_templates` gives (before anything renders).
    fn check_error(files: &[(&str, &str)]) -> String {
        let dir = dir_with(files);
        let text = check_templates(Some(dir.path())).unwrap_err().to_string();
        assert!(!text.contains('\n'), "one line: {text}");
        text
    }

    #[test]
    fn template_errors_are_one_line_and_name_the_file() {
        let syntax = error_of(&[("summary.html.hbs", "<h2>ok</h2>\n{{#each checks}}\n")]);
        assert!(syntax.contains("summary.html.hbs"), "{syntax}");
        assert!(syntax.contains("syntax error"), "{syntax}");

        let helper = error_of(&[("errors.html.hbs", "<p>{{shout report.tool.name}}</p>")]);
        assert!(helper.contains("errors.html.hbs"), "{helper}");
        assert!(helper.contains("shout"), "{helper}");

        let field = error_of(&[("matrix.html.hbs", "{{report.no_such_field}}")]);
        assert!(field.contains("matrix.html.hbs"), "{field}");
        assert!(field.contains("no_such_field"), "{field}");

        let clash = error_of(&[("report.css.hbs", "body {}")]);
        assert!(clash.contains("already taken"), "{clash}");

        // Issue 14, item 14: a template that includes itself, or two that
        // include each other, is a template error, not a stack overflow.
        let selfish = check_error(&[("summary.html.hbs", "<h2>{{> summary}}</h2>")]);
        assert!(
            selfish.contains("include each other without end: summary includes summary"),
            "{selfish}"
        );
        let mutual = check_error(&[
            ("summary.html.hbs", "{{#> matrix}}x{{/matrix}}"),
            ("matrix.html.hbs", "{{~> summary}}"),
        ]);
        assert!(
            mutual.contains("matrix includes summary includes matrix")
                || mutual.contains("summary includes matrix includes summary"),
            "{mutual}"
        );
        let dynamic = check_error(&[("errors.html.hbs", "{{> (concat \"sum\" \"mary\")}}")]);
        assert!(dynamic.contains("chosen at render time"), "{dynamic}");

        let missing = check_templates(Some(Path::new("/nonexistent/trailwarden-templates")))
            .unwrap_err()
            .to_string();
        assert!(
            missing.starts_with("--template-dir /nonexistent/trailwarden-templates: cannot read"),
            "{missing}"
        );
    }

    #[test]
    fn embedded_templates_compile() {
        check_templates(None).unwrap();
        // Every embedded file is referenced: none is dead weight.
        let main = TEMPLATE_FILES[0].1;
        for (file, _) in &TEMPLATE_FILES[1..] {
            let partial = format!("{{{{> {}}}}}", template_name(file));
            assert!(main.contains(&partial), "{partial}");
        }
    }
}
