//! `--format json`: the frozen report model, as compact JSON (one line:
//! a 5,000-account report is 150 MB without indentation; `jq .` indents it).

use super::model::Report;

pub fn render(report: &Report) -> Vec<u8> {
    let mut out = serde_json::to_vec(report).expect("report model serializes");
    out.push(b'\n');
    out
}
