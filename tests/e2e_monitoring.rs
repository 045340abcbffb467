//! End-to-end for the CIS monitoring facts: metric filters on the trail's
//! log group, CloudWatch alarms on their metrics, and the subscriptions of
//! the topics those alarms notify, all created through the API in moto
//! (`seed.py monitoring`), collected by the real binary, then judged.

mod common;

use common::*;
use serde_json::Value;

/// The one value of a fact, or a panic naming the error it holds.
fn value<'a>(fact: &'a Value, what: &str) -> &'a Value {
    assert!(fact.get("error").is_none(), "{what} is an error: {fact}");
    &fact["value"]
}

fn names(list: &Value, key: &str) -> Vec<String> {
    let mut v: Vec<String> = list
        .as_array()
        .expect("a list")
        .iter()
        .map(|x| x[key].as_str().unwrap_or_default().to_string())
        .collect();
    v.sort();
    v
}

#[test]
fn filters_alarms_and_subscriptions_are_collected() {
    let moto = Moto::start();
    let seeded = moto.seed("monitoring");
    let snap = collect(&moto.endpoint, &[], FAKE);
    assert_eq!(
        snap["errors"].as_array().map(Vec::len),
        Some(0),
        "{}",
        snap["errors"]
    );

    // Metric filters, read from the trail's log group, pattern kept verbatim.
    let group_arn = seeded["log_group_arn"].as_str().expect("group ARN");
    let group = &snap["log_groups"][group_arn];
    let filters = value(&group["metric_filters"], "metric_filters");
    assert_eq!(
        names(filters, "name"),
        vec!["root-usage", "unauthorized-api-calls"]
    );
    let unauthorized = filters
        .as_array()
        .and_then(|f| f.iter().find(|f| f["name"] == "unauthorized-api-calls"))
        .expect("the unauthorized-API-calls filter");
    assert!(unauthorized["pattern"]
        .as_str()
        .is_some_and(|p| p.contains("$.errorCode =\"*UnauthorizedOperation\"")
            && p.contains("$.eventName!=\"HeadBucket\"")));
    assert_eq!(
        unauthorized["transformations"],
        serde_json::json!([{
            "metric_namespace": "CISBenchmark",
            "metric_name": "UnauthorizedAPICalls",
            "metric_value": "1"
        }])
    );

    // Alarms: read once, only where a trail log group lives (not eu-west-1,
    // which holds the stray alarm).
    let alarms = snap["alarms"].as_object().expect("alarms map");
    let key = format!("{ACCOUNT}/us-east-1");
    assert_eq!(alarms.keys().collect::<Vec<_>>(), vec![&key]);
    let list = value(&alarms[&key], "alarms");
    assert_eq!(
        names(list, "name"),
        vec![
            "root-usage",
            "unauthorized-api-calls",
            "unauthorized-api-calls-math"
        ]
    );
    let by_name = |name: &str| -> &Value {
        list.as_array()
            .and_then(|l| l.iter().find(|a| a["name"] == name))
            .expect("alarm present")
    };
    let single = by_name("unauthorized-api-calls");
    assert_eq!(single["namespace"], "CISBenchmark");
    assert_eq!(single["metric_name"], "UnauthorizedAPICalls");
    assert_eq!(single["actions_enabled"], true);
    assert_eq!(
        single["alarm_actions"],
        serde_json::json!([seeded["alerts_topic"]])
    );
    // What decides whether one event sets the alarm off is collected.
    assert_eq!(single["statistic"], "Sum");
    assert_eq!(
        single["comparison_operator"],
        "GreaterThanOrEqualToThreshold"
    );
    assert_eq!(single["threshold"], 1.0);
    assert_eq!(single["evaluation_periods"], 1);
    let math = by_name("unauthorized-api-calls-math");
    assert_eq!(math["returned"]["id"], "m1");
    assert_eq!(math["returned"]["stat"], "Sum");
    assert_eq!(
        math["returned"]["metric"]["metric_name"],
        "UnauthorizedAPICalls"
    );
    assert_eq!(math["metric_name"], Value::Null);
    assert_eq!(
        math["metrics"],
        serde_json::json!([{
            "metric_namespace": "CISBenchmark",
            "metric_name": "UnauthorizedAPICalls"
        }])
    );
    assert_eq!(
        by_name("root-usage")["alarm_actions"],
        serde_json::json!([seeded["unheard_topic"]])
    );

    // Topics: the alarms' and the trail's own, each with its subscriptions;
    // the stray region's topic is not read.
    let topics = snap["sns_topics"].as_object().expect("topics map");
    let mut topic_arns: Vec<&str> = topics.keys().map(String::as_str).collect();
    topic_arns.sort();
    let mut expected = vec![
        seeded["alerts_topic"].as_str().expect("arn"),
        seeded["topic_arn"].as_str().expect("arn"),
        seeded["unheard_topic"].as_str().expect("arn"),
    ];
    expected.sort();
    assert_eq!(topic_arns, expected);
    let subs = |arn: &Value| -> &Value {
        let topic = &topics[arn.as_str().expect("arn")];
        value(&topic["subscriptions"], "subscriptions")
    };
    let alerts = subs(&seeded["alerts_topic"]).as_array().expect("list");
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0]["protocol"], "sqs");
    assert_eq!(alerts[0]["confirmed"], true);
    assert!(alerts[0]["subscription_arn"]
        .as_str()
        .is_some_and(|a| a.starts_with(&format!(
            "{}:",
            seeded["alerts_topic"].as_str().unwrap_or("?")
        ))));
    assert_eq!(subs(&seeded["unheard_topic"]), &serde_json::json!([]));
    assert_eq!(subs(&seeded["topic_arn"]).as_array().map(Vec::len), Some(1));

    // Nothing fetched twice: one alarm listing, one filter listing, one
    // subscription listing per topic.
    let calls = &snap["stats"]["calls_by_operation"];
    assert_eq!(calls["cloudwatch:DescribeAlarms"], 1);
    assert_eq!(calls["logs:DescribeMetricFilters"], 1);
    assert_eq!(calls["sns:ListSubscriptionsByTopic"], 3);
    assert_eq!(calls["sns:GetTopicAttributes"], 3);
}

/// The verdicts: the unauthorized-API-calls filter, its alarm and its
/// subscribed topic pass; the root-usage alarm's topic has no subscriber,
/// so that check fails; a check with no filter at all fails.
#[test]
fn monitoring_verdicts_follow_filter_alarm_and_subscriber() {
    let moto = Moto::start();
    moto.seed("monitoring");
    let (_code, report) = audit(&moto.endpoint, &[], FAKE);
    assert_eq!(
        report["collection_errors"].as_array().map(Vec::len),
        Some(0)
    );
    assert_eq!(
        statuses(&report, "monitor-unauthorized-api-calls", Some(ACCOUNT)),
        vec!["pass"]
    );
    assert_eq!(
        statuses(&report, "monitor-root-usage", Some(ACCOUNT)),
        vec!["fail"]
    );
    assert_eq!(
        statuses(&report, "monitor-kms-key-deletion", Some(ACCOUNT)),
        vec!["fail"]
    );
    // The failure names what broke: the topic without a subscriber.
    let root = findings(&report, "monitor-root-usage", Some(ACCOUNT));
    let text = serde_json::to_string(root[0]).expect("finding JSON");
    assert!(text.contains("nobody-listens"), "{text}");
}

/// An alarm on the right metric that one matching event cannot set off
/// (threshold 5; three datapoints for the metric-math one) fails, and the
/// evidence says why: the alarm's fields are collected as AWS returns them.
#[test]
fn an_alarm_one_event_cannot_set_off_fails() {
    let moto = Moto::start();
    moto.seed("monitoring");
    let topic = format!("arn:aws:sns:us-east-1:{ACCOUNT}:security-alerts");
    moto.script(
        "call.py",
        &[
            "cloudwatch",
            "put_metric_alarm",
            &format!(
                r#"{{"AlarmName": "unauthorized-api-calls", "EvaluationPeriods": 1, "Threshold": 5.0,
                    "ComparisonOperator": "GreaterThanOrEqualToThreshold", "AlarmActions": ["{topic}"],
                    "Namespace": "CISBenchmark", "MetricName": "UnauthorizedAPICalls",
                    "Statistic": "Sum", "Period": 300}}"#
            ),
        ],
    );
    moto.script(
        "call.py",
        &[
            "cloudwatch",
            "put_metric_alarm",
            &format!(
                r#"{{"AlarmName": "unauthorized-api-calls-math", "EvaluationPeriods": 3, "Threshold": 1.0,
                    "ComparisonOperator": "GreaterThanOrEqualToThreshold", "AlarmActions": ["{topic}"],
                    "Metrics": [{{"Id": "m1", "ReturnData": true, "MetricStat": {{"Metric":
                    {{"Namespace": "CISBenchmark", "MetricName": "UnauthorizedAPICalls"}},
                    "Period": 300, "Stat": "Sum"}}}}]}}"#
            ),
        ],
    );
    let (_code, report) = audit(&moto.endpoint, &[], FAKE);
    let finding = &findings(&report, "monitor-unauthorized-api-calls", Some(ACCOUNT))[0];
    assert_eq!(finding["status"], "fail", "{finding}");
    let text = serde_json::to_string(&evidence(&report, finding)).expect("evidence JSON");
    assert!(
        text.contains("does not cross GreaterThanOrEqualToThreshold 5"),
        "{text}"
    );
    assert!(text.contains("needs 3 breaching datapoints"), "{text}");
}

/// An alarm listing that fails is an error fact, recorded once, and the
/// monitoring checks that needed it are `error`, never `pass`.
#[test]
fn a_failed_alarm_listing_fails_closed() {
    let moto = Moto::start();
    moto.seed("monitoring");
    let proxy = FaultProxy::start(&moto, &["--operation", "DescribeAlarms"]);
    let snap = collect(&proxy.endpoint, &[], FAKE);
    let key = format!("{ACCOUNT}/us-east-1");
    let fact = &snap["alarms"][&key];
    assert!(fact.get("value").is_none(), "{fact}");
    assert_eq!(fact["error"]["operation"], "DescribeAlarms");
    let errors = snap["errors"].as_array().expect("errors");
    assert_eq!(
        errors
            .iter()
            .filter(|e| e["operation"] == "DescribeAlarms")
            .count(),
        1,
        "{errors:?}"
    );
    // The filters were still read.
    let group = &snap["log_groups"].as_object().expect("groups");
    assert!(group
        .values()
        .all(|g| g["metric_filters"].get("value").is_some()));
    let (_code, report) = audit(&proxy.endpoint, &[], FAKE);
    assert_eq!(
        statuses(&report, "monitor-unauthorized-api-calls", Some(ACCOUNT)),
        vec!["error"]
    );
}
