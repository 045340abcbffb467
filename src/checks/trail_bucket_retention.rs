//! `trail-bucket-retention`: investigations and regulators reach back a
//! year or more; a lifecycle rule that expires log files (or their
//! noncurrent versions) sooner silently destroys that evidence.

use super::support::{fact, per_bucket, trails_writing_to, Verdict};
use super::Context;
use crate::finding::Finding;
use crate::snapshot::{BucketFacts, LifecycleRule};
use serde_json::json;

pub const ID: &str = "trail-bucket-retention";

pub fn run(cx: &Context) -> Vec<Finding> {
    per_bucket(cx, ID, |bucket| decide(cx, bucket))
}

/// Where CloudTrail writes in the bucket: `<prefix>/AWSLogs/`.
fn log_path(prefix: Option<&str>) -> String {
    match prefix
        .map(|p| p.trim_end_matches('/'))
        .filter(|p| !p.is_empty())
    {
        Some(p) => format!("{p}/AWSLogs/"),
        None => "AWSLogs/".to_string(),
    }
}

/// Whether a rule's prefix filter reaches any log object: a whole-bucket
/// rule, a prefix above the log path, or one inside it.
fn applies(rule: &LifecycleRule, log_paths: &[String]) -> bool {
    let prefix = rule.prefix.as_deref().unwrap_or("");
    prefix.is_empty()
        || log_paths.is_empty()
        || log_paths
            .iter()
            .any(|path| path.starts_with(prefix) || prefix.starts_with(path.as_str()))
}

/// Why a rule deletes log data too early, if it does.
fn offences(rule: &LifecycleRule, min_days: i32) -> Vec<String> {
    let mut why = Vec::new();
    if let Some(date) = rule.expiration_date {
        why.push(format!(
            "expires objects on {} whatever their age",
            date.date_naive()
        ));
    }
    if let Some(days) = rule.expiration_days.filter(|d| *d < min_days) {
        why.push(format!("expires objects after {days} days"));
    }
    if let Some(days) = rule
        .noncurrent_version_expiration_days
        .filter(|d| *d < min_days)
    {
        why.push(format!("expires noncurrent versions after {days} days"));
    }
    why
}

fn decide(cx: &Context, bucket: &BucketFacts) -> Verdict {
    let rules = match fact(
        &bucket.lifecycle_rules,
        "the bucket's lifecycle configuration",
    ) {
        Ok(rules) => rules,
        Err(verdict) => return verdict,
    };
    let min_days = cx.params.min_log_retention_days;
    let mut log_paths: Vec<String> = trails_writing_to(cx, &bucket.name)
        .iter()
        .filter_map(|t| t.config.value())
        .map(|c| log_path(c.s3_key_prefix.as_deref()))
        .collect();
    log_paths.sort();
    log_paths.dedup();
    let offending: Vec<_> = rules
        .iter()
        .filter(|r| r.status.eq_ignore_ascii_case("Enabled") && applies(r, &log_paths))
        .filter_map(|r| {
            let why = offences(r, min_days);
            (!why.is_empty()).then(|| json!({ "rule": r, "reasons": why }))
        })
        .collect();
    let evidence = json!({
        "min_log_retention_days": min_days,
        "log_paths": log_paths,
        "lifecycle_rules": rules,
        "offending_rules": offending,
    });
    if offending.is_empty() {
        Verdict::pass(
            format!(
                "no enabled lifecycle rule of bucket {} deletes log files sooner than {min_days} days",
                bucket.name
            ),
            evidence,
        )
    } else {
        let names: Vec<String> = offending
            .iter()
            .map(|o| {
                format!(
                    "rule {} {}",
                    o["rule"]["id"].as_str().unwrap_or("(unnamed)"),
                    o["reasons"]
                        .as_array()
                        .map(|r| r
                            .iter()
                            .filter_map(|v| v.as_str())
                            .collect::<Vec<_>>()
                            .join(" and "))
                        .unwrap_or_default()
                )
            })
            .collect();
        Verdict::fail(
            format!(
                "bucket {} deletes log files sooner than {min_days} days: {}",
                bucket.name,
                names.join("; ")
            ),
            evidence,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::finding::Status;
    use crate::snapshot::Fact;

    fn rule(
        id: &str,
        status: &str,
        prefix: Option<&str>,
        days: Option<i32>,
        noncurrent: Option<i32>,
    ) -> LifecycleRule {
        LifecycleRule {
            id: Some(id.to_string()),
            status: status.to_string(),
            prefix: prefix.map(str::to_string),
            expiration_days: days,
            expiration_date: None,
            noncurrent_version_expiration_days: noncurrent,
        }
    }

    fn with_rules(rules: Vec<LifecycleRule>) -> crate::snapshot::Snapshot {
        let mut s = single_account();
        only_bucket(&mut s).lifecycle_rules = Fact::Value(rules);
        s
    }

    #[test]
    fn passes_long_retention_and_no_rules() {
        let findings = run_check(super::run, &single_account());
        assert_eq!(
            statuses(&findings),
            vec![(ACCOUNT.to_string(), Status::Pass)]
        );
        assert_eq!(findings[0].evidence["log_paths"][0], "AWSLogs/");
        assert_eq!(
            run_check(super::run, &with_rules(vec![]))[0].status,
            Status::Pass
        );
    }

    #[test]
    fn fails_a_whole_bucket_rule_expiring_early() {
        let findings = run_check(
            super::run,
            &with_rules(vec![rule("short", "Enabled", Some(""), Some(90), None)]),
        );
        assert_eq!(findings[0].status, Status::Fail);
        assert!(
            findings[0]
                .message
                .contains("rule short expires objects after 90 days"),
            "{}",
            findings[0].message
        );
        assert_eq!(
            findings[0].evidence["offending_rules"][0]["rule"]["id"],
            "short"
        );
    }

    #[test]
    fn fails_noncurrent_version_expiry_and_date_based_expiry() {
        let s = with_rules(vec![rule("nc", "Enabled", None, None, Some(30))]);
        assert_eq!(run_check(super::run, &s)[0].status, Status::Fail);
        let mut dated = rule("dated", "Enabled", None, None, None);
        dated.expiration_date = Some(now() + chrono::Duration::days(3650));
        let findings = run_check(super::run, &with_rules(vec![dated]));
        assert_eq!(findings[0].status, Status::Fail);
        assert!(findings[0].message.contains("whatever their age"));
    }

    #[test]
    fn ignores_disabled_rules_and_rules_for_other_prefixes() {
        let s = with_rules(vec![
            rule("off", "Disabled", None, Some(1), None),
            rule("tmp", "Enabled", Some("tmp/"), Some(1), Some(1)),
        ]);
        assert_eq!(run_check(super::run, &s)[0].status, Status::Pass);
    }

    #[test]
    fn rules_overlapping_the_log_path_apply() {
        for prefix in ["AWSLogs/", "AWSLogs/111111111111/", "AWS"] {
            let s = with_rules(vec![rule(
                "overlap",
                "Enabled",
                Some(prefix),
                Some(30),
                None,
            )]);
            assert_eq!(
                run_check(super::run, &s)[0].status,
                Status::Fail,
                "{prefix}"
            );
        }
    }

    #[test]
    fn follows_the_trail_key_prefix() {
        let mut s = with_rules(vec![rule(
            "prefixed",
            "Enabled",
            Some("cloudtrail/AWSLogs/"),
            Some(30),
            None,
        )]);
        assert_eq!(
            run_check(super::run, &s)[0].status,
            Status::Pass,
            "rule outside AWSLogs/"
        );
        only_trail_config(&mut s).s3_key_prefix = Some("cloudtrail".to_string());
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Fail);
        assert_eq!(findings[0].evidence["log_paths"][0], "cloudtrail/AWSLogs/");
    }

    #[test]
    fn the_minimum_is_a_parameter() {
        let s = with_rules(vec![rule("r", "Enabled", None, Some(400), None)]);
        assert_eq!(run_check(super::run, &s)[0].status, Status::Pass);
        let mut params = params();
        params.min_log_retention_days = 500;
        let cx = crate::checks::Context::new(&s, &params);
        assert_eq!(super::run(&cx)[0].status, Status::Fail);
    }

    #[test]
    fn errors_when_unreadable() {
        let mut s = single_account();
        only_bucket(&mut s).lifecycle_rules = Fact::Error(access_denied(
            ACCOUNT,
            "s3",
            "GetBucketLifecycleConfiguration",
        ));
        assert_eq!(run_check(super::run, &s)[0].status, Status::Error);
    }
}
