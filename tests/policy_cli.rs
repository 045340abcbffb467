//! The gate policy through the real binary (issue 5): `trailwarden.toml`,
//! waivers, disabled checks, severity overrides, `--framework`,
//! `--baseline`/`--fail-on-new`, `diff`, and the exit code of each rule.
//!
//! Runs on the demo snapshot, and on a copy without its unreachable sandbox
//! account (whose errors would otherwise make every run exit 3), so a test
//! can reach every exit code. The report date is pinned with
//! `SOURCE_DATE_EPOCH`; waivers are judged at the snapshot's collection
//! time, so a test moves that (`Scratch::collected_on`) to change the day.

use chrono::{NaiveDate, TimeZone, Utc};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_trailwarden");
const SANDBOX: &str = "444444444444";
const MFA: &str = "trail-bucket-mfa-delete";

fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// Seconds since 1970 of midnight UTC on a date.
fn epoch(y: i32, m: u32, d: u32) -> String {
    Utc.with_ymd_and_hms(y, m, d, 12, 0, 0)
        .unwrap()
        .timestamp()
        .to_string()
}

/// A scratch directory with the demo snapshot, a copy without the sandbox
/// account, and room for configuration files and reports.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Scratch {
        let dir = tempfile::tempdir().unwrap();
        let demo: Value = serde_json::from_slice(
            &std::fs::read(repo_path("examples/demo-org.snapshot.json")).unwrap(),
        )
        .unwrap();
        let mut clean = demo.clone();
        clean["accounts"]
            .as_array_mut()
            .unwrap()
            .retain(|a| a["account_id"] != SANDBOX);
        clean["errors"]
            .as_array_mut()
            .unwrap()
            .retain(|e| e["account_id"] != SANDBOX);
        // Not in the organization either: an ACTIVE account absent from
        // the snapshot fails audit-coverage.
        clean["organization"]["accounts"]
            .as_array_mut()
            .unwrap()
            .retain(|a| a["id"] != SANDBOX);
        std::fs::write(dir.path().join("demo.json"), demo.to_string()).unwrap();
        std::fs::write(dir.path().join("clean.json"), clean.to_string()).unwrap();
        Scratch { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, text: &str) -> String {
        std::fs::write(self.path(name), text).unwrap();
        self.path(name).display().to_string()
    }

    /// Runs the binary in the scratch directory (so `./trailwarden.toml`
    /// is this test's) on 2026-11-02 unless `at` says otherwise.
    fn run(&self, args: &[&str], at: Option<&str>) -> Output {
        let mut cmd = Command::new(BIN);
        for var in ["AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_REGION"] {
            cmd.env_remove(var);
        }
        cmd.current_dir(self.dir.path())
            .env(
                "SOURCE_DATE_EPOCH",
                at.map_or_else(|| epoch(2026, 11, 2), str::to_string),
            )
            .env("NO_COLOR", "1")
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// A copy of snapshot `name` collected on that day (12:00 UTC): every
    /// time in it moves by the same amount, so the checks judge exactly as
    /// before and only what depends on the date (waivers) changes.
    fn collected_on(&self, name: &str, y: i32, m: u32, d: u32) -> String {
        fn shift(value: &mut Value, by: chrono::Duration) {
            match value {
                Value::String(text) => {
                    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
                        *text = (t.with_timezone(&Utc) + by)
                            .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
                    }
                }
                Value::Array(list) => list.iter_mut().for_each(|v| shift(v, by)),
                Value::Object(map) => map.values_mut().for_each(|v| shift(v, by)),
                _ => {}
            }
        }
        let mut snapshot: Value =
            serde_json::from_slice(&std::fs::read(self.path(name)).unwrap()).unwrap();
        let collected: chrono::DateTime<Utc> =
            snapshot["collected_at"].as_str().unwrap().parse().unwrap();
        let target = Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap();
        shift(&mut snapshot, target - collected);
        let copy = format!("{y}-{m:02}-{d:02}-{name}");
        std::fs::write(self.path(&copy), snapshot.to_string()).unwrap();
        copy
    }

    /// Writes the JSON report of `snapshot` (no configuration) to `path`.
    fn report_of(&self, snapshot: &str, path: &str) {
        let out = self.run(
            &[
                "evaluate",
                snapshot,
                "--no-config",
                "--format",
                "json",
                "--output",
                path,
            ],
            None,
        );
        assert!(matches!(code(&out), 0 | 1 | 3), "{}", stderr(&out));
    }

    /// `evaluate SNAPSHOT --format json EXTRA…`: the exit code and report.
    fn evaluate(&self, snapshot: &str, extra: &[&str], at: Option<&str>) -> (i32, Value) {
        let mut args = vec!["evaluate", snapshot, "--format", "json"];
        args.extend_from_slice(extra);
        let out = self.run(&args, at);
        let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "no JSON report ({e}); stderr: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.code().unwrap(), report)
    }
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn statuses<'a>(report: &'a Value, check: &str) -> Vec<&'a str> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check_id"] == check)
        .map(|f| f["status"].as_str().unwrap())
        .collect()
}

fn checks_in(report: &Value) -> std::collections::BTreeSet<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["check_id"].as_str().unwrap().to_string())
        .collect()
}

/// Only the MFA delete check runs: on the clean copy it fails twice and
/// errors never, so waivers alone decide between exit 0 and 1.
const ONLY_MFA: &str = "[checks]\nenable = [\"trail-bucket-mfa-delete\"]\n";

fn mfa_waiver(expires: &str) -> String {
    format!(
        "{ONLY_MFA}\n[[waiver]]\ncheck = \"{MFA}\"\nresources = [\"arn:aws:s3:::acme-*\"]\n\
         reason = \"MFA delete needs the root user; scheduled in SEC-142\"\n\
         owner = \"platform-security@example.com\"\nexpires = \"{expires}\"\n"
    )
}

#[test]
fn a_waiver_turns_the_gate_green_until_it_expires() {
    let s = Scratch::new();
    let bare = s.write("bare.toml", ONLY_MFA);
    let (exit, report) = s.evaluate("clean.json", &["--config", &bare], None);
    assert_eq!(exit, 1, "two MFA delete failures");
    assert_eq!(statuses(&report, MFA), ["fail", "fail"]);

    let waived = s.write("waived.toml", &mfa_waiver("2027-03-31"));
    let (exit, report) = s.evaluate("clean.json", &["--config", &waived], None);
    assert_eq!(exit, 0, "both failures are waived");
    assert_eq!(statuses(&report, MFA), ["waived", "waived"]);
    let finding = &report["findings"][0];
    assert_eq!(finding["waiver"]["owner"], "platform-security@example.com");
    assert_eq!(finding["waiver"]["expires"], "2027-03-31");
    assert_eq!(finding["waiver"]["expired"], false);
    assert_eq!(report["summary"]["by_status"]["waived"], 2);
    assert_eq!(report["policy"]["waivers"][0]["state"], "active");
    assert_eq!(report["policy"]["waivers"][0]["matched"], 2);
    assert_eq!(report["exit_code"], 0);

    // Waivers expire by the clock that judged the facts (issue 14, item 12):
    // a report stamped after the expiry (SOURCE_DATE_EPOCH) of facts
    // collected before it keeps the waiver...
    let out = s.run(
        &[
            "evaluate",
            "clean.json",
            "--format",
            "json",
            "--config",
            &waived,
        ],
        Some(&epoch(2027, 4, 1)),
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));

    // ...while facts collected the day after its expiry flip the exit code
    // to 1, and the report and stderr say why.
    let after = s.collected_on("clean.json", 2027, 4, 1);
    let out = s.run(
        &["evaluate", &after, "--format", "json", "--config", &waived],
        None,
    );
    assert_eq!(code(&out), 1);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(statuses(&report, MFA), ["fail", "fail"]);
    assert_eq!(report["findings"][0]["waiver"]["expired"], true);
    assert_eq!(report["policy"]["waivers"][0]["state"], "expired");
    assert!(stderr(&out).contains("waiver #1 (trail-bucket-mfa-delete, owner platform-security@example.com) expired on 2027-03-31"), "{}", stderr(&out));

    // Still applies on its expiry day; flagged when it expires within 14 days.
    let on_the_day = s.collected_on("clean.json", 2027, 3, 31);
    let (exit, report) = s.evaluate(&on_the_day, &["--config", &waived], None);
    assert_eq!(exit, 0);
    assert_eq!(report["policy"]["waivers"][0]["state"], "expiring_soon");
    assert_eq!(report["policy"]["waivers"][0]["days_left"], 0);
}

#[test]
fn a_waiver_never_hides_an_error() {
    let s = Scratch::new();
    let waived = s.write(
        "waived.toml",
        &mfa_waiver("2027-03-31").replace("resources = [\"arn:aws:s3:::acme-*\"]\n", ""),
    );
    // On the full demo the sandbox account's bucket is unreadable.
    let (exit, report) = s.evaluate("demo.json", &["--config", &waived], None);
    assert_eq!(exit, 3, "waived failures, but an error remains");
    let mut seen = statuses(&report, MFA);
    seen.sort();
    assert_eq!(seen, ["error", "waived", "waived"]);
    let error = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check_id"] == MFA && f["status"] == "error")
        .unwrap();
    assert!(error["waiver"].is_null());
}

#[test]
fn stale_waivers_and_narrow_matches_are_reported() {
    let s = Scratch::new();
    let config = format!(
        "{}\n[[waiver]]\ncheck = \"{MFA}\"\naccounts = [\"999999999999\"]\nreason = \"old\"\nowner = \"o\"\nexpires = \"2027-01-01\"\n",
        mfa_waiver("2027-03-31").replace("acme-*", "acme-workload-*")
    );
    let path = s.write("t.toml", &config);
    let out = s.run(
        &[
            "evaluate",
            "clean.json",
            "--format",
            "json",
            "--config",
            &path,
        ],
        None,
    );
    assert_eq!(code(&out), 1, "only the workload bucket is waived");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut seen = statuses(&report, MFA);
    seen.sort();
    assert_eq!(seen, ["fail", "waived"]);
    assert_eq!(report["policy"]["waivers"][1]["state"], "stale");
    assert!(stderr(&out).contains("waiver #2"), "{}", stderr(&out));
    assert!(stderr(&out).contains("matches no failing finding"));
}

#[test]
fn disabled_checks_are_reported_with_their_reason_and_do_not_count() {
    let s = Scratch::new();
    let config = s.write(
        "d.toml",
        &format!("{ONLY_MFA}[[checks.disable]]\nid = \"cloudtrail-multi-region\"\nreason = \"covered by the org trail\"\n")
            .replace("enable = [\"trail-bucket-mfa-delete\"]", "enable = [\"trail-bucket-mfa-delete\", \"cloudtrail-insights\"]"),
    );
    let (exit, report) = s.evaluate("clean.json", &["--config", &config], None);
    assert_eq!(exit, 1);
    assert_eq!(
        checks_in(&report).into_iter().collect::<Vec<_>>(),
        ["cloudtrail-insights", MFA]
    );
    let disabled = report["policy"]["disabled_checks"].as_array().unwrap();
    let total = trailwarden::checks::REGISTRY.len();
    assert_eq!(
        disabled.len(),
        total - 2,
        "every check that did not run is listed"
    );
    let multi = disabled
        .iter()
        .find(|d| d["check_id"] == "cloudtrail-multi-region")
        .unwrap();
    assert_eq!(multi["reason"], "covered by the org trail");
    assert!(disabled
        .iter()
        .filter(|d| d["check_id"] != "cloudtrail-multi-region")
        .all(|d| d["reason"] == "not in the configuration's checks.enable list"));

    // Disabling the only failing check turns the gate green.
    let config = s.write(
        "d2.toml",
        &format!("{ONLY_MFA}[[checks.disable]]\nid = \"cloudtrail-insights\"\nreason = \"r\"\n")
            .replace(
                "enable = [\"trail-bucket-mfa-delete\"]",
                "enable = [\"cloudtrail-multi-region\"]",
            ),
    );
    let (exit, _) = s.evaluate("clean.json", &["--config", &config], None);
    assert_eq!(exit, 0);
}

#[test]
fn severity_overrides_move_findings_across_fail_on() {
    let s = Scratch::new();
    let config = s.write(
        "sev.toml",
        &format!("{ONLY_MFA}[checks.severity]\n\"{MFA}\" = \"info\"\n"),
    );
    let (exit, report) = s.evaluate("clean.json", &["--config", &config], None);
    assert_eq!(exit, 0, "info failures are below the default --fail-on low");
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["severity"] == "info"));
    assert_eq!(
        report["policy"]["severity_overrides"][0]["severity"],
        "info"
    );
    let (exit, _) = s.evaluate(
        "clean.json",
        &["--config", &config, "--fail-on", "info"],
        None,
    );
    assert_eq!(
        exit, 1,
        "--fail-on on the command line wins over the default"
    );
    // gate.fail_on in the file is the default; the flag wins over it.
    let gated = s.write(
        "gated.toml",
        &format!("[gate]\nfail_on = \"critical\"\n{ONLY_MFA}"),
    );
    let (exit, report) = s.evaluate("clean.json", &["--config", &gated], None);
    assert_eq!((exit, report["fail_on"].as_str()), (0, Some("critical")));
    let (exit, _) = s.evaluate(
        "clean.json",
        &["--config", &gated, "--fail-on", "low"],
        None,
    );
    assert_eq!(exit, 1);
}

#[test]
fn a_framework_restricts_the_run_and_reports_per_control() {
    let s = Scratch::new();
    let (_, report) = s.evaluate(
        "demo.json",
        &["--no-config", "--framework", "cis-aws-v5.0.0"],
        None,
    );
    let catalog = trailwarden::checks::Catalog::embedded();
    let expected: std::collections::BTreeSet<String> = catalog
        .all()
        .iter()
        .filter(|m| m.frameworks.contains_key("cis-aws-v5.0.0"))
        .map(|m| m.id.clone())
        .collect();
    assert!(!expected.is_empty() && expected.len() < catalog.all().len());
    assert_eq!(checks_in(&report), expected);
    assert_eq!(report["framework"]["key"], "cis-aws-v5.0.0");
    let controls = report["framework"]["controls"].as_array().unwrap();
    let ids: Vec<&str> = controls.iter().map(|c| c["id"].as_str().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort_by_key(|id| trailwarden::report::model::natural_key(id));
    assert_eq!(ids, sorted, "controls in natural order");
    // A control is as bad as its worst finding.
    for control in controls {
        let worst = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| {
                report["checks"][f["check_id"].as_str().unwrap()]["frameworks"]["cis-aws-v5.0.0"]
                    .as_array()
                    .is_some_and(|c| c.iter().any(|id| *id == control["id"]))
            })
            .map(|f| f["status"].as_str().unwrap())
            .max_by_key(|s| {
                ["not_applicable", "pass", "waived", "error", "fail"]
                    .iter()
                    .position(|x| x == s)
            })
            .unwrap_or("not_applicable");
        assert_eq!(control["status"], worst, "{}", control["id"]);
    }
    assert_eq!(report["policy"]["framework"], "cis-aws-v5.0.0");

    let out = s.run(
        &["evaluate", "demo.json", "--framework", "cis-aws-v9"],
        None,
    );
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("unknown framework 'cis-aws-v9'"));
}

#[test]
fn checks_lists_a_frameworks_controls() {
    let s = Scratch::new();
    let out = s.run(
        &[
            "checks",
            "--framework",
            "cis-aws-v5.0.0",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let listing: Value = serde_json::from_slice(&out.stdout).unwrap();
    let catalog = trailwarden::checks::Catalog::embedded();
    for control in listing["controls"].as_array().unwrap() {
        for check in control["checks"].as_array().unwrap() {
            let meta = catalog.get(check["id"].as_str().unwrap()).unwrap();
            assert!(meta.frameworks["cis-aws-v5.0.0"]
                .iter()
                .any(|c| *c == control["id"]));
        }
    }
    let out = s.run(&["checks", "--framework", "aws-securityhub"], None);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("CloudTrail.1"), "{text}");
    let out = s.run(&["checks", "--framework", "nist"], None);
    assert_eq!(code(&out), 2);
}

/// Writes a JSON report of the clean copy with only MFA delete, then
/// removes one of its two failures so that failure is new next time.
fn baseline_missing_one_failure(s: &Scratch, config: &str) -> String {
    let out = s.run(
        &[
            "evaluate",
            "clean.json",
            "--config",
            config,
            "--format",
            "json",
            "--output",
            "base.json",
        ],
        None,
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let mut base: Value =
        serde_json::from_slice(&std::fs::read(s.path("base.json")).unwrap()).unwrap();
    base["findings"].as_array_mut().unwrap().remove(0);
    s.write("base-1.json", &base.to_string())
}

#[test]
fn a_baseline_marks_findings_and_fail_on_new_counts_only_new_failures() {
    let s = Scratch::new();
    let config = s.write("only.toml", ONLY_MFA);
    let older = baseline_missing_one_failure(&s, &config);
    let full = s.path("base.json").display().to_string();

    let (exit, report) = s.evaluate(
        "clean.json",
        &["--config", &config, "--baseline", &full, "--fail-on-new"],
        None,
    );
    assert_eq!(exit, 0, "the same failures as the baseline");
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["change"] == "unchanged"));
    assert_eq!(report["baseline"]["unchanged"], 2);
    assert_eq!(report["policy"]["fail_on_new"], true);

    let (exit, report) = s.evaluate(
        "clean.json",
        &["--config", &config, "--baseline", &older, "--fail-on-new"],
        None,
    );
    assert_eq!(exit, 1, "one failure is new");
    assert_eq!(report["baseline"]["new"], 1);
    let (exit, _) = s.evaluate(
        "clean.json",
        &["--config", &config, "--baseline", &older],
        None,
    );
    assert_eq!(exit, 1);

    // Fixed since the baseline: a resolved, gone failure is listed.
    let waived = s.write(
        "w.toml",
        &mfa_waiver("2027-03-31").replace("acme-*", "acme-workload-*"),
    );
    let (_, report) = s.evaluate(
        "clean.json",
        &["--config", &waived, "--baseline", &full],
        None,
    );
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["status"] == "waived" && f["change"] == "unchanged"));
    let mut gone: Value =
        serde_json::from_slice(&std::fs::read(s.path("base.json")).unwrap()).unwrap();
    let mut extra = gone["findings"][0].clone();
    extra["resource"] = "arn:aws:s3:::deleted-bucket".into();
    gone["findings"].as_array_mut().unwrap().push(extra);
    let with_gone = s.write("base-gone.json", &gone.to_string());
    let (_, report) = s.evaluate(
        "clean.json",
        &["--config", &config, "--baseline", &with_gone],
        None,
    );
    assert_eq!(report["baseline"]["resolved"], 1);
    assert_eq!(
        report["baseline"]["no_longer_reported"][0]["resource"],
        "arn:aws:s3:::deleted-bucket"
    );

    // Errors are never hidden by --fail-on-new.
    let demo_base = s.path("demo-base.json").display().to_string();
    let out = s.run(
        &[
            "evaluate",
            "demo.json",
            "--no-config",
            "--format",
            "json",
            "--output",
            &demo_base,
        ],
        None,
    );
    assert_eq!(code(&out), 1);
    let out = s.run(
        &[
            "evaluate",
            "demo.json",
            "--no-config",
            "--baseline",
            &demo_base,
            "--fail-on-new",
        ],
        None,
    );
    assert_eq!(code(&out), 3, "nothing new failed, but errors remain");
}

#[test]
fn bad_gate_input_is_one_line_and_exit_2() {
    let s = Scratch::new();
    let not_json = s.write("x.json", "{ nope");
    let not_report = s.write("y.json", "{\"a\": 1}");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--fail-on-new"], "--fail-on-new needs --baseline"),
        (
            vec!["--baseline", "missing.json"],
            "--baseline missing.json: cannot read it",
        ),
        (vec!["--baseline", &not_json], "not a JSON report"),
        (vec!["--baseline", &not_report], "no schema_version"),
        (
            vec!["--config", "missing.toml"],
            "cannot read config missing.toml",
        ),
        (vec!["--framework", "pci"], "unknown framework"),
    ];
    for (extra, expected) in cases {
        let mut args = vec!["evaluate", "demo.json"];
        args.extend(extra.iter());
        let out = s.run(&args, None);
        assert_eq!(code(&out), 2, "{args:?}");
        let err = stderr(&out);
        assert!(err.contains(expected), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
}

#[test]
fn config_check_and_init() {
    let s = Scratch::new();
    let out = s.run(&["config", "init"], None);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = s.run(&["config", "check"], None);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("trailwarden.toml: valid"));
    let out = s.run(&["config", "init"], None);
    assert_eq!(code(&out), 2, "no overwrite without --force");
    assert_eq!(code(&s.run(&["config", "init", "--force"], None)), 0);

    let bad = [
        ("[gate]\nfail_on = \"hgih\"\n", "bad.toml:2:11:"),
        ("[scope]\nregoins = \"all\"\n", "bad.toml:2:1:"),
        ("[checks]\nenable = [\"nope\"]\n", "bad.toml:2:11: unknown check id 'nope'"),
        (
            "[[waiver]]\ncheck = \"trail-bucket-mfa-delete\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2026-13-01\"\n",
            "bad.toml:5:11: waiver.expires '2026-13-01' is not a date",
        ),
        (
            "[[waiver]]\ncheck = \"trail-bucket-mfa-delete\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2028-01-01\"\n",
            "more than 365 days",
        ),
        ("[params]\nstale_after_hours = \"24\"\n", "bad.toml:2:21:"),
        ("not toml at all", "bad.toml:1:"),
    ];
    for (text, expected) in bad {
        s.write("bad.toml", text);
        for args in [
            vec!["config", "check", "bad.toml"],
            vec!["evaluate", "demo.json", "--config", "bad.toml"],
        ] {
            let out = s.run(&args, None);
            assert_eq!(code(&out), 2, "{text}");
            let err = stderr(&out);
            assert!(err.contains(expected), "{text}: {err}");
            assert_eq!(err.trim().lines().count(), 1, "{err}");
        }
    }
}

#[test]
fn the_working_directory_config_is_read_unless_told_otherwise() {
    let s = Scratch::new();
    s.write("trailwarden.toml", &mfa_waiver("2027-03-31"));
    let (exit, report) = s.evaluate("clean.json", &[], None);
    assert_eq!(exit, 0);
    assert!(report["policy"]["config"]["path"]
        .as_str()
        .unwrap()
        .ends_with("trailwarden.toml"));
    assert_eq!(
        report["policy"]["config"]["sha256"].as_str().unwrap().len(),
        64
    );
    let (exit, report) = s.evaluate("clean.json", &["--no-config"], None);
    assert_eq!(exit, 1);
    assert!(report["policy"]["config"].is_null());
    assert!(report["policy"]["waivers"].as_array().unwrap().is_empty());
}

#[test]
fn diff_says_whether_anything_got_worse() {
    let s = Scratch::new();
    let config = s.write("only.toml", ONLY_MFA);
    let older = baseline_missing_one_failure(&s, &config);
    let full = s.path("base.json").display().to_string();

    let out = s.run(&["diff", &full, &full], None);
    assert_eq!(code(&out), 0);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Nothing got worse."));

    let out = s.run(&["diff", &older, &full, "--format", "json"], None);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let diff: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(diff["new_failures"].as_array().unwrap().len(), 1);
    assert_eq!(diff["new_failures"][0]["before"], Value::Null);
    assert_eq!(diff["worse"], true);
    let out = s.run(&["diff", &older, &full, "--fail-on", "critical"], None);
    assert_eq!(code(&out), 0, "the new failure is below --fail-on critical");

    // The other way round, the failure is resolved (gone).
    let out = s.run(&["diff", &full, &older, "--format", "json"], None);
    assert_eq!(code(&out), 0);
    let diff: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(diff["resolved"][0]["after"], Value::Null);

    // New errors: less is known than before.
    let demo = s.path("demo-report.json").display().to_string();
    let clean = s.path("clean-report.json").display().to_string();
    s.report_of("demo.json", &demo);
    s.report_of("clean.json", &clean);
    let out = s.run(&["diff", &clean, &demo], None);
    assert_eq!(code(&out), 3, "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).contains("New errors:"));

    let out = s.run(&["diff", &full, "nope.json"], None);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("diff: NEW nope.json"));
}

/// Issue 14, item 13: the console output of `diff` carries no terminal
/// control sequence from a report's text (a message comes from an account).
#[test]
fn diff_console_output_is_inert() {
    let s = Scratch::new();
    let demo = s.path("demo-report.json").display().to_string();
    s.report_of("demo.json", &demo);
    // Before: those findings passed; after: they fail with hostile words.
    let mut before: Value = serde_json::from_slice(&std::fs::read(&demo).unwrap()).unwrap();
    let mut after = before.clone();
    for (b, a) in before["findings"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .zip(after["findings"].as_array_mut().unwrap())
    {
        if a["status"] == "fail" {
            a["message"] = Value::String("\u{1b}]0;owned\u{7}\u{1b}[2Jcleared\u{202e}".into());
            b["status"] = Value::String("pass".into());
        }
    }
    let before = s.write("before.json", &before.to_string());
    let after = s.write("after.json", &after.to_string());
    let out = s.run(&["diff", &before, &after], None);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("cleared"), "{text}");
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{202e}'),
        "{text:?}"
    );
}

#[test]
fn source_date_epoch_stamps_the_report_time() {
    // Sanity of the test clock itself: SOURCE_DATE_EPOCH sets generated_at.
    let s = Scratch::new();
    let (_, report) = s.evaluate("clean.json", &["--no-config"], Some(&epoch(2027, 1, 15)));
    let generated: chrono::DateTime<Utc> =
        report["generated_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        generated.date_naive(),
        NaiveDate::from_ymd_opt(2027, 1, 15).unwrap()
    );
}

#[test]
fn params_in_the_config_change_the_thresholds_checks_use() {
    let s = Scratch::new();
    let (_, plain) = s.evaluate("clean.json", &["--no-config"], None);
    assert!(statuses(&plain, "trail-bucket-retention").contains(&"pass"));
    assert_eq!(statuses(&plain, "cloudtrail-organization-trail"), ["pass"]);

    let strict = s.write(
        "p.toml",
        "[params]\nmin_log_retention_days = 36500\norganization_trail_name = \"corporate-trail\"\n",
    );
    let (_, report) = s.evaluate("clean.json", &["--config", &strict], None);
    assert!(!statuses(&report, "trail-bucket-retention").contains(&"pass"));
    assert_eq!(statuses(&report, "cloudtrail-organization-trail"), ["fail"]);
    let org = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check_id"] == "cloudtrail-organization-trail")
        .unwrap();
    assert_eq!(org["evidence"]["expected_trail_name"], "corporate-trail");

    let named = s.write(
        "n.toml",
        "[params]\norganization_trail_name = \"org-trail\"\n",
    );
    let (_, report) = s.evaluate("clean.json", &["--config", &named], None);
    assert_eq!(statuses(&report, "cloudtrail-organization-trail"), ["pass"]);

    let out = s.run(
        &[
            "config",
            "check",
            &s.write(
                "b.toml",
                "[params]\nrequired_insight_types = [\"ApiCallRate\"]\n",
            ),
        ],
        None,
    );
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("unknown Insights type 'ApiCallRate'"));
}

#[test]
fn a_check_disabled_since_the_baseline_does_not_count_as_resolved() {
    let s = Scratch::new();
    let both = s.write(
        "both.toml",
        "[checks]\nenable = [\"trail-bucket-mfa-delete\", \"cloudtrail-insights\"]\n",
    );
    let base = s.path("base.json").display().to_string();
    let out = s.run(
        &[
            "evaluate",
            "clean.json",
            "--config",
            &both,
            "--format",
            "json",
            "-o",
            &base,
        ],
        None,
    );
    assert_eq!(code(&out), 1);
    let (_, report) = s.evaluate(
        "clean.json",
        &[
            "--config",
            &s.write("one.toml", ONLY_MFA),
            "--baseline",
            &base,
        ],
        None,
    );
    assert_eq!(report["baseline"]["resolved"], 0, "{}", report["baseline"]);
    assert!(report["baseline"]["no_longer_reported"]
        .as_array()
        .unwrap()
        .is_empty());
}

/// A control whose only check is disabled is still listed, as not
/// evaluated (`disabled_checks`, "OFF" on the console), never dropped from
/// the framework's results.
#[test]
fn a_control_whose_checks_are_all_disabled_is_listed_not_dropped() {
    const CIS: &str = "cis-aws-v5.0.0";
    let s = Scratch::new();
    let catalog = trailwarden::checks::Catalog::embedded();
    // A control exactly one check implements.
    let mut by_control: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for m in catalog.all() {
        for control in m.frameworks.get(CIS).into_iter().flatten() {
            by_control.entry(control).or_default().push(&m.id);
        }
    }
    let (control, checks) = by_control
        .iter()
        .find(|(_, checks)| checks.len() == 1)
        .expect("a control with one check");
    let check = checks[0];
    let (_, whole) = s.evaluate("demo.json", &["--no-config", "--framework", CIS], None);
    let config = s.write(
        "off.toml",
        &format!("[[checks.disable]]\nid = \"{check}\"\nreason = \"accepted risk\"\n"),
    );
    let (_, report) = s.evaluate(
        "demo.json",
        &["--config", &config, "--framework", CIS],
        None,
    );
    let ids = |r: &Value| -> Vec<String> {
        r["framework"]["controls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&report), ids(&whole), "no control dropped");
    let off = report["framework"]["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == *control)
        .unwrap();
    assert_eq!(off["checks"], serde_json::json!([]));
    assert_eq!(off["disabled_checks"], serde_json::json!([check]));
    assert_eq!(off["status"], "not_applicable");
    assert_eq!(off["counts"]["pass"], 0);
    // The console says so.
    let out = s.run(
        &[
            "evaluate",
            "demo.json",
            "--config",
            &config,
            "--framework",
            CIS,
        ],
        None,
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("{control} ")))
        .unwrap_or_else(|| panic!("no line for {control}:\n{text}"));
    assert!(line.contains("DISABLED"), "{line}");
    assert!(line.contains(&format!("{check} (disabled)")), "{line}");
}

/// Issue 16: `[monitoring.siem]` attests that the CIS monitoring is done in
/// an external SIEM (which CIS accepts and trailwarden cannot see): every
/// failing monitoring check becomes `waived` with the attestation's reason,
/// owner and expiry, no other check changes, an error is never hidden, and
/// once it expires the failures count again.
#[test]
fn a_siem_attestation_waives_the_monitoring_checks_and_nothing_else() {
    let s = Scratch::new();
    let attestation = "[monitoring.siem]\nsystem = \"Splunk Enterprise Security\"\n\
        reason = \"CIS 5.1-5.15 alerts are SIEM rules SEC-200..214\"\n\
        owner = \"soc@example.com\"\nexpires = \"2027-06-30\"\n";
    let config = s.write("siem.toml", attestation);
    let (_, before) = s.evaluate("demo.json", &["--no-config"], None);
    let (_, after) = s.evaluate("demo.json", &["--config", &config], None);
    let findings = |r: &Value| r["findings"].as_array().unwrap().clone();
    let (before, after_findings) = (findings(&before), findings(&after));
    assert_eq!(before.len(), after_findings.len());
    let mut waived = 0;
    for (b, a) in before.iter().zip(&after_findings) {
        assert_eq!(b["check_id"], a["check_id"]);
        let monitoring = b["check_id"].as_str().unwrap().starts_with("monitor-");
        match (b["status"].as_str().unwrap(), monitoring) {
            ("fail", true) => {
                waived += 1;
                assert_eq!(a["status"], "waived", "{a:#}");
                let reason = a["waiver"]["reason"].as_str().unwrap();
                assert!(
                    reason.starts_with(
                        "monitored in an external SIEM (Splunk Enterprise Security): CIS 5.1-5.15"
                    ),
                    "{reason}"
                );
                assert_eq!(a["waiver"]["owner"], "soc@example.com");
            }
            // An error, a pass, or another check's verdict is untouched.
            _ => assert_eq!(b["status"], a["status"], "{a:#}"),
        }
    }
    assert!(waived >= 15, "the demo's monitoring failures: {waived}");
    let listed = &after["policy"]["waivers"][0];
    assert_eq!(listed["check_id"], "monitor-*", "{listed:#}");
    assert_eq!(listed["state"], "active");

    // Expired: the failures count again, and the attestation says so.
    let on = s.collected_on("demo.json", 2027, 7, 1);
    let (_, expired) = s.evaluate(&on, &["--config", &config], None);
    assert_eq!(expired["policy"]["waivers"][0]["state"], "expired");
    let failing_monitors = findings(&expired)
        .iter()
        .filter(|f| {
            f["check_id"].as_str().unwrap().starts_with("monitor-") && f["status"] == "fail"
        })
        .count();
    assert_eq!(failing_monitors, waived);

    // `config check` names the attestation apart from the waivers.
    let out = s.run(&["config", "check", &config], None);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("valid (0 waiver(s), 0 disabled check(s), 0 severity override(s), a SIEM attestation until 2027-06-30)"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // Malformed: one line, exit 2.
    for (bad, says) in [
        (
            attestation.replace("owner = \"soc@example.com\"\n", ""),
            "owner",
        ),
        (
            attestation.replace("2027-06-30", "2030-01-01"),
            "must be renewed",
        ),
        (format!("{attestation}accounts = [\"12345\"]\n"), "12-digit"),
    ] {
        let path = s.write("bad.toml", &bad);
        let out = s.run(&["evaluate", "demo.json", "--config", &path], None);
        assert_eq!(code(&out), 2, "{}", stderr(&out));
        assert!(stderr(&out).contains(says), "{}", stderr(&out));
        assert_eq!(
            stderr(&out).trim_end().lines().count(),
            1,
            "{}",
            stderr(&out)
        );
    }
}
