//! `trail-bucket-versioning`: with versioning, an overwritten or deleted
//! log file leaves its previous version behind, so tampering is
//! recoverable (S3.14).

use super::support::{fact, per_bucket, Verdict};
use super::Context;
use crate::finding::Finding;
use crate::snapshot::BucketFacts;
use serde_json::json;

pub const ID: &str = "trail-bucket-versioning";

pub fn run(cx: &Context) -> Vec<Finding> {
    per_bucket(cx, ID, decide)
}

fn decide(bucket: &BucketFacts) -> Verdict {
    let versioning = match fact(&bucket.versioning, "the bucket's versioning") {
        Ok(v) => v,
        Err(verdict) => return verdict,
    };
    let evidence = json!({ "versioning_status": versioning.status });
    match versioning.status.as_deref() {
        Some("Enabled") => Verdict::pass(
            format!("versioning is enabled on bucket {}", bucket.name),
            evidence,
        ),
        Some(other) => Verdict::fail(
            format!("versioning is {other} on bucket {}", bucket.name),
            evidence,
        ),
        None => Verdict::fail(
            format!("versioning was never enabled on bucket {}", bucket.name),
            evidence,
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::testkit::*;
    use crate::finding::Status;
    use crate::snapshot::{BucketVersioning, Fact};

    #[test]
    fn passes_when_enabled() {
        let findings = run_check(super::run, &single_account());
        assert_eq!(
            statuses(&findings),
            vec![(ACCOUNT.to_string(), Status::Pass)]
        );
        assert_eq!(findings[0].evidence["versioning_status"], "Enabled");
    }

    #[test]
    fn fails_when_suspended_or_never_enabled() {
        for status in [Some("Suspended"), None] {
            let mut s = single_account();
            only_bucket(&mut s).versioning = Fact::Value(BucketVersioning {
                status: status.map(str::to_string),
                mfa_delete: None,
            });
            assert_eq!(
                run_check(super::run, &s)[0].status,
                Status::Fail,
                "{status:?}"
            );
        }
    }

    #[test]
    fn errors_when_unreadable() {
        let mut s = single_account();
        only_bucket(&mut s).versioning =
            Fact::Error(access_denied(ACCOUNT, "s3", "GetBucketVersioning"));
        assert_eq!(run_check(super::run, &s)[0].status, Status::Error);
    }
}
