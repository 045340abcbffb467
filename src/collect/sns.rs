//! SNS topics trails or alarms notify: GetTopicAttributes and
//! ListSubscriptionsByTopic. The subscription list, not the topic's
//! `SubscriptionsConfirmed` counter, says whether anyone would be told.

use super::Collector;
use crate::aws::clients::Session;
use crate::aws::errors::{code_of, Site};
use crate::aws::ops;
use crate::snapshot::{Fact, SnsSubscription, SnsTopic, SnsTopicFacts};

/// Reads one topic and its subscriptions; `None` when it does not exist.
pub async fn topic(
    cx: &Collector,
    session: &Session,
    arn: &str,
    account_id: &str,
    region: &str,
) -> SnsTopicFacts {
    let client = session.sns(region);
    let topic = match cx
        .call(client.get_topic_attributes().topic_arn(arn).send())
        .await
    {
        Ok(out) => {
            let count = |key: &str| {
                out.attributes()
                    .and_then(|a| a.get(key))
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .unwrap_or(0)
            };
            Fact::Value(Some(SnsTopic {
                subscriptions_confirmed: count("SubscriptionsConfirmed"),
                subscriptions_pending: count("SubscriptionsPending"),
            }))
        }
        Err(err) if matches!(code_of(&err), Some("NotFound" | "NotFoundException")) => {
            Fact::Value(None)
        }
        Err(err) => Fact::Error(cx.fail(
            &Site::new(&session.account_id, region, ops::SNS_GET_TOPIC_ATTRIBUTES),
            &err,
        )),
    };
    let subscriptions = match &topic {
        Fact::Value(Some(_)) => subscriptions(cx, session, arn, region).await,
        // A topic that does not exist has no subscribers.
        Fact::Value(None) => Fact::Value(Vec::new()),
        // Already recorded: the subscribers are unknown for the same reason.
        Fact::Error(e) => Fact::Error(e.clone()),
    };
    SnsTopicFacts {
        arn: arn.to_string(),
        account_id: account_id.to_string(),
        region: region.to_string(),
        topic,
        subscriptions: Some(subscriptions),
    }
}

/// ListSubscriptionsByTopic, all pages; an error if any page failed.
async fn subscriptions(
    cx: &Collector,
    session: &Session,
    arn: &str,
    region: &str,
) -> Fact<Vec<SnsSubscription>> {
    let client = session.sns(region);
    let mut list = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let call = client
            .list_subscriptions_by_topic()
            .topic_arn(arn)
            .set_next_token(token.clone())
            .send();
        match cx.call(call).await {
            Ok(page) => {
                list.extend(page.subscriptions().iter().map(|s| {
                    let subscription_arn = s.subscription_arn().unwrap_or_default().to_string();
                    SnsSubscription {
                        confirmed: is_confirmed(&subscription_arn),
                        subscription_arn,
                        protocol: s.protocol().unwrap_or_default().to_string(),
                    }
                }));
                token = page.next_token().map(str::to_string);
                if token.is_none() {
                    break;
                }
            }
            Err(err) => {
                return Fact::Error(cx.fail(
                    &Site::new(
                        &session.account_id,
                        region,
                        ops::SNS_LIST_SUBSCRIPTIONS_BY_TOPIC,
                    ),
                    &err,
                ))
            }
        }
    }
    list.sort_by(|a, b| a.subscription_arn.cmp(&b.subscription_arn));
    Fact::Value(list)
}

/// A confirmed subscription has a real ARN; an unconfirmed one is listed as
/// `PendingConfirmation`, and one being removed as `Deleted`.
fn is_confirmed(subscription_arn: &str) -> bool {
    subscription_arn.starts_with("arn:") && subscription_arn.split(':').count() >= 7
}

#[cfg(test)]
mod tests {
    use super::is_confirmed;

    #[test]
    fn only_real_subscription_arns_are_confirmed() {
        assert!(is_confirmed(
            "arn:aws:sns:us-east-1:111122223333:alerts:0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
        ));
        assert!(!is_confirmed("PendingConfirmation"));
        assert!(!is_confirmed("pending confirmation"));
        assert!(!is_confirmed("Deleted"));
        assert!(!is_confirmed(""));
        // A topic ARN is not a subscription ARN.
        assert!(!is_confirmed("arn:aws:sns:us-east-1:111122223333:alerts"));
    }
}
