//! `monitor-cloudtrail-changes`: Stopping, deleting or re-pointing a trail is what an intruder does first to hide; an alarm on trail changes keeps the audit log itself watched.
//! Judged by evaluating each metric filter over `checks/corpora/monitor-cloudtrail-changes/`
//! (see `monitoring.rs`).

use super::monitoring;
use super::Context;
use crate::finding::Finding;

pub const ID: &str = "monitor-cloudtrail-changes";

pub fn run(cx: &Context) -> Vec<Finding> {
    monitoring::run(cx, ID, "CloudTrail configuration changes")
}

#[cfg(test)]
mod tests {
    use crate::checks::monitoring::testing::*;

    /// The CIS AWS Foundations v5.0.0 4.5 pattern.
    const PATTERN: &str = r#"{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }"#;

    #[test]
    fn the_cis_pattern_passes() {
        assert_passes(super::run, PATTERN);
    }

    #[test]
    fn semantically_equal_rewrites_pass() {
        assert_passes(
            super::run,
            r#"{ ((($.eventName = "StopLogging") || ($.eventName = "StartLogging") || ($.eventName = "DeleteTrail") || ($.eventName = "UpdateTrail") || ($.eventName = "CreateTrail"))) }"#,
        );
        assert_passes(
            super::run,
            r#"{$.eventName=CreateTrail || $.eventName=UpdateTrail || $.eventName=DeleteTrail || $.eventName=StartLogging || $.eventName=StopLogging}"#,
        );
    }

    #[test]
    fn broken_variants_fail_naming_the_events() {
        assert_fails(
            super::run,
            r#"{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) }"#,
            &["StopLogging"],
            &[],
        );
        assert_fails(
            super::run,
            r#"{ ($.eventName = CreateTrail) && ($.eventName = UpdateTrail) && ($.eventName = DeleteTrail) && ($.eventName = StartLogging) && ($.eventName = StopLogging) }"#,
            &[
                "CreateTrail",
                "DeleteTrail",
                "StartLogging",
                "StopLogging",
                "UpdateTrail",
            ],
            &[],
        );
    }
}
