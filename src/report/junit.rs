//! `--format junit`: JUnit XML for CI test-report views (GitLab, Jenkins,
//! Azure DevOps, GitHub test-report actions). One `testsuite` per account,
//! one `testcase` per check and resource: `fail` → `<failure>`, `error` →
//! `<error>`, `not_applicable` → `<skipped/>`, with the message and the
//! evidence in the element's body.
//!
//! Every attribute is escaped, every body is CDATA (with `]]>` split), and
//! characters XML 1.0 cannot carry at all
//! (most control characters) are replaced by U+FFFD, so a hostile resource
//! name can neither break the document nor inject elements.

use super::model::{Report, ReportFinding, StatusCounts};
use crate::finding::Status;
use std::fmt::Write as _;

pub fn render(report: &Report) -> Vec<u8> {
    // Accounts in scope order, then any account only the findings name.
    let mut accounts: Vec<&str> = report.scope.accounts.iter().map(String::as_str).collect();
    for f in &report.findings {
        if !accounts.contains(&f.account_id.as_str()) {
            accounts.push(f.account_id.as_str());
        }
    }
    let timestamp = report
        .generated_at
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let total = &report.summary.by_status;

    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"0\" timestamp=\"{}\">",
        attr(&format!("{} {}", report.tool.name, report.tool.version)),
        total.total(),
        total.fail,
        total.error,
        total.not_applicable,
        timestamp,
    );
    for (id, account) in accounts.iter().enumerate() {
        let findings: Vec<&ReportFinding> = report
            .findings
            .iter()
            .filter(|f| f.account_id == *account)
            .collect();
        let mut counts = StatusCounts::default();
        for f in &findings {
            counts.add(f.status);
        }
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" id=\"{id}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"0\" timestamp=\"{timestamp}\">",
            attr(account),
            counts.total(),
            counts.fail,
            counts.error,
            counts.not_applicable,
        );
        let _ = writeln!(out, "    <properties>");
        let _ = writeln!(
            out,
            "      <property name=\"account_id\" value=\"{}\"/>",
            attr(account)
        );
        let _ = writeln!(
            out,
            "      <property name=\"snapshot_sha256\" value=\"{}\"/>",
            attr(&report.snapshot.sha256)
        );
        let _ = writeln!(out, "    </properties>");
        for f in findings {
            testcase(&mut out, f);
        }
        let _ = writeln!(out, "  </testsuite>");
    }
    let _ = writeln!(out, "</testsuites>");
    out.into_bytes()
}

fn testcase(out: &mut String, f: &ReportFinding) {
    let name = match &f.region {
        Some(region) => format!("{} · {} ({region})", f.check_id, f.resource),
        None => format!("{} · {}", f.check_id, f.resource),
    };
    let _ = write!(
        out,
        "    <testcase classname=\"trailwarden.{}\" name=\"{}\" time=\"0\"",
        attr(&f.check_id),
        attr(&name)
    );
    let element = match f.status {
        Status::Pass => None,
        Status::Fail => Some("failure"),
        Status::Error => Some("error"),
        Status::NotApplicable | Status::Waived => Some("skipped"),
    };
    match element {
        None => {
            let _ = writeln!(out, "/>");
        }
        Some("skipped") => {
            let _ = writeln!(out, ">");
            let _ = writeln!(out, "      <skipped message=\"{}\"/>", attr(&f.message));
            let _ = writeln!(out, "    </testcase>");
        }
        Some(element) => {
            let _ = writeln!(out, ">");
            let evidence = serde_json::to_string_pretty(&f.evidence).unwrap_or_default();
            let mut body = format!(
                "{}\n\nseverity: {}\naccount: {}\nregion: {}\nresource: {}\n\nevidence:\n{evidence}\n",
                f.message,
                f.severity,
                f.account_id,
                f.region.as_deref().unwrap_or("-"),
                f.resource,
            );
            if f.status == Status::Fail && !f.remediation.console.is_empty() {
                let _ = write!(
                    body,
                    "\nremediation (console): {}\nremediation (AWS CLI): {}\n",
                    f.remediation.console, f.remediation.cli
                );
            }
            let _ = writeln!(
                out,
                "      <{element} message=\"{}\" type=\"{}\">{}</{element}>",
                attr(&f.message),
                f.severity,
                cdata(&body)
            );
            let _ = writeln!(out, "    </testcase>");
        }
    }
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
