//! Diagnostics on stderr: `-v`/`-vv` structured logs (tracing), `--quiet`,
//! and the warnings trailwarden prints itself. Reports never go to stderr,
//! so none of this changes what a pipeline reads from stdout.

use std::sync::atomic::{AtomicBool, Ordering};

static QUIET: AtomicBool = AtomicBool::new(false);
static VERBOSITY: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

/// How many `-v` were given.
pub fn verbosity() -> u8 {
    VERBOSITY.load(Ordering::Relaxed)
}

/// Installs the log subscriber for `verbose` (0: none; 1: trailwarden's
/// info and failures; 2: every call; 3: the AWS SDK's debug logs too) and
/// records `--quiet`.
pub fn init(verbose: u8, quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
    VERBOSITY.store(verbose, Ordering::Relaxed);
    if verbose == 0 {
        return;
    }
    use tracing::level_filters::LevelFilter;
    use tracing_subscriber::prelude::*;
    let ours = match verbose {
        1 => LevelFilter::INFO,
        2 => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    };
    let sdk = if verbose >= 3 {
        LevelFilter::DEBUG
    } else {
        LevelFilter::OFF
    };
    let filter = tracing_subscriber::filter::Targets::new()
        .with_target("trailwarden", ours)
        .with_target("aws", sdk);
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false);
    // A second init (tests calling `run` twice) keeps the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(layer.with_filter(filter))
        .try_init();
}

/// Whether `--quiet` was given: no progress line, no warnings.
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// `trailwarden: warning: …` on stderr, unless `--quiet`.
pub fn warn(message: &str) {
    if !quiet() {
        eprintln!("trailwarden: warning: {message}");
    }
}

/// The process's resident memory in MiB, for the stage logs (`-v`); `None`
/// where `/proc` does not exist.
pub fn resident_mib() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096 / (1024 * 1024))
}
