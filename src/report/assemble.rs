//! The assembly step: a snapshot evaluated, the policy applied and the
//! baseline compared, into the frozen [`Report`] with the exit outcome it
//! stands for; and the reading of a report written earlier.

use super::model::{
    self, BaselineInput, BuildInput, Report, ReportConfigFile, ReportDisabledCheck, ReportFinding,
    ReportPolicy, ReportSeverityOverride, ReportWaiver,
};
use crate::checks::{self, Catalog};
use crate::config::Config;
use crate::error::InputError;
use crate::finding::{EvidenceJson, Severity};
use crate::hashing::sha256_hex;
use crate::outcome::Outcome;
use crate::policy;
use crate::snapshot::Snapshot;
use anyhow::Result;
use chrono::Utc;
use std::collections::BTreeMap;

/// The gate settings after flags and configuration are combined (a flag
/// wins), with the baseline read and validated.
#[derive(Debug, Clone)]
pub struct Gate {
    pub fail_on: Severity,
    pub framework: Option<String>,
    pub fail_on_new: bool,
    /// The baseline report and the SHA-256 of its file.
    pub baseline: Option<(Report, String)>,
}

impl Gate {
    /// No framework, no baseline: every check counts at `fail_on`.
    pub fn with_fail_on(fail_on: Severity) -> Gate {
        Gate {
            fail_on,
            framework: None,
            fail_on_new: false,
            baseline: None,
        }
    }
}

/// Reads a JSON report written by trailwarden (schema v2), for `--baseline`
/// and `diff`; anything else is an input error naming `what`.
pub fn read_report(path: &std::path::Path, what: &str) -> Result<(Report, String)> {
    let shown = path.display();
    let bytes = std::fs::read(path)
        .map_err(|e| InputError(format!("{what} {shown}: cannot read it: {e}")))?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
        InputError(format!(
            "{what} {shown}: not a JSON report (line {}, column {}: {e})",
            e.line(),
            e.column()
        ))
    })?;
    match value.get("schema_version").and_then(|v| v.as_u64()) {
        Some(v) if v == u64::from(model::REPORT_SCHEMA_VERSION) => {}
        Some(v) => {
            return Err(InputError(format!(
                "{what} {shown}: report schema_version {v} is not supported (expected {})",
                model::REPORT_SCHEMA_VERSION
            ))
            .into())
        }
        None => {
            return Err(InputError(format!(
                "{what} {shown}: not a trailwarden JSON report (no schema_version; write one with --format json)"
            ))
            .into())
        }
    }
    // From the bytes, not the parsed value: evidence is kept as JSON text.
    drop(value);
    let report: Report = serde_json::from_slice(&bytes)
        .map_err(|e| InputError(format!("{what} {shown}: malformed report: {e}")))?;
    Ok((report, sha256_hex(&bytes)))
}

/// Evaluates at the snapshot's collection time (so a saved snapshot gives
/// the live audit's verdicts), applies the policy (selection, severity
/// overrides, waivers judged by the clock that judged the facts: the
/// snapshot's collection time, never `now`, which only stamps the report's
/// `generated_at` and may come from `SOURCE_DATE_EPOCH`; baseline) and
/// assembles the report
/// with the exit code it stands for.
pub fn assemble_report(
    snapshot: &Snapshot,
    snapshot_sha256: &str,
    gate: &Gate,
    config: &Config,
    now: chrono::DateTime<Utc>,
) -> (Report, Outcome) {
    let catalog = Catalog::embedded();
    let params = config.params.params_at(snapshot.collected_at);
    let selection = policy::Selection::new(config, gate.framework.as_deref(), catalog);
    let started = std::time::Instant::now();
    let mut findings =
        checks::evaluate_selected(snapshot, &params, catalog, |id| selection.runs(id));
    tracing::info!(
        findings = findings.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        resident_mib = crate::log::resident_mib(),
        "checks evaluated"
    );
    policy::apply_severity_overrides(&mut findings, &config.checks.severity);
    let (mut judged, waivers) = policy::apply_waivers(
        findings,
        &config.waivers,
        &selection,
        snapshot.collected_at,
        config.params.waiver_warning_days(),
    );
    let baseline = gate.baseline.as_ref().map(|(baseline, sha256)| {
        // A shard compares only its own accounts with the baseline.
        let shard = snapshot.scope.shard;
        // Baseline findings of a check that did not run this time, or of
        // another `--shard`'s accounts, are ignored: they are not resolved.
        let in_scope = |f: &&ReportFinding| {
            selection.runs(&f.check_id)
                && (shard.is_none() || snapshot.scope.accounts.contains(&f.account_id))
        };
        let key = |f: &ReportFinding| {
            policy::key_of(&f.check_id, &f.account_id, f.region.as_deref(), &f.resource)
        };
        let before: BTreeMap<policy::FindingKey, &ReportFinding> = baseline
            .findings
            .iter()
            .filter(in_scope)
            .map(|f| (key(f), f))
            .collect();
        let gone = policy::compare_with_baseline(
            &mut judged,
            before.iter().map(|(k, f)| (k.clone(), f.status)),
        )
        .into_iter()
        .filter_map(|k| before.get(&k).map(|f| (*f).clone()));
        BaselineInput {
            sha256: sha256.clone(),
            generated_at: baseline.generated_at,
            // Written out whole: this report does not carry the baseline's
            // shared evidence.
            no_longer_reported: gone
                .into_iter()
                .map(|mut f| {
                    f.evidence = EvidenceJson::of(&baseline.evidence_of(&f));
                    f
                })
                .collect(),
            checks: baseline.checks.clone(),
        }
    });
    let outcome = policy::outcome(&judged, gate.fail_on, gate.fail_on_new);
    let report_policy = ReportPolicy {
        config: config.source.as_ref().map(|s| ReportConfigFile {
            path: s.path.display().to_string(),
            sha256: s.sha256.clone(),
        }),
        framework: gate.framework.clone(),
        fail_on_new: gate.fail_on_new,
        disabled_checks: selection
            .disabled
            .iter()
            .map(|(id, reason)| ReportDisabledCheck {
                check_id: id.clone(),
                title: catalog.get(id).map(|m| m.title.clone()).unwrap_or_default(),
                reason: reason.clone(),
            })
            .collect(),
        severity_overrides: config
            .checks
            .severity
            .iter()
            .filter_map(|(id, severity)| {
                catalog.get(id).map(|m| ReportSeverityOverride {
                    check_id: id.clone(),
                    default: m.severity,
                    severity: *severity,
                })
            })
            .collect(),
        waivers: waivers.iter().map(ReportWaiver::from).collect(),
    };
    let report = Report::build(
        snapshot,
        judged,
        BuildInput {
            snapshot_sha256,
            catalog,
            fail_on: gate.fail_on,
            exit_code: outcome.code(),
            generated_at: now,
            policy: report_policy,
            baseline,
        },
    );
    (report, outcome)
}
