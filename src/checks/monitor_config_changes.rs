//! `monitor-config-changes`: Stopping the AWS Config recorder or deleting its delivery channel blinds configuration history; an alarm on those changes keeps the recorder watched.
//! Judged by evaluating each metric filter over `checks/corpora/monitor-config-changes/`
//! (see `monitoring.rs`).

use super::monitoring;
use super::Context;
use crate::finding::Finding;

pub const ID: &str = "monitor-config-changes";

pub fn run(cx: &Context) -> Vec<Finding> {
    monitoring::run(cx, ID, "AWS Config configuration changes")
}

#[cfg(test)]
mod tests {
    use crate::checks::monitoring::testing::*;

    /// The CIS AWS Foundations v5.0.0 4.9 pattern.
    const PATTERN: &str = r#"{ ($.eventSource = config.amazonaws.com) && (($.eventName = StopConfigurationRecorder) || ($.eventName = DeleteDeliveryChannel) || ($.eventName = PutDeliveryChannel) || ($.eventName = PutConfigurationRecorder)) }"#;

    #[test]
    fn the_cis_pattern_passes() {
        assert_passes(super::run, PATTERN);
    }

    #[test]
    fn semantically_equal_rewrites_pass() {
        assert_passes(
            super::run,
            r#"{ ((($.eventName = "PutConfigurationRecorder") || ($.eventName = "PutDeliveryChannel") || ($.eventName = "DeleteDeliveryChannel") || ($.eventName = "StopConfigurationRecorder"))) && $.eventSource = "config.amazonaws.com" }"#,
        );
        assert_passes(
            super::run,
            r#"{$.eventSource="config.amazonaws.com"&&($.eventName="StopConfigurationRecorder"||$.eventName="DeleteDeliveryChannel"||$.eventName="PutDeliveryChannel"||$.eventName="PutConfigurationRecorder")}"#,
        );
    }

    #[test]
    fn broken_variants_fail_naming_the_events() {
        assert_fails(
            super::run,
            r#"{ ($.eventSource = config.amazonaws.com) && (($.eventName = StopConfigurationRecorder) || ($.eventName = DeleteDeliveryChannel) || ($.eventName = PutDeliveryChannel)) }"#,
            &["PutConfigurationRecorder"],
            &[],
        );
        assert_fails(
            super::run,
            r#"{ ($.eventName = StopConfigurationRecorder) && ($.eventName = DeleteDeliveryChannel) && ($.eventName = PutDeliveryChannel) && ($.eventName = PutConfigurationRecorder) }"#,
            &[
                "DeleteDeliveryChannel",
                "PutConfigurationRecorder",
                "PutDeliveryChannel",
                "StopConfigurationRecorder",
            ],
            &[],
        );
    }
}
