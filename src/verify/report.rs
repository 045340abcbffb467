//! Results of a verification: per file, per region, overall; the console
//! summary and the JSON report.

use crate::outcome::Outcome;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The status of one digest or log file. The `INVALID:` texts are those of
/// `aws cloudtrail validate-logs`, so the two tools read alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Valid,
    NotFound,
    HashMismatch,
    SignatureFailed,
    InvalidFormat,
    Moved,
    PublicKeyNotFound,
    /// Beyond the AWS tool: the file is authentic, but a newer digest's
    /// `previousDigestHashValue` / `previousDigestSignature` does not name
    /// it, its file name's time is not its `digestEndTime`, or no newer
    /// digest refers to it.
    ChainMismatch,
    /// No signature to check it with (a local copy's newest digest without
    /// `--anchor` or a `.sig` sidecar), or a log listed only in such a
    /// digest: neither valid nor invalid.
    Unverifiable,
    /// Could not be read (AccessDenied, throttling, I/O error, public keys
    /// not readable): the verification is incomplete.
    Unreadable,
}

impl Status {
    pub fn text(self) -> &'static str {
        match self {
            Status::Valid => "valid",
            Status::NotFound => "INVALID: not found",
            Status::HashMismatch => "INVALID: hash value doesn't match",
            Status::SignatureFailed => "INVALID: signature verification failed",
            Status::InvalidFormat => "INVALID: invalid format",
            Status::Moved => "INVALID: has been moved from its original location",
            Status::PublicKeyNotFound => "INVALID: public key not found",
            Status::ChainMismatch => "INVALID: does not match the digest chain",
            Status::Unverifiable => "UNVERIFIABLE: no signature to check",
            Status::Unreadable => "ERROR: could not be read",
        }
    }

    pub fn is_invalid(self) -> bool {
        !matches!(
            self,
            Status::Valid | Status::Unverifiable | Status::Unreadable
        )
    }

    pub fn is_incomplete(self) -> bool {
        matches!(self, Status::Unverifiable | Status::Unreadable)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    Digest,
    Log,
}

/// One file's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileResult {
    pub kind: FileKind,
    pub bucket: String,
    pub key: String,
    /// Where it was read: `s3://bucket/key` or a local path.
    pub location: String,
    pub status: Status,
    /// The status as text (`INVALID: not found`…).
    pub status_text: String,
    /// Why, when not valid (or how a valid digest got its signature).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// A backfill digest (`…_backfill.json.gz`): log files a regular digest
    /// missed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub backfill: bool,
}

impl FileResult {
    pub fn new(
        kind: FileKind,
        bucket: &str,
        key: &str,
        location: String,
        status: Status,
        detail: Option<String>,
    ) -> Self {
        FileResult {
            kind,
            bucket: bucket.to_string(),
            key: key.to_string(),
            location,
            status,
            status_text: status.text().to_string(),
            detail,
            backfill: false,
        }
    }
}

/// A time with no digests: a digest that starts a new chain (null previous
/// fields) while an older digest exists. Logging or log file validation was
/// off; that is not tampering, but nothing in it can be proven.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    /// End time of the older digest.
    pub from: DateTime<Utc>,
    /// Start time of the digest that starts the new chain.
    pub to: DateTime<Utc>,
    pub older_digest: String,
    pub newer_digest: String,
    /// A gap in the backfill digests' own chain.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub backfill: bool,
}

/// A digest and its signature, recorded to prove later that no newer digest
/// was deleted (`--record-anchor`, `--anchor`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Anchor {
    pub s3_bucket: String,
    pub s3_object: String,
    /// Hex signature of the digest.
    pub signature: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnchorStatus {
    /// The walk reached the anchor digest and it carries the recorded signature.
    Reached,
    /// The walk reached the anchor's key, but not with the recorded signature.
    SignatureMismatch,
    /// The walk never reached the anchor digest: newer digests were deleted
    /// (or the chain is broken before it).
    NotReached,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnchorResult {
    pub anchor: Anchor,
    pub status: AnchorStatus,
    pub detail: String,
}

/// Counts by verdict class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub valid: usize,
    pub invalid: usize,
    pub unverifiable: usize,
    pub unreadable: usize,
}

impl Counts {
    pub fn of<'a>(files: impl IntoIterator<Item = &'a FileResult>) -> Counts {
        let mut c = Counts::default();
        for f in files {
            match f.status {
                Status::Valid => c.valid += 1,
                Status::Unverifiable => c.unverifiable += 1,
                Status::Unreadable => c.unreadable += 1,
                _ => c.invalid += 1,
            }
        }
        c
    }

    fn add(&mut self, other: Counts) {
        self.valid += other.valid;
        self.invalid += other.invalid;
        self.unverifiable += other.unverifiable;
        self.unreadable += other.unreadable;
    }
}

/// One region's verification.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionResult {
    pub region: String,
    pub digests: Vec<FileResult>,
    pub logs: Vec<FileResult>,
    pub gaps: Vec<Gap>,
    /// Why the region could not be verified at all (listing denied, no
    /// digest in the range).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anchor: Option<AnchorResult>,
    /// The newest digest verified valid, with its signature: what
    /// `--record-anchor` writes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub newest_valid: Option<Anchor>,
    /// `INVALID: digests missing`: AWS was delivering digests here (the
    /// region is one the trail must cover, and GetTrailStatus, or
    /// `--regions`, says so) but none was found in the window, or the
    /// newest found is older than the newest AWS delivered. Why, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digests_missing: Option<String>,
    /// Why deleting the newest digests would go unnoticed here (no
    /// `LatestDigestDeliveryTime` to compare with, no `--anchor`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tail_unproven: Option<String>,
    /// The listing held no digest of the window (set by the walk; judged
    /// against what AWS says of the region).
    #[serde(skip)]
    pub listed_nothing: bool,
    /// The account folder verified (`[prefix/]AWSLogs/[o-id/]account/`),
    /// named when the trail has digests in more than one layout (a trail
    /// converted to or from an organization trail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout: Option<String>,
}

/// The status text of a region whose digests are missing.
pub const DIGESTS_MISSING: &str = "INVALID: digests missing";

impl RegionResult {
    pub fn digest_counts(&self) -> Counts {
        Counts::of(&self.digests)
    }

    pub fn log_counts(&self) -> Counts {
        Counts::of(&self.logs)
    }

    /// Gaps in the regular chain (logging or validation off). A gap between
    /// backfill digests is only a new backfill chain and is not counted.
    pub fn regular_gaps(&self) -> usize {
        self.gaps.iter().filter(|g| !g.backfill).count()
    }

    pub fn has_invalid(&self) -> bool {
        self.digests_missing.is_some()
            || self
                .digests
                .iter()
                .chain(&self.logs)
                .any(|f| f.status.is_invalid())
            || self
                .anchor
                .as_ref()
                .is_some_and(|a| a.status != AnchorStatus::Reached)
    }

    pub fn is_incomplete(&self) -> bool {
        self.error.is_some()
            || self
                .digests
                .iter()
                .chain(&self.logs)
                .any(|f| f.status.is_incomplete())
    }
}

/// Where the files were read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SourceInfo {
    S3 {
        bucket: String,
        prefix: Option<String>,
    },
    Local {
        dir: String,
        bucket: Option<String>,
        prefix: Option<String>,
    },
}

/// A whole verification run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    pub trail_arn: String,
    pub account_id: String,
    pub start_time: DateTime<Utc>,
    pub end_time: DateTime<Utc>,
    pub source: SourceInfo,
    /// Where the list of regions verified came from (the trail's regions
    /// from AWS, `--regions`, or only the digest folders found).
    pub regions_from: String,
    /// Where S3 was read (`--endpoint-url`, `AWS_ENDPOINT_URL[_S3]` or the
    /// shared config profile), when not from AWS's own endpoint.
    pub endpoint_url: Option<String>,
    /// Every endpoint in use that is not AWS's own, by service (`*` = every
    /// service, plus the services that differ): CloudTrail's decides which
    /// public keys judge the digests, so it is recorded as well as S3's.
    #[serde(default)]
    pub endpoints: BTreeMap<String, String>,
    pub regions: Vec<RegionResult>,
}

/// Totals over every region.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub digests: Counts,
    pub logs: Counts,
    pub gaps: usize,
    pub regions_not_verified: usize,
    /// Regions whose digests are missing (all of them, or the newest).
    #[serde(default)]
    pub regions_missing_digests: usize,
    /// Backfill digests checked (counted in `digests` too).
    #[serde(default)]
    pub backfill_digests: usize,
}

impl Verification {
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for r in &self.regions {
            s.digests.add(r.digest_counts());
            s.logs.add(r.log_counts());
            s.gaps += r.regular_gaps();
            s.regions_not_verified += usize::from(r.error.is_some());
            s.regions_missing_digests += usize::from(r.digests_missing.is_some());
            s.backfill_digests += r.digests.iter().filter(|f| f.backfill).count();
        }
        s
    }

    /// 1 when anything is invalid (a failed anchor included), else 3 when
    /// something could not be read or verified, else 0.
    pub fn outcome(&self) -> Outcome {
        if self.regions.iter().any(RegionResult::has_invalid) {
            Outcome::Failed
        } else if self.regions.is_empty() || self.regions.iter().any(RegionResult::is_incomplete) {
            Outcome::Incomplete
        } else {
            Outcome::Clean
        }
    }

    /// The JSON report (`--format json`).
    pub fn to_json(&self) -> serde_json::Value {
        let outcome = self.outcome();
        serde_json::json!({
            "schema_version": 1,
            "tool": crate::snapshot::ToolInfo::current(),
            "trail_arn": self.trail_arn,
            "account_id": self.account_id,
            "start_time": self.start_time,
            "end_time": self.end_time,
            "source": self.source,
            "regions_from": self.regions_from,
            "endpoint_url": self.endpoint_url,
            "endpoints": self.endpoints,
            "result": result_word(outcome),
            "exit_code": outcome.code(),
            "summary": self.summary(),
            "regions": self.regions,
        })
    }

    /// The console report: a summary per region, every file that is not
    /// valid, gaps, the anchor; every file with `verbose`.
    pub fn to_console(&self, verbose: bool) -> String {
        let mut out = String::new();
        let t = |d: &DateTime<Utc>| d.to_rfc3339_opts(SecondsFormat::Secs, true);
        let source = match &self.source {
            SourceInfo::S3 { bucket, prefix } => format!(
                "s3://{bucket}/{}",
                prefix
                    .as_deref()
                    .map(|p| format!("{p}/"))
                    .unwrap_or_default()
            ),
            SourceInfo::Local { dir, .. } => format!("local copy {dir}"),
        };
        out.push_str(&format!(
            "Trail {}\nAccount {}, {} to {}, from {}\nRegions: {}\n",
            self.trail_arn,
            self.account_id,
            t(&self.start_time),
            t(&self.end_time),
            source,
            self.regions_from
        ));
        for (service, url) in &self.endpoints {
            let calls = match service.as_str() {
                "*" => "AWS calls".to_string(),
                service => format!("{service} calls"),
            };
            out.push_str(&format!(
                "{calls} sent to {url}, not to AWS's own endpoint\n"
            ));
        }
        for r in &self.regions {
            let d = r.digest_counts();
            let l = r.log_counts();
            out.push_str(&format!(
                "\n{}{}: digests {} valid, {} invalid{}; logs {} valid, {} invalid{}; {} gap(s)\n",
                r.region,
                r.layout
                    .as_deref()
                    .map(|l| format!(" ({l})"))
                    .unwrap_or_default(),
                d.valid,
                d.invalid,
                extra(d),
                l.valid,
                l.invalid,
                extra(l),
                r.regular_gaps()
            ));
            if let Some(e) = &r.error {
                out.push_str(&format!("  ERROR: {e}\n"));
            }
            if let Some(why) = &r.digests_missing {
                out.push_str(&format!("  {DIGESTS_MISSING}: {why}\n"));
            }
            if let Some(why) = &r.tail_unproven {
                out.push_str(&format!("  Tail unproven: {why}\n"));
            }
            for f in r.digests.iter().chain(&r.logs) {
                if verbose || f.status != Status::Valid {
                    let kind = match (f.kind, f.backfill) {
                        (FileKind::Digest, true) => "(backfill) Digest file",
                        (FileKind::Digest, false) => "Digest file",
                        (FileKind::Log, _) => "Log file",
                    };
                    out.push_str(&format!("  {kind}\t{}\t{}", f.location, f.status.text()));
                    if let Some(detail) = &f.detail {
                        if verbose || f.status != Status::Valid {
                            out.push_str(&format!(" ({detail})"));
                        }
                    }
                    out.push('\n');
                }
            }
            for g in &r.gaps {
                if g.backfill {
                    out.push_str(&format!(
                        "  (backfill) Gap: no backfill digests from {} to {} (the backfill chain starts anew)\n",
                        t(&g.from),
                        t(&g.to)
                    ));
                } else {
                    out.push_str(&format!(
                        "  Gap: no digests from {} to {} (logging or log file validation was off: not tampering, but nothing in it is proven)\n",
                        t(&g.from),
                        t(&g.to)
                    ));
                }
            }
            if let Some(a) = &r.anchor {
                let word = match a.status {
                    AnchorStatus::Reached => "reached",
                    AnchorStatus::SignatureMismatch => "INVALID: signature does not match",
                    AnchorStatus::NotReached => "INVALID: not reached",
                };
                out.push_str(&format!(
                    "  Anchor s3://{}/{}: {word} ({})\n",
                    a.anchor.s3_bucket, a.anchor.s3_object, a.detail
                ));
            }
        }
        let s = self.summary();
        let outcome = self.outcome();
        out.push_str(&format!(
            "\nResult: {}: {} digest(s) and {} log file(s) valid; {} invalid; {} region(s) missing digests; {} not verifiable or not readable; {} gap(s)\n",
            result_word(outcome),
            s.digests.valid,
            s.logs.valid,
            s.digests.invalid + s.logs.invalid,
            s.regions_missing_digests,
            s.digests.unverifiable + s.digests.unreadable + s.logs.unverifiable + s.logs.unreadable + s.regions_not_verified,
            s.gaps
        ));
        out
    }
}

fn extra(c: Counts) -> String {
    let mut s = String::new();
    if c.unverifiable > 0 {
        s.push_str(&format!(", {} unverifiable", c.unverifiable));
    }
    if c.unreadable > 0 {
        s.push_str(&format!(", {} unreadable", c.unreadable));
    }
    s
}

fn result_word(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Clean => "VERIFIED",
        Outcome::Failed => "INVALID",
        _ => "INCOMPLETE",
    }
}
