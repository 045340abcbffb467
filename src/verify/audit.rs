//! `audit --verify-logs`: every trail of the snapshot that validates its
//! logs, verified over the last hours in each in-scope account whose
//! folder it writes, summarized as the snapshot's log-integrity facts.

use super::expected::{Expectations, RegionExpectation};
use super::keys::PublicKeys;
use super::report::Verification;
use super::request::{parse_trail_arn, AwsAccess, VerifyError, VerifyRequest};
use super::run::{verify_through, Sessions};
use crate::snapshot::CollectionError;
use chrono::{DateTime, Utc};
use futures::future::join_all;
use futures::StreamExt;
use std::collections::BTreeMap;

/// `audit --verify-logs HOURS`: verifies every trail of the snapshot with
/// log file validation on over the `hours` before its collection time, with
/// the caller's credentials. An organization trail is verified in the
/// folder of every audited account.
pub async fn audit_integrity(
    access: &AwsAccess,
    snapshot: &crate::snapshot::Snapshot,
    hours: u32,
    public_keys: Option<&PublicKeys>,
    deadline: Option<(std::time::Instant, u64)>,
) -> BTreeMap<String, crate::snapshot::Fact<crate::snapshot::LogIntegrity>> {
    use crate::snapshot::Fact;
    let end = snapshot.collected_at;
    let start = end - chrono::Duration::hours(i64::from(hours));
    let per_trail = join_all(snapshot.trails.values().filter_map(|trail| {
        let (config, arn) = match &trail.config {
            Fact::Value(config) => (config, parse_trail_arn(&trail.arn)?),
            Fact::Error(_) => return None,
        };
        if !config.log_file_validation_enabled {
            return None;
        }
        let bucket = config.s3_bucket_name.clone()?;
        let access = bucket_access(access, snapshot, &bucket);
        let accounts = if config.is_organization_trail {
            snapshot.scope.accounts.clone()
        } else {
            vec![trail.account_id.clone()]
        };
        let verify_trail = async move {
            let unverified = |account: &str, code: &str, message: String| {
                Fact::Error(CollectionError {
                    account_id: account.to_string(),
                    region: None,
                    service: "verify-logs".into(),
                    operation: "VerifyLogs".into(),
                    code: code.into(),
                    message,
                })
            };
            // Credentials once per trail, however many accounts' folders
            // an organization trail has; those folders verified
            // concurrently, a few at a time (each already reads its regions
            // and files concurrently).
            let sessions = match Sessions::connect(&access, &trail.account_id).await {
                Ok(sessions) => sessions,
                Err(e) => return unverified(&trail.account_id, "VerifyFailed", e),
            };
            let results: Vec<Result<Verification, VerifyError>> =
                futures::stream::iter(accounts.iter().map(|account| {
                    let request = VerifyRequest {
                        trail: arn.clone(),
                        start,
                        end,
                        account_id: account.clone(),
                        regions: None,
                        expected: audited_expectations(trail, config, account, start),
                        s3_bucket: Some(bucket.clone()),
                        s3_prefix: config.s3_key_prefix.clone(),
                        local: None,
                        public_keys: public_keys.cloned(),
                        anchors: Vec::new(),
                        aws: access.clone(),
                        max_log_bytes: super::digest::DEFAULT_MAX_LOG_BYTES,
                        deadline: None,
                    };
                    let sessions = &sessions;
                    async move { verify_through(&request, Some(sessions)).await }
                }))
                .buffered(ACCOUNTS_AT_ONCE)
                .collect()
                .await;
            let mut runs = Vec::new();
            for (account, result) in accounts.iter().zip(results) {
                match result {
                    Ok(v) => runs.push(v),
                    Err(e) => {
                        let code = match e {
                            VerifyError::Input(_) => "VerifyFailed",
                            VerifyError::Unreadable(_) => "Unreadable",
                        };
                        return unverified(account, code, e.to_string());
                    }
                }
            }
            Fact::Value(summarize(&runs, start, end))
        };
        Some(async move {
            let fact = match deadline {
                None => verify_trail.await,
                // What `--timeout` leaves unverified is unknown, never passed.
                Some((at, seconds)) => tokio::time::timeout_at(at.into(), verify_trail)
                    .await
                    .unwrap_or_else(|_| {
                        Fact::Error(CollectionError {
                            account_id: trail.account_id.clone(),
                            region: Some(trail.home_region.clone()),
                            service: "verify-logs".into(),
                            operation: "VerifyLogs".into(),
                            code: "RunTimeout".into(),
                            message: format!(
                                "--timeout {seconds}s ran out before the trail's log files were verified"
                            ),
                        })
                    }),
            };
            (trail.arn.clone(), fact)
        })
    }))
    .await;
    per_trail.into_iter().collect()
}

/// For `audit --verify-logs`: the regions `account`'s folder of the trail
/// must hold digests in are the trail's home region and, for a
/// multi-region trail, every other audited region (those whose status was
/// read), each judged by its `GetTrailStatus` from the snapshot. Its
/// `LatestDigestDeliveryTime` describes the owner's folder only.
pub(super) fn audited_expectations(
    trail: &crate::snapshot::TrailFacts,
    config: &crate::snapshot::TrailConfig,
    account: &str,
    start: DateTime<Utc>,
) -> Expectations {
    let tail = account == trail.account_id;
    let mut regions = BTreeMap::new();
    regions.insert(
        trail.home_region.clone(),
        RegionExpectation::from_status(
            "the trail's home region".into(),
            &trail.status,
            start,
            tail,
        ),
    );
    if config.is_multi_region_trail {
        for (region, status) in &trail.status_in_regions {
            regions.insert(
                region.clone(),
                RegionExpectation::from_status(
                    "an audited region the multi-region trail covers".into(),
                    status,
                    start,
                    tail,
                ),
            );
        }
    }
    Expectations {
        regions,
        source: Some(
            "the audited regions the trail covers, with GetTrailStatus in each (from the audit)"
                .into(),
        ),
        organization_trail: Some(config.is_organization_trail),
    }
}

/// How to read `bucket`: through the audit role of the in-scope account
/// that owns it when that is not the caller's (a log-archive account, as
/// AWS Control Tower sets up), else with the caller's credentials.
pub fn bucket_access(
    base: &AwsAccess,
    snapshot: &crate::snapshot::Snapshot,
    bucket: &str,
) -> AwsAccess {
    let owner = snapshot
        .buckets
        .get(bucket)
        .and_then(|b| b.owner_account_id.value());
    let caller = snapshot.caller.as_ref().map(|c| &c.account_id);
    match (owner, &base.member_role) {
        (Some(owner), Some(role)) if Some(owner) != caller => AwsAccess {
            role_arn: Some(format!(
                "arn:{}:iam::{owner}:role/{role}",
                snapshot.partition
            )),
            ..base.clone()
        },
        _ => base.clone(),
    }
}

/// Account folders of one organization trail verified at once.
pub(super) const ACCOUNTS_AT_ONCE: usize = 8;

/// The snapshot's record of one trail's verifications (one per account).
pub fn summarize(
    runs: &[Verification],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> crate::snapshot::LogIntegrity {
    use super::report::{Counts, FileKind, Status};
    use crate::snapshot::{IntegrityCounts, IntegrityGap, IntegrityProblem, LogIntegrity};
    let counts = |c: Counts| IntegrityCounts {
        valid: c.valid as u64,
        invalid: c.invalid as u64,
        unverifiable: c.unverifiable as u64,
        unreadable: c.unreadable as u64,
    };
    let mut integrity = LogIntegrity {
        start_time: start,
        end_time: end,
        accounts: runs.iter().map(|r| r.account_id.clone()).collect(),
        regions: Vec::new(),
        digests: IntegrityCounts::default(),
        logs: IntegrityCounts::default(),
        gaps: Vec::new(),
        problems: Vec::new(),
        problems_omitted: 0,
        regions_from: runs.first().map(|r| r.regions_from.clone()),
        tail_unproven: Vec::new(),
    };
    let mut problems = Vec::new();
    for run in runs {
        let s = run.summary();
        let (d, l) = (counts(s.digests), counts(s.logs));
        for (total, add) in [(&mut integrity.digests, d), (&mut integrity.logs, l)] {
            total.valid += add.valid;
            total.invalid += add.invalid;
            total.unverifiable += add.unverifiable;
            total.unreadable += add.unreadable;
        }
        for region in &run.regions {
            if !integrity.regions.contains(&region.region) {
                integrity.regions.push(region.region.clone());
            }
            for g in region.gaps.iter().filter(|g| !g.backfill) {
                integrity.gaps.push(IntegrityGap {
                    account_id: run.account_id.clone(),
                    region: region.region.clone(),
                    from: g.from,
                    to: g.to,
                });
            }
            if let Some(why) = &region.digests_missing {
                problems.push(IntegrityProblem {
                    account_id: run.account_id.clone(),
                    region: region.region.clone(),
                    kind: "region".into(),
                    location: String::new(),
                    status: super::report::DIGESTS_MISSING.into(),
                    detail: Some(why.clone()),
                    invalid: true,
                });
            }
            if region.tail_unproven.is_some() {
                integrity
                    .tail_unproven
                    .push(format!("{}/{}", run.account_id, region.region));
            }
            if let Some(e) = &region.error {
                problems.push(IntegrityProblem {
                    account_id: run.account_id.clone(),
                    region: region.region.clone(),
                    kind: "region".into(),
                    location: String::new(),
                    status: "ERROR: not verified".into(),
                    detail: Some(e.clone()),
                    invalid: false,
                });
            }
            for f in region.digests.iter().chain(&region.logs) {
                if f.status != Status::Valid {
                    problems.push(IntegrityProblem {
                        account_id: run.account_id.clone(),
                        region: region.region.clone(),
                        kind: match f.kind {
                            FileKind::Digest => "digest".into(),
                            FileKind::Log => "log".into(),
                        },
                        location: f.location.clone(),
                        status: f.status.text().into(),
                        detail: f.detail.clone(),
                        invalid: f.status.is_invalid(),
                    });
                }
            }
        }
    }
    integrity.regions.sort();
    // Invalid files first: they are what the finding is about.
    problems.sort_by_key(|p| !p.invalid);
    let keep = LogIntegrity::MAX_PROBLEMS.min(problems.len());
    integrity.problems_omitted = (problems.len() - keep) as u64;
    problems.truncate(keep);
    integrity.problems = problems;
    integrity
}
