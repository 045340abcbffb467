//! `trailwarden diff OLD.json NEW.json`: reads both reports, compares them
//! ([`crate::diff`]) and prints what changed.

use crate::cli::DiffArgs;
use crate::diff;
use crate::docs::ListFormat;
use crate::outcome::Outcome;
use crate::report::assemble::read_report;
use crate::report::model::Report;
use anyhow::Result;

pub(crate) fn run(args: DiffArgs) -> Result<Outcome> {
    let (old, old_sha) = read_report(&args.old, "diff: OLD")?;
    let (new, new_sha) = read_report(&args.new, "diff: NEW")?;
    let reference = |path: &std::path::Path, report: &Report, sha256: String| diff::ReportRef {
        path: path.display().to_string(),
        sha256,
        generated_at: report.generated_at,
        snapshot_sha256: report.snapshot.sha256.clone(),
    };
    let diff = diff::compare(
        reference(&args.old, &old, old_sha),
        &old,
        reference(&args.new, &new, new_sha),
        &new,
        args.fail_on,
    );
    let text = match args.format {
        ListFormat::Json => format!("{}\n", serde_json::to_string_pretty(&diff)?),
        // Messages and resources come from the audited accounts.
        ListFormat::Console => {
            crate::inert::terminal_text(&diff::render_console(&diff)).into_owned()
        }
    };
    crate::report::write_output(text.as_bytes(), None)?;
    Ok(diff::outcome(&diff))
}
