//! What the templates see: the report as page views (head, summary,
//! frameworks, matrix columns, checks, waivers, baseline, errors), built
//! from [`super::super::view`]; no verdict is computed here.

use super::rows::{Group, PageData};
use crate::finding::{Severity, Status};
use crate::report::model::{
    Report, ReportCheck, ReportFinding, ReportFramework, ReportWaiver, StatusCounts,
};
use crate::report::view;
use crate::verdict::Change;
use serde::Serialize;
use std::collections::BTreeMap;

use crate::report::model::worst;

/// The JSON report as templates see it: every field but `findings` and
/// `shared_evidence`. Handlebars turns its context into a JSON value tree;
/// with the findings in it, a 5,000-account report became gigabytes of
/// tree before a byte was written. The findings reach templates through the
/// block helpers instead.
#[derive(Debug, Serialize)]
pub(super) struct ReportHead<'a> {
    pub(super) schema_version: u32,
    pub(super) tool: &'a crate::report::model::ReportTool,
    pub(super) generated_at: &'a chrono::DateTime<chrono::Utc>,
    pub(super) snapshot: &'a crate::report::model::SnapshotInfo,
    pub(super) scope: &'a crate::report::model::ReportScope,
    pub(super) fail_on: Severity,
    pub(super) exit_code: u8,
    pub(super) summary: &'a crate::report::model::Summary,
    pub(super) checks: &'a BTreeMap<String, ReportCheck>,
    pub(super) collection_errors: &'a [crate::report::model::ReportCollectionError],
    pub(super) policy: &'a crate::report::model::ReportPolicy,
    pub(super) framework: &'a Option<ReportFramework>,
    pub(super) baseline: &'a Option<crate::report::model::ReportBaseline>,
}

impl<'a> ReportHead<'a> {
    pub(super) fn of(r: &'a Report) -> Self {
        ReportHead {
            schema_version: r.schema_version,
            tool: &r.tool,
            generated_at: &r.generated_at,
            snapshot: &r.snapshot,
            scope: &r.scope,
            fail_on: r.fail_on,
            exit_code: r.exit_code,
            summary: &r.summary,
            checks: &r.checks,
            collection_errors: &r.collection_errors,
            policy: &r.policy,
            framework: &r.framework,
            baseline: &r.baseline,
        }
    }
}

#[derive(Debug, Serialize)]
pub(super) struct View<'a> {
    pub(super) report: ReportHead<'a>,
    /// `generated_at` and `collected_at` as `YYYY-MM-DD HH:MM:SS UTC`.
    pub(super) generated_at: String,
    pub(super) collected_at: String,
    pub(super) caller_arn: String,
    pub(super) account_count: usize,
    pub(super) region_count: usize,
    pub(super) exit_meaning: &'static str,
    /// Base64 SHA-256 of the rendered script, for the CSP header.
    pub(super) script_sha256: String,
    pub(super) statuses: Vec<Label>,
    pub(super) severities: Vec<Label>,
    pub(super) summary: SummaryView,
    pub(super) frameworks: Vec<FrameworkView>,
    pub(super) accounts: &'a [&'a str],
    pub(super) matrix: MatrixView,
    pub(super) checks: Vec<CheckView<'a>>,
    /// How the evidence is stored in the page (see [`EvidenceStore`]).
    pub(super) evidence: EvidenceInfo,
    pub(super) collection_errors: Vec<ErrorView<'a>>,
    /// Every `[[waiver]]` with its state's label.
    pub(super) waivers: Vec<WaiverView<'a>>,
    /// With `--baseline`: counts and the resolved findings; else null.
    pub(super) baseline: Option<BaselineView<'a>>,
    /// Options of the change filter (empty without a baseline).
    pub(super) changes: Vec<Label>,
}

#[derive(Debug, Serialize)]
pub(super) struct WaiverView<'a> {
    pub(super) waiver: &'a ReportWaiver,
    /// `active`, `expiring_soon`, `expired`, `stale`, `not_evaluated`.
    pub(super) state: &'static str,
    pub(super) label: &'static str,
    /// What the state asks of the reader (empty when nothing).
    pub(super) advice: String,
    /// Accounts, regions and resources it is limited to; `all` when none.
    pub(super) scope: String,
}

#[derive(Debug, Serialize)]
pub(super) struct BaselineView<'a> {
    sha256: &'a str,
    pub(super) generated_at: String,
    pub(super) new: usize,
    pub(super) unchanged: usize,
    pub(super) resolved: usize,
    /// Findings that now pass, then those no longer reported.
    pub(super) resolved_findings: Vec<ResolvedView<'a>>,
}

#[derive(Debug, Serialize)]
pub(super) struct ResolvedView<'a> {
    pub(super) check_id: &'a str,
    pub(super) title: &'a str,
    pub(super) severity: &'static str,
    pub(super) account_id: &'a str,
    pub(super) region: &'a str,
    pub(super) resource: &'a str,
    /// `now pass`, `now not_applicable` or `no longer reported`.
    pub(super) how: String,
}

#[derive(Debug, Serialize)]
pub(super) struct Label {
    pub(super) key: &'static str,
    pub(super) label: &'static str,
}

#[derive(Debug, Serialize)]
pub(super) struct Count {
    pub(super) status: &'static str,
    pub(super) label: &'static str,
    pub(super) count: usize,
}

#[derive(Debug, Serialize)]
pub(super) struct SummaryView {
    pub(super) total: usize,
    pub(super) by_status: Vec<Count>,
    pub(super) by_severity: Vec<SeverityRow>,
}

#[derive(Debug, Serialize)]
pub(super) struct SeverityRow {
    pub(super) severity: &'static str,
    pub(super) label: &'static str,
    pub(super) total: usize,
    pub(super) counts: Vec<Count>,
}

#[derive(Debug, Serialize)]
pub(super) struct FrameworkView {
    pub(super) key: String,
    pub(super) name: String,
    /// The run's `--framework`: its controls come from the model and are
    /// shown expanded.
    pub(super) selected: bool,
    pub(super) controls_total: usize,
    pub(super) passed: usize,
    pub(super) failed: usize,
    /// Controls with an `error` finding and no failing one: not proven.
    pub(super) incomplete: usize,
    /// Controls whose worst finding is an accepted (waived) failure.
    pub(super) waived: usize,
    pub(super) not_applicable: usize,
    /// Controls none of whose checks ran (the configuration disabled them
    /// all): not evaluated, so counted neither as passed nor as N/A.
    pub(super) disabled: usize,
    pub(super) controls: Vec<ControlView>,
}

#[derive(Debug, Serialize)]
pub(super) struct ControlView {
    pub(super) id: String,
    pub(super) status: &'static str,
    pub(super) label: &'static str,
    pub(super) checks: Vec<String>,
    /// Its checks the configuration disabled (the run's framework only).
    pub(super) disabled_checks: Vec<String>,
    pub(super) counts: StatusCounts,
}

/// The matrix's columns; its rows come one at a time from the
/// `matrix_rows` block helper.
#[derive(Debug, Serialize)]
pub(super) struct MatrixView {
    pub(super) checks: Vec<MatrixColumn>,
}

#[derive(Debug, Serialize)]
pub(super) struct MatrixColumn {
    pub(super) id: String,
    pub(super) title: String,
    pub(super) severity: &'static str,
    pub(super) frameworks: String,
}

/// One account's row of the matrix (a `matrix_rows` item). A cell's check,
/// severity and frameworks are its column's: repeating them in each of
/// 175,000 cells made a third of a large page.
#[derive(Debug, Serialize)]
pub(super) struct MatrixRow<'a> {
    pub(super) account: &'a str,
    pub(super) cells: Vec<MatrixCell>,
}

#[derive(Debug, Serialize)]
pub(super) struct MatrixCell {
    /// Worst status of the account's findings for the check; `none` when
    /// the check produced no finding for the account.
    pub(super) status: &'static str,
    pub(super) label: &'static str,
}

#[derive(Debug, Serialize)]
pub(super) struct CheckView<'a> {
    pub(super) id: &'a str,
    pub(super) title: &'a str,
    pub(super) severity: &'static str,
    /// Paragraphs, each reflowed onto one line.
    pub(super) rationale: Vec<String>,
    /// Space-separated framework keys, for the framework filter.
    pub(super) framework_keys: String,
    pub(super) frameworks: Vec<FrameworkControls>,
    pub(super) console: Vec<String>,
    pub(super) cli: &'a str,
    pub(super) worst: &'static str,
    pub(super) worst_label: &'static str,
    pub(super) counts: Vec<Count>,
    /// Findings; the groups themselves come from `{{#finding_groups id}}`.
    pub(super) total: usize,
}

#[derive(Debug, Serialize)]
pub(super) struct FrameworkControls {
    pub(super) name: String,
    pub(super) controls: String,
}

/// Findings of one check with the same verdict, message, waiver and
/// baseline change (a `finding_groups` item): the message is shown once for
/// the 2,500 accounts an organization trail covers, not once per account.
#[derive(Debug, Serialize)]
pub(super) struct GroupView<'a> {
    pub(super) status: &'static str,
    pub(super) label: &'static str,
    /// `new`, `unchanged`, `resolved`, or empty without a baseline.
    pub(super) change: &'static str,
    pub(super) change_label: &'static str,
    /// The waiver that waived them, or whose expiry made them fail again.
    pub(super) waiver: Option<WaiverNoteView<'a>>,
    pub(super) message: &'a str,
    pub(super) count: usize,
    pub(super) findings: Vec<RowView<'a>>,
}

/// One finding of a group: where it is, and which evidence item it rests on.
#[derive(Debug, Serialize)]
pub(super) struct RowView<'a> {
    pub(super) account_id: &'a str,
    pub(super) region: &'a str,
    pub(super) resource: &'a str,
    /// Number of its evidence in the page's evidence store.
    pub(super) evidence: usize,
}

#[derive(Debug, Serialize)]
pub(super) struct EvidenceInfo {
    /// Distinct evidence items (findings share an item when their evidence
    /// is identical).
    pub(super) items: usize,
    pub(super) chunks: usize,
}

/// One compressed chunk of the evidence store (an `evidence_chunks` item).
#[derive(Debug, Serialize)]
pub(super) struct ChunkView<'a> {
    /// Number of its first item.
    pub(super) first: usize,
    /// Base64 of the gzip of `{"items":[...],"shared":{key: evidence}}`.
    pub(super) data: &'a str,
}

#[derive(Debug, Serialize)]
pub(super) struct WaiverNoteView<'a> {
    pub(super) index: usize,
    pub(super) reason: &'a str,
    pub(super) owner: &'a str,
    pub(super) expires: String,
    pub(super) expired: bool,
}

#[derive(Debug, Serialize)]
pub(super) struct ErrorView<'a> {
    pub(super) account_id: &'a str,
    pub(super) region: &'a str,
    pub(super) service: &'a str,
    pub(super) operation: &'a str,
    pub(super) code: &'a str,
    pub(super) message: &'a str,
}

pub(super) fn waiver_view(w: &ReportWaiver) -> WaiverView<'_> {
    let words = view::waiver_state(&w.state, w.days_left);
    let scope: Vec<String> = w
        .narrowed_by()
        .into_iter()
        .map(|(what, list)| format!("{what}: {}", list.join(", ")))
        .collect();
    WaiverView {
        waiver: w,
        state: words.key,
        label: words.label,
        advice: words.advice,
        scope: if scope.is_empty() {
            "all resources of the check".to_string()
        } else {
            scope.join("; ")
        },
    }
}

pub(super) fn resolved_view<'a>(
    report: &'a Report,
    f: &'a ReportFinding,
    how: String,
) -> ResolvedView<'a> {
    ResolvedView {
        check_id: &f.check_id,
        title: &report.check(&f.check_id).title,
        severity: f.severity.as_str(),
        account_id: &f.account_id,
        region: f.region.as_deref().unwrap_or("global"),
        resource: &f.resource,
        how,
    }
}

pub(super) fn counts(c: &StatusCounts) -> Vec<Count> {
    Status::ALL
        .iter()
        .map(|s| Count {
            status: s.as_str(),
            label: view::status(*s).label,
            count: c.get(*s),
        })
        .collect()
}

pub(super) fn framework_keys(check: &ReportCheck) -> String {
    view::check_frameworks(check)
        .into_iter()
        .map(|(key, _, _)| key)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The metadata's prose is hard-wrapped for terminals: on a page, only its
/// blank lines separate paragraphs.
pub(super) fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}

pub(super) fn utc(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

impl<'a> View<'a> {
    pub(super) fn build(report: &'a Report, data: &'a PageData<'a>) -> View<'a> {
        let order = &data.order;
        let checks: Vec<CheckView<'a>> = order
            .iter()
            .zip(&data.groups)
            .map(|(id, groups)| check_view(report, id, groups))
            .collect();
        let matrix = MatrixView {
            checks: order
                .iter()
                .zip(&checks)
                .map(|(id, check)| MatrixColumn {
                    id: id.to_string(),
                    title: check.title.to_string(),
                    severity: check.severity,
                    frameworks: check.framework_keys.clone(),
                })
                .collect(),
        };

        View {
            report: ReportHead::of(report),
            generated_at: utc(&report.generated_at),
            collected_at: utc(&report.snapshot.collected_at),
            caller_arn: report
                .snapshot
                .caller_arn
                .clone()
                .unwrap_or_else(|| "unknown (not recorded in the snapshot)".into()),
            account_count: report.scope.accounts.len(),
            region_count: report.scope.regions.len(),
            exit_meaning: match report.exit_code {
                0 => "clean: no failing finding at or above the threshold",
                1 => "failing: a finding at or above the threshold fails",
                3 => "incomplete: some facts could not be collected or judged",
                _ => "see the exit code table in the README",
            },
            script_sha256: String::new(),
            statuses: Status::ALL
                .iter()
                .map(|s| Label {
                    key: s.as_str(),
                    label: view::status(*s).label,
                })
                .collect(),
            severities: Severity::ALL
                .iter()
                .rev()
                .map(|s| Label {
                    key: s.as_str(),
                    label: view::severity(*s),
                })
                .collect(),
            summary: SummaryView {
                total: report.summary.total,
                by_status: counts(&report.summary.by_status),
                by_severity: Severity::ALL
                    .iter()
                    .rev()
                    .map(|s| {
                        let c = report
                            .summary
                            .by_severity
                            .get(s)
                            .copied()
                            .unwrap_or_default();
                        SeverityRow {
                            severity: s.as_str(),
                            label: view::severity(*s),
                            total: c.total(),
                            counts: counts(&c),
                        }
                    })
                    .collect(),
            },
            frameworks: view::control_tables(report)
                .iter()
                .map(framework_view)
                .collect(),
            accounts: &data.accounts,
            matrix,
            checks,
            evidence: EvidenceInfo {
                items: data.evidence.items,
                chunks: data.evidence.chunks.len(),
            },
            waivers: report.policy.waivers.iter().map(waiver_view).collect(),
            baseline: report.baseline.as_ref().map(|b| BaselineView {
                sha256: &b.sha256,
                generated_at: utc(&b.generated_at),
                new: b.new,
                unchanged: b.unchanged,
                resolved: b.resolved,
                resolved_findings: report
                    .findings
                    .iter()
                    .filter(|f| f.change == Some(Change::Resolved))
                    .map(|f| {
                        resolved_view(report, f, format!("now {}", view::status(f.status).label))
                    })
                    .chain(
                        b.no_longer_reported
                            .iter()
                            .map(|f| resolved_view(report, f, "no longer reported".to_string())),
                    )
                    .collect(),
            }),
            changes: if report.baseline.is_some() {
                [Change::New, Change::Unchanged, Change::Resolved]
                    .iter()
                    .map(|c| Label {
                        key: c.as_str(),
                        label: view::change(Some(*c)),
                    })
                    .collect()
            } else {
                Vec::new()
            },
            collection_errors: report
                .collection_errors
                .iter()
                .map(|e| ErrorView {
                    account_id: &e.account_id,
                    region: e.region.as_deref().unwrap_or("global"),
                    service: &e.service,
                    operation: &e.operation,
                    code: &e.code,
                    message: &e.message,
                })
                .collect(),
        }
    }
}

pub(super) fn check_view<'a>(report: &'a Report, id: &'a str, groups: &[Group]) -> CheckView<'a> {
    let findings = || {
        groups
            .iter()
            .flat_map(|g| g.members.iter().map(|&i| &report.findings[i]))
    };
    let first = &report.findings[groups[0].members[0]];
    let check = report.check(id);
    let mut c = StatusCounts::default();
    for f in findings() {
        c.add(f.status);
    }
    let w = worst(findings().map(|f| f.status)).unwrap_or(Status::NotApplicable);
    CheckView {
        id,
        title: &check.title,
        severity: first.severity.as_str(),
        rationale: paragraphs(&check.rationale),
        framework_keys: framework_keys(check),
        frameworks: view::check_frameworks(check)
            .into_iter()
            .map(|(_, name, ids)| FrameworkControls {
                name,
                controls: ids.join(", "),
            })
            .collect(),
        console: paragraphs(&check.remediation.console),
        cli: &check.remediation.cli,
        worst: w.as_str(),
        worst_label: view::status(w).label,
        counts: counts(&c),
        total: c.total(),
    }
}

/// A framework's control table (see [`view::control_tables`]) for templates.
pub(super) fn framework_view(table: &view::ControlTable) -> FrameworkView {
    use view::ControlVerdict::{Disabled, Judged};
    FrameworkView {
        key: table.key.clone(),
        name: table.name.clone(),
        selected: table.selected,
        controls_total: table.rows.len(),
        passed: table.count(Judged(Status::Pass)),
        failed: table.count(Judged(Status::Fail)),
        incomplete: table.count(Judged(Status::Error)),
        waived: table.count(Judged(Status::Waived)),
        not_applicable: table.count(Judged(Status::NotApplicable)),
        disabled: table.count(Disabled),
        controls: table
            .rows
            .iter()
            .map(|r| ControlView {
                id: r.id.clone(),
                status: r.verdict.key(),
                label: r.verdict.label(),
                checks: r.checks.clone(),
                disabled_checks: r.disabled_checks.clone(),
                counts: r.counts,
            })
            .collect(),
    }
}
