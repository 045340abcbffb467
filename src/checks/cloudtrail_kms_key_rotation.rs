//! `cloudtrail-kms-key-rotation`: a key that never rotates protects years
//! of logs with one piece of key material; yearly rotation bounds what one
//! exposed key version decrypts (CIS 3.6, KMS.4).

use super::assessment::Assessment;
use super::support::{not_collected, per_trail, Verdict};
use super::Context;
use crate::finding::Finding;
use crate::snapshot::{Fact, TrailFacts};
use serde_json::json;

pub const ID: &str = "cloudtrail-kms-key-rotation";

pub fn run(cx: &Context) -> Vec<Finding> {
    per_trail(cx, ID, |trail| decide(cx, trail))
}

fn decide(cx: &Context, trail: &TrailFacts) -> Verdict {
    let mut a = Assessment::new();
    let Some(config) = a.read(&trail.config, "the trail's configuration") else {
        return a.into_verdict("");
    };
    let Some(key_id) = config.kms_key_id.as_deref() else {
        return Verdict::not_applicable(
            "the trail does not use a KMS key (see cloudtrail-kms-encryption)",
            json!({ "kms_key_id": null }),
        );
    };
    a.note("kms_key_id", key_id);
    let Some(key) = cx.snapshot.kms_keys.get(key_id) else {
        a.unknown(
            "the trail's KMS key",
            not_collected(
                &trail.account_id,
                Some(&trail.home_region),
                "kms",
                "GetKeyRotationStatus",
                "the trail's KMS key",
            ),
        );
        return a.into_verdict("");
    };
    if let Fact::Value(None) = &key.metadata {
        a.fail(format!("KMS key {key_id} does not exist"));
        return a.into_verdict("");
    }
    if let Fact::Value(Some(metadata)) = &key.metadata {
        a.note("key_manager", &metadata.key_manager);
        a.note("key_spec", &metadata.key_spec);
    }
    if let Some(rotation) = a.read(&key.rotation_enabled, "the key's rotation status") {
        a.note("rotation_enabled", rotation);
        a.require(
            *rotation,
            format!("automatic rotation is disabled for KMS key {key_id}"),
        );
    }
    a.into_verdict(format!(
        "automatic rotation is enabled for KMS key {key_id}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::finding::Status;

    fn key_mut(s: &mut crate::snapshot::Snapshot) -> &mut crate::snapshot::KmsKeyFacts {
        s.kms_keys.values_mut().next().expect("fixture key")
    }

    #[test]
    fn passes_a_rotating_key() {
        let findings = run_check(super::run, &single_account());
        assert_eq!(
            statuses(&findings),
            vec![(ACCOUNT.to_string(), Status::Pass)]
        );
        assert_eq!(findings[0].evidence["rotation_enabled"], true);
    }

    #[test]
    fn fails_a_key_without_rotation() {
        let mut s = single_account();
        key_mut(&mut s).rotation_enabled = Fact::Value(false);
        assert_eq!(run_check(super::run, &s)[0].status, Status::Fail);
    }

    #[test]
    fn not_applicable_without_a_key() {
        let mut s = single_account();
        only_trail_config(&mut s).kms_key_id = None;
        assert_eq!(run_check(super::run, &s)[0].status, Status::NotApplicable);
    }

    #[test]
    fn fails_a_key_that_does_not_exist_even_if_rotation_is_unreadable() {
        let mut s = single_account();
        let key = key_mut(&mut s);
        key.metadata = Fact::Value(None);
        key.rotation_enabled = Fact::Error(access_denied(ACCOUNT, "kms", "GetKeyRotationStatus"));
        assert_eq!(run_check(super::run, &s)[0].status, Status::Fail);
    }

    #[test]
    fn errors_when_rotation_is_unreadable_or_the_key_not_collected() {
        let mut s = single_account();
        key_mut(&mut s).rotation_enabled =
            Fact::Error(access_denied(ACCOUNT, "kms", "GetKeyRotationStatus"));
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Error);
        assert_eq!(
            findings[0].evidence["collection_error"]["operation"],
            "GetKeyRotationStatus"
        );

        let mut s = single_account();
        s.kms_keys.clear();
        assert_eq!(run_check(super::run, &s)[0].status, Status::Error);
    }

    #[test]
    fn an_organization_trail_is_judged_for_every_member() {
        let findings = run_check(super::run, &organization(false));
        assert_eq!(
            statuses(&findings),
            vec![
                (ACCOUNT.to_string(), Status::Pass),
                (MEMBER.to_string(), Status::Pass)
            ]
        );
    }
}
