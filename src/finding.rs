//! Findings: the verdict of one check on one resource, with the facts it was decided on.

use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub use crate::verdict::{Severity, Status};

/// One verdict of one check about one resource in one account. Not
/// serialized itself: the report's `ReportFinding` is the output form.
///
/// Checks build findings with [`Finding::new`]; the evaluator fills in the
/// severity and title from the check's metadata, so a check cannot disagree
/// with its documentation.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub check_id: String,
    pub severity: Severity,
    pub status: Status,
    /// The account the finding is reported under.
    pub account_id: String,
    /// The region the resource lives in; `None` for global resources (S3 bucket
    /// names, account-level settings).
    pub region: Option<String>,
    /// ARN, or another identifier where the resource has no ARN.
    pub resource: String,
    pub message: String,
    /// The facts the verdict was decided on: always a JSON object. Parts
    /// shared with other findings appear as `{"shared_evidence": key}`
    /// (see [`SharedEvidence`]).
    pub evidence: serde_json::Value,
    /// The shared evidence the evidence refers to.
    pub shared: Vec<Arc<SharedEvidence>>,
    /// The evidence as compact text, once [`Finding::compact_evidence`]
    /// has moved it there (`evidence` is then null).
    pub evidence_json: Option<EvidenceJson>,
}

/// Evidence as compact JSON text. Once a check has run, its findings keep
/// their evidence this way: a fraction of the memory of a `Value` tree
/// (170,000 findings in a 5,000-account organization), and the JSON report
/// writes the text as it is.
///
/// Clones share the text: the findings of the thousands of accounts that
/// only an organization trail covers hold one copy of the same evidence.
#[derive(Debug, Clone)]
pub struct EvidenceJson(Arc<serde_json::value::RawValue>);

impl EvidenceJson {
    pub fn of(value: &serde_json::Value) -> Self {
        let raw = serde_json::value::to_raw_value(value).expect("a JSON value serializes");
        EvidenceJson(Arc::from(raw))
    }

    pub fn text(&self) -> &str {
        self.0.get()
    }

    /// The evidence as a value (parsed again: for renderers and tests).
    pub fn value(&self) -> serde_json::Value {
        serde_json::from_str(self.0.get()).expect("evidence text is JSON")
    }
}

impl PartialEq for EvidenceJson {
    fn eq(&self, other: &Self) -> bool {
        self.text() == other.text()
    }
}

impl Serialize for EvidenceJson {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for EvidenceJson {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Box::<serde_json::value::RawValue>::deserialize(deserializer)
            .map(|raw| EvidenceJson(Arc::from(raw)))
    }
}

/// Evidence that many findings rely on, kept once: an organization trail's
/// assessment is the same for each of the thousands of accounts it covers.
/// A finding's evidence refers to it with the object
/// `{"shared_evidence": key}`, and the JSON report holds it once under
/// `shared_evidence.<key>`.
#[derive(Debug, PartialEq)]
pub struct SharedEvidence {
    /// `<check id>:<resource>`, unique in a report.
    pub key: String,
    pub json: EvidenceJson,
}

/// The name of the one member of a reference object.
pub const SHARED_EVIDENCE_REF: &str = "shared_evidence";

impl SharedEvidence {
    pub fn new(key: String, value: serde_json::Value) -> Arc<Self> {
        Arc::new(SharedEvidence {
            key,
            json: EvidenceJson::of(&value),
        })
    }

    /// The object that stands for this evidence inside a finding's evidence.
    pub fn reference(&self) -> serde_json::Value {
        serde_json::json!({ SHARED_EVIDENCE_REF: self.key })
    }
}

/// If `value` is a reference object `{"shared_evidence": key}`, its key.
pub fn shared_evidence_key(value: &serde_json::Value) -> Option<&str> {
    match value {
        serde_json::Value::Object(map) if map.len() == 1 => {
            map.get(SHARED_EVIDENCE_REF).and_then(|k| k.as_str())
        }
        _ => None,
    }
}

/// Calls `visit` with the key of every reference in `evidence`.
pub fn visit_shared_keys(evidence: &serde_json::Value, visit: &mut impl FnMut(&str)) {
    if let Some(key) = shared_evidence_key(evidence) {
        visit(key);
        return;
    }
    match evidence {
        serde_json::Value::Object(map) => map.values().for_each(|v| visit_shared_keys(v, visit)),
        serde_json::Value::Array(items) => items.iter().for_each(|v| visit_shared_keys(v, visit)),
        _ => {}
    }
}

/// Renames the references in `evidence` whose key `renamed` maps.
pub fn rename_shared_keys(
    evidence: &mut serde_json::Value,
    renamed: &std::collections::BTreeMap<String, String>,
) {
    if let Some(new) = shared_evidence_key(evidence).and_then(|key| renamed.get(key)) {
        *evidence = serde_json::json!({ SHARED_EVIDENCE_REF: new });
        return;
    }
    match evidence {
        serde_json::Value::Object(map) => map
            .values_mut()
            .for_each(|v| rename_shared_keys(v, renamed)),
        serde_json::Value::Array(items) => items
            .iter_mut()
            .for_each(|v| rename_shared_keys(v, renamed)),
        _ => {}
    }
}

/// `evidence` with every reference replaced by the value `lookup` gives for
/// its key (a reference `lookup` does not know is left as it is).
pub fn resolve_shared(
    evidence: &serde_json::Value,
    lookup: &impl Fn(&str) -> Option<serde_json::Value>,
) -> serde_json::Value {
    use serde_json::Value;
    if let Some(resolved) = shared_evidence_key(evidence).and_then(lookup) {
        return resolved;
    }
    match evidence {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), resolve_shared(v, lookup)))
                .collect(),
        ),
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| resolve_shared(v, lookup)).collect())
        }
        other => other.clone(),
    }
}

impl Finding {
    /// A finding with empty evidence and `info` severity, to be completed by
    /// the builder methods and by the evaluator (severity).
    pub fn new(
        check_id: &str,
        status: Status,
        account_id: &str,
        resource: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            check_id: check_id.to_string(),
            severity: Severity::Info,
            status,
            account_id: account_id.to_string(),
            region: None,
            resource: resource.into(),
            message: message.into(),
            evidence: serde_json::Value::Object(Default::default()),
            shared: Vec::new(),
            evidence_json: None,
        }
    }

    /// Sets the evidence, already as compact text (shared by many findings).
    pub fn with_evidence_json(mut self, evidence: EvidenceJson) -> Self {
        self.evidence = serde_json::Value::Null;
        self.evidence_json = Some(evidence);
        self
    }

    /// Moves the evidence into compact text (see [`EvidenceJson`]).
    pub fn compact_evidence(&mut self) {
        if self.evidence_json.is_none() {
            self.evidence_json = Some(EvidenceJson::of(&self.evidence));
            self.evidence = serde_json::Value::Null;
        }
    }

    /// The evidence, whichever form it is kept in.
    pub fn evidence_value(&self) -> serde_json::Value {
        match &self.evidence_json {
            Some(json) => json.value(),
            None => self.evidence.clone(),
        }
    }

    /// Records shared evidence the evidence refers to.
    pub fn with_shared(mut self, shared: impl IntoIterator<Item = Arc<SharedEvidence>>) -> Self {
        for s in shared {
            if !self.shared.iter().any(|have| have.key == s.key) {
                self.shared.push(s);
            }
        }
        self
    }

    /// The evidence with its shared parts written out in place: what a
    /// reader of this one finding needs.
    pub fn resolved_evidence(&self) -> serde_json::Value {
        let evidence = self.evidence_value();
        if self.shared.is_empty() {
            return evidence;
        }
        resolve_shared(&evidence, &|key| {
            self.shared
                .iter()
                .find(|s| s.key == key)
                .map(|s| s.json.value())
        })
    }

    pub fn in_region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Replace the evidence; a non-object value is wrapped as `{"value": …}`
    /// so evidence is always an object.
    pub fn with_evidence(mut self, evidence: serde_json::Value) -> Self {
        self.evidence = match evidence {
            serde_json::Value::Object(_) => evidence,
            other => serde_json::json!({ "value": other }),
        };
        self
    }
}
