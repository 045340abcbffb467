//! CloudTrail: ListTrails once per account, then each distinct trail read
//! once in its home region (DescribeTrails batched per account and region,
//! GetTrailStatus, GetEventSelectors, GetInsightSelectors).

use super::Collector;
use crate::aws::clients::Session;
use crate::aws::errors::{code_of, Site};
use crate::aws::ops;
use crate::snapshot::{
    AdvancedEventSelector, AdvancedFieldSelector, CollectionError, DataResource, EventSelector,
    EventSelectors, Fact, InsightSelector, TrailConfig, TrailStatus,
};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// DescribeTrails names at most this many trails per call.
const DESCRIBE_BATCH: usize = 20;

/// A trail as ListTrails returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedTrail {
    pub arn: String,
    pub name: String,
    pub home_region: String,
}

/// ListTrails (paginated) in the global region: real AWS returns every trail
/// of the account, from every region, plus the organization trails that
/// cover it, each with its home region.
pub async fn list_trails(cx: &Collector, session: &Session) -> Fact<Vec<ListedTrail>> {
    let client = session.cloudtrail(&cx.global_region);
    let mut trails = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = match cx
            .call(client.list_trails().set_next_token(token.clone()).send())
            .await
        {
            Ok(page) => page,
            Err(err) => {
                let site = Site::new(&session.account_id, &cx.global_region, ops::CT_LIST_TRAILS);
                return Fact::Error(cx.fail(&site, &err));
            }
        };
        for trail in page.trails() {
            let Some(arn) = trail.trail_arn() else {
                continue;
            };
            trails.push(ListedTrail {
                arn: arn.to_string(),
                name: trail
                    .name()
                    .map(str::to_string)
                    .unwrap_or_else(|| name_from_arn(arn)),
                home_region: trail
                    .home_region()
                    .map(str::to_string)
                    .or_else(|| region_from_arn(arn))
                    .unwrap_or_else(|| cx.global_region.clone()),
            });
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    trails.sort_by(|a, b| a.arn.cmp(&b.arn));
    trails.dedup_by(|a, b| a.arn == b.arn);
    Fact::Value(trails)
}

/// DescribeTrails for trails of one home region, read with one account's
/// credentials. Shadow trails are included so that a reader other than the
/// owner (an organization member) sees organization trails. Results are
/// matched by ARN: a trail AWS did not return is an error, not a default.
pub async fn describe_trails(
    cx: &Collector,
    session: &Session,
    region: &str,
    arns: &[String],
) -> BTreeMap<String, Fact<TrailConfig>> {
    let client = session.cloudtrail(region);
    let mut result = BTreeMap::new();
    for batch in arns.chunks(DESCRIBE_BATCH) {
        let site = Site::new(&session.account_id, region, ops::CT_DESCRIBE_TRAILS);
        let call = client
            .describe_trails()
            .set_trail_name_list(Some(batch.to_vec()))
            .include_shadow_trails(true)
            .send();
        match cx.call(call).await {
            Ok(out) => {
                for arn in batch {
                    let found = out
                        .trail_list()
                        .iter()
                        .find(|t| t.trail_arn() == Some(arn.as_str()));
                    let fact = match found {
                        Some(trail) => Fact::Value(config_of(trail)),
                        None => Fact::Error(cx.record(site.error(
                            "TrailNotFound",
                            format!("DescribeTrails did not return {arn}"),
                        ))),
                    };
                    result.insert(arn.clone(), fact);
                }
            }
            Err(err) => {
                let e = cx.fail(&site, &err);
                for arn in batch {
                    result.insert(arn.clone(), Fact::Error(e.clone()));
                }
            }
        }
    }
    result
}

fn config_of(trail: &aws_sdk_cloudtrail::types::Trail) -> TrailConfig {
    TrailConfig {
        s3_bucket_name: non_empty(trail.s3_bucket_name()),
        s3_key_prefix: non_empty(trail.s3_key_prefix()),
        sns_topic_arn: non_empty(trail.sns_topic_arn()),
        include_global_service_events: trail.include_global_service_events().unwrap_or(false),
        is_multi_region_trail: trail.is_multi_region_trail().unwrap_or(false),
        is_organization_trail: trail.is_organization_trail().unwrap_or(false),
        log_file_validation_enabled: trail.log_file_validation_enabled().unwrap_or(false),
        cloud_watch_logs_log_group_arn: non_empty(trail.cloud_watch_logs_log_group_arn()),
        cloud_watch_logs_role_arn: non_empty(trail.cloud_watch_logs_role_arn()),
        kms_key_id: non_empty(trail.kms_key_id()),
        has_custom_event_selectors: trail.has_custom_event_selectors().unwrap_or(false),
        has_insight_selectors: trail.has_insight_selectors().unwrap_or(false),
    }
}

/// The Insights selectors as AWS returned them, sorted by type. An absent
/// `EventCategories` stays absent (it means management events); a present
/// one is kept as given, even empty.
fn insight_selectors(
    selectors: &[aws_sdk_cloudtrail::types::InsightSelector],
) -> Vec<InsightSelector> {
    let mut out: Vec<InsightSelector> = selectors
        .iter()
        .filter_map(|s| {
            Some(InsightSelector {
                insight_type: s.insight_type()?.as_str().to_string(),
                event_categories: s
                    .event_categories
                    .as_ref()
                    .map(|list| list.iter().map(|c| c.as_str().to_string()).collect()),
            })
        })
        .collect();
    out.sort_by(|a, b| a.insight_type.cmp(&b.insight_type));
    out
}

/// GetTrailStatus of one trail (by ARN) in one region: the API answers
/// for that region only.
pub async fn trail_status(
    cx: &Collector,
    session: &Session,
    region: &str,
    arn: &str,
) -> Fact<TrailStatus> {
    let client = session.cloudtrail(region);
    let account = session.account_id.as_str();
    match cx.call(client.get_trail_status().name(arn).send()).await {
        Ok(out) => Fact::Value(TrailStatus {
            is_logging: out.is_logging().unwrap_or(false),
            start_logging_time: time(out.start_logging_time()),
            stop_logging_time: time(out.stop_logging_time()),
            latest_delivery_time: time(out.latest_delivery_time()),
            latest_delivery_error: non_empty(out.latest_delivery_error()),
            latest_digest_delivery_time: time(out.latest_digest_delivery_time()),
            latest_digest_delivery_error: non_empty(out.latest_digest_delivery_error()),
            latest_notification_error: non_empty(out.latest_notification_error()),
            latest_cloud_watch_logs_delivery_time: time(
                out.latest_cloud_watch_logs_delivery_time(),
            ),
            latest_cloud_watch_logs_delivery_error: non_empty(
                out.latest_cloud_watch_logs_delivery_error(),
            ),
        }),
        Err(err) => {
            Fact::Error(cx.fail(&Site::new(account, region, ops::CT_GET_TRAIL_STATUS), &err))
        }
    }
}

/// An organization trail read by another account than its owner.
#[derive(Debug, Clone, Copy)]
pub struct OrganizationTrailRead<'a> {
    /// The owner: the organization's management account.
    pub owner: &'a str,
    /// What Organizations said of the CloudTrail delegated administrators,
    /// when it was asked (see [`crate::snapshot::Snapshot::cloudtrail_delegated_administrators`]).
    pub delegated_administrators: Option<&'a Fact<Vec<String>>>,
}

impl OrganizationTrailRead<'_> {
    /// What would read the selectors, for the error's message.
    fn remedy(&self) -> String {
        let owner = self.owner;
        let audit_owner = format!("audit {owner} too (--org, or add it to --accounts)");
        match self.delegated_administrators {
            None => format!("{audit_owner}, or a CloudTrail delegated administrator"),
            Some(Fact::Value(ids)) if ids.is_empty() => {
                format!("the organization has no CloudTrail delegated administrator: {audit_owner}")
            }
            Some(Fact::Value(ids)) => format!(
                "{audit_owner}, or the CloudTrail delegated administrator ({}) through a role \
                 it can be read with",
                ids.join(", ")
            ),
            Some(Fact::Error(e)) => format!(
                "{audit_owner}; the CloudTrail delegated administrators could not be listed \
                 (organizations:ListDelegatedAdministrators, from the management account or an \
                 Organizations delegated administrator: {})",
                e.code
            ),
        }
    }
}

/// A failed selectors call, recorded. `organization` is set when the
/// trail is an organization trail read from another account than its owner:
/// AWS shows a member the trail and its status, but its event and Insights
/// selectors only to the management account or a CloudTrail delegated
/// administrator (CloudTrail user guide, "Organization trails" and
/// "Organization delegated administrator"), answering the member
/// `TrailNotFoundException` or `CloudTrailARNInvalidException`. The error
/// then says so, and what access would read them.
fn selectors_failure<E>(
    cx: &Collector,
    site: &Site,
    err: &aws_smithy_runtime_api::client::result::SdkError<
        E,
        aws_smithy_runtime_api::client::orchestrator::HttpResponse,
    >,
    organization: Option<OrganizationTrailRead<'_>>,
) -> CollectionError
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
{
    let mut e = crate::aws::errors::from_sdk(site, err);
    let refused = matches!(
        e.code.as_str(),
        "TrailNotFoundException" | "CloudTrailARNInvalidException"
    );
    if let Some(read) = organization.filter(|_| refused) {
        e.message = format!(
            "an organization trail's selectors can be read only by its owner, the management \
             account {}, or a CloudTrail delegated administrator; account {} gets {}: {} ({})",
            read.owner,
            site.account_id,
            e.code,
            read.remedy(),
            e.message
        );
    }
    cx.record(e)
}

/// GetTrailStatus, GetEventSelectors and GetInsightSelectors of one trail,
/// concurrently, in `region` (its home region), read by `session`;
/// `organization` as for [`selectors_failure`].
pub async fn trail_details(
    cx: &Collector,
    session: &Session,
    region: &str,
    arn: &str,
    organization: Option<OrganizationTrailRead<'_>>,
) -> (
    Fact<TrailStatus>,
    Fact<EventSelectors>,
    Fact<Vec<InsightSelector>>,
) {
    let client = session.cloudtrail(region);
    let account = session.account_id.as_str();
    let status = trail_status(cx, session, region, arn);
    // Always read the selectors: HasCustomEventSelectors can be stale (moto
    // always reports false), and a stale flag must not turn into a pass.
    let selectors = async {
        match cx
            .call(client.get_event_selectors().trail_name(arn).send())
            .await
        {
            Ok(out) => Fact::Value(EventSelectors {
                classic: out.event_selectors().iter().map(classic_selector).collect(),
                advanced: out
                    .advanced_event_selectors()
                    .iter()
                    .map(advanced_selector)
                    .collect(),
            }),
            Err(err) => Fact::Error(selectors_failure(
                cx,
                &Site::new(account, region, ops::CT_GET_EVENT_SELECTORS),
                &err,
                organization,
            )),
        }
    };
    let insights = async {
        match cx
            .call(client.get_insight_selectors().trail_name(arn).send())
            .await
        {
            Ok(out) => Fact::Value(insight_selectors(out.insight_selectors())),
            // AWS answers this when the trail has no Insights: a fact, not a failure.
            Err(err) if code_of(&err) == Some("InsightNotEnabledException") => {
                Fact::Value(Vec::new())
            }
            Err(err) => Fact::Error(selectors_failure(
                cx,
                &Site::new(account, region, ops::CT_GET_INSIGHT_SELECTORS),
                &err,
                organization,
            )),
        }
    };
    futures::join!(status, selectors, insights)
}

fn classic_selector(s: &aws_sdk_cloudtrail::types::EventSelector) -> EventSelector {
    EventSelector {
        // AWS defaults: All, management events included.
        read_write_type: s
            .read_write_type()
            .map(|t| t.as_str().to_string())
            .unwrap_or_else(|| "All".to_string()),
        include_management_events: s.include_management_events().unwrap_or(true),
        exclude_management_event_sources: s.exclude_management_event_sources().to_vec(),
        data_resources: s
            .data_resources()
            .iter()
            .map(|d| DataResource {
                r#type: d.r#type().unwrap_or_default().to_string(),
                values: d.values().to_vec(),
            })
            .collect(),
    }
}

fn advanced_selector(
    s: &aws_sdk_cloudtrail::types::AdvancedEventSelector,
) -> AdvancedEventSelector {
    AdvancedEventSelector {
        name: non_empty(s.name()),
        field_selectors: s
            .field_selectors()
            .iter()
            .map(|f| AdvancedFieldSelector {
                field: f.field().to_string(),
                equals: f.equals().to_vec(),
                starts_with: f.starts_with().to_vec(),
                ends_with: f.ends_with().to_vec(),
                not_equals: f.not_equals().to_vec(),
                not_starts_with: f.not_starts_with().to_vec(),
                not_ends_with: f.not_ends_with().to_vec(),
            })
            .collect(),
    }
}

/// The same error for every fact of a trail that could not be read at all.
pub fn all_failed(
    e: &CollectionError,
) -> (
    Fact<TrailStatus>,
    Fact<EventSelectors>,
    Fact<Vec<InsightSelector>>,
) {
    (
        Fact::Error(e.clone()),
        Fact::Error(e.clone()),
        Fact::Error(e.clone()),
    )
}

pub fn non_empty(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

pub fn time(t: Option<&aws_smithy_types::DateTime>) -> Option<DateTime<Utc>> {
    t.and_then(|t| DateTime::from_timestamp(t.secs(), t.subsec_nanos()))
}

/// `arn:aws:cloudtrail:REGION:ACCOUNT:trail/NAME` → `NAME`.
pub fn name_from_arn(arn: &str) -> String {
    arn.rsplit_once("trail/")
        .map(|(_, name)| name.to_string())
        .unwrap_or_else(|| arn.to_string())
}

/// The region field of an ARN, when it has one.
pub fn region_from_arn(arn: &str) -> Option<String> {
    arn.split(':')
        .nth(3)
        .filter(|r| !r.is_empty())
        .map(str::to_string)
}

/// The account field of an ARN, when it has one.
pub fn account_from_arn(arn: &str) -> Option<String> {
    arn.split(':')
        .nth(4)
        .filter(|a| !a.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_parts() {
        let arn = "arn:aws:cloudtrail:eu-west-1:111122223333:trail/org-trail";
        assert_eq!(name_from_arn(arn), "org-trail");
        assert_eq!(region_from_arn(arn).as_deref(), Some("eu-west-1"));
        assert_eq!(account_from_arn(arn).as_deref(), Some("111122223333"));
        assert_eq!(account_from_arn("arn:aws:s3:::bucket"), None);
        assert_eq!(region_from_arn("garbage"), None);
    }

    #[test]
    fn classic_selector_defaults_follow_aws() {
        let s = aws_sdk_cloudtrail::types::EventSelector::builder().build();
        let got = classic_selector(&s);
        assert_eq!(got.read_write_type, "All");
        assert!(got.include_management_events);
        let s = aws_sdk_cloudtrail::types::EventSelector::builder()
            .read_write_type(aws_sdk_cloudtrail::types::ReadWriteType::WriteOnly)
            .include_management_events(false)
            .exclude_management_event_sources("kms.amazonaws.com")
            .build();
        let got = classic_selector(&s);
        assert_eq!(got.read_write_type, "WriteOnly");
        assert!(!got.include_management_events);
        assert_eq!(
            got.exclude_management_event_sources,
            vec!["kms.amazonaws.com"]
        );
    }

    #[test]
    fn empty_strings_are_absent() {
        assert_eq!(non_empty(Some("")), None);
        assert_eq!(non_empty(Some("  ")), None);
        assert_eq!(non_empty(Some("x")).as_deref(), Some("x"));
        assert_eq!(non_empty(None), None);
    }
}
