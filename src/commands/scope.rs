//! The collection scope: flags and configuration turned into collector options (regions,
//! accounts, endpoints, limits), and the runtime that collects.

use crate::cli::{ConfigArgs, ScopeArgs};
use crate::collect::{self, AccountScope, CollectOptions};
use crate::config::Config;
use crate::error::InputError;
use crate::names::AccountId;
use crate::snapshot::Snapshot;
use anyhow::{bail, Context as _, Result};

/// Validates the scope flags, fills what they leave unset from the
/// configuration's `[scope]`, and turns them into collector options.
pub(crate) fn collect_options(args: &ScopeArgs, config: &Config) -> Result<CollectOptions> {
    let defaults = &config.scope;
    // Accounts: flags win as a whole; `--accounts` or `--org` on the command
    // line replaces the configured choice of either.
    let from_flags = args.org || !args.accounts.is_empty();
    let scope = ScopeArgs {
        profile: args.profile.clone().or(defaults.profile.clone()),
        region: args.region.clone().or(defaults.region.clone()),
        regions: args
            .regions
            .clone()
            .or(defaults.regions.as_ref().map(|r| r.as_flag())),
        exclude_regions: if args.exclude_regions.is_empty() {
            defaults.exclude_regions.clone().unwrap_or_default()
        } else {
            args.exclude_regions.clone()
        },
        accounts: if from_flags {
            args.accounts.clone()
        } else {
            defaults.accounts.clone().unwrap_or_default()
        },
        org: if from_flags {
            args.org
        } else {
            defaults.org.unwrap_or(false)
        },
        role_name: args.role_name.clone().or(defaults.role_name.clone()),
        external_id: args.external_id.clone().or(defaults.external_id.clone()),
        endpoint_url: args.endpoint_url.clone(),
        concurrency: args.concurrency.or(defaults.concurrency),
        account_concurrency: args.account_concurrency.or(defaults.account_concurrency),
        call_timeout: args.call_timeout.or(defaults.call_timeout),
        timeout: args.timeout.or(defaults.timeout),
        shard: args.shard,
        no_session_policy: args.no_session_policy,
        allow_insecure_endpoint: args.allow_insecure_endpoint,
        config: ConfigArgs {
            config: None,
            no_config: true,
        },
    };
    if scope.org && !scope.accounts.is_empty() {
        return Err(InputError(
            "scope: accounts and org = true exclude each other (configuration)".into(),
        )
        .into());
    }
    let regions = parse_regions(scope.regions.as_deref().unwrap_or("all"))?;
    let mut exclude_regions = Vec::new();
    for region in scope.exclude_regions.iter().map(|r| r.trim()) {
        crate::names::Region::parse(region).map_err(InputError)?;
        if !exclude_regions.iter().any(|r| r == region) {
            exclude_regions.push(region.to_string());
        }
    }
    if let Some(list) = &regions {
        if list.iter().all(|r| exclude_regions.contains(r)) {
            return Err(InputError(
                "every requested region is excluded: nothing would be audited".into(),
            )
            .into());
        }
    }
    if let Some(region) = &scope.region {
        crate::names::Region::parse(region).map_err(InputError)?;
    }
    if !(1..=1024).contains(&scope.account_concurrency.unwrap_or(8)) {
        return Err(InputError("account concurrency must be between 1 and 1024".into()).into());
    }
    if !(1..=1024).contains(&scope.concurrency.unwrap_or(32)) {
        return Err(InputError("concurrency must be between 1 and 1024".into()).into());
    }
    if !(1..=600).contains(&scope.call_timeout.unwrap_or(20)) {
        return Err(InputError("call timeout must be between 1 and 600 seconds".into()).into());
    }
    for account in &scope.accounts {
        AccountId::parse(account).map_err(|m| InputError(format!("--accounts: {m}")))?;
    }
    if scope.shard.is_some() && !scope.org && scope.accounts.is_empty() {
        return Err(InputError(
            "--shard needs --org or --accounts (it splits their accounts)".into(),
        )
        .into());
    }
    if scope.timeout == Some(0) {
        return Err(InputError("timeout must be at least 1 second".into()).into());
    }
    let accounts = if scope.org {
        AccountScope::Organization
    } else if !scope.accounts.is_empty() {
        if scope.role_name.is_none() {
            return Err(InputError(
                "--accounts needs --role-name (the role to assume in each account)".into(),
            )
            .into());
        }
        AccountScope::Listed(scope.accounts.clone())
    } else {
        if scope.role_name.is_some() || scope.external_id.is_some() {
            return Err(InputError(
                "--role-name and --external-id need --accounts or --org".into(),
            )
            .into());
        }
        AccountScope::Caller
    };
    check_endpoints(scope.endpoint_url.as_deref(), args.allow_insecure_endpoint)?;
    Ok(CollectOptions {
        profile: scope.profile.clone(),
        region: scope.region.clone(),
        regions,
        exclude_regions,
        accounts,
        role_name: scope
            .role_name
            .clone()
            .unwrap_or_else(|| "OrganizationAccountAccessRole".to_string()),
        external_id: scope.external_id.clone(),
        endpoint_url: scope.endpoint_url.clone(),
        concurrency: usize::from(scope.concurrency.unwrap_or(32)),
        account_concurrency: usize::from(scope.account_concurrency.unwrap_or(8)),
        call_timeout: std::time::Duration::from_secs(scope.call_timeout.unwrap_or(20)),
        run_timeout: scope.timeout.map(std::time::Duration::from_secs),
        shard: scope.shard,
        session_policy: !args.no_session_policy,
        allow_insecure_endpoint: args.allow_insecure_endpoint,
    })
}

/// Checks, before any work, the endpoints given by `--endpoint-url` (clap
/// also takes it from `AWS_ENDPOINT_URL`) and `AWS_ENDPOINT_URL_<SERVICE>`:
/// a plain `http://` endpoint that is not this machine is refused unless
/// `allow_insecure` (facts read over it can be forged on the way), and one
/// taken from the environment rather than the command line is warned about
/// on stderr, as it can be set without the user noticing. Where the calls
/// then go (these, or a shared config profile's) is recorded in the
/// snapshot and every report from what the SDK resolves
/// ([`crate::aws::clients::effective_endpoints`]).
pub(crate) fn check_endpoints(flag: Option<&str>, allow_insecure: bool) -> Result<()> {
    let on_command_line =
        std::env::args().any(|a| a == "--endpoint-url" || a.starts_with("--endpoint-url="));
    if let Some(url) = flag.filter(|u| !u.trim().is_empty()) {
        let source = if on_command_line {
            "--endpoint-url"
        } else {
            "AWS_ENDPOINT_URL"
        };
        crate::endpoint::validate(source, url, allow_insecure).map_err(InputError)?;
        if !on_command_line {
            crate::endpoint::warn(source, url);
        }
    }
    for (name, value) in std::env::vars() {
        if !name.starts_with("AWS_ENDPOINT_URL_") || value.trim().is_empty() {
            continue;
        }
        crate::endpoint::validate(&name, &value, allow_insecure).map_err(InputError)?;
        crate::endpoint::warn(&name, &value);
    }
    Ok(())
}

/// `all` → `None`; otherwise a deduplicated list of well-formed region names.
pub(crate) fn parse_regions(value: &str) -> Result<Option<Vec<String>>> {
    if value.trim().eq_ignore_ascii_case("all") {
        return Ok(None);
    }
    let mut regions: Vec<String> = Vec::new();
    for region in value.split(',').map(str::trim).filter(|r| !r.is_empty()) {
        crate::names::Region::parse(region).map_err(InputError)?;
        if !regions.iter().any(|r| r == region) {
            regions.push(region.to_string());
        }
    }
    if regions.is_empty() {
        bail!(InputError(
            "--regions: give a comma-separated list of regions, or all".into()
        ));
    }
    Ok(Some(regions))
}

/// Threads for blocking work (file reads, log hashing): enough to keep the
/// cores and the disk busy. Tokio's default (512) let a wide `verify-logs`
/// start hundreds of threads, each keeping its own allocator heap: the peak
/// memory grew with the number of log files.
pub(crate) const BLOCKING_THREADS: usize = 16;

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(BLOCKING_THREADS)
        .build()
        .context("starting the async runtime")
}

pub(crate) fn run_collection(options: &CollectOptions) -> Result<Snapshot> {
    runtime()?
        .block_on(collect::collect(options))
        .map_err(|e| InputError(e.to_string()).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_are_validated() {
        assert_eq!(parse_regions("all").unwrap(), None);
        assert_eq!(
            parse_regions("us-east-1, eu-west-3,us-east-1").unwrap(),
            Some(vec!["us-east-1".to_string(), "eu-west-3".to_string()])
        );
        assert!(parse_regions("us-gov-west-1").is_ok());
        assert!(parse_regions("ap-southeast-5").is_ok());
        for bad in [
            "mars-1",
            "us-east",
            "US-EAST-1",
            "us-east-1a",
            ",",
            "eu_west_1",
        ] {
            assert!(parse_regions(bad).is_err(), "{bad}");
        }
    }
}
