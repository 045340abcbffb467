//! Check metadata: title, severity, rationale, remediation and framework
//! mappings, read from `checks/<id>.toml` and embedded at build time.

use crate::finding::Severity;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;

include!(concat!(env!("OUT_DIR"), "/check_metadata.rs"));

/// The framework keys metadata may use, with their display names.
pub const FRAMEWORKS: &[(&str, &str)] = &[
    ("cis-aws-v3.0.0", "CIS AWS Foundations Benchmark v3.0.0"),
    ("cis-aws-v5.0.0", "CIS AWS Foundations Benchmark v5.0.0"),
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
