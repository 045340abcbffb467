//! `--format console`: a summary a person reads in a terminal or CI log:
//! per-check counts, then every failing and error finding with its reason.

use super::model::{Report, ReportFinding, StatusCounts};
use crate::finding::Status;
use std::collections::BTreeMap;
use std::fmt::Write as _;

pub fn render(report: &Report) -> Vec<u8> {
    let mut out = String::new();
    let regions = report.scope.regions.len();
    let _ = writeln!(
        out,
        "trailwarden {} · {} account(s), {} region(s) · facts collected {}",
        report.tool.version,
        report.scope.accounts.len(),
        regions,
        report.snapshot.collected_at.format("%Y-%m-%d %H:%M:%SZ"),
    );
    if let Some(org) = &report.scope.organization_id {
        let _ = writeln!(out, "organization {org}");
    }
    out.push('\n');

    // Per-check counts, in report (registry) order.
    let mut per_check: Vec<(&str, &str, StatusCounts)> = Vec::new();
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &report.findings {
        let i = *index.entry(f.check_id.as_str()).or_insert_with(|| {
            per_check.push((
                f.check_id.as_str(),
                f.severity.as_str(),
                StatusCounts::default(),
            ));
            per_check.len() - 1
        });
        per_check[i].2.add(f.status);
    }
    let width = per_check
        .iter()
        .map(|(id, ..)| id.len())
        .max()
        .unwrap_or(5)
        .max(5);
    let _ = writeln!(
        out,
        "{:<width$}  {:<8}  {:>5} {:>5} {:>5} {:>5}",
        "CHECK", "SEVERITY", "PASS", "FAIL", "ERROR", "N/A"
    );
    for (id, severity, c) in &per_check {
        let _ = writeln!(
            out,
            "{id:<width$}  {severity:<8}  {:>5} {:>5} {:>5} {:>5}",
            c.pass, c.fail, c.error, c.not_applicable
        );
    }

    let failing: Vec<&ReportFinding> = report
        .findings
        .iter()
        .filter(|f| f.status == Status::Fail)
        .collect();
    if !failing.is_empty() {
        let _ = writeln!(out, "\nFailing findings:");
        let mut sorted = failing;
        sorted.sort_by_key(|f| std::cmp::Reverse(f.severity));
        for f in sorted {
            let _ = writeln!(out, "  {}", line(f));
        }
    }
    // Errors share causes (a role that could not be assumed makes every
    // check of an account `error`): one line per account and cause.
    let mut errors: Vec<((&str, &str), Vec<&str>)> = Vec::new();
    for f in report.findings.iter().filter(|f| f.status == Status::Error) {
        let key = (f.account_id.as_str(), f.message.as_str());
        match errors.iter_mut().find(|(k, _)| *k == key) {
            Some((_, checks)) => checks.push(f.check_id.as_str()),
            None => errors.push((key, vec![f.check_id.as_str()])),
        }
    }
    if !errors.is_empty() {
        let _ = writeln!(out, "\nIncomplete (error) findings:");
        for ((account, message), checks) in errors {
            let _ = writeln!(out, "  {account} · {} · {message}", checks.join(", "));
        }
    }
    if !report.collection_errors.is_empty() {
        let _ = writeln!(
            out,
            "\nCollection errors: {}",
            report.collection_errors.len()
        );
        for e in report.collection_errors.iter().take(20) {
            let _ = writeln!(
                out,
                "  {} {} {}:{} {}: {}",
                e.account_id,
                e.region.as_deref().unwrap_or("-"),
                e.service,
                e.operation,
                e.code,
                e.message
            );
        }
        if report.collection_errors.len() > 20 {
            let _ = writeln!(
                out,
                "  … {} more in the JSON report",
                report.collection_errors.len() - 20
            );
        }
    }
    let s = &report.summary.by_status;
    let _ = writeln!(
        out,
        "\n{} findings: {} pass, {} fail, {} error, {} not applicable · fail-on {} · exit {}",
        report.summary.total,
        s.pass,
        s.fail,
        s.error,
        s.not_applicable,
        report.fail_on,
        report.exit_code
    );
    out.into_bytes()
}

fn line(f: &ReportFinding) -> String {
    format!(
        "[{}] {} · {} · {}{} · {}",
        f.severity.as_str().to_uppercase(),
        f.check_id,
        f.account_id,
        f.resource,
        f.region
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default(),
        f.message
    )
}
