//! `cloudtrail-kms-encryption`: with SSE-KMS, reading the logs also needs
//! `kms:Decrypt` on the trail's key, a second, separately audited gate in
//! front of the most sensitive record of the account (CIS 3.5, CloudTrail.2).

use super::assessment::Assessment;
use super::support::{not_collected, per_trail, Verdict};
use super::Context;
use crate::finding::Finding;
use crate::snapshot::TrailFacts;

pub const ID: &str = "cloudtrail-kms-encryption";

pub fn run(cx: &Context) -> Vec<Finding> {
    per_trail(cx, ID, |trail| decide(cx, trail))
}

fn decide(cx: &Context, trail: &TrailFacts) -> Verdict {
    let mut a = Assessment::new();
    let Some(config) = a.read(&trail.config, "the trail's configuration") else {
        return a.into_verdict("");
    };
    a.note("kms_key_id", &config.kms_key_id);
    let Some(key_id) = config.kms_key_id.as_deref() else {
        a.fail("log files are not encrypted with SSE-KMS (no KmsKeyId)");
        return a.into_verdict("");
    };
    match cx.snapshot.kms_keys.get(key_id) {
        None => a.unknown(
            "the trail's KMS key",
            not_collected(
                &trail.account_id,
                Some(&trail.home_region),
                "kms",
                "DescribeKey",
                "the trail's KMS key",
            ),
        ),
        Some(key) => match a.read(&key.metadata, "the trail's KMS key") {
            None => {}
            Some(None) => a.fail(format!("KMS key {key_id} does not exist")),
            Some(Some(metadata)) => {
                a.note("key_arn", &metadata.arn);
                a.note("key_state", &metadata.key_state);
                a.note("key_manager", &metadata.key_manager);
                a.require(
                    metadata.key_state == "Enabled",
                    format!("KMS key {key_id} is {}", metadata.key_state),
                );
            }
        },
    }
    a.into_verdict(format!(
        "log files are encrypted with enabled KMS key {key_id}"
    ))
}

#[cfg(test)]
mod tests {
    use crate::checks::testkit::*;
    use crate::finding::Status;
    use crate::snapshot::Fact;

    fn key_mut(s: &mut crate::snapshot::Snapshot) -> &mut crate::snapshot::KmsKeyFacts {
        s.kms_keys.values_mut().next().expect("fixture key")
    }

    #[test]
    fn passes_an_enabled_key() {
        let findings = run_check(super::run, &single_account());
        assert_eq!(
            statuses(&findings),
            vec![(ACCOUNT.to_string(), Status::Pass)]
        );
        assert_eq!(findings[0].evidence["key_state"], "Enabled");
        assert_eq!(findings[0].evidence["trail"]["name"], "main");
    }

    #[test]
    fn fails_without_a_key() {
        let mut s = single_account();
        only_trail_config(&mut s).kms_key_id = None;
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Fail);
        assert!(findings[0].message.contains("SSE-KMS"));
    }

    #[test]
    fn fails_a_disabled_pending_deletion_or_missing_key() {
        for state in ["Disabled", "PendingDeletion"] {
            let mut s = single_account();
            if let Fact::Value(Some(m)) = &mut key_mut(&mut s).metadata {
                m.key_state = state.to_string();
                m.enabled = false;
            }
            let findings = run_check(super::run, &s);
            assert_eq!(findings[0].status, Status::Fail, "{state}");
            assert!(findings[0].message.contains(state));
        }
        let mut s = single_account();
        key_mut(&mut s).metadata = Fact::Value(None);
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Fail);
        assert!(findings[0].message.contains("does not exist"));
    }

    #[test]
    fn errors_when_the_key_is_unreadable_or_not_collected() {
        let mut s = single_account();
        key_mut(&mut s).metadata = Fact::Error(access_denied(ACCOUNT, "kms", "DescribeKey"));
        assert_eq!(run_check(super::run, &s)[0].status, Status::Error);

        let mut s = single_account();
        s.kms_keys.clear();
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Error);
        assert_eq!(
            findings[0].evidence["collection_error"]["code"],
            "NotCollected"
        );
    }

    #[test]
    fn errors_when_the_trail_is_unreadable() {
        let mut s = single_account();
        only_trail(&mut s).config =
            Fact::Error(access_denied(ACCOUNT, "cloudtrail", "DescribeTrails"));
        assert_eq!(run_check(super::run, &s)[0].status, Status::Error);
    }

    #[test]
    fn a_cross_account_key_out_of_scope_is_an_error() {
        let mut s = single_account();
        key_mut(&mut s).metadata = Fact::Error(out_of_scope("333333333333", "kms", "DescribeKey"));
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Error);
        assert_eq!(
            findings[0].evidence["collection_error"]["code"],
            "OutOfScope"
        );
    }

    #[test]
    fn an_organization_trail_is_judged_for_every_member() {
        for member_sees in [true, false] {
            assert_eq!(
                statuses(&run_check(super::run, &organization(member_sees))),
                vec![
                    (ACCOUNT.to_string(), Status::Pass),
                    (MEMBER.to_string(), Status::Pass)
                ]
            );
        }
    }
}
