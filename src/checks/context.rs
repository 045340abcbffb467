//! What a check reads: the snapshot, the parameters, and derived views that
//! several checks share (which trails are effective for which account).

use crate::snapshot::{AccountFacts, Snapshot, TrailFacts};
use chrono::{DateTime, Duration, Utc};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Thresholds and the evaluation time. `now` is a parameter, never read from
/// the clock inside a check, so evaluation is deterministic.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// The instant the facts are judged at. `evaluate` uses the snapshot's
    /// collection time, so a saved snapshot gives the live audit's verdicts.
    pub now: DateTime<Utc>,
    /// A delivery older than this is stale.
    pub stale_after_hours: i64,
    /// Lifecycle rules may not expire trail logs sooner than this.
    pub min_log_retention_days: i32,
    /// Insight types a trail must have enabled.
    pub required_insight_types: Vec<String>,
    /// When set, the organization trail must have this name (a shadow or
    /// look-alike organization trail does not satisfy the control).
    pub organization_trail_name: Option<String>,
}

impl Params {
    pub fn at(now: DateTime<Utc>) -> Self {
        Params {
            now,
            stale_after_hours: 24,
            min_log_retention_days: 365,
            required_insight_types: vec![
                "ApiCallRateInsight".to_string(),
                "ApiErrorRateInsight".to_string(),
            ],
            organization_trail_name: None,
        }
    }

    pub fn stale_after(&self) -> Duration {
        Duration::hours(self.stale_after_hours)
    }
}

/// The snapshot, the parameters, and the account ↔ trail coverage computed
/// once for all checks.
pub struct Context<'a> {
    pub snapshot: &'a Snapshot,
    pub params: &'a Params,
    /// Account id → ARNs of its effective trails.
    effective: BTreeMap<&'a str, BTreeSet<&'a str>>,
    /// Account id → its facts (checks look accounts up per trail and bucket).
    accounts_by_id: HashMap<&'a str, &'a AccountFacts>,
}

impl<'a> Context<'a> {
    pub fn new(snapshot: &'a Snapshot, params: &'a Params) -> Self {
        let org_members: BTreeSet<&str> = snapshot
            .organization
            .iter()
            .flat_map(|org| org.accounts.iter().map(|a| a.id.as_str()))
            .collect();
        let mut effective: BTreeMap<&str, BTreeSet<&str>> = snapshot
            .accounts
            .iter()
            .map(|a| (a.account_id.as_str(), BTreeSet::new()))
            .collect();
        // Linear in trails plus accounts × organization trails: a trail is
        // effective for its owner; for the accounts whose ListTrails showed
        // it (AWS shows organization trails to members); and, for an
        // organization trail, for every member of its organization, even
        // when only the owner's view shows it (as some emulators do).
        let members_in_scope: Vec<&str> = effective
            .keys()
            .copied()
            .filter(|a| org_members.contains(a))
            .collect();
        for trail in snapshot.trails.values() {
            let arn = trail.arn.as_str();
            let mut cover = |account: &str| {
                if let Some(trails) = effective.get_mut(account) {
                    trails.insert(arn);
                }
            };
            cover(&trail.account_id);
            for account in &trail.seen_by {
                cover(account);
            }
            let is_org_trail = trail
                .config
                .value()
                .is_some_and(|c| c.is_organization_trail);
            if is_org_trail && org_members.contains(trail.account_id.as_str()) {
                for account in &members_in_scope {
                    cover(account);
                }
            }
        }
        Context {
            snapshot,
            params,
            effective,
            accounts_by_id: snapshot
                .accounts
                .iter()
                .map(|a| (a.account_id.as_str(), a))
                .collect(),
        }
    }

    /// The accounts in scope, sorted by id.
    pub fn accounts(&self) -> impl Iterator<Item = &'a AccountFacts> {
        self.snapshot.accounts.iter()
    }

    /// The facts of an in-scope account.
    pub fn account(&self, account_id: &str) -> Option<&'a AccountFacts> {
        self.accounts_by_id.get(account_id).copied()
    }

    /// The account's own trails plus the organization trails that cover it.
    pub fn effective_trails(&self, account_id: &str) -> Vec<&'a TrailFacts> {
        self.effective
            .get(account_id)
            .into_iter()
            .flatten()
            .filter_map(|arn| self.snapshot.trails.get(*arn))
            .collect()
    }

    /// Whether the audit was of a whole organization.
    pub fn is_organization_audit(&self) -> bool {
        self.snapshot.organization.is_some()
    }
}
