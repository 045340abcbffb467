//! End to end, the gate policy on a live audit: a `trailwarden.toml` gives
//! the scope (regions, an excluded region), disables checks with a reason and
//! waives a known failure; the real binary audits a real moto server.
//!
//! The waived failure is one moto cannot avoid (it ignores MFADelete), which
//! is also the realistic use of a waiver: a known gap, owned, with an expiry.

mod common;

use common::*;
use serde_json::Value;

const MONITORS: &[&str] = &[
    "monitor-unauthorized-api-calls",
    "monitor-console-signin-without-mfa",
    "monitor-root-usage",
    "monitor-iam-policy-changes",
    "monitor-cloudtrail-changes",
    "monitor-console-auth-failures",
    "monitor-kms-key-deletion",
    "monitor-s3-bucket-policy-changes",
    "monitor-config-changes",
    "monitor-security-group-changes",
    "monitor-nacl-changes",
    "monitor-network-gateway-changes",
    "monitor-route-table-changes",
    "monitor-vpc-changes",
    "monitor-organizations-changes",
];

fn config(expires: &str) -> String {
    let mut text = String::from(
        "[scope]\nregions = [\"us-east-1\", \"eu-west-1\"]\nexclude_regions = [\"eu-west-1\"]\n\n",
    );
    // The "good" scenario seeds no metric filters: tests/e2e_monitoring.rs
    // covers those checks; here they are disabled, with a reason.
    for id in MONITORS {
        text.push_str(&format!(
            "[[checks.disable]]\nid = \"{id}\"\nreason = \"alarms are managed by the SIEM (SEC-7)\"\n\n"
        ));
    }
    text.push_str(&format!(
        "[[waiver]]\ncheck = \"trail-bucket-mfa-delete\"\nresources = [\"arn:aws:s3:::trail-main-*\"]\n\
         reason = \"MFA delete needs the root user; scheduled in SEC-142\"\n\
         owner = \"platform-security@example.com\"\nexpires = \"{expires}\"\n"
    ));
    text
}

fn audit_with(endpoint: &str, config_path: &str, extra: &[&str]) -> (i32, Value, String) {
    let mut args = vec![
        "audit",
        "--endpoint-url",
        endpoint,
        "--config",
        config_path,
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let out = trailwarden(&args, FAKE);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no JSON report ({e}); stderr: {stderr}"));
    (out.status.code().unwrap_or(-1), report, stderr)
}

#[test]
fn a_config_file_scopes_disables_and_waives_a_live_audit() {
    let moto = Moto::start();
    moto.seed("good");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trailwarden.toml");
    // Today + 30 days: valid whenever the test runs.
    let expires = (chrono::Utc::now() + chrono::Duration::days(30))
        .date_naive()
        .to_string();
    std::fs::write(&path, config(&expires)).unwrap();
    let path = path.to_str().unwrap();
    let snapshot = dir.path().join("snap.json");
    let snapshot = snapshot.to_str().unwrap();

    let (code, report, stderr) = audit_with(&moto.endpoint, path, &["--save-snapshot", snapshot]);
    assert_eq!(
        code, 0,
        "every failure is waived or disabled; stderr: {stderr}"
    );
    assert_eq!(
        report["scope"]["regions"],
        serde_json::json!(["us-east-1"]),
        "eu-west-1 is excluded by the configuration"
    );
    assert_eq!(
        statuses(&report, "trail-bucket-mfa-delete", Some(ACCOUNT)),
        ["waived"]
    );
    let waived = &findings(&report, "trail-bucket-mfa-delete", None)[0];
    assert_eq!(waived["waiver"]["owner"], "platform-security@example.com");
    for id in MONITORS {
        assert!(findings(&report, id, None).is_empty(), "{id} ran");
    }
    let disabled = report["policy"]["disabled_checks"].as_array().unwrap();
    assert_eq!(disabled.len(), MONITORS.len());
    assert!(disabled
        .iter()
        .all(|d| d["reason"] == "alarms are managed by the SIEM (SEC-7)"));
    // Everything else passes for real; the organization check does not
    // apply, nor does log integrity without --verify-logs.
    for (check, _, resource, status) in verdicts(&report) {
        let expected = match check.as_str() {
            "trail-bucket-mfa-delete" => "waived",
            "cloudtrail-organization-trail" | "cloudtrail-log-integrity" => "not_applicable",
            _ => "pass",
        };
        assert_eq!(status, expected, "{check} on {resource}");
    }
    // No call went to the excluded region.
    let snap: Value = serde_json::from_slice(&std::fs::read(snapshot).unwrap()).unwrap();
    assert_eq!(
        snap["scope"]["regions_excluded"],
        serde_json::json!(["eu-west-1"])
    );
    assert!(snap["errors"].as_array().unwrap().is_empty());
    assert!(
        !snap["accounts"][0]["config"]
            .as_object()
            .unwrap()
            .contains_key("eu-west-1"),
        "AWS Config was read in the excluded region"
    );

    // The saved snapshot, evaluated offline under the same policy, agrees.
    let out = trailwarden(
        &["evaluate", snapshot, "--config", path, "--format", "json"],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let offline: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(verdicts(&offline), verdicts(&report));

    // A flag on the command line overrides the configured regions.
    let (_, report, _) = audit_with(&moto.endpoint, path, &["--regions", "us-east-1,eu-west-2"]);
    assert_eq!(
        report["scope"]["regions"],
        serde_json::json!(["eu-west-2", "us-east-1"])
    );
}

#[test]
fn an_expired_waiver_fails_the_live_gate_again() {
    let moto = Moto::start();
    moto.seed("good");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trailwarden.toml");
    std::fs::write(&path, config("2026-01-31")).unwrap();
    let (code, report, stderr) = audit_with(&moto.endpoint, path.to_str().unwrap(), &[]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        statuses(&report, "trail-bucket-mfa-delete", Some(ACCOUNT)),
        ["fail"]
    );
    assert_eq!(
        findings(&report, "trail-bucket-mfa-delete", None)[0]["waiver"]["expired"],
        true
    );
    assert!(stderr.contains("expired on 2026-01-31"), "{stderr}");
}
