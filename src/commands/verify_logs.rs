//! `trailwarden verify-logs`: the integrity of a trail's log files, from S3 or a local copy.

use super::scope::{check_endpoints, parse_regions, runtime};
use crate::cli::VerifyLogsArgs;
use crate::collect::{self, Collector};
use crate::docs::ListFormat;
use crate::error::InputError;
use crate::names::AccountId;
use crate::outcome::Outcome;
use crate::report::{self};
use crate::snapshot::Fact;
use crate::verify;
use crate::verify::expected::{Expectations, RegionExpectation, FOLDERS_ONLY};
use crate::verify::run::{describe_trail, DescribedTrail, Sessions};
use crate::verify::VerifyRequest;
use anyhow::Result;
use chrono::Utc;
use futures::future::join_all;
use std::collections::BTreeMap;

/// A UTC time on the command line: RFC 3339 (`2026-11-27T05:00:00Z`,
/// `…+02:00`), the same without a zone (taken as UTC), or a date (midnight UTC).
pub(crate) fn parse_cli_time(flag: &str, value: &str) -> Result<chrono::DateTime<Utc>> {
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

pub(crate) fn read_public_keys(path: &std::path::Path) -> Result<verify::keys::PublicKeys> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| InputError(format!("cannot read --public-keys {}: {e}", path.display())))?;
    verify::keys::PublicKeys::from_list_public_keys_json(&text)
        .map_err(|e| InputError(format!("--public-keys {}: {e}", path.display())).into())
}

/// Reads `--anchor`: one `{"s3_bucket", "s3_object", "signature"}` object,
/// or an array of them (one per region, as `--record-anchor` writes for a
/// multi-region trail).
pub(crate) fn read_anchors(path: &std::path::Path) -> Result<Vec<verify::Anchor>> {
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
        if crate::hashing::unhex(&anchor.signature).is_none_or(|s| s.is_empty()) {
            return Err(InputError(format!("--anchor {shown}: the signature is not hex")).into());
        }
        anchors.push(anchor);
    }
    if anchors.is_empty() {
        return Err(InputError(format!("--anchor {shown} names no digest")).into());
    }
    Ok(anchors)
}

pub(crate) fn verify_logs(args: VerifyLogsArgs) -> Result<Outcome> {
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
    AccountId::parse(&account_id).map_err(|m| InputError(format!("--account-id {m}")))?;
    let regions = match &args.regions {
        Some(list) => parse_regions(list)?,
        None => None,
    };
    if let Some(region) = &args.region {
        crate::names::Region::parse(region).map_err(InputError)?;
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
        aws: verify::AwsAccess {
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
            None => run_verification(&request).await,
            Some((at, seconds)) => {
                let backstop = at + std::time::Duration::from_secs(5);
                tokio::time::timeout_at(backstop.into(), run_verification(&request))
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
                return Ok(Outcome::UsageError);
            }
        }
    }
    Ok(outcome)
}

/// `verify-logs` run alone: connect, find the bucket, then say which regions
/// must hold digests (the collection's own calls: the trail's status in
/// each region, the account's regions), then verify.
async fn run_verification(
    request: &verify::VerifyRequest,
) -> Result<verify::report::Verification, verify::VerifyError> {
    let mut prepared = verify::run::prepare(request).await?;
    if prepared.request.expected.regions.is_empty() {
        let described = prepared.described.take();
        prepared.request.expected =
            aws_expectations(prepared.sessions.as_ref(), &prepared.request, described).await;
    }
    verify::run::verify_through(&prepared.request, prepared.sessions.as_ref()).await
}

/// The regions `verify-logs` run alone must find digests in: `--regions`
/// when given, else the trail's (DescribeTrails: its home region, or every
/// region enabled for the caller's account when it is multi-region), each
/// with its `GetTrailStatus` when AWS can be asked. Offline without
/// `--regions`, nothing is known.
pub(crate) async fn aws_expectations(
    sessions: Option<&Sessions>,
    request: &VerifyRequest,
    described: Option<DescribedTrail>,
) -> Expectations {
    let trail = &request.trail;
    // AWS's latest delivery describes the trail owner's folder only.
    let tail = request.account_id == trail.account_id;
    let Some(sessions) = sessions else {
        return match &request.regions {
            Some(regions) => Expectations {
                regions: regions
                    .iter()
                    .map(|r| (r.clone(), RegionExpectation::named("named with --regions")))
                    .collect(),
                source: Some("--regions".into()),
                organization_trail: None,
            },
            None => Expectations::default(),
        };
    };
    let cx = &Collector::standalone(sessions.plumbing().clone(), request.aws.call_timeout);
    let caller = sessions.caller();
    let mut organization_trail = None;
    let (regions, why, source) = match &request.regions {
        Some(regions) => (
            regions.clone(),
            "named with --regions",
            "--regions, with GetTrailStatus in each".to_string(),
        ),
        None => match match described {
            Some(found) => Ok(found),
            None => describe_trail(caller, trail).await,
        } {
            Err(e) => {
                return Expectations {
                    regions: BTreeMap::new(),
                    source: Some(format!("{FOLDERS_ONLY}; DescribeTrails failed: {e}")),
                    organization_trail: None,
                }
            }
            Ok(described) if !described.multi_region => {
                organization_trail = Some(described.organization_trail);
                (
                    vec![trail.home_region.clone()],
                    "the trail's home region",
                    "the trail's home region (DescribeTrails), with GetTrailStatus".to_string(),
                )
            }
            Ok(described) => {
                organization_trail = Some(described.organization_trail);
                match collect::scope::regions(cx, caller, None, &[]).await.0 {
                Fact::Value(regions) => (
                    regions,
                    "a region enabled for the account, which the multi-region trail covers",
                    "every region enabled for the caller's account (ListRegions), which the multi-region trail covers, with GetTrailStatus in each".to_string(),
                ),
                Fact::Error(e) => {
                    return Expectations {
                        regions: BTreeMap::new(),
                        source: Some(format!(
                            "{FOLDERS_ONLY}; the account's regions could not be listed: {}: {}",
                            e.code, e.message
                        )),
                        organization_trail,
                    }
                }
            }
            }
        },
    };
    let statuses = join_all(regions.iter().map(|region| async move {
        let status = collect::cloudtrail::trail_status(cx, caller, region, &trail.arn).await;
        let expectation = match (&request.regions, &status) {
            // The user named the region: digests are expected even when
            // its status cannot be read.
            (Some(_), Fact::Error(_)) => RegionExpectation::named(why),
            _ => RegionExpectation::from_status(why.to_string(), &status, request.start, tail),
        };
        (region.clone(), expectation)
    }))
    .await;
    Expectations {
        regions: statuses.into_iter().collect(),
        source: Some(source),
        organization_trail,
    }
}
