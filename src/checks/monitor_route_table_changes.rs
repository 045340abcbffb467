//! `monitor-route-table-changes`: A changed route can send a subnet's traffic through an unintended gateway; an alarm on route table changes keeps routing deliberate.
//! Judged by evaluating each metric filter over `checks/corpora/monitor-route-table-changes/`
//! (see `monitoring.rs`).

use super::monitoring;
use super::Context;
use crate::finding::Finding;

pub const ID: &str = "monitor-route-table-changes";

pub fn run(cx: &Context) -> Vec<Finding> {
    monitoring::run(cx, ID, "route table changes")
}

#[cfg(test)]
mod tests {
    use crate::checks::monitoring::testing::*;

    /// The CIS AWS Foundations v5.0.0 4.13 pattern.
    const PATTERN: &str = r#"{ ($.eventSource = ec2.amazonaws.com) && (($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable)) }"#;

    #[test]
    fn the_cis_pattern_passes() {
        assert_passes(super::run, PATTERN);
    }

    #[test]
    fn semantically_equal_rewrites_pass() {
        assert_passes(
            super::run,
            r#"{ ((($.eventName = "DisassociateRouteTable") || ($.eventName = "DeleteRoute") || ($.eventName = "DeleteRouteTable") || ($.eventName = "ReplaceRouteTableAssociation") || ($.eventName = "ReplaceRoute") || ($.eventName = "CreateRouteTable") || ($.eventName = "CreateRoute"))) && $.eventSource = "ec2.amazonaws.com" }"#,
        );
        assert_passes(
            super::run,
            r#"{$.eventSource="ec2.amazonaws.com"&&($.eventName="CreateRoute"||$.eventName="CreateRouteTable"||$.eventName="ReplaceRoute"||$.eventName="ReplaceRouteTableAssociation"||$.eventName="DeleteRouteTable"||$.eventName="DeleteRoute"||$.eventName="DisassociateRouteTable")}"#,
        );
        assert_passes(
            super::run,
            r#"{($.eventSource = ec2.amazonaws.com) && ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable)}"#,
        );
    }

    #[test]
    fn broken_variants_fail_naming_the_events() {
        assert_fails(
            super::run,
            r#"{ ($.eventSource = ec2.amazonaws.com) && (($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute)) }"#,
            &["DisassociateRouteTable"],
            &[],
        );
        assert_fails(
            super::run,
            r#"{ ($.eventName = CreateRoute) && ($.eventName = CreateRouteTable) && ($.eventName = ReplaceRoute) && ($.eventName = ReplaceRouteTableAssociation) && ($.eventName = DeleteRouteTable) && ($.eventName = DeleteRoute) && ($.eventName = DisassociateRouteTable) }"#,
            &[
                "CreateRoute",
                "CreateRouteTable",
                "DeleteRoute",
                "DeleteRouteTable",
                "DisassociateRouteTable",
                "ReplaceRoute",
                "ReplaceRouteTableAssociation",
            ],
            &[],
        );
    }
}
