//! The commands, as library functions returning an [`Outcome`]. `main` only
//! parses the command line and maps the outcome to the process exit code.

use crate::checks::{self, Catalog};
use crate::cli::{
    AuditArgs, ChecksArgs, ChecksCommand, CollectArgs, Command, ConfigArgs, ConfigCommand,
    EvaluateArgs, GateArgs, ListFormat, OutputArgs, ScopeArgs, VerifyLogsArgs,
};
use crate::collect::{self, AccountScope, CollectOptions};
use crate::config::{self, Config};
use crate::finding::EvidenceJson;
use crate::finding::Severity;
use crate::policy::{self, Outcome};
use crate::report::model::{
    BaselineInput, BuildInput, Report, ReportConfigFile, ReportDisabledCheck, ReportPolicy,
    ReportSeverityOverride, ReportWaiver,
};
use crate::report::{self, Format};
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
        Command::Config(command) => config_command(command),
        Command::Diff(args) => crate::diff::run(args),
        Command::Merge(args) => crate::merge::run(args),
        Command::VerifyLogs(args) => verify_logs(args),
    }
}

fn audit(args: AuditArgs) -> Result<Outcome> {
    check_report_paths(&args.output)?;
    let mut outputs = report_outputs(&args.output);
    if let Some(path) = &args.save_snapshot {
        outputs.push(("--save-snapshot".to_string(), path.as_path()));
    }
    let mut inputs = gate_and_config_inputs(&args.gate, &args.scope.config);
    if let Some(path) = &args.public_keys {
        inputs.push(("--public-keys".to_string(), path.as_path()));
    }
    check_paths_apart(&outputs, &inputs)?;
    // Bad input (SOURCE_DATE_EPOCH, configuration, gate flags, baseline) is
    // refused before a long collection.
    let now = report_time()?;
    let config = load_config(&args.scope.config, Utc::now())?;
    let gate = Gate::resolve(&args.gate, &config)?;
    let options = collect_options(&args.scope, &config)?;
    let public_keys = args
        .public_keys
        .as_deref()
        .map(read_public_keys)
        .transpose()?;
    // `--timeout` bounds the whole run: the collection and the log
    // verification after it.
    let run_deadline = options
        .run_timeout
        .map(|limit| (std::time::Instant::now() + limit, limit.as_secs()));
    let mut snapshot = run_collection(&options)?;
    if let Some(hours) = args.verify_logs {
        let access = verify::run::AwsAccess {
            profile: options.profile.clone(),
            region: Some(snapshot.scope.global_region.clone()),
            endpoint_url: options.endpoint_url.clone(),
            call_timeout: options.call_timeout,
            role_arn: None,
            external_id: options.external_id.clone(),
            member_role: Some(options.role_name.clone()),
            session_policy: options.session_policy,
            allow_insecure_endpoint: options.allow_insecure_endpoint,
        };
        let integrity = runtime()?.block_on(verify::run::audit_integrity(
            &access,
            &snapshot,
            hours,
            public_keys.as_ref(),
            run_deadline,
        ));
        snapshot.log_integrity = Some(integrity);
    }
    let bytes = snapshot_bytes(&snapshot)?;
    // A snapshot that cannot be saved must not cost the reports: they are
    // written, and the run then exits as for an unwritten report.
    let unsaved = args
        .save_snapshot
        .as_deref()
        .and_then(|path| save_snapshot(&bytes, path).err());
    let sha256 = sha256_hex(&bytes);
    drop(bytes);
    let outcome = report_on(&snapshot, &sha256, &args.output, &gate, &config, now)?;
    Ok(match unsaved {
        None => outcome,
        Some(e) => {
            eprintln!("trailwarden: error: {e}");
            with_write_failure(outcome)
        }
    })
}

fn collect_only(args: CollectArgs) -> Result<Outcome> {
    check_paths_apart(
        &[("--output".to_string(), args.output.as_path())],
        &gate_and_config_inputs(&GateArgs::default(), &args.scope.config),
    )?;
    let config = load_config(&args.scope.config, Utc::now())?;
    let options = collect_options(&args.scope, &config)?;
    let snapshot = run_collection(&options)?;
    save_snapshot(&snapshot_bytes(&snapshot)?, &args.output)?;
    if !crate::log::quiet() {
        eprintln!(
            "trailwarden: collected {} account(s), {} trail(s), {} collection error(s) into {}",
            snapshot.accounts.len(),
            snapshot.trails.len(),
            snapshot.errors.len(),
            args.output.display()
        );
    }
    Ok(Outcome::Clean)
}

fn evaluate(args: EvaluateArgs) -> Result<Outcome> {
    check_report_paths(&args.output)?;
    let mut inputs = gate_and_config_inputs(&args.gate, &args.config);
    inputs.push(("SNAPSHOT".to_string(), args.snapshot.as_path()));
    check_paths_apart(&report_outputs(&args.output), &inputs)?;
    let now = report_time()?;
    let config = load_config(&args.config, Utc::now())?;
    let gate = Gate::resolve(&args.gate, &config)?;
    let shown = args.snapshot.display().to_string();
    let bytes = std::fs::read(&args.snapshot)
        .map_err(|e| InputError(format!("cannot read snapshot {shown}: {e}")))?;
    let started = std::time::Instant::now();
    let snapshot = Snapshot::from_slice(&bytes, &shown).map_err(|e| InputError(e.to_string()))?;
    tracing::info!(
        accounts = snapshot.accounts.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        resident_mib = crate::log::resident_mib(),
        "snapshot read"
    );
    let sha256 = sha256_hex(&bytes);
    drop(bytes);
    report_on(&snapshot, &sha256, &args.output, &gate, &config, now)
}

/// The gate settings after flags and configuration are combined (a flag
/// wins), with the baseline read and validated.
#[derive(Debug, Clone)]
pub struct Gate {
    pub fail_on: Severity,
    pub framework: Option<String>,
    pub fail_on_new: bool,
    /// The baseline report and the SHA-256 of its file.
    pub baseline: Option<(Report, String)>,
}

impl Gate {
    /// No framework, no baseline: every check counts at `fail_on`.
    pub fn with_fail_on(fail_on: Severity) -> Gate {
        Gate {
            fail_on,
            framework: None,
            fail_on_new: false,
            baseline: None,
        }
    }

    fn resolve(args: &GateArgs, config: &Config) -> Result<Gate> {
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
}

/// Reads a JSON report written by trailwarden (schema v2), for `--baseline`
/// and `diff`; anything else is an input error naming `what`.
pub fn read_report(path: &std::path::Path, what: &str) -> Result<(Report, String)> {
    let shown = path.display();
    let bytes = std::fs::read(path)
        .map_err(|e| InputError(format!("{what} {shown}: cannot read it: {e}")))?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
        InputError(format!(
            "{what} {shown}: not a JSON report (line {}, column {}: {e})",
            e.line(),
            e.column()
        ))
    })?;
    match value.get("schema_version").and_then(|v| v.as_u64()) {
        Some(v) if v == u64::from(report::model::REPORT_SCHEMA_VERSION) => {}
        Some(v) => {
            return Err(InputError(format!(
                "{what} {shown}: report schema_version {v} is not supported (expected {})",
                report::model::REPORT_SCHEMA_VERSION
            ))
            .into())
        }
        None => {
            return Err(InputError(format!(
                "{what} {shown}: not a trailwarden JSON report (no schema_version; write one with --format json)"
            ))
            .into())
        }
    }
    // From the bytes, not the parsed value: evidence is kept as JSON text.
    drop(value);
    let report: Report = serde_json::from_slice(&bytes)
        .map_err(|e| InputError(format!("{what} {shown}: malformed report: {e}")))?;
    Ok((report, sha256_hex(&bytes)))
}

/// `--config PATH`, else `./trailwarden.toml` unless `--no-config`.
fn load_config(args: &ConfigArgs, now: chrono::DateTime<Utc>) -> Result<Config> {
    if args.no_config {
        return Ok(Config::default());
    }
    config::load(args.config.as_deref(), now).map_err(|m| InputError(m).into())
}

/// Evaluates at the snapshot's collection time (so a saved snapshot gives
/// the live audit's verdicts), applies the policy (selection, severity
/// overrides, waivers judged by the clock that judged the facts: the
/// snapshot's collection time, never `now`, which only stamps the report's
/// `generated_at` and may come from `SOURCE_DATE_EPOCH`; baseline) and
/// assembles the report
/// with the exit code it stands for.
pub fn assemble_report(
    snapshot: &Snapshot,
    snapshot_sha256: &str,
    gate: &Gate,
    config: &Config,
    now: chrono::DateTime<Utc>,
) -> (Report, Outcome) {
    let catalog = Catalog::embedded();
    let params = config.params.params_at(snapshot.collected_at);
    let selection = policy::Selection::new(config, gate.framework.as_deref(), catalog);
    let started = std::time::Instant::now();
    let mut findings =
        checks::evaluate_selected(snapshot, &params, catalog, |id| selection.runs(id));
    tracing::info!(
        findings = findings.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        resident_mib = crate::log::resident_mib(),
        "checks evaluated"
    );
    policy::apply_severity_overrides(&mut findings, &config.checks.severity);
    let (mut judged, waivers) = policy::apply_waivers(
        findings,
        &config.waivers,
        &selection,
        snapshot.collected_at,
        config.params.waiver_warning_days(),
    );
    let baseline = gate.baseline.as_ref().map(|(baseline, sha256)| {
        // A shard compares only its own accounts with the baseline.
        let shard = snapshot.scope.shard;
        let gone = policy::compare_with_baseline(&mut judged, baseline, |f| {
            selection.runs(&f.check_id)
                && (shard.is_none() || snapshot.scope.accounts.contains(&f.account_id))
        });
        BaselineInput {
            sha256: sha256.clone(),
            generated_at: baseline.generated_at,
            // Written out whole: this report does not carry the baseline's
            // shared evidence.
            no_longer_reported: gone
                .into_iter()
                .map(|mut f| {
                    f.evidence = EvidenceJson::of(&baseline.evidence_of(&f));
                    f
                })
                .collect(),
            checks: baseline.checks.clone(),
        }
    });
    let outcome = policy::outcome(&judged, gate.fail_on, gate.fail_on_new);
    let report_policy = ReportPolicy {
        config: config.source.as_ref().map(|s| ReportConfigFile {
            path: s.path.display().to_string(),
            sha256: s.sha256.clone(),
        }),
        framework: gate.framework.clone(),
        fail_on_new: gate.fail_on_new,
        disabled_checks: selection
            .disabled
            .iter()
            .map(|(id, reason)| ReportDisabledCheck {
                check_id: id.clone(),
                title: catalog.get(id).map(|m| m.title.clone()).unwrap_or_default(),
                reason: reason.clone(),
            })
            .collect(),
        severity_overrides: config
            .checks
            .severity
            .iter()
            .filter_map(|(id, severity)| {
                catalog.get(id).map(|m| ReportSeverityOverride {
                    check_id: id.clone(),
                    default: m.severity,
                    severity: *severity,
                })
            })
            .collect(),
        waivers: waivers.iter().map(ReportWaiver::from).collect(),
    };
    let report = Report::build(
        snapshot,
        judged,
        BuildInput {
            snapshot_sha256,
            catalog,
            fail_on: gate.fail_on,
            exit_code: outcome.code(),
            generated_at: now,
            policy: report_policy,
            baseline,
        },
    );
    (report, outcome)
}

/// Judges the snapshot, warns about waivers that need attention, renders,
/// writes, and returns the outcome.
fn report_on(
    snapshot: &Snapshot,
    snapshot_sha256: &str,
    output: &OutputArgs,
    gate: &Gate,
    config: &Config,
    now: chrono::DateTime<Utc>,
) -> Result<Outcome> {
    let started = std::time::Instant::now();
    let (report, outcome) = assemble_report(snapshot, snapshot_sha256, gate, config, now);
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        resident_mib = crate::log::resident_mib(),
        "report assembled"
    );
    for w in &report.policy.waivers {
        use policy::WaiverState::*;
        let what = match w.state {
            Expired => format!("expired on {} (its failures count again)", w.expires),
            Stale => "matches no failing finding: remove it".to_string(),
            ExpiringSoon => format!("expires in {} day(s), on {}", w.days_left, w.expires),
            Active | NotEvaluated => continue,
        };
        crate::log::warn(&format!(
            "waiver #{} ({}, owner {}) {what}",
            w.index, w.check_id, w.owner
        ));
    }
    let started = std::time::Instant::now();
    let failures = write_reports(&report, output)?;
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        resident_mib = crate::log::resident_mib(),
        "reports written"
    );
    for failure in &failures {
        eprintln!("trailwarden: error: {failure}");
    }
    // The process exits next: freeing a large organization's findings one
    // allocation at a time takes longer than writing them did.
    std::mem::forget(report);
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
        verbose: crate::log::verbosity() > 0,
    };
    // The HTML page streams into a temporary file first: a template error
    // is an input error before any report is written, and each HTML target
    // is a copy of that file.
    let html = if wants_html(output) {
        Some(
            report::render_html_file(report, &options).map_err(|e| match e {
                report::html::HtmlError::Write(e) => {
                    anyhow::anyhow!("cannot render the HTML report: {e}")
                }
                e => InputError(e.to_string()).into(),
            })?,
        )
    } else {
        None
    };
    let render = |format: Format| -> Result<Vec<u8>> {
        report::render(report, format, &options).map_err(|e| InputError(e.to_string()).into())
    };
    let mut failures = Vec::new();
    for target in &output.reports {
        let written = match (target.format, &html) {
            (Format::Json, _) => report::write_json(report, Some(&target.path)),
            (Format::Html, Some(file)) => report::write_file_output(file, Some(&target.path)),
            (format, _) => report::write_atomically(&target.path, &render(format)?),
        };
        if let Err(e) = written {
            failures.push(format!(
                "cannot write the {} report to {}: {e}",
                format_name(target.format),
                target.path.display()
            ));
        }
    }
    let written = match (output.format, &output.output, &html) {
        (Format::Json, path, _) => report::write_json(report, path.as_deref()),
        (Format::Console, None, _) => report::write_output(
            &report::console::render_with(report, report::console::use_color(), options.verbose),
            None,
        ),
        (Format::Html, path, Some(file)) => report::write_file_output(file, path.as_deref()),
        (format, path, _) => report::write_output(&render(format)?, path.as_deref()),
    };
    if let Err(e) = written {
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
    check_paths_apart(&report_outputs(output), &[])?;
    // A missing --template-dir or a template syntax error stops the run
    // before a long collection, not after it.
    if wants_html(output) {
        report::html::check_templates(output.template_dir.as_deref())
            .map_err(|e| InputError(e.to_string()))?;
    }
    Ok(())
}

/// The report files a command writes, each with the flag that named it.
fn report_outputs(output: &OutputArgs) -> Vec<(String, &std::path::Path)> {
    output
        .output
        .iter()
        .map(|p| ("--output".to_string(), p.as_path()))
        .chain(output.reports.iter().map(|t| {
            (
                format!("--report {}", format_name(t.format)),
                t.path.as_path(),
            )
        }))
        .collect()
}

/// The files a command reads besides its main input: `--baseline` and the
/// configuration (explicit, or `./trailwarden.toml` when it is read).
fn gate_and_config_inputs<'a>(
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
pub fn check_paths_apart(
    outputs: &[(String, &std::path::Path)],
    inputs: &[(String, &std::path::Path)],
) -> Result<()> {
    match crate::paths::collision(outputs, inputs) {
        Some(message) => Err(InputError(message).into()),
        None => Ok(()),
    }
}

/// The snapshot as saved: the bytes whose SHA-256 the report names.
fn snapshot_bytes(snapshot: &Snapshot) -> Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(snapshot).context("serializing the snapshot")?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
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

/// Threads for blocking work (file reads, log hashing): enough to keep the
/// cores and the disk busy. Tokio's default (512) let a wide `verify-logs`
/// start hundreds of threads, each keeping its own allocator heap: the peak
/// memory grew with the number of log files.
const BLOCKING_THREADS: usize = 16;

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(BLOCKING_THREADS)
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
    if let Some(arn) = &args.role_arn {
        let is_role = arn.starts_with("arn:")
            && arn
                .split(':')
                .nth(5)
                .is_some_and(|r| r.starts_with("role/"));
        if !is_role {
            return Err(InputError(format!(
                "--role-arn {arn}: not an IAM role ARN (arn:PARTITION:iam::ACCOUNT:role/NAME)"
            ))
            .into());
        }
    }
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
    check_endpoints(args.endpoint_url.as_deref(), args.allow_insecure_endpoint)?;
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
        expected: Default::default(),
        s3_bucket: args.s3_bucket.clone(),
        s3_prefix: args
            .s3_prefix
            .as_deref()
            .map(|p| p.trim_matches('/').to_string())
            .filter(|p| !p.is_empty()),
        local: args.local.clone(),
        public_keys,
        anchors,
        max_log_bytes: args.max_log_mib * 1024 * 1024,
        deadline: args.timeout.map(|s| {
            (
                std::time::Instant::now() + std::time::Duration::from_secs(s),
                s,
            )
        }),
        aws: verify::run::AwsAccess {
            profile: args.profile.clone(),
            region: args.region.clone(),
            endpoint_url: args.endpoint_url.clone(),
            call_timeout: std::time::Duration::from_secs(args.call_timeout),
            role_arn: args.role_arn.clone(),
            external_id: args.external_id.clone(),
            member_role: None,
            session_policy: !args.no_session_policy,
            allow_insecure_endpoint: args.allow_insecure_endpoint,
        },
    };
    // The regions are bounded by the deadline themselves; what comes before
    // them (DescribeTrails, the statuses, the keys, the listings) is
    // bounded here, a little later, so a hung setup still ends.
    let run = async {
        match request.deadline {
            None => verify::run::verify(&request).await,
            Some((at, seconds)) => {
                let backstop = at + std::time::Duration::from_secs(5);
                tokio::time::timeout_at(backstop.into(), verify::run::verify(&request))
                    .await
                    .unwrap_or_else(|_| {
                        Err(verify::VerifyError::Unreadable(format!(
                            "--timeout {seconds}s ran out before the log files could be listed"
                        )))
                    })
            }
        }
    };
    let verification = match runtime()?.block_on(run) {
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
        // Keys and details come from the bucket: inert for the terminal.
        ListFormat::Console => {
            crate::inert::terminal_text(&verification.to_console(crate::log::verbosity() > 0))
                .into_owned()
        }
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

/// Validates the scope flags, fills what they leave unset from the
/// configuration's `[scope]`, and turns them into collector options.
pub fn collect_options(args: &ScopeArgs, config: &Config) -> Result<CollectOptions> {
    let defaults = &config.scope;
    // Accounts: flags win as a whole; `--accounts` or `--org` on the command
    // line replaces the configured choice of either.
    let from_flags = args.org || !args.accounts.is_empty();
    let scope = ScopeArgs {
        profile: args.profile.clone().or(defaults.profile.clone()),
        region: args.region.clone().or(defaults.region.clone()),
        regions: args
            .regions
            .clone()
            .or(defaults.regions.as_ref().map(|r| r.as_flag())),
        exclude_regions: if args.exclude_regions.is_empty() {
            defaults.exclude_regions.clone().unwrap_or_default()
        } else {
            args.exclude_regions.clone()
        },
        accounts: if from_flags {
            args.accounts.clone()
        } else {
            defaults.accounts.clone().unwrap_or_default()
        },
        org: if from_flags {
            args.org
        } else {
            defaults.org.unwrap_or(false)
        },
        role_name: args.role_name.clone().or(defaults.role_name.clone()),
        external_id: args.external_id.clone().or(defaults.external_id.clone()),
        endpoint_url: args.endpoint_url.clone(),
        concurrency: args.concurrency.or(defaults.concurrency),
        account_concurrency: args.account_concurrency.or(defaults.account_concurrency),
        call_timeout: args.call_timeout.or(defaults.call_timeout),
        timeout: args.timeout.or(defaults.timeout),
        shard: args.shard,
        no_session_policy: args.no_session_policy,
        allow_insecure_endpoint: args.allow_insecure_endpoint,
        config: ConfigArgs {
            config: None,
            no_config: true,
        },
    };
    if scope.org && !scope.accounts.is_empty() {
        return Err(InputError(
            "scope: accounts and org = true exclude each other (configuration)".into(),
        )
        .into());
    }
    let regions = parse_regions(scope.regions.as_deref().unwrap_or("all"))?;
    let mut exclude_regions = Vec::new();
    for region in scope.exclude_regions.iter().map(|r| r.trim()) {
        validate_region(region)?;
        if !exclude_regions.iter().any(|r| r == region) {
            exclude_regions.push(region.to_string());
        }
    }
    if let Some(list) = &regions {
        if list.iter().all(|r| exclude_regions.contains(r)) {
            return Err(InputError(
                "every requested region is excluded: nothing would be audited".into(),
            )
            .into());
        }
    }
    if let Some(region) = &scope.region {
        validate_region(region)?;
    }
    if !(1..=1024).contains(&scope.account_concurrency.unwrap_or(8)) {
        return Err(InputError("account concurrency must be between 1 and 1024".into()).into());
    }
    if !(1..=1024).contains(&scope.concurrency.unwrap_or(32)) {
        return Err(InputError("concurrency must be between 1 and 1024".into()).into());
    }
    if !(1..=600).contains(&scope.call_timeout.unwrap_or(20)) {
        return Err(InputError("call timeout must be between 1 and 600 seconds".into()).into());
    }
    for account in &scope.accounts {
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InputError(format!(
                "--accounts: '{account}' is not a 12-digit AWS account id"
            ))
            .into());
        }
    }
    if scope.shard.is_some() && !scope.org && scope.accounts.is_empty() {
        return Err(InputError(
            "--shard needs --org or --accounts (it splits their accounts)".into(),
        )
        .into());
    }
    if scope.timeout == Some(0) {
        return Err(InputError("timeout must be at least 1 second".into()).into());
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
    check_endpoints(scope.endpoint_url.as_deref(), args.allow_insecure_endpoint)?;
    Ok(CollectOptions {
        profile: scope.profile.clone(),
        region: scope.region.clone(),
        regions,
        exclude_regions,
        accounts,
        role_name: scope
            .role_name
            .clone()
            .unwrap_or_else(|| "OrganizationAccountAccessRole".to_string()),
        external_id: scope.external_id.clone(),
        endpoint_url: scope.endpoint_url.clone(),
        concurrency: usize::from(scope.concurrency.unwrap_or(32)),
        account_concurrency: usize::from(scope.account_concurrency.unwrap_or(8)),
        call_timeout: std::time::Duration::from_secs(scope.call_timeout.unwrap_or(20)),
        run_timeout: scope.timeout.map(std::time::Duration::from_secs),
        shard: scope.shard,
        session_policy: !args.no_session_policy,
        allow_insecure_endpoint: args.allow_insecure_endpoint,
    })
}

/// Checks, before any work, the endpoints given by `--endpoint-url` (clap
/// also takes it from `AWS_ENDPOINT_URL`) and `AWS_ENDPOINT_URL_<SERVICE>`:
/// a plain `http://` endpoint that is not this machine is refused unless
/// `allow_insecure` (facts read over it can be forged on the way), and one
/// taken from the environment rather than the command line is warned about
/// on stderr, as it can be set without the user noticing. Where the calls
/// then go (these, or a shared config profile's) is recorded in the
/// snapshot and every report from what the SDK resolves
/// ([`crate::collect::clients::effective_endpoints`]).
fn check_endpoints(flag: Option<&str>, allow_insecure: bool) -> Result<()> {
    let on_command_line =
        std::env::args().any(|a| a == "--endpoint-url" || a.starts_with("--endpoint-url="));
    if let Some(url) = flag.filter(|u| !u.trim().is_empty()) {
        let source = if on_command_line {
            "--endpoint-url"
        } else {
            "AWS_ENDPOINT_URL"
        };
        crate::endpoint::validate(source, url, allow_insecure).map_err(InputError)?;
        if !on_command_line {
            crate::endpoint::warn(source, url);
        }
    }
    for (name, value) in std::env::vars() {
        if !name.starts_with("AWS_ENDPOINT_URL_") || value.trim().is_empty() {
            continue;
        }
        crate::endpoint::validate(&name, &value, allow_insecure).map_err(InputError)?;
        crate::endpoint::warn(&name, &value);
    }
    Ok(())
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
pub fn validate_region(region: &str) -> Result<()> {
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

/// `config check` and `config init`.
fn config_command(command: ConfigCommand) -> Result<Outcome> {
    match command {
        ConfigCommand::Check { path } => {
            let path = path.unwrap_or_else(|| config::DEFAULT_FILE.into());
            let config = config::load(Some(&path), Utc::now()).map_err(InputError)?;
            println!(
                "{}: valid ({} waiver(s), {} disabled check(s), {} severity override(s))",
                path.display(),
                config.waivers.len(),
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
