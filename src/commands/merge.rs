//! `trailwarden merge`: reads the shards' reports or snapshots, merges them
//! ([`crate::merge`]) and writes the result.

use crate::checks::Catalog;
use crate::cli::MergeArgs;
use crate::error::InputError;
use crate::merge;
use crate::outcome::Outcome;
use crate::report::assemble::read_report;
use crate::snapshot::Snapshot;
use anyhow::Result;
use std::path::Path;

pub(crate) fn run(args: MergeArgs) -> Result<Outcome> {
    // Merging into one of the shards would destroy it.
    let inputs: Vec<(String, &Path)> = args
        .inputs
        .iter()
        .map(|p| ("input".to_string(), p.as_path()))
        .collect();
    if let Some(message) =
        crate::paths::collision(&[("--output".to_string(), args.output.as_path())], &inputs)
    {
        return Err(InputError(message).into());
    }
    let kinds: Vec<Kind> = args
        .inputs
        .iter()
        .map(|p| kind_of(p))
        .collect::<Result<_>>()?;
    let (bytes, outcome, what) = if kinds.iter().all(|k| *k == Kind::Snapshot) {
        let mut snapshots = Vec::new();
        for path in &args.inputs {
            let shown = path.display().to_string();
            let bytes = std::fs::read(path)
                .map_err(|e| InputError(format!("merge: cannot read {shown}: {e}")))?;
            snapshots.push((
                shown.clone(),
                Snapshot::from_slice(&bytes, &shown).map_err(|e| InputError(e.to_string()))?,
            ));
        }
        let shards: Vec<(&str, Option<crate::snapshot::Shard>)> = snapshots
            .iter()
            .map(|(name, s)| (name.as_str(), s.scope.shard))
            .collect();
        let missing = merge::missing_shards(&shards).map_err(InputError)?;
        let count = shards.iter().find_map(|(_, s)| *s).map_or(0, |s| s.count);
        // Overlapping shards are the worse news: named first.
        let merged = merge::merge_snapshots(snapshots).map_err(InputError)?;
        merge::require_every_shard(&missing, count, args.allow_partial).map_err(InputError)?;
        let mut bytes = serde_json::to_vec_pretty(&merged)?;
        bytes.push(b'\n');
        let what = format!(
            "{} account(s), {} trail(s) into a snapshot",
            merged.accounts.len(),
            merged.trails.len()
        );
        (bytes, Outcome::Clean, what)
    } else if kinds.iter().all(|k| *k == Kind::Report) {
        let mut reports = Vec::new();
        for path in &args.inputs {
            let (report, sha256) = read_report(path, "merge:")?;
            reports.push((path.display().to_string(), report, sha256));
        }
        let shards: Vec<(&str, Option<crate::snapshot::Shard>)> = reports
            .iter()
            .map(|(name, r, _)| (name.as_str(), r.scope.shard))
            .collect();
        let missing = merge::missing_shards(&shards).map_err(InputError)?;
        let count = shards.iter().find_map(|(_, s)| *s).map_or(0, |s| s.count);
        merge::require_every_shard(&missing, count, args.allow_partial).map_err(InputError)?;
        let missing: Vec<crate::snapshot::Shard> = missing
            .into_iter()
            .map(|index| crate::snapshot::Shard { index, count })
            .collect();
        let merged =
            merge::merge_reports(reports, &missing, Catalog::embedded()).map_err(InputError)?;
        let outcome = match merged.exit_code {
            1 => Outcome::Failed,
            3 => Outcome::Incomplete,
            _ => Outcome::Clean,
        };
        let what = format!(
            "{} finding(s) of {} account(s) into a report (exit code {})",
            merged.findings.len(),
            merged.scope.accounts.len(),
            merged.exit_code
        );
        (crate::report::json::render(&merged), outcome, what)
    } else {
        return Err(InputError(
            "merge: give only JSON reports, or only snapshots, not a mix".into(),
        )
        .into());
    };
    crate::report::write_atomically(&args.output, &bytes)
        .map_err(|e| InputError(format!("cannot write {}: {e}", args.output.display())))?;
    if !crate::log::quiet() {
        eprintln!(
            "trailwarden: merged {} input(s): {what}: {}",
            args.inputs.len(),
            args.output.display()
        );
    }
    Ok(outcome)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Report,
    Snapshot,
}

/// A JSON report has `findings`; a snapshot has `trails` and `collected_at`.
fn kind_of(path: &Path) -> Result<Kind> {
    let shown = path.display();
    let bytes =
        std::fs::read(path).map_err(|e| InputError(format!("merge: cannot read {shown}: {e}")))?;
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| InputError(format!("merge: {shown} is not JSON: {e}")))?;
    if value.get("findings").is_some() {
        Ok(Kind::Report)
    } else if value.get("collected_at").is_some() && value.get("accounts").is_some() {
        Ok(Kind::Snapshot)
    } else {
        Err(InputError(format!(
            "merge: {shown} is neither a trailwarden JSON report nor a snapshot"
        ))
        .into())
    }
}
