//! `trailwarden config check|init`.

use crate::cli::ConfigCommand;
use crate::config::{self};
use crate::error::InputError;
use crate::outcome::Outcome;
use crate::report::{self};
use anyhow::Result;
use chrono::Utc;

/// `config check` and `config init`.
pub(crate) fn config_command(command: ConfigCommand) -> Result<Outcome> {
    match command {
        ConfigCommand::Check { path } => {
            let path = path.unwrap_or_else(|| config::DEFAULT_FILE.into());
            let config = config::load(Some(&path), Utc::now()).map_err(InputError)?;
            // The `[monitoring.siem]` attestation is kept as a waiver, but
            // the user wrote it as an attestation: counted apart.
            let (siem, waivers): (Vec<_>, Vec<_>) = config
                .waivers
                .iter()
                .partition(|w| w.check == config::MONITORING_CHECKS);
            let siem = siem
                .first()
                .map(|w| format!(", a SIEM attestation until {}", w.expires))
                .unwrap_or_default();
            println!(
                "{}: valid ({} waiver(s), {} disabled check(s), {} severity override(s){siem})",
                path.display(),
                waivers.len(),
                config.checks.disable.len(),
                config.checks.severity.len()
            );
            Ok(Outcome::Clean)
        }
        ConfigCommand::Init { path, force } => {
            let path = path.unwrap_or_else(|| config::DEFAULT_FILE.into());
            if path.exists() && !force {
                return Err(InputError(format!(
                    "{} already exists (use --force to overwrite it)",
                    path.display()
                ))
                .into());
            }
            report::write_atomically(&path, config::starter_file().as_bytes())
                .map_err(|e| InputError(format!("cannot write {}: {e}", path.display())))?;
            eprintln!("trailwarden: wrote {}", path.display());
            Ok(Outcome::Clean)
        }
    }
}
