//! Trail buckets: which in-scope account owns each (ListBuckets), whether it
//! exists (HeadBucket), and, with the owner's credentials in the bucket's
//! region, everything the bucket checks judge. Plus the account-level S3
//! Block Public Access (S3 Control).

use super::cloudtrail::{non_empty, time};
use super::Collector;
use crate::aws::clients::Session;
use crate::aws::errors::{code_of, status_of, Site};
use crate::aws::ops;
use crate::snapshot::{
    AclGrant, BucketFacts, BucketVersioning, CollectionError, Fact, LifecycleRule, ObjectLock,
    PublicAccessBlock,
};
use std::collections::BTreeMap;

/// Buckets per ListBuckets page. AWS rejects an unpaginated ListBuckets for
/// an account with more than 10,000 buckets (`MaxBuckets` is then
/// required; S3 API reference, ListBuckets), so every call pages.
const BUCKETS_PER_PAGE: i32 = 1000;

/// ListBuckets (every page, `MaxBuckets`/`ContinuationToken`) in the global
/// region: the buckets an account owns, each with its `BucketRegion` when
/// S3 gives it (then no GetBucketLocation is needed).
pub async fn list_buckets(
    cx: &Collector,
    session: &Session,
) -> Result<BTreeMap<String, Option<String>>, CollectionError> {
    let client = session.s3(&cx.global_region);
    let mut names = BTreeMap::new();
    let mut token: Option<String> = None;
    loop {
        let page = cx
            .call(
                client
                    .list_buckets()
                    .max_buckets(BUCKETS_PER_PAGE)
                    .set_continuation_token(token.clone())
                    .send(),
            )
            .await
            .map_err(|err| {
                cx.fail(
                    &Site::new(&session.account_id, &cx.global_region, ops::S3_LIST_BUCKETS),
                    &err,
                )
            })?;
        names.extend(
            page.buckets()
                .iter()
                .filter_map(|b| Some((b.name()?.to_string(), non_empty(b.bucket_region())))),
        );
        token = page.continuation_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    Ok(names)
}

/// HeadBucket, for a bucket no audited account owns: 404 means it is gone;
/// any other answer from S3 (200, 301 to its region, 403) means it exists.
pub async fn bucket_exists(cx: &Collector, session: &Session, name: &str) -> Fact<bool> {
    let client = session.s3(&cx.global_region);
    match cx.call(client.head_bucket().bucket(name).send()).await {
        Ok(_) => Fact::Value(true),
        Err(err) => match (status_of(&err), code_of(&err)) {
            (_, Some("NoSuchBucket")) | (Some(404), _) => Fact::Value(false),
            (Some(301 | 403), _) => Fact::Value(true),
            _ => Fact::Error(cx.fail(
                &Site::new(&session.account_id, &cx.global_region, ops::S3_HEAD_BUCKET),
                &err,
            )),
        },
    }
}

/// Facts of a bucket whose owner could not be determined: `exists` is
/// known, everything else carries `why`.
pub fn unowned_bucket(name: &str, why: &CollectionError, exists: Fact<bool>) -> BucketFacts {
    fn e<T>(why: &CollectionError) -> Fact<T> {
        Fact::Error(why.clone())
    }
    BucketFacts {
        name: name.to_string(),
        owner_account_id: Fact::Error(why.clone()),
        exists,
        region: e(why),
        policy_is_public: e(why),
        acl_grants: e(why),
        public_access_block: e(why),
        logging_target: e(why),
        versioning: e(why),
        object_lock: e(why),
        lifecycle_rules: e(why),
    }
}

/// The region a bucket lives in, when ListBuckets did not say: its
/// GetBucketLocation in the global region. A bucket in an opt-in region
/// answers a request sent elsewhere with `400 IllegalLocationConstraint
/// Exception` or a `301` redirect, each carrying its region in
/// `x-amz-bucket-region` (S3 user guide, "Making requests" and opt-in
/// Regions): that header then gives the region, so a readable bucket is
/// never an `error` for being far away.
pub(super) async fn bucket_region(
    cx: &Collector,
    owner: &Session,
    name: &str,
) -> Result<String, CollectionError> {
    let answer = cx
        .call(
            owner
                .s3(&cx.global_region)
                .get_bucket_location()
                .bucket(name)
                .send(),
        )
        .await;
    match answer {
        Ok(out) => Ok(location_region(
            out.location_constraint().map(|c| c.as_str()),
        )),
        Err(err) => {
            if let Some(region) = err
                .raw_response()
                .and_then(|r| r.headers().get("x-amz-bucket-region"))
                .filter(|r| !r.trim().is_empty())
            {
                return Ok(region.trim().to_string());
            }
            Err(cx.fail(
                &Site::new(
                    &owner.account_id,
                    &cx.global_region,
                    ops::S3_GET_BUCKET_LOCATION,
                ),
                &err,
            ))
        }
    }
}

/// Reads an owned bucket with its owner's credentials in the bucket's
/// region (`listed_region`, ListBuckets' `BucketRegion`, else
/// [`bucket_region`]), every setting concurrently.
pub async fn owned_bucket(
    cx: &Collector,
    owner: &Session,
    name: &str,
    listed_region: Option<&str>,
) -> BucketFacts {
    let account = owner.account_id.as_str();
    let region = match listed_region {
        Some(region) => region.to_string(),
        None => match bucket_region(cx, owner, name).await {
            Ok(region) => region,
            Err(e) => {
                let mut facts = unowned_bucket(name, &e, Fact::Value(true));
                facts.owner_account_id = Fact::Value(account.to_string());
                return facts;
            }
        },
    };
    let client = owner.s3(&region);
    let site = |op| Site::new(account, &region, op);

    let policy_is_public = async {
        match cx
            .call(client.get_bucket_policy_status().bucket(name).send())
            .await
        {
            Ok(out) => Fact::Value(
                out.policy_status()
                    .and_then(|s| s.is_public())
                    .unwrap_or(false),
            ),
            // No bucket policy: the policy cannot make it public.
            Err(err) if code_of(&err) == Some("NoSuchBucketPolicy") => Fact::Value(false),
            Err(err) => Fact::Error(cx.fail(&site(ops::S3_GET_BUCKET_POLICY_STATUS), &err)),
        }
    };
    let acl_grants = async {
        match cx.call(client.get_bucket_acl().bucket(name).send()).await {
            Ok(out) => {
                let mut grants: Vec<AclGrant> = out
                    .grants()
                    .iter()
                    .filter_map(|g| {
                        let grantee = g.grantee()?;
                        let who = grantee
                            .uri()
                            .or(grantee.id())
                            .or(grantee.email_address())
                            .unwrap_or_default();
                        Some(AclGrant {
                            grantee_type: grantee.r#type().as_str().to_string(),
                            grantee: who.to_string(),
                            permission: g
                                .permission()
                                .map(|p| p.as_str().to_string())
                                .unwrap_or_default(),
                        })
                    })
                    .collect();
                grants.sort_by(|a, b| {
                    (&a.grantee_type, &a.grantee, &a.permission).cmp(&(
                        &b.grantee_type,
                        &b.grantee,
                        &b.permission,
                    ))
                });
                Fact::Value(grants)
            }
            Err(err) => Fact::Error(cx.fail(&site(ops::S3_GET_BUCKET_ACL), &err)),
        }
    };
    let public_access_block =
        async {
            match cx
                .call(client.get_public_access_block().bucket(name).send())
                .await
            {
                Ok(out) => Fact::Value(out.public_access_block_configuration().map(|c| {
                    PublicAccessBlock {
                        block_public_acls: c.block_public_acls().unwrap_or(false),
                        ignore_public_acls: c.ignore_public_acls().unwrap_or(false),
                        block_public_policy: c.block_public_policy().unwrap_or(false),
                        restrict_public_buckets: c.restrict_public_buckets().unwrap_or(false),
                    }
                })),
                Err(err) if code_of(&err) == Some("NoSuchPublicAccessBlockConfiguration") => {
                    Fact::Value(None)
                }
                Err(err) => Fact::Error(cx.fail(&site(ops::S3_GET_PUBLIC_ACCESS_BLOCK), &err)),
            }
        };
    let logging_target = async {
        match cx
            .call(client.get_bucket_logging().bucket(name).send())
            .await
        {
            Ok(out) => Fact::Value(
                out.logging_enabled()
                    .and_then(|l| non_empty(Some(l.target_bucket()))),
            ),
            Err(err) => Fact::Error(cx.fail(&site(ops::S3_GET_BUCKET_LOGGING), &err)),
        }
    };
    let versioning = async {
        match cx
            .call(client.get_bucket_versioning().bucket(name).send())
            .await
        {
            Ok(out) => Fact::Value(BucketVersioning {
                status: out.status().map(|s| s.as_str().to_string()),
                mfa_delete: out.mfa_delete().map(|s| s.as_str().to_string()),
            }),
            Err(err) => Fact::Error(cx.fail(&site(ops::S3_GET_BUCKET_VERSIONING), &err)),
        }
    };
    let object_lock = async {
        match cx
            .call(client.get_object_lock_configuration().bucket(name).send())
            .await
        {
            Ok(out) => Fact::Value(out.object_lock_configuration().map(|c| {
                let retention = c.rule().and_then(|r| r.default_retention());
                ObjectLock {
                    enabled: c
                        .object_lock_enabled()
                        .is_some_and(|e| e.as_str() == "Enabled"),
                    default_retention_mode: retention
                        .and_then(|r| r.mode())
                        .map(|m| m.as_str().to_string()),
                    default_retention_days: retention.and_then(|r| r.days()),
                    default_retention_years: retention.and_then(|r| r.years()),
                }
            })),
            Err(err) if code_of(&err) == Some("ObjectLockConfigurationNotFoundError") => {
                Fact::Value(None)
            }
            Err(err) => Fact::Error(cx.fail(&site(ops::S3_GET_OBJECT_LOCK_CONFIGURATION), &err)),
        }
    };
    let lifecycle_rules = async {
        match cx
            .call(
                client
                    .get_bucket_lifecycle_configuration()
                    .bucket(name)
                    .send(),
            )
            .await
        {
            Ok(out) => Fact::Value(out.rules().iter().map(lifecycle_rule).collect()),
            Err(err) if code_of(&err) == Some("NoSuchLifecycleConfiguration") => {
                Fact::Value(Vec::new())
            }
            Err(err) => {
                Fact::Error(cx.fail(&site(ops::S3_GET_BUCKET_LIFECYCLE_CONFIGURATION), &err))
            }
        }
    };
    let (policy_is_public, acl_grants, public_access_block, logging_target) = futures::join!(
        policy_is_public,
        acl_grants,
        public_access_block,
        logging_target
    );
    let (versioning, object_lock, lifecycle_rules) =
        futures::join!(versioning, object_lock, lifecycle_rules);
    BucketFacts {
        name: name.to_string(),
        owner_account_id: Fact::Value(account.to_string()),
        exists: Fact::Value(true),
        region: Fact::Value(region.clone()),
        policy_is_public,
        acl_grants,
        public_access_block,
        logging_target,
        versioning,
        object_lock,
        lifecycle_rules,
    }
}

/// GetBucketLocation's answer as a region: none or empty is us-east-1, the
/// legacy `EU` is eu-west-1.
pub fn location_region(constraint: Option<&str>) -> String {
    match constraint.map(str::trim) {
        None | Some("") => "us-east-1".to_string(),
        Some("EU") => "eu-west-1".to_string(),
        Some(region) => region.to_string(),
    }
}

/// The prefix a rule applies to: the filter's, the legacy `Prefix`, or the
/// whole bucket when it filters only by tag or size (which may include logs).
fn lifecycle_rule(rule: &aws_sdk_s3::types::LifecycleRule) -> LifecycleRule {
    let filter = rule.filter();
    #[allow(deprecated)]
    let prefix = filter
        .and_then(|f| f.prefix().or_else(|| f.and().and_then(|a| a.prefix())))
        .or(rule.prefix())
        .unwrap_or_default()
        .to_string();
    LifecycleRule {
        id: non_empty(rule.id()),
        status: rule.status().as_str().to_string(),
        prefix: Some(prefix),
        expiration_days: rule.expiration().and_then(|e| e.days()),
        expiration_date: time(rule.expiration().and_then(|e| e.date())),
        noncurrent_version_expiration_days: rule
            .noncurrent_version_expiration()
            .and_then(|n| n.noncurrent_days()),
    }
}

/// The account-level S3 Block Public Access; `None` when not configured.
pub async fn account_public_access_block(
    cx: &Collector,
    session: &Session,
) -> Fact<Option<PublicAccessBlock>> {
    let client = session.s3control(&cx.global_region);
    match cx
        .call(
            client
                .get_public_access_block()
                .account_id(&session.account_id)
                .send(),
        )
        .await
    {
        Ok(out) => {
            Fact::Value(
                out.public_access_block_configuration()
                    .map(|c| PublicAccessBlock {
                        block_public_acls: c.block_public_acls().unwrap_or(false),
                        ignore_public_acls: c.ignore_public_acls().unwrap_or(false),
                        block_public_policy: c.block_public_policy().unwrap_or(false),
                        restrict_public_buckets: c.restrict_public_buckets().unwrap_or(false),
                    }),
            )
        }
        Err(err) if code_of(&err) == Some("NoSuchPublicAccessBlockConfiguration") => {
            Fact::Value(None)
        }
        Err(err) => Fact::Error(cx.fail(
            &Site::new(
                &session.account_id,
                &cx.global_region,
                ops::S3CONTROL_GET_PUBLIC_ACCESS_BLOCK,
            ),
            &err,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_locations_map_to_regions() {
        assert_eq!(location_region(None), "us-east-1");
        assert_eq!(location_region(Some("")), "us-east-1");
        assert_eq!(location_region(Some("EU")), "eu-west-1");
        assert_eq!(location_region(Some("ap-south-1")), "ap-south-1");
    }

    #[test]
    fn lifecycle_prefix_comes_from_the_filter() {
        use aws_sdk_s3::types::{
            ExpirationStatus, LifecycleExpiration, LifecycleRule as Rule, LifecycleRuleFilter,
        };
        let rule = Rule::builder()
            .status(ExpirationStatus::Enabled)
            .filter(LifecycleRuleFilter::builder().prefix("AWSLogs/").build())
            .expiration(LifecycleExpiration::builder().days(30).build())
            .build()
            .unwrap();
        let got = lifecycle_rule(&rule);
        assert_eq!(got.prefix.as_deref(), Some("AWSLogs/"));
        assert_eq!(got.expiration_days, Some(30));
        assert_eq!(got.status, "Enabled");
        let whole = Rule::builder()
            .status(ExpirationStatus::Disabled)
            .build()
            .unwrap();
        assert_eq!(lifecycle_rule(&whole).prefix.as_deref(), Some(""));
    }
}
