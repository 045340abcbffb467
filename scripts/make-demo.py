#!/usr/bin/env python3
"""Writes examples/demo-org.snapshot.json: a small, realistic AWS organization
for `trailwarden evaluate` (no AWS needed).

The committed JSON is the artefact; this script documents how it was made and
regenerates it byte for byte. Every fact follows the snapshot model in
src/snapshot.rs: a `Fact` is {"value": ...} or {"error": CollectionError}.

The organization (o-7k2m9x4q1w), audited with --org --regions us-east-1,eu-west-1:
  111111111111 management   owns `org-trail`: organization, multi-region, home
                            us-east-1, KMS, validation, CloudWatch Logs, SNS,
                            advanced event selectors (management + S3 writes),
                            only ApiCallRateInsight. Config only in us-east-1.
  222222222222 log-archive  owns the org trail's bucket: private, logged,
                            versioned, Object Lock, 7-year lifecycle, but no
                            MFA delete. Config in both regions.
  333333333333 workload-prod  its own single-region trail `workload-audit` in
                            eu-west-1: no validation, no KMS, no CloudWatch
                            Logs, no SNS, delivery stale and failing; classic
                            selectors (write-only, excluding KMS events); its
                            bucket grants READ to AllUsers, has no access
                            logging, no versioning, and expires logs after 90
                            days. Config records a few types only in
                            us-east-1; eu-west-1 was throttled out.
  444444444444 sandbox      OrganizationAccountAccessRole could not be
                            assumed (AccessDenied): every fact is an error.
  555555555555 old-sandbox  SUSPENDED: listed by Organizations, not audited.

The org trail's log group has three CIS metric filters with alarms (see
METRIC_FILTERS): root use passes, the CloudTrail-changes filter misses
StopLogging, and the unauthorized-calls alarm's topic has no confirmed
subscriber; the other monitor-* checks find no filter for their events.
"""

import json
import pathlib

NOW = "2026-11-01T12:00:00Z"
# As requested on the command line; each account's audited list is sorted.
REGIONS = ["us-east-1", "eu-west-1"]
AUDITED = sorted(REGIONS)
MGMT, ARCHIVE, WORKLOAD, SANDBOX, SUSPENDED = (
    "111111111111",
    "222222222222",
    "333333333333",
    "444444444444",
    "555555555555",
)
ORG_ID = "o-7k2m9x4q1w"
CALLER_ARN = (
    f"arn:aws:sts::{MGMT}:assumed-role/"
    "AWSReservedSSO_SecurityAudit_5f1e2d3c4b5a6978/alice@example.com"
)

ORG_TRAIL = f"arn:aws:cloudtrail:us-east-1:{MGMT}:trail/org-trail"
WORKLOAD_TRAIL = f"arn:aws:cloudtrail:eu-west-1:{WORKLOAD}:trail/workload-audit"
ORG_BUCKET = f"acme-org-cloudtrail-logs-{ARCHIVE}"
ORG_ACCESS_LOG_BUCKET = f"acme-org-s3-access-logs-{ARCHIVE}"
WORKLOAD_BUCKET = "acme-workload-prod-trail-logs"
ORG_KEY = f"arn:aws:kms:us-east-1:{MGMT}:key/7d3f5a2e-9c41-4b8e-a6d2-0f1e3c5b7a90"
ORG_LOG_GROUP_NAME = f"aws-cloudtrail-logs-{ORG_ID}"
ORG_LOG_GROUP = f"arn:aws:logs:us-east-1:{MGMT}:log-group:{ORG_LOG_GROUP_NAME}:*"
ORG_TOPIC = f"arn:aws:sns:us-east-1:{MGMT}:org-trail-log-delivery"
# Monitoring (CIS 4.x): metric filters on the org trail's log group. Root use
# is fully alarmed; the CloudTrail-changes filter forgot StopLogging; the
# unauthorized-calls alarm notifies a topic nobody confirmed.
SECURITY_ALERTS = f"arn:aws:sns:us-east-1:{MGMT}:security-alerts"
UNCONFIRMED_ALERTS = f"arn:aws:sns:us-east-1:{MGMT}:noisy-alerts"
METRIC_FILTERS = [
    (
        "root-usage",
        '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS '
        '&& $.eventType != "AwsServiceEvent" }',
        "RootUsage",
        SECURITY_ALERTS,
    ),
    (
        "cloudtrail-changes",
        "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || "
        "($.eventName = DeleteTrail) || ($.eventName = StartLogging) }",
        "CloudTrailChanges",
        SECURITY_ALERTS,
    ),
    (
        "unauthorized-api-calls",
        '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
        "UnauthorizedAPICalls",
        UNCONFIRMED_ALERTS,
    ),
]
OWNER_CANONICAL_ID = {
    ARCHIVE: "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be",
    WORKLOAD: "be2fe74dc7e8125d8f8fae89d90e6dfdeacbf86e1a69d55e949b009fd95a97c7",
}


def value(v):
    return {"value": v}


def error(e):
    return {"error": e}


def err(account, region, service, operation, code, message):
    return {
        "account_id": account,
        "region": region,
        "service": service,
        "operation": operation,
        "code": code,
        "message": message,
    }


# Every failed call; the facts below reuse these objects.
ASSUME_DENIED = err(
    SANDBOX,
    "us-east-1",
    "sts",
    "AssumeRole",
    "AccessDenied",
    f"cannot assume arn:aws:iam::{SANDBOX}:role/OrganizationAccountAccessRole: "
    f"User: {CALLER_ARN} is not authorized to perform: sts:AssumeRole on resource: "
    f"arn:aws:iam::{SANDBOX}:role/OrganizationAccountAccessRole",
)
CONFIG_THROTTLED = err(
    WORKLOAD,
    "eu-west-1",
    "config",
    "DescribeConfigurationRecorderStatus",
    "ThrottlingException",
    "Rate exceeded",
)
# Sorted by account, region, service and operation, as the collector sorts them.
ERRORS = sorted(
    [ASSUME_DENIED, CONFIG_THROTTLED],
    key=lambda e: (e["account_id"], e["region"] or "", e["service"], e["operation"]),
)


def recorder(name, all_supported=True, resource_types=()):
    return {
        "name": name,
        "role_arn": None,
        "all_supported": all_supported,
        "include_global_resource_types": all_supported,
        "recording_strategy": "ALL_SUPPORTED_RESOURCE_TYPES"
        if all_supported
        else "INCLUSION_BY_RESOURCE_TYPES",
        "resource_types": list(resource_types),
        "excluded_resource_types": [],
    }


def config_recording(account, region, all_supported=True, resource_types=()):
    rec = recorder("default", all_supported, resource_types)
    rec["role_arn"] = (
        f"arn:aws:iam::{account}:role/aws-service-role/config.amazonaws.com/"
        "AWSServiceRoleForConfig"
    )
    return value(
        {
            "recorders": [rec],
            "recorder_statuses": [
                {
                    "name": "default",
                    "recording": True,
                    "last_status": "Success",
                    "last_error_code": None,
                    "last_error_message": None,
                }
            ],
            "delivery_channels": [
                {
                    "name": "default",
                    "s3_bucket_name": f"acme-config-{ARCHIVE}",
                    "sns_topic_arn": None,
                }
            ],
        }
    )


CONFIG_MISSING = value({"recorders": [], "recorder_statuses": [], "delivery_channels": []})

BPA_ALL = {
    "block_public_acls": True,
    "ignore_public_acls": True,
    "block_public_policy": True,
    "restrict_public_buckets": True,
}

accounts = [
    {
        "account_id": MGMT,
        "name": "management",
        "regions": value(AUDITED),
        "trail_arns": value([ORG_TRAIL]),
        "config": {
            "eu-west-1": CONFIG_MISSING,
            "us-east-1": config_recording(MGMT, "us-east-1"),
        },
        "public_access_block": None,
    },
    {
        "account_id": ARCHIVE,
        "name": "log-archive",
        "regions": value(AUDITED),
        "trail_arns": value([ORG_TRAIL]),
        "config": {
            "eu-west-1": config_recording(ARCHIVE, "eu-west-1"),
            "us-east-1": config_recording(ARCHIVE, "us-east-1"),
        },
        "public_access_block": value(BPA_ALL),
    },
    {
        "account_id": WORKLOAD,
        "name": "workload-prod",
        "regions": value(AUDITED),
        # As AWS does, a member's ListTrails shows the organization trail.
        "trail_arns": value([ORG_TRAIL, WORKLOAD_TRAIL]),
        "config": {
            "eu-west-1": error(CONFIG_THROTTLED),
            "us-east-1": config_recording(
                WORKLOAD,
                "us-east-1",
                all_supported=False,
                resource_types=["AWS::EC2::Instance", "AWS::EC2::SecurityGroup"],
            ),
        },
        # Owns a trail bucket; account-level Block Public Access never configured.
        "public_access_block": value(None),
    },
    {
        "account_id": SANDBOX,
        "name": "sandbox",
        "regions": error(ASSUME_DENIED),
        "trail_arns": error(ASSUME_DENIED),
        "config": {},
        "public_access_block": None,
    },
]

trails = {
    ORG_TRAIL: {
        "arn": ORG_TRAIL,
        "name": "org-trail",
        "home_region": "us-east-1",
        "account_id": MGMT,
        "seen_by": [MGMT, ARCHIVE, WORKLOAD],
        "config": value(
            {
                "s3_bucket_name": ORG_BUCKET,
                "s3_key_prefix": "org",
                "sns_topic_arn": ORG_TOPIC,
                "include_global_service_events": True,
                "is_multi_region_trail": True,
                "is_organization_trail": True,
                "log_file_validation_enabled": True,
                "cloud_watch_logs_log_group_arn": ORG_LOG_GROUP,
                "cloud_watch_logs_role_arn": f"arn:aws:iam::{MGMT}:role/CloudTrailRoleForCloudWatchLogs",
                "kms_key_id": ORG_KEY,
                "has_custom_event_selectors": True,
                "has_insight_selectors": True,
            }
        ),
        "status": value(
            {
                "is_logging": True,
                "start_logging_time": "2025-03-14T09:26:53Z",
                "stop_logging_time": None,
                "latest_delivery_time": "2026-11-01T11:52:07Z",
                "latest_delivery_error": None,
                "latest_digest_delivery_time": "2026-11-01T11:31:44Z",
                "latest_digest_delivery_error": None,
                "latest_notification_error": None,
                "latest_cloud_watch_logs_delivery_time": "2026-11-01T11:58:31Z",
                "latest_cloud_watch_logs_delivery_error": None,
            }
        ),
        "event_selectors": value(
            {
                "classic": [],
                "advanced": [
                    {
                        "name": "Management events",
                        "field_selectors": [
                            {"field": "eventCategory", "equals": ["Management"]}
                        ],
                    },
                    {
                        "name": "S3 object writes, all buckets",
                        "field_selectors": [
                            {"field": "eventCategory", "equals": ["Data"]},
                            {"field": "resources.type", "equals": ["AWS::S3::Object"]},
                            {"field": "readOnly", "equals": ["false"]},
                        ],
                    },
                ],
            }
        ),
        "insight_selectors": value([{"insight_type": "ApiCallRateInsight"}]),
    },
    WORKLOAD_TRAIL: {
        "arn": WORKLOAD_TRAIL,
        "name": "workload-audit",
        "home_region": "eu-west-1",
        "account_id": WORKLOAD,
        "seen_by": [WORKLOAD],
        "config": value(
            {
                "s3_bucket_name": WORKLOAD_BUCKET,
                "s3_key_prefix": None,
                "sns_topic_arn": None,
                "include_global_service_events": False,
                "is_multi_region_trail": False,
                "is_organization_trail": False,
                "log_file_validation_enabled": False,
                "cloud_watch_logs_log_group_arn": None,
                "cloud_watch_logs_role_arn": None,
                "kms_key_id": None,
                "has_custom_event_selectors": True,
                "has_insight_selectors": False,
            }
        ),
        "status": value(
            {
                "is_logging": True,
                "start_logging_time": "2024-06-02T14:05:19Z",
                "stop_logging_time": None,
                # Delivery stopped four days ago when the bucket policy was replaced.
                "latest_delivery_time": "2026-10-28T03:14:52Z",
                "latest_delivery_error": "AccessDenied",
                "latest_digest_delivery_time": None,
                "latest_digest_delivery_error": None,
                "latest_notification_error": None,
                "latest_cloud_watch_logs_delivery_time": None,
                "latest_cloud_watch_logs_delivery_error": None,
            }
        ),
        "event_selectors": value(
            {
                "classic": [
                    {
                        "read_write_type": "WriteOnly",
                        "include_management_events": True,
                        "exclude_management_event_sources": ["kms.amazonaws.com"],
                        "data_resources": [],
                    }
                ],
                "advanced": [],
            }
        ),
        "insight_selectors": value([]),
    },
}


def owner_grant(account):
    return {
        "grantee_type": "CanonicalUser",
        "grantee": OWNER_CANONICAL_ID[account],
        "permission": "FULL_CONTROL",
    }


buckets = {
    ORG_BUCKET: {
        "name": ORG_BUCKET,
        "owner_account_id": value(ARCHIVE),
        "exists": value(True),
        "region": value("us-east-1"),
        "policy_is_public": value(False),
        "acl_grants": value([owner_grant(ARCHIVE)]),
        "public_access_block": value(BPA_ALL),
        "logging_target": value(ORG_ACCESS_LOG_BUCKET),
        "versioning": value({"status": "Enabled", "mfa_delete": "Disabled"}),
        "object_lock": value(
            {
                "enabled": True,
                "default_retention_mode": "GOVERNANCE",
                "default_retention_days": 365,
                "default_retention_years": None,
            }
        ),
        "lifecycle_rules": value(
            [
                {
                    "id": "expire-after-7-years",
                    "status": "Enabled",
                    "prefix": "",
                    "expiration_days": 2557,
                    "expiration_date": None,
                    "noncurrent_version_expiration_days": 2557,
                }
            ]
        ),
    },
    WORKLOAD_BUCKET: {
        "name": WORKLOAD_BUCKET,
        "owner_account_id": value(WORKLOAD),
        "exists": value(True),
        "region": value("eu-west-1"),
        "policy_is_public": value(False),
        "acl_grants": value(
            [
                owner_grant(WORKLOAD),
                {
                    "grantee_type": "Group",
                    "grantee": "http://acs.amazonaws.com/groups/global/AllUsers",
                    "permission": "READ",
                },
            ]
        ),
        "public_access_block": value(None),
        "logging_target": value(None),
        "versioning": value({"status": None, "mfa_delete": None}),
        "object_lock": value(None),
        "lifecycle_rules": value(
            [
                {
                    "id": "expire-old-logs",
                    "status": "Enabled",
                    "prefix": "AWSLogs/",
                    "expiration_days": 90,
                    "expiration_date": None,
                    "noncurrent_version_expiration_days": None,
                }
            ]
        ),
    },
}

snapshot = {
    "schema_version": 2,
    "tool": {"name": "trailwarden", "version": "0.1.0"},
    "collected_at": NOW,
    "partition": "aws",
    "caller": {"account_id": MGMT, "arn": CALLER_ARN},
    "scope": {
        "mode": "organization",
        "accounts": [MGMT, ARCHIVE, WORKLOAD, SANDBOX],
        "regions_requested": REGIONS,
        "global_region": "us-east-1",
    },
    "organization": {
        "id": ORG_ID,
        "management_account_id": MGMT,
        "accounts": [
            {"id": MGMT, "name": "management", "status": "ACTIVE"},
            {"id": ARCHIVE, "name": "log-archive", "status": "ACTIVE"},
            {"id": WORKLOAD, "name": "workload-prod", "status": "ACTIVE"},
            {"id": SANDBOX, "name": "sandbox", "status": "ACTIVE"},
            {"id": SUSPENDED, "name": "old-sandbox", "status": "SUSPENDED"},
        ],
    },
    "accounts": accounts,
    "trails": trails,
    "buckets": buckets,
    "kms_keys": {
        ORG_KEY: {
            "key_id": ORG_KEY,
            "account_id": MGMT,
            "region": "us-east-1",
            "metadata": value(
                {
                    "arn": ORG_KEY,
                    "key_state": "Enabled",
                    "enabled": True,
                    "key_manager": "CUSTOMER",
                    "key_spec": "SYMMETRIC_DEFAULT",
                }
            ),
            "rotation_enabled": value(True),
        }
    },
    "log_groups": {
        ORG_LOG_GROUP: {
            "arn": ORG_LOG_GROUP,
            "name": ORG_LOG_GROUP_NAME,
            "account_id": MGMT,
            "region": "us-east-1",
            "group": value({"retention_in_days": 365, "kms_key_id": None}),
            "metric_filters": value(
                [
                    {
                        "name": name,
                        "pattern": pattern,
                        "transformations": [
                            {
                                "metric_namespace": "CISBenchmark",
                                "metric_name": metric,
                                "metric_value": "1",
                            }
                        ],
                    }
                    for name, pattern, metric, _ in METRIC_FILTERS
                ]
            ),
        }
    },
    "alarms": {
        f"{MGMT}/us-east-1": value(
            [
                {
                    "name": f"cis-{name}",
                    "arn": f"arn:aws:cloudwatch:us-east-1:{MGMT}:alarm:cis-{name}",
                    "namespace": "CISBenchmark",
                    "metric_name": metric,
                    "metrics": [],
                    "actions_enabled": True,
                    "alarm_actions": [topic],
                    "state_value": "OK",
                    "statistic": "Sum",
                    "comparison_operator": "GreaterThanOrEqualToThreshold",
                    "threshold": 1.0,
                    "evaluation_periods": 1,
                }
                for name, _, metric, topic in METRIC_FILTERS
            ]
        )
    },
    "sns_topics": {
        ORG_TOPIC: {
            "arn": ORG_TOPIC,
            "account_id": MGMT,
            "region": "us-east-1",
            "topic": value({"subscriptions_confirmed": 1, "subscriptions_pending": 0}),
        },
        SECURITY_ALERTS: {
            "arn": SECURITY_ALERTS,
            "account_id": MGMT,
            "region": "us-east-1",
            "topic": value({"subscriptions_confirmed": 1, "subscriptions_pending": 0}),
            "subscriptions": value(
                [
                    {
                        "subscription_arn": f"{SECURITY_ALERTS}:6b1f0c2e-3d4a-4e5f-9a8b-7c6d5e4f3a2b",
                        "protocol": "email",
                        "confirmed": True,
                    }
                ]
            ),
        },
        UNCONFIRMED_ALERTS: {
            "arn": UNCONFIRMED_ALERTS,
            "account_id": MGMT,
            "region": "us-east-1",
            "topic": value({"subscriptions_confirmed": 0, "subscriptions_pending": 1}),
            "subscriptions": value(
                [
                    {
                        "subscription_arn": "PendingConfirmation",
                        "protocol": "email",
                        "confirmed": False,
                    }
                ]
            ),
        },
    },
    "errors": ERRORS,
    "stats": {
        "api_calls": 0,  # filled in below
        "calls_by_operation": {
            "cloudtrail:DescribeTrails": 2,
            "cloudtrail:GetEventSelectors": 2,
            "cloudtrail:GetInsightSelectors": 2,
            "cloudtrail:GetTrailStatus": 2,
            "cloudtrail:ListTrails": 3,
            "logs:DescribeLogGroups": 1,
            "logs:DescribeMetricFilters": 1,
            "cloudwatch:DescribeAlarms": 1,
            "sns:ListSubscriptionsByTopic": 2,
            "config:DescribeConfigurationRecorderStatus": 8,
            "config:DescribeConfigurationRecorders": 6,
            "config:DescribeDeliveryChannels": 5,
            "account:ListRegions": 3,
            "kms:DescribeKey": 1,
            "kms:GetKeyRotationStatus": 1,
            "organizations:DescribeOrganization": 1,
            "organizations:ListAccounts": 1,
            "s3:GetBucketAcl": 2,
            "s3:GetBucketLifecycleConfiguration": 2,
            "s3:GetBucketLocation": 2,
            "s3:GetBucketLogging": 2,
            "s3:GetBucketPolicyStatus": 2,
            "s3:GetBucketVersioning": 2,
            "s3:GetObjectLockConfiguration": 2,
            "s3:GetPublicAccessBlock": 2,
            "s3:HeadBucket": 2,
            "s3:ListBuckets": 2,
            "s3control:GetPublicAccessBlock": 2,
            "sns:GetTopicAttributes": 1,
            "sts:AssumeRole": 3,
            "sts:GetCallerIdentity": 1,
        },
        "duration_ms": 4187,
    },
}
snapshot["stats"]["api_calls"] = sum(snapshot["stats"]["calls_by_operation"].values())

out = pathlib.Path(__file__).resolve().parent.parent / "examples" / "demo-org.snapshot.json"
out.write_text(json.dumps(snapshot, indent=2) + "\n")
print(f"wrote {out}")
