//! Who and where to audit: the caller, the accounts in scope (listed or the
//! whole organization), one credentials provider per account, and the
//! regions of each account.

use super::clients::{Session, CHAIN_TIMEOUT};
use super::errors::{chain_message, code_of, from_credentials, Site};
use super::{ops, AccountScope, CollectError, CollectOptions, Collector};
use crate::snapshot::{CallerIdentity, CollectionError, Fact, OrgAccount, Organization};
use aws_config::sts::AssumeRoleProvider;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_smithy_runtime_api::client::result::SdkError;
use std::collections::BTreeMap;

/// Session name shown in the audited accounts' CloudTrail for our calls.
const SESSION_NAME: &str = "trailwarden-audit";

/// Credentials are refreshed this long before they expire.
const REFRESH_BEFORE_EXPIRY: std::time::Duration = std::time::Duration::from_secs(300);

/// One account's assumed-role credentials, assumed once and shared by every
/// client of the account; refreshed (by one caller, the others waiting)
/// shortly before they expire. Without it, the up-front AssumeRole and the
/// first calls of each service client would each assume the role again.
#[derive(Debug)]
struct CachedAssumedRole {
    inner: AssumeRoleProvider,
    cached: tokio::sync::Mutex<Option<aws_credential_types::Credentials>>,
    stats: std::sync::Arc<super::clients::CallStats>,
}

impl ProvideCredentials for CachedAssumedRole {
    fn provide_credentials<'a>(
        &'a self,
    ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        aws_credential_types::provider::future::ProvideCredentials::new(async move {
            let mut cached = self.cached.lock().await;
            if let Some(credentials) = cached.as_ref() {
                let fresh = credentials.expiry().is_none_or(|expiry| {
                    expiry > std::time::SystemTime::now() + REFRESH_BEFORE_EXPIRY
                });
                if fresh {
                    return Ok(credentials.clone());
                }
            }
            // The STS client inside the provider is not instrumented: count
            // the call here, once per actual AssumeRole.
            self.stats.record(ops::STS_ASSUME_ROLE.key(), 1);
            let credentials = self.inner.provide_credentials().await?;
            *cached = Some(credentials.clone());
            Ok(credentials)
        })
    }
}

/// Credentials of `role_arn`, assumed from the caller's, once and refreshed
/// before they expire (see [`CachedAssumedRole`]).
pub(crate) async fn assumed_role(
    plumbing: &super::clients::Plumbing,
    role_arn: &str,
    external_id: Option<&str>,
) -> SharedCredentialsProvider {
    let mut builder = AssumeRoleProvider::builder(role_arn)
        .session_name(SESSION_NAME)
        .configure(&plumbing.base);
    if let Some(external_id) = external_id {
        builder = builder.external_id(external_id);
    }
    SharedCredentialsProvider::new(CachedAssumedRole {
        inner: builder.build().await,
        cached: tokio::sync::Mutex::new(None),
        stats: plumbing.stats.clone(),
    })
}

/// GetCallerIdentity: the first call, so that bad credentials or an
/// unreachable endpoint stop the run at once with one clear line.
pub async fn caller_identity(
    cx: &Collector,
    session: &Session,
) -> Result<CallerIdentity, CollectError> {
    let client = session.sts(&cx.global_region);
    let result = cx.call(client.get_caller_identity().send()).await;
    match result {
        Ok(out) => {
            let account_id = out.account().unwrap_or_default().to_string();
            let arn = out.arn().unwrap_or_default().to_string();
            if account_id.is_empty() || arn.is_empty() {
                return Err(CollectError::Fatal(
                    "GetCallerIdentity returned no account or ARN".to_string(),
                ));
            }
            Ok(CallerIdentity { account_id, arn })
        }
        Err(err) => {
            let detail = chain_message(&err);
            Err(match (&err, code_of(&err)) {
                (SdkError::DispatchFailure(_) | SdkError::TimeoutError(_), _) => {
                    CollectError::Unreachable(format!("STS GetCallerIdentity failed: {detail}"))
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
                ) => {
                    CollectError::NoCredentials(format!("the credentials were rejected: {detail}"))
                }
                _ => CollectError::Fatal(format!("STS GetCallerIdentity failed: {detail}")),
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
pub async fn organization(cx: &Collector, session: &Session) -> Result<Organization, CollectError> {
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
            let e = super::errors::from_sdk(&site, &err);
            CollectError::Fatal(format!("cannot list the organization's accounts: {e}"))
        })?;
    let org = described.organization().ok_or_else(|| {
        CollectError::Fatal("DescribeOrganization returned no organization".to_string())
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
                let e = super::errors::from_sdk(&site, &err);
                CollectError::Fatal(format!("cannot list the organization's accounts: {e}"))
            })?;
        for account in page.accounts() {
            let Some(id) = account.id() else { continue };
            // `Status` is deprecated in favour of `State`; emulators may send either.
            #[allow(deprecated)]
            let status = account
                .status()
                .map(|s| s.as_str().to_string())
                .or_else(|| account.state().map(|s| s.as_str().to_string()))
                .unwrap_or_else(|| "UNKNOWN".to_string());
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

/// The regions audited in an account, and the regions not enabled for it.
///
/// One EC2 DescribeRegions (AllRegions=true) per account: with `all`, the
/// enabled regions are audited; with a requested list, a requested region the
/// account has not opted in to is not audited but reported (its calls could
/// only fail). Excluded regions are left out of both. If DescribeRegions
/// fails, `all` is an error, and a requested list is audited as given.
pub async fn regions(
    cx: &Collector,
    session: &Session,
    requested: Option<&[String]>,
    excluded: &[String],
) -> (Fact<Vec<String>>, Vec<String>) {
    let client = session.ec2(&cx.global_region);
    let answer = cx
        .call(client.describe_regions().all_regions(true).send())
        .await;
    let tidy = |mut list: Vec<String>| {
        list.retain(|r| !excluded.contains(r));
        list.sort();
        list.dedup();
        list
    };
    match answer {
        Ok(out) => {
            let (mut enabled, mut disabled) = (Vec::new(), Vec::new());
            for region in out.regions() {
                let Some(name) = region.region_name() else {
                    continue;
                };
                if region.opt_in_status() == Some("not-opted-in") {
                    disabled.push(name.to_string());
                } else {
                    enabled.push(name.to_string());
                }
            }
            match requested {
                None => (Fact::Value(tidy(enabled)), tidy(disabled)),
                Some(requested) => {
                    let (audited, not_enabled): (Vec<String>, Vec<String>) = requested
                        .iter()
                        .cloned()
                        .partition(|r| !disabled.contains(r));
                    (Fact::Value(tidy(audited)), tidy(not_enabled))
                }
            }
        }
        Err(err) => {
            let site = Site::new(
                &session.account_id,
                &cx.global_region,
                ops::EC2_DESCRIBE_REGIONS,
            );
            let error = cx.fail(&site, &err);
            match requested {
                Some(requested) => (Fact::Value(tidy(requested.to_vec())), Vec::new()),
                None => (Fact::Error(error), Vec::new()),
            }
        }
    }
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
            account_concurrency: 8,
            accounts,
            role_name: "Audit".into(),
            external_id: None,
            endpoint_url: None,
            concurrency: 4,
            call_timeout: std::time::Duration::from_secs(5),
        }
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
