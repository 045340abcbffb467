//! `trail-bucket-not-public`: a public trail bucket hands an attacker the
//! account's full API history — its users, roles, resources and weak spots
//! (CloudTrail.6).

use super::assessment::Assessment;
use super::support::{not_collected, per_bucket, Verdict};
use super::Context;
use crate::finding::Finding;
use crate::snapshot::{BucketFacts, Fact, PublicAccessBlock};

pub const ID: &str = "trail-bucket-not-public";

/// ACL grantee groups that make a bucket public.
const PUBLIC_GROUPS: &[&str] = &[
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
];

pub fn run(cx: &Context) -> Vec<Finding> {
    per_bucket(cx, ID, |bucket| decide(cx, bucket))
}

/// `Some(true)` when either level sets the flag, `Some(false)` when both
/// are known not to, `None` when it depends on a level that is unknown.
fn either(bucket: Option<Option<bool>>, account: Option<Option<bool>>) -> Option<bool> {
    // Outer None: unknown; inner None: not configured (false).
    let b = bucket.map(|v| v.unwrap_or(false));
    let a = account.map(|v| v.unwrap_or(false));
    match (b, a) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

fn decide(cx: &Context, bucket: &BucketFacts) -> Verdict {
    let mut a = Assessment::new();
    let name = bucket.name.as_str();
    let bucket_pab: Option<Option<PublicAccessBlock>> = a
        .read(
            &bucket.public_access_block,
            "the bucket's Block Public Access",
        )
        .copied();
    a.note(
        "bucket_public_access_block",
        bucket.public_access_block.value(),
    );
    // Account-level Block Public Access of the bucket's owner.
    let account_pab: Option<Option<PublicAccessBlock>> = match bucket.owner_account_id.as_result() {
        Err(e) => {
            a.unknown(
                "the bucket's owner (and its account-level Block Public Access)",
                e.clone(),
            );
            None
        }
        Ok(owner) => match cx
            .account(owner)
            .and_then(|acc| acc.public_access_block.as_ref())
        {
            Some(Fact::Value(pab)) => Some(*pab),
            Some(Fact::Error(e)) => {
                a.unknown("the owner's account-level Block Public Access", e.clone());
                None
            }
            None => {
                a.unknown(
                    "the owner's account-level Block Public Access",
                    not_collected(
                        owner,
                        None,
                        "s3control",
                        "GetPublicAccessBlock",
                        "the owner's account-level Block Public Access",
                    ),
                );
                None
            }
        },
    };
    a.note("account_public_access_block", account_pab);
    a.note("owner_account_id", bucket.owner_account_id.value());
    let restrict = either(
        bucket_pab.map(|p| p.map(|p| p.restrict_public_buckets)),
        account_pab.map(|p| p.map(|p| p.restrict_public_buckets)),
    );
    let ignore_acls = either(
        bucket_pab.map(|p| p.map(|p| p.ignore_public_acls)),
        account_pab.map(|p| p.map(|p| p.ignore_public_acls)),
    );

    a.note("policy_is_public", bucket.policy_is_public.value());
    a.note("acl_grants", bucket.acl_grants.value());
    if let Some(public) = a.read(&bucket.policy_is_public, "the bucket's policy status") {
        if *public {
            match restrict {
                Some(true) => {}
                Some(false) => a.fail(format!(
                    "bucket {name}'s policy is public and RestrictPublicBuckets is off at bucket and account level"
                )),
                None => a.unknown(
                    "whether RestrictPublicBuckets mitigates the public policy",
                    not_collected(
                        bucket.owner_account_id.value().map(String::as_str).unwrap_or("-"),
                        None,
                        "s3",
                        "GetPublicAccessBlock",
                        "a Block Public Access level",
                    ),
                ),
            }
        }
    }
    if let Some(grants) = a.read(&bucket.acl_grants, "the bucket's ACL") {
        let public: Vec<_> = grants
            .iter()
            .filter(|g| g.grantee_type == "Group" && PUBLIC_GROUPS.contains(&g.grantee.as_str()))
            .collect();
        a.note("public_acl_grants", &public);
        if !public.is_empty() {
            let who = public
                .iter()
                .map(|g| {
                    format!(
                        "{} {}",
                        g.grantee.rsplit('/').next().unwrap_or(""),
                        g.permission
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            match ignore_acls {
                Some(true) => {}
                Some(false) => a.fail(format!(
                    "bucket {name}'s ACL grants {who} and IgnorePublicAcls is off at bucket and account level"
                )),
                None => a.unknown(
                    "whether IgnorePublicAcls mitigates the public ACL",
                    not_collected(
                        bucket.owner_account_id.value().map(String::as_str).unwrap_or("-"),
                        None,
                        "s3",
                        "GetPublicAccessBlock",
                        "a Block Public Access level",
                    ),
                ),
            }
        }
    }
    a.note("restrict_public_buckets", restrict);
    a.note("ignore_public_acls", ignore_acls);
    a.into_verdict(format!("bucket {name} is not public by policy or ACL"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::finding::Status;
    use crate::snapshot::AclGrant;

    fn public_read_grant() -> AclGrant {
        AclGrant {
            grantee_type: "Group".to_string(),
            grantee: "http://acs.amazonaws.com/groups/global/AllUsers".to_string(),
            permission: "READ".to_string(),
        }
    }

    fn no_blocks(s: &mut crate::snapshot::Snapshot) {
        only_bucket(s).public_access_block = Fact::Value(None);
        s.accounts[0].public_access_block = Some(Fact::Value(None));
    }

    #[test]
    fn passes_a_private_bucket_with_all_evidence() {
        let findings = run_check(super::run, &single_account());
        assert_eq!(
            statuses(&findings),
            vec![(ACCOUNT.to_string(), Status::Pass)]
        );
        let e = &findings[0].evidence;
        assert_eq!(findings[0].resource, format!("arn:aws:s3:::{BUCKET}"));
        assert_eq!(e["policy_is_public"], false);
        assert!(e["public_acl_grants"].as_array().unwrap().is_empty());
        assert_eq!(
            e["bucket_public_access_block"]["restrict_public_buckets"],
            true
        );
        assert_eq!(e["account_public_access_block"]["ignore_public_acls"], true);
    }

    #[test]
    fn fails_a_public_policy_without_restrict_public_buckets() {
        let mut s = single_account();
        no_blocks(&mut s);
        only_bucket(&mut s).policy_is_public = Fact::Value(true);
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Fail);
        assert!(findings[0].message.contains("policy is public"));
    }

    #[test]
    fn a_public_policy_is_mitigated_by_restrict_public_buckets_at_either_level() {
        for at_bucket in [true, false] {
            let mut s = single_account();
            no_blocks(&mut s);
            let block = Some(crate::snapshot::PublicAccessBlock {
                restrict_public_buckets: true,
                ..Default::default()
            });
            if at_bucket {
                only_bucket(&mut s).public_access_block = Fact::Value(block);
            } else {
                s.accounts[0].public_access_block = Some(Fact::Value(block));
            }
            only_bucket(&mut s).policy_is_public = Fact::Value(true);
            assert_eq!(
                run_check(super::run, &s)[0].status,
                Status::Pass,
                "at_bucket = {at_bucket}"
            );
        }
    }

    #[test]
    fn fails_a_public_acl_grant_unless_ignored() {
        for group in ["AllUsers", "AuthenticatedUsers"] {
            let mut s = single_account();
            no_blocks(&mut s);
            let mut grant = public_read_grant();
            grant.grantee = format!("http://acs.amazonaws.com/groups/global/{group}");
            if let Fact::Value(grants) = &mut only_bucket(&mut s).acl_grants {
                grants.push(grant);
            }
            let findings = run_check(super::run, &s);
            assert_eq!(findings[0].status, Status::Fail, "{group}");
            assert!(findings[0].message.contains(group));
            s.accounts[0].public_access_block = Some(Fact::Value(Some(all_blocked())));
            assert_eq!(
                run_check(super::run, &s)[0].status,
                Status::Pass,
                "{group} ignored"
            );
        }
    }

    #[test]
    fn the_log_delivery_group_is_not_public() {
        let mut s = single_account();
        no_blocks(&mut s);
        if let Fact::Value(grants) = &mut only_bucket(&mut s).acl_grants {
            grants.push(AclGrant {
                grantee_type: "Group".to_string(),
                grantee: "http://acs.amazonaws.com/groups/s3/LogDelivery".to_string(),
                permission: "WRITE".to_string(),
            });
        }
        assert_eq!(run_check(super::run, &s)[0].status, Status::Pass);
    }

    #[test]
    fn a_known_public_path_fails_even_when_another_fact_errored() {
        let mut s = single_account();
        no_blocks(&mut s);
        only_bucket(&mut s).policy_is_public = Fact::Value(true);
        only_bucket(&mut s).acl_grants = Fact::Error(access_denied(ACCOUNT, "s3", "GetBucketAcl"));
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Fail);
        assert_eq!(
            findings[0].evidence["collection_error"]["operation"],
            "GetBucketAcl"
        );
    }

    #[test]
    fn errors_when_the_policy_status_is_unreadable() {
        let mut s = single_account();
        only_bucket(&mut s).policy_is_public =
            Fact::Error(access_denied(ACCOUNT, "s3", "GetBucketPolicyStatus"));
        assert_eq!(run_check(super::run, &s)[0].status, Status::Error);
    }

    #[test]
    fn errors_when_a_public_policy_might_be_mitigated_by_an_unreadable_level() {
        let mut s = single_account();
        only_bucket(&mut s).public_access_block = Fact::Value(None);
        s.accounts[0].public_access_block = Some(Fact::Error(access_denied(
            ACCOUNT,
            "s3control",
            "GetPublicAccessBlock",
        )));
        only_bucket(&mut s).policy_is_public = Fact::Value(true);
        assert_eq!(run_check(super::run, &s)[0].status, Status::Error);
    }

    #[test]
    fn errors_for_a_cross_account_bucket_out_of_scope() {
        let mut s = single_account();
        let outsider = "333333333333";
        let bucket = only_bucket(&mut s);
        bucket.owner_account_id = Fact::Error(out_of_scope(outsider, "s3", "GetBucketAcl"));
        bucket.policy_is_public =
            Fact::Error(out_of_scope(outsider, "s3", "GetBucketPolicyStatus"));
        bucket.acl_grants = Fact::Error(out_of_scope(outsider, "s3", "GetBucketAcl"));
        bucket.public_access_block =
            Fact::Error(out_of_scope(outsider, "s3", "GetPublicAccessBlock"));
        bucket.region = Fact::Error(out_of_scope(outsider, "s3", "GetBucketLocation"));
        let findings = run_check(super::run, &s);
        assert_eq!(
            statuses(&findings),
            vec![(ACCOUNT.to_string(), Status::Error)]
        );
        assert_eq!(
            findings[0].evidence["collection_error"]["code"],
            "OutOfScope"
        );
    }

    #[test]
    fn a_shared_bucket_is_judged_once() {
        let mut s = organization(true);
        add_trail(&mut s, MEMBER, REGION, "member-trail");
        let findings = run_check(super::run, &s);
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(
            findings[0].evidence["bucket"]["trails"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
    }
}
