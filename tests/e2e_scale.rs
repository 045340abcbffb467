//! End to end, organizations at scale (issue 6): `--shard K/N` runs merged
//! back into the whole, suspended accounts and regions not enabled reported
//! by name, the run's `--timeout`, and the `-v` / `--quiet` diagnostics.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

fn run_json(args: &[&str]) -> (i32, Value, String) {
    let out = trailwarden(args, FAKE);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no JSON on stdout ({e}); stderr: {stderr}"));
    (out.status.code().unwrap_or(-1), report, stderr)
}

/// Equal verdicts, or a panic listing only the differences.
fn assert_same_verdicts(got: &Value, want: &Value) {
    let got: BTreeSet<_> = verdicts(got).into_iter().collect();
    let want: BTreeSet<_> = verdicts(want).into_iter().collect();
    let extra: Vec<_> = got.difference(&want).collect();
    let missing: Vec<_> = want.difference(&got).collect();
    assert!(
        extra.is_empty() && missing.is_empty(),
        "extra: {extra:#?}\nmissing: {missing:#?}"
    );
}

fn accounts_of(report: &Value) -> BTreeSet<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["account_id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn shards_cover_the_organization_once_and_merge_to_the_whole() {
    let moto = Moto::start();
    moto.seed_with("bench", &["--accounts", "8"]);
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let (whole_code, whole) = audit(&moto.endpoint, &["--org"], FAKE);
    assert_eq!(accounts_of(&whole).len(), 8);

    let mut shard_accounts = Vec::new();
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let report = path(&format!("shard{k}.json"));
        let snapshot = path(&format!("shard{k}.snapshot.json"));
        let out = trailwarden(
            &[
                "audit",
                "--endpoint-url",
                &moto.endpoint,
                "--regions",
                REGIONS,
                "--org",
                "--shard",
                &shard,
                "--format",
                "json",
                "--output",
                &report,
                "--save-snapshot",
                &snapshot,
            ],
            FAKE,
        );
        assert!(out.stdout.is_empty());
        let r: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
        assert_eq!(
            r["scope"]["accounts"].as_array().unwrap().len(),
            accounts_of(&r).len()
        );
        shard_accounts.push(accounts_of(&r));
    }
    // Every account in exactly one shard, except the management account
    // (it holds the organization trail), which is in all.
    let union: BTreeSet<String> = shard_accounts.iter().flatten().cloned().collect();
    assert_eq!(union, accounts_of(&whole));
    assert!(shard_accounts.iter().all(|s| s.contains(ACCOUNT)));
    assert_eq!(
        shard_accounts.iter().map(BTreeSet::len).sum::<usize>(),
        union.len() + 2,
        "shards overlap"
    );

    // Merged reports give the whole organization's verdicts and exit code.
    let merged = path("merged.json");
    let out = trailwarden(
        &[
            "merge",
            &path("shard1.json"),
            &path("shard2.json"),
            &path("shard3.json"),
            "-o",
            &merged,
        ],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(whole_code),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Any order of the shards gives the same report, byte for byte.
    let reversed = path("merged-reversed.json");
    let out = trailwarden(
        &[
            "merge",
            &path("shard3.json"),
            &path("shard1.json"),
            &path("shard2.json"),
            "-o",
            &reversed,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(whole_code));
    assert_eq!(
        std::fs::read(&merged).unwrap(),
        std::fs::read(&reversed).unwrap(),
        "the order of the shards changed the merged report"
    );
    let merged: Value = serde_json::from_slice(&std::fs::read(&merged).unwrap()).unwrap();
    assert_same_verdicts(&merged, &whole);
    // Every finding's evidence resolves against the merged shared evidence
    // (`evidence` panics on a dangling reference).
    for f in merged["findings"].as_array().unwrap() {
        assert!(!evidence(&merged, f)
            .to_string()
            .contains("\"shared_evidence\""));
    }
    assert_eq!(merged["summary"], whole["summary"]);
    assert_eq!(merged["exit_code"], whole["exit_code"]);
    // The organization trail verdict is reported once, by the shard that
    // holds the management account.
    assert_eq!(
        findings(&merged, "cloudtrail-organization-trail", None).len(),
        1
    );

    // Merged snapshots, evaluated, give the same verdicts too.
    let merged_snapshot = path("merged.snapshot.json");
    let out = trailwarden(
        &[
            "merge",
            &path("shard1.snapshot.json"),
            &path("shard2.snapshot.json"),
            &path("shard3.snapshot.json"),
            "--output",
            &merged_snapshot,
        ],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = trailwarden(&["evaluate", &merged_snapshot, "--format", "json"], None);
    let evaluated: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_same_verdicts(&evaluated, &whole);

    // A missing shard is not a smaller organization (issue 14, item 9):
    // refused, naming it, unless --allow-partial, and then its accounts
    // fail audit-coverage.
    for kind in ["", ".snapshot"] {
        let out = trailwarden(
            &[
                "merge",
                &path(&format!("shard1{kind}.json")),
                &path(&format!("shard2{kind}.json")),
                "-o",
                &path("partial.json"),
            ],
            None,
        );
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("shard(s) 3/3 missing"), "{stderr}");
    }
    let out = trailwarden(
        &[
            "merge",
            &path("shard1.json"),
            &path("shard2.json"),
            "--allow-partial",
            "-o",
            &path("partial.json"),
        ],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let partial: Value =
        serde_json::from_slice(&std::fs::read(path("partial.json")).unwrap()).unwrap();
    let missing = findings(&partial, "audit-coverage", None)
        .into_iter()
        .find(|f| f["resource"] == "shard 3/3")
        .expect("a finding for the missing shard");
    assert_eq!(missing["status"], "fail");
    let out = trailwarden(
        &[
            "merge",
            &path("shard1.snapshot.json"),
            &path("shard2.snapshot.json"),
            "--allow-partial",
            "-o",
            &path("partial.snapshot.json"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let out = trailwarden(
        &[
            "evaluate",
            &path("partial.snapshot.json"),
            "--format",
            "json",
        ],
        None,
    );
    let evaluated: Value = serde_json::from_slice(&out.stdout).unwrap();
    let absent: BTreeSet<&str> = findings(&evaluated, "audit-coverage", None)
        .into_iter()
        .filter(|f| f["status"] == "fail")
        .filter_map(|f| f["account_id"].as_str())
        .collect();
    let third: BTreeSet<&str> = shard_accounts[2]
        .iter()
        .map(String::as_str)
        .filter(|a| *a != ACCOUNT)
        .collect();
    assert_eq!(
        absent, third,
        "the third shard's accounts fail audit-coverage"
    );

    // Overlapping shards and mixed inputs are refused. (A shard whose only
    // account is the management account, which every shard holds, cannot
    // overlap: take one with a member; the random moto ids decide which.)
    let with_member = shard_accounts
        .iter()
        .position(|s| s.len() > 1)
        .expect("some shard holds a member account");
    let overlapping = format!("shard{}.snapshot.json", with_member + 1);
    let out = trailwarden(
        &[
            "merge",
            &path(&overlapping),
            &path(&overlapping),
            "-o",
            &path("x.json"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the shards overlap"));
    let out = trailwarden(
        &[
            "merge",
            &path("shard1.json"),
            &path("shard2.snapshot.json"),
            "-o",
            &path("x.json"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let out = trailwarden(
        &["audit", "--shard", "1/2", "--endpoint-url", &moto.endpoint],
        FAKE,
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "--shard needs --org or --accounts"
    );
    let out = trailwarden(
        &[
            "audit",
            "--org",
            "--shard",
            "3/2",
            "--endpoint-url",
            &moto.endpoint,
        ],
        FAKE,
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn suspended_accounts_and_regions_not_enabled_are_named() {
    let moto = Moto::start();
    let seeded = moto.seed("org-closed");
    // ap-east-1 is an opt-in region moto reports as not opted in.
    let out = trailwarden(
        &[
            "audit",
            "--endpoint-url",
            &moto.endpoint,
            "--org",
            "--regions",
            "us-east-1,ap-east-1",
            "--format",
            "json",
        ],
        FAKE,
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let closed = seeded["closed"].as_str().unwrap();
    let coverage = findings(&report, "audit-coverage", Some(closed));
    assert_eq!(coverage.len(), 1);
    assert_eq!(coverage[0]["status"], "not_applicable");
    assert!(coverage[0]["message"]
        .as_str()
        .unwrap()
        .contains("SUSPENDED"));
    for account in seeded["members"]
        .as_array()
        .unwrap()
        .iter()
        .chain([&seeded["management"]])
    {
        let account = account.as_str().unwrap();
        let mine = findings(&report, "audit-coverage", Some(account));
        let statuses: Vec<(&str, Option<&str>)> = mine
            .iter()
            .map(|f| (f["status"].as_str().unwrap(), f["region"].as_str()))
            .collect();
        assert_eq!(
            statuses,
            [("pass", None), ("not_applicable", Some("ap-east-1"))],
            "{account}"
        );
    }
    // Nothing was called in the region that is not enabled.
    assert!(report["collection_errors"].as_array().unwrap().is_empty());
    assert_eq!(report["scope"]["regions"], serde_json::json!(["us-east-1"]));
}

#[test]
fn the_run_timeout_bounds_the_collection_and_keeps_the_report() {
    let moto = Moto::start();
    moto.seed("good");
    let proxy = FaultProxy::start(
        &moto,
        &["--delay-operation", "GetTrailStatus", "--delay", "60"],
    );
    let started = Instant::now();
    let (code, report, stderr) = run_json(&[
        "audit",
        "--endpoint-url",
        &proxy.endpoint,
        "--regions",
        REGIONS,
        "--timeout",
        "8",
        "--format",
        "json",
    ]);
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(40),
        "took {took:?}: --timeout did not bound the run"
    );
    assert_eq!(code, 3, "unknown facts make the audit incomplete; {stderr}");
    let timed_out: Vec<&Value> = report["collection_errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["code"] == "RunTimeout")
        .collect();
    assert!(!timed_out.is_empty(), "{:?}", report["collection_errors"]);
    // Under load the deadline may pass before GetTrailStatus is even sent;
    // either way the facts behind it are unknown, never guessed.
    assert_eq!(
        statuses(&report, "cloudtrail-delivery-health", Some(ACCOUNT)),
        ["error"]
    );
    // What did not depend on the hung call was still judged.
    if !timed_out.iter().any(|e| e["operation"] == "DescribeTrails") {
        assert_eq!(
            statuses(&report, "cloudtrail-log-file-validation", Some(ACCOUNT)),
            ["pass"]
        );
    }
}

#[test]
fn verbose_logs_name_each_failure_and_quiet_silences_warnings() {
    let moto = Moto::start();
    moto.seed("good");
    let proxy = FaultProxy::start(&moto, &["--operation", "GetTrailStatus"]);
    let base = [
        "audit",
        "--endpoint-url",
        proxy.endpoint.as_str(),
        "--regions",
        "us-east-1",
        "--format",
        "json",
    ];
    let mut args = base.to_vec();
    args.push("-v");
    // MFA delete fails on moto, so the exit code is 1 (a failure beats errors).
    let (code, _, stderr) = run_json(&args);
    assert_eq!(code, 1);
    let line = stderr
        .lines()
        .find(|l| l.contains("call failed"))
        .unwrap_or_else(|| panic!("no failure logged: {stderr}"));
    for field in [
        "account=123456789012",
        "region=us-east-1",
        "operation=GetTrailStatus",
        "code=Throttling",
    ] {
        assert!(line.contains(field), "{field} missing in {line}");
    }
    let mut args = base.to_vec();
    args.push("-vv");
    let (_, _, stderr) = run_json(&args);
    assert!(
        stderr.contains("operation=DescribeTrails"),
        "-vv logs each call"
    );

    let config = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        config.path(),
        "[[waiver]]\ncheck = \"trail-bucket-mfa-delete\"\naccounts = [\"999999999999\"]\nreason = \"r\"\nowner = \"o\"\nexpires = \"2026-01-01\"\n",
    )
    .unwrap();
    let mut args = base.to_vec();
    args.extend(["--config", config.path().to_str().unwrap()]);
    let (_, _, stderr) = run_json(&args);
    assert!(stderr.contains("warning: waiver #1"), "{stderr}");
    args.push("--quiet");
    let (code, _, stderr) = run_json(&args);
    assert_eq!(code, 1);
    assert!(stderr.is_empty(), "--quiet: {stderr}");
}

/// Each member account's role is assumed once, however many service
/// clients and concurrent calls use it, and the snapshot's call counts
/// equal what reached the wire.
#[test]
fn each_role_is_assumed_once_and_calls_are_counted_exactly() {
    let moto = Moto::start();
    let seeded = moto.seed_with("bench", &["--accounts", "6"]);
    let log = tempfile::NamedTempFile::new().unwrap();
    let log_path = log.path().to_str().unwrap().to_string();
    let proxy = FaultProxy::start(&moto, &["--log", &log_path]);
    let snap = collect(&proxy.endpoint, &["--org"], FAKE);
    let wire = std::fs::read_to_string(&log_path).unwrap();
    let assumed = wire.lines().filter(|l| *l == "AssumeRole").count();
    let members = seeded["members"].as_array().unwrap().len();
    assert_eq!(assumed, members, "one AssumeRole per member account");
    assert_eq!(
        snap["stats"]["calls_by_operation"]["sts:AssumeRole"],
        members as u64
    );
    assert_eq!(
        snap["stats"]["api_calls"].as_u64().unwrap() as usize,
        wire.lines().count(),
        "the snapshot's count is the wire count"
    );
}
