//! A `verify-logs` request: the trail, the window, the source, how to
//! reach AWS, and why a verification could not start.

use super::expected::Expectations;
use super::keys::PublicKeys;
use super::report::Anchor;
use crate::aws::ConnectOptions;
use crate::snapshot::CollectionError;
use chrono::{DateTime, Utc};
use std::path::PathBuf;

/// The parts of a trail ARN (`arn:aws:cloudtrail:us-east-1:123456789012:trail/main`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailArn {
    pub arn: String,
    pub partition: String,
    pub home_region: String,
    pub account_id: String,
    pub name: String,
}

/// Parses a trail ARN; `None` when it is not one.
pub fn parse_trail_arn(arn: &str) -> Option<TrailArn> {
    let mut parts = arn.splitn(6, ':');
    let (prefix, partition, service, region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let name = resource.strip_prefix("trail/")?;
    let ok = prefix == "arn"
        && !partition.is_empty()
        && service == "cloudtrail"
        && !region.is_empty()
        && crate::names::AccountId::is_valid(account)
        && !name.is_empty()
        && !name.contains('/');
    ok.then(|| TrailArn {
        arn: arn.to_string(),
        partition: partition.to_string(),
        home_region: region.to_string(),
        account_id: account.to_string(),
        name: name.to_string(),
    })
}

/// How to reach AWS (for S3, DescribeTrails and ListPublicKeys).
#[derive(Debug, Clone, Default)]
pub struct AwsAccess {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    pub call_timeout: std::time::Duration,
    /// Read through this role, assumed from the profile's credentials (the
    /// trail bucket's owner, for `audit --verify-logs`).
    pub role_arn: Option<String>,
    pub external_id: Option<String>,
    /// The role name to assume in another in-scope account (`--role-name`).
    pub member_role: Option<String>,
    /// Send the read-only session policy with AssumeRole.
    pub session_policy: bool,
    /// `--allow-insecure-endpoint` (for an endpoint set in the profile).
    pub allow_insecure_endpoint: bool,
}

impl AwsAccess {
    pub(super) fn options(&self) -> ConnectOptions {
        ConnectOptions {
            profile: self.profile.clone(),
            region: self.region.clone(),
            endpoint_url: self.endpoint_url.clone(),
            call_timeout: self.call_timeout,
            account_concurrency: 32,
            session_policy: self.session_policy,
            allow_insecure_endpoint: self.allow_insecure_endpoint,
        }
    }
}

/// A validated `verify-logs` request.
#[derive(Debug, Clone)]
pub struct VerifyRequest {
    pub trail: TrailArn,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// The account whose files are verified (organization trails: a member).
    pub account_id: String,
    pub regions: Option<Vec<String>>,
    /// The regions that must hold digests and what AWS says of each:
    /// given by `audit --verify-logs` (from the snapshot), else found by
    /// [`verify`] through the API (or `--regions` offline).
    pub expected: Expectations,
    pub s3_bucket: Option<String>,
    pub s3_prefix: Option<String>,
    pub local: Option<PathBuf>,
    pub public_keys: Option<PublicKeys>,
    pub anchors: Vec<Anchor>,
    pub aws: AwsAccess,
    /// The most one log file may inflate to (`--max-log-mib`).
    pub max_log_bytes: u64,
    /// `--timeout` of `verify-logs` run alone (when, and the seconds given):
    /// a region not verified by then is an error naming it, never valid.
    /// (`audit` bounds its whole verification instead.)
    pub deadline: Option<(std::time::Instant, u64)>,
}

/// Why a verification could not start.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// Bad input (exit 2): no such trail, no credentials, a bad directory.
    #[error("{0}")]
    Input(String),
    /// Something needed could not be read (exit 3): DescribeTrails or the
    /// bucket listing denied.
    #[error("{0}")]
    Unreadable(String),
}

pub(super) fn unreadable(e: &CollectionError) -> VerifyError {
    VerifyError::Unreadable(format!(
        "{}:{}: {}: {}",
        e.service, e.operation, e.code, e.message
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trail_arns_are_parsed() {
        let t =
            parse_trail_arn("arn:aws:cloudtrail:eu-west-1:123456789012:trail/my-trail").unwrap();
        assert_eq!(t.home_region, "eu-west-1");
        assert_eq!(t.account_id, "123456789012");
        assert_eq!(t.name, "my-trail");
        for bad in [
            "",
            "arn:aws:cloudtrail:eu-west-1:123456789012:trail/",
            "arn:aws:s3:eu-west-1:123456789012:trail/x",
            "arn:aws:cloudtrail:eu-west-1:1234:trail/x",
            "arn:aws:cloudtrail::123456789012:trail/x",
            "main",
        ] {
            assert!(parse_trail_arn(bad).is_none(), "{bad}");
        }
    }
}
