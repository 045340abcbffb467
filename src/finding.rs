//! Findings: the verdict of one check on one resource, with the facts it was decided on.

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

/// One verdict of one check about one resource in one account.
///
/// Checks build findings with [`Finding::new`]; the evaluator fills in the
/// severity and title from the check's metadata, so a check cannot disagree
/// with its documentation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub check_id: String,
    pub severity: Severity,
    pub status: Status,
    /// The account the finding is reported under.
    pub account_id: String,
    /// The region the resource lives in; `None` for global resources (S3 bucket
    /// names, account-level settings).
    pub region: Option<String>,
    /// ARN, or another identifier where the resource has no ARN.
    pub resource: String,
    pub message: String,
    /// The facts the verdict was decided on: always a JSON object.
    pub evidence: serde_json::Value,
}

impl Finding {
    /// A finding with empty evidence and `info` severity, to be completed by
    /// the builder methods and by the evaluator (severity).
    pub fn new(
        check_id: &str,
        status: Status,
        account_id: &str,
        resource: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            check_id: check_id.to_string(),
            severity: Severity::Info,
            status,
            account_id: account_id.to_string(),
            region: None,
            resource: resource.into(),
            message: message.into(),
            evidence: serde_json::Value::Object(Default::default()),
        }
    }

    pub fn in_region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Replace the evidence; a non-object value is wrapped as `{"value": …}`
    /// so evidence is always an object.
    pub fn with_evidence(mut self, evidence: serde_json::Value) -> Self {
        self.evidence = match evidence {
            serde_json::Value::Object(_) => evidence,
            other => serde_json::json!({ "value": other }),
        };
        self
    }
}
