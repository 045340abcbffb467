//! `--format junit`: JUnit XML for CI test-report views (GitLab, Jenkins,
//! Azure DevOps, GitHub test-report actions). One `testsuite` per account
//! (with `--framework`, one per control id of the framework instead), one
//! `testcase` per check and resource: `fail` → `<failure>`, `error` →
//! `<error>`, `not_applicable` → `<skipped/>`, `waived` → `<skipped/>` whose
//! message names the waiver, with the message and the evidence in the
//! element's body. Disabled checks are one skipped test case each (suite
//! `disabled checks`); with `--baseline`, each test case carries a `change`
//! property, and the failures no longer reported are passed test cases of
//! the suite `resolved since baseline`. Test case names never carry the
//! change, so a CI's test history follows a finding across runs.
//!
//! Every attribute is escaped, every body is CDATA (with `]]>` split), and
//! characters XML 1.0 cannot carry at all
//! (most control characters) are replaced by U+FFFD, so a hostile resource
//! name can neither break the document nor inject elements.

use super::model::{Report, ReportFinding, StatusCounts};
use crate::finding::Status;
use crate::verdict::Change;
use std::fmt::Write as _;

pub fn render(report: &Report) -> Vec<u8> {
    let timestamp = report
        .generated_at
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    // The run's framework as the view tables it (a control none of whose
    // checks ran is `disabled`, as in every other format).
    let selected = super::view::selected_control_table(report);
    let mut suites: Vec<Suite> = match &selected {
        // Per control: a finding mapped to two controls is a case of both.
        Some(framework) => framework
            .rows
            .iter()
            .map(|c| Suite {
                name: format!("{} {}", framework.key, c.id),
                properties: [
                    ("framework", framework.key.clone()),
                    ("control", c.id.clone()),
                    ("control_status", c.verdict.key().to_string()),
                    ("checks", c.checks.join(" ")),
                    ("disabled_checks", c.disabled_checks.join(" ")),
                ]
                .into_iter()
                .filter(|(name, value)| *name != "disabled_checks" || !value.is_empty())
                .collect(),
                cases: report
                    .findings
                    .iter()
                    .filter(|f| {
                        report
                            .check(&f.check_id)
                            .frameworks
                            .get(&framework.key)
                            .is_some_and(|ids| ids.contains(&c.id))
                    })
                    .map(Case::Finding)
                    .collect(),
            })
            .collect(),
        None => {
            // One suite per account (view::accounts: scope order, then any
            // account only the findings name); each finding put in its
            // account's suite in one pass (a scan of the findings per
            // account was 5,000 × 177,000 comparisons for a large
            // organization).
            let accounts = super::view::accounts(report);
            let mut suites: Vec<Suite> = accounts
                .ids
                .iter()
                .map(|account| Suite {
                    name: account.to_string(),
                    properties: vec![("account_id", account.to_string())],
                    cases: Vec::new(),
                })
                .collect();
            for f in &report.findings {
                suites[accounts.index[f.account_id.as_str()]]
                    .cases
                    .push(Case::Finding(f));
            }
            suites
        }
    };
    if !report.policy.disabled_checks.is_empty() {
        suites.push(Suite {
            name: "disabled checks".to_string(),
            properties: Vec::new(),
            cases: report
                .policy
                .disabled_checks
                .iter()
                .map(|d| Case::Disabled(&d.check_id, &d.reason))
                .collect(),
        });
    }
    if let Some(b) = report
        .baseline
        .as_ref()
        .filter(|b| !b.no_longer_reported.is_empty())
    {
        suites.push(Suite {
            name: "resolved since baseline".to_string(),
            properties: vec![("baseline_sha256", b.sha256.clone())],
            cases: b.no_longer_reported.iter().map(Case::Gone).collect(),
        });
    }

    let mut total = Tally::default();
    for suite in &suites {
        total.add(&suite.tally());
    }
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"0\" timestamp=\"{}\">",
        attr(&format!("{} {}", report.tool.name, report.tool.version)),
        total.tests,
        total.failures,
        total.errors,
        total.skipped,
        timestamp,
    );
    for (id, suite) in suites.iter().enumerate() {
        let t = suite.tally();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" id=\"{id}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"0\" timestamp=\"{timestamp}\">",
            attr(&suite.name),
            t.tests,
            t.failures,
            t.errors,
            t.skipped,
        );
        let _ = writeln!(out, "    <properties>");
        for (name, value) in &suite.properties {
            let _ = writeln!(
                out,
                "      <property name=\"{name}\" value=\"{}\"/>",
                attr(value)
            );
        }
        let _ = writeln!(
            out,
            "      <property name=\"snapshot_sha256\" value=\"{}\"/>",
            attr(&report.snapshot.sha256)
        );
        // Facts read elsewhere than from AWS say so in every suite.
        for (service, url) in &report.scope.endpoint_overrides {
            let _ = writeln!(
                out,
                "      <property name=\"endpoint_override.{}\" value=\"{}\"/>",
                attr(service),
                attr(url)
            );
        }
        let _ = writeln!(out, "    </properties>");
        for case in &suite.cases {
            match case {
                Case::Finding(f) => testcase(&mut out, report, f),
                Case::Disabled(check_id, reason) => {
                    let _ = writeln!(
                        out,
                        "    <testcase classname=\"trailwarden.{}\" name=\"{} · disabled\" time=\"0\">",
                        attr(check_id),
                        attr(check_id)
                    );
                    let _ = writeln!(
                        out,
                        "      <skipped message=\"{}\"/>",
                        attr(&format!("disabled: {reason}"))
                    );
                    let _ = writeln!(out, "    </testcase>");
                }
                Case::Gone(f) => {
                    let _ = writeln!(
                        out,
                        "    <testcase classname=\"trailwarden.{}\" name=\"{}\" time=\"0\">",
                        attr(&f.check_id),
                        attr(&case_name(f))
                    );
                    properties(
                        &mut out,
                        &[("change", "resolved"), ("resolution", "no longer reported")],
                    );
                    let _ = writeln!(
                        out,
                        "      <system-out>{}</system-out>",
                        cdata(&format!(
                            "Failed in the baseline ({}) and no longer reported: the resource is gone or out of scope.\nbaseline message: {}\n",
                            f.status, f.message
                        ))
                    );
                    let _ = writeln!(out, "    </testcase>");
                }
            }
        }
        let _ = writeln!(out, "  </testsuite>");
    }
    let _ = writeln!(out, "</testsuites>");
    out.into_bytes()
}

struct Suite<'a> {
    name: String,
    properties: Vec<(&'static str, String)>,
    cases: Vec<Case<'a>>,
}

enum Case<'a> {
    Finding(&'a ReportFinding),
    /// A disabled check: (id, reason).
    Disabled(&'a str, &'a str),
    /// A baseline failure no longer reported: resolved, so a passed case.
    Gone(&'a ReportFinding),
}

/// JUnit's counters: `skipped` holds not-applicable, waived and disabled.
#[derive(Default)]
struct Tally {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
}

impl Tally {
    fn add(&mut self, other: &Tally) {
        self.tests += other.tests;
        self.failures += other.failures;
        self.errors += other.errors;
        self.skipped += other.skipped;
    }
}

impl Suite<'_> {
    fn tally(&self) -> Tally {
        let mut counts = StatusCounts::default();
        let mut t = Tally::default();
        for case in &self.cases {
            match case {
                Case::Finding(f) => counts.add(f.status),
                Case::Disabled(..) => t.skipped += 1,
                Case::Gone(_) => {}
            }
        }
        t.tests = self.cases.len();
        t.failures = counts.fail;
        t.errors = counts.error;
        t.skipped += counts.not_applicable + counts.waived;
        t
    }
}

fn case_name(f: &ReportFinding) -> String {
    match &f.region {
        Some(region) => format!("{} · {} ({region})", f.check_id, f.resource),
        None => format!("{} · {}", f.check_id, f.resource),
    }
}

fn properties(out: &mut String, list: &[(&str, &str)]) {
    let _ = writeln!(out, "      <properties>");
    for (name, value) in list {
        let _ = writeln!(
            out,
            "        <property name=\"{}\" value=\"{}\"/>",
            attr(name),
            attr(value)
        );
    }
    let _ = writeln!(out, "      </properties>");
}

fn testcase(out: &mut String, report: &Report, f: &ReportFinding) {
    let _ = write!(
        out,
        "    <testcase classname=\"trailwarden.{}\" name=\"{}\" time=\"0\"",
        attr(&f.check_id),
        attr(&case_name(f))
    );
    let element = match f.status {
        Status::Pass => None,
        Status::Fail => Some("failure"),
        Status::Error => Some("error"),
        Status::NotApplicable | Status::Waived => Some("skipped"),
    };
    let mut props: Vec<(&str, String)> = Vec::new();
    if let Some(change) = f.change {
        props.push(("change", change.as_str().to_string()));
    }
    if let Some(w) = &f.waiver {
        props.push(("waiver", w.index.to_string()));
        props.push(("waiver_owner", w.owner.clone()));
        props.push(("waiver_expires", w.expires.to_string()));
        props.push(("waiver_expired", w.expired.to_string()));
    }
    let props: Vec<(&str, &str)> = props.iter().map(|(k, v)| (*k, v.as_str())).collect();
    if element.is_none() && props.is_empty() {
        let _ = writeln!(out, "/>");
        return;
    }
    let _ = writeln!(out, ">");
    if !props.is_empty() {
        properties(out, &props);
    }
    match element {
        None => {}
        Some("skipped") => {
            // A waived failure is skipped, never failed: it does not count.
            let message = match (&f.waiver, f.status) {
                (Some(w), Status::Waived) => format!(
                    "waived until {} by {}: {} (waiver #{})",
                    w.expires, w.owner, w.reason, w.index
                ),
                _ => f.message.clone(),
            };
            let _ = writeln!(out, "      <skipped message=\"{}\"/>", attr(&message));
        }
        Some(element) => {
            let evidence = serde_json::to_string_pretty(&report.evidence_of(f)).unwrap_or_default();
            let mut body = format!(
                "{}\n\nseverity: {}\naccount: {}\nregion: {}\nresource: {}\n",
                f.message,
                f.severity,
                f.account_id,
                f.region.as_deref().unwrap_or("-"),
                f.resource,
            );
            if f.change == Some(Change::New) {
                body.push_str("change: new since the baseline\n");
            }
            if let Some(w) = f.waiver.as_ref().filter(|w| w.expired) {
                let _ = writeln!(
                    body,
                    "waiver #{} expired on {} (owner {}: {}): this finding fails again",
                    w.index, w.expires, w.owner, w.reason
                );
            }
            let _ = write!(body, "\nevidence:\n{evidence}\n");
            let remediation = &report.check(&f.check_id).remediation;
            if f.status == Status::Fail && !remediation.console.is_empty() {
                let _ = write!(
                    body,
                    "\nremediation (console): {}\nremediation (AWS CLI): {}\n",
                    remediation.console, remediation.cli
                );
            }
            let _ = writeln!(
                out,
                "      <{element} message=\"{}\" type=\"{}\">{}</{element}>",
                attr(&f.message),
                f.severity,
                cdata(&body)
            );
        }
    }
    let _ = writeln!(out, "    </testcase>");
}

/// A character XML 1.0 allows in a document; others become U+FFFD.
fn xml_char(c: char) -> char {
    match c {
        '\t' | '\n' | '\r' => c,
        c if c < ' ' => '\u{FFFD}',
        '\u{FFFE}' | '\u{FFFF}' => '\u{FFFD}',
        c => c,
    }
}

/// Element text as CDATA: the evidence stays readable in the raw file, and
/// parsers that mishandle entity references in text still read it whole.
/// A `]]>` inside is split across two sections so it cannot end the first.
pub fn cdata(s: &str) -> String {
    let clean: String = s.chars().map(xml_char).collect();
    format!("<![CDATA[{}]]>", clean.replace("]]>", "]]]]><![CDATA[>"))
}

/// Escaped attribute value; whitespace controls are character references so
/// attribute-value normalization does not turn them into spaces.
pub fn attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().map(xml_char) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_quotes_and_controls() {
        assert_eq!(
            attr("<script>alert(\"x\")</script> & 'y'\n"),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &apos;y&apos;&#10;"
        );
        assert_eq!(
            cdata("a<b>&\u{1}c ]]> d"),
            "<![CDATA[a<b>&\u{FFFD}c ]]]]><![CDATA[> d]]>"
        );
    }
}
