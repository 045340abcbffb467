//! `--format json`: the frozen report model, pretty-printed.

use super::model::Report;

pub fn render(report: &Report) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(report).expect("report model serializes");
    out.push(b'\n');
    out
}
