//! Check metadata: title, severity, rationale, remediation and framework
//! mappings, read from `checks/<id>.toml` and embedded at build time.

use crate::finding::Severity;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;

include!(concat!(env!("OUT_DIR"), "/check_metadata.rs"));
include!(concat!(env!("OUT_DIR"), "/framework_controls.rs"));

/// The framework keys metadata may use, with their display names.
pub const FRAMEWORKS: &[(&str, &str)] = &[
    ("cis-aws-v3.0.0", "CIS AWS Foundations Benchmark v3.0.0"),
    ("cis-aws-v5.0.0", "CIS AWS Foundations Benchmark v5.0.0"),
    ("cis-aws-v6.0.0", "CIS AWS Foundations Benchmark v6.0.0"),
    ("cis-aws-v7.0.0", "CIS AWS Foundations Benchmark v7.0.0"),
    ("aws-securityhub", "AWS Security Hub controls"),
    ("aws-config", "AWS Config managed rules"),
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckMetadata {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    /// What one finding is about: `account`, `region`, `trail` or `bucket`.
    pub resource_kind: String,
    pub rationale: String,
    pub remediation: Remediation,
    /// Framework key (see [`FRAMEWORKS`]) → control ids.
    #[serde(default)]
    pub frameworks: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Remediation {
    /// What to do, in the AWS console.
    pub console: String,
    /// The AWS CLI command(s) that fix it.
    pub cli: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("checks/{file}.toml: {message}")]
    Invalid { file: String, message: String },
    #[error("unknown check id '{0}' (run `trailwarden checks` for the list)")]
    UnknownCheck(String),
}

/// All checks' metadata, in registry order.
#[derive(Debug, Clone)]
pub struct Catalog {
    checks: Vec<CheckMetadata>,
}

impl Catalog {
    /// The embedded catalog, parsed once.
    pub fn embedded() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| {
            Catalog::parse(METADATA_FILES).expect("embedded check metadata is valid (tested)")
        })
    }

    /// Parses metadata files and orders them as the registry does; files
    /// without a registered check come last (the catalog test rejects them).
    pub fn parse(files: &[(&str, &str)]) -> Result<Catalog, CatalogError> {
        let mut checks = Vec::with_capacity(files.len());
        for (stem, text) in files {
            let invalid = |message: String| CatalogError::Invalid {
                file: stem.to_string(),
                message,
            };
            let meta: CheckMetadata = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
            if meta.id != *stem {
                return Err(invalid(format!(
                    "id '{}' differs from the file name",
                    meta.id
                )));
            }
            for key in meta.frameworks.keys() {
                if !FRAMEWORKS.iter().any(|(k, _)| k == key) {
                    return Err(invalid(format!("unknown framework '{key}'")));
                }
            }
            checks.push(meta);
        }
        let position = |id: &str| {
            super::REGISTRY
                .iter()
                .position(|c| c.id == id)
                .unwrap_or(usize::MAX)
        };
        checks.sort_by_key(|m| position(&m.id));
        Ok(Catalog { checks })
    }

    pub fn all(&self) -> &[CheckMetadata] {
        &self.checks
    }

    pub fn get(&self, id: &str) -> Option<&CheckMetadata> {
        self.checks.iter().find(|m| m.id == id)
    }

    pub fn require(&self, id: &str) -> Result<&CheckMetadata, CatalogError> {
        self.get(id)
            .ok_or_else(|| CatalogError::UnknownCheck(id.to_string()))
    }
}

/// One control of a framework's control table
/// (`checks/frameworks/<key>.toml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Control {
    pub id: String,
    /// The title, exactly as that version of the framework writes it.
    pub title: String,
    /// Why no check covers it (out of scope, manual…); `None`: a check maps
    /// to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_covered: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ControlTable {
    framework: String,
    control: Vec<Control>,
}

/// The control table of framework `key`, for the frameworks that have one
/// (the CIS versions from v6.0.0 on): ids, titles, and the controls of the
/// logging and monitoring sections no check covers, with why.
pub fn framework_controls(key: &str) -> Option<&'static [Control]> {
    static TABLES: OnceLock<BTreeMap<String, Vec<Control>>> = OnceLock::new();
    TABLES
        .get_or_init(|| {
            parse_control_tables(FRAMEWORK_FILES, Catalog::embedded())
                .expect("embedded framework tables are valid (tested)")
        })
        .get(key)
        .map(Vec::as_slice)
}

/// Parses the control tables and checks them against the catalog: every
/// control a check maps to is in its framework's table, and every control
/// of a table is either mapped by a check or says why none covers it.
fn parse_control_tables(
    files: &[(&str, &str)],
    catalog: &Catalog,
) -> Result<BTreeMap<String, Vec<Control>>, CatalogError> {
    let mut tables = BTreeMap::new();
    for (stem, text) in files {
        let invalid = |message: String| CatalogError::Invalid {
            file: format!("frameworks/{stem}"),
            message,
        };
        let table: ControlTable = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        if table.framework != *stem || !FRAMEWORKS.iter().any(|(k, _)| k == stem) {
            return Err(invalid(format!(
                "framework '{}' is not this file's known framework",
                table.framework
            )));
        }
        let mapped: BTreeMap<&str, Vec<&str>> =
            catalog
                .all()
                .iter()
                .fold(BTreeMap::new(), |mut mapped, meta| {
                    for id in meta.frameworks.get(*stem).into_iter().flatten() {
                        mapped
                            .entry(id.as_str())
                            .or_default()
                            .push(meta.id.as_str());
                    }
                    mapped
                });
        for (id, checks) in &mapped {
            if !table.control.iter().any(|c| c.id == *id) {
                return Err(invalid(format!(
                    "control {id}, which {} maps to, is not listed",
                    checks.join(", ")
                )));
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for control in &table.control {
            if !seen.insert(control.id.as_str()) {
                return Err(invalid(format!("control {} is listed twice", control.id)));
            }
            match (
                mapped.contains_key(control.id.as_str()),
                &control.not_covered,
            ) {
                (true, Some(_)) => {
                    return Err(invalid(format!(
                        "control {} is mapped by a check and says it is not covered",
                        control.id
                    )))
                }
                (false, None) => {
                    return Err(invalid(format!(
                        "control {} is mapped by no check and does not say why (not_covered)",
                        control.id
                    )))
                }
                _ => {}
            }
        }
        tables.insert(stem.to_string(), table.control);
    }
    Ok(tables)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_check_has_metadata_and_every_metadata_a_check() {
        let catalog = Catalog::parse(METADATA_FILES).unwrap();
        let registered: BTreeSet<_> = super::super::REGISTRY.iter().map(|c| c.id).collect();
        let described: BTreeSet<_> = catalog.all().iter().map(|m| m.id.as_str()).collect();
        assert_eq!(registered, described);
    }

    #[test]
    fn framework_tables_agree_with_the_mappings() {
        let catalog = Catalog::parse(METADATA_FILES).unwrap();
        let tables = parse_control_tables(FRAMEWORK_FILES, &catalog).unwrap();
        assert!(tables.contains_key("cis-aws-v6.0.0") && tables.contains_key("cis-aws-v7.0.0"));
        // A mapping to a control the table lacks, and a control neither
        // mapped nor explained, are both refused.
        let (_, v7) = FRAMEWORK_FILES
            .iter()
            .find(|(k, _)| *k == "cis-aws-v7.0.0")
            .unwrap();
        let without_41 = v7.replace(
            "id = \"4.1\"\ntitle = \"Ensure CloudTrail is enabled in all regions\"",
            "id = \"9.9\"\ntitle = \"x\"",
        );
        let e = parse_control_tables(&[("cis-aws-v7.0.0", &without_41)], &catalog).unwrap_err();
        assert!(
            e.to_string()
                .contains("control 4.1, which cloudtrail-multi-region maps to, is not listed"),
            "{e}"
        );
        let unexplained = format!("{v7}\n[[control]]\nid = \"2.2\"\ntitle = \"y\"\n");
        let e = parse_control_tables(&[("cis-aws-v7.0.0", &unexplained)], &catalog).unwrap_err();
        assert!(
            e.to_string().contains("control 2.2 is mapped by no check"),
            "{e}"
        );
    }

    #[test]
    fn check_ids_are_unique() {
        let mut seen = BTreeSet::new();
        for check in super::super::REGISTRY {
            assert!(seen.insert(check.id), "duplicate check id {}", check.id);
        }
        assert_eq!(METADATA_FILES.len(), seen.len());
    }

    #[test]
    fn metadata_is_complete() {
        for meta in Catalog::parse(METADATA_FILES).unwrap().all() {
            assert!(!meta.title.trim().is_empty(), "{}: title", meta.id);
            assert!(!meta.rationale.trim().is_empty(), "{}: rationale", meta.id);
            assert!(
                !meta.remediation.console.trim().is_empty(),
                "{}: console",
                meta.id
            );
            assert!(meta.remediation.cli.contains("aws "), "{}: cli", meta.id);
            assert!(
                ["account", "region", "trail", "bucket"].contains(&meta.resource_kind.as_str()),
                "{}: resource_kind",
                meta.id
            );
        }
    }

    #[test]
    fn rejects_unknown_fields_and_frameworks() {
        let base = "id = \"x\"\ntitle = \"t\"\nseverity = \"low\"\nresource_kind = \"trail\"\nrationale = \"r\"\n[remediation]\nconsole = \"c\"\ncli = \"aws x\"\n";
        assert!(Catalog::parse(&[("x", base)]).is_ok());
        let unknown_field = format!("{base}[frameworks]\n\"cis-aws-v9\" = [\"1\"]\n");
        assert!(Catalog::parse(&[("x", &unknown_field)]).is_err());
        assert!(Catalog::parse(&[("y", base)]).is_err());
        let bad_severity = base.replace("low", "urgent");
        assert!(Catalog::parse(&[("x", &bad_severity)]).is_err());
    }
}
