//! `config-recorder-all-regions`: AWS Config's history of resource
//! configurations is what tells an investigator what a resource looked like
//! when an event happened; a region without a recorder has no such history
//! (CIS 3.3, Config.1).

use super::support::{account_resource, not_collected, Assessment, Verdict};
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
        for region in regions {
            let mut a = Assessment::new();
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
}
