//! Shapes shared by check families: per-trail and per-bucket fan-out, the
//! "no trail at all" failure, and error findings from collection errors.

use super::Context;
use crate::finding::{EvidenceJson, Finding, SharedEvidence, Status};
use crate::snapshot::{BucketFacts, CollectionError, Fact, TrailFacts};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A check's decision about one resource, before it is fanned out to the
/// accounts it is reported under.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub status: Status,
    pub message: String,
    /// A JSON object with the facts decided on.
    pub evidence: Value,
}

impl Verdict {
    pub fn pass(message: impl Into<String>, evidence: Value) -> Self {
        Verdict {
            status: Status::Pass,
            message: message.into(),
            evidence,
        }
    }

    pub fn fail(message: impl Into<String>, evidence: Value) -> Self {
        Verdict {
            status: Status::Fail,
            message: message.into(),
            evidence,
        }
    }

    pub fn not_applicable(message: impl Into<String>, evidence: Value) -> Self {
        Verdict {
            status: Status::NotApplicable,
            message: message.into(),
            evidence,
        }
    }

    /// An `error` verdict: `what` could not be read because of `err`.
    pub fn error(what: &str, err: &CollectionError) -> Self {
        Verdict {
            status: Status::Error,
            message: format!("could not read {what}: {} ({})", err.code, err.message),
            evidence: json!({ "collection_error": err }),
        }
    }

    /// The same verdict, its message prefixed (context for the reader).
    pub fn with_message_prefix(mut self, prefix: &str) -> Self {
        self.message = format!("{prefix}{}", self.message);
        self
    }

    pub fn into_finding(self, check_id: &str, account_id: &str, resource: &str) -> Finding {
        Finding::new(check_id, self.status, account_id, resource, self.message)
            .with_evidence(self.evidence)
    }
}

/// The value of a fact, or an `error` verdict naming what could not be read.
/// Lets checks write `let config = fact(&trail.config, "the trail")?;`.
pub fn fact<'a, T>(fact: &'a Fact<T>, what: &str) -> Result<&'a T, Verdict> {
    fact.as_result().map_err(|e| Verdict::error(what, e))
}

/// The trail's identity and main settings, included in every per-trail
/// finding's evidence so a reader knows which trail was judged.
pub fn trail_summary(trail: &TrailFacts) -> Value {
    let mut summary = json!({
        "arn": trail.arn,
        "name": trail.name,
        "home_region": trail.home_region,
        "owner_account_id": trail.account_id,
    });
    if let Some(config) = trail.config.value() {
        summary["is_multi_region_trail"] = json!(config.is_multi_region_trail);
        summary["is_organization_trail"] = json!(config.is_organization_trail);
    }
    // Read through another account than its owner (a member's view, or a
    // CloudTrail delegated administrator's): the evidence says whose.
    if let Some(reader) = &trail.read_by {
        summary["read_by_account_id"] = json!(reader);
    }
    summary
}

/// Adds `key: value` to an evidence object (evidence is always an object).
pub fn with_key(mut evidence: Value, key: &str, value: Value) -> Value {
    if !evidence.is_object() {
        evidence = json!({ "value": evidence });
    }
    evidence[key] = value;
    evidence
}

/// The resource an account-level finding is about.
pub fn account_resource(cx: &Context, account_id: &str) -> String {
    format!("arn:{}:::{account_id}", cx.snapshot.partition)
}

/// For an account with no effective trail: a `fail` when its trails were
/// listed and there are none, an `error` when they could not be listed.
/// Also, when the listing failed but other views gave some trails, an
/// `error` that says the account's own trails are unknown.
pub(super) fn account_trail_coverage(
    cx: &Context,
    check_id: &str,
    account_id: &str,
    has_trails: bool,
) -> Option<Finding> {
    let account = cx.account(account_id)?;
    let resource = account_resource(cx, account_id);
    match (&account.trail_arns, has_trails) {
        (Fact::Value(_), true) => None,
        (Fact::Value(_), false) => Some(
            Verdict::fail(
                "no CloudTrail trail covers this account",
                json!({ "effective_trails": [], "trails_listed": account.trail_arns }),
            )
            .into_finding(check_id, account_id, &resource),
        ),
        (Fact::Error(e), _) => Some(
            Verdict::error("the account's trails", e).into_finding(check_id, account_id, &resource),
        ),
    }
}

/// Runs a per-trail decision once per effective trail and reports it under
/// every in-scope account the trail covers. An account with no effective
/// trail gets one `fail` (or `error` when its trails could not be listed).
pub fn per_trail(
    cx: &Context,
    check_id: &str,
    decide: impl Fn(&TrailFacts) -> Verdict,
) -> Vec<Finding> {
    // Decided once per trail; its evidence is shared by every account the
    // trail covers (an organization trail covers thousands).
    let mut decided: BTreeMap<&str, (Status, String, Arc<SharedEvidence>, EvidenceJson)> =
        BTreeMap::new();
    let mut findings = Vec::new();
    for account in cx.accounts() {
        let account_id = account.account_id.as_str();
        let trails = cx.effective_trails(account_id);
        findings.extend(account_trail_coverage(
            cx,
            check_id,
            account_id,
            !trails.is_empty(),
        ));
        for trail in trails {
            let (status, message, shared, reference) =
                decided.entry(trail.arn.as_str()).or_insert_with(|| {
                    let verdict = decide(trail);
                    let evidence = with_key(verdict.evidence, "trail", trail_summary(trail));
                    let shared = SharedEvidence::new(format!("{check_id}:{}", trail.arn), evidence);
                    let reference = EvidenceJson::of(&shared.reference());
                    (verdict.status, verdict.message, shared, reference)
                });
            findings.push(
                Finding::new(check_id, *status, account_id, &trail.arn, message.clone())
                    .with_evidence_json(reference.clone())
                    .with_shared([shared.clone()])
                    .in_region(trail.home_region.clone()),
            );
        }
    }
    findings
}

/// Runs a per-bucket decision once per trail bucket of the in-scope accounts'
/// effective trails, reported under the bucket's owner (or, when the owner is
/// unknown, under the first trail's owner). Accounts with no effective trail
/// get one `fail`, as for per-trail checks.
pub fn per_bucket(
    cx: &Context,
    check_id: &str,
    decide: impl Fn(&BucketFacts) -> Verdict,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    // Bucket name → (trail ARNs writing to it, account to report under).
    let mut buckets: BTreeMap<&str, (Vec<&str>, &str)> = BTreeMap::new();
    // Trail ARN → (first account it covers, trail, why its bucket is unknown).
    let mut unreadable: BTreeMap<&str, (&str, &TrailFacts, &CollectionError)> = BTreeMap::new();
    for account in cx.accounts() {
        let account_id = account.account_id.as_str();
        let trails = cx.effective_trails(account_id);
        findings.extend(account_trail_coverage(
            cx,
            check_id,
            account_id,
            !trails.is_empty(),
        ));
        for trail in trails {
            // A trail whose configuration is unreadable writes to a bucket
            // nobody can name: that is an error, not silence.
            if let Fact::Error(e) = &trail.config {
                unreadable
                    .entry(trail.arn.as_str())
                    .or_insert((account_id, trail, e));
                continue;
            }
            let Some(bucket) = trail
                .config
                .value()
                .and_then(|c| c.s3_bucket_name.as_deref())
            else {
                continue;
            };
            let entry = buckets
                .entry(bucket)
                .or_insert_with(|| (Vec::new(), trail.account_id.as_str()));
            if !entry.0.contains(&trail.arn.as_str()) {
                entry.0.push(trail.arn.as_str());
            }
        }
    }
    for (name, (trail_arns, fallback_account)) in buckets {
        let resource = format!("arn:{}:s3:::{name}", cx.snapshot.partition);
        let (verdict, account_id, region) = match cx.snapshot.buckets.get(name) {
            None => (
                Verdict::error(
                    "the bucket",
                    &CollectionError {
                        account_id: fallback_account.to_string(),
                        region: None,
                        service: "s3".to_string(),
                        operation: "-".to_string(),
                        code: "NotCollected".to_string(),
                        message: "the snapshot holds no facts about this trail bucket".to_string(),
                    },
                ),
                fallback_account,
                None,
            ),
            Some(bucket) => (
                decide(bucket),
                bucket
                    .owner_account_id
                    .value()
                    .map(String::as_str)
                    .unwrap_or(fallback_account),
                bucket.region.value().cloned(),
            ),
        };
        let evidence = with_key(
            verdict.evidence.clone(),
            "bucket",
            json!({ "name": name, "trails": trail_arns }),
        );
        let mut finding = Verdict {
            evidence,
            ..verdict
        }
        .into_finding(check_id, account_id, &resource);
        finding.region = region;
        findings.push(finding);
    }
    for (arn, (first_account, trail, e)) in unreadable {
        let account_id = if cx.account(&trail.account_id).is_some() {
            trail.account_id.as_str()
        } else {
            first_account
        };
        let verdict = Verdict::error("which bucket the trail writes to", e);
        let evidence = with_key(verdict.evidence.clone(), "trail", trail_summary(trail));
        findings.push(
            Verdict {
                evidence,
                ..verdict
            }
            .into_finding(check_id, account_id, arn)
            .in_region(trail.home_region.clone()),
        );
    }
    findings
}

/// A `NotCollected` error: the snapshot holds no facts about a resource a
/// check needs (fail closed rather than guess).
pub fn not_collected(
    account_id: &str,
    region: Option<&str>,
    service: &str,
    operation: &str,
    what: &str,
) -> CollectionError {
    CollectionError {
        account_id: account_id.to_string(),
        region: region.map(str::to_string),
        service: service.to_string(),
        operation: operation.to_string(),
        code: "NotCollected".to_string(),
        message: format!("the snapshot holds no facts about {what}"),
    }
}

/// Every trail in the snapshot writing to `bucket`, by ARN.
pub fn trails_writing_to<'a>(cx: &Context<'a>, bucket: &str) -> Vec<&'a TrailFacts> {
    cx.snapshot
        .trails
        .values()
        .filter(|t| {
            t.config
                .value()
                .is_some_and(|c| c.s3_bucket_name.as_deref() == Some(bucket))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::checks::testkit::*;
    use std::sync::Arc;

    /// An organization trail's evidence is built once and referred to by
    /// each covered account's finding, for per-trail and for
    /// "any effective trail" checks alike; resolved, it is the whole
    /// assessment.
    #[test]
    fn an_organization_trails_evidence_is_shared_by_the_accounts_it_covers() {
        let snapshot = organization(false);
        let params = params();
        let cx = crate::checks::Context::new(&snapshot, &params);
        for run in [
            crate::checks::cloudtrail_log_file_validation::run as crate::checks::CheckFn,
            crate::checks::cloudtrail_multi_region::run,
        ] {
            let findings = run(&cx);
            assert_eq!(findings.len(), 2);
            let (a, b) = (&findings[0], &findings[1]);
            assert_ne!(a.account_id, b.account_id);
            assert_eq!(a.shared.len(), 1);
            assert!(Arc::ptr_eq(&a.shared[0], &b.shared[0]), "{}", a.check_id);
            let key = a.shared[0].key.clone();
            assert!(key.ends_with(":arn:aws:cloudtrail:us-east-1:111111111111:trail/org-trail"));
            let evidence = a.evidence_value().to_string();
            assert!(evidence.contains(&key), "{evidence}");
            let resolved = a.resolved_evidence().to_string();
            assert!(!resolved.contains("shared_evidence"), "{resolved}");
            assert!(resolved.contains("\"owner_account_id\":\"111111111111\""));
        }
    }
}
