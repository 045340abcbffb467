//! Per-check documentation, rendered from the metadata through one fixed
//! handlebars template (`report-templates/check.txt.hbs`).

use crate::checks::{Catalog, CheckMetadata, FRAMEWORKS};
use handlebars::Handlebars;
use serde_json::json;
use std::fmt::Write as _;

const CHECK_TEMPLATE: &str = include_str!("../report-templates/check.txt.hbs");

/// The framework mappings as `Display name: id, id` lines, in [`FRAMEWORKS`] order.
pub fn framework_lines(meta: &CheckMetadata) -> Vec<String> {
    FRAMEWORKS
        .iter()
        .filter_map(|(key, name)| {
            meta.frameworks
                .get(*key)
                .filter(|ids| !ids.is_empty())
                .map(|ids| format!("{name}: {}", ids.join(", ")))
        })
        .collect()
}

pub fn render_check(meta: &CheckMetadata) -> anyhow::Result<String> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_escape_fn(handlebars::no_escape);
    hb.register_template_string("check", CHECK_TEMPLATE)?;
    let data = json!({
        "id": meta.id,
        "title": meta.title,
        "severity": meta.severity,
        "resource_kind": meta.resource_kind,
        "rationale": meta.rationale.trim(),
        "console": meta.remediation.console.trim(),
        "cli": meta.remediation.cli.trim(),
        "frameworks": framework_lines(meta),
    });
    Ok(hb.render("check", &data)?)
}

pub fn render_catalog(catalog: &Catalog) -> String {
    let mut out = String::new();
    let width = catalog.all().iter().map(|m| m.id.len()).max().unwrap_or(2);
    let _ = writeln!(
        out,
        "{:<width$}  {:<8}  {:<55}  FRAMEWORKS",
        "ID", "SEVERITY", "TITLE"
    );
    for meta in catalog.all() {
        let frameworks: Vec<String> = FRAMEWORKS
            .iter()
            .filter_map(|(key, _)| {
                meta.frameworks
                    .get(*key)
                    .map(|ids| format!("{key} {}", ids.join(",")))
            })
            .collect();
        let _ = writeln!(
            out,
            "{:<width$}  {:<8}  {:<55}  {}",
            meta.id,
            meta.severity.as_str(),
            meta.title,
            frameworks.join("; ")
        );
    }
    out
}
