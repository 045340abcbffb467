//! AWS Config in one account and region: recorders, their status, and the
//! delivery channels.

use super::Collector;
use crate::aws::clients::Session;
use crate::aws::errors::Site;
use crate::aws::ops;
use crate::snapshot::{ConfigFacts, ConfigRecorder, ConfigRecorderStatus, DeliveryChannel, Fact};

/// The three Describe calls, concurrently; the first failure (all are
/// recorded) makes the region's fact an error.
pub async fn config(cx: &Collector, session: &Session, region: &str) -> Fact<ConfigFacts> {
    let client = session.config(region);
    let site = |op| Site::new(&session.account_id, region, op);
    let recorders = async {
        cx.call(client.describe_configuration_recorders().send())
            .await
            .map(|out| {
                let mut v: Vec<ConfigRecorder> = out
                    .configuration_recorders()
                    .iter()
                    .map(|r| {
                        let group = r.recording_group();
                        let mut resource_types: Vec<String> = group
                            .map(|g| {
                                g.resource_types()
                                    .iter()
                                    .map(|t| t.as_str().to_string())
                                    .collect()
                            })
                            .unwrap_or_default();
                        resource_types.sort();
                        let mut excluded: Vec<String> = group
                            .and_then(|g| g.exclusion_by_resource_types())
                            .map(|e| {
                                e.resource_types()
                                    .iter()
                                    .map(|t| t.as_str().to_string())
                                    .collect()
                            })
                            .unwrap_or_default();
                        excluded.sort();
                        ConfigRecorder {
                            name: r.name().unwrap_or_default().to_string(),
                            role_arn: r.role_arn().map(str::to_string),
                            // AWS's default recording group records all supported types.
                            all_supported: group.is_none_or(|g| g.all_supported()),
                            include_global_resource_types: group
                                .is_some_and(|g| g.include_global_resource_types()),
                            recording_strategy: group
                                .and_then(|g| g.recording_strategy())
                                .and_then(|s| s.use_only())
                                .map(|u| u.as_str().to_string()),
                            resource_types,
                            excluded_resource_types: excluded,
                        }
                    })
                    .collect();
                v.sort_by(|a, b| a.name.cmp(&b.name));
                v
            })
            .map_err(|err| cx.fail(&site(ops::CONFIG_DESCRIBE_CONFIGURATION_RECORDERS), &err))
    };
    let statuses = async {
        cx.call(client.describe_configuration_recorder_status().send())
            .await
            .map(|out| {
                let mut v: Vec<ConfigRecorderStatus> = out
                    .configuration_recorders_status()
                    .iter()
                    .map(|s| ConfigRecorderStatus {
                        name: s.name().unwrap_or_default().to_string(),
                        recording: s.recording(),
                        last_status: s.last_status().map(|l| l.as_str().to_string()),
                        last_error_code: s.last_error_code().map(str::to_string),
                        last_error_message: s.last_error_message().map(str::to_string),
                    })
                    .collect();
                v.sort_by(|a, b| a.name.cmp(&b.name));
                v
            })
            .map_err(|err| {
                cx.fail(
                    &site(ops::CONFIG_DESCRIBE_CONFIGURATION_RECORDER_STATUS),
                    &err,
                )
            })
    };
    let channels = async {
        cx.call(client.describe_delivery_channels().send())
            .await
            .map(|out| {
                let mut v: Vec<DeliveryChannel> = out
                    .delivery_channels()
                    .iter()
                    .map(|c| DeliveryChannel {
                        name: c.name().unwrap_or_default().to_string(),
                        s3_bucket_name: c.s3_bucket_name().map(str::to_string),
                        sns_topic_arn: c.sns_topic_arn().map(str::to_string),
                    })
                    .collect();
                v.sort_by(|a, b| a.name.cmp(&b.name));
                v
            })
            .map_err(|err| cx.fail(&site(ops::CONFIG_DESCRIBE_DELIVERY_CHANNELS), &err))
    };
    match futures::join!(recorders, statuses, channels) {
        (Ok(recorders), Ok(recorder_statuses), Ok(delivery_channels)) => Fact::Value(ConfigFacts {
            recorders,
            recorder_statuses,
            delivery_channels,
        }),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => Fact::Error(e),
    }
}
