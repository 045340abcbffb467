//! `trailwarden merge`: the JSON reports, or the snapshots, of `--shard K/N`
//! runs combined into one.
//!
//! Snapshots merge exactly (facts are unioned; the merged snapshot is then
//! evaluated like any other). Reports merge their findings and recount every
//! summary and the exit code; shards must have run under the same policy
//! (same `--fail-on`, framework and configuration file), else the merge is
//! refused, since their verdicts would not be comparable.

use crate::checks::Catalog;
use crate::finding::{rename_shared_keys, visit_shared_keys, EvidenceJson, SharedEvidence, Status};
use crate::hashing::sha256_hex;
use crate::policy::{self, WaiverState};
use crate::report::model::{self, Report, ReportBaseline, ReportFinding, Summary};
use crate::snapshot::{Fact, Snapshot};
use anyhow::Result;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Prefers a fact that was read over one that could not be.
fn better<T>(a: Fact<T>, b: Fact<T>) -> Fact<T> {
    match (&a, &b) {
        (Fact::Error(_), Fact::Value(_)) => b,
        _ => a,
    }
}

/// The shards `inputs` lack, from their `--shard K/N`: every input must be
/// a shard of the same N (or none be a shard); the numbers of the missing
/// ones come back (empty: all N are there).
pub fn missing_shards(
    inputs: &[(&str, Option<crate::snapshot::Shard>)],
) -> Result<Vec<u32>, String> {
    let sharded: Vec<(&str, crate::snapshot::Shard)> = inputs
        .iter()
        .filter_map(|(name, s)| s.map(|s| (*name, s)))
        .collect();
    let Some((first, shard)) = sharded.first() else {
        return Ok(Vec::new());
    };
    if let Some((name, _)) = inputs.iter().find(|(_, s)| s.is_none()) {
        return Err(format!(
            "merge: {name} is not a shard, but {first} is shard {}/{}: merge shards of one run",
            shard.index, shard.count
        ));
    }
    if let Some((name, other)) = sharded.iter().find(|(_, s)| s.count != shard.count) {
        return Err(format!(
            "merge: {name} is shard {}/{} but {first} is shard {}/{}: merge shards of one run",
            other.index, other.count, shard.index, shard.count
        ));
    }
    let present: BTreeSet<u32> = sharded.iter().map(|(_, s)| s.index).collect();
    Ok((1..=shard.count).filter(|k| !present.contains(k)).collect())
}

/// Refuses a merge with shards missing unless `allow_partial`.
pub fn require_every_shard(missing: &[u32], count: u32, allow_partial: bool) -> Result<(), String> {
    if missing.is_empty() || allow_partial {
        return Ok(());
    }
    let names: Vec<String> = missing.iter().map(|k| format!("{k}/{count}")).collect();
    Err(format!(
        "merge: shard(s) {} missing: a missing shard is not a smaller organization; give every shard, or --allow-partial to merge anyway (their accounts then fail audit-coverage)",
        names.join(", ")
    ))
}

/// Unions the facts of shard snapshots. An account collected by two inputs
/// means the shards overlap: refused, since which facts are right is unknown.
pub fn merge_snapshots(inputs: Vec<(String, Snapshot)>) -> Result<Snapshot, String> {
    let mut iter = inputs.into_iter();
    let (first_name, mut merged) = iter.next().ok_or("merge: nothing to merge")?;
    let mut owner: BTreeMap<String, String> = merged
        .accounts
        .iter()
        .map(|a| (a.account_id.clone(), first_name.clone()))
        .collect();
    for (name, s) in iter {
        if s.schema_version != merged.schema_version || s.partition != merged.partition {
            return Err(format!(
                "merge: {name} has another snapshot schema or partition than {first_name}"
            ));
        }
        let org = |s: &Snapshot| s.organization.as_ref().map(|o| o.id.clone());
        if org(&s) != org(&merged) || s.scope.mode != merged.scope.mode {
            return Err(format!(
                "merge: {name} is of another organization or scope mode than {first_name}"
            ));
        }
        let management = s
            .organization
            .as_ref()
            .map(|o| o.management_account_id.clone());
        for account in s.accounts {
            // Every shard collects the management account: keep one copy.
            if management.as_deref() == Some(account.account_id.as_str())
                && owner.contains_key(&account.account_id)
            {
                continue;
            }
            if let Some(other) = owner.get(&account.account_id) {
                return Err(format!(
                    "merge: account {} is in both {other} and {name}: the shards overlap",
                    account.account_id
                ));
            }
            owner.insert(account.account_id.clone(), name.clone());
            merged.accounts.push(account);
        }
        for (arn, trail) in s.trails {
            match merged.trails.remove(&arn) {
                None => {
                    merged.trails.insert(arn, trail);
                }
                Some(mut existing) => {
                    let seen: BTreeSet<String> =
                        existing.seen_by.drain(..).chain(trail.seen_by).collect();
                    existing.seen_by = seen.into_iter().collect();
                    existing.config = better(existing.config, trail.config);
                    existing.status = better(existing.status, trail.status);
                    for (region, status) in trail.status_in_regions {
                        let kept = match existing.status_in_regions.remove(&region) {
                            Some(had) => better(had, status),
                            None => status,
                        };
                        existing.status_in_regions.insert(region, kept);
                    }
                    existing.event_selectors =
                        better(existing.event_selectors, trail.event_selectors);
                    existing.insight_selectors =
                        better(existing.insight_selectors, trail.insight_selectors);
                    merged.trails.insert(arn, existing);
                }
            }
        }
        // Shared resources (an organization's log bucket) may be read by
        // several shards: keep a readable copy.
        macro_rules! union {
            ($field:ident) => {
                for (key, value) in s.$field {
                    merged.$field.entry(key).or_insert(value);
                }
            };
        }
        union!(buckets);
        union!(kms_keys);
        union!(log_groups);
        union!(sns_topics);
        for (key, value) in s.alarms {
            let entry = merged.alarms.remove(&key);
            merged.alarms.insert(
                key,
                match entry {
                    Some(existing) => better(existing, value),
                    None => value,
                },
            );
        }
        // Log integrity (audit --verify-logs) is per trail: keep what was
        // verified, preferring a result over an error.
        if let Some(theirs) = s.log_integrity {
            let mine = merged.log_integrity.get_or_insert_with(BTreeMap::new);
            for (arn, fact) in theirs {
                let entry = match mine.remove(&arn) {
                    Some(existing) => better(existing, fact),
                    None => fact,
                };
                mine.insert(arn, entry);
            }
        }
        merged.errors.extend(s.errors);
        merged.stats.api_calls += s.stats.api_calls;
        for (op, n) in s.stats.calls_by_operation {
            *merged.stats.calls_by_operation.entry(op).or_insert(0) += n;
        }
        merged.stats.duration_ms = merged.stats.duration_ms.max(s.stats.duration_ms);
        // Judged at the latest collection: deliveries read earlier look
        // older, never fresher (fail closed).
        merged.collected_at = merged.collected_at.max(s.collected_at);
        merged.scope.accounts.extend(s.scope.accounts);
    }
    merged
        .accounts
        .sort_by(|a, b| a.account_id.cmp(&b.account_id));
    merged.scope.accounts.sort();
    merged.scope.accounts.dedup();
    merged.errors.sort_by(|a, b| {
        (&a.account_id, &a.region, &a.service, &a.operation).cmp(&(
            &b.account_id,
            &b.region,
            &b.service,
            &b.operation,
        ))
    });
    merged.errors.dedup();
    merged.scope.shard = None;
    Ok(merged)
}

fn key(f: &ReportFinding) -> policy::FindingKey {
    policy::key_of(&f.check_id, &f.account_id, f.region.as_deref(), &f.resource)
}

/// Merges shard reports: findings are concatenated, and every count, the
/// per-control view, the waiver states and the exit code are recomputed.
/// No order of the inputs changes the result: a finding several inputs
/// hold keeps the worst verdict (fail > error > waived > pass >
/// not_applicable, [`model::badness`]), its evidence listing every input's
/// verdict when they disagree; shared evidence that differs between inputs
/// is kept apart under content-derived keys; findings come out in the
/// catalog's order.
pub fn merge_reports(
    inputs: Vec<(String, Report, String)>,
    missing: &[crate::snapshot::Shard],
    catalog: &Catalog,
) -> Result<Report, String> {
    let renames = conflicting_shared_evidence(&inputs);
    let mut iter = inputs.into_iter();
    let (first_name, first, first_sha) = iter.next().ok_or("merge: nothing to merge")?;
    let mut merged = Report {
        findings: Vec::new(),
        shared_evidence: BTreeMap::new(),
        ..first.clone()
    };
    let mut shas = Vec::new();
    let mut index: BTreeMap<policy::FindingKey, usize> = BTreeMap::new();
    // Every input's verdict of a finding more than one input holds, by
    // position of the input; the input each finding was first seen in.
    let mut verdicts: BTreeMap<usize, Vec<(usize, Status, String)>> = BTreeMap::new();
    let mut first_seen_in: Vec<usize> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let rest = std::iter::once((first_name.clone(), first, first_sha)).chain(iter);
    for (position, (name, r, sha)) in rest.enumerate() {
        let policy_of = |r: &Report| {
            (
                r.fail_on,
                r.policy.framework.clone(),
                r.policy.fail_on_new,
                r.policy.config.as_ref().map(|c| c.sha256.clone()),
                r.baseline.as_ref().map(|b| b.sha256.clone()),
            )
        };
        if policy_of(&r) != policy_of(&merged) {
            return Err(format!(
                "merge: {name} was produced under another policy than {first_name} \
                 (--fail-on, --framework, --fail-on-new, configuration file or baseline differ)"
            ));
        }
        shas.push(sha);
        names.push(name.clone());
        for (id, check) in r.checks {
            merged.checks.entry(id).or_insert(check);
        }
        let renamed = &renames[position];
        for (key, shared) in r.shared_evidence {
            let key = renamed.get(&key).cloned().unwrap_or(key);
            merged
                .shared_evidence
                .entry(key.clone())
                .or_insert_with(|| {
                    Arc::new(SharedEvidence {
                        key,
                        json: shared.json.clone(),
                    })
                });
        }
        for mut finding in r.findings {
            if !renamed.is_empty() {
                let mut evidence = finding.evidence.value();
                rename_shared_keys(&mut evidence, renamed);
                finding.evidence = EvidenceJson::of(&evidence);
            }
            let k = key(&finding);
            match index.get(&k) {
                Some(&i) => {
                    let kept = &merged.findings[i];
                    verdicts
                        .entry(i)
                        .or_insert_with(|| {
                            vec![(first_seen_in[i], kept.status, kept.message.clone())]
                        })
                        .push((position, finding.status, finding.message.clone()));
                    if rank(&finding) > rank(kept) {
                        merged.findings[i] = finding;
                    }
                }
                None => {
                    index.insert(k, merged.findings.len());
                    merged.findings.push(finding);
                    first_seen_in.push(position);
                }
            }
        }
        if position == 0 {
            merged.collection_errors = r.collection_errors;
            merged.scope.accounts = r.scope.accounts;
            merged.scope.regions = r.scope.regions;
            merged.policy.waivers = r.policy.waivers;
            merged.baseline = r.baseline;
            continue;
        }
        merged.collection_errors.extend(r.collection_errors);
        merged.scope.accounts.extend(r.scope.accounts);
        merged.scope.regions.extend(r.scope.regions);
        merged.generated_at = merged.generated_at.max(r.generated_at);
        merged.snapshot.collected_at = merged.snapshot.collected_at.max(r.snapshot.collected_at);
        for (mine, theirs) in merged.policy.waivers.iter_mut().zip(r.policy.waivers) {
            mine.matched += theirs.matched;
            // Stale only if stale everywhere; expiring or expired states
            // are the same in every shard (same dates, same day).
            if mine.state == WaiverState::Stale {
                mine.state = theirs.state;
            }
        }
        if let (Some(mine), Some(theirs)) = (merged.baseline.as_mut(), r.baseline) {
            mine.no_longer_reported.extend(theirs.no_longer_reported);
        }
    }
    // Where inputs disagreed on a verdict, the evidence says so.
    for (i, mut list) in verdicts {
        if list.iter().all(|(_, status, _)| *status == list[0].1) {
            continue;
        }
        list.sort_by(|a, b| {
            (std::cmp::Reverse(model::badness(a.1)), &a.2, &names[a.0]).cmp(&(
                std::cmp::Reverse(model::badness(b.1)),
                &b.2,
                &names[b.0],
            ))
        });
        let finding = &mut merged.findings[i];
        let mut evidence = finding.evidence.value();
        if !evidence.is_object() {
            evidence = serde_json::json!({ "value": evidence });
        }
        evidence["merge_disagreement"] = serde_json::json!(list
            .iter()
            .map(|(input, status, message)| serde_json::json!({
                "input": names[*input],
                "status": status,
                "message": message,
            }))
            .collect::<Vec<_>>());
        finding.evidence = EvidenceJson::of(&evidence);
    }
    for list in [&mut merged.scope.accounts, &mut merged.scope.regions] {
        list.sort();
        list.dedup();
    }
    merged.collection_errors.sort_by(|a, b| {
        (&a.account_id, &a.region, &a.service, &a.operation, &a.code).cmp(&(
            &b.account_id,
            &b.region,
            &b.service,
            &b.operation,
            &b.code,
        ))
    });
    merged.collection_errors.dedup();
    // A baseline failure is "no longer reported" only if no shard reports it.
    if let Some(baseline) = merged.baseline.as_mut() {
        let mut seen = BTreeSet::new();
        baseline
            .no_longer_reported
            .retain(|f| !index.contains_key(&key(f)) && seen.insert(key(f)));
        baseline.no_longer_reported.sort_by_key(key);
    }
    // A shard left out with --allow-partial: its accounts were not audited,
    // and the report says so where coverage is judged.
    merged.scope.shard = None;
    let coverage = crate::checks::audit_coverage::ID;
    let holder = merged
        .scope
        .management_account_id
        .clone()
        .unwrap_or_else(|| "unknown".to_string());
    for shard in missing {
        merged.findings.push(ReportFinding {
            check_id: coverage.to_string(),
            severity: catalog
                .get(coverage)
                .map_or(crate::finding::Severity::High, |m| m.severity),
            status: Status::Fail,
            account_id: holder.clone(),
            region: None,
            resource: format!("shard {}/{}", shard.index, shard.count),
            message: format!(
                "shard {}/{} is missing from this merge (--allow-partial): the accounts it holds were not audited",
                shard.index, shard.count
            ),
            evidence: EvidenceJson::of(&serde_json::json!({
                "missing_shard": { "index": shard.index, "count": shard.count },
            })),
            waiver: None,
            change: None,
        });
    }
    // The catalog's order, as in a report of one run.
    let position = |id: &str| {
        catalog
            .all()
            .iter()
            .position(|m| m.id == id)
            .unwrap_or(usize::MAX)
    };
    merged.findings.sort_by(|a, b| {
        (
            position(&a.check_id),
            &a.check_id,
            &a.account_id,
            &a.resource,
            &a.region,
        )
            .cmp(&(
                position(&b.check_id),
                &b.check_id,
                &b.account_id,
                &b.resource,
                &b.region,
            ))
    });
    // Shared evidence only the dropped duplicates referred to goes too.
    let mut referenced = BTreeSet::new();
    for f in &merged.findings {
        visit_shared_keys(&f.evidence.value(), &mut |key| {
            referenced.insert(key.to_string());
        });
    }
    merged
        .shared_evidence
        .retain(|key, _| referenced.contains(key));
    // The report's snapshot is now several: name them all by one digest.
    shas.sort();
    merged.snapshot.sha256 = sha256_hex(shas.join("\n").as_bytes());
    recount(&mut merged, catalog);
    Ok(merged)
}

/// How a finding ranks among several inputs' copies: its verdict's
/// badness, then its words and evidence, so that the choice between two
/// copies never depends on which input came first.
fn rank(f: &ReportFinding) -> (u8, std::cmp::Reverse<(&str, &str)>) {
    (
        model::badness(f.status),
        std::cmp::Reverse((f.message.as_str(), f.evidence.text())),
    )
}

/// For each input, the shared-evidence keys it must rename: a key that
/// inputs fill with different evidence (shards that judged an organization
/// trail at different times) is kept apart as `KEY#<digest of the
/// evidence>` in every input, so the names do not depend on input order.
fn conflicting_shared_evidence(
    inputs: &[(String, Report, String)],
) -> Vec<BTreeMap<String, String>> {
    let mut versions: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (_, report, _) in inputs {
        for (key, shared) in &report.shared_evidence {
            versions
                .entry(key.as_str())
                .or_default()
                .insert(shared.json.text());
        }
    }
    inputs
        .iter()
        .map(|(_, report, _)| {
            report
                .shared_evidence
                .iter()
                .filter(|(key, _)| versions.get(key.as_str()).is_some_and(|v| v.len() > 1))
                .map(|(key, shared)| {
                    let digest = sha256_hex(shared.json.text().as_bytes());
                    (key.clone(), format!("{key}#{}", &digest[..12]))
                })
                .collect()
        })
        .collect()
}

/// Recomputes every figure derived from the findings.
fn recount(report: &mut Report, catalog: &Catalog) {
    report.summary = Summary::of(&report.findings);
    if let Some(key) = report.policy.framework.clone() {
        report.framework = Some(crate::report::assemble::framework_summary(
            &key,
            &report.findings,
            catalog,
            &report.policy,
        ));
    }
    if let Some(baseline) = report.baseline.as_mut() {
        let count = |c: policy::Change| {
            report
                .findings
                .iter()
                .filter(|f| f.change == Some(c))
                .count()
        };
        *baseline = ReportBaseline {
            new: count(policy::Change::New),
            unchanged: count(policy::Change::Unchanged),
            resolved: count(policy::Change::Resolved) + baseline.no_longer_reported.len(),
            ..baseline.clone()
        };
    }
    for w in report.policy.waivers.iter_mut() {
        if w.state != WaiverState::Expired && w.state != WaiverState::NotEvaluated && w.matched == 0
        {
            w.state = WaiverState::Stale;
        }
    }
    report.exit_code = policy::outcome_of(
        report
            .findings
            .iter()
            .map(|f| (f.status, f.severity, f.change)),
        report.fail_on,
        report.policy.fail_on_new,
    )
    .code();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::finding::Severity;
    use crate::report::assemble::{assemble_report, Gate};

    const ORG_TRAIL: &str = "arn:aws:cloudtrail:us-east-1:111111111111:trail/org-trail";

    fn demo() -> Snapshot {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/demo-org.snapshot.json"
        );
        Snapshot::from_slice(&std::fs::read(path).unwrap(), path).unwrap()
    }

    /// The demo's report, keeping only `account`'s findings (one shard).
    fn shard(snapshot: &Snapshot, account: &str) -> Report {
        let now = snapshot.collected_at;
        let gate = Gate::with_fail_on(Severity::Low);
        let (mut report, _) = assemble_report(snapshot, "00", &gate, &Config::default(), now);
        report.findings.retain(|f| f.account_id == account);
        report.scope.accounts = vec![account.to_string()];
        report
    }

    fn resolved(report: &Report, check: &str, account: &str) -> serde_json::Value {
        let f = report
            .findings
            .iter()
            .find(|f| f.check_id == check && f.account_id == account)
            .unwrap();
        report.evidence_of(f)
    }

    /// Two shards judged the organization trail differently (it was renamed
    /// between their runs): each account keeps the evidence its own shard
    /// saw, under a renamed key, and evidence no finding refers to is gone.
    #[test]
    fn conflicting_shared_evidence_is_kept_apart_and_unused_evidence_dropped() {
        let first = demo();
        let mut second = demo();
        second.trails.get_mut(ORG_TRAIL).unwrap().name = "org-trail-renamed".into();
        let a = shard(&first, "111111111111");
        let b = shard(&second, "222222222222");
        let check = "cloudtrail-log-file-validation";
        let (want_a, want_b) = (
            resolved(&a, check, "111111111111"),
            resolved(&b, check, "222222222222"),
        );
        assert_ne!(want_a, want_b);
        let merged = merge_reports(
            vec![("a".into(), a, "aa".into()), ("b".into(), b, "bb".into())],
            &[],
            Catalog::embedded(),
        )
        .unwrap();
        assert_eq!(resolved(&merged, check, "111111111111"), want_a);
        assert_eq!(resolved(&merged, check, "222222222222"), want_b);
        // Both versions under content-derived keys, whatever the order.
        let key = format!("{check}:{ORG_TRAIL}");
        let versions: Vec<&String> = merged
            .shared_evidence
            .keys()
            .filter(|k| k.starts_with(&format!("{key}#")))
            .collect();
        assert_eq!(versions.len(), 2, "{versions:?}");
        assert!(!merged.shared_evidence.contains_key(&key));
        // Every entry is referred to by some finding.
        let mut referenced = BTreeSet::new();
        for f in &merged.findings {
            visit_shared_keys(&f.evidence.value(), &mut |k| {
                referenced.insert(k.to_string());
            });
        }
        let keys: BTreeSet<String> = merged.shared_evidence.keys().cloned().collect();
        assert_eq!(keys, referenced);
        // The workload account's trail was in neither shard.
        assert!(!keys.iter().any(|k| k.contains("333333333333")));
    }

    /// Issue 14, item 8: swapping the inputs changed the fail count. Every
    /// permutation of three inputs now gives the same report, a finding two
    /// inputs judged differently keeps the worst verdict, and its evidence
    /// names every input's verdict.
    #[test]
    fn no_order_of_the_inputs_changes_the_merged_report() {
        let snapshot = demo();
        let management = "111111111111";
        let mut a = shard(&snapshot, management);
        let b = shard(&snapshot, "222222222222");
        let mut c = shard(&snapshot, management);
        c.findings.extend(shard(&snapshot, "333333333333").findings);
        // The management account is in every shard; one shard saw a check
        // pass that another saw fail, a third could not read.
        let check = "cloudtrail-log-file-validation";
        let at = |r: &Report| {
            r.findings
                .iter()
                .position(|f| f.check_id == check && f.account_id == management)
                .unwrap()
        };
        let (ia, ic) = (at(&a), at(&c));
        a.findings[ia].status = Status::Pass;
        a.findings[ia].message = "passed in shard a".into();
        c.findings[ic].status = Status::Error;
        c.findings[ic].message = "unreadable in shard c".into();
        let mut b = b;
        b.findings.push({
            let mut f = c.findings[ic].clone();
            f.status = Status::Fail;
            f.message = "failed in shard b".into();
            f
        });
        let inputs = [("a", a), ("b", b), ("c", c)];
        let orders = [
            [0, 1, 2],
            [0, 2, 1],
            [1, 0, 2],
            [1, 2, 0],
            [2, 0, 1],
            [2, 1, 0],
        ];
        let mut outputs = BTreeSet::new();
        for order in orders {
            let list = order
                .iter()
                .map(|&i| {
                    let (name, report) = &inputs[i];
                    (name.to_string(), report.clone(), format!("sha-{name}"))
                })
                .collect();
            let merged = merge_reports(list, &[], Catalog::embedded()).unwrap();
            let f = merged
                .findings
                .iter()
                .find(|f| f.check_id == check && f.account_id == management)
                .unwrap();
            assert_eq!(f.status, Status::Fail, "the worst verdict is kept");
            let told = &f.evidence.value()["merge_disagreement"];
            let statuses: Vec<&str> = told
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v["status"].as_str().unwrap())
                .collect();
            assert_eq!(statuses, ["fail", "error", "pass"], "{told}");
            outputs.insert(crate::report::json::render(&merged));
        }
        assert_eq!(outputs.len(), 1, "every order gives the same report");
    }

    #[test]
    fn every_shard_is_required() {
        use crate::snapshot::Shard;
        let shard = |index| Some(Shard { index, count: 3 });
        assert_eq!(
            missing_shards(&[("a", shard(1)), ("b", shard(3))]),
            Ok(vec![2])
        );
        assert_eq!(
            missing_shards(&[("a", shard(1)), ("b", shard(2)), ("c", shard(3))]),
            Ok(vec![])
        );
        assert_eq!(missing_shards(&[("a", None), ("b", None)]), Ok(vec![]));
        assert!(missing_shards(&[("a", shard(1)), ("b", None)])
            .unwrap_err()
            .contains("b is not a shard"));
        let other = Some(Shard { index: 2, count: 4 });
        assert!(missing_shards(&[("a", shard(1)), ("b", other)])
            .unwrap_err()
            .contains("shard 2/4"));
        let refused = require_every_shard(&[2], 3, false).unwrap_err();
        assert!(refused.contains("shard(s) 2/3 missing"), "{refused}");
        assert!(require_every_shard(&[2], 3, true).is_ok());
    }
}
