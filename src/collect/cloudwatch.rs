//! CloudWatch metric alarms: DescribeAlarms (metric alarms only), read once
//! per account and region holding a trail's log group, since an alarm on a
//! metric filter lives in the log group's region.

use super::clients::Session;
use super::errors::Site;
use super::{ops, Collector};
use crate::snapshot::{Fact, MetricAlarm, MetricTransformation};
use aws_sdk_cloudwatch::types::AlarmType;

/// Every metric alarm in `region`, all pages; an error if any page failed
/// (a partial list could hide the alarm a check needs).
pub async fn metric_alarms(
    cx: &Collector,
    session: &Session,
    region: &str,
) -> Fact<Vec<MetricAlarm>> {
    let client = session.cloudwatch(region);
    let mut alarms = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let call = client
            .describe_alarms()
            .alarm_types(AlarmType::MetricAlarm)
            .set_next_token(token.clone())
            .send();
        match cx.call(call).await {
            Ok(page) => {
                alarms.extend(page.metric_alarms().iter().map(alarm));
                token = page.next_token().map(str::to_string);
                if token.is_none() {
                    break;
                }
            }
            Err(err) => {
                return Fact::Error(cx.fail(
                    &Site::new(&session.account_id, region, ops::CW_DESCRIBE_ALARMS),
                    &err,
                ))
            }
        }
    }
    alarms.sort_by(|a, b| a.arn.cmp(&b.arn).then_with(|| a.name.cmp(&b.name)));
    Fact::Value(alarms)
}

/// The facts of one alarm the checks decide on.
fn alarm(a: &aws_sdk_cloudwatch::types::MetricAlarm) -> MetricAlarm {
    let metrics = a
        .metrics()
        .iter()
        .filter_map(|q| {
            let metric = q.metric_stat()?.metric()?;
            Some(MetricTransformation {
                metric_namespace: metric.namespace()?.to_string(),
                metric_name: metric.metric_name()?.to_string(),
            })
        })
        .collect();
    MetricAlarm {
        name: a.alarm_name().unwrap_or_default().to_string(),
        arn: a.alarm_arn().unwrap_or_default().to_string(),
        namespace: a.namespace().map(str::to_string),
        metric_name: a.metric_name().map(str::to_string),
        metrics,
        // Absent means the API default, enabled.
        actions_enabled: a.actions_enabled().unwrap_or(true),
        alarm_actions: a.alarm_actions().to_vec(),
        state_value: a.state_value().map(|s| s.as_str().to_string()),
    }
}
