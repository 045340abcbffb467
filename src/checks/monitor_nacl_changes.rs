//! `monitor-nacl-changes`: Network ACLs filter whole subnets; an alarm on their changes catches a subnet opened up by mistake or on purpose.
//! Judged by evaluating each metric filter over `checks/corpora/monitor-nacl-changes/`
//! (see `monitoring.rs`).

use super::monitoring;
use super::Context;
use crate::finding::Finding;

pub const ID: &str = "monitor-nacl-changes";

pub fn run(cx: &Context) -> Vec<Finding> {
    monitoring::run(cx, ID, "network ACL changes")
}

#[cfg(test)]
mod tests {
    use crate::checks::monitoring::testing::*;

    /// The CIS AWS Foundations v5.0.0 4.11 pattern.
    const PATTERN: &str = r#"{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }"#;

    #[test]
    fn the_cis_pattern_passes() {
        assert_passes(super::run, PATTERN);
    }

    #[test]
    fn semantically_equal_rewrites_pass() {
        assert_passes(
            super::run,
            r#"{ ((($.eventName = "ReplaceNetworkAclAssociation") || ($.eventName = "ReplaceNetworkAclEntry") || ($.eventName = "DeleteNetworkAclEntry") || ($.eventName = "DeleteNetworkAcl") || ($.eventName = "CreateNetworkAclEntry") || ($.eventName = "CreateNetworkAcl"))) }"#,
        );
        assert_passes(
            super::run,
            r#"{$.eventName=CreateNetworkAcl || $.eventName=CreateNetworkAclEntry || $.eventName=DeleteNetworkAcl || $.eventName=DeleteNetworkAclEntry || $.eventName=ReplaceNetworkAclEntry || $.eventName=ReplaceNetworkAclAssociation}"#,
        );
    }

    #[test]
    fn broken_variants_fail_naming_the_events() {
        assert_fails(
            super::run,
            r#"{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) }"#,
            &["ReplaceNetworkAclAssociation"],
            &[],
        );
        assert_fails(
            super::run,
            r#"{ ($.eventName = CreateNetworkAcl) && ($.eventName = CreateNetworkAclEntry) && ($.eventName = DeleteNetworkAcl) && ($.eventName = DeleteNetworkAclEntry) && ($.eventName = ReplaceNetworkAclEntry) && ($.eventName = ReplaceNetworkAclAssociation) }"#,
            &[
                "CreateNetworkAcl",
                "CreateNetworkAclEntry",
                "DeleteNetworkAcl",
                "DeleteNetworkAclEntry",
                "ReplaceNetworkAclAssociation",
                "ReplaceNetworkAclEntry",
            ],
            &[],
        );
    }
}
