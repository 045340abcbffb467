//! `--format sarif`: SARIF 2.1.0 for code scanning (GitHub, GitLab, Azure
//! DevOps). One rule per check from its metadata; a result per `fail`; every
//! `error` finding and collection error as a tool execution notification, so
//! an incomplete audit is visible instead of looking clean.
//!
//! AWS resources are not files, so each location is a stable pseudo path
//! `aws/<account>/<region|global>/<resource-kind>` (which code scanning
//! accepts) plus a logical location carrying the resource's ARN. A
//! `partialFingerprints` hash of check, account, region and resource keeps the
//! same finding the same alert run after run, whatever its message says.

use super::model::{Report, ReportFinding};
use crate::checks::{Catalog, CheckMetadata};
use crate::finding::{Severity, Status};
use serde_json::{json, Map, Value};

pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The key of our fingerprint in `partialFingerprints`; bump the suffix only
/// if the hashed fields ever change (every alert would be re-opened).
pub const FINGERPRINT_KEY: &str = "trailwarden/v1";

pub fn render(report: &Report) -> Vec<u8> {
    render_with(report, Catalog::embedded())
}

/// Renders with an explicit catalog (the rules' texts come from it; the
/// verdicts only from the report).
pub fn render_with(report: &Report, catalog: &Catalog) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(&document(report, catalog))
        .expect("a serde_json::Value serializes");
    out.push(b'\n');
    out
}

/// The SARIF log as a JSON value.
pub fn document(report: &Report, catalog: &Catalog) -> Value {
    // Rules: every check of the catalog (registry order), then any check id
    // the report names that the catalog does not know (kept, never dropped).
    let mut rules: Vec<Rule> = catalog.all().iter().map(Rule::from_meta).collect();
    for f in &report.findings {
        if !rules.iter().any(|r| r.id == f.check_id) {
            rules.push(Rule::from_finding(f));
        }
    }
    let rule_index = |id: &str| rules.iter().position(|r| r.id == id).unwrap_or(0);

    let mut results = Vec::new();
    let mut notifications = Vec::new();
    for f in &report.findings {
        let index = rule_index(&f.check_id);
        let kind = &rules[index].resource_kind;
        match f.status {
            Status::Fail => results.push(result(f, index, kind)),
            Status::Error => notifications.push(json!({
                "level": "error",
                "message": { "text": format!(
                    "{} could not be evaluated for {} in account {}{}: {}",
                    f.check_id, f.resource, f.account_id, region_suffix(f), f.message
                ) },
                "locations": [location(f, kind)],
                "associatedRule": { "id": f.check_id, "index": index },
                "properties": { "account_id": f.account_id, "evidence": f.evidence },
            })),
            Status::Pass | Status::NotApplicable | Status::Waived => {}
        }
    }
    for e in &report.collection_errors {
        notifications.push(json!({
            "level": "warning",
            "message": { "text": format!(
                "collection error in account {}{}: {}:{} {}: {}",
                e.account_id,
                e.region.as_deref().map(|r| format!(" ({r})")).unwrap_or_default(),
                e.service, e.operation, e.code, e.message
            ) },
            "properties": {
                "account_id": e.account_id, "region": e.region, "service": e.service,
                "operation": e.operation, "code": e.code,
            },
        }));
    }
    let complete = !report.findings.iter().any(|f| f.status == Status::Error);

    json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": report.tool.name,
                "version": report.tool.version,
                "semanticVersion": report.tool.version,
                "informationUri": env!("CARGO_PKG_REPOSITORY"),
                "rules": rules.iter().map(Rule::to_json).collect::<Vec<_>>(),
            } },
            "invocations": [{
                "executionSuccessful": complete,
                "exitCode": report.exit_code,
                "endTimeUtc": report.generated_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
            "properties": {
                "snapshot_sha256": report.snapshot.sha256,
                "collected_at": report.snapshot.collected_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                "caller_arn": report.snapshot.caller_arn,
                "partition": report.snapshot.partition,
                "accounts": report.scope.accounts,
                "regions": report.scope.regions,
                "organization_id": report.scope.organization_id,
                "fail_on": report.fail_on,
            },
        }],
    })
}

struct Rule {
    id: String,
    title: String,
    rationale: String,
    remediation_console: String,
    remediation_cli: String,
    severity: Severity,
    resource_kind: String,
    frameworks: Vec<(String, Vec<String>)>,
}

impl Rule {
    fn from_meta(m: &CheckMetadata) -> Rule {
        Rule {
            id: m.id.clone(),
            title: m.title.clone(),
            rationale: unwrap_lines(&m.rationale),
            remediation_console: unwrap_lines(&m.remediation.console),
            remediation_cli: m.remediation.cli.trim().to_string(),
            severity: m.severity,
            resource_kind: m.resource_kind.clone(),
            frameworks: m
                .frameworks
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }

    fn from_finding(f: &ReportFinding) -> Rule {
        Rule {
            id: f.check_id.clone(),
            title: if f.title.is_empty() {
                f.check_id.clone()
            } else {
                f.title.clone()
            },
            rationale: String::new(),
            remediation_console: f.remediation.console.clone(),
            remediation_cli: f.remediation.cli.clone(),
            severity: f.severity,
            resource_kind: "resource".to_string(),
            frameworks: f
                .frameworks
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }

    fn to_json(&self) -> Value {
        let full = if self.rationale.is_empty() {
            self.title.clone()
        } else {
            self.rationale.clone()
        };
        let help_text = format!(
            "{full}\n\nRemediation (console): {}\n\nRemediation (AWS CLI):\n{}",
            self.remediation_console, self.remediation_cli
        );
        let mut help_md = format!(
            "{full}\n\n**Remediation (console):** {}\n\n**Remediation (AWS CLI):**\n\n```sh\n{}\n```",
            self.remediation_console, self.remediation_cli
        );
        let mut tags = vec!["security".to_string(), "aws".to_string()];
        if !self.frameworks.is_empty() {
            help_md.push_str("\n\n**Framework controls:**\n");
            for (framework, controls) in &self.frameworks {
                help_md.push_str(&format!("\n- {framework}: {}", controls.join(", ")));
                tags.extend(controls.iter().map(|c| format!("{framework}/{c}")));
            }
        }
        let mut properties = Map::new();
        properties.insert("tags".into(), json!(tags));
        properties.insert("precision".into(), json!("very-high"));
        properties.insert(
            "security-severity".into(),
            json!(security_severity(self.severity)),
        );
        properties.insert("severity".into(), json!(self.severity));
        properties.insert("resource_kind".into(), json!(self.resource_kind));
        json!({
            "id": self.id,
            "name": rule_name(&self.id),
            "shortDescription": { "text": self.title },
            "fullDescription": { "text": full },
            "help": { "text": help_text, "markdown": help_md },
            "defaultConfiguration": { "level": level(self.severity) },
            "properties": properties,
        })
    }
}

fn result(f: &ReportFinding, index: usize, kind: &str) -> Value {
    json!({
        "ruleId": f.check_id,
        "ruleIndex": index,
        "kind": "fail",
        "level": level(f.severity),
        "message": { "text": format!(
            "{} (account {}{}, {})",
            f.message, f.account_id, region_suffix(f), f.resource
        ) },
        "locations": [location(f, kind)],
        "partialFingerprints": { FINGERPRINT_KEY: fingerprint(f) },
        "properties": {
            "severity": f.severity,
            "account_id": f.account_id,
            "region": f.region,
            "resource": f.resource,
            "evidence": f.evidence,
            "frameworks": f.frameworks,
        },
    })
}

fn region_suffix(f: &ReportFinding) -> String {
    f.region
        .as_deref()
        .map(|r| format!(", {r}"))
        .unwrap_or_default()
}

fn location(f: &ReportFinding, kind: &str) -> Value {
    json!({
        "physicalLocation": {
            "artifactLocation": { "uri": pseudo_path(f, kind) },
            "region": { "startLine": 1 },
        },
        "logicalLocations": [{
            "name": short_name(&f.resource),
            "fullyQualifiedName": f.resource,
            "kind": "resource",
        }],
    })
}

/// `aws/<account>/<region|global>/<resource-kind>`: every segment is made of
/// URI-safe characters whatever the input, so the URI stays valid.
pub fn pseudo_path(f: &ReportFinding, kind: &str) -> String {
    let segment = |s: &str| -> String {
        let cleaned: String = s
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
            "_".to_string()
        } else {
            cleaned
        }
    };
    format!(
        "aws/{}/{}/{}",
        segment(&f.account_id),
        segment(f.region.as_deref().unwrap_or("global")),
        segment(kind)
    )
}

/// The part of an ARN after its last `/` or `:` (a trail or bucket name).
fn short_name(resource: &str) -> &str {
    resource
        .rsplit([':', '/'])
        .find(|s| !s.is_empty())
        .unwrap_or(resource)
}

/// Lowercase hex SHA-256 of check id, account, region and resource, joined
/// by NUL (which none of them can contain) so fields cannot run together.
pub fn fingerprint(f: &ReportFinding) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for part in [
        f.check_id.as_str(),
        f.account_id.as_str(),
        f.region.as_deref().unwrap_or(""),
        f.resource.as_str(),
    ] {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// SARIF `level`: what code scanning shows as error / warning / note.
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's `security-severity`: a CVSS-like score as a numeric string.
pub fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// Metadata prose is hard-wrapped in its TOML file; viewers wrap it
/// themselves, so single line breaks become spaces (blank lines stay).
fn unwrap_lines(text: &str) -> String {
    text.trim()
        .split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// `cloudtrail-multi-region` → `CloudtrailMultiRegion` (SARIF's rule `name`).
fn rule_name(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut chars = p.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_and_short_names() {
        assert_eq!(
            rule_name("cloudtrail-multi-region"),
            "CloudtrailMultiRegion"
        );
        assert_eq!(
            short_name("arn:aws:cloudtrail:us-east-1:111111111111:trail/org-trail"),
            "org-trail"
        );
        assert_eq!(short_name("arn:aws:s3:::bucket"), "bucket");
        assert_eq!(short_name("111111111111"), "111111111111");
    }

    #[test]
    fn unwraps_prose_but_keeps_paragraphs() {
        assert_eq!(unwrap_lines(" a\nb  c\n\nd\n"), "a b c\n\nd");
    }

    #[test]
    fn severity_scores_are_numeric_and_ordered() {
        let scores: Vec<f64> = Severity::ALL
            .iter()
            .map(|s| security_severity(*s).parse().unwrap())
            .collect();
        assert!(scores.windows(2).all(|w| w[0] < w[1]), "{scores:?}");
    }
}
