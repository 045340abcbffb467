//! `cloudtrail-cloudwatch-logs`: metric filters and alarms on API activity
//! (root use, policy changes, console logins without MFA) need the trail's
//! events in CloudWatch Logs, delivered now rather than yesterday
//! (CloudTrail.5).

use super::assessment::{delivery_staleness, judge_other_regions, Assessment};
use super::support::{not_collected, per_trail, Verdict};
use super::Context;
use crate::finding::Finding;
use crate::snapshot::TrailFacts;

pub const ID: &str = "cloudtrail-cloudwatch-logs";

pub fn run(cx: &Context) -> Vec<Finding> {
    per_trail(cx, ID, |trail| decide(cx, trail))
}

fn decide(cx: &Context, trail: &TrailFacts) -> Verdict {
    let mut a = Assessment::new();
    let Some(config) = a.read(&trail.config, "the trail's configuration") else {
        return a.into_verdict("");
    };
    a.note(
        "cloud_watch_logs_log_group_arn",
        &config.cloud_watch_logs_log_group_arn,
    );
    let Some(group_arn) = config.cloud_watch_logs_log_group_arn.as_deref() else {
        a.fail("the trail does not deliver to CloudWatch Logs");
        return a.into_verdict("");
    };
    match cx.snapshot.log_groups.get(group_arn) {
        None => a.unknown(
            "the trail's log group",
            not_collected(
                &trail.account_id,
                Some(&trail.home_region),
                "logs",
                "DescribeLogGroups",
                "the trail's log group",
            ),
        ),
        Some(group) => match a.read(&group.group, "the trail's log group") {
            None => {}
            Some(None) => a.fail(format!("log group {} does not exist", group.name)),
            Some(Some(found)) => a.note("log_group_retention_in_days", found.retention_in_days),
        },
    }
    if let Some(status) = a.read(&trail.status, "the trail's status") {
        a.note(
            "latest_cloud_watch_logs_delivery_error",
            &status.latest_cloud_watch_logs_delivery_error,
        );
        if let Some(error) = status
            .latest_cloud_watch_logs_delivery_error
            .as_deref()
            .filter(|e| !e.is_empty())
        {
            a.fail(format!(
                "the latest delivery to CloudWatch Logs failed: {error}"
            ));
        }
        let (stale, evidence) =
            delivery_staleness(cx, status.latest_cloud_watch_logs_delivery_time, status);
        a.note("delivery", evidence);
        a.require(
            !stale,
            format!(
                "no delivery to CloudWatch Logs within {} hours",
                cx.params.stale_after_hours
            ),
        );
    }
    judge_other_regions(
        &mut a,
        trail,
        "delivery to CloudWatch Logs",
        |s| s.latest_cloud_watch_logs_delivery_error.as_deref(),
        |s| {
            serde_json::json!({
                "latest_cloud_watch_logs_delivery_time": s.latest_cloud_watch_logs_delivery_time,
                "latest_cloud_watch_logs_delivery_error": s.latest_cloud_watch_logs_delivery_error,
            })
        },
    );
    a.into_verdict(format!(
        "delivers to existing log group {group_arn}, recently and without error"
    ))
}

#[cfg(test)]
mod tests {
    use crate::checks::testkit::*;
    use crate::finding::Status;
    use crate::snapshot::Fact;
    use chrono::Duration;

    #[test]
    fn passes_a_recent_delivery_to_an_existing_group() {
        let findings = run_check(super::run, &single_account());
        assert_eq!(
            statuses(&findings),
            vec![(ACCOUNT.to_string(), Status::Pass)]
        );
        assert_eq!(findings[0].evidence["delivery"]["stale"], false);
        assert_eq!(findings[0].evidence["delivery"]["stale_after_hours"], 24);
        assert!(findings[0].evidence["delivery"]["now"].is_string());
    }

    #[test]
    fn fails_without_a_log_group() {
        let mut s = single_account();
        only_trail_config(&mut s).cloud_watch_logs_log_group_arn = None;
        assert_eq!(run_check(super::run, &s)[0].status, Status::Fail);
    }

    #[test]
    fn fails_a_deleted_log_group() {
        let mut s = single_account();
        s.log_groups.values_mut().next().unwrap().group = Fact::Value(None);
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Fail);
        assert!(findings[0].message.contains("does not exist"));
    }

    #[test]
    fn fails_a_delivery_error() {
        let mut s = single_account();
        only_trail_status(&mut s).latest_cloud_watch_logs_delivery_error =
            Some("AccessDenied".to_string());
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Fail);
        assert!(findings[0].message.contains("AccessDenied"));
    }

    #[test]
    fn fails_a_stale_delivery() {
        let mut s = single_account();
        only_trail_status(&mut s).latest_cloud_watch_logs_delivery_time =
            Some(now() - Duration::hours(25));
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Fail);
        assert_eq!(findings[0].evidence["delivery"]["stale"], true);
    }

    #[test]
    fn a_missing_delivery_is_stale_only_when_logging_started_long_ago() {
        let mut s = single_account();
        let status = only_trail_status(&mut s);
        status.latest_cloud_watch_logs_delivery_time = None;
        status.start_logging_time = Some(now() - Duration::hours(2));
        assert_eq!(run_check(super::run, &s)[0].status, Status::Pass);
        only_trail_status(&mut s).start_logging_time = Some(now() - Duration::hours(30));
        assert_eq!(run_check(super::run, &s)[0].status, Status::Fail);
    }

    #[test]
    fn errors_when_the_group_or_status_is_unreadable() {
        let mut s = single_account();
        s.log_groups.values_mut().next().unwrap().group =
            Fact::Error(access_denied(ACCOUNT, "logs", "DescribeLogGroups"));
        assert_eq!(run_check(super::run, &s)[0].status, Status::Error);

        let mut s = single_account();
        only_trail(&mut s).status =
            Fact::Error(access_denied(ACCOUNT, "cloudtrail", "GetTrailStatus"));
        assert_eq!(run_check(super::run, &s)[0].status, Status::Error);

        let mut s = single_account();
        s.log_groups.clear();
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Error);
        assert_eq!(
            findings[0].evidence["collection_error"]["code"],
            "NotCollected"
        );
    }

    #[test]
    fn a_cloudwatch_logs_error_in_another_region_fails() {
        let mut s = single_account();
        add_status_in_region(&mut s, "eu-west-1", |status| {
            status.latest_cloud_watch_logs_delivery_error = Some("Throttled".to_string())
        });
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Fail);
        assert!(
            findings[0].message.contains("eu-west-1"),
            "{}",
            findings[0].message
        );
        assert_eq!(
            findings[0].evidence["status_in_other_regions"]["eu-west-1"]
                ["latest_cloud_watch_logs_delivery_error"],
            "Throttled"
        );
    }
}
