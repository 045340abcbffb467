//! Trail KMS keys: DescribeKey and GetKeyRotationStatus in the key's region.

use super::Collector;
use crate::aws::clients::Session;
use crate::aws::errors::{code_of, Site};
use crate::aws::ops;
use crate::snapshot::{Fact, KmsKeyFacts, KmsKeyMetadata};

/// Reads one key, named as the trail names it (normally its ARN).
pub async fn key(
    cx: &Collector,
    session: &Session,
    key_id: &str,
    account_id: &str,
    region: &str,
) -> KmsKeyFacts {
    let client = session.kms(region);
    let site = |op| Site::new(&session.account_id, region, op);
    let metadata = match cx.call(client.describe_key().key_id(key_id).send()).await {
        Ok(out) => Fact::Value(out.key_metadata().map(|m| {
            KmsKeyMetadata {
                arn: m.arn().unwrap_or(key_id).to_string(),
                key_state: m
                    .key_state()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
                enabled: m.enabled(),
                key_manager: m
                    .key_manager()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
                key_spec: m
                    .key_spec()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
            }
        })),
        // The trail names a key that does not exist (any more).
        Err(err) if code_of(&err) == Some("NotFoundException") => Fact::Value(None),
        Err(err) => Fact::Error(cx.fail(&site(ops::KMS_DESCRIBE_KEY), &err)),
    };
    let rotation_enabled = match &metadata {
        Fact::Value(Some(m)) => {
            // Rotation status takes a key id or key ARN, not an alias: use
            // the ARN DescribeKey resolved.
            match cx
                .call(client.get_key_rotation_status().key_id(&m.arn).send())
                .await
            {
                Ok(out) => Fact::Value(out.key_rotation_enabled()),
                Err(err) => Fact::Error(cx.fail(&site(ops::KMS_GET_KEY_ROTATION_STATUS), &err)),
            }
        }
        Fact::Value(None) => Fact::Error(site(ops::KMS_GET_KEY_ROTATION_STATUS).error(
            "NotFoundException",
            format!("key {key_id} does not exist, so it has no rotation status"),
        )),
        Fact::Error(e) => Fact::Error(e.clone()),
    };
    KmsKeyFacts {
        key_id: key_id.to_string(),
        account_id: account_id.to_string(),
        region: region.to_string(),
        metadata,
        rotation_enabled,
    }
}
