//! `cloudtrail-organization-trail`: an organization trail logs every member
//! account, including accounts created tomorrow, and members cannot stop or
//! change it. Without one, each account's logging depends on that account.

use super::cloudtrail_multi_region;
use super::assessment::{trails_verdict, AssessedTrail};
use super::support::{account_resource, not_collected, Verdict};
use super::Context;
use crate::finding::Finding;
use crate::snapshot::Fact;
use serde_json::json;
use std::collections::BTreeSet;

pub const ID: &str = "cloudtrail-organization-trail";

const REQUIREMENT: &str =
    "is an organization trail that is multi-region, logging and records all management events, read and write";

pub fn run(cx: &Context) -> Vec<Finding> {
    let Some(org) = &cx.snapshot.organization else {
        // Reported once, under the caller's account, so the report says why
        // the control was not judged.
        let account = cx
            .snapshot
            .caller
            .as_ref()
            .map(|c| c.account_id.as_str())
            .or_else(|| cx.snapshot.accounts.first().map(|a| a.account_id.as_str()));
        return account
            .map(|id| {
                Verdict::not_applicable(
                    "not an organization audit (run with --org to judge organization trails)",
                    json!({ "scope_mode": cx.snapshot.scope.mode }),
                )
                .into_finding(ID, id, &account_resource(cx, id))
            })
            .into_iter()
            .collect();
    };
    let management = org.management_account_id.as_str();
    let members: BTreeSet<&str> = org
        .accounts
        .iter()
        .map(|a| a.id.as_str())
        .chain([management])
        .collect();
    // Candidates: trails owned by an organization account that are (or, when
    // their configuration is unreadable, may be) organization trails.
    // With `organization_trail_name` set, only the trail of that name
    // qualifies: another organization trail (a team's own, a look-alike) is
    // listed in the evidence but does not satisfy the control.
    let expected_name = cx.params.organization_trail_name.as_deref();
    let mut other_names: Vec<&str> = Vec::new();
    let mut assessed: Vec<AssessedTrail> = Vec::new();
    for trail in cx.snapshot.trails.values() {
        if !members.contains(trail.account_id.as_str()) {
            continue;
        }
        if let Fact::Value(config) = &trail.config {
            if !config.is_organization_trail {
                continue;
            }
        }
        if expected_name.is_some_and(|name| name != trail.name) {
            other_names.push(trail.arn.as_str());
            continue;
        }
        let mut a = cloudtrail_multi_region::assess(trail);
        a.note(
            "is_organization_trail",
            trail.config.value().map(|c| c.is_organization_trail),
        );
        assessed.push(AssessedTrail::new(ID, trail, a));
    }
    // Organization trails live in the management account: when its trails
    // could not be listed, one may be missing from the snapshot.
    let missing_management = not_collected(
        management,
        None,
        "cloudtrail",
        "ListTrails",
        "the management account's trails",
    );
    let listing_error = match cx.account(management) {
        Some(account) => account.trail_arns.error(),
        None => Some(&missing_management),
    };
    let refs: Vec<&AssessedTrail> = assessed.iter().collect();
    let mut verdict = trails_verdict(REQUIREMENT, &refs, listing_error);
    if assessed.is_empty() && listing_error.is_none() {
        let message = match expected_name {
            Some(name) => format!(
                "no organization trail named '{name}' (params.organization_trail_name): \
                 each account's logging depends on that account"
            ),
            None => {
                "no organization trail: each account's logging depends on that account".to_string()
            }
        };
        verdict = Verdict::fail(message, verdict.evidence);
    }
    verdict.evidence["organization_id"] = json!(org.id);
    if let Some(name) = expected_name {
        verdict.evidence["expected_trail_name"] = json!(name);
        verdict.evidence["other_organization_trails"] = json!(other_names);
    }
    vec![verdict
        .into_finding(ID, management, &account_resource(cx, management))
        .with_shared(assessed.iter().map(|a| a.evidence.clone()))]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::finding::Status;

    #[test]
    fn passes_once_under_the_management_account_whichever_view_shows_the_trail() {
        for member_sees in [true, false] {
            let findings = run_check(super::run, &organization(member_sees));
            assert_eq!(
                statuses(&findings),
                vec![(ACCOUNT.to_string(), Status::Pass)]
            );
            assert_eq!(
                findings[0].evidence["trails"][0]["is_organization_trail"],
                true
            );
            assert_eq!(findings[0].evidence["organization_id"], "o-exampleorgid");
        }
    }

    #[test]
    fn an_expected_name_rejects_other_organization_trails() {
        let s = organization(true);
        let name = only_trail_name(&s);
        let mut params = params();
        params.organization_trail_name = Some(name.clone());
        let findings = run_check_with(super::run, &s, &params);
        assert_eq!(findings[0].status, Status::Pass);
        params.organization_trail_name = Some("corporate-org-trail".into());
        let findings = run_check_with(super::run, &s, &params);
        assert_eq!(findings[0].status, Status::Fail);
        assert!(findings[0].message.contains("named 'corporate-org-trail'"));
        assert_eq!(
            findings[0].evidence["other_organization_trails"][0]
                .as_str()
                .map(|arn| arn.ends_with(&name)),
            Some(true)
        );
    }

    fn only_trail_name(s: &crate::snapshot::Snapshot) -> String {
        s.trails.values().next().unwrap().name.clone()
    }

    /// A CloudTrail delegated administrator (a member account) may create
    /// the organization trail; AWS may show it under either account. Either
    /// way it is the organization's trail, and covers every member.
    #[test]
    fn a_trail_created_by_the_delegated_administrator_counts() {
        use crate::snapshot::OrgAccount;
        let mut s = organization(false);
        let delegated = "333333333333";
        let old = s.trails.keys().next().unwrap().clone();
        let mut trail = s.trails.remove(&old).unwrap();
        trail.account_id = delegated.to_string();
        trail.arn = old.replace(ACCOUNT, delegated);
        s.accounts[0].trail_arns = crate::snapshot::Fact::Value(vec![]);
        let mut admin = account(delegated, vec![trail.arn.clone()]);
        admin.name = Some("security-tooling".into());
        s.accounts.push(admin);
        s.organization.as_mut().unwrap().accounts.push(OrgAccount {
            id: delegated.into(),
            name: "security-tooling".into(),
            status: "ACTIVE".into(),
        });
        s.trails.insert(trail.arn.clone(), trail);
        let findings = run_check(super::run, &s);
        assert_eq!(
            statuses(&findings),
            vec![(ACCOUNT.to_string(), Status::Pass)]
        );
        // And it is the effective trail of the management account and of
        // every member for the per-account checks.
        let params = params();
        let cx = crate::checks::Context::new(&s, &params);
        for account in [ACCOUNT, MEMBER, delegated] {
            assert_eq!(cx.effective_trails(account).len(), 1, "{account}");
        }
    }

    #[test]
    fn fails_without_an_organization_trail() {
        let mut s = organization(true);
        only_trail_config(&mut s).is_organization_trail = false;
        let findings = run_check(super::run, &s);
        assert_eq!(
            statuses(&findings),
            vec![(ACCOUNT.to_string(), Status::Fail)]
        );
        assert!(findings[0].message.contains("no organization trail"));
    }

    #[test]
    fn fails_an_organization_trail_that_is_not_logging() {
        let mut s = organization(true);
        only_trail_status(&mut s).is_logging = false;
        let findings = run_check(super::run, &s);
        assert_eq!(
            statuses(&findings),
            vec![(ACCOUNT.to_string(), Status::Fail)]
        );
        assert!(
            findings[0].message.contains("not logging"),
            "{}",
            findings[0].message
        );
    }

    #[test]
    fn fails_an_organization_trail_excluding_management_events() {
        let mut s = organization(false);
        only_trail(&mut s).event_selectors =
            Fact::Value(advanced_selectors(vec![advanced_selector(vec![
                field_equals("eventCategory", &["Management"]),
                crate::snapshot::AdvancedFieldSelector {
                    field: "eventSource".to_string(),
                    not_equals: vec!["kms.amazonaws.com".to_string()],
                    ..Default::default()
                },
            ])]));
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Fail);
    }

    #[test]
    fn errors_when_the_trail_configuration_is_unreadable() {
        let mut s = organization(true);
        only_trail(&mut s).config =
            Fact::Error(access_denied(ACCOUNT, "cloudtrail", "DescribeTrails"));
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Error);
    }

    #[test]
    fn errors_when_the_management_account_trails_could_not_be_listed() {
        let mut s = organization(true);
        s.trails.clear();
        s.accounts[0].trail_arns = Fact::Error(access_denied(ACCOUNT, "cloudtrail", "ListTrails"));
        s.accounts[1].trail_arns = Fact::Value(vec![]);
        let findings = run_check(super::run, &s);
        assert_eq!(
            statuses(&findings),
            vec![(ACCOUNT.to_string(), Status::Error)]
        );
    }

    #[test]
    fn not_applicable_outside_an_organization_audit() {
        let findings = run_check(super::run, &single_account());
        assert_eq!(
            statuses(&findings),
            vec![(ACCOUNT.to_string(), Status::NotApplicable)]
        );
    }

    #[test]
    fn ignores_organization_trails_of_another_organization() {
        let mut s = organization(true);
        let outsider = "999999999999";
        let trail = only_trail(&mut s);
        trail.account_id = outsider.to_string();
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Fail);
    }
}
