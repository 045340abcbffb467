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
            Fact::Error(e) if is_management(cx, id) => unaudited_management_account(cx, e),
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
    // An ACTIVE one missing from the snapshot (a shard left out of a merge,
    // an edited snapshot) was not audited either: it fails, since a missing
    // shard is not a smaller organization.
    if let Some(org) = &cx.snapshot.organization {
        let shard = cx.snapshot.scope.shard;
        for member in &org.accounts {
            if !shard.is_none_or(|s| s.contains(&member.id)) {
                continue;
            }
            if member.status == "ACTIVE" {
                if cx.snapshot.account(&member.id).is_none() {
                    findings.push(
                        Verdict::fail(
                            "ACTIVE in the organization but absent from the snapshot: not audited (a shard missing from a merge?)",
                            json!({ "status": member.status, "name": member.name, "in_snapshot": false }),
                        )
                        .into_finding(ID, &member.id, &account_resource(cx, &member.id)),
                    );
                }
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

fn is_management(cx: &Context, account_id: &str) -> bool {
    cx.snapshot
        .organization
        .as_ref()
        .is_some_and(|o| o.management_account_id == account_id)
}

/// The management account could not be audited: the usual case when
/// `--org` runs from a delegated administrator (AWS's recommended home for
/// security tools), since the management account has no
/// `OrganizationAccountAccessRole` unless one was made. Say what is then
/// unseen, and how each organization trail it owns was read instead.
fn unaudited_management_account(cx: &Context, e: &crate::snapshot::CollectionError) -> Verdict {
    let mut verdict = Verdict::error(
        "the management account (its regions could not be listed)",
        e,
    )
    .with_message_prefix("not audited: ");
    let organization_trails: Vec<_> = cx
        .snapshot
        .trails
        .values()
        .filter(|t| {
            is_management(cx, &t.account_id)
                && t.config.value().is_some_and(|c| c.is_organization_trail)
        })
        .map(|t| {
            json!({
                "arn": t.arn,
                "read_by_account_id": t.read_by,
                "selectors_read": t.event_selectors.value().is_some(),
            })
        })
        .collect();
    let unread = organization_trails
        .iter()
        .filter(|t| t["selectors_read"] == false)
        .count();
    verdict.message.push_str(&format!(
        "; unseen: its own trails, AWS Config and resources; its {} organization trail(s) are \
         judged from the members' view ({unread} without their event selectors, which only \
         the management account or a CloudTrail delegated administrator can read)",
        organization_trails.len()
    ));
    verdict.evidence["unseen"] = json!([
        "the management account's own trails, AWS Config recorders and Block Public Access (its findings are error)",
        "the buckets, KMS keys, log groups and topics it owns, unless their policies let an audited account read them",
        "the event and Insights selectors of its organization trails, unless a CloudTrail delegated administrator in scope read them",
    ]);
    verdict.evidence["organization_trails"] = json!(organization_trails);
    verdict.evidence["cloudtrail_delegated_administrators"] =
        json!(cx.snapshot.cloudtrail_delegated_administrators);
    verdict
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

    /// `--org` from a delegated administrator: the management account's
    /// role cannot be assumed. Its finding names what is then unseen and
    /// how its organization trail was read (by whom, selectors or not).
    #[test]
    fn an_unaudited_management_account_names_what_is_unseen() {
        for (reader, selectors_read) in [(MEMBER, false), ("333333333333", true)] {
            let mut s = organization(true);
            let denied = access_denied(ACCOUNT, "sts", "AssumeRole");
            s.accounts[0].regions = Fact::Error(denied.clone());
            s.cloudtrail_delegated_administrators =
                Some(Fact::Value(vec!["333333333333".to_string()]));
            let trail = only_trail(&mut s);
            trail.read_by = Some(reader.to_string());
            if !selectors_read {
                trail.event_selectors = Fact::Error(denied.clone());
            }
            let findings = run_check(super::run, &s);
            let management = findings
                .iter()
                .find(|f| f.account_id == ACCOUNT)
                .expect("management finding");
            assert_eq!(management.status, Status::Error);
            let unread = usize::from(!selectors_read);
            assert!(
                management.message.starts_with("not audited: ")
                    && management.message.contains(&format!(
                        "its 1 organization trail(s) are judged from the members' view ({unread} without"
                    )),
                "{}",
                management.message
            );
            let trail = &management.evidence["organization_trails"][0];
            assert_eq!(trail["read_by_account_id"], reader);
            assert_eq!(trail["selectors_read"], selectors_read);
            assert_eq!(
                management.evidence["cloudtrail_delegated_administrators"]["value"][0],
                "333333333333"
            );
            assert!(management.evidence["unseen"]
                .as_array()
                .is_some_and(|u| u.len() == 3));
            // A member is not the management account: the plain message.
            let mut s = organization(true);
            s.accounts[1].regions = Fact::Error(access_denied(MEMBER, "sts", "AssumeRole"));
            let findings = run_check(super::run, &s);
            let member = findings
                .iter()
                .find(|f| f.account_id == MEMBER)
                .expect("member");
            assert!(!member.message.contains("unseen"), "{}", member.message);
        }
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

    /// Issue 14, item 9: an ACTIVE member missing from the snapshot (a
    /// shard left out of a merge) fails; in a shard's own snapshot, members
    /// of other shards are not its business.
    #[test]
    fn an_active_member_absent_from_the_snapshot_fails() {
        let mut s = organization(true);
        let absent = "999999999999";
        s.organization.as_mut().unwrap().accounts.push(OrgAccount {
            id: absent.into(),
            name: "unaudited".into(),
            status: "ACTIVE".into(),
        });
        let findings = run_check(super::run, &s);
        let f: Vec<_> = findings.iter().filter(|f| f.account_id == absent).collect();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].status, Status::Fail);
        assert!(
            f[0].message.contains("absent from the snapshot"),
            "{}",
            f[0].message
        );
        // A shard that does not hold it says nothing of it.
        let other = (1..=4)
            .map(|index| crate::snapshot::Shard { index, count: 4 })
            .find(|shard| !shard.contains(absent))
            .unwrap();
        s.scope.shard = Some(other);
        let findings = run_check(super::run, &s);
        assert!(findings.iter().all(|f| f.account_id != absent));
    }
}
