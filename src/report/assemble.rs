//! The assembly step: a snapshot evaluated, the policy applied and the
//! baseline compared, into the frozen [`Report`] with the exit outcome it
//! stands for; and the reading of a report written earlier.

use super::model::{self, *};
use crate::checks::{self, Catalog, Remediation as MetaRemediation, FRAMEWORKS};
use crate::config::Config;
use crate::error::InputError;
use crate::finding::{EvidenceJson, Severity, SharedEvidence, Status};
use crate::hashing::sha256_hex;
use crate::outcome::Outcome;
use crate::policy::{self, AppliedWaiver, Judged, WaiverReport};
use crate::snapshot::{Snapshot, ToolInfo};
use crate::verdict::Change;
use anyhow::Result;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

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

impl From<&WaiverReport> for ReportWaiver {
    fn from(r: &WaiverReport) -> Self {
        let w = &r.waiver;
        ReportWaiver {
            index: w.index,
            check_id: w.check.clone(),
            accounts: w.accounts.clone(),
            regions: w.regions.clone(),
            resources: w.resources.clone(),
            reason: w.reason.clone(),
            owner: w.owner.clone(),
            expires: w.expires,
            state: r.state.clone(),
            days_left: r.days_left,
            matched: r.matched,
        }
    }
}

/// Everything [`Report::build`] needs besides the snapshot and findings.
pub struct BuildInput<'a> {
    pub snapshot_sha256: &'a str,
    pub catalog: &'a Catalog,
    pub fail_on: Severity,
    pub exit_code: u8,
    pub generated_at: DateTime<Utc>,
    pub policy: ReportPolicy,
    pub baseline: Option<BaselineInput>,
}

/// What the report takes from the baseline report.
pub struct BaselineInput {
    /// SHA-256 of the baseline file.
    pub sha256: String,
    pub generated_at: DateTime<Utc>,
    /// Baseline failures with no finding in this run, their evidence
    /// resolved against the baseline's shared evidence.
    pub no_longer_reported: Vec<ReportFinding>,
    /// The baseline's check descriptions (for checks no longer in the
    /// catalog).
    pub checks: BTreeMap<String, ReportCheck>,
}

impl From<&AppliedWaiver> for ReportWaiverNote {
    fn from(w: &AppliedWaiver) -> Self {
        ReportWaiverNote {
            index: w.index,
            reason: w.reason.clone(),
            owner: w.owner.clone(),
            expires: w.expires,
            expired: w.expired,
        }
    }
}

impl ReportCheck {
    pub fn from_catalog(meta: &crate::checks::CheckMetadata) -> Self {
        ReportCheck {
            title: meta.title.clone(),
            remediation: ReportRemediation::from(&meta.remediation),
            frameworks: meta.frameworks.clone(),
            rationale: meta.rationale.trim().to_string(),
        }
    }
}

impl From<&MetaRemediation> for ReportRemediation {
    fn from(r: &MetaRemediation) -> Self {
        ReportRemediation {
            console: r.console.trim().to_string(),
            cli: r.cli.trim().to_string(),
        }
    }
}

impl Report {
    /// Assembles the report of judged findings. The verdicts are taken as
    /// they are; only titles, remediation and framework mappings are joined
    /// from the catalog, and the per-control and baseline summaries counted.
    /// The findings are consumed: a large organization's evidence is not
    /// copied.
    pub fn build(snapshot: &Snapshot, judged: Vec<Judged>, input: BuildInput<'_>) -> Report {
        let catalog = input.catalog;
        let mut shared_evidence: BTreeMap<String, Arc<SharedEvidence>> = BTreeMap::new();
        let findings: Vec<ReportFinding> = judged
            .into_iter()
            .map(|j| {
                let f = j.finding;
                for shared in f.shared {
                    if !shared_evidence.contains_key(&shared.key) {
                        shared_evidence.insert(shared.key.clone(), shared);
                    }
                }
                ReportFinding {
                    severity: f.severity,
                    status: f.status,
                    check_id: f.check_id,
                    account_id: f.account_id,
                    region: f.region,
                    resource: f.resource,
                    message: f.message,
                    evidence: match f.evidence_json {
                        Some(json) => json,
                        None => EvidenceJson::of(&f.evidence),
                    },
                    waiver: j.waiver.as_ref().map(ReportWaiverNote::from),
                    change: j.change,
                }
            })
            .collect();
        let (baseline_checks, baseline) = match input.baseline {
            Some(b) => (
                b.checks,
                Some((b.sha256, b.generated_at, b.no_longer_reported)),
            ),
            None => (BTreeMap::new(), None),
        };
        let mut checks: BTreeMap<String, ReportCheck> = BTreeMap::new();
        let gone = baseline
            .as_ref()
            .map(|b| b.2.as_slice())
            .unwrap_or_default();
        for f in findings.iter().chain(gone) {
            if checks.contains_key(&f.check_id) {
                continue;
            }
            let check = match catalog.get(&f.check_id) {
                Some(meta) => ReportCheck::from_catalog(meta),
                None => baseline_checks
                    .get(&f.check_id)
                    .cloned()
                    .unwrap_or_default(),
            };
            checks.insert(f.check_id.clone(), check);
        }
        let summary = Summary::of(&findings);
        let framework = input
            .policy
            .framework
            .as_deref()
            .map(|key| framework_summary(key, &findings, catalog, &input.policy));
        let baseline = baseline.map(|(sha256, generated_at, gone)| {
            let count = |c: Change| findings.iter().filter(|f| f.change == Some(c)).count();
            ReportBaseline {
                sha256,
                generated_at,
                new: count(Change::New),
                unchanged: count(Change::Unchanged),
                resolved: count(Change::Resolved) + gone.len(),
                no_longer_reported: gone,
            }
        });
        let regions: BTreeSet<String> = snapshot
            .accounts
            .iter()
            .filter_map(|a| a.regions.value())
            .flatten()
            .cloned()
            .collect();
        Report {
            schema_version: REPORT_SCHEMA_VERSION,
            tool: ReportTool::from(&ToolInfo::current()),
            generated_at: input.generated_at,
            snapshot: SnapshotInfo {
                collected_at: snapshot.collected_at,
                sha256: input.snapshot_sha256.to_string(),
                collected_by: ReportTool::from(&snapshot.tool),
                caller_arn: snapshot.caller.as_ref().map(|c| c.arn.clone()),
                partition: snapshot.partition.clone(),
            },
            scope: ReportScope {
                mode: serde_json::to_value(snapshot.scope.mode)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                accounts: snapshot
                    .accounts
                    .iter()
                    .map(|a| a.account_id.clone())
                    .collect(),
                regions: regions.into_iter().collect(),
                organization_id: snapshot.organization.as_ref().map(|o| o.id.clone()),
                management_account_id: snapshot
                    .organization
                    .as_ref()
                    .map(|o| o.management_account_id.clone()),
                endpoint_overrides: snapshot.scope.endpoint_overrides.clone(),
                shard: snapshot.scope.shard,
            },
            fail_on: input.fail_on,
            exit_code: input.exit_code,
            summary,
            checks,
            findings,
            shared_evidence,
            collection_errors: snapshot
                .errors
                .iter()
                .map(ReportCollectionError::from)
                .collect(),
            policy: input.policy,
            framework,
            baseline,
        }
    }
}

/// The results per control id of one framework: every control a check that
/// ran maps to, with the worst verdict of its findings.
pub fn framework_summary(
    key: &str,
    findings: &[ReportFinding],
    catalog: &Catalog,
    policy: &ReportPolicy,
) -> ReportFramework {
    // Control → (checks that ran, counts, statuses, disabled checks).
    type Entry = (Vec<String>, StatusCounts, Vec<Status>, Vec<String>);
    let mut controls: BTreeMap<String, Entry> = BTreeMap::new();
    for meta in catalog.all() {
        let disabled = policy.disabled_checks.iter().any(|d| d.check_id == meta.id);
        for control in meta.frameworks.get(key).into_iter().flatten() {
            let entry = controls.entry(control.clone()).or_default();
            if disabled {
                entry.3.push(meta.id.clone());
            } else {
                entry.0.push(meta.id.clone());
            }
        }
    }
    for finding in findings {
        let Some(meta) = catalog.get(&finding.check_id) else {
            continue;
        };
        for control in meta.frameworks.get(key).into_iter().flatten() {
            if let Some(entry) = controls.get_mut(control) {
                entry.1.add(finding.status);
                entry.2.push(finding.status);
            }
        }
    }
    let mut controls: Vec<ReportControl> = controls
        .into_iter()
        .map(
            |(id, (checks, counts, statuses, disabled_checks))| ReportControl {
                id,
                status: worst(statuses.into_iter()).unwrap_or(Status::NotApplicable),
                checks,
                counts,
                disabled_checks,
            },
        )
        .collect();
    controls.sort_by_key(|c| natural_key(&c.id));
    ReportFramework {
        key: key.to_string(),
        name: FRAMEWORKS
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, name)| name.to_string())
            .unwrap_or_else(|| key.to_string()),
        controls,
    }
}
