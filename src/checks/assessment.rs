//! Whether a trail qualifies for the account-level checks: the assessment
//! of each trail (logging, multi-region, delivering, recording what the
//! check asks), and the verdict over every trail that covers an account.

use super::support::{account_resource, trail_summary, with_key, Verdict};
use super::Context;
use crate::finding::{EvidenceJson, Finding, SharedEvidence, Status};
use crate::snapshot::{CollectionError, Fact, TrailFacts};
use serde_json::{json, Value};
use std::sync::Arc;

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
