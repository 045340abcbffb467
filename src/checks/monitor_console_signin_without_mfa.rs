//! `monitor-console-signin-without-mfa`: A console password without MFA is one phishing e-mail away from an attacker; an alarm on each sign-in without MFA shows who still relies on a password alone.
//! Judged by evaluating each metric filter over `checks/corpora/monitor-console-signin-without-mfa/`
//! (see `monitoring.rs`).

use super::monitoring;
use super::Context;
use crate::finding::Finding;

pub const ID: &str = "monitor-console-signin-without-mfa";

pub fn run(cx: &Context) -> Vec<Finding> {
    monitoring::run(cx, ID, "console sign-ins without MFA")
}

#[cfg(test)]
mod tests {
    use crate::checks::monitoring::testing::*;

    /// The CIS AWS Foundations v5.0.0 4.2 pattern.
    const PATTERN: &str = r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }"#;

    #[test]
    fn the_cis_pattern_passes() {
        assert_passes(super::run, PATTERN);
    }

    #[test]
    fn semantically_equal_rewrites_pass() {
        assert_passes(
            super::run,
            r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }"#,
        );
        assert_passes(
            super::run,
            r#"{ ($.additionalEventData.MFAUsed != Yes) && (($.eventName = ConsoleLogin)) }"#,
        );
    }

    #[test]
    fn broken_variants_fail_naming_the_events() {
        assert_fails(
            super::run,
            r#"{ ($.eventName = "ConsoleLogin") || ($.additionalEventData.MFAUsed != "Yes") }"#,
            &[],
            &["ConsoleLogin-IAMUser-with-MFA"],
        );
        assert_fails(
            super::run,
            r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed = "Yes") }"#,
            &["ConsoleLogin-IAMUser-without-MFA"],
            &["ConsoleLogin-IAMUser-with-MFA"],
        );
        assert_fails(
            super::run,
            r#"{ ($.eventName = "ConsoleLogin") }"#,
            &[],
            &["ConsoleLogin-IAMUser-with-MFA"],
        );
    }
}
