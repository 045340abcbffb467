//! `trailwarden checks`: the catalog, one check, or one framework's controls.

use crate::checks::Catalog;
use crate::cli::{ChecksArgs, ChecksCommand};
use crate::config::{self};
use crate::docs::ListFormat;
use crate::error::InputError;
use crate::outcome::Outcome;
use crate::report::{self};
use anyhow::Result;

pub(crate) fn list_checks(args: ChecksArgs) -> Result<Outcome> {
    let catalog = Catalog::embedded();
    if let Some(key) = &args.framework {
        config::validate_framework(key).map_err(|m| InputError(format!("--framework: {m}")))?;
        if args.command.is_some() {
            return Err(InputError(
                "--framework lists a framework's controls; it does not combine with `show`".into(),
            )
            .into());
        }
        let text = crate::docs::render_framework(catalog, key, args.format)?;
        report::write_output(text.as_bytes(), None)?;
        return Ok(Outcome::Clean);
    }
    let text = match (&args.command, args.format) {
        (Some(ChecksCommand::Show { id }), format) => {
            let meta = catalog.require(id).map_err(|e| InputError(e.to_string()))?;
            match format {
                ListFormat::Json => format!("{}\n", serde_json::to_string_pretty(meta)?),
                ListFormat::Console => crate::docs::render_check(meta)?,
            }
        }
        (None, ListFormat::Json) => format!("{}\n", serde_json::to_string_pretty(catalog.all())?),
        (None, ListFormat::Console) => crate::docs::render_catalog(catalog),
    };
    report::write_output(text.as_bytes(), None)?;
    Ok(Outcome::Clean)
}
