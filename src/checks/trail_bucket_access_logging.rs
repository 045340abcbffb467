//! `trail-bucket-access-logging`: server access logs record who read or
//! deleted log files in the trail bucket — the trail does not log reads of
//! its own bucket unless data events are on (CIS 3.4, CloudTrail.7).

use super::support::{fact, per_bucket, Verdict};
use super::Context;
use crate::finding::Finding;
use crate::snapshot::BucketFacts;
use serde_json::json;

pub const ID: &str = "trail-bucket-access-logging";

pub fn run(cx: &Context) -> Vec<Finding> {
    per_bucket(cx, ID, decide)
}

fn decide(bucket: &BucketFacts) -> Verdict {
    let target = match fact(&bucket.logging_target, "the bucket's access logging") {
        Ok(target) => target,
        Err(verdict) => return verdict,
    };
    let evidence = json!({ "logging_target": target });
    match target {
        Some(target) => Verdict::pass(
            format!(
                "server access logging of bucket {} goes to {target}",
                bucket.name
            ),
            evidence,
        ),
        None => Verdict::fail(
            format!(
                "server access logging is disabled on bucket {}",
                bucket.name
            ),
            evidence,
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::testkit::*;
    use crate::finding::Status;
    use crate::snapshot::Fact;

    #[test]
    fn passes_with_a_logging_target() {
        let findings = run_check(super::run, &single_account());
        assert_eq!(
            statuses(&findings),
            vec![(ACCOUNT.to_string(), Status::Pass)]
        );
        assert_eq!(findings[0].evidence["logging_target"], "org-access-logs");
        assert_eq!(findings[0].evidence["bucket"]["name"], BUCKET);
        assert_eq!(findings[0].region.as_deref(), Some(REGION));
    }

    #[test]
    fn fails_without_logging() {
        let mut s = single_account();
        only_bucket(&mut s).logging_target = Fact::Value(None);
        assert_eq!(run_check(super::run, &s)[0].status, Status::Fail);
    }

    #[test]
    fn errors_when_unreadable_or_out_of_scope() {
        let mut s = single_account();
        only_bucket(&mut s).logging_target =
            Fact::Error(access_denied(ACCOUNT, "s3", "GetBucketLogging"));
        assert_eq!(run_check(super::run, &s)[0].status, Status::Error);

        let mut s = single_account();
        let bucket = only_bucket(&mut s);
        bucket.owner_account_id = Fact::Error(out_of_scope("333333333333", "s3", "GetBucketAcl"));
        bucket.logging_target = Fact::Error(out_of_scope("333333333333", "s3", "GetBucketLogging"));
        let findings = run_check(super::run, &s);
        assert_eq!(
            statuses(&findings),
            vec![(ACCOUNT.to_string(), Status::Error)]
        );
        assert_eq!(
            findings[0].evidence["collection_error"]["code"],
            "OutOfScope"
        );
    }

    #[test]
    fn errors_when_the_bucket_was_not_collected_and_fails_without_trails() {
        let mut s = single_account();
        s.buckets.clear();
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Error);
        assert_eq!(
            findings[0].evidence["collection_error"]["code"],
            "NotCollected"
        );

        let s = empty(vec![account(ACCOUNT, vec![])]);
        assert_eq!(
            statuses(&run_check(super::run, &s)),
            vec![(ACCOUNT.to_string(), Status::Fail)]
        );
    }

    #[test]
    fn errors_for_a_trail_whose_bucket_is_unknown() {
        let mut s = single_account();
        only_trail(&mut s).config =
            Fact::Error(access_denied(ACCOUNT, "cloudtrail", "DescribeTrails"));
        let findings = run_check(super::run, &s);
        assert_eq!(
            statuses(&findings),
            vec![(ACCOUNT.to_string(), Status::Error)]
        );
        assert_eq!(findings[0].resource, trail_arn(ACCOUNT, REGION, "main"));
        assert!(
            findings[0].message.contains("which bucket"),
            "{}",
            findings[0].message
        );
    }
}
