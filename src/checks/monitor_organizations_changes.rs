//! `monitor-organizations-changes`: Changes to the organization (accounts leaving or joining, SCPs detached) change the guardrails of every account; an alarm on them makes each one seen.
//! Judged by evaluating each metric filter over `checks/corpora/monitor-organizations-changes/`
//! (see `monitoring.rs`).

use super::monitoring;
use super::Context;
use crate::finding::Finding;

pub const ID: &str = "monitor-organizations-changes";

pub fn run(cx: &Context) -> Vec<Finding> {
    monitoring::run(cx, ID, "AWS Organizations changes")
}

#[cfg(test)]
mod tests {
    use crate::checks::monitoring::testing::*;

    /// The CIS AWS Foundations v5.0.0 4.15 pattern.
    const PATTERN: &str = r#"{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = AcceptHandshake) || ($.eventName = AttachPolicy) || ($.eventName = CreateAccount) || ($.eventName = CreateOrganizationalUnit) || ($.eventName = CreatePolicy) || ($.eventName = DeclineHandshake) || ($.eventName = DeleteOrganization) || ($.eventName = DeleteOrganizationalUnit) || ($.eventName = DeletePolicy) || ($.eventName = DetachPolicy) || ($.eventName = DisablePolicyType) || ($.eventName = EnablePolicyType) || ($.eventName = InviteAccountToOrganization) || ($.eventName = LeaveOrganization) || ($.eventName = MoveAccount) || ($.eventName = RemoveAccountFromOrganization) || ($.eventName = UpdatePolicy) || ($.eventName = UpdateOrganizationalUnit)) }"#;

    #[test]
    fn the_cis_pattern_passes() {
        assert_passes(super::run, PATTERN);
    }

    #[test]
    fn semantically_equal_rewrites_pass() {
        assert_passes(
            super::run,
            r#"{ ((($.eventName = "UpdateOrganizationalUnit") || ($.eventName = "UpdatePolicy") || ($.eventName = "RemoveAccountFromOrganization") || ($.eventName = "MoveAccount") || ($.eventName = "LeaveOrganization") || ($.eventName = "InviteAccountToOrganization") || ($.eventName = "EnablePolicyType") || ($.eventName = "DisablePolicyType") || ($.eventName = "DetachPolicy") || ($.eventName = "DeletePolicy") || ($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeleteOrganization") || ($.eventName = "DeclineHandshake") || ($.eventName = "CreatePolicy") || ($.eventName = "CreateOrganizationalUnit") || ($.eventName = "CreateAccount") || ($.eventName = "AttachPolicy") || ($.eventName = "AcceptHandshake"))) && $.eventSource = "organizations.amazonaws.com" }"#,
        );
        assert_passes(
            super::run,
            r#"{$.eventSource="organizations.amazonaws.com"&&($.eventName="AcceptHandshake"||$.eventName="AttachPolicy"||$.eventName="CreateAccount"||$.eventName="CreateOrganizationalUnit"||$.eventName="CreatePolicy"||$.eventName="DeclineHandshake"||$.eventName="DeleteOrganization"||$.eventName="DeleteOrganizationalUnit"||$.eventName="DeletePolicy"||$.eventName="DetachPolicy"||$.eventName="DisablePolicyType"||$.eventName="EnablePolicyType"||$.eventName="InviteAccountToOrganization"||$.eventName="LeaveOrganization"||$.eventName="MoveAccount"||$.eventName="RemoveAccountFromOrganization"||$.eventName="UpdatePolicy"||$.eventName="UpdateOrganizationalUnit")}"#,
        );
    }

    #[test]
    fn broken_variants_fail_naming_the_events() {
        assert_fails(
            super::run,
            r#"{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = AcceptHandshake) || ($.eventName = AttachPolicy) || ($.eventName = CreateAccount) || ($.eventName = CreateOrganizationalUnit) || ($.eventName = CreatePolicy) || ($.eventName = DeclineHandshake) || ($.eventName = DeleteOrganization) || ($.eventName = DeleteOrganizationalUnit) || ($.eventName = DeletePolicy) || ($.eventName = DetachPolicy) || ($.eventName = DisablePolicyType) || ($.eventName = EnablePolicyType) || ($.eventName = InviteAccountToOrganization) || ($.eventName = LeaveOrganization) || ($.eventName = MoveAccount) || ($.eventName = RemoveAccountFromOrganization) || ($.eventName = UpdatePolicy)) }"#,
            &["UpdateOrganizationalUnit"],
            &[],
        );
        assert_fails(
            super::run,
            r#"{ ($.eventName = AcceptHandshake) && ($.eventName = AttachPolicy) && ($.eventName = CreateAccount) && ($.eventName = CreateOrganizationalUnit) && ($.eventName = CreatePolicy) && ($.eventName = DeclineHandshake) && ($.eventName = DeleteOrganization) && ($.eventName = DeleteOrganizationalUnit) && ($.eventName = DeletePolicy) && ($.eventName = DetachPolicy) && ($.eventName = DisablePolicyType) && ($.eventName = EnablePolicyType) && ($.eventName = InviteAccountToOrganization) && ($.eventName = LeaveOrganization) && ($.eventName = MoveAccount) && ($.eventName = RemoveAccountFromOrganization) && ($.eventName = UpdatePolicy) && ($.eventName = UpdateOrganizationalUnit) }"#,
            &[
                "AcceptHandshake",
                "AttachPolicy",
                "CreateAccount",
                "CreateOrganizationalUnit",
                "CreatePolicy",
                "DeclineHandshake",
                "DeleteOrganization",
                "DeleteOrganizationalUnit",
                "DeletePolicy",
                "DetachPolicy",
                "DisablePolicyType",
                "EnablePolicyType",
                "InviteAccountToOrganization",
                "LeaveOrganization",
                "MoveAccount",
                "RemoveAccountFromOrganization",
                "UpdateOrganizationalUnit",
                "UpdatePolicy",
            ],
            &[],
        );
        assert_fails(
            super::run,
            r#"{ ($.eventName = AcceptHandshake) || ($.eventName = AttachPolicy) || ($.eventName = CreateAccount) || ($.eventName = CreateOrganizationalUnit) || ($.eventName = CreatePolicy) || ($.eventName = DeclineHandshake) || ($.eventName = DeleteOrganization) || ($.eventName = DeleteOrganizationalUnit) || ($.eventName = DeletePolicy) || ($.eventName = DetachPolicy) || ($.eventName = DisablePolicyType) || ($.eventName = EnablePolicyType) || ($.eventName = InviteAccountToOrganization) || ($.eventName = LeaveOrganization) || ($.eventName = MoveAccount) || ($.eventName = RemoveAccountFromOrganization) || ($.eventName = UpdatePolicy) || ($.eventName = UpdateOrganizationalUnit) }"#,
            &[],
            &["iam-CreatePolicy", "iot-AttachPolicy"],
        );
    }
}
