//! The JSON report, version 2: frozen output types, separate from the
//! internal ones, so refactoring never breaks a user's pipeline. Fields may be
//! added; none is renamed or removed without bumping `schema_version`.
//! `schemas/report-v2.schema.json` describes this document. Pure data: it
//! is built by the assembly step (`assemble.rs`), from the policy's judged
//! findings and the catalog, and never reads either itself.

use crate::finding::{resolve_shared, EvidenceJson, Severity, SharedEvidence, Status};
use crate::snapshot::{CollectionError, ToolInfo};
use crate::verdict::{Change, WaiverState};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

pub const REPORT_SCHEMA_VERSION: u32 = 2;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: ReportTool,
    pub generated_at: DateTime<Utc>,
    pub snapshot: SnapshotInfo,
    pub scope: ReportScope,
    /// The severity threshold the exit code was decided with.
    pub fail_on: Severity,
    /// The exit code this report corresponds to (see the README's table).
    pub exit_code: u8,
    pub summary: Summary,
    /// Check id → what every finding of that check shares: title,
    /// remediation, framework mappings. Stated once per check, not once per
    /// finding (170,000 findings in a 5,000-account organization).
    pub checks: BTreeMap<String, ReportCheck>,
    pub findings: Vec<ReportFinding>,
    /// Evidence that several findings rely on (an organization trail's
    /// assessment, reported under every account it covers), stated once.
    /// Inside a finding's evidence, the object `{"shared_evidence": KEY}`
    /// stands for `shared_evidence[KEY]`.
    #[serde(with = "shared_evidence_map")]
    pub shared_evidence: BTreeMap<String, Arc<SharedEvidence>>,
    pub collection_errors: Vec<ReportCollectionError>,
    /// What the configuration and flags changed: disabled checks, severity
    /// overrides, waivers and their state. Absent in reports written before
    /// it existed.
    #[serde(default)]
    pub policy: ReportPolicy,
    /// With `--framework`: the results per control id of that framework.
    #[serde(default)]
    pub framework: Option<ReportFramework>,
    /// With `--baseline`: how this run compares with the earlier report.
    #[serde(default)]
    pub baseline: Option<ReportBaseline>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportPolicy {
    /// The configuration file, when one was read.
    pub config: Option<ReportConfigFile>,
    /// `--framework` (or `gate.framework`), when the run was restricted.
    pub framework: Option<String>,
    /// Whether only new failures counted for the exit code.
    pub fail_on_new: bool,
    /// Checks that did not run, each with its reason.
    pub disabled_checks: Vec<ReportDisabledCheck>,
    pub severity_overrides: Vec<ReportSeverityOverride>,
    pub waivers: Vec<ReportWaiver>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportConfigFile {
    pub path: String,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportDisabledCheck {
    pub check_id: String,
    pub title: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportSeverityOverride {
    pub check_id: String,
    /// The catalog's severity.
    pub default: Severity,
    /// The severity the findings carry in this report.
    pub severity: Severity,
}

/// One `[[waiver]]` of the configuration and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportWaiver {
    /// 1-based position among the file's `[[waiver]]` entries.
    pub index: usize,
    pub check_id: String,
    pub accounts: Option<Vec<String>>,
    pub regions: Option<Vec<String>>,
    pub resources: Option<Vec<String>>,
    pub reason: String,
    pub owner: String,
    /// Last day it applies (inclusive, UTC).
    pub expires: chrono::NaiveDate,
    /// `active`, `expiring_soon`, `expired`, `stale` (matched nothing) or
    /// `not_evaluated` (its check did not run).
    pub state: WaiverState,
    /// Days from the report date to the expiry (negative once expired).
    pub days_left: i64,
    /// Failing findings it matched.
    pub matched: usize,
}

impl ReportWaiver {
    /// The lists that narrow the waiver, as (name, values), in a fixed order:
    /// what every renderer shows after the check id.
    pub fn narrowed_by(&self) -> Vec<(&'static str, &[String])> {
        [
            ("accounts", &self.accounts),
            ("regions", &self.regions),
            ("resources", &self.resources),
        ]
        .into_iter()
        .filter_map(|(what, list)| list.as_deref().map(|l| (what, l)))
        .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportFramework {
    pub key: String,
    pub name: String,
    /// Controls in natural order (3.2 before 3.10).
    pub controls: Vec<ReportControl>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportControl {
    pub id: String,
    /// The worst verdict of its findings: `fail`, then `error`, `waived`,
    /// `pass`, `not_applicable`; `not_applicable` when it has none.
    pub status: Status,
    /// The checks that ran and implement it.
    pub checks: Vec<String>,
    pub counts: StatusCounts,
    /// Its checks the configuration disabled. A control whose checks are
    /// all disabled is still listed (not evaluated), never dropped.
    #[serde(default)]
    pub disabled_checks: Vec<String>,
}

impl ReportControl {
    /// Whether none of its checks ran: every one was disabled.
    pub fn is_disabled(&self) -> bool {
        self.checks.is_empty() && !self.disabled_checks.is_empty()
    }

    /// Its checks, then its disabled ones marked as such, each written by
    /// `show`.
    pub fn checks_text(&self, show: impl Fn(&str) -> String) -> String {
        self.checks
            .iter()
            .map(|c| show(c))
            .chain(
                self.disabled_checks
                    .iter()
                    .map(|c| format!("{} (disabled)", show(c))),
            )
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportBaseline {
    /// SHA-256 of the baseline report file.
    pub sha256: String,
    pub generated_at: DateTime<Utc>,
    pub new: usize,
    pub unchanged: usize,
    /// Findings that failed in the baseline and no longer fail, including
    /// those no longer reported at all.
    pub resolved: usize,
    /// Baseline failures with no finding in this run (resource deleted or
    /// out of scope), as the baseline reported them.
    pub no_longer_reported: Vec<ReportFinding>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportTool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotInfo {
    pub collected_at: DateTime<Utc>,
    /// Lowercase hex SHA-256 of the snapshot file the findings were evaluated
    /// from (for `audit`, of the snapshot as `--save-snapshot` writes it).
    pub sha256: String,
    pub collected_by: ReportTool,
    /// ARN of the identity that collected the facts.
    pub caller_arn: Option<String>,
    pub partition: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportScope {
    /// `single`, `accounts` or `organization`.
    pub mode: String,
    pub accounts: Vec<String>,
    /// Every region audited in at least one account.
    pub regions: Vec<String>,
    pub organization_id: Option<String>,
    pub management_account_id: Option<String>,
    /// Where the facts were read instead of AWS's own endpoints (see the
    /// snapshot's `scope.endpoint_overrides`); empty when from AWS (absent
    /// in reports written before it existed).
    #[serde(default)]
    pub endpoint_overrides: BTreeMap<String, String>,
    /// `--shard K/N`: the report covers only this shard's accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<crate::snapshot::Shard>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCounts {
    pub pass: usize,
    pub fail: usize,
    pub error: usize,
    pub not_applicable: usize,
    /// Failures accepted by an unexpired waiver (not counted by the exit code).
    #[serde(default)]
    pub waived: usize,
}

impl StatusCounts {
    pub fn add(&mut self, status: Status) {
        match status {
            Status::Pass => self.pass += 1,
            Status::Fail => self.fail += 1,
            Status::Error => self.error += 1,
            Status::NotApplicable => self.not_applicable += 1,
            Status::Waived => self.waived += 1,
        }
    }

    pub fn get(&self, status: Status) -> usize {
        match status {
            Status::Pass => self.pass,
            Status::Fail => self.fail,
            Status::Error => self.error,
            Status::NotApplicable => self.not_applicable,
            Status::Waived => self.waived,
        }
    }

    pub fn total(&self) -> usize {
        self.pass + self.fail + self.error + self.not_applicable + self.waived
    }
}

/// Higher is worse: a failure outranks an unknown (`error`), which outranks
/// an accepted failure (`waived`), a pass and a not-applicable.
pub fn badness(status: Status) -> u8 {
    match status {
        Status::Fail => 4,
        Status::Error => 3,
        Status::Waived => 2,
        Status::Pass => 1,
        Status::NotApplicable => 0,
    }
}

/// The worst of some verdicts (see [`badness`]).
pub fn worst(statuses: impl Iterator<Item = Status>) -> Option<Status> {
    statuses.max_by_key(|s| badness(*s))
}

/// Orders control ids naturally: numeric parts as numbers (`3.2` < `3.10`,
/// `CloudTrail.2` < `CloudTrail.10`).
pub fn natural_key(id: &str) -> Vec<(String, u64)> {
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut digits = String::new();
    for c in id.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            if !digits.is_empty() {
                parts.push((
                    std::mem::take(&mut text),
                    digits.parse().unwrap_or(u64::MAX),
                ));
                digits.clear();
            }
            text.push(c);
        }
    }
    parts.push((text, digits.parse().unwrap_or(0)));
    parts
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub total: usize,
    pub by_status: StatusCounts,
    /// Severity → counts by status.
    pub by_severity: BTreeMap<Severity, StatusCounts>,
}

impl Summary {
    /// The counts of some findings, by status and by severity × status.
    pub fn of(findings: &[ReportFinding]) -> Summary {
        let mut summary = Summary {
            total: findings.len(),
            by_status: StatusCounts::default(),
            by_severity: Severity::ALL
                .iter()
                .map(|s| (*s, StatusCounts::default()))
                .collect(),
        };
        for f in findings {
            summary.by_status.add(f.status);
            summary
                .by_severity
                .entry(f.severity)
                .or_default()
                .add(f.status);
        }
        summary
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportFinding {
    pub check_id: String,
    pub severity: Severity,
    pub status: Status,
    pub account_id: String,
    pub region: Option<String>,
    pub resource: String,
    pub message: String,
    /// The facts decided on; may refer to the report's `shared_evidence`
    /// (see [`Report::evidence_of`]). Kept as compact JSON text.
    pub evidence: EvidenceJson,
    /// The waiver that waived this finding, or whose expiry made it fail again.
    #[serde(default)]
    pub waiver: Option<ReportWaiverNote>,
    /// With `--baseline`: `new`, `unchanged` or `resolved`.
    #[serde(default)]
    pub change: Option<Change>,
}

/// The waiver a finding names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportWaiverNote {
    /// 1-based position among the configuration's `[[waiver]]` entries.
    pub index: usize,
    pub reason: String,
    pub owner: String,
    pub expires: chrono::NaiveDate,
    /// True when the waiver has expired: the finding fails again.
    pub expired: bool,
}

/// What all findings of one check share.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportCheck {
    pub title: String,
    pub remediation: ReportRemediation,
    /// Framework key → control ids.
    pub frameworks: BTreeMap<String, Vec<String>>,
    /// Why the check matters (the catalog's text when the report was
    /// written), so that a renderer presenting an old or merged report
    /// never reads today's catalog. Absent in reports written before it
    /// existed, and then empty.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub rationale: String,
}

/// `shared_evidence` as a JSON object of key → evidence.
mod shared_evidence_map {
    use crate::finding::{EvidenceJson, SharedEvidence};
    use serde::ser::SerializeMap;
    use serde::{Deserialize, Deserializer, Serializer};
    use std::collections::BTreeMap;
    use std::sync::Arc;

    pub fn serialize<S: Serializer>(
        map: &BTreeMap<String, Arc<SharedEvidence>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_map(Some(map.len()))?;
        for (key, shared) in map {
            out.serialize_entry(key, &shared.json)?;
        }
        out.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<BTreeMap<String, Arc<SharedEvidence>>, D::Error> {
        let plain = BTreeMap::<String, EvidenceJson>::deserialize(deserializer)?;
        Ok(plain
            .into_iter()
            .map(|(key, json)| (key.clone(), Arc::new(SharedEvidence { key, json })))
            .collect())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportRemediation {
    pub console: String,
    pub cli: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportCollectionError {
    pub account_id: String,
    pub region: Option<String>,
    pub service: String,
    pub operation: String,
    pub code: String,
    pub message: String,
}

impl From<&CollectionError> for ReportCollectionError {
    fn from(e: &CollectionError) -> Self {
        ReportCollectionError {
            account_id: e.account_id.clone(),
            region: e.region.clone(),
            service: e.service.clone(),
            operation: e.operation.clone(),
            code: e.code.clone(),
            message: e.message.clone(),
        }
    }
}

impl From<&ToolInfo> for ReportTool {
    fn from(t: &ToolInfo) -> Self {
        ReportTool {
            name: t.name.clone(),
            version: t.version.clone(),
        }
    }
}

/// For findings of a check a report does not describe.
static UNDESCRIBED_CHECK: ReportCheck = ReportCheck {
    title: String::new(),
    remediation: ReportRemediation {
        console: String::new(),
        cli: String::new(),
    },
    frameworks: BTreeMap::new(),
    rationale: String::new(),
};

impl Report {
    /// The description of a check (empty for a check the report does not
    /// describe).
    pub fn check(&self, check_id: &str) -> &ReportCheck {
        self.checks.get(check_id).unwrap_or(&UNDESCRIBED_CHECK)
    }

    /// A finding's evidence whole: its references to shared evidence
    /// replaced by what they stand for. What a reader of one finding needs.
    pub fn evidence_of(&self, finding: &ReportFinding) -> serde_json::Value {
        resolve_shared(&finding.evidence.value(), &|key| {
            self.shared_evidence.get(key).map(|s| s.json.value())
        })
    }

    /// Whether the configuration or the gate flags changed anything worth
    /// showing: a configuration file, a framework, `--fail-on-new`, disabled
    /// checks, severity overrides or waivers.
    pub fn policy_applies(&self) -> bool {
        let p = &self.policy;
        p.config.is_some()
            || p.framework.is_some()
            || p.fail_on_new
            || !p.disabled_checks.is_empty()
            || !p.severity_overrides.is_empty()
            || !p.waivers.is_empty()
    }
}
