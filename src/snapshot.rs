//! The collected facts. `trailwarden collect` writes a [`Snapshot`];
//! `trailwarden evaluate` reads one. Checks see nothing else.
//!
//! Every fact that needs an API call is a [`Fact`]: either the value read, or
//! the [`CollectionError`] that stopped it. Checks turn an error fact into an
//! `error` finding (fail closed), never into a pass.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Bumped whenever a field changes meaning or a required field is added.
pub const SCHEMA_VERSION: u32 = 2;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    pub schema_version: u32,
    pub tool: ToolInfo,
    pub collected_at: DateTime<Utc>,
    /// `aws`, `aws-cn`, `aws-us-gov`…, from the caller's ARN.
    pub partition: String,
    /// Who collected: `None` only when even GetCallerIdentity failed.
    pub caller: Option<CallerIdentity>,
    pub scope: Scope,
    /// Present when the audit was of a whole organization (`--org`).
    #[serde(default)]
    pub organization: Option<Organization>,
    /// The organization's CloudTrail delegated administrators (Organizations
    /// `ListDelegatedAdministrators`, service principal
    /// `cloudtrail.amazonaws.com`). Asked only when an organization trail's
    /// owner (the management account) could not be read but other accounts
    /// in scope see the trail: a delegated administrator reads its selectors
    /// where a member cannot. `None` when not asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloudtrail_delegated_administrators: Option<Fact<Vec<String>>>,
    /// One entry per account in scope, sorted by account id.
    pub accounts: Vec<AccountFacts>,
    /// Every trail seen by any account, deduplicated by ARN.
    #[serde(default)]
    pub trails: BTreeMap<String, TrailFacts>,
    /// Trail buckets, keyed by bucket name, each read once.
    #[serde(default)]
    pub buckets: BTreeMap<String, BucketFacts>,
    /// Trail KMS keys, keyed by the identifier the trail names (normally an ARN).
    #[serde(default)]
    pub kms_keys: BTreeMap<String, KmsKeyFacts>,
    /// CloudWatch Logs groups trails deliver to, keyed by the trail's log group ARN.
    #[serde(default)]
    pub log_groups: BTreeMap<String, LogGroupFacts>,
    /// SNS topics trails or alarms notify, keyed by topic ARN.
    #[serde(default)]
    pub sns_topics: BTreeMap<String, SnsTopicFacts>,
    /// CloudWatch metric alarms, keyed by `<account>/<region>`, read in each
    /// account and region holding a trail's log group.
    #[serde(default)]
    pub alarms: BTreeMap<String, Fact<Vec<MetricAlarm>>>,
    /// `audit --verify-logs HOURS`: what verifying each trail's digest chain
    /// and log files found, keyed by trail ARN (trails with log file
    /// validation on and a bucket). `None` when the audit did not verify
    /// logs: the `cloudtrail-log-integrity` check is then `not_applicable`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_integrity: Option<BTreeMap<String, Fact<LogIntegrity>>>,
    /// Every call that failed (and every fact that could not be read, such as
    /// a bucket no audited account owns), sorted by account, region, service
    /// and operation so that two collections of the same state compare equal.
    #[serde(default)]
    pub errors: Vec<CollectionError>,
    /// How much the collection cost: calls made, time taken.
    #[serde(default)]
    pub stats: CollectionStats,
}

/// The cost of a collection, for the benchmark and for operators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CollectionStats {
    /// API call attempts sent, retries included.
    pub api_calls: u64,
    /// `service:Operation` → attempts.
    #[serde(default)]
    pub calls_by_operation: BTreeMap<String, u64>,
    pub duration_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

impl ToolInfo {
    pub fn current() -> Self {
        ToolInfo {
            name: env!("CARGO_PKG_NAME").to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallerIdentity {
    pub account_id: String,
    pub arn: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScopeMode {
    /// The caller's own account.
    Single,
    /// `--accounts`: listed accounts through a role.
    Accounts,
    /// `--org`: every active account of the organization.
    Organization,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    pub mode: ScopeMode,
    /// The accounts audited, sorted.
    pub accounts: Vec<String>,
    /// The regions asked for: `None` means `all` (each account's enabled regions).
    pub regions_requested: Option<Vec<String>>,
    /// Regions excluded from the audit (`--exclude-regions`), never collected.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions_excluded: Vec<String>,
    /// `--shard K/N`: only this shard's accounts were collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
    /// The region used for global calls.
    pub global_region: String,
    /// Where the calls went instead of AWS's own endpoints (`*`: every
    /// service, from `--endpoint-url`/`AWS_ENDPOINT_URL`; else a service,
    /// from `AWS_ENDPOINT_URL_<SERVICE>`): facts from an emulator or a proxy
    /// say so.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub endpoint_overrides: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    pub id: String,
    pub management_account_id: String,
    /// Every account Organizations listed, whatever its status.
    pub accounts: Vec<OrgAccount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgAccount {
    pub id: String,
    pub name: String,
    /// `Account.State` (`ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE`, `CLOSED`,
    /// `PENDING_ACTIVATION`), else the retired `Account.Status`.
    pub status: String,
}

/// A fact read from AWS, or why it could not be read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fact<T> {
    Value(T),
    Error(CollectionError),
}

impl<T> Fact<T> {
    pub fn value(&self) -> Option<&T> {
        match self {
            Fact::Value(v) => Some(v),
            Fact::Error(_) => None,
        }
    }

    pub fn error(&self) -> Option<&CollectionError> {
        match self {
            Fact::Value(_) => None,
            Fact::Error(e) => Some(e),
        }
    }

    pub fn as_result(&self) -> Result<&T, &CollectionError> {
        match self {
            Fact::Value(v) => Ok(v),
            Fact::Error(e) => Err(e),
        }
    }
}

/// A call that failed: enough to say what could not be seen, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionError {
    pub account_id: String,
    pub region: Option<String>,
    /// SDK service name: `cloudtrail`, `s3`, `kms`…
    pub service: String,
    /// API operation: `GetTrailStatus`…
    pub operation: String,
    /// AWS error code (`AccessDenied`, `ThrottlingException`…) or a
    /// trailwarden code (`Timeout`, `Dispatch`, `OutOfScope`…).
    pub code: String,
    pub message: String,
}

impl std::fmt::Display for CollectionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{} in account {}{}: {}: {}",
            self.service,
            self.operation,
            self.account_id,
            self.region
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default(),
            self.code,
            self.message
        )
    }
}

/// What was read in one account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountFacts {
    pub account_id: String,
    /// The account's name in the organization, when known.
    #[serde(default)]
    pub name: Option<String>,
    /// The regions audited in this account: the requested list, or the
    /// account's enabled regions for `all`. An error here (e.g. the role could
    /// not be assumed) makes every regional check of the account `error`.
    pub regions: Fact<Vec<String>>,
    /// ARNs of the trails this account's ListTrails returned (its own trails
    /// and the organization trails that cover it).
    pub trail_arns: Fact<Vec<String>>,
    /// AWS Config state per audited region.
    #[serde(default)]
    pub config: BTreeMap<String, Fact<ConfigFacts>>,
    /// Account-level S3 Block Public Access; `None` when not needed (the
    /// account owns no trail bucket), `Some(Value(None))` when not configured.
    #[serde(default)]
    pub public_access_block: Option<Fact<Option<PublicAccessBlock>>>,
    /// Regions not enabled for the account (opt-in regions it has not opted
    /// in to): not audited. With a requested list, only the requested ones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions_not_enabled: Vec<String>,
    /// Regions being enabled or disabled for the account (`ListRegions`
    /// status `ENABLING`/`DISABLING`): not audited, and named in the
    /// `audit-coverage` evidence. With a requested list, only the requested.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions_in_transition: Vec<RegionInTransition>,
}

/// A region whose opt-in status is changing, with that status as AWS
/// Account Management names it (`ENABLING`, `DISABLING`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionInTransition {
    pub region: String,
    pub status: String,
}

/// AWS Config in one account and region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigFacts {
    pub recorders: Vec<ConfigRecorder>,
    pub recorder_statuses: Vec<ConfigRecorderStatus>,
    pub delivery_channels: Vec<DeliveryChannel>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigRecorder {
    pub name: String,
    #[serde(default)]
    pub role_arn: Option<String>,
    /// `recordingGroup.allSupported`.
    pub all_supported: bool,
    pub include_global_resource_types: bool,
    /// `recordingGroup.recordingStrategy.useOnly`, when set.
    #[serde(default)]
    pub recording_strategy: Option<String>,
    /// Resource types listed explicitly, when not all supported.
    #[serde(default)]
    pub resource_types: Vec<String>,
    /// Resource types excluded (`exclusionByResourceTypes`).
    #[serde(default)]
    pub excluded_resource_types: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigRecorderStatus {
    pub name: String,
    pub recording: bool,
    /// `Pending`, `Success` or `Failure`.
    #[serde(default)]
    pub last_status: Option<String>,
    #[serde(default)]
    pub last_error_code: Option<String>,
    #[serde(default)]
    pub last_error_message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryChannel {
    pub name: String,
    #[serde(default)]
    pub s3_bucket_name: Option<String>,
    #[serde(default)]
    pub sns_topic_arn: Option<String>,
}

/// One trail, read once (in its home region, with its owner's credentials
/// when the owner is in scope).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrailFacts {
    pub arn: String,
    pub name: String,
    pub home_region: String,
    /// The account that owns the trail (from its ARN).
    pub account_id: String,
    /// Accounts in scope whose ListTrails returned this trail.
    pub seen_by: Vec<String>,
    /// The account whose session read the trail's details, when it is not
    /// the owner (the owner out of scope or its role not assumable): a
    /// member's view, or a CloudTrail delegated administrator's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_by: Option<String>,
    /// DescribeTrails in the home region.
    pub config: Fact<TrailConfig>,
    /// GetTrailStatus in the home region.
    pub status: Fact<TrailStatus>,
    /// GetTrailStatus (by ARN) in each audited region other than the home
    /// region, for a multi-region trail: the API answers for one region only
    /// (CloudTrail API reference, GetTrailStatus: "To return trail status
    /// from all Regions, you must call the operation on each Region"), and
    /// delivery can fail in one region alone.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub status_in_regions: BTreeMap<String, Fact<TrailStatus>>,
    /// GetEventSelectors.
    pub event_selectors: Fact<EventSelectors>,
    /// GetInsightSelectors: the Insights selectors (empty when none).
    pub insight_selectors: Fact<Vec<InsightSelector>>,
}

/// One Insights selector of a trail, as GetInsightSelectors returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InsightSelector {
    /// `ApiCallRateInsight` or `ApiErrorRateInsight`.
    pub insight_type: String,
    /// `EventCategories` (`Management`, `Data`) when AWS returned it; absent
    /// means management events (CloudTrail API reference, InsightSelector).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_categories: Option<Vec<String>>,
}

impl InsightSelector {
    /// Whether the selector analyses management events: `EventCategories`
    /// absent (AWS's default) or naming `Management`.
    pub fn on_management_events(&self) -> bool {
        self.event_categories
            .as_ref()
            .is_none_or(|categories| categories.iter().any(|c| c == "Management"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrailConfig {
    pub s3_bucket_name: Option<String>,
    #[serde(default)]
    pub s3_key_prefix: Option<String>,
    #[serde(default)]
    pub sns_topic_arn: Option<String>,
    pub include_global_service_events: bool,
    pub is_multi_region_trail: bool,
    pub is_organization_trail: bool,
    pub log_file_validation_enabled: bool,
    #[serde(default)]
    pub cloud_watch_logs_log_group_arn: Option<String>,
    #[serde(default)]
    pub cloud_watch_logs_role_arn: Option<String>,
    #[serde(default)]
    pub kms_key_id: Option<String>,
    pub has_custom_event_selectors: bool,
    pub has_insight_selectors: bool,
}

/// GetTrailStatus. Times are UTC; absent when AWS reports none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TrailStatus {
    pub is_logging: bool,
    #[serde(default)]
    pub start_logging_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub stop_logging_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub latest_delivery_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub latest_delivery_error: Option<String>,
    #[serde(default)]
    pub latest_digest_delivery_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub latest_digest_delivery_error: Option<String>,
    #[serde(default)]
    pub latest_notification_error: Option<String>,
    #[serde(default)]
    pub latest_cloud_watch_logs_delivery_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub latest_cloud_watch_logs_delivery_error: Option<String>,
}

/// GetEventSelectors: a trail uses either classic or advanced selectors.
/// A trail created without selectors answers with AWS's default classic
/// selector ([`EventSelectors::aws_default`]); both lists empty means the
/// trail matches no event, so it logs nothing (CloudTrail API reference,
/// EventSelector: "If the event doesn't match any event selector, the trail
/// doesn't log the event").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct EventSelectors {
    #[serde(default)]
    pub classic: Vec<EventSelector>,
    #[serde(default)]
    pub advanced: Vec<AdvancedEventSelector>,
}

impl EventSelectors {
    /// What GetEventSelectors returns for a trail created without
    /// selectors: one classic selector, all management events, read and
    /// write, no data events.
    pub fn aws_default() -> EventSelectors {
        EventSelectors {
            classic: vec![EventSelector {
                read_write_type: "All".to_string(),
                include_management_events: true,
                exclude_management_event_sources: Vec::new(),
                data_resources: Vec::new(),
            }],
            advanced: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventSelector {
    /// `ReadOnly`, `WriteOnly` or `All`.
    pub read_write_type: String,
    pub include_management_events: bool,
    #[serde(default)]
    pub exclude_management_event_sources: Vec<String>,
    #[serde(default)]
    pub data_resources: Vec<DataResource>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataResource {
    /// e.g. `AWS::S3::Object`.
    pub r#type: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvancedEventSelector {
    #[serde(default)]
    pub name: Option<String>,
    pub field_selectors: Vec<AdvancedFieldSelector>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct AdvancedFieldSelector {
    /// `eventCategory`, `readOnly`, `eventSource`, `resources.type`, `resources.ARN`…
    pub field: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub equals: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub starts_with: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ends_with: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_equals: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_starts_with: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_ends_with: Vec<String>,
}

/// A trail bucket, read once with its owner's credentials.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BucketFacts {
    pub name: String,
    /// The in-scope account owning the bucket. An error (code `OutOfScope`)
    /// when no audited account owns it: its settings cannot be read then.
    pub owner_account_id: Fact<String>,
    /// Whether the bucket exists at all (a trail can name a deleted bucket).
    pub exists: Fact<bool>,
    /// GetBucketLocation.
    pub region: Fact<String>,
    /// GetBucketPolicyStatus: `IsPublic`; `false` when the bucket has no policy.
    pub policy_is_public: Fact<bool>,
    /// GetBucketAcl grants.
    pub acl_grants: Fact<Vec<AclGrant>>,
    /// GetPublicAccessBlock (bucket level); `None` when not configured.
    pub public_access_block: Fact<Option<PublicAccessBlock>>,
    /// GetBucketLogging: the target bucket, `None` when disabled.
    pub logging_target: Fact<Option<String>>,
    /// GetBucketVersioning.
    pub versioning: Fact<BucketVersioning>,
    /// GetObjectLockConfiguration; `None` when not configured.
    pub object_lock: Fact<Option<ObjectLock>>,
    /// GetBucketLifecycleConfiguration; empty when none.
    pub lifecycle_rules: Fact<Vec<LifecycleRule>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AclGrant {
    /// `CanonicalUser`, `Group` or `AmazonCustomerByEmail`.
    pub grantee_type: String,
    /// Group URI, canonical id or email.
    pub grantee: String,
    pub permission: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PublicAccessBlock {
    pub block_public_acls: bool,
    pub ignore_public_acls: bool,
    pub block_public_policy: bool,
    pub restrict_public_buckets: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct BucketVersioning {
    /// `Enabled`, `Suspended`, or `None` when never enabled.
    pub status: Option<String>,
    /// `Enabled`, `Disabled`, or `None`.
    pub mfa_delete: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectLock {
    pub enabled: bool,
    /// `GOVERNANCE` or `COMPLIANCE`.
    #[serde(default)]
    pub default_retention_mode: Option<String>,
    #[serde(default)]
    pub default_retention_days: Option<i32>,
    #[serde(default)]
    pub default_retention_years: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecycleRule {
    #[serde(default)]
    pub id: Option<String>,
    /// `Enabled` or `Disabled`.
    pub status: String,
    /// The prefix the rule applies to (`""` = whole bucket).
    #[serde(default)]
    pub prefix: Option<String>,
    #[serde(default)]
    pub expiration_days: Option<i32>,
    #[serde(default)]
    pub expiration_date: Option<DateTime<Utc>>,
    #[serde(default)]
    pub noncurrent_version_expiration_days: Option<i32>,
}

/// A trail's KMS key, read in the key's region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KmsKeyFacts {
    /// The identifier as the trail names it.
    pub key_id: String,
    pub account_id: String,
    pub region: String,
    /// DescribeKey; `None` when the key does not exist.
    pub metadata: Fact<Option<KmsKeyMetadata>>,
    /// GetKeyRotationStatus; an error when the key is not rotatable by AWS.
    pub rotation_enabled: Fact<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KmsKeyMetadata {
    pub arn: String,
    /// `Enabled`, `Disabled`, `PendingDeletion`…
    pub key_state: String,
    pub enabled: bool,
    /// `CUSTOMER` or `AWS`.
    pub key_manager: String,
    /// `SYMMETRIC_DEFAULT`…
    pub key_spec: String,
}

/// A CloudWatch Logs group a trail delivers to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogGroupFacts {
    pub arn: String,
    pub name: String,
    pub account_id: String,
    pub region: String,
    /// `None` when the group does not exist.
    pub group: Fact<Option<LogGroup>>,
    /// DescribeMetricFilters on the group; `None` when not collected (a
    /// snapshot from before the monitoring checks): those checks are `error`.
    #[serde(default)]
    pub metric_filters: Option<Fact<Vec<MetricFilter>>>,
}

/// A CloudWatch Logs metric filter: the pattern is judged by evaluating it,
/// never by matching its text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricFilter {
    pub name: String,
    /// The filter pattern exactly as stored.
    pub pattern: String,
    pub transformations: Vec<MetricTransformation>,
    /// `applyOnTransformedLogs`: the pattern runs on log events as a log
    /// transformer rewrote them, not on CloudTrail's own events.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub apply_on_transformed_logs: bool,
}

/// A metric: a metric filter's transformation (with what it publishes), or
/// a metric an alarm reads (namespace, name and dimensions only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricTransformation {
    pub metric_namespace: String,
    pub metric_name: String,
    /// `metricValue`: what one matching event publishes (`1`, or `$.field`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_value: Option<String>,
    /// `defaultValue`: what a non-matching event publishes, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_value: Option<f64>,
    /// `dimensions` (name → `$.field` for a filter; name → value for an
    /// alarm's metric).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dimensions: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

impl MetricTransformation {
    /// Namespace and name: what identifies a metric, dimensions aside.
    pub fn same_metric(&self, other: &MetricTransformation) -> bool {
        self.metric_namespace == other.metric_namespace && self.metric_name == other.metric_name
    }
}

/// A CloudWatch metric alarm (DescribeAlarms), with what decides whether
/// one datapoint can set it off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricAlarm {
    pub name: String,
    pub arn: String,
    /// The metric a single-metric alarm watches.
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub metric_name: Option<String>,
    /// Metrics a metric-math alarm reads (`Metrics[].MetricStat.Metric`).
    #[serde(default)]
    pub metrics: Vec<MetricTransformation>,
    pub actions_enabled: bool,
    /// ARNs notified when the alarm fires.
    #[serde(default)]
    pub alarm_actions: Vec<String>,
    /// `OK`, `ALARM` or `INSUFFICIENT_DATA`.
    #[serde(default)]
    pub state_value: Option<String>,
    /// `Statistic` (`Sum`, `SampleCount`, `Average`, `Minimum`, `Maximum`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statistic: Option<String>,
    /// `ExtendedStatistic` (a percentile such as `p99`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended_statistic: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparison_operator: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation_periods: Option<i32>,
    /// `DatapointsToAlarm` (M of "M out of N"); absent means
    /// `EvaluationPeriods`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datapoints_to_alarm: Option<i32>,
    /// The dimensions of a single-metric alarm's metric.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dimensions: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// For a metric-math alarm, the query whose result it compares.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returned: Option<AlarmQuery>,
}

/// The query of a metric-math alarm whose result is compared with the
/// threshold (`ReturnData` true): an expression, or one metric's statistic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlarmQuery {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<MetricTransformation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stat: Option<String>,
}

/// One subscription of an SNS topic (ListSubscriptionsByTopic). The
/// endpoint (an e-mail address, a URL) is not kept: it is personal data and
/// the verdict needs only whether someone confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnsSubscription {
    /// The subscription ARN, or `PendingConfirmation`.
    pub subscription_arn: String,
    pub protocol: String,
    /// Whether the subscription is confirmed (its ARN is a real ARN).
    pub confirmed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogGroup {
    #[serde(default)]
    pub retention_in_days: Option<i32>,
    #[serde(default)]
    pub kms_key_id: Option<String>,
}

/// An SNS topic a trail notifies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnsTopicFacts {
    pub arn: String,
    pub account_id: String,
    pub region: String,
    /// GetTopicAttributes; `None` when the topic does not exist.
    pub topic: Fact<Option<SnsTopic>>,
    /// ListSubscriptionsByTopic; `None` when not collected (a snapshot from
    /// before the monitoring checks).
    #[serde(default)]
    pub subscriptions: Option<Fact<Vec<SnsSubscription>>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnsTopic {
    pub subscriptions_confirmed: u64,
    pub subscriptions_pending: u64,
}

/// What `verify-logs` found for one trail over the audit's window, kept in
/// the snapshot so that `evaluate` reproduces the verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogIntegrity {
    pub start_time: DateTime<Utc>,
    pub end_time: DateTime<Utc>,
    /// The accounts whose files were verified (an organization trail: every
    /// audited member's folder).
    pub accounts: Vec<String>,
    /// The regions with digests.
    pub regions: Vec<String>,
    pub digests: IntegrityCounts,
    pub logs: IntegrityCounts,
    /// Times with no digests (logging or validation off): not tampering.
    #[serde(default)]
    pub gaps: Vec<IntegrityGap>,
    /// Every file not valid and every region not verified, at most
    /// [`LogIntegrity::MAX_PROBLEMS`]; the rest are counted.
    #[serde(default)]
    pub problems: Vec<IntegrityProblem>,
    #[serde(default)]
    pub problems_omitted: u64,
    /// Where the regions verified came from (the audited regions the trail
    /// covers, with their status).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regions_from: Option<String>,
    /// `account/region` folders whose newest digests could not be compared
    /// with AWS's latest delivery (an organization trail's member folders:
    /// AWS reports one delivery time for the trail), so deleting their
    /// newest digests would go unnoticed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tail_unproven: Vec<String>,
}

impl LogIntegrity {
    pub const MAX_PROBLEMS: usize = 100;
}

/// Files by verdict class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntegrityCounts {
    pub valid: u64,
    pub invalid: u64,
    pub unverifiable: u64,
    pub unreadable: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntegrityGap {
    pub account_id: String,
    pub region: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// A file that is not valid, or a region that could not be verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntegrityProblem {
    pub account_id: String,
    pub region: String,
    /// `digest`, `log` or `region`.
    pub kind: String,
    /// `s3://bucket/key`, or the digest folder for a region.
    pub location: String,
    /// `INVALID: not found`…, `ERROR: could not be read`.
    pub status: String,
    #[serde(default)]
    pub detail: Option<String>,
    /// True when it proves tampering or loss (`INVALID`); false when it
    /// only could not be read or verified.
    pub invalid: bool,
}

/// Why a snapshot file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("cannot read snapshot {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("snapshot {path} is not a valid trailwarden snapshot: {source}")]
    Malformed {
        path: String,
        source: serde_json::Error,
    },
    #[error(
        "snapshot {path} has schema_version {found}; this trailwarden reads version {expected} (collect it again with this version)"
    )]
    Version {
        path: String,
        found: u64,
        expected: u32,
    },
}

impl Snapshot {
    /// Reads and validates a snapshot file.
    pub fn load(path: &std::path::Path) -> Result<Snapshot, SnapshotError> {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| SnapshotError::Io {
            path: shown.clone(),
            source,
        })?;
        Snapshot::from_slice(&bytes, &shown)
    }

    /// Parses snapshot bytes; `origin` names them in errors.
    pub fn from_slice(bytes: &[u8], origin: &str) -> Result<Snapshot, SnapshotError> {
        // Check the version first, so an old or future snapshot gets a clear
        // message rather than a field-level parse error.
        #[derive(Deserialize)]
        struct VersionProbe {
            schema_version: Option<u64>,
        }
        let malformed = |source| SnapshotError::Malformed {
            path: origin.to_string(),
            source,
        };
        let probe: VersionProbe = serde_json::from_slice(bytes).map_err(malformed)?;
        if let Some(found) = probe.schema_version {
            if found != u64::from(SCHEMA_VERSION) {
                return Err(SnapshotError::Version {
                    path: origin.to_string(),
                    found,
                    expected: SCHEMA_VERSION,
                });
            }
        }
        serde_json::from_slice(bytes).map_err(malformed)
    }

    pub fn account(&self, account_id: &str) -> Option<&AccountFacts> {
        self.accounts.iter().find(|a| a.account_id == account_id)
    }
}

/// `--shard K/N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// 1-based.
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// Whether an account belongs to this shard: the first 8 bytes of the
    /// SHA-256 of its id, modulo N. Stable across runs and independent of
    /// how the organization lists its accounts.
    pub fn contains(&self, account_id: &str) -> bool {
        shard_of(account_id, self.count) == self.index
    }
}

/// The 1-based shard of `account_id` among `count`.
pub fn shard_of(account_id: &str, count: u32) -> u32 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(account_id.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(first) % u64::from(count.max(1))) as u32 + 1
}

#[cfg(test)]
mod shard_tests {
    use super::*;

    #[test]
    fn every_account_is_in_exactly_one_shard_and_shards_are_balanced() {
        let ids: Vec<String> = (0..3000u64)
            .map(|i| format!("{:012}", i * 7919 + 13))
            .collect();
        for count in [1u32, 2, 3, 8] {
            let mut sizes = vec![0usize; count as usize];
            for id in &ids {
                let owners: Vec<u32> = (1..=count)
                    .filter(|&index| Shard { index, count }.contains(id))
                    .collect();
                assert_eq!(owners.len(), 1, "{id} in {owners:?} of {count}");
                sizes[owners[0] as usize - 1] += 1;
            }
            let expected = ids.len() / count as usize;
            assert!(
                sizes
                    .iter()
                    .all(|&n| n.abs_diff(expected) < expected / 5 + 10),
                "unbalanced: {sizes:?}"
            );
        }
        // Stable: the same id, the same shard, forever (documented).
        assert_eq!(shard_of("123456789012", 4), shard_of("123456789012", 4));
    }
}
