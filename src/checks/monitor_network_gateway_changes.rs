//! `monitor-network-gateway-changes`: Internet and customer gateways are the doors of a VPC; an alarm on their creation, attachment and deletion keeps traffic on the intended paths.
//! Judged by evaluating each metric filter over `checks/corpora/monitor-network-gateway-changes/`
//! (see `monitoring.rs`).

use super::monitoring;
use super::Context;
use crate::finding::Finding;

pub const ID: &str = "monitor-network-gateway-changes";

pub fn run(cx: &Context) -> Vec<Finding> {
    monitoring::run(cx, ID, "network gateway changes")
}

#[cfg(test)]
mod tests {
    use crate::checks::monitoring::testing::*;

    /// The CIS AWS Foundations v5.0.0 4.12 pattern.
    const PATTERN: &str = r#"{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || ($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || ($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) }"#;

    #[test]
    fn the_cis_pattern_passes() {
        assert_passes(super::run, PATTERN);
    }

    #[test]
    fn semantically_equal_rewrites_pass() {
        assert_passes(
            super::run,
            r#"{ ((($.eventName = "DetachInternetGateway") || ($.eventName = "DeleteInternetGateway") || ($.eventName = "CreateInternetGateway") || ($.eventName = "AttachInternetGateway") || ($.eventName = "DeleteCustomerGateway") || ($.eventName = "CreateCustomerGateway"))) }"#,
        );
        assert_passes(
            super::run,
            r#"{$.eventName=CreateCustomerGateway || $.eventName=DeleteCustomerGateway || $.eventName=AttachInternetGateway || $.eventName=CreateInternetGateway || $.eventName=DeleteInternetGateway || $.eventName=DetachInternetGateway}"#,
        );
    }

    #[test]
    fn broken_variants_fail_naming_the_events() {
        assert_fails(
            super::run,
            r#"{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || ($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || ($.eventName = DeleteInternetGateway) }"#,
            &["DetachInternetGateway"],
            &[],
        );
        assert_fails(
            super::run,
            r#"{ ($.eventName = CreateCustomerGateway) && ($.eventName = DeleteCustomerGateway) && ($.eventName = AttachInternetGateway) && ($.eventName = CreateInternetGateway) && ($.eventName = DeleteInternetGateway) && ($.eventName = DetachInternetGateway) }"#,
            &[
                "AttachInternetGateway",
                "CreateCustomerGateway",
                "CreateInternetGateway",
                "DeleteCustomerGateway",
                "DeleteInternetGateway",
                "DetachInternetGateway",
            ],
            &[],
        );
    }
}
