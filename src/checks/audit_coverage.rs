//! `audit-coverage`: every account and region in scope was actually
//! audited. Large organizations are where scans silently skip things: an
//! account whose role cannot be assumed, a suspended account, a requested
//! region the account has not opted in to. Each is reported here, by name,
//! with the reason, instead of disappearing from the report.

use super::support::{account_resource, Verdict};
use super::Context;
use crate::finding::Finding;
use crate::snapshot::Fact;
use serde_json::json;

pub const ID: &str = "audit-coverage";

pub fn run(cx: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    for account in cx.accounts() {
        let id = account.account_id.as_str();
        let resource = account_resource(cx, id);
        let verdict = match &account.regions {
            Fact::Error(e) => Verdict::error("the account (its regions could not be listed)", e)
                .with_message_prefix("not audited: "),
            Fact::Value(regions) if regions.is_empty() => Verdict::fail(
                "no region of this account was audited (every requested region is excluded or not enabled)",
                json!({
                    "regions_audited": regions,
                    "regions_not_enabled": account.regions_not_enabled,
                    "regions_in_transition": account.regions_in_transition,
                }),
            ),
            Fact::Value(regions) => Verdict::pass(
                format!("audited in {} region(s)", regions.len()),
                json!({
                    "regions_audited": regions,
                    "regions_not_enabled": account.regions_not_enabled,
                    "regions_in_transition": account.regions_in_transition,
                    "regions_excluded": cx.snapshot.scope.regions_excluded,
                }),
            ),
        };
        findings.push(verdict.into_finding(ID, id, &resource));
        // A region asked for by name that the account has not enabled:
        // not audited, and said so (with `all`, such regions are only
        // listed in the evidence above, or every account would repeat them).
        if cx.snapshot.scope.regions_requested.is_some() {
            for region in &account.regions_not_enabled {
                findings.push(
                    Verdict::not_applicable(
                        format!("region {region} is not enabled for this account (an opt-in region it has not opted in to): not audited"),
                        json!({ "region": region, "opt_in_status": "DISABLED" }),
                    )
                    .into_finding(ID, id, &resource)
                    .in_region(region.clone()),
                );
            }
            for changing in &account.regions_in_transition {
                findings.push(
                    Verdict::not_applicable(
                        format!(
                            "region {} is {} for this account (its opt-in status is changing): not audited",
                            changing.region, changing.status
                        ),
                        json!({ "region": changing.region, "opt_in_status": changing.status }),
                    )
                    .into_finding(ID, id, &resource)
                    .in_region(changing.region.clone()),
                );
            }
        }
    }
    // Organization accounts that are not ACTIVE are not audited: name them.
    if let Some(org) = &cx.snapshot.organization {
        let shard = cx.snapshot.scope.shard;
        for member in &org.accounts {
            if member.status == "ACTIVE" || !shard.is_none_or(|s| s.contains(&member.id)) {
                continue;
            }
            findings.push(
                Verdict::not_applicable(
                    format!(
                        "account is {} in the organization: not audited",
                        member.status
                    ),
                    json!({ "status": member.status, "name": member.name }),
                )
                .into_finding(ID, &member.id, &account_resource(cx, &member.id)),
            );
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::finding::Status;
    use crate::snapshot::OrgAccount;

    #[test]
    fn passes_an_audited_account_with_its_regions_as_evidence() {
        let findings = run_check(super::run, &single_account());
        assert_eq!(
            statuses(&findings),
            vec![(ACCOUNT.to_string(), Status::Pass)]
        );
        assert_eq!(findings[0].evidence["regions_audited"], json!([REGION]));
    }

    #[test]
    fn errors_an_account_whose_role_could_not_be_assumed() {
        let mut s = single_account();
        s.accounts[0].regions = Fact::Error(access_denied(ACCOUNT, "sts", "AssumeRole"));
        let findings = run_check(super::run, &s);
        assert_eq!(
            statuses(&findings),
            vec![(ACCOUNT.to_string(), Status::Error)]
        );
        assert!(
            findings[0].message.starts_with("not audited: "),
            "{}",
            findings[0].message
        );
    }

    #[test]
    fn reports_requested_regions_that_are_not_enabled() {
        let mut s = single_account();
        s.scope.regions_requested = Some(vec![REGION.into(), "ap-east-1".into()]);
        s.accounts[0].regions_not_enabled = vec!["ap-east-1".into()];
        let findings = run_check(super::run, &s);
        assert_eq!(findings.len(), 2);
        assert_eq!(findings[1].status, Status::NotApplicable);
        assert_eq!(findings[1].region.as_deref(), Some("ap-east-1"));
        assert!(findings[1].message.contains("not enabled"));
        // With `all`, they are evidence only.
        s.scope.regions_requested = None;
        let findings = run_check(super::run, &s);
        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].evidence["regions_not_enabled"],
            json!(["ap-east-1"])
        );
    }

    #[test]
    fn names_regions_being_enabled_or_disabled() {
        let mut s = single_account();
        s.accounts[0].regions_in_transition = vec![crate::snapshot::RegionInTransition {
            region: "me-central-1".into(),
            status: "ENABLING".into(),
        }];
        // With `all`: in the evidence of the account's finding.
        let findings = run_check(super::run, &s);
        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].evidence["regions_in_transition"],
            json!([{ "region": "me-central-1", "status": "ENABLING" }])
        );
        // Asked for by name: a finding of its own, with the status.
        s.scope.regions_requested = Some(vec![REGION.into(), "me-central-1".into()]);
        let findings = run_check(super::run, &s);
        assert_eq!(findings.len(), 2);
        assert_eq!(findings[1].status, Status::NotApplicable);
        assert_eq!(findings[1].region.as_deref(), Some("me-central-1"));
        assert!(
            findings[1].message.contains("ENABLING"),
            "{}",
            findings[1].message
        );
    }

    #[test]
    fn fails_an_account_with_no_region_left_to_audit() {
        let mut s = single_account();
        s.accounts[0].regions = Fact::Value(vec![]);
        assert_eq!(run_check(super::run, &s)[0].status, Status::Fail);
    }

    #[test]
    fn names_suspended_organization_accounts() {
        let mut s = organization(true);
        let org = s.organization.as_mut().unwrap();
        org.accounts.push(OrgAccount {
            id: "999999999999".into(),
            name: "closed".into(),
            status: "SUSPENDED".into(),
        });
        let findings = run_check(super::run, &s);
        let suspended: Vec<_> = findings
            .iter()
            .filter(|f| f.account_id == "999999999999")
            .collect();
        assert_eq!(suspended.len(), 1);
        assert_eq!(suspended[0].status, Status::NotApplicable);
        assert!(suspended[0].message.contains("SUSPENDED"));
    }
}
