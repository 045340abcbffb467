//! `--format console`: a summary a person reads in a terminal or CI log:
//! the policy in force, per-check (and, with `--framework`, per-control)
//! counts, then every failing, waived and error finding with its reason, and
//! what changed since the baseline.
//! Colored on a terminal ([`use_color`]); plain text when piped, written to
//! a file, or when `NO_COLOR` is set or `TERM=dumb`.

use super::model::{Report, ReportFinding, ReportWaiver, StatusCounts};
use crate::finding::{Severity, Status};
use crate::verdict::Change;
use std::fmt::Write as _;

/// Plain text: what files, pipes and CI logs get.
pub fn render(report: &Report) -> Vec<u8> {
    render_styled(report, false)
}

/// Plain text, every failing finding on its own line when `verbose` (`-v`).
pub fn render_verbose(report: &Report, verbose: bool) -> Vec<u8> {
    render_with(report, false, verbose)
}

/// How many places a grouped failure lists before it points to the full
/// reports: about a screenful.
pub const GROUP_LIST_LIMIT: usize = 20;

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
    render_with(report, color, false)
}

/// The console report. Failing findings that read the same (one check and
/// message: an organization trail's failure under 2,500 accounts) are one
/// entry listing where they apply, shortened past a screenful; `verbose`
/// (`-v`) prints every finding on its own line instead.
pub fn render_with(report: &Report, color: bool, verbose: bool) -> Vec<u8> {
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
        let _ = writeln!(out, "organization {}", clean(org));
    }
    for (service, url) in &report.scope.endpoint_overrides {
        let _ = writeln!(
            out,
            "facts read from {} ({}), not from AWS's own endpoints",
            clean(url),
            if service == "*" {
                "every service".to_string()
            } else {
                clean(service).into_owned()
            }
        );
    }
    out.push('\n');
    policy(&mut out, report, style);

    // Per-check counts, in report (registry) order.
    let per_check: Vec<(&str, Severity, StatusCounts)> = super::view::check_counts(report)
        .into_iter()
        .map(|c| (c.id, c.severity, c.counts))
        .collect();
    let width = per_check
        .iter()
        .map(|(id, ..)| id.len())
        .max()
        .unwrap_or(5)
        .max(5);
    let heading = format!(
        "{:<width$}  {:<8}  {:>5} {:>5} {:>6} {:>5} {:>5}",
        "CHECK", "SEVERITY", "PASS", "FAIL", "WAIVED", "ERROR", "N/A"
    );
    let _ = writeln!(out, "{}", style.paint("1", &heading));
    for (id, severity, c) in &per_check {
        let _ = writeln!(
            out,
            "{id:<width$}  {}  {} {} {} {} {:>5}",
            style.severity(*severity, &format!("{:<8}", severity.as_str())),
            style.count("32", c.pass, 5),
            style.count("1;31", c.fail, 5),
            style.count("36", c.waived, 6),
            style.count("33", c.error, 5),
            c.not_applicable
        );
    }
    controls(&mut out, report, style);

    let mut failing = super::view::group_findings(report, |f| f.status == Status::Fail);
    if !failing.is_empty() {
        let _ = writeln!(out, "\n{}", style.paint("1;31", "Failing findings:"));
        // Most severe first; otherwise the report's order.
        failing.sort_by_key(|g| std::cmp::Reverse(report.findings[g.members[0]].severity));
        let mut shortened = false;
        for group in failing {
            let f = &report.findings[group.members[0]];
            let new = if f.change == Some(Change::New) {
                format!("{} ", style.paint("1;35", "[NEW]"))
            } else {
                String::new()
            };
            if verbose || group.members.len() == 1 {
                for &i in &group.members {
                    let _ = writeln!(out, "  {new}{}", line(&report.findings[i], style));
                }
            } else {
                let _ = writeln!(out, "  {new}{}", group_line(report, &group.members, style));
                let shown = group.members.len().min(GROUP_LIST_LIMIT);
                for &i in &group.members[..shown] {
                    let _ = writeln!(out, "      {}", place(&report.findings[i]));
                }
                if group.members.len() > shown {
                    shortened = true;
                    let _ = writeln!(out, "      … and {} more", group.members.len() - shown);
                }
            }
            if let Some(w) = f.waiver.as_ref().filter(|w| w.expired) {
                let _ = writeln!(
                    out,
                    "      {} (owner {}: {})",
                    style.paint(
                        "1;31",
                        &format!("waiver #{} expired on {}", w.index, w.expires)
                    ),
                    clean(&w.owner),
                    clean(&w.reason)
                );
            }
        }
        if shortened {
            let _ = writeln!(
                out,
                "  (every failing finding: -v, or the JSON report: --format json or --report json=PATH)"
            );
        }
    }
    // Accepted failures stay visible with who accepted them and until when.
    let waived: Vec<&ReportFinding> = report
        .findings
        .iter()
        .filter(|f| f.status == Status::Waived)
        .collect();
    if !waived.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            style.paint("1;36", &format!("Waived findings ({}):", waived.len()))
        );
        let mut sorted = waived;
        sorted.sort_by_key(|f| std::cmp::Reverse(f.severity));
        for f in sorted {
            let _ = writeln!(out, "  {}", line(f, style));
            if let Some(w) = &f.waiver {
                let _ = writeln!(
                    out,
                    "      waived by waiver #{} until {} · owner {} · {}",
                    w.index,
                    w.expires,
                    clean(&w.owner),
                    clean(&w.reason)
                );
            }
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
    baseline(&mut out, report, style);
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
        "{} findings: {} pass, {} fail, {} waived, {} error, {} not applicable · fail-on {} · exit {}",
        report.summary.total,
        s.pass,
        s.fail,
        s.waived,
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

/// The "Policy" block: what the configuration and flags changed, so a
/// reader of a CI log knows which rules the verdicts were judged under.
fn policy(out: &mut String, report: &Report, style: Style) {
    if !report.policy_applies() {
        return;
    }
    let p = &report.policy;
    let _ = writeln!(out, "{}", style.paint("1", "Policy:"));
    if let Some(config) = &p.config {
        let _ = writeln!(
            out,
            "  config {} (sha256 {})",
            clean(&config.path),
            clean(&config.sha256)
        );
    }
    if let Some(key) = &p.framework {
        let name = report
            .framework
            .as_ref()
            .map(|f| format!(" ({})", clean(&f.name)))
            .unwrap_or_default();
        let _ = writeln!(out, "  framework {}{name}", clean(key));
    }
    if p.fail_on_new {
        let _ = writeln!(
            out,
            "  fail-on-new: only failures new since the baseline count for the exit code"
        );
    }
    if !p.disabled_checks.is_empty() {
        let _ = writeln!(out, "  disabled checks:");
        for d in &p.disabled_checks {
            let _ = writeln!(
                out,
                "    {} {} · {}",
                style.paint("2", "DISABLED"),
                clean(&d.check_id),
                clean(&d.reason)
            );
        }
    }
    if !p.severity_overrides.is_empty() {
        let _ = writeln!(out, "  severity overrides:");
        for o in &p.severity_overrides {
            let _ = writeln!(
                out,
                "    {}: {} → {}",
                clean(&o.check_id),
                o.default,
                style.severity(o.severity, o.severity.as_str())
            );
        }
    }
    if !p.waivers.is_empty() {
        let _ = writeln!(out, "  waivers:");
        for w in &p.waivers {
            let _ = writeln!(out, "    {}", waiver_line(w, style));
        }
    }
    out.push('\n');
}

/// One waiver with its state spelled out in capitals (and colored), so an
/// expired or stale waiver stands out in a long log.
fn waiver_line(w: &ReportWaiver, style: Style) -> String {
    let words = super::view::waiver_state(&w.state, w.days_left);
    let state = if words.advice.is_empty() {
        style.paint(words.ansi, words.label)
    } else {
        style.paint(words.ansi, &format!("{} ({})", words.label, words.advice))
    };
    let scope: Vec<String> = w
        .narrowed_by()
        .into_iter()
        .map(|(what, list)| format!("{what} {}", clean(&list.join(","))))
        .collect();
    let scope = if scope.is_empty() {
        String::new()
    } else {
        format!(" [{}]", scope.join("; "))
    };
    format!(
        "#{} {}{scope} · {state} · expires {} · {} matched · owner {} · {}",
        w.index,
        clean(&w.check_id),
        w.expires,
        w.matched,
        clean(&w.owner),
        clean(&w.reason)
    )
}

/// With `--framework`: the model's verdict per control id.
fn controls(out: &mut String, report: &Report, style: Style) {
    if report.framework.is_none() {
        return;
    }
    let Some(framework) = super::view::selected_control_table(report) else {
        return;
    };
    let _ = writeln!(
        out,
        "\n{}",
        style.paint(
            "1",
            &format!(
                "{} ({}): results per control",
                clean(&framework.name),
                clean(&framework.key)
            )
        )
    );
    let width = framework
        .rows
        .iter()
        .map(|c| c.id.len())
        .max()
        .unwrap_or(7)
        .max(7);
    let heading = format!(
        "{:<width$}  {:<8}  {:>5} {:>5} {:>6} {:>5} {:>5}  CHECKS",
        "CONTROL", "STATUS", "PASS", "FAIL", "WAIVED", "ERROR", "N/A"
    );
    let _ = writeln!(out, "{}", style.paint("1", &heading));
    for c in &framework.rows {
        let label = format!("{:<8}", c.verdict.label());
        let _ = writeln!(
            out,
            "{:<width$}  {}  {:>5} {:>5} {:>6} {:>5} {:>5}  {}",
            clean(&c.id),
            style.paint(c.verdict.ansi(), &label),
            c.counts.pass,
            c.counts.fail,
            c.counts.waived,
            c.counts.error,
            c.counts.not_applicable,
            clean(&checks_text(&c.checks, &c.disabled_checks))
        );
    }
}

/// A control's checks, then its disabled ones marked as such.
fn checks_text(checks: &[String], disabled: &[String]) -> String {
    checks
        .iter()
        .cloned()
        .chain(disabled.iter().map(|c| format!("{c} (disabled)")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// With `--baseline`: the counts, then every resolved failure (those that
/// now pass and those no longer reported at all).
fn baseline(out: &mut String, report: &Report, style: Style) {
    let Some(b) = &report.baseline else {
        return;
    };
    let _ = writeln!(
        out,
        "\n{} {} new, {} unchanged, {} resolved (baseline of {}, sha256 {})",
        style.paint("1", "Since the baseline:"),
        style.count("1;35", b.new, 0),
        b.unchanged,
        style.count("32", b.resolved, 0),
        b.generated_at.format("%Y-%m-%d %H:%M:%SZ"),
        clean(&b.sha256)
    );
    let resolved: Vec<&ReportFinding> = report
        .findings
        .iter()
        .filter(|f| f.change == Some(Change::Resolved))
        .collect();
    if resolved.is_empty() && b.no_longer_reported.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "{}",
        style.paint("1;32", "Resolved since the baseline:")
    );
    for f in resolved {
        let _ = writeln!(out, "  {} · now {}", where_(f), f.status);
    }
    for f in &b.no_longer_reported {
        let _ = writeln!(out, "  {} · no longer reported", where_(f));
    }
}

/// `check · account · resource (region)`.
/// Where a finding applies: account, resource and region.
fn place(f: &ReportFinding) -> String {
    format!(
        "{} · {}{}",
        clean(&f.account_id),
        clean(&f.resource),
        f.region
            .as_deref()
            .map(|r| format!(" ({})", clean(r)))
            .unwrap_or_default()
    )
}

fn where_(f: &ReportFinding) -> String {
    format!(
        "{} · {} · {}{}",
        clean(&f.check_id),
        clean(&f.account_id),
        clean(&f.resource),
        f.region
            .as_deref()
            .map(|r| format!(" ({})", clean(r)))
            .unwrap_or_default()
    )
}

/// The heading of failing findings that read the same: severity, check,
/// how many findings in how many accounts, and the message once.
fn group_line(report: &Report, members: &[usize], style: Style) -> String {
    let f = &report.findings[members[0]];
    let accounts: std::collections::BTreeSet<&str> = members
        .iter()
        .map(|&i| report.findings[i].account_id.as_str())
        .collect();
    format!(
        "{} {} · {} findings in {} account(s) · {}",
        style.severity(
            f.severity,
            &format!("[{}]", f.severity.as_str().to_uppercase())
        ),
        f.check_id,
        members.len(),
        accounts.len(),
        clean(&f.message)
    )
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
    crate::inert::terminal_field(s)
}
