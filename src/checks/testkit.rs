//! Snapshot fixtures for check unit tests: a well-configured single account,
//! and builders to break it one fact at a time.

#![cfg(test)]

use crate::snapshot::*;
use chrono::{DateTime, TimeZone, Utc};
use std::collections::BTreeMap;

pub const ACCOUNT: &str = "111111111111";
pub const MEMBER: &str = "222222222222";
pub const REGION: &str = "us-east-1";
pub const BUCKET: &str = "org-trail-logs";

/// The instant fixtures are collected and evaluated at.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap()
}

pub fn params() -> crate::checks::Params {
    crate::checks::Params::at(now())
}

pub fn trail_arn(account: &str, region: &str, name: &str) -> String {
    format!("arn:aws:cloudtrail:{region}:{account}:trail/{name}")
}

pub fn access_denied(account: &str, service: &str, operation: &str) -> CollectionError {
    CollectionError {
        account_id: account.to_string(),
        region: Some(REGION.to_string()),
        service: service.to_string(),
        operation: operation.to_string(),
        code: "AccessDenied".to_string(),
        message: "User is not authorized to perform this operation".to_string(),
    }
}

/// A multi-region, logging, validated, encrypted trail recording all
/// management events, delivering to S3 and CloudWatch Logs within the hour.
pub fn good_trail(account: &str, name: &str) -> TrailFacts {
    let arn = trail_arn(account, REGION, name);
    TrailFacts {
        arn: arn.clone(),
        name: name.to_string(),
        home_region: REGION.to_string(),
        account_id: account.to_string(),
        seen_by: vec![account.to_string()],
        read_by: None,
        config: Fact::Value(TrailConfig {
            s3_bucket_name: Some(BUCKET.to_string()),
            s3_key_prefix: None,
            sns_topic_arn: Some(format!("arn:aws:sns:{REGION}:{account}:trail-notify")),
            include_global_service_events: true,
            is_multi_region_trail: true,
            is_organization_trail: false,
            log_file_validation_enabled: true,
            cloud_watch_logs_log_group_arn: Some(format!(
                "arn:aws:logs:{REGION}:{account}:log-group:cloudtrail:*"
            )),
            cloud_watch_logs_role_arn: Some(format!("arn:aws:iam::{account}:role/ct-logs")),
            kms_key_id: Some(format!(
                "arn:aws:kms:{REGION}:{account}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
            )),
            has_custom_event_selectors: false,
            has_insight_selectors: true,
        }),
        status: Fact::Value(TrailStatus {
            is_logging: true,
            start_logging_time: Some(now() - chrono::Duration::days(100)),
            latest_delivery_time: Some(now() - chrono::Duration::minutes(10)),
            latest_digest_delivery_time: Some(now() - chrono::Duration::minutes(30)),
            latest_cloud_watch_logs_delivery_time: Some(now() - chrono::Duration::minutes(5)),
            ..TrailStatus::default()
        }),
        status_in_regions: BTreeMap::new(),
        event_selectors: Fact::Value(EventSelectors::aws_default()),
        insight_selectors: Fact::Value(vec![
            InsightSelector {
                insight_type: "ApiCallRateInsight".to_string(),
                event_categories: None,
            },
            InsightSelector {
                insight_type: "ApiErrorRateInsight".to_string(),
                event_categories: None,
            },
        ]),
    }
}

pub fn account(account_id: &str, trail_arns: Vec<String>) -> AccountFacts {
    AccountFacts {
        account_id: account_id.to_string(),
        name: None,
        regions: Fact::Value(vec![REGION.to_string()]),
        trail_arns: Fact::Value(trail_arns),
        config: BTreeMap::new(),
        public_access_block: None,
        regions_not_enabled: Vec::new(),
        regions_in_transition: Vec::new(),
    }
}

/// One account with one good trail and every fact the checks read about it
/// (bucket, key, log group, topic, AWS Config, Block Public Access), all
/// good: each check's pass case starts here.
pub fn single_account() -> Snapshot {
    let trail = good_trail(ACCOUNT, "main");
    let mut snapshot = empty(vec![account(ACCOUNT, vec![trail.arn.clone()])]);
    snapshot.trails.insert(trail.arn.clone(), trail);
    complete(&mut snapshot);
    snapshot
}

/// Adds good facts for every resource the snapshot's trails name and every
/// account's AWS Config and Block Public Access, where none are present yet.
pub fn complete(snapshot: &mut Snapshot) {
    let configs: Vec<TrailConfig> = snapshot
        .trails
        .values()
        .filter_map(|t| t.config.value().cloned())
        .collect();
    let owners: BTreeMap<String, String> = snapshot
        .trails
        .values()
        .filter_map(|t| {
            let bucket = t.config.value()?.s3_bucket_name.clone()?;
            Some((bucket, t.account_id.clone()))
        })
        .collect();
    for config in configs {
        if let Some(bucket) = &config.s3_bucket_name {
            let owner = owners
                .get(bucket)
                .cloned()
                .unwrap_or_else(|| ACCOUNT.to_string());
            snapshot
                .buckets
                .entry(bucket.clone())
                .or_insert_with(|| good_bucket(bucket, &owner));
        }
        if let Some(key) = &config.kms_key_id {
            snapshot
                .kms_keys
                .entry(key.clone())
                .or_insert_with(|| good_key(key));
        }
        if let Some(group) = &config.cloud_watch_logs_log_group_arn {
            snapshot
                .log_groups
                .entry(group.clone())
                .or_insert_with(|| good_log_group(group));
        }
        if let Some(topic) = &config.sns_topic_arn {
            snapshot
                .sns_topics
                .entry(topic.clone())
                .or_insert_with(|| good_topic(topic));
        }
    }
    let bucket_owners: Vec<String> = snapshot
        .buckets
        .values()
        .filter_map(|b| b.owner_account_id.value().cloned())
        .collect();
    for account in &mut snapshot.accounts {
        if let Fact::Value(regions) = &account.regions {
            for region in regions {
                account
                    .config
                    .entry(region.clone())
                    .or_insert_with(|| Fact::Value(good_config()));
            }
        }
        if account.public_access_block.is_none() && bucket_owners.contains(&account.account_id) {
            account.public_access_block = Some(Fact::Value(Some(all_blocked())));
        }
    }
}

/// Every Block Public Access setting on.
pub fn all_blocked() -> PublicAccessBlock {
    PublicAccessBlock {
        block_public_acls: true,
        ignore_public_acls: true,
        block_public_policy: true,
        restrict_public_buckets: true,
    }
}

/// The account (from its ARN's fifth field) and region of an ARN.
fn arn_account_region(arn: &str) -> (String, String) {
    let parts: Vec<&str> = arn.split(':').collect();
    (
        parts.get(4).copied().unwrap_or(ACCOUNT).to_string(),
        parts.get(3).copied().unwrap_or(REGION).to_string(),
    )
}

/// A private, logged, versioned, MFA-delete, Object-Locked bucket whose
/// only lifecycle rule keeps objects seven years.
pub fn good_bucket(name: &str, owner: &str) -> BucketFacts {
    BucketFacts {
        name: name.to_string(),
        owner_account_id: Fact::Value(owner.to_string()),
        exists: Fact::Value(true),
        region: Fact::Value(REGION.to_string()),
        policy_is_public: Fact::Value(false),
        acl_grants: Fact::Value(vec![AclGrant {
            grantee_type: "CanonicalUser".to_string(),
            grantee: "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be".to_string(),
            permission: "FULL_CONTROL".to_string(),
        }]),
        public_access_block: Fact::Value(Some(all_blocked())),
        logging_target: Fact::Value(Some("org-access-logs".to_string())),
        versioning: Fact::Value(BucketVersioning {
            status: Some("Enabled".to_string()),
            mfa_delete: Some("Enabled".to_string()),
        }),
        object_lock: Fact::Value(Some(ObjectLock {
            enabled: true,
            default_retention_mode: Some("COMPLIANCE".to_string()),
            default_retention_days: Some(400),
            default_retention_years: None,
        })),
        lifecycle_rules: Fact::Value(vec![LifecycleRule {
            id: Some("expire-after-seven-years".to_string()),
            status: "Enabled".to_string(),
            prefix: Some(String::new()),
            expiration_days: Some(2557),
            expiration_date: None,
            noncurrent_version_expiration_days: Some(2557),
        }]),
    }
}

/// An enabled customer managed key with rotation on.
pub fn good_key(key_id: &str) -> KmsKeyFacts {
    let (account_id, region) = arn_account_region(key_id);
    KmsKeyFacts {
        key_id: key_id.to_string(),
        account_id,
        region,
        metadata: Fact::Value(Some(KmsKeyMetadata {
            arn: key_id.to_string(),
            key_state: "Enabled".to_string(),
            enabled: true,
            key_manager: "CUSTOMER".to_string(),
            key_spec: "SYMMETRIC_DEFAULT".to_string(),
        })),
        rotation_enabled: Fact::Value(true),
    }
}

/// An existing log group keeping events a year.
pub fn good_log_group(arn: &str) -> LogGroupFacts {
    let (account_id, region) = arn_account_region(arn);
    let name = arn
        .split(":log-group:")
        .nth(1)
        .map(|n| n.trim_end_matches(":*").to_string())
        .unwrap_or_else(|| arn.to_string());
    LogGroupFacts {
        arn: arn.to_string(),
        name,
        account_id,
        region,
        group: Fact::Value(Some(LogGroup {
            retention_in_days: Some(365),
            kms_key_id: None,
        })),
        metric_filters: Some(Fact::Value(Vec::new())),
    }
}

/// An existing topic with one confirmed subscription.
pub fn good_topic(arn: &str) -> SnsTopicFacts {
    let (account_id, region) = arn_account_region(arn);
    SnsTopicFacts {
        arn: arn.to_string(),
        account_id,
        region,
        topic: Fact::Value(Some(SnsTopic {
            subscriptions_confirmed: 1,
            subscriptions_pending: 0,
        })),
        subscriptions: None,
    }
}

/// A recorder of all supported types, recording successfully, with a delivery channel.
pub fn good_config() -> ConfigFacts {
    ConfigFacts {
        recorders: vec![ConfigRecorder {
            name: "default".to_string(),
            role_arn: Some(format!(
                "arn:aws:iam::{ACCOUNT}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
            )),
            all_supported: true,
            include_global_resource_types: true,
            recording_strategy: Some("ALL_SUPPORTED_RESOURCE_TYPES".to_string()),
            resource_types: vec![],
            excluded_resource_types: vec![],
        }],
        recorder_statuses: vec![ConfigRecorderStatus {
            name: "default".to_string(),
            recording: true,
            last_status: Some("Success".to_string()),
            last_error_code: None,
            last_error_message: None,
        }],
        delivery_channels: vec![DeliveryChannel {
            name: "default".to_string(),
            s3_bucket_name: Some("config-bucket".to_string()),
            sns_topic_arn: None,
        }],
    }
}

/// The only trail of a snapshot, to change in a test.
pub fn only_trail(snapshot: &mut Snapshot) -> &mut TrailFacts {
    assert_eq!(snapshot.trails.len(), 1, "fixture has one trail");
    snapshot.trails.values_mut().next().unwrap()
}

/// The configuration of the only trail, to change in a test.
pub fn only_trail_config(snapshot: &mut Snapshot) -> &mut TrailConfig {
    match &mut only_trail(snapshot).config {
        Fact::Value(c) => c,
        Fact::Error(_) => panic!("fixture trail has a configuration"),
    }
}

/// The status of the only trail, to change in a test.
/// Gives the only trail a status in `region` (besides its home): the home
/// status changed by `change`.
pub fn add_status_in_region(
    snapshot: &mut Snapshot,
    region: &str,
    change: impl FnOnce(&mut TrailStatus),
) {
    let mut status = only_trail_status(snapshot).clone();
    change(&mut status);
    only_trail(snapshot)
        .status_in_regions
        .insert(region.to_string(), Fact::Value(status));
}

pub fn only_trail_status(snapshot: &mut Snapshot) -> &mut TrailStatus {
    match &mut only_trail(snapshot).status {
        Fact::Value(s) => s,
        Fact::Error(_) => panic!("fixture trail has a status"),
    }
}

/// The only bucket of a snapshot, to change in a test.
pub fn only_bucket(snapshot: &mut Snapshot) -> &mut BucketFacts {
    assert_eq!(snapshot.buckets.len(), 1, "fixture has one bucket");
    snapshot.buckets.values_mut().next().unwrap()
}

/// A second trail in the same account, homed in another region: a shadow
/// trail when multi-region (every region's ListTrails shows it, keyed by ARN).
pub fn add_trail(snapshot: &mut Snapshot, account_id: &str, region: &str, name: &str) -> String {
    let mut trail = good_trail(account_id, name);
    trail.arn = trail_arn(account_id, region, name);
    trail.home_region = region.to_string();
    let arn = trail.arn.clone();
    snapshot.trails.insert(arn.clone(), trail);
    if let Some(account) = snapshot
        .accounts
        .iter_mut()
        .find(|a| a.account_id == account_id)
    {
        if let Fact::Value(arns) = &mut account.trail_arns {
            arns.push(arn.clone());
        }
    }
    arn
}

/// The statuses of findings by account, in order.
pub fn statuses(findings: &[crate::finding::Finding]) -> Vec<(String, crate::finding::Status)> {
    findings
        .iter()
        .map(|f| (f.account_id.clone(), f.status))
        .collect()
}

/// A snapshot of the given accounts with no trails or resources.
pub fn empty(accounts: Vec<AccountFacts>) -> Snapshot {
    Snapshot {
        schema_version: SCHEMA_VERSION,
        tool: ToolInfo::current(),
        collected_at: now(),
        partition: "aws".to_string(),
        caller: Some(CallerIdentity {
            account_id: ACCOUNT.to_string(),
            arn: format!("arn:aws:iam::{ACCOUNT}:user/auditor"),
        }),
        scope: Scope {
            mode: ScopeMode::Single,
            accounts: accounts.iter().map(|a| a.account_id.clone()).collect(),
            regions_requested: None,
            regions_excluded: Vec::new(),
            shard: None,
            global_region: REGION.to_string(),
            endpoint_overrides: BTreeMap::new(),
        },
        organization: None,
        cloudtrail_delegated_administrators: None,
        accounts,
        trails: BTreeMap::new(),
        buckets: BTreeMap::new(),
        kms_keys: BTreeMap::new(),
        log_groups: BTreeMap::new(),
        sns_topics: BTreeMap::new(),
        alarms: BTreeMap::new(),
        log_integrity: None,
        errors: Vec::new(),
        stats: CollectionStats::default(),
    }
}

/// Management account `ACCOUNT` owning an organization trail, and member
/// `MEMBER` whose own ListTrails view shows the trail or not.
pub fn organization(member_sees_org_trail: bool) -> Snapshot {
    let mut trail = good_trail(ACCOUNT, "org-trail");
    if let Fact::Value(config) = &mut trail.config {
        config.is_organization_trail = true;
    }
    if member_sees_org_trail {
        trail.seen_by.push(MEMBER.to_string());
    }
    let member_view = if member_sees_org_trail {
        vec![trail.arn.clone()]
    } else {
        vec![]
    };
    let mut snapshot = empty(vec![
        account(ACCOUNT, vec![trail.arn.clone()]),
        account(MEMBER, member_view),
    ]);
    snapshot.scope.mode = ScopeMode::Organization;
    snapshot.organization = Some(Organization {
        id: "o-exampleorgid".to_string(),
        management_account_id: ACCOUNT.to_string(),
        accounts: [ACCOUNT, MEMBER]
            .iter()
            .map(|id| OrgAccount {
                id: id.to_string(),
                name: format!("account-{id}"),
                status: "ACTIVE".to_string(),
            })
            .collect(),
    });
    snapshot.trails.insert(trail.arn.clone(), trail);
    complete(&mut snapshot);
    snapshot
}

/// Evaluates one check over a snapshot at the fixture time.
pub fn run_check(
    check: crate::checks::CheckFn,
    snapshot: &Snapshot,
) -> Vec<crate::finding::Finding> {
    run_check_with(check, snapshot, &params())
}

/// A classic event selector.
pub fn classic_selector(
    read_write_type: &str,
    include_management_events: bool,
    exclude_sources: &[&str],
    data: &[(&str, &[&str])],
) -> EventSelector {
    EventSelector {
        read_write_type: read_write_type.to_string(),
        include_management_events,
        exclude_management_event_sources: exclude_sources.iter().map(|s| s.to_string()).collect(),
        data_resources: data
            .iter()
            .map(|(t, values)| DataResource {
                r#type: t.to_string(),
                values: values.iter().map(|v| v.to_string()).collect(),
            })
            .collect(),
    }
}

/// An advanced field selector with an Equals operator.
pub fn field_equals(field: &str, values: &[&str]) -> AdvancedFieldSelector {
    AdvancedFieldSelector {
        field: field.to_string(),
        equals: values.iter().map(|v| v.to_string()).collect(),
        ..Default::default()
    }
}

/// An advanced event selector of the given field selectors.
pub fn advanced_selector(fields: Vec<AdvancedFieldSelector>) -> AdvancedEventSelector {
    AdvancedEventSelector {
        name: Some("test selector".to_string()),
        field_selectors: fields,
    }
}

/// Event selectors made of classic selectors only.
pub fn classic_selectors(selectors: Vec<EventSelector>) -> EventSelectors {
    EventSelectors {
        classic: selectors,
        advanced: vec![],
    }
}

/// Event selectors made of advanced selectors only.
pub fn advanced_selectors(selectors: Vec<AdvancedEventSelector>) -> EventSelectors {
    EventSelectors {
        classic: vec![],
        advanced: selectors,
    }
}

/// An `OutOfScope` error: the resource's owner is not an audited account.
pub fn out_of_scope(account: &str, service: &str, operation: &str) -> CollectionError {
    CollectionError {
        account_id: account.to_string(),
        region: None,
        service: service.to_string(),
        operation: operation.to_string(),
        code: "OutOfScope".to_string(),
        message: "the owner account is not in the audit's scope".to_string(),
    }
}

/// [`run_check`] with the given parameters.
pub fn run_check_with(
    check: crate::checks::CheckFn,
    snapshot: &Snapshot,
    params: &crate::checks::Params,
) -> Vec<crate::finding::Finding> {
    let cx = crate::checks::Context::new(snapshot, params);
    with_evidence_resolved(check(&cx))
}

/// The findings with their shared evidence written out in place, so tests
/// read each finding's evidence whole.
pub fn with_evidence_resolved(
    findings: Vec<crate::finding::Finding>,
) -> Vec<crate::finding::Finding> {
    findings
        .into_iter()
        .map(|mut f| {
            f.evidence = f.resolved_evidence();
            f
        })
        .collect()
}
