//! End-to-end with injected throttling: a loopback proxy in front of moto
//! (tests/seed/fault_proxy.py) answers some requests with the protocol's
//! throttling error.

mod common;

use common::*;

/// Every third request is throttled: the SDK's retries with backoff get
/// every call through, and the verdicts equal the fault-free run's.
#[test]
fn throttled_calls_are_retried_to_the_same_verdicts() {
    let moto = Moto::start();
    moto.seed("good");
    let dir = tempfile::tempdir().expect("temp dir");
    let clean_snap = dir.path().join("clean.json");
    let faulty_snap = dir.path().join("faulty.json");
    let (clean_code, clean) = audit(
        &moto.endpoint,
        &["--save-snapshot", clean_snap.to_str().expect("utf-8")],
        FAKE,
    );
    let proxy = FaultProxy::start(&moto, &["--every", "3"]);
    let (faulty_code, faulty) = audit(
        &proxy.endpoint,
        &["--save-snapshot", faulty_snap.to_str().expect("utf-8")],
        FAKE,
    );
    assert_eq!(verdicts(&faulty), verdicts(&clean));
    assert_eq!(faulty_code, clean_code);
    assert_eq!(
        faulty["collection_errors"].as_array().map(Vec::len),
        Some(0)
    );
    let calls = |path: &std::path::Path| -> u64 {
        let snap: serde_json::Value =
            serde_json::from_slice(&std::fs::read(path).expect("snapshot")).expect("JSON");
        snap["stats"]["api_calls"].as_u64().expect("api_calls")
    };
    // The retries are counted: a third of the attempts were throttled.
    assert!(calls(&faulty_snap) > calls(&clean_snap));
}

/// One operation is always throttled: its fact is an error once retries
/// are exhausted, the checks that need it are `error`, and the audit exits
/// 3 (nothing at or above high failed).
#[test]
fn an_operation_throttled_for_good_becomes_an_error() {
    let moto = Moto::start();
    moto.seed("good");
    let proxy = FaultProxy::start(&moto, &["--operation", "GetTrailStatus"]);
    let (code, report) = audit(&proxy.endpoint, &["--fail-on", "high"], FAKE);
    let errors = report["collection_errors"].as_array().expect("errors");
    assert!(
        errors
            .iter()
            .any(|e| e["operation"] == "GetTrailStatus" && e["code"] == "ThrottlingException"),
        "{errors:?}"
    );
    assert_eq!(
        statuses(&report, "cloudtrail-delivery-health", Some(ACCOUNT)),
        vec!["error"]
    );
    assert_eq!(
        statuses(&report, "cloudtrail-log-file-validation", Some(ACCOUNT)),
        vec!["pass"]
    );
    assert_eq!(code, 3);
}

/// An organization audited through a proxy that throttles a third of the
/// requests and fails one in twenty with HTTP 500: retries with backoff and
/// jitter get every call through, and every verdict equals the fault-free
/// run's.
#[test]
fn an_organization_under_throttling_and_server_errors_gets_the_same_verdicts() {
    let moto = Moto::start();
    moto.seed_with("bench", &["--accounts", "6"]);
    let (clean_code, clean) = audit(&moto.endpoint, &["--org"], FAKE);
    let log = tempfile::NamedTempFile::new().expect("log file");
    let log_path = log.path().to_str().expect("utf-8").to_string();
    let proxy = FaultProxy::start(
        &moto,
        &["--every", "3", "--fail-every", "20", "--log", &log_path],
    );
    let (faulty_code, faulty) = audit(&proxy.endpoint, &["--org"], FAKE);
    assert_eq!(verdicts(&faulty), verdicts(&clean));
    assert_eq!(faulty_code, clean_code);
    assert_eq!(
        faulty["collection_errors"].as_array().map(Vec::len),
        Some(0),
        "{}",
        faulty["collection_errors"]
    );
    let requests = std::fs::read_to_string(&log_path)
        .expect("log")
        .lines()
        .count();
    assert!(
        requests >= 40,
        "the faults were exercised: {requests} requests"
    );
}
