//! `trailwarden evaluate`: judge a saved snapshot and report, with no AWS call.

use super::inputs::{
    check_paths_apart, gate_and_config_inputs, load_config, report_time, resolve_gate,
};
use super::outputs::{check_report_paths, report_on, report_outputs};
use crate::cli::EvaluateArgs;
use crate::error::InputError;
use crate::hashing::sha256_hex;
use crate::outcome::Outcome;
use crate::snapshot::Snapshot;
use anyhow::Result;
use chrono::Utc;

pub(crate) fn evaluate(args: EvaluateArgs) -> Result<Outcome> {
    check_report_paths(&args.output)?;
    let mut inputs = gate_and_config_inputs(&args.gate, &args.config);
    inputs.push(("SNAPSHOT".to_string(), args.snapshot.as_path()));
    check_paths_apart(&report_outputs(&args.output), &inputs)?;
    let now = report_time()?;
    let config = load_config(&args.config, Utc::now())?;
    let gate = resolve_gate(&args.gate, &config)?;
    let shown = args.snapshot.display().to_string();
    let bytes = std::fs::read(&args.snapshot)
        .map_err(|e| InputError(format!("cannot read snapshot {shown}: {e}")))?;
    let started = std::time::Instant::now();
    let snapshot = Snapshot::from_slice(&bytes, &shown).map_err(|e| InputError(e.to_string()))?;
    tracing::info!(
        accounts = snapshot.accounts.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        resident_mib = crate::log::resident_mib(),
        "snapshot read"
    );
    let sha256 = sha256_hex(&bytes);
    drop(bytes);
    report_on(&snapshot, &sha256, &args.output, &gate, &config, now)
}
