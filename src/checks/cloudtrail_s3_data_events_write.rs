//! `cloudtrail-s3-data-events-write`: without object-level write logging,
//! who put, overwrote or deleted an object in S3 is unknowable afterwards
//! (CIS 3.8, S3.22).

use super::selectors::s3_data_coverage;
use super::assessment::{any_effective_trail, Assessment};
use super::Context;
use crate::finding::Finding;
use crate::snapshot::TrailFacts;

pub const ID: &str = "cloudtrail-s3-data-events-write";

/// Object-level read or write events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Access {
    Read,
    Write,
}

impl Access {
    fn as_str(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::Write => "write",
        }
    }
}

pub fn run(cx: &Context) -> Vec<Finding> {
    run_for(cx, ID, Access::Write)
}

/// One finding per account: does an effective trail record S3 object-level
/// `access` events for all buckets? Shared with the read check.
pub(super) fn run_for(cx: &Context, check_id: &str, access: Access) -> Vec<Finding> {
    let requirement = format!(
        "is multi-region, logging and records S3 object-level {} events for all buckets",
        access.as_str()
    );
    any_effective_trail(cx, check_id, &requirement, |trail| assess(trail, access))
}

/// S3 data events are recorded in the bucket's region: only a multi-region
/// trail can record them for every bucket.
fn assess(trail: &TrailFacts, access: Access) -> Assessment {
    let mut a = Assessment::new();
    if let Some(config) = a.read(&trail.config, "the trail's configuration") {
        a.note("is_multi_region_trail", config.is_multi_region_trail);
        a.require(config.is_multi_region_trail, "not multi-region");
    }
    if let Some(status) = a.read(&trail.status, "the trail's status") {
        a.note("is_logging", status.is_logging);
        a.require(status.is_logging, "not logging");
    }
    if let Some(selectors) = a.read(&trail.event_selectors, "the trail's event selectors") {
        let coverage = s3_data_coverage(selectors);
        let covered = match access {
            Access::Read => coverage.all_buckets_read,
            Access::Write => coverage.all_buckets_write,
        };
        let mut problem = format!(
            "does not record S3 object-level {} events for all buckets",
            access.as_str()
        );
        if !coverage.partial.is_empty() {
            problem.push_str(&format!(" ({})", coverage.partial.join("; ")));
        }
        a.require(covered, problem);
        a.note("s3_data_events", &coverage);
    }
    a
}

#[cfg(test)]
mod tests {
    use crate::checks::testkit::*;
    use crate::finding::Status;
    use crate::snapshot::{AdvancedFieldSelector, Fact};

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
        assert!(
            findings[0].message.contains("write"),
            "{}",
            findings[0].message
        );
    }

    #[test]
    fn passes_classic_all_buckets_all_or_write_only() {
        for rw in ["All", "WriteOnly"] {
            for value in ["arn:aws:s3", "arn:aws:s3:::"] {
                let s = with_selectors(classic_selectors(vec![classic_selector(
                    rw,
                    true,
                    &[],
                    &[("AWS::S3::Object", &[value])],
                )]));
                assert_eq!(
                    run_check(super::run, &s)[0].status,
                    Status::Pass,
                    "{rw} {value}"
                );
            }
        }
    }

    #[test]
    fn fails_classic_read_only_and_per_bucket_selectors() {
        let s = with_selectors(classic_selectors(vec![classic_selector(
            "ReadOnly",
            true,
            &[],
            &[("AWS::S3::Object", &["arn:aws:s3"])],
        )]));
        assert_eq!(run_check(super::run, &s)[0].status, Status::Fail);
        let s = with_selectors(classic_selectors(vec![classic_selector(
            "All",
            true,
            &[],
            &[("AWS::S3::Object", &["arn:aws:s3:::one-bucket/"])],
        )]));
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Fail);
        assert!(
            findings[0].message.contains("one-bucket"),
            "{}",
            findings[0].message
        );
    }

    #[test]
    fn advanced_selectors_pass_unless_narrowed_or_read_only() {
        let base = || {
            vec![
                field_equals("eventCategory", &["Data"]),
                field_equals("resources.type", &["AWS::S3::Object"]),
            ]
        };
        let s = with_selectors(advanced_selectors(vec![advanced_selector(base())]));
        assert_eq!(run_check(super::run, &s)[0].status, Status::Pass);
        let mut write = base();
        write.push(field_equals("readOnly", &["false"]));
        let s = with_selectors(advanced_selectors(vec![advanced_selector(write)]));
        assert_eq!(run_check(super::run, &s)[0].status, Status::Pass);
        let mut read = base();
        read.push(field_equals("readOnly", &["true"]));
        let s = with_selectors(advanced_selectors(vec![advanced_selector(read)]));
        assert_eq!(run_check(super::run, &s)[0].status, Status::Fail);
        let mut narrowed = base();
        narrowed.push(AdvancedFieldSelector {
            field: "resources.ARN".to_string(),
            starts_with: vec!["arn:aws:s3:::important/".to_string()],
            ..Default::default()
        });
        let s = with_selectors(advanced_selectors(vec![advanced_selector(narrowed)]));
        assert_eq!(run_check(super::run, &s)[0].status, Status::Fail);
    }

    #[test]
    fn a_single_region_trail_does_not_cover_all_buckets() {
        let mut s = with_selectors(classic_selectors(vec![classic_selector(
            "All",
            true,
            &[],
            &[("AWS::S3::Object", &["arn:aws:s3"])],
        )]));
        only_trail_config(&mut s).is_multi_region_trail = false;
        assert_eq!(run_check(super::run, &s)[0].status, Status::Fail);
    }

    #[test]
    fn errors_when_event_selectors_are_unreadable() {
        let mut s = single_account();
        only_trail(&mut s).event_selectors =
            Fact::Error(access_denied(ACCOUNT, "cloudtrail", "GetEventSelectors"));
        assert_eq!(run_check(super::run, &s)[0].status, Status::Error);
    }

    #[test]
    fn partition_aware_all_buckets_value() {
        let mut s = with_selectors(classic_selectors(vec![classic_selector(
            "All",
            true,
            &[],
            &[("AWS::S3::Object", &["arn:aws-us-gov:s3"])],
        )]));
        s.partition = "aws-us-gov".to_string();
        assert_eq!(run_check(super::run, &s)[0].status, Status::Pass);
    }
}
