//! `trailwarden audit`: collect, optionally verify the log files, judge and report, in one run.

use super::inputs::{
    check_paths_apart, gate_and_config_inputs, load_config, report_time, resolve_gate,
};
use super::outputs::{
    check_report_paths, report_on, report_outputs, save_snapshot, snapshot_bytes,
};
use super::scope::{collect_options, run_collection, runtime};
use super::verify_logs::read_public_keys;
use crate::cli::AuditArgs;
use crate::hashing::sha256_hex;
use crate::outcome::{with_write_failure, Outcome};
use crate::verify;
use anyhow::Result;
use chrono::Utc;

pub(crate) fn audit(args: AuditArgs) -> Result<Outcome> {
    check_report_paths(&args.output)?;
    let mut outputs = report_outputs(&args.output);
    if let Some(path) = &args.save_snapshot {
        outputs.push(("--save-snapshot".to_string(), path.as_path()));
    }
    let mut inputs = gate_and_config_inputs(&args.gate, &args.scope.config);
    if let Some(path) = &args.public_keys {
        inputs.push(("--public-keys".to_string(), path.as_path()));
    }
    check_paths_apart(&outputs, &inputs)?;
    // Bad input (SOURCE_DATE_EPOCH, configuration, gate flags, baseline) is
    // refused before a long collection.
    let now = report_time()?;
    let config = load_config(&args.scope.config, Utc::now())?;
    let gate = resolve_gate(&args.gate, &config)?;
    let options = collect_options(&args.scope, &config)?;
    let public_keys = args
        .public_keys
        .as_deref()
        .map(read_public_keys)
        .transpose()?;
    // `--timeout` bounds the whole run: the collection and the log
    // verification after it.
    let run_deadline = options
        .run_timeout
        .map(|limit| (std::time::Instant::now() + limit, limit.as_secs()));
    let mut snapshot = run_collection(&options)?;
    if let Some(hours) = args.verify_logs {
        let access = verify::AwsAccess {
            profile: options.profile.clone(),
            region: Some(snapshot.scope.global_region.clone()),
            endpoint_url: options.endpoint_url.clone(),
            call_timeout: options.call_timeout,
            role_arn: None,
            external_id: options.external_id.clone(),
            member_role: Some(options.role_name.clone()),
            session_policy: options.session_policy,
            allow_insecure_endpoint: options.allow_insecure_endpoint,
        };
        let integrity = runtime()?.block_on(verify::audit::audit_integrity(
            &access,
            &snapshot,
            hours,
            public_keys.as_ref(),
            run_deadline,
        ));
        snapshot.log_integrity = Some(integrity);
    }
    let bytes = snapshot_bytes(&snapshot)?;
    // A snapshot that cannot be saved must not cost the reports: they are
    // written, and the run then exits as for an unwritten report.
    let unsaved = args
        .save_snapshot
        .as_deref()
        .and_then(|path| save_snapshot(&bytes, path).err());
    let sha256 = sha256_hex(&bytes);
    drop(bytes);
    let outcome = report_on(&snapshot, &sha256, &args.output, &gate, &config, now)?;
    Ok(match unsaved {
        None => outcome,
        Some(e) => {
            eprintln!("trailwarden: error: {e}");
            with_write_failure(outcome)
        }
    })
}
