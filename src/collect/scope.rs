//! Who and where to audit: the caller, the accounts in scope (listed or the
//! whole organization), one credentials provider per account, and the
//! regions of each account.

use super::{ops, AccountScope, CollectOptions, Collector, SetupError};
use crate::aws::clients::{Session, CHAIN_TIMEOUT};
use crate::aws::errors::{chain_message, code_of, from_credentials, Site};
use crate::aws::roles::assumed_role;
use crate::snapshot::{
    CallerIdentity, CollectionError, Fact, OrgAccount, Organization, RegionInTransition,
};
use aws_credential_types::provider::ProvideCredentials;
use aws_smithy_runtime_api::client::result::SdkError;
use std::collections::BTreeMap;

/// GetCallerIdentity: the first call, so that bad credentials or an
/// unreachable endpoint stop the run at once with one clear line.
pub async fn caller_identity(
    cx: &Collector,
    session: &Session,
) -> Result<CallerIdentity, SetupError> {
    let client = session.sts(&cx.global_region);
    let result = cx.call(client.get_caller_identity().send()).await;
    match result {
        Ok(out) => {
            let account_id = out.account().unwrap_or_default().to_string();
            let arn = out.arn().unwrap_or_default().to_string();
            if account_id.is_empty() || arn.is_empty() {
                return Err(SetupError::Fatal(
                    "GetCallerIdentity returned no account or ARN".to_string(),
                ));
            }
            Ok(CallerIdentity { account_id, arn })
        }
        Err(err) => {
            let detail = chain_message(&err);
            Err(match (&err, code_of(&err)) {
                (SdkError::DispatchFailure(_) | SdkError::TimeoutError(_), _) => {
                    SetupError::Unreachable(format!("STS GetCallerIdentity failed: {detail}"))
                }
                (
                    _,
                    Some(
                        "InvalidClientTokenId"
                        | "SignatureDoesNotMatch"
                        | "ExpiredToken"
                        | "UnrecognizedClientException"
                        | "AccessDenied",
                    ),
                ) => SetupError::NoCredentials(format!("the credentials were rejected: {detail}")),
                _ => SetupError::Fatal(format!("STS GetCallerIdentity failed: {detail}")),
            })
        }
    }
}

/// The partition (`aws`, `aws-cn`…) from an ARN.
pub fn partition_of(arn: &str) -> Option<&str> {
    let mut parts = arn.split(':');
    match (parts.next(), parts.next()) {
        (Some("arn"), Some(partition)) if !partition.is_empty() => Some(partition),
        _ => None,
    }
}

/// DescribeOrganization and every account ListAccounts returns. Without
/// them an `--org` audit has nothing to audit, so a failure is fatal.
pub async fn organization(cx: &Collector, session: &Session) -> Result<Organization, SetupError> {
    let client = session.organizations(&cx.global_region);
    let described = cx
        .call(client.describe_organization().send())
        .await
        .map_err(|err| {
            let site = Site::new(
                &session.account_id,
                &cx.global_region,
                ops::ORG_DESCRIBE_ORGANIZATION,
            );
            let e = crate::aws::errors::from_sdk(&site, &err);
            SetupError::Fatal(format!("cannot list the organization's accounts: {e}"))
        })?;
    let org = described.organization().ok_or_else(|| {
        SetupError::Fatal("DescribeOrganization returned no organization".to_string())
    })?;
    let mut accounts = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = cx
            .call(client.list_accounts().set_next_token(token.clone()).send())
            .await
            .map_err(|err| {
                let site = Site::new(
                    &session.account_id,
                    &cx.global_region,
                    ops::ORG_LIST_ACCOUNTS,
                );
                let e = crate::aws::errors::from_sdk(&site, &err);
                SetupError::Fatal(format!("cannot list the organization's accounts: {e}"))
            })?;
        for account in page.accounts() {
            let Some(id) = account.id() else { continue };
            #[allow(deprecated)]
            let status = account_state(
                account.state().map(|s| s.as_str()),
                account.status().map(|s| s.as_str()),
            );
            accounts.push(OrgAccount {
                id: id.to_string(),
                name: account.name().unwrap_or_default().to_string(),
                status,
            });
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    accounts.sort_by(|a, b| a.id.cmp(&b.id));
    accounts.dedup_by(|a, b| a.id == b.id);
    Ok(Organization {
        id: org.id().unwrap_or_default().to_string(),
        management_account_id: org.master_account_id().unwrap_or_default().to_string(),
        accounts,
    })
}

/// The accounts Organizations names as CloudTrail's delegated
/// administrators (`ListDelegatedAdministrators` for
/// `cloudtrail.amazonaws.com`, every page), sorted. Callable from the
/// management account or an Organizations delegated administrator; a
/// failure is recorded, never fatal: it only means no delegated
/// administrator can stand in for the management account.
pub async fn cloudtrail_delegated_administrators(
    cx: &Collector,
    session: &Session,
) -> Fact<Vec<String>> {
    let client = session.organizations(&cx.global_region);
    let mut ids = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = cx
            .call(
                client
                    .list_delegated_administrators()
                    .service_principal("cloudtrail.amazonaws.com")
                    .set_next_token(token.clone())
                    .send(),
            )
            .await;
        let page = match page {
            Ok(page) => page,
            Err(err) => {
                let site = Site::new(
                    &session.account_id,
                    &cx.global_region,
                    ops::ORG_LIST_DELEGATED_ADMINISTRATORS,
                );
                return Fact::Error(cx.fail(&site, &err));
            }
        };
        ids.extend(
            page.delegated_administrators()
                .iter()
                .filter_map(|a| a.id().map(str::to_string)),
        );
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    ids.sort();
    ids.dedup();
    Fact::Value(ids)
}

/// An organization account's lifecycle state. AWS Organizations retired
/// `Account.Status` (ACTIVE, SUSPENDED, PENDING_CLOSURE) for `Account.State`
/// (ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED, PENDING_ACTIVATION; API
/// reference, `Account`): `State` decides whenever it is present, so an
/// account that is `PENDING_ACTIVATION` is never audited as `ACTIVE` on the
/// strength of the older field. `Status` is read only when `State` is absent.
fn account_state(state: Option<&str>, status: Option<&str>) -> String {
    state
        .or(status)
        .filter(|s| !s.is_empty())
        .unwrap_or("UNKNOWN")
        .to_string()
}

/// The accounts to audit, sorted and deduplicated.
pub fn accounts_in_scope(
    options: &CollectOptions,
    caller: &CallerIdentity,
    organization: Option<&Organization>,
) -> Vec<String> {
    let mut accounts: Vec<String> = match (&options.accounts, organization) {
        (AccountScope::Caller, _) => vec![caller.account_id.clone()],
        (AccountScope::Listed(ids), _) => ids.clone(),
        (AccountScope::Organization, Some(org)) => org
            .accounts
            .iter()
            .filter(|a| a.status == "ACTIVE")
            .map(|a| a.id.clone())
            .collect(),
        (AccountScope::Organization, None) => vec![caller.account_id.clone()],
    };
    // A shard always includes the management account: organization trails
    // live there, and members' views of them are not guaranteed (emulators
    // omit them). Its findings are the same in every shard, and `merge`
    // keeps one copy.
    if let Some(shard) = options.shard {
        let management = organization.map(|o| o.management_account_id.as_str());
        accounts.retain(|id| shard.contains(id) || Some(id.as_str()) == management);
    }
    accounts.sort();
    accounts.dedup();
    accounts
}

/// One session per account: the caller's credentials for the caller's own
/// account, an assumed role (cached and refreshed by the SDK) for others.
/// The role is assumed once up front, so an account whose role cannot be
/// assumed is known, and recorded, before any other call.
pub async fn sessions(
    cx: &Collector,
    options: &CollectOptions,
    caller: &CallerIdentity,
    partition: &str,
    accounts: &[String],
) -> BTreeMap<String, Result<Session, CollectionError>> {
    let futures = accounts.iter().map(|account| async move {
        if *account == caller.account_id {
            let session = Session::new(account, cx.plumbing.base.clone(), &cx.plumbing);
            return (account.clone(), Ok(session));
        }
        let role_arn = format!("arn:{partition}:iam::{account}:role/{}", options.role_name);
        let provider = assumed_role(&cx.plumbing, &role_arn, options.external_id.as_deref()).await;
        let site = Site::new(account, &cx.global_region, ops::STS_ASSUME_ROLE);
        let assumed = {
            let _permit = cx.permit().await;
            tokio::time::timeout(
                cx.remaining(cx.call_timeout + CHAIN_TIMEOUT),
                provider.provide_credentials(),
            )
            .await
        };
        let result = match assumed {
            Ok(Ok(_)) => Ok(Session::new(
                account,
                cx.plumbing.with_credentials(provider),
                &cx.plumbing,
            )),
            Ok(Err(err)) => {
                let mut e = from_credentials(&site, &err);
                e.message = format!("cannot assume {role_arn}: {}", e.message);
                Err(cx.record(e))
            }
            Err(_) => Err(cx.record(match cx.run_timeout_secs() {
                Some(secs) if cx.remaining(CHAIN_TIMEOUT).is_zero() => site.error(
                    "RunTimeout",
                    format!(
                        "cannot assume {role_arn}: the run's --timeout of {secs} s was reached"
                    ),
                ),
                _ => site.error(
                    "Timeout",
                    format!("cannot assume {role_arn}: no answer in time"),
                ),
            })),
        };
        (account.clone(), result)
    });
    futures::future::join_all(futures)
        .await
        .into_iter()
        .collect()
}

/// What one account's regions are, from AWS Account Management
/// `ListRegions`: each region with its `RegionOptStatus`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRegions {
    /// `ENABLED` or `ENABLED_BY_DEFAULT`: API calls there are answered.
    pub enabled: Vec<String>,
    /// `DISABLED`: an opt-in region the account has not opted in to.
    pub disabled: Vec<String>,
    /// `ENABLING` or `DISABLING`, with that status: neither reliably
    /// answers, so they are not audited, but they are named.
    pub in_transition: Vec<RegionInTransition>,
}

impl AccountRegions {
    /// Sorts a `ListRegions` answer (every page) into the three groups.
    /// A status this build does not know is treated as in transition:
    /// named, never silently audited or dropped.
    pub fn from_list<'a>(
        regions: impl IntoIterator<Item = &'a aws_sdk_account::types::Region>,
    ) -> AccountRegions {
        use aws_sdk_account::types::RegionOptStatus;
        let mut out = AccountRegions {
            enabled: Vec::new(),
            disabled: Vec::new(),
            in_transition: Vec::new(),
        };
        for region in regions {
            let Some(name) = region.region_name() else {
                continue;
            };
            match region.region_opt_status() {
                Some(RegionOptStatus::Enabled | RegionOptStatus::EnabledByDefault) => {
                    out.enabled.push(name.to_string())
                }
                Some(RegionOptStatus::Disabled) => out.disabled.push(name.to_string()),
                other => out.in_transition.push(RegionInTransition {
                    region: name.to_string(),
                    status: other.map_or("UNKNOWN", |s| s.as_str()).to_string(),
                }),
            }
        }
        out
    }

    /// The regions audited, and those in scope that are not (requested or,
    /// with `all`, every one) because they are not enabled or in transition.
    /// Excluded regions are left out of every list.
    pub fn audited(
        &self,
        requested: Option<&[String]>,
        excluded: &[String],
    ) -> (Vec<String>, Vec<String>, Vec<RegionInTransition>) {
        let wanted =
            |r: &String| !excluded.contains(r) && requested.is_none_or(|list| list.contains(r));
        let audited = match requested {
            None => tidy(self.enabled.clone(), excluded),
            Some(list) => tidy(
                list.iter()
                    .filter(|r| {
                        !self.disabled.contains(r)
                            && !self.in_transition.iter().any(|t| &t.region == *r)
                    })
                    .cloned()
                    .collect(),
                excluded,
            ),
        };
        let not_enabled = tidy(
            self.disabled
                .iter()
                .filter(|r| wanted(r))
                .cloned()
                .collect(),
            excluded,
        );
        let mut in_transition: Vec<RegionInTransition> = self
            .in_transition
            .iter()
            .filter(|t| wanted(&t.region))
            .cloned()
            .collect();
        in_transition.sort_by(|a, b| a.region.cmp(&b.region));
        in_transition.dedup_by(|a, b| a.region == b.region);
        (audited, not_enabled, in_transition)
    }
}

fn tidy(mut list: Vec<String>, excluded: &[String]) -> Vec<String> {
    list.retain(|r| !excluded.contains(r));
    list.sort();
    list.dedup();
    list
}

/// The regions audited in an account, the regions not enabled for it, and
/// those being enabled or disabled.
///
/// AWS Account Management `ListRegions` (every page) with the account's own
/// credentials: with `all`, the enabled regions (`ENABLED`,
/// `ENABLED_BY_DEFAULT`) are audited; with a requested list, a requested
/// region the account has not enabled is not audited but reported (its calls
/// could only fail). Excluded regions are left out of every list. If
/// ListRegions fails, `all` is an error (fail closed: the regions to audit
/// are unknown), and a requested list is audited as given.
pub async fn regions(
    cx: &Collector,
    session: &Session,
    requested: Option<&[String]>,
    excluded: &[String],
) -> (Fact<Vec<String>>, Vec<String>, Vec<RegionInTransition>) {
    match list_regions(cx, session).await {
        Ok(listed) => {
            let (audited, not_enabled, in_transition) = listed.audited(requested, excluded);
            (Fact::Value(audited), not_enabled, in_transition)
        }
        Err(error) => match requested {
            Some(requested) => (
                Fact::Value(tidy(requested.to_vec(), excluded)),
                Vec::new(),
                Vec::new(),
            ),
            None => (Fact::Error(error), Vec::new(), Vec::new()),
        },
    }
}

/// Every page of `ListRegions` for the session's own account. The API is
/// global: the SDK sends it to the partition's Account endpoint whatever
/// region the client is in.
async fn list_regions(
    cx: &Collector,
    session: &Session,
) -> Result<AccountRegions, CollectionError> {
    let client = session.account(&cx.global_region);
    let mut regions = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = cx
            .call(
                client
                    .list_regions()
                    .max_results(50)
                    .set_next_token(token.clone())
                    .send(),
            )
            .await
            .map_err(|err| {
                let site = Site::new(
                    &session.account_id,
                    &cx.global_region,
                    ops::ACCOUNT_LIST_REGIONS,
                );
                cx.fail(&site, &err)
            })?;
        regions.extend(page.regions().iter().cloned());
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    Ok(AccountRegions::from_list(&regions))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller() -> CallerIdentity {
        CallerIdentity {
            account_id: "111111111111".into(),
            arn: "arn:aws:iam::111111111111:user/auditor".into(),
        }
    }

    fn options(accounts: AccountScope) -> CollectOptions {
        CollectOptions {
            profile: None,
            region: None,
            regions: None,
            exclude_regions: Vec::new(),
            run_timeout: None,
            shard: None,
            session_policy: true,
            allow_insecure_endpoint: false,
            account_concurrency: 8,
            accounts,
            role_name: "Audit".into(),
            external_id: None,
            endpoint_url: None,
            concurrency: 4,
            call_timeout: std::time::Duration::from_secs(5),
        }
    }

    fn listed(regions: &[(&str, &str)]) -> AccountRegions {
        let regions: Vec<aws_sdk_account::types::Region> = regions
            .iter()
            .map(|(name, status)| {
                aws_sdk_account::types::Region::builder()
                    .region_name(*name)
                    .region_opt_status(aws_sdk_account::types::RegionOptStatus::from(*status))
                    .build()
            })
            .collect();
        AccountRegions::from_list(&regions)
    }

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn list_regions_statuses_sort_into_audited_not_enabled_and_changing() {
        let account = listed(&[
            ("us-east-1", "ENABLED_BY_DEFAULT"),
            ("eu-south-1", "ENABLED"),
            ("ap-east-1", "DISABLED"),
            ("me-central-1", "ENABLING"),
            ("af-south-1", "DISABLING"),
            ("eu-west-1", "ENABLED_BY_DEFAULT"),
        ]);
        // `all`: the enabled ones, sorted; the rest named.
        let (audited, not_enabled, changing) = account.audited(None, &strings(&["eu-west-1"]));
        assert_eq!(audited, strings(&["eu-south-1", "us-east-1"]));
        assert_eq!(not_enabled, strings(&["ap-east-1"]));
        assert_eq!(
            changing,
            vec![
                RegionInTransition {
                    region: "af-south-1".into(),
                    status: "DISABLING".into()
                },
                RegionInTransition {
                    region: "me-central-1".into(),
                    status: "ENABLING".into()
                },
            ]
        );
        // A requested list: only what was asked for, each where it belongs.
        let requested = strings(&["us-east-1", "ap-east-1", "me-central-1"]);
        let (audited, not_enabled, changing) = account.audited(Some(&requested), &[]);
        assert_eq!(audited, strings(&["us-east-1"]));
        assert_eq!(not_enabled, strings(&["ap-east-1"]));
        assert_eq!(changing.len(), 1);
        assert_eq!(changing[0].region, "me-central-1");
    }

    #[test]
    fn an_unknown_opt_status_is_named_not_audited() {
        let account = listed(&[("xx-new-1", "SOMETHING_NEW"), ("us-east-1", "ENABLED")]);
        let (audited, _, changing) = account.audited(None, &[]);
        assert_eq!(audited, strings(&["us-east-1"]));
        assert_eq!(changing[0].status, "SOMETHING_NEW");
    }

    #[test]
    fn an_accounts_state_decides_over_its_retired_status() {
        assert_eq!(
            account_state(Some("PENDING_ACTIVATION"), Some("ACTIVE")),
            "PENDING_ACTIVATION"
        );
        assert_eq!(account_state(Some("CLOSED"), None), "CLOSED");
        assert_eq!(account_state(None, Some("SUSPENDED")), "SUSPENDED");
        assert_eq!(account_state(None, None), "UNKNOWN");
    }

    #[test]
    fn partition_comes_from_the_arn() {
        assert_eq!(
            partition_of("arn:aws-cn:sts::1:assumed-role/x/y"),
            Some("aws-cn")
        );
        assert_eq!(partition_of("arn:aws:iam::1:user/u"), Some("aws"));
        assert_eq!(partition_of("not-an-arn"), None);
        assert_eq!(partition_of("arn::iam"), None);
    }

    #[test]
    fn organization_scope_keeps_only_active_accounts() {
        let org = Organization {
            id: "o-1".into(),
            management_account_id: "111111111111".into(),
            accounts: vec![
                OrgAccount {
                    id: "333333333333".into(),
                    name: "c".into(),
                    status: "SUSPENDED".into(),
                },
                OrgAccount {
                    id: "222222222222".into(),
                    name: "b".into(),
                    status: "ACTIVE".into(),
                },
                OrgAccount {
                    id: "111111111111".into(),
                    name: "a".into(),
                    status: "ACTIVE".into(),
                },
            ],
        };
        let got = accounts_in_scope(&options(AccountScope::Organization), &caller(), Some(&org));
        assert_eq!(got, vec!["111111111111", "222222222222"]);
    }

    #[test]
    fn listed_accounts_are_sorted_and_deduplicated() {
        let listed = AccountScope::Listed(vec![
            "222222222222".into(),
            "111111111111".into(),
            "222222222222".into(),
        ]);
        let got = accounts_in_scope(&options(listed), &caller(), None);
        assert_eq!(got, vec!["111111111111", "222222222222"]);
        assert_eq!(
            accounts_in_scope(&options(AccountScope::Caller), &caller(), None),
            vec!["111111111111"]
        );
    }
}
