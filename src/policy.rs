//! The policy layer: what the user configured (check selection, framework,
//! severity overrides, waivers, baseline) applied to the evaluated findings,
//! and the exit-code contract (README, "Exit codes").
//!
//! Checks decide verdicts; this layer only (a) chooses which checks run,
//! (b) re-grades severity, (c) turns a matched `fail` into `waived`, and
//! (d) compares with a baseline. It never touches an `error`.

use crate::checks::Catalog;
use crate::config::{Config, Waiver};
use crate::finding::{Finding, Severity, Status};
pub use crate::outcome::Outcome;
pub use crate::verdict::{Change, WaiverState};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A qualifying failure wins over errors: the gate must block on what it
/// knows is broken even when it could not see everything. Only `fail`
/// counts (a `waived` finding does not); with `only_new`, only failures the
/// baseline did not have. Errors always count: nothing hides them.
pub fn outcome(findings: &[Judged], fail_on: Severity, only_new: bool) -> Outcome {
    outcome_of(
        findings
            .iter()
            .map(|j| (j.finding.status, j.finding.severity, j.change)),
        fail_on,
        only_new,
    )
}

/// [`outcome`] over `(status, severity, change)` triples, so a merged
/// report can be re-judged from its findings alone.
pub fn outcome_of(
    findings: impl Iterator<Item = (Status, Severity, Option<Change>)>,
    fail_on: Severity,
    only_new: bool,
) -> Outcome {
    let mut errors = false;
    for (status, severity, change) in findings {
        if status == Status::Fail
            && severity >= fail_on
            && (!only_new || change != Some(Change::Unchanged))
        {
            return Outcome::Failed;
        }
        errors |= status == Status::Error;
    }
    if errors {
        Outcome::Incomplete
    } else {
        Outcome::Clean
    }
}

/// A finding after the policy: its (possibly waived) verdict, the waiver
/// that applied or expired, and how it compares with the baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct Judged {
    pub finding: Finding,
    /// Set on a `waived` finding, and on a `fail` whose only matching waiver
    /// has expired (so the report can say the waiver expired).
    pub waiver: Option<AppliedWaiver>,
    /// Set when a baseline was given.
    pub change: Option<Change>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedWaiver {
    /// The waiver's 1-based position among the file's `[[waiver]]` entries.
    pub index: usize,
    pub reason: String,
    pub owner: String,
    pub expires: NaiveDate,
    pub expired: bool,
}

/// Which checks run: the `enable`/`disable` lists and `--framework`.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    pub framework: Option<String>,
    /// Checks that do not run, with the reason the report shows.
    pub disabled: Vec<(String, String)>,
    /// Checks outside `--framework` (not reported as disabled: the run is
    /// simply about another set of controls).
    pub out_of_framework: Vec<String>,
}

impl Selection {
    pub fn new(config: &Config, framework: Option<&str>, catalog: &Catalog) -> Selection {
        let mut disabled = Vec::new();
        let mut out_of_framework = Vec::new();
        for meta in catalog.all() {
            if let Some(key) = framework {
                if meta.frameworks.get(key).is_none_or(|c| c.is_empty()) {
                    out_of_framework.push(meta.id.clone());
                    continue;
                }
            }
            if let Some(d) = config.checks.disable.iter().find(|d| d.id == meta.id) {
                disabled.push((meta.id.clone(), d.reason.clone()));
            } else if let Some(enable) = &config.checks.enable {
                if !enable.contains(&meta.id) {
                    disabled.push((
                        meta.id.clone(),
                        "not in the configuration's checks.enable list".to_string(),
                    ));
                }
            }
        }
        Selection {
            framework: framework.map(str::to_string),
            disabled,
            out_of_framework,
        }
    }

    pub fn runs(&self, check_id: &str) -> bool {
        !self.disabled.iter().any(|(id, _)| id == check_id)
            && !self.out_of_framework.iter().any(|id| id == check_id)
    }
}

/// Replaces the catalog severity of overridden checks.
pub fn apply_severity_overrides(findings: &mut [Finding], overrides: &BTreeMap<String, Severity>) {
    for finding in findings {
        if let Some(severity) = overrides.get(&finding.check_id) {
            finding.severity = *severity;
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct WaiverReport {
    pub waiver: Waiver,
    pub state: WaiverState,
    pub days_left: i64,
    /// Failing findings it matched (waived ones, or, once expired, failed ones).
    pub matched: usize,
}

/// Whether a waiver's check ran (the SIEM attestation's: any monitoring
/// check).
fn waiver_evaluated(w: &Waiver, selection: &Selection) -> bool {
    if w.check == crate::config::MONITORING_CHECKS {
        crate::checks::REGISTRY
            .iter()
            .any(|c| w.covers_check(c.id) && selection.runs(c.id))
    } else {
        selection.runs(&w.check)
    }
}

/// Turns each `fail` that an unexpired waiver matches into `waived`; marks
/// a `fail` whose matching waiver expired. Never touches other statuses.
/// Waivers are judged at `now`: the snapshot's collection time (the clock
/// that judged the facts), never the report's stamp.
pub fn apply_waivers(
    findings: Vec<Finding>,
    waivers: &[Waiver],
    selection: &Selection,
    now: DateTime<Utc>,
    warning_days: i64,
) -> (Vec<Judged>, Vec<WaiverReport>) {
    let mut matched = vec![0usize; waivers.len()];
    let judged = findings
        .into_iter()
        .map(|mut finding| {
            let mut waiver = None;
            if finding.status == Status::Fail {
                let matching = waivers.iter().enumerate().filter(|(_, w)| {
                    w.matches(
                        &finding.check_id,
                        &finding.account_id,
                        finding.region.as_deref(),
                        &finding.resource,
                    )
                });
                // An unexpired waiver wins; else the most recently expired
                // one is named, so the report says why it fails again.
                let mut best: Option<(usize, &Waiver)> = None;
                for (i, w) in matching {
                    matched[i] += 1;
                    let better = match best {
                        None => true,
                        Some((_, b)) => {
                            (!w.is_expired(now), w.expires) > (!b.is_expired(now), b.expires)
                        }
                    };
                    if better {
                        best = Some((i, w));
                    }
                }
                if let Some((_, w)) = best {
                    let expired = w.is_expired(now);
                    if !expired {
                        finding.status = Status::Waived;
                    }
                    waiver = Some(AppliedWaiver {
                        index: w.index,
                        reason: w.reason.clone(),
                        owner: w.owner.clone(),
                        expires: w.expires,
                        expired,
                    });
                }
            }
            Judged {
                finding,
                waiver,
                change: None,
            }
        })
        .collect();
    let reports = waivers
        .iter()
        .zip(matched)
        .map(|(w, matched)| {
            let days_left = w.days_left(now);
            let state = if w.is_expired(now) {
                WaiverState::Expired
            } else if !waiver_evaluated(w, selection) {
                WaiverState::NotEvaluated
            } else if matched == 0 {
                WaiverState::Stale
            } else if days_left < warning_days {
                WaiverState::ExpiringSoon
            } else {
                WaiverState::Active
            };
            WaiverReport {
                waiver: w.clone(),
                state,
                days_left,
                matched,
            }
        })
        .collect();
    (judged, reports)
}

/// The identity of a finding across runs: check, account, region, resource.
pub type FindingKey = (String, String, Option<String>, String);

pub fn key_of(check_id: &str, account: &str, region: Option<&str>, resource: &str) -> FindingKey {
    (
        check_id.to_string(),
        account.to_string(),
        region.map(str::to_string),
        resource.to_string(),
    )
}

fn is_failing(status: Status) -> bool {
    matches!(status, Status::Fail | Status::Waived)
}

/// Compares a verdict with the baseline's verdict for the same key.
///
/// - `resolved`: it failed (or was waived) and now passes or no longer applies;
/// - `unchanged`: the same verdict, or a failure that is now waived;
/// - `new`: anything else, notably a failure that did not fail before, a
///   waived failure whose waiver lapsed, and a new `error` (less is known).
pub fn change(current: Status, baseline: Option<Status>) -> Change {
    use Status::*;
    match (baseline, current) {
        (Some(Fail | Waived), Pass | NotApplicable) => Change::Resolved,
        (Some(before), now) if before == now => Change::Unchanged,
        (Some(Fail), Waived) => Change::Unchanged,
        _ => Change::New,
    }
}

/// Marks every judged finding with its [`Change`] against the baseline's
/// findings in scope, given as (key, status), and returns the keys (in
/// order) of the baseline's failures this run no longer reports. Keys and
/// statuses only: the comparison needs nothing else of a report.
pub fn compare_with_baseline(
    judged: &mut [Judged],
    baseline: impl IntoIterator<Item = (FindingKey, Status)>,
) -> Vec<FindingKey> {
    let before: BTreeMap<FindingKey, Status> = baseline.into_iter().collect();
    let mut seen = std::collections::BTreeSet::new();
    for j in judged.iter_mut() {
        let f = &j.finding;
        let key = key_of(&f.check_id, &f.account_id, f.region.as_deref(), &f.resource);
        j.change = Some(change(f.status, before.get(&key).copied()));
        seen.insert(key);
    }
    before
        .into_iter()
        .filter(|(key, status)| is_failing(*status) && !seen.contains(key))
        .map(|(key, _)| key)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn finding(status: Status, severity: Severity) -> Finding {
        let mut f = Finding::new("x", status, "111111111111", "r", "m");
        f.severity = severity;
        f
    }

    fn judged(status: Status, severity: Severity, change: Option<Change>) -> Judged {
        Judged {
            finding: finding(status, severity),
            waiver: None,
            change,
        }
    }

    fn plain(findings: &[Finding]) -> Vec<Judged> {
        findings
            .iter()
            .map(|f| Judged {
                finding: f.clone(),
                waiver: None,
                change: None,
            })
            .collect()
    }

    #[test]
    fn contract() {
        use Severity::*;
        use Status::*;
        let o = |f: &[Finding], s| outcome(&plain(f), s, false);
        assert_eq!(o(&[], Low), Outcome::Clean);
        assert_eq!(o(&[finding(Pass, High)], Low), Outcome::Clean);
        assert_eq!(o(&[finding(Fail, Low)], Low), Outcome::Failed);
        assert_eq!(o(&[finding(Fail, Low)], Medium), Outcome::Clean);
        assert_eq!(
            o(&[finding(Fail, Low), finding(Error, Low)], Medium),
            Outcome::Incomplete
        );
        assert_eq!(
            o(&[finding(Fail, Critical), finding(Error, Low)], High),
            Outcome::Failed
        );
        assert_eq!(o(&[finding(NotApplicable, Critical)], Info), Outcome::Clean);
        assert_eq!(o(&[finding(Waived, Critical)], Info), Outcome::Clean);
        assert_eq!(
            o(&[finding(Waived, Critical), finding(Error, Low)], Info),
            Outcome::Incomplete
        );
        assert_eq!(
            [
                Outcome::Clean,
                Outcome::Failed,
                Outcome::UsageError,
                Outcome::Incomplete
            ]
            .map(Outcome::code),
            [0, 1, 2, 3]
        );
    }

    #[test]
    fn fail_on_new_counts_only_new_failures_and_never_hides_errors() {
        use Severity::*;
        use Status::*;
        let old_fail = judged(Fail, Critical, Some(Change::Unchanged));
        let new_fail = judged(Fail, Low, Some(Change::New));
        let old_error = judged(Error, Low, Some(Change::Unchanged));
        assert_eq!(
            outcome(std::slice::from_ref(&old_fail), Low, true),
            Outcome::Clean
        );
        assert_eq!(
            outcome(std::slice::from_ref(&old_fail), Low, false),
            Outcome::Failed
        );
        assert_eq!(
            outcome(&[old_fail.clone(), new_fail.clone()], Low, true),
            Outcome::Failed
        );
        assert_eq!(outcome(&[new_fail], Medium, true), Outcome::Clean);
        assert_eq!(
            outcome(&[old_fail, old_error], Low, true),
            Outcome::Incomplete
        );
    }

    #[test]
    fn changes() {
        use Status::*;
        assert_eq!(change(Fail, None), Change::New);
        assert_eq!(change(Fail, Some(Pass)), Change::New);
        assert_eq!(change(Fail, Some(Error)), Change::New);
        assert_eq!(change(Fail, Some(Fail)), Change::Unchanged);
        // A lapsed waiver is a new failure for the gate.
        assert_eq!(change(Fail, Some(Waived)), Change::New);
        assert_eq!(change(Waived, Some(Fail)), Change::Unchanged);
        assert_eq!(change(Pass, Some(Fail)), Change::Resolved);
        assert_eq!(change(NotApplicable, Some(Waived)), Change::Resolved);
        // Not knowing is not resolving.
        assert_eq!(change(Error, Some(Fail)), Change::New);
        assert_eq!(change(Pass, Some(Pass)), Change::Unchanged);
        assert_eq!(change(Error, Some(Pass)), Change::New);
        assert_eq!(change(Pass, None), Change::New);
    }

    fn waiver(check: &str, expires: (i32, u32, u32)) -> Waiver {
        Waiver {
            index: 1,
            check: check.into(),
            accounts: None,
            regions: None,
            resources: None,
            reason: "accepted".into(),
            owner: "sec@example.com".into(),
            expires: NaiveDate::from_ymd_opt(expires.0, expires.1, expires.2).unwrap(),
        }
    }

    fn everything() -> Selection {
        Selection {
            framework: None,
            disabled: vec![],
            out_of_framework: vec![],
        }
    }

    #[test]
    fn waivers_waive_failures_only_until_expiry() {
        use Status::*;
        let now = Utc.with_ymd_and_hms(2026, 11, 28, 0, 0, 0).unwrap();
        let findings = vec![
            finding(Fail, Severity::High),
            finding(Error, Severity::High),
            finding(Pass, Severity::High),
        ];
        let active = [waiver("x", (2027, 1, 31))];
        let (j, reports) = apply_waivers(findings.clone(), &active, &everything(), now, 14);
        assert_eq!(
            j.iter().map(|j| j.finding.status).collect::<Vec<_>>(),
            [Waived, Error, Pass]
        );
        assert!(j[0].waiver.as_ref().is_some_and(|w| !w.expired));
        assert!(j[1].waiver.is_none(), "a waiver never touches an error");
        assert_eq!(reports[0].state, WaiverState::Active);
        assert_eq!(reports[0].matched, 1);
        assert_eq!(outcome(&j, Severity::Low, false), Outcome::Incomplete);

        let expired = [waiver("x", (2026, 11, 27))];
        let (j, reports) = apply_waivers(findings.clone(), &expired, &everything(), now, 14);
        assert_eq!(j[0].finding.status, Fail);
        assert!(j[0].waiver.as_ref().is_some_and(|w| w.expired));
        assert_eq!(reports[0].state, WaiverState::Expired);

        let soon = [waiver("x", (2026, 12, 5))];
        let (_, reports) = apply_waivers(findings.clone(), &soon, &everything(), now, 14);
        assert_eq!(reports[0].state, WaiverState::ExpiringSoon);
        assert_eq!(reports[0].days_left, 7);

        let other = [waiver("y", (2027, 1, 31))];
        let (j, reports) = apply_waivers(findings.clone(), &other, &everything(), now, 14);
        assert_eq!(j[0].finding.status, Fail);
        assert_eq!(reports[0].state, WaiverState::Stale);
        let skipped = Selection {
            disabled: vec![("y".into(), "r".into())],
            ..everything()
        };
        let (_, reports) = apply_waivers(findings, &other, &skipped, now, 14);
        assert_eq!(reports[0].state, WaiverState::NotEvaluated);
    }

    #[test]
    fn an_unexpired_waiver_wins_over_an_expired_one() {
        let now = Utc.with_ymd_and_hms(2026, 11, 28, 0, 0, 0).unwrap();
        let mut old = waiver("x", (2026, 1, 1));
        old.index = 1;
        let mut renewed = waiver("x", (2027, 1, 1));
        renewed.index = 2;
        let (j, _) = apply_waivers(
            vec![finding(Status::Fail, Severity::High)],
            &[old, renewed],
            &everything(),
            now,
            14,
        );
        assert_eq!(j[0].finding.status, Status::Waived);
        assert_eq!(j[0].waiver.as_ref().map(|w| w.index), Some(2));
    }
}
