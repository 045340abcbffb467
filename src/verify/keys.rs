//! CloudTrail's public keys: DER decoding (PKCS#1 `RSAPublicKey`, or
//! SubjectPublicKeyInfo), fingerprints, the `list-public-keys` file, and
//! signature verification.

use base64::Engine as _;
use md5::Digest as _;
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use sha2::{Digest as _, Sha256};
use std::collections::BTreeMap;

/// The fingerprint CloudTrail names a key by: lowercase hex MD5 of the DER
/// key bytes (`digestPublicKeyFingerprint`).
pub fn fingerprint(der: &[u8]) -> String {
    super::digest::hex(&md5::Md5::digest(der))
}

/// Decodes a DER public key: PKCS#1 `RSAPublicKey` (what ListPublicKeys
/// returns), or SubjectPublicKeyInfo.
pub fn decode_der(der: &[u8]) -> Option<RsaPublicKey> {
    RsaPublicKey::from_pkcs1_der(der)
        .or_else(|_| RsaPublicKey::from_public_key_der(der))
        .ok()
}

/// Public keys by fingerprint.
#[derive(Debug, Clone, Default)]
pub struct PublicKeys {
    keys: BTreeMap<String, RsaPublicKey>,
}

impl PublicKeys {
    /// Adds a DER key under its computed fingerprint, which is returned.
    pub fn add_der(&mut self, der: &[u8]) -> Result<String, String> {
        self.add_der_as(der, None)
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
            self.keys.insert(claimed.to_ascii_lowercase(), key.clone());
        }
        self.keys.insert(print.clone(), key);
        Ok(print)
    }

    pub fn get(&self, fingerprint: &str) -> Option<&RsaPublicKey> {
        self.keys.get(&fingerprint.to_ascii_lowercase())
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
                keys.add_der_as(&der, claimed)
                    .map_err(|e| format!("PublicKeyList[{i}].Value: {e}"))?;
            }
        }
        if keys.is_empty() {
            return Err("it holds no public key".into());
        }
        Ok(keys)
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

    #[test]
    fn fingerprint_is_md5_hex() {
        assert_eq!(fingerprint(b""), "d41d8cd98f00b204e9800998ecf8427e");
    }
}
