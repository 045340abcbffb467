//! `trailwarden collect`: the facts only, saved as a snapshot to evaluate later or elsewhere.

use super::inputs::{check_paths_apart, gate_and_config_inputs, load_config};
use super::outputs::{save_snapshot, snapshot_bytes};
use super::scope::{collect_options, run_collection};
use crate::cli::{CollectArgs, GateArgs};
use crate::outcome::Outcome;
use anyhow::Result;
use chrono::Utc;

pub(crate) fn collect_only(args: CollectArgs) -> Result<Outcome> {
    check_paths_apart(
        &[("--output".to_string(), args.output.as_path())],
        &gate_and_config_inputs(&GateArgs::default(), &args.scope.config),
    )?;
    let config = load_config(&args.scope.config, Utc::now())?;
    let options = collect_options(&args.scope, &config)?;
    let snapshot = run_collection(&options)?;
    save_snapshot(&snapshot_bytes(&snapshot)?, &args.output)?;
    if !crate::log::quiet() {
        eprintln!(
            "trailwarden: collected {} account(s), {} trail(s), {} collection error(s) into {}",
            snapshot.accounts.len(),
            snapshot.trails.len(),
            snapshot.errors.len(),
            args.output.display()
        );
    }
    Ok(Outcome::Clean)
}
