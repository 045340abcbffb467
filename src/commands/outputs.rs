//! What the judging commands write: the reports (every `--report` and the `--format` one)
//! and the snapshot.

use super::inputs::check_paths_apart;
use crate::cli::OutputArgs;
use crate::config::Config;
use crate::error::InputError;
use crate::outcome::{with_write_failure, Outcome};
use crate::report::assemble::{assemble_report, Gate};
use crate::report::model::Report;
use crate::report::{self, Format};
use crate::snapshot::Snapshot;
use anyhow::{Context as _, Result};
use chrono::Utc;

/// Judges the snapshot, warns about waivers that need attention, renders,
/// writes, and returns the outcome.
pub(crate) fn report_on(
    snapshot: &Snapshot,
    snapshot_sha256: &str,
    output: &OutputArgs,
    gate: &Gate,
    config: &Config,
    now: chrono::DateTime<Utc>,
) -> Result<Outcome> {
    let started = std::time::Instant::now();
    let (report, outcome) = assemble_report(snapshot, snapshot_sha256, gate, config, now);
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        resident_mib = crate::log::resident_mib(),
        "report assembled"
    );
    for w in &report.policy.waivers {
        use crate::verdict::WaiverState::*;
        let what = match w.state {
            Expired => format!("expired on {} (its failures count again)", w.expires),
            Stale => "matches no failing finding: remove it".to_string(),
            ExpiringSoon => format!("expires in {} day(s), on {}", w.days_left, w.expires),
            Active | NotEvaluated => continue,
        };
        crate::log::warn(&format!(
            "waiver #{} ({}, owner {}) {what}",
            w.index, w.check_id, w.owner
        ));
    }
    let started = std::time::Instant::now();
    let failures = write_reports(&report, output)?;
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        resident_mib = crate::log::resident_mib(),
        "reports written"
    );
    for failure in &failures {
        eprintln!("trailwarden: error: {failure}");
    }
    // The process exits next: freeing a large organization's findings one
    // allocation at a time takes longer than writing them did.
    std::mem::forget(report);
    Ok(if failures.is_empty() {
        outcome
    } else {
        with_write_failure(outcome)
    })
}

/// Writes every `--report FORMAT=PATH` file, then the `--format` report to
/// `--output` or stdout. A file that cannot be written does not stop the
/// others; each failure comes back as one line. A template error is an
/// input error (exit 2): the HTML is rendered before any file is written.
pub(crate) fn write_reports(report: &Report, output: &OutputArgs) -> Result<Vec<String>> {
    let options = report::RenderOptions {
        template_dir: output.template_dir.clone(),
        verbose: crate::log::verbosity() > 0,
    };
    // The HTML page streams into a temporary file first: a template error
    // is an input error before any report is written, and each HTML target
    // is a copy of that file.
    let html = if wants_html(output) {
        Some(
            report::render_html_file(report, &options).map_err(|e| match e {
                report::html::HtmlError::Write(e) => {
                    anyhow::anyhow!("cannot render the HTML report: {e}")
                }
                e => InputError(e.to_string()).into(),
            })?,
        )
    } else {
        None
    };
    let render = |format: Format| -> Result<Vec<u8>> {
        report::render(report, format, &options).map_err(|e| InputError(e.to_string()).into())
    };
    let mut failures = Vec::new();
    for target in &output.reports {
        let written = match (target.format, &html) {
            (Format::Json, _) => report::write_json(report, Some(&target.path)),
            (Format::Html, Some(file)) => report::write_file_output(file, Some(&target.path)),
            (format, _) => report::write_atomically(&target.path, &render(format)?),
        };
        if let Err(e) = written {
            failures.push(format!(
                "cannot write the {} report to {}: {e}",
                format_name(target.format),
                target.path.display()
            ));
        }
    }
    let written = match (output.format, &output.output, &html) {
        (Format::Json, path, _) => report::write_json(report, path.as_deref()),
        (Format::Console, None, _) => report::write_output(
            &report::console::render_with(report, report::console::use_color(), options.verbose),
            None,
        ),
        (Format::Html, path, Some(file)) => report::write_file_output(file, path.as_deref()),
        (format, path, _) => report::write_output(&render(format)?, path.as_deref()),
    };
    if let Err(e) = written {
        failures.push(format!(
            "cannot write the {} report to {}: {e}",
            format_name(output.format),
            output
                .output
                .as_deref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "stdout".into())
        ));
    }
    Ok(failures)
}

pub(crate) fn wants_html(output: &OutputArgs) -> bool {
    output.format == Format::Html || output.reports.iter().any(|t| t.format == Format::Html)
}

pub(crate) fn format_name(format: Format) -> String {
    use clap::ValueEnum as _;
    format
        .to_possible_value()
        .map(|v| v.get_name().to_string())
        .unwrap_or_default()
}

/// Two reports to one path would overwrite each other: refused before
/// anything is collected or written.
pub(crate) fn check_report_paths(output: &OutputArgs) -> Result<()> {
    check_paths_apart(&report_outputs(output), &[])?;
    // A missing --template-dir or a template syntax error stops the run
    // before a long collection, not after it.
    if wants_html(output) {
        report::html::check_templates(output.template_dir.as_deref())
            .map_err(|e| InputError(e.to_string()))?;
    }
    Ok(())
}

/// The report files a command writes, each with the flag that named it.
pub(crate) fn report_outputs(output: &OutputArgs) -> Vec<(String, &std::path::Path)> {
    output
        .output
        .iter()
        .map(|p| ("--output".to_string(), p.as_path()))
        .chain(output.reports.iter().map(|t| {
            (
                format!("--report {}", format_name(t.format)),
                t.path.as_path(),
            )
        }))
        .collect()
}

/// The snapshot as saved: the bytes whose SHA-256 the report names.
pub(crate) fn snapshot_bytes(snapshot: &Snapshot) -> Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(snapshot).context("serializing the snapshot")?;
    bytes.push(b'\n');
    Ok(bytes)
}

pub(crate) fn save_snapshot(bytes: &[u8], path: &std::path::Path) -> Result<()> {
    report::write_atomically(path, bytes).map_err(|e| {
        InputError(format!(
            "cannot write the snapshot to {}: {e}",
            path.display()
        ))
        .into()
    })
}
