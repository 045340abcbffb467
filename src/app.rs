//! The commands, as library functions returning an [`Outcome`]. `main` only
//! parses the command line and maps the outcome to the process exit code.

use crate::checks::{self, Catalog, Params};
use crate::cli::{
    AuditArgs, ChecksArgs, ChecksCommand, CollectArgs, Command, EvaluateArgs, ListFormat,
    OutputArgs, ScopeArgs, VerifyLogsArgs,
};
use crate::collect::{self, AccountScope, CollectOptions};
use crate::finding::Severity;
use crate::policy::{self, Outcome};
use crate::report::{self, model::Report, Format};
use crate::snapshot::Snapshot;
use crate::verify;
use anyhow::{bail, Context as _, Result};
use chrono::Utc;

/// An error the user caused (flags, files, credentials): exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);

pub fn run(command: Command) -> Result<Outcome> {
    match command {
        Command::Audit(args) => audit(args),
        Command::Collect(args) => collect_only(args),
        Command::Evaluate(args) => evaluate(args),
        Command::Checks(args) => list_checks(args),
        Command::VerifyLogs(args) => verify_logs(args),
    }
}

fn audit(args: AuditArgs) -> Result<Outcome> {
    check_report_paths(&args.output)?;
    if let Some(path) = &args.save_snapshot {
        if args.output.output.as_ref() == Some(path)
            || args.output.reports.iter().any(|t| &t.path == path)
        {
            return Err(InputError(format!(
                "--save-snapshot {}: that path is already the destination of a report",
                path.display()
            ))
            .into());
        }
    }
    // A malformed SOURCE_DATE_EPOCH is refused before a long collection.
    report_time()?;
    let options = collect_options(&args.scope)?;
    let public_keys = args
        .public_keys
        .as_deref()
        .map(read_public_keys)
        .transpose()?;
    let mut snapshot = run_collection(&options)?;
    if let Some(hours) = args.verify_logs {
        let access = verify::run::AwsAccess {
            profile: options.profile.clone(),
            region: Some(snapshot.scope.global_region.clone()),
            endpoint_url: options.endpoint_url.clone(),
            call_timeout: options.call_timeout,
        };
        let integrity = runtime()?.block_on(verify::run::audit_integrity(
            &access,
            &snapshot,
            hours,
            public_keys.as_ref(),
        ));
        snapshot.log_integrity = Some(integrity);
    }
    let bytes = snapshot_bytes(&snapshot)?;
    if let Some(path) = &args.save_snapshot {
        save_snapshot(&bytes, path)?;
    }
    report_on(
        &snapshot,
        &sha256_hex(&bytes),
        &args.output,
        args.gate.fail_on,
    )
}

fn collect_only(args: CollectArgs) -> Result<Outcome> {
    let options = collect_options(&args.scope)?;
    let snapshot = run_collection(&options)?;
    save_snapshot(&snapshot_bytes(&snapshot)?, &args.output)?;
    eprintln!(
        "trailwarden: collected {} account(s), {} trail(s), {} collection error(s) into {}",
        snapshot.accounts.len(),
        snapshot.trails.len(),
        snapshot.errors.len(),
        args.output.display()
    );
    Ok(Outcome::Clean)
}

fn evaluate(args: EvaluateArgs) -> Result<Outcome> {
    check_report_paths(&args.output)?;
    let shown = args.snapshot.display().to_string();
    let bytes = std::fs::read(&args.snapshot)
        .map_err(|e| InputError(format!("cannot read snapshot {shown}: {e}")))?;
    let snapshot = Snapshot::from_slice(&bytes, &shown).map_err(|e| InputError(e.to_string()))?;
    report_on(
        &snapshot,
        &sha256_hex(&bytes),
        &args.output,
        args.gate.fail_on,
    )
}

/// Evaluates at the snapshot's collection time (so a saved snapshot gives
/// the live audit's verdicts), renders, writes, and returns the outcome.
fn report_on(
    snapshot: &Snapshot,
    snapshot_sha256: &str,
    output: &OutputArgs,
    fail_on: Severity,
) -> Result<Outcome> {
    let catalog = Catalog::embedded();
    let params = Params::at(snapshot.collected_at);
    let findings = checks::evaluate(snapshot, &params, catalog);
    let outcome = policy::outcome(&findings, fail_on);
    let report = Report::build(
        snapshot,
        snapshot_sha256,
        &findings,
        catalog,
        fail_on,
        outcome.code(),
        report_time()?,
    );
    let failures = write_reports(&report, output)?;
    for failure in &failures {
        eprintln!("trailwarden: error: {failure}");
    }
    Ok(if failures.is_empty() {
        outcome
    } else {
        with_write_failure(outcome)
    })
}

/// The report's `generated_at`: now, unless `SOURCE_DATE_EPOCH` (the
/// reproducible-builds convention, seconds since 1970) is set, so the same
/// snapshot can give byte-identical reports. A malformed value is an input
/// error, as the convention asks; an empty one counts as unset.
fn report_time() -> Result<chrono::DateTime<Utc>> {
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

/// Exit-code priority when a report could not be written: 1 (a qualifying
/// failure: the gate must still block) outranks 2 (an unwritten report),
/// which outranks 3 (incomplete) and 0 (clean), because a CI job must not
/// pass while the report it uploads is missing.
pub fn with_write_failure(outcome: Outcome) -> Outcome {
    match outcome {
        Outcome::Failed => Outcome::Failed,
        _ => Outcome::UsageError,
    }
}

/// Writes every `--report FORMAT=PATH` file, then the `--format` report to
/// `--output` or stdout. A file that cannot be written does not stop the
/// others; each failure comes back as one line. A template error is an
/// input error (exit 2): the HTML is rendered before any file is written.
fn write_reports(report: &Report, output: &OutputArgs) -> Result<Vec<String>> {
    let options = report::RenderOptions {
        template_dir: output.template_dir.clone(),
    };
    let html = if wants_html(output) {
        Some(
            report::render(report, Format::Html, &options)
                .map_err(|e| InputError(e.to_string()))?,
        )
    } else {
        None
    };
    let render = |format: Format| -> Result<Vec<u8>> {
        match (format, &html) {
            (Format::Html, Some(bytes)) => Ok(bytes.clone()),
            _ => report::render(report, format, &options)
                .map_err(|e| InputError(e.to_string()).into()),
        }
    };
    let mut failures = Vec::new();
    for target in &output.reports {
        let bytes = render(target.format)?;
        if let Err(e) = report::write_atomically(&target.path, &bytes) {
            failures.push(format!(
                "cannot write the {} report to {}: {e}",
                format_name(target.format),
                target.path.display()
            ));
        }
    }
    let bytes = match (output.format, &output.output) {
        (Format::Console, None) => {
            report::console::render_styled(report, report::console::use_color())
        }
        (format, _) => render(format)?,
    };
    if let Err(e) = report::write_output(&bytes, output.output.as_deref()) {
        failures.push(format!(
            "cannot write the {} report to {}: {e}",
            format_name(output.format),
            output
                .output
                .as_deref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "stdout".into())
        ));
    }
    Ok(failures)
}

fn wants_html(output: &OutputArgs) -> bool {
    output.format == Format::Html || output.reports.iter().any(|t| t.format == Format::Html)
}

fn format_name(format: Format) -> String {
    use clap::ValueEnum as _;
    format
        .to_possible_value()
        .map(|v| v.get_name().to_string())
        .unwrap_or_default()
}

/// Two reports to one path would overwrite each other: refused before
/// anything is collected or written.
pub fn check_report_paths(output: &OutputArgs) -> Result<()> {
    let mut seen: Vec<&std::path::Path> = output.output.iter().map(|p| p.as_path()).collect();
    for target in &output.reports {
        if seen.contains(&target.path.as_path()) {
            return Err(InputError(format!(
                "--report {}={}: that path is already the destination of another report",
                format_name(target.format),
                target.path.display()
            ))
            .into());
        }
        seen.push(target.path.as_path());
    }
    // A missing --template-dir or a template syntax error stops the run
    // before a long collection, not after it.
    if wants_html(output) {
        report::html::check_templates(output.template_dir.as_deref())
            .map_err(|e| InputError(e.to_string()))?;
    }
    Ok(())
}

/// The snapshot as saved: the bytes whose SHA-256 the report names.
fn snapshot_bytes(snapshot: &Snapshot) -> Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(snapshot).context("serializing the snapshot")?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Lowercase hex SHA-256.
fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn save_snapshot(bytes: &[u8], path: &std::path::Path) -> Result<()> {
    report::write_atomically(path, bytes).map_err(|e| {
        InputError(format!(
            "cannot write the snapshot to {}: {e}",
            path.display()
        ))
        .into()
    })
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

fn run_collection(options: &CollectOptions) -> Result<Snapshot> {
    runtime()?
        .block_on(collect::collect(options))
        .map_err(|e| InputError(e.to_string()).into())
}

/// A UTC time on the command line: RFC 3339 (`2026-11-27T05:00:00Z`,
/// `…+02:00`), the same without a zone (taken as UTC), or a date (midnight UTC).
fn parse_cli_time(flag: &str, value: &str) -> Result<chrono::DateTime<Utc>> {
    let v = value.trim();
    let parsed = chrono::DateTime::parse_from_rfc3339(v)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S")
                .ok()
                .map(|t| t.and_utc())
        })
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc())
        });
    parsed.ok_or_else(|| {
        InputError(format!(
            "{flag} '{value}' is not a UTC time (e.g. 2026-11-27T05:00:00Z or 2026-11-27)"
        ))
        .into()
    })
}

fn read_public_keys(path: &std::path::Path) -> Result<verify::keys::PublicKeys> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| InputError(format!("cannot read --public-keys {}: {e}", path.display())))?;
    verify::keys::PublicKeys::from_list_public_keys_json(&text)
        .map_err(|e| InputError(format!("--public-keys {}: {e}", path.display())).into())
}

/// Reads `--anchor`: one `{"s3_bucket", "s3_object", "signature"}` object,
/// or an array of them (one per region, as `--record-anchor` writes for a
/// multi-region trail).
fn read_anchors(path: &std::path::Path) -> Result<Vec<verify::Anchor>> {
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| InputError(format!("cannot read --anchor {shown}: {e}")))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| InputError(format!("--anchor {shown} is not JSON: {e}")))?;
    let items = match value {
        serde_json::Value::Array(items) => items,
        other => vec![other],
    };
    let mut anchors = Vec::new();
    for item in items {
        let anchor: verify::Anchor = serde_json::from_value(item).map_err(|e| {
            InputError(format!(
                "--anchor {shown}: expected {{\"s3_bucket\": B, \"s3_object\": KEY, \"signature\": HEX}}: {e}"
            ))
        })?;
        if verify::digest::parse_digest_key(&anchor.s3_object).is_none() {
            return Err(InputError(format!(
                "--anchor {shown}: {} is not a CloudTrail digest key",
                anchor.s3_object
            ))
            .into());
        }
        if verify::digest::unhex(&anchor.signature).is_none_or(|s| s.is_empty()) {
            return Err(InputError(format!("--anchor {shown}: the signature is not hex")).into());
        }
        anchors.push(anchor);
    }
    if anchors.is_empty() {
        return Err(InputError(format!("--anchor {shown} names no digest")).into());
    }
    Ok(anchors)
}

fn verify_logs(args: VerifyLogsArgs) -> Result<Outcome> {
    let trail = verify::parse_trail_arn(args.trail.trim()).ok_or_else(|| {
        InputError(format!(
            "--trail '{}' is not a trail ARN (arn:aws:cloudtrail:REGION:ACCOUNT:trail/NAME)",
            args.trail
        ))
    })?;
    let start = parse_cli_time("--start-time", &args.start_time)?;
    let end = match &args.end_time {
        Some(t) => parse_cli_time("--end-time", t)?,
        None => Utc::now(),
    };
    if start >= end {
        return Err(InputError("--start-time must be before --end-time".into()).into());
    }
    let account_id = args.account_id.clone().unwrap_or(trail.account_id.clone());
    if account_id.len() != 12 || !account_id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(InputError(format!(
            "--account-id '{account_id}' is not a 12-digit AWS account id"
        ))
        .into());
    }
    let regions = match &args.regions {
        Some(list) => parse_regions(list)?,
        None => None,
    };
    if let Some(region) = &args.region {
        validate_region(region)?;
    }
    if let Some(url) = &args.endpoint_url {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(InputError(format!(
                "--endpoint-url '{url}' must start with http:// or https://"
            ))
            .into());
        }
    }
    let public_keys = args
        .public_keys
        .as_deref()
        .map(read_public_keys)
        .transpose()?;
    let anchors = match &args.anchor {
        Some(path) => read_anchors(path)?,
        None => Vec::new(),
    };
    for anchor in &anchors {
        let newest_listed = end + chrono::Duration::hours(1);
        if verify::digest::parse_digest_key(&anchor.s3_object)
            .is_some_and(|k| k.time > newest_listed)
        {
            return Err(InputError(format!(
                "--anchor names {}, which is newer than --end-time: it cannot be reached",
                anchor.s3_object
            ))
            .into());
        }
    }
    let request = verify::VerifyRequest {
        trail,
        start,
        end,
        account_id,
        regions,
        s3_bucket: args.s3_bucket.clone(),
        s3_prefix: args
            .s3_prefix
            .as_deref()
            .map(|p| p.trim_matches('/').to_string())
            .filter(|p| !p.is_empty()),
        local: args.local.clone(),
        public_keys,
        anchors,
        aws: verify::run::AwsAccess {
            profile: args.profile.clone(),
            region: args.region.clone(),
            endpoint_url: args.endpoint_url.clone(),
            call_timeout: std::time::Duration::from_secs(args.call_timeout),
        },
    };
    let verification = match runtime()?.block_on(verify::run::verify(&request)) {
        Ok(v) => v,
        Err(verify::VerifyError::Input(message)) => return Err(InputError(message).into()),
        Err(verify::VerifyError::Unreadable(message)) => {
            eprintln!("trailwarden: error: {message}");
            return Ok(Outcome::Incomplete);
        }
    };
    let outcome = verification.outcome();
    let text = match args.format {
        ListFormat::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&verification.to_json())?
        ),
        ListFormat::Console => verification.to_console(args.verbose),
    };
    report::write_output(text.as_bytes(), None)?;
    if let Some(path) = &args.record_anchor {
        if outcome != Outcome::Clean {
            eprintln!(
                "trailwarden: not recording an anchor in {}: the verification did not fully succeed",
                path.display()
            );
        } else {
            let anchors: Vec<&verify::Anchor> = verification
                .regions
                .iter()
                .filter_map(|r| r.newest_valid.as_ref())
                .collect();
            let json = match anchors.as_slice() {
                [one] => serde_json::to_vec_pretty(one)?,
                many => serde_json::to_vec_pretty(many)?,
            };
            if let Err(e) = report::write_atomically(path, &json) {
                eprintln!(
                    "trailwarden: error: cannot write the anchor to {}: {e}",
                    path.display()
                );
                return Ok(policy::Outcome::UsageError);
            }
        }
    }
    Ok(outcome)
}

/// Validates the scope flags and turns them into collector options.
pub fn collect_options(scope: &ScopeArgs) -> Result<CollectOptions> {
    let regions = parse_regions(&scope.regions)?;
    if let Some(region) = &scope.region {
        validate_region(region)?;
    }
    for account in &scope.accounts {
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InputError(format!(
                "--accounts: '{account}' is not a 12-digit AWS account id"
            ))
            .into());
        }
    }
    let accounts = if scope.org {
        AccountScope::Organization
    } else if !scope.accounts.is_empty() {
        if scope.role_name.is_none() {
            return Err(InputError(
                "--accounts needs --role-name (the role to assume in each account)".into(),
            )
            .into());
        }
        AccountScope::Listed(scope.accounts.clone())
    } else {
        if scope.role_name.is_some() || scope.external_id.is_some() {
            return Err(InputError(
                "--role-name and --external-id need --accounts or --org".into(),
            )
            .into());
        }
        AccountScope::Caller
    };
    if let Some(url) = &scope.endpoint_url {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(InputError(format!(
                "--endpoint-url '{url}' must start with http:// or https://"
            ))
            .into());
        }
    }
    Ok(CollectOptions {
        profile: scope.profile.clone(),
        region: scope.region.clone(),
        regions,
        accounts,
        role_name: scope
            .role_name
            .clone()
            .unwrap_or_else(|| "OrganizationAccountAccessRole".to_string()),
        external_id: scope.external_id.clone(),
        endpoint_url: scope.endpoint_url.clone(),
        concurrency: usize::from(scope.concurrency),
        call_timeout: std::time::Duration::from_secs(scope.call_timeout),
    })
}

/// `all` → `None`; otherwise a deduplicated list of well-formed region names.
fn parse_regions(value: &str) -> Result<Option<Vec<String>>> {
    if value.trim().eq_ignore_ascii_case("all") {
        return Ok(None);
    }
    let mut regions: Vec<String> = Vec::new();
    for region in value.split(',').map(str::trim).filter(|r| !r.is_empty()) {
        validate_region(region)?;
        if !regions.iter().any(|r| r == region) {
            regions.push(region.to_string());
        }
    }
    if regions.is_empty() {
        bail!(InputError(
            "--regions: give a comma-separated list of regions, or all".into()
        ));
    }
    Ok(Some(regions))
}

/// A region name has the shape `xx-word-N` or `xx-word-word-N`
/// (`us-east-1`, `us-gov-west-1`, `ap-southeast-5`): anything else is a typo
/// that would otherwise surface as an opaque DNS error per call.
fn validate_region(region: &str) -> Result<()> {
    let parts: Vec<&str> = region.split('-').collect();
    let well_formed = (3..=4).contains(&parts.len())
        && parts[0].len() == 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_lowercase()));
    if well_formed {
        Ok(())
    } else {
        Err(InputError(format!(
            "unknown region '{region}' (expected a name like us-east-1)"
        ))
        .into())
    }
}

fn list_checks(args: ChecksArgs) -> Result<Outcome> {
    let catalog = Catalog::embedded();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_are_validated() {
        assert_eq!(parse_regions("all").unwrap(), None);
        assert_eq!(
            parse_regions("us-east-1, eu-west-3,us-east-1").unwrap(),
            Some(vec!["us-east-1".to_string(), "eu-west-3".to_string()])
        );
        assert!(parse_regions("us-gov-west-1").is_ok());
        assert!(parse_regions("ap-southeast-5").is_ok());
        for bad in [
            "mars-1",
            "us-east",
            "US-EAST-1",
            "us-east-1a",
            ",",
            "eu_west_1",
        ] {
            assert!(parse_regions(bad).is_err(), "{bad}");
        }
    }
}
