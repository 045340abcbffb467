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

mod evidence;
mod page;
mod rows;
mod templates;

use crate::report::model::Report;
use std::path::Path;
pub use templates::TEMPLATE_FILES;

use evidence::*;
use page::*;
use rows::*;
use templates::*;

/// The main template: the document skeleton that includes the partials.
const MAIN: &str = "report";

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Severity, Status};
    use crate::report::model::ReportFinding;
    use crate::snapshot::Snapshot;
    use chrono::TimeZone as _;
    use std::collections::{BTreeMap, BTreeSet};

    const DEMO: &str = include_str!("../../../examples/demo-org.snapshot.json");
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
