//! `--format html`: one self-contained HTML document for auditors, rendered
//! through the handlebars templates in `report-templates/` (embedded in the
//! binary; `--template-dir` overrides them file by file).
//!
//! The view built here only regroups the report's frozen verdicts (per check,
//! per account, per framework control); it never re-derives one. With
//! `--framework`, the per-control results are the model's
//! (`report.framework`), not regrouped here; the policy (configuration hash,
//! disabled checks, severity overrides, waivers and their state) and the
//! baseline comparison are presented as the model states them. Every string
//! reaches the page through handlebars' HTML escaping: templates must never
//! use a triple-stash on data, and the script reads data only from escaped
//! attributes, so nothing from AWS can become markup or code.

use super::model::{
    Report, ReportCheck, ReportFinding, ReportFramework, ReportWaiver, StatusCounts,
};
use crate::checks::{Catalog, FRAMEWORKS};
use crate::finding::{Severity, Status};
use crate::policy::{Change, WaiverState};
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
}

/// Loads and compiles the templates without rendering, so a missing
/// directory or a syntax error stops the run before anything is collected.
pub fn check_templates(template_dir: Option<&Path>) -> Result<(), HtmlError> {
    registry(template_dir).map(|_| ())
}

/// Renders the report with the embedded templates, or with `template_dir`'s
/// copies where it has them.
pub fn render(report: &Report, template_dir: Option<&Path>) -> Result<Vec<u8>, HtmlError> {
    let (hb, sources) = registry(template_dir)?;
    let mut view = View::build(report, Catalog::embedded());
    // Content-Security-Policy: only this exact inline script may run, and
    // nothing may be fetched. Injected markup, if any escaped the escaping,
    // could neither execute nor phone home.
    let script = hb
        .render("script", &view)
        .map_err(|e| render_error(&sources, &e))?;
    view.script_sha256 = base64(&sha256(script.as_bytes()));
    let html = hb
        .render(MAIN, &view)
        .map_err(|e| render_error(&sources, &e))?;
    Ok(html.into_bytes())
}

fn registry(template_dir: Option<&Path>) -> Result<(Handlebars<'static>, Vec<Source>), HtmlError> {
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

#[derive(Debug, Serialize)]
struct View<'a> {
    report: &'a Report,
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
    accounts: Vec<String>,
    matrix: MatrixView,
    checks: Vec<CheckView<'a>>,
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

#[derive(Debug, Serialize)]
struct MatrixView {
    checks: Vec<MatrixColumn>,
    rows: Vec<MatrixRow>,
}

#[derive(Debug, Serialize)]
struct MatrixColumn {
    id: String,
    title: String,
    severity: &'static str,
    frameworks: String,
}

#[derive(Debug, Serialize)]
struct MatrixRow {
    account: String,
    cells: Vec<MatrixCell>,
}

#[derive(Debug, Serialize)]
struct MatrixCell {
    check_id: String,
    severity: &'static str,
    frameworks: String,
    /// Worst status of the account's findings for the check; `none` when
    /// the check produced no finding for the account.
    status: &'static str,
    label: &'static str,
    findings: usize,
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
    findings: Vec<FindingView<'a>>,
}

#[derive(Debug, Serialize)]
struct FrameworkControls {
    name: &'static str,
    controls: String,
}

#[derive(Debug, Serialize)]
struct FindingView<'a> {
    status: &'static str,
    label: &'static str,
    /// `new`, `unchanged`, `resolved`, or empty without a baseline.
    change: &'static str,
    change_label: &'static str,
    /// The waiver that waived it, or whose expiry made it fail again.
    waiver: Option<WaiverNoteView<'a>>,
    severity: &'static str,
    account_id: &'a str,
    region: &'a str,
    resource: &'a str,
    message: &'a str,
    evidence: String,
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

fn status_label(status: Status) -> &'static str {
    match status {
        Status::Pass => "PASS",
        Status::Fail => "FAIL",
        Status::Error => "ERROR",
        Status::NotApplicable => "N/A",
        Status::Waived => "WAIVED",
    }
}

fn change_label(change: Option<Change>) -> &'static str {
    match change {
        Some(Change::New) => "NEW",
        Some(Change::Unchanged) => "UNCHANGED",
        Some(Change::Resolved) => "RESOLVED",
        None => "",
    }
}

fn waiver_view(w: &ReportWaiver) -> WaiverView<'_> {
    let (state, label, advice) = match w.state {
        WaiverState::Active => ("active", "ACTIVE", String::new()),
        WaiverState::ExpiringSoon => (
            "expiring_soon",
            "EXPIRING SOON",
            format!("expires in {} day(s): renew or fix", w.days_left),
        ),
        WaiverState::Expired => (
            "expired",
            "EXPIRED",
            "expired: the failures it matched count again".to_string(),
        ),
        WaiverState::Stale => (
            "stale",
            "STALE",
            "matches no failing finding: remove it".to_string(),
        ),
        WaiverState::NotEvaluated => (
            "not_evaluated",
            "NOT EVALUATED",
            "its check did not run".to_string(),
        ),
    };
    let scope: Vec<String> = w
        .narrowed_by()
        .into_iter()
        .map(|(what, list)| format!("{what}: {}", list.join(", ")))
        .collect();
    WaiverView {
        waiver: w,
        state,
        label,
        advice,
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

fn severity_label(severity: Severity) -> &'static str {
    match severity {
        Severity::Info => "Info",
        Severity::Low => "Low",
        Severity::Medium => "Medium",
        Severity::High => "High",
        Severity::Critical => "Critical",
    }
}

use super::model::worst;

fn counts(c: &StatusCounts) -> Vec<Count> {
    Status::ALL
        .iter()
        .map(|s| Count {
            status: s.as_str(),
            label: status_label(*s),
            count: c.get(*s),
        })
        .collect()
}

fn framework_keys(check: &ReportCheck) -> String {
    FRAMEWORKS
        .iter()
        .filter(|(key, _)| {
            check
                .frameworks
                .get(*key)
                .is_some_and(|ids| !ids.is_empty())
        })
        .map(|(key, _)| *key)
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

impl<'a> View<'a> {
    fn build(report: &'a Report, catalog: &Catalog) -> View<'a> {
        // Checks in report (registry) order, each with its findings.
        let mut order: Vec<&'a str> = Vec::new();
        let mut by_check: BTreeMap<&'a str, Vec<&'a ReportFinding>> = BTreeMap::new();
        for f in &report.findings {
            let entry = by_check.entry(f.check_id.as_str()).or_default();
            if entry.is_empty() {
                order.push(f.check_id.as_str());
            }
            entry.push(f);
        }

        // Every account in scope, then any other a finding names.
        let mut accounts: Vec<String> = report.scope.accounts.clone();
        let mut listed: BTreeSet<&str> = report.scope.accounts.iter().map(String::as_str).collect();
        for f in &report.findings {
            if listed.insert(f.account_id.as_str()) {
                accounts.push(f.account_id.clone());
            }
        }
        // (check, account) → (findings, worst status): one pass, not one
        // scan of a check's findings per account.
        let mut cells: HashMap<(&str, &str), (usize, Option<Status>)> = HashMap::new();
        for f in &report.findings {
            let cell = cells
                .entry((f.check_id.as_str(), f.account_id.as_str()))
                .or_default();
            cell.0 += 1;
            cell.1 = worst(cell.1.into_iter().chain([f.status]));
        }

        let checks: Vec<CheckView<'a>> = order
            .iter()
            .map(|id| check_view(report, id, &by_check[id], catalog))
            .collect();

        let matrix = MatrixView {
            checks: order
                .iter()
                .map(|id| {
                    let first = by_check[id][0];
                    let check = report.check(id);
                    MatrixColumn {
                        id: id.to_string(),
                        title: check.title.clone(),
                        severity: first.severity.as_str(),
                        frameworks: framework_keys(check),
                    }
                })
                .collect(),
            rows: accounts
                .iter()
                .map(|account| MatrixRow {
                    account: account.clone(),
                    cells: order
                        .iter()
                        .map(|id| {
                            let (findings, w) = cells
                                .get(&(*id, account.as_str()))
                                .copied()
                                .unwrap_or_default();
                            let first = by_check[id][0];
                            MatrixCell {
                                check_id: id.to_string(),
                                severity: first.severity.as_str(),
                                frameworks: framework_keys(report.check(id)),
                                status: w.map_or("none", Status::as_str),
                                label: w.map_or("—", status_label),
                                findings,
                            }
                        })
                        .collect(),
                })
                .collect(),
        };

        View {
            report,
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
                    label: status_label(*s),
                })
                .collect(),
            severities: Severity::ALL
                .iter()
                .rev()
                .map(|s| Label {
                    key: s.as_str(),
                    label: severity_label(*s),
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
                            label: severity_label(*s),
                            total: c.total(),
                            counts: counts(&c),
                        }
                    })
                    .collect(),
            },
            frameworks: match &report.framework {
                Some(framework) => vec![selected_framework_view(framework)],
                None => framework_views(&report.findings, &report.checks),
            },
            accounts,
            matrix,
            checks,
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
                    .map(|f| resolved_view(report, f, format!("now {}", status_label(f.status))))
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
                        label: change_label(Some(*c)),
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

fn check_view<'a>(
    report: &'a Report,
    id: &'a str,
    findings: &[&'a ReportFinding],
    catalog: &Catalog,
) -> CheckView<'a> {
    let first = findings[0];
    let check = report.check(id);
    let mut sorted: Vec<&'a ReportFinding> = findings.to_vec();
    // Failing first; otherwise the report's order.
    sorted.sort_by_key(|f| std::cmp::Reverse(super::model::badness(f.status)));
    let mut c = StatusCounts::default();
    for f in findings {
        c.add(f.status);
    }
    let w = worst(findings.iter().map(|f| f.status)).unwrap_or(Status::NotApplicable);
    CheckView {
        id,
        title: &check.title,
        severity: first.severity.as_str(),
        rationale: catalog
            .get(id)
            .map(|m| paragraphs(&m.rationale))
            .unwrap_or_default(),
        framework_keys: framework_keys(check),
        frameworks: FRAMEWORKS
            .iter()
            .filter_map(|(key, name)| {
                check
                    .frameworks
                    .get(*key)
                    .filter(|ids| !ids.is_empty())
                    .map(|ids| FrameworkControls {
                        name,
                        controls: ids.join(", "),
                    })
            })
            .collect(),
        console: paragraphs(&check.remediation.console),
        cli: &check.remediation.cli,
        worst: w.as_str(),
        worst_label: status_label(w),
        counts: counts(&c),
        findings: sorted
            .into_iter()
            .map(|f| FindingView {
                status: f.status.as_str(),
                label: status_label(f.status),
                change: f.change.map_or("", Change::as_str),
                change_label: change_label(f.change),
                waiver: f.waiver.as_ref().map(|w| WaiverNoteView {
                    index: w.index,
                    reason: &w.reason,
                    owner: &w.owner,
                    expires: w.expires.to_string(),
                    expired: w.expired,
                }),
                severity: f.severity.as_str(),
                account_id: &f.account_id,
                region: f.region.as_deref().unwrap_or("global"),
                resource: &f.resource,
                message: &f.message,
                evidence: serde_json::to_string_pretty(&report.evidence_of(f)).unwrap_or_default(),
            })
            .collect(),
    }
}

/// Per framework, every control any finding maps to. A control fails if
/// any finding mapped to it fails; it is incomplete if none fails but one
/// is an error (fail closed: not proven is not passed); it is waived if its
/// worst finding is an accepted failure; it passes if its remaining
/// findings include a pass.
fn framework_views(
    findings: &[ReportFinding],
    checks: &BTreeMap<String, ReportCheck>,
) -> Vec<FrameworkView> {
    FRAMEWORKS
        .iter()
        .map(|(key, name)| {
            let mut controls: BTreeMap<&str, (Vec<Status>, BTreeSet<&str>)> = BTreeMap::new();
            for f in findings {
                let mapped = checks.get(&f.check_id).and_then(|c| c.frameworks.get(*key));
                for id in mapped.into_iter().flatten() {
                    let entry = controls.entry(id.as_str()).or_default();
                    entry.0.push(f.status);
                    entry.1.insert(f.check_id.as_str());
                }
            }
            let mut controls: Vec<ControlView> = controls
                .into_iter()
                .map(|(id, (statuses, checks))| {
                    let mut counts = StatusCounts::default();
                    for s in &statuses {
                        counts.add(*s);
                    }
                    let status = worst(statuses.into_iter()).unwrap_or(Status::NotApplicable);
                    ControlView {
                        id: id.to_string(),
                        status: status.as_str(),
                        label: status_label(status),
                        checks: checks.into_iter().map(str::to_string).collect(),
                        disabled_checks: Vec::new(),
                        counts,
                    }
                })
                .collect();
            controls.sort_by_key(|c| natural_key(&c.id));
            framework_view(key, name, false, controls)
        })
        .collect()
}

/// The run's `--framework`, exactly as the model judged its controls.
fn selected_framework_view(framework: &ReportFramework) -> FrameworkView {
    let controls = framework
        .controls
        .iter()
        .map(|c| ControlView {
            id: c.id.clone(),
            status: c.status.as_str(),
            label: if c.is_disabled() {
                "Disabled"
            } else {
                status_label(c.status)
            },
            checks: c.checks.clone(),
            disabled_checks: c.disabled_checks.clone(),
            counts: c.counts,
        })
        .collect();
    framework_view(&framework.key, &framework.name, true, controls)
}

fn framework_view(
    key: &str,
    name: &str,
    selected: bool,
    controls: Vec<ControlView>,
) -> FrameworkView {
    let n = |s: Status| controls.iter().filter(|c| c.status == s.as_str()).count();
    FrameworkView {
        key: key.to_string(),
        name: name.to_string(),
        selected,
        controls_total: controls.len(),
        passed: n(Status::Pass),
        failed: n(Status::Fail),
        incomplete: n(Status::Error),
        waived: n(Status::Waived),
        not_applicable: n(Status::NotApplicable),
        controls,
    }
}

/// Sorts `3.10` after `3.9` and `CloudTrail.10` after `CloudTrail.9`.
fn natural_key(id: &str) -> Vec<(String, u64)> {
    id.split(['.', '-'])
        .map(|part| match part.parse::<u64>() {
            Ok(n) => (String::new(), n),
            Err(_) => (part.to_string(), 0),
        })
        .collect()
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
    use crate::checks::Catalog;
    use crate::snapshot::Snapshot;
    use chrono::TimeZone as _;

    const DEMO: &str = include_str!("../../examples/demo-org.snapshot.json");
    const HOSTILE_TRAIL: &str = "<script>alert(1)</script>";
    const HOSTILE_BUCKET: &str = "\"'><img src=x onerror=alert(2)>";

    fn report_of(snapshot_json: &str) -> Report {
        let snapshot = Snapshot::from_slice(snapshot_json.as_bytes(), "test").unwrap();
        let catalog = Catalog::embedded();
        let _ = catalog;
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

    /// Checks mapped to CIS v3 controls.
    fn checks_mapped(mapping: &[(&str, &[&str])]) -> BTreeMap<String, ReportCheck> {
        mapping
            .iter()
            .map(|(check, controls)| {
                let frameworks = [(
                    "cis-aws-v3.0.0".to_string(),
                    controls.iter().map(|c| c.to_string()).collect(),
                )];
                let description = ReportCheck {
                    title: format!("{check} title"),
                    frameworks: frameworks.into_iter().collect(),
                    ..Default::default()
                };
                (check.to_string(), description)
            })
            .collect()
    }

    #[test]
    fn a_control_fails_if_any_mapped_finding_fails_and_errors_are_not_passes() {
        let findings = vec![
            finding("a", "1", Status::Pass),
            finding("b", "1", Status::Fail),
            finding("c", "1", Status::Error),
            finding("c", "2", Status::Pass),
            finding("d", "1", Status::NotApplicable),
        ];
        let checks = checks_mapped(&[
            ("a", &["3.1", "3.10"]),
            ("b", &["3.10"]),
            ("c", &["3.2"]),
            ("d", &["3.9"]),
        ]);
        let views = framework_views(&findings, &checks);
        let cis = views.iter().find(|f| f.key == "cis-aws-v3.0.0").unwrap();
        let status: Vec<(&str, &str)> = cis
            .controls
            .iter()
            .map(|c| (c.id.as_str(), c.status))
            .collect();
        assert_eq!(
            status,
            [
                ("3.1", "pass"),
                ("3.2", "error"),
                ("3.9", "not_applicable"),
                ("3.10", "fail")
            ]
        );
        assert_eq!(
            (cis.passed, cis.failed, cis.incomplete, cis.not_applicable),
            (1, 1, 1, 1)
        );
        let other = views.iter().find(|f| f.key == "aws-config").unwrap();
        assert_eq!(other.controls_total, 0);
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
        let view = View::build(&report, Catalog::embedded());
        let cells: Vec<Vec<&str>> = view
            .matrix
            .rows
            .iter()
            .map(|r| r.cells.iter().map(|c| c.status).collect())
            .collect();
        assert_eq!(cells, [vec!["fail", "error"], vec!["pass", "none"]]);
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
