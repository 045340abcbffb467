//! SNS topics trails notify: GetTopicAttributes.

use super::clients::Session;
use super::errors::{code_of, Site};
use super::{ops, Collector};
use crate::snapshot::{Fact, SnsTopic, SnsTopicFacts};

/// Reads one topic; `None` when it does not exist.
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
    SnsTopicFacts {
        arn: arn.to_string(),
        account_id: account_id.to_string(),
        region: region.to_string(),
        topic,
    }
}
