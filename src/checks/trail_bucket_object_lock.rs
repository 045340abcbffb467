//! `trail-bucket-object-lock`: Object Lock with a default retention makes
//! every delivered log file undeletable for the retention period, even by
//! an administrator with full S3 rights (WORM) (S3.15).

use super::support::{fact, per_bucket, Verdict};
use super::Context;
use crate::finding::Finding;
use crate::snapshot::BucketFacts;
use serde_json::json;

pub const ID: &str = "trail-bucket-object-lock";

pub fn run(cx: &Context) -> Vec<Finding> {
    per_bucket(cx, ID, decide)
}

fn decide(bucket: &BucketFacts) -> Verdict {
    let lock = match fact(
        &bucket.object_lock,
        "the bucket's Object Lock configuration",
    ) {
        Ok(lock) => lock,
        Err(verdict) => return verdict,
    };
    let evidence = json!({ "object_lock": lock });
    let name = &bucket.name;
    match lock {
        None => Verdict::fail(
            format!("Object Lock is not enabled on bucket {name}"),
            evidence,
        ),
        Some(lock) if !lock.enabled => Verdict::fail(
            format!("Object Lock is not enabled on bucket {name}"),
            evidence,
        ),
        Some(lock) => {
            let period = match (lock.default_retention_days, lock.default_retention_years) {
                (Some(d), _) if d > 0 => Some(format!("{d} days")),
                (_, Some(y)) if y > 0 => Some(format!("{y} years")),
                _ => None,
            };
            match (lock.default_retention_mode.as_deref(), period) {
                (Some(mode), Some(period)) => Verdict::pass(
                    format!("Object Lock on bucket {name} retains new log files {period} in {mode} mode"),
                    evidence,
                ),
                _ => Verdict::fail(
                    format!("Object Lock is enabled on bucket {name} but has no default retention"),
                    evidence,
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::testkit::*;
    use crate::finding::Status;
    use crate::snapshot::{Fact, ObjectLock};

    #[test]
    fn passes_with_a_default_retention() {
        let findings = run_check(super::run, &single_account());
        assert_eq!(
            statuses(&findings),
            vec![(ACCOUNT.to_string(), Status::Pass)]
        );
        assert_eq!(
            findings[0].evidence["object_lock"]["default_retention_mode"],
            "COMPLIANCE"
        );
    }

    #[test]
    fn passes_with_a_retention_in_years() {
        let mut s = single_account();
        only_bucket(&mut s).object_lock = Fact::Value(Some(ObjectLock {
            enabled: true,
            default_retention_mode: Some("GOVERNANCE".to_string()),
            default_retention_days: None,
            default_retention_years: Some(1),
        }));
        assert_eq!(run_check(super::run, &s)[0].status, Status::Pass);
    }

    #[test]
    fn fails_without_object_lock_or_without_default_retention() {
        let mut s = single_account();
        only_bucket(&mut s).object_lock = Fact::Value(None);
        assert_eq!(run_check(super::run, &s)[0].status, Status::Fail);

        let mut s = single_account();
        only_bucket(&mut s).object_lock = Fact::Value(Some(ObjectLock {
            enabled: true,
            default_retention_mode: None,
            default_retention_days: None,
            default_retention_years: None,
        }));
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Fail);
        assert!(findings[0].message.contains("no default retention"));
    }

    #[test]
    fn errors_when_unreadable() {
        let mut s = single_account();
        only_bucket(&mut s).object_lock =
            Fact::Error(access_denied(ACCOUNT, "s3", "GetObjectLockConfiguration"));
        assert_eq!(run_check(super::run, &s)[0].status, Status::Error);
    }
}
