//! The evidence store: each distinct evidence once, gzip-compressed in
//! chunks with the shared evidence it refers to, for the page's script to
//! inflate (a 5,000-account page stays small).

use crate::report::model::Report;
use std::collections::{BTreeSet, HashMap};

/// Every distinct evidence text once, gzip-compressed in chunks.
///
/// A 5,000-account organization's findings carry 280 MB of evidence when
/// each is written out whole: the organization trail's analysis under every
/// account, and each workload account's own trail, bucket and recorder.
/// Here each distinct evidence text is stored once (findings refer to it by
/// number), the shared evidence it refers to travels with it in its chunk,
/// and chunks are compressed: the page's script inflates a chunk when a
/// reader opens an evidence cell (and, for a small report, every chunk at
/// load, so that printing shows all evidence).
pub(super) struct EvidenceStore {
    /// Per finding: the number of its evidence item.
    pub(super) of_finding: Vec<usize>,
    pub(super) items: usize,
    /// (first item, base64 gzip payload).
    pub(super) chunks: Vec<(usize, String)>,
}

/// A chunk closes at this many items or this much text, whichever comes
/// first: small enough to inflate at a click, large enough to compress well.
pub(super) const CHUNK_ITEMS: usize = 256;

pub(super) const CHUNK_BYTES: usize = 256 * 1024;

impl EvidenceStore {
    pub(super) fn build(report: &Report) -> EvidenceStore {
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut items: Vec<&str> = Vec::new();
        let of_finding = report
            .findings
            .iter()
            .map(|f| {
                let text = f.evidence.text();
                *index.entry(text).or_insert_with(|| {
                    items.push(text);
                    items.len() - 1
                })
            })
            .collect();
        // Chunk boundaries, then the chunks compressed on every core.
        let mut bounds: Vec<(usize, usize)> = Vec::new();
        let (mut start, mut bytes) = (0, 0);
        for (i, text) in items.iter().enumerate() {
            bytes += text.len();
            if i + 1 - start >= CHUNK_ITEMS || bytes >= CHUNK_BYTES {
                bounds.push((start, i + 1));
                (start, bytes) = (i + 1, 0);
            }
        }
        if start < items.len() {
            bounds.push((start, items.len()));
        }
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, 8);
        let per_thread = bounds.len().div_ceil(threads).max(1);
        let chunks: Vec<(usize, String)> = std::thread::scope(|scope| {
            let handles: Vec<_> = bounds
                .chunks(per_thread)
                .map(|part| {
                    let items = &items;
                    scope.spawn(move || {
                        part.iter()
                            .map(|&(a, b)| (a, compress_chunk(report, &items[a..b])))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("evidence compression does not panic"))
                .collect()
        });
        EvidenceStore {
            of_finding,
            items: items.len(),
            chunks,
        }
    }
}

/// `{"items":[...],"shared":{key: evidence}}` for some evidence texts, with
/// the shared evidence they refer to, gzip-compressed and in base64. The
/// texts are the report's own JSON, copied as they are.
pub(super) fn compress_chunk(report: &Report, texts: &[&str]) -> String {
    use std::io::Write as _;
    let mut shared: BTreeSet<String> = BTreeSet::new();
    for text in texts {
        if text.contains(crate::finding::SHARED_EVIDENCE_REF) {
            if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
                shared_keys(&value, &mut shared);
            }
        }
    }
    let mut json = String::with_capacity(texts.iter().map(|t| t.len() + 1).sum::<usize>() + 32);
    json.push_str("{\"items\":[");
    for (i, text) in texts.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        json.push_str(text);
    }
    json.push_str("],\"shared\":{");
    let mut first = true;
    for key in &shared {
        if let Some(evidence) = report.shared_evidence.get(key) {
            if !first {
                json.push(',');
            }
            first = false;
            json.push_str(&serde_json::to_string(key).expect("a string serializes"));
            json.push(':');
            json.push_str(evidence.json.text());
        }
    }
    json.push_str("}}");
    let mut gz = flate2::write::GzEncoder::new(
        Vec::with_capacity(json.len() / 8),
        // Fast: at level 1 the evidence of 5,000 accounts compresses in a
        // fraction of the time level 6 takes, for a page a few MB larger.
        flate2::Compression::fast(),
    );
    gz.write_all(json.as_bytes())
        .expect("writing to memory does not fail");
    let bytes = gz.finish().expect("writing to memory does not fail");
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The keys of the shared evidence a value refers to (at any depth).
pub(super) fn shared_keys(value: &serde_json::Value, keys: &mut BTreeSet<String>) {
    if let Some(key) = crate::finding::shared_evidence_key(value) {
        keys.insert(key.to_string());
        return;
    }
    match value {
        serde_json::Value::Object(map) => map.values().for_each(|v| shared_keys(v, keys)),
        serde_json::Value::Array(list) => list.iter().for_each(|v| shared_keys(v, keys)),
        _ => {}
    }
}

pub(super) fn sha256(bytes: &[u8]) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).to_vec()
}

pub(super) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}
