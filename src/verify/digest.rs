//! CloudTrail digest files: strict gzip, the JSON fields the verification
//! needs, the string AWS signs, and the digest key naming scheme.
//!
//! Everything here is pure: bytes in, values or a [`FormatError`] out. A
//! malformed digest is never a panic, it is `INVALID: invalid format`.

use crate::hashing::{hex, sha256_hex};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use std::io::Read;

/// Largest decompressed digest accepted. Real digests list at most a few
/// thousand log files (well under 2 MiB); this bounds a gzip bomb.
pub const MAX_DIGEST_BYTES: u64 = 64 * 1024 * 1024;

/// The default cap on what one log file may inflate to (`--max-log-mib`):
/// CloudTrail's log files are a few megabytes; a file that inflates beyond
/// this (a gzip bomb, or a cap set too low) is an error, never hashed
/// without end.
pub const DEFAULT_MAX_LOG_BYTES: u64 = 1024 * 1024 * 1024;

/// Why a log file's hash could not be computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogHashError {
    /// Not one valid gzip member: the file is invalid.
    Format(FormatError),
    /// It inflates beyond the cap: not judged, an error.
    TooLarge(u64),
}

/// Why a file is `INVALID: invalid format`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FormatError(pub String);

fn bad(message: impl Into<String>) -> FormatError {
    FormatError(message.into())
}

/// Decompresses exactly one gzip member and checks that nothing follows it.
///
/// CloudTrail writes each digest and log file as a single gzip member.
/// Anything after the first member's trailer, including a second member
/// (a concatenated gzip file), is "extra data after the gzip stream" and
/// makes the file invalid: a reader that stopped at the first member (or one
/// that read them all) would otherwise see different content than was
/// hashed. The CRC-32 and length in the trailer are checked by flate2.
pub fn gunzip(compressed: &[u8], limit: u64) -> Result<Vec<u8>, FormatError> {
    let mut out = Vec::new();
    let rest = gunzip_into(compressed, limit, &mut out)?;
    if rest != 0 {
        return Err(bad(format!(
            "{rest} byte(s) of extra data after the gzip stream"
        )));
    }
    Ok(out)
}

/// Streams the decompressed bytes of one gzip member into `sink` (at most
/// `limit` bytes) and returns how many input bytes follow the member.
pub fn gunzip_into(
    compressed: &[u8],
    limit: u64,
    sink: &mut impl std::io::Write,
) -> Result<usize, FormatError> {
    // bufread::GzDecoder consumes only the member from the slice, so what is
    // left in it afterwards is exactly the trailing data.
    let mut decoder = flate2::bufread::GzDecoder::new(compressed);
    let mut limited = (&mut decoder).take(limit.saturating_add(1));
    let written = std::io::copy(&mut limited, sink)
        .map_err(|e| bad(format!("not a valid gzip stream: {e}")))?;
    if written > limit {
        return Err(bad(format!("decompresses to more than {limit} bytes")));
    }
    Ok(decoder.into_inner().len())
}

/// The SHA-256 of a log file's decompressed content, fed the compressed
/// bytes a chunk at a time as they arrive (from S3 or the disk), so neither
/// the compressed nor the decompressed file is ever held whole. The same
/// rules as [`gunzip`]: one gzip member, CRC-32 and length checked, nothing
/// after it; beyond `limit` decompressed bytes, [`LogHashError::TooLarge`].
pub struct LogHasher {
    decoder: flate2::write::GzDecoder<LimitedHash>,
    /// Set once the input is known bad: later chunks are ignored.
    failed: Option<LogHashError>,
}

/// A SHA-256 that refuses more than `limit` bytes.
struct LimitedHash {
    hash: Sha256,
    written: u64,
    limit: u64,
}

impl std::io::Write for LimitedHash {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.written = self.written.saturating_add(buf.len() as u64);
        if self.written > self.limit {
            return Err(std::io::Error::other("over the cap"));
        }
        self.hash.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogHasher {
    pub fn new(limit: u64) -> LogHasher {
        LogHasher {
            decoder: flate2::write::GzDecoder::new(LimitedHash {
                hash: Sha256::new(),
                written: 0,
                limit,
            }),
            failed: None,
        }
    }

    fn error_of(&self, e: &std::io::Error) -> LogHashError {
        let sink = self.decoder.get_ref();
        if sink.written > sink.limit {
            LogHashError::TooLarge(sink.limit)
        } else {
            LogHashError::Format(bad(format!("not a valid gzip stream: {e}")))
        }
    }

    /// Feeds the next compressed bytes.
    pub fn update(&mut self, mut chunk: &[u8]) {
        use std::io::Write as _;
        while self.failed.is_none() && !chunk.is_empty() {
            match self.decoder.write(chunk) {
                // The member ended and its trailer is read: what is left
                // follows the gzip stream.
                Ok(0) => {
                    self.failed = Some(LogHashError::Format(bad(format!(
                        "{} byte(s) of extra data after the gzip stream",
                        chunk.len()
                    ))))
                }
                Ok(n) => chunk = &chunk[n..],
                Err(e) => self.failed = Some(self.error_of(&e)),
            }
        }
    }

    /// The lowercase hex SHA-256 of everything decompressed.
    pub fn finish(mut self) -> Result<String, LogHashError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        if let Err(e) = self.decoder.try_finish() {
            return Err(self.error_of(&e));
        }
        let sink = self
            .decoder
            .finish()
            .map_err(|e| LogHashError::Format(bad(format!("not a valid gzip stream: {e}"))))?;
        Ok(hex(&sink.hash.finalize()))
    }
}

/// [`LogHasher`] over bytes already in memory.
pub fn log_sha256_hex(compressed: &[u8], limit: u64) -> Result<String, LogHashError> {
    let mut hasher = LogHasher::new(limit);
    hasher.update(compressed);
    hasher.finish()
}

/// One log file a digest lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    pub s3_bucket: String,
    pub s3_object: String,
    /// Lowercase hex SHA-256 of the decompressed log file.
    pub hash_value: String,
}

/// The fields of a digest file that verification reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    /// As written in the file: it is part of the signed string verbatim.
    pub digest_start_time: String,
    pub digest_end_time: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub digest_s3_bucket: String,
    pub digest_s3_object: String,
    pub digest_public_key_fingerprint: String,
    /// `SHA256withRSA` when present.
    pub digest_signature_algorithm: Option<String>,
    pub previous_digest_s3_bucket: Option<String>,
    pub previous_digest_s3_object: Option<String>,
    pub previous_digest_hash_value: Option<String>,
    pub previous_digest_signature: Option<String>,
    pub log_files: Vec<LogEntry>,
}

impl Digest {
    /// Whether this digest starts a new chain (its previous fields are null):
    /// the first digest of a trail, or the first after logging or log file
    /// validation was off.
    pub fn starts_chain(&self) -> bool {
        self.previous_digest_s3_bucket.is_none() || self.previous_digest_s3_object.is_none()
    }
}

fn required_str(doc: &Value, field: &str) -> Result<String, FormatError> {
    match doc.get(field) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(bad(format!("{field} is not a string"))),
        None => Err(bad(format!("{field} is missing"))),
    }
}

/// A field that must be present but may be null (`previousDigestSignature`:
/// AWS's tool requires it, and it is part of the signed string).
fn present_nullable_str(doc: &Value, field: &str) -> Result<Option<String>, FormatError> {
    match doc.get(field) {
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Null) => Ok(None),
        Some(_) => Err(bad(format!("{field} is not a string or null"))),
        None => Err(bad(format!("{field} is missing"))),
    }
}

fn optional_str(doc: &Value, field: &str) -> Result<Option<String>, FormatError> {
    match doc.get(field) {
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Null) | None => Ok(None),
        Some(_) => Err(bad(format!("{field} is not a string or null"))),
    }
}

/// An ISO 8601 UTC time as CloudTrail writes it (`2026-11-27T13:01:31Z`).
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Parses decompressed digest bytes. Any missing or mistyped field the
/// verification needs is a [`FormatError`].
pub fn parse(decompressed: &[u8]) -> Result<Digest, FormatError> {
    let doc: Value =
        serde_json::from_slice(decompressed).map_err(|e| bad(format!("not JSON: {e}")))?;
    if !doc.is_object() {
        return Err(bad("not a JSON object"));
    }
    let digest_start_time = required_str(&doc, "digestStartTime")?;
    let digest_end_time = required_str(&doc, "digestEndTime")?;
    let start = parse_time(&digest_start_time).ok_or_else(|| {
        bad(format!(
            "digestStartTime '{digest_start_time}' is not a time"
        ))
    })?;
    let end = parse_time(&digest_end_time)
        .ok_or_else(|| bad(format!("digestEndTime '{digest_end_time}' is not a time")))?;
    let log_files = match doc.get("logFiles") {
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let field = |name: &str| {
                    required_str(item, name).map_err(|e| bad(format!("logFiles[{i}]: {e}")))
                };
                Ok(LogEntry {
                    s3_bucket: field("s3Bucket")?,
                    s3_object: field("s3Object")?,
                    hash_value: field("hashValue")?.to_ascii_lowercase(),
                })
            })
            .collect::<Result<Vec<_>, FormatError>>()?,
        Some(_) => return Err(bad("logFiles is not an array")),
        None => return Err(bad("logFiles is missing")),
    };
    Ok(Digest {
        digest_start_time,
        digest_end_time,
        start,
        end,
        digest_s3_bucket: required_str(&doc, "digestS3Bucket")?,
        digest_s3_object: required_str(&doc, "digestS3Object")?,
        digest_public_key_fingerprint: required_str(&doc, "digestPublicKeyFingerprint")?
            .to_ascii_lowercase(),
        digest_signature_algorithm: optional_str(&doc, "digestSignatureAlgorithm")?,
        previous_digest_s3_bucket: optional_str(&doc, "previousDigestS3Bucket")?,
        previous_digest_s3_object: optional_str(&doc, "previousDigestS3Object")?,
        previous_digest_hash_value: optional_str(&doc, "previousDigestHashValue")?
            .map(|h| h.to_ascii_lowercase()),
        previous_digest_signature: present_nullable_str(&doc, "previousDigestSignature")?,
        log_files,
    })
}

/// The string CloudTrail signs, UTF-8, `\n`-separated, no trailing newline:
/// end time, `bucket/object`, hex SHA-256 of the decompressed digest bytes
/// exactly as stored, and the previous signature (`null` when there is none,
/// to match CloudTrail's Java implementation).
pub fn signing_string(digest: &Digest, decompressed: &[u8]) -> String {
    format!(
        "{}\n{}/{}\n{}\n{}",
        digest.digest_end_time,
        digest.digest_s3_bucket,
        digest.digest_s3_object,
        sha256_hex(decompressed),
        digest
            .previous_digest_signature
            .as_deref()
            .unwrap_or("null")
    )
}

/// What a digest key's file name says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestKey {
    pub account_id: String,
    pub region: String,
    pub trail_name: String,
    pub home_region: String,
    /// The `YYYYMMDDTHHMMSSZ` timestamp: the digest's end time.
    pub time: DateTime<Utc>,
}

/// Parses the file name of a digest key:
/// `<account>_CloudTrail-Digest_<region>_<trail>_<home-region>_<YYYYMMDDTHHMMSSZ>.json.gz`.
/// Trail names may contain `_`, so the name is taken from both ends.
pub fn parse_digest_key(key: &str) -> Option<DigestKey> {
    let file = key.rsplit('/').next()?;
    let stem = file.strip_suffix(".json.gz")?;
    let (account_id, rest) = stem.split_once("_CloudTrail-Digest_")?;
    let (region, rest) = rest.split_once('_')?;
    let (rest, stamp) = rest.rsplit_once('_')?;
    let (trail_name, home_region) = rest.rsplit_once('_')?;
    if !crate::names::AccountId::is_valid(account_id) {
        return None;
    }
    if trail_name.is_empty() || region.is_empty() || home_region.is_empty() {
        return None;
    }
    let time = NaiveDateTime::parse_from_str(stamp, "%Y%m%dT%H%M%SZ")
        .ok()?
        .and_utc();
    Some(DigestKey {
        account_id: account_id.to_string(),
        region: region.to_string(),
        trail_name: trail_name.to_string(),
        home_region: home_region.to_string(),
        time,
    })
}

/// A backfill digest's key: CloudTrail delivers `…_<end>_backfill.json.gz`
/// for log files a regular digest missed (processing delays; CloudTrail user
/// guide, "CloudTrail digest file structure"). Named like a regular digest
/// with the `_backfill` suffix; its time is the one before the suffix.
pub fn parse_backfill_digest_key(key: &str) -> Option<DigestKey> {
    let stem = key.strip_suffix("_backfill.json.gz")?;
    parse_digest_key(&format!("{stem}.json.gz"))
}

/// The key CloudTrail gives a digest: `<base>CloudTrail-Digest/<region>/YYYY/MM/DD/<file>`,
/// `base` being `[prefix/]AWSLogs/[org-id/]<account>/`.
pub fn digest_key(base: &str, key: &DigestKey) -> String {
    format!(
        "{base}CloudTrail-Digest/{region}/{day}/{account}_CloudTrail-Digest_{region}_{trail}_{home}_{stamp}.json.gz",
        region = key.region,
        day = key.time.format("%Y/%m/%d"),
        account = key.account_id,
        trail = key.trail_name,
        home = key.home_region,
        stamp = key.time.format("%Y%m%dT%H%M%SZ"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;
    use std::io::Write;

    fn gz(bytes: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::default());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    fn sample() -> serde_json::Value {
        serde_json::json!({
            "awsAccountId": "111122223333",
            "digestStartTime": "2026-11-27T12:01:31Z",
            "digestEndTime": "2026-11-27T13:01:31Z",
            "digestS3Bucket": "b",
            "digestS3Object": "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/27/111122223333_CloudTrail-Digest_us-east-1_main_us-east-1_20261127T130131Z.json.gz",
            "digestPublicKeyFingerprint": "ABCDEF",
            "digestSignatureAlgorithm": "SHA256withRSA",
            "previousDigestS3Bucket": null,
            "previousDigestS3Object": null,
            "previousDigestHashValue": null,
            "previousDigestHashAlgorithm": null,
            "previousDigestSignature": null,
            "logFiles": [{"s3Bucket": "b", "s3Object": "k", "hashValue": "AA", "hashAlgorithm": "SHA-256"}]
        })
    }

    #[test]
    fn gunzip_rejects_trailing_data_and_second_members() {
        let one = gz(b"hello");
        assert_eq!(gunzip(&one, 100).unwrap(), b"hello");
        let mut trailing = one.clone();
        trailing.push(0);
        assert!(gunzip(&trailing, 100).unwrap_err().0.contains("extra data"));
        let mut two = one.clone();
        two.extend(gz(b"world"));
        assert!(gunzip(&two, 100).is_err());
        assert!(matches!(
            log_sha256_hex(&two, 100),
            Err(LogHashError::Format(_))
        ));
        assert!(gunzip(&one[..one.len() - 3], 100).is_err(), "truncated");
        assert!(gunzip(b"not gzip", 100).is_err());
        assert!(gunzip(&gz(&[0; 1000]), 999)
            .unwrap_err()
            .0
            .contains("more than"));
        let mut corrupt = one.clone();
        let n = corrupt.len();
        corrupt[n - 5] ^= 1; // CRC-32
        assert!(gunzip(&corrupt, 100).is_err(), "CRC checked");
    }

    /// Issue 14, item 6: fed a byte at a time or all at once, the streaming
    /// hash gives the same answer, and the same refusals, as one gunzip.
    #[test]
    fn the_streaming_hash_agrees_however_the_bytes_arrive() {
        let body: Vec<u8> = (0..20_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let one = gz(&body);
        let mut trailing = one.clone();
        trailing.extend(b"xyz");
        let mut two = one.clone();
        two.extend(gz(b"second"));
        let mut corrupt = one.clone();
        let n = corrupt.len();
        corrupt[n - 5] ^= 1;
        for chunk in [1, 7, 4096, usize::MAX] {
            let hashed = |bytes: &[u8], limit: u64| {
                let mut h = LogHasher::new(limit);
                for piece in bytes.chunks(chunk.min(bytes.len().max(1))) {
                    h.update(piece);
                }
                h.finish()
            };
            assert_eq!(hashed(&one, 1 << 20).unwrap(), sha256_hex(&body));
            for bad_input in [
                &trailing,
                &two,
                &corrupt,
                &one[..n - 3].to_vec(),
                &Vec::new(),
            ] {
                assert!(
                    matches!(hashed(bad_input, 1 << 20), Err(LogHashError::Format(_))),
                    "chunk {chunk}"
                );
            }
            assert_eq!(
                hashed(&one, body.len() as u64 - 1),
                Err(LogHashError::TooLarge(body.len() as u64 - 1))
            );
            assert!(hashed(&one, body.len() as u64).is_ok());
        }
    }

    #[test]
    fn log_hash_is_of_the_decompressed_bytes() {
        assert_eq!(log_sha256_hex(&gz(b"abc"), 3).unwrap(), sha256_hex(b"abc"));
        // Issue 14, item 6: beyond the cap, an error of its own (not a
        // hash mismatch, not an invalid file).
        assert_eq!(
            log_sha256_hex(&gz(&[0; 1000]), 999),
            Err(LogHashError::TooLarge(999))
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn parses_and_builds_the_signing_string() {
        let bytes = serde_json::to_vec(&sample()).unwrap();
        let d = parse(&bytes).unwrap();
        assert!(d.starts_chain());
        assert_eq!(d.digest_public_key_fingerprint, "abcdef");
        assert_eq!(d.log_files[0].hash_value, "aa");
        let s = signing_string(&d, &bytes);
        let lines: Vec<&str> = s.split('\n').collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0], "2026-11-27T13:01:31Z");
        assert!(lines[1].starts_with("b/AWSLogs/"));
        assert_eq!(lines[2], sha256_hex(&bytes));
        assert_eq!(lines[3], "null");
        assert!(!s.ends_with('\n'));
    }

    #[test]
    fn missing_or_mistyped_fields_are_format_errors() {
        for field in [
            "digestStartTime",
            "digestEndTime",
            "digestS3Bucket",
            "digestS3Object",
            "digestPublicKeyFingerprint",
            "previousDigestSignature",
            "logFiles",
        ] {
            let mut doc = sample();
            doc.as_object_mut().unwrap().remove(field);
            let e = parse(&serde_json::to_vec(&doc).unwrap()).unwrap_err();
            assert!(e.0.contains(field), "{field}: {e}");
            let mut doc = sample();
            doc[field] = serde_json::json!(42);
            assert!(
                parse(&serde_json::to_vec(&doc).unwrap()).is_err(),
                "{field}"
            );
        }
        let mut doc = sample();
        doc["digestEndTime"] = "yesterday".into();
        assert!(parse(&serde_json::to_vec(&doc).unwrap()).is_err());
        let mut doc = sample();
        doc["logFiles"][0]["hashValue"] = serde_json::Value::Null;
        assert!(parse(&serde_json::to_vec(&doc).unwrap()).is_err());
        assert!(parse(b"[]").is_err());
        assert!(parse(b"{").is_err());
    }

    #[test]
    fn digest_keys_round_trip() {
        let key = "p/AWSLogs/o-abc/111122223333/CloudTrail-Digest/eu-west-1/2026/11/27/111122223333_CloudTrail-Digest_eu-west-1_my_trail_us-east-1_20261127T130131Z.json.gz";
        let k = parse_digest_key(key).unwrap();
        assert_eq!(k.region, "eu-west-1");
        assert_eq!(k.trail_name, "my_trail");
        assert_eq!(k.home_region, "us-east-1");
        assert_eq!(k.time, parse_time("2026-11-27T13:01:31Z").unwrap());
        assert_eq!(digest_key("p/AWSLogs/o-abc/111122223333/", &k), key);
        assert_eq!(parse_digest_key("AWSLogs/x.json.gz"), None);
        assert_eq!(
            parse_digest_key("111122223333_CloudTrail-Digest_r_t_h_2026.json.gz"),
            None
        );
    }
}
