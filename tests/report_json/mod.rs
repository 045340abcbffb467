//! Reading a JSON report (schema v2) the way a consumer would, from its
//! documented format alone: shared evidence is resolved here independently
//! of the product's own `Report::evidence_of`.

use serde_json::Value;

/// A finding's evidence with every `{"shared_evidence": KEY}` object
/// replaced by the report's `shared_evidence[KEY]`. Panics on a reference
/// the report does not define: that would be a broken report.
pub fn evidence(report: &Value, finding: &Value) -> Value {
    resolve(report, &finding["evidence"])
}

fn resolve(report: &Value, value: &Value) -> Value {
    match value {
        Value::Object(map) if map.len() == 1 && map.contains_key("shared_evidence") => {
            let key = map["shared_evidence"].as_str().expect("a key");
            let shared = &report["shared_evidence"][key];
            assert!(
                shared.is_object(),
                "reference to undefined shared evidence {key}"
            );
            resolve(report, shared)
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), resolve(report, v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|v| resolve(report, v)).collect()),
        other => other.clone(),
    }
}
