//! `verify-logs` end to end: the real binary on signed chains written to a
//! local directory and into a real moto server's S3 (moto signs nothing and
//! has no ListPublicKeys, so the chains are signed here with the committed
//! throwaway key of tests/fixtures/verify/).

mod common;

use chrono::{DateTime, Duration, TimeZone, Timelike, Utc};
use common::*;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::RsaPrivateKey;
use serde_json::Value;
use std::path::Path;
#[path = "support/verify_fixture.rs"]
mod fixture;
use fixture::{Chain, ChainSpec, Sidecars};

const KEY: &[u8] = include_bytes!("fixtures/verify/signing-key.pkcs1.der");
const PUB: &[u8] = include_bytes!("fixtures/verify/signing-pub.pkcs1.der");
const WRONG_PUB: &[u8] = include_bytes!("fixtures/verify/wrong-pub.pkcs1.der");
const TRAIL: &str = "arn:aws:cloudtrail:us-east-1:123456789012:trail/main";
const BUCKET: &str = "trail-bucket";

fn first_end() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 1, 0, 31).unwrap()
}

fn build(spec: &ChainSpec) -> Chain {
    fixture::build(spec, &RsaPrivateKey::from_pkcs1_der(KEY).unwrap(), PUB).unwrap()
}

/// A temporary directory with `keys.json` (the signing key's public half,
/// as `aws cloudtrail list-public-keys` prints it) and `copy/`.
struct Work {
    dir: tempfile::TempDir,
}

impl Work {
    fn new() -> Work {
        let work = Work {
            dir: tempfile::tempdir().unwrap(),
        };
        std::fs::write(
            work.path("keys.json"),
            fixture::list_public_keys_json(&[PUB]),
        )
        .unwrap();
        std::fs::write(
            work.path("wrong-keys.json"),
            fixture::list_public_keys_json(&[WRONG_PUB]),
        )
        .unwrap();
        work
    }

    fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }

    fn s(&self, name: &str) -> String {
        self.path(name).to_str().unwrap().to_string()
    }

    fn copy(&self, chain: &Chain, sidecars: Sidecars) {
        chain.write_dir(&self.path("copy"), sidecars).unwrap();
    }
}

/// Runs verify-logs with `--format json`: (exit code, report, stderr).
fn verify(args: &[&str]) -> (i32, Value, String) {
    let mut all = vec!["verify-logs", "--format", "json"];
    all.extend_from_slice(args);
    let out = trailwarden(&all, FAKE);
    let code = out.status.code().unwrap_or(-1);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let report = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (code, report, stderr)
}

fn local_args<'a>(work: &'a Work, keys: &'a str) -> Vec<String> {
    vec![
        "--trail".into(),
        TRAIL.into(),
        "--start-time".into(),
        "2026-11-27T00:00:00Z".into(),
        "--end-time".into(),
        "2026-11-28T00:00:00Z".into(),
        "--local".into(),
        work.s("copy"),
        "--s3-bucket".into(),
        BUCKET.into(),
        "--public-keys".into(),
        work.s(keys),
    ]
}

fn run_local(work: &Work, keys: &str, extra: &[&str]) -> (i32, Value, String) {
    let mut args = local_args(work, keys);
    args.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    verify(&refs)
}

/// The status text of the file with this key.
fn status_of(report: &Value, key: &str) -> String {
    report["regions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| {
            r["digests"]
                .as_array()
                .unwrap()
                .iter()
                .chain(r["logs"].as_array().unwrap())
        })
        .find(|f| f["key"] == key)
        .map(|f| f["status_text"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("no {key} in {report:#}"))
}

#[test]
fn an_intact_local_copy_verifies_and_records_an_anchor() {
    let work = Work::new();
    let chain = build(&ChainSpec::new(BUCKET, first_end(), 4, 3));
    work.copy(&chain, Sidecars::Newest);
    let anchor = work.s("anchor.json");
    let (code, report, stderr) = run_local(&work, "keys.json", &["--record-anchor", &anchor]);
    assert_eq!(code, 0, "{stderr}\n{report:#}");
    assert_eq!(report["result"], "VERIFIED");
    assert_eq!(report["summary"]["digests"]["valid"], 4);
    assert_eq!(report["summary"]["logs"]["valid"], 12);
    assert_eq!(report["exit_code"], 0);
    let recorded: Value = serde_json::from_slice(&std::fs::read(&anchor).unwrap()).unwrap();
    let newest = chain.digest_keys.last().unwrap();
    assert_eq!(recorded["s3_object"], newest.as_str());
    assert_eq!(recorded["s3_bucket"], BUCKET);
    assert_eq!(recorded["signature"], chain.signatures[newest].as_str());

    // Without the sidecar the newest digest is unverifiable, never valid…
    std::fs::remove_file(work.path(&format!("copy/{newest}.sig"))).unwrap();
    let (code, report, _) = run_local(&work, "keys.json", &[]);
    assert_eq!(code, 3, "{report:#}");
    assert_eq!(
        status_of(&report, newest),
        "UNVERIFIABLE: no signature to check"
    );
    assert_eq!(status_of(&report, &chain.digest_keys[0]), "valid");
    // …and the recorded anchor supplies its signature.
    let (code, report, _) = run_local(&work, "keys.json", &["--anchor", &anchor]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["regions"][0]["anchor"]["status"], "reached");

    // The console report says so too.
    let mut args = local_args(&work, "keys.json");
    args.extend(["--anchor".to_string(), anchor.clone(), "--verbose".into()]);
    let mut all = vec!["verify-logs".to_string()];
    all.extend(args);
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    let out = trailwarden(&refs, FAKE);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("us-east-1: digests 4 valid, 0 invalid; logs 12 valid, 0 invalid"),
        "{text}"
    );
    assert!(text.contains("Result: VERIFIED"), "{text}");
    assert!(text.contains("Anchor s3://trail-bucket/"), "{text}");
}

#[test]
fn a_deleted_newest_digest_is_detected_only_with_an_anchor() {
    let work = Work::new();
    let chain = build(&ChainSpec::new(BUCKET, first_end(), 3, 1));
    work.copy(&chain, Sidecars::All);
    let anchor = work.s("anchor.json");
    let (code, _, stderr) = run_local(&work, "keys.json", &["--record-anchor", &anchor]);
    assert_eq!(code, 0, "{stderr}");
    let newest = chain.digest_keys.last().unwrap();
    std::fs::remove_file(work.path(&format!("copy/{newest}"))).unwrap();
    // What the AWS tool sees: a shorter, valid chain. Offline, without an
    // anchor, the report says plainly that the tail is unproven, and that
    // only the folders found were verified.
    let (code, report, _) = run_local(&work, "keys.json", &[]);
    assert_eq!(code, 0, "{report:#}");
    assert!(
        report["regions"][0]["tail_unproven"].is_string(),
        "{report:#}"
    );
    assert!(report["regions_from"]
        .as_str()
        .unwrap()
        .starts_with("the digest folders found"));
    let (code, report, _) = run_local(&work, "keys.json", &["--anchor", &anchor]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["regions"][0]["anchor"]["status"], "not_reached");
    assert!(report["regions"][0]["tail_unproven"].is_null());
    assert_eq!(report["result"], "INVALID");
}

#[test]
fn tampering_in_a_local_copy_fails_with_the_aws_statuses() {
    let work = Work::new();
    let chain = build(&ChainSpec::new(BUCKET, first_end(), 3, 2));
    work.copy(&chain, Sidecars::All);
    let modified = &chain.log_keys[0][0];
    let deleted = &chain.log_keys[1][1];
    std::fs::write(
        work.path(&format!("copy/{modified}")),
        fixture::gzip(b"{\"Records\": []}"),
    )
    .unwrap();
    std::fs::remove_file(work.path(&format!("copy/{deleted}"))).unwrap();
    let (code, report, _) = run_local(&work, "keys.json", &[]);
    assert_eq!(code, 1);
    assert_eq!(
        status_of(&report, modified),
        "INVALID: hash value doesn't match"
    );
    assert_eq!(status_of(&report, deleted), "INVALID: not found");
    assert_eq!(report["summary"]["logs"]["invalid"], 2);

    // A wrong key: no digest can be checked.
    let (code, report, _) = run_local(&work, "wrong-keys.json", &[]);
    assert_eq!(code, 1);
    assert_eq!(
        status_of(&report, &chain.digest_keys[0]),
        "INVALID: public key not found"
    );
}

#[test]
fn every_region_is_verified_in_the_organization_layout() {
    let work = Work::new();
    let mut chain = Chain::default();
    for region in ["us-east-1", "eu-west-1", "ap-southeast-2"] {
        let mut spec = ChainSpec::new(BUCKET, first_end(), 2, 2);
        spec.region = region.into();
        spec.prefix = Some("audit/org".into());
        spec.org_id = Some("o-abc123".into());
        spec.account_id = "222222222222".into();
        chain.merge(build(&spec));
    }
    work.copy(&chain, Sidecars::All);
    let (code, report, stderr) = run_local(
        &work,
        "keys.json",
        &["--s3-prefix", "audit/org", "--account-id", "222222222222"],
    );
    assert_eq!(code, 0, "{stderr}\n{report:#}");
    let regions: Vec<&str> = report["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["region"].as_str().unwrap())
        .collect();
    assert_eq!(regions, ["ap-southeast-2", "eu-west-1", "us-east-1"]);
    assert_eq!(report["summary"]["digests"]["valid"], 6);
    assert_eq!(report["summary"]["logs"]["valid"], 12);
    // --regions narrows it.
    let (code, report, _) = run_local(
        &work,
        "keys.json",
        &[
            "--s3-prefix",
            "audit/org",
            "--account-id",
            "222222222222",
            "--regions",
            "eu-west-1",
        ],
    );
    assert_eq!(code, 0);
    assert_eq!(report["regions"].as_array().unwrap().len(), 1);
    // The wrong account has no digests: not verified, exit 3.
    let (code, report, _) = run_local(
        &work,
        "keys.json",
        &["--s3-prefix", "audit/org", "--account-id", "333333333333"],
    );
    assert_eq!(code, 3, "{report:#}");
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let work = Work::new();
    let chain = build(&ChainSpec::new(BUCKET, first_end(), 1, 1));
    work.copy(&chain, Sidecars::All);
    std::fs::write(work.path("bad.json"), "{\"s3_bucket\": 1}").unwrap();
    std::fs::write(
        work.path("not-keys.json"),
        "{\"PublicKeyList\": [{\"Value\": \"%\"}]}",
    )
    .unwrap();
    let base = local_args(&work, "keys.json");
    let with = |flag: &str, value: &str| {
        let mut args = base.clone();
        if let Some(i) = args.iter().position(|a| a == flag) {
            args[i + 1] = value.to_string();
        } else {
            args.extend([flag.to_string(), value.to_string()]);
        }
        args
    };
    for (args, needle) in [
        (with("--start-time", "yesterday"), "--start-time"),
        (with("--end-time", "2026-11-26T00:00:00Z"), "before"),
        (with("--trail", "main"), "--trail"),
        (with("--local", &work.s("missing")), "--local"),
        (with("--anchor", &work.s("bad.json")), "--anchor"),
        (with("--anchor", &work.s("missing.json")), "--anchor"),
        (
            with("--public-keys", &work.s("not-keys.json")),
            "--public-keys",
        ),
        (with("--account-id", "12"), "--account-id"),
        (with("--regions", "mars-1"), "mars-1"),
        (
            with("--role-arn", "arn:aws:iam::123456789012:user/reader"),
            "--role-arn",
        ),
    ] {
        let mut all = vec!["verify-logs".to_string()];
        all.extend(args);
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        let out = trailwarden(&refs, FAKE);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{needle}: {stderr}");
        assert!(out.stdout.is_empty(), "{needle}");
        assert_eq!(stderr.lines().count(), 1, "{needle}: {stderr}");
        assert!(
            stderr.starts_with("trailwarden: error:") && stderr.contains(needle),
            "{stderr}"
        );
    }
}

/// The hour-aligned end of the newest digest for chains that must fall in
/// an audit's last hours.
fn recent_first_end(digests: i64) -> DateTime<Utc> {
    let now = Utc::now();
    now.with_minute(0)
        .unwrap()
        .with_second(31)
        .unwrap()
        .with_nanosecond(0)
        .unwrap()
        - Duration::hours(digests)
}

/// moto: a trail, its bucket, and a signed chain with S3 metadata.
fn moto_chain(moto: &Moto, work: &Work, first_end: DateTime<Utc>) -> (String, Chain) {
    let (trail, chain, _) = moto_chain_in(moto, work, first_end, false);
    (trail, chain)
}

/// [`moto_chain`]; with `archive`, the bucket is in a member "log-archive"
/// account of a new organization, whose id is returned.
fn moto_chain_in(
    moto: &Moto,
    work: &Work,
    first_end: DateTime<Utc>,
    archive: bool,
) -> (String, Chain, Option<String>) {
    let mut setup = vec![
        "setup", "--bucket", BUCKET, "--trail", "main", "--prefix", "team",
    ];
    if archive {
        setup.push("--archive-account");
    }
    let seeded = moto.script("verify_logs.py", &setup);
    let trail = seeded["trail_arn"].as_str().unwrap().to_string();
    let archive_account = seeded["archive_account"].as_str().map(str::to_string);
    let chain = both_regions(|region| {
        let mut spec = ChainSpec::new(BUCKET, first_end, 3, 2);
        spec.prefix = Some("team".into());
        spec.region = region.into();
        spec
    });
    upload(moto, work, &chain, BUCKET, archive_account.as_deref());
    (trail, chain, archive_account)
}

/// The regions the end-to-end audits cover (`common::REGIONS`): a
/// multi-region trail delivers digests in each.
const AUDITED: [&str; 2] = ["us-east-1", "eu-west-1"];

/// One chain per audited region, us-east-1's first (so its digest and log
/// keys come first in the merged chain).
fn both_regions(spec: impl Fn(&str) -> ChainSpec) -> Chain {
    let mut chain = Chain::default();
    for region in AUDITED {
        chain.merge(build(&spec(region)));
    }
    chain
}

/// Uploads `chain` into `bucket` in moto, digests with their signature
/// metadata; with `account`, through that account's role.
fn upload(moto: &Moto, work: &Work, chain: &Chain, bucket: &str, account: Option<&str>) {
    chain
        .write_dir(&work.path("upload"), Sidecars::None)
        .unwrap();
    std::fs::write(
        work.path("signatures.json"),
        serde_json::to_vec(&chain.signatures).unwrap(),
    )
    .unwrap();
    let dir = work.s("upload");
    let signatures = work.s("signatures.json");
    let mut args = vec![
        "upload",
        "--bucket",
        bucket,
        "--dir",
        &dir,
        "--signatures",
        &signatures,
    ];
    if let Some(account) = account {
        args.extend(["--account", account]);
    }
    moto.script("verify_logs.py", &args);
}

/// `verify-logs` of the day of [`first_end`] in both audited regions, from
/// S3 at `endpoint`, with `extra` flags.
fn s3_args(trail: &str, endpoint: &str, extra: &[&str]) -> Vec<String> {
    let mut a = vec![
        "--trail",
        trail,
        "--start-time",
        "2026-11-27",
        "--end-time",
        "2026-11-28T00:00:00Z",
        "--endpoint-url",
        endpoint,
        "--regions",
        "us-east-1,eu-west-1",
    ];
    a.extend_from_slice(extra);
    a.iter().map(|s| s.to_string()).collect()
}

/// [`verify`] with owned arguments.
fn verify_owned(args: &[String]) -> (i32, Value, String) {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    verify(&refs)
}

/// Issue 14, item 3, through S3: backfill digests carry their
/// `backfill-generation-timestamp` metadata (the upload sets it as
/// CloudTrail does), are verified with it, and walked as their own chain:
/// deleting one that a newer backfill digest names is INVALID.
#[test]
fn backfill_digests_in_s3_are_verified_and_walked() {
    let moto = Moto::start();
    let work = Work::new();
    let (trail, mut chain) = moto_chain(&moto, &work, first_end());
    let mut late = ChainSpec::new(BUCKET, first_end(), 2, 1);
    late.prefix = Some("team".into());
    late.backfill = true;
    let backfill = build(&late);
    let older = backfill.digest_keys[0].clone();
    chain.merge(backfill);
    upload(&moto, &work, &chain, BUCKET, None);
    let keys = work.s("keys.json");
    let args = s3_args(&trail, &moto.endpoint, &["--public-keys", &keys]);
    let (code, report, stderr) = verify_owned(&args);
    assert_eq!(code, 0, "{stderr}\n{report:#}");
    assert_eq!(report["summary"]["backfill_digests"], 2, "{report:#}");
    assert_eq!(report["summary"]["digests"]["valid"], 8, "{report:#}");

    moto.script(
        "verify_logs.py",
        &["delete", "--bucket", BUCKET, "--key", &older],
    );
    let (code, report, _) = verify_owned(&args);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(status_of(&report, &older), "INVALID: not found");
}

/// The endpoint of every service verify-logs calls is recorded, not only
/// S3's: CloudTrail's answers `ListPublicKeys`, whose keys decide "valid",
/// so a profile or variable that sends it elsewhere must show in the report.
#[test]
fn every_endpoint_in_use_is_recorded_cloudtrail_included() {
    let moto = Moto::start();
    let work = Work::new();
    let (trail, _) = moto_chain(&moto, &work, first_end());
    // The same server under another name: the SDK gives the service's own
    // variable precedence over `--endpoint-url`.
    let cloudtrail = moto.endpoint.replace("127.0.0.1", "localhost");
    // moto has no ListPublicKeys: the keys come from the file (the trail
    // endpoint is recorded all the same).
    let keys = work.s("keys.json");
    let args = s3_args(&trail, &moto.endpoint, &["--public-keys", &keys]);
    let run = |format: &str| {
        let mut all = vec!["verify-logs", "--format", format];
        all.extend(args.iter().map(String::as_str));
        trailwarden_with_env(
            &all,
            FAKE,
            &[("AWS_ENDPOINT_URL_CLOUDTRAIL", cloudtrail.as_ref())],
        )
    };
    let out = run("json");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}\n{report:#}");
    assert_eq!(report["endpoint_url"], moto.endpoint, "{report:#}");
    assert_eq!(report["endpoints"]["*"], moto.endpoint, "{report:#}");
    assert_eq!(report["endpoints"]["cloudtrail"], cloudtrail, "{report:#}");

    let console = String::from_utf8_lossy(&run("console").stdout).to_string();
    assert!(
        console.contains(&format!("cloudtrail calls sent to {cloudtrail}")),
        "{console}"
    );
}

#[test]
fn s3_through_moto_reads_the_trail_bucket_and_signature_metadata() {
    let moto = Moto::start();
    let work = Work::new();
    let (trail, chain) = moto_chain(&moto, &work, first_end());
    let keys = work.s("keys.json");
    let run = |extra: &[&str]| verify_owned(&s3_args(&trail, &moto.endpoint, extra));
    let (code, report, stderr) = run(&["--public-keys", &keys]);
    assert_eq!(code, 0, "{stderr}\n{report:#}");
    assert_eq!(report["source"]["bucket"], BUCKET);
    assert_eq!(report["source"]["prefix"], "team");
    assert_eq!(report["summary"]["digests"]["valid"], 6);
    assert_eq!(report["summary"]["logs"]["valid"], 12);
    assert!(
        report["regions_from"]
            .as_str()
            .unwrap()
            .starts_with("--regions"),
        "{report:#}"
    );

    // moto has no ListPublicKeys: without the file, nothing is valid (exit 3).
    let (code, report, _) = run(&[]);
    assert_eq!(code, 3, "{report:#}");
    assert_eq!(report["summary"]["digests"]["valid"], 0);
    assert_eq!(report["summary"]["digests"]["unreadable"], 6);

    // A digest re-uploaded without its metadata, a deleted log.
    let middle = &chain.digest_keys[1];
    moto.script(
        "verify_logs.py",
        &[
            "put",
            "--bucket",
            BUCKET,
            "--key",
            middle,
            "--file",
            &work.s(&format!("upload/{middle}")),
        ],
    );
    let log = &chain.log_keys[0][1];
    moto.script(
        "verify_logs.py",
        &["delete", "--bucket", BUCKET, "--key", log],
    );
    let (code, report, _) = run(&["--public-keys", &keys]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(
        status_of(&report, middle),
        "INVALID: signature verification failed"
    );
    assert_eq!(status_of(&report, log), "INVALID: not found");
    // The newest is still verified, and so is the oldest, reached by listing.
    assert_eq!(status_of(&report, &chain.digest_keys[2]), "valid");
    assert_eq!(status_of(&report, &chain.digest_keys[0]), "valid");

    // Every digest of eu-west-1 deleted: the region is not simply gone from
    // the report, it is INVALID, since the trail was delivering there.
    for key in &chain.digest_keys[3..] {
        moto.script(
            "verify_logs.py",
            &["delete", "--bucket", BUCKET, "--key", key],
        );
    }
    let (code, report, _) = run(&["--public-keys", &keys]);
    assert_eq!(code, 1, "{report:#}");
    let region = |report: &Value, name: &str| {
        report["regions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["region"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no {name} in {report:#}"))
    };
    let eu = region(&report, "eu-west-1");
    assert!(
        eu["digests_missing"]
            .as_str()
            .is_some_and(|why| why.contains("no digest file")),
        "{eu:#}"
    );
    assert_eq!(report["summary"]["regions_missing_digests"], 1);

    // Without --regions, every region enabled for the account is expected
    // (ListRegions), each judged by its GetTrailStatus: the test server's
    // regions without digests are INVALID too.
    let a = s3_args(&trail, &moto.endpoint, &["--public-keys", &keys]);
    let without: Vec<&str> = a
        .iter()
        .map(String::as_str)
        .filter(|s| *s != "--regions" && *s != "us-east-1,eu-west-1")
        .collect();
    let (code, report, _) = verify(&without);
    assert_eq!(code, 1, "{report:#}");
    assert!(
        report["regions_from"]
            .as_str()
            .unwrap()
            .contains("ListRegions"),
        "{report:#}"
    );
    assert!(region(&report, "ap-southeast-2")["digests_missing"].is_string());

    // A trail that does not exist is bad input.
    let (code, _, stderr) = verify(&[
        "--trail",
        "arn:aws:cloudtrail:us-east-1:123456789012:trail/nope",
        "--start-time",
        "2026-11-27",
        "--endpoint-url",
        moto.endpoint.as_str(),
        "--public-keys",
        &keys,
    ]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn audit_verify_logs_judges_each_trail() {
    let moto = Moto::start();
    let work = Work::new();
    let (trail, chain) = moto_chain(&moto, &work, recent_first_end(3));
    let keys = work.s("keys.json");
    let check = "cloudtrail-log-integrity";
    // Without --verify-logs: not_applicable, never pass.
    let (_, report) = audit(&moto.endpoint, &[], FAKE);
    let f = findings(&report, check, None);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["status"], "not_applicable");
    assert_eq!(f[0]["resource"], trail.as_str());

    let (_, report) = audit(
        &moto.endpoint,
        &["--verify-logs", "24", "--public-keys", &keys],
        FAKE,
    );
    let f = findings(&report, check, None);
    assert_eq!(f[0]["status"], "pass", "{:#}", f[0]);
    assert_eq!(
        evidence(&report, f[0])["log_integrity"]["digests"]["valid"],
        6
    );

    // The saved snapshot re-evaluates to the same verdict.
    let saved = work.s("snap.json");
    let (_, _) = audit(
        &moto.endpoint,
        &[
            "--verify-logs",
            "24",
            "--public-keys",
            &keys,
            "--save-snapshot",
            &saved,
        ],
        FAKE,
    );
    let out = trailwarden(&["evaluate", &saved, "--format", "json"], None);
    let evaluated: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(findings(&evaluated, check, None)[0]["status"], "pass");

    // moto has no ListPublicKeys: an error, not a pass.
    let (_, report) = audit(&moto.endpoint, &["--verify-logs", "24"], FAKE);
    assert_eq!(findings(&report, check, None)[0]["status"], "error");

    moto.script(
        "verify_logs.py",
        &["delete", "--bucket", BUCKET, "--key", &chain.log_keys[2][0]],
    );
    let (code, report) = audit(
        &moto.endpoint,
        &["--verify-logs", "24", "--public-keys", &keys],
        FAKE,
    );
    let f = findings(&report, check, None);
    assert_eq!(f[0]["status"], "fail", "{:#}", f[0]);
    assert_eq!(code, 1);
    let evidence = evidence(&report, f[0]);
    let problems = evidence["log_integrity"]["problems"].as_array().unwrap();
    assert!(problems.iter().any(|p| p["status"] == "INVALID: not found"
        && p["location"]
            .as_str()
            .unwrap()
            .ends_with(&chain.log_keys[2][0])));
}

/// `audit --verify-logs` knows which regions the trail delivers to and
/// when AWS last delivered a digest in each (GetTrailStatus): a region whose
/// digests were all deleted, or whose newest digests were, fails the trail;
/// the chain that is left is valid, so only that knowledge catches it.
#[test]
fn audit_verify_logs_catches_a_deleted_region_and_deleted_newest_digests() {
    let check = "cloudtrail-log-integrity";
    for deleted in ["region", "newest"] {
        let moto = Moto::start();
        let work = Work::new();
        let (_, chain) = moto_chain(&moto, &work, recent_first_end(3));
        let keys = work.s("keys.json");
        let args = ["--verify-logs", "24", "--public-keys", &keys];
        let (_, report) = audit(&moto.endpoint, &args, FAKE);
        assert_eq!(findings(&report, check, None)[0]["status"], "pass");
        // digest_keys: us-east-1's three, then eu-west-1's, oldest first.
        let gone: &[String] = match deleted {
            "region" => &chain.digest_keys[3..],
            _ => &chain.digest_keys[1..3],
        };
        for key in gone {
            moto.script(
                "verify_logs.py",
                &["delete", "--bucket", BUCKET, "--key", key],
            );
        }
        let (code, report) = audit(&moto.endpoint, &args, FAKE);
        let f = &findings(&report, check, None)[0];
        assert_eq!(f["status"], "fail", "{deleted}: {f:#}");
        assert_eq!(code, 1);
        assert!(
            f["message"]
                .as_str()
                .unwrap()
                .contains("digests missing in 1 region(s)"),
            "{f:#}"
        );
        let problems = evidence(&report, f)["log_integrity"]["problems"].clone();
        let missing = problems
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["status"] == "INVALID: digests missing")
            .unwrap_or_else(|| panic!("{problems:#}"))
            .clone();
        let (region, words) = match deleted {
            "region" => ("eu-west-1", "no digest file"),
            _ => ("us-east-1", "LatestDigestDeliveryTime"),
        };
        assert_eq!(missing["region"], region, "{missing:#}");
        assert!(
            missing["detail"].as_str().unwrap().contains(words),
            "{missing:#}"
        );
    }
}

/// Issue 14, item 6: a local copy is read only as regular files inside it.
/// A log replaced by a symbolic link out of the copy, or by a FIFO (whose
/// reading would wait forever), is reported unreadable (exit 3), not read.
#[cfg(unix)]
#[test]
fn a_local_copy_reads_only_regular_files_inside_it() {
    let work = Work::new();
    let chain = build(&ChainSpec::new(BUCKET, first_end(), 2, 2));
    work.copy(&chain, Sidecars::All);
    let outside = work.path("outside.json.gz");
    std::fs::write(&outside, b"not a log").unwrap();
    let linked = &chain.log_keys[0][0];
    let linked_path = work.path(&format!("copy/{linked}"));
    std::fs::remove_file(&linked_path).unwrap();
    std::os::unix::fs::symlink(&outside, &linked_path).unwrap();
    let fifo = &chain.log_keys[1][0];
    let fifo_path = work.path(&format!("copy/{fifo}"));
    std::fs::remove_file(&fifo_path).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo_path)
        .status()
        .unwrap();
    assert!(made.success());
    let (code, report, stderr) = run_local(&work, "keys.json", &[]);
    assert_eq!(code, 3, "{stderr}\n{report:#}");
    let detail = |key: &str| {
        report["regions"][0]["logs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["key"] == key)
            .map(|f| f["detail"].as_str().unwrap_or("").to_string())
            .unwrap()
    };
    assert!(detail(linked).contains("outside"), "{}", detail(linked));
    assert!(
        detail(fifo).contains("not a regular file"),
        "{}",
        detail(fifo)
    );
    assert_eq!(status_of(&report, linked), "ERROR: could not be read");
}

/// Issue 14, item 6: a log file that inflates beyond `--max-log-mib` is an
/// error (exit 3), not a crash, not INVALID; the default cap reads it.
#[test]
fn a_log_beyond_the_inflate_cap_is_an_error() {
    let work = Work::new();
    let mut spec = ChainSpec::new(BUCKET, first_end(), 1, 1);
    spec.log_bytes = 2 * 1024 * 1024;
    let chain = build(&spec);
    work.copy(&chain, Sidecars::All);
    let (code, report, stderr) = run_local(&work, "keys.json", &[]);
    assert_eq!(code, 0, "{stderr}\n{report:#}");
    let (code, report, _) = run_local(&work, "keys.json", &["--max-log-mib", "1"]);
    assert_eq!(code, 3, "{report:#}");
    let log = &chain.log_keys[0][0];
    assert_eq!(status_of(&report, log), "ERROR: could not be read");
    assert!(report.to_string().contains("raise --max-log-mib"));
}

/// Issue 14, item 5: a trail converted to an organization trail has
/// digests under `AWSLogs/<account>/` (before) and `AWSLogs/<o-id>/<account>/`
/// (after). Both are verified when both hold digests in the window, each
/// region naming its layout, and a log modified in the older one fails.
#[test]
fn both_organization_layouts_are_verified() {
    let work = Work::new();
    let account = "222222222222";
    let mut before = ChainSpec::new(BUCKET, first_end(), 2, 1);
    before.account_id = account.into();
    let mut after = ChainSpec::new(BUCKET, first_end() + Duration::hours(4), 2, 1);
    after.account_id = account.into();
    after.org_id = Some("o-abc123".into());
    let mut chain = build(&before);
    let older_log = chain.log_keys[0][0].clone();
    chain.merge(build(&after));
    work.copy(&chain, Sidecars::All);
    let (code, report, stderr) = run_local(&work, "keys.json", &["--account-id", account]);
    assert_eq!(code, 0, "{stderr}\n{report:#}");
    assert_eq!(report["summary"]["digests"]["valid"], 4, "{report:#}");
    let layouts: Vec<&str> = report["regions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["layout"].as_str())
        .collect();
    assert_eq!(layouts.len(), 2, "{report:#}");
    assert!(layouts.iter().any(|l| l.contains("o-abc123")));
    assert!(layouts.iter().any(|l| !l.contains("o-abc123")));

    // A log of the older layout modified: INVALID.
    let path = work.path(&format!("copy/{older_log}"));
    std::fs::write(&path, fixture::gzip(b"{\"Records\":[]}")).unwrap();
    let (code, report, _) = run_local(&work, "keys.json", &["--account-id", account]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(
        status_of(&report, &older_log),
        "INVALID: hash value doesn't match"
    );
}

/// Issue 14, item 3: backfill digests (`…_backfill.json.gz`, for log
/// files a regular digest missed) are signature-checked and their log
/// files verified, counted in the output; a log listed only in a backfill
/// digest that was modified is INVALID. (They were ignored.)
#[test]
fn backfill_digests_are_checked_and_their_logs_verified() {
    let work = Work::new();
    let mut chain = build(&ChainSpec::new(BUCKET, first_end(), 2, 1));
    let mut late = ChainSpec::new(BUCKET, first_end(), 1, 2);
    late.backfill = true;
    let backfill = build(&late);
    let late_log = backfill.log_keys[0][1].clone();
    chain.merge(backfill);
    work.copy(&chain, Sidecars::All);
    let (code, report, stderr) = run_local(&work, "keys.json", &[]);
    assert_eq!(code, 0, "{stderr}\n{report:#}");
    assert_eq!(report["summary"]["backfill_digests"], 1, "{report:#}");
    assert_eq!(report["summary"]["digests"]["valid"], 3);
    assert_eq!(report["summary"]["logs"]["valid"], 4);
    assert_eq!(status_of(&report, &late_log), "valid");

    let path = work.path(&format!("copy/{late_log}"));
    std::fs::write(&path, fixture::gzip(b"{\"Records\":[]}")).unwrap();
    let (code, report, _) = run_local(&work, "keys.json", &[]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(
        status_of(&report, &late_log),
        "INVALID: hash value doesn't match"
    );
}

/// Issue 14, item 3: backfill digests are walked as their own chain, as
/// the AWS CLI does (`traverse_digests(is_backfill=True)`): deleting a
/// backfill digest that a newer backfill digest names is INVALID, not
/// silently one fewer. (Each backfill digest was checked alone.)
#[test]
fn a_deleted_backfill_digest_is_caught_by_the_newer_one() {
    let work = Work::new();
    let mut chain = build(&ChainSpec::new(BUCKET, first_end(), 3, 1));
    let mut late = ChainSpec::new(BUCKET, first_end(), 3, 1);
    late.backfill = true;
    let backfill = build(&late);
    let middle = backfill.digest_keys[1].clone();
    chain.merge(backfill);
    work.copy(&chain, Sidecars::All);
    let (code, report, stderr) = run_local(&work, "keys.json", &[]);
    assert_eq!(code, 0, "{stderr}\n{report:#}");
    assert_eq!(report["summary"]["backfill_digests"], 3, "{report:#}");

    std::fs::remove_file(work.path(&format!("copy/{middle}"))).unwrap();
    let (code, report, stderr) = run_local(&work, "keys.json", &["--verbose"]);
    assert_eq!(code, 1, "{stderr}\n{report:#}");
    assert_eq!(
        status_of(&report, &middle),
        "INVALID: not found",
        "{report:#}"
    );
    assert_eq!(report["summary"]["gaps"], 0, "{report:#}");
}

/// The key path helper keeps keys inside the copy.
#[test]
fn keys_that_leave_the_copy_are_never_read() {
    let work = Work::new();
    let spec = ChainSpec::new(BUCKET, first_end(), 1, 1);
    let chain = build(&spec);
    work.copy(&chain, Sidecars::All);
    // A log key with `..` in a validly signed digest is "not found", not a
    // read outside the directory.
    let digest_key = &chain.digest_keys[0];
    let path = work.path(&format!("copy/{digest_key}"));
    let mut doc: Value = serde_json::from_slice(
        &trailwarden::verify::digest::gunzip(&std::fs::read(&path).unwrap(), 1 << 20).unwrap(),
    )
    .unwrap();
    doc["logFiles"][0]["s3Object"] = "../../../../keys.json".into();
    let bytes = serde_json::to_vec(&doc).unwrap();
    std::fs::write(&path, fixture::gzip(&bytes)).unwrap();
    let signature =
        fixture::sign_digest(&RsaPrivateKey::from_pkcs1_der(KEY).unwrap(), &bytes).unwrap();
    std::fs::write(work.path(&format!("copy/{digest_key}.sig")), signature).unwrap();
    let (code, report, _) = run_local(&work, "keys.json", &[]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(
        status_of(&report, "../../../../keys.json"),
        "INVALID: not found"
    );
    assert!(Path::new(&work.path("keys.json")).exists());
}

/// `--timeout` bounds the whole run, the log verification included: with
/// S3 listings hung, the trail's integrity is unknown (`error`, exit 3)
/// once the time runs out, never passed, and the report is still written.
#[test]
fn the_run_timeout_bounds_the_log_verification() {
    let moto = Moto::start();
    let work = Work::new();
    let (trail, _chain) = moto_chain(&moto, &work, recent_first_end(3));
    let keys = work.s("keys.json");
    let proxy = FaultProxy::start(
        &moto,
        &["--delay-operation", "ListObjectsV2", "--delay", "120"],
    );
    let started = std::time::Instant::now();
    let (code, report) = audit(
        &proxy.endpoint,
        &[
            "--verify-logs",
            "24",
            "--public-keys",
            &keys,
            "--timeout",
            "15",
            // Each attempt would wait out the proxy's 120 s: without the
            // run's bound, the verification takes minutes, not seconds.
            "--call-timeout",
            "300",
            // The seeded bucket fails some lower-severity checks: exit 1
            // would outrank the 3 of an incomplete run.
            "--fail-on",
            "critical",
        ],
        FAKE,
    );
    let took = started.elapsed();
    assert!(
        took < std::time::Duration::from_secs(60),
        "took {took:?}: --timeout did not bound the verification"
    );
    assert_eq!(code, 3);
    let f = findings(&report, "cloudtrail-log-integrity", None);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["resource"], trail.as_str());
    assert_eq!(f[0]["status"], "error", "{:#}", f[0]);
    // Under load the deadline may already pass during the collection;
    // either way what is unknown is named as the run's timeout.
    assert_eq!(
        evidence(&report, f[0])["collection_error"]["code"],
        "RunTimeout",
        "{:#}",
        f[0]
    );
}

/// Issue 14, item 6: `--timeout` also bounds `verify-logs` run alone. With
/// every GetObject hung, the regions not verified by then are errors
/// naming the timeout (exit 3), never valid, and the report is written.
#[test]
fn the_timeout_bounds_verify_logs_run_alone() {
    let moto = Moto::start();
    let work = Work::new();
    let (trail, _chain) = moto_chain(&moto, &work, first_end());
    let keys = work.s("keys.json");
    let proxy = FaultProxy::start(&moto, &["--delay-operation", "GetObject", "--delay", "120"]);
    let started = std::time::Instant::now();
    let (code, report, stderr) = verify_owned(&s3_args(
        &trail,
        &proxy.endpoint,
        &[
            "--public-keys",
            &keys,
            "--timeout",
            "8",
            // Each attempt would wait out the proxy's 120 s.
            "--call-timeout",
            "300",
        ],
    ));
    let took = started.elapsed();
    assert!(
        took < std::time::Duration::from_secs(60),
        "took {took:?}: --timeout did not bound verify-logs"
    );
    assert_eq!(code, 3, "{stderr}\n{report:#}");
    assert_eq!(report["result"], "INCOMPLETE", "{report:#}");
    assert_eq!(report["summary"]["digests"]["valid"], 0, "{report:#}");
    for region in report["regions"].as_array().unwrap() {
        assert!(
            region["error"]
                .as_str()
                .is_some_and(|e| e.contains("--timeout 8s ran out")),
            "{region:#}"
        );
    }
}

/// The trail bucket in a separate log-archive account (as AWS Control Tower
/// sets up): `audit --verify-logs` reads it through that account's audit
/// role, not with the caller's credentials. moto lets any credentials read
/// any bucket, so the test checks which credentials the reads carried.
#[test]
fn audit_verify_logs_reads_a_log_archive_bucket_through_its_owners_role() {
    let moto = Moto::start();
    let work = Work::new();
    let (trail, _chain, archive) = moto_chain_in(&moto, &work, recent_first_end(3), true);
    let archive = archive.expect("a log-archive account");
    let keys = work.s("keys.json");
    let wire = work.path("keys.log");
    let proxy = FaultProxy::start(&moto, &["--log-keys", &wire.display().to_string()]);
    let accounts = format!("{ACCOUNT},{archive}");
    let (_, report) = audit(
        &proxy.endpoint,
        &[
            "--accounts",
            &accounts,
            "--role-name",
            "OrganizationAccountAccessRole",
            "--verify-logs",
            "24",
            "--public-keys",
            &keys,
        ],
        FAKE,
    );
    // Reported under each account the trail is effective for.
    let f = findings(&report, "cloudtrail-log-integrity", Some(ACCOUNT));
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["resource"], trail.as_str());
    assert_eq!(f[0]["status"], "pass", "{:#}", f[0]);
    // Every request on the bucket, the log verification's included, was
    // signed with the log-archive role's credentials, not the caller's.
    let log = std::fs::read_to_string(&wire).unwrap();
    let on_bucket: Vec<&str> = log
        .lines()
        .filter(|l| l.starts_with(&format!("/{BUCKET}")))
        .collect();
    assert!(
        on_bucket.iter().any(|l| l.contains("list-type=2")),
        "the verification listed the bucket: {log}"
    );
    let caller_key = FAKE.unwrap().0;
    let by_caller: Vec<&&str> = on_bucket
        .iter()
        .filter(|l| l.ends_with(&format!(" {caller_key}")))
        .collect();
    assert!(
        by_caller.is_empty(),
        "read with the caller's credentials: {by_caller:#?}"
    );

    // verify-logs alone reads it through --role-arn.
    let role = format!("arn:aws:iam::{archive}:role/OrganizationAccountAccessRole");
    let (code, report, stderr) = verify(&[
        "--trail",
        &trail,
        "--start-time",
        &(Utc::now() - Duration::hours(24)).to_rfc3339(),
        "--endpoint-url",
        &proxy.endpoint,
        "--public-keys",
        &keys,
        "--role-arn",
        &role,
        "--regions",
        "us-east-1,eu-west-1",
    ]);
    assert_eq!(code, 0, "{stderr}\n{report:#}");
    assert_eq!(report["summary"]["digests"]["valid"], 6);
}

/// `audit --org --verify-logs`: an organization trail is verified in the
/// folder of every audited account (`AWSLogs/<org-id>/<account>/…`, several
/// at once), and one member's deleted log file fails it.
#[test]
fn audit_org_verify_logs_checks_every_accounts_folder() {
    let moto = Moto::start();
    let seeded = moto.seed("org");
    let trail = seeded["trail_arn"].as_str().unwrap().to_string();
    let bucket = seeded["bucket"].as_str().unwrap().to_string();
    let (_, first) = audit(&moto.endpoint, &["--org"], FAKE);
    let org_id = first["scope"]["organization_id"].as_str().unwrap();
    let accounts: Vec<String> = first["scope"]["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    assert_eq!(accounts.len(), 3);
    let work = Work::new();
    let mut chain = Chain::default();
    for account in &accounts {
        chain.merge(both_regions(|region| {
            let mut spec = ChainSpec::new(&bucket, recent_first_end(3), 3, 2);
            spec.org_id = Some(org_id.to_string());
            spec.account_id = account.clone();
            spec.trail_name = "org-trail".into();
            spec.region = region.into();
            spec
        }));
    }
    upload(&moto, &work, &chain, &bucket, None);
    let keys = work.s("keys.json");
    let args = ["--org", "--verify-logs", "24", "--public-keys", &keys];
    let check = "cloudtrail-log-integrity";
    let (_, report) = audit(&moto.endpoint, &args, FAKE);
    let f = findings(&report, check, None);
    assert_eq!(f.len(), 3, "one finding per account the trail covers");
    for finding in &f {
        assert_eq!(finding["resource"], trail.as_str());
        assert_eq!(finding["status"], "pass", "{finding:#}");
    }
    // Every account's folder was verified in both regions: 3 × 2 × 3
    // digests, 3 × 2 × 6 logs.
    let integrity = evidence(&report, f[0]);
    assert_eq!(integrity["log_integrity"]["digests"]["valid"], 18);
    assert_eq!(integrity["log_integrity"]["logs"]["valid"], 36);

    // A log deleted from the last member's folder fails the trail.
    let member_log = chain
        .log_keys
        .iter()
        .flatten()
        .find(|k| k.contains(&format!("/{}/", accounts[2])))
        .unwrap()
        .clone();
    moto.script(
        "verify_logs.py",
        &["delete", "--bucket", &bucket, "--key", &member_log],
    );
    let (code, report) = audit(&moto.endpoint, &args, FAKE);
    assert_eq!(code, 1);
    let f = findings(&report, check, None);
    assert!(f.iter().all(|f| f["status"] == "fail"), "{f:#?}");
    assert!(
        evidence(&report, f[0]).to_string().contains(&member_log),
        "the evidence names the deleted file"
    );
}
