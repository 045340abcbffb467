//! `cloudtrail-s3-data-events-read`: without object-level read logging, a
//! data exfiltration from S3 (GetObject) leaves no trace (CIS 3.9, S3.23).

use super::cloudtrail_s3_data_events_write::{run_for, Access};
use super::Context;
use crate::finding::Finding;

pub const ID: &str = "cloudtrail-s3-data-events-read";

pub fn run(cx: &Context) -> Vec<Finding> {
    run_for(cx, ID, Access::Read)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::finding::Status;
    use crate::snapshot::Fact;

    fn with_selectors(selectors: crate::snapshot::EventSelectors) -> crate::snapshot::Snapshot {
        let mut s = single_account();
        only_trail(&mut s).event_selectors = Fact::Value(selectors);
        s
    }

    #[test]
    fn fails_a_trail_without_data_events() {
        let findings = run_check(super::run, &single_account());
        assert_eq!(
            statuses(&findings),
            vec![(ACCOUNT.to_string(), Status::Fail)]
        );
        assert_eq!(findings[0].check_id, ID);
    }

    #[test]
    fn classic_read_only_passes_and_write_only_fails() {
        let s = with_selectors(classic_selectors(vec![classic_selector(
            "ReadOnly",
            false,
            &[],
            &[("AWS::S3::Object", &["arn:aws:s3:::"])],
        )]));
        assert_eq!(run_check(super::run, &s)[0].status, Status::Pass);
        let s = with_selectors(classic_selectors(vec![classic_selector(
            "WriteOnly",
            true,
            &[],
            &[("AWS::S3::Object", &["arn:aws:s3:::"])],
        )]));
        assert_eq!(run_check(super::run, &s)[0].status, Status::Fail);
    }

    #[test]
    fn advanced_read_only_true_passes_and_false_fails() {
        let selectors = |read_only: &str| {
            advanced_selectors(vec![advanced_selector(vec![
                field_equals("eventCategory", &["Data"]),
                field_equals("resources.type", &["AWS::S3::Object"]),
                field_equals("readOnly", &[read_only]),
            ])])
        };
        assert_eq!(
            run_check(super::run, &with_selectors(selectors("true")))[0].status,
            Status::Pass
        );
        assert_eq!(
            run_check(super::run, &with_selectors(selectors("false")))[0].status,
            Status::Fail
        );
    }

    #[test]
    fn an_event_name_filter_narrows_the_selector() {
        let s = with_selectors(advanced_selectors(vec![advanced_selector(vec![
            field_equals("eventCategory", &["Data"]),
            field_equals("resources.type", &["AWS::S3::Object"]),
            field_equals("eventName", &["GetObject"]),
        ])]));
        assert_eq!(run_check(super::run, &s)[0].status, Status::Fail);
    }

    #[test]
    fn errors_when_the_trail_status_is_unreadable() {
        let mut s = with_selectors(classic_selectors(vec![classic_selector(
            "All",
            true,
            &[],
            &[("AWS::S3::Object", &["arn:aws:s3"])],
        )]));
        only_trail(&mut s).status =
            Fact::Error(access_denied(ACCOUNT, "cloudtrail", "GetTrailStatus"));
        assert_eq!(run_check(super::run, &s)[0].status, Status::Error);
    }

    #[test]
    fn an_organization_trail_recording_reads_covers_members() {
        for member_sees in [true, false] {
            let mut s = organization(member_sees);
            only_trail(&mut s).event_selectors =
                Fact::Value(classic_selectors(vec![classic_selector(
                    "All",
                    true,
                    &[],
                    &[("AWS::S3::Object", &["arn:aws:s3"])],
                )]));
            assert_eq!(
                statuses(&run_check(super::run, &s)),
                vec![
                    (ACCOUNT.to_string(), Status::Pass),
                    (MEMBER.to_string(), Status::Pass)
                ]
            );
        }
    }
}
