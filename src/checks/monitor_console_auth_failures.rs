//! `monitor-console-auth-failures`: Repeated failed console sign-ins are how password guessing shows up; an alarm on them gives the lead time to lock the user or source out.
//! Judged by evaluating each metric filter over `checks/corpora/monitor-console-auth-failures/`
//! (see `monitoring.rs`).

use super::monitoring;
use super::Context;
use crate::finding::Finding;

pub const ID: &str = "monitor-console-auth-failures";

pub fn run(cx: &Context) -> Vec<Finding> {
    monitoring::run(cx, ID, "failed console authentications")
}

#[cfg(test)]
mod tests {
    use crate::checks::monitoring::testing::*;

    /// The CIS AWS Foundations v5.0.0 4.6 pattern.
    const PATTERN: &str =
        r#"{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }"#;

    #[test]
    fn the_cis_pattern_passes() {
        assert_passes(super::run, PATTERN);
    }

    #[test]
    fn semantically_equal_rewrites_pass() {
        assert_passes(
            super::run,
            r#"{ ($.errorMessage = "Failed authentication") && ($.eventName = "ConsoleLogin") }"#,
        );
        assert_passes(
            super::run,
            r#"{ (($.eventName = "ConsoleLogin")) && (($.errorMessage = "Failed*")) }"#,
        );
    }

    #[test]
    fn broken_variants_fail_naming_the_events() {
        assert_fails(
            super::run,
            r#"{ ($.eventName = ConsoleLogin) || ($.errorMessage = "Failed authentication") }"#,
            &[],
            &["ConsoleLogin-IAMUser-success"],
        );
        assert_fails(
            super::run,
            r#"{ ($.eventName = ConsoleLogin) && ($.errorMessage NOT EXISTS) }"#,
            &["ConsoleLogin-IAMUser-failed", "ConsoleLogin-Root-failed"],
            &["ConsoleLogin-IAMUser-success"],
        );
    }
}
