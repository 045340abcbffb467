//! `trailwarden.toml`: scope defaults, check selection, severity overrides,
//! parameters, gate settings and waivers, strictly validated.
//!
//! Every error names the file, line and column, because a gate's policy file
//! lives for years and is edited by many hands: a typo must stop the run with
//! a pointer to it, never be ignored.

use crate::checks::{Catalog, Params, FRAMEWORKS};
use crate::finding::Severity;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The file `trailwarden` reads when `--config` is not given, if it exists.
pub const DEFAULT_FILE: &str = "trailwarden.toml";

/// Insights types CloudTrail knows; `required_insight_types` may only name these.
pub const INSIGHT_TYPES: &[&str] = &["ApiCallRateInsight", "ApiErrorRateInsight"];

/// A configuration error: `path:line:column: message`, one line.
#[derive(Debug, thiserror::Error)]
#[error("{path}:{line}:{column}: {message}")]
pub struct ConfigError {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// The validated configuration. Everything is optional: an empty file is a
/// valid configuration that changes nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    /// Where it was read from (for the report's evidence); `None` when no
    /// file was used.
    pub source: Option<ConfigSource>,
    pub scope: ScopeDefaults,
    pub checks: CheckSelection,
    pub params: ParamOverrides,
    pub gate: GateDefaults,
    pub waivers: Vec<Waiver>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConfigSource {
    pub path: PathBuf,
    /// Lowercase hex SHA-256 of the file, so a report names the exact policy.
    pub sha256: String,
}

/// `[scope]`: defaults for the scope flags; a flag on the command line wins.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeDefaults {
    /// `"all"` or a list of region names.
    pub regions: Option<Regions>,
    pub exclude_regions: Option<Vec<String>>,
    pub accounts: Option<Vec<String>>,
    pub org: Option<bool>,
    pub role_name: Option<String>,
    pub external_id: Option<String>,
    pub profile: Option<String>,
    pub region: Option<String>,
    pub concurrency: Option<u16>,
    pub account_concurrency: Option<u16>,
    pub call_timeout: Option<u64>,
    /// Seconds bounding the whole collection (`--timeout`).
    pub timeout: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Regions {
    /// Only `"all"` is accepted as a string (validated).
    Keyword(String),
    List(Vec<String>),
}

impl Regions {
    /// The `--regions` flag's spelling of the same value.
    pub fn as_flag(&self) -> String {
        match self {
            Regions::Keyword(k) => k.clone(),
            Regions::List(list) => list.join(","),
        }
    }
}

/// `[checks]`: which checks run, and at which severity.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CheckSelection {
    /// When set, only these checks run; the others are reported as disabled.
    pub enable: Option<Vec<String>>,
    /// Checks that do not run, each with the reason the report shows.
    pub disable: Vec<DisabledCheck>,
    /// Check id → severity replacing the catalog's.
    pub severity: BTreeMap<String, Severity>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DisabledCheck {
    pub id: String,
    pub reason: String,
}

/// `[params]`: thresholds the checks and the waiver rules use. Unset keys keep
/// their documented defaults ([`Params::at`], [`GateDefaults`]).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamOverrides {
    pub stale_after_hours: Option<i64>,
    pub min_log_retention_days: Option<i32>,
    pub required_insight_types: Option<Vec<String>>,
    pub organization_trail_name: Option<String>,
    pub max_waiver_days: Option<i64>,
    pub waiver_warning_days: Option<i64>,
}

impl ParamOverrides {
    /// The check parameters at `now`, with these overrides applied.
    pub fn params_at(&self, now: DateTime<Utc>) -> Params {
        let mut params = Params::at(now);
        if let Some(hours) = self.stale_after_hours {
            params.stale_after_hours = hours;
        }
        if let Some(days) = self.min_log_retention_days {
            params.min_log_retention_days = days;
        }
        if let Some(types) = &self.required_insight_types {
            params.required_insight_types = types.clone();
        }
        if let Some(name) = &self.organization_trail_name {
            params.organization_trail_name = Some(name.clone());
        }
        params
    }

    /// A waiver may not expire further away than this many days.
    pub fn max_waiver_days(&self) -> i64 {
        self.max_waiver_days.unwrap_or(365)
    }

    /// A waiver expiring within this many days is flagged as expiring soon.
    pub fn waiver_warning_days(&self) -> i64 {
        self.waiver_warning_days.unwrap_or(14)
    }
}

/// `[gate]`: defaults for the gate flags; a flag on the command line wins.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateDefaults {
    pub fail_on: Option<Severity>,
    pub framework: Option<String>,
    pub fail_on_new: Option<bool>,
}

/// One `[[waiver]]`: accepts a known failure for a while. It matches a
/// finding of `check` whose account is in `accounts`, region in `regions` and
/// resource matches one of the `resources` globs (each list optional).
#[derive(Debug, Clone, PartialEq)]
pub struct Waiver {
    /// 1-based position in the file, so reports can name it.
    pub index: usize,
    pub check: String,
    pub accounts: Option<Vec<String>>,
    pub regions: Option<Vec<String>>,
    pub resources: Option<Vec<String>>,
    pub reason: String,
    pub owner: String,
    /// The last day the waiver applies (through 23:59:59 UTC).
    pub expires: NaiveDate,
}

/// The `check` of the `[monitoring.siem]` attestation: it covers every
/// monitoring check.
pub const MONITORING_CHECKS: &str = "monitor-*";

impl Waiver {
    /// Whether it is about check `check_id` (the SIEM attestation: about
    /// every monitoring check).
    pub fn covers_check(&self, check_id: &str) -> bool {
        if self.check == MONITORING_CHECKS {
            crate::checks::is_monitoring(check_id)
        } else {
            self.check == check_id
        }
    }

    /// Whether it applies to a finding (ignoring expiry).
    pub fn matches(
        &self,
        check_id: &str,
        account: &str,
        region: Option<&str>,
        resource: &str,
    ) -> bool {
        self.covers_check(check_id)
            && self
                .accounts
                .as_ref()
                .is_none_or(|list| list.iter().any(|a| a == account))
            && self
                .regions
                .as_ref()
                .is_none_or(|list| region.is_some_and(|r| list.iter().any(|l| l == r)))
            && self
                .resources
                .as_ref()
                .is_none_or(|globs| globs.iter().any(|g| glob_matches(g, resource)))
    }

    /// Whether it has expired at `now`: it applies through its expiry day.
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        now.date_naive() > self.expires
    }

    /// Whole days from `now`'s date to the expiry date (negative once expired).
    pub fn days_left(&self, now: DateTime<Utc>) -> i64 {
        (self.expires - now.date_naive()).num_days()
    }
}

/// `*` matches any run of characters (including `/` and `:`), `?` one
/// character; everything else is literal. ARNs are matched whole.
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            backtrack = Some((pi, ti));
            pi += 1;
        } else if let Some((star, matched)) = backtrack {
            pi = star + 1;
            ti = matched + 1;
            backtrack = Some((star, matched + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

// ---------------------------------------------------------------------------
// Parsing: raw serde types with spans, then validation into `Config`.

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    scope: Option<Spanned<ScopeDefaults>>,
    #[serde(default)]
    checks: RawChecks,
    #[serde(default)]
    params: Option<Spanned<ParamOverrides>>,
    #[serde(default)]
    gate: Option<Spanned<RawGate>>,
    #[serde(default, rename = "waiver")]
    waivers: Vec<Spanned<RawWaiver>>,
    #[serde(default)]
    monitoring: Option<RawMonitoring>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMonitoring {
    siem: Option<Spanned<RawSiem>>,
}

/// `[monitoring.siem]`: the attestation that the CIS monitoring is done in
/// an external SIEM, which CIS accepts since v4.0.0 ("CloudWatch Logs or
/// an external SIEM") and trailwarden cannot see.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSiem {
    system: Spanned<String>,
    accounts: Option<Vec<Spanned<String>>>,
    reason: Spanned<String>,
    owner: Spanned<String>,
    expires: Spanned<toml::Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChecks {
    enable: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    disable: Vec<Spanned<RawDisable>>,
    #[serde(default)]
    severity: BTreeMap<Spanned<String>, Severity>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDisable {
    id: Spanned<String>,
    reason: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGate {
    fail_on: Option<Severity>,
    framework: Option<Spanned<String>>,
    fail_on_new: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWaiver {
    check: Spanned<String>,
    accounts: Option<Vec<Spanned<String>>>,
    regions: Option<Vec<Spanned<String>>>,
    resources: Option<Vec<Spanned<String>>>,
    reason: Spanned<String>,
    owner: Spanned<String>,
    expires: Spanned<toml::Value>,
}

/// Reads the configuration: `explicit` (`--config`) must exist; otherwise
/// `./trailwarden.toml` is read if present, else the empty configuration.
/// `now` is the instant waiver expiries are judged against.
pub fn load(explicit: Option<&Path>, now: DateTime<Utc>) -> Result<Config, String> {
    let path = match explicit {
        Some(path) => path.to_path_buf(),
        None => {
            let default = PathBuf::from(DEFAULT_FILE);
            if !default.is_file() {
                return Ok(Config::default());
            }
            default
        }
    };
    let shown = path.display().to_string();
    let bytes = std::fs::read(&path).map_err(|e| format!("cannot read config {shown}: {e}"))?;
    let text = String::from_utf8(bytes.clone()).map_err(|_| format!("{shown}: not UTF-8 text"))?;
    let mut config = parse(&text, &shown, Catalog::embedded(), now).map_err(|e| e.to_string())?;
    config.source = Some(ConfigSource {
        path,
        sha256: crate::hashing::sha256_hex(&bytes),
    });
    Ok(config)
}

/// Parses and validates `text` (named `path` in errors).
pub fn parse(
    text: &str,
    path: &str,
    catalog: &Catalog,
    now: DateTime<Utc>,
) -> Result<Config, ConfigError> {
    let error = |span: Option<Range<usize>>, message: String| {
        let (line, column) = line_column(text, span.map_or(0, |s| s.start));
        ConfigError {
            path: path.to_string(),
            line,
            column,
            message,
        }
    };
    let raw: RawConfig = toml::from_str(text).map_err(|e| {
        // toml's own message is multi-line (with a snippet); its first line
        // after the location header is the message.
        let message = e.message().trim().replace('\n', " ");
        error(e.span(), message)
    })?;

    let known = |id: &Spanned<String>| -> Result<String, ConfigError> {
        catalog
            .get(id.get_ref())
            .map(|m| m.id.clone())
            .ok_or_else(|| {
                error(
                    Some(id.span()),
                    format!(
                        "unknown check id '{}' (run `trailwarden checks` for the list)",
                        id.get_ref()
                    ),
                )
            })
    };
    let non_empty = |value: &Spanned<String>, what: &str| -> Result<String, ConfigError> {
        let v = value.get_ref().trim();
        if v.is_empty() {
            Err(error(
                Some(value.span()),
                format!("{what} must not be empty"),
            ))
        } else {
            Ok(v.to_string())
        }
    };

    let mut config = Config::default();

    if let Some(scope) = raw.scope {
        let span = scope.span();
        let scope = scope.into_inner();
        if let Some(Regions::Keyword(k)) = &scope.regions {
            if !k.eq_ignore_ascii_case("all") {
                return Err(error(
                    Some(span),
                    format!("scope.regions: '{k}' is neither \"all\" nor a list of regions"),
                ));
            }
        }
        if scope.concurrency == Some(0) {
            return Err(error(
                Some(span),
                "scope.concurrency must be at least 1".into(),
            ));
        }
        config.scope = scope;
    }

    let mut enable = None;
    if let Some(list) = &raw.checks.enable {
        let mut ids = Vec::new();
        for id in list {
            ids.push(known(id)?);
        }
        enable = Some(ids);
    }
    let mut disable: Vec<DisabledCheck> = Vec::new();
    for entry in &raw.checks.disable {
        let entry = entry.get_ref();
        let id = known(&entry.id)?;
        if disable.iter().any(|d| d.id == id) {
            return Err(error(
                Some(entry.id.span()),
                format!("check '{id}' is disabled twice"),
            ));
        }
        if enable
            .as_ref()
            .is_some_and(|e: &Vec<String>| e.contains(&id))
        {
            return Err(error(
                Some(entry.id.span()),
                format!("check '{id}' is both enabled and disabled"),
            ));
        }
        disable.push(DisabledCheck {
            id,
            reason: non_empty(&entry.reason, "a disabled check's reason")?,
        });
    }
    let mut severity = BTreeMap::new();
    for (id, level) in &raw.checks.severity {
        severity.insert(known(id)?, *level);
    }
    config.checks = CheckSelection {
        enable,
        disable,
        severity,
    };

    if let Some(params) = raw.params {
        let span = params.span();
        let params = params.into_inner();
        let out_of_range = |key: &str, range: &str| {
            error(Some(span.clone()), format!("params.{key} must be {range}"))
        };
        if params
            .stale_after_hours
            .is_some_and(|h| !(1..=8760).contains(&h))
        {
            return Err(out_of_range("stale_after_hours", "between 1 and 8760"));
        }
        if params
            .min_log_retention_days
            .is_some_and(|d| !(1..=36500).contains(&d))
        {
            return Err(out_of_range(
                "min_log_retention_days",
                "between 1 and 36500",
            ));
        }
        if params
            .max_waiver_days
            .is_some_and(|d| !(1..=3650).contains(&d))
        {
            return Err(out_of_range("max_waiver_days", "between 1 and 3650"));
        }
        if params
            .waiver_warning_days
            .is_some_and(|d| !(0..=365).contains(&d))
        {
            return Err(out_of_range("waiver_warning_days", "between 0 and 365"));
        }
        if let Some(types) = &params.required_insight_types {
            if let Some(bad) = types.iter().find(|t| !INSIGHT_TYPES.contains(&t.as_str())) {
                return Err(error(
                    Some(span),
                    format!(
                        "params.required_insight_types: unknown Insights type '{bad}' (expected {})",
                        INSIGHT_TYPES.join(" or ")
                    ),
                ));
            }
        }
        if params
            .organization_trail_name
            .as_ref()
            .is_some_and(|n| n.trim().is_empty())
        {
            return Err(error(
                Some(span),
                "params.organization_trail_name must not be empty".into(),
            ));
        }
        config.params = params;
    }

    if let Some(gate) = raw.gate {
        let gate = gate.into_inner();
        if let Some(framework) = &gate.framework {
            validate_framework(framework.get_ref())
                .map_err(|message| error(Some(framework.span()), message))?;
        }
        config.gate = GateDefaults {
            fail_on: gate.fail_on,
            framework: gate.framework.map(Spanned::into_inner),
            fail_on_new: gate.fail_on_new,
        };
    }

    let max_days = config.params.max_waiver_days();
    for (i, spanned) in raw.waivers.iter().enumerate() {
        let w = spanned.get_ref();
        let check = known(&w.check)?;
        let expires = parse_date(&w.expires).map_err(|m| error(Some(w.expires.span()), m))?;
        let horizon = now.date_naive() + chrono::Days::new(max_days as u64);
        if expires > horizon {
            return Err(error(
                Some(w.expires.span()),
                format!(
                    "waiver expires {expires}, more than {max_days} days from today ({}); \
                     waivers must be renewed, not granted indefinitely (params.max_waiver_days)",
                    now.date_naive()
                ),
            ));
        }
        let list = |values: &Option<Vec<Spanned<String>>>,
                    what: &str,
                    valid: &dyn Fn(&str) -> bool|
         -> Result<Option<Vec<String>>, ConfigError> {
            let Some(values) = values else {
                return Ok(None);
            };
            if values.is_empty() {
                return Err(error(
                    Some(spanned.span()),
                    format!("waiver.{what} is empty: leave it out to match every {what}"),
                ));
            }
            values
                .iter()
                .map(|v| {
                    if valid(v.get_ref()) {
                        Ok(v.get_ref().clone())
                    } else {
                        Err(error(
                            Some(v.span()),
                            format!("waiver.{what}: '{}' is not valid here", v.get_ref()),
                        ))
                    }
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some)
        };
        config.waivers.push(Waiver {
            index: i + 1,
            check,
            accounts: list(&w.accounts, "accounts", &|a| {
                crate::names::AccountId::is_valid(a)
            })?,
            regions: list(&w.regions, "regions", &|r| {
                crate::names::Region::is_valid(r)
            })?,
            resources: list(&w.resources, "resources", &|r| !r.trim().is_empty())?,
            reason: non_empty(&w.reason, "a waiver's reason")?,
            owner: non_empty(&w.owner, "a waiver's owner")?,
            expires,
        });
    }

    if let Some(siem) = raw.monitoring.and_then(|m| m.siem) {
        let span = siem.span();
        let siem = siem.into_inner();
        let expires = parse_date(&siem.expires).map_err(|m| error(Some(siem.expires.span()), m))?;
        let horizon = now.date_naive() + chrono::Days::new(max_days as u64);
        if expires > horizon {
            return Err(error(
                Some(siem.expires.span()),
                format!(
                    "monitoring.siem expires {expires}, more than {max_days} days from today ({}); \
                     an attestation must be renewed, not granted indefinitely (params.max_waiver_days)",
                    now.date_naive()
                ),
            ));
        }
        let accounts =
            match &siem.accounts {
                None => None,
                Some(list) if list.is_empty() => return Err(error(
                    Some(span),
                    "monitoring.siem.accounts is empty: leave it out to attest for every account"
                        .into(),
                )),
                Some(list) => Some(
                    list.iter()
                        .map(|a| {
                            crate::names::AccountId::parse(a.get_ref())
                                .map(|_| a.get_ref().clone())
                                .map_err(|m| {
                                    error(Some(a.span()), format!("monitoring.siem.accounts: {m}"))
                                })
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                ),
            };
        let system = non_empty(&siem.system, "monitoring.siem.system")?;
        let reason = non_empty(&siem.reason, "monitoring.siem.reason")?;
        config.waivers.push(Waiver {
            index: config.waivers.len() + 1,
            check: MONITORING_CHECKS.to_string(),
            accounts,
            regions: None,
            resources: None,
            reason: format!("monitored in an external SIEM ({system}): {reason}"),
            owner: non_empty(&siem.owner, "monitoring.siem.owner")?,
            expires,
        });
    }
    Ok(config)
}

/// A framework key the catalog maps to, or a message listing the known ones.
pub fn validate_framework(key: &str) -> Result<(), String> {
    if FRAMEWORKS.iter().any(|(k, _)| *k == key) {
        Ok(())
    } else {
        Err(format!(
            "unknown framework '{key}' (expected one of {})",
            FRAMEWORKS
                .iter()
                .map(|(k, _)| *k)
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }
}

/// `expires = "2027-03-31"` or the TOML date literal `expires = 2027-03-31`.
fn parse_date(value: &Spanned<toml::Value>) -> Result<NaiveDate, String> {
    let text = match value.get_ref() {
        toml::Value::String(s) => s.clone(),
        toml::Value::Datetime(d) if d.time.is_none() && d.offset.is_none() => d.to_string(),
        other => {
            return Err(format!(
                "waiver.expires must be a date YYYY-MM-DD, not {}",
                other.type_str()
            ))
        }
    };
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .ok()
        .filter(|_| text.trim().len() == 10)
        .ok_or_else(|| format!("waiver.expires '{text}' is not a date YYYY-MM-DD"))
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The commented starting file `trailwarden config init` writes: every key,
/// with its default, commented out, so an uncommented line is a deliberate
/// choice.
pub fn starter_file() -> String {
    let frameworks = FRAMEWORKS
        .iter()
        .map(|(k, _)| *k)
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        r#"# trailwarden.toml: the gate policy for `trailwarden audit` and `evaluate`.
# Read from --config PATH, else ./trailwarden.toml. Validate it with
# `trailwarden config check`. Flags on the command line override [scope] and [gate].

[scope]
# regions = "all"                      # or ["us-east-1", "eu-west-1"]
# exclude_regions = ["ap-east-1"]      # never audited, even with "all"
# org = true                           # audit every ACTIVE account of the organization
# accounts = ["111122223333"]          # or these accounts (needs role_name)
# role_name = "OrganizationAccountAccessRole"
# external_id = "..."
# profile = "audit"
# region = "us-east-1"                 # for global calls
# concurrency = 32                     # API calls in flight in all
# account_concurrency = 8              # API requests in flight per account
# timeout = 3600                       # seconds bounding the whole collection
# call_timeout = 20                    # seconds per API call attempt

[gate]
# fail_on = "low"                      # info, low, medium, high, critical
# framework = "cis-aws-v5.0.0"         # one of: {frameworks}
# fail_on_new = false                  # with --baseline: only new failures fail the gate

[checks]
# enable = ["cloudtrail-multi-region"] # run only these (the others are reported as disabled)
# [[checks.disable]]
# id = "trail-bucket-object-lock"
# reason = "retention is enforced by an SCP and S3 replication instead"
# [checks.severity]
# "trail-bucket-access-logging" = "low"

[params]
# stale_after_hours = 24               # a delivery older than this is stale
# min_log_retention_days = 365         # lifecycle rules may not expire trail logs sooner
# required_insight_types = ["ApiCallRateInsight", "ApiErrorRateInsight"]
# organization_trail_name = "org-trail" # the organization trail must have this name
# max_waiver_days = 365                # a waiver may not expire further away than this
# waiver_warning_days = 14             # waivers expiring this soon are flagged

# A waiver accepts a known failure until its expiry day (inclusive, UTC).
# It needs a reason, an owner and an expiry; accounts, regions and resources
# (globs: * and ?) narrow it. It never hides an error.
# [[waiver]]
# check = "trail-bucket-mfa-delete"
# accounts = ["111122223333"]
# resources = ["arn:aws:s3:::legacy-*"]
# reason = "MFA delete needs the root user; scheduled in SEC-142"
# owner = "platform-security@example.com"
# expires = "2027-03-31"

# CIS accepts monitoring in an external SIEM instead of CloudWatch Logs
# metric filters and alarms. trailwarden cannot see a SIEM: this attestation
# marks the failing monitoring checks (monitor-*) `waived` with its reason,
# owner and expiry, like a waiver; it never turns an error into a pass.
# [monitoring.siem]
# system = "Splunk Enterprise Security"
# reason = "CloudTrail is forwarded to the SIEM; CIS 5.1-5.15 alerts are rules SEC-200..214"
# owner = "soc@example.com"
# expires = "2027-06-30"
# accounts = ["111122223333"]          # only these accounts (default: all)
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap()
    }

    fn parse_str(text: &str) -> Result<Config, ConfigError> {
        parse(text, "t.toml", Catalog::embedded(), now())
    }

    fn err(text: &str) -> String {
        parse_str(text).unwrap_err().to_string()
    }

    #[test]
    fn empty_and_starter_files_are_valid_and_change_nothing() {
        assert_eq!(parse_str("").unwrap(), Config::default());
        assert_eq!(parse_str(&starter_file()).unwrap(), Config::default());
    }

    #[test]
    fn a_full_file_is_read() {
        let c = parse_str(
            r#"
[scope]
regions = ["us-east-1", "eu-west-1"]
exclude_regions = ["ap-east-1"]
org = true
role_name = "Audit"
[gate]
fail_on = "high"
framework = "cis-aws-v5.0.0"
[checks]
[[checks.disable]]
id = "trail-bucket-object-lock"
reason = "SCP"
[checks.severity]
"trail-bucket-access-logging" = "critical"
[params]
stale_after_hours = 6
organization_trail_name = "org"
[[waiver]]
check = "trail-bucket-mfa-delete"
accounts = ["111122223333"]
resources = ["arn:aws:s3:::legacy-*"]
reason = "root needed"
owner = "sec@example.com"
expires = 2027-03-31
"#,
        )
        .unwrap();
        assert_eq!(
            c.scope.regions,
            Some(Regions::List(vec!["us-east-1".into(), "eu-west-1".into()]))
        );
        assert_eq!(c.gate.fail_on, Some(Severity::High));
        assert_eq!(c.checks.disable[0].reason, "SCP");
        assert_eq!(
            c.checks.severity["trail-bucket-access-logging"],
            Severity::Critical
        );
        assert_eq!(c.params.params_at(now()).stale_after_hours, 6);
        assert_eq!(
            c.params.params_at(now()).organization_trail_name.as_deref(),
            Some("org")
        );
        let w = &c.waivers[0];
        assert_eq!(w.expires, NaiveDate::from_ymd_opt(2027, 3, 31).unwrap());
        assert!(w.matches(
            "trail-bucket-mfa-delete",
            "111122223333",
            None,
            "arn:aws:s3:::legacy-logs"
        ));
        assert!(!w.matches(
            "trail-bucket-mfa-delete",
            "111122223334",
            None,
            "arn:aws:s3:::legacy-logs"
        ));
        assert!(!w.matches(
            "trail-bucket-mfa-delete",
            "111122223333",
            None,
            "arn:aws:s3:::prod-logs"
        ));
    }

    #[test]
    fn errors_name_file_line_and_column() {
        assert_eq!(
            err("[scope]\nregion = \"us-east-1\"\nregoins = [\"x\"]\n")
                .split(": ")
                .next()
                .unwrap(),
            "t.toml:3:1"
        );
        let e = err("[checks]\nenable = [\"cloudtrail-multi-region\", \"no-such-check\"]\n");
        assert!(
            e.starts_with("t.toml:2:38: unknown check id 'no-such-check'"),
            "{e}"
        );
        let e = err("[gate]\nfail_on = \"severe\"\n");
        assert!(e.starts_with("t.toml:2:11:") && e.contains("severe"), "{e}");
        let e = err("[gate]\nfail_on = 3\n");
        assert!(e.starts_with("t.toml:2:11:"), "{e}");
        let e = err("[gate]\nframework = \"cis-aws-v9\"\n");
        assert!(e.contains("unknown framework 'cis-aws-v9'"), "{e}");
        assert!(!e.contains('\n'));
    }

    fn waiver(extra: &str, expires: &str) -> String {
        format!(
            "[[waiver]]\ncheck = \"trail-bucket-mfa-delete\"\nreason = \"r\"\nowner = \"o\"\nexpires = {expires}\n{extra}"
        )
    }

    #[test]
    fn waivers_are_strict() {
        let e = err(&waiver("", "\"2027-02-30\""));
        assert!(
            e.starts_with("t.toml:5:11:") && e.contains("not a date"),
            "{e}"
        );
        let e = err(&waiver("", "\"31/03/2027\""));
        assert!(e.contains("not a date"), "{e}");
        let e = err(&waiver("", "\"2027-11-29\""));
        assert!(e.contains("more than 365 days"), "{e}");
        assert!(parse_str(&waiver("", "\"2027-11-28\"")).is_ok());
        // Past expiries are accepted: the report says the waiver expired.
        assert!(parse_str(&waiver("", "\"2020-01-01\"")).is_ok());
        let e = err("[[waiver]]\ncheck = \"trail-bucket-mfa-delete\"\nreason = \"r\"\nexpires = \"2027-01-01\"\n");
        assert!(e.contains("missing field `owner`"), "{e}");
        let e = err(&waiver("accounts = [\"12\"]\n", "\"2027-01-01\""));
        assert!(e.starts_with("t.toml:6:13:") && e.contains("'12'"), "{e}");
        let e = err(&waiver("accounts = []\n", "\"2027-01-01\""));
        assert!(e.contains("empty"), "{e}");
        let e = "[[waiver]]\ncheck = \"trail-bucket-mfa-delete\"\nreason = \" \"\nowner = \"o\"\nexpires = \"2027-01-01\"\n";
        assert!(err(e).contains("reason must not be empty"));
        let e = err(&waiver("", "2027-01-01T00:00:00Z"));
        assert!(e.contains("must be a date"), "{e}");
        // A longer horizon is a parameter.
        let long = format!(
            "[params]\nmax_waiver_days = 730\n{}",
            waiver("", "\"2028-06-01\"")
        );
        assert!(parse_str(&long).is_ok());
    }

    #[test]
    fn expiry_is_inclusive_of_its_day() {
        let c = parse_str(&waiver("", "\"2026-11-28\"")).unwrap();
        let w = &c.waivers[0];
        assert!(!w.is_expired(now()));
        assert_eq!(w.days_left(now()), 0);
        assert!(w.is_expired(now() + chrono::Duration::days(1)));
    }

    #[test]
    fn globs() {
        assert!(glob_matches(
            "arn:aws:s3:::legacy-*",
            "arn:aws:s3:::legacy-"
        ));
        assert!(glob_matches("*", ""));
        assert!(glob_matches("a*b*c", "aXXbYYc"));
        assert!(glob_matches("a?c", "abc"));
        assert!(!glob_matches("a?c", "ac"));
        assert!(!glob_matches("legacy-*", "arn:aws:s3:::legacy-x"));
        assert!(glob_matches(
            "*:trail/*",
            "arn:aws:cloudtrail:us-east-1:1:trail/t"
        ));
        assert!(!glob_matches("abc", "abcd"));
    }

    #[test]
    fn disabling_needs_a_reason_and_a_known_id() {
        let e = err("[[checks.disable]]\nid = \"trail-bucket-object-lock\"\n");
        assert!(e.contains("missing field `reason`"), "{e}");
        let e = err("[[checks.disable]]\nid = \"nope\"\nreason = \"x\"\n");
        assert!(e.starts_with("t.toml:2:6:"), "{e}");
    }
}
