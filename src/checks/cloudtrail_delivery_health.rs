//! `cloudtrail-delivery-health`: a trail can be configured perfectly and
//! still record nothing: stopped, or failing to write to a deleted or
//! locked-out bucket. Only the delivery status shows it, region by region:
//! a multi-region trail's delivery can fail in one region alone. With log
//! file validation on, CloudTrail delivers a digest file every hour in every
//! region of the trail even when no event was logged (user guide, "CloudTrail
//! digest file structure"), so a recent digest proves delivery works in a
//! quiet account, and a region whose digests stopped is not delivering.

use super::assessment::{delivery_staleness, judge_other_regions, Assessment};
use super::support::{not_collected, per_trail, Verdict};
use super::Context;
use crate::finding::Finding;
use crate::snapshot::TrailFacts;
use serde_json::json;

pub const ID: &str = "cloudtrail-delivery-health";

pub fn run(cx: &Context) -> Vec<Finding> {
    per_trail(cx, ID, |trail| decide(cx, trail))
}

fn decide(cx: &Context, trail: &TrailFacts) -> Verdict {
    let mut a = Assessment::new();
    let mut delivering = false;
    let validation = trail
        .config
        .value()
        .is_some_and(|c| c.log_file_validation_enabled);
    if let Some(status) = a.read(&trail.status, "the trail's status") {
        a.note("is_logging", status.is_logging);
        a.note("stop_logging_time", status.stop_logging_time);
        a.require(status.is_logging, "the trail is not logging");
        a.note("latest_delivery_error", &status.latest_delivery_error);
        let error = status
            .latest_delivery_error
            .as_deref()
            .filter(|e| !e.is_empty());
        if let Some(error) = error {
            a.fail(format!("the latest delivery to S3 failed: {error}"));
        }
        // Digest delivery is informational here: log file validation has its own check.
        a.note(
            "latest_digest_delivery_error",
            &status.latest_digest_delivery_error,
        );
        // A newer digest is the newer sign of life (digests come hourly).
        let digest_is_newer =
            validation && status.latest_digest_delivery_time > status.latest_delivery_time;
        let latest = if digest_is_newer {
            status.latest_digest_delivery_time
        } else {
            status.latest_delivery_time
        };
        let (stale, mut evidence) = delivery_staleness(cx, latest, status);
        if digest_is_newer {
            evidence["judged_on"] = json!(
                "latest digest delivery time (log file validation is on: digests arrive hourly even when no event was logged)"
            );
        }
        a.note("delivery", evidence);
        a.require(
            !stale,
            format!(
                "no log file delivered to S3 within {} hours",
                cx.params.stale_after_hours
            ),
        );
        delivering = error.is_none() && latest.is_some() && !stale;
    }
    if validation {
        for (region, fact) in &trail.status_in_regions {
            if let crate::snapshot::Fact::Value(status) = fact {
                let (stale, _) = delivery_staleness(cx, status.latest_digest_delivery_time, status);
                a.require(
                    !stale,
                    format!(
                        "no digest file delivered from {region} within {} hours (log file validation is on: digests arrive hourly)",
                        cx.params.stale_after_hours
                    ),
                );
            }
        }
    }
    judge_other_regions(
        &mut a,
        trail,
        "delivery to S3",
        |s| s.latest_delivery_error.as_deref(),
        |s| {
            json!({
                "latest_delivery_time": s.latest_delivery_time,
                "latest_delivery_error": s.latest_delivery_error,
                "latest_digest_delivery_time": s.latest_digest_delivery_time,
            })
        },
    );
    if let Some(config) = a.read(&trail.config, "the trail's configuration") {
        a.note("s3_bucket_name", &config.s3_bucket_name);
        match config.s3_bucket_name.as_deref() {
            None => a.fail("the trail names no S3 bucket"),
            Some(name) => match cx.snapshot.buckets.get(name).map(|b| &b.exists) {
                Some(crate::snapshot::Fact::Value(exists)) => {
                    a.note("bucket_exists", exists);
                    a.require(*exists, format!("bucket {name} does not exist"));
                }
                // A recent delivery without error proves the bucket exists,
                // even when the bucket itself could not be read (e.g. it is
                // owned by an account outside the audit's scope).
                Some(crate::snapshot::Fact::Error(e)) if delivering => {
                    a.note(
                        "bucket_exists",
                        json!({ "inferred_from": "a recent delivery without error", "collection_error": e }),
                    );
                }
                Some(crate::snapshot::Fact::Error(e)) => {
                    a.unknown("whether the trail's bucket exists", e.clone())
                }
                None if delivering => a.note(
                    "bucket_exists",
                    json!({ "inferred_from": "a recent delivery without error" }),
                ),
                None => a.unknown(
                    "whether the trail's bucket exists",
                    not_collected(
                        &trail.account_id,
                        None,
                        "s3",
                        "HeadBucket",
                        "the trail's bucket",
                    ),
                ),
            },
        }
    }
    a.into_verdict("logging, delivering to an existing bucket within the threshold, without error")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::finding::Status;
    use crate::snapshot::Fact;
    use chrono::Duration;

    #[test]
    fn passes_a_healthy_trail() {
        let findings = run_check(super::run, &single_account());
        assert_eq!(
            statuses(&findings),
            vec![(ACCOUNT.to_string(), Status::Pass)]
        );
        assert_eq!(findings[0].evidence["bucket_exists"], true);
        assert_eq!(findings[0].evidence["delivery"]["stale"], false);
    }

    #[test]
    fn fails_a_stopped_trail() {
        let mut s = single_account();
        only_trail_status(&mut s).is_logging = false;
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Fail);
        assert!(findings[0].message.contains("not logging"));
    }

    #[test]
    fn fails_a_delivery_error() {
        let mut s = single_account();
        only_trail_status(&mut s).latest_delivery_error = Some("NoSuchBucket".to_string());
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Fail);
        assert!(findings[0].message.contains("NoSuchBucket"));
    }

    #[test]
    fn fails_a_stale_delivery_and_reports_the_times() {
        let mut s = single_account();
        let latest = now() - Duration::hours(48);
        only_trail_status(&mut s).latest_delivery_time = Some(latest);
        // No digest either: nothing shows the trail alive.
        only_trail_status(&mut s).latest_digest_delivery_time = None;
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Fail);
        assert_eq!(
            findings[0].evidence["delivery"]["latest_delivery_time"],
            json!(latest)
        );
        assert_eq!(findings[0].evidence["delivery"]["now"], json!(now()));
    }

    #[test]
    fn a_missing_delivery_on_a_new_trail_is_not_stale() {
        let mut s = single_account();
        let status = only_trail_status(&mut s);
        status.latest_delivery_time = None;
        status.latest_digest_delivery_time = None;
        status.start_logging_time = Some(now() - Duration::minutes(3));
        assert_eq!(run_check(super::run, &s)[0].status, Status::Pass);
        only_trail_status(&mut s).start_logging_time = Some(now() - Duration::days(3));
        assert_eq!(run_check(super::run, &s)[0].status, Status::Fail);
    }

    #[test]
    fn the_threshold_is_a_parameter() {
        let mut s = single_account();
        only_trail_status(&mut s).latest_delivery_time = Some(now() - Duration::hours(3));
        only_trail_status(&mut s).latest_digest_delivery_time = None;
        let mut params = params();
        params.stale_after_hours = 2;
        let cx = crate::checks::Context::new(&s, &params);
        assert_eq!(super::run(&cx)[0].status, Status::Fail);
    }

    #[test]
    fn fails_a_deleted_bucket() {
        let mut s = single_account();
        only_bucket(&mut s).exists = Fact::Value(false);
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Fail);
        assert!(findings[0].message.contains("does not exist"));
    }

    #[test]
    fn errors_when_the_status_is_unreadable() {
        let mut s = single_account();
        only_trail(&mut s).status =
            Fact::Error(access_denied(ACCOUNT, "cloudtrail", "GetTrailStatus"));
        assert_eq!(run_check(super::run, &s)[0].status, Status::Error);
    }

    #[test]
    fn an_unreadable_bucket_is_an_error_unless_a_recent_delivery_proves_it_exists() {
        let mut s = single_account();
        only_bucket(&mut s).exists = Fact::Error(out_of_scope("333333333333", "s3", "HeadBucket"));
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Pass);
        assert_eq!(
            findings[0].evidence["bucket_exists"]["collection_error"]["code"],
            "OutOfScope"
        );

        only_trail_status(&mut s).latest_delivery_time = None;
        only_trail_status(&mut s).latest_digest_delivery_time = None;
        only_trail_status(&mut s).start_logging_time = Some(now() - Duration::minutes(5));
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Error);
    }

    #[test]
    fn a_shadow_trail_is_judged_once_in_its_home_region() {
        let mut s = empty(vec![account(ACCOUNT, vec![])]);
        add_trail(&mut s, ACCOUNT, "eu-west-1", "homed-elsewhere");
        complete(&mut s);
        let findings = run_check(super::run, &s);
        assert_eq!(
            statuses(&findings),
            vec![(ACCOUNT.to_string(), Status::Pass)]
        );
        assert_eq!(findings[0].region.as_deref(), Some("eu-west-1"));
    }

    #[test]
    fn an_organization_trail_is_reported_under_each_member_whichever_view_shows_it() {
        for member_sees in [true, false] {
            assert_eq!(
                statuses(&run_check(super::run, &organization(member_sees))),
                vec![
                    (ACCOUNT.to_string(), Status::Pass),
                    (MEMBER.to_string(), Status::Pass)
                ]
            );
        }
    }

    /// GetTrailStatus answers per region: a delivery error in a region
    /// other than the home one fails the trail, and the evidence lists
    /// every region's status.
    #[test]
    fn a_delivery_error_in_another_region_fails_and_each_region_is_evidence() {
        let mut s = single_account();
        add_status_in_region(&mut s, "eu-west-1", |_| {});
        add_status_in_region(&mut s, "ap-south-1", |status| {
            status.latest_delivery_error = Some("AccessDenied".to_string())
        });
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Fail);
        assert!(
            findings[0].message.contains("ap-south-1")
                && findings[0].message.contains("AccessDenied"),
            "{}",
            findings[0].message
        );
        let regions = &findings[0].evidence["status_in_other_regions"];
        assert_eq!(
            regions["ap-south-1"]["latest_delivery_error"],
            "AccessDenied"
        );
        assert!(regions["eu-west-1"]["latest_delivery_error"].is_null());
        // Healthy everywhere: pass.
        add_status_in_region(&mut s, "ap-south-1", |_| {});
        assert_eq!(run_check(super::run, &s)[0].status, Status::Pass);
    }

    /// With validation on, a recent digest keeps a quiet trail alive, and a
    /// region whose digests stopped fails.
    #[test]
    fn digests_are_a_sign_of_life_where_validation_is_on() {
        let mut s = single_account();
        let now = now();
        {
            let status = only_trail_status(&mut s);
            status.latest_delivery_time = Some(now - chrono::Duration::hours(72));
            status.latest_digest_delivery_time = Some(now - chrono::Duration::minutes(40));
        }
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Pass, "{}", findings[0].message);
        assert!(findings[0].evidence["delivery"]["judged_on"]
            .as_str()
            .unwrap_or("")
            .contains("digest"));
        // Without validation, digests are not a sign of life.
        if let Fact::Value(c) = &mut only_trail(&mut s).config {
            c.log_file_validation_enabled = false;
        }
        assert_eq!(run_check(super::run, &s)[0].status, Status::Fail);
        // With validation, a region whose digests stopped fails.
        let mut s = single_account();
        add_status_in_region(&mut s, "eu-west-1", |status| {
            status.latest_digest_delivery_time = Some(now - chrono::Duration::hours(72))
        });
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Fail);
        assert!(
            findings[0]
                .message
                .contains("no digest file delivered from eu-west-1"),
            "{}",
            findings[0].message
        );
    }

    #[test]
    fn an_unreadable_status_in_another_region_is_an_error() {
        let mut s = single_account();
        only_trail(&mut s).status_in_regions.insert(
            "eu-west-1".into(),
            Fact::Error(access_denied(ACCOUNT, "cloudtrail", "GetTrailStatus")),
        );
        assert_eq!(run_check(super::run, &s)[0].status, Status::Error);
    }
}
