//! `monitor-security-group-changes`: Security groups are the instance-level firewall; an alarm on rule changes catches a port opened to the internet before it is exploited.
//! Judged by evaluating each metric filter over `checks/corpora/monitor-security-group-changes/`
//! (see `monitoring.rs`).

use super::monitoring;
use super::Context;
use crate::finding::Finding;

pub const ID: &str = "monitor-security-group-changes";

pub fn run(cx: &Context) -> Vec<Finding> {
    monitoring::run(cx, ID, "security group changes")
}

#[cfg(test)]
mod tests {
    use crate::checks::monitoring::testing::*;

    /// The CIS AWS Foundations v5.0.0 4.10 pattern.
    const PATTERN: &str = r#"{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) || ($.eventName = ModifySecurityGroupRules) }"#;

    #[test]
    fn the_cis_pattern_passes() {
        assert_passes(super::run, PATTERN);
    }

    #[test]
    fn semantically_equal_rewrites_pass() {
        assert_passes(
            super::run,
            r#"{ ((($.eventName = "ModifySecurityGroupRules") || ($.eventName = "DeleteSecurityGroup") || ($.eventName = "CreateSecurityGroup") || ($.eventName = "RevokeSecurityGroupEgress") || ($.eventName = "RevokeSecurityGroupIngress") || ($.eventName = "AuthorizeSecurityGroupEgress") || ($.eventName = "AuthorizeSecurityGroupIngress"))) }"#,
        );
        assert_passes(
            super::run,
            r#"{$.eventName=AuthorizeSecurityGroupIngress || $.eventName=AuthorizeSecurityGroupEgress || $.eventName=RevokeSecurityGroupIngress || $.eventName=RevokeSecurityGroupEgress || $.eventName=CreateSecurityGroup || $.eventName=DeleteSecurityGroup || $.eventName=ModifySecurityGroupRules}"#,
        );
    }

    #[test]
    fn broken_variants_fail_naming_the_events() {
        assert_fails(
            super::run,
            r#"{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }"#,
            &["ModifySecurityGroupRules"],
            &[],
        );
        assert_fails(
            super::run,
            r#"{ ($.eventName = AuthorizeSecurityGroupIngress) && ($.eventName = AuthorizeSecurityGroupEgress) && ($.eventName = RevokeSecurityGroupIngress) && ($.eventName = RevokeSecurityGroupEgress) && ($.eventName = CreateSecurityGroup) && ($.eventName = DeleteSecurityGroup) && ($.eventName = ModifySecurityGroupRules) }"#,
            &[
                "AuthorizeSecurityGroupEgress",
                "AuthorizeSecurityGroupIngress",
                "CreateSecurityGroup",
                "DeleteSecurityGroup",
                "ModifySecurityGroupRules",
                "RevokeSecurityGroupEgress",
                "RevokeSecurityGroupIngress",
            ],
            &[],
        );
    }
}
