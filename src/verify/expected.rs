//! Which regions must hold digests, and how new the newest must be. The
//! digest folders found cannot say: deleting every digest of a region, or
//! the newest digests of one, leaves a chain that verifies. What AWS says
//! of the trail can: the regions it covers, and in each, `GetTrailStatus`
//! (`IsLogging`, `LatestDigestDeliveryTime`; CloudTrail API reference).
//! Digests are delivered hourly in each region while validation is on,
//! even when nothing was logged (CloudTrail user guide, "CloudTrail digest
//! file structure"), so a covered region with none in the window, or whose
//! newest is older than AWS's latest delivery, is missing digests.

use super::report::RegionResult;
use crate::snapshot::{Fact, TrailStatus};
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;

/// The regions a verification must cover, and what AWS says of each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expectations {
    pub regions: BTreeMap<String, RegionExpectation>,
    /// Where the regions came from, for the report; `None` when nothing is
    /// known and only the digest folders found are verified.
    pub source: Option<String>,
    /// Whether the trail is an organization trail now (DescribeTrails), so
    /// which folder layout it uses now; `None` when unknown.
    pub organization_trail: Option<bool>,
}

/// The report's words when only the digest folders found are verified.
pub const FOLDERS_ONLY: &str = "the digest folders found: a region whose digests were all deleted would go unnoticed (give --regions, or verify with AWS access)";

/// How much older than AWS's `LatestDigestDeliveryTime` the newest digest
/// found may end before the ones after it count as missing: a digest is
/// named by the end of the hour it covers and delivered after it.
pub const TAIL_TOLERANCE_MINUTES: i64 = 90;

/// What is known of one region the trail must have digests in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionExpectation {
    /// Why digests are expected here, for the verdict's words.
    pub why: String,
    /// Whether AWS was delivering digests here during the window: `Some(true)`
    /// (logging, or a digest delivered since the window began; or the user
    /// named the region), `Some(false)` (the last digest came before the
    /// window and the trail is not logging), `None` (status unknown).
    pub delivering: Option<bool>,
    /// `LatestDigestDeliveryTime` here, when AWS reported it for the
    /// folder being verified: the newest digest must be about that new.
    pub latest_digest_delivery: Option<DateTime<Utc>>,
}

impl RegionExpectation {
    /// From `GetTrailStatus` in the region. `tail` is false for folders the
    /// status does not describe (an organization trail's member accounts:
    /// AWS reports one latest delivery for the trail).
    pub fn from_status(
        why: String,
        status: &Fact<TrailStatus>,
        start: DateTime<Utc>,
        tail: bool,
    ) -> RegionExpectation {
        match status {
            Fact::Value(status) => {
                let latest = status.latest_digest_delivery_time;
                RegionExpectation {
                    why,
                    delivering: Some(status.is_logging || latest.is_some_and(|t| t >= start)),
                    latest_digest_delivery: latest.filter(|_| tail),
                }
            }
            Fact::Error(_) => RegionExpectation {
                why,
                delivering: None,
                latest_digest_delivery: None,
            },
        }
    }

    /// A region the user named (`--regions`): digests are expected there.
    pub fn named(why: &str) -> RegionExpectation {
        RegionExpectation {
            why: why.to_string(),
            delivering: Some(true),
            latest_digest_delivery: None,
        }
    }
}

/// Judges one verified region against what AWS says of it: no digest at
/// all while AWS was delivering, or a newest digest older than AWS's
/// latest delivery, is `INVALID: digests missing`; without a delivery
/// time or an anchor to compare with, the tail is said to be unproven.
pub fn judge(
    region: &mut RegionResult,
    expected: Option<&RegionExpectation>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    anchored: bool,
) {
    let Some(expected) = expected else {
        if !region.listed_nothing && !anchored {
            region.tail_unproven = Some(UNPROVEN.to_string());
        }
        return;
    };
    let until = end + Duration::hours(1);
    if region.listed_nothing {
        match expected.delivering {
            Some(true) => {
                region.error = None;
                region.digests_missing = Some(format!(
                    "no digest file between {} and {} in a region the trail covers ({}){}",
                    start.to_rfc3339(),
                    until.to_rfc3339(),
                    expected.why,
                    expected
                        .latest_digest_delivery
                        .map(|t| format!(
                            "; AWS last delivered one at {} (GetTrailStatus LatestDigestDeliveryTime)",
                            t.to_rfc3339()
                        ))
                        .unwrap_or_default()
                ));
            }
            None => {
                let known = region.error.take().unwrap_or_default();
                region.error = Some(format!(
                    "{known}; digests are expected here ({}), and whether AWS was delivering them is unknown (GetTrailStatus could not be read)",
                    expected.why
                ));
            }
            Some(false) => {}
        }
        return;
    }
    let newest = region
        .digests
        .iter()
        .filter_map(|f| super::digest::parse_digest_key(&f.key).map(|k| k.time))
        .max();
    match (expected.latest_digest_delivery, newest) {
        (Some(latest), Some(newest)) => {
            let due = latest.min(end);
            if due >= start && newest < due - Duration::minutes(TAIL_TOLERANCE_MINUTES) {
                region.digests_missing = Some(format!(
                    "the newest digest found ends at {}, but AWS delivered one at {} (GetTrailStatus LatestDigestDeliveryTime): the digests after it were deleted or moved",
                    newest.to_rfc3339(),
                    latest.to_rfc3339()
                ));
            }
        }
        _ if !anchored => region.tail_unproven = Some(UNPROVEN.to_string()),
        _ => {}
    }
}

/// Why the newest digests are unproven.
const UNPROVEN: &str = "no LatestDigestDeliveryTime from AWS to compare the newest digest with, and no --anchor: digests deleted after the newest one found would go unnoticed";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::report::{FileKind, FileResult, Status};

    fn at(hour: u32) -> DateTime<Utc> {
        format!("2026-11-27T{hour:02}:00:00Z").parse().unwrap()
    }

    fn with_newest(hour: u32) -> RegionResult {
        let key = format!(
            "AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2026/11/27/123456789012_CloudTrail-Digest_us-east-1_main_us-east-1_20261127T{hour:02}0000Z.json.gz"
        );
        RegionResult {
            region: "us-east-1".into(),
            digests: vec![FileResult::new(
                FileKind::Digest,
                "b",
                &key,
                key.clone(),
                Status::Valid,
                None,
            )],
            ..RegionResult::default()
        }
    }

    fn empty() -> RegionResult {
        RegionResult {
            region: "eu-west-1".into(),
            error: Some("no digest file".into()),
            listed_nothing: true,
            ..RegionResult::default()
        }
    }

    fn status(logging: bool, latest: Option<DateTime<Utc>>) -> Fact<TrailStatus> {
        Fact::Value(TrailStatus {
            is_logging: logging,
            latest_digest_delivery_time: latest,
            ..TrailStatus::default()
        })
    }

    #[test]
    fn a_covered_region_with_no_digest_while_delivering_is_invalid() {
        let mut region = empty();
        let expected = RegionExpectation::from_status(
            "multi-region trail".into(),
            &status(true, Some(at(11))),
            at(0),
            true,
        );
        judge(&mut region, Some(&expected), at(0), at(12), false);
        assert!(region.has_invalid());
        assert!(region.error.is_none());
        let why = region.digests_missing.unwrap();
        assert!(
            why.contains("multi-region trail") && why.contains("2026-11-27T11:00:00"),
            "{why}"
        );
    }

    #[test]
    fn a_region_whose_status_is_unknown_is_incomplete_not_invalid() {
        let mut region = empty();
        let unread = Fact::Error(crate::snapshot::CollectionError {
            account_id: "123456789012".into(),
            region: Some("us-east-1".into()),
            service: "cloudtrail".into(),
            operation: "GetTrailStatus".into(),
            code: "AccessDenied".into(),
            message: "User is not authorized to perform this operation".into(),
        });
        let expected = RegionExpectation::from_status("home region".into(), &unread, at(0), true);
        judge(&mut region, Some(&expected), at(0), at(12), false);
        assert!(!region.has_invalid());
        assert!(region.is_incomplete());
        assert!(region
            .error
            .unwrap()
            .contains("whether AWS was delivering them is unknown"));
    }

    #[test]
    fn a_region_that_stopped_delivering_before_the_window_is_not_missing() {
        let mut region = empty();
        let expected = RegionExpectation::from_status(
            "multi-region trail".into(),
            &status(false, Some(at(0) - Duration::days(3))),
            at(0),
            true,
        );
        judge(&mut region, Some(&expected), at(0), at(12), false);
        assert!(!region.has_invalid());
        assert!(region.digests_missing.is_none());
    }

    #[test]
    fn newest_digests_deleted_are_caught_against_the_latest_delivery() {
        let expected = |latest| RegionExpectation {
            why: "home region".into(),
            delivering: Some(true),
            latest_digest_delivery: Some(latest),
        };
        // The newest digest ends at 10:00, AWS delivered at 10:05: intact.
        let mut region = with_newest(10);
        judge(
            &mut region,
            Some(&expected(at(10) + Duration::minutes(5))),
            at(0),
            at(12),
            false,
        );
        assert!(region.digests_missing.is_none() && region.tail_unproven.is_none());
        // AWS delivered at 11:05 and 12:05 too: the two newest were deleted.
        let mut region = with_newest(10);
        judge(
            &mut region,
            Some(&expected(at(12) + Duration::minutes(5))),
            at(0),
            at(12),
            false,
        );
        assert!(region.has_invalid(), "{region:?}");
        // A delivery after the window only asks for the window's own tail.
        let mut region = with_newest(11);
        judge(&mut region, Some(&expected(at(20))), at(0), at(12), false);
        assert!(region.digests_missing.is_none(), "{region:?}");
    }

    #[test]
    fn without_a_delivery_time_or_an_anchor_the_tail_is_unproven() {
        let mut region = with_newest(10);
        judge(&mut region, None, at(0), at(12), false);
        assert!(region.tail_unproven.is_some());
        assert!(!region.has_invalid());
        let mut region = with_newest(10);
        judge(&mut region, None, at(0), at(12), true);
        assert!(region.tail_unproven.is_none());
        let mut region = with_newest(10);
        judge(
            &mut region,
            Some(&RegionExpectation::named("--regions")),
            at(0),
            at(12),
            false,
        );
        assert!(region.tail_unproven.is_some());
    }
}
