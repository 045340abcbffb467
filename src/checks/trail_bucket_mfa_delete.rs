//! `trail-bucket-mfa-delete`: with MFA delete, permanently deleting a log
//! file version or suspending versioning needs the root user's MFA device,
//! which stolen access keys do not have (CIS 2.1.2, S3.20).

use super::support::{fact, per_bucket, Verdict};
use super::Context;
use crate::finding::Finding;
use crate::snapshot::BucketFacts;
use serde_json::json;

pub const ID: &str = "trail-bucket-mfa-delete";

pub fn run(cx: &Context) -> Vec<Finding> {
    per_bucket(cx, ID, decide)
}

fn decide(bucket: &BucketFacts) -> Verdict {
    let versioning = match fact(&bucket.versioning, "the bucket's versioning") {
        Ok(v) => v,
        Err(verdict) => return verdict,
    };
    let evidence = json!({
        "mfa_delete": versioning.mfa_delete,
        "versioning_status": versioning.status,
    });
    if versioning.mfa_delete.as_deref() == Some("Enabled") {
        Verdict::pass(
            format!("MFA delete is enabled on bucket {}", bucket.name),
            evidence,
        )
    } else {
        Verdict::fail(
            format!("MFA delete is not enabled on bucket {}", bucket.name),
            evidence,
        )
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
        assert_eq!(findings[0].evidence["mfa_delete"], "Enabled");
    }

    #[test]
    fn fails_when_disabled_or_absent() {
        for mfa in [Some("Disabled"), None] {
            let mut s = single_account();
            only_bucket(&mut s).versioning = Fact::Value(BucketVersioning {
                status: Some("Enabled".to_string()),
                mfa_delete: mfa.map(str::to_string),
            });
            assert_eq!(run_check(super::run, &s)[0].status, Status::Fail, "{mfa:?}");
        }
    }

    #[test]
    fn errors_when_unreadable() {
        let mut s = single_account();
        only_bucket(&mut s).versioning =
            Fact::Error(access_denied(ACCOUNT, "s3", "GetBucketVersioning"));
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Error);
        assert_eq!(
            findings[0].evidence["collection_error"]["operation"],
            "GetBucketVersioning"
        );
    }
}
