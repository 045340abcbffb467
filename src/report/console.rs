//! `--format console`: a summary a person reads in a terminal or CI log:
//! per-check counts, then every failing and error finding with its reason.
//! Colored on a terminal ([`use_color`]); plain text when piped, written to
//! a file, or when `NO_COLOR` is set or `TERM=dumb`.

use super::model::{Report, ReportFinding, StatusCounts};
use crate::finding::{Severity, Status};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Plain text: what files, pipes and CI logs get.
pub fn render(report: &Report) -> Vec<u8> {
    render_styled(report, false)
}

/// Whether console output to stdout should be colored: stdout is a
/// terminal that is not `TERM=dumb`, and `NO_COLOR` is unset or empty
/// (<https://no-color.org>).
pub fn use_color() -> bool {
    use std::io::IsTerminal as _;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
    !no_color && !dumb && std::io::stdout().is_terminal()
}

/// ANSI SGR styling that is a no-op when color is off, so the layout code
/// is shared and the plain output is exactly the uncolored text.
#[derive(Clone, Copy)]
struct Style(bool);

impl Style {
    fn paint(self, code: &str, text: &str) -> String {
        if self.0 && !text.is_empty() {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn severity(self, severity: Severity, text: &str) -> String {
        let code = match severity {
            Severity::Critical => "1;31",
            Severity::High => "31",
            Severity::Medium => "33",
            Severity::Low => "36",
            Severity::Info => "2",
        };
        self.paint(code, text)
    }

    /// A count, colored only when non-zero (zeros stay quiet).
    fn count(self, code: &str, n: usize, width: usize) -> String {
        let text = format!("{n:>width$}");
        if n == 0 {
            text
        } else {
            self.paint(code, &text)
        }
    }
}

/// The console report; `color` adds ANSI colors (only for a terminal).
pub fn render_styled(report: &Report, color: bool) -> Vec<u8> {
    let style = Style(color);
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
    let mut per_check: Vec<(&str, Severity, StatusCounts)> = Vec::new();
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &report.findings {
        let i = *index.entry(f.check_id.as_str()).or_insert_with(|| {
            per_check.push((f.check_id.as_str(), f.severity, StatusCounts::default()));
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
    let heading = format!(
        "{:<width$}  {:<8}  {:>5} {:>5} {:>5} {:>5}",
        "CHECK", "SEVERITY", "PASS", "FAIL", "ERROR", "N/A"
    );
    let _ = writeln!(out, "{}", style.paint("1", &heading));
    for (id, severity, c) in &per_check {
        let _ = writeln!(
            out,
            "{id:<width$}  {}  {} {} {} {:>5}",
            style.severity(*severity, &format!("{:<8}", severity.as_str())),
            style.count("32", c.pass, 5),
            style.count("1;31", c.fail, 5),
            style.count("33", c.error, 5),
            c.not_applicable
        );
    }

    let failing: Vec<&ReportFinding> = report
        .findings
        .iter()
        .filter(|f| f.status == Status::Fail)
        .collect();
    if !failing.is_empty() {
        let _ = writeln!(out, "\n{}", style.paint("1;31", "Failing findings:"));
        let mut sorted = failing;
        sorted.sort_by_key(|f| std::cmp::Reverse(f.severity));
        for f in sorted {
            let _ = writeln!(out, "  {}", line(f, style));
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
        let _ = writeln!(
            out,
            "\n{}",
            style.paint("1;33", "Incomplete (error) findings:")
        );
        for ((account, message), checks) in errors {
            let _ = writeln!(
                out,
                "  {} · {} · {}",
                clean(account),
                checks.join(", "),
                clean(message)
            );
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
                clean(&e.account_id),
                clean(e.region.as_deref().unwrap_or("-")),
                clean(&e.service),
                clean(&e.operation),
                clean(&e.code),
                clean(&e.message)
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
    let summary = format!(
        "{} findings: {} pass, {} fail, {} error, {} not applicable · fail-on {} · exit {}",
        report.summary.total,
        s.pass,
        s.fail,
        s.error,
        s.not_applicable,
        report.fail_on,
        report.exit_code
    );
    let summary_code = match report.exit_code {
        0 => "1;32",
        1 => "1;31",
        _ => "1;33",
    };
    let _ = writeln!(out, "\n{}", style.paint(summary_code, &summary));
    out.into_bytes()
}

fn line(f: &ReportFinding, style: Style) -> String {
    format!(
        "{} {} · {} · {}{} · {}",
        style.severity(
            f.severity,
            &format!("[{}]", f.severity.as_str().to_uppercase())
        ),
        f.check_id,
        clean(&f.account_id),
        clean(&f.resource),
        f.region
            .as_deref()
            .map(|r| format!(" ({})", clean(r)))
            .unwrap_or_default(),
        clean(&f.message)
    )
}

/// Strings from AWS with control characters (an escape sequence in a tag or
/// name could rewrite the terminal) replaced by U+FFFD.
fn clean(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().any(char::is_control) {
        s.chars()
            .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
            .collect::<String>()
            .into()
    } else {
        s.into()
    }
}
