//! Command-line definitions (clap derive). Flags are named like the AWS CLI's.

use crate::docs::ListFormat;
use crate::finding::Severity;
use crate::report::Format;
pub use crate::snapshot::Shard;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "trailwarden",
    version,
    about = "Audits the CloudTrail audit-logging posture of AWS accounts and organizations, with evidence.",
    after_help = "Exit codes: 0 clean · 1 a counted failing finding at or above --fail-on (not waived; with --fail-on-new, new) · 2 usage or input error · 3 audit incomplete (errors, no qualifying failure)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Log to stderr: -v each failed call and each stage (account, region,
    /// operation, error code), -vv every call, -vvv the AWS SDK's own logs.
    /// With `verify-logs`, --verbose also lists every file verified.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// No progress line and no warnings on stderr (errors are still printed).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Collect the facts from AWS, evaluate every check, and report.
    Audit(AuditArgs),
    /// Collect the facts from AWS into a snapshot file, without evaluating.
    Collect(CollectArgs),
    /// Evaluate a saved snapshot, offline: the same findings as the live audit.
    Evaluate(EvaluateArgs),
    /// List the check catalog, or show one check's documentation.
    Checks(ChecksArgs),
    /// Validate a configuration file, or write a commented starting one.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Compare two JSON reports: what got worse, what got better.
    Diff(DiffArgs),
    /// Merge the JSON reports (or the snapshots) of `--shard` runs into one.
    Merge(MergeArgs),
    /// Prove that a trail's log files are intact: digest chain, RSA
    /// signatures and log hashes, from S3 or a local copy of the bucket.
    #[command(
        after_help = "Exit codes: 0 everything verified · 1 something is INVALID (modified, forged, moved or deleted) · 2 bad input · 3 something could not be read or verified"
    )]
    VerifyLogs(VerifyLogsArgs),
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// JSON reports, or snapshots, all of the same kind.
    #[arg(required = true, num_args = 2..)]
    pub inputs: Vec<PathBuf>,
    /// Where to write the merged report or snapshot (atomically).
    #[arg(long, short = 'o')]
    pub output: PathBuf,
    /// Merge shards even when some of the N are missing: the accounts they
    /// held then fail `audit-coverage` (a missing shard is not a smaller
    /// organization).
    #[arg(long)]
    pub allow_partial: bool,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate a configuration file without auditing (exit 0 valid, 2 not).
    Check {
        /// Default: ./trailwarden.toml.
        path: Option<PathBuf>,
    },
    /// Write a commented starting configuration (refuses to overwrite).
    Init {
        /// Default: ./trailwarden.toml.
        path: Option<PathBuf>,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier JSON report.
    pub old: PathBuf,
    /// The later JSON report.
    pub new: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "console")]
    pub format: ListFormat,
    /// Lowest severity of a new failure that makes the exit code 1.
    #[arg(long, default_value = "low", value_parser = parse_severity)]
    pub fail_on: Severity,
}

#[derive(Debug, Args)]
pub struct ScopeArgs {
    /// Named profile from the AWS config and credentials files.
    #[arg(long, env = "AWS_PROFILE")]
    pub profile: Option<String>,
    /// Region for global calls (STS, Organizations, S3 bucket locations).
    /// Default: the usual chain (AWS_REGION, profile), else us-east-1.
    #[arg(long)]
    pub region: Option<String>,
    /// Regions to audit, comma-separated, or `all` for every region enabled
    /// for each account (discovered through the API). Default: all.
    #[arg(long)]
    pub regions: Option<String>,
    /// Regions never to audit, comma-separated (even with `--regions all`).
    #[arg(long, value_delimiter = ',')]
    pub exclude_regions: Vec<String>,
    /// Audit these accounts (comma-separated ids) by assuming --role-name in each.
    #[arg(long, value_delimiter = ',', conflicts_with = "org")]
    pub accounts: Vec<String>,
    /// Audit every ACTIVE account of the organization.
    #[arg(long)]
    pub org: bool,
    /// Role to assume in each audited account other than the caller's.
    /// Default with --org: OrganizationAccountAccessRole.
    #[arg(long)]
    pub role_name: Option<String>,
    /// External id to pass when assuming --role-name.
    #[arg(long)]
    pub external_id: Option<String>,
    /// Send every service's calls to this endpoint (an emulator such as
    /// moto). S3 then uses path-style addressing.
    #[arg(long, env = "AWS_ENDPOINT_URL")]
    pub endpoint_url: Option<String>,
    /// Accept a plain http:// endpoint that is not on this machine (facts
    /// read over an unencrypted, unauthenticated connection).
    #[arg(long)]
    pub allow_insecure_endpoint: bool,
    /// Most API calls in flight at once. Default: 32.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub concurrency: Option<u16>,
    /// Most API requests in flight per account (AWS throttles per account).
    /// Default: 8.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub account_concurrency: Option<u16>,
    /// Seconds before a single API call attempt is abandoned. Default: 20.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub call_timeout: Option<u64>,
    /// Bound the whole run to this many seconds (the collection, and
    /// `--verify-logs` after it): calls not finished by then are recorded as
    /// `RunTimeout` errors (their findings are `error`, exit 3), and the
    /// report is still written. Default: none.
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=604800))]
    pub timeout: Option<u64>,
    /// Audit only shard K of N of the accounts (1 ≤ K ≤ N), chosen by a hash
    /// of the account id so every account lands in exactly one shard (the
    /// organization's management account, which holds the organization
    /// trails, in every shard); merge the shards' reports or snapshots with
    /// `trailwarden merge`.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<Shard>,
    /// Do not send the read-only session policy with AssumeRole (by
    /// default every assumed role is limited to the read calls trailwarden
    /// makes, whatever the role itself allows).
    #[arg(long)]
    pub no_session_policy: bool,
    #[command(flatten)]
    pub config: ConfigArgs,
}

/// Where the configuration comes from.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Read the configuration from PATH (default: ./trailwarden.toml if present).
    #[arg(long, value_name = "PATH", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Ignore ./trailwarden.toml.
    #[arg(long)]
    pub no_config: bool,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Report format.
    #[arg(long, value_enum, default_value = "console")]
    pub format: Format,
    /// Write the report here (atomically) instead of stdout.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    /// Also write a report in FORMAT to PATH (repeatable), e.g.
    /// `--report sarif=audit.sarif --report junit=audit.xml`; the --format
    /// report still goes to stdout (or --output).
    #[arg(long = "report", value_name = "FORMAT=PATH", value_parser = parse_report_target)]
    pub reports: Vec<ReportTarget>,
    /// Render the HTML report with the templates in DIR (same file names as
    /// report-templates/; a file DIR lacks falls back to the built-in one).
    #[arg(long, value_name = "DIR")]
    pub template_dir: Option<PathBuf>,
}

/// One `--report FORMAT=PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportTarget {
    pub format: Format,
    pub path: PathBuf,
}

/// `FORMAT=PATH`; a clap error (exit 2) names the accepted formats.
pub fn parse_report_target(value: &str) -> Result<ReportTarget, String> {
    use clap::ValueEnum as _;
    let names = || {
        Format::value_variants()
            .iter()
            .filter_map(|f| f.to_possible_value())
            .map(|v| v.get_name().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some((format, path)) = value.split_once('=') else {
        return Err(format!(
            "expected FORMAT=PATH (e.g. sarif=audit.sarif), FORMAT one of {}",
            names()
        ));
    };
    let format = Format::from_str(format.trim(), true)
        .map_err(|_| format!("unknown format '{format}' (expected one of {})", names()))?;
    if path.is_empty() {
        return Err(format!("no path after '{}='", value.trim_end_matches('=')));
    }
    Ok(ReportTarget {
        format,
        path: PathBuf::from(path),
    })
}

#[derive(Debug, Default, Args)]
pub struct GateArgs {
    /// Lowest severity of a failing finding that makes the exit code 1.
    /// Default: gate.fail_on in the configuration, else low.
    #[arg(long, value_parser = parse_severity)]
    pub fail_on: Option<Severity>,
    /// Run only the checks mapped to this framework and report per control id:
    /// cis-aws-v7.0.0, cis-aws-v6.0.0, cis-aws-v5.0.0, cis-aws-v3.0.0,
    /// aws-securityhub or aws-config.
    #[arg(long, value_name = "FRAMEWORK")]
    pub framework: Option<String>,
    /// An earlier JSON report: mark each finding new, unchanged or resolved.
    #[arg(long, value_name = "REPORT.json")]
    pub baseline: Option<PathBuf>,
    /// Count only new failures (needs --baseline) for exit code 1; errors
    /// still give 3.
    #[arg(long)]
    pub fail_on_new: bool,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(flatten)]
    pub scope: ScopeArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub gate: GateArgs,
    /// Also save the collected snapshot here, for `evaluate` later.
    #[arg(long)]
    pub save_snapshot: Option<PathBuf>,
    /// Also verify each trail's digest chain and log files of the last HOURS
    /// (the cloudtrail-log-integrity check). Reads every log file of the
    /// window from S3: mind the cost on busy trails.
    #[arg(long, value_name = "HOURS", value_parser = clap::value_parser!(u32).range(1..=8784))]
    pub verify_logs: Option<u32>,
    /// With --verify-logs: CloudTrail's public keys from FILE (what `aws
    /// cloudtrail list-public-keys` prints) instead of ListPublicKeys.
    #[arg(long, value_name = "FILE", requires = "verify_logs")]
    pub public_keys: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct VerifyLogsArgs {
    /// ARN of the trail (arn:aws:cloudtrail:REGION:ACCOUNT:trail/NAME).
    #[arg(long, value_name = "ARN")]
    pub trail: String,
    /// Verify logs delivered from this UTC time on (2026-11-27T00:00:00Z, or 2026-11-27).
    #[arg(long, value_name = "TIME")]
    pub start_time: String,
    /// Up to this UTC time (default: now).
    #[arg(long, value_name = "TIME")]
    pub end_time: Option<String>,
    /// The account whose files are verified (an organization trail's
    /// member); default: the trail's owner.
    #[arg(long, value_name = "ID")]
    pub account_id: Option<String>,
    /// Regions to verify, comma-separated; default: every region with a
    /// digest folder (every region the trail delivers for).
    #[arg(long, value_name = "LIST")]
    pub regions: Option<String>,
    /// The bucket holding the digests, when not the trail's current one
    /// (with --local: the bucket the copy was made from; each digest must
    /// then name it).
    #[arg(long, value_name = "BUCKET")]
    pub s3_bucket: Option<String>,
    /// The key prefix, when not the trail's current one.
    #[arg(long, value_name = "PREFIX")]
    pub s3_prefix: Option<String>,
    /// Read a local copy of the bucket in DIR (laid out like the bucket)
    /// instead of S3; digest signatures come from the next digest, a
    /// `<key>.sig` sidecar, or --anchor.
    #[arg(long, value_name = "DIR")]
    pub local: Option<PathBuf>,
    /// CloudTrail's public keys from FILE (what `aws cloudtrail
    /// list-public-keys` prints), for offline use; default: ListPublicKeys.
    #[arg(long, value_name = "FILE")]
    pub public_keys: Option<PathBuf>,
    /// A digest and its signature recorded earlier (--record-anchor): the
    /// walk must reach it, so deleting the newest digests is detected.
    #[arg(long, value_name = "FILE")]
    pub anchor: Option<PathBuf>,
    /// After a fully successful run, write the newest digest of each region
    /// and its signature to FILE, for a later --anchor.
    #[arg(long, value_name = "FILE")]
    pub record_anchor: Option<PathBuf>,
    /// Report format.
    #[arg(long, value_enum, default_value = "console")]
    pub format: ListFormat,
    /// Named profile from the AWS config and credentials files.
    #[arg(long, env = "AWS_PROFILE")]
    pub profile: Option<String>,
    /// Region for S3 and global calls; default: the usual chain, else us-east-1.
    #[arg(long)]
    pub region: Option<String>,
    /// Send every call to this endpoint (an emulator such as moto).
    #[arg(long, env = "AWS_ENDPOINT_URL")]
    pub endpoint_url: Option<String>,
    /// Accept a plain http:// endpoint that is not on this machine.
    #[arg(long)]
    pub allow_insecure_endpoint: bool,
    /// Seconds before a single API call attempt is abandoned.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub call_timeout: u64,
    /// Read the trail bucket through this role, assumed from the profile's
    /// credentials: e.g. a reader role in the log-archive account that owns
    /// the bucket. CloudTrail is still asked with the profile's credentials.
    #[arg(long, value_name = "ARN")]
    pub role_arn: Option<String>,
    /// External ID to present when assuming `--role-arn`.
    #[arg(long, requires = "role_arn")]
    pub external_id: Option<String>,
    /// Do not send the read-only session policy when assuming `--role-arn`.
    #[arg(long)]
    pub no_session_policy: bool,
    /// The most one log file may inflate to, in MiB (default 1024): beyond
    /// it the file is an error (exit 3), never hashed without end.
    #[arg(long, value_name = "MIB", default_value_t = 1024, value_parser = clap::value_parser!(u64).range(1..=1048576))]
    pub max_log_mib: u64,
    /// Bound the whole verification to this many seconds: a region not
    /// verified by then is an error naming the timeout (exit 3), and the
    /// report is still written. Default: none.
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=604800))]
    pub timeout: Option<u64>,
}

#[derive(Debug, Args)]
pub struct CollectArgs {
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// Where to write the snapshot.
    #[arg(long, short = 'o')]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// A snapshot written by `collect` or `audit --save-snapshot`.
    pub snapshot: PathBuf,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub gate: GateArgs,
    #[command(flatten)]
    pub config: ConfigArgs,
}

#[derive(Debug, Args)]
pub struct ChecksArgs {
    #[command(subcommand)]
    pub command: Option<ChecksCommand>,
    /// Listing format.
    #[arg(long, value_enum, default_value = "console", global = true)]
    pub format: ListFormat,
    /// List a framework's controls and the checks that implement each.
    #[arg(long, value_name = "FRAMEWORK")]
    pub framework: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ChecksCommand {
    /// Print one check's rationale, remediation and framework controls.
    Show {
        /// A check id from `trailwarden checks`.
        id: String,
    },
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
}

pub fn parse_shard(value: &str) -> Result<Shard, String> {
    let parsed = value
        .split_once('/')
        .and_then(|(k, n)| Some((k.trim().parse::<u32>().ok()?, n.trim().parse::<u32>().ok()?)));
    match parsed {
        Some((index, count)) if count >= 1 && (1..=count).contains(&index) && count <= 10_000 => {
            Ok(Shard { index, count })
        }
        _ => Err(format!(
            "expected K/N with 1 <= K <= N <= 10000 (e.g. 2/8), got '{value}'"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_flags() {
        assert_eq!(parse_shard("2/8"), Ok(Shard { index: 2, count: 8 }));
        assert_eq!(parse_shard(" 1 / 1 "), Ok(Shard { index: 1, count: 1 }));
        for bad in ["0/2", "3/2", "2", "a/b", "1/0", "1/20000", ""] {
            assert!(parse_shard(bad).is_err(), "{bad}");
        }
    }
}
