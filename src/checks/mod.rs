//! The check catalog: metadata (from `checks/*.toml`), the registry of check
//! functions, and the evaluation context they read.
//!
//! One check, one place: a check is one file in this folder, one metadata file
//! in `checks/`, one line in [`REGISTRY`], and its tests.

pub(crate) mod audit_coverage;
mod catalog;
mod context;
pub mod support;
#[cfg(test)]
pub mod testkit;

pub mod selectors;
// Whether one matching event sets an alarm off (the monitoring checks).
mod alarm_trigger;

mod cloudtrail_cloudwatch_logs;
mod cloudtrail_delivery_health;
mod cloudtrail_insights;
mod cloudtrail_kms_encryption;
mod cloudtrail_kms_key_rotation;
mod cloudtrail_log_file_validation;
mod cloudtrail_log_integrity;
mod cloudtrail_multi_region;
mod cloudtrail_organization_trail;
mod cloudtrail_s3_data_events_read;
mod cloudtrail_s3_data_events_write;
mod cloudtrail_sns_notifications;
mod config_recorder_all_regions;
mod trail_bucket_access_logging;
mod trail_bucket_mfa_delete;
mod trail_bucket_not_public;
mod trail_bucket_object_lock;
mod trail_bucket_retention;
mod trail_bucket_versioning;

mod monitor_cloudtrail_changes;
mod monitor_config_changes;
mod monitor_console_auth_failures;
mod monitor_console_signin_without_mfa;
mod monitor_iam_policy_changes;
mod monitor_kms_key_deletion;
mod monitor_nacl_changes;
mod monitor_network_gateway_changes;
mod monitor_organizations_changes;
mod monitor_root_usage;
mod monitor_route_table_changes;
mod monitor_s3_bucket_policy_changes;
mod monitor_security_group_changes;
mod monitor_unauthorized_api_calls;
mod monitor_vpc_changes;
pub mod monitoring;

pub use catalog::{Catalog, CatalogError, CheckMetadata, Remediation, FRAMEWORKS};
pub use context::{Context, Params};

use crate::finding::Finding;
use crate::snapshot::Snapshot;

/// A check: a pure function of the snapshot and parameters.
pub type CheckFn = fn(&Context) -> Vec<Finding>;

pub struct RegisteredCheck {
    pub id: &'static str,
    pub run: CheckFn,
}

/// Every check trailwarden runs, in report order.
pub static REGISTRY: &[RegisteredCheck] = &[
    RegisteredCheck {
        id: audit_coverage::ID,
        run: audit_coverage::run,
    },
    RegisteredCheck {
        id: cloudtrail_multi_region::ID,
        run: cloudtrail_multi_region::run,
    },
    RegisteredCheck {
        id: cloudtrail_organization_trail::ID,
        run: cloudtrail_organization_trail::run,
    },
    RegisteredCheck {
        id: cloudtrail_insights::ID,
        run: cloudtrail_insights::run,
    },
    RegisteredCheck {
        id: cloudtrail_s3_data_events_write::ID,
        run: cloudtrail_s3_data_events_write::run,
    },
    RegisteredCheck {
        id: cloudtrail_s3_data_events_read::ID,
        run: cloudtrail_s3_data_events_read::run,
    },
    RegisteredCheck {
        id: config_recorder_all_regions::ID,
        run: config_recorder_all_regions::run,
    },
    RegisteredCheck {
        id: cloudtrail_log_file_validation::ID,
        run: cloudtrail_log_file_validation::run,
    },
    RegisteredCheck {
        id: cloudtrail_log_integrity::ID,
        run: cloudtrail_log_integrity::run,
    },
    RegisteredCheck {
        id: cloudtrail_kms_encryption::ID,
        run: cloudtrail_kms_encryption::run,
    },
    RegisteredCheck {
        id: cloudtrail_kms_key_rotation::ID,
        run: cloudtrail_kms_key_rotation::run,
    },
    RegisteredCheck {
        id: cloudtrail_cloudwatch_logs::ID,
        run: cloudtrail_cloudwatch_logs::run,
    },
    RegisteredCheck {
        id: cloudtrail_delivery_health::ID,
        run: cloudtrail_delivery_health::run,
    },
    RegisteredCheck {
        id: cloudtrail_sns_notifications::ID,
        run: cloudtrail_sns_notifications::run,
    },
    RegisteredCheck {
        id: trail_bucket_not_public::ID,
        run: trail_bucket_not_public::run,
    },
    RegisteredCheck {
        id: trail_bucket_access_logging::ID,
        run: trail_bucket_access_logging::run,
    },
    RegisteredCheck {
        id: trail_bucket_versioning::ID,
        run: trail_bucket_versioning::run,
    },
    RegisteredCheck {
        id: trail_bucket_mfa_delete::ID,
        run: trail_bucket_mfa_delete::run,
    },
    RegisteredCheck {
        id: trail_bucket_object_lock::ID,
        run: trail_bucket_object_lock::run,
    },
    RegisteredCheck {
        id: trail_bucket_retention::ID,
        run: trail_bucket_retention::run,
    },
    RegisteredCheck {
        id: monitor_unauthorized_api_calls::ID,
        run: monitor_unauthorized_api_calls::run,
    },
    RegisteredCheck {
        id: monitor_console_signin_without_mfa::ID,
        run: monitor_console_signin_without_mfa::run,
    },
    RegisteredCheck {
        id: monitor_root_usage::ID,
        run: monitor_root_usage::run,
    },
    RegisteredCheck {
        id: monitor_iam_policy_changes::ID,
        run: monitor_iam_policy_changes::run,
    },
    RegisteredCheck {
        id: monitor_cloudtrail_changes::ID,
        run: monitor_cloudtrail_changes::run,
    },
    RegisteredCheck {
        id: monitor_console_auth_failures::ID,
        run: monitor_console_auth_failures::run,
    },
    RegisteredCheck {
        id: monitor_kms_key_deletion::ID,
        run: monitor_kms_key_deletion::run,
    },
    RegisteredCheck {
        id: monitor_s3_bucket_policy_changes::ID,
        run: monitor_s3_bucket_policy_changes::run,
    },
    RegisteredCheck {
        id: monitor_config_changes::ID,
        run: monitor_config_changes::run,
    },
    RegisteredCheck {
        id: monitor_security_group_changes::ID,
        run: monitor_security_group_changes::run,
    },
    RegisteredCheck {
        id: monitor_nacl_changes::ID,
        run: monitor_nacl_changes::run,
    },
    RegisteredCheck {
        id: monitor_network_gateway_changes::ID,
        run: monitor_network_gateway_changes::run,
    },
    RegisteredCheck {
        id: monitor_route_table_changes::ID,
        run: monitor_route_table_changes::run,
    },
    RegisteredCheck {
        id: monitor_vpc_changes::ID,
        run: monitor_vpc_changes::run,
    },
    RegisteredCheck {
        id: monitor_organizations_changes::ID,
        run: monitor_organizations_changes::run,
    },
];

/// Runs every registered check over the snapshot. The severity and nothing
/// else of each finding comes from the catalog. Findings are sorted by
/// registry order, then account, resource and region, so output is stable.
pub fn evaluate(snapshot: &Snapshot, params: &Params, catalog: &Catalog) -> Vec<Finding> {
    evaluate_selected(snapshot, params, catalog, |_| true)
}

/// [`evaluate`], running only the checks `selected` accepts (the policy's
/// enable/disable lists and `--framework`).
pub fn evaluate_selected(
    snapshot: &Snapshot,
    params: &Params,
    catalog: &Catalog,
    selected: impl Fn(&str) -> bool,
) -> Vec<Finding> {
    let started = std::time::Instant::now();
    let cx = Context::new(snapshot, params);
    tracing::debug!(
        elapsed_us = started.elapsed().as_micros() as u64,
        "coverage of accounts by trails computed"
    );
    let checks: Vec<&RegisteredCheck> = REGISTRY.iter().filter(|c| selected(c.id)).collect();
    // Checks are independent: run them on every core, each worker taking
    // the next check not yet taken; the results are put back in registry
    // order, so the output does not depend on the scheduling.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(checks.len().max(1));
    let mut produced: Vec<(usize, Vec<Finding>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(check) = checks.get(i) else { break };
                        done.push((i, run_check(&cx, catalog, check)));
                    }
                    done
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    produced.sort_by_key(|(i, _)| *i);
    let mut findings = Vec::with_capacity(produced.iter().map(|(_, f)| f.len()).sum());
    for (_, batch) in produced {
        findings.extend(batch);
    }
    findings
}

/// Runs one check: its findings sorted by account, resource and region,
/// with the catalog's severity.
fn run_check(cx: &Context, catalog: &Catalog, check: &RegisteredCheck) -> Vec<Finding> {
    let meta = catalog
        .get(check.id)
        .expect("registry and catalog agree (tested)");
    let started = std::time::Instant::now();
    let mut produced = (check.run)(cx);
    tracing::debug!(
        check = check.id,
        findings = produced.len(),
        elapsed_us = started.elapsed().as_micros() as u64,
        "check ran"
    );
    produced.sort_by(|a, b| {
        (&a.account_id, &a.resource, &a.region).cmp(&(&b.account_id, &b.resource, &b.region))
    });
    for finding in &mut produced {
        debug_assert_eq!(finding.check_id, check.id);
        finding.severity = meta.severity;
        // Here, on the worker thread, while the check's evidence is fresh:
        // the run then holds text, not trees, for every finding.
        finding.compact_evidence();
    }
    produced
}
