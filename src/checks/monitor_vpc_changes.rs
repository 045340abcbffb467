//! `monitor-vpc-changes`: Creating, deleting or peering VPCs changes which networks can reach which; an alarm on VPC changes keeps the network's shape deliberate.
//! Judged by evaluating each metric filter over `checks/corpora/monitor-vpc-changes/`
//! (see `monitoring.rs`).

use super::monitoring;
use super::Context;
use crate::finding::Finding;

pub const ID: &str = "monitor-vpc-changes";

pub fn run(cx: &Context) -> Vec<Finding> {
    monitoring::run(cx, ID, "VPC changes")
}

#[cfg(test)]
mod tests {
    use crate::checks::monitoring::testing::*;

    /// The CIS AWS Foundations v5.0.0 4.14 pattern.
    const PATTERN: &str = r#"{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || ($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) }"#;

    #[test]
    fn the_cis_pattern_passes() {
        assert_passes(super::run, PATTERN);
    }

    #[test]
    fn semantically_equal_rewrites_pass() {
        assert_passes(
            super::run,
            r#"{ ((($.eventName = "EnableVpcClassicLink") || ($.eventName = "DisableVpcClassicLink") || ($.eventName = "DetachClassicLinkVpc") || ($.eventName = "AttachClassicLinkVpc") || ($.eventName = "RejectVpcPeeringConnection") || ($.eventName = "DeleteVpcPeeringConnection") || ($.eventName = "CreateVpcPeeringConnection") || ($.eventName = "AcceptVpcPeeringConnection") || ($.eventName = "ModifyVpcAttribute") || ($.eventName = "DeleteVpc") || ($.eventName = "CreateVpc"))) }"#,
        );
        assert_passes(
            super::run,
            r#"{$.eventName=CreateVpc || $.eventName=DeleteVpc || $.eventName=ModifyVpcAttribute || $.eventName=AcceptVpcPeeringConnection || $.eventName=CreateVpcPeeringConnection || $.eventName=DeleteVpcPeeringConnection || $.eventName=RejectVpcPeeringConnection || $.eventName=AttachClassicLinkVpc || $.eventName=DetachClassicLinkVpc || $.eventName=DisableVpcClassicLink || $.eventName=EnableVpcClassicLink}"#,
        );
    }

    #[test]
    fn broken_variants_fail_naming_the_events() {
        assert_fails(
            super::run,
            r#"{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || ($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink) }"#,
            &["EnableVpcClassicLink"],
            &[],
        );
        assert_fails(
            super::run,
            r#"{ ($.eventName = CreateVpc) && ($.eventName = DeleteVpc) && ($.eventName = ModifyVpcAttribute) && ($.eventName = AcceptVpcPeeringConnection) && ($.eventName = CreateVpcPeeringConnection) && ($.eventName = DeleteVpcPeeringConnection) && ($.eventName = RejectVpcPeeringConnection) && ($.eventName = AttachClassicLinkVpc) && ($.eventName = DetachClassicLinkVpc) && ($.eventName = DisableVpcClassicLink) && ($.eventName = EnableVpcClassicLink) }"#,
            &[
                "AcceptVpcPeeringConnection",
                "AttachClassicLinkVpc",
                "CreateVpc",
                "CreateVpcPeeringConnection",
                "DeleteVpc",
                "DeleteVpcPeeringConnection",
                "DetachClassicLinkVpc",
                "DisableVpcClassicLink",
                "EnableVpcClassicLink",
                "ModifyVpcAttribute",
                "RejectVpcPeeringConnection",
            ],
            &[],
        );
    }
}
