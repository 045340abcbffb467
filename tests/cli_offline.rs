//! The real `trailwarden` binary on snapshot files: no AWS, no emulator.
//!
//! Expectations are derived from the JSON report where counts depend on the
//! catalog (which grows), and asserted verbatim where the demo organization
//! was designed to produce a given verdict.

mod report_json;

use report_json::evidence;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_trailwarden");
const SEVERITIES: [&str; 5] = ["info", "low", "medium", "high", "critical"];

const MGMT: &str = "111111111111";
const ARCHIVE: &str = "222222222222";
const WORKLOAD: &str = "333333333333";
const SANDBOX: &str = "444444444444";
const ORG_TRAIL: &str = "arn:aws:cloudtrail:us-east-1:111111111111:trail/org-trail";
const WORKLOAD_TRAIL: &str = "arn:aws:cloudtrail:eu-west-1:333333333333:trail/workload-audit";
const ORG_BUCKET: &str = "arn:aws:s3:::acme-org-cloudtrail-logs-222222222222";
const WORKLOAD_BUCKET: &str = "arn:aws:s3:::acme-workload-prod-trail-logs";

fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn demo() -> PathBuf {
    repo_path("examples/demo-org.snapshot.json")
}

/// The binary, isolated from the caller's AWS settings (the scope flags read
/// `AWS_PROFILE` and `AWS_ENDPOINT_URL`).
fn trailwarden() -> Command {
    let mut cmd = Command::new(BIN);
    for var in [
        "AWS_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
    ] {
        cmd.env_remove(var);
    }
    cmd.stdin(Stdio::null());
    cmd
}

/// Runs the binary with a deadline, so a command that wrongly waits on the
/// network fails the test instead of hanging it.
fn run_with(mut cmd: Command, args: &[&str], deadline: Duration) -> Output {
    let mut child = cmd
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn trailwarden");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        stdout.read_to_end(&mut buf).map(|_| buf)
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        stderr.read_to_end(&mut buf).map(|_| buf)
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("trailwarden {args:?} did not finish within {deadline:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out_reader.join().unwrap().expect("read stdout"),
        stderr: err_reader.join().unwrap().expect("read stderr"),
    }
}

fn run(args: &[&str]) -> Output {
    run_with(trailwarden(), args, Duration::from_secs(60))
}

fn code(output: &Output) -> i32 {
    output
        .status
        .code()
        .expect("exited normally, not by a signal")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

/// `evaluate <snapshot> --format json` plus `extra`, parsed.
fn evaluate_json(snapshot: &Path, extra: &[&str]) -> (Output, Value) {
    let snapshot = snapshot.to_str().unwrap();
    let mut args = vec!["evaluate", snapshot, "--format", "json"];
    args.extend_from_slice(extra);
    let output = run(&args);
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "evaluate {snapshot} printed no JSON report ({e}); exit {:?}, stderr: {}",
            output.status.code(),
            stderr(&output)
        )
    });
    (output, report)
}

fn demo_report() -> Value {
    let (output, report) = evaluate_json(&demo(), &[]);
    assert!(stderr(&output).is_empty(), "stderr: {}", stderr(&output));
    report
}

fn findings(report: &Value) -> &Vec<Value> {
    report["findings"].as_array().expect("findings is an array")
}

fn severity_rank(severity: &str) -> usize {
    SEVERITIES
        .iter()
        .position(|s| *s == severity)
        .unwrap_or_else(|| panic!("unknown severity {severity}"))
}

/// The exit-code contract, recomputed from the findings: a qualifying `fail`
/// wins over `error`.
fn expected_exit(report: &Value, fail_on: &str) -> i32 {
    let threshold = severity_rank(fail_on);
    let all = findings(report);
    if all.iter().any(|f| {
        f["status"] == "fail" && severity_rank(f["severity"].as_str().unwrap()) >= threshold
    }) {
        1
    } else if all.iter().any(|f| f["status"] == "error") {
        3
    } else {
        0
    }
}

/// Exactly one line on stderr, starting with the tool's name; nothing on stdout.
fn assert_one_line_error(output: &Output, mentions: &str) {
    assert_eq!(code(output), 2, "stderr: {}", stderr(output));
    assert_one_line_on_stderr(output, mentions);
}

/// Exactly one `trailwarden: error:` line on stderr; nothing on stdout.
fn assert_one_line_on_stderr(output: &Output, mentions: &str) {
    assert!(
        output.stdout.is_empty(),
        "stdout must be empty: {}",
        stdout(output)
    );
    let err = stderr(output);
    assert_eq!(err.lines().count(), 1, "one line on stderr, got: {err:?}");
    assert!(err.starts_with("trailwarden: error: "), "{err:?}");
    assert!(
        err.contains(mentions),
        "{err:?} should mention {mentions:?}"
    );
}

fn schema_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(repo_path("schemas/report-v2.schema.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema is a valid draft 2020-12 schema")
}

fn schema_errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

// ---------------------------------------------------------------- report

#[test]
fn demo_report_validates_against_the_shipped_schema() {
    let (output, report) = evaluate_json(&demo(), &[]);
    let errors = schema_errors(&schema_validator(), &report);
    assert!(errors.is_empty(), "schema violations: {errors:#?}");
    assert_eq!(
        Some(report["exit_code"].as_i64().unwrap() as i32),
        output.status.code()
    );
    assert!(!findings(&report).is_empty());
}

#[test]
fn schema_rejects_broken_reports() {
    let validator = schema_validator();
    let good = demo_report();
    assert!(validator.is_valid(&good));
    type Breakage = (&'static str, fn(&mut Value));
    let breakages: &[Breakage] = &[
        ("unknown status", |r| {
            r["findings"][0]["status"] = json!("passed")
        }),
        ("unknown severity", |r| {
            r["findings"][0]["severity"] = json!("urgent")
        }),
        ("evidence not an object", |r| {
            r["findings"][0]["evidence"] = json!("trail is fine")
        }),
        ("missing evidence", |r| {
            r["findings"][0].as_object_mut().unwrap().remove("evidence");
        }),
        ("missing summary", |r| {
            r.as_object_mut().unwrap().remove("summary");
        }),
        ("unknown top-level field", |r| r["verdict"] = json!("ok")),
        ("unknown finding field", |r| {
            r["findings"][0]["score"] = json!(3)
        }),
        ("future schema version", |r| r["schema_version"] = json!(3)),
        ("the version-1 schema", |r| r["schema_version"] = json!(1)),
        ("account id not 12 digits", |r| {
            r["findings"][0]["account_id"] = json!("1234")
        }),
        ("generated_at not a date-time", |r| {
            r["generated_at"] = json!("yesterday")
        }),
        ("negative count", |r| {
            r["summary"]["by_status"]["pass"] = json!(-1)
        }),
        ("exit code 2 in a report", |r| r["exit_code"] = json!(2)),
        ("frameworks not lists", |r| {
            let id = r["findings"][0]["check_id"].as_str().unwrap().to_string();
            r["checks"][id]["frameworks"] = json!({ "cis-aws-v3.0.0": "3.2" })
        }),
        ("shared evidence not an object", |r| {
            let key = r["shared_evidence"]
                .as_object()
                .unwrap()
                .keys()
                .next()
                .unwrap()
                .clone();
            r["shared_evidence"][key] = json!("trail is fine")
        }),
    ];
    for (what, breakage) in breakages {
        let mut broken = good.clone();
        breakage(&mut broken);
        assert!(
            !validator.is_valid(&broken),
            "schema accepted a report with {what}"
        );
    }
}

#[test]
fn summary_counts_match_the_findings() {
    let report = demo_report();
    let all = findings(&report);
    assert_eq!(report["summary"]["total"], all.len());
    for status in ["pass", "fail", "error", "not_applicable"] {
        let n = all.iter().filter(|f| f["status"] == status).count();
        assert_eq!(report["summary"]["by_status"][status], n, "{status}");
        for severity in SEVERITIES {
            let n = all
                .iter()
                .filter(|f| f["status"] == status && f["severity"] == severity)
                .count();
            assert_eq!(
                report["summary"]["by_severity"][severity][status], n,
                "{severity} {status}"
            );
        }
    }
}

#[test]
fn report_describes_the_snapshot_and_its_scope() {
    let report = demo_report();
    assert_eq!(report["snapshot"]["collected_at"], "2026-11-01T12:00:00Z");
    assert_eq!(report["snapshot"]["partition"], "aws");
    assert_eq!(report["scope"]["mode"], "organization");
    assert_eq!(
        report["scope"]["accounts"],
        json!([MGMT, ARCHIVE, WORKLOAD, SANDBOX])
    );
    assert_eq!(
        report["scope"]["regions"],
        json!(["eu-west-1", "us-east-1"])
    );
    assert_eq!(report["scope"]["organization_id"], "o-7k2m9x4q1w");
    assert_eq!(report["scope"]["management_account_id"], MGMT);
    let errors = report["collection_errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert_eq!(errors[0]["account_id"], WORKLOAD);
    assert_eq!(
        errors[0]["operation"],
        "DescribeConfigurationRecorderStatus"
    );
    assert_eq!(errors[0]["code"], "ThrottlingException");
    assert_eq!(errors[1]["account_id"], SANDBOX);
    assert_eq!(errors[1]["operation"], "AssumeRole");
    assert_eq!(errors[1]["code"], "AccessDenied");
    // The report names the exact file it was evaluated from.
    let bytes = std::fs::read(demo()).unwrap();
    let digest: String =
        sha2::Digest::finalize(<sha2::Sha256 as sha2::Digest>::new_with_prefix(&bytes))
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
    assert_eq!(report["snapshot"]["sha256"], digest);
}

#[test]
fn every_finding_carries_metadata_and_evidence() {
    let report = demo_report();
    let catalog = catalog_json();
    for f in findings(&report) {
        let id = f["check_id"].as_str().unwrap();
        let meta = catalog
            .iter()
            .find(|m| m["id"] == id)
            .unwrap_or_else(|| panic!("finding of unknown check {id}"));
        let check = &report["checks"][id];
        assert_eq!(check["title"], meta["title"], "{id}");
        assert_eq!(f["severity"], meta["severity"], "{id}");
        assert_eq!(check["frameworks"], meta["frameworks"], "{id}");
        assert!(
            check["remediation"]["cli"]
                .as_str()
                .unwrap()
                .contains("aws "),
            "{id}"
        );
        assert!(f["evidence"].is_object(), "{id}: evidence is an object");
        let evidence = evidence(&report, f);
        let evidence = evidence
            .as_object()
            .expect("resolved evidence is an object");
        assert!(!evidence.is_empty(), "{id}: empty evidence on {f}");
        assert!(
            !evidence.contains_key("shared_evidence"),
            "{id}: unresolved evidence"
        );
        assert!(!f["message"].as_str().unwrap().is_empty(), "{id}");
    }
}

// ---------------------------------------------------------------- exit codes

#[test]
fn demo_fails_with_the_default_fail_on() {
    let (output, report) = evaluate_json(&demo(), &[]);
    assert_eq!(report["fail_on"], "low");
    assert_eq!(
        expected_exit(&report, "low"),
        1,
        "the demo has failing findings"
    );
    assert_eq!(code(&output), 1);
    assert_eq!(report["exit_code"], 1);
}

#[test]
fn exit_code_follows_fail_on() {
    let mut seen = BTreeSet::new();
    for severity in SEVERITIES {
        let (output, report) = evaluate_json(&demo(), &["--fail-on", severity]);
        let expected = expected_exit(&report, severity);
        assert_eq!(code(&output), expected, "--fail-on {severity}");
        assert_eq!(report["exit_code"], expected, "--fail-on {severity}");
        assert_eq!(report["fail_on"], severity);
        seen.insert(expected);
    }
    // --fail-on changes the gate, not the verdicts: info fails whatever low fails.
    assert!(
        seen.contains(&1),
        "some threshold must fail the demo: {seen:?}"
    );
    // Severity names are case-insensitive, as documented by FromStr.
    let (output, _) = evaluate_json(&demo(), &["--fail-on", "CRITICAL"]);
    let (_, report) = evaluate_json(&demo(), &["--fail-on", "critical"]);
    assert_eq!(code(&output), expected_exit(&report, "critical"));
}

/// Only the sandbox account, whose role could not be assumed: every fact is
/// an error, so nothing can pass or fail.
fn sandbox_only_snapshot(dir: &Path) -> PathBuf {
    let mut snapshot = demo_snapshot();
    let sandbox = snapshot["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["account_id"] == SANDBOX)
        .cloned()
        .unwrap();
    snapshot["accounts"] = json!([sandbox]);
    snapshot["scope"]["accounts"] = json!([SANDBOX]);
    snapshot["scope"]["mode"] = json!("accounts");
    snapshot["organization"] = Value::Null;
    snapshot["trails"] = json!({});
    snapshot["buckets"] = json!({});
    snapshot["kms_keys"] = json!({});
    snapshot["log_groups"] = json!({});
    snapshot["sns_topics"] = json!({});
    let sandbox_errors: Vec<Value> = snapshot["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["account_id"] == SANDBOX)
        .cloned()
        .collect();
    snapshot["errors"] = Value::Array(sandbox_errors);
    let path = dir.join("sandbox.json");
    std::fs::write(&path, serde_json::to_vec(&snapshot).unwrap()).unwrap();
    path
}

#[test]
fn an_error_without_a_qualifying_failure_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let (output, report) = evaluate_json(&sandbox_only_snapshot(dir.path()), &[]);
    let all = findings(&report);
    assert!(!all.is_empty());
    assert!(
        all.iter()
            .all(|f| f["status"] == "error" || f["status"] == "not_applicable"),
        "{all:#?}"
    );
    assert!(all.iter().any(|f| f["status"] == "error"));
    assert_eq!(code(&output), 3);
    assert_eq!(report["exit_code"], 3);
}

// ---------------------------------------------------------------- console

#[test]
fn console_output_has_the_summary() {
    let (_, report) = evaluate_json(&demo(), &[]);
    let output = run(&["evaluate", demo().to_str().unwrap()]);
    assert_eq!(code(&output), 1);
    assert!(output.stderr.is_empty(), "stderr: {}", stderr(&output));
    let text = stdout(&output);
    let s = &report["summary"]["by_status"];
    let summary = format!(
        "{} findings: {} pass, {} fail, {} waived, {} error, {} not applicable · fail-on low · exit 1",
        report["summary"]["total"],
        s["pass"],
        s["fail"],
        s["waived"],
        s["error"],
        s["not_applicable"]
    );
    assert!(text.contains(&summary), "missing {summary:?} in:\n{text}");
    assert!(text.contains("4 account(s), 2 region(s)"), "{text}");
    assert!(text.contains("organization o-7k2m9x4q1w"), "{text}");
    assert!(text.contains("Failing findings:"), "{text}");
    assert!(text.contains("Collection errors: 2"), "{text}");
    assert!(text.contains("sts:AssumeRole AccessDenied"), "{text}");
    for f in findings(&report) {
        assert!(text.contains(f["check_id"].as_str().unwrap()), "{text}");
    }
}

// ---------------------------------------------------------------- --output

#[test]
fn output_file_is_written_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("report.json");
    std::fs::write(&target, b"previous content").unwrap();
    let output = run(&[
        "evaluate",
        demo().to_str().unwrap(),
        "--format",
        "json",
        "--output",
        target.to_str().unwrap(),
    ]);
    assert_eq!(code(&output), 1, "stderr: {}", stderr(&output));
    assert!(output.stdout.is_empty(), "the report goes to the file only");
    let written: Value = serde_json::from_slice(&std::fs::read(&target).unwrap()).unwrap();
    assert_eq!(written["findings"], demo_report()["findings"]);
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        left,
        vec![std::ffi::OsString::from("report.json")],
        "no temporary file left"
    );
}

/// A report that cannot be written is exit code 2, except that a qualifying
/// failure still wins (1): the gate must block whatever else went wrong.
#[test]
fn unwritable_output_is_reported_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = sandbox_only_snapshot(dir.path());
    let missing = dir.path().join("missing-dir");
    let target = missing.join("report.json");
    let target = target.to_str().unwrap();
    for (snapshot, expected) in [(demo(), 1), (sandbox, 2)] {
        let (_, report) = evaluate_json(&snapshot, &[]);
        let unwritten = if expected_exit(&report, "low") == 1 {
            1
        } else {
            2
        };
        assert_eq!(unwritten, expected, "{}", snapshot.display());
        for format in ["console", "json"] {
            let output = run(&[
                "evaluate",
                snapshot.to_str().unwrap(),
                "--format",
                format,
                "-o",
                target,
            ]);
            assert_eq!(
                code(&output),
                expected,
                "{}: {}",
                snapshot.display(),
                stderr(&output)
            );
            assert_one_line_on_stderr(&output, "cannot write the");
            assert!(stderr(&output).contains(target), "{}", stderr(&output));
            assert!(!missing.exists(), "nothing is created");
        }
    }
}

// ---------------------------------------------------------------- bad snapshots

fn demo_snapshot() -> Value {
    serde_json::from_slice(&std::fs::read(demo()).unwrap()).unwrap()
}

#[test]
fn malformed_snapshots_exit_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut wrong_type = demo_snapshot();
    wrong_type["accounts"] = json!("all of them");
    let mut wrong_fact = demo_snapshot();
    wrong_fact["accounts"][0]["regions"] = json!({ "maybe": ["us-east-1"] });
    let mut wrong_version = demo_snapshot();
    wrong_version["schema_version"] = json!(99);
    let mut unknown_field = demo_snapshot();
    unknown_field["surprise"] = json!(true);
    let mut missing_field = demo_snapshot();
    missing_field
        .as_object_mut()
        .unwrap()
        .remove("collected_at");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "invalid.json",
            b"{\"schema_version\": 1, ".to_vec(),
            "not a valid trailwarden snapshot",
        ),
        ("empty.json", Vec::new(), "not a valid trailwarden snapshot"),
        (
            "array.json",
            b"[1, 2, 3]".to_vec(),
            "not a valid trailwarden snapshot",
        ),
        (
            "binary.json",
            vec![0xff, 0xfe, 0x00, 0x01],
            "not a valid trailwarden snapshot",
        ),
        (
            "wrong-type.json",
            serde_json::to_vec(&wrong_type).unwrap(),
            "not a valid trailwarden snapshot",
        ),
        (
            "wrong-fact.json",
            serde_json::to_vec(&wrong_fact).unwrap(),
            "not a valid trailwarden snapshot",
        ),
        (
            "unknown-field.json",
            serde_json::to_vec(&unknown_field).unwrap(),
            "surprise",
        ),
        (
            "missing-field.json",
            serde_json::to_vec(&missing_field).unwrap(),
            "collected_at",
        ),
        (
            "version.json",
            serde_json::to_vec(&wrong_version).unwrap(),
            "schema_version 99",
        ),
    ];
    for (name, bytes, mentions) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        for format in ["console", "json"] {
            let output = run(&["evaluate", path.to_str().unwrap(), "--format", format]);
            assert_one_line_error(&output, mentions);
            assert!(
                stderr(&output).contains(name),
                "names the file: {}",
                stderr(&output)
            );
        }
    }
}

#[test]
fn missing_snapshot_exits_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nowhere.json");
    let output = run(&["evaluate", path.to_str().unwrap()]);
    assert_one_line_error(&output, "cannot read snapshot");
    // A directory is not a snapshot either.
    let output = run(&["evaluate", dir.path().to_str().unwrap()]);
    assert_one_line_error(&output, "cannot read snapshot");
}

// ---------------------------------------------------------------- usage errors

#[test]
fn usage_errors_exit_2_and_print_nothing_on_stdout() {
    let snapshot = demo();
    let snapshot = snapshot.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["evaluate", snapshot, "--format", "xml"], "xml"),
        (&["evaluate", snapshot, "--fail-on", "urgent"], "urgent"),
        (&["evaluate"], "SNAPSHOT"),
        (&["frobnicate"], "frobnicate"),
        (&["checks", "--format", "yaml"], "yaml"),
    ];
    for (args, mentions) in cases {
        let output = run(args);
        assert_eq!(code(&output), 2, "{args:?}: {}", stderr(&output));
        assert!(output.stdout.is_empty(), "{args:?}: {}", stdout(&output));
        assert!(
            stderr(&output).contains(mentions),
            "{args:?}: {}",
            stderr(&output)
        );
    }
}

/// Scope flags are validated before any AWS call: the endpoint is a local
/// listener that must never see a connection, and the command ends at once.
#[test]
fn bad_scope_flags_are_rejected_before_any_aws_call() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let never = dir.path().join("never.json");
    let never = never.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["audit", "--regions", "mars-1"], "unknown region 'mars-1'"),
        (
            &["audit", "--regions", "us-east-1,mars-1"],
            "unknown region 'mars-1'",
        ),
        (
            &["collect", "--regions", "mars-1", "-o", never],
            "unknown region 'mars-1'",
        ),
        (&["audit", "--region", "moon"], "unknown region 'moon'"),
        (
            &["audit", "--accounts", "12345", "--role-name", "Audit"],
            "12345",
        ),
        (&["audit", "--accounts", "111111111111"], "--role-name"),
    ];
    for (args, mentions) in cases {
        let mut cmd = trailwarden();
        cmd.env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_EC2_METADATA_DISABLED", "true");
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--endpoint-url", &endpoint]);
        let started = Instant::now();
        let output = run_with(cmd, &all, Duration::from_secs(20));
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{args:?} took {:?}",
            started.elapsed()
        );
        assert_one_line_error(&output, mentions);
        match listener.accept() {
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            other => panic!("{args:?} reached the endpoint: {other:?}"),
        }
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no snapshot written"
    );
}

#[test]
fn help_and_version_exit_0() {
    let help = run(&["--help"]);
    assert_eq!(code(&help), 0);
    let text = stdout(&help);
    for command in ["audit", "collect", "evaluate", "checks"] {
        assert!(text.contains(command), "{text}");
    }
    assert!(text.contains("Exit codes"), "{text}");
    let version = run(&["--version"]);
    assert_eq!(code(&version), 0);
    assert_eq!(
        stdout(&version).trim(),
        format!("trailwarden {}", env!("CARGO_PKG_VERSION"))
    );
}

// ---------------------------------------------------------------- checks

fn catalog_json() -> Vec<Value> {
    let output = run(&["checks", "--format", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let catalog: Value =
        serde_json::from_slice(&output.stdout).expect("checks --format json is JSON");
    catalog.as_array().expect("an array of checks").clone()
}

/// Every `checks/*.toml` file stem: the catalog as shipped.
fn metadata_ids() -> BTreeSet<String> {
    std::fs::read_dir(repo_path("checks"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect()
}

/// The check ids issue 2 fixed: stable and exact, so users' waivers and
/// pipelines keep working. New checks may be added; none may disappear.
const STABLE_IDS: [&str; 18] = [
    "cloudtrail-multi-region",
    "cloudtrail-organization-trail",
    "cloudtrail-insights",
    "cloudtrail-s3-data-events-write",
    "cloudtrail-s3-data-events-read",
    "config-recorder-all-regions",
    "cloudtrail-log-file-validation",
    "cloudtrail-kms-encryption",
    "cloudtrail-kms-key-rotation",
    "cloudtrail-cloudwatch-logs",
    "cloudtrail-delivery-health",
    "cloudtrail-sns-notifications",
    "trail-bucket-not-public",
    "trail-bucket-access-logging",
    "trail-bucket-versioning",
    "trail-bucket-mfa-delete",
    "trail-bucket-object-lock",
    "trail-bucket-retention",
];

#[test]
fn checks_lists_every_id() {
    let catalog = catalog_json();
    for id in STABLE_IDS {
        assert!(
            catalog.iter().any(|m| m["id"] == id),
            "check {id} is missing"
        );
    }
    let ids: BTreeSet<String> = catalog
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, metadata_ids());
    assert_eq!(ids.len(), catalog.len(), "ids are unique");
    for meta in &catalog {
        for key in [
            "id",
            "title",
            "severity",
            "resource_kind",
            "rationale",
            "remediation",
            "frameworks",
        ] {
            assert!(meta.get(key).is_some(), "{} lacks {key}", meta["id"]);
        }
    }
    let output = run(&["checks"]);
    assert_eq!(code(&output), 0);
    let text = stdout(&output);
    assert!(text.starts_with("ID"), "a header line: {text}");
    for meta in &catalog {
        let id = meta["id"].as_str().unwrap();
        let line = text
            .lines()
            .find(|l| l.split_whitespace().next() == Some(id))
            .unwrap_or_else(|| panic!("{id} not listed:\n{text}"));
        assert!(line.contains(meta["severity"].as_str().unwrap()), "{line}");
        assert!(line.contains(meta["title"].as_str().unwrap()), "{line}");
    }
}

#[test]
fn checks_show_prints_rationale_remediation_and_frameworks() {
    let names = [
        ("cis-aws-v3.0.0", "CIS AWS Foundations Benchmark v3.0.0"),
        ("cis-aws-v5.0.0", "CIS AWS Foundations Benchmark v5.0.0"),
        ("cis-aws-v6.0.0", "CIS AWS Foundations Benchmark v6.0.0"),
        ("cis-aws-v7.0.0", "CIS AWS Foundations Benchmark v7.0.0"),
        ("aws-securityhub", "AWS Security Hub controls"),
        ("aws-config", "AWS Config managed rules"),
    ];
    for meta in catalog_json() {
        let id = meta["id"].as_str().unwrap();
        let output = run(&["checks", "show", id]);
        assert_eq!(code(&output), 0, "{id}: {}", stderr(&output));
        let text = stdout(&output);
        assert!(text.contains(id), "{text}");
        let rationale = meta["rationale"].as_str().unwrap().trim();
        assert!(text.contains(rationale), "{id}: rationale missing:\n{text}");
        assert!(
            text.contains(meta["remediation"]["console"].as_str().unwrap().trim()),
            "{text}"
        );
        let cli = meta["remediation"]["cli"].as_str().unwrap().trim();
        assert!(
            cli.contains("aws ") && text.contains(cli),
            "{id}: CLI fix missing:\n{text}"
        );
        for (key, ids) in meta["frameworks"].as_object().unwrap() {
            let name = names
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, n)| *n)
                .unwrap();
            let ids: Vec<&str> = ids
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            let line = format!("{name}: {}", ids.join(", "));
            assert!(
                text.contains(&line),
                "{id}: missing framework line {line:?}:\n{text}"
            );
        }
        let json = run(&["checks", "--format", "json", "show", id]);
        assert_eq!(code(&json), 0);
        let shown: Value = serde_json::from_slice(&json.stdout).unwrap();
        assert_eq!(shown, meta);
        // The flag is global: it may follow the subcommand too.
        let after = run(&["checks", "show", id, "--format", "json"]);
        assert_eq!(code(&after), 0);
        assert_eq!(after.stdout, json.stdout);
    }
}

#[test]
fn log_file_validation_documents_its_framework_controls() {
    let text = stdout(&run(&["checks", "show", "cloudtrail-log-file-validation"]));
    assert!(
        text.contains("CIS AWS Foundations Benchmark v3.0.0: 3.2"),
        "{text}"
    );
    assert!(
        text.contains("AWS Security Hub controls: CloudTrail.4"),
        "{text}"
    );
    assert!(text.contains("aws cloudtrail update-trail"), "{text}");
}

#[test]
fn checks_show_unknown_id_exits_2() {
    let output = run(&["checks", "show", "nope"]);
    assert_one_line_error(&output, "unknown check id 'nope'");
}

// ---------------------------------------------------------------- reproducibility

#[test]
fn evaluating_the_same_snapshot_twice_gives_identical_findings() {
    let first = demo_report();
    let second = demo_report();
    let strip = |mut r: Value| {
        r.as_object_mut().unwrap().remove("generated_at");
        r
    };
    assert_eq!(strip(first), strip(second));
    // Console output has no clock in it: byte-identical.
    let a = run(&["evaluate", demo().to_str().unwrap()]);
    let b = run(&["evaluate", demo().to_str().unwrap()]);
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn evaluation_does_not_depend_on_key_order_in_the_snapshot() {
    // The same facts, re-serialized compactly with maps in another order.
    let dir = tempfile::tempdir().unwrap();
    let mut snapshot = demo_snapshot();
    let trails: serde_json::Map<String, Value> = snapshot["trails"]
        .as_object()
        .unwrap()
        .iter()
        .rev()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    snapshot["trails"] = Value::Object(trails);
    let path = dir.path().join("reordered.json");
    std::fs::write(&path, serde_json::to_vec(&snapshot).unwrap()).unwrap();
    let (_, reordered) = evaluate_json(&path, &[]);
    assert_eq!(reordered["findings"], demo_report()["findings"]);
}

// ---------------------------------------------------------------- designed verdicts

/// Findings of `check` under `account` whose resource contains `resource`
/// (and in `region`, when given).
fn matching<'a>(
    report: &'a Value,
    check: &str,
    account: &str,
    resource: &str,
    region: Option<&str>,
) -> Vec<&'a Value> {
    findings(report)
        .iter()
        .filter(|f| {
            f["check_id"] == check
                && f["account_id"] == account
                && f["resource"].as_str().unwrap().contains(resource)
                && region.is_none_or(|r| f["region"] == r)
        })
        .collect()
}

fn assert_verdict(report: &Value, check: &str, account: &str, resource: &str, status: &str) {
    assert_verdict_in(report, check, account, resource, None, status);
}

fn assert_verdict_in(
    report: &Value,
    check: &str,
    account: &str,
    resource: &str,
    region: Option<&str>,
    status: &str,
) {
    let found = matching(report, check, account, resource, region);
    assert!(
        !found.is_empty(),
        "no {check} finding under {account} for {resource:?} {region:?}"
    );
    for f in found {
        assert_eq!(f["status"], status, "{check} under {account}: {f:#}");
    }
}

#[test]
fn demo_log_file_validation_verdicts() {
    let report = demo_report();
    let check = "cloudtrail-log-file-validation";
    // The organization trail covers every member, including the sandbox
    // whose own view could not be read.
    for account in [MGMT, ARCHIVE, WORKLOAD, SANDBOX] {
        assert_verdict(&report, check, account, ORG_TRAIL, "pass");
    }
    assert_verdict(&report, check, WORKLOAD, WORKLOAD_TRAIL, "fail");
    assert!(matching(&report, check, MGMT, WORKLOAD_TRAIL, None).is_empty());
    let sandbox = matching(&report, check, SANDBOX, "arn:aws:::444444444444", None);
    assert_eq!(sandbox.len(), 1);
    assert_eq!(sandbox[0]["status"], "error");
    assert_eq!(
        evidence(&report, sandbox[0])["collection_error"]["code"],
        "AccessDenied"
    );
    assert_eq!(
        evidence(&report, sandbox[0])["collection_error"]["operation"],
        "AssumeRole"
    );
    let failing = &matching(&report, check, WORKLOAD, WORKLOAD_TRAIL, None)[0];
    assert_eq!(failing["region"], "eu-west-1");
    let failing = evidence(&report, failing);
    assert_eq!(failing["log_file_validation_enabled"], false);
    assert_eq!(failing["trail"]["name"], "workload-audit");
}

fn account_arn(account: &str) -> String {
    format!("arn:aws:::{account}")
}

/// The verdicts the demo organization was built to produce, check by check
/// (see scripts/make-demo.py for the story behind each fact).
#[test]
fn demo_verdicts_are_the_designed_ones() {
    let report = demo_report();
    let members = [MGMT, ARCHIVE, WORKLOAD];

    // Account level: the organization trail is multi-region, logging and
    // records all management events (advanced selectors) for every member.
    for account in members {
        assert_verdict(
            &report,
            "cloudtrail-multi-region",
            account,
            &account_arn(account),
            "pass",
        );
        // Only ApiCallRateInsight is enabled; workload-audit has none.
        assert_verdict(
            &report,
            "cloudtrail-insights",
            account,
            &account_arn(account),
            "fail",
        );
        // Advanced selector: S3 object writes, all buckets; no reads.
        assert_verdict(
            &report,
            "cloudtrail-s3-data-events-write",
            account,
            &account_arn(account),
            "pass",
        );
        assert_verdict(
            &report,
            "cloudtrail-s3-data-events-read",
            account,
            &account_arn(account),
            "fail",
        );
    }
    let org = matching(
        &report,
        "cloudtrail-organization-trail",
        MGMT,
        &account_arn(MGMT),
        None,
    );
    assert_eq!(org.len(), 1, "reported once, under the management account");
    assert_eq!(org[0]["status"], "pass");
    assert_eq!(
        findings(&report)
            .iter()
            .filter(|f| f["check_id"] == "cloudtrail-organization-trail")
            .count(),
        1
    );

    // AWS Config, one finding per account and region.
    let config = "config-recorder-all-regions";
    assert_verdict_in(&report, config, MGMT, MGMT, Some("us-east-1"), "pass");
    assert_verdict_in(&report, config, MGMT, MGMT, Some("eu-west-1"), "fail");
    assert_verdict_in(&report, config, ARCHIVE, ARCHIVE, Some("us-east-1"), "pass");
    assert_verdict_in(&report, config, ARCHIVE, ARCHIVE, Some("eu-west-1"), "pass");
    // Records two resource types only.
    assert_verdict_in(
        &report,
        config,
        WORKLOAD,
        WORKLOAD,
        Some("us-east-1"),
        "fail",
    );
    // Throttled out.
    assert_verdict_in(
        &report,
        config,
        WORKLOAD,
        WORKLOAD,
        Some("eu-west-1"),
        "error",
    );
    // The role could not be assumed: its regions are unknown.
    assert_verdict(&report, config, SANDBOX, SANDBOX, "error");

    // Per trail: the organization trail is good; workload-audit is not.
    for check in [
        "cloudtrail-log-file-validation",
        "cloudtrail-kms-encryption",
        "cloudtrail-kms-key-rotation",
        "cloudtrail-cloudwatch-logs",
        "cloudtrail-delivery-health",
        "cloudtrail-sns-notifications",
    ] {
        for account in [MGMT, ARCHIVE, WORKLOAD, SANDBOX] {
            assert_verdict(&report, check, account, ORG_TRAIL, "pass");
        }
        let workload = if check == "cloudtrail-kms-key-rotation" {
            "not_applicable" // no key, nothing to rotate
        } else {
            "fail"
        };
        assert_verdict(&report, check, WORKLOAD, WORKLOAD_TRAIL, workload);
        // A trail is reported only under the accounts it covers.
        for account in [MGMT, ARCHIVE, SANDBOX] {
            assert!(
                matching(&report, check, account, WORKLOAD_TRAIL, None).is_empty(),
                "{check}"
            );
        }
        // The sandbox's own trails are unknown.
        assert_verdict(&report, check, SANDBOX, &account_arn(SANDBOX), "error");
    }

    // Per bucket: the organization bucket, under its owner (log-archive),
    // is good except MFA delete; the workload bucket is bad throughout.
    for (check, org_bucket) in [
        ("trail-bucket-not-public", "pass"),
        ("trail-bucket-access-logging", "pass"),
        ("trail-bucket-versioning", "pass"),
        ("trail-bucket-mfa-delete", "fail"),
        ("trail-bucket-object-lock", "pass"),
        ("trail-bucket-retention", "pass"),
    ] {
        assert_verdict(&report, check, ARCHIVE, ORG_BUCKET, org_bucket);
        assert_verdict(&report, check, WORKLOAD, WORKLOAD_BUCKET, "fail");
        let per_bucket: Vec<_> = findings(&report)
            .iter()
            .filter(|f| {
                f["check_id"] == check
                    && f["resource"].as_str().unwrap().starts_with("arn:aws:s3:::")
            })
            .collect();
        assert_eq!(
            per_bucket.len(),
            2,
            "{check}: once per bucket: {per_bucket:#?}"
        );
    }
    let public = &matching(
        &report,
        "trail-bucket-not-public",
        WORKLOAD,
        WORKLOAD_BUCKET,
        None,
    )[0];
    assert_eq!(public["severity"], "critical");
    assert!(
        evidence(&report, public).to_string().contains("AllUsers"),
        "{public:#}"
    );
    let retention = &matching(
        &report,
        "trail-bucket-retention",
        WORKLOAD,
        WORKLOAD_BUCKET,
        None,
    )[0];
    assert!(
        evidence(&report, retention).to_string().contains("90"),
        "{retention:#}"
    );

    // A realistic mix.
    let s = &report["summary"]["by_status"];
    for status in ["pass", "fail", "error", "not_applicable"] {
        assert!(s[status].as_u64().unwrap() > 0, "no {status} finding: {s}");
    }
}

/// `evaluate` judges at the snapshot's collection time: the organization
/// trail's last delivery (11:52) is fresh then, and stale a day later.
#[test]
fn delivery_is_judged_at_the_collection_time() {
    let dir = tempfile::tempdir().unwrap();
    let mut later = demo_snapshot();
    later["collected_at"] = json!("2026-11-03T12:00:00Z");
    let path = dir.path().join("later.json");
    std::fs::write(&path, serde_json::to_vec(&later).unwrap()).unwrap();
    let (_, report) = evaluate_json(&path, &[]);
    assert_verdict(
        &report,
        "cloudtrail-delivery-health",
        MGMT,
        ORG_TRAIL,
        "fail",
    );
    let (_, demo) = evaluate_json(&demo(), &[]);
    assert_verdict(&demo, "cloudtrail-delivery-health", MGMT, ORG_TRAIL, "pass");
}

#[test]
fn docs_catalog_table_lists_every_check() {
    let readme = std::fs::read_to_string(repo_path("docs/checks.md")).unwrap();
    let stale = "docs/checks.md's catalog table is stale: run python3 scripts/readme-catalog.py";
    let catalog = catalog_json();
    let table = readme
        .split("<!-- catalog:start -->")
        .nth(1)
        .and_then(|rest| rest.split("<!-- catalog:end -->").next())
        .expect("docs/checks.md has the catalog markers");
    let rows = table.lines().filter(|l| l.starts_with("| `")).count();
    assert_eq!(rows, catalog.len(), "{stale}");
    for meta in catalog {
        let id = meta["id"].as_str().unwrap();
        let prefix = format!(
            "| `{id}` | {} | {} |",
            meta["severity"].as_str().unwrap(),
            meta["resource_kind"].as_str().unwrap()
        );
        let row = table
            .lines()
            .find(|l| l.starts_with(&prefix))
            .unwrap_or_else(|| panic!("no row {prefix:?}: {stale}"));
        for ids in meta["frameworks"].as_object().unwrap().values() {
            for control in ids.as_array().unwrap() {
                let control = control.as_str().unwrap();
                assert!(row.contains(control), "{id}: {control} missing: {stale}");
            }
        }
    }
}

/// The demo's call statistics name only operations the collector makes, so
/// the demo stays a faithful example of a real snapshot.
#[test]
fn demo_stats_name_real_collector_operations() {
    let snapshot = demo_snapshot();
    let stats = &snapshot["stats"];
    let by_operation = stats["calls_by_operation"].as_object().unwrap();
    assert!(!by_operation.is_empty());
    let mut total = 0;
    for (key, calls) in by_operation {
        assert!(
            trailwarden::aws::ops::by_key(key).is_some(),
            "the collector makes no {key} call"
        );
        total += calls.as_u64().unwrap();
    }
    assert_eq!(stats["api_calls"], total);
    // Every recorded error names a real operation too.
    for error in snapshot["errors"].as_array().unwrap() {
        let key = format!(
            "{}:{}",
            error["service"].as_str().unwrap(),
            error["operation"].as_str().unwrap()
        );
        assert!(trailwarden::aws::ops::by_key(&key).is_some(), "{key}");
    }
}

/// Issue 16: the CIS v6.0.0 and v7.0.0 control tables reach the user:
/// `checks --framework` gives each mapped control its title and lists the
/// logging and monitoring controls no check covers, with why, and the
/// Frameworks page names every one of those.
#[test]
fn cis_v6_and_v7_controls_have_titles_and_the_uncovered_ones_are_documented() {
    let page = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/frameworks.md"),
    )
    .unwrap();
    for key in ["cis-aws-v6.0.0", "cis-aws-v7.0.0"] {
        let output = run(&["checks", "--framework", key, "--format", "json"]);
        assert_eq!(code(&output), 0, "{}", stderr(&output));
        let listing: Value = serde_json::from_str(&stdout(&output)).unwrap();
        let controls = listing["controls"].as_array().unwrap();
        assert!(controls.len() >= 24, "{listing:#}");
        for control in controls {
            assert!(
                control["title"]
                    .as_str()
                    .is_some_and(|t| t.starts_with("Ensure")),
                "{control:#}"
            );
        }
        let multi_region = controls.iter().find(|c| c["id"] == "4.1").unwrap();
        assert_eq!(multi_region["checks"][0]["id"], "cloudtrail-multi-region");
        let root = controls.iter().find(|c| c["id"] == "5.3").unwrap();
        assert_eq!(root["checks"][0]["id"], "monitor-root-usage");
        let uncovered = listing["not_covered"].as_array().unwrap();
        assert!(uncovered.iter().any(|c| c["id"] == "4.7"), "{listing:#}");
        for control in uncovered {
            let id = control["id"].as_str().unwrap();
            let why = control["why"].as_str().unwrap();
            assert!(
                page.lines()
                    .any(|l| l.starts_with(&format!("| {id} ")) && l.contains(why)),
                "docs/frameworks.md does not document {key} {id}: {why}"
            );
        }
    }
}
