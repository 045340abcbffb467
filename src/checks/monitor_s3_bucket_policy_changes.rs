//! `monitor-s3-bucket-policy-changes`: A bucket policy or ACL change can make data public or hand it to another account; an alarm on each change shortens the time such a bucket stays open.
//! Judged by evaluating each metric filter over `checks/corpora/monitor-s3-bucket-policy-changes/`
//! (see `monitoring.rs`).

use super::monitoring;
use super::Context;
use crate::finding::Finding;

pub const ID: &str = "monitor-s3-bucket-policy-changes";

pub fn run(cx: &Context) -> Vec<Finding> {
    monitoring::run(cx, ID, "S3 bucket policy and ACL changes")
}

#[cfg(test)]
mod tests {
    use crate::checks::monitoring::testing::*;

    /// The CIS AWS Foundations v5.0.0 4.8 pattern.
    const PATTERN: &str = r#"{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }"#;

    #[test]
    fn the_cis_pattern_passes() {
        assert_passes(super::run, PATTERN);
    }

    #[test]
    fn semantically_equal_rewrites_pass() {
        assert_passes(
            super::run,
            r#"{ ((($.eventName = "DeleteBucketReplication") || ($.eventName = "DeleteBucketLifecycle") || ($.eventName = "DeleteBucketCors") || ($.eventName = "DeleteBucketPolicy") || ($.eventName = "PutBucketReplication") || ($.eventName = "PutBucketLifecycle") || ($.eventName = "PutBucketCors") || ($.eventName = "PutBucketPolicy") || ($.eventName = "PutBucketAcl"))) && $.eventSource = "s3.amazonaws.com" }"#,
        );
        assert_passes(
            super::run,
            r#"{$.eventSource="s3.amazonaws.com"&&($.eventName="PutBucketAcl"||$.eventName="PutBucketPolicy"||$.eventName="PutBucketCors"||$.eventName="PutBucketLifecycle"||$.eventName="PutBucketReplication"||$.eventName="DeleteBucketPolicy"||$.eventName="DeleteBucketCors"||$.eventName="DeleteBucketLifecycle"||$.eventName="DeleteBucketReplication")}"#,
        );
    }

    #[test]
    fn broken_variants_fail_naming_the_events() {
        assert_fails(
            super::run,
            r#"{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle)) }"#,
            &["DeleteBucketReplication"],
            &[],
        );
        assert_fails(
            super::run,
            r#"{ ($.eventName = PutBucketAcl) && ($.eventName = PutBucketPolicy) && ($.eventName = PutBucketCors) && ($.eventName = PutBucketLifecycle) && ($.eventName = PutBucketReplication) && ($.eventName = DeleteBucketPolicy) && ($.eventName = DeleteBucketCors) && ($.eventName = DeleteBucketLifecycle) && ($.eventName = DeleteBucketReplication) }"#,
            &[
                "DeleteBucketCors",
                "DeleteBucketLifecycle",
                "DeleteBucketPolicy",
                "DeleteBucketReplication",
                "PutBucketAcl",
                "PutBucketCors",
                "PutBucketLifecycle",
                "PutBucketPolicy",
                "PutBucketReplication",
            ],
            &[],
        );
    }
}
