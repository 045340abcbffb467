//! `--format csv`: one row per finding, for spreadsheets and ad-hoc queries.
//! RFC 4180 quoting by the `csv` crate (CRLF line ends, fields with commas,
//! quotes or line breaks quoted). The columns are a stable contract
//! ([`COLUMNS`], documented in the README): new columns are only ever
//! appended at the end.

use super::model::Report;

/// The header row, in order.
pub const COLUMNS: [&str; 11] = [
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
];

pub fn render(report: &Report) -> Vec<u8> {
    let mut writer = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .quote_style(::csv::QuoteStyle::Necessary)
        .from_writer(Vec::new());
    // Writing to a Vec cannot fail, and every row has COLUMNS.len() fields.
    let _ = writer.write_record(COLUMNS);
    for f in &report.findings {
        let frameworks: Vec<String> = f
            .frameworks
            .iter()
            .flat_map(|(framework, controls)| {
                controls.iter().map(move |c| format!("{framework}:{c}"))
            })
            .collect();
        let evidence = serde_json::to_string(&f.evidence).unwrap_or_default();
        let _ = writer.write_record([
            f.account_id.as_str(),
            f.region.as_deref().unwrap_or(""),
            f.check_id.as_str(),
            f.severity.as_str(),
            f.status.as_str(),
            f.resource.as_str(),
            f.title.as_str(),
            f.message.as_str(),
            frameworks.join(" ").as_str(),
            evidence.as_str(),
            f.remediation.cli.as_str(),
        ]);
    }
    writer.into_inner().unwrap_or_default()
}
