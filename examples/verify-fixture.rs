//! Writes a signed CloudTrail digest chain in the bucket layout, for the
//! verify-logs benchmark (scripts/bench-verify.sh): one region, DIGESTS
//! hourly digests of LOGS log files each, signed with the committed
//! throwaway test key, plus `keys.json` for --public-keys.
//!
//! cargo run --release --example verify-fixture -- DIR [DIGESTS] [LOGS] [LOG_KIB]
//!
//! LOG_KIB: each log file's size before compression (default 4).

use rsa::pkcs1::DecodeRsaPrivateKey;
#[path = "../tests/support/verify_fixture.rs"]
mod fixture;
use fixture::{ChainSpec, Sidecars};

const KEY: &[u8] = include_bytes!("../tests/fixtures/verify/signing-key.pkcs1.der");
const PUB: &[u8] = include_bytes!("../tests/fixtures/verify/signing-pub.pkcs1.der");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(
        args.next()
            .ok_or("usage: verify-fixture DIR [DIGESTS] [LOGS] [LOG_KIB]")?,
    );
    let digests: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(24);
    let logs: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(250);
    let log_kib: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(4);
    let first_end = chrono::DateTime::parse_from_rfc3339("2026-11-27T01:00:31Z")?.to_utc();
    let mut spec = ChainSpec::new("bench-trail-bucket", first_end, digests, logs);
    // A realistic log file: a few kB of JSON before compression.
    spec.log_bytes = log_kib * 1024;
    let key = rsa::RsaPrivateKey::from_pkcs1_der(KEY)?;
    let chain = fixture::build(&spec, &key, PUB)?;
    chain.write_dir(&dir.join("copy"), Sidecars::Newest)?;
    std::fs::write(
        dir.join("keys.json"),
        fixture::list_public_keys_json(&[PUB]),
    )?;
    println!(
        "{} digests, {} log files in {}",
        chain.digest_keys.len(),
        chain.log_keys.iter().map(Vec::len).sum::<usize>(),
        dir.join("copy").display()
    );
    Ok(())
}
