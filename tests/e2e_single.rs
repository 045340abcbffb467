//! End-to-end, one account: the real binary against a real moto server.

mod common;

use common::*;
use serde_json::Value;
use std::time::{Duration, Instant};

/// moto cannot enable MFA delete (it ignores `MFADelete`), so that one
/// check fails even for the well-configured bucket.
const MOTO_CANNOT_PASS: &[&str] = &["trail-bucket-mfa-delete"];

#[test]
fn good_posture_passes_every_check() {
    let moto = Moto::start();
    let seeded = moto.seed("good");
    let (code, report) = audit(&moto.endpoint, &[], FAKE);
    let verdicts = verdicts(&report);
    assert!(verdicts.len() >= 10, "too few findings: {verdicts:?}");
    for (check, account, resource, status) in &verdicts {
        assert_eq!(account, ACCOUNT);
        let expected: &[&str] = if MOTO_CANNOT_PASS.contains(&check.as_str()) {
            &["fail"]
        } else if check.starts_with("monitor-") {
            // The "good" scenario seeds no metric filters or alarms, so every
            // CIS monitoring check must fail here (never pass vacuously);
            // their passing paths run end to end in tests/e2e_monitoring.rs.
            &["fail"]
        } else if check == "cloudtrail-organization-trail" {
            &["not_applicable"]
        } else if check == "cloudtrail-log-integrity" {
            // Logs are verified only with --verify-logs (tests/verify_logs.rs).
            &["not_applicable"]
        } else {
            &["pass"]
        };
        assert!(
            expected.contains(&status.as_str()),
            "{check} on {resource}: {status}, expected {expected:?}"
        );
    }
    assert_eq!(
        statuses(&report, "cloudtrail-log-file-validation", Some(ACCOUNT)),
        vec!["pass"]
    );
    let trail = &findings(&report, "cloudtrail-log-file-validation", None)[0];
    assert_eq!(trail["resource"], seeded["trail_arn"]);
    assert_eq!(
        evidence(&report, trail)["log_file_validation_enabled"],
        true
    );
    // The medium MFA-delete failure makes the exit code 1 at the default
    // --fail-on low, and 0 once only high and critical count.
    assert_eq!(code, 1);
    let (code, _) = audit(&moto.endpoint, &["--fail-on", "high"], FAKE);
    assert_eq!(code, 0);
    assert_eq!(
        report["collection_errors"].as_array().map(Vec::len),
        Some(0)
    );
}

#[test]
fn broken_posture_fails() {
    let moto = Moto::start();
    let seeded = moto.seed("broken");
    let (code, report) = audit(&moto.endpoint, &[], FAKE);
    assert_eq!(code, 1);
    for check in [
        "cloudtrail-log-file-validation",
        "cloudtrail-multi-region",
        "cloudtrail-kms-encryption",
        "cloudtrail-delivery-health",
        "trail-bucket-not-public",
        "trail-bucket-versioning",
        "trail-bucket-retention",
    ] {
        assert_eq!(
            statuses(&report, check, Some(ACCOUNT)),
            vec!["fail"],
            "{check}"
        );
    }
    let public = &findings(&report, "trail-bucket-not-public", None)[0];
    assert!(public["resource"]
        .as_str()
        .is_some_and(|r| r.ends_with(seeded["bucket"].as_str().unwrap_or("?"))));
}

/// The collector's contract: the snapshot holds the facts as AWS has them,
/// read with the fewest calls.
#[test]
fn snapshot_holds_the_collected_facts() {
    let moto = Moto::start();
    let seeded = moto.seed("good");
    let snap = collect(&moto.endpoint, &[], FAKE);
    assert_eq!(snap["caller"]["account_id"], ACCOUNT);
    assert_eq!(snap["partition"], "aws");
    assert_eq!(snap["scope"]["mode"], "single");
    // The facts came from the emulator, and the snapshot says so.
    assert_eq!(snap["scope"]["endpoint_overrides"]["*"], moto.endpoint);
    assert_eq!(snap["errors"], Value::Array(vec![]));

    let account = &snap["accounts"][0];
    assert_eq!(
        account["regions"]["value"],
        serde_json::json!(["eu-west-1", "us-east-1"])
    );
    let trail_arn = seeded["trail_arn"].as_str().expect("trail arn");
    assert_eq!(
        account["trail_arns"]["value"],
        serde_json::json!([trail_arn])
    );
    for region in ["us-east-1", "eu-west-1"] {
        let config = &account["config"][region]["value"];
        assert_eq!(config["recorders"][0]["all_supported"], true, "{region}");
        assert_eq!(
            config["recorder_statuses"][0]["recording"], true,
            "{region}"
        );
        assert_eq!(
            config["delivery_channels"][0]["name"], "default",
            "{region}"
        );
    }
    assert_eq!(
        account["public_access_block"]["value"]["block_public_acls"],
        true
    );

    let trail = &snap["trails"][trail_arn];
    assert_eq!(trail["home_region"], "us-east-1");
    assert_eq!(trail["seen_by"], serde_json::json!([ACCOUNT]));
    let config = &trail["config"]["value"];
    assert_eq!(config["is_multi_region_trail"], true);
    assert_eq!(config["kms_key_id"], seeded["key_arn"]);
    assert_eq!(config["sns_topic_arn"], seeded["topic_arn"]);
    assert_eq!(trail["status"]["value"]["is_logging"], true);
    // moto reports HasCustomEventSelectors=false; the selectors are read anyway.
    assert_eq!(config["has_custom_event_selectors"], false);
    let selector = &trail["event_selectors"]["value"]["classic"][0];
    assert_eq!(selector["read_write_type"], "All");
    assert_eq!(selector["data_resources"][0]["type"], "AWS::S3::Object");
    assert_eq!(
        trail["insight_selectors"]["value"],
        serde_json::json!([
            { "insight_type": "ApiCallRateInsight" },
            { "insight_type": "ApiErrorRateInsight" }
        ])
    );

    let bucket = &snap["buckets"][seeded["bucket"].as_str().expect("bucket")];
    assert_eq!(bucket["owner_account_id"]["value"], ACCOUNT);
    assert_eq!(bucket["exists"]["value"], true);
    assert_eq!(bucket["region"]["value"], "us-east-1");
    assert_eq!(bucket["policy_is_public"]["value"], false);
    assert_eq!(bucket["versioning"]["value"]["status"], "Enabled");
    assert_eq!(bucket["object_lock"]["value"]["enabled"], true);
    assert_eq!(
        bucket["object_lock"]["value"]["default_retention_days"],
        400
    );
    assert_eq!(
        bucket["lifecycle_rules"]["value"][0]["expiration_days"],
        400
    );
    assert!(bucket["logging_target"]["value"].is_string());

    let key = &snap["kms_keys"][seeded["key_arn"].as_str().expect("key")];
    assert_eq!(key["metadata"]["value"]["key_state"], "Enabled");
    assert_eq!(key["rotation_enabled"]["value"], true);
    let group = &snap["log_groups"][seeded["log_group_arn"].as_str().expect("group")];
    assert_eq!(group["name"], "CloudTrail/main");
    assert!(group["group"]["value"].is_object());
    let topic = &snap["sns_topics"][seeded["topic_arn"].as_str().expect("topic")];
    assert!(topic["topic"]["value"].is_object());

    // Fewest calls: trails listed once, each trail described once; every
    // operation counted is one the IAM policy grants.
    let calls = &snap["stats"]["calls_by_operation"];
    assert_eq!(calls["cloudtrail:ListTrails"], 1);
    assert_eq!(calls["cloudtrail:DescribeTrails"], 1);
    // GetTrailStatus answers for one region: the multi-region trail's is
    // read in each of the two audited regions.
    assert_eq!(calls["cloudtrail:GetTrailStatus"], 2);
    assert_eq!(calls["s3:ListBuckets"], 1);
    let mut total = 0;
    for (key, count) in calls.as_object().expect("calls map") {
        assert!(
            trailwarden::aws::ops::by_key(key).is_some(),
            "{key} is not in collect::OPERATIONS (nor in the IAM policy)"
        );
        total += count.as_u64().expect("count");
    }
    assert_eq!(snap["stats"]["api_calls"], total);
}

/// A saved snapshot evaluates to the live audit's findings.
#[test]
fn evaluating_the_saved_snapshot_gives_the_audit_findings() {
    let moto = Moto::start();
    moto.seed("broken");
    let dir = tempfile::tempdir().expect("temp dir");
    let snap = dir.path().join("snap.json");
    let snap_s = snap.to_str().expect("utf-8");
    let (code, live) = audit(&moto.endpoint, &["--save-snapshot", snap_s], FAKE);
    let out = trailwarden(&["evaluate", snap_s, "--format", "json"], None);
    let offline: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_eq!(out.status.code(), Some(code));
    assert_eq!(verdicts(&offline), verdicts(&live));
}

/// The caller may not read trail status: those facts are errors, the
/// findings that need them `error` (never pass), and the audit exits 3 when
/// nothing at or above --fail-on failed.
#[test]
fn access_denied_makes_findings_error_and_exit_3() {
    let moto = Moto::start();
    let seeded = moto.seed("denied");
    let key = seeded["access_key_id"].as_str().expect("key id");
    let secret = seeded["secret_access_key"].as_str().expect("secret");
    let (code, report) = audit(&moto.endpoint, &["--fail-on", "high"], Some((key, secret)));
    let errors = report["collection_errors"].as_array().expect("errors");
    assert!(
        errors.iter().any(|e| e["operation"] == "GetTrailStatus"
            && e["code"] == "AccessDenied"
            && e["account_id"] == ACCOUNT),
        "{errors:?}"
    );
    assert_eq!(
        statuses(&report, "cloudtrail-delivery-health", Some(ACCOUNT)),
        vec!["error"]
    );
    assert_eq!(
        statuses(&report, "cloudtrail-multi-region", Some(ACCOUNT)),
        vec!["error"]
    );
    // Facts that were readable still decide their checks.
    assert_eq!(
        statuses(&report, "cloudtrail-log-file-validation", Some(ACCOUNT)),
        vec!["pass"]
    );
    assert_eq!(code, 3, "{:?}", verdicts(&report));
    // The secret never reaches the report.
    assert!(!report.to_string().contains(secret));
}

fn assert_one_line_exit_2(args: &[&str], creds: Option<(&str, &str)>, expect: &str) {
    let started = Instant::now();
    let out = trailwarden(args, creds);
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(
        elapsed < Duration::from_secs(15),
        "{args:?} took {elapsed:?}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains(expect), "{stderr}");
    assert!(out.stdout.is_empty(), "no report on stdout");
}

/// Issue 14, item 11: where the facts came from is in every report, an
/// endpoint taken from the environment is warned about, and plain http://
/// to another machine is refused before anything is asked.
#[test]
fn the_endpoint_is_recorded_warned_about_and_checked() {
    let moto = Moto::start();
    moto.seed("good");
    let (_, report) = audit(&moto.endpoint, &[], FAKE);
    assert_eq!(report["scope"]["endpoint_overrides"]["*"], moto.endpoint);
    let out = trailwarden(
        &[
            "audit",
            "--endpoint-url",
            &moto.endpoint,
            "--regions",
            REGIONS,
            "--format",
            "markdown",
        ],
        FAKE,
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("facts read from"));

    let out = trailwarden_with_env(
        &["audit", "--regions", REGIONS, "--format", "json"],
        FAKE,
        &[("AWS_ENDPOINT_URL", moto.endpoint.as_ref())],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: AWS_ENDPOINT_URL sends AWS calls to"),
        "{stderr}"
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["scope"]["endpoint_overrides"]["*"], moto.endpoint);

    let args = [
        "audit",
        "--endpoint-url",
        "http://aws.example.internal:5000",
        "--regions",
        REGIONS,
    ];
    assert_one_line_exit_2(&args, FAKE, "--allow-insecure-endpoint");
}

/// Issue 14, item 11: an endpoint set in the shared config profile
/// (`endpoint_url`, or a `services` section), which the SDK honours
/// without any flag, is recorded, warned about and checked like the
/// others: the facts come from there.
#[test]
fn an_endpoint_from_the_config_profile_is_recorded_warned_about_and_checked() {
    let moto = Moto::start();
    moto.seed("good");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::write(
        &config,
        format!(
            "[default]\nregion = us-east-1\nendpoint_url = {}\n\n\
             [profile far]\nregion = us-east-1\nservices = far-away\n\n\
             [services far-away]\ns3 =\n  endpoint_url = http://aws.example.internal:5000\n",
            moto.endpoint
        ),
    )
    .unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec!["audit", "--regions", REGIONS, "--format", "json"];
        args.extend_from_slice(extra);
        trailwarden_with_env(&args, FAKE, &[("AWS_CONFIG_FILE", config.as_os_str())])
    };
    let out = run(&[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: endpoint_url of the AWS config profile sends AWS calls to"),
        "{stderr}"
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["scope"]["endpoint_overrides"]["*"], moto.endpoint,
        "{:#}",
        report["scope"]
    );
    assert!(report["summary"]["by_status"]["pass"].as_u64().unwrap() > 0);

    let out = run(&["--profile", "far"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(
        stderr.contains("the s3 endpoint_url of AWS config profile 'far'")
            && stderr.contains("--allow-insecure-endpoint"),
        "{stderr}"
    );
}

/// Issue 14, item 14: a snapshot that cannot be saved does not cost the
/// reports; the run then exits 2, as for any unwritten output.
#[test]
fn a_failed_save_snapshot_still_writes_the_reports() {
    let moto = Moto::start();
    moto.seed("good");
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let report_arg = format!("json={}", report.display());
    let out = trailwarden(
        &[
            "audit",
            "--endpoint-url",
            &moto.endpoint,
            "--regions",
            REGIONS,
            "--save-snapshot",
            "/nonexistent/trailwarden-test/snap.json",
            "--report",
            &report_arg,
        ],
        FAKE,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot write the snapshot"), "{stderr}");
    let written: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(written["scope"]["mode"], "single");
    // A failing gate still blocks (1); otherwise the unwritten snapshot is 2.
    let expected = if written["exit_code"] == 1 { 1 } else { 2 };
    assert_eq!(out.status.code(), Some(expected), "{stderr}");
}

#[test]
fn unreachable_endpoint_ends_fast_with_exit_2() {
    let args = [
        "audit",
        "--endpoint-url",
        "http://127.0.0.1:1",
        "--regions",
        REGIONS,
    ];
    assert_one_line_exit_2(&args, FAKE, "cannot reach AWS");
}

#[test]
fn missing_credentials_end_fast_with_exit_2() {
    let args = [
        "audit",
        "--endpoint-url",
        "http://127.0.0.1:1",
        "--regions",
        REGIONS,
    ];
    assert_one_line_exit_2(&args, None, "no AWS credentials");
}

/// Every page of ListRegions is read (the server returns 4 regions a page),
/// an opt-in region the account enabled is audited, one it has not is not,
/// and one still being enabled is named in `audit-coverage`, not audited.
#[test]
fn list_regions_is_paginated_and_opt_in_statuses_decide_the_regions() {
    let moto = Moto::start_with_env(&[("TRAILWARDEN_MOTO_LIST_REGIONS_PAGE", "4")]);
    moto.seed("good");
    moto.set_region_opt_status(ACCOUNT, "me-central-1", "ENABLED");
    moto.set_region_opt_status(ACCOUNT, "il-central-1", "ENABLING");
    let snap = collect_every_region(&moto.endpoint);
    let account = &snap["accounts"][0];
    let regions: Vec<&str> = account["regions"]["value"]
        .as_array()
        .expect("regions")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    // The last page's regions are there: every page was read.
    assert!(regions.contains(&"us-west-2"), "{regions:?}");
    assert!(regions.contains(&"me-central-1"), "{regions:?}");
    assert!(!regions.contains(&"il-central-1"), "{regions:?}");
    assert!(!regions.contains(&"ap-east-1"), "{regions:?}");
    let pages = snap["stats"]["calls_by_operation"]["account:ListRegions"]
        .as_u64()
        .expect("ListRegions counted");
    assert!(pages > 5, "{pages} pages");
    assert_eq!(
        account["regions_in_transition"],
        serde_json::json!([{ "region": "il-central-1", "status": "ENABLING" }])
    );
    // The report names it too; asked for by name, it is a finding of its own.
    let out = trailwarden(
        &[
            "audit",
            "--endpoint-url",
            &moto.endpoint,
            "--regions",
            "us-east-1,il-central-1",
            "--format",
            "json",
        ],
        FAKE,
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let changing: Vec<&Value> = findings(&report, "audit-coverage", Some(ACCOUNT))
        .into_iter()
        .filter(|f| f["region"] == "il-central-1")
        .collect();
    assert_eq!(changing.len(), 1, "{report}");
    assert_eq!(changing[0]["status"], "not_applicable");
    assert!(changing[0]["message"]
        .as_str()
        .unwrap_or("")
        .contains("ENABLING"));
}

#[test]
fn unknown_region_is_an_input_error() {
    let moto = Moto::start();
    let args = [
        "audit",
        "--endpoint-url",
        &moto.endpoint,
        "--regions",
        "mars-1",
    ];
    assert_one_line_exit_2(&args, FAKE, "mars-1");
}

/// `--regions all` (the default) asks AWS Account Management's ListRegions
/// for the account's enabled regions.
#[test]
fn all_regions_are_discovered_through_the_api() {
    let moto = Moto::start();
    moto.seed("good");
    let snap = collect_every_region(&moto.endpoint);
    assert_eq!(snap["scope"]["regions_requested"], Value::Null);
    let regions = snap["accounts"][0]["regions"]["value"]
        .as_array()
        .expect("regions");
    assert!(regions.len() > 2, "{regions:?}");
    for region in ["us-east-1", "eu-west-1"] {
        assert!(
            regions.iter().any(|r| r == region),
            "{region} in {regions:?}"
        );
    }
    assert_eq!(
        snap["stats"]["calls_by_operation"]["account:ListRegions"],
        1
    );
    // moto's opt-in regions, not opted in to: not audited, named.
    let not_enabled = snap["accounts"][0]["regions_not_enabled"]
        .as_array()
        .expect("regions_not_enabled");
    assert!(
        not_enabled.iter().any(|r| r == "ap-east-1"),
        "{not_enabled:?}"
    );
    assert!(!regions.iter().any(|r| r == "ap-east-1"));
    let config = snap["accounts"][0]["config"].as_object().expect("config");
    assert_eq!(config.len(), regions.len());
}

/// AWS's selector semantics, as the test server models them: a trail whose
/// Insights look only at data events fails `cloudtrail-insights`; a trail
/// created without event selectors gets AWS's default selector and records
/// every management event.
#[test]
fn insights_on_data_events_only_fail_and_a_new_trail_has_the_default_selector() {
    let moto = Moto::start();
    moto.seed("good");
    let (_, before) = audit(&moto.endpoint, &[], FAKE);
    assert_eq!(
        statuses(&before, "cloudtrail-insights", Some(ACCOUNT)),
        vec!["pass"]
    );
    moto.script(
        "call.py",
        &[
            "cloudtrail",
            "put_insight_selectors",
            r#"{"TrailName": "main", "InsightSelectors": [
                {"InsightType": "ApiCallRateInsight", "EventCategories": ["Data"]},
                {"InsightType": "ApiErrorRateInsight", "EventCategories": ["Data"]}]}"#,
        ],
    );
    let (_, after) = audit(&moto.endpoint, &[], FAKE);
    let finding = &findings(&after, "cloudtrail-insights", Some(ACCOUNT))[0];
    assert_eq!(finding["status"], "fail", "{finding}");
    assert!(
        finding["message"]
            .as_str()
            .unwrap_or("")
            .contains("only on data events"),
        "{finding}"
    );

    // A second trail, created without selectors: AWS's default selector.
    moto.script(
        "call.py",
        &[
            "cloudtrail",
            "create_trail",
            r#"{"Name": "plain", "S3BucketName": "trail-main-123456789012"}"#,
        ],
    );
    let snap = collect(&moto.endpoint, &[], FAKE);
    let plain = snap["trails"]
        .as_object()
        .expect("trails")
        .values()
        .find(|t| t["name"] == "plain")
        .expect("the new trail is collected");
    assert_eq!(
        plain["event_selectors"]["value"]["classic"],
        serde_json::json!([{
            "read_write_type": "All",
            "include_management_events": true,
            "exclude_management_event_sources": [],
            "data_resources": []
        }])
    );
}

/// The "good" account audited once as seeded (delivery health passes), then
/// again with GetTrailStatus for its multi-region trail answering `status`
/// (GetTrailStatus fields, JSON) in eu-west-1: the second report.
fn audit_with_status_in_eu_west_1(status: &str) -> Value {
    let moto = Moto::start();
    let seeded = moto.seed("good");
    let arn = seeded["trail_arn"].as_str().expect("trail ARN");
    let (_, before) = audit(&moto.endpoint, &[], FAKE);
    assert_eq!(
        statuses(&before, "cloudtrail-delivery-health", None),
        vec!["pass"]
    );
    moto.set_trail_status(arn, "eu-west-1", status);
    audit(&moto.endpoint, &[], FAKE).1
}

/// GetTrailStatus answers for one region: a multi-region trail's delivery
/// error in a region other than its home fails `cloudtrail-delivery-health`
/// (and `cloudtrail-sns-notifications` for a notification error), with
/// every region's status in the evidence.
#[test]
fn a_delivery_error_in_one_region_of_a_multi_region_trail_fails() {
    let after = audit_with_status_in_eu_west_1(
        r#"{"LatestDeliveryError": "AccessDenied", "LatestNotificationError": "NotFound"}"#,
    );
    let health = &findings(&after, "cloudtrail-delivery-health", None)[0];
    assert_eq!(health["status"], "fail", "{health}");
    assert!(
        health["message"]
            .as_str()
            .unwrap_or("")
            .contains("eu-west-1"),
        "{health}"
    );
    let regions = &evidence(&after, health)["status_in_other_regions"];
    assert_eq!(
        regions["eu-west-1"]["latest_delivery_error"],
        "AccessDenied"
    );
    let notify = &findings(&after, "cloudtrail-sns-notifications", None)[0];
    assert_eq!(notify["status"], "fail", "{notify}");
    // The home region (us-east-1) still answers without error.
    assert_eq!(
        statuses(&after, "cloudtrail-log-file-validation", None),
        vec!["pass"]
    );
}

/// With log file validation on, digests arrive hourly in every region of
/// the trail: a region whose digests stopped three days ago fails
/// `cloudtrail-delivery-health`, naming it (the test server reports digest
/// times as AWS does, and a test-only override ages one region's).
#[test]
fn a_region_whose_digests_stopped_fails_delivery_health() {
    let three_days_ago = chrono::Utc::now().timestamp() - 72 * 3600;
    let after = audit_with_status_in_eu_west_1(&format!(
        r#"{{"LatestDigestDeliveryTime": {three_days_ago}}}"#
    ));
    let health = &findings(&after, "cloudtrail-delivery-health", None)[0];
    assert_eq!(health["status"], "fail", "{health}");
    assert!(
        health["message"]
            .as_str()
            .unwrap_or("")
            .contains("no digest file delivered from eu-west-1"),
        "{health}"
    );
}
