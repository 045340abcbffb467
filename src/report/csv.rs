//! `--format csv`: one row per finding, for spreadsheets and ad-hoc queries.
//! RFC 4180 quoting by the `csv` crate (CRLF line ends, fields with commas,
//! quotes or line breaks quoted). The columns are a stable contract
//! ([`COLUMNS`], documented in docs/reports.md): new columns are only ever
//! appended at the end.
//!
//! With `--baseline`, the baseline's failures that are no longer reported at
//! all follow the findings, as the baseline reported them, with `change`
//! `resolved`: a spreadsheet of the run lists every resolved failure. Each
//! disabled check is one last row with status `disabled`, no account, and
//! the configuration's reason as its message, so it is not silently absent.

use super::model::{Report, ReportFinding};

/// The header row, in order.
pub const COLUMNS: [&str; 17] = [
    "account_id",
    "region",
    "check_id",
    "severity",
    "status",
    "resource",
    "title",
    "message",
    "frameworks",
    "evidence",
    "remediation_cli",
    // Policy (issue 5): empty when not applicable.
    "change",
    "waiver_reason",
    "waiver_owner",
    "waiver_expires",
    "waiver_expired",
    "controls",
];

pub fn render(report: &Report) -> Vec<u8> {
    let mut writer = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .quote_style(::csv::QuoteStyle::Necessary)
        .from_writer(Vec::new());
    // Writing to a Vec cannot fail, and every row has COLUMNS.len() fields.
    let _ = writer.write_record(COLUMNS);
    // Every cell inert for a spreadsheet: names and messages come from the
    // audited accounts.
    let inert = |record: Vec<String>| {
        record
            .into_iter()
            .map(|cell| crate::inert::csv_cell(&cell).into_owned())
            .collect::<Vec<String>>()
    };
    let gone = report
        .baseline
        .iter()
        .flat_map(|b| b.no_longer_reported.iter());
    for f in &report.findings {
        let _ = writer.write_record(inert(row(report, f, None)));
    }
    for f in gone {
        let _ = writer.write_record(inert(row(report, f, Some("resolved"))));
    }
    for d in &report.policy.disabled_checks {
        let mut record = vec![String::new(); COLUMNS.len()];
        record[2] = d.check_id.clone();
        record[4] = "disabled".to_string();
        record[6] = d.title.clone();
        record[7] = d.reason.clone();
        let _ = writer.write_record(inert(record));
    }
    writer.into_inner().unwrap_or_default()
}

/// One row; `change` overrides the finding's own (for baseline findings).
fn row(report: &Report, f: &ReportFinding, change: Option<&str>) -> Vec<String> {
    let check = report.check(&f.check_id);
    let frameworks: Vec<String> = check
        .frameworks
        .iter()
        .flat_map(|(framework, controls)| controls.iter().map(move |c| format!("{framework}:{c}")))
        .collect();
    let evidence = serde_json::to_string(&report.evidence_of(f)).unwrap_or_default();
    let controls = report
        .framework
        .as_ref()
        .and_then(|fw| check.frameworks.get(&fw.key))
        .map(|ids| ids.join(" "))
        .unwrap_or_default();
    let waiver = f.waiver.as_ref();
    vec![
        f.account_id.clone(),
        f.region.clone().unwrap_or_default(),
        f.check_id.clone(),
        f.severity.as_str().to_string(),
        f.status.as_str().to_string(),
        f.resource.clone(),
        check.title.clone(),
        f.message.clone(),
        frameworks.join(" "),
        evidence,
        check.remediation.cli.clone(),
        change
            .or(f.change.map(|c| c.as_str()))
            .unwrap_or_default()
            .to_string(),
        waiver.map(|w| w.reason.clone()).unwrap_or_default(),
        waiver.map(|w| w.owner.clone()).unwrap_or_default(),
        waiver.map(|w| w.expires.to_string()).unwrap_or_default(),
        waiver.map(|w| w.expired.to_string()).unwrap_or_default(),
        controls,
    ]
}
