//! `trail-bucket-mfa-delete`: with MFA delete, permanently deleting a log
//! file version or suspending versioning needs the root user's MFA device,
//! which stolen access keys do not have (CIS 2.1.2, S3.20). MFA delete acts
//! only while versioning is `Enabled`: under `Suspended` versioning a delete
//! removes the null version outright and asks for no MFA (S3 user guide,
//! "Configuring MFA delete" and "Working with objects in a
//! versioning-suspended bucket"), so a bucket left with `MfaDelete: Enabled`
//! but versioning suspended fails.

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
    let mfa_delete = versioning.mfa_delete.as_deref() == Some("Enabled");
    let versioning_enabled = versioning.status.as_deref() == Some("Enabled");
    if mfa_delete && versioning_enabled {
        Verdict::pass(
            format!("MFA delete is enabled on bucket {}", bucket.name),
            evidence,
        )
    } else if mfa_delete {
        Verdict::fail(
            format!(
                "MFA delete is set on bucket {} but versioning is {}: deletes need no MFA",
                bucket.name,
                versioning.status.as_deref().unwrap_or("not enabled")
            ),
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

    /// Under suspended versioning a delete needs no MFA, whatever MfaDelete says.
    #[test]
    fn fails_when_versioning_is_suspended_or_off() {
        for status in [Some("Suspended"), None] {
            let mut s = single_account();
            only_bucket(&mut s).versioning = Fact::Value(BucketVersioning {
                status: status.map(str::to_string),
                mfa_delete: Some("Enabled".to_string()),
            });
            let findings = run_check(super::run, &s);
            assert_eq!(findings[0].status, Status::Fail, "{status:?}");
            assert!(
                findings[0].message.contains("deletes need no MFA"),
                "{}",
                findings[0].message
            );
            assert_eq!(findings[0].evidence["mfa_delete"], "Enabled");
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
