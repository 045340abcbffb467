//! `--format markdown`: GitHub-flavoured Markdown for `$GITHUB_STEP_SUMMARY`
//! and merge-request comments. A summary table first (with `--framework`,
//! then the results per control), then failing findings (most severe first,
//! new ones marked), the waived ones with their waivers, the incomplete
//! ones, what changed since the baseline, the policy in force, and the
//! details collapsed in `<details>` blocks.
//!
//! GitHub refuses step summaries over 1 MiB (comment bodies are limited to
//! 65,536 characters, so a large organization's summary is for the step
//! summary, not a comment). The renderer keeps the whole document under
//! [`MAX_BYTES`]: rows are added in priority order while they fit, and what
//! is left out is counted in a note that points at the full reports.

use super::model::{Report, ReportFinding, ReportWaiver, StatusCounts};
use crate::finding::{Severity, Status};
use crate::verdict::Change;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The most bytes the document may have: 1 MiB less a margin for what a
/// workflow might append to the same step summary.
pub const MAX_BYTES: usize = 1024 * 1024 - 64 * 1024;
/// Room kept for the notes and closing tags written after a section stops.
const RESERVE: usize = 8 * 1024;

pub fn render(report: &Report) -> Vec<u8> {
    render_limited(report, MAX_BYTES)
}

/// Renders within `max_bytes` (tests use a small limit).
pub fn render_limited(report: &Report, max_bytes: usize) -> Vec<u8> {
    let mut doc = Doc {
        out: String::new(),
        limit: max_bytes.saturating_sub(RESERVE),
        omitted: 0,
    };
    header(&mut doc, report);
    controls(&mut doc, report);

    let mut failing: Vec<&ReportFinding> = report
        .findings
        .iter()
        .filter(|f| f.status == Status::Fail)
        .collect();
    // Stable sort: most severe first, report order within a severity.
    failing.sort_by_key(|f| std::cmp::Reverse(f.severity));
    if !failing.is_empty() {
        let _ = writeln!(doc.out, "\n### Failing findings ({})\n", failing.len());
        doc.out
            .push_str("| Severity | Check | Account | Region | Resource | Message |\n");
        doc.out.push_str("|---|---|---|---|---|---|\n");
        let rows: Vec<String> = failing.iter().map(|f| finding_row(f)).collect();
        doc.rows(&rows, "failing findings");
        failing_details(&mut doc, report, &failing);
    }

    waived(&mut doc, report);
    errors(&mut doc, report);
    baseline(&mut doc, report);
    policy(&mut doc, report);
    per_check(&mut doc, report);
    others(&mut doc, report);

    if doc.omitted > 0 {
        let _ = writeln!(
            doc.out,
            "\n> [!NOTE]\n> This summary is shortened to stay under {} KiB: {} row(s) are left out. \
             The JSON, CSV and HTML reports hold every finding.",
            max_bytes / 1024,
            doc.omitted
        );
    }
    doc.out.into_bytes()
}

struct Doc {
    out: String,
    /// Size the body may grow to before sections stop adding rows.
    limit: usize,
    omitted: usize,
}

impl Doc {
    fn fits(&self, extra: usize) -> bool {
        self.out.len() + extra <= self.limit
    }

    /// Appends rows while they fit, then one line counting the rest.
    fn rows(&mut self, rows: &[String], what: &str) {
        for (i, row) in rows.iter().enumerate() {
            if !self.fits(row.len()) {
                let left = rows.len() - i;
                self.omitted += left;
                let _ = writeln!(
                    self.out,
                    "\n… {left} more {what} not shown (size limit); see the full reports."
                );
                return;
            }
            self.out.push_str(row);
        }
    }
}

fn header(doc: &mut Doc, report: &Report) {
    let s = &report.summary.by_status;
    let verdict = match report.exit_code {
        0 => "✅ passed",
        1 => "❌ failed",
        3 => "⚠️ incomplete",
        _ => "⚠️ not judged",
    };
    let _ = writeln!(
        doc.out,
        "## trailwarden audit: {verdict} (exit {})\n",
        report.exit_code
    );
    let _ = writeln!(
        doc.out,
        "{} account(s), {} region(s){} · facts collected {} · fail-on `{}` · trailwarden {}  ",
        report.scope.accounts.len(),
        report.scope.regions.len(),
        report
            .scope
            .organization_id
            .as_deref()
            .map(|o| format!(" · organization {}", cell(o)))
            .unwrap_or_default(),
        report.snapshot.collected_at.format("%Y-%m-%d %H:%M:%SZ"),
        report.fail_on,
        inline(&report.tool.version),
    );
    for (service, url) in &report.scope.endpoint_overrides {
        let service = if service == "*" {
            "every service"
        } else {
            service.as_str()
        };
        let _ = writeln!(
            doc.out,
            "⚠️ facts read from {} ({}), not from AWS's own endpoints  ",
            cell(url),
            cell(service)
        );
    }
    let _ = writeln!(
        doc.out,
        "snapshot SHA-256 `{}`\n",
        inline(&report.snapshot.sha256)
    );
    if report.policy_applies() || report.baseline.is_some() {
        let p = &report.policy;
        let mut parts = Vec::new();
        if let Some(c) = &p.config {
            parts.push(format!(
                "policy `{}` (SHA-256 `{}`)",
                inline(&c.path),
                inline(&c.sha256)
            ));
        }
        if let Some(key) = &p.framework {
            parts.push(format!("framework `{}`", inline(key)));
        }
        if p.fail_on_new {
            parts.push("only new failures count (`--fail-on-new`)".to_string());
        }
        if let Some(b) = &report.baseline {
            parts.push(format!(
                "baseline of {} (SHA-256 `{}`)",
                b.generated_at.format("%Y-%m-%d %H:%M:%SZ"),
                inline(&b.sha256)
            ));
        }
        if !parts.is_empty() {
            let _ = writeln!(doc.out, "{}\n", parts.join(" · "));
        }
    }
    doc.out.push_str(
        "| Severity | Fail | Error | Pass | Not applicable | Waived |\n|---|---:|---:|---:|---:|---:|\n",
    );
    for severity in Severity::ALL.iter().rev() {
        let c = report
            .summary
            .by_severity
            .get(severity)
            .copied()
            .unwrap_or_default();
        let _ = writeln!(
            doc.out,
            "| {} | {} | {} | {} | {} | {} |",
            severity, c.fail, c.error, c.pass, c.not_applicable, c.waived
        );
    }
    let _ = writeln!(
        doc.out,
        "| **total** | **{}** | **{}** | **{}** | **{}** | **{}** |",
        s.fail, s.error, s.pass, s.not_applicable, s.waived
    );
    if !report.collection_errors.is_empty() {
        let _ = writeln!(
            doc.out,
            "\n{} API call(s) failed during collection (listed below).",
            report.collection_errors.len()
        );
    }
}

/// A failing row: new failures are marked, and a lapsed waiver is named
/// under the message (the reason it fails again).
fn finding_row(f: &ReportFinding) -> String {
    let new = if f.change == Some(Change::New) {
        " **NEW**"
    } else {
        ""
    };
    let expired = f
        .waiver
        .as_ref()
        .filter(|w| w.expired)
        .map(|w| {
            format!(
                "<br>⚠️ waiver #{} expired on {} (owner {}: {})",
                w.index,
                w.expires,
                cell(&w.owner),
                cell(&w.reason)
            )
        })
        .unwrap_or_default();
    format!(
        "| {}{new} | `{}` | {} | {} | {} | {}{expired} |\n",
        f.severity,
        inline(&f.check_id),
        cell(&f.account_id),
        cell(f.region.as_deref().unwrap_or("–")),
        cell(&f.resource),
        cell(&f.message),
    )
}

/// With `--framework`: the model's verdict per control id, right after
/// the summary, because that is what a framework run is asked for.
fn controls(doc: &mut Doc, report: &Report) {
    if report.framework.is_none() {
        return;
    }
    let Some(framework) = super::view::selected_control_table(report) else {
        return;
    };
    let _ = writeln!(
        doc.out,
        "\n### {}: results per control ({})\n",
        cell(&framework.name),
        framework.rows.len()
    );
    doc.out.push_str(
        "| Control | Status | Fail | Waived | Error | Pass | N/A | Checks |\n|---|---|---:|---:|---:|---:|---:|---|\n",
    );
    let rows: Vec<String> = framework
        .rows
        .iter()
        .map(|c| {
            let checks = c
                .checks
                .iter()
                .map(|id| format!("`{}`", inline(id)))
                .chain(
                    c.disabled_checks
                        .iter()
                        .map(|id| format!("`{}` (disabled)", inline(id))),
                )
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "| `{}` | {} | {} | {} | {} | {} | {} | {} |\n",
                inline(&c.id),
                c.verdict.markdown(),
                c.counts.fail,
                c.counts.waived,
                c.counts.error,
                c.counts.pass,
                c.counts.not_applicable,
                checks
            )
        })
        .collect();
    doc.rows(&rows, "controls");
}

/// Accepted failures: visible, with the waiver's reason, owner and expiry.
fn waived(doc: &mut Doc, report: &Report) {
    let mut waived: Vec<&ReportFinding> = report
        .findings
        .iter()
        .filter(|f| f.status == Status::Waived)
        .collect();
    if waived.is_empty() {
        return;
    }
    waived.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let _ = writeln!(
        doc.out,
        "\n### Waived findings ({}): accepted, not counted by the exit code\n",
        waived.len()
    );
    doc.out.push_str(
        "| Severity | Check | Account | Region | Resource | Waiver | Expires | Owner | Reason |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    let rows: Vec<String> = waived
        .iter()
        .map(|f| {
            let (index, expires, owner, reason) = f
                .waiver
                .as_ref()
                .map(|w| {
                    (
                        format!("#{}", w.index),
                        w.expires.to_string(),
                        cell(&w.owner),
                        cell(&w.reason),
                    )
                })
                .unwrap_or_default();
            format!(
                "| {}{} | `{}` | {} | {} | {} | {index} | {expires} | {owner} | {reason} |\n",
                f.severity,
                if f.change == Some(Change::New) {
                    " **NEW**"
                } else {
                    ""
                },
                inline(&f.check_id),
                cell(&f.account_id),
                cell(f.region.as_deref().unwrap_or("–")),
                cell(&f.resource),
            )
        })
        .collect();
    doc.rows(&rows, "waived findings");
}

/// With `--baseline`: the counts and every resolved failure.
fn baseline(doc: &mut Doc, report: &Report) {
    let Some(b) = &report.baseline else {
        return;
    };
    let _ = writeln!(
        doc.out,
        "\n### Since the baseline: {} new, {} unchanged, {} resolved\n",
        b.new, b.unchanged, b.resolved
    );
    let resolved: Vec<(&ReportFinding, String)> = report
        .findings
        .iter()
        .filter(|f| f.change == Some(Change::Resolved))
        .map(|f| (f, format!("now {}", f.status)))
        .chain(
            b.no_longer_reported
                .iter()
                .map(|f| (f, "no longer reported".to_string())),
        )
        .collect();
    if resolved.is_empty() {
        return;
    }
    doc.out
        .push_str("| Check | Account | Region | Resource | Resolved |\n|---|---|---|---|---|\n");
    let rows: Vec<String> = resolved
        .iter()
        .map(|(f, how)| {
            format!(
                "| `{}` | {} | {} | {} | {how} |\n",
                inline(&f.check_id),
                cell(&f.account_id),
                cell(f.region.as_deref().unwrap_or("–")),
                cell(&f.resource),
            )
        })
        .collect();
    doc.rows(&rows, "resolved findings");
}

/// What the configuration changed: disabled checks (with reasons),
/// severity overrides, and every waiver with its state.
fn policy(doc: &mut Doc, report: &Report) {
    let p = &report.policy;
    if p.disabled_checks.is_empty() && p.severity_overrides.is_empty() && p.waivers.is_empty() {
        return;
    }
    let _ = writeln!(doc.out, "\n### Policy\n");
    if !p.disabled_checks.is_empty() {
        let _ = writeln!(
            doc.out,
            "**Disabled checks ({})**\n\n| Check | Title | Reason |\n|---|---|---|",
            p.disabled_checks.len()
        );
        let rows: Vec<String> = p
            .disabled_checks
            .iter()
            .map(|d| {
                format!(
                    "| `{}` | {} | {} |\n",
                    inline(&d.check_id),
                    cell(&d.title),
                    cell(&d.reason)
                )
            })
            .collect();
        doc.rows(&rows, "disabled checks");
        doc.out.push('\n');
    }
    if !p.severity_overrides.is_empty() {
        doc.out.push_str(
            "**Severity overrides**\n\n| Check | Default | In this report |\n|---|---|---|\n",
        );
        let rows: Vec<String> = p
            .severity_overrides
            .iter()
            .map(|o| {
                format!(
                    "| `{}` | {} | {} |\n",
                    inline(&o.check_id),
                    o.default,
                    o.severity
                )
            })
            .collect();
        doc.rows(&rows, "severity overrides");
        doc.out.push('\n');
    }
    if !p.waivers.is_empty() {
        doc.out.push_str(
            "**Waivers**\n\n| # | Check | State | Expires | Matched | Owner | Reason | Scope |\n|---:|---|---|---|---:|---|---|---|\n",
        );
        let rows: Vec<String> = p.waivers.iter().map(waiver_row).collect();
        doc.rows(&rows, "waivers");
    }
}

fn waiver_row(w: &ReportWaiver) -> String {
    let words = super::view::waiver_state(&w.state, w.days_left);
    let label = words.label.to_lowercase();
    let state = match (words.emoji, words.advice.is_empty()) {
        (_, true) => label,
        ("", false) => format!("{label}: {}", words.advice),
        (emoji, false) => format!("{emoji} **{label}**: {}", words.advice),
    };
    let scope: Vec<String> = w
        .narrowed_by()
        .into_iter()
        .map(|(what, list)| format!("{what}: {}", cell(&list.join(", "))))
        .collect();
    format!(
        "| {} | `{}` | {state} | {} | {} | {} | {} | {} |\n",
        w.index,
        inline(&w.check_id),
        w.expires,
        w.matched,
        cell(&w.owner),
        cell(&w.reason),
        if scope.is_empty() {
            "all".to_string()
        } else {
            scope.join("; ")
        }
    )
}

/// Per failing check, one collapsed block: each resource's message and
/// evidence, then the check's remediation once.
fn failing_details(doc: &mut Doc, report: &Report, failing: &[&ReportFinding]) {
    let mut by_check: Vec<(&str, Vec<&ReportFinding>)> = Vec::new();
    for f in failing {
        match by_check.iter_mut().find(|(id, _)| *id == f.check_id) {
            Some((_, list)) => list.push(f),
            None => by_check.push((f.check_id.as_str(), vec![f])),
        }
    }
    let _ = writeln!(doc.out, "\n#### Details\n");
    for (check_id, findings) in by_check {
        let first = findings[0];
        let check = report.check(check_id);
        let mut block = String::new();
        let _ = writeln!(
            block,
            "<details><summary>{} <code>{}</code> — {} ({} failing)</summary>\n",
            first.severity,
            html(check_id),
            html(&check.title),
            findings.len()
        );
        for f in &findings {
            let evidence = serde_json::to_string_pretty(&report.evidence_of(f)).unwrap_or_default();
            let fence = fence_for(&evidence);
            let _ = writeln!(
                block,
                "**{}** · {}{}\n\n{}\n\n{fence}json\n{evidence}\n{fence}\n",
                cell(&f.resource),
                cell(&f.account_id),
                f.region
                    .as_deref()
                    .map(|r| format!(" · {}", cell(r)))
                    .unwrap_or_default(),
                cell(&f.message),
            );
        }
        if !check.remediation.console.is_empty() {
            let fence = fence_for(&check.remediation.cli);
            let _ = writeln!(
                block,
                "**Remediation:** {}\n\n{fence}sh\n{}\n{fence}\n",
                cell(&check.remediation.console),
                check.remediation.cli
            );
        }
        block.push_str("</details>\n\n");
        if doc.fits(block.len()) {
            doc.out.push_str(&block);
        } else {
            doc.omitted += findings.len();
            let _ = writeln!(
                doc.out,
                "… details of `{}` not shown (size limit); see the full reports.\n",
                inline(check_id)
            );
        }
    }
}

/// `error` findings share causes (a role that could not be assumed makes
/// every check of an account `error`): one row per account and cause.
fn errors(doc: &mut Doc, report: &Report) {
    let mut groups: Vec<((&str, &str), Vec<&str>)> = Vec::new();
    for f in report.findings.iter().filter(|f| f.status == Status::Error) {
        let key = (f.account_id.as_str(), f.message.as_str());
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, checks)) => checks.push(f.check_id.as_str()),
            None => groups.push((key, vec![f.check_id.as_str()])),
        }
    }
    if !groups.is_empty() {
        let count = report.summary.by_status.error;
        let _ = writeln!(
            doc.out,
            "\n### Incomplete: {count} finding(s) could not be evaluated\n"
        );
        doc.out
            .push_str("| Account | Checks | Reason |\n|---|---|---|\n");
        let rows: Vec<String> = groups
            .iter()
            .map(|((account, message), checks)| {
                format!(
                    "| {} | {} | {} |\n",
                    cell(account),
                    checks
                        .iter()
                        .map(|c| format!("`{}`", inline(c)))
                        .collect::<Vec<_>>()
                        .join(", "),
                    cell(message)
                )
            })
            .collect();
        doc.rows(&rows, "groups of error findings");
    }
    if !report.collection_errors.is_empty() {
        let _ = writeln!(
            doc.out,
            "\n<details><summary>Collection errors ({})</summary>\n",
            report.collection_errors.len()
        );
        doc.out
            .push_str("| Account | Region | Call | Code | Message |\n|---|---|---|---|---|\n");
        let rows: Vec<String> = report
            .collection_errors
            .iter()
            .map(|e| {
                format!(
                    "| {} | {} | {} | {} | {} |\n",
                    cell(&e.account_id),
                    cell(e.region.as_deref().unwrap_or("–")),
                    cell(&format!("{}:{}", e.service, e.operation)),
                    cell(&e.code),
                    cell(&e.message)
                )
            })
            .collect();
        doc.rows(&rows, "collection errors");
        doc.out.push_str("\n</details>\n");
    }
}

fn per_check(doc: &mut Doc, report: &Report) {
    let rows = super::view::check_counts(report);
    let order: Vec<(&str, Severity, &str)> = rows
        .iter()
        .map(|c| (c.id, c.severity, report.check(c.id).title.as_str()))
        .collect();
    let counts: BTreeMap<&str, StatusCounts> = rows.iter().map(|c| (c.id, c.counts)).collect();
    if order.is_empty() {
        return;
    }
    let _ = writeln!(
        doc.out,
        "\n<details><summary>Results per check ({})</summary>\n",
        order.len()
    );
    doc.out.push_str(
        "| Check | Severity | Fail | Waived | Error | Pass | N/A | Title |\n|---|---|---:|---:|---:|---:|---:|---|\n",
    );
    let rows: Vec<String> = order
        .iter()
        .map(|(id, severity, title)| {
            let c = counts.get(id).copied().unwrap_or_default();
            format!(
                "| `{}` | {} | {} | {} | {} | {} | {} | {} |\n",
                inline(id),
                severity,
                c.fail,
                c.waived,
                c.error,
                c.pass,
                c.not_applicable,
                cell(title)
            )
        })
        .collect();
    doc.rows(&rows, "checks");
    doc.out.push_str("\n</details>\n");
}

fn others(doc: &mut Doc, report: &Report) {
    let rest: Vec<&ReportFinding> = report
        .findings
        .iter()
        .filter(|f| matches!(f.status, Status::Pass | Status::NotApplicable))
        .collect();
    if rest.is_empty() {
        return;
    }
    let _ = writeln!(
        doc.out,
        "\n<details><summary>Passing and not applicable findings ({})</summary>\n",
        rest.len()
    );
    doc.out.push_str(
        "| Status | Check | Account | Region | Resource | Message |\n|---|---|---|---|---|---|\n",
    );
    let rows: Vec<String> = rest
        .iter()
        .map(|f| {
            format!(
                "| {} | `{}` | {} | {} | {} | {} |\n",
                f.status,
                inline(&f.check_id),
                cell(&f.account_id),
                cell(f.region.as_deref().unwrap_or("–")),
                cell(&f.resource),
                cell(&f.message),
            )
        })
        .collect();
    doc.rows(&rows, "passing or not applicable findings");
    doc.out.push_str("\n</details>\n");
}

/// Text in a table cell or paragraph: HTML-significant characters become
/// entities (so a hostile name renders as text), Markdown punctuation is
/// backslash-escaped, and line breaks become spaces (a break ends a row).
/// What GitHub and GitLab would turn live from plain text is broken with
/// an invisible WORD JOINER (U+2060): an `@` (a mention of a user or team,
/// notifying them), and the `://` and `www.` of a bare URL (an autolink).
pub fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' | '\r' | '\t' => out.push(' '),
            '|' | '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '!' | '~' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '@' => out.push_str("@\u{2060}"),
            c if crate::inert::steers_terminal(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out.replace("://", ":\u{2060}//")
        .replace("www.", "www\u{2060}.")
        .replace("WWW.", "WWW\u{2060}.")
}

/// Text inside a code span: no backticks (they would end it), no pipes
/// (they would end the table cell), no line breaks.
fn inline(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '`' => '\'',
            '|' => '/',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect()
}

/// Text inside an HTML element (`<summary>`).
fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A code fence longer than any run of backticks in `body`.
fn fence_for(body: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in body.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    "`".repeat((longest + 1).max(3))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 14, item 13: an alarm or account name cannot notify anyone or
    /// become a link in a rendered summary.
    #[test]
    fn names_cannot_mention_or_link() {
        let hostile = cell("@security-team see https://evil.example and www.evil.example");
        assert!(!hostile.contains("@s"), "{hostile}");
        assert!(!hostile.contains("://"), "{hostile}");
        assert!(!hostile.contains("www."), "{hostile}");
        // What a reader sees is the same text.
        assert_eq!(
            hostile.replace('\u{2060}', ""),
            "@security-team see https://evil.example and www.evil.example"
        );
    }

    #[test]
    fn escapes_hostile_text() {
        assert_eq!(
            cell("<script>alert(1)</script> | x\ny"),
            "&lt;script&gt;alert(1)&lt;/script&gt; \\| x y"
        );
        assert_eq!(inline("a`b|c"), "a'b/c");
        assert_eq!(fence_for("no ticks"), "```");
        assert_eq!(fence_for("a ```` b"), "`````");
    }
}
