//! Collection: the only layer that talks to AWS. It records every fact it
//! could read and every call that failed; it never decides pass or fail.

pub(crate) mod cloudtrail;
mod cloudwatch;
mod config;
mod kms;
mod logs;
mod progress;
#[cfg(test)]
mod replay_tests;
mod s3;
pub(crate) mod scope;
mod sns;

use crate::aws::ops;
pub use crate::aws::SetupError;
use crate::aws::{clients, errors, ConnectOptions};

use crate::snapshot::{
    AccountFacts, BucketFacts, CollectionError, CollectionStats, Fact, KmsKeyFacts, LogGroupFacts,
    MetricAlarm, Scope, ScopeMode, Snapshot, SnsTopicFacts, ToolInfo, TrailFacts, TrailStatus,
    SCHEMA_VERSION,
};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use clients::{Plumbing, Session};
use cloudtrail::{account_from_arn, region_from_arn, ListedTrail};
use errors::Site;
use futures::future::join_all;
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::{OnceCell, Semaphore, SemaphorePermit};

/// Which accounts to audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountScope {
    /// The caller's own account.
    Caller,
    /// These accounts, through `role_name` (the caller's own account, if listed,
    /// with the caller's credentials).
    Listed(Vec<String>),
    /// Every ACTIVE account of the caller's organization.
    Organization,
}

/// Everything the collector needs to know, from the CLI or a config file.
#[derive(Debug, Clone)]
pub struct CollectOptions {
    pub profile: Option<String>,
    /// Region for global calls; `None` = the SDK's chain, else us-east-1.
    pub region: Option<String>,
    /// Regions to audit; `None` = every region enabled for each account.
    pub regions: Option<Vec<String>>,
    /// Regions never audited, even when discovered (`--exclude-regions`).
    pub exclude_regions: Vec<String>,
    pub accounts: AccountScope,
    /// Role assumed in accounts other than the caller's.
    pub role_name: String,
    pub external_id: Option<String>,
    pub endpoint_url: Option<String>,
    pub concurrency: usize,
    /// Most requests in flight per account.
    pub account_concurrency: usize,
    pub call_timeout: std::time::Duration,
    /// Bound on the whole collection (`--timeout`); `None` = unbounded.
    pub run_timeout: Option<std::time::Duration>,
    /// `--shard K/N`: audit only the accounts of this shard.
    pub shard: Option<crate::snapshot::Shard>,
    /// Send the read-only session policy with every AssumeRole (off with
    /// `--no-session-policy`).
    pub session_policy: bool,
    /// Accept a plain http:// endpoint to another machine (one set in the
    /// shared config profile is checked when the configuration is loaded).
    pub allow_insecure_endpoint: bool,
}

impl CollectOptions {
    /// What connecting to AWS needs of these options.
    pub fn connect_options(&self) -> ConnectOptions {
        ConnectOptions {
            profile: self.profile.clone(),
            region: self.region.clone(),
            endpoint_url: self.endpoint_url.clone(),
            call_timeout: self.call_timeout,
            account_concurrency: self.account_concurrency,
            session_policy: self.session_policy,
            allow_insecure_endpoint: self.allow_insecure_endpoint,
        }
    }
}

/// The state shared by every collection task: the SDK plumbing, the global
/// bound on calls in flight, and the failed calls recorded so far.
pub(crate) struct Collector {
    pub(crate) plumbing: Plumbing,
    pub(crate) global_region: String,
    pub(crate) call_timeout: Duration,
    /// When `--timeout` runs out; calls still pending then fail with
    /// `RunTimeout`, so the snapshot is complete about what it does not know.
    deadline: Option<(tokio::time::Instant, u64)>,
    permits: Semaphore,
    errors: Mutex<Vec<CollectionError>>,
}

impl Collector {
    /// A collector over `plumbing` with no run deadline, for unit tests.
    #[cfg(test)]
    pub(crate) fn for_tests(plumbing: Plumbing) -> Collector {
        Collector {
            global_region: plumbing.global_region.clone(),
            plumbing,
            call_timeout: Duration::from_secs(5),
            deadline: None,
            permits: Semaphore::new(8),
            errors: Mutex::new(Vec::new()),
        }
    }

    /// A collector for a few calls outside a collection (`verify-logs`
    /// asking which regions must hold digests): no run deadline.
    pub(crate) fn standalone(plumbing: Plumbing, call_timeout: Duration) -> Collector {
        Collector {
            global_region: plumbing.global_region.clone(),
            plumbing,
            call_timeout,
            deadline: None,
            permits: Semaphore::new(32),
            errors: Mutex::new(Vec::new()),
        }
    }

    /// One of the `--concurrency` permits. The semaphore is never closed; if
    /// it were, calls would go ahead unbounded rather than fail.
    pub(crate) async fn permit(&self) -> Option<SemaphorePermit<'_>> {
        self.permits.acquire().await.ok()
    }

    /// Runs one API call (with its retries) while holding a permit, and
    /// gives up with a `RunTimeout` error when `--timeout` runs out first.
    pub(crate) async fn call<T, E, R, F>(&self, call: F) -> Result<T, SdkError<E, R>>
    where
        F: Future<Output = Result<T, SdkError<E, R>>>,
    {
        let work = async {
            let _permit = self.permit().await;
            call.await
        };
        match self.deadline {
            None => work.await,
            Some((deadline, seconds)) => tokio::time::timeout_at(deadline, work)
                .await
                .unwrap_or_else(|_| Err(SdkError::timeout_error(errors::RunTimeout(seconds)))),
        }
    }

    /// Time left before `--timeout`, capped at `cap`.
    pub(crate) fn remaining(&self, cap: Duration) -> Duration {
        match self.deadline {
            None => cap,
            Some((deadline, _)) => {
                cap.min(deadline.saturating_duration_since(tokio::time::Instant::now()))
            }
        }
    }

    /// `--timeout`'s seconds, when set.
    pub(crate) fn run_timeout_secs(&self) -> Option<u64> {
        self.deadline.map(|(_, s)| s)
    }

    /// Failed calls recorded so far (for the progress line).
    pub(crate) fn error_count(&self) -> usize {
        self.errors.lock().map(|e| e.len()).unwrap_or(0)
    }

    /// Records a failure in `snapshot.errors` and returns it for the fact.
    pub(crate) fn record(&self, error: CollectionError) -> CollectionError {
        tracing::warn!(
            account = %error.account_id,
            region = %error.region.as_deref().unwrap_or("-"),
            service = %error.service,
            operation = %error.operation,
            code = %error.code,
            "call failed: {}",
            error.message
        );
        if let Ok(mut errors) = self.errors.lock() {
            errors.push(error.clone());
        }
        error
    }

    /// Maps a failed SDK call, records it, and returns it for the fact.
    pub(crate) fn fail<E>(&self, site: &Site, err: &SdkError<E, HttpResponse>) -> CollectionError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        self.record(errors::from_sdk(site, err))
    }
}

type Sessions = BTreeMap<String, Result<Session, CollectionError>>;

/// Each in-scope account's session and its ListBuckets answer, read lazily.
type BucketLists<'a> = BTreeMap<
    &'a str,
    (
        &'a Session,
        OnceCell<Result<BTreeMap<String, Option<String>>, CollectionError>>,
    ),
>;

/// Collects the snapshot for the given scope.
///
/// Fatal (an error, exit 2): no credentials, an unreachable endpoint, or an
/// organization that cannot be listed. Everything else that fails is
/// recorded in the snapshot and never aborts the other accounts.
pub async fn collect(options: &CollectOptions) -> Result<Snapshot, SetupError> {
    let started = Instant::now();
    let collected_at = chrono::Utc::now();
    if options.concurrency == 0 {
        return Err(SetupError::InvalidInput(
            "--concurrency must be at least 1".to_string(),
        ));
    }
    let plumbing = Plumbing::load(&options.connect_options()).await?;
    let cx = Collector {
        global_region: plumbing.global_region.clone(),
        plumbing,
        call_timeout: options.call_timeout,
        deadline: options
            .run_timeout
            .map(|t| (tokio::time::Instant::now() + t, t.as_secs())),
        permits: Semaphore::new(options.concurrency),
        errors: Mutex::new(Vec::new()),
    };
    let probe = Session::new("unknown", cx.plumbing.base.clone(), &cx.plumbing);
    let caller = scope::caller_identity(&cx, &probe).await?;
    let partition = scope::partition_of(&caller.arn)
        .unwrap_or("aws")
        .to_string();
    let caller_session = Session::new(&caller.account_id, cx.plumbing.base.clone(), &cx.plumbing);
    let organization = match options.accounts {
        AccountScope::Organization => Some(scope::organization(&cx, &caller_session).await?),
        _ => None,
    };
    let account_ids = scope::accounts_in_scope(options, &caller, organization.as_ref());
    let sessions = scope::sessions(&cx, options, &caller, &partition, &account_ids).await;

    // Accounts: regions, trail list and AWS Config, all accounts at once.
    let names: BTreeMap<&str, &str> = organization
        .iter()
        .flat_map(|o| o.accounts.iter().map(|a| (a.id.as_str(), a.name.as_str())))
        .collect();
    let accounts_progress = progress::Progress::default();
    let per_account = progress::show(
        &cx,
        "accounts",
        sessions.len(),
        &accounts_progress,
        join_all(sessions.iter().map(|(id, session)| async {
            let facts = account_facts(
                &cx,
                id,
                session,
                options.regions.as_deref(),
                &options.exclude_regions,
            )
            .await;
            accounts_progress.account_done();
            facts
        })),
    )
    .await;
    let mut accounts = Vec::new();
    let mut listed: BTreeMap<String, (ListedTrail, BTreeSet<String>)> = BTreeMap::new();
    for (mut facts, trails) in per_account {
        facts.name = names
            .get(facts.account_id.as_str())
            .filter(|n| !n.is_empty())
            .map(|n| n.to_string());
        for trail in trails {
            listed
                .entry(trail.arn.clone())
                .or_insert_with(|| (trail.clone(), BTreeSet::new()))
                .1
                .insert(facts.account_id.clone());
        }
        accounts.push(facts);
    }

    // An organization trail whose owner (the management account) cannot be
    // read is seen only through members, and AWS refuses members its
    // selectors; a CloudTrail delegated administrator may read them. Who
    // that is is asked only then, and only when more than one account is
    // in scope (a member audited alone has no one to ask for).
    let owner_unread = |arn: &String| {
        account_from_arn(arn).is_some_and(|owner| !matches!(sessions.get(&owner), Some(Ok(_))))
    };
    let cloudtrail_delegated_administrators =
        if sessions.len() > 1 && listed.keys().any(owner_unread) {
            Some(scope::cloudtrail_delegated_administrators(&cx, &caller_session).await)
        } else {
            None
        };
    let delegates = TrailReaders {
        delegate: cloudtrail_delegated_administrators
            .as_ref()
            .and_then(Fact::value)
            .and_then(|ids| ids.iter().find_map(|id| sessions.get(id)?.as_ref().ok())),
        listed: cloudtrail_delegated_administrators.as_ref(),
    };

    let (trails, resources) = progress::show(
        &cx,
        "trails and their resources",
        0,
        &progress::Progress::default(),
        async {
            // The regions audited in each account: a multi-region trail's
            // status is read in each of its reader's.
            let regions_of: BTreeMap<String, Vec<String>> = accounts
                .iter()
                .filter_map(|a| Some((a.account_id.clone(), a.regions.value()?.clone())))
                .collect();
            let trails = read_trails(&cx, &sessions, &delegates, &regions_of, listed).await;
            let resources = read_trail_resources(&cx, &sessions, &trails).await;
            (trails, resources)
        },
    )
    .await;

    // Account-level Block Public Access, for each account owning a trail bucket.
    let owners: BTreeSet<String> = resources
        .buckets
        .values()
        .filter_map(|b| b.owner_account_id.value().cloned())
        .collect();
    let cx = &cx;
    let blocks = join_all(owners.iter().filter_map(|owner| {
        let session = sessions.get(owner)?.as_ref().ok()?;
        Some(async move {
            (
                owner.clone(),
                s3::account_public_access_block(cx, session).await,
            )
        })
    }))
    .await;
    for (owner, block) in blocks {
        if let Some(account) = accounts.iter_mut().find(|a| a.account_id == owner) {
            account.public_access_block = Some(block);
        }
    }

    accounts.sort_by(|a, b| a.account_id.cmp(&b.account_id));
    let mut errors = cx.errors.lock().map(|e| e.clone()).unwrap_or_default();
    errors.sort_by(|a, b| {
        (
            &a.account_id,
            &a.region,
            &a.service,
            &a.operation,
            &a.code,
            &a.message,
        )
            .cmp(&(
                &b.account_id,
                &b.region,
                &b.service,
                &b.operation,
                &b.code,
                &b.message,
            ))
    });
    errors.dedup();
    let calls_by_operation = cx.plumbing.stats.snapshot();
    let mut regions_requested = options.regions.clone();
    if let Some(r) = regions_requested.as_mut() {
        r.sort();
        r.dedup();
    }
    Ok(Snapshot {
        schema_version: SCHEMA_VERSION,
        tool: ToolInfo::current(),
        collected_at,
        partition,
        caller: Some(caller),
        scope: Scope {
            mode: match options.accounts {
                AccountScope::Caller => ScopeMode::Single,
                AccountScope::Listed(_) => ScopeMode::Accounts,
                AccountScope::Organization => ScopeMode::Organization,
            },
            accounts: account_ids,
            regions_requested,
            regions_excluded: options.exclude_regions.clone(),
            shard: options.shard,
            global_region: cx.global_region.clone(),
            endpoint_overrides: cx.plumbing.endpoints.clone(),
        },
        organization,
        cloudtrail_delegated_administrators,
        accounts,
        trails,
        buckets: resources.buckets,
        kms_keys: resources.kms_keys,
        log_groups: resources.log_groups,
        sns_topics: resources.sns_topics,
        alarms: resources.alarms,
        log_integrity: None,
        errors,
        stats: CollectionStats {
            api_calls: calls_by_operation.values().sum(),
            calls_by_operation,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        },
    })
}

/// One account's regions, trail list and AWS Config. An account without a
/// session (its role could not be assumed) has every fact set to that error.
async fn account_facts(
    cx: &Collector,
    account_id: &str,
    session: &Result<Session, CollectionError>,
    requested: Option<&[String]>,
    excluded: &[String],
) -> (AccountFacts, Vec<ListedTrail>) {
    let session = match session {
        Ok(session) => session,
        Err(e) => {
            let config = requested
                .unwrap_or_default()
                .iter()
                .filter(|r| !excluded.contains(r))
                .map(|r| (r.clone(), Fact::Error(e.clone())))
                .collect();
            let facts = AccountFacts {
                account_id: account_id.to_string(),
                name: None,
                regions: Fact::Error(e.clone()),
                trail_arns: Fact::Error(e.clone()),
                config,
                public_access_block: None,
                regions_not_enabled: Vec::new(),
                regions_in_transition: Vec::new(),
            };
            return (facts, Vec::new());
        }
    };
    let regions_and_config = async {
        let (regions, not_enabled, in_transition) =
            scope::regions(cx, session, requested, excluded).await;
        let config: BTreeMap<String, _> = match &regions {
            Fact::Value(list) => join_all(list.iter().map(|region| async move {
                (region.clone(), config::config(cx, session, region).await)
            }))
            .await
            .into_iter()
            .collect(),
            Fact::Error(_) => BTreeMap::new(),
        };
        (regions, config, not_enabled, in_transition)
    };
    let ((regions, config, regions_not_enabled, regions_in_transition), trails) =
        futures::join!(regions_and_config, cloudtrail::list_trails(cx, session));
    let (trail_arns, listed) = match trails {
        Fact::Value(list) => (
            Fact::Value(list.iter().map(|t| t.arn.clone()).collect()),
            list,
        ),
        Fact::Error(e) => (Fact::Error(e), Vec::new()),
    };
    let facts = AccountFacts {
        account_id: account_id.to_string(),
        name: None,
        regions,
        trail_arns,
        config,
        public_access_block: None,
        regions_not_enabled,
        regions_in_transition,
    };
    (facts, listed)
}

/// The session a resource is read with: its owner's when the owner is in
/// scope and reachable, else the fallback (a viewer's).
fn reader<'a>(sessions: &'a Sessions, owner: &str, fallback: &'a Session) -> &'a Session {
    sessions
        .get(owner)
        .and_then(|s| s.as_ref().ok())
        .unwrap_or(fallback)
}

/// Who reads an organization trail whose owner cannot be read.
struct TrailReaders<'a> {
    /// The first CloudTrail delegated administrator with a session.
    delegate: Option<&'a Session>,
    /// Organizations' list of them, when it was asked.
    listed: Option<&'a Fact<Vec<String>>>,
}

/// Reads each distinct trail once, in its home region: DescribeTrails
/// batched per (reader account, home region), then the per-trail calls;
/// for a multi-region trail, also its status in each other region its
/// reader account is audited in (`regions_of`). The reader is the owner
/// when it is in scope and reachable; else, for a trail seen from another
/// account (an organization trail), a CloudTrail delegated administrator in
/// scope, which may read its selectors; else the first viewer.
async fn read_trails(
    cx: &Collector,
    sessions: &Sessions,
    readers: &TrailReaders<'_>,
    regions_of: &BTreeMap<String, Vec<String>>,
    listed: BTreeMap<String, (ListedTrail, BTreeSet<String>)>,
) -> BTreeMap<String, TrailFacts> {
    // (reader account, home region) → (reader, ARNs).
    let mut groups: BTreeMap<(String, String), (&Session, Vec<String>)> = BTreeMap::new();
    for (arn, (trail, seen_by)) in &listed {
        let owner = account_from_arn(arn).unwrap_or_default();
        // A viewer always has a session: it listed the trail.
        let viewer = seen_by
            .iter()
            .find_map(|v| sessions.get(v).and_then(|s| s.as_ref().ok()));
        let Some(viewer) = viewer else { continue };
        let session = match readers.delegate {
            Some(delegate) if !matches!(sessions.get(&owner), Some(Ok(_))) => delegate,
            _ => reader(sessions, &owner, viewer),
        };
        groups
            .entry((session.account_id.clone(), trail.home_region.clone()))
            .or_insert_with(|| (session, Vec::new()))
            .1
            .push(arn.clone());
    }
    let per_group = join_all(groups.into_iter().map(|((_, region), (session, arns))| {
        async move {
            let configs = cloudtrail::describe_trails(cx, session, &region, &arns).await;
            join_all(configs.into_iter().map(|(arn, config)| {
                let region = region.clone();
                async move {
                    // An organization trail read by another account than its owner.
                    let owner = account_from_arn(&arn).unwrap_or_default();
                    let organization = config
                        .value()
                        .is_some_and(|c| c.is_organization_trail && owner != session.account_id)
                        .then_some(cloudtrail::OrganizationTrailRead {
                            owner: owner.as_str(),
                            delegated_administrators: readers.listed,
                        });
                    let details = match &config {
                        // Without the trail itself, its other calls would fail the same way.
                        Fact::Error(e) if e.code != "TrailNotFound" => cloudtrail::all_failed(e),
                        _ => {
                            cloudtrail::trail_details(cx, session, &region, &arn, organization)
                                .await
                        }
                    };
                    let multi_region = config.value().is_some_and(|c| c.is_multi_region_trail);
                    let others: Vec<&String> = match regions_of.get(&session.account_id) {
                        Some(list) if multi_region => {
                            list.iter().filter(|r| **r != region).collect()
                        }
                        _ => Vec::new(),
                    };
                    let status_in_regions: BTreeMap<String, Fact<TrailStatus>> =
                        join_all(others.into_iter().map(|other| {
                            let arn = &arn;
                            async move {
                                (
                                    other.clone(),
                                    cloudtrail::trail_status(cx, session, other, arn).await,
                                )
                            }
                        }))
                        .await
                        .into_iter()
                        .collect();
                    (
                        arn,
                        config,
                        details,
                        status_in_regions,
                        session.account_id.clone(),
                    )
                }
            }))
            .await
        }
    }))
    .await;
    let mut trails = BTreeMap::new();
    for (arn, config, (status, event_selectors, insight_selectors), status_in_regions, reader) in
        per_group.into_iter().flatten()
    {
        let Some((trail, seen_by)) = listed.get(&arn) else {
            continue;
        };
        let account_id = account_from_arn(&arn)
            .or_else(|| seen_by.iter().next().cloned())
            .unwrap_or_default();
        trails.insert(
            arn.clone(),
            TrailFacts {
                arn: arn.clone(),
                name: trail.name.clone(),
                home_region: trail.home_region.clone(),
                read_by: (reader != account_id).then_some(reader),
                account_id,
                seen_by: seen_by.iter().cloned().collect(),
                config,
                status,
                status_in_regions,
                event_selectors,
                insight_selectors,
            },
        );
    }
    trails
}

/// Buckets, keys, log groups and topics named by the trails, and the
/// alarms (and their topics) in the log groups' accounts and regions.
#[derive(Default)]
struct Resources {
    buckets: BTreeMap<String, BucketFacts>,
    kms_keys: BTreeMap<String, KmsKeyFacts>,
    log_groups: BTreeMap<String, LogGroupFacts>,
    sns_topics: BTreeMap<String, SnsTopicFacts>,
    alarms: BTreeMap<String, Fact<Vec<MetricAlarm>>>,
}

/// What a resource is known by from the first trail (by ARN) naming it:
/// the trail's owner, home region, and the session that read the trail.
struct NamedBy<'a> {
    owner: String,
    home_region: String,
    session: &'a Session,
}

/// Reads every bucket, key, log group and topic the trails name, each once.
async fn read_trail_resources(
    cx: &Collector,
    sessions: &Sessions,
    trails: &BTreeMap<String, TrailFacts>,
) -> Resources {
    let mut buckets: BTreeMap<String, NamedBy> = BTreeMap::new();
    let mut keys: BTreeMap<String, NamedBy> = BTreeMap::new();
    let mut groups: BTreeMap<String, NamedBy> = BTreeMap::new();
    let mut topics: BTreeMap<String, NamedBy> = BTreeMap::new();
    for trail in trails.values() {
        let Some(config) = trail.config.value() else {
            continue;
        };
        let viewer = trail
            .seen_by
            .iter()
            .find_map(|v| sessions.get(v).and_then(|s| s.as_ref().ok()));
        let Some(viewer) = viewer else { continue };
        let named = || NamedBy {
            owner: trail.account_id.clone(),
            home_region: trail.home_region.clone(),
            session: reader(sessions, &trail.account_id, viewer),
        };
        if let Some(b) = &config.s3_bucket_name {
            buckets.entry(b.clone()).or_insert_with(named);
        }
        if let Some(k) = &config.kms_key_id {
            keys.entry(k.clone()).or_insert_with(named);
        }
        if let Some(g) = &config.cloud_watch_logs_log_group_arn {
            groups.entry(g.clone()).or_insert_with(named);
        }
        if let Some(t) = &config.sns_topic_arn {
            topics.entry(t.clone()).or_insert_with(named);
        }
    }

    // ListBuckets of each in-scope account, at most once, only when needed.
    let bucket_lists: BucketLists = sessions
        .iter()
        .filter_map(|(id, s)| Some((id.as_str(), (s.as_ref().ok()?, OnceCell::new()))))
        .collect();
    let bucket_lists = &bucket_lists;
    let buckets_fut = join_all(buckets.iter().map(|(name, by)| async move {
        let candidates = std::iter::once(by.owner.as_str())
            .filter(|o| bucket_lists.contains_key(o))
            .chain(bucket_lists.keys().copied().filter(|a| *a != by.owner));
        let mut owner = None;
        let mut list_error = None;
        for account in candidates {
            let Some((session, cell)) = bucket_lists.get(account) else { continue };
            match cell.get_or_init(|| s3::list_buckets(cx, session)).await {
                Ok(names) if names.contains_key(name) => {
                    owner = Some((*session, names.get(name).cloned().flatten()));
                    break;
                }
                Ok(_) => {}
                Err(e) => {
                    list_error.get_or_insert_with(|| e.clone());
                }
            }
        }
        let facts = match owner {
            Some((session, region)) => {
                s3::owned_bucket(cx, session, name, region.as_deref()).await
            }
            None => {
                let why = match list_error {
                    Some(e) => e,
                    None => cx.record(CollectionError {
                        account_id: by.owner.clone(),
                        region: None,
                        service: "s3".into(),
                        operation: "ListBuckets".into(),
                        code: "OutOfScope".into(),
                        message: format!(
                            "bucket {name} is not owned by any audited account; audit its owner too to read its settings"
                        ),
                    }),
                };
                let exists = s3::bucket_exists(cx, by.session, name).await;
                s3::unowned_bucket(name, &why, exists)
            }
        };
        (name.clone(), facts)
    }));

    let keys_fut = join_all(keys.iter().map(|(key_id, by)| async move {
        let (account, region) = if key_id.starts_with("arn:") {
            (
                account_from_arn(key_id).unwrap_or_else(|| by.owner.clone()),
                region_from_arn(key_id).unwrap_or_else(|| by.home_region.clone()),
            )
        } else {
            (by.owner.clone(), by.home_region.clone())
        };
        let session = reader(sessions, &account, by.session);
        let facts = kms::key(cx, session, key_id, &account, &region).await;
        (key_id.clone(), facts)
    }));

    let groups_fut = join_all(groups.iter().map(|(arn, by)| async move {
        let account = account_from_arn(arn).unwrap_or_else(|| by.owner.clone());
        let region = region_from_arn(arn).unwrap_or_else(|| by.home_region.clone());
        let facts = match logs::group_name_from_arn(arn) {
            Some(name) => {
                let session = reader(sessions, &account, by.session);
                logs::log_group(cx, session, arn, &name, &account, &region).await
            }
            None => LogGroupFacts {
                arn: arn.clone(),
                name: String::new(),
                account_id: account.clone(),
                region: region.clone(),
                group: Fact::Error(
                    cx.record(
                        Site::new(&account, &region, ops::LOGS_DESCRIBE_LOG_GROUPS)
                            .error("InvalidArn", format!("{arn} is not a log group ARN")),
                    ),
                ),
                metric_filters: None,
            },
        };
        (arn.clone(), facts)
    }));

    // Monitoring: the groups (and their metric filters), then the alarms of
    // each account and region holding an existing group, then every topic a
    // trail or an alarm notifies, each read once.
    let monitoring = async {
        let log_groups: BTreeMap<String, LogGroupFacts> = groups_fut.await.into_iter().collect();
        let mut regions: BTreeMap<String, (&Session, String)> = BTreeMap::new();
        for (arn, facts) in &log_groups {
            if !matches!(facts.group, Fact::Value(Some(_))) {
                continue;
            }
            let Some(by) = groups.get(arn) else { continue };
            let session = reader(sessions, &facts.account_id, by.session);
            regions
                .entry(format!("{}/{}", facts.account_id, facts.region))
                .or_insert_with(|| (session, facts.region.clone()));
        }
        let alarms: BTreeMap<String, Fact<Vec<MetricAlarm>>> = join_all(regions.into_iter().map(
            |(key, (session, region))| async move {
                (key, cloudwatch::metric_alarms(cx, session, &region).await)
            },
        ))
        .await
        .into_iter()
        .collect();
        // Topics alarms notify, known by the alarm's account and region.
        let mut alarm_topics: BTreeMap<String, NamedBy> = BTreeMap::new();
        for (key, fact) in &alarms {
            let Some(list) = fact.value() else { continue };
            let Some((account, region)) = key.split_once('/') else {
                continue;
            };
            let Some(session) = sessions.get(account).and_then(|s| s.as_ref().ok()) else {
                continue;
            };
            for action in list.iter().flat_map(|a| &a.alarm_actions) {
                if action.starts_with("arn:") && action.split(':').nth(2) == Some("sns") {
                    alarm_topics
                        .entry(action.clone())
                        .or_insert_with(|| NamedBy {
                            owner: account.to_string(),
                            home_region: region.to_string(),
                            session,
                        });
                }
            }
        }
        let all_topics = topics.iter().chain(
            alarm_topics
                .iter()
                .filter(|(arn, _)| !topics.contains_key(*arn)),
        );
        let sns_topics = join_all(all_topics.map(|(arn, by)| async move {
            let account = account_from_arn(arn).unwrap_or_else(|| by.owner.clone());
            let region = region_from_arn(arn).unwrap_or_else(|| by.home_region.clone());
            let session = reader(sessions, &account, by.session);
            (
                arn.clone(),
                sns::topic(cx, session, arn, &account, &region).await,
            )
        }))
        .await;
        (log_groups, alarms, sns_topics)
    };

    let (buckets, kms_keys, (log_groups, alarms, sns_topics)) =
        futures::join!(buckets_fut, keys_fut, monitoring);
    Resources {
        buckets: buckets.into_iter().collect(),
        kms_keys: kms_keys.into_iter().collect(),
        log_groups,
        sns_topics: sns_topics.into_iter().collect(),
        alarms,
    }
}
