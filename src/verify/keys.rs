//! CloudTrail's public keys: DER decoding (PKCS#1 `RSAPublicKey`, or
//! SubjectPublicKeyInfo), fingerprints, the `list-public-keys` file, and
//! signature verification.

use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use md5::Digest as _;
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use sha2::{Digest as _, Sha256};
use std::collections::BTreeMap;

/// The fingerprint CloudTrail names a key by: lowercase hex MD5 of the DER
/// key bytes (`digestPublicKeyFingerprint`).
pub fn fingerprint(der: &[u8]) -> String {
    crate::hashing::hex(&md5::Md5::digest(der))
}

/// Decodes a DER public key: PKCS#1 `RSAPublicKey` (what ListPublicKeys
/// returns), or SubjectPublicKeyInfo.
pub fn decode_der(der: &[u8]) -> Option<RsaPublicKey> {
    RsaPublicKey::from_pkcs1_der(der)
        .or_else(|_| RsaPublicKey::from_public_key_der(der))
        .ok()
}

/// When a key was CloudTrail's signing key (ListPublicKeys'
/// `ValidityStartTime` and `ValidityEndTime`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Validity {
    /// Whether a digest ending at `digest_end`, delivered at `delivered`
    /// (its S3 `LastModified`, when known), can have been signed with the
    /// key. CloudTrail signs a digest when it delivers it, with the key of
    /// that time (the AWS CLI's `validate-logs` looks keys up for the time
    /// range validated, not for each digest's end): a late digest (a
    /// backfill, a delayed delivery) may carry a key issued after its end.
    /// So the key must be valid at the delivery (an hour's slack each way),
    /// and, whether or not the delivery is known, not retired before the
    /// digest ended: a digest signed with a key retired before it could
    /// exist is a forgery, e.g. with a leaked old key.
    pub fn covers(&self, digest_end: DateTime<Utc>, delivered: Option<DateTime<Utc>>) -> bool {
        let slack = Duration::hours(1);
        digest_end <= self.end
            && delivered.is_none_or(|at| self.start - slack <= at && at <= self.end + slack)
    }
}

/// Public keys by fingerprint, with their validity when known.
#[derive(Debug, Clone, Default)]
pub struct PublicKeys {
    keys: BTreeMap<String, (RsaPublicKey, Option<Validity>)>,
}

/// Why no key could check a digest's signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyMiss {
    /// No key has that fingerprint.
    Unknown,
    /// The key was not valid when the digest was signed.
    NotValidThen(Validity),
}

impl PublicKeys {
    /// Adds a DER key under its computed fingerprint, which is returned.
    pub fn add_der(&mut self, der: &[u8]) -> Result<String, String> {
        self.add_der_as(der, None)
    }

    /// [`PublicKeys::add_der_as`], with the key's validity window.
    pub fn add_der_valid(
        &mut self,
        der: &[u8],
        claimed: Option<&str>,
        validity: Option<Validity>,
    ) -> Result<String, String> {
        let print = self.add_der_as(der, claimed)?;
        for name in [
            Some(print.clone()),
            claimed.map(|c| c.trim().to_ascii_lowercase()),
        ]
        .into_iter()
        .flatten()
        {
            if let Some(entry) = self.keys.get_mut(&name) {
                entry.1 = validity;
            }
        }
        Ok(print)
    }

    /// The key that can check a digest ending at `digest_end`, delivered at
    /// `delivered` (when known), and naming `fingerprint`.
    pub fn for_digest(
        &self,
        fingerprint: &str,
        digest_end: DateTime<Utc>,
        delivered: Option<DateTime<Utc>>,
    ) -> Result<&RsaPublicKey, KeyMiss> {
        match self.keys.get(&fingerprint.to_ascii_lowercase()) {
            None => Err(KeyMiss::Unknown),
            Some((_, Some(validity))) if !validity.covers(digest_end, delivered) => {
                Err(KeyMiss::NotValidThen(*validity))
            }
            Some((key, _)) => Ok(key),
        }
    }

    /// Adds a DER key under its computed fingerprint and, when it differs,
    /// also under the fingerprint its source (ListPublicKeys, the file)
    /// gives it. The fingerprint is only a name to find the key by: the
    /// key's authority comes from where it was read, so a second name lets
    /// no one else's key in.
    pub fn add_der_as(&mut self, der: &[u8], claimed: Option<&str>) -> Result<String, String> {
        let key =
            decode_der(der).ok_or("not a DER RSA public key (PKCS#1 or SubjectPublicKeyInfo)")?;
        let print = fingerprint(der);
        if let Some(claimed) = claimed.map(str::trim).filter(|c| !c.is_empty()) {
            self.keys
                .insert(claimed.to_ascii_lowercase(), (key.clone(), None));
        }
        self.keys.insert(print.clone(), (key, None));
        Ok(print)
    }

    pub fn get(&self, fingerprint: &str) -> Option<&RsaPublicKey> {
        self.keys
            .get(&fingerprint.to_ascii_lowercase())
            .map(|(key, _)| key)
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn extend(&mut self, other: PublicKeys) {
        self.keys.extend(other.keys);
    }

    /// Reads what `aws cloudtrail list-public-keys` prints:
    /// `{"PublicKeyList": [{"Value": base64, "Fingerprint": hex, …}]}`. An
    /// array of such objects (one per region) is accepted too. Each key is
    /// found by its MD5 fingerprint and by the `Fingerprint` listed with it.
    pub fn from_list_public_keys_json(text: &str) -> Result<PublicKeys, String> {
        let doc: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let documents = match &doc {
            serde_json::Value::Array(items) => items.iter().collect(),
            other => vec![other],
        };
        let mut keys = PublicKeys::default();
        for document in documents {
            let list = document
                .get("PublicKeyList")
                .and_then(|l| l.as_array())
                .ok_or(
                "expected {\"PublicKeyList\": [...]}, as `aws cloudtrail list-public-keys` prints",
            )?;
            for (i, entry) in list.iter().enumerate() {
                let value = entry
                    .get("Value")
                    .and_then(|v| v.as_str())
                    .ok_or(format!("PublicKeyList[{i}] has no Value"))?;
                let der = base64::engine::general_purpose::STANDARD
                    .decode(value.trim())
                    .map_err(|e| format!("PublicKeyList[{i}].Value is not base64: {e}"))?;
                let claimed = entry.get("Fingerprint").and_then(|f| f.as_str());
                let time = |field: &str| -> Result<Option<DateTime<Utc>>, String> {
                    match entry.get(field) {
                        None | Some(serde_json::Value::Null) => Ok(None),
                        Some(v) => file_time(v)
                            .map(Some)
                            .ok_or(format!("PublicKeyList[{i}].{field} is not a time: {v}")),
                    }
                };
                let validity = match (time("ValidityStartTime")?, time("ValidityEndTime")?) {
                    (Some(start), Some(end)) => Some(Validity { start, end }),
                    _ => None,
                };
                keys.add_der_valid(&der, claimed, validity)
                    .map_err(|e| format!("PublicKeyList[{i}].Value: {e}"))?;
            }
        }
        if keys.is_empty() {
            return Err("it holds no public key".into());
        }
        Ok(keys)
    }
}

/// A time as the AWS CLI prints it: ISO 8601 (`2026-10-01T00:00:00+00:00`,
/// its default) or seconds since 1970 (`cli_timestamp_format = wire`).
fn file_time(value: &serde_json::Value) -> Option<DateTime<Utc>> {
    match value {
        serde_json::Value::String(text) => DateTime::parse_from_rfc3339(text.trim())
            .ok()
            .map(|t| t.with_timezone(&Utc)),
        serde_json::Value::Number(n) => {
            let secs = n.as_f64()?;
            DateTime::from_timestamp(secs.trunc() as i64, 0)
        }
        _ => None,
    }
}

/// Verifies an RSASSA-PKCS1-v1_5 SHA-256 signature of `message`.
pub fn verify(key: &RsaPublicKey, message: &[u8], signature: &[u8]) -> bool {
    let hashed = Sha256::digest(message);
    key.verify(Pkcs1v15Sign::new::<Sha256>(), &hashed, signature)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs8::EncodePublicKey;

    const PUB: &[u8] = include_bytes!("../../tests/fixtures/verify/signing-pub.pkcs1.der");
    const WRONG: &[u8] = include_bytes!("../../tests/fixtures/verify/wrong-pub.pkcs1.der");

    #[test]
    fn decodes_pkcs1_and_spki() {
        let key = decode_der(PUB).expect("PKCS#1");
        let spki = key.to_public_key_der().unwrap();
        assert_eq!(decode_der(spki.as_bytes()), Some(key));
        assert!(decode_der(b"junk").is_none());
    }

    #[test]
    fn list_public_keys_file() {
        let b64 = base64::engine::general_purpose::STANDARD;
        let text = serde_json::json!({"PublicKeyList": [
            {"Value": b64.encode(PUB), "Fingerprint": fingerprint(PUB).to_uppercase(),
             "ValidityStartTime": "2026-01-01T00:00:00Z"},
            {"Value": b64.encode(WRONG)}
        ]})
        .to_string();
        let keys = PublicKeys::from_list_public_keys_json(&text).unwrap();
        assert_eq!(keys.len(), 2);
        assert!(keys.get(&fingerprint(PUB).to_uppercase()).is_some());
        let other_name = serde_json::json!({"PublicKeyList": [
            {"Value": b64.encode(PUB), "Fingerprint": "ABC123"}
        ]})
        .to_string();
        let keys = PublicKeys::from_list_public_keys_json(&other_name).unwrap();
        assert_eq!(keys.get("abc123"), keys.get(&fingerprint(PUB)));
        assert!(keys.get(&fingerprint(WRONG)).is_none());
        for bad in [
            "",
            "{}",
            r#"{"PublicKeyList": []}"#,
            r#"{"PublicKeyList": [{"Value": "%%%"}]}"#,
            r#"{"PublicKeyList": [{"Value": "AAAA"}]}"#,
            r#"{"PublicKeyList": [{}]}"#,
        ] {
            assert!(
                PublicKeys::from_list_public_keys_json(bad).is_err(),
                "{bad}"
            );
        }
        let array = format!("[{text}]");
        assert_eq!(
            PublicKeys::from_list_public_keys_json(&array)
                .unwrap()
                .len(),
            2
        );
    }

    /// Validity windows are read as the AWS CLI prints them (ISO 8601 or
    /// epoch seconds); a key is good for a digest only inside its window.
    #[test]
    fn validity_windows() {
        let b64 = base64::engine::general_purpose::STANDARD;
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        for (start, end) in [
            (
                serde_json::json!("2026-01-01T00:00:00+00:00"),
                serde_json::json!("2026-06-01T00:00:00+00:00"),
            ),
            (
                serde_json::json!(1767225600),
                serde_json::json!(1780272000.0),
            ),
        ] {
            let text = serde_json::json!({"PublicKeyList": [
                {"Value": b64.encode(PUB), "ValidityStartTime": start, "ValidityEndTime": end}
            ]})
            .to_string();
            let keys = PublicKeys::from_list_public_keys_json(&text).unwrap();
            let print = fingerprint(PUB);
            let near = |t: &str| Some(at(t) + Duration::minutes(10));
            assert!(keys
                .for_digest(
                    &print,
                    at("2026-03-01T10:00:00Z"),
                    near("2026-03-01T10:00:00Z")
                )
                .is_ok());
            // Delivered just as the key's window started.
            assert!(keys
                .for_digest(
                    &print,
                    at("2025-12-31T23:00:00Z"),
                    near("2025-12-31T23:00:00Z")
                )
                .is_ok());
            // Issue 14, item 7: a digest delivered late (a day after its end)
            // is signed with the key of its delivery, even one issued after
            // its end: not tampering on that ground alone. Delivery unknown
            // (a local copy): the same benefit.
            let late_end = at("2025-12-31T00:00:00Z");
            assert!(keys
                .for_digest(&print, late_end, Some(at("2026-01-01T02:00:00Z")))
                .is_ok());
            assert!(keys.for_digest(&print, late_end, None).is_ok());
            // Delivered at its end but signed with a key not yet issued, or
            // with a key retired before the digest ended: never.
            for (end, delivered) in [
                ("2025-12-31T21:00:00Z", near("2025-12-31T21:00:00Z")),
                ("2026-06-01T00:00:01Z", near("2026-06-01T00:00:01Z")),
                ("2026-06-01T00:00:01Z", None),
                ("2026-03-01T10:00:00Z", Some(at("2026-07-01T00:00:00Z"))),
            ] {
                assert!(
                    matches!(
                        keys.for_digest(&print, at(end), delivered),
                        Err(KeyMiss::NotValidThen(_))
                    ),
                    "{end} delivered {delivered:?}"
                );
            }
            assert_eq!(
                keys.for_digest(&fingerprint(WRONG), at("2026-03-01T10:00:00Z"), None)
                    .err(),
                Some(KeyMiss::Unknown)
            );
        }
        let bad = serde_json::json!({"PublicKeyList": [
            {"Value": b64.encode(PUB), "ValidityStartTime": "yesterday"}
        ]})
        .to_string();
        let e = PublicKeys::from_list_public_keys_json(&bad).unwrap_err();
        assert!(e.contains("ValidityStartTime"), "{e}");
    }

    #[test]
    fn fingerprint_is_md5_hex() {
        assert_eq!(fingerprint(b""), "d41d8cd98f00b204e9800998ecf8427e");
    }
}
