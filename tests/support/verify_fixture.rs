//! Signed digest chains in CloudTrail's exact layout, made with a test key:
//! for the tests (moto signs nothing and has no ListPublicKeys) and the
//! benchmark. Not used by the commands.

// Shared by the unit tests, the integration tests and the benchmark
// example: each uses part of it.
#![allow(dead_code)]

use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use flate2::write::GzEncoder;
use flate2::Compression;
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use sha2::{Digest as _, Sha256};
use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;
use trailwarden::verify::digest::{self, DigestKey};

/// What chain to build.
#[derive(Debug, Clone)]
pub struct ChainSpec {
    pub bucket: String,
    /// Key prefix of the trail (without the trailing `/`).
    pub prefix: Option<String>,
    /// Organization id, for an organization trail's layout.
    pub org_id: Option<String>,
    pub account_id: String,
    pub region: String,
    pub trail_name: String,
    pub home_region: String,
    /// End time of the first digest; each next one is an hour later.
    pub first_end: DateTime<Utc>,
    pub digests: usize,
    pub logs_per_digest: usize,
    /// Uncompressed size of each log file (JSON padding), at least ~100.
    pub log_bytes: usize,
    /// Indexes of digests that start a new chain (null previous fields), as
    /// after logging was off; each such start is `gap_hours` later.
    pub chain_starts: Vec<usize>,
    pub gap_hours: i64,
    /// Backfill digests (`…_backfill.json.gz`) and their own log files.
    pub backfill: bool,
}

impl ChainSpec {
    /// A one-region chain of `digests` hourly digests with `logs` logs each.
    pub fn new(bucket: &str, first_end: DateTime<Utc>, digests: usize, logs: usize) -> Self {
        ChainSpec {
            bucket: bucket.to_string(),
            prefix: None,
            org_id: None,
            account_id: "123456789012".to_string(),
            region: "us-east-1".to_string(),
            trail_name: "main".to_string(),
            home_region: "us-east-1".to_string(),
            first_end,
            digests,
            logs_per_digest: logs,
            log_bytes: 200,
            chain_starts: Vec::new(),
            gap_hours: 0,
            backfill: false,
        }
    }

    /// `[prefix/]AWSLogs/[org-id/]<account>/`.
    pub fn base(&self) -> String {
        let mut base = String::new();
        if let Some(p) = &self.prefix {
            base.push_str(p);
            base.push('/');
        }
        base.push_str("AWSLogs/");
        if let Some(o) = &self.org_id {
            base.push_str(o);
            base.push('/');
        }
        base.push_str(&self.account_id);
        base.push('/');
        base
    }
}

/// A built chain: every object, and each digest's signature (its S3 metadata).
#[derive(Debug, Clone, Default)]
pub struct Chain {
    /// Key → stored (gzip) bytes.
    pub objects: BTreeMap<String, Vec<u8>>,
    /// Digest key → hex signature.
    pub signatures: BTreeMap<String, String>,
    /// Digest keys, oldest first.
    pub digest_keys: Vec<String>,
    /// Log keys per digest, in the digest's order.
    pub log_keys: Vec<Vec<String>>,
}

/// Gzip, one member.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::fast());
    let _ = e.write_all(bytes);
    e.finish().unwrap_or_default()
}

/// The hex signature CloudTrail would put on this (decompressed) digest.
pub fn sign_digest(key: &RsaPrivateKey, decompressed: &[u8]) -> Result<String, String> {
    let parsed = digest::parse(decompressed).map_err(|e| e.0)?;
    let message = digest::signing_string(&parsed, decompressed);
    let signature = key
        .sign(
            Pkcs1v15Sign::new::<Sha256>(),
            &Sha256::digest(message.as_bytes()),
        )
        .map_err(|e| e.to_string())?;
    Ok(trailwarden::hashing::hex(&signature))
}

/// What `aws cloudtrail list-public-keys` prints for these DER keys.
pub fn list_public_keys_json(keys: &[&[u8]]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD;
    let list: Vec<serde_json::Value> = keys
        .iter()
        .map(|der| {
            serde_json::json!({
                "Value": b64.encode(der),
                "ValidityStartTime": "2020-01-01T00:00:00Z",
                "ValidityEndTime": "2099-01-01T00:00:00Z",
                "Fingerprint": trailwarden::verify::keys::fingerprint(der),
            })
        })
        .collect();
    serde_json::json!({ "PublicKeyList": list }).to_string()
}

fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Builds the chain, signing each digest with `key` (whose public half has
/// DER bytes `public_der`, for the fingerprint).
pub fn build(spec: &ChainSpec, key: &RsaPrivateKey, public_der: &[u8]) -> Result<Chain, String> {
    let base = spec.base();
    let fingerprint = trailwarden::verify::keys::fingerprint(public_der);
    let mut chain = Chain::default();
    let mut previous: Option<(String, String, String)> = None; // key, hash, signature
    let mut offset = 0;
    for i in 0..spec.digests {
        if i > 0 && spec.chain_starts.contains(&i) {
            offset += spec.gap_hours;
        }
        let end = spec.first_end + Duration::hours(i as i64 + offset);
        let start = end - Duration::hours(1);
        let mut log_files = Vec::new();
        let mut keys = Vec::new();
        for j in 0..spec.logs_per_digest {
            let log_time =
                start + Duration::seconds((j as i64 * 3600) / spec.logs_per_digest.max(1) as i64);
            let log_key = format!(
                "{base}CloudTrail/{region}/{day}/{account}_CloudTrail_{region}_{stamp}_{i:04}x{j:05}{late}.json.gz",
                late = if spec.backfill { "b" } else { "" },
                region = spec.region,
                day = log_time.format("%Y/%m/%d"),
                account = spec.account_id,
                stamp = log_time.format("%Y%m%dT%H%MZ"),
            );
            let mut record = serde_json::json!({"Records": [{
                "eventVersion": "1.09",
                "eventTime": time(log_time),
                "eventSource": "s3.amazonaws.com",
                "eventName": "GetObject",
                "awsRegion": spec.region,
                "recipientAccountId": spec.account_id,
            }]})
            .to_string();
            while record.len() < spec.log_bytes {
                record.push(' ');
            }
            let hash = trailwarden::hashing::sha256_hex(record.as_bytes());
            chain
                .objects
                .insert(log_key.clone(), gzip(record.as_bytes()));
            log_files.push(serde_json::json!({
                "s3Bucket": spec.bucket,
                "s3Object": log_key,
                "hashValue": hash,
                "hashAlgorithm": "SHA-256",
                "newestEventTime": time(log_time),
                "oldestEventTime": time(log_time),
            }));
            keys.push(log_key);
        }
        let mut digest_key = digest::digest_key(
            &base,
            &DigestKey {
                account_id: spec.account_id.clone(),
                region: spec.region.clone(),
                trail_name: spec.trail_name.clone(),
                home_region: spec.home_region.clone(),
                time: end,
            },
        );
        if spec.backfill {
            digest_key = digest_key.replace(".json.gz", "_backfill.json.gz");
        }
        let link = if spec.chain_starts.contains(&i) {
            None
        } else {
            previous.clone()
        };
        let doc = serde_json::json!({
            "awsAccountId": spec.account_id,
            "digestStartTime": time(start),
            "digestEndTime": time(end),
            "digestS3Bucket": spec.bucket,
            "digestS3Object": digest_key,
            "digestPublicKeyFingerprint": fingerprint,
            "digestSignatureAlgorithm": "SHA256withRSA",
            "newestEventTime": time(end),
            "oldestEventTime": time(start),
            "previousDigestS3Bucket": link.as_ref().map(|_| spec.bucket.clone()),
            "previousDigestS3Object": link.as_ref().map(|l| l.0.clone()),
            "previousDigestHashValue": link.as_ref().map(|l| l.1.clone()),
            "previousDigestHashAlgorithm": link.as_ref().map(|_| "SHA-256"),
            "previousDigestSignature": link.as_ref().map(|l| l.2.clone()),
            "logFiles": log_files,
        });
        let bytes = serde_json::to_vec(&doc).map_err(|e| e.to_string())?;
        let signature = sign_digest(key, &bytes)?;
        previous = Some((
            digest_key.clone(),
            trailwarden::hashing::sha256_hex(&bytes),
            signature.clone(),
        ));
        chain.objects.insert(digest_key.clone(), gzip(&bytes));
        chain.signatures.insert(digest_key.clone(), signature);
        chain.digest_keys.push(digest_key);
        chain.log_keys.push(keys);
    }
    Ok(chain)
}

/// Which digests get a `<key>.sig` sidecar in a local copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sidecars {
    None,
    Newest,
    All,
}

impl Chain {
    /// Writes the objects under `dir` like the bucket, with sidecars.
    pub fn write_dir(&self, dir: &Path, sidecars: Sidecars) -> std::io::Result<()> {
        for (key, bytes) in &self.objects {
            let path = dir.join(key);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, bytes)?;
        }
        let newest = self.digest_keys.last();
        for (key, signature) in &self.signatures {
            let write = match sidecars {
                Sidecars::None => false,
                Sidecars::Newest => Some(key) == newest,
                Sidecars::All => true,
            };
            if write && self.objects.contains_key(key) {
                std::fs::write(dir.join(format!("{key}.sig")), signature)?;
            }
        }
        Ok(())
    }

    /// Appends another chain's objects (another region, say).
    pub fn merge(&mut self, other: Chain) {
        self.objects.extend(other.objects);
        self.signatures.extend(other.signatures);
        self.digest_keys.extend(other.digest_keys);
        self.log_keys.extend(other.log_keys);
    }
}
