//! The report formats of issue 3 (SARIF, JUnit, Markdown, CSV, console, HTML) and
//! the `--report FORMAT=PATH` flag.
//!
//! Renderers are checked the way their consumers read them: SARIF against
//! the official 2.1.0 schema, JUnit through a real JUnit parser, CSV through a
//! CSV reader; counts are compared with the report model, never with numbers
//! copied from an earlier run. insta snapshots pin each renderer's output for
//! the demo organization (`generated_at` is fixed by building the report in
//! the test; the tool version and the demo's SHA-256 are filtered).
//!
//! The policy layer (issue 5) is rendered from two runs of the demo under
//! `tests/fixtures/policy/trailwarden.toml` judged on a fixed day: one with a
//! baseline derived here from the demo's own report (so some findings are
//! new, some resolved, one gone), one with `--framework cis-aws-v5.0.0`.

mod common;

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use trailwarden::checks::Catalog;
use trailwarden::finding::{Severity, Status};
use trailwarden::report::model::{Report, ReportFinding, StatusCounts};
use trailwarden::report::{self, console, csv as csv_report, junit, markdown, sarif, Format};
use trailwarden::snapshot::Snapshot;

const BIN: &str = env!("CARGO_BIN_EXE_trailwarden");
const HOSTILE: &str = "<script>alert(1)</script> & \"double\" 'single' | `tick` *x* ]]> end";

fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The report `evaluate` builds for a snapshot, with a fixed `generated_at`.
fn report_for(bytes: &[u8]) -> Report {
    let snapshot = Snapshot::from_slice(bytes, "test snapshot").expect("valid snapshot");
    trailwarden::report::assemble::assemble_report(
        &snapshot,
        &sha256_hex(bytes),
        &trailwarden::report::assemble::Gate::with_fail_on(Severity::Low),
        &trailwarden::config::Config::default(),
        "2026-11-02T08:00:00Z".parse().unwrap(),
    )
    .0
}

fn demo_report() -> Report {
    report_for(&std::fs::read(repo_path("examples/demo-org.snapshot.json")).unwrap())
}

/// The demo with one `fail`, one `error` and one `not_applicable` finding
/// renamed to a hostile string (with a control character and a line break).
fn hostile_report() -> Report {
    let mut report = demo_report();
    for status in [Status::Fail, Status::Error, Status::NotApplicable] {
        let f = report
            .findings
            .iter_mut()
            .find(|f| f.status == status)
            .unwrap_or_else(|| panic!("the demo has a {status} finding"));
        f.resource = format!("{HOSTILE}\u{1b}[31m");
        f.message = format!("{HOSTILE}\nsecond line");
    }
    report
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).expect("renderers write UTF-8")
}

/// Counts by status per account, from the report model.
fn counts_by_account(report: &Report) -> BTreeMap<String, StatusCounts> {
    let mut counts: BTreeMap<String, StatusCounts> = BTreeMap::new();
    for f in &report.findings {
        counts
            .entry(f.account_id.clone())
            .or_default()
            .add(f.status);
    }
    counts
}

fn assert_pinned(name: &str, output: &str) {
    let report = demo_report();
    let version = format!(r"\b{}\b", regex_escape(env!("CARGO_PKG_VERSION")));
    let sha = report.snapshot.sha256.clone();
    // The baseline file's hash changes with the tool version it names.
    let baseline_sha = baseline_sha256();
    insta::with_settings!({
        filters => vec![
            (sha.as_str(), "[DEMO-SHA256]"),
            (baseline_sha.as_str(), "[BASELINE-SHA256]"),
            (version.as_str(), "[VERSION]"),
        ],
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, output);
    });
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_ascii_alphanumeric() {
                vec![c]
            } else {
                vec!['\\', c]
            }
        })
        .collect()
}

// ---------------------------------------------------------------- snapshots

#[test]
fn pinned_html() {
    let html =
        trailwarden::report::html::render(&demo_report(), None).expect("embedded templates render");
    assert_pinned("html_demo", &page_layout(&text(html)));
}

/// The page without its compressed evidence: the gzip bytes depend on the
/// compressor's version, and what they hold is checked by the evidence
/// round trip in `report::html`'s tests and in the browser test.
fn page_layout(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find("data-z=\"") {
        let start = at + "data-z=\"".len();
        out.push_str(&rest[..start]);
        out.push_str("(compressed evidence)");
        rest = &rest[start..];
        rest = &rest[rest.find('"').expect("a closed attribute")..];
    }
    out.push_str(rest);
    out
}

#[test]
fn pinned_console() {
    assert_pinned("console_demo", &text(console::render(&demo_report())));
}

#[test]
fn pinned_sarif() {
    assert_pinned("sarif_demo", &text(sarif::render(&demo_report())));
}

#[test]
fn pinned_junit() {
    assert_pinned("junit_demo", &text(junit::render(&demo_report())));
}

#[test]
fn pinned_markdown() {
    assert_pinned("markdown_demo", &text(markdown::render(&demo_report())));
}

#[test]
fn pinned_csv() {
    assert_pinned("csv_demo", &text(csv_report::render(&demo_report())));
}

#[test]
fn renderers_are_deterministic() {
    for format in [
        Format::Console,
        Format::Json,
        Format::Sarif,
        Format::Junit,
        Format::Markdown,
        Format::Csv,
    ] {
        let options = report::RenderOptions::default();
        assert_eq!(
            report::render(&demo_report(), format, &options).unwrap(),
            report::render(&demo_report(), format, &options).unwrap(),
            "{format:?}"
        );
    }
}

// -------------------------------------------------------------------- SARIF

fn sarif_validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_slice(
        &std::fs::read(repo_path("tests/fixtures/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    jsonschema::validator_for(&schema).expect("the SARIF schema compiles")
}

fn sarif_of(report: &Report) -> Value {
    serde_json::from_slice(&sarif::render(report)).expect("SARIF is JSON")
}

fn schema_errors(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

#[test]
fn sarif_is_valid_against_the_official_schema() {
    let validator = sarif_validator();
    for report in [demo_report(), hostile_report()] {
        let doc = sarif_of(&report);
        let errors = schema_errors(&validator, &doc);
        assert!(errors.is_empty(), "{errors:#?}");
    }
}

#[test]
fn a_broken_sarif_document_fails_validation() {
    // The validator must be able to say no, or the test above proves nothing.
    let validator = sarif_validator();
    let doc = sarif_of(&demo_report());
    let mut wrong_level = doc.clone();
    wrong_level["runs"][0]["results"][0]["level"] = "fatal".into();
    let mut no_version = doc.clone();
    no_version.as_object_mut().unwrap().remove("version");
    let mut bad_rule = doc.clone();
    bad_rule["runs"][0]["tool"]["driver"]["rules"][0]["shortDescription"] = "a bare string".into();
    for (what, broken) in [
        ("level", wrong_level),
        ("version", no_version),
        ("rule", bad_rule),
    ] {
        assert!(
            !schema_errors(&validator, &broken).is_empty(),
            "{what}: a broken document passed validation"
        );
    }
}

#[test]
fn sarif_has_a_rule_per_check_results_for_fails_and_notifications_for_errors() {
    let report = demo_report();
    let doc = sarif_of(&report);
    let run = &doc["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let catalog = Catalog::embedded();
    let rule_ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let check_ids: Vec<&str> = catalog.all().iter().map(|m| m.id.as_str()).collect();
    assert_eq!(rule_ids, check_ids);
    for (rule, meta) in rules.iter().zip(catalog.all()) {
        assert_eq!(rule["shortDescription"]["text"], meta.title.as_str());
        let full = rule["fullDescription"]["text"].as_str().unwrap();
        let first_words: String = meta
            .rationale
            .split_whitespace()
            .take(6)
            .collect::<Vec<_>>()
            .join(" ");
        assert!(full.starts_with(&first_words), "{}: {full}", meta.id);
        let help = rule["help"]["markdown"].as_str().unwrap();
        let cli_first_line = meta.remediation.cli.trim().lines().next().unwrap();
        assert!(
            help.contains(cli_first_line),
            "{}: help lacks the CLI fix",
            meta.id
        );
        let score = rule["properties"]["security-severity"].as_str().unwrap();
        let expected = match meta.severity {
            Severity::Critical => "9.5",
            Severity::High => "8.0",
            Severity::Medium => "5.5",
            Severity::Low => "3.0",
            Severity::Info => "0.0",
        };
        assert_eq!(score, expected, "{}", meta.id);
        assert_eq!(
            rule["defaultConfiguration"]["level"],
            sarif::level(meta.severity)
        );
    }

    let failing: Vec<&ReportFinding> = report
        .findings
        .iter()
        .filter(|f| f.status == Status::Fail)
        .collect();
    let results = run["results"].as_array().unwrap();
    assert!(!failing.is_empty());
    assert_eq!(results.len(), failing.len());
    for (result, f) in results.iter().zip(&failing) {
        assert_eq!(result["ruleId"], f.check_id.as_str());
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], f.check_id.as_str());
        assert_eq!(result["level"], sarif::level(f.severity));
        let location = &result["locations"][0];
        let uri = location["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        let kind = &catalog.get(&f.check_id).unwrap().resource_kind;
        assert_eq!(
            uri,
            format!(
                "aws/{}/{}/{kind}",
                f.account_id,
                f.region.as_deref().unwrap_or("global")
            )
        );
        assert_eq!(
            location["logicalLocations"][0]["fullyQualifiedName"],
            f.resource.as_str()
        );
        assert_eq!(result["properties"]["evidence"], report.evidence_of(f));
    }

    let errors = report.summary.by_status.error;
    assert!(errors > 0, "the demo has error findings");
    let invocation = &run["invocations"][0];
    let notes = invocation["toolExecutionNotifications"].as_array().unwrap();
    let error_notes = notes.iter().filter(|n| n["level"] == "error").count();
    assert_eq!(error_notes, errors);
    assert_eq!(
        notes.len(),
        errors + report.collection_errors.len(),
        "one notification per error finding and per collection error"
    );
    assert_eq!(invocation["executionSuccessful"], false);
    assert_eq!(invocation["exitCode"], u64::from(report.exit_code));
}

#[test]
fn sarif_fingerprints_are_stable_and_distinct() {
    let first = sarif_of(&demo_report());
    // A later run: another time, reworded messages, other evidence.
    let mut later = demo_report();
    later.generated_at = "2027-01-01T00:00:00Z".parse().unwrap();
    for f in &mut later.findings {
        f.message.push_str(" (reworded)");
        f.evidence =
            trailwarden::finding::EvidenceJson::of(&serde_json::json!({ "changed": true }));
    }
    let second = sarif_of(&later);
    let prints = |doc: &Value| -> Vec<String> {
        doc["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["partialFingerprints"][sarif::FINGERPRINT_KEY]
                    .as_str()
                    .expect("every result has our fingerprint")
                    .to_string()
            })
            .collect()
    };
    let a = prints(&first);
    assert_eq!(a, prints(&second), "same findings, same fingerprints");
    let distinct: BTreeSet<&String> = a.iter().collect();
    assert_eq!(distinct.len(), a.len(), "two alerts share a fingerprint");
    assert!(a.iter().all(|p| p.len() == 64));

    // Another resource is another alert.
    let report = demo_report();
    let f = report
        .findings
        .iter()
        .find(|f| f.status == Status::Fail)
        .unwrap();
    let mut other = f.clone();
    other.resource.push('x');
    assert_ne!(sarif::fingerprint(f), sarif::fingerprint(&other));
    let mut other_account = f.clone();
    other_account.account_id = "999999999999".into();
    assert_ne!(sarif::fingerprint(f), sarif::fingerprint(&other_account));
}

// -------------------------------------------------------------------- JUnit

fn parse_junit(bytes: &[u8]) -> junit_parser::TestSuites {
    junit_parser::from_reader(std::io::Cursor::new(bytes)).expect("a parseable JUnit document")
}

#[test]
fn junit_counts_equal_the_report() {
    let report = demo_report();
    let suites = parse_junit(&junit::render(&report));
    let total = report.summary.by_status;
    assert_eq!(suites.tests as usize, total.total());
    assert_eq!(suites.failures as usize, total.fail);
    assert_eq!(suites.errors as usize, total.error);
    assert_eq!(suites.skipped as usize, total.not_applicable + total.waived);

    let expected = counts_by_account(&report);
    let names: Vec<&str> = suites.suites.iter().map(|s| s.name.as_str()).collect();
    // The accounts in scope, then any other a finding names (an account
    // the organization has but the run did not audit), once each.
    let mut accounts: Vec<&str> = report.scope.accounts.iter().map(String::as_str).collect();
    for f in &report.findings {
        if !accounts.contains(&f.account_id.as_str()) {
            accounts.push(&f.account_id);
        }
    }
    assert_eq!(names, accounts);
    for suite in &suites.suites {
        let want = expected.get(&suite.name).copied().unwrap_or_default();
        // The declared counts and the parsed test cases both agree with the model.
        assert_eq!(suite.tests as usize, want.total(), "{}", suite.name);
        assert_eq!(suite.cases.len(), want.total(), "{}", suite.name);
        let mut seen = StatusCounts::default();
        for case in &suite.cases {
            seen.add(match &case.status {
                junit_parser::TestStatus::Success => Status::Pass,
                junit_parser::TestStatus::Failure(_) => Status::Fail,
                junit_parser::TestStatus::Error(_) => Status::Error,
                junit_parser::TestStatus::Skipped(_) => Status::NotApplicable,
            });
        }
        assert_eq!(seen, want, "{}", suite.name);
        assert_eq!(suite.failures as usize, want.fail);
        assert_eq!(suite.errors as usize, want.error);
        assert_eq!(suite.skipped as usize, want.not_applicable + want.waived);
    }
}

#[test]
fn junit_bodies_carry_message_and_evidence() {
    let report = demo_report();
    let suites = parse_junit(&junit::render(&report));
    let cases: Vec<&junit_parser::TestCase> =
        suites.suites.iter().flat_map(|s| s.cases.iter()).collect();
    let failing: Vec<&ReportFinding> = report
        .findings
        .iter()
        .filter(|f| matches!(f.status, Status::Fail | Status::Error))
        .collect();
    assert!(!failing.is_empty());
    for f in failing {
        let (message, body) = cases
            .iter()
            .find_map(|c| match &c.status {
                junit_parser::TestStatus::Failure(x)
                    if c.name.contains(&f.resource)
                        && c.classname.as_deref()
                            == Some(&*format!("trailwarden.{}", f.check_id))
                        && x.message == f.message =>
                {
                    Some((x.message.clone(), x.text.clone()))
                }
                junit_parser::TestStatus::Error(x)
                    if c.name.contains(&f.resource)
                        && c.classname.as_deref()
                            == Some(&*format!("trailwarden.{}", f.check_id))
                        && x.message == f.message =>
                {
                    Some((x.message.clone(), x.text.clone()))
                }
                _ => None,
            })
            .unwrap_or_else(|| panic!("no test case for {} {}", f.check_id, f.resource));
        assert_eq!(message, f.message);
        // The evidence is written out whole, shared parts included.
        let evidence = serde_json::to_string_pretty(&report.evidence_of(f)).unwrap();
        assert!(body.contains(&evidence), "{}: evidence missing", f.check_id);
        assert!(!body.contains("\"shared_evidence\""), "{}", f.check_id);
    }
}

/// junit-parser joins adjacent CDATA sections with a line break; the `]]>`
/// in a body is split across two sections, so undo that join.
fn joined(text: &str) -> String {
    text.replace("]]\n>", "]]>")
}

#[test]
fn junit_escapes_hostile_strings() {
    let report = hostile_report();
    let xml = junit::render(&report);
    let raw = String::from_utf8(xml.clone()).unwrap();
    // Outside CDATA sections, no markup from the hostile string survives.
    let mut outside = String::new();
    let mut rest = raw.as_str();
    while let Some(start) = rest.find("<![CDATA[") {
        outside.push_str(&rest[..start]);
        let end = rest[start..].find("]]>").expect("CDATA is closed") + start;
        rest = &rest[end + 3..];
    }
    outside.push_str(rest);
    assert!(!outside.contains("<script>"), "unescaped markup in the XML");
    assert!(
        !raw.contains('\u{1b}'),
        "a control character XML cannot carry"
    );
    let suites = parse_junit(&xml);
    let cases: Vec<&junit_parser::TestCase> =
        suites.suites.iter().flat_map(|s| s.cases.iter()).collect();
    let hostile: Vec<&&junit_parser::TestCase> =
        cases.iter().filter(|c| c.name.contains(HOSTILE)).collect();
    assert_eq!(
        hostile.len(),
        3,
        "fail, error and skipped cases keep the name"
    );
    let mut kinds = BTreeSet::new();
    for case in hostile {
        let message = match &case.status {
            junit_parser::TestStatus::Failure(x) => {
                kinds.insert("failure");
                assert!(joined(&x.text).contains(HOSTILE), "{}", x.text);
                &x.message
            }
            junit_parser::TestStatus::Error(x) => {
                kinds.insert("error");
                assert!(joined(&x.text).contains(HOSTILE), "{}", x.text);
                &x.message
            }
            junit_parser::TestStatus::Skipped(x) => {
                kinds.insert("skipped");
                &x.message
            }
            junit_parser::TestStatus::Success => panic!("a hostile case became a pass"),
        };
        // The line break in the attribute survives as a line break.
        assert_eq!(message, &format!("{HOSTILE}\nsecond line"));
    }
    assert_eq!(kinds.len(), 3);
    // The totals are unchanged by the hostile strings.
    assert_eq!(suites.tests as usize, report.summary.total);
}

// ----------------------------------------------------------------- Markdown

#[test]
fn markdown_has_the_summary_then_failing_findings_first() {
    let report = demo_report();
    let md = text(markdown::render(&report));
    let s = report.summary.by_status;
    assert!(md.contains(&format!(
        "| **total** | **{}** | **{}** | **{}** | **{}** |",
        s.fail, s.error, s.pass, s.not_applicable
    )));
    let failing = md.find("### Failing findings").expect("a failing section");
    let incomplete = md.find("### Incomplete").expect("an incomplete section");
    let passing = md
        .find("Passing and not applicable findings")
        .expect("a passing section");
    assert!(failing < incomplete && incomplete < passing);
    assert!(md.contains(&format!("### Failing findings ({})", s.fail)));
    // Failing rows are ordered most severe first.
    let section = &md[failing..md[failing..].find("\n\n#### Details").unwrap() + failing];
    let severities: Vec<Severity> = section
        .lines()
        .filter_map(|l| l.strip_prefix("| "))
        .filter_map(|l| l.split(' ').next())
        .filter_map(|s| s.parse().ok())
        .collect();
    assert_eq!(severities.len(), s.fail);
    assert!(
        severities.windows(2).all(|w| w[0] >= w[1]),
        "{severities:?}"
    );
    // Details are collapsed.
    assert!(md.contains("<details><summary>"));
    assert_eq!(
        md.matches("<details>").count(),
        md.matches("</details>").count()
    );
}

#[test]
fn markdown_escapes_hostile_strings() {
    let md = text(markdown::render(&hostile_report()));
    assert!(!md.contains("<script"), "raw markup in the Markdown");
    assert!(md.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!md.contains('\u{1b}'));
    // The `|` is escaped, so every failing row still has 6 cells.
    for line in md
        .lines()
        .filter(|l| l.contains("&lt;script&gt;") && l.starts_with('|'))
    {
        let unescaped_pipes = line.matches('|').count() - line.matches("\\|").count();
        assert!(unescaped_pipes == 7 || unescaped_pipes == 4, "{line}");
    }
}

/// Issue 14, item 13: names cannot mention anyone or link anywhere in a
/// rendered summary, the organization id included.
#[test]
fn markdown_names_cannot_mention_or_link() {
    let mut report = demo_report();
    report.scope.organization_id = Some("o-abc [x](https://evil.example) @org".into());
    for f in report
        .findings
        .iter_mut()
        .filter(|f| f.status == Status::Fail)
    {
        f.message = "alarm @security-team https://evil.example www.evil.example".into();
    }
    let md = text(markdown::render(&report));
    for live in [
        "@security-team",
        "@org",
        "https://evil",
        "www.evil",
        "[x](https",
    ] {
        assert!(!md.contains(live), "{live} is live in the Markdown");
    }
    assert!(md.contains("\\[x\\]"), "the link's brackets are escaped");
    assert!(md.replace('\u{2060}', "").contains("@security-team"));
}

#[test]
fn markdown_stays_under_its_limit_for_a_large_organization() {
    // ~5,000 accounts, each with the findings of the demo's workload account.
    let demo = demo_report();
    let template: Vec<ReportFinding> = demo
        .findings
        .iter()
        .filter(|f| f.account_id == "333333333333")
        .cloned()
        .collect();
    assert!(!template.is_empty());
    let mut report = demo.clone();
    report.findings.clear();
    report.scope.accounts.clear();
    let mut by_status = StatusCounts::default();
    for n in 0..5_000u64 {
        let account = format!("{:012}", 100_000_000_000 + n);
        report.scope.accounts.push(account.clone());
        for f in &template {
            let mut f = f.clone();
            f.resource = f.resource.replace("333333333333", &account);
            f.account_id = account.clone();
            by_status.add(f.status);
            report.findings.push(f);
        }
    }
    report.summary.total = report.findings.len();
    report.summary.by_status = by_status;
    let md = markdown::render(&report);
    assert!(md.len() < 1024 * 1024, "{} bytes", md.len());
    assert!(md.len() <= markdown::MAX_BYTES);
    let md = text(md);
    assert!(
        md.contains("This summary is shortened"),
        "no note about the cut"
    );
    assert!(md.contains(&format!("### Failing findings ({})", by_status.fail)));
    assert!(md.contains(&format!("| **total** | **{}** |", by_status.fail)));
    assert_eq!(
        md.matches("<details>").count(),
        md.matches("</details>").count()
    );

    // A small limit on the demo: still under it, still the summary, and
    // the failing rows come before anything else is cut.
    let small = text(markdown::render_limited(&demo, 16 * 1024));
    assert!(small.len() <= 16 * 1024, "{}", small.len());
    assert!(small.contains("| **total** |"));
    assert!(small.contains("This summary is shortened"));
}

// ---------------------------------------------------------------------- CSV

#[test]
fn csv_round_trips_through_a_csv_reader() {
    let report = hostile_report();
    let bytes = csv_report::render(&report);
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(header, csv_report::COLUMNS);
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), report.findings.len());
    for (row, f) in rows.iter().zip(&report.findings) {
        assert_eq!(row.len(), csv_report::COLUMNS.len());
        assert_eq!(&row[column("account_id")], f.account_id);
        assert_eq!(&row[column("region")], f.region.as_deref().unwrap_or(""));
        assert_eq!(&row[column("check_id")], f.check_id);
        assert_eq!(&row[column("severity")], f.severity.as_str());
        assert_eq!(&row[column("status")], f.status.as_str());
        assert_eq!(&row[column("resource")], f.resource);
        let check = report.check(&f.check_id);
        assert_eq!(&row[column("title")], check.title);
        assert_eq!(&row[column("message")], f.message);
        // The evidence is written out whole: no reference to shared evidence.
        let evidence: Value = serde_json::from_str(&row[column("evidence")]).unwrap();
        assert_eq!(evidence, report.evidence_of(f));
        assert!(!row[column("evidence")].contains("\"shared_evidence\""));
        assert!(
            !row[column("evidence")].contains('\n'),
            "evidence is compact"
        );
        let frameworks: usize = check.frameworks.values().map(Vec::len).sum();
        assert_eq!(
            row[column("frameworks")].split_whitespace().count(),
            frameworks
        );
    }
    // RFC 4180: CRLF line ends.
    assert!(bytes.windows(2).any(|w| w == b"\r\n"));
}

/// Issue 14, item 13: an alarm name or message that a spreadsheet would
/// run as a formula is written as text (OWASP CSV injection rule).
#[test]
fn csv_cells_are_inert_for_spreadsheets() {
    let mut report = demo_report();
    let formula = "=HYPERLINK(\"http://evil.example\",\"click\")";
    report.findings[0].message = formula.to_string();
    report.findings[1].resource = "+cmd|' /C calc'!A0".to_string();
    report.findings[2].message = "@SUM(1+1)".to_string();
    let bytes = csv_report::render(&report);
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    for row in &rows {
        for cell in row.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "a live formula: {cell}"
            );
        }
    }
    assert_eq!(&rows[0][7], format!("'{formula}"));
}

// ------------------------------------------------------------------ console

#[test]
fn console_is_colored_only_when_asked_and_otherwise_identical() {
    let report = hostile_report();
    let plain = text(console::render(&report));
    let colored = text(console::render_styled(&report, true));
    assert!(
        !plain.contains('\u{1b}'),
        "plain output has an escape sequence"
    );
    assert!(colored.contains("\u{1b}["), "colored output has no color");
    // Removing our SGR sequences gives exactly the plain text.
    assert_eq!(strip_sgr(&colored), plain);
    assert!(plain
        .trim_end()
        .lines()
        .last()
        .unwrap()
        .contains("findings:"));
}

/// The text without our SGR color sequences.
fn strip_sgr(colored: &str) -> String {
    let mut stripped = String::new();
    let mut rest = colored;
    while let Some(start) = rest.find("\u{1b}[") {
        stripped.push_str(&rest[..start]);
        let end = rest[start..].find('m').expect("SGR ends with m") + start;
        rest = &rest[end + 1..];
    }
    stripped.push_str(rest);
    stripped
}

// ---------------------------------------------------------------- --report

fn trailwarden(args: &[&str], dir: &Path) -> Output {
    let mut cmd = Command::new(BIN);
    for var in [
        "AWS_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
    ] {
        cmd.env_remove(var);
    }
    cmd.current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run trailwarden")
}

fn demo_path() -> String {
    repo_path("examples/demo-org.snapshot.json")
        .to_str()
        .unwrap()
        .to_string()
}

/// The demo reduced to its sandbox account, whose role could not be
/// assumed: only `error` findings, so the audit exits 3.
fn incomplete_snapshot(dir: &Path) -> PathBuf {
    let mut snapshot: Value = serde_json::from_slice(&std::fs::read(demo_path()).unwrap()).unwrap();
    snapshot["accounts"]
        .as_array_mut()
        .unwrap()
        .retain(|a| a["account_id"] == "444444444444");
    // The organization as this snapshot knows it: an ACTIVE account absent
    // from the snapshot would fail audit-coverage.
    snapshot["organization"]["accounts"]
        .as_array_mut()
        .unwrap()
        .retain(|a| a["id"] == "444444444444");
    for key in ["trails", "buckets", "kms_keys", "log_groups", "sns_topics"] {
        if let Some(map) = snapshot[key].as_object_mut() {
            map.clear();
        } else if let Some(list) = snapshot[key].as_array_mut() {
            list.clear();
        }
    }
    let path = dir.join("incomplete.snapshot.json");
    std::fs::write(&path, serde_json::to_vec(&snapshot).unwrap()).unwrap();
    path
}

#[test]
fn report_flags_write_every_format_and_keep_the_console_on_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let demo = demo_path();
    let out = trailwarden(
        &[
            "evaluate",
            &demo,
            "--report",
            "sarif=out/audit.sarif",
            "--report",
            "junit=audit.xml",
            "--report",
            "MARKDOWN=audit.md",
            "--report",
            "csv=audit.csv",
            "--report",
            "json=audit.json",
        ],
        dir.path(),
    );
    // out/ does not exist: that one report fails, the others are written.
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(1), "the demo fails: 1 outranks 2");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("cannot write the sarif report to out/audit.sarif"));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("findings:"), "console summary on stdout");
    assert!(!stdout.contains('\u{1b}'), "piped stdout is plain");

    let json: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("audit.json")).unwrap()).unwrap();
    let total = json["summary"]["total"].as_u64().unwrap() as usize;
    let suites = parse_junit(&std::fs::read(dir.path().join("audit.xml")).unwrap());
    assert_eq!(suites.tests as usize, total);
    let rows = csv::Reader::from_path(dir.path().join("audit.csv"))
        .unwrap()
        .records()
        .count();
    assert_eq!(rows, total);
    let md = std::fs::read_to_string(dir.path().join("audit.md")).unwrap();
    assert!(md.starts_with("## trailwarden audit"));
    assert!(!dir.path().join("out").exists());
    // No temporary file is left beside the reports.
    let names: BTreeSet<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(
        names,
        ["audit.csv", "audit.json", "audit.md", "audit.xml"]
            .map(String::from)
            .into()
    );

    // With every path writable: exit 1, nothing on stderr, valid SARIF.
    std::fs::create_dir(dir.path().join("out")).unwrap();
    let again = trailwarden(
        &["evaluate", &demo, "--report", "sarif=out/audit.sarif"],
        dir.path(),
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(again.stderr.is_empty());
    let doc: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out/audit.sarif")).unwrap())
            .unwrap();
    assert!(schema_errors(&sarif_validator(), &doc).is_empty());
}

#[test]
fn a_report_that_cannot_be_written_makes_an_incomplete_audit_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = incomplete_snapshot(dir.path());
    let snapshot = snapshot.to_str().unwrap();
    let ok = trailwarden(&["evaluate", snapshot, "--report", "csv=a.csv"], dir.path());
    assert_eq!(
        ok.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let broken = trailwarden(
        &[
            "evaluate",
            snapshot,
            "--format",
            "json",
            "--report",
            "csv=missing/a.csv",
            "--report",
            "junit=b.xml",
        ],
        dir.path(),
    );
    assert_eq!(broken.status.code(), Some(2), "2 outranks 3");
    assert!(
        dir.path().join("b.xml").exists(),
        "the other report is written"
    );
    let report: Value = serde_json::from_slice(&broken.stdout).expect("the JSON report on stdout");
    assert_eq!(
        report["exit_code"], 3,
        "the report keeps the audit's verdict"
    );
    let stderr = String::from_utf8_lossy(&broken.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("trailwarden: error: cannot write the csv report to missing/a.csv"));
}

#[test]
fn report_files_get_ordinary_permissions() {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let out = trailwarden(
            &["evaluate", &demo_path(), "--report", "csv=a.csv"],
            dir.path(),
        );
        assert_eq!(out.status.code(), Some(1));
        // Whatever the umask, a report gets what any new file gets.
        let reference = dir.path().join("reference");
        std::fs::write(&reference, b"x").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir.path().join("a.csv")), mode(&reference));
    }
}

#[test]
fn bad_report_specs_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let demo = demo_path();
    for (spec, expected) in [
        ("sarif", "FORMAT=PATH"),
        ("pdf=audit.pdf", "unknown format 'pdf'"),
        ("sarif=", "no path"),
        ("=audit.sarif", "unknown format"),
    ] {
        let out = trailwarden(&["evaluate", &demo, "--report", spec], dir.path());
        assert_eq!(out.status.code(), Some(2), "{spec}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{spec}: {stderr}");
        assert!(out.stdout.is_empty(), "{spec}");
    }
    // Two reports to one path, however it is spelled: refused before
    // anything is written.
    for args in [
        vec!["--report", "csv=same", "--report", "json=same"],
        vec!["--output", "same", "--report", "csv=same"],
        vec!["--output", "./same", "--report", "csv=sub/../same"],
    ] {
        let mut all = vec!["evaluate", demo.as_str()];
        all.extend(args.iter().copied());
        let out = trailwarden(&all, dir.path());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("are the same file"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!dir.path().join("same").exists());
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    // A report over the snapshot it is evaluated from, or over the
    // configuration it is judged by: refused, the input intact.
    let copy = dir.path().join("snap.json");
    std::fs::copy(&demo, &copy).unwrap();
    let before = std::fs::read(&copy).unwrap();
    let out = trailwarden(
        &["evaluate", "snap.json", "--report", "json=./snap.json"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("would overwrite SNAPSHOT"));
    assert_eq!(std::fs::read(&copy).unwrap(), before);
    std::fs::write(dir.path().join("trailwarden.toml"), "").unwrap();
    let out = trailwarden(
        &["evaluate", "snap.json", "-o", "trailwarden.toml"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("would overwrite --config"));
}

#[test]
fn every_format_is_accepted_by_format_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let demo = demo_path();
    for name in ["console", "json", "sarif", "junit", "markdown", "csv"] {
        let out = trailwarden(&["evaluate", &demo, "--format", name], dir.path());
        assert_eq!(out.status.code(), Some(1), "--format {name}");
        assert!(!out.stdout.is_empty(), "--format {name}");
        let spec = format!("{name}=r.{name}");
        let out = trailwarden(&["evaluate", &demo, "--report", &spec], dir.path());
        assert_eq!(out.status.code(), Some(1), "--report {spec}");
        assert!(dir.path().join(format!("r.{name}")).exists());
    }
}

#[test]
fn write_failure_priority() {
    use trailwarden::policy::Outcome;
    assert_eq!(
        trailwarden::outcome::with_write_failure(Outcome::Failed),
        Outcome::Failed
    );
    for outcome in [Outcome::Clean, Outcome::Incomplete, Outcome::UsageError] {
        assert_eq!(
            trailwarden::outcome::with_write_failure(outcome),
            Outcome::UsageError
        );
    }
}

#[test]
fn source_date_epoch_makes_reports_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let demo = demo_path();
    let run = |epoch: &str, spec: &str| {
        Command::new(BIN)
            .current_dir(dir.path())
            .args(["evaluate", &demo, "--format", "json", "--report", spec])
            .env("SOURCE_DATE_EPOCH", epoch)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let a = run("1793520000", "sarif=a.sarif");
    let b = run("1793520000", "sarif=b.sarif");
    assert_eq!(a.status.code(), Some(1));
    assert_eq!(a.stdout, b.stdout, "JSON reports differ");
    assert_eq!(
        std::fs::read(dir.path().join("a.sarif")).unwrap(),
        std::fs::read(dir.path().join("b.sarif")).unwrap()
    );
    let report: Value = serde_json::from_slice(&a.stdout).unwrap();
    assert_eq!(report["generated_at"], "2026-11-01T08:00:00Z");
    for bad in ["yesterday", "1.5", "99999999999999999999"] {
        let out = run(bad, "csv=bad.csv");
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("SOURCE_DATE_EPOCH"));
        assert!(out.stdout.is_empty());
        assert!(!dir.path().join("bad.csv").exists());
    }
}

#[test]
fn save_snapshot_cannot_share_a_report_path() {
    let dir = tempfile::tempdir().unwrap();
    // Refused before any AWS call: no endpoint or credentials are needed.
    let out = trailwarden(
        &[
            "audit",
            "--save-snapshot",
            "same.json",
            "--report",
            "json=same.json",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("are the same file"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// `audit` against a real moto server writes every `--report` from the one
/// collection, and each agrees with the JSON report on stdout.
#[test]
fn audit_writes_several_reports_from_one_collection() {
    let moto = common::Moto::start();
    moto.seed("broken");
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let specs = [
        format!("sarif={}", path("a.sarif")),
        format!("junit={}", path("a.xml")),
        format!("csv={}", path("a.csv")),
        format!("markdown={}", path("a.md")),
    ];
    let mut extra = Vec::new();
    for spec in &specs {
        extra.push("--report");
        extra.push(spec.as_str());
    }
    let (code, report) = common::audit(&moto.endpoint, &extra, common::FAKE);
    assert_eq!(code, 1, "the broken posture fails");
    let total = report["summary"]["total"].as_u64().unwrap() as usize;
    let fails = report["summary"]["by_status"]["fail"].as_u64().unwrap() as usize;
    assert!(fails > 0);

    let sarif: Value = serde_json::from_slice(&std::fs::read(path("a.sarif")).unwrap()).unwrap();
    assert!(schema_errors(&sarif_validator(), &sarif).is_empty());
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), fails);
    let suites = parse_junit(&std::fs::read(path("a.xml")).unwrap());
    assert_eq!(suites.tests as usize, total);
    assert_eq!(suites.failures as usize, fails);
    let rows = csv::Reader::from_path(path("a.csv"))
        .unwrap()
        .records()
        .count();
    assert_eq!(rows, total);
    let md = std::fs::read_to_string(path("a.md")).unwrap();
    assert!(md.contains(&format!("### Failing findings ({fails})")));
}

/// On a real terminal (a pty from util-linux `script`), the console report is
/// colored; `NO_COLOR` or `TERM=dumb` turn the colors off.
#[test]
fn console_colors_follow_the_terminal_and_no_color() {
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let command = format!("{} evaluate {}", quote(BIN), quote(&demo_path()));
    let on_pty = |env: &[(&str, &str)]| -> String {
        let mut cmd = Command::new("script");
        cmd.args(["-qec", &command, "/dev/null"])
            .env_remove("NO_COLOR")
            .env("TERM", "xterm-256color")
            .stdin(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd
            .output()
            .expect("util-linux `script` (Debian: bsdutils, always installed)");
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let colored = on_pty(&[]);
    assert!(colored.contains("findings:"), "{colored}");
    assert!(colored.contains("\u{1b}["), "no color on a terminal");
    for env in [[("NO_COLOR", "1")], [("TERM", "dumb")]] {
        let plain = on_pty(&env);
        assert!(plain.contains("findings:"), "{env:?}: {plain}");
        assert!(!plain.contains('\u{1b}'), "{env:?}: colored");
    }
}

// ------------------------------------------------------------------- policy

use trailwarden::policy::{Change, WaiverState};
use trailwarden::report::model::ReportBaseline;

const POLICY_FILE: &str = "tests/fixtures/policy/trailwarden.toml";
/// The day the fixture's waivers are judged on (and the reports' time).
const POLICY_NOW: &str = "2026-11-02T08:00:00Z";
const CIS: &str = "cis-aws-v5.0.0";

fn policy_config() -> trailwarden::config::Config {
    // Relative, as a user would name it: the report shows this path.
    trailwarden::config::load(Some(Path::new(POLICY_FILE)), POLICY_NOW.parse().unwrap())
        .expect("the policy fixture is valid")
}

/// An earlier report of the demo: the workload trail's log validation
/// passed (so its failure is new now), the public-bucket finding did not
/// exist (new), the management account's multi-region trail failed (now
/// resolved), and a decommissioned bucket failed (no longer reported).
/// Like a real baseline, it was produced under the same policy: the
/// disabled check has no findings in it.
fn baseline_report() -> Report {
    let mut b = demo_report();
    b.generated_at = "2026-10-01T08:00:00Z".parse().unwrap();
    b.findings
        .retain(|f| f.check_id != "cloudtrail-s3-data-events-read");
    let at = |b: &Report, check: &str, status: Status| {
        b.findings
            .iter()
            .position(|f| f.check_id == check && f.status == status)
            .unwrap_or_else(|| panic!("the demo has a {status} {check} finding"))
    };
    let i = at(&b, "cloudtrail-log-file-validation", Status::Fail);
    b.findings[i].status = Status::Pass;
    let i = at(&b, "trail-bucket-not-public", Status::Fail);
    b.findings.remove(i);
    let i = at(&b, "cloudtrail-multi-region", Status::Pass);
    b.findings[i].status = Status::Fail;
    let i = at(&b, "trail-bucket-versioning", Status::Fail);
    let mut gone = b.findings[i].clone();
    gone.resource = "arn:aws:s3:::acme-decommissioned-trail-logs".into();
    gone.message = "Versioning is not enabled on the decommissioned bucket".into();
    b.findings.push(gone);
    b
}

fn baseline_sha256() -> String {
    sha256_hex(&serde_json::to_vec(&baseline_report()).unwrap())
}

fn policy_report_with(framework: Option<&str>, with_baseline: bool) -> Report {
    let bytes = std::fs::read(repo_path("examples/demo-org.snapshot.json")).unwrap();
    let snapshot = Snapshot::from_slice(&bytes, "demo").unwrap();
    let baseline = with_baseline.then(|| (baseline_report(), baseline_sha256()));
    let gate = trailwarden::report::assemble::Gate {
        fail_on: Severity::Low,
        framework: framework.map(str::to_string),
        fail_on_new: with_baseline,
        baseline,
    };
    trailwarden::report::assemble::assemble_report(
        &snapshot,
        &sha256_hex(&bytes),
        &gate,
        &policy_config(),
        POLICY_NOW.parse().unwrap(),
    )
    .0
}

/// The fixture policy with the baseline and `--fail-on-new`.
fn policy_report() -> Report {
    policy_report_with(None, true)
}

/// The fixture policy with `--framework cis-aws-v5.0.0`.
fn framework_report() -> Report {
    policy_report_with(Some(CIS), false)
}

fn baseline_of(report: &Report) -> &ReportBaseline {
    report.baseline.as_ref().expect("a baseline run")
}

fn waived_findings(report: &Report) -> Vec<&ReportFinding> {
    report
        .findings
        .iter()
        .filter(|f| f.status == Status::Waived)
        .collect()
}

/// Findings whose failure is resolved: now passing, then no longer reported.
fn resolved_findings(report: &Report) -> Vec<&ReportFinding> {
    report
        .findings
        .iter()
        .filter(|f| f.change == Some(Change::Resolved))
        .chain(baseline_of(report).no_longer_reported.iter())
        .collect()
}

/// Handlebars' HTML escaping, to find user strings in the page.
fn html_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            '`' => out.push_str("&#x60;"),
            '=' => out.push_str("&#x3D;"),
            c => out.push(c),
        }
    }
    out
}

fn html_of(report: &Report) -> String {
    text(trailwarden::report::html::render(report, None).expect("embedded templates render"))
}

fn csv_rows(report: &Report) -> (Vec<String>, Vec<csv::StringRecord>) {
    let bytes = csv_report::render(report);
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    (header, reader.records().map(|r| r.unwrap()).collect())
}

fn junit_case<'a>(
    suites: &'a junit_parser::TestSuites,
    f: &ReportFinding,
) -> Vec<&'a junit_parser::TestCase> {
    let name = match &f.region {
        Some(region) => format!("{} · {} ({region})", f.check_id, f.resource),
        None => format!("{} · {}", f.check_id, f.resource),
    };
    let class = format!("trailwarden.{}", f.check_id);
    suites
        .suites
        .iter()
        .flat_map(|s| s.cases.iter())
        .filter(|c| c.original_name == name && c.classname.as_deref() == Some(class.as_str()))
        .collect()
}

#[test]
fn the_policy_fixture_exercises_every_case() {
    // If the demo or the policy layer changes, the assertions below must
    // still be about something: pin what the fixture is meant to produce.
    let report = policy_report();
    let states: Vec<WaiverState> = report
        .policy
        .waivers
        .iter()
        .map(|w| w.state.clone())
        .collect();
    assert_eq!(
        states,
        [
            WaiverState::Active,
            WaiverState::Expired,
            WaiverState::Stale,
            WaiverState::ExpiringSoon,
            WaiverState::Active
        ]
    );
    assert_eq!(report.policy.disabled_checks.len(), 1);
    assert_eq!(report.policy.severity_overrides.len(), 1);
    assert_eq!(
        report.policy.config.as_ref().map(|c| c.path.as_str()),
        Some(POLICY_FILE)
    );
    assert_eq!(waived_findings(&report).len(), 3 + 1 + 1);
    let expired: Vec<&ReportFinding> = report
        .findings
        .iter()
        .filter(|f| f.waiver.as_ref().is_some_and(|w| w.expired))
        .collect();
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0].status, Status::Fail);
    let b = baseline_of(&report);
    assert!(b.new >= 2 && b.unchanged > 0, "{} new", b.new);
    assert_eq!(b.no_longer_reported.len(), 1);
    assert_eq!(b.resolved, 2);
    assert!(report
        .findings
        .iter()
        .any(|f| f.status == Status::Fail && f.change == Some(Change::New)));

    let cis = framework_report();
    assert_eq!(cis.policy.waivers[4].state, WaiverState::NotEvaluated);
    assert_eq!(cis.policy.disabled_checks.len(), 1);
    let framework = cis.framework.as_ref().expect("per-control results");
    assert_eq!(framework.key, CIS);
    assert!(framework.controls.len() > 10);
    assert!(framework
        .controls
        .iter()
        .any(|c| c.status == Status::Waived || c.counts.waived > 0));
}

/// The policy and framework variants are pinned by targeted tests (this
/// one, `each_framework_control_appears_once_per_format`, the waiver,
/// disabled-check, override and baseline tests), not by whole-report
/// snapshots: those rewrote themselves on every catalog change, so a
/// reviewer learned to accept them unread. The demo keeps one snapshot per
/// format, for layout.
#[test]
fn every_format_states_each_controls_verdict_and_counts_as_the_view_decides() {
    use trailwarden::report::view::{self, ControlVerdict};
    let report = framework_report();
    let tables = view::control_tables(&report);
    assert_eq!(tables.len(), 1);
    let table = &tables[0];
    assert!(table.selected && !table.rows.is_empty());
    // The fixture has each kind of control the formats must word.
    let verdicts: BTreeSet<&str> = table.rows.iter().map(|r| r.verdict.key()).collect();
    for needed in ["pass", "fail", "error", "disabled"] {
        assert!(
            verdicts.contains(needed),
            "no {needed} control in {verdicts:?}"
        );
    }
    let console = text(console::render(&report));
    let md = text(markdown::render(&report));
    let html = html_of(&report);
    for row in &table.rows {
        let c = &row.counts;
        // Console: id, verdict label, then the counts in column order.
        let line = console
            .lines()
            .find(|l| l.split_whitespace().next() == Some(row.id.as_str()))
            .unwrap_or_else(|| panic!("console: no row for {}", row.id));
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(words[1], row.verdict.label(), "{line}");
        let numbers: Vec<usize> = words[2..7].iter().map(|w| w.parse().unwrap()).collect();
        assert_eq!(
            numbers,
            [c.pass, c.fail, c.waived, c.error, c.not_applicable],
            "{line}"
        );
        // Markdown: the same verdict's words and counts.
        let prefix = format!(
            "| `{}` | {} | {} | {} | {} | {} | {} |",
            row.id,
            row.verdict.markdown(),
            c.fail,
            c.waived,
            c.error,
            c.pass,
            c.not_applicable
        );
        assert_eq!(md.matches(&prefix).count(), 1, "markdown: {prefix}");
        // HTML: the row's status key and label.
        let tr = format!(
            "<tr class=\"control\" data-control=\"{}\" data-status=\"{}\"><td><code>{}</code></td><td><span class=\"badge s-{}\">{}</span>",
            row.id,
            row.verdict.key(),
            row.id,
            row.verdict.key(),
            row.verdict.label()
        );
        assert!(html.contains(&tr), "html: {tr}");
    }
    // JUnit and SARIF state the same verdict key per control.
    let suites = parse_junit(&junit::render(&report));
    let doc = sarif_of(&report);
    let taxa = doc["runs"][0]["taxonomies"][0]["taxa"].as_array().unwrap();
    for row in &table.rows {
        let suite = suites
            .suites
            .iter()
            .find(|s| s.name == format!("{CIS} {}", row.id))
            .unwrap_or_else(|| panic!("junit: no suite for {}", row.id));
        let status = suite
            .properties
            .hashmap
            .get("control_status")
            .expect("a control_status property");
        assert_eq!(status, row.verdict.key(), "junit {}", row.id);
        let taxon = taxa.iter().find(|t| t["id"] == row.id.as_str()).unwrap();
        assert_eq!(
            taxon["properties"]["status"],
            row.verdict.key(),
            "sarif {}",
            row.id
        );
    }
    // The summary counts a disabled control apart from N/A.
    let disabled = table.count(ControlVerdict::Disabled);
    assert!(html.contains(&format!(
        "data-count=\"framework:{CIS}:disabled\">{disabled}<"
    )));
    let na = table.count(ControlVerdict::Judged(Status::NotApplicable));
    assert!(html.contains(&format!(
        "data-count=\"framework:{CIS}:not_applicable\">{na}<"
    )));
    // CSV: each finding's controls are its check's in that framework.
    let (header, rows) = csv_rows(&report);
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    for row in rows.iter().filter(|r| !r[column("check_id")].is_empty()) {
        let check = report.check(&row[column("check_id")]);
        if row[column("status")] == *"disabled" {
            continue;
        }
        let expected = check
            .frameworks
            .get(CIS)
            .map(|ids| ids.join(" "))
            .unwrap_or_default();
        assert_eq!(&row[column("controls")], expected, "{:?}", row);
    }
}

#[test]
fn policy_reports_validate_against_their_schemas() {
    let text = std::fs::read_to_string(repo_path("schemas/report-v2.schema.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    let report_schema = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the report schema compiles");
    let sarif_schema = sarif_validator();
    for report in [policy_report(), framework_report()] {
        let json: Value =
            serde_json::from_slice(&trailwarden::report::json::render(&report)).unwrap();
        let errors = schema_errors(&report_schema, &json);
        assert!(errors.is_empty(), "{errors:#?}");
        let errors = schema_errors(&sarif_schema, &sarif_of(&report));
        assert!(errors.is_empty(), "{errors:#?}");
    }
}

#[test]
fn waived_findings_show_reason_owner_and_expiry_in_every_format() {
    let report = policy_report();
    let waived = waived_findings(&report);
    let console = text(console::render(&report));
    let md = text(markdown::render(&report));
    let html = html_of(&report);
    let suites = parse_junit(&junit::render(&report));
    let (header, rows) = csv_rows(&report);
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    for f in &waived {
        let w = f
            .waiver
            .as_ref()
            .expect("a waived finding names its waiver");
        assert!(!w.expired);
        // Console: one line per waived finding, under it.
        let line = format!(
            "waived by waiver #{} until {} · owner {} · {}",
            w.index, w.expires, w.owner, w.reason
        );
        let per_waiver = waived
            .iter()
            .filter(|g| g.waiver.as_ref().map(|x| x.index) == Some(w.index))
            .count();
        assert_eq!(console.matches(&line).count(), per_waiver, "{line}");
        // Markdown: the waived table's row of this resource has all three.
        let row = md
            .lines()
            .find(|l| {
                l.contains(&markdown::cell(&f.resource))
                    && l.contains(&format!("`{}`", f.check_id))
                    && l.contains(&format!("| #{} |", w.index))
            })
            .unwrap_or_else(|| panic!("no waived row for {} {}", f.check_id, f.resource));
        for needle in [
            markdown::cell(&w.reason),
            markdown::cell(&w.owner),
            w.expires.to_string(),
        ] {
            assert!(row.contains(&needle), "{needle} not in {row}");
        }
        // HTML: the note in the heading of the finding's group.
        let note = format!(
            "<strong>Waived until {}</strong> by waiver #{} · owner {}; reason: {}</div>",
            w.expires,
            w.index,
            html_escape(&w.owner),
            html_escape(&w.reason)
        );
        assert!(html.contains(&note), "{note}");
        // JUnit: skipped, never failed, with the waiver in the message.
        let cases = junit_case(&suites, f);
        assert_eq!(cases.len(), 1, "{} {}", f.check_id, f.resource);
        match &cases[0].status {
            junit_parser::TestStatus::Skipped(x) => assert_eq!(
                x.message,
                format!(
                    "waived until {} by {}: {} (waiver #{})",
                    w.expires, w.owner, w.reason, w.index
                )
            ),
            other => panic!("a waived finding is {other:?} in JUnit"),
        }
        // CSV: the waiver's columns.
        let row = rows
            .iter()
            .find(|r| r[column("check_id")] == f.check_id && r[column("resource")] == f.resource)
            .unwrap();
        assert_eq!(&row[column("status")], "waived");
        assert_eq!(&row[column("waiver_reason")], w.reason);
        assert_eq!(&row[column("waiver_owner")], w.owner);
        assert_eq!(&row[column("waiver_expires")], w.expires.to_string());
        assert_eq!(&row[column("waiver_expired")], "false");
    }
    // In HTML, findings with one verdict, message and waiver form a group
    // whose heading carries the waiver's note: one note per such group of
    // waived findings, and none elsewhere.
    let waived_groups: std::collections::BTreeSet<_> = waived
        .iter()
        .map(|f| {
            let w = f.waiver.as_ref().unwrap();
            (
                &f.check_id,
                &f.message,
                w.index,
                f.change.map(|c| c.as_str()),
            )
        })
        .collect();
    assert_eq!(
        html.matches("<div class=\"waiver-note\">").count(),
        waived_groups.len()
    );
    assert!(md.contains(&format!("### Waived findings ({})", waived.len())));
    assert!(console.contains(&format!("Waived findings ({}):", waived.len())));
    // The hostile reason is escaped: no raw markup in Markdown or HTML.
    assert!(!md.contains("<SIEM>") && !html.contains("<SIEM>"));
}

#[test]
fn waived_findings_are_suppressed_not_failed_in_sarif_and_junit() {
    let report = policy_report();
    let s = report.summary.by_status;
    let suites = parse_junit(&junit::render(&report));
    assert_eq!(suites.failures as usize, s.fail, "a waived case failed");
    let b = baseline_of(&report);
    let disabled = report.policy.disabled_checks.len();
    assert_eq!(
        suites.tests as usize,
        s.total() + disabled + b.no_longer_reported.len()
    );
    assert_eq!(
        suites.skipped as usize,
        s.not_applicable + s.waived + disabled
    );
    // Per suite, the declared counts are the parsed cases'.
    for suite in &suites.suites {
        let failures = suite
            .cases
            .iter()
            .filter(|c| matches!(c.status, junit_parser::TestStatus::Failure(_)))
            .count();
        let skipped = suite
            .cases
            .iter()
            .filter(|c| matches!(c.status, junit_parser::TestStatus::Skipped(_)))
            .count();
        assert_eq!(suite.failures as usize, failures, "{}", suite.name);
        assert_eq!(suite.skipped as usize, skipped, "{}", suite.name);
        assert_eq!(suite.tests as usize, suite.cases.len(), "{}", suite.name);
    }

    let doc = sarif_of(&report);
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let suppressed: Vec<&Value> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), s.waived);
    for f in waived_findings(&report) {
        let w = f.waiver.as_ref().unwrap();
        let r = suppressed
            .iter()
            .find(|r| r["partialFingerprints"][sarif::FINGERPRINT_KEY] == sarif::fingerprint(f))
            .unwrap_or_else(|| panic!("no suppressed result for {}", f.resource));
        let sup = &r["suppressions"][0];
        assert_eq!(sup["kind"], "external");
        assert_eq!(sup["status"], "accepted");
        assert_eq!(sup["justification"], w.reason.as_str());
        assert_eq!(sup["properties"]["owner"], w.owner.as_str());
        assert_eq!(sup["properties"]["expires"], w.expires.to_string());
    }
}

#[test]
fn an_expired_waiver_is_named_on_the_failure_it_no_longer_covers() {
    let report = policy_report();
    let f = report
        .findings
        .iter()
        .find(|f| f.waiver.as_ref().is_some_and(|w| w.expired))
        .unwrap();
    let w = f.waiver.as_ref().unwrap();
    let said = format!("waiver #{} expired on {}", w.index, w.expires);
    assert!(text(console::render(&report)).contains(&said));
    assert!(text(markdown::render(&report)).contains(&said));
    let html = html_of(&report);
    assert!(html.contains(&format!(
        "<strong>Waiver #{} expired on {}</strong>: these findings fail again",
        w.index, w.expires
    )));
    assert_eq!(
        html.matches("<div class=\"waiver-note expired\">").count(),
        1
    );
    let suites = parse_junit(&junit::render(&report));
    match &junit_case(&suites, f)[0].status {
        junit_parser::TestStatus::Failure(x) => assert!(x.text.contains(&said), "{}", x.text),
        other => panic!("an expired waiver's finding is {other:?}"),
    }
    let (header, rows) = csv_rows(&report);
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let expired: Vec<&csv::StringRecord> = rows
        .iter()
        .filter(|r| &r[column("waiver_expired")] == "true")
        .collect();
    assert_eq!(expired.len(), 1);
    assert_eq!(&expired[0][column("status")], "fail");
    let doc = sarif_of(&report);
    let r = doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["partialFingerprints"][sarif::FINGERPRINT_KEY] == sarif::fingerprint(f))
        .unwrap();
    assert!(r.get("suppressions").is_none());
    assert_eq!(r["properties"]["waiver"]["expired"], true);
    assert!(r["message"]["text"].as_str().unwrap().contains(&said));
}

#[test]
fn waiver_states_are_flagged_in_every_format() {
    let report = policy_report();
    let console = text(console::render(&report));
    for (index, state) in [
        (2, "EXPIRED"),
        (3, "STALE"),
        (4, "EXPIRING SOON (expires in 9 day(s): renew or fix)"),
        (1, "ACTIVE"),
    ] {
        let line = console
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("#{index} ")))
            .unwrap_or_else(|| panic!("no waiver #{index} in the Policy block"));
        assert!(line.contains(state), "{line}");
    }
    let md = text(markdown::render(&report));
    assert!(md.contains("**expired**") && md.contains("**stale**"));
    assert!(md.contains("⚠️ **expiring soon**: expires in 9 day(s): renew or fix"));
    let html = html_of(&report);
    for state in ["active", "expired", "stale", "expiring_soon"] {
        assert!(
            html.contains(&format!("<tr class=\"waiver\" data-state=\"{state}\"")),
            "{state}"
        );
    }
    assert_eq!(
        html.matches("<tr class=\"waiver\"").count(),
        report.policy.waivers.len()
    );
    let doc = sarif_of(&report);
    let notes = doc["runs"][0]["invocations"][0]["toolConfigurationNotifications"]
        .as_array()
        .expect("waivers that need attention are notified");
    let flagged: Vec<u64> = notes
        .iter()
        .map(|n| n["properties"]["waiver"].as_u64().unwrap())
        .collect();
    assert_eq!(flagged, [2, 3, 4]);
    assert!(text(junit::render(&report)).contains("name=\"waiver\" value=\"1\""));
}

#[test]
fn disabled_checks_and_their_reasons_appear_in_every_format() {
    for report in [policy_report(), framework_report()] {
        let d = &report.policy.disabled_checks[0];
        assert!(report.findings.iter().all(|f| f.check_id != d.check_id));
        let console = text(console::render(&report));
        assert!(
            console.contains(&format!("DISABLED {} · {}", d.check_id, d.reason)),
            "console"
        );
        let md = text(markdown::render(&report));
        assert!(md.contains(&format!(
            "| `{}` | {} | {} |",
            d.check_id,
            markdown::cell(&d.title),
            markdown::cell(&d.reason)
        )));
        let html = html_of(&report);
        assert!(html.contains(&format!(
            "<tr class=\"disabled-check\" data-check=\"{}\">",
            d.check_id
        )));
        assert!(html.contains(&html_escape(&d.reason)));
        let suites = parse_junit(&junit::render(&report));
        let case = suites
            .suites
            .iter()
            .flat_map(|s| s.cases.iter())
            .find(|c| c.classname.as_deref() == Some(&*format!("trailwarden.{}", d.check_id)))
            .expect("a test case for the disabled check");
        match &case.status {
            junit_parser::TestStatus::Skipped(x) => {
                assert_eq!(x.message, format!("disabled: {}", d.reason))
            }
            other => panic!("{other:?}"),
        }
        let (header, rows) = csv_rows(&report);
        let column = |name: &str| header.iter().position(|h| h == name).unwrap();
        let row = rows
            .iter()
            .find(|r| r[column("check_id")] == d.check_id && &r[column("status")] == "disabled")
            .expect("a CSV row for the disabled check");
        assert_eq!(&row[column("message")], d.reason);
        let doc = sarif_of(&report);
        let run = &doc["runs"][0];
        let rule = run["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == d.check_id.as_str())
            .unwrap();
        assert_eq!(rule["defaultConfiguration"]["enabled"], false);
        assert_eq!(rule["properties"]["disabled_reason"], d.reason.as_str());
        let overrides = run["invocations"][0]["ruleConfigurationOverrides"]
            .as_array()
            .unwrap();
        assert_eq!(overrides.len(), 1);
        assert_eq!(overrides[0]["descriptor"]["id"], d.check_id.as_str());
        assert_eq!(overrides[0]["configuration"]["enabled"], false);
        assert_eq!(overrides[0]["properties"]["reason"], d.reason.as_str());
    }
}

#[test]
fn severity_overrides_and_the_config_hash_are_shown() {
    let report = policy_report();
    let o = &report.policy.severity_overrides[0];
    let sha = &report.policy.config.as_ref().unwrap().sha256;
    let console = text(console::render(&report));
    assert!(console.contains(&format!("{}: {} → {}", o.check_id, o.default, o.severity)));
    assert!(console.contains(&format!("config {POLICY_FILE} (sha256 {sha})")));
    let md = text(markdown::render(&report));
    assert!(md.contains(&format!(
        "| `{}` | {} | {} |",
        o.check_id, o.default, o.severity
    )));
    assert!(md.contains(sha.as_str()));
    let html = html_of(&report);
    assert!(html.contains(&format!(
        "<code class=\"hash\" id=\"config-sha256\">{sha}</code>"
    )));
    let doc = sarif_of(&report);
    let rule = doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == o.check_id.as_str())
        .unwrap();
    assert_eq!(rule["properties"]["severity"], o.severity.as_str());
    assert_eq!(rule["properties"]["catalog_severity"], o.default.as_str());
    assert_eq!(
        rule["properties"]["security-severity"],
        sarif::security_severity(o.severity)
    );
}

#[test]
fn each_framework_control_appears_once_per_format() {
    let report = framework_report();
    let framework = report.framework.as_ref().unwrap();
    let ids: Vec<&str> = framework.controls.iter().map(|c| c.id.as_str()).collect();
    let console = text(console::render(&report));
    let md = text(markdown::render(&report));
    let html = html_of(&report);
    let suites = parse_junit(&junit::render(&report));
    for c in &framework.controls {
        let rows = console
            .lines()
            .filter(|l| l.split_whitespace().next() == Some(c.id.as_str()))
            .count();
        assert_eq!(rows, 1, "console {}", c.id);
        assert_eq!(
            md.matches(&format!("\n| `{}` |", c.id)).count(),
            1,
            "markdown {}",
            c.id
        );
        assert_eq!(
            html.matches(&format!("data-control=\"{}\"", c.id)).count(),
            1,
            "html {}",
            c.id
        );
        // JUnit: one suite per control, whose counts are the model's.
        let suite: Vec<&junit_parser::TestSuite> = suites
            .suites
            .iter()
            .filter(|s| s.name == format!("{CIS} {}", c.id))
            .collect();
        assert_eq!(suite.len(), 1, "junit {}", c.id);
        let suite = suite[0];
        assert_eq!(suite.tests as usize, c.counts.total(), "{}", c.id);
        assert_eq!(suite.failures as usize, c.counts.fail, "{}", c.id);
        assert_eq!(suite.errors as usize, c.counts.error, "{}", c.id);
        assert_eq!(
            suite.skipped as usize,
            c.counts.not_applicable + c.counts.waived,
            "{}",
            c.id
        );
    }
    // The per-control section is the model's, and open.
    assert!(html.contains(&format!(
        "<details class=\"controls selected\" id=\"controls-{CIS}\" data-framework=\"{CIS}\" open>"
    )));
    // SARIF: one taxonomy, its taxa the control ids in order.
    let doc = sarif_of(&report);
    let run = &doc["runs"][0];
    let taxonomies = run["taxonomies"].as_array().unwrap();
    assert_eq!(taxonomies.len(), 1);
    assert_eq!(taxonomies[0]["name"], CIS);
    let taxa: Vec<&str> = taxonomies[0]["taxa"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(taxa, ids);
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let named = r["taxa"]
            .as_array()
            .expect("every result names its control");
        for t in named {
            assert!(ids.contains(&t["id"].as_str().unwrap()));
            assert_eq!(t["toolComponent"]["index"], 0);
        }
    }
    for rule in run["tool"]["driver"]["rules"].as_array().unwrap() {
        let id = rule["id"].as_str().unwrap();
        let maps = Catalog::embedded()
            .get(id)
            .is_some_and(|m| m.frameworks.get(CIS).is_some_and(|c| !c.is_empty()));
        assert_eq!(rule.get("relationships").is_some(), maps, "{id}");
    }
    // CSV: the controls column is the finding's controls of the framework.
    let (header, rows) = csv_rows(&report);
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    for (row, f) in rows.iter().zip(&report.findings) {
        assert_eq!(
            &row[column("controls")],
            report.check(&f.check_id).frameworks[CIS].join(" ")
        );
    }
    // Without a framework the column is there, and empty.
    let (header, rows) = csv_rows(&policy_report());
    let column = header.iter().position(|h| h == "controls").unwrap();
    assert!(rows.iter().all(|r| r[column].is_empty()));
}

#[test]
fn baseline_changes_and_resolved_findings_appear_in_every_format() {
    let report = policy_report();
    let b = baseline_of(&report);
    let resolved = resolved_findings(&report);
    assert_eq!(resolved.len(), b.resolved);
    let console = text(console::render(&report));
    assert!(console.contains(&format!(
        "Since the baseline: {} new, {} unchanged, {} resolved",
        b.new, b.unchanged, b.resolved
    )));
    let new_failures = report
        .findings
        .iter()
        .filter(|f| f.status == Status::Fail && f.change == Some(Change::New))
        .count();
    assert_eq!(console.matches("[NEW]").count(), new_failures);
    let md = text(markdown::render(&report));
    assert!(md.contains(&format!(
        "### Since the baseline: {} new, {} unchanged, {} resolved",
        b.new, b.unchanged, b.resolved
    )));
    let html = html_of(&report);
    assert_eq!(html.matches("<tr class=\"resolved\"").count(), b.resolved);
    assert!(html.contains(&format!("data-count=\"baseline:new\">{}<", b.new)));
    for f in &resolved {
        assert!(console.contains(&format!(
            "{} · {} · {}",
            f.check_id, f.account_id, f.resource
        )));
        assert!(md.contains(&format!(
            "| `{}` | {} | {} | {} |",
            f.check_id,
            markdown::cell(&f.account_id),
            markdown::cell(f.region.as_deref().unwrap_or("–")),
            markdown::cell(&f.resource)
        )));
        assert!(html.contains(&html_escape(&f.resource)));
    }
    let gone = &b.no_longer_reported[0];
    assert!(
        console.contains(&format!("{} · no longer reported", gone.resource)) || {
            let line = format!(
                "{} · {} · {}",
                gone.check_id, gone.account_id, gone.resource
            );
            console
                .lines()
                .any(|l| l.contains(&line) && l.ends_with("no longer reported"))
        }
    );
    // SARIF: every failure has its baseline state; resolved ones are absent.
    let doc = sarif_of(&report);
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let state = |s: &str| results.iter().filter(|r| r["baselineState"] == s).count();
    let failing = |c: Change| {
        report
            .findings
            .iter()
            .filter(|f| matches!(f.status, Status::Fail | Status::Waived) && f.change == Some(c))
            .count()
    };
    assert_eq!(state("new"), failing(Change::New));
    assert_eq!(state("unchanged"), failing(Change::Unchanged));
    assert_eq!(state("absent"), b.resolved);
    assert!(results.iter().all(|r| r.get("baselineState").is_some()));
    for r in results.iter().filter(|r| r["baselineState"] == "absent") {
        assert_eq!(r["kind"], "pass");
        assert_eq!(r["level"], "none");
    }
    // JUnit: the change of every case; the gone finding as a passed case.
    let suites = parse_junit(&junit::render(&report));
    for f in &report.findings {
        let case = junit_case(&suites, f)[0];
        assert_eq!(
            case.properties.hashmap.get("change").map(String::as_str),
            f.change.map(Change::as_str),
            "{} {}",
            f.check_id,
            f.resource
        );
    }
    let suite = suites
        .suites
        .iter()
        .find(|s| s.name == "resolved since baseline")
        .unwrap();
    assert_eq!(suite.cases.len(), b.no_longer_reported.len());
    assert!(suite
        .cases
        .iter()
        .all(|c| matches!(c.status, junit_parser::TestStatus::Success)));
    // CSV: the change column, and one row per resolved-and-gone finding.
    let (header, rows) = csv_rows(&report);
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(
        rows.iter()
            .filter(|r| &r[column("change")] == "resolved")
            .count(),
        b.resolved
    );
    assert_eq!(
        rows.iter()
            .filter(|r| &r[column("change")] == "new")
            .count(),
        b.new
    );
    assert_eq!(
        rows.len(),
        report.findings.len() + b.no_longer_reported.len() + 1,
        "findings, gone findings, the disabled check"
    );
}

#[test]
fn policy_console_is_colored_consistently() {
    for report in [policy_report(), framework_report()] {
        let plain = text(console::render(&report));
        let colored = text(console::render_styled(&report, true));
        assert_eq!(strip_sgr(&colored), plain);
        assert!(colored.contains("\u{1b}[1;31mEXPIRED"));
    }
}

#[test]
fn policy_renderers_are_deterministic() {
    let options = report::RenderOptions::default();
    for format in [
        Format::Console,
        Format::Json,
        Format::Sarif,
        Format::Junit,
        Format::Markdown,
        Format::Csv,
        Format::Html,
    ] {
        assert_eq!(
            report::render(&policy_report(), format, &options).unwrap(),
            report::render(&policy_report(), format, &options).unwrap(),
            "{format:?}"
        );
    }
}

/// Issue 15: the console states a failure that many accounts share once,
/// lists where it applies up to about a screenful, then points to the full
/// reports; `-v` lists every finding on its own line.
#[test]
fn console_groups_failures_that_read_the_same_and_verbose_lists_each() {
    let mut report = demo_report();
    let template = report
        .findings
        .iter()
        .find(|f| f.status == Status::Fail && f.check_id == "cloudtrail-log-file-validation")
        .expect("a failing log-file-validation finding")
        .clone();
    let accounts = console::GROUP_LIST_LIMIT + 15;
    for i in 0..accounts {
        let mut f = template.clone();
        f.account_id = format!("9{i:011}");
        f.resource = format!("arn:aws:cloudtrail:eu-west-1:{}:trail/t", f.account_id);
        report.findings.push(f);
    }
    let same = report
        .findings
        .iter()
        .filter(|f| {
            f.check_id == template.check_id
                && f.message == template.message
                && f.status == Status::Fail
        })
        .count();
    assert!(same > accounts);

    let grouped = text(console::render(&report));
    let heading = format!(
        "[{}] {} · {same} findings in {same} account(s) · {}",
        template.severity.as_str().to_uppercase(),
        template.check_id,
        template.message
    );
    assert!(grouped.contains(&heading), "{grouped}");
    assert_eq!(
        grouped.matches(&template.message as &str).count(),
        1,
        "the message once"
    );
    let listed = grouped
        .lines()
        .filter(|l| l.starts_with("      9") && l.contains(":trail/t"))
        .count();
    let first_listed = same - accounts; // the demo's own, listed first
    assert_eq!(listed + first_listed, console::GROUP_LIST_LIMIT);
    assert!(grouped.contains(&format!(
        "      … and {} more",
        same - console::GROUP_LIST_LIMIT
    )));
    assert!(
        grouped.contains("--format json"),
        "a pointer to the full report"
    );

    let verbose = text(console::render_verbose(&report, true));
    assert_eq!(
        verbose.matches(&template.message as &str).count(),
        same,
        "every finding"
    );
    assert!(!verbose.contains("… and"));
    // The same failing findings either way: only the layout differs.
    for f in report.findings.iter().filter(|f| f.status == Status::Fail) {
        assert!(
            verbose.contains(&format!("{} · {}", f.account_id, f.resource)),
            "{}",
            f.resource
        );
    }
}

/// Issue 15: a report is rendered with its own descriptions of its checks
/// (the catalog of the version that wrote it), never with today's catalog:
/// an old or merged report keeps what it was judged with.
#[test]
fn renderers_take_check_descriptions_from_the_report_not_the_catalog() {
    let mut report = demo_report();
    let id = "cloudtrail-log-file-validation";
    let check = report.checks.get_mut(id).expect("the demo describes it");
    check.title = "Title as an older version wrote it".into();
    check.rationale = "Rationale as an older version wrote it.".into();
    check.frameworks = [("old-framework-v1".to_string(), vec!["9.9".to_string()])]
        .into_iter()
        .collect();
    let html = html_of(&report);
    assert!(html.contains("Title as an older version wrote it"));
    assert!(html.contains("<p class=\"rationale\">Rationale as an older version wrote it.</p>"));
    assert!(
        html.contains("<dt>old-framework-v1</dt><dd>9.9</dd>"),
        "named by its key"
    );
    let doc = sarif_of(&report);
    let rule = doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .expect("its rule");
    assert_eq!(
        rule["shortDescription"]["text"],
        "Title as an older version wrote it"
    );
    assert_eq!(
        rule["fullDescription"]["text"],
        "Rationale as an older version wrote it."
    );
    // A report written before `rationale` existed reads with none.
    let mut json: Value = serde_json::from_slice(&report::json::render(&report)).unwrap();
    json["checks"][id]
        .as_object_mut()
        .unwrap()
        .remove("rationale");
    let old: Report = serde_json::from_value(json).unwrap();
    assert!(old.check(id).rationale.is_empty());
    assert!(!html_of(&old).contains("Rationale as an older version wrote it."));
}
