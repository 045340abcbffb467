//! Per-check documentation, rendered from the metadata through one fixed
//! handlebars template (`report-templates/check.txt.hbs`).

use crate::checks::{Catalog, CheckMetadata, FRAMEWORKS};
use handlebars::Handlebars;
use serde_json::json;
use std::fmt::Write as _;

/// The two formats of the listing commands (`checks`, `diff`,
/// `verify-logs`): text for people, JSON for scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    Console,
    Json,
}

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

/// `trailwarden checks --framework KEY`: the framework's controls in natural
/// order, each with the checks that implement it.
pub fn render_framework(
    catalog: &Catalog,
    key: &str,
    format: ListFormat,
) -> anyhow::Result<String> {
    use crate::report::model::natural_key;
    use std::collections::BTreeMap;
    let name = FRAMEWORKS
        .iter()
        .find(|(k, _)| *k == key)
        .map_or(key, |(_, n)| *n);
    let mut controls: BTreeMap<&str, Vec<&CheckMetadata>> = BTreeMap::new();
    for meta in catalog.all() {
        for control in meta.frameworks.get(key).into_iter().flatten() {
            controls.entry(control.as_str()).or_default().push(meta);
        }
    }
    let mut controls: Vec<(&str, Vec<&CheckMetadata>)> = controls.into_iter().collect();
    controls.sort_by_key(|(id, _)| natural_key(id));
    // The framework's own titles, and the controls no check covers with
    // why, where the framework has a control table.
    let table = crate::checks::framework_controls(key).unwrap_or_default();
    let title_of = |id: &str| table.iter().find(|c| c.id == id).map(|c| c.title.as_str());
    let mut uncovered: Vec<&crate::checks::Control> =
        table.iter().filter(|c| c.not_covered.is_some()).collect();
    uncovered.sort_by_key(|c| natural_key(&c.id));
    Ok(match format {
        ListFormat::Json => {
            let value = json!({
                "framework": key,
                "name": name,
                "controls": controls.iter().map(|(id, checks)| json!({
                    "id": id,
                    "title": title_of(id),
                    "checks": checks.iter().map(|m| json!({
                        "id": m.id, "title": m.title, "severity": m.severity,
                    })).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
                "not_covered": uncovered.iter().map(|c| json!({
                    "id": c.id, "title": c.title, "why": c.not_covered,
                })).collect::<Vec<_>>(),
            });
            format!("{}\n", serde_json::to_string_pretty(&value)?)
        }
        ListFormat::Console => {
            let mut out = format!("{name} ({key}): {} control(s)\n\n", controls.len());
            let width = controls
                .iter()
                .map(|(id, _)| id.len())
                .max()
                .unwrap_or(7)
                .max(7);
            let _ = writeln!(out, "{:<width$}  CHECKS", "CONTROL");
            for (id, checks) in &controls {
                if let Some(title) = title_of(id) {
                    let _ = writeln!(out, "{id:<width$}  {title}");
                }
                for (i, meta) in checks.iter().enumerate() {
                    let shown = if i == 0 && title_of(id).is_none() {
                        *id
                    } else {
                        ""
                    };
                    let _ = writeln!(
                        out,
                        "{shown:<width$}  {} ({}): {}",
                        meta.id,
                        meta.severity.as_str(),
                        meta.title
                    );
                }
            }
            if !uncovered.is_empty() {
                let _ = writeln!(out, "\nNot covered by any check:");
                for c in &uncovered {
                    let why = c.not_covered.as_deref().unwrap_or_default();
                    let _ = writeln!(out, "{:<width$}  {}: {why}", c.id, c.title);
                }
            }
            out
        }
    })
}
