//! What every judging command reads besides its main input, checked before any work: the
//! configuration, the gate flags and baseline, the report time, and paths that must not collide.

use crate::cli::{ConfigArgs, GateArgs};
use crate::config::{self, Config};
use crate::error::InputError;
use crate::finding::Severity;
use crate::report::assemble::{read_report, Gate};
use anyhow::Result;
use chrono::Utc;

/// The gate settings after flags and configuration are combined (a flag
/// wins), with the baseline read and validated.
pub(crate) fn resolve_gate(args: &GateArgs, config: &Config) -> Result<Gate> {
    let framework = args.framework.clone().or(config.gate.framework.clone());
    if let Some(key) = &framework {
        config::validate_framework(key).map_err(|m| InputError(format!("--framework: {m}")))?;
    }
    let fail_on_new = args.fail_on_new || config.gate.fail_on_new.unwrap_or(false);
    if fail_on_new && args.baseline.is_none() {
        return Err(InputError(
            "--fail-on-new needs --baseline (the earlier JSON report new failures are judged against)"
                .into(),
        )
        .into());
    }
    let baseline = match &args.baseline {
        Some(path) => Some(read_report(path, "--baseline")?),
        None => None,
    };
    Ok(Gate {
        fail_on: args
            .fail_on
            .or(config.gate.fail_on)
            .unwrap_or(Severity::Low),
        framework,
        fail_on_new,
        baseline,
    })
}

/// `--config PATH`, else `./trailwarden.toml` unless `--no-config`.
pub(crate) fn load_config(args: &ConfigArgs, now: chrono::DateTime<Utc>) -> Result<Config> {
    if args.no_config {
        return Ok(Config::default());
    }
    config::load(args.config.as_deref(), now).map_err(|m| InputError(m).into())
}

/// The report's `generated_at`: now, unless `SOURCE_DATE_EPOCH` (the
/// reproducible-builds convention, seconds since 1970) is set, so the same
/// snapshot can give byte-identical reports. A malformed value is an input
/// error, as the convention asks; an empty one counts as unset.
pub(crate) fn report_time() -> Result<chrono::DateTime<Utc>> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Err(std::env::VarError::NotPresent) => Ok(Utc::now()),
        Ok(value) if value.trim().is_empty() => Ok(Utc::now()),
        Ok(value) => value
            .trim()
            .parse::<i64>()
            .ok()
            .and_then(|secs| chrono::DateTime::from_timestamp(secs, 0))
            .ok_or_else(|| {
                InputError(format!(
                    "SOURCE_DATE_EPOCH '{value}' is not a number of seconds since 1970-01-01"
                ))
                .into()
            }),
        Err(std::env::VarError::NotUnicode(_)) => Err(InputError(
            "SOURCE_DATE_EPOCH is not a number of seconds since 1970-01-01".into(),
        )
        .into()),
    }
}

/// The files a command reads besides its main input: `--baseline` and the
/// configuration (explicit, or `./trailwarden.toml` when it is read).
pub(crate) fn gate_and_config_inputs<'a>(
    gate: &'a GateArgs,
    config: &'a ConfigArgs,
) -> Vec<(String, &'a std::path::Path)> {
    let mut inputs = Vec::new();
    if let Some(path) = &gate.baseline {
        inputs.push(("--baseline".to_string(), path.as_path()));
    }
    if !config.no_config {
        let path = config
            .config
            .as_deref()
            .unwrap_or(std::path::Path::new(config::DEFAULT_FILE));
        inputs.push(("--config".to_string(), path));
    }
    inputs
}

/// Exit 2, before any work, when two outputs are one file or an output is
/// an input (after path normalisation: `./a`, `dir/../a`, links).
pub(crate) fn check_paths_apart(
    outputs: &[(String, &std::path::Path)],
    inputs: &[(String, &std::path::Path)],
) -> Result<()> {
    match crate::paths::collision(outputs, inputs) {
        Some(message) => Err(InputError(message).into()),
        None => Ok(()),
    }
}
