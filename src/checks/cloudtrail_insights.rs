//! `cloudtrail-insights`: Insights flags unusual API call and error rates —
//! the first visible sign of a compromised credential enumerating or
//! brute-forcing an account.

use super::support::{any_effective_trail, Assessment};
use super::Context;
use crate::finding::Finding;
use crate::snapshot::TrailFacts;

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
    if let Some(types) = a.read(&trail.insight_types, "the trail's insight selectors") {
        let missing: Vec<&str> = required
            .iter()
            .filter(|r| !types.contains(r))
            .map(String::as_str)
            .collect();
        a.note("insight_types", types);
        a.note("required_insight_types", required);
        a.require(
            missing.is_empty(),
            format!("Insights not enabled for {}", missing.join(", ")),
        );
    }
    a
}

#[cfg(test)]
mod tests {
    use crate::checks::testkit::*;
    use crate::finding::Status;
    use crate::snapshot::Fact;

    #[test]
    fn passes_a_logging_trail_with_both_insight_types() {
        let findings = run_check(super::run, &single_account());
        assert_eq!(
            statuses(&findings),
            vec![(ACCOUNT.to_string(), Status::Pass)]
        );
        assert_eq!(
            findings[0].evidence["trails"][0]["insight_types"][1],
            "ApiErrorRateInsight"
        );
    }

    #[test]
    fn fails_when_one_insight_type_is_missing() {
        let mut s = single_account();
        only_trail(&mut s).insight_types = Fact::Value(vec!["ApiCallRateInsight".to_string()]);
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
        only_trail(&mut s).insight_types = Fact::Value(vec![]);
        assert_eq!(run_check(super::run, &s)[0].status, Status::Fail);
        let mut s = single_account();
        only_trail_status(&mut s).is_logging = false;
        assert_eq!(run_check(super::run, &s)[0].status, Status::Fail);
    }

    #[test]
    fn errors_when_insight_selectors_are_unreadable() {
        let mut s = single_account();
        only_trail(&mut s).insight_types =
            Fact::Error(access_denied(ACCOUNT, "cloudtrail", "GetInsightSelectors"));
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Error);
        assert!(
            findings[0].message.contains("GetInsightSelectors")
                || findings[0].message.contains("insight")
        );
    }

    #[test]
    fn the_required_types_are_a_parameter() {
        let mut s = single_account();
        only_trail(&mut s).insight_types = Fact::Value(vec!["ApiCallRateInsight".to_string()]);
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
