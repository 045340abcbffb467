//! CloudWatch metric alarms: DescribeAlarms (metric alarms only), read once
//! per account and region holding a trail's log group, since an alarm on a
//! metric filter lives in the log group's region.

use super::Collector;
use crate::aws::clients::Session;
use crate::aws::errors::Site;
use crate::aws::ops;
use crate::snapshot::{AlarmQuery, Fact, MetricAlarm, MetricTransformation};
use aws_sdk_cloudwatch::types::AlarmType;
use std::collections::BTreeMap;

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

fn dimensions(list: &[aws_sdk_cloudwatch::types::Dimension]) -> BTreeMap<String, String> {
    list.iter()
        .filter_map(|d| Some((d.name()?.to_string(), d.value()?.to_string())))
        .collect()
}

fn metric(m: &aws_sdk_cloudwatch::types::Metric) -> Option<MetricTransformation> {
    Some(MetricTransformation {
        metric_namespace: m.namespace()?.to_string(),
        metric_name: m.metric_name()?.to_string(),
        metric_value: None,
        default_value: None,
        dimensions: dimensions(m.dimensions()),
        unit: None,
    })
}

/// The facts of one alarm the checks decide on.
fn alarm(a: &aws_sdk_cloudwatch::types::MetricAlarm) -> MetricAlarm {
    let metrics = a
        .metrics()
        .iter()
        .filter_map(|q| metric(q.metric_stat()?.metric()?))
        .collect();
    // The compared query: `ReturnData` true, or the only query when none
    // says (PutMetricAlarm requires exactly one to return data).
    let returned = a
        .metrics()
        .iter()
        .find(|q| q.return_data() == Some(true))
        .or_else(|| match a.metrics() {
            [only] => Some(only),
            _ => None,
        })
        .map(|q| AlarmQuery {
            id: q.id().unwrap_or_default().to_string(),
            expression: q.expression().map(str::to_string),
            metric: q.metric_stat().and_then(|s| s.metric()).and_then(metric),
            stat: q.metric_stat().and_then(|s| s.stat()).map(str::to_string),
        });
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
        statistic: a.statistic().map(|s| s.as_str().to_string()),
        extended_statistic: a.extended_statistic().map(str::to_string),
        comparison_operator: a.comparison_operator().map(|c| c.as_str().to_string()),
        threshold: a.threshold(),
        evaluation_periods: a.evaluation_periods(),
        datapoints_to_alarm: a.datapoints_to_alarm(),
        dimensions: dimensions(a.dimensions()),
        unit: a.unit().map(|u| u.as_str().to_string()),
        returned,
    }
}
