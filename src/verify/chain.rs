//! The walk of one region's digest chain, as AWS specifies it, plus the
//! checks the AWS tool does not make (chain hashes and signatures, the file
//! name's time, an anchor), then the log files of every valid digest.

use super::digest::{self, parse_digest_key, Digest, MAX_DIGEST_BYTES};
use super::keys::{self, KeyMiss, PublicKeys};
use super::report::{
    Anchor, AnchorResult, AnchorStatus, FileKind, FileResult, Gap, RegionResult, Status,
};
use super::source::{FetchError, Source};
use crate::snapshot::CollectionError;
use chrono::{DateTime, Duration, Utc};
use futures::StreamExt as _;
use std::collections::BTreeSet;

/// Log files fetched and hashed at once, per region.
const LOG_CONCURRENCY: usize = 32;
/// Day folders listed at once, per region.
const LIST_CONCURRENCY: usize = 8;

/// What the walk of one region needs.
#[derive(Debug, Clone)]
pub struct RegionPlan<'a> {
    /// The bucket the digests are expected in.
    pub bucket: &'a str,
    /// Whether the bucket named inside each digest must equal the bucket it
    /// was found in. False only for a local copy whose bucket is unknown.
    pub check_bucket: bool,
    /// Whether a digest's signature must come with the object (S3
    /// metadata). False for a local copy: the next digest's
    /// `previousDigestSignature`, a `.sig` sidecar or the anchor supply it.
    pub signature_in_metadata: bool,
    /// `[prefix/]AWSLogs/[org-id/]<account>/`.
    pub base: &'a str,
    pub region: &'a str,
    pub account_id: &'a str,
    pub trail_name: &'a str,
    pub home_region: &'a str,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// The region's public keys, or why they could not be read.
    pub keys: Result<&'a PublicKeys, &'a CollectionError>,
    pub anchor: Option<&'a Anchor>,
    /// The most one log file may inflate to (`--max-log-mib`).
    pub max_log_bytes: u64,
}

/// A digest to visit: where, and what the newer digest said about it.
#[derive(Debug, Clone)]
struct Link {
    bucket: String,
    key: String,
    /// The time in the key's file name.
    time: Option<DateTime<Utc>>,
    /// The newer digest that points here (`None`: found by listing).
    referrer: Option<String>,
    expected_hash: Option<String>,
    expected_signature: Option<String>,
    /// A backfill digest, checked on its own.
    backfill: bool,
}

impl Link {
    /// A digest found by listing: nothing newer vouches for it.
    fn listed(bucket: &str, listed: Listed, backfill: bool) -> Link {
        Link {
            bucket: bucket.to_string(),
            key: listed.key,
            time: Some(listed.time),
            referrer: None,
            expected_hash: None,
            expected_signature: None,
            backfill,
        }
    }
}

/// A listed digest key and its time.
#[derive(Debug, Clone)]
struct Listed {
    key: String,
    time: DateTime<Utc>,
}

/// What checking one digest gave: its result and, when its content is
/// authentic (or could not be checked for want of a signature), the digest.
struct Checked {
    result: FileResult,
    digest: Option<Digest>,
    /// The signature the digest was verified with.
    signature: Option<String>,
}

/// Lists the region's digest keys whose file-name time is within
/// `[start, end + 1 h]` (the hour after: AWS's tool does the same, so logs
/// delivered at the end of the range are included), oldest first.
/// The regular digests (one chain) and the backfill digests, apart.
async fn list_digests<S: Source>(
    source: &S,
    plan: &RegionPlan<'_>,
) -> Result<(Vec<Listed>, Vec<Listed>), FetchError> {
    let until = plan.end + Duration::hours(1);
    let mut day = (plan.start - Duration::days(1)).date_naive();
    let last = (until + Duration::days(1)).date_naive();
    let mut prefixes = Vec::new();
    while day <= last {
        prefixes.push(format!(
            "{}CloudTrail-Digest/{}/{}/",
            plan.base,
            plan.region,
            day.format("%Y/%m/%d")
        ));
        let Some(next) = day.succ_opt() else { break };
        day = next;
    }
    // One listing per day folder, a few at once: a range of months is
    // hundreds of folders.
    let listings: Vec<Result<Vec<String>, FetchError>> = futures::stream::iter(&prefixes)
        .map(|prefix| source.list(plan.bucket, prefix))
        .buffered(LIST_CONCURRENCY)
        .collect()
        .await;
    let mut found = Vec::new();
    let mut backfill = Vec::new();
    for listing in listings {
        for key in listing? {
            let (name, list) = match parse_digest_key(&key) {
                Some(name) => (name, &mut found),
                None => match digest::parse_backfill_digest_key(&key) {
                    Some(name) => (name, &mut backfill),
                    None => continue,
                },
            };
            if name.account_id == plan.account_id
                && name.region == plan.region
                && name.trail_name == plan.trail_name
                && name.home_region == plan.home_region
                && name.time >= plan.start
                && name.time <= until
            {
                list.push(Listed {
                    key,
                    time: name.time,
                });
            }
        }
    }
    for list in [&mut found, &mut backfill] {
        list.sort_by(|a, b| (a.time, &a.key).cmp(&(b.time, &b.key)));
        list.dedup_by(|a, b| a.key == b.key);
    }
    Ok((found, backfill))
}

/// Checks one digest. Never panics on malformed input.
async fn check_digest<S: Source>(source: &S, plan: &RegionPlan<'_>, link: &Link) -> Checked {
    let location = source.display(&link.bucket, &link.key);
    let result = |status: Status, detail: Option<String>| {
        FileResult::new(
            FileKind::Digest,
            &link.bucket,
            &link.key,
            location.clone(),
            status,
            detail,
        )
    };
    let failed = |status, detail: String| Checked {
        result: result(status, Some(detail)),
        digest: None,
        signature: None,
    };
    let object = match source.get(&link.bucket, &link.key, MAX_DIGEST_BYTES).await {
        Ok(object) => object,
        Err(FetchError::TooLarge(limit)) => {
            return failed(
                Status::InvalidFormat,
                format!("larger than {limit} bytes: no CloudTrail digest is"),
            )
        }
        Err(FetchError::NotFound) => {
            let why = match &link.referrer {
                Some(newer) => format!("the newer digest {newer} refers to it: deleted?"),
                None => "listed, then gone".to_string(),
            };
            return failed(Status::NotFound, why);
        }
        Err(FetchError::Unreadable(e)) => {
            return failed(Status::Unreadable, format!("{}: {}", e.code, e.message))
        }
    };
    let decompressed = match digest::gunzip(&object.bytes, MAX_DIGEST_BYTES) {
        Ok(bytes) => bytes,
        Err(e) => return failed(Status::InvalidFormat, e.0),
    };
    let parsed = match digest::parse(&decompressed) {
        Ok(parsed) => parsed,
        Err(e) => return failed(Status::InvalidFormat, e.0),
    };
    if parsed.digest_s3_object != link.key
        || (plan.check_bucket && parsed.digest_s3_bucket != link.bucket)
    {
        return failed(
            Status::Moved,
            format!(
                "it says it was delivered to s3://{}/{}",
                parsed.digest_s3_bucket, parsed.digest_s3_object
            ),
        );
    }
    if let Some(algorithm) = object
        .signature_algorithm
        .as_deref()
        .or(parsed.digest_signature_algorithm.as_deref())
    {
        if algorithm != "SHA256withRSA" {
            return failed(
                Status::SignatureFailed,
                format!("unsupported signature algorithm {algorithm}"),
            );
        }
    }
    let public_keys = match plan.keys {
        Ok(keys) => keys,
        Err(e) => {
            return failed(
                Status::Unreadable,
                format!(
                    "the public keys could not be read: {}: {}",
                    e.code, e.message
                ),
            )
        }
    };
    // A backfill digest is signed when it is generated (S3 metadata
    // `backfill-generation-timestamp`, which S3 must carry as the AWS CLI
    // requires); a regular one when it is delivered.
    if link.backfill && plan.signature_in_metadata && object.backfill_generated_at.is_none() {
        return failed(
            Status::InvalidFormat,
            "a backfill digest without its backfill-generation-timestamp metadata".into(),
        );
    }
    let signed_at = match (link.backfill, object.backfill_generated_at.as_deref()) {
        (true, Some(stamp)) => chrono::DateTime::parse_from_rfc3339(stamp.trim())
            .ok()
            .map(|t| t.with_timezone(&Utc))
            .or(object.delivered_at),
        _ => object.delivered_at,
    };
    let public_key = match public_keys.for_digest(
        &parsed.digest_public_key_fingerprint,
        parsed.end,
        signed_at,
    ) {
        Ok(key) => key,
        Err(KeyMiss::Unknown) => {
            return failed(
                Status::PublicKeyNotFound,
                format!(
                    "no public key with fingerprint {} in region {}",
                    parsed.digest_public_key_fingerprint, plan.region
                ),
            )
        }
        Err(KeyMiss::NotValidThen(validity)) => {
            return failed(
                Status::PublicKeyNotFound,
                format!(
                "public key {} was valid from {} to {}, not when a digest ending {} was signed{}",
                parsed.digest_public_key_fingerprint,
                validity.start.to_rfc3339(),
                validity.end.to_rfc3339(),
                parsed.end.to_rfc3339(),
                object
                    .delivered_at
                    .map(|t| format!(" (delivered {})", t.to_rfc3339()))
                    .unwrap_or_default()
            ),
            )
        }
    };
    // The signature: with the object (S3 metadata, a .sig sidecar), else
    // what the newer digest recorded, else the anchor's.
    let anchor_signature = plan
        .anchor
        .filter(|a| a.s3_object == link.key)
        .map(|a| a.signature.clone());
    let (signature, how) = match (&object.signature, &link.expected_signature) {
        (Some(s), _) => (
            s.clone(),
            if plan.signature_in_metadata {
                "signature from S3 metadata"
            } else {
                "signature from the .sig sidecar"
            },
        ),
        (None, _) if plan.signature_in_metadata => {
            return failed(
                Status::SignatureFailed,
                "the object has no signature metadata".to_string(),
            )
        }
        (None, Some(s)) => (s.clone(), "signature from the newer digest"),
        (None, None) => match anchor_signature {
            Some(s) => (s, "signature from the anchor"),
            None => {
                return Checked {
                    result: result(
                        Status::Unverifiable,
                        Some(
                            "no signature: give --anchor, or save the digest's S3 `signature` metadata as <key>.sig"
                                .to_string(),
                        ),
                    ),
                    digest: Some(parsed),
                    signature: None,
                }
            }
        },
    };
    let Some(signature_bytes) = crate::hashing::unhex(&signature) else {
        return failed(
            Status::SignatureFailed,
            "the signature is not hex".to_string(),
        );
    };
    let message = digest::signing_string(&parsed, &decompressed);
    if !keys::verify(public_key, message.as_bytes(), &signature_bytes) {
        return failed(
            Status::SignatureFailed,
            format!(
                "{how} does not verify with key {}",
                parsed.digest_public_key_fingerprint
            ),
        );
    }
    // Authentic from here on; the rest is whether it fits the chain.
    let authentic = |status, detail: String| Checked {
        result: result(status, Some(detail)),
        digest: Some(parsed.clone()),
        signature: Some(signature.to_ascii_lowercase()),
    };
    let own_hash = crate::hashing::sha256_hex(&decompressed);
    if let (Some(expected), Some(newer)) = (&link.expected_hash, &link.referrer) {
        if !expected.eq_ignore_ascii_case(&own_hash) {
            return authentic(
                Status::ChainMismatch,
                format!(
                    "previousDigestHashValue of {newer} is {expected}, this digest's SHA-256 is {own_hash}"
                ),
            );
        }
    }
    if let (Some(expected), Some(newer)) = (&link.expected_signature, &link.referrer) {
        if !expected.eq_ignore_ascii_case(&signature) {
            return authentic(
                Status::ChainMismatch,
                format!("previousDigestSignature of {newer} is not this digest's signature"),
            );
        }
    }
    // A backfill digest's name carries a time of its own (not checked, as
    // the AWS CLI does not); a regular digest is named by its end.
    if !link.backfill && link.time != Some(parsed.end) {
        return authentic(
            Status::ChainMismatch,
            format!(
                "the file name's time is not digestEndTime {}",
                parsed.digest_end_time
            ),
        );
    }
    authentic(Status::Valid, how.to_string())
}

/// Verifies one log file listed in a valid digest.
async fn check_log<S: Source>(
    source: &S,
    entry: &digest::LogEntry,
    max_log_bytes: u64,
) -> FileResult {
    let result = |status, detail: Option<String>| {
        FileResult::new(
            FileKind::Log,
            &entry.s3_bucket,
            &entry.s3_object,
            source.display(&entry.s3_bucket, &entry.s3_object),
            status,
            detail,
        )
    };
    let hashed = match source
        .hash_log(&entry.s3_bucket, &entry.s3_object, max_log_bytes)
        .await
    {
        Ok(hashed) => hashed,
        Err(FetchError::NotFound) => return result(Status::NotFound, None),
        Err(FetchError::TooLarge(limit)) => {
            return result(
                Status::Unreadable,
                Some(format!("larger than {limit} bytes: not verified")),
            )
        }
        Err(FetchError::Unreadable(e)) => {
            return result(
                Status::Unreadable,
                Some(format!("{}: {}", e.code, e.message)),
            )
        }
    };
    match hashed {
        Ok(hash) if hash == entry.hash_value => result(Status::Valid, None),
        Ok(hash) => result(
            Status::HashMismatch,
            Some(format!("expected {}, found {hash}", entry.hash_value)),
        ),
        Err(digest::LogHashError::Format(e)) => result(Status::InvalidFormat, Some(e.0)),
        Err(digest::LogHashError::TooLarge(limit)) => result(
            Status::Unreadable,
            Some(format!(
                "inflates to more than {} MiB: not verified (raise --max-log-mib if it is a real log file)",
                limit / (1024 * 1024)
            )),
        ),
    }
}

/// The time in a digest key's file name, regular or backfill.
fn key_time(key: &str, backfill: bool) -> Option<DateTime<Utc>> {
    if backfill {
        digest::parse_backfill_digest_key(key).map(|k| k.time)
    } else {
        parse_digest_key(key).map(|k| k.time)
    }
}

/// What walking one chain gave.
#[derive(Default)]
struct Walk {
    digests: Vec<FileResult>,
    gaps: Vec<Gap>,
    anchor: Option<AnchorResult>,
    newest_valid: Option<Anchor>,
    /// Digests whose signature verified: their log files are checked.
    authentic: Vec<Digest>,
    /// Digests that could not be signature-checked (no signature at hand).
    unverified: Vec<Digest>,
}

/// Walks one chain the way the AWS CLI's `traverse_digests` does: from the
/// newest listed digest back through `previousDigestS3Object`, going on
/// from the listing where the chain starts anew or a digest is missing or
/// invalid, until a digest starts before the window. The regular digests
/// are one chain; the backfill digests another (`is_backfill=True` in the
/// CLI), so a deleted backfill digest is found by the newer one that names
/// it. The anchor belongs to the regular chain.
async fn walk_chain<S: Source>(
    source: &S,
    plan: &RegionPlan<'_>,
    mut pending: Vec<Listed>,
    backfill: bool,
) -> Walk {
    let mut walk = Walk::default();
    let listed_keys: Vec<Listed> = pending.clone();
    let anchor = plan.anchor.filter(|_| !backfill);
    let anchor_time = anchor
        .and_then(|a| parse_digest_key(&a.s3_object))
        .map(|k| k.time);
    walk.anchor = anchor.map(|a| AnchorResult {
        anchor: a.clone(),
        status: AnchorStatus::NotReached,
        detail: "the walk from the newest digest never reached it: newer digests were deleted, or the chain is broken before it".to_string(),
    });
    let mut visited: BTreeSet<String> = BTreeSet::new();
    let from_listing = |listed: Listed| Link::listed(plan.bucket, listed, backfill);
    let marked = |mut result: FileResult| {
        result.backfill = backfill;
        result
    };
    // The newest listed digest not yet visited that is older than `before`.
    fn older(
        pending: &mut Vec<Listed>,
        visited: &BTreeSet<String>,
        before: Option<DateTime<Utc>>,
    ) -> Option<Listed> {
        let index = pending
            .iter()
            .rposition(|l| !visited.contains(&l.key) && before.is_none_or(|b| l.time < b))?;
        Some(pending.remove(index))
    }
    let mut next = older(&mut pending, &visited, None).map(from_listing);
    while let Some(link) = next.take() {
        if !visited.insert(link.key.clone()) {
            // A chain that loops back on itself cannot be AWS's.
            walk.digests.push(marked(FileResult::new(
                FileKind::Digest,
                &link.bucket,
                &link.key,
                source.display(&link.bucket, &link.key),
                Status::ChainMismatch,
                Some("the chain loops back to this digest".into()),
            )));
            break;
        }
        let checked = check_digest(source, plan, &link).await;
        let is_anchor = anchor.is_some_and(|a| {
            a.s3_object == link.key && (!plan.check_bucket || a.s3_bucket == link.bucket)
        });
        if is_anchor {
            if let (Some(result), Some(anchor)) = (walk.anchor.as_mut(), anchor) {
                if checked
                    .signature
                    .as_deref()
                    .is_some_and(|s| s.eq_ignore_ascii_case(&anchor.signature))
                {
                    result.status = AnchorStatus::Reached;
                    result.detail = "reached through the chain, with the recorded signature".into();
                } else {
                    result.status = AnchorStatus::SignatureMismatch;
                    result.detail = format!(
                        "reached, but it is {} and not signed with the recorded signature",
                        checked.result.status.text()
                    );
                }
            }
        }
        let pending_anchor = |t: Option<DateTime<Utc>>| match (anchor_time, t) {
            (Some(a), Some(t)) => t > a,
            _ => false,
        };
        let link_time = link.time;
        walk.digests.push(marked(checked.result));
        match checked.digest {
            Some(d) => {
                let stop = d.start < plan.start && !pending_anchor(link_time);
                if walk.newest_valid.is_none() && !backfill {
                    if let Some(signature) = &checked.signature {
                        walk.newest_valid = Some(Anchor {
                            s3_bucket: link.bucket.clone(),
                            s3_object: link.key.clone(),
                            signature: signature.clone(),
                        });
                    }
                }
                let starts_chain = d.starts_chain();
                let (bucket, object) = (
                    d.previous_digest_s3_bucket.clone(),
                    d.previous_digest_s3_object.clone(),
                );
                let (hash, signature, start) = (
                    d.previous_digest_hash_value.clone(),
                    d.previous_digest_signature.clone(),
                    d.start,
                );
                if checked.signature.is_some() {
                    walk.authentic.push(d);
                } else {
                    walk.unverified.push(d);
                }
                if stop {
                    break;
                }
                if starts_chain {
                    next = older(&mut pending, &visited, link_time).map(|o| {
                        walk.gaps.push(Gap {
                            from: o.time,
                            to: start,
                            older_digest: o.key.clone(),
                            newer_digest: link.key.clone(),
                            backfill,
                        });
                        from_listing(o)
                    });
                } else if let (Some(bucket), Some(object)) = (bucket, object) {
                    next = Some(Link {
                        time: key_time(&object, backfill),
                        bucket,
                        key: object,
                        referrer: Some(link.key.clone()),
                        expected_hash: hash,
                        expected_signature: signature,
                        backfill,
                    });
                }
            }
            None => {
                // Its pointers cannot be trusted: go on from the listing.
                if link_time.is_some_and(|t| t < plan.start) && !pending_anchor(link_time) {
                    break;
                }
                next = older(&mut pending, &visited, link_time).map(from_listing);
            }
        }
    }
    // A listed digest between visited ones that no newer digest refers to.
    let times = || {
        walk.digests
            .iter()
            .filter_map(|f| key_time(&f.key, backfill))
    };
    if let (Some(oldest), Some(newest)) = (times().min(), times().max()) {
        for l in &listed_keys {
            if !visited.contains(&l.key) && l.time > oldest && l.time < newest {
                walk.digests.push(marked(FileResult::new(
                    FileKind::Digest,
                    plan.bucket,
                    &l.key,
                    source.display(plan.bucket, &l.key),
                    Status::ChainMismatch,
                    Some("no newer digest refers to it: it is not part of the chain".into()),
                )));
            }
        }
    }
    walk
}

/// Walks and verifies one region: the regular digest chain and the backfill
/// digest chain, each from its newest digest in range back, then every log
/// file of every authentic digest.
pub async fn verify_region<S: Source>(source: &S, plan: &RegionPlan<'_>) -> RegionResult {
    let mut region = RegionResult {
        region: plan.region.to_string(),
        ..RegionResult::default()
    };
    let (regular, backfill) = match list_digests(source, plan).await {
        Ok(listed) => listed,
        Err(FetchError::Unreadable(e)) => {
            region.error = Some(format!(
                "the digests could not be listed: {}: {}",
                e.code, e.message
            ));
            return region;
        }
        Err(FetchError::TooLarge(limit)) => {
            region.error = Some(format!("a digest listing over {limit} bytes"));
            return region;
        }
        Err(FetchError::NotFound) => (Vec::new(), Vec::new()),
    };
    if regular.is_empty() {
        region.listed_nothing = true;
        region.error = Some(format!(
            "no digest file between {} and {} (is log file validation on, and is this the right bucket, prefix and account?)",
            plan.start.to_rfc3339(),
            (plan.end + Duration::hours(1)).to_rfc3339()
        ));
    }
    let regular = walk_chain(source, plan, regular, false).await;
    let backfill = walk_chain(source, plan, backfill, true).await;
    region.anchor = regular.anchor;
    region.newest_valid = regular.newest_valid;
    let mut authentic = regular.authentic;
    let mut unverified = regular.unverified;
    region.digests = regular.digests;
    region.gaps = regular.gaps;
    region.digests.extend(backfill.digests);
    region.gaps.extend(backfill.gaps);
    authentic.extend(backfill.authentic);
    unverified.extend(backfill.unverified);

    // Logs: every file of every authentic digest, concurrently.
    let mut seen = BTreeSet::new();
    let entries: Vec<&digest::LogEntry> = authentic
        .iter()
        .flat_map(|d| &d.log_files)
        .filter(|e| seen.insert((e.s3_bucket.clone(), e.s3_object.clone())))
        .collect();
    let mut logs: Vec<FileResult> = futures::stream::iter(entries)
        .map(|entry| check_log(source, entry, plan.max_log_bytes))
        .buffer_unordered(LOG_CONCURRENCY)
        .collect()
        .await;
    for d in &unverified {
        for e in &d.log_files {
            if seen.insert((e.s3_bucket.clone(), e.s3_object.clone())) {
                logs.push(FileResult::new(
                    FileKind::Log,
                    &e.s3_bucket,
                    &e.s3_object,
                    source.display(&e.s3_bucket, &e.s3_object),
                    Status::Unverifiable,
                    Some(format!(
                        "listed only in the unverifiable digest {}",
                        d.digest_s3_object
                    )),
                ));
            }
        }
    }
    logs.sort_by(|a, b| a.key.cmp(&b.key));
    region.logs = logs;
    region
}
