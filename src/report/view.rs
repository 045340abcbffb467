//! The one view of a report that the human-readable formats present.
//!
//! Renderers used to each re-derive the same things from the model: the
//! words for a status, severity, baseline change or waiver state, the order
//! of control ids, and each framework's control table. They disagreed: the
//! HTML report sorted control ids with its own natural sort, and computed
//! the controls of every framework while the console and Markdown read
//! only the run's `--framework`, each wording a control whose checks were
//! all disabled differently and the HTML counting it as N/A. Here each of
//! those is decided once, and a unit test pins each decision. Verdicts stay
//! the model's: nothing here judges a finding.

use super::model::{Report, ReportCheck, ReportControl, StatusCounts};
use crate::finding::{Severity, Status};
use crate::verdict::{Change, WaiverState};
use std::collections::{BTreeMap, BTreeSet};

/// The one natural sort of ids (control ids above all): numeric parts as
/// numbers, so `3.2` < `3.10` and `CloudTrail.9` < `CloudTrail.10`.
pub use super::model::natural_key;

/// Ids in a decided order, each with its position.
#[derive(Debug, Default)]
pub struct Ordered<'a> {
    pub ids: Vec<&'a str>,
    pub index: std::collections::HashMap<&'a str, usize>,
}

impl<'a> Ordered<'a> {
    fn add(&mut self, id: &'a str) -> usize {
        let next = self.ids.len();
        *self.index.entry(id).or_insert_with(|| {
            self.ids.push(id);
            next
        })
    }
}

/// The checks in report (registry) order: the order of first appearance.
pub fn checks(report: &Report) -> Ordered<'_> {
    let mut order = Ordered::default();
    for f in &report.findings {
        order.add(&f.check_id);
    }
    order
}

/// One row of the per-check tables: a check, its severity (its findings'),
/// and how many of its findings have each status.
#[derive(Debug, Clone, Copy)]
pub struct CheckCounts<'a> {
    pub id: &'a str,
    pub severity: Severity,
    pub counts: StatusCounts,
}

/// The per-check counts, in [`checks`] order: the console and Markdown
/// tables format these, and count nothing themselves.
pub fn check_counts(report: &Report) -> Vec<CheckCounts<'_>> {
    let order = checks(report);
    let mut rows: Vec<CheckCounts<'_>> = order
        .ids
        .iter()
        .map(|id| CheckCounts {
            id,
            severity: Severity::Info,
            counts: Default::default(),
        })
        .collect();
    let mut seen = vec![false; rows.len()];
    for f in &report.findings {
        let i = order.index[f.check_id.as_str()];
        if !seen[i] {
            seen[i] = true;
            rows[i].severity = f.severity;
        }
        rows[i].counts.add(f.status);
    }
    rows
}

/// The accounts: every account in scope, in scope order, then any other a
/// finding names (a merged or hand-edited report may have one).
pub fn accounts(report: &Report) -> Ordered<'_> {
    let mut order = Ordered::default();
    for account in &report.scope.accounts {
        order.add(account);
    }
    for f in &report.findings {
        order.add(&f.account_id);
    }
    order
}

/// The account × check matrix: per account (rows, in `accounts` order),
/// per check (columns, in `checks` order), the worst status of the
/// account's findings for the check (see [`super::model::worst`]), `None`
/// when it has none. One pass over the findings.
pub fn matrix(
    report: &Report,
    accounts: &Ordered<'_>,
    checks: &Ordered<'_>,
) -> Vec<Vec<Option<Status>>> {
    let mut cells = vec![vec![None; checks.ids.len()]; accounts.ids.len()];
    for f in &report.findings {
        let (Some(&a), Some(&c)) = (
            accounts.index.get(f.account_id.as_str()),
            checks.index.get(f.check_id.as_str()),
        ) else {
            continue;
        };
        let cell: &mut Option<Status> = &mut cells[a][c];
        *cell = super::model::worst(cell.iter().copied().chain([f.status]));
    }
    cells
}

/// Findings that read the same: one check, verdict, message, waiver and
/// baseline change. An organization trail gives thousands of accounts the
/// same failure; the console and the HTML state its message once, then
/// where it applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingGroup {
    /// Indexes into `report.findings`, in report order.
    pub members: Vec<usize>,
}

/// The findings `keep` selects, grouped (see [`FindingGroup`]) in order of
/// first appearance: ONE grouping for every format that groups.
pub fn group_findings(
    report: &Report,
    keep: impl Fn(&super::model::ReportFinding) -> bool,
) -> Vec<FindingGroup> {
    type Key<'k> = (
        &'k str,
        Status,
        &'k str,
        Option<(usize, bool)>,
        Option<&'static str>,
    );
    let mut index: std::collections::HashMap<Key<'_>, usize> = std::collections::HashMap::new();
    let mut groups: Vec<FindingGroup> = Vec::new();
    for (i, f) in report.findings.iter().enumerate() {
        if !keep(f) {
            continue;
        }
        let key = (
            f.check_id.as_str(),
            f.status,
            f.message.as_str(),
            f.waiver.as_ref().map(|w| (w.index, w.expired)),
            f.change.map(Change::as_str),
        );
        let g = *index.entry(key).or_insert_with(|| {
            groups.push(FindingGroup {
                members: Vec::new(),
            });
            groups.len() - 1
        });
        groups[g].members.push(i);
    }
    groups
}

/// The words for a status, in each format's register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusWords {
    /// Console and HTML badges: `PASS`, `FAIL`, `ERROR`, `N/A`, `WAIVED`.
    pub label: &'static str,
    /// Markdown, with an emoji that does not rely on colour.
    pub markdown: &'static str,
    /// ANSI SGR colour for the console.
    pub ansi: &'static str,
}

/// The one wording table for [`Status`].
pub fn status(status: Status) -> StatusWords {
    let (label, markdown, ansi) = match status {
        Status::Pass => ("PASS", "✅ pass", "32"),
        Status::Fail => ("FAIL", "❌ fail", "1;31"),
        Status::Error => ("ERROR", "⚠️ error", "33"),
        Status::NotApplicable => ("N/A", "➖ n/a", "2"),
        Status::Waived => ("WAIVED", "💤 waived", "36"),
    };
    StatusWords {
        label,
        markdown,
        ansi,
    }
}

/// The one wording table for [`Severity`]: `Critical` … `Info`.
pub fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Info => "Info",
        Severity::Low => "Low",
        Severity::Medium => "Medium",
        Severity::High => "High",
        Severity::Critical => "Critical",
    }
}

/// The one wording table for a baseline [`Change`] (empty without one).
pub fn change(change: Option<Change>) -> &'static str {
    match change {
        Some(Change::New) => "NEW",
        Some(Change::Unchanged) => "UNCHANGED",
        Some(Change::Resolved) => "RESOLVED",
        None => "",
    }
}

/// The words for a waiver's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaiverWords {
    /// `active`, `expiring_soon`, `expired`, `stale`, `not_evaluated`.
    pub key: &'static str,
    /// `ACTIVE`, `EXPIRING SOON`, …
    pub label: &'static str,
    /// What the state asks of the reader (empty when nothing).
    pub advice: String,
    /// Markdown: an emoji that does not rely on colour (empty when none).
    pub emoji: &'static str,
    /// ANSI SGR colour for the console.
    pub ansi: &'static str,
}

/// The one wording table for [`WaiverState`]; `days_left` is the waiver's.
pub fn waiver_state(state: &WaiverState, days_left: i64) -> WaiverWords {
    let (key, label, emoji, ansi, advice) = match state {
        WaiverState::Active => ("active", "ACTIVE", "", "36", String::new()),
        WaiverState::ExpiringSoon => (
            "expiring_soon",
            "EXPIRING SOON",
            "⚠️",
            "1;33",
            format!("expires in {days_left} day(s): renew or fix"),
        ),
        WaiverState::Expired => (
            "expired",
            "EXPIRED",
            "❌",
            "1;31",
            "its failures count again".to_string(),
        ),
        WaiverState::Stale => (
            "stale",
            "STALE",
            "🧹",
            "33",
            "matches no failing finding: remove it".to_string(),
        ),
        WaiverState::NotEvaluated => (
            "not_evaluated",
            "NOT EVALUATED",
            "",
            "2",
            "its check did not run".to_string(),
        ),
    };
    WaiverWords {
        key,
        label,
        advice,
        emoji,
        ansi,
    }
}

/// A control's verdict as every format shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlVerdict {
    /// The worst verdict of its findings (`not_applicable` when none).
    Judged(Status),
    /// None of its checks ran: the configuration disabled every one. Not
    /// evaluated, so neither passed nor "not applicable".
    Disabled,
}

impl ControlVerdict {
    /// The key the HTML filters and classes use (`disabled` for a control
    /// none of whose checks ran).
    pub fn key(self) -> &'static str {
        match self {
            ControlVerdict::Judged(s) => s.as_str(),
            ControlVerdict::Disabled => "disabled",
        }
    }

    /// Console and HTML: the status label, or `DISABLED`.
    pub fn label(self) -> &'static str {
        match self {
            ControlVerdict::Judged(s) => status(s).label,
            ControlVerdict::Disabled => "DISABLED",
        }
    }

    /// Markdown: the status words, or `⏸ disabled`.
    pub fn markdown(self) -> &'static str {
        match self {
            ControlVerdict::Judged(s) => status(s).markdown,
            ControlVerdict::Disabled => "⏸ disabled",
        }
    }

    /// ANSI colour for the console.
    pub fn ansi(self) -> &'static str {
        match self {
            ControlVerdict::Judged(s) => status(s).ansi,
            ControlVerdict::Disabled => "2",
        }
    }
}

/// One control of a framework's table.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlRow {
    pub id: String,
    pub verdict: ControlVerdict,
    /// The checks that ran and implement it.
    pub checks: Vec<String>,
    /// Its checks the configuration disabled (the run's framework only:
    /// the others' disabled checks are not in the report).
    pub disabled_checks: Vec<String>,
    pub counts: StatusCounts,
}

/// One framework's controls, in natural order.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlTable {
    pub key: String,
    pub name: String,
    /// The run's `--framework`: its controls are the model's, as judged.
    pub selected: bool,
    pub rows: Vec<ControlRow>,
}

impl ControlTable {
    /// How many of its controls have this verdict.
    pub fn count(&self, verdict: ControlVerdict) -> usize {
        self.rows.iter().filter(|r| r.verdict == verdict).count()
    }
}

fn row_of(c: &ReportControl) -> ControlRow {
    ControlRow {
        id: c.id.clone(),
        verdict: if c.is_disabled() {
            ControlVerdict::Disabled
        } else {
            ControlVerdict::Judged(c.status)
        },
        checks: c.checks.clone(),
        disabled_checks: c.disabled_checks.clone(),
        counts: c.counts,
    }
}

/// A framework's display name: from the frameworks this build knows, else
/// its key (a report from another version may name one this build does not).
pub fn framework_name(key: &str) -> String {
    crate::checks::FRAMEWORKS
        .iter()
        .find(|(k, _)| *k == key)
        .map_or_else(|| key.to_string(), |(_, name)| name.to_string())
}

/// The frameworks a check maps to, with their control ids: in the order
/// this build lists frameworks, then any other key the report names; a key
/// with no control id is left out.
pub fn check_frameworks(check: &ReportCheck) -> Vec<(&str, String, &[String])> {
    let known = |key: &str| {
        crate::checks::FRAMEWORKS
            .iter()
            .position(|(k, _)| *k == key)
            .unwrap_or(usize::MAX)
    };
    let mut list: Vec<(&str, String, &[String])> = check
        .frameworks
        .iter()
        .filter(|(_, ids)| !ids.is_empty())
        .map(|(key, ids)| (key.as_str(), framework_name(key), ids.as_slice()))
        .collect();
    list.sort_by_key(|(key, _, _)| known(key));
    list
}

/// The control table of the run's `--framework`, when it had one: what the
/// per-control sections of every format show.
pub fn selected_control_table(report: &Report) -> Option<ControlTable> {
    control_tables(report).into_iter().find(|t| t.selected)
}

/// Every framework's control table, from ONE function. With `--framework`,
/// the run's framework only, exactly as the model judged it (the model
/// knows its disabled checks); without, every framework any of the
/// report's checks maps to, in the order this build lists frameworks (then
/// any other key), each control the worst verdict of the findings mapped to
/// it: it fails if any fails, is incomplete (`error`) if none fails but one
/// is an error (fail closed: not proven is not passed), is waived if its
/// worst is an accepted failure. The mappings are the report's own
/// (`checks`), never today's catalog, so an old or merged report keeps the
/// mappings it was judged with.
pub fn control_tables(report: &Report) -> Vec<ControlTable> {
    if let Some(framework) = &report.framework {
        let mut rows: Vec<ControlRow> = framework.controls.iter().map(row_of).collect();
        rows.sort_by_cached_key(|r| natural_key(&r.id));
        return vec![ControlTable {
            key: framework.key.clone(),
            name: framework.name.clone(),
            selected: true,
            rows,
        }];
    }
    let mut keys: Vec<&str> = crate::checks::FRAMEWORKS.iter().map(|(k, _)| *k).collect();
    let mut mapped: BTreeSet<&str> = BTreeSet::new();
    for check in report.checks.values() {
        mapped.extend(check.frameworks.keys().map(String::as_str));
    }
    for key in &mapped {
        if !keys.contains(key) {
            keys.push(key);
        }
    }
    keys.into_iter()
        .map(|key| {
            // Control → (statuses' counts, checks that produced a finding).
            let mut controls: BTreeMap<&str, (StatusCounts, Option<Status>, BTreeSet<&str>)> =
                BTreeMap::new();
            for f in &report.findings {
                let ids = report.check(&f.check_id).frameworks.get(key);
                for id in ids.into_iter().flatten() {
                    let entry = controls.entry(id.as_str()).or_default();
                    entry.0.add(f.status);
                    entry.1 = super::model::worst(entry.1.into_iter().chain([f.status]));
                    entry.2.insert(f.check_id.as_str());
                }
            }
            let mut rows: Vec<ControlRow> = controls
                .into_iter()
                .map(|(id, (counts, worst, checks))| ControlRow {
                    id: id.to_string(),
                    verdict: ControlVerdict::Judged(worst.unwrap_or(Status::NotApplicable)),
                    checks: checks.into_iter().map(str::to_string).collect(),
                    disabled_checks: Vec::new(),
                    counts,
                })
                .collect();
            rows.sort_by_cached_key(|r| natural_key(&r.id));
            ControlTable {
                key: key.to_string(),
                name: framework_name(key),
                selected: false,
                rows,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::model::{ReportFinding, ReportFramework};

    #[test]
    fn findings_group_by_check_verdict_message_waiver_and_change() {
        let mut other_message = finding("a", Status::Fail);
        other_message.message = "other".into();
        let mut new = finding("a", Status::Fail);
        new.change = Some(Change::New);
        let report = report_with(
            vec![
                finding("a", Status::Fail),
                finding("a", Status::Pass),
                finding("b", Status::Fail),
                finding("a", Status::Fail),
                other_message,
                new,
            ],
            &[("a", &["1"]), ("b", &["1"])],
        );
        let groups: Vec<Vec<usize>> = group_findings(&report, |_| true)
            .into_iter()
            .map(|g| g.members)
            .collect();
        assert_eq!(groups, [vec![0, 3], vec![1], vec![2], vec![4], vec![5]]);
        let failing = group_findings(&report, |f| f.status == Status::Fail);
        assert_eq!(failing.len(), 4);
    }

    #[test]
    fn accounts_are_the_scope_then_any_other_and_cells_the_worst_status() {
        let mut report = report_with(vec![], &[("a", &["1"]), ("b", &["1"])]);
        report.scope.accounts = vec!["2".into(), "1".into()];
        let f = |check: &str, account: &str, status| {
            let mut f = finding(check, status);
            f.account_id = account.into();
            f
        };
        report.findings = vec![
            f("a", "1", Status::Pass),
            f("a", "1", Status::Error),
            f("a", "1", Status::Fail),
            f("b", "3", Status::Waived),
            f("a", "2", Status::NotApplicable),
            f("a", "2", Status::Waived),
        ];
        let accounts = accounts(&report);
        let checks = checks(&report);
        assert_eq!(accounts.ids, ["2", "1", "3"]);
        assert_eq!(checks.ids, ["a", "b"]);
        let cells = matrix(&report, &accounts, &checks);
        assert_eq!(
            cells,
            [
                vec![Some(Status::Waived), None],
                vec![Some(Status::Fail), None],
                vec![None, Some(Status::Waived)]
            ]
        );
    }

    #[test]
    fn natural_sort_orders_numbers_as_numbers() {
        let mut ids = vec![
            "3.10",
            "3.9",
            "3.2",
            "CloudTrail.10",
            "CloudTrail.2",
            "1.1.1",
            "1.1",
            "2",
        ];
        ids.sort_by_cached_key(|id| natural_key(id));
        assert_eq!(
            ids,
            [
                "1.1",
                "1.1.1",
                "2",
                "3.2",
                "3.9",
                "3.10",
                "CloudTrail.2",
                "CloudTrail.10"
            ]
        );
    }

    #[test]
    fn one_wording_per_enum_value() {
        let labels: BTreeSet<&str> = Status::ALL.iter().map(|s| status(*s).label).collect();
        assert_eq!(labels.len(), Status::ALL.len());
        assert_eq!(status(Status::NotApplicable).label, "N/A");
        assert_eq!(severity(Severity::Critical), "Critical");
        assert_eq!(change(Some(Change::New)), "NEW");
        assert_eq!(change(None), "");
        let w = waiver_state(&WaiverState::ExpiringSoon, 3);
        assert_eq!((w.key, w.label), ("expiring_soon", "EXPIRING SOON"));
        assert!(w.advice.contains("3 day(s)"));
    }

    fn finding(check: &str, status: Status) -> ReportFinding {
        ReportFinding {
            check_id: check.into(),
            severity: Severity::High,
            status,
            account_id: "1".into(),
            region: None,
            resource: "r".into(),
            message: "m".into(),
            evidence: crate::finding::EvidenceJson::of(&serde_json::json!({})),
            waiver: None,
            change: None,
        }
    }

    fn report_with(findings: Vec<ReportFinding>, mapping: &[(&str, &[&str])]) -> Report {
        use chrono::TimeZone as _;
        let demo = include_str!("../../examples/demo-org.snapshot.json");
        let snapshot = crate::snapshot::Snapshot::from_slice(demo.as_bytes(), "test").unwrap();
        let mut report = crate::report::assemble::assemble_report(
            &snapshot,
            "0123abcd",
            &crate::report::assemble::Gate::with_fail_on(Severity::Low),
            &crate::config::Config::default(),
            chrono::Utc.with_ymd_and_hms(2026, 11, 2, 8, 30, 0).unwrap(),
        )
        .0;
        report.findings = findings;
        report.checks = mapping
            .iter()
            .map(|(check, controls)| {
                let frameworks = [(
                    "cis-aws-v3.0.0".to_string(),
                    controls.iter().map(|c| c.to_string()).collect(),
                )];
                (
                    check.to_string(),
                    ReportCheck {
                        frameworks: frameworks.into_iter().collect(),
                        ..Default::default()
                    },
                )
            })
            .collect();
        report
    }

    #[test]
    fn a_control_is_the_worst_of_its_findings_and_errors_are_not_passes() {
        let report = report_with(
            vec![
                finding("a", Status::Pass),
                finding("b", Status::Fail),
                finding("c", Status::Error),
                finding("c", Status::Pass),
                finding("d", Status::NotApplicable),
                finding("e", Status::Waived),
            ],
            &[
                ("a", &["3.1", "3.10"]),
                ("b", &["3.10"]),
                ("c", &["3.2"]),
                ("d", &["3.9"]),
                ("e", &["3.11"]),
            ],
        );
        let tables = control_tables(&report);
        let cis = tables.iter().find(|t| t.key == "cis-aws-v3.0.0").unwrap();
        let rows: Vec<(&str, &str)> = cis
            .rows
            .iter()
            .map(|r| (r.id.as_str(), r.verdict.key()))
            .collect();
        assert_eq!(
            rows,
            [
                ("3.1", "pass"),
                ("3.2", "error"),
                ("3.9", "not_applicable"),
                ("3.10", "fail"),
                ("3.11", "waived")
            ]
        );
        // Every framework this build knows has a table, even an empty one.
        assert!(tables
            .iter()
            .any(|t| t.key == "aws-config" && t.rows.is_empty()));
    }

    #[test]
    fn mappings_come_from_the_report_not_from_todays_catalog() {
        // A report whose check maps to a framework this build does not know
        // keeps it, named by its key.
        let mut report = report_with(vec![finding("a", Status::Fail)], &[("a", &["1"])]);
        let check = report.checks.get_mut("a").unwrap();
        check.frameworks = [("old-framework-v1".to_string(), vec!["7.1".to_string()])]
            .into_iter()
            .collect();
        let tables = control_tables(&report);
        let old = tables.iter().find(|t| t.key == "old-framework-v1").unwrap();
        assert_eq!(old.name, "old-framework-v1");
        assert_eq!(old.rows[0].verdict, ControlVerdict::Judged(Status::Fail));
    }

    #[test]
    fn with_a_framework_a_control_whose_checks_are_all_disabled_is_disabled_not_na() {
        let mut report = report_with(vec![finding("a", Status::Pass)], &[("a", &["1"])]);
        let control = |id: &str, checks: &[&str], disabled: &[&str], status| ReportControl {
            id: id.into(),
            status,
            checks: checks.iter().map(|c| c.to_string()).collect(),
            counts: StatusCounts::default(),
            disabled_checks: disabled.iter().map(|c| c.to_string()).collect(),
        };
        report.framework = Some(ReportFramework {
            key: "cis-aws-v3.0.0".into(),
            name: "CIS".into(),
            controls: vec![
                control("3.10", &["a"], &["b"], Status::Pass),
                control("3.9", &[], &["b"], Status::NotApplicable),
            ],
        });
        let tables = control_tables(&report);
        assert_eq!(tables.len(), 1, "the run's framework only");
        let t = &tables[0];
        assert!(t.selected);
        // Natural order, and the model's verdicts: a control with a check
        // that ran keeps its verdict; one none of whose checks ran is
        // DISABLED in every format, counted apart from N/A.
        assert_eq!(t.rows[0].id, "3.9");
        assert_eq!(t.rows[0].verdict, ControlVerdict::Disabled);
        assert_eq!(t.rows[0].verdict.label(), "DISABLED");
        assert_eq!(t.rows[0].verdict.markdown(), "⏸ disabled");
        assert_eq!(t.rows[1].verdict, ControlVerdict::Judged(Status::Pass));
        assert_eq!(t.count(ControlVerdict::Judged(Status::NotApplicable)), 0);
        assert_eq!(t.count(ControlVerdict::Disabled), 1);
    }
}
