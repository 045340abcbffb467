//! `cloudtrail-sns-notifications`: a notification per delivered log file
//! lets a downstream pipeline (SIEM ingestion, archive copy) notice at once
//! when deliveries stop.

use super::assessment::{judge_other_regions, Assessment};
use super::support::{not_collected, per_trail, Verdict};
use super::Context;
use crate::finding::Finding;
use crate::snapshot::TrailFacts;

pub const ID: &str = "cloudtrail-sns-notifications";

pub fn run(cx: &Context) -> Vec<Finding> {
    per_trail(cx, ID, |trail| decide(cx, trail))
}

fn decide(cx: &Context, trail: &TrailFacts) -> Verdict {
    let mut a = Assessment::new();
    let Some(config) = a.read(&trail.config, "the trail's configuration") else {
        return a.into_verdict("");
    };
    a.note("sns_topic_arn", &config.sns_topic_arn);
    let Some(topic_arn) = config.sns_topic_arn.as_deref() else {
        a.fail("no SNS topic is notified of log file deliveries");
        return a.into_verdict("");
    };
    match cx.snapshot.sns_topics.get(topic_arn) {
        None => a.unknown(
            "the trail's SNS topic",
            not_collected(
                &trail.account_id,
                Some(&trail.home_region),
                "sns",
                "GetTopicAttributes",
                "the trail's SNS topic",
            ),
        ),
        Some(topic) => match a.read(&topic.topic, "the trail's SNS topic") {
            None => {}
            Some(None) => a.fail(format!("SNS topic {topic_arn} does not exist")),
            Some(Some(found)) => {
                a.note("subscriptions_confirmed", found.subscriptions_confirmed);
                a.note("subscriptions_pending", found.subscriptions_pending);
            }
        },
    }
    // A notification error is known only from the status: an unreadable
    // status (in any region) leaves the verdict unknown, never a pass.
    if let Some(status) = a.read(&trail.status, "the trail's status") {
        a.note(
            "latest_notification_error",
            &status.latest_notification_error,
        );
        if let Some(error) = status
            .latest_notification_error
            .as_deref()
            .filter(|e| !e.is_empty())
        {
            a.fail(format!("the latest notification failed: {error}"));
        }
    }
    judge_other_regions(
        &mut a,
        trail,
        "notification",
        |s| s.latest_notification_error.as_deref(),
        |s| serde_json::json!({ "latest_notification_error": s.latest_notification_error }),
    );
    a.into_verdict(format!(
        "log file deliveries are notified to existing SNS topic {topic_arn}"
    ))
}

#[cfg(test)]
mod tests {
    use crate::checks::testkit::*;
    use crate::finding::Status;
    use crate::snapshot::Fact;

    #[test]
    fn passes_an_existing_topic() {
        let findings = run_check(super::run, &single_account());
        assert_eq!(
            statuses(&findings),
            vec![(ACCOUNT.to_string(), Status::Pass)]
        );
        assert_eq!(findings[0].evidence["subscriptions_confirmed"], 1);
    }

    #[test]
    fn fails_without_a_topic() {
        let mut s = single_account();
        only_trail_config(&mut s).sns_topic_arn = None;
        assert_eq!(run_check(super::run, &s)[0].status, Status::Fail);
    }

    #[test]
    fn fails_a_deleted_topic_or_a_notification_error() {
        let mut s = single_account();
        s.sns_topics.values_mut().next().unwrap().topic = Fact::Value(None);
        assert_eq!(run_check(super::run, &s)[0].status, Status::Fail);

        let mut s = single_account();
        only_trail_status(&mut s).latest_notification_error =
            Some("AuthorizationError".to_string());
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Fail);
        assert!(findings[0].message.contains("AuthorizationError"));
    }

    #[test]
    fn errors_when_the_topic_is_unreadable_or_not_collected() {
        let mut s = single_account();
        s.sns_topics.values_mut().next().unwrap().topic =
            Fact::Error(access_denied(ACCOUNT, "sns", "GetTopicAttributes"));
        assert_eq!(run_check(super::run, &s)[0].status, Status::Error);

        let mut s = single_account();
        s.sns_topics.clear();
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Error);
        assert_eq!(
            findings[0].evidence["collection_error"]["code"],
            "NotCollected"
        );
    }

    #[test]
    fn a_notification_error_in_another_region_fails() {
        let mut s = single_account();
        add_status_in_region(&mut s, "eu-west-1", |status| {
            status.latest_notification_error = Some("NotFound".to_string())
        });
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Fail);
        assert!(
            findings[0].message.contains("eu-west-1"),
            "{}",
            findings[0].message
        );
    }

    /// Whether the latest notification failed is known only from the
    /// trail's status: unreadable in any region, the verdict is unknown.
    #[test]
    fn errors_when_a_status_is_unreadable() {
        let mut s = single_account();
        only_trail(&mut s).status =
            Fact::Error(access_denied(ACCOUNT, "cloudtrail", "GetTrailStatus"));
        assert_eq!(run_check(super::run, &s)[0].status, Status::Error);
        let mut s = single_account();
        only_trail(&mut s).status_in_regions.insert(
            "eu-west-1".into(),
            Fact::Error(access_denied(ACCOUNT, "cloudtrail", "GetTrailStatus")),
        );
        assert_eq!(run_check(super::run, &s)[0].status, Status::Error);
    }
}
