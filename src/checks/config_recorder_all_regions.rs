//! `config-recorder-all-regions`: AWS Config's history of resource
//! configurations is what tells an investigator what a resource looked like
//! when an event happened; a region without a recorder has no such history
//! (CIS 3.3, Config.1). The global IAM resource types (users, groups, roles,
//! customer managed policies) must be recorded in at least one region: the
//! account's finding in its global region (`--region`) fails otherwise.

use super::assessment::Assessment;
use super::support::{account_resource, not_collected, Verdict};
use super::Context;
use crate::finding::Finding;
use crate::snapshot::{ConfigFacts, ConfigRecorder};

pub const ID: &str = "config-recorder-all-regions";

pub fn run(cx: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    for account in cx.accounts() {
        let account_id = account.account_id.as_str();
        let resource = account_resource(cx, account_id);
        let regions = match account.regions.as_result() {
            Ok(regions) => regions,
            Err(e) => {
                findings.push(
                    Verdict::error("the account's regions", e)
                        .into_finding(ID, account_id, &resource),
                );
                continue;
            }
        };
        let global_region = cx.snapshot.scope.global_region.as_str();
        let global = global_iam_recording(account, regions);
        if !regions.iter().any(|r| r == global_region) {
            // The global region is not audited: its finding holds only the
            // requirement that some audited region records IAM types.
            let mut a = Assessment::new();
            global.apply(&mut a);
            findings.push(
                a.into_verdict(
                    "a recorder in an audited region records the global IAM resource types",
                )
                .into_finding(ID, account_id, &resource)
                .in_region(global_region.to_string()),
            );
        }
        for region in regions {
            let mut a = Assessment::new();
            if region == global_region {
                global.apply(&mut a);
            }
            match account.config.get(region) {
                None => a.unknown(
                    "AWS Config in this region",
                    not_collected(
                        account_id,
                        Some(region),
                        "config",
                        "DescribeConfigurationRecorders",
                        "AWS Config in this region",
                    ),
                ),
                Some(fact) => {
                    if let Some(config) = a.read(fact, "AWS Config in this region") {
                        assess(&mut a, config);
                    }
                }
            }
            let verdict = a.into_verdict(
                "a configuration recorder records all supported resource types, is recording, and has a delivery channel",
            );
            findings.push(
                verdict
                    .into_finding(ID, account_id, &resource)
                    .in_region(region.clone()),
            );
        }
    }
    findings
}

/// The global IAM resource types AWS Config can record (IAM users, groups,
/// roles and customer managed policies; AWS Config API reference,
/// RecordingGroup).
const IAM_RESOURCE_TYPES: [&str; 4] = [
    "AWS::IAM::User",
    "AWS::IAM::Group",
    "AWS::IAM::Role",
    "AWS::IAM::Policy",
];

/// Regions where AWS Config became available after February 2022: they
/// cannot record the global IAM resource types (AWS Config API reference,
/// ExclusionByResourceTypes; developer guide, "Recording global
/// resources"), so they are never asked to.
const REGIONS_WITHOUT_GLOBAL_IAM: [&str; 12] = [
    "ap-south-2",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ap-east-2",
    "eu-central-2",
    "eu-south-2",
    "me-central-1",
    "il-central-1",
    "ca-west-1",
    "mx-central-1",
];

/// Whether one recorder records the IAM types: `ALL_SUPPORTED` with
/// `includeGlobalResourceTypes`; the exclusion strategy unless it excludes
/// one; the inclusion strategy when it lists them all.
fn records_iam_types(recorder: &ConfigRecorder) -> bool {
    match recorder.recording_strategy.as_deref() {
        Some("EXCLUSION_BY_RESOURCE_TYPES") => IAM_RESOURCE_TYPES
            .iter()
            .all(|t| !recorder.excluded_resource_types.iter().any(|e| e == t)),
        Some("INCLUSION_BY_RESOURCE_TYPES") => IAM_RESOURCE_TYPES
            .iter()
            .all(|t| recorder.resource_types.iter().any(|r| r == t)),
        Some("ALL_SUPPORTED_RESOURCE_TYPES") => recorder.include_global_resource_types,
        Some(_) => false,
        None if recorder.all_supported => recorder.include_global_resource_types,
        None => IAM_RESOURCE_TYPES
            .iter()
            .all(|t| recorder.resource_types.iter().any(|r| r == t)),
    }
}

/// Whether some audited region of the account records the IAM types with
/// a recording recorder, and each region's setting as evidence.
struct GlobalIamRecording {
    recorded_in: Vec<String>,
    settings: serde_json::Map<String, serde_json::Value>,
    unknown: Option<crate::snapshot::CollectionError>,
}

impl GlobalIamRecording {
    fn apply(&self, a: &mut Assessment) {
        a.note(
            "global_iam_resource_types",
            serde_json::json!({
                "recorded_in": self.recorded_in,
                "by_region": self.settings,
            }),
        );
        if !self.recorded_in.is_empty() {
            return;
        }
        match &self.unknown {
            Some(e) => a.unknown("whether any region records the global IAM resource types", e.clone()),
            None => a.fail(
                "no audited region's recorder records the global IAM resource types (users, groups, roles, policies)",
            ),
        }
    }
}

fn global_iam_recording(
    account: &crate::snapshot::AccountFacts,
    regions: &[String],
) -> GlobalIamRecording {
    let mut out = GlobalIamRecording {
        recorded_in: Vec::new(),
        settings: serde_json::Map::new(),
        unknown: None,
    };
    for region in regions {
        if REGIONS_WITHOUT_GLOBAL_IAM.contains(&region.as_str()) {
            out.settings.insert(
                region.clone(),
                serde_json::json!("cannot record global IAM types (AWS Config came to this region after February 2022)"),
            );
            continue;
        }
        match account.config.get(region) {
            Some(crate::snapshot::Fact::Value(config)) => {
                let recording = |name: &str| {
                    config
                        .recorder_statuses
                        .iter()
                        .any(|s| s.name == name && s.recording)
                };
                let records = config
                    .recorders
                    .iter()
                    .any(|r| records_iam_types(r) && recording(&r.name));
                let setting: Vec<serde_json::Value> = config
                    .recorders
                    .iter()
                    .map(|r| {
                        serde_json::json!({
                            "recorder": r.name,
                            "recording": recording(&r.name),
                            "records_iam_types": records_iam_types(r),
                            "recording_strategy": r.recording_strategy,
                            "all_supported": r.all_supported,
                            "include_global_resource_types": r.include_global_resource_types,
                        })
                    })
                    .collect();
                out.settings
                    .insert(region.clone(), serde_json::json!(setting));
                if records {
                    out.recorded_in.push(region.clone());
                }
            }
            Some(crate::snapshot::Fact::Error(e)) => {
                out.settings
                    .insert(region.clone(), serde_json::json!({ "collection_error": e }));
                out.unknown.get_or_insert_with(|| e.clone());
            }
            None => {
                out.unknown.get_or_insert_with(|| {
                    not_collected(
                        &account.account_id,
                        Some(region),
                        "config",
                        "DescribeConfigurationRecorders",
                        "AWS Config in this region",
                    )
                });
            }
        }
    }
    out
}

/// Whether a recorder records every supported resource type: the
/// recording strategy, when set, decides; exclusions never do.
fn records_all_types(recorder: &ConfigRecorder) -> bool {
    let all = match recorder.recording_strategy.as_deref() {
        Some(strategy) => strategy == "ALL_SUPPORTED_RESOURCE_TYPES",
        None => recorder.all_supported,
    };
    all && recorder.excluded_resource_types.is_empty()
}

fn assess(a: &mut Assessment, config: &ConfigFacts) {
    a.note("recorders", &config.recorders);
    a.note("recorder_statuses", &config.recorder_statuses);
    a.note("delivery_channels", &config.delivery_channels);
    if !a.require(!config.recorders.is_empty(), "no configuration recorder") {
        a.require(!config.delivery_channels.is_empty(), "no delivery channel");
        return;
    }
    // A region passes on one recorder meeting every condition; otherwise
    // the problems of every recorder are reported.
    let mut problems_by_recorder = Vec::new();
    for recorder in &config.recorders {
        let mut problems = Vec::new();
        if !records_all_types(recorder) {
            if recorder.excluded_resource_types.is_empty() {
                problems.push(format!(
                    "recorder {} does not record all supported resource types",
                    recorder.name
                ));
            } else {
                problems.push(format!(
                    "recorder {} excludes {}",
                    recorder.name,
                    recorder.excluded_resource_types.join(", ")
                ));
            }
        }
        match config
            .recorder_statuses
            .iter()
            .find(|s| s.name == recorder.name)
        {
            None => problems.push(format!("recorder {} has no status", recorder.name)),
            Some(status) => {
                if !status.recording {
                    problems.push(format!("recorder {} is not recording", recorder.name));
                }
                if status
                    .last_status
                    .as_deref()
                    .is_some_and(|s| s.eq_ignore_ascii_case("failure"))
                {
                    problems.push(format!(
                        "recorder {} last failed: {} {}",
                        recorder.name,
                        status.last_error_code.as_deref().unwrap_or("-"),
                        status.last_error_message.as_deref().unwrap_or("")
                    ));
                }
            }
        }
        if problems.is_empty() {
            problems_by_recorder.clear();
            break;
        }
        problems_by_recorder.extend(problems);
    }
    for problem in problems_by_recorder {
        a.fail(problem);
    }
    a.require(!config.delivery_channels.is_empty(), "no delivery channel");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::finding::Status;
    use crate::snapshot::{Fact, Snapshot};

    fn config_mut(s: &mut Snapshot) -> &mut ConfigFacts {
        match s.accounts[0].config.get_mut(REGION) {
            Some(Fact::Value(c)) => c,
            _ => panic!("fixture has AWS Config facts"),
        }
    }

    fn regions(findings: &[Finding]) -> Vec<(Option<String>, Status)> {
        findings
            .iter()
            .map(|f| (f.region.clone(), f.status))
            .collect()
    }

    #[test]
    fn passes_a_region_with_a_good_recorder() {
        let findings = run_check(super::run, &single_account());
        assert_eq!(
            regions(&findings),
            vec![(Some(REGION.to_string()), Status::Pass)]
        );
        assert_eq!(findings[0].evidence["recorders"][0]["name"], "default");
    }

    #[test]
    fn one_finding_per_audited_region() {
        let mut s = single_account();
        s.accounts[0].regions = Fact::Value(vec![REGION.to_string(), "eu-west-1".to_string()]);
        s.accounts[0].config.insert(
            "eu-west-1".to_string(),
            Fact::Value(ConfigFacts {
                recorders: vec![],
                recorder_statuses: vec![],
                delivery_channels: vec![],
            }),
        );
        let findings = run_check(super::run, &s);
        let mut got = regions(&findings);
        got.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            got,
            vec![
                (Some("eu-west-1".to_string()), Status::Fail),
                (Some(REGION.to_string()), Status::Pass)
            ]
        );
    }

    #[test]
    fn fails_without_a_recorder() {
        let mut s = single_account();
        config_mut(&mut s).recorders.clear();
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Fail);
        assert!(findings[0].message.contains("no configuration recorder"));
    }

    #[test]
    fn fails_a_recorder_of_some_types_or_with_exclusions() {
        let mut s = single_account();
        let recorder = &mut config_mut(&mut s).recorders[0];
        recorder.all_supported = false;
        recorder.recording_strategy = Some("INCLUSION_BY_RESOURCE_TYPES".to_string());
        recorder.resource_types = vec!["AWS::EC2::Instance".to_string()];
        assert_eq!(run_check(super::run, &s)[0].status, Status::Fail);

        let mut s = single_account();
        let recorder = &mut config_mut(&mut s).recorders[0];
        recorder.recording_strategy = Some("EXCLUSION_BY_RESOURCE_TYPES".to_string());
        recorder.excluded_resource_types = vec!["AWS::IAM::Role".to_string()];
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Fail);
        assert!(
            findings[0].message.contains("AWS::IAM::Role"),
            "{}",
            findings[0].message
        );
    }

    #[test]
    fn all_supported_without_a_strategy_passes() {
        let mut s = single_account();
        config_mut(&mut s).recorders[0].recording_strategy = None;
        assert_eq!(run_check(super::run, &s)[0].status, Status::Pass);
    }

    #[test]
    fn fails_a_stopped_or_failing_recorder_or_no_delivery_channel() {
        let mut s = single_account();
        config_mut(&mut s).recorder_statuses[0].recording = false;
        assert_eq!(run_check(super::run, &s)[0].status, Status::Fail);

        let mut s = single_account();
        let status = &mut config_mut(&mut s).recorder_statuses[0];
        status.last_status = Some("Failure".to_string());
        status.last_error_code = Some("NoSuchBucket".to_string());
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Fail);
        assert!(findings[0].message.contains("NoSuchBucket"));

        let mut s = single_account();
        config_mut(&mut s).delivery_channels.clear();
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Fail);
        assert!(findings[0].message.contains("delivery channel"));
    }

    #[test]
    fn errors_when_config_is_unreadable_or_not_collected() {
        let mut s = single_account();
        s.accounts[0].config.insert(
            REGION.to_string(),
            Fact::Error(access_denied(
                ACCOUNT,
                "config",
                "DescribeConfigurationRecorders",
            )),
        );
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Error);
        assert_eq!(
            findings[0].evidence["collection_error"]["code"],
            "AccessDenied"
        );

        let mut s = single_account();
        s.accounts[0].config.clear();
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Error);
        assert_eq!(
            findings[0].evidence["collection_error"]["code"],
            "NotCollected"
        );
    }

    #[test]
    fn errors_once_per_account_when_regions_are_unknown() {
        let mut s = single_account();
        s.accounts[0].regions = Fact::Error(access_denied(ACCOUNT, "sts", "AssumeRole"));
        let findings = run_check(super::run, &s);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].status, Status::Error);
        assert_eq!(findings[0].region, None);
    }

    #[test]
    fn every_account_of_an_organization_is_judged() {
        let findings = run_check(super::run, &organization(true));
        assert_eq!(
            statuses(&findings),
            vec![
                (ACCOUNT.to_string(), Status::Pass),
                (MEMBER.to_string(), Status::Pass)
            ]
        );
    }

    /// No audited region records the IAM types: the global region fails,
    /// naming each region's setting; another region recording them is
    /// enough; a post-2022 region is never asked to.
    #[test]
    fn the_global_iam_types_must_be_recorded_somewhere() {
        let mut s = single_account();
        config_mut(&mut s).recorders[0].include_global_resource_types = false;
        let findings = run_check(super::run, &s);
        assert_eq!(findings[0].status, Status::Fail);
        assert!(
            findings[0].message.contains("global IAM resource types"),
            "{}",
            findings[0].message
        );
        assert_eq!(
            findings[0].evidence["global_iam_resource_types"]["by_region"][REGION][0]
                ["records_iam_types"],
            false
        );
        // Recorded in another audited region: the global region passes.
        let mut other = config_mut(&mut s).clone();
        other.recorders[0].include_global_resource_types = true;
        s.accounts[0].regions = Fact::Value(vec![REGION.to_string(), "eu-west-1".to_string()]);
        s.accounts[0]
            .config
            .insert("eu-west-1".to_string(), Fact::Value(other.clone()));
        let findings = run_check(super::run, &s);
        assert!(
            findings.iter().all(|f| f.status == Status::Pass),
            "{findings:#?}"
        );
        assert_eq!(
            findings[0].evidence["global_iam_resource_types"]["recorded_in"],
            serde_json::json!(["eu-west-1"])
        );
        // A region that cannot record them does not count.
        s.accounts[0].config.remove("eu-west-1");
        s.accounts[0].regions = Fact::Value(vec![REGION.to_string(), "me-central-1".to_string()]);
        s.accounts[0]
            .config
            .insert("me-central-1".to_string(), Fact::Value(other));
        let findings = run_check(super::run, &s);
        let global: Vec<_> = findings
            .iter()
            .filter(|f| f.region.as_deref() == Some(REGION))
            .collect();
        assert_eq!(global[0].status, Status::Fail);
    }

    #[test]
    fn the_recording_strategies_decide_which_record_iam_types() {
        let mut r = ConfigRecorder {
            name: "default".into(),
            role_arn: None,
            all_supported: false,
            include_global_resource_types: false,
            recording_strategy: Some("EXCLUSION_BY_RESOURCE_TYPES".into()),
            resource_types: Vec::new(),
            excluded_resource_types: vec!["AWS::EC2::Instance".into()],
        };
        assert!(records_iam_types(&r));
        r.excluded_resource_types.push("AWS::IAM::Role".into());
        assert!(!records_iam_types(&r));
        r.recording_strategy = Some("INCLUSION_BY_RESOURCE_TYPES".into());
        r.resource_types = IAM_RESOURCE_TYPES.iter().map(|t| t.to_string()).collect();
        assert!(records_iam_types(&r));
        r.resource_types.pop();
        assert!(!records_iam_types(&r));
        r.recording_strategy = Some("ALL_SUPPORTED_RESOURCE_TYPES".into());
        assert!(!records_iam_types(&r));
        r.include_global_resource_types = true;
        assert!(records_iam_types(&r));
    }

    /// The global region is not audited: a finding of its own holds the
    /// requirement.
    #[test]
    fn an_unaudited_global_region_gets_its_own_finding() {
        let mut s = single_account();
        s.scope.global_region = "us-west-2".to_string();
        let findings = run_check(super::run, &s);
        assert_eq!(findings.len(), 2);
        let global: Vec<_> = findings
            .iter()
            .filter(|f| f.region.as_deref() == Some("us-west-2"))
            .collect();
        assert_eq!(global[0].status, Status::Pass);
        config_mut(&mut s).recorders[0].include_global_resource_types = false;
        let findings = run_check(super::run, &s);
        let global: Vec<_> = findings
            .iter()
            .filter(|f| f.region.as_deref() == Some("us-west-2"))
            .collect();
        assert_eq!(global[0].status, Status::Fail);
    }
}
