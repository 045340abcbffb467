//! One verification and the I/O around its walk: the trail's bucket and prefix (DescribeTrails),
//! the digest folder of the account (plain or organization layout), the
//! regions, the public keys (ListPublicKeys or a file), then every region
//! concurrently.

use super::chain::{verify_region, RegionPlan};
use super::expected::FOLDERS_ONLY;
use super::keys::PublicKeys;
use super::report::{Anchor, RegionResult, SourceInfo, Verification};
use super::request::{unreadable, AwsAccess, TrailArn, VerifyError, VerifyRequest};
use super::source::{FetchError, LocalSource, S3Source, Source};
use crate::aws::clients::{Plumbing, Session};
use crate::aws::errors::{from_sdk, Site};
use crate::aws::ops;
use crate::snapshot::CollectionError;
use chrono::{DateTime, Utc};
use futures::future::join_all;
use std::collections::BTreeMap;

/// The sessions a verification reads through: the caller's, for CloudTrail
/// (DescribeTrails, ListPublicKeys), and the bucket's, for S3: the bucket
/// may be another account's (a log archive), read through a role there.
#[derive(Clone)]
pub struct Sessions {
    caller: Session,
    bucket: Session,
    /// What the sessions were made of, for the calls that say which regions
    /// must hold digests (made by the command, which may collect).
    plumbing: Plumbing,
}

impl Sessions {
    /// Loads the credentials once; `account_id` names the account in errors.
    pub async fn connect(aws: &AwsAccess, account_id: &str) -> Result<Sessions, String> {
        let plumbing = Plumbing::load(&aws.options())
            .await
            .map_err(|e| e.to_string())?;
        let bucket_sdk = match &aws.role_arn {
            None => plumbing.base.clone(),
            Some(role_arn) => plumbing.with_credentials(
                crate::aws::roles::assumed_role(&plumbing, role_arn, aws.external_id.as_deref())
                    .await,
            ),
        };
        Ok(Sessions {
            caller: Session::new(account_id, plumbing.base.clone(), &plumbing),
            bucket: Session::new(account_id, bucket_sdk, &plumbing),
            plumbing,
        })
    }

    /// The caller's session (CloudTrail calls).
    pub fn caller(&self) -> &Session {
        &self.caller
    }

    /// The SDK configuration the sessions share.
    pub fn plumbing(&self) -> &Plumbing {
        &self.plumbing
    }
}

/// A verification ready to run: AWS connected when needed, and the trail's
/// bucket known (DescribeTrails, once, when S3 is read and none was given:
/// its failure stops the run, as the bucket is then unknown).
pub struct Prepared {
    pub request: VerifyRequest,
    pub sessions: Option<Sessions>,
    /// What DescribeTrails said, when it was called: the region
    /// expectations need it too.
    pub described: Option<DescribedTrail>,
}

/// Connects and finds the bucket; the caller fills `request.expected` when
/// it is empty, then runs [`verify_through`].
pub async fn prepare(request: &VerifyRequest) -> Result<Prepared, VerifyError> {
    let sessions = connect_for(request).await?;
    let mut request = request.clone();
    let mut described = None;
    if let (Some(s), None, None) = (&sessions, &request.local, &request.s3_bucket) {
        let found = describe_trail(&s.caller, &request.trail).await?;
        let (bucket, prefix) = bucket_of(&request.trail, &found)?;
        request.s3_bucket = Some(bucket);
        request.s3_prefix = request.s3_prefix.clone().or(prefix);
        described = Some(found);
    }
    Ok(Prepared {
        request,
        sessions,
        described,
    })
}

/// The sessions a verification needs: none offline with a public-keys file.
pub(super) async fn connect_for(request: &VerifyRequest) -> Result<Option<Sessions>, VerifyError> {
    let needs_aws = request.local.is_none() || request.public_keys.is_none();
    let sessions = if needs_aws {
        let connected = Sessions::connect(&request.aws, &request.account_id).await;
        Some(connected.map_err(|e| {
            let hint = if request.local.is_some() {
                " (for offline use, give --public-keys FILE)"
            } else {
                ""
            };
            VerifyError::Input(format!("{e}{hint}"))
        })?)
    } else {
        None
    };
    Ok(sessions)
}

/// The verification through sessions already connected (`None`: offline, with a
/// local copy and a public-keys file).
pub async fn verify_through(
    request: &VerifyRequest,
    sessions: Option<&Sessions>,
) -> Result<Verification, VerifyError> {
    if let Some(dir) = &request.local {
        if !dir.is_dir() {
            return Err(VerifyError::Input(format!(
                "--local {}: not a readable directory",
                dir.display()
            )));
        }
        let source = LocalSource { dir: dir.clone() };
        let info = SourceInfo::Local {
            dir: dir.display().to_string(),
            bucket: request.s3_bucket.clone(),
            prefix: request.s3_prefix.clone(),
        };
        let bucket = request.s3_bucket.clone().unwrap_or_default();
        let check_bucket = request.s3_bucket.is_some();
        return verify_with(
            &source,
            request,
            sessions.map(|s| &s.caller),
            &bucket,
            request.s3_prefix.as_deref(),
            check_bucket,
            false,
            info,
        )
        .await;
    }
    let Some(Sessions {
        caller,
        bucket: bucket_session,
        ..
    }) = sessions
    else {
        return Err(VerifyError::Input("no AWS access configured".into()));
    };
    let (bucket, prefix) = match &request.s3_bucket {
        Some(bucket) => (bucket.clone(), request.s3_prefix.clone()),
        None => {
            let (bucket, prefix) = trail_bucket(caller, &request.trail).await?;
            (bucket, request.s3_prefix.clone().or(prefix))
        }
    };
    let region = bucket_region(bucket_session, &bucket, &request.trail.home_region).await;
    let source = S3Source {
        session: bucket_session.clone(),
        region,
    };
    let info = SourceInfo::S3 {
        bucket: bucket.clone(),
        prefix: prefix.clone(),
    };
    verify_with(
        &source,
        request,
        Some(caller),
        &bucket,
        prefix.as_deref(),
        true,
        true,
        info,
    )
    .await
}

/// What DescribeTrails (in the trail's home region) says of the trail.
pub struct DescribedTrail {
    pub bucket: Option<String>,
    pub prefix: Option<String>,
    pub multi_region: bool,
    pub organization_trail: bool,
}

/// DescribeTrails of the trail, shadow trails included.
pub async fn describe_trail(
    session: &Session,
    trail: &TrailArn,
) -> Result<DescribedTrail, VerifyError> {
    let client = session.cloudtrail(&trail.home_region);
    let out = client
        .describe_trails()
        .trail_name_list(&trail.arn)
        .include_shadow_trails(true)
        .send()
        .await
        .map_err(|err| {
            unreadable(&from_sdk(
                &Site::new(
                    &session.account_id,
                    &trail.home_region,
                    ops::CT_DESCRIBE_TRAILS,
                ),
                &err,
            ))
        })?;
    let found = out
        .trail_list()
        .iter()
        .find(|t| t.trail_arn() == Some(trail.arn.as_str()))
        .ok_or_else(|| {
            VerifyError::Input(format!(
                "trail {} not found in {} (check the ARN, or give --s3-bucket)",
                trail.arn, trail.home_region
            ))
        })?;
    Ok(DescribedTrail {
        bucket: found
            .s3_bucket_name()
            .filter(|b| !b.is_empty())
            .map(str::to_string),
        prefix: found
            .s3_key_prefix()
            .filter(|p| !p.is_empty())
            .map(str::to_string),
        multi_region: found.is_multi_region_trail().unwrap_or(false),
        organization_trail: found.is_organization_trail().unwrap_or(false),
    })
}

/// The trail's bucket and prefix, from DescribeTrails.
pub(super) async fn trail_bucket(
    session: &Session,
    trail: &TrailArn,
) -> Result<(String, Option<String>), VerifyError> {
    bucket_of(trail, &describe_trail(session, trail).await?)
}

/// The bucket and prefix a described trail delivers to.
pub(super) fn bucket_of(
    trail: &TrailArn,
    described: &DescribedTrail,
) -> Result<(String, Option<String>), VerifyError> {
    let bucket = described
        .bucket
        .clone()
        .ok_or_else(|| VerifyError::Input(format!("trail {} has no S3 bucket", trail.arn)))?;
    Ok((bucket, described.prefix.clone()))
}

/// The bucket's region (GetBucketLocation), so S3 answers without a
/// redirect; the fallback when it cannot be read.
pub(super) async fn bucket_region(session: &Session, bucket: &str, fallback: &str) -> String {
    match session
        .s3(fallback)
        .get_bucket_location()
        .bucket(bucket)
        .send()
        .await
    {
        Ok(out) => match out.location_constraint().map(|c| c.as_str()) {
            None | Some("") => "us-east-1".to_string(),
            Some("EU") => "eu-west-1".to_string(),
            Some(region) => region.to_string(),
        },
        Err(_) => fallback.to_string(),
    }
}

/// ListPublicKeys (paginated) in `region` for the time range.
pub(super) async fn list_public_keys(
    session: &Session,
    region: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<PublicKeys, CollectionError> {
    let client = session.cloudtrail(region);
    let site = Site::new(&session.account_id, region, ops::CT_LIST_PUBLIC_KEYS);
    let mut keys = PublicKeys::default();
    let mut token: Option<String> = None;
    loop {
        let page = client
            .list_public_keys()
            .start_time(aws_smithy_types::DateTime::from_secs(start.timestamp()))
            .end_time(aws_smithy_types::DateTime::from_secs(end.timestamp()))
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|err| from_sdk(&site, &err))?;
        for key in page.public_key_list() {
            if let Some(value) = key.value() {
                let time = |t: Option<&aws_smithy_types::DateTime>| {
                    t.and_then(|t| DateTime::from_timestamp(t.secs(), 0))
                };
                let validity = match (
                    time(key.validity_start_time()),
                    time(key.validity_end_time()),
                ) {
                    (Some(start), Some(end)) => Some(super::keys::Validity { start, end }),
                    _ => None,
                };
                keys.add_der_valid(value.as_ref(), key.fingerprint(), validity)
                    .map_err(|e| site.error("InvalidPublicKey", e))?;
            }
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    Ok(keys)
}

/// The account's folders holding digests: `[prefix/]AWSLogs/<account>/`
/// and, for an organization trail, `[prefix/]AWSLogs/<org-id>/<account>/`
/// (the org id is found by listing, so no Organizations permission is
/// needed). A trail converted to (or from) an organization trail has
/// digests in both. The first is the layout the trail uses now: the
/// organization layout for an organization trail (or, not knowing, when
/// there is one), else the plain one; the others are verified too. With
/// no digest folder at all, the plain layout alone.
pub(super) async fn account_bases<S: Source>(
    source: &S,
    bucket: &str,
    prefix: Option<&str>,
    account_id: &str,
    organization_trail: Option<bool>,
) -> Result<Vec<String>, FetchError> {
    let root = match prefix {
        Some(p) => format!("{}/AWSLogs/", p.trim_end_matches('/')),
        None => "AWSLogs/".to_string(),
    };
    let plain = format!("{root}{account_id}/");
    let folders = source.list_folders(bucket, &root).await?;
    let mut organization = Vec::new();
    for org in folders.iter().filter(|f| f.starts_with("o-")) {
        let candidate = format!("{root}{org}/{account_id}/");
        if source
            .list_folders(bucket, &candidate)
            .await?
            .iter()
            .any(|f| f == "CloudTrail-Digest")
        {
            organization.push(candidate);
        }
    }
    let plain_has_digests = folders.iter().any(|f| f == account_id)
        && source
            .list_folders(bucket, &plain)
            .await?
            .iter()
            .any(|f| f == "CloudTrail-Digest");
    let mut bases = Vec::new();
    match (organization_trail, plain_has_digests) {
        (_, true) if organization.is_empty() => bases.push(plain),
        (Some(false), true) => {
            bases.push(plain);
            bases.extend(organization);
        }
        (_, true) => {
            bases.extend(organization);
            bases.push(plain);
        }
        (_, false) if organization.is_empty() => bases.push(plain),
        (_, false) => bases.extend(organization),
    }
    Ok(bases)
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn verify_with<S: Source>(
    source: &S,
    request: &VerifyRequest,
    session: Option<&Session>,
    bucket: &str,
    prefix: Option<&str>,
    check_bucket: bool,
    signature_in_metadata: bool,
    info: SourceInfo,
) -> Result<Verification, VerifyError> {
    let fetch_error = |e: FetchError| match e {
        FetchError::Unreadable(e) => unreadable(&e),
        FetchError::NotFound => VerifyError::Unreadable(format!("bucket {bucket} not found")),
        FetchError::TooLarge(limit) => {
            VerifyError::Unreadable(format!("a listing of bucket {bucket} over {limit} bytes"))
        }
    };
    let mut bases = account_bases(
        source,
        bucket,
        prefix,
        &request.account_id,
        request.expected.organization_trail,
    )
    .await
    .map_err(fetch_error)?;
    let base = bases.remove(0);
    // The layouts the trail used before (a converted trail): each region
    // folder they hold, verified where it has digests in the window.
    let mut earlier: Vec<(String, Vec<String>)> = Vec::new();
    for other in bases {
        let folders = source
            .list_folders(bucket, &format!("{other}CloudTrail-Digest/"))
            .await
            .map_err(fetch_error)?;
        earlier.push((other, folders));
    }
    let mut regions = match &request.regions {
        Some(regions) => regions.clone(),
        None => source
            .list_folders(bucket, &format!("{base}CloudTrail-Digest/"))
            .await
            .map_err(fetch_error)?,
    };
    // A region that must hold digests is verified whether or not its
    // folder is still there: deleting a folder must not remove a region.
    if request.regions.is_none() {
        regions.extend(
            request
                .expected
                .regions
                .iter()
                .filter(|(_, e)| e.delivering != Some(false))
                .map(|(r, _)| r.clone()),
        );
        regions.sort();
        regions.dedup();
    }
    let mut verification = Verification {
        trail_arn: request.trail.arn.clone(),
        account_id: request.account_id.clone(),
        start_time: request.start,
        end_time: request.end,
        source: info,
        regions_from: request
            .expected
            .source
            .clone()
            .or_else(|| request.regions.as_ref().map(|_| "--regions".to_string()))
            .unwrap_or_else(|| FOLDERS_ONLY.to_string()),
        // Where S3 was read (`--endpoint-url`, the environment or the
        // profile), when not AWS's own endpoint.
        endpoint_url: session
            .and_then(|s| s.endpoint_of("s3"))
            .map(str::to_string),
        endpoints: session.map(|s| s.endpoints().clone()).unwrap_or_default(),
        regions: Vec::new(),
    };
    if regions.is_empty() {
        verification.regions.push(RegionResult {
            region: "-".into(),
            error: Some(format!(
                "no digest folder under {}: is log file validation on, and are the bucket, prefix and account right?",
                source.display(bucket, &format!("{base}CloudTrail-Digest/"))
            )),
            ..RegionResult::default()
        });
        return Ok(verification);
    }
    // Public keys: from the file for every region, else each region's own.
    let earliest = request
        .anchors
        .iter()
        .filter_map(|a| super::digest::parse_digest_key(&a.s3_object))
        .map(|k| k.time - chrono::Duration::hours(2))
        .fold(request.start - chrono::Duration::hours(1), |a, b| a.min(b));
    let latest = request.end + chrono::Duration::hours(2);
    let mut key_regions: Vec<&String> = regions
        .iter()
        .chain(earlier.iter().flat_map(|(_, folders)| folders))
        .collect();
    key_regions.sort();
    key_regions.dedup();
    let keys: BTreeMap<&str, Result<PublicKeys, CollectionError>> = match &request.public_keys {
        Some(keys) => key_regions
            .iter()
            .map(|r| (r.as_str(), Ok(keys.clone())))
            .collect(),
        None => {
            let Some(session) = session else {
                return Err(VerifyError::Input(
                    "--public-keys FILE is needed offline".into(),
                ));
            };
            join_all(key_regions.iter().map(|r| async move {
                (
                    r.as_str(),
                    list_public_keys(session, r, earliest, latest).await,
                )
            }))
            .await
            .into_iter()
            .collect()
        }
    };
    let plans = Plans {
        request,
        bucket,
        check_bucket,
        signature_in_metadata,
        keys: &keys,
    };
    let plans = &plans;
    let results = join_all(regions.iter().map(|region| {
        let base = &base;
        async move {
            let anchor = request.anchors.iter().find(|a| {
                super::digest::parse_digest_key(&a.s3_object).is_some_and(|k| k.region == *region)
            });
            let plan = plans.plan(base, region, anchor);
            let mut result = within_deadline(request, region, verify_region(source, &plan)).await;
            super::expected::judge(
                &mut result,
                request.expected.regions.get(region.as_str()),
                request.start,
                request.end,
                anchor.is_some(),
            );
            result
        }
    }))
    .await;
    verification.regions = results;
    // Earlier layouts: what they hold in the window is verified like the
    // rest (a digest or log modified there is INVALID); a region with
    // nothing in the window there is history, not a finding. Each result
    // names its layout.
    if !earlier.is_empty() {
        for result in &mut verification.regions {
            result.layout = Some(base.clone());
        }
    }
    for (other, folders) in &earlier {
        let found = join_all(folders.iter().map(|region| async move {
            let plan = plans.plan(other, region, None);
            let mut result = within_deadline(request, region, verify_region(source, &plan)).await;
            result.layout = Some(other.clone());
            result
        }))
        .await;
        verification
            .regions
            .extend(found.into_iter().filter(|r| !r.listed_nothing));
    }
    // An anchor for a region that was not verified cannot have been reached.
    for anchor in &request.anchors {
        let region = super::digest::parse_digest_key(&anchor.s3_object).map(|k| k.region);
        if !verification
            .regions
            .iter()
            .any(|r| Some(&r.region) == region.as_ref())
        {
            verification.regions.push(RegionResult {
                region: region.unwrap_or_else(|| "-".into()),
                anchor: Some(super::report::AnchorResult {
                    anchor: anchor.clone(),
                    status: super::report::AnchorStatus::NotReached,
                    detail: "no digest of this region was found: every digest since the anchor was deleted?".into(),
                }),
                ..RegionResult::default()
            });
        }
    }
    Ok(verification)
}

/// One region's walk, bounded by `--timeout`: when the time runs out, the
/// region is an error (the run is incomplete, exit 3), never valid.
pub(super) async fn within_deadline(
    request: &VerifyRequest,
    region: &str,
    walk: impl std::future::Future<Output = RegionResult>,
) -> RegionResult {
    let Some((at, seconds)) = request.deadline else {
        return walk.await;
    };
    tokio::time::timeout_at(at.into(), walk)
        .await
        .unwrap_or_else(|_| RegionResult {
            region: region.to_string(),
            error: Some(format!(
                "--timeout {seconds}s ran out before this region was verified"
            )),
            ..RegionResult::default()
        })
}

/// What every region's walk of one verification shares.
struct Plans<'a> {
    request: &'a VerifyRequest,
    bucket: &'a str,
    check_bucket: bool,
    signature_in_metadata: bool,
    keys: &'a BTreeMap<&'a str, Result<PublicKeys, CollectionError>>,
}

impl<'a> Plans<'a> {
    /// The walk of `region` in the account folder `base`.
    fn plan(&self, base: &'a str, region: &'a str, anchor: Option<&'a Anchor>) -> RegionPlan<'a> {
        let request = self.request;
        RegionPlan {
            bucket: self.bucket,
            check_bucket: self.check_bucket,
            signature_in_metadata: self.signature_in_metadata,
            base,
            region,
            account_id: &request.account_id,
            trail_name: &request.trail.name,
            home_region: &request.trail.home_region,
            start: request.start,
            end: request.end,
            keys: match self.keys.get(region) {
                Some(Ok(k)) => Ok(k),
                Some(Err(e)) => Err(e),
                None => unreachable_keys(),
            },
            anchor,
            max_log_bytes: request.max_log_bytes,
        }
    }
}

/// Keys for a region that was not looked up (cannot happen: every region
/// is looked up); fail closed as unreadable.
pub(super) fn unreachable_keys() -> Result<&'static PublicKeys, &'static CollectionError> {
    static MISSING: std::sync::OnceLock<CollectionError> = std::sync::OnceLock::new();
    Err(MISSING.get_or_init(|| CollectionError {
        account_id: String::new(),
        region: None,
        service: "cloudtrail".into(),
        operation: "ListPublicKeys".into(),
        code: "NotCollected".into(),
        message: "no public keys were looked up for this region".into(),
    }))
}
