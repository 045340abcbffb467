//! The HTML report in a real browser (headless Chromium): the counts the
//! page shows and computes equal the JSON report's, the filters work, hostile
//! names stay text, and a screenshot is saved to target/html-report/.
//! Also the template errors of `--template-dir`, through the binary, and a
//! policy run (waivers, a disabled check, a baseline) with its filters.

mod browser;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const DEMO: &str = "examples/demo-org.snapshot.json";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// target/html-report/<name>: kept after the run, for a person to look at.
fn out_dir(name: &str) -> PathBuf {
    let dir = repo().join("target/html-report").join(name);
    std::fs::create_dir_all(&dir).expect("target/html-report");
    dir
}

fn trailwarden(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_trailwarden"))
        .args(args)
        .current_dir(repo())
        .output()
        .expect("run trailwarden")
}

/// Renders `snapshot` as HTML and JSON in one run.
fn render(snapshot: &Path, dir: &Path) -> (PathBuf, Value) {
    let html = dir.join("report.html");
    let json = dir.join("report.json");
    let out = trailwarden(&[
        "evaluate",
        snapshot.to_str().unwrap(),
        "--format",
        "html",
        "-o",
        html.to_str().unwrap(),
        "--report",
        &format!("json={}", json.display()),
    ]);
    // The demo has failing findings: exit 1, and both files written.
    assert_eq!(
        out.status.code(),
        Some(1),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    (html, report)
}

fn count(report: &Value, keep: impl Fn(&Value) -> bool) -> usize {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| keep(f))
        .count()
}

/// What the page's script counted over the finding rows (all, then visible).
fn stats(dom: &str) -> &str {
    let tag = browser::start_tag(dom, "tw-stats");
    assert_eq!(
        browser::attr(tag, "data-ready").as_deref(),
        Some("true"),
        "the report's script did not run: {tag}"
    );
    tag
}

const STATUSES: [&str; 5] = ["pass", "fail", "error", "not_applicable", "waived"];

#[test]
fn demo_counts_in_the_browser_equal_the_json_report() {
    let dir = out_dir("demo");
    let (html, report) = render(&repo().join(DEMO), &dir);
    let summary = &report["summary"];
    let total = summary["total"].as_u64().unwrap() as usize;
    assert!(total > 0);

    let dom = browser::dump_dom(&browser::file_url(&html, ""));
    // What the summary shows...
    let shown = browser::shown_counts(&dom);
    assert_eq!(shown["total"], total);
    for s in STATUSES {
        let expected = summary["by_status"][s].as_u64().unwrap() as usize;
        assert_eq!(shown[&format!("status:{s}")], expected, "summary {s}");
        for (severity, counts) in summary["by_severity"].as_object().unwrap() {
            assert_eq!(
                shown[&format!("severity:{severity}:{s}")],
                counts[s].as_u64().unwrap() as usize,
                "summary {severity} {s}"
            );
        }
    }
    // ...and what the browser counts over the rendered rows, unfiltered.
    let tag = stats(&dom);
    assert_eq!(browser::num(tag, "data-rows-total"), total);
    assert_eq!(browser::num(tag, "data-visible-total"), total);
    for s in STATUSES {
        let expected = count(&report, |f| f["status"] == s);
        assert_eq!(
            browser::num(tag, &format!("data-rows-{s}")),
            expected,
            "rows {s}"
        );
    }
    // Every row's evidence was inflated and filled in (a small report does
    // it at load, so that printing shows it), none failed or is pending.
    assert_eq!(
        browser::attr(tag, "data-evidence-ready").as_deref(),
        Some("true")
    );
    assert_eq!(dom.matches("<details class=\"evidence\"").count(), total);
    assert!(!dom.contains("<pre>This browser could not read"));
    assert!(!dom.contains("<pre>…</pre>"));
    // Each shows its finding's evidence whole: a shared one is resolved.
    let root_usage = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check_id"] == "monitor-root-usage" && f["status"] == "pass")
        .expect("a passing monitor-root-usage finding");
    let key = root_usage["evidence"]["trails"][0]["shared_evidence"]
        .as_str()
        .or_else(|| root_usage["evidence"]["shared_evidence"].as_str());
    if let Some(key) = key {
        let shared = &report["shared_evidence"][key];
        let some_field = shared.as_object().unwrap().keys().next().unwrap();
        assert!(dom.contains(&format!("\"{some_field}\": ")), "{some_field}");
    }
    // Every check, error and account of the JSON report is on the page.
    for f in report["findings"].as_array().unwrap() {
        let id = f["check_id"].as_str().unwrap();
        assert!(dom.contains(&format!("id=\"check-{id}\"")), "{id}");
    }
    assert_eq!(
        dom.matches("<tr class=\"collection-error\"").count(),
        report["collection_errors"].as_array().unwrap().len()
    );
    assert!(dom.contains(report["snapshot"]["sha256"].as_str().unwrap()));

    browser::screenshot(
        &browser::file_url(&html, ""),
        &dir.join("demo.png"),
        1400,
        2000,
    );
}

#[test]
fn filters_in_the_address_select_the_same_findings_as_the_json() {
    let dir = out_dir("filters");
    let (html, report) = render(&repo().join(DEMO), &dir);
    // A finding maps to a framework through its check's description.
    let checks = std::rc::Rc::new(report["checks"].clone());
    let has_framework = move |f: &Value, key: &str| {
        checks[f["check_id"].as_str().unwrap()]["frameworks"][key]
            .as_array()
            .is_some_and(|ids| !ids.is_empty())
    };
    type Keep = Box<dyn Fn(&Value) -> bool>;
    let cases: Vec<(&str, Keep)> = vec![
        ("#status=fail", Box::new(|f: &Value| f["status"] == "fail")),
        (
            "#severity=high&account=333333333333",
            Box::new(|f: &Value| f["severity"] == "high" && f["account_id"] == "333333333333"),
        ),
        (
            "#status=error&framework=aws-config",
            Box::new({
                let has_framework = has_framework.clone();
                move |f: &Value| f["status"] == "error" && has_framework(f, "aws-config")
            }),
        ),
        (
            "#framework=cis-aws-v5.0.0&account=222222222222",
            Box::new(move |f: &Value| {
                has_framework(f, "cis-aws-v5.0.0") && f["account_id"] == "222222222222"
            }),
        ),
        // An unknown value is ignored rather than hiding everything.
        ("#status=bogus", Box::new(|_: &Value| true)),
    ];
    for (fragment, keep) in cases {
        let expected = count(&report, &keep);
        let dom = browser::dump_dom(&browser::file_url(&html, fragment));
        let tag = stats(&dom);
        assert_eq!(
            browser::num(tag, "data-visible-total"),
            expected,
            "{fragment}"
        );
        for s in STATUSES {
            let by_status = count(&report, |f| keep(f) && f["status"] == s);
            assert_eq!(
                browser::num(tag, &format!("data-visible-{s}")),
                by_status,
                "{fragment} {s}"
            );
        }
        // The rows the script hid are the others.
        let hidden = dom
            .split("<tr class=\"finding\"")
            .skip(1)
            .filter(|rest| rest[..rest.find('>').unwrap()].contains(" hidden=\"\""))
            .count();
        assert_eq!(
            hidden,
            report["findings"].as_array().unwrap().len() - expected,
            "{fragment}"
        );
    }
    // A filtered view is labelled as such (it prints too).
    let dom = browser::dump_dom(&browser::file_url(&html, "#status=fail"));
    let fails = count(&report, |f| f["status"] == "fail");
    let total = report["findings"].as_array().unwrap().len();
    assert!(
        dom.contains(&format!("Showing {fails} of {total} findings")),
        "the count label"
    );
    let state = browser::start_tag(&dom, "filter-state");
    assert!(browser::attr(state, "hidden").is_none(), "{state}");
}

const HOSTILE_TRAIL: &str = "<script>alert(1)</script>";
/// Would mark the page if it ever became markup and ran.
const HOSTILE_BUCKET: &str =
    "\"'><img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">";

#[test]
fn hostile_names_stay_text_in_the_browser() {
    let dir = out_dir("hostile");
    let demo = std::fs::read_to_string(repo().join(DEMO)).unwrap();
    let bucket_json = serde_json::to_string(HOSTILE_BUCKET).unwrap();
    let hostile = demo.replace("org-trail", HOSTILE_TRAIL).replace(
        "acme-org-cloudtrail-logs-222222222222",
        &bucket_json[1..bucket_json.len() - 1],
    );
    let snapshot = dir.join("hostile.snapshot.json");
    std::fs::write(&snapshot, hostile).unwrap();
    let (html, report) = render(&snapshot, &dir);
    let json = report.to_string();
    assert!(
        json.contains("alert(1)") && json.contains("data-pwned"),
        "names reached the report"
    );

    let dom = browser::dump_dom(&browser::file_url(&html, ""));
    // The script ran, and it is the only one.
    stats(&dom);
    assert_eq!(
        dom.matches("<script").count(),
        1,
        "an injected script element"
    );
    assert!(!dom.contains("<img"), "an injected element");
    assert!(!dom.contains("data-pwned=\"1\""), "injected code ran");
    // The names are visible as text, in the evidence too: the page's script
    // inflated every finding's evidence and wrote it as text.
    let tag = stats(&dom);
    assert_eq!(
        browser::attr(tag, "data-evidence-ready").as_deref(),
        Some("true"),
        "{tag}"
    );
    let evidence_blocks = dom.matches("<details class=\"evidence\"").count();
    assert_eq!(
        evidence_blocks,
        report["summary"]["total"].as_u64().unwrap() as usize
    );
    assert!(
        dom.contains("\"name\": \"&lt;script&gt;alert(1)&lt;/script&gt;\""),
        "the trail's name in its evidence"
    );
    assert!(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(dom.contains(
        "\"'&gt;&lt;img src=x onerror=\"document.body.setAttribute('data-pwned','1')\"&gt;"
    ));
    browser::screenshot(
        &browser::file_url(&html, "#account=111111111111"),
        &dir.join("hostile.png"),
        1400,
        2000,
    );
}

fn template_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// Exit 2, one line on stderr that contains every `needle`, and no report.
fn assert_template_error(dir: &Path, needles: &[&str]) {
    let out_dir = tempfile::tempdir().unwrap();
    let html = out_dir.path().join("r.html");
    let out = trailwarden(&[
        "evaluate",
        DEMO,
        "--format",
        "html",
        "-o",
        html.to_str().unwrap(),
        "--template-dir",
        dir.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.starts_with("trailwarden: error: "), "{stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "{needle} not in {stderr}");
    }
    assert!(!html.exists(), "no report from a broken template");
}

#[test]
fn template_errors_are_one_line_exit_2() {
    let syntax = template_dir(&[("matrix.html.hbs", "<table>\n{{#each matrix.rows}}\n<tr>\n")]);
    assert_template_error(syntax.path(), &["matrix.html.hbs", "syntax error"]);

    let helper = template_dir(&[("cover.html.hbs", "<h1>{{uppercase report.tool.name}}</h1>")]);
    assert_template_error(helper.path(), &["cover.html.hbs", "uppercase"]);

    let missing = repo().join("target/html-report/no-such-template-dir");
    assert_template_error(&missing, &["--template-dir", "no-such-template-dir"]);
}

#[test]
fn template_dir_copies_replace_the_built_in_ones() {
    let dir = template_dir(&[(
        "cover.html.hbs",
        "<header id=\"cover\"><h1>ACME Corp · {{report.scope.organization_id}}</h1></header>",
    )]);
    let out = trailwarden(&[
        "evaluate",
        DEMO,
        "--format",
        "html",
        "--template-dir",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let html = String::from_utf8(out.stdout).unwrap();
    assert!(html.contains("<h1>ACME Corp · o-7k2m9x4q1w</h1>"));
    assert!(
        html.contains("id=\"summary\""),
        "the other templates are the built-in ones"
    );
}

const POLICY: &str = "tests/fixtures/policy/trailwarden.toml";
/// 2026-11-02T08:00:00Z: the day the policy fixture is written for.
const POLICY_EPOCH: &str = "1793606400";

fn trailwarden_at(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_trailwarden"))
        .args(args)
        .current_dir(repo())
        .env("SOURCE_DATE_EPOCH", POLICY_EPOCH)
        .output()
        .expect("run trailwarden")
}

/// The policy fixture with a baseline in which one current failure passed
/// and one passing finding failed: the page shows waivers, the disabled
/// check, NEW and RESOLVED findings, and filters on waived and on change.
#[test]
fn a_policy_run_in_the_browser() {
    let dir = out_dir("policy");
    let baseline = dir.join("baseline.json");
    let out = trailwarden_at(&[
        "evaluate",
        DEMO,
        "--config",
        POLICY,
        "--format",
        "json",
        "-o",
        baseline.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut earlier: Value = serde_json::from_slice(&std::fs::read(&baseline).unwrap()).unwrap();
    let findings = earlier["findings"].as_array_mut().unwrap();
    let flip = |findings: &mut Vec<Value>, check: &str, from: &str, to: &str| {
        let f = findings
            .iter_mut()
            .find(|f| f["check_id"] == check && f["status"] == from)
            .unwrap_or_else(|| panic!("a {from} {check} finding"));
        f["status"] = to.into();
    };
    flip(findings, "cloudtrail-log-file-validation", "fail", "pass");
    flip(findings, "cloudtrail-multi-region", "pass", "fail");
    std::fs::write(&baseline, serde_json::to_vec(&earlier).unwrap()).unwrap();

    let html = dir.join("report.html");
    let json = dir.join("report.json");
    let out = trailwarden_at(&[
        "evaluate",
        DEMO,
        "--config",
        POLICY,
        "--baseline",
        baseline.to_str().unwrap(),
        "--format",
        "html",
        "-o",
        html.to_str().unwrap(),
        "--report",
        &format!("json={}", json.display()),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let waived = count(&report, |f| f["status"] == "waived");
    let new = count(&report, |f| f["change"] == "new");
    assert!(waived > 0 && new > 0);

    let dom = browser::dump_dom(&browser::file_url(&html, ""));
    let shown = browser::shown_counts(&dom);
    assert_eq!(shown["status:waived"], waived);
    assert_eq!(
        shown["baseline:new"],
        report["baseline"]["new"].as_u64().unwrap() as usize
    );
    assert_eq!(
        shown["baseline:resolved"],
        report["baseline"]["resolved"].as_u64().unwrap() as usize
    );
    let tag = stats(&dom);
    assert_eq!(browser::num(tag, "data-rows-waived"), waived);
    assert_eq!(
        dom.matches("<tr class=\"waiver\"").count(),
        report["policy"]["waivers"].as_array().unwrap().len()
    );
    assert!(
        dom.contains("<tr class=\"disabled-check\" data-check=\"cloudtrail-s3-data-events-read\">")
    );
    assert!(dom.contains("Waiver #2 expired on 2026-10-31"));

    // The new filters select what the JSON says.
    for (fragment, expected) in [
        ("#status=waived", waived),
        ("#change=new", new),
        (
            "#change=resolved",
            count(&report, |f| f["change"] == "resolved"),
        ),
        (
            "#status=fail&change=unchanged",
            count(&report, |f| {
                f["status"] == "fail" && f["change"] == "unchanged"
            }),
        ),
    ] {
        let dom = browser::dump_dom(&browser::file_url(&html, fragment));
        let tag = stats(&dom);
        assert_eq!(
            browser::num(tag, "data-visible-total"),
            expected,
            "{fragment}"
        );
    }
    browser::screenshot(
        &browser::file_url(&html, ""),
        &dir.join("policy.png"),
        1400,
        3200,
    );
}
