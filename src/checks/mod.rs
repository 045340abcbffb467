//! The check catalog: metadata (from `checks/*.toml`), the registry of check
//! functions, and the evaluation context they read.
//!
//! One check, one place: a check is one file in this folder, one metadata file
//! in `checks/`, one line in the `registry!` list below, and its tests (a
//! monitoring check: one `(id, purpose)` line, its corpus and its filters
//! in `checks/corpora/<id>/`).

mod assessment;
mod catalog;
mod context;
pub mod support;
#[cfg(test)]
pub mod testkit;

pub mod selectors;
// Whether one matching event sets an alarm off (the monitoring checks).
mod alarm_trigger;
pub mod monitoring;

pub use catalog::{
    framework_controls, Catalog, CatalogError, CheckMetadata, Control, Remediation, FRAMEWORKS,
};
pub use context::{Context, Params};

use crate::finding::Finding;
use crate::snapshot::Snapshot;

/// A check: a pure function of the snapshot and parameters.
pub type CheckFn = fn(&Context) -> Vec<Finding>;

/// How a registered check runs.
#[derive(Debug, Clone, Copy)]
pub enum Runner {
    /// A check with a file of its own: its `run`.
    Own(CheckFn),
    /// A monitoring check: the shared engine of `monitoring.rs`, with what
    /// the metric filter must catch (its corpus is
    /// `checks/corpora/<id>/`).
    Monitor { purpose: &'static str },
}

pub struct RegisteredCheck {
    pub id: &'static str,
    pub runner: Runner,
}

impl RegisteredCheck {
    pub fn run(&self, cx: &Context) -> Vec<Finding> {
        match self.runner {
            Runner::Own(run) => run(cx),
            Runner::Monitor { purpose } => monitoring::run(cx, self.id, purpose),
        }
    }
}

/// Declares each check module and [`REGISTRY`] from one list, so adding a
/// check is one line here: a module name (the file `<name>.rs` with `ID`
/// and `run`), or a monitoring check's (id, purpose).
macro_rules! registry {
    (
        own: [$($module:ident),* $(,)?],
        monitors: [$(($id:literal, $purpose:literal)),* $(,)?] $(,)?
    ) => {
        $(pub(crate) mod $module;)*

        /// Every check trailwarden runs, in report order.
        pub static REGISTRY: &[RegisteredCheck] = &[
            $(RegisteredCheck { id: $module::ID, runner: Runner::Own($module::run) },)*
            $(RegisteredCheck { id: $id, runner: Runner::Monitor { purpose: $purpose } },)*
        ];
    };
}

registry! {
    own: [
        audit_coverage,
        cloudtrail_multi_region,
        cloudtrail_organization_trail,
        cloudtrail_insights,
        cloudtrail_s3_data_events_write,
        cloudtrail_s3_data_events_read,
        config_recorder_all_regions,
        cloudtrail_log_file_validation,
        cloudtrail_log_integrity,
        cloudtrail_kms_encryption,
        cloudtrail_kms_key_rotation,
        cloudtrail_cloudwatch_logs,
        cloudtrail_delivery_health,
        cloudtrail_sns_notifications,
        trail_bucket_not_public,
        trail_bucket_access_logging,
        trail_bucket_versioning,
        trail_bucket_mfa_delete,
        trail_bucket_object_lock,
        trail_bucket_retention,
    ],
    // CIS "ensure … is monitored": a metric filter with an alarm notifying
    // a confirmed subscriber, for (check id, what the filter must catch).
    monitors: [
        ("monitor-unauthorized-api-calls", "unauthorized API calls"),
        ("monitor-console-signin-without-mfa", "console sign-ins without MFA"),
        ("monitor-root-usage", "use of the root user"),
        ("monitor-iam-policy-changes", "IAM policy changes"),
        ("monitor-cloudtrail-changes", "CloudTrail configuration changes"),
        ("monitor-console-auth-failures", "failed console authentications"),
        ("monitor-kms-key-deletion", "disabled or scheduled deletion of customer managed KMS keys"),
        ("monitor-s3-bucket-policy-changes", "S3 bucket policy and ACL changes"),
        ("monitor-config-changes", "AWS Config configuration changes"),
        ("monitor-security-group-changes", "security group changes"),
        ("monitor-nacl-changes", "network ACL changes"),
        ("monitor-network-gateway-changes", "network gateway changes"),
        ("monitor-route-table-changes", "route table changes"),
        ("monitor-vpc-changes", "VPC changes"),
        ("monitor-organizations-changes", "AWS Organizations changes"),
    ],
}

/// Whether `check_id` is one of the monitoring checks (CIS "… is
/// monitored"), which an external-SIEM attestation covers.
pub fn is_monitoring(check_id: &str) -> bool {
    REGISTRY
        .iter()
        .any(|c| c.id == check_id && matches!(c.runner, Runner::Monitor { .. }))
}

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
    let mut produced = check.run(cx);
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
