//! `cloudtrail-multi-region`: one multi-region, logging trail recording all
//! management events is what makes activity in every region, including
//! unused ones, visible at all (CIS 3.1, Security Hub CloudTrail.1).

use super::selectors::management_coverage;
use super::assessment::{any_effective_trail, Assessment};
use super::Context;
use crate::finding::Finding;
use crate::snapshot::TrailFacts;

pub const ID: &str = "cloudtrail-multi-region";

/// What a qualifying trail does, worded to follow "trail <arn> …".
pub(super) const REQUIREMENT: &str =
    "is multi-region, logging and records all management events, read and write";

pub fn run(cx: &Context) -> Vec<Finding> {
    any_effective_trail(cx, ID, REQUIREMENT, assess)
}

/// Whether one trail is multi-region, logging, and records all management
/// events. Shared with `cloudtrail-organization-trail`.
pub(super) fn assess(trail: &TrailFacts) -> Assessment {
    let mut a = Assessment::new();
    if let Some(config) = a.read(&trail.config, "the trail's configuration") {
        a.note("is_multi_region_trail", config.is_multi_region_trail);
        a.note(
            "include_global_service_events",
            config.include_global_service_events,
        );
        a.require(config.is_multi_region_trail, "not multi-region");
    }
    if let Some(status) = a.read(&trail.status, "the trail's status") {
        a.note("is_logging", status.is_logging);
        a.require(status.is_logging, "not logging");
    }
    if let Some(selectors) = a.read(&trail.event_selectors, "the trail's event selectors") {
        let coverage = management_coverage(selectors);
        a.require(coverage.records_all(), coverage.reason.clone());
        a.note("management_events", &coverage);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::finding::Status;
    use crate::snapshot::Fact;

    fn one(snapshot: &crate::snapshot::Snapshot) -> Finding {
        let findings = run_check(super::run, snapshot);
        assert_eq!(findings.len(), 1, "{findings:#?}");
        findings.into_iter().next().unwrap()
    }

    #[test]
    fn passes_with_a_multi_region_logging_trail_with_the_default_selector() {
        let f = one(&single_account());
        assert_eq!(f.status, Status::Pass, "{}", f.message);
        assert_eq!(f.resource, format!("arn:aws:::{ACCOUNT}"));
        assert_eq!(f.evidence["trails"][0]["qualifies"], "yes");
        assert_eq!(
            f.evidence["trails"][0]["management_events"]["selector_kind"],
            "classic"
        );
    }

    /// No selectors at all: the trail matches no event (AWS gives a trail
    /// created without selectors its default one, which passes above).
    #[test]
    fn fails_a_trail_with_no_event_selectors_at_all() {
        let mut s = single_account();
        only_trail(&mut s).event_selectors = Fact::Value(Default::default());
        let f = one(&s);
        assert_eq!(f.status, Status::Fail);
        assert!(f.message.contains("no event selectors"), "{}", f.message);
    }

    #[test]
    fn fails_a_single_region_trail() {
        let mut s = single_account();
        only_trail_config(&mut s).is_multi_region_trail = false;
        let f = one(&s);
        assert_eq!(f.status, Status::Fail);
        assert!(f.message.contains("not multi-region"), "{}", f.message);
        assert_eq!(f.evidence["trails"][0]["qualifies"], "no");
    }

    #[test]
    fn fails_a_trail_that_is_not_logging() {
        let mut s = single_account();
        only_trail_status(&mut s).is_logging = false;
        let f = one(&s);
        assert_eq!(f.status, Status::Fail);
        assert!(f.message.contains("not logging"), "{}", f.message);
    }

    #[test]
    fn fails_when_management_event_sources_are_excluded() {
        let mut s = single_account();
        only_trail(&mut s).event_selectors =
            Fact::Value(classic_selectors(vec![classic_selector(
                "All",
                true,
                &["kms.amazonaws.com"],
                &[],
            )]));
        let f = one(&s);
        assert_eq!(f.status, Status::Fail);
        assert_eq!(
            f.evidence["trails"][0]["management_events"]["excluded_sources"][0],
            "kms.amazonaws.com"
        );
    }

    #[test]
    fn fails_read_only_classic_selectors() {
        let mut s = single_account();
        only_trail(&mut s).event_selectors =
            Fact::Value(classic_selectors(vec![classic_selector(
                "ReadOnly",
                true,
                &[],
                &[],
            )]));
        assert_eq!(one(&s).status, Status::Fail);
    }

    #[test]
    fn advanced_selectors_pass_without_read_only_and_fail_with_it() {
        let mut s = single_account();
        only_trail(&mut s).event_selectors = Fact::Value(advanced_selectors(vec![
            advanced_selector(vec![field_equals("eventCategory", &["Management"])]),
        ]));
        assert_eq!(one(&s).status, Status::Pass);
        only_trail(&mut s).event_selectors =
            Fact::Value(advanced_selectors(vec![advanced_selector(vec![
                field_equals("eventCategory", &["Management"]),
                field_equals("readOnly", &["false"]),
            ])]));
        let f = one(&s);
        assert_eq!(f.status, Status::Fail);
        assert!(f.message.contains("read"), "{}", f.message);
    }

    #[test]
    fn errors_when_a_needed_fact_is_unreadable_and_nothing_qualifies() {
        let mut s = single_account();
        only_trail(&mut s).status =
            Fact::Error(access_denied(ACCOUNT, "cloudtrail", "GetTrailStatus"));
        let f = one(&s);
        assert_eq!(f.status, Status::Error);
        assert_eq!(f.evidence["trails"][0]["qualifies"], "unknown");
        assert_eq!(
            f.evidence["trails"][0]["collection_error"]["operation"],
            "GetTrailStatus"
        );
    }

    #[test]
    fn a_known_disqualification_is_a_fail_even_with_an_unreadable_fact() {
        let mut s = single_account();
        only_trail_config(&mut s).is_multi_region_trail = false;
        only_trail(&mut s).event_selectors =
            Fact::Error(access_denied(ACCOUNT, "cloudtrail", "GetEventSelectors"));
        assert_eq!(one(&s).status, Status::Fail);
    }

    #[test]
    fn one_qualifying_trail_is_enough_even_when_another_is_unreadable() {
        let mut s = single_account();
        let other = add_trail(&mut s, ACCOUNT, "eu-west-1", "regional");
        s.trails.get_mut(&other).unwrap().status =
            Fact::Error(access_denied(ACCOUNT, "cloudtrail", "GetTrailStatus"));
        let f = one(&s);
        assert_eq!(f.status, Status::Pass);
        assert_eq!(f.evidence["trails"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn fails_an_account_without_trails_and_errors_when_trails_could_not_be_listed() {
        let s = empty(vec![account(ACCOUNT, vec![])]);
        let f = one(&s);
        assert_eq!(f.status, Status::Fail);
        assert!(f.message.contains("no CloudTrail trail"), "{}", f.message);
        let mut s = empty(vec![account(ACCOUNT, vec![])]);
        s.accounts[0].trail_arns = Fact::Error(access_denied(ACCOUNT, "cloudtrail", "ListTrails"));
        assert_eq!(one(&s).status, Status::Error);
    }

    #[test]
    fn a_shadow_trail_counts_once_for_its_multi_region_trail() {
        // One multi-region trail homed in eu-west-1: every region's
        // ListTrails shows it, but it is one ARN, so one trail judged.
        let mut s = empty(vec![account(ACCOUNT, vec![])]);
        add_trail(&mut s, ACCOUNT, "eu-west-1", "homed-elsewhere");
        complete(&mut s);
        let f = one(&s);
        assert_eq!(f.status, Status::Pass);
        assert_eq!(f.evidence["trails"].as_array().unwrap().len(), 1);
        assert_eq!(f.evidence["trails"][0]["trail"]["home_region"], "eu-west-1");
    }

    #[test]
    fn an_organization_trail_covers_members_whichever_view_shows_it() {
        for member_sees in [true, false] {
            let findings = run_check(super::run, &organization(member_sees));
            assert_eq!(
                statuses(&findings),
                vec![
                    (ACCOUNT.to_string(), Status::Pass),
                    (MEMBER.to_string(), Status::Pass)
                ],
                "member_sees_org_trail = {member_sees}"
            );
            // Credited only through the owner's view: the evidence says so.
            let credited = &findings[1].evidence["credited_from_the_owner_view"];
            if member_sees {
                assert!(credited.is_null(), "{credited}");
            } else {
                assert_eq!(
                    credited["trails"][0],
                    only_trail(&mut organization(false)).arn
                );
            }
            assert!(findings[0].evidence["credited_from_the_owner_view"].is_null());
        }
    }

    #[test]
    fn a_member_without_the_org_trail_and_only_a_regional_trail_fails() {
        let mut s = organization(true);
        // Not an organization trail after all: the member has only its own regional trail.
        only_trail_config(&mut s).is_organization_trail = false;
        only_trail(&mut s).seen_by = vec![ACCOUNT.to_string()];
        let arn = add_trail(&mut s, MEMBER, REGION, "member-regional");
        if let Fact::Value(c) = &mut s.trails.get_mut(&arn).unwrap().config {
            c.is_multi_region_trail = false;
        }
        s.accounts[1].trail_arns = Fact::Value(vec![arn]);
        let findings = run_check(super::run, &s);
        assert_eq!(
            statuses(&findings),
            vec![
                (ACCOUNT.to_string(), Status::Pass),
                (MEMBER.to_string(), Status::Fail)
            ]
        );
    }
}
