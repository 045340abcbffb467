//! `monitor-unauthorized-api-calls`: Unauthorized API calls are how a stolen credential probes what it can do, and how a misconfigured application shows up; an alarm on `*UnauthorizedOperation` and `AccessDenied*` errors catches both early.
//! Judged by evaluating each metric filter over `checks/corpora/monitor-unauthorized-api-calls/`
//! (see `monitoring.rs`).

use super::monitoring;
use super::Context;
use crate::finding::Finding;

pub const ID: &str = "monitor-unauthorized-api-calls";

pub fn run(cx: &Context) -> Vec<Finding> {
    monitoring::run(cx, ID, "unauthorized API calls")
}

#[cfg(test)]
mod tests {
    use crate::checks::monitoring::testing::*;

    /// The CIS AWS Foundations v5.0.0 4.1 pattern.
    const PATTERN: &str = r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") && ($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket") }"#;

    #[test]
    fn the_cis_pattern_passes() {
        assert_passes(super::run, PATTERN);
    }

    #[test]
    fn semantically_equal_rewrites_pass() {
        assert_passes(
            super::run,
            r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }"#,
        );
        assert_passes(
            super::run,
            r#"{ ($.errorCode = "AccessDenied*") || ($.errorCode = "*UnauthorizedOperation") }"#,
        );
        assert_passes(
            super::run,
            r#"{ (($.errorCode = *UnauthorizedOperation)) || (($.eventName != HeadBucket) && ($.errorCode = AccessDenied*) && ($.sourceIPAddress != delivery.logs.amazonaws.com)) }"#,
        );
    }

    #[test]
    fn broken_variants_fail_naming_the_events() {
        assert_fails(
            super::run,
            r#"{ ($.errorCode = "*UnauthorizedOperation") && ($.errorCode = "AccessDenied*") }"#,
            &[
                "ec2-DescribeInstances-UnauthorizedOperation",
                "iam-CreateUser-AccessDenied",
                "s3-GetObject-AccessDenied",
                "secretsmanager-ListSecrets-AccessDeniedException",
            ],
            &[],
        );
        assert_fails(
            super::run,
            r#"{ ($.errorCode = "UnauthorizedOperation") || ($.errorCode = "AccessDenied") }"#,
            &[
                "ec2-DescribeInstances-UnauthorizedOperation",
                "secretsmanager-ListSecrets-AccessDeniedException",
            ],
            &[],
        );
        assert_fails(
            super::run,
            r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") || ($.errorCode = "*") }"#,
            &[],
            &[
                "ec2-RunInstances-InstanceLimitExceeded",
                "s3-GetObject-NoSuchKey",
            ],
        );
    }
}
