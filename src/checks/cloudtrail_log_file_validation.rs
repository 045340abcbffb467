//! `cloudtrail-log-file-validation`: digest files let anyone prove later that
//! delivered logs were not altered or deleted (CIS 3.2, CloudTrail.4).

use super::support::{fact, per_trail, Verdict};
use super::Context;
use crate::finding::Finding;
use crate::snapshot::TrailFacts;
use serde_json::json;

pub const ID: &str = "cloudtrail-log-file-validation";

pub fn run(cx: &Context) -> Vec<Finding> {
    per_trail(cx, ID, decide)
}

fn decide(trail: &TrailFacts) -> Verdict {
    let config = match fact(&trail.config, "the trail's configuration") {
        Ok(config) => config,
        Err(verdict) => return verdict,
    };
    let evidence = json!({ "log_file_validation_enabled": config.log_file_validation_enabled });
    if config.log_file_validation_enabled {
        Verdict::pass("log file validation is enabled", evidence)
    } else {
        Verdict::fail("log file validation is disabled", evidence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::finding::Status;
    use crate::snapshot::Fact;

    fn statuses(findings: &[Finding]) -> Vec<(String, Status)> {
        findings
            .iter()
            .map(|f| (f.account_id.clone(), f.status))
            .collect()
    }

    #[test]
    fn passes_when_validation_is_enabled() {
        let findings = run_check(super::run, &single_account());
        assert_eq!(
            statuses(&findings),
            vec![(ACCOUNT.to_string(), Status::Pass)]
        );
        assert_eq!(findings[0].evidence["log_file_validation_enabled"], true);
        assert_eq!(findings[0].evidence["trail"]["name"], "main");
    }

    #[test]
    fn fails_when_validation_is_disabled() {
        let mut snapshot = single_account();
        for trail in snapshot.trails.values_mut() {
            if let Fact::Value(c) = &mut trail.config {
                c.log_file_validation_enabled = false;
            }
        }
        let findings = run_check(super::run, &snapshot);
        assert_eq!(
            statuses(&findings),
            vec![(ACCOUNT.to_string(), Status::Fail)]
        );
    }

    #[test]
    fn errors_when_the_trail_could_not_be_described() {
        let mut snapshot = single_account();
        for trail in snapshot.trails.values_mut() {
            trail.config = Fact::Error(access_denied(ACCOUNT, "cloudtrail", "DescribeTrails"));
        }
        let findings = run_check(super::run, &snapshot);
        assert_eq!(
            statuses(&findings),
            vec![(ACCOUNT.to_string(), Status::Error)]
        );
        assert_eq!(
            findings[0].evidence["collection_error"]["code"],
            "AccessDenied"
        );
    }

    #[test]
    fn fails_an_account_without_any_trail() {
        let snapshot = empty(vec![account(ACCOUNT, vec![])]);
        let findings = run_check(super::run, &snapshot);
        assert_eq!(
            statuses(&findings),
            vec![(ACCOUNT.to_string(), Status::Fail)]
        );
    }

    #[test]
    fn errors_an_account_whose_trails_could_not_be_listed() {
        let mut snapshot = empty(vec![account(ACCOUNT, vec![])]);
        snapshot.accounts[0].trail_arns =
            Fact::Error(access_denied(ACCOUNT, "cloudtrail", "ListTrails"));
        let findings = run_check(super::run, &snapshot);
        assert_eq!(
            statuses(&findings),
            vec![(ACCOUNT.to_string(), Status::Error)]
        );
    }

    #[test]
    fn organization_trail_is_reported_under_each_member_whichever_view_shows_it() {
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
        }
    }
}
