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
fn account_trail_coverage(
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

/// How a decision over several facts came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Fail,
    /// Nothing known fails, but a needed fact could not be read.
    Unknown,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "yes",
            Outcome::Fail => "no",
            Outcome::Unknown => "unknown",
        }
    }
}

/// A decision built from several facts. Any known failing condition makes
/// it fail, whatever else could not be read (the failure is certain);
/// otherwise any unreadable fact makes it unknown (fail closed); otherwise
/// it passes. Every fact looked at goes into the evidence.
#[derive(Debug, Clone, Default)]
pub struct Assessment {
    problems: Vec<String>,
    errors: Vec<(String, CollectionError)>,
    evidence: serde_json::Map<String, Value>,
}

impl Assessment {
    pub fn new() -> Self {
        Self::default()
    }

    /// The fact's value, or `None` after recording why `what` is unknown.
    pub fn read<'a, T>(&mut self, fact: &'a Fact<T>, what: &str) -> Option<&'a T> {
        match fact {
            Fact::Value(v) => Some(v),
            Fact::Error(e) => {
                self.unknown(what, e.clone());
                None
            }
        }
    }

    /// Records that `what` could not be read.
    pub fn unknown(&mut self, what: &str, error: CollectionError) {
        self.errors.push((what.to_string(), error));
    }

    /// Records `problem` unless `ok`; returns `ok`.
    pub fn require(&mut self, ok: bool, problem: impl Into<String>) -> bool {
        if !ok {
            self.problems.push(problem.into());
        }
        ok
    }

    pub fn fail(&mut self, problem: impl Into<String>) {
        self.problems.push(problem.into());
    }

    /// Adds a fact to the evidence.
    pub fn note(&mut self, key: &str, value: impl serde::Serialize) {
        self.evidence.insert(
            key.to_string(),
            serde_json::to_value(value).unwrap_or(Value::Null),
        );
    }

    pub fn outcome(&self) -> Outcome {
        if !self.problems.is_empty() {
            Outcome::Fail
        } else if !self.errors.is_empty() {
            Outcome::Unknown
        } else {
            Outcome::Pass
        }
    }

    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    /// The evidence (see [`Assessment::into_evidence`]), moving the noted
    /// facts out: the outcome, problems and errors stay readable.
    pub fn take_evidence(&mut self) -> Value {
        Assessment {
            problems: self.problems.clone(),
            errors: self.errors.clone(),
            evidence: std::mem::take(&mut self.evidence),
        }
        .into_evidence()
    }

    /// The evidence: the facts noted, the problems found, and the
    /// collection errors met.
    fn into_evidence(self) -> Value {
        let mut evidence = Value::Object(self.evidence);
        if !self.problems.is_empty() {
            evidence["problems"] = json!(self.problems);
        }
        if let Some((_, first)) = self.errors.first() {
            evidence["collection_error"] = json!(first);
            evidence["collection_errors"] = json!(self
                .errors
                .iter()
                .map(|(what, e)| json!({ "what": what, "error": e }))
                .collect::<Vec<_>>());
        }
        evidence
    }

    /// Why the outcome is unknown, in one line.
    pub fn unknown_message(&self) -> String {
        match self.errors.first() {
            None => String::new(),
            Some((what, e)) => {
                let more = match self.errors.len() {
                    1 => String::new(),
                    n => format!(" (and {} more unreadable facts)", n - 1),
                };
                format!("could not read {what}: {} ({}){more}", e.code, e.message)
            }
        }
    }

    /// The verdict: `pass` with `pass_message`, `fail` naming the problems,
    /// or `error` naming what could not be read.
    pub fn into_verdict(self, pass_message: impl Into<String>) -> Verdict {
        let (status, message) = match self.outcome() {
            Outcome::Pass => (Status::Pass, pass_message.into()),
            Outcome::Fail => (Status::Fail, self.problems.join("; ")),
            Outcome::Unknown => (Status::Error, self.unknown_message()),
        };
        Verdict {
            status,
            message,
            evidence: self.into_evidence(),
        }
    }
}

/// Judges a multi-region trail's status in its other audited regions
/// (`TrailFacts::status_in_regions`): each region whose `error_of` reports
/// an error fails the assessment, naming the region; a region whose status
/// could not be read makes it unknown (fail closed). Every region's
/// `evidence_of` (or its collection error) goes to the evidence under
/// `status_in_other_regions`.
pub fn judge_other_regions(
    a: &mut Assessment,
    trail: &TrailFacts,
    what: &str,
    error_of: impl Fn(&crate::snapshot::TrailStatus) -> Option<&str>,
    evidence_of: impl Fn(&crate::snapshot::TrailStatus) -> Value,
) {
    if trail.status_in_regions.is_empty() {
        return;
    }
    let mut evidence = serde_json::Map::new();
    for (region, fact) in &trail.status_in_regions {
        match fact {
            Fact::Value(status) => {
                evidence.insert(region.clone(), evidence_of(status));
                if let Some(error) = error_of(status).filter(|e| !e.is_empty()) {
                    a.fail(format!("the latest {what} in {region} failed: {error}"));
                }
            }
            Fact::Error(e) => {
                evidence.insert(region.clone(), json!({ "collection_error": e }));
                a.unknown(&format!("the trail's status in {region}"), e.clone());
            }
        }
    }
    a.note("status_in_other_regions", Value::Object(evidence));
}

/// Whether a delivery is stale at `cx.params.now`: older than the
/// threshold; a missing delivery counts as stale only when logging started
/// more than the threshold ago (or the start is unknown and the trail is
/// not logging). Returns the verdict and the evidence (times, threshold, now).
pub fn delivery_staleness(
    cx: &Context,
    latest: Option<chrono::DateTime<chrono::Utc>>,
    status: &crate::snapshot::TrailStatus,
) -> (bool, Value) {
    let now = cx.params.now;
    let threshold = cx.params.stale_after();
    let (stale, why) = match (latest, status.start_logging_time) {
        (Some(t), _) => (now - t > threshold, "latest delivery time"),
        (None, Some(start)) => (now - start > threshold, "no delivery since logging started"),
        (None, None) => (!status.is_logging, "no delivery and no logging start time"),
    };
    (
        stale,
        json!({
            "latest_delivery_time": latest,
            "start_logging_time": status.start_logging_time,
            "is_logging": status.is_logging,
            "stale_after_hours": cx.params.stale_after_hours,
            "now": now,
            "judged_on": why,
            "stale": stale,
        }),
    )
}

/// For an account-level control met by any one effective trail: one finding
/// per account. `pass` when some trail qualifies; otherwise `error` when a
/// trail's needed fact (or the account's trail list) could not be read,
/// else `fail`. The evidence lists every effective trail and why it did or
/// did not qualify.
pub fn any_effective_trail(
    cx: &Context,
    check_id: &str,
    requirement: &str,
    assess: impl Fn(&TrailFacts) -> Assessment,
) -> Vec<Finding> {
    // An organization trail is effective for every member: assess each
    // trail once, not once per account (thousands of accounts, one trail),
    // and share its evidence among them.
    let mut assessments: std::collections::HashMap<&str, Arc<AssessedTrail>> =
        std::collections::HashMap::new();
    type VerdictKey<'k> = (Vec<&'k str>, Vec<&'k str>);
    let mut verdicts: std::collections::HashMap<VerdictKey, (Status, String, EvidenceJson)> =
        std::collections::HashMap::new();
    let mut findings = Vec::new();
    for account in cx.accounts() {
        let account_id = account.account_id.as_str();
        let assessed: Vec<Arc<AssessedTrail>> = cx
            .effective_trails(account_id)
            .into_iter()
            .map(|t| {
                assessments
                    .entry(t.arn.as_str())
                    .or_insert_with(|| Arc::new(AssessedTrail::new(check_id, t, assess(t))))
                    .clone()
            })
            .collect();
        let listing_error = account.trail_arns.error();
        // Organization trails credited to this account although its own
        // ListTrails did not show them: the evidence says so.
        let unlisted: Vec<&str> = assessed
            .iter()
            .map(|a| a.trail)
            .filter(|t| t.account_id != account_id && !t.seen_by.iter().any(|s| s == account_id))
            .map(|t| t.arn.as_str())
            .collect();
        // The verdict depends only on the trails, those credited unlisted,
        // and the listing error: the thousands of accounts an organization
        // trail alone covers share it.
        let key: Option<(Vec<&str>, Vec<&str>)> = listing_error.is_none().then(|| {
            (
                assessed.iter().map(|a| a.trail.arn.as_str()).collect(),
                unlisted.clone(),
            )
        });
        let decided = match key.as_ref().and_then(|k| verdicts.get(k)) {
            Some(decided) => decided.clone(),
            None => {
                let refs: Vec<&AssessedTrail> = assessed.iter().map(|a| a.as_ref()).collect();
                let mut verdict = trails_verdict(requirement, &refs, listing_error);
                if !unlisted.is_empty() {
                    verdict.evidence["credited_from_the_owner_view"] = json!({
                        "trails": unlisted,
                        "why": "organization trails of this account's organization, seen by their \
                                owner; this account's own ListTrails did not list them (AWS lists \
                                an organization trail to its members)",
                    });
                }
                let decided = (
                    verdict.status,
                    verdict.message,
                    EvidenceJson::of(&verdict.evidence),
                );
                if let Some(key) = key {
                    verdicts.insert(key, decided.clone());
                }
                decided
            }
        };
        let (status, message, evidence) = decided;
        let resource = account_resource(cx, account_id);
        findings.push(
            Finding::new(check_id, status, account_id, resource, message)
                .with_evidence_json(evidence)
                .with_shared(assessed.iter().map(|a| a.evidence.clone())),
        );
    }
    findings
}

/// A trail's assessment for one check, with its evidence (the assessment's,
/// the trail's identity, and whether it qualifies) built once and shared by
/// the findings of every account the trail covers.
pub struct AssessedTrail<'a> {
    pub trail: &'a TrailFacts,
    pub assessment: Assessment,
    pub evidence: Arc<SharedEvidence>,
}

impl<'a> AssessedTrail<'a> {
    pub fn new(check_id: &str, trail: &'a TrailFacts, mut assessment: Assessment) -> Self {
        let mut evidence = with_key(assessment.take_evidence(), "trail", trail_summary(trail));
        evidence["qualifies"] = json!(assessment.outcome().as_str());
        AssessedTrail {
            trail,
            evidence: SharedEvidence::new(format!("{check_id}:{}", trail.arn), evidence),
            assessment,
        }
    }
}

/// The verdict of an "at least one trail" control over assessed trails.
/// `listing_error` is set when some list of trails could not be read, so
/// a qualifying trail may be missing from `assessed`. The evidence refers
/// to each trail's shared evidence: the finding built from the verdict
/// must carry them (`Finding::with_shared`).
pub fn trails_verdict(
    requirement: &str,
    assessed: &[&AssessedTrail],
    listing_error: Option<&CollectionError>,
) -> Verdict {
    let evidence_trails: Vec<Value> = assessed.iter().map(|a| a.evidence.reference()).collect();
    let mut evidence = json!({ "requirement": requirement, "trails": evidence_trails });
    if let Some(e) = listing_error {
        evidence["trail_listing_error"] = json!(e);
    }
    let outcome_is = |o: Outcome| assessed.iter().find(|a| a.assessment.outcome() == o);
    if let Some(a) = outcome_is(Outcome::Pass) {
        let others = assessed.len() - 1;
        let message = if others == 0 {
            format!("trail {} {requirement}", a.trail.arn)
        } else {
            format!(
                "trail {} {requirement} ({others} other trails judged too)",
                a.trail.arn
            )
        };
        return Verdict::pass(message, evidence);
    }
    if let Some(a) = outcome_is(Outcome::Unknown) {
        return Verdict {
            status: Status::Error,
            message: format!(
                "no trail is known to meet the control and trail {} is undecided: {}",
                a.trail.arn,
                a.assessment.unknown_message()
            ),
            evidence,
        };
    }
    if let Some(e) = listing_error {
        return Verdict {
            status: Status::Error,
            message: format!(
                "no trail seen meets the control, and the account's trails could not be listed: {} ({})",
                e.code, e.message
            ),
            evidence,
        };
    }
    if assessed.is_empty() {
        return Verdict::fail("no CloudTrail trail covers this account", evidence);
    }
    let reasons: Vec<String> = assessed
        .iter()
        .map(|a| format!("{}: {}", a.trail.name, a.assessment.problems().join(", ")))
        .collect();
    Verdict::fail(
        format!("no trail {requirement}; {}", reasons.join("; ")),
        evidence,
    )
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
