//! `monitor-iam-policy-changes`: IAM policies decide who can do what; an alarm on every policy created, changed, attached or detached makes a privilege escalation visible within minutes.
//! Judged by evaluating each metric filter over `checks/corpora/monitor-iam-policy-changes/`
//! (see `monitoring.rs`).

use super::monitoring;
use super::Context;
use crate::finding::Finding;

pub const ID: &str = "monitor-iam-policy-changes";

pub fn run(cx: &Context) -> Vec<Finding> {
    monitoring::run(cx, ID, "IAM policy changes")
}

#[cfg(test)]
mod tests {
    use crate::checks::monitoring::testing::*;

    /// The CIS AWS Foundations v5.0.0 4.4 pattern.
    const PATTERN: &str = r#"{ ($.eventName = DeleteGroupPolicy) || ($.eventName = DeleteRolePolicy) || ($.eventName = DeleteUserPolicy) || ($.eventName = PutGroupPolicy) || ($.eventName = PutRolePolicy) || ($.eventName = PutUserPolicy) || ($.eventName = CreatePolicy) || ($.eventName = DeletePolicy) || ($.eventName = CreatePolicyVersion) || ($.eventName = DeletePolicyVersion) || ($.eventName = AttachRolePolicy) || ($.eventName = DetachRolePolicy) || ($.eventName = AttachUserPolicy) || ($.eventName = DetachUserPolicy) || ($.eventName = AttachGroupPolicy) || ($.eventName = DetachGroupPolicy) }"#;

    #[test]
    fn the_cis_pattern_passes() {
        assert_passes(super::run, PATTERN);
    }

    #[test]
    fn semantically_equal_rewrites_pass() {
        assert_passes(
            super::run,
            r#"{ ((($.eventName = "DetachGroupPolicy") || ($.eventName = "AttachGroupPolicy") || ($.eventName = "DetachUserPolicy") || ($.eventName = "AttachUserPolicy") || ($.eventName = "DetachRolePolicy") || ($.eventName = "AttachRolePolicy") || ($.eventName = "DeletePolicyVersion") || ($.eventName = "CreatePolicyVersion") || ($.eventName = "DeletePolicy") || ($.eventName = "CreatePolicy") || ($.eventName = "PutUserPolicy") || ($.eventName = "PutRolePolicy") || ($.eventName = "PutGroupPolicy") || ($.eventName = "DeleteUserPolicy") || ($.eventName = "DeleteRolePolicy") || ($.eventName = "DeleteGroupPolicy"))) }"#,
        );
        assert_passes(
            super::run,
            r#"{$.eventName=DeleteGroupPolicy || $.eventName=DeleteRolePolicy || $.eventName=DeleteUserPolicy || $.eventName=PutGroupPolicy || $.eventName=PutRolePolicy || $.eventName=PutUserPolicy || $.eventName=CreatePolicy || $.eventName=DeletePolicy || $.eventName=CreatePolicyVersion || $.eventName=DeletePolicyVersion || $.eventName=AttachRolePolicy || $.eventName=DetachRolePolicy || $.eventName=AttachUserPolicy || $.eventName=DetachUserPolicy || $.eventName=AttachGroupPolicy || $.eventName=DetachGroupPolicy}"#,
        );
    }

    #[test]
    fn broken_variants_fail_naming_the_events() {
        assert_fails(
            super::run,
            r#"{ ($.eventName = DeleteGroupPolicy) || ($.eventName = DeleteRolePolicy) || ($.eventName = DeleteUserPolicy) || ($.eventName = PutGroupPolicy) || ($.eventName = PutRolePolicy) || ($.eventName = PutUserPolicy) || ($.eventName = CreatePolicy) || ($.eventName = DeletePolicy) || ($.eventName = CreatePolicyVersion) || ($.eventName = DeletePolicyVersion) || ($.eventName = AttachRolePolicy) || ($.eventName = DetachRolePolicy) || ($.eventName = AttachUserPolicy) || ($.eventName = DetachUserPolicy) || ($.eventName = AttachGroupPolicy) }"#,
            &["DetachGroupPolicy"],
            &[],
        );
        assert_fails(
            super::run,
            r#"{ ($.eventName = DeleteGroupPolicy) && ($.eventName = DeleteRolePolicy) && ($.eventName = DeleteUserPolicy) && ($.eventName = PutGroupPolicy) && ($.eventName = PutRolePolicy) && ($.eventName = PutUserPolicy) && ($.eventName = CreatePolicy) && ($.eventName = DeletePolicy) && ($.eventName = CreatePolicyVersion) && ($.eventName = DeletePolicyVersion) && ($.eventName = AttachRolePolicy) && ($.eventName = DetachRolePolicy) && ($.eventName = AttachUserPolicy) && ($.eventName = DetachUserPolicy) && ($.eventName = AttachGroupPolicy) && ($.eventName = DetachGroupPolicy) }"#,
            &[
                "AttachGroupPolicy",
                "AttachRolePolicy",
                "AttachUserPolicy",
                "CreatePolicy",
                "CreatePolicyVersion",
                "DeleteGroupPolicy",
                "DeletePolicy",
                "DeletePolicyVersion",
                "DeleteRolePolicy",
                "DeleteUserPolicy",
                "DetachGroupPolicy",
                "DetachRolePolicy",
                "DetachUserPolicy",
                "PutGroupPolicy",
                "PutRolePolicy",
                "PutUserPolicy",
            ],
            &[],
        );
    }
}
