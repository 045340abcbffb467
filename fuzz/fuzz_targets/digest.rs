//! Fuzzes the CloudTrail digest parser: arbitrary bytes as a stored digest
//! (gzip, then JSON) and as decompressed JSON must never panic, and
//! whatever parses must give a signing string. Run:
//! `cargo +nightly fuzz run digest`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trailwarden::verify::digest;

fuzz_target!(|data: &[u8]| {
    if let Ok(decompressed) = digest::gunzip(data, 1 << 20) {
        if let Ok(parsed) = digest::parse(&decompressed) {
            let _ = digest::signing_string(&parsed, &decompressed);
        }
    }
    if let Ok(parsed) = digest::parse(data) {
        let s = digest::signing_string(&parsed, data);
        assert!(s.split('\n').count() >= 4);
    }
    let _ = digest::log_sha256_hex(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = digest::parse_digest_key(text);
    }
});
