//! `cloudtrail-insights`: Insights flags unusual API call and error rates —
//! the first visible sign of a compromised credential enumerating or
//! brute-forcing an account. CIS and Security Hub mean Insights on
//! management events: a selector whose `EventCategories` is absent (AWS's
//! default) or names `Management`. Insights on `Data` events only does not
//! watch the control plane, so it does not count.

use super::assessment::{any_effective_trail, Assessment};
use super::Context;
use crate::finding::Finding;
use crate::snapshot::{InsightSelector, TrailFacts};

pub const ID: &str = "cloudtrail-insights";

pub fn run(cx: &Context) -> Vec<Finding> {
    let required = &cx.params.required_insight_types;
    let requirement = format!(
        "is logging with Insights enabled for {}",
        required.join(" and ")
    );
    any_effective_trail(cx, ID, &requirement, |trail| assess(trail, required))
}

fn assess(trail: &TrailFacts, required: &[String]) -> Assessment {
    let mut a = Assessment::new();
    if let Some(status) = a.read(&trail.status, "the trail's status") {
        a.note("is_logging", status.is_logging);
        a.require(status.is_logging, "not logging");
    }
    if let Some(selectors) = a.read(&trail.insight_selectors, "the trail's insight selectors") {
        let on_management = |wanted: &str| {
            selectors
                .iter()
                .any(|s| s.insight_type == wanted && s.on_management_events())
        };
        let missing: Vec<&str> = required
            .iter()
            .filter(|r| !on_management(r))
            .map(String::as_str)
            .collect();
        // Missing types enabled on data events instead, named as such.
        let on_data_only: Vec<&str> = missing
            .iter()
            .copied()
            .filter(|r| {
                selectors.iter().any(|s: &InsightSelector| {
                    s.insight_type == *r
                        && s.event_categories
                            .as_ref()
                            .is_some_and(|c| c.iter().any(|c| c == "Data"))
                })
            })
            .collect();
        a.note("insight_selectors", selectors);
        a.note("required_insight_types", required);
        a.require(
            missing.is_empty(),
            if on_data_only.is_empty() {
                format!("Insights not enabled for {}", missing.join(", "))
            } else {
                format!(
                    "Insights not enabled on management events for {} ({} only on data events)",
                    missing.join(", "),
                    on_data_only.join(", ")
                )
            },
        );
    }
    a
}

#[cfg(test)]
mod tests {
    use crate::checks::testkit::*;
    use crate::finding::Status;
    use crate::snapshot::{Fact, InsightSelector};

    fn selector(insight_type: &str, categories: Option<&[&str]>) -> InsightSelector {
        InsightSelector {
            insight_type: insight_type.to_string(),
            event_categories: categories.map(|c| c.iter().map(|s| s.to_string()).collect()),
        }
    }

    #[test]
    fn passes_a_logging_trail_with_both_insight_types() {
        let findings = run_check(super::run, &single_account());
        assert_eq!(
            statuses(&findings),
            vec![(ACCOUNT.to_string(), Status::Pass)]
        );
        assert_eq!(
            findings[0].evidence["trails"][0]["insight_selectors"][1]["insight_type"],
            "ApiErrorRateInsight"
        );
    }

    #[test]
    fn fails_when_one_insight_type_is_missing() {
        let mut s = single_account();
        only_trail(&mut s).insight_selectors =
            Fact::Value(vec![selector("ApiCallRateInsight", None)]);
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Fail);
        assert!(
            findings[0].message.contains("ApiErrorRateInsight"),
            "{}",
            findings[0].message
        );
    }

    #[test]
    fn fails_without_insights_or_when_not_logging() {
        let mut s = single_account();
        only_trail(&mut s).insight_selectors = Fact::Value(vec![]);
        assert_eq!(run_check(super::run, &s)[0].status, Status::Fail);
        let mut s = single_account();
        only_trail_status(&mut s).is_logging = false;
        assert_eq!(run_check(super::run, &s)[0].status, Status::Fail);
    }

    #[test]
    fn errors_when_insight_selectors_are_unreadable() {
        let mut s = single_account();
        only_trail(&mut s).insight_selectors =
            Fact::Error(access_denied(ACCOUNT, "cloudtrail", "GetInsightSelectors"));
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Error);
        assert!(
            findings[0].message.contains("GetInsightSelectors")
                || findings[0].message.contains("insight")
        );
    }

    /// Insights on data events only do not watch management calls: fail,
    /// naming why. `Management` listed (alone or with `Data`) counts.
    #[test]
    fn insights_on_data_events_only_fail() {
        let mut s = single_account();
        only_trail(&mut s).insight_selectors = Fact::Value(vec![
            selector("ApiCallRateInsight", Some(&["Data"])),
            selector("ApiErrorRateInsight", Some(&["Management", "Data"])),
        ]);
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Fail);
        assert!(
            findings[0]
                .message
                .contains("ApiCallRateInsight only on data events"),
            "{}",
            findings[0].message
        );
        assert_eq!(
            findings[0].evidence["trails"][0]["insight_selectors"][0]["event_categories"],
            serde_json::json!(["Data"])
        );
        only_trail(&mut s).insight_selectors = Fact::Value(vec![
            selector("ApiCallRateInsight", Some(&["Management"])),
            selector("ApiErrorRateInsight", Some(&["Data", "Management"])),
        ]);
        assert_eq!(run_check(super::run, &s)[0].status, Status::Pass);
        // An empty list names no category: not management events.
        only_trail(&mut s).insight_selectors = Fact::Value(vec![
            selector("ApiCallRateInsight", Some(&[])),
            selector("ApiErrorRateInsight", None),
        ]);
        assert_eq!(run_check(super::run, &s)[0].status, Status::Fail);
    }

    #[test]
    fn the_required_types_are_a_parameter() {
        let mut s = single_account();
        only_trail(&mut s).insight_selectors =
            Fact::Value(vec![selector("ApiCallRateInsight", None)]);
        let mut params = params();
        params.required_insight_types = vec!["ApiCallRateInsight".to_string()];
        let cx = crate::checks::Context::new(&s, &params);
        assert_eq!(super::run(&cx)[0].status, Status::Pass);
    }

    #[test]
    fn an_organization_trail_with_insights_covers_members() {
        for member_sees in [true, false] {
            let findings = run_check(super::run, &organization(member_sees));
            assert_eq!(
                statuses(&findings),
                vec![
                    (ACCOUNT.to_string(), Status::Pass),
                    (MEMBER.to_string(), Status::Pass)
                ]
            );
        }
    }
}
