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
//!
//! The policy is presented in SARIF's own terms: a `waived` finding is a
//! result with an external, accepted `suppression` (justification, owner,
//! expiry); a disabled check is a rule whose configuration is
//! `enabled: false` (with an invocation override carrying the reason); with
//! `--baseline` each result has a `baselineState`, and resolved failures are
//! `absent` results of kind `pass`; with `--framework` the framework is a
//! `taxonomy` whose taxa are its control ids, which rules relate to and
//! results name. Waivers that need attention (expired, expiring soon, stale)
//! are tool configuration notifications.

use super::model::{Report, ReportCheck, ReportFinding};
use crate::checks::{Catalog, CheckMetadata};
use crate::finding::{Severity, Status};
use crate::verdict::{Change, WaiverState};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

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
    let policy = &report.policy;
    // Rules: every check of the catalog (registry order), then any check id
    // the report names that the catalog does not know (kept, never dropped).
    let mut rules: Vec<Rule> = catalog.all().iter().map(Rule::from_meta).collect();
    // A check the report describes is described as the report has it (the
    // catalog of the version that wrote it), not as today's catalog does:
    // an old or merged report keeps its own titles, texts and mappings.
    for rule in &mut rules {
        if let Some(check) = report.checks.get(&rule.id) {
            rule.describe_as(check);
        }
    }
    let gone: &[ReportFinding] = report
        .baseline
        .as_ref()
        .map_or(&[], |b| b.no_longer_reported.as_slice());
    for f in report.findings.iter().chain(gone) {
        if !rules.iter().any(|r| r.id == f.check_id) {
            rules.push(Rule::from_finding(f, report.check(&f.check_id)));
        }
    }
    // The severity the report's findings carry is the one code scanning
    // should rank by; the catalog's stays visible in the properties.
    for o in &policy.severity_overrides {
        if let Some(rule) = rules.iter_mut().find(|r| r.id == o.check_id) {
            rule.catalog_severity = Some(o.default);
            rule.severity = o.severity;
        }
    }
    for d in &policy.disabled_checks {
        if let Some(rule) = rules.iter_mut().find(|r| r.id == d.check_id) {
            rule.disabled = Some(d.reason.clone());
        }
    }
    let framework_key = report.framework.as_ref().map(|f| f.key.as_str());
    let rule_index = |id: &str| rules.iter().position(|r| r.id == id).unwrap_or(0);

    let mut results = Vec::new();
    let mut notifications = Vec::new();
    for f in &report.findings {
        let index = rule_index(&f.check_id);
        let kind = &rules[index].resource_kind;
        match f.status {
            Status::Fail | Status::Waived => {
                results.push(result(report, f, index, kind, framework_key));
            }
            Status::Error => notifications.push(json!({
                "level": "error",
                "message": { "text": format!(
                    "{} could not be evaluated for {} in account {}{}: {}",
                    f.check_id, f.resource, f.account_id, region_suffix(f), f.message
                ) },
                "locations": [location(f, kind)],
                "associatedRule": { "id": f.check_id, "index": index },
                "properties": { "account_id": f.account_id, "evidence": report.evidence_of(f) },
            })),
            Status::Pass | Status::NotApplicable => {
                if f.change == Some(Change::Resolved) {
                    results.push(resolved(
                        report,
                        f,
                        index,
                        kind,
                        framework_key,
                        "now passes",
                    ));
                }
            }
        }
    }
    for f in gone {
        let index = rule_index(&f.check_id);
        let kind = &rules[index].resource_kind;
        results.push(resolved(
            report,
            f,
            index,
            kind,
            framework_key,
            "is no longer reported",
        ));
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

    // Waivers that need a person's attention.
    let mut configuration_notes = Vec::new();
    for w in &policy.waivers {
        let (level, what) = match w.state {
            WaiverState::Expired => (
                "warning",
                format!(
                    "expired on {}: the failures it matched count again",
                    w.expires
                ),
            ),
            WaiverState::Stale => (
                "warning",
                "matches no failing finding (stale): remove it".to_string(),
            ),
            WaiverState::ExpiringSoon => (
                "note",
                format!("expires in {} day(s), on {}", w.days_left, w.expires),
            ),
            WaiverState::Active | WaiverState::NotEvaluated => continue,
        };
        configuration_notes.push(json!({
            "level": level,
            "message": { "text": format!(
                "waiver #{} ({}, owner {}) {what}: {}", w.index, w.check_id, w.owner, w.reason
            ) },
            "associatedRule": { "id": w.check_id, "index": rule_index(&w.check_id) },
            "properties": {
                "waiver": w.index, "state": w.state, "owner": w.owner,
                "expires": w.expires.to_string(), "reason": w.reason,
            },
        }));
    }
    let overrides: Vec<Value> = policy
        .disabled_checks
        .iter()
        .map(|d| {
            json!({
                "descriptor": { "id": d.check_id, "index": rule_index(&d.check_id) },
                "configuration": { "enabled": false },
                "properties": { "reason": d.reason },
            })
        })
        .collect();

    let mut invocation = json!({
        "executionSuccessful": complete,
        "exitCode": report.exit_code,
        "endTimeUtc": report.generated_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "toolExecutionNotifications": notifications,
    });
    if !configuration_notes.is_empty() {
        invocation["toolConfigurationNotifications"] = json!(configuration_notes);
    }
    if !overrides.is_empty() {
        invocation["ruleConfigurationOverrides"] = json!(overrides);
    }
    let mut properties = json!({
        "snapshot_sha256": report.snapshot.sha256,
        "collected_at": report.snapshot.collected_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "caller_arn": report.snapshot.caller_arn,
        "partition": report.snapshot.partition,
        "accounts": report.scope.accounts,
        "regions": report.scope.regions,
        "organization_id": report.scope.organization_id,
        "fail_on": report.fail_on,
        "policy": policy,
    });
    if !report.scope.endpoint_overrides.is_empty() {
        properties["endpoint_overrides"] = json!(report.scope.endpoint_overrides);
    }
    if let Some(b) = &report.baseline {
        properties["baseline"] = json!({
            "sha256": b.sha256,
            "generated_at": b.generated_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "new": b.new,
            "unchanged": b.unchanged,
            "resolved": b.resolved,
        });
    }
    let mut run = json!({
        "tool": { "driver": {
            "name": report.tool.name,
            "version": report.tool.version,
            "semanticVersion": report.tool.version,
            "informationUri": env!("CARGO_PKG_REPOSITORY"),
            "rules": rules.iter().map(|r| r.to_json(framework_key)).collect::<Vec<_>>(),
        } },
        "invocations": [invocation],
        "results": results,
        "properties": properties,
    });
    // The run's framework as the view tables it: a control none of whose
    // checks ran has the status `disabled`, as in every other format.
    let selected = super::view::selected_control_table(report);
    if let Some(framework) = &selected {
        run["taxonomies"] = json!([{
            "name": framework.key,
            "fullName": framework.name,
            "shortDescription": { "text": framework.name },
            "taxa": framework.rows.iter().map(|c| {
                let mut taxon = json!({
                    "id": c.id,
                    "shortDescription": { "text": format!("{} control {}", framework.name, c.id) },
                    "properties": {
                        "status": c.verdict.key(),
                        "checks": c.checks,
                        "counts": c.counts,
                    },
                });
                if !c.disabled_checks.is_empty() {
                    taxon["properties"]["disabled_checks"] = json!(c.disabled_checks);
                }
                taxon
            }).collect::<Vec<_>>(),
        }]);
    }

    json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [run],
    })
}

struct Rule {
    id: String,
    title: String,
    rationale: String,
    remediation_console: String,
    remediation_cli: String,
    severity: Severity,
    /// Set when the configuration overrides the catalog's severity.
    catalog_severity: Option<Severity>,
    /// Set when the configuration disabled the check: the reason.
    disabled: Option<String>,
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
            catalog_severity: None,
            disabled: None,
            resource_kind: m.resource_kind.clone(),
            frameworks: m
                .frameworks
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }

    /// Takes the report's description of the check where it has one.
    fn describe_as(&mut self, check: &ReportCheck) {
        if !check.title.is_empty() {
            self.title = check.title.clone();
        }
        if !check.rationale.is_empty() {
            self.rationale = unwrap_lines(&check.rationale);
        }
        if !check.remediation.console.is_empty() || !check.remediation.cli.is_empty() {
            self.remediation_console = unwrap_lines(&check.remediation.console);
            self.remediation_cli = check.remediation.cli.trim().to_string();
        }
        self.frameworks = check
            .frameworks
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
    }

    /// A rule for a check the catalog does not know, from the report's
    /// description of it.
    fn from_finding(f: &ReportFinding, check: &ReportCheck) -> Rule {
        Rule {
            id: f.check_id.clone(),
            title: if check.title.is_empty() {
                f.check_id.clone()
            } else {
                check.title.clone()
            },
            rationale: unwrap_lines(&check.rationale),
            remediation_console: check.remediation.console.clone(),
            remediation_cli: check.remediation.cli.clone(),
            severity: f.severity,
            catalog_severity: None,
            disabled: None,
            resource_kind: "resource".to_string(),
            frameworks: check
                .frameworks
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }

    /// With `framework` (the run's `--framework`), the rule relates to that
    /// framework's taxa (the run's only taxonomy, index 0).
    fn to_json(&self, framework: Option<&str>) -> Value {
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
        if let Some(catalog) = self.catalog_severity {
            properties.insert("catalog_severity".into(), json!(catalog));
        }
        properties.insert("resource_kind".into(), json!(self.resource_kind));
        let mut configuration = json!({ "level": level(self.severity) });
        if let Some(reason) = &self.disabled {
            configuration["enabled"] = json!(false);
            properties.insert("disabled_reason".into(), json!(reason));
        }
        let mut rule = json!({
            "id": self.id,
            "name": rule_name(&self.id),
            "shortDescription": { "text": self.title },
            "fullDescription": { "text": full },
            "help": { "text": help_text, "markdown": help_md },
            "defaultConfiguration": configuration,
            "properties": properties,
        });
        if let Some(key) = framework {
            let relationships: Vec<Value> = self
                .frameworks
                .iter()
                .filter(|(k, _)| k == key)
                .flat_map(|(_, controls)| controls.iter())
                .map(|c| {
                    json!({
                        "target": { "id": c, "toolComponent": { "name": key, "index": 0 } },
                        "kinds": ["relevant"],
                    })
                })
                .collect();
            if !relationships.is_empty() {
                rule["relationships"] = json!(relationships);
            }
        }
        rule
    }
}

/// A `fail` or `waived` finding. A waived one carries an accepted external
/// suppression (code scanning shows it as dismissed, not open); a failure
/// whose waiver expired says so in its message and properties.
fn result(
    report: &Report,
    f: &ReportFinding,
    index: usize,
    kind: &str,
    framework: Option<&str>,
) -> Value {
    let frameworks = &report.check(&f.check_id).frameworks;
    let mut text = format!(
        "{} (account {}{}, {})",
        f.message,
        f.account_id,
        region_suffix(f),
        f.resource
    );
    if let Some(w) = f.waiver.as_ref().filter(|w| w.expired) {
        text.push_str(&format!(
            "; waiver #{} expired on {}, so it fails again",
            w.index, w.expires
        ));
    }
    let mut result = json!({
        "ruleId": f.check_id,
        "ruleIndex": index,
        "kind": "fail",
        "level": level(f.severity),
        "message": { "text": text },
        "locations": [location(f, kind)],
        "partialFingerprints": { FINGERPRINT_KEY: fingerprint(f) },
        "properties": {
            "severity": f.severity,
            "account_id": f.account_id,
            "region": f.region,
            "resource": f.resource,
            "evidence": report.evidence_of(f),
            "frameworks": frameworks,
        },
    });
    if let Some(w) = &f.waiver {
        result["properties"]["waiver"] = json!({
            "index": w.index,
            "reason": w.reason,
            "owner": w.owner,
            "expires": w.expires.to_string(),
            "expired": w.expired,
        });
        if f.status == Status::Waived {
            result["suppressions"] = json!([{
                "kind": "external",
                "status": "accepted",
                "justification": w.reason,
                "properties": {
                    "owner": w.owner,
                    "expires": w.expires.to_string(),
                    "waiver": w.index,
                },
            }]);
        }
    }
    decorate(&mut result, frameworks, f, framework);
    result
}

/// A failure of the baseline that no longer fails: `absent`, kind `pass`.
fn resolved(
    report: &Report,
    f: &ReportFinding,
    index: usize,
    kind: &str,
    framework: Option<&str>,
    how: &str,
) -> Value {
    let frameworks = &report.check(&f.check_id).frameworks;
    let mut result = json!({
        "ruleId": f.check_id,
        "ruleIndex": index,
        "kind": "pass",
        "level": "none",
        "baselineState": "absent",
        "message": { "text": format!(
            "Resolved since the baseline: {} {how} (account {}{}, {})",
            f.check_id, f.account_id, region_suffix(f), f.resource
        ) },
        "locations": [location(f, kind)],
        "partialFingerprints": { FINGERPRINT_KEY: fingerprint(f) },
        "properties": {
            "severity": f.severity,
            "status": f.status,
            "account_id": f.account_id,
            "region": f.region,
            "resource": f.resource,
            "frameworks": frameworks,
        },
    });
    decorate(&mut result, frameworks, f, framework);
    // A baseline finding may carry the change of its own run: not this one.
    result["baselineState"] = json!("absent");
    result
}

/// The baseline state of a current finding, and the framework's taxa.
fn decorate(
    result: &mut Value,
    frameworks: &BTreeMap<String, Vec<String>>,
    f: &ReportFinding,
    framework: Option<&str>,
) {
    match f.change {
        Some(Change::New) => result["baselineState"] = json!("new"),
        Some(Change::Unchanged) => result["baselineState"] = json!("unchanged"),
        Some(Change::Resolved) => result["baselineState"] = json!("absent"),
        None => {}
    }
    if let Some(key) = framework {
        let taxa: Vec<Value> = frameworks
            .get(key)
            .into_iter()
            .flatten()
            .map(|c| json!({ "id": c, "toolComponent": { "name": key, "index": 0 } }))
            .collect();
        if !taxa.is_empty() {
            result["taxa"] = json!(taxa);
        }
    }
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
