//! `monitor-root-usage`: The root user can do anything, including closing the account, and should almost never be used; an alarm on its use (not on AWS services acting for it) catches both a compromise and a bad habit.
//! Judged by evaluating each metric filter over `checks/corpora/monitor-root-usage/`
//! (see `monitoring.rs`).

use super::monitoring;
use super::Context;
use crate::finding::Finding;

pub const ID: &str = "monitor-root-usage";

pub fn run(cx: &Context) -> Vec<Finding> {
    monitoring::run(cx, ID, "use of the root user")
}

#[cfg(test)]
mod tests {
    use crate::checks::monitoring::testing::*;

    /// The CIS AWS Foundations v5.0.0 4.3 pattern.
    const PATTERN: &str = r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#;

    #[test]
    fn the_cis_pattern_passes() {
        assert_passes(super::run, PATTERN);
    }

    #[test]
    fn semantically_equal_rewrites_pass() {
        assert_passes(
            super::run,
            r#"{ ($.eventType != AwsServiceEvent) && ($.userIdentity.invokedBy NOT EXISTS) && ($.userIdentity.type = Root) }"#,
        );
        assert_passes(
            super::run,
            r#"{ (($.userIdentity.type = "Root") && ($.userIdentity.invokedBy NOT EXISTS)) && ($.eventType != "AwsServiceEvent") }"#,
        );
    }

    #[test]
    fn broken_variants_fail_naming_the_events() {
        assert_fails(
            super::run,
            r#"{ $.userIdentity.type = "Root" && $.eventType != "AwsServiceEvent" }"#,
            &[],
            &["s3-GetBucketAcl-Root-invokedBy-cloudtrail"],
        );
        assert_fails(
            super::run,
            r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS }"#,
            &[],
            &["AwsServiceEvent-Root"],
        );
        assert_fails(
            super::run,
            r#"{ $.userIdentity.type = "Root" || $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#,
            &[],
            &[
                "AwsServiceEvent-Root",
                "iam-CreateAccessKey-IAMUser",
                "s3-GetBucketAcl-Root-invokedBy-cloudtrail",
            ],
        );
    }
}
