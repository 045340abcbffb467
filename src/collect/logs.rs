//! CloudWatch Logs groups trails deliver to: DescribeLogGroups by name
//! prefix, matched exactly, then the group's metric filters.

use super::Collector;
use crate::aws::clients::Session;
use crate::aws::errors::Site;
use crate::aws::ops;
use crate::snapshot::{Fact, LogGroup, LogGroupFacts, MetricFilter, MetricTransformation};

/// The group name in a log group ARN
/// (`arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:*]`).
pub fn group_name_from_arn(arn: &str) -> Option<String> {
    let rest = arn.split_once(":log-group:")?.1;
    let name = rest.strip_suffix(":*").unwrap_or(rest);
    (!name.is_empty()).then(|| name.to_string())
}

/// Reads one log group; `None` when no group has exactly that name.
pub async fn log_group(
    cx: &Collector,
    session: &Session,
    arn: &str,
    name: &str,
    account_id: &str,
    region: &str,
) -> LogGroupFacts {
    let client = session.logs(region);
    let mut token: Option<String> = None;
    let group = loop {
        let call = client
            .describe_log_groups()
            .log_group_name_prefix(name)
            .set_next_token(token.clone())
            .send();
        match cx.call(call).await {
            Ok(page) => {
                if let Some(found) = page
                    .log_groups()
                    .iter()
                    .find(|g| g.log_group_name() == Some(name))
                {
                    break Fact::Value(Some(LogGroup {
                        retention_in_days: found.retention_in_days(),
                        kms_key_id: found.kms_key_id().map(str::to_string),
                    }));
                }
                token = page.next_token().map(str::to_string);
                if token.is_none() {
                    break Fact::Value(None);
                }
            }
            Err(err) => {
                break Fact::Error(cx.fail(
                    &Site::new(&session.account_id, region, ops::LOGS_DESCRIBE_LOG_GROUPS),
                    &err,
                ))
            }
        }
    };
    let metric_filters = match &group {
        Fact::Value(Some(_)) => metric_filters(cx, session, name, region).await,
        // A group that does not exist has no filters.
        Fact::Value(None) => Fact::Value(Vec::new()),
        // Already recorded: the filters are unknown for the same reason.
        Fact::Error(e) => Fact::Error(e.clone()),
    };
    LogGroupFacts {
        arn: arn.to_string(),
        name: name.to_string(),
        account_id: account_id.to_string(),
        region: region.to_string(),
        group,
        metric_filters: Some(metric_filters),
    }
}

/// DescribeMetricFilters on one group, all pages; an error if any page
/// failed, since a partial list could hide the filter a check needs.
async fn metric_filters(
    cx: &Collector,
    session: &Session,
    name: &str,
    region: &str,
) -> Fact<Vec<MetricFilter>> {
    let client = session.logs(region);
    let mut filters = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let call = client
            .describe_metric_filters()
            .log_group_name(name)
            .set_next_token(token.clone())
            .send();
        match cx.call(call).await {
            Ok(page) => {
                filters.extend(page.metric_filters().iter().map(|f| {
                    MetricFilter {
                        name: f.filter_name().unwrap_or_default().to_string(),
                        pattern: f.filter_pattern().unwrap_or_default().to_string(),
                        transformations: f
                            .metric_transformations()
                            .iter()
                            .map(|t| MetricTransformation {
                                metric_namespace: t.metric_namespace().to_string(),
                                metric_name: t.metric_name().to_string(),
                                metric_value: Some(t.metric_value().to_string()),
                                default_value: t.default_value(),
                                dimensions: t
                                    .dimensions()
                                    .map(|d| {
                                        d.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
                                    })
                                    .unwrap_or_default(),
                                unit: t.unit().map(|u| u.as_str().to_string()),
                            })
                            .collect(),
                        apply_on_transformed_logs: f.apply_on_transformed_logs(),
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
                        ops::LOGS_DESCRIBE_METRIC_FILTERS,
                    ),
                    &err,
                ))
            }
        }
    }
    filters.sort_by(|a, b| a.name.cmp(&b.name));
    Fact::Value(filters)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_names_come_from_arns() {
        assert_eq!(
            group_name_from_arn("arn:aws:logs:us-east-1:111122223333:log-group:CloudTrail/logs:*")
                .as_deref(),
            Some("CloudTrail/logs")
        );
        assert_eq!(
            group_name_from_arn("arn:aws:logs:us-east-1:111122223333:log-group:plain").as_deref(),
            Some("plain")
        );
        assert_eq!(
            group_name_from_arn("arn:aws:logs:us-east-1:1:log-group::*"),
            None
        );
        assert_eq!(group_name_from_arn("nonsense"), None);
    }
}
