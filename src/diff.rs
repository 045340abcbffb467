//! `trailwarden diff OLD.json NEW.json`: what changed between two JSON
//! reports, with an exit code that says whether anything got worse.
//!
//! Findings are matched by check, account, region and resource, and
//! compared with the same rules as `--baseline` ([`policy::change`]).

use crate::finding::{Severity, Status};
use crate::policy::{self, Change, FindingKey, Outcome};
use crate::report::model::{Report, ReportFinding};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// One finding whose verdict changed (or appeared, or disappeared).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Changed {
    pub check_id: String,
    pub severity: Severity,
    pub account_id: String,
    pub region: Option<String>,
    pub resource: String,
    /// `None` when the finding is not in that report.
    pub before: Option<Status>,
    pub after: Option<Status>,
    /// The message of the newer report's finding (the older's, when gone).
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportRef {
    pub path: String,
    pub sha256: String,
    pub generated_at: chrono::DateTime<chrono::Utc>,
    pub snapshot_sha256: String,
}

/// The comparison, grouped by what it means for the gate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diff {
    pub old: ReportRef,
    pub new: ReportRef,
    pub fail_on: Severity,
    /// Now `fail`, and not before (including a waiver that lapsed).
    pub new_failures: Vec<Changed>,
    /// Now `error`, and not before: less is known than before.
    pub new_errors: Vec<Changed>,
    /// Failed (or waived) before; now passing, not applicable, or gone.
    pub resolved: Vec<Changed>,
    /// Any other change of verdict (a new passing resource, a failure now
    /// waived, an error that became a pass, …).
    pub other_changes: Vec<Changed>,
    pub unchanged: usize,
    /// Whether anything got worse: a new failure at or above `fail_on`, or a
    /// new error.
    pub worse: bool,
    pub exit_code: u8,
}

pub fn outcome(diff: &Diff) -> Outcome {
    if diff.new_failures.iter().any(|c| c.severity >= diff.fail_on) {
        Outcome::Failed
    } else if !diff.new_errors.is_empty() {
        Outcome::Incomplete
    } else {
        Outcome::Clean
    }
}

fn key(f: &ReportFinding) -> FindingKey {
    policy::key_of(&f.check_id, &f.account_id, f.region.as_deref(), &f.resource)
}

pub fn compare(
    old_ref: ReportRef,
    old: &Report,
    new_ref: ReportRef,
    new: &Report,
    fail_on: Severity,
) -> Diff {
    let before: BTreeMap<FindingKey, &ReportFinding> =
        old.findings.iter().map(|f| (key(f), f)).collect();
    let mut seen = BTreeSet::new();
    let mut diff = Diff {
        old: old_ref,
        new: new_ref,
        fail_on,
        new_failures: Vec::new(),
        new_errors: Vec::new(),
        resolved: Vec::new(),
        other_changes: Vec::new(),
        unchanged: 0,
        worse: false,
        exit_code: 0,
    };
    for f in &new.findings {
        let k = key(f);
        let previous = before.get(&k).map(|b| b.status);
        seen.insert(k);
        let changed = || Changed {
            check_id: f.check_id.clone(),
            severity: f.severity,
            account_id: f.account_id.clone(),
            region: f.region.clone(),
            resource: f.resource.clone(),
            before: previous,
            after: Some(f.status),
            message: f.message.clone(),
        };
        match policy::change(f.status, previous) {
            Change::Unchanged if previous == Some(f.status) => diff.unchanged += 1,
            Change::Resolved => diff.resolved.push(changed()),
            _ if f.status == Status::Fail => diff.new_failures.push(changed()),
            _ if f.status == Status::Error => diff.new_errors.push(changed()),
            _ => diff.other_changes.push(changed()),
        }
    }
    for (k, f) in &before {
        if seen.contains(k) {
            continue;
        }
        let gone = Changed {
            check_id: f.check_id.clone(),
            severity: f.severity,
            account_id: f.account_id.clone(),
            region: f.region.clone(),
            resource: f.resource.clone(),
            before: Some(f.status),
            after: None,
            message: f.message.clone(),
        };
        if matches!(f.status, Status::Fail | Status::Waived) {
            diff.resolved.push(gone);
        } else {
            diff.other_changes.push(gone);
        }
    }
    let outcome = outcome(&diff);
    diff.worse = outcome != Outcome::Clean;
    diff.exit_code = outcome.code();
    diff
}

fn status_text(status: Option<Status>) -> &'static str {
    status.map_or("absent", Status::as_str)
}

pub fn render_console(diff: &Diff) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "trailwarden diff: {} ({}) -> {} ({})",
        diff.old.path,
        diff.old.generated_at.format("%Y-%m-%d %H:%M UTC"),
        diff.new.path,
        diff.new.generated_at.format("%Y-%m-%d %H:%M UTC"),
    );
    let _ = writeln!(
        out,
        "{} new failure(s), {} new error(s), {} resolved, {} other change(s), {} unchanged",
        diff.new_failures.len(),
        diff.new_errors.len(),
        diff.resolved.len(),
        diff.other_changes.len(),
        diff.unchanged
    );
    let sections = [
        ("New failures", &diff.new_failures),
        ("New errors", &diff.new_errors),
        ("Resolved", &diff.resolved),
        ("Other changes", &diff.other_changes),
    ];
    for (title, items) in sections {
        if items.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{title}:");
        for c in items {
            let _ = writeln!(
                out,
                "  [{}] {}  {}{}  {}  {} -> {}: {}",
                c.severity.as_str().to_uppercase(),
                c.check_id,
                c.account_id,
                c.region
                    .as_deref()
                    .map(|r| format!(" {r}"))
                    .unwrap_or_default(),
                c.resource,
                status_text(c.before),
                status_text(c.after),
                c.message
            );
        }
    }
    let _ = writeln!(
        out,
        "\n{}",
        if diff.worse {
            "Worse: something failed or became unknown that did not before."
        } else {
            "Nothing got worse."
        }
    );
    out
}
