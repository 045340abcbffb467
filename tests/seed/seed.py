#!/usr/bin/env python3
"""Seeds a moto server through the AWS API (boto3) for trailwarden's
end-to-end tests and benchmark.

    seed.py --endpoint http://127.0.0.1:PORT SCENARIO [--accounts N]

Prints one JSON object on stdout with what the tests need (account ids,
ARNs, access keys). Scenarios:
  good      one account, a well-configured multi-region trail and its resources
  broken    one account, a poorly configured trail
  accounts  a management account and two member accounts (roles assumable),
            each member with its own trail
  org       an organization: management with an organization trail, members
            without trails of their own, one suspended-like (closed) account
  denied    'good', plus an IAM user whose policy denies
            cloudtrail:GetTrailStatus; then IAM is enforced
  bench     an organization with N accounts and a mix of postures over 2 regions
  org-closed  'org', plus a third member that is closed (SUSPENDED)
  org-delegated, org-delegated-member, org-delegated-none
            the layout AWS recommends for security tools: the audit runs
            from a member (security tooling) account that is a delegated
            administrator of Organizations; the management account has no
            audit role. The CloudTrail delegated administrator is the tooling
            account itself, another member, or nobody.
"""

import argparse
import json
import re
import sys
import urllib.request

import boto3
from botocore.config import Config

REGIONS = ["us-east-1", "eu-west-1"]
MGMT = "123456789012"
ROLE = "OrganizationAccountAccessRole"
ALLOW_ALL = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)


def _strip_account_host(request, **_kwargs):
    request.url = re.sub(r"//\d{12}\.", "//", request.url, count=1)


class Account:
    """boto3 clients for one account (the default one, or through a role)."""

    def __init__(self, endpoint, creds=None, account_id=MGMT):
        self.endpoint = endpoint
        self.account_id = account_id
        self.creds = creds or {
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
        }

    def client(self, service, region="us-east-1"):
        config = Config(s3={"addressing_style": "path"})
        client = boto3.client(service, region_name=region, endpoint_url=self.endpoint,
                              config=config, **self.creds)
        if service == "s3control":
            # S3 Control prefixes the account id to the host (123….127.0.0.1).
            client.meta.events.register("before-sign.s3-control.*", _strip_account_host)
        return client

    def assume(self, account_id, role=ROLE):
        out = self.client("sts").assume_role(
            RoleArn=f"arn:aws:iam::{account_id}:role/{role}", RoleSessionName="seed"
        )["Credentials"]
        return Account(
            self.endpoint,
            {
                "aws_access_key_id": out["AccessKeyId"],
                "aws_secret_access_key": out["SecretAccessKey"],
                "aws_session_token": out["SessionToken"],
            },
            account_id,
        )


def bucket(acct, name, region="us-east-1", *, versioning=True, logging_to=None, block=True,
           object_lock=False, expire_days=None, public_acl=False, mfa_delete=False):
    s3 = acct.client("s3", region)
    kwargs = {"Bucket": name}
    if region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
    if object_lock:
        kwargs["ObjectLockEnabledForBucket"] = True
    s3.create_bucket(**kwargs)
    if versioning and not object_lock or mfa_delete:
        conf = {"Status": "Enabled"}
        extra = {}
        if mfa_delete:
            conf["MFADelete"] = "Enabled"
            extra["MFA"] = "arn:aws:iam::123456789012:mfa/root 123456"
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration=conf, **extra)
    if object_lock:
        s3.put_object_lock_configuration(
            Bucket=name,
            ObjectLockConfiguration={
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 400}},
            },
        )
    if logging_to:
        s3.put_bucket_acl(Bucket=logging_to, GrantWrite="uri=http://acs.amazonaws.com/groups/s3/LogDelivery",
                          GrantReadACP="uri=http://acs.amazonaws.com/groups/s3/LogDelivery")
        s3.put_bucket_logging(
            Bucket=name,
            BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": logging_to, "TargetPrefix": "s3/"}},
        )
    if block:
        s3.put_public_access_block(
            Bucket=name,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
    if public_acl:
        s3.put_bucket_acl(Bucket=name, ACL="public-read")
    if expire_days is not None:
        s3.put_bucket_lifecycle_configuration(
            Bucket=name,
            LifecycleConfiguration={
                "Rules": [
                    {"ID": "expire", "Status": "Enabled", "Filter": {"Prefix": ""},
                     "Expiration": {"Days": expire_days}}
                ]
            },
        )


def config_recorder(acct, region):
    cfg = acct.client("config", region)
    bucket_name = f"config-{acct.account_id}-{region}"
    bucket(acct, bucket_name, region)
    cfg.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": f"arn:aws:iam::{acct.account_id}:role/config",
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
        }
    )
    cfg.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": bucket_name})
    cfg.start_configuration_recorder(ConfigurationRecorderName="default")


def good_trail(acct, name="main", *, org=False, region="us-east-1", with_config=True):
    """A trail with every control in place, and its bucket, key, log group and topic."""
    logs_bucket = f"access-logs-{acct.account_id}"
    trail_bucket = f"trail-{name}-{acct.account_id}"
    bucket(acct, logs_bucket, region)
    bucket(acct, trail_bucket, region, logging_to=logs_bucket, expire_days=400,
           object_lock=True, mfa_delete=True)
    acct.client("s3control", region).put_public_access_block(
        AccountId=acct.account_id,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    kms = acct.client("kms", region)
    key = kms.create_key(Description="trail key")["KeyMetadata"]
    kms.enable_key_rotation(KeyId=key["KeyId"])
    logs = acct.client("logs", region)
    logs.create_log_group(logGroupName=f"CloudTrail/{name}")
    group_arn = f"arn:aws:logs:{region}:{acct.account_id}:log-group:CloudTrail/{name}:*"
    sns = acct.client("sns", region)
    topic = sns.create_topic(Name=f"trail-{name}")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="audit@example.com")
    ct = acct.client("cloudtrail", region)
    trail = ct.create_trail(
        Name=name,
        S3BucketName=trail_bucket,
        SnsTopicName=f"trail-{name}",
        IsMultiRegionTrail=True,
        IncludeGlobalServiceEvents=True,
        EnableLogFileValidation=True,
        IsOrganizationTrail=org,
        CloudWatchLogsLogGroupArn=group_arn,
        CloudWatchLogsRoleArn=f"arn:aws:iam::{acct.account_id}:role/trail-to-logs",
        KmsKeyId=key["Arn"],
    )
    ct.put_event_selectors(
        TrailName=name,
        EventSelectors=[
            {
                "ReadWriteType": "All",
                "IncludeManagementEvents": True,
                "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}],
            }
        ],
    )
    ct.put_insight_selectors(
        TrailName=name,
        InsightSelectors=[{"InsightType": "ApiCallRateInsight"}, {"InsightType": "ApiErrorRateInsight"}],
    )
    ct.start_logging(Name=name)
    if with_config:
        for r in REGIONS:
            config_recorder(acct, r)
    return {"trail_arn": trail["TrailARN"], "bucket": trail_bucket, "key_arn": key["Arn"],
            "log_group_arn": group_arn, "topic_arn": topic}


def broken_trail(acct, name="weak", region="us-east-1"):
    """A single-region trail without validation, encryption or delivery, not logging,
    writing to a public bucket with short retention."""
    trail_bucket = f"trail-{name}-{acct.account_id}"
    bucket(acct, trail_bucket, region, versioning=False, block=False, public_acl=True, expire_days=30)
    ct = acct.client("cloudtrail", region)
    trail = ct.create_trail(Name=name, S3BucketName=trail_bucket, IsMultiRegionTrail=False,
                            EnableLogFileValidation=False)
    ct.put_event_selectors(
        TrailName=name,
        EventSelectors=[{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}],
    )
    return {"trail_arn": trail["TrailARN"], "bucket": trail_bucket}


# CIS AWS Foundations v5.0.0 4.1 and 4.3, as CIS writes them.
UNAUTHORIZED_API_CALLS = ('{(($.errorCode ="*UnauthorizedOperation") || ($.errorCode ="AccessDenied*")) '
                          '&& (($.sourceIPAddress!="delivery.logs.amazonaws.com") '
                          '&& ($.eventName!="HeadBucket"))}')
ROOT_USAGE = ('{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS '
              '&& $.eventType != "AwsServiceEvent" }')


def alarm(cw, name, metric, topic, *, math=False):
    """A metric alarm on CISBenchmark/<metric> notifying `topic`."""
    common = {"AlarmName": name, "EvaluationPeriods": 1, "Threshold": 1.0,
              "ComparisonOperator": "GreaterThanOrEqualToThreshold", "AlarmActions": [topic]}
    if math:
        cw.put_metric_alarm(**common, Metrics=[{
            "Id": "m1", "ReturnData": True,
            "MetricStat": {"Metric": {"Namespace": "CISBenchmark", "MetricName": metric},
                           "Period": 300, "Stat": "Sum"}}])
    else:
        cw.put_metric_alarm(**common, Namespace="CISBenchmark", MetricName=metric,
                            Statistic="Sum", Period=300)


def monitoring(acct, region="us-east-1"):
    """good_trail plus CIS metric filters on its log group, alarms on their
    metrics, a topic with a subscriber and one without."""
    t = good_trail(acct)
    group = t["log_group_arn"].split(":log-group:", 1)[1].removesuffix(":*")
    logs = acct.client("logs", region)
    for filter_name, pattern, metric in (("unauthorized-api-calls", UNAUTHORIZED_API_CALLS, "UnauthorizedAPICalls"),
                                         ("root-usage", ROOT_USAGE, "RootAccountUsage")):
        logs.put_metric_filter(logGroupName=group, filterName=filter_name, filterPattern=pattern,
                               metricTransformations=[{"metricName": metric, "metricNamespace": "CISBenchmark",
                                                       "metricValue": "1"}])
    sns = acct.client("sns", region)
    alerts = sns.create_topic(Name="security-alerts")["TopicArn"]
    queue = acct.client("sqs", region).create_queue(QueueName="security-alerts")["QueueUrl"]
    queue_arn = acct.client("sqs", region).get_queue_attributes(
        QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=alerts, Protocol="sqs", Endpoint=queue_arn)
    unheard = sns.create_topic(Name="nobody-listens")["TopicArn"]
    cw = acct.client("cloudwatch", region)
    alarm(cw, "unauthorized-api-calls", "UnauthorizedAPICalls", alerts)
    alarm(cw, "unauthorized-api-calls-math", "UnauthorizedAPICalls", alerts, math=True)
    alarm(cw, "root-usage", "RootAccountUsage", unheard)
    # An alarm in a region holding no trail log group: never read.
    other = "eu-west-1"
    stray = acct.client("sns", other).create_topic(Name="stray")["TopicArn"]
    alarm(acct.client("cloudwatch", other), "stray", "UnauthorizedAPICalls", stray)
    return {**t, "log_group": group, "alerts_topic": alerts, "unheard_topic": unheard,
            "stray_topic": stray}


def create_role(acct, role=ROLE, policy=ALLOW_ALL, trusted=MGMT):
    iam = acct.client("iam")
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{trusted}:root"},
        "Action": "sts:AssumeRole"}]})
    try:
        iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust)
    except iam.exceptions.EntityAlreadyExistsException:
        pass  # moto creates OrganizationAccountAccessRole with each account
    iam.put_role_policy(RoleName=role, PolicyName="audit", PolicyDocument=policy)


def organization(mgmt, n_members, names=None):
    orgs = mgmt.client("organizations")
    orgs.create_organization(FeatureSet="ALL")
    members = []
    for i in range(n_members):
        name = (names or {}).get(i, f"member-{i}")
        out = orgs.create_account(Email=f"m{i}@example.com", AccountName=name)
        members.append(out["CreateAccountStatus"]["AccountId"])
    return members


def enforce_iam(endpoint):
    """From now on moto checks signatures and IAM policies on every call."""
    req = urllib.request.Request(f"{endpoint}/moto-api/reset-auth", data=b"0", method="POST",
                                 headers={"Content-Type": "text/plain"})
    urllib.request.urlopen(req).read()


AUDIT_ROLE = "TrailwardenAudit"


def delegated_organization(mgmt, name):
    members = organization(mgmt, 3, names={0: "security-tooling"})
    tooling = members[0]
    orgs = mgmt.client("organizations")
    orgs.enable_aws_service_access(ServicePrincipal="cloudtrail.amazonaws.com")
    # Any delegation makes the tooling account able to list the organization.
    orgs.register_delegated_administrator(AccountId=tooling,
                                          ServicePrincipal="guardduty.amazonaws.com")
    cloudtrail_admin = {"org-delegated": tooling, "org-delegated-member": members[2]}.get(name)
    if cloudtrail_admin:
        orgs.register_delegated_administrator(AccountId=cloudtrail_admin,
                                              ServicePrincipal="cloudtrail.amazonaws.com")
    # The audit role, deployed to the members (as a StackSet would) and
    # trusting the tooling account; never to the management account.
    for m in members[1:]:
        create_role(mgmt.assume(m), role=AUDIT_ROLE, trusted=tooling)
    t = good_trail(mgmt, "org-trail", org=True, with_config=False)
    iam = mgmt.assume(tooling).client("iam")
    iam.create_user(UserName="auditor")
    key = iam.create_access_key(UserName="auditor")["AccessKey"]
    return {"management": MGMT, "members": members, "tooling": tooling,
            "cloudtrail_admin": cloudtrail_admin, "role": AUDIT_ROLE, **t,
            "access_key_id": key["AccessKeyId"], "secret_access_key": key["SecretAccessKey"]}


def scenario(endpoint, name, n_accounts):
    mgmt = Account(endpoint)
    if name == "good":
        return {"account": MGMT, **good_trail(mgmt)}
    if name == "broken":
        return {"account": MGMT, **broken_trail(mgmt)}
    if name == "monitoring":
        return {"account": MGMT, **monitoring(mgmt)}
    if name == "accounts":
        members = organization(mgmt, 2)
        out = {"management": MGMT, "members": members, "trails": {}}
        for i, m in enumerate(members):
            acct = mgmt.assume(m)
            create_role(acct)
            t = good_trail(acct, f"member{i}", with_config=False) if i == 0 else broken_trail(acct, f"member{i}")
            out["trails"][m] = t["trail_arn"]
        return out
    if name == "org":
        members = organization(mgmt, 2)
        for m in members:
            create_role(mgmt.assume(m))
        t = good_trail(mgmt, "org-trail", org=True, with_config=False)
        return {"management": MGMT, "members": members, **t}
    if name == "org-closed":
        members = organization(mgmt, 3)
        for m in members[:2]:
            create_role(mgmt.assume(m))
        mgmt.client("organizations").close_account(AccountId=members[2])
        t = good_trail(mgmt, "org-trail", org=True, with_config=False)
        return {"management": MGMT, "members": members[:2], "closed": members[2], **t}
    if name.startswith("org-delegated"):
        return delegated_organization(mgmt, name)
    if name == "denied":
        t = good_trail(mgmt)
        iam = mgmt.client("iam")
        iam.create_user(UserName="auditor")
        iam.put_user_policy(UserName="auditor", PolicyName="audit", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "*", "Resource": "*"},
                {"Effect": "Deny", "Action": ["cloudtrail:GetTrailStatus"], "Resource": "*"},
            ]}))
        key = iam.create_access_key(UserName="auditor")["AccessKey"]
        # A member whose role has no policy at all: the role can be assumed
        # only if the caller may, and its calls are denied.
        enforce_iam(endpoint)
        return {"account": MGMT, **t, "access_key_id": key["AccessKeyId"],
                "secret_access_key": key["SecretAccessKey"]}
    if name == "cross-bucket":
        # A member's trail writes to a bucket in the management account.
        members = organization(mgmt, 1)
        bucket(mgmt, "central-trail-logs")
        acct = mgmt.assume(members[0])
        trail = acct.client("cloudtrail").create_trail(
            Name="to-central", S3BucketName="central-trail-logs", IsMultiRegionTrail=True,
            EnableLogFileValidation=True)
        acct.client("cloudtrail").start_logging(Name="to-central")
        return {"management": MGMT, "members": members, "trail_arn": trail["TrailARN"],
                "bucket": "central-trail-logs"}
    if name == "denied-role":
        # Two members with audit roles; the auditor may assume only the first.
        members = organization(mgmt, 2)
        for i, m in enumerate(members):
            acct = mgmt.assume(m)
            create_role(acct)
            good_trail(acct, f"member{i}", with_config=False)
        iam = mgmt.client("iam")
        iam.create_user(UserName="auditor")
        iam.put_user_policy(UserName="auditor", PolicyName="audit", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "*", "Resource": "*"},
                {"Effect": "Deny", "Action": "sts:AssumeRole",
                 "Resource": f"arn:aws:iam::{members[1]}:role/{ROLE}"},
            ]}))
        key = iam.create_access_key(UserName="auditor")["AccessKey"]
        enforce_iam(endpoint)
        return {"management": MGMT, "members": members, "access_key_id": key["AccessKeyId"],
                "secret_access_key": key["SecretAccessKey"]}
    if name == "bench":
        members = organization(mgmt, max(n_accounts - 1, 0))
        good_trail(mgmt, "org-trail", org=True)
        for i, m in enumerate(members):
            acct = mgmt.assume(m)
            create_role(acct)
            kind = i % 4
            if kind == 0:
                good_trail(acct, f"own{i}")
            elif kind == 1:
                broken_trail(acct, f"weak{i}", region=REGIONS[i % 2])
            elif kind == 2:
                config_recorder(acct, REGIONS[0])
            # kind 3: nothing of its own; covered by the organization trail
        return {"management": MGMT, "members": members}
    raise SystemExit(f"unknown scenario {name}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario")
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--accounts", type=int, default=100)
    args = parser.parse_args()
    json.dump(scenario(args.endpoint, args.scenario, args.accounts), sys.stdout)
    print()


if __name__ == "__main__":
    main()
