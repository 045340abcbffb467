//! `monitor-kms-key-deletion`: Data encrypted under a disabled or deleted key cannot be read again; an alarm on disabling and scheduling deletion leaves time to cancel it.
//! Judged by evaluating each metric filter over `checks/corpora/monitor-kms-key-deletion/`
//! (see `monitoring.rs`).

use super::monitoring;
use super::Context;
use crate::finding::Finding;

pub const ID: &str = "monitor-kms-key-deletion";

pub fn run(cx: &Context) -> Vec<Finding> {
    monitoring::run(
        cx,
        ID,
        "disabled or scheduled deletion of customer managed KMS keys",
    )
}

#[cfg(test)]
mod tests {
    use crate::checks::monitoring::testing::*;

    /// The CIS AWS Foundations v5.0.0 4.7 pattern.
    const PATTERN: &str = r#"{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion)) }"#;

    #[test]
    fn the_cis_pattern_passes() {
        assert_passes(super::run, PATTERN);
    }

    #[test]
    fn semantically_equal_rewrites_pass() {
        assert_passes(
            super::run,
            r#"{ ((($.eventName = "ScheduleKeyDeletion") || ($.eventName = "DisableKey"))) && $.eventSource = "kms.amazonaws.com" }"#,
        );
        assert_passes(
            super::run,
            r#"{$.eventSource="kms.amazonaws.com"&&($.eventName="DisableKey"||$.eventName="ScheduleKeyDeletion")}"#,
        );
    }

    #[test]
    fn broken_variants_fail_naming_the_events() {
        assert_fails(
            super::run,
            r#"{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey)) }"#,
            &["ScheduleKeyDeletion"],
            &[],
        );
        assert_fails(
            super::run,
            r#"{ ($.eventName = DisableKey) && ($.eventName = ScheduleKeyDeletion) }"#,
            &["DisableKey", "ScheduleKeyDeletion"],
            &[],
        );
        assert_fails(
            super::run,
            r#"{ ($.eventSource = kms.amazonaws.com) && (($.eventName = Disable*) || ($.eventName = ScheduleKeyDeletion)) }"#,
            &[],
            &["DisableKeyRotation"],
        );
    }
}
