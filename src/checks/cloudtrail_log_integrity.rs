//! `cloudtrail-log-integrity`: the trail's delivered log files are proven
//! intact by its signed digest chain (`audit --verify-logs HOURS`).

use super::support::{per_trail, Verdict};
use super::Context;
use crate::finding::{Finding, Status};
use crate::snapshot::{Fact, LogIntegrity, Snapshot, TrailFacts};
use serde_json::json;

pub const ID: &str = "cloudtrail-log-integrity";

/// The message when the audit did not verify logs.
pub const NOT_VERIFIED: &str = "log integrity not verified; run audit --verify-logs HOURS";

pub fn run(cx: &Context) -> Vec<Finding> {
    per_trail(cx, ID, |trail| decide(cx.snapshot, trail))
}

fn decide(snapshot: &Snapshot, trail: &TrailFacts) -> Verdict {
    let Some(verified) = &snapshot.log_integrity else {
        return Verdict::not_applicable(NOT_VERIFIED, json!({ "log_integrity": null }));
    };
    match verified.get(&trail.arn) {
        Some(Fact::Value(integrity)) => judge(integrity),
        Some(Fact::Error(e)) => Verdict::error("the trail's digest and log files", e),
        None => match &trail.config {
            Fact::Error(e) => Verdict::error("the trail's configuration", e),
            Fact::Value(c) if !c.log_file_validation_enabled => Verdict::not_applicable(
                "log file validation is disabled: there are no digests to verify (see cloudtrail-log-file-validation)",
                json!({ "log_file_validation_enabled": false }),
            ),
            Fact::Value(_) => Verdict::not_applicable(
                "the trail delivers to no S3 bucket: there are no digests to verify",
                json!({ "log_integrity": null }),
            ),
        },
    }
}

fn judge(integrity: &LogIntegrity) -> Verdict {
    let evidence = json!({ "log_integrity": integrity });
    let hours = (integrity.end_time - integrity.start_time).num_hours();
    let (d, l) = (&integrity.digests, &integrity.logs);
    let regions_missing = integrity
        .problems
        .iter()
        .filter(|p| p.invalid && p.kind == "region")
        .count();
    if d.invalid + l.invalid > 0 || integrity.problems.iter().any(|p| p.invalid) {
        let missing = if regions_missing > 0 {
            format!("; digests missing in {regions_missing} region(s) AWS was delivering to")
        } else {
            String::new()
        };
        return Verdict::fail(
            format!(
                "{} digest file(s) and {} log file(s) of the last {hours} h are INVALID (modified, forged, moved or deleted){missing}",
                d.invalid, l.invalid
            ),
            evidence,
        );
    }
    let incomplete = d.unreadable + d.unverifiable + l.unreadable + l.unverifiable;
    if incomplete > 0 || !integrity.problems.is_empty() || integrity.problems_omitted > 0 {
        return Verdict {
            status: Status::Error,
            message: format!(
                "the logs of the last {hours} h could not all be verified: {incomplete} file(s) unreadable or unverifiable, {} region(s) not verified",
                integrity
                    .problems
                    .iter()
                    .filter(|p| p.kind == "region")
                    .count()
            ),
            evidence,
        };
    }
    if d.valid == 0 {
        return Verdict {
            status: Status::Error,
            message: format!("no digest file of the last {hours} h was found to verify"),
            evidence,
        };
    }
    Verdict::pass(
        format!(
            "{} digest file(s) and {} log file(s) of the last {hours} h verified; {} gap(s) in the chain",
            d.valid,
            l.valid,
            integrity.gaps.len()
        ),
        evidence,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::snapshot::{IntegrityCounts, IntegrityProblem};
    use std::collections::BTreeMap;

    fn integrity(valid: u64, invalid: u64, unreadable: u64) -> LogIntegrity {
        LogIntegrity {
            start_time: now() - chrono::Duration::hours(24),
            end_time: now(),
            accounts: vec![ACCOUNT.to_string()],
            regions: vec!["us-east-1".to_string()],
            digests: IntegrityCounts {
                valid,
                invalid,
                unverifiable: 0,
                unreadable,
            },
            logs: IntegrityCounts {
                valid: valid * 10,
                ..IntegrityCounts::default()
            },
            gaps: Vec::new(),
            problems: Vec::new(),
            problems_omitted: 0,
            regions_from: None,
            tail_unproven: Vec::new(),
        }
    }

    fn with(fact: Option<Fact<LogIntegrity>>) -> Vec<Finding> {
        let mut snapshot = single_account();
        let arn = snapshot.trails.keys().next().unwrap().clone();
        snapshot.log_integrity = Some(fact.into_iter().map(|f| (arn.clone(), f)).collect());
        run_check(super::run, &snapshot)
    }

    #[test]
    fn not_applicable_without_verify_logs_never_pass() {
        let findings = run_check(super::run, &single_account());
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].status, Status::NotApplicable);
        assert_eq!(findings[0].message, NOT_VERIFIED);
    }

    #[test]
    fn verdicts() {
        let f = with(Some(Fact::Value(integrity(24, 0, 0))));
        assert_eq!(f[0].status, Status::Pass, "{}", f[0].message);
        assert_eq!(f[0].evidence["log_integrity"]["digests"]["valid"], 24);
        let f = with(Some(Fact::Value(integrity(23, 1, 0))));
        assert_eq!(f[0].status, Status::Fail);
        let f = with(Some(Fact::Value(integrity(23, 0, 1))));
        assert_eq!(f[0].status, Status::Error);
        let f = with(Some(Fact::Value(integrity(0, 0, 0))));
        assert_eq!(f[0].status, Status::Error, "nothing verified is no pass");
        let mut region_problem = integrity(24, 0, 0);
        region_problem.problems.push(IntegrityProblem {
            account_id: ACCOUNT.into(),
            region: "eu-west-1".into(),
            kind: "region".into(),
            location: "s3://b/AWSLogs/".into(),
            status: "ERROR: could not be read".into(),
            detail: None,
            invalid: false,
        });
        assert_eq!(
            with(Some(Fact::Value(region_problem)))[0].status,
            Status::Error
        );
        // Every valid file verified, but a region AWS delivered to has no
        // digest: fail, and the message says so.
        let mut missing = integrity(24, 0, 0);
        missing.problems.push(IntegrityProblem {
            account_id: ACCOUNT.into(),
            region: "eu-west-1".into(),
            kind: "region".into(),
            location: String::new(),
            status: crate::verify::report::DIGESTS_MISSING.into(),
            detail: Some("no digest file".into()),
            invalid: true,
        });
        let f = with(Some(Fact::Value(missing)));
        assert_eq!(f[0].status, Status::Fail);
        assert!(
            f[0].message.contains("digests missing in 1 region(s)"),
            "{}",
            f[0].message
        );
        let f = with(Some(Fact::Error(access_denied(ACCOUNT, "s3", "GetObject"))));
        assert_eq!(f[0].status, Status::Error);
        // Verified for other trails only: this one had validation off.
        let mut snapshot = single_account();
        snapshot.log_integrity = Some(BTreeMap::new());
        for trail in snapshot.trails.values_mut() {
            if let Fact::Value(c) = &mut trail.config {
                c.log_file_validation_enabled = false;
            }
        }
        let f = run_check(super::run, &snapshot);
        assert_eq!(f[0].status, Status::NotApplicable);
    }
}
