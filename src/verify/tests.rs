//! The walk on in-memory fixtures: a signed chain made with the committed
//! throwaway test key, then each tamper case.

use super::chain::{verify_region, RegionPlan};
use super::digest;
use super::fixture::{self, Chain, ChainSpec};
use super::keys::PublicKeys;
use super::report::{Anchor, AnchorStatus, FileKind, RegionResult, Status};
use super::source::{MemorySource, Object};
use crate::snapshot::CollectionError;
use chrono::{DateTime, Duration, TimeZone, Utc};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::RsaPrivateKey;

const KEY: &[u8] = include_bytes!("../../tests/fixtures/verify/signing-key.pkcs1.der");
const PUB: &[u8] = include_bytes!("../../tests/fixtures/verify/signing-pub.pkcs1.der");
const WRONG_KEY: &[u8] = include_bytes!("../../tests/fixtures/verify/wrong-key.pkcs1.der");
const WRONG_PUB: &[u8] = include_bytes!("../../tests/fixtures/verify/wrong-pub.pkcs1.der");
const BUCKET: &str = "trail-bucket";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 1, 0, 31).unwrap()
}

fn signing_key() -> RsaPrivateKey {
    RsaPrivateKey::from_pkcs1_der(KEY).unwrap()
}

fn keys(der: &[u8]) -> PublicKeys {
    let mut k = PublicKeys::default();
    k.add_der(der).unwrap();
    k
}

fn build(spec: &ChainSpec) -> Chain {
    fixture::build(spec, &signing_key(), PUB).unwrap()
}

/// The chain in S3 (`metadata`: signatures as object metadata) or as a
/// local copy without any signature with the objects.
fn memory(chain: &Chain, metadata: bool) -> MemorySource {
    let mut m = MemorySource::default();
    for (key, bytes) in &chain.objects {
        let signature = chain.signatures.get(key).filter(|_| metadata).cloned();
        m.objects.insert(
            (BUCKET.to_string(), key.clone()),
            Object {
                bytes: bytes.clone(),
                signature_algorithm: signature.as_ref().map(|_| "SHA256withRSA".to_string()),
                signature,
                delivered_at: None,
                backfill_generated_at: None,
            },
        );
    }
    m
}

struct Setup {
    spec: ChainSpec,
    keys: PublicKeys,
    metadata: bool,
    anchor: Option<Anchor>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    keys_error: Option<CollectionError>,
}

impl Setup {
    fn new(spec: ChainSpec) -> Self {
        let end = spec.first_end + Duration::hours(spec.digests as i64);
        Setup {
            start: spec.first_end - Duration::hours(1),
            end,
            spec,
            keys: keys(PUB),
            metadata: true,
            anchor: None,
            keys_error: None,
        }
    }

    async fn run(&self, source: &MemorySource) -> RegionResult {
        let base = self.spec.base();
        let plan = RegionPlan {
            bucket: BUCKET,
            check_bucket: true,
            signature_in_metadata: self.metadata,
            base: &base,
            region: &self.spec.region,
            account_id: &self.spec.account_id,
            trail_name: &self.spec.trail_name,
            home_region: &self.spec.home_region,
            start: self.start,
            end: self.end,
            keys: match &self.keys_error {
                Some(e) => Err(e),
                None => Ok(&self.keys),
            },
            anchor: self.anchor.as_ref(),
            max_log_bytes: digest::DEFAULT_MAX_LOG_BYTES,
        };
        verify_region(source, &plan).await
    }
}

fn spec(digests: usize, logs: usize) -> ChainSpec {
    let mut s = ChainSpec::new(BUCKET, t0(), digests, logs);
    s.prefix = Some("team".into());
    s
}

fn statuses(r: &RegionResult, kind: FileKind) -> Vec<Status> {
    r.digests
        .iter()
        .chain(&r.logs)
        .filter(|f| f.kind == kind)
        .map(|f| f.status)
        .collect()
}

fn status_of(r: &RegionResult, key: &str) -> Status {
    r.digests
        .iter()
        .chain(&r.logs)
        .find(|f| f.key == key)
        .unwrap_or_else(|| panic!("no result for {key}: {r:#?}"))
        .status
}

/// Replaces a stored object's decompressed content.
fn rewrite(m: &mut MemorySource, key: &str, edit: impl FnOnce(&mut Vec<u8>)) {
    let object = m
        .objects
        .get_mut(&(BUCKET.to_string(), key.to_string()))
        .unwrap();
    let mut bytes = digest::gunzip(&object.bytes, u64::MAX - 1).unwrap();
    edit(&mut bytes);
    object.bytes = fixture::gzip(&bytes);
}

/// In S3 a backfill digest carries `backfill-generation-timestamp`; without
/// it (a forged or re-uploaded object) it is invalid, as for the AWS CLI;
/// with it, its signature and its logs are checked like the others.
#[tokio::test]
async fn a_backfill_digest_needs_its_generation_timestamp_in_s3() {
    let s = Setup::new(spec(2, 1));
    let mut chain = build(&s.spec);
    let mut late = s.spec.clone();
    late.digests = 1;
    late.backfill = true;
    let backfill = build(&late);
    let key = backfill.digest_keys[0].clone();
    chain.merge(backfill);
    let mut m = memory(&chain, true);
    let r = s.run(&m).await;
    assert_eq!(status_of(&r, &key), Status::InvalidFormat, "{r:#?}");
    assert!(r.digests.iter().any(|f| f.key == key && f.backfill));
    let object = m
        .objects
        .get_mut(&(BUCKET.to_string(), key.clone()))
        .unwrap();
    object.backfill_generated_at = Some((t0() + Duration::hours(3)).to_rfc3339());
    let r = s.run(&m).await;
    assert_eq!(status_of(&r, &key), Status::Valid, "{r:#?}");
    assert_eq!(statuses(&r, FileKind::Log), vec![Status::Valid; 3]);
}

#[tokio::test]
async fn an_intact_chain_is_valid() {
    let s = Setup::new(spec(3, 2));
    let chain = build(&s.spec);
    let r = s.run(&memory(&chain, true)).await;
    assert_eq!(
        statuses(&r, FileKind::Digest),
        vec![Status::Valid; 3],
        "{r:#?}"
    );
    assert_eq!(statuses(&r, FileKind::Log), vec![Status::Valid; 6]);
    assert!(r.gaps.is_empty() && r.error.is_none());
    assert!(!r.has_invalid() && !r.is_incomplete());
    let newest = r.newest_valid.as_ref().unwrap();
    assert_eq!(&newest.s3_object, chain.digest_keys.last().unwrap());
    assert_eq!(&newest.signature, &chain.signatures[&newest.s3_object]);
    // Newest first, as walked.
    assert_eq!(&r.digests[0].key, chain.digest_keys.last().unwrap());
}

#[tokio::test]
async fn a_modified_log_does_not_match_its_hash() {
    let s = Setup::new(spec(2, 2));
    let chain = build(&s.spec);
    let mut m = memory(&chain, true);
    let log = &chain.log_keys[1][0];
    rewrite(&mut m, log, |b| b[2] ^= 1);
    let r = s.run(&m).await;
    assert_eq!(status_of(&r, log), Status::HashMismatch);
    assert!(r.has_invalid());
    assert_eq!(r.log_counts().valid, 3);
}

#[tokio::test]
async fn a_deleted_log_is_not_found() {
    let s = Setup::new(spec(2, 2));
    let chain = build(&s.spec);
    let mut m = memory(&chain, true);
    let log = &chain.log_keys[0][1];
    m.objects.remove(&(BUCKET.to_string(), log.clone()));
    let r = s.run(&m).await;
    assert_eq!(status_of(&r, log), Status::NotFound);
    assert!(r.has_invalid());
}

#[tokio::test]
async fn extra_data_after_the_gzip_stream_is_invalid() {
    let s = Setup::new(spec(1, 2));
    let chain = build(&s.spec);
    let mut m = memory(&chain, true);
    let log = &chain.log_keys[0][0];
    m.objects
        .get_mut(&(BUCKET.to_string(), log.clone()))
        .unwrap()
        .bytes
        .extend(fixture::gzip(b"{\"Records\": []}"));
    let r = s.run(&m).await;
    assert_eq!(status_of(&r, log), Status::InvalidFormat);
}

#[tokio::test]
async fn a_modified_digest_fails_its_signature_and_the_walk_goes_on() {
    let s = Setup::new(spec(3, 1));
    let chain = build(&s.spec);
    let mut m = memory(&chain, true);
    let middle = &chain.digest_keys[1];
    // Drop a log from the digest's list (hiding a deleted log).
    rewrite(&mut m, middle, |b| {
        let mut doc: serde_json::Value = serde_json::from_slice(b).unwrap();
        doc["logFiles"] = serde_json::json!([]);
        *b = serde_json::to_vec(&doc).unwrap();
    });
    let r = s.run(&m).await;
    assert_eq!(status_of(&r, middle), Status::SignatureFailed);
    assert_eq!(status_of(&r, &chain.digest_keys[0]), Status::Valid);
    assert_eq!(status_of(&r, &chain.digest_keys[2]), Status::Valid);
    // The logs of an invalid digest are not vouched for.
    assert!(r.logs.iter().all(|l| l.key != chain.log_keys[1][0]));
}

#[tokio::test]
async fn a_forged_signature_fails() {
    let s = Setup::new(spec(2, 1));
    let chain = build(&s.spec);
    let mut m = memory(&chain, true);
    let newest = chain.digest_keys.last().unwrap();
    // Signed with another key, under the real key's fingerprint.
    let bytes = digest::gunzip(&chain.objects[newest], u64::MAX - 1).unwrap();
    let forged =
        fixture::sign_digest(&RsaPrivateKey::from_pkcs1_der(WRONG_KEY).unwrap(), &bytes).unwrap();
    m.objects
        .get_mut(&(BUCKET.to_string(), newest.clone()))
        .unwrap()
        .signature = Some(forged);
    let r = s.run(&m).await;
    assert_eq!(status_of(&r, newest), Status::SignatureFailed);
    // Junk and missing signature metadata fail too.
    for junk in [Some("zz".to_string()), Some("00".repeat(256)), None] {
        m.objects
            .get_mut(&(BUCKET.to_string(), newest.clone()))
            .unwrap()
            .signature = junk;
        let r = s.run(&m).await;
        assert_eq!(status_of(&r, newest), Status::SignatureFailed);
    }
}

#[tokio::test]
async fn a_moved_digest_is_reported_as_moved() {
    let s = Setup::new(spec(2, 1));
    let chain = build(&s.spec);
    let mut m = memory(&chain, true);
    let newest = chain.digest_keys.last().unwrap().clone();
    let object = m
        .objects
        .remove(&(BUCKET.to_string(), newest.clone()))
        .unwrap();
    let moved = newest.replace("T020031Z", "T020032Z");
    assert_ne!(moved, newest);
    m.objects
        .insert((BUCKET.to_string(), moved.clone()), object);
    let r = s.run(&m).await;
    assert_eq!(status_of(&r, &moved), Status::Moved, "{r:#?}");
    assert_eq!(status_of(&r, &chain.digest_keys[0]), Status::Valid);
}

#[tokio::test]
async fn a_deleted_middle_digest_breaks_the_chain() {
    let s = Setup::new(spec(3, 1));
    let chain = build(&s.spec);
    let mut m = memory(&chain, true);
    let middle = chain.digest_keys[1].clone();
    m.objects.remove(&(BUCKET.to_string(), middle.clone()));
    let r = s.run(&m).await;
    assert_eq!(status_of(&r, &middle), Status::NotFound);
    let detail = r
        .digests
        .iter()
        .find(|f| f.key == middle)
        .unwrap()
        .detail
        .clone();
    assert!(detail.unwrap().contains(&chain.digest_keys[2]));
    assert_eq!(status_of(&r, &chain.digest_keys[0]), Status::Valid);
    assert!(r.has_invalid());
}

#[tokio::test]
async fn a_gap_is_reported_and_is_not_tampering() {
    let mut sp = spec(4, 1);
    sp.chain_starts = vec![2];
    sp.gap_hours = 5;
    let mut s = Setup::new(sp);
    s.end += Duration::hours(5);
    let chain = build(&s.spec);
    let r = s.run(&memory(&chain, true)).await;
    assert_eq!(
        statuses(&r, FileKind::Digest),
        vec![Status::Valid; 4],
        "{r:#?}"
    );
    assert_eq!(r.gaps.len(), 1);
    let gap = &r.gaps[0];
    assert_eq!(gap.from, t0() + Duration::hours(1));
    assert_eq!(gap.to, t0() + Duration::hours(6));
    assert!(!r.has_invalid() && !r.is_incomplete());
}

#[tokio::test]
async fn a_deleted_newest_digest_is_caught_only_with_an_anchor() {
    let mut s = Setup::new(spec(3, 1));
    let chain = build(&s.spec);
    let newest = chain.digest_keys.last().unwrap().clone();
    let anchor = Anchor {
        s3_bucket: BUCKET.into(),
        s3_object: newest.clone(),
        signature: chain.signatures[&newest].clone(),
    };
    let mut m = memory(&chain, true);
    m.objects.remove(&(BUCKET.to_string(), newest.clone()));
    // Like the AWS tool: without an anchor, the rest looks fine.
    let r = s.run(&m).await;
    assert!(!r.has_invalid(), "{r:#?}");
    s.anchor = Some(anchor.clone());
    let r = s.run(&m).await;
    assert_eq!(r.anchor.as_ref().unwrap().status, AnchorStatus::NotReached);
    assert!(r.has_invalid());
    // Intact: reached.
    let r = s.run(&memory(&chain, true)).await;
    assert_eq!(r.anchor.as_ref().unwrap().status, AnchorStatus::Reached);
    assert!(!r.has_invalid());
    // An anchor older than the start: the walk goes back to it.
    let mut older = Setup::new(spec(3, 1));
    older.start = t0() + Duration::hours(2);
    older.anchor = Some(Anchor {
        s3_bucket: BUCKET.into(),
        s3_object: chain.digest_keys[0].clone(),
        signature: chain.signatures[&chain.digest_keys[0]].clone(),
    });
    let r = older.run(&memory(&chain, true)).await;
    assert_eq!(
        r.anchor.as_ref().unwrap().status,
        AnchorStatus::Reached,
        "{r:#?}"
    );
    // A wrong recorded signature.
    s.anchor = Some(Anchor {
        signature: "00".repeat(256),
        ..anchor
    });
    let r = s.run(&memory(&chain, true)).await;
    assert_eq!(
        r.anchor.as_ref().unwrap().status,
        AnchorStatus::SignatureMismatch
    );
}

/// A key that was not CloudTrail's signing key when the digests were
/// delivered (a leaked retired key, say) does not vouch for them.
#[tokio::test]
async fn a_key_outside_its_validity_window_is_public_key_not_found() {
    let mut s = Setup::new(spec(2, 1));
    let mut k = PublicKeys::default();
    let at = |y: i32| chrono::Utc.with_ymd_and_hms(y, 1, 1, 0, 0, 0).unwrap();
    k.add_der_valid(
        PUB,
        None,
        Some(crate::verify::keys::Validity {
            start: at(2019),
            end: at(2020),
        }),
    )
    .unwrap();
    s.keys = k;
    let chain = build(&s.spec);
    let r = s.run(&memory(&chain, true)).await;
    assert_eq!(
        statuses(&r, FileKind::Digest),
        vec![Status::PublicKeyNotFound; 2]
    );
    let detail = r.digests[0].detail.clone().unwrap_or_default();
    assert!(detail.contains("was valid from 2019-01-01"), "{detail}");
    assert!(r.has_invalid());
}

#[tokio::test]
async fn a_wrong_key_is_public_key_not_found() {
    let mut s = Setup::new(spec(2, 1));
    s.keys = keys(WRONG_PUB);
    let chain = build(&s.spec);
    let r = s.run(&memory(&chain, true)).await;
    assert_eq!(
        statuses(&r, FileKind::Digest),
        vec![Status::PublicKeyNotFound; 2]
    );
    assert!(r.logs.is_empty());
    assert!(r.has_invalid());
}

#[tokio::test]
async fn unreadable_keys_and_files_make_it_incomplete_not_valid() {
    let mut s = Setup::new(spec(2, 1));
    let chain = build(&s.spec);
    let mut m = memory(&chain, true);
    m.denied.insert(chain.log_keys[0][0].clone());
    let r = s.run(&m).await;
    assert_eq!(status_of(&r, &chain.log_keys[0][0]), Status::Unreadable);
    assert!(r.is_incomplete() && !r.has_invalid());
    s.keys_error = Some(CollectionError {
        account_id: "123456789012".into(),
        region: Some("us-east-1".into()),
        service: "cloudtrail".into(),
        operation: "ListPublicKeys".into(),
        code: "AccessDenied".into(),
        message: "no".into(),
    });
    let r = s.run(&memory(&chain, true)).await;
    assert_eq!(statuses(&r, FileKind::Digest), vec![Status::Unreadable; 2]);
    assert!(r.is_incomplete() && !r.has_invalid());
}

#[tokio::test]
async fn a_local_copy_takes_signatures_from_the_chain() {
    let mut s = Setup::new(spec(3, 1));
    s.metadata = false;
    let chain = build(&s.spec);
    let m = memory(&chain, false);
    let r = s.run(&m).await;
    let newest = chain.digest_keys.last().unwrap();
    assert_eq!(status_of(&r, newest), Status::Unverifiable);
    assert_eq!(status_of(&r, &chain.log_keys[2][0]), Status::Unverifiable);
    assert_eq!(status_of(&r, &chain.digest_keys[0]), Status::Valid);
    assert_eq!(status_of(&r, &chain.log_keys[0][0]), Status::Valid);
    assert!(r.is_incomplete() && !r.has_invalid());
    // The anchor supplies the newest digest's signature.
    s.anchor = Some(Anchor {
        s3_bucket: BUCKET.into(),
        s3_object: newest.clone(),
        signature: chain.signatures[newest].clone(),
    });
    let r = s.run(&m).await;
    assert_eq!(statuses(&r, FileKind::Digest), vec![Status::Valid; 3]);
    assert!(!r.is_incomplete() && !r.has_invalid());
}

#[tokio::test]
async fn a_validly_signed_replacement_does_not_match_the_chain() {
    // Someone able to sign (here: with the test key) replaces a digest: its
    // signature verifies, but the newer digest's hash and signature of its
    // predecessor do not name it. The AWS tool does not check this.
    let s = Setup::new(spec(3, 1));
    let chain = build(&s.spec);
    let mut m = memory(&chain, true);
    let middle = chain.digest_keys[1].clone();
    let object = m
        .objects
        .get_mut(&(BUCKET.to_string(), middle.clone()))
        .unwrap();
    let mut doc: serde_json::Value =
        serde_json::from_slice(&digest::gunzip(&object.bytes, u64::MAX - 1).unwrap()).unwrap();
    doc["logFiles"] = serde_json::json!([]);
    let bytes = serde_json::to_vec(&doc).unwrap();
    object.signature = Some(fixture::sign_digest(&signing_key(), &bytes).unwrap());
    object.bytes = fixture::gzip(&bytes);
    let r = s.run(&m).await;
    assert_eq!(status_of(&r, &middle), Status::ChainMismatch, "{r:#?}");
    assert!(r.has_invalid());
}

#[tokio::test]
async fn a_file_name_time_that_is_not_the_end_time_is_a_mismatch() {
    let s = Setup::new(spec(1, 0));
    let chain = build(&s.spec);
    let key = chain.digest_keys[0].clone();
    let mut m = memory(&chain, true);
    let object = m
        .objects
        .get_mut(&(BUCKET.to_string(), key.clone()))
        .unwrap();
    let mut doc: serde_json::Value =
        serde_json::from_slice(&digest::gunzip(&object.bytes, u64::MAX - 1).unwrap()).unwrap();
    doc["digestEndTime"] = "2026-11-27T01:30:00Z".into();
    let bytes = serde_json::to_vec(&doc).unwrap();
    object.signature = Some(fixture::sign_digest(&signing_key(), &bytes).unwrap());
    object.bytes = fixture::gzip(&bytes);
    let r = s.run(&m).await;
    assert_eq!(status_of(&r, &key), Status::ChainMismatch);
}

#[tokio::test]
async fn digests_before_the_start_are_not_walked_and_no_digest_is_an_error() {
    let mut s = Setup::new(spec(5, 1));
    let chain = build(&s.spec);
    s.start = t0() + Duration::hours(3);
    let r = s.run(&memory(&chain, true)).await;
    // The newest two are in range; the walk processes the first digest that
    // starts before the start (like the AWS tool), then stops.
    assert_eq!(r.digests.len(), 2, "{r:#?}");
    s.start = t0() + Duration::hours(30);
    s.end = t0() + Duration::hours(40);
    let r = s.run(&memory(&chain, true)).await;
    assert!(r.error.is_some() && r.is_incomplete());
}

#[tokio::test]
async fn garbage_digests_are_invalid_format() {
    let s = Setup::new(spec(2, 1));
    let chain = build(&s.spec);
    let newest = chain.digest_keys.last().unwrap().clone();
    for garbage in [
        b"not gzip".to_vec(),
        fixture::gzip(b"{not json"),
        fixture::gzip(b"{}"),
        fixture::gzip(b"[1,2]"),
    ] {
        let mut m = memory(&chain, true);
        m.objects
            .get_mut(&(BUCKET.to_string(), newest.clone()))
            .unwrap()
            .bytes = garbage;
        let r = s.run(&m).await;
        assert_eq!(status_of(&r, &newest), Status::InvalidFormat);
        assert_eq!(status_of(&r, &chain.digest_keys[0]), Status::Valid);
    }
}

mod properties {
    use super::super::digest;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Arbitrary bytes, raw or gzip-wrapped, never panic the parser.
        #[test]
        fn the_digest_parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = digest::gunzip(&bytes, 1 << 20).map(|d| digest::parse(&d));
            let _ = digest::parse(&bytes);
            let _ = digest::parse(&super::fixture::gzip(&bytes));
            let _ = digest::log_sha256_hex(&bytes, 1 << 20);
        }

        /// Digest-shaped JSON with arbitrary values never panics either,
        /// and whatever parses gives a four-line signing string.
        #[test]
        fn digest_shaped_json_never_panics(
            values in proptest::collection::vec(
                prop_oneof![
                    Just(serde_json::Value::Null),
                    any::<i64>().prop_map(serde_json::Value::from),
                    "[a-zA-Z0-9:/_\\-.\n]{0,30}".prop_map(serde_json::Value::from),
                    Just(serde_json::json!("2026-11-27T13:01:31Z")),
                    Just(serde_json::json!([])),
                    Just(serde_json::json!([{"s3Bucket": "b", "s3Object": "k", "hashValue": "00"}])),
                ],
                11,
            ),
            drop in 0usize..12,
        ) {
            let fields = [
                "digestStartTime", "digestEndTime", "digestS3Bucket", "digestS3Object",
                "digestPublicKeyFingerprint", "digestSignatureAlgorithm", "previousDigestS3Bucket",
                "previousDigestS3Object", "previousDigestHashValue", "previousDigestSignature", "logFiles",
            ];
            let mut doc = serde_json::Map::new();
            for (i, (field, value)) in fields.iter().zip(values).enumerate() {
                if i != drop {
                    doc.insert(field.to_string(), value);
                }
            }
            let bytes = serde_json::to_vec(&doc).unwrap();
            if let Ok(d) = digest::parse(&bytes) {
                let s = digest::signing_string(&d, &bytes);
                prop_assert!(s.split('\n').count() >= 4);
            }
            let _ = digest::parse_digest_key(&String::from_utf8_lossy(&bytes));
        }
    }
}

#[tokio::test]
async fn a_listed_digest_outside_the_chain_is_a_mismatch() {
    // The newest digest, re-signed, skips the middle one.
    let s = Setup::new(spec(3, 1));
    let chain = build(&s.spec);
    let mut m = memory(&chain, true);
    let newest = chain.digest_keys[2].clone();
    let object = m.objects.get_mut(&(BUCKET.to_string(), newest)).unwrap();
    let mut doc: serde_json::Value =
        serde_json::from_slice(&digest::gunzip(&object.bytes, u64::MAX - 1).unwrap()).unwrap();
    doc["previousDigestS3Object"] = chain.digest_keys[0].clone().into();
    let bytes = serde_json::to_vec(&doc).unwrap();
    object.signature = Some(fixture::sign_digest(&signing_key(), &bytes).unwrap());
    object.bytes = fixture::gzip(&bytes);
    let r = s.run(&m).await;
    let skipped = r
        .digests
        .iter()
        .find(|f| f.key == chain.digest_keys[1])
        .expect("reported");
    assert_eq!(skipped.status, Status::ChainMismatch);
    assert!(skipped
        .detail
        .as_deref()
        .unwrap()
        .contains("not part of the chain"));
    assert!(r.has_invalid());
}
