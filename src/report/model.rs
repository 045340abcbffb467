//! The JSON report, version 1: frozen output types, separate from the
//! internal ones, so refactoring never breaks a user's pipeline. Fields may be
//! added; none is renamed or removed without bumping `schema_version`.
//! `schemas/report-v1.schema.json` describes this document.

use crate::checks::{Catalog, Remediation as MetaRemediation};
use crate::finding::{Finding, Severity, Status};
use crate::snapshot::{CollectionError, Snapshot, ToolInfo};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

pub const REPORT_SCHEMA_VERSION: u32 = 1;

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
    pub findings: Vec<ReportFinding>,
    pub collection_errors: Vec<ReportCollectionError>,
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
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCounts {
    pub pass: usize,
    pub fail: usize,
    pub error: usize,
    pub not_applicable: usize,
}

impl StatusCounts {
    pub fn add(&mut self, status: Status) {
        match status {
            Status::Pass => self.pass += 1,
            Status::Fail => self.fail += 1,
            Status::Error => self.error += 1,
            Status::NotApplicable => self.not_applicable += 1,
        }
    }

    pub fn total(&self) -> usize {
        self.pass + self.fail + self.error + self.not_applicable
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub total: usize,
    pub by_status: StatusCounts,
    /// Severity → counts by status.
    pub by_severity: BTreeMap<Severity, StatusCounts>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportFinding {
    pub check_id: String,
    pub title: String,
    pub severity: Severity,
    pub status: Status,
    pub account_id: String,
    pub region: Option<String>,
    pub resource: String,
    pub message: String,
    pub evidence: serde_json::Value,
    pub remediation: ReportRemediation,
    /// Framework key → control ids.
    pub frameworks: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportRemediation {
    pub console: String,
    pub cli: String,
}

impl From<&MetaRemediation> for ReportRemediation {
    fn from(r: &MetaRemediation) -> Self {
        ReportRemediation {
            console: r.console.trim().to_string(),
            cli: r.cli.trim().to_string(),
        }
    }
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

impl Report {
    /// Assembles the report of evaluated findings. The verdicts are taken as
    /// they are; only titles, remediation and framework mappings are joined
    /// from the catalog.
    pub fn build(
        snapshot: &Snapshot,
        snapshot_sha256: &str,
        findings: &[Finding],
        catalog: &Catalog,
        fail_on: Severity,
        exit_code: u8,
        generated_at: DateTime<Utc>,
    ) -> Report {
        let mut summary = Summary {
            total: findings.len(),
            by_status: StatusCounts::default(),
            by_severity: Severity::ALL
                .iter()
                .map(|s| (*s, StatusCounts::default()))
                .collect(),
        };
        let findings: Vec<ReportFinding> = findings
            .iter()
            .map(|f| {
                summary.by_status.add(f.status);
                summary
                    .by_severity
                    .entry(f.severity)
                    .or_default()
                    .add(f.status);
                let meta = catalog.get(&f.check_id);
                ReportFinding {
                    check_id: f.check_id.clone(),
                    title: meta.map(|m| m.title.clone()).unwrap_or_default(),
                    severity: f.severity,
                    status: f.status,
                    account_id: f.account_id.clone(),
                    region: f.region.clone(),
                    resource: f.resource.clone(),
                    message: f.message.clone(),
                    evidence: f.evidence.clone(),
                    remediation: meta
                        .map(|m| ReportRemediation::from(&m.remediation))
                        .unwrap_or(ReportRemediation {
                            console: String::new(),
                            cli: String::new(),
                        }),
                    frameworks: meta.map(|m| m.frameworks.clone()).unwrap_or_default(),
                }
            })
            .collect();
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
            generated_at,
            snapshot: SnapshotInfo {
                collected_at: snapshot.collected_at,
                sha256: snapshot_sha256.to_string(),
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
            },
            fail_on,
            exit_code,
            summary,
            findings,
            collection_errors: snapshot
                .errors
                .iter()
                .map(ReportCollectionError::from)
                .collect(),
        }
    }
}
