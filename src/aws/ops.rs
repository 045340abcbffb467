//! Every API operation the collector (and `verify-logs`) calls, with the IAM action it needs.
//! The shipped IAM policy is tested against this list, and the end-to-end
//! tests check that every call the interceptor counted is listed here.

/// One API operation: the SDK service, the operation name, and the IAM
/// action a caller needs to make it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// SDK service name as used in `CollectionError.service` and in
    /// `stats.calls_by_operation` (`cloudtrail`, `s3`…).
    pub service: &'static str,
    /// API operation name (`ListTrails`).
    pub name: &'static str,
    /// IAM action (`cloudtrail:ListTrails`); some differ from the API name.
    pub iam_action: &'static str,
}

impl Operation {
    /// `service:Operation`, the key in `stats.calls_by_operation`.
    pub fn key(&self) -> String {
        format!("{}:{}", self.service, self.name)
    }
}

macro_rules! operations {
    ($($ident:ident = ($service:literal, $name:literal, $iam:literal);)*) => {
        $(pub const $ident: Operation = Operation { service: $service, name: $name, iam_action: $iam };)*
        /// Every operation the collector may call.
        pub const OPERATIONS: &[Operation] = &[$($ident),*];
    };
}

operations! {
    STS_GET_CALLER_IDENTITY = ("sts", "GetCallerIdentity", "sts:GetCallerIdentity");
    STS_ASSUME_ROLE = ("sts", "AssumeRole", "sts:AssumeRole");
    ORG_DESCRIBE_ORGANIZATION = ("organizations", "DescribeOrganization", "organizations:DescribeOrganization");
    ORG_LIST_ACCOUNTS = ("organizations", "ListAccounts", "organizations:ListAccounts");
    ORG_LIST_DELEGATED_ADMINISTRATORS = ("organizations", "ListDelegatedAdministrators", "organizations:ListDelegatedAdministrators");
    ACCOUNT_LIST_REGIONS = ("account", "ListRegions", "account:ListRegions");
    CT_LIST_TRAILS = ("cloudtrail", "ListTrails", "cloudtrail:ListTrails");
    CT_DESCRIBE_TRAILS = ("cloudtrail", "DescribeTrails", "cloudtrail:DescribeTrails");
    CT_GET_TRAIL_STATUS = ("cloudtrail", "GetTrailStatus", "cloudtrail:GetTrailStatus");
    CT_GET_EVENT_SELECTORS = ("cloudtrail", "GetEventSelectors", "cloudtrail:GetEventSelectors");
    CT_GET_INSIGHT_SELECTORS = ("cloudtrail", "GetInsightSelectors", "cloudtrail:GetInsightSelectors");
    CT_LIST_PUBLIC_KEYS = ("cloudtrail", "ListPublicKeys", "cloudtrail:ListPublicKeys");
    S3_LIST_BUCKETS = ("s3", "ListBuckets", "s3:ListAllMyBuckets");
    S3_HEAD_BUCKET = ("s3", "HeadBucket", "s3:ListBucket");
    S3_GET_BUCKET_LOCATION = ("s3", "GetBucketLocation", "s3:GetBucketLocation");
    S3_GET_BUCKET_POLICY_STATUS = ("s3", "GetBucketPolicyStatus", "s3:GetBucketPolicyStatus");
    S3_GET_BUCKET_ACL = ("s3", "GetBucketAcl", "s3:GetBucketAcl");
    S3_GET_PUBLIC_ACCESS_BLOCK = ("s3", "GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock");
    S3_GET_BUCKET_LOGGING = ("s3", "GetBucketLogging", "s3:GetBucketLogging");
    S3_GET_BUCKET_VERSIONING = ("s3", "GetBucketVersioning", "s3:GetBucketVersioning");
    S3_GET_OBJECT_LOCK_CONFIGURATION = ("s3", "GetObjectLockConfiguration", "s3:GetBucketObjectLockConfiguration");
    S3_LIST_OBJECTS_V2 = ("s3", "ListObjectsV2", "s3:ListBucket");
    S3_GET_OBJECT = ("s3", "GetObject", "s3:GetObject");
    S3_GET_BUCKET_LIFECYCLE_CONFIGURATION = ("s3", "GetBucketLifecycleConfiguration", "s3:GetLifecycleConfiguration");
    S3CONTROL_GET_PUBLIC_ACCESS_BLOCK = ("s3control", "GetPublicAccessBlock", "s3:GetAccountPublicAccessBlock");
    KMS_DESCRIBE_KEY = ("kms", "DescribeKey", "kms:DescribeKey");
    KMS_GET_KEY_ROTATION_STATUS = ("kms", "GetKeyRotationStatus", "kms:GetKeyRotationStatus");
    LOGS_DESCRIBE_LOG_GROUPS = ("logs", "DescribeLogGroups", "logs:DescribeLogGroups");
    LOGS_DESCRIBE_METRIC_FILTERS = ("logs", "DescribeMetricFilters", "logs:DescribeMetricFilters");
    CW_DESCRIBE_ALARMS = ("cloudwatch", "DescribeAlarms", "cloudwatch:DescribeAlarms");
    SNS_GET_TOPIC_ATTRIBUTES = ("sns", "GetTopicAttributes", "sns:GetTopicAttributes");
    SNS_LIST_SUBSCRIPTIONS_BY_TOPIC = ("sns", "ListSubscriptionsByTopic", "sns:ListSubscriptionsByTopic");
    CONFIG_DESCRIBE_CONFIGURATION_RECORDERS = ("config", "DescribeConfigurationRecorders", "config:DescribeConfigurationRecorders");
    CONFIG_DESCRIBE_CONFIGURATION_RECORDER_STATUS = ("config", "DescribeConfigurationRecorderStatus", "config:DescribeConfigurationRecorderStatus");
    CONFIG_DESCRIBE_DELIVERY_CHANNELS = ("config", "DescribeDeliveryChannels", "config:DescribeDeliveryChannels");
}

/// IAM actions needed that are no API call of ours: `kms:Decrypt`, which
/// S3 checks with the caller's permissions when it serves an SSE-KMS
/// encrypted object (CloudTrail log and digest files of a trail with a KMS
/// key; Amazon S3 user guide, "Using server-side encryption with AWS KMS
/// keys"), so `verify-logs` cannot read such a trail's files without it.
pub const IMPLIED_ACTIONS: &[(&str, &str)] = &[(
    "kms:Decrypt",
    "S3 GetObject of an SSE-KMS encrypted log or digest file",
)];

/// The inline session policy passed with every `AssumeRole` (STS API
/// reference, AssumeRole `Policy`: the session's permissions are the
/// intersection of the role's and this policy's). The audit role is often
/// `OrganizationAccountAccessRole`, which is AdministratorAccess; with this
/// policy nothing done through it can write, even if a bug tried. It allows
/// exactly the IAM actions of [`OPERATIONS`] (minus `sts:AssumeRole`: an
/// assumed session never assumes another role), well under AWS's limit of
/// 2,048 characters.
pub fn session_policy() -> String {
    let mut actions: Vec<&str> = OPERATIONS
        .iter()
        .map(|op| op.iam_action)
        .filter(|a| *a != STS_ASSUME_ROLE.iam_action)
        .chain(IMPLIED_ACTIONS.iter().map(|(action, _)| *action))
        .collect();
    actions.sort_unstable();
    actions.dedup();
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "TrailwardenReadOnly",
            "Effect": "Allow",
            "Action": actions,
            "Resource": "*",
        }],
    })
    .to_string()
}

/// AWS's limit on an inline session policy's plain text (AssumeRole
/// `Policy`: "up to 2,048 characters").
pub const SESSION_POLICY_MAX_CHARS: usize = 2048;

/// Finds an operation by its `service:Operation` key.
pub fn by_key(key: &str) -> Option<&'static Operation> {
    OPERATIONS
        .iter()
        .find(|op| key.split_once(':') == Some((op.service, op.name)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn operations_are_unique_and_well_formed() {
        let keys: BTreeSet<String> = OPERATIONS.iter().map(Operation::key).collect();
        assert_eq!(keys.len(), OPERATIONS.len(), "an operation is listed twice");
        for op in OPERATIONS {
            let (prefix, action) = op.iam_action.split_once(':').expect("service:Action");
            assert!(!prefix.is_empty() && action.chars().next().is_some_and(char::is_uppercase));
            assert_eq!(by_key(&op.key()), Some(op));
        }
        assert_eq!(by_key("cloudtrail:NoSuchOperation"), None);
    }

    /// The session policy allows every operation an assumed session makes,
    /// only read actions, within AWS's size limit.
    #[test]
    fn the_session_policy_allows_every_read_and_nothing_else() {
        let text = session_policy();
        assert!(
            text.chars().count() <= SESSION_POLICY_MAX_CHARS,
            "{} characters",
            text.len()
        );
        let policy: serde_json::Value = serde_json::from_str(&text).unwrap();
        let statement = &policy["Statement"][0];
        assert_eq!(statement["Effect"], "Allow");
        assert_eq!(statement["Resource"], "*");
        let allowed: BTreeSet<&str> = statement["Action"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        for op in OPERATIONS.iter().filter(|op| **op != STS_ASSUME_ROLE) {
            assert!(allowed.contains(op.iam_action), "{}", op.iam_action);
        }
        for (action, _) in IMPLIED_ACTIONS {
            assert!(allowed.contains(action), "{action}");
        }
        for action in allowed
            .iter()
            .filter(|a| !IMPLIED_ACTIONS.iter().any(|(i, _)| i == *a))
        {
            let verb = action.split_once(':').unwrap().1;
            assert!(
                ["Get", "List", "Describe", "Head"]
                    .iter()
                    .any(|read| verb.starts_with(read)),
                "{action} is not a read"
            );
        }
    }

    /// The shipped least-privilege policy names the IAM action of every
    /// operation the collector calls, and nothing that is not read-only.
    #[test]
    fn shipped_iam_policy_allows_every_operation() {
        let text = include_str!("../../policy/trailwarden-iam-policy.json");
        let policy: serde_json::Value = serde_json::from_str(text).expect("policy is JSON");
        let mut allowed = BTreeSet::new();
        for statement in policy["Statement"].as_array().expect("Statement array") {
            assert_eq!(statement["Effect"], "Allow");
            let actions = match &statement["Action"] {
                serde_json::Value::String(s) => vec![s.clone()],
                serde_json::Value::Array(a) => a
                    .iter()
                    .map(|v| v.as_str().expect("action string").to_string())
                    .collect(),
                other => panic!("unexpected Action: {other}"),
            };
            allowed.extend(actions);
        }
        for op in OPERATIONS {
            assert!(
                allowed.contains(op.iam_action),
                "policy misses {} (for {})",
                op.iam_action,
                op.key()
            );
        }
        for (action, why) in IMPLIED_ACTIONS {
            assert!(allowed.contains(*action), "policy misses {action} ({why})");
        }
        let needed: BTreeSet<&str> = OPERATIONS
            .iter()
            .map(|op| op.iam_action)
            .chain(IMPLIED_ACTIONS.iter().map(|(action, _)| *action))
            .collect();
        for action in &allowed {
            assert!(
                needed.contains(action.as_str()),
                "policy grants {action}, which the collector never calls"
            );
            assert!(!action.contains('*'), "wildcard action {action}");
        }
    }
}
