//! The verdict vocabulary every layer shares and every report serializes:
//! a finding's status and severity, its change against a baseline, and
//! what became of a waiver. Its words are a public interface (the JSON
//! report and the snapshot), so they live in one leaf module.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How bad a failing finding is. Ordered: `Info < Low < … < Critical`, so
/// `--fail-on` is a plain comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|sev| sev.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!("unknown severity '{s}' (expected info, low, medium, high or critical)")
            })
    }
}

/// The verdict of a finding. `Error` means a fact the check needs could not be
/// collected: it is never silently turned into a pass. `Waived` is a `Fail`
/// that an unexpired waiver in the configuration accepts: checks never
/// produce it, only the policy layer does (`policy::apply_waivers`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Fail,
    Error,
    NotApplicable,
    Waived,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Pass,
        Status::Fail,
        Status::Error,
        Status::NotApplicable,
        Status::Waived,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Error => "error",
            Status::NotApplicable => "not_applicable",
            Status::Waived => "waived",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a finding compares with the baseline report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// The baseline had no finding for this resource with this verdict
    /// (a failure that is new, or a status that changed otherwise).
    New,
    /// Same resource, same verdict (`waived` counts as the `fail` it is).
    Unchanged,
    /// It failed in the baseline and no longer does.
    Resolved,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::New => "new",
            Change::Unchanged => "unchanged",
            Change::Resolved => "resolved",
        }
    }
}

/// What became of one `[[waiver]]` in this run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaiverState {
    /// Unexpired, and it waived at least one failure.
    Active,
    /// Active, and it expires within `waiver_warning_days`.
    ExpiringSoon,
    /// Past its expiry: the failures it matched count again.
    Expired,
    /// Its check ran and it matched no failure: remove it.
    Stale,
    /// Its check did not run (disabled, or outside `--framework`).
    NotEvaluated,
}
