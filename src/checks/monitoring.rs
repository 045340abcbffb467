//! The engine shared by the fifteen `monitor-*` checks (CIS 4.1–4.15): a
//! metric filter on the log group of a qualifying trail, an alarm on its
//! metric, and an SNS topic someone confirmed a subscription to.
//!
//! A filter is judged by evaluating its pattern over the check's event
//! corpus (`checks/corpora/<check-id>/`), never by comparing its text: a
//! reordered filter passes, a subtly broken one (`&&` for `||`, a dropped
//! `NOT EXISTS`) fails and the evidence names the events it got wrong.

use super::assessment::{any_effective_trail, Assessment, Outcome};
use super::cloudtrail_multi_region;
use super::support::not_collected;
use super::Context;
use crate::filter_pattern;
use crate::finding::Finding;
use crate::snapshot::{CollectionError, Fact, LogGroupFacts, MetricFilter, TrailFacts};
use serde_json::{json, Value};

include!(concat!(env!("OUT_DIR"), "/monitor_corpora.rs"));

/// One corpus event: the file it came from and the parsed event.
#[derive(Debug, Clone)]
pub struct CorpusEvent {
    pub file: &'static str,
    pub event: Value,
}

/// The events a check's filter must match (positive) and must not (negative).
#[derive(Debug, Clone, Default)]
pub struct Corpus {
    pub positive: Vec<CorpusEvent>,
    pub negative: Vec<CorpusEvent>,
}

/// The embedded corpus of `check_id`. A file that is not valid JSON is a
/// build-time data bug; the `corpora_are_valid` test catches it, and here it
/// is skipped rather than panicking at audit time.
pub fn corpus(check_id: &str) -> Corpus {
    let mut corpus = Corpus::default();
    for (id, kind, file, text) in MONITOR_CORPORA {
        if *id != check_id {
            continue;
        }
        let Ok(event) = serde_json::from_str::<Value>(text) else {
            continue;
        };
        let entry = CorpusEvent { file, event };
        match *kind {
            "positive" => corpus.positive.push(entry),
            _ => corpus.negative.push(entry),
        }
    }
    corpus
}

/// Runs a monitoring check: one finding per account.
pub fn run(cx: &Context, check_id: &str, purpose: &str) -> Vec<Finding> {
    let corpus = corpus(check_id);
    let requirement = format!(
        "is multi-region, logging, records all management events, and has a metric filter for {purpose} with an alarm notifying a confirmed SNS subscriber"
    );
    any_effective_trail(cx, check_id, &requirement, |trail| {
        assess(cx, trail, &corpus)
    })
}

/// How one step of the chain came out, with the errors met on the way.
struct Step {
    outcome: Outcome,
    problem: Option<String>,
    errors: Vec<(String, CollectionError)>,
    evidence: Value,
}

impl Step {
    fn pass(evidence: Value) -> Self {
        Step {
            outcome: Outcome::Pass,
            problem: None,
            errors: Vec::new(),
            evidence,
        }
    }

    fn fail(problem: impl Into<String>, evidence: Value) -> Self {
        Step {
            outcome: Outcome::Fail,
            problem: Some(problem.into()),
            errors: Vec::new(),
            evidence,
        }
    }

    fn unknown(what: &str, error: CollectionError, evidence: Value) -> Self {
        Step {
            outcome: Outcome::Unknown,
            problem: None,
            errors: vec![(what.to_string(), error)],
            evidence,
        }
    }

    /// The best of several alternatives: any pass passes; otherwise any
    /// unknown is unknown (fail closed); otherwise fail with every reason.
    fn any(steps: Vec<Step>, none: &str, evidence_key: &str, mut evidence: Value) -> Step {
        evidence[evidence_key] = json!(steps.iter().map(|s| &s.evidence).collect::<Vec<_>>());
        let outcome = if steps.iter().any(|s| s.outcome == Outcome::Pass) {
            Outcome::Pass
        } else if steps.iter().any(|s| s.outcome == Outcome::Unknown) {
            Outcome::Unknown
        } else {
            Outcome::Fail
        };
        let problems: Vec<String> = steps.iter().filter_map(|s| s.problem.clone()).collect();
        let problem = match outcome {
            Outcome::Fail if problems.is_empty() => Some(none.to_string()),
            Outcome::Fail => Some(problems.join("; ")),
            _ => None,
        };
        Step {
            outcome,
            problem,
            errors: steps.into_iter().flat_map(|s| s.errors).collect(),
            evidence,
        }
    }
}

/// Whether `trail` qualifies and one of its log group's filters completes
/// the chain filter → alarm → confirmed subscriber.
fn assess(cx: &Context, trail: &TrailFacts, corpus: &Corpus) -> Assessment {
    let mut a = cloudtrail_multi_region::assess(trail);
    if a.outcome() == Outcome::Fail {
        return a;
    }
    let Some(config) = trail.config.value() else {
        return a;
    };
    a.note(
        "cloud_watch_logs_log_group_arn",
        &config.cloud_watch_logs_log_group_arn,
    );
    let Some(group_arn) = config.cloud_watch_logs_log_group_arn.as_deref() else {
        a.fail("does not deliver to CloudWatch Logs");
        return a;
    };
    let Some(group) = cx.snapshot.log_groups.get(group_arn) else {
        a.unknown(
            "the trail's log group",
            not_collected(
                &trail.account_id,
                Some(&trail.home_region),
                "logs",
                "DescribeLogGroups",
                "the trail's log group",
            ),
        );
        return a;
    };
    let step = log_group_step(cx, group, corpus);
    a.note("monitoring", &step.evidence);
    if let Some(problem) = &step.problem {
        a.fail(problem.clone());
    }
    if step.outcome == Outcome::Unknown {
        for (what, error) in step.errors {
            a.unknown(&what, error);
        }
    }
    a
}

fn log_group_step(cx: &Context, group: &LogGroupFacts, corpus: &Corpus) -> Step {
    let evidence = json!({
        "log_group": group.name,
        "log_group_account_id": group.account_id,
        "log_group_region": group.region,
        "corpus": {
            "positive": corpus.positive.iter().map(|e| e.file).collect::<Vec<_>>(),
            "negative": corpus.negative.iter().map(|e| e.file).collect::<Vec<_>>(),
        },
    });
    if let Fact::Value(None) = group.group {
        return Step::fail(format!("log group {} does not exist", group.name), evidence);
    }
    let filters = match &group.metric_filters {
        None => {
            return Step::unknown(
                "the log group's metric filters",
                not_collected(
                    &group.account_id,
                    Some(&group.region),
                    "logs",
                    "DescribeMetricFilters",
                    "the log group's metric filters",
                ),
                evidence,
            )
        }
        Some(Fact::Error(e)) => {
            return Step::unknown("the log group's metric filters", e.clone(), evidence)
        }
        Some(Fact::Value(filters)) => filters,
    };
    if filters.is_empty() {
        return Step::fail(
            format!("log group {} has no metric filter", group.name),
            evidence,
        );
    }
    let steps = filters
        .iter()
        .map(|f| filter_step(cx, group, f, corpus))
        .collect();
    Step::any(
        steps,
        "no metric filter qualifies",
        "metric_filters",
        evidence,
    )
}

/// The corpus files a pattern missed (positives) and wrongly matched (negatives).
pub fn judge(pattern: &filter_pattern::Pattern, corpus: &Corpus) -> (Vec<String>, Vec<String>) {
    let missed = corpus
        .positive
        .iter()
        .filter(|e| !pattern.matches(&e.event))
        .map(|e| e.file.to_string())
        .collect();
    let wrongly = corpus
        .negative
        .iter()
        .filter(|e| pattern.matches(&e.event))
        .map(|e| e.file.to_string())
        .collect();
    (missed, wrongly)
}

fn filter_step(
    cx: &Context,
    group: &LogGroupFacts,
    filter: &MetricFilter,
    corpus: &Corpus,
) -> Step {
    let mut evidence = json!({
        "name": filter.name,
        "pattern": filter.pattern,
        "metrics": filter.transformations.iter()
            .map(|t| format!("{}/{}", t.metric_namespace, t.metric_name))
            .collect::<Vec<_>>(),
        "transformations": filter.transformations,
    });
    if filter.apply_on_transformed_logs {
        evidence["apply_on_transformed_logs"] = json!(true);
        return Step::fail(
            format!(
                "filter {:?} runs on transformed log events (applyOnTransformedLogs), not on CloudTrail's own: whether it matches them cannot be shown",
                filter.name
            ),
            evidence,
        );
    }
    let pattern = match filter_pattern::parse(&filter.pattern) {
        Ok(p) => p,
        Err(e) => {
            evidence["parse_error"] = json!(e);
            return Step::fail(
                format!("filter {:?} cannot be parsed ({e})", filter.name),
                evidence,
            );
        }
    };
    let (missed, wrongly) = judge(&pattern, corpus);
    evidence["missed_positive_events"] = json!(missed);
    evidence["matched_negative_events"] = json!(wrongly);
    if !missed.is_empty() || !wrongly.is_empty() {
        let mut parts = Vec::new();
        if !missed.is_empty() && missed.len() == corpus.positive.len() {
            // A filter for other events: naming every miss says nothing more.
            parts.push(format!(
                "matches none of the {} events that must alarm",
                missed.len()
            ));
        } else if !missed.is_empty() {
            parts.push(format!(
                "misses {} of {} events that must alarm ({})",
                missed.len(),
                corpus.positive.len(),
                missed.join(", ")
            ));
        }
        if !wrongly.is_empty() {
            parts.push(format!(
                "matches {} events that must not alarm ({})",
                wrongly.len(),
                wrongly.join(", ")
            ));
        }
        return Step::fail(
            format!("filter {:?} {}", filter.name, parts.join(" and ")),
            evidence,
        );
    }
    if filter.transformations.is_empty() {
        return Step::fail(
            format!("filter {:?} publishes no metric", filter.name),
            evidence,
        );
    }
    let key = format!("{}/{}", group.account_id, group.region);
    let alarms = match cx.snapshot.alarms.get(&key) {
        None => {
            return Step::unknown(
                "the alarms of the log group's account and region",
                not_collected(
                    &group.account_id,
                    Some(&group.region),
                    "cloudwatch",
                    "DescribeAlarms",
                    "the alarms of the log group's account and region",
                ),
                evidence,
            )
        }
        Some(Fact::Error(e)) => {
            return Step::unknown(
                "the alarms of the log group's account and region",
                e.clone(),
                evidence,
            )
        }
        Some(Fact::Value(alarms)) => alarms,
    };
    // Each alarm reading one of the filter's metrics, with that metric.
    let watching: Vec<_> = alarms
        .iter()
        .filter_map(|alarm| {
            let t = filter.transformations.iter().find(|t| {
                (alarm.namespace.as_deref() == Some(t.metric_namespace.as_str())
                    && alarm.metric_name.as_deref() == Some(t.metric_name.as_str()))
                    || alarm.metrics.iter().any(|m| m.same_metric(t))
            })?;
            Some((alarm, t))
        })
        .collect();
    if watching.is_empty() {
        return Step::fail(
            format!(
                "no alarm in {key} watches the metric of filter {:?}",
                filter.name
            ),
            with_alarms(evidence, Vec::new()),
        );
    }
    let steps = watching
        .iter()
        .map(|(alarm, metric)| alarm_step(cx, alarm, metric))
        .collect();
    Step::any(steps, "no alarm qualifies", "alarms", evidence)
}

fn with_alarms(mut evidence: Value, alarms: Vec<Value>) -> Value {
    evidence["alarms"] = json!(alarms);
    evidence
}

fn alarm_step(
    cx: &Context,
    alarm: &crate::snapshot::MetricAlarm,
    metric: &crate::snapshot::MetricTransformation,
) -> Step {
    let mut evidence = json!({
        "name": alarm.name,
        "arn": alarm.arn,
        "actions_enabled": alarm.actions_enabled,
        "alarm_actions": alarm.alarm_actions,
        "state_value": alarm.state_value,
        "statistic": alarm.statistic.as_ref().or(alarm.extended_statistic.as_ref()),
        "comparison_operator": alarm.comparison_operator,
        "threshold": alarm.threshold,
        "evaluation_periods": alarm.evaluation_periods,
        "datapoints_to_alarm": alarm.datapoints_to_alarm,
        "dimensions": alarm.dimensions,
        "unit": alarm.unit,
        "returned": alarm.returned,
    });
    let cannot_fire = super::alarm_trigger::why_it_cannot_fire(metric, alarm);
    if !cannot_fire.is_empty() {
        evidence["cannot_fire_because"] = json!(cannot_fire);
        return Step::fail(
            format!(
                "alarm {:?} does not fire on one matching event: {}",
                alarm.name,
                cannot_fire.join("; ")
            ),
            evidence,
        );
    }
    if !alarm.actions_enabled {
        return Step::fail(
            format!("alarm {:?} has its actions disabled", alarm.name),
            evidence,
        );
    }
    let topics: Vec<&String> = alarm
        .alarm_actions
        .iter()
        .filter(|a| a.split(':').nth(2) == Some("sns"))
        .collect();
    if topics.is_empty() {
        return Step::fail(
            format!("alarm {:?} notifies no SNS topic", alarm.name),
            evidence,
        );
    }
    let steps = topics.into_iter().map(|t| topic_step(cx, t)).collect();
    Step::any(steps, "no topic qualifies", "topics", evidence)
}

fn topic_step(cx: &Context, arn: &str) -> Step {
    let mut evidence = json!({ "arn": arn });
    let parts: Vec<&str> = arn.split(':').collect();
    let (account, region) = (
        parts.get(4).copied().unwrap_or_default(),
        parts.get(3).copied(),
    );
    let what = "the alarm topic's subscriptions";
    let Some(topic) = cx.snapshot.sns_topics.get(arn) else {
        return Step::unknown(
            what,
            not_collected(account, region, "sns", "ListSubscriptionsByTopic", what),
            evidence,
        );
    };
    if let Fact::Value(None) = topic.topic {
        evidence["exists"] = json!(false);
        return Step::fail(format!("topic {arn} does not exist"), evidence);
    }
    let subscriptions = match &topic.subscriptions {
        None => {
            return Step::unknown(
                what,
                not_collected(account, region, "sns", "ListSubscriptionsByTopic", what),
                evidence,
            )
        }
        Some(Fact::Error(e)) => return Step::unknown(what, e.clone(), evidence),
        Some(Fact::Value(s)) => s,
    };
    let confirmed = subscriptions.iter().filter(|s| s.confirmed).count();
    evidence["subscriptions"] = json!(subscriptions);
    evidence["confirmed_subscriptions"] = json!(confirmed);
    if confirmed == 0 {
        return Step::fail(
            format!("topic {arn} has no confirmed subscription"),
            evidence,
        );
    }
    Step::pass(evidence)
}

/// Shared test helpers: a snapshot whose trail's log group holds one filter
/// with an alarm and a confirmed subscriber, for each check's tests.
#[cfg(test)]
pub mod testing {
    use crate::checks::testkit::*;
    use crate::finding::{Finding, Status};
    use crate::snapshot::*;

    pub const NAMESPACE: &str = "CISBenchmark";
    pub const METRIC: &str = "MonitoredEvents";

    pub fn topic_arn() -> String {
        format!("arn:aws:sns:{REGION}:{ACCOUNT}:security-alerts")
    }

    /// The single-account fixture with `pattern` as the trail log group's
    /// only filter, an alarm on its metric, and a confirmed subscriber.
    pub fn monitored(pattern: &str) -> Snapshot {
        let mut s = single_account();
        let group = s.log_groups.values_mut().next().unwrap();
        group.metric_filters = Some(Fact::Value(vec![MetricFilter {
            name: "cis-filter".to_string(),
            pattern: pattern.to_string(),
            transformations: vec![MetricTransformation {
                metric_namespace: NAMESPACE.to_string(),
                metric_name: METRIC.to_string(),
                metric_value: Some("1".to_string()),
                default_value: None,
                dimensions: Default::default(),
                unit: None,
            }],
            apply_on_transformed_logs: false,
        }]));
        s.alarms.insert(
            format!("{ACCOUNT}/{REGION}"),
            Fact::Value(vec![MetricAlarm {
                name: "cis-alarm".to_string(),
                arn: format!("arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:cis-alarm"),
                namespace: Some(NAMESPACE.to_string()),
                metric_name: Some(METRIC.to_string()),
                metrics: Vec::new(),
                actions_enabled: true,
                alarm_actions: vec![topic_arn()],
                state_value: Some("OK".to_string()),
                statistic: Some("Sum".to_string()),
                extended_statistic: None,
                comparison_operator: Some("GreaterThanOrEqualToThreshold".to_string()),
                threshold: Some(1.0),
                evaluation_periods: Some(1),
                datapoints_to_alarm: None,
                dimensions: Default::default(),
                unit: None,
                returned: None,
            }]),
        );
        let mut topic = good_topic(&topic_arn());
        topic.subscriptions = Some(Fact::Value(vec![SnsSubscription {
            subscription_arn: format!("{}:0f1e2d3c", topic_arn()),
            protocol: "email".to_string(),
            confirmed: true,
        }]));
        s.sns_topics.insert(topic_arn(), topic);
        s
    }

    pub fn one(run: crate::checks::CheckFn, s: &Snapshot) -> Finding {
        only(run_check(run, s))
    }

    fn only(findings: Vec<Finding>) -> Finding {
        assert_eq!(findings.len(), 1, "{findings:#?}");
        findings.into_iter().next().unwrap()
    }

    /// The registered monitoring check `id` over [`monitored`]`(pattern)`.
    pub fn judge(id: &str, pattern: &str) -> Finding {
        let check = crate::checks::REGISTRY
            .iter()
            .find(|c| c.id == id)
            .unwrap_or_else(|| panic!("{id} is not registered"));
        let snapshot = monitored(pattern);
        let params = params();
        let cx = crate::checks::Context::new(&snapshot, &params);
        only(with_evidence_resolved(check.run(&cx)))
    }

    pub fn filter_evidence(f: &Finding) -> &serde_json::Value {
        &f.evidence["trails"][0]["monitoring"]["metric_filters"][0]
    }

    /// `pattern` passes the check `id`.
    pub fn assert_passes(id: &str, pattern: &str) {
        let f = judge(id, pattern);
        assert_eq!(
            f.status,
            Status::Pass,
            "{id}: {pattern}\n{}\n{:#}",
            f.message,
            f.evidence
        );
    }

    /// `pattern` fails, missing exactly `missed` and wrongly matching `wrong`
    /// (corpus file names without `.json`).
    pub fn assert_fails(id: &str, pattern: &str, missed: &[String], wrong: &[String]) {
        let f = judge(id, pattern);
        assert_eq!(f.status, Status::Fail, "{id}: {pattern}\n{:#}", f.evidence);
        let names = |key: &str| -> Vec<String> {
            filter_evidence(&f)[key]
                .as_array()
                .unwrap_or_else(|| panic!("{key} in {:#}", f.evidence))
                .iter()
                .map(|v| v.as_str().unwrap().trim_end_matches(".json").to_string())
                .collect()
        };
        assert_eq!(names("missed_positive_events"), missed, "{id}: {pattern}");
        assert_eq!(names("matched_negative_events"), wrong, "{id}: {pattern}");
        let named: Vec<&String> = if missed.len()
            == crate::checks::monitoring::corpus(f.check_id.as_str())
                .positive
                .len()
        {
            wrong.iter().collect()
        } else {
            missed.iter().chain(wrong).collect()
        };
        for name in named {
            assert!(f.message.contains(name), "{name} not in {}", f.message);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;
    use crate::checks::testkit::*;
    use crate::finding::Status;
    use crate::snapshot::*;

    const ID: &str = "monitor-cloudtrail-changes";
    const GOOD: &str = "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }";

    fn check(cx: &Context) -> Vec<Finding> {
        run(cx, ID, "CloudTrail configuration changes")
    }

    /// `checks/corpora/<id>/filters.toml`: the filters a monitoring check
    /// is tested with.
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct FilterCases {
        /// The benchmark's own pattern.
        cis: String,
        /// Semantically equal rewrites of it.
        passing: Vec<String>,
        /// Broken variants, with the events each gets wrong.
        failing: Vec<FailingFilter>,
    }

    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct FailingFilter {
        pattern: String,
        missed: Vec<String>,
        wrong: Vec<String>,
    }

    /// Every monitoring check judges its benchmark pattern and the
    /// rewrites of it `pass`, and each broken variant `fail`, naming
    /// exactly the events it gets wrong: the filters are judged by what
    /// they match, never by their text.
    #[test]
    fn every_monitor_judges_its_filters() {
        let mut monitors = 0;
        for check in crate::checks::REGISTRY {
            if !matches!(check.runner, crate::checks::Runner::Monitor { .. }) {
                continue;
            }
            monitors += 1;
            let path = format!(
                "{}/checks/corpora/{}/filters.toml",
                env!("CARGO_MANIFEST_DIR"),
                check.id
            );
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            let cases: FilterCases =
                toml::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
            assert!(!cases.failing.is_empty(), "{path}: no broken variant");
            assert_passes(check.id, &cases.cis);
            for pattern in &cases.passing {
                assert_passes(check.id, pattern);
            }
            for case in &cases.failing {
                assert_fails(check.id, &case.pattern, &case.missed, &case.wrong);
            }
        }
        assert_eq!(monitors, 15);
    }

    #[test]
    fn corpora_are_valid_and_every_check_has_one() {
        for (id, kind, file, text) in MONITOR_CORPORA {
            let event: Value =
                serde_json::from_str(text).unwrap_or_else(|e| panic!("{id}/{kind}/{file}: {e}"));
            for field in [
                "eventVersion",
                "userIdentity",
                "eventTime",
                "eventSource",
                "eventName",
                "awsRegion",
                "sourceIPAddress",
                "userAgent",
                "eventType",
                "recipientAccountId",
            ] {
                assert!(
                    event.get(field).is_some(),
                    "{id}/{kind}/{file} lacks {field}"
                );
            }
            assert!(crate::checks::REGISTRY.iter().any(|c| c.id == *id), "{id}");
        }
        for check in crate::checks::REGISTRY
            .iter()
            .filter(|c| c.id.starts_with("monitor-"))
        {
            let c = corpus(check.id);
            assert!(
                !c.positive.is_empty() && !c.negative.is_empty(),
                "{}",
                check.id
            );
        }
    }

    #[test]
    fn passes_the_full_chain() {
        let f = one(check, &monitored(GOOD));
        assert_eq!(f.status, Status::Pass, "{:#}", f.evidence);
        assert_eq!(f.resource, format!("arn:aws:::{ACCOUNT}"));
        let filter = filter_evidence(&f);
        assert_eq!(
            filter["alarms"][0]["topics"][0]["confirmed_subscriptions"],
            1
        );
    }

    #[test]
    fn fails_without_filters_or_without_log_delivery() {
        let mut s = monitored(GOOD);
        s.log_groups.values_mut().next().unwrap().metric_filters = Some(Fact::Value(vec![]));
        let f = one(check, &s);
        assert_eq!(f.status, Status::Fail);
        assert!(f.message.contains("has no metric filter"), "{}", f.message);

        let mut s = monitored(GOOD);
        only_trail_config(&mut s).cloud_watch_logs_log_group_arn = None;
        let f = one(check, &s);
        assert_eq!(f.status, Status::Fail);
        assert!(f.message.contains("does not deliver to CloudWatch Logs"));
    }

    #[test]
    fn fails_a_trail_that_does_not_qualify_even_with_a_good_filter() {
        let mut s = monitored(GOOD);
        only_trail_config(&mut s).is_multi_region_trail = false;
        let f = one(check, &s);
        assert_eq!(f.status, Status::Fail);
        assert!(f.message.contains("not multi-region"), "{}", f.message);
    }

    #[test]
    fn fails_an_unparseable_pattern_with_its_position() {
        let f = one(check, &monitored("{ $.eventName = CreateTrail ||| }"));
        assert_eq!(f.status, Status::Fail);
        assert!(
            filter_evidence(&f)["parse_error"]["column"].is_u64(),
            "{:#}",
            f.evidence
        );
        assert!(
            f.message.contains("cannot be parsed (at column"),
            "{}",
            f.message
        );
    }

    #[test]
    fn fails_a_missing_alarm() {
        let mut s = monitored(GOOD);
        s.alarms
            .insert(format!("{ACCOUNT}/{REGION}"), Fact::Value(vec![]));
        let f = one(check, &s);
        assert_eq!(f.status, Status::Fail);
        assert!(f.message.contains("no alarm in"), "{}", f.message);
    }

    fn alarm(s: &mut Snapshot) -> &mut MetricAlarm {
        match s.alarms.values_mut().next().unwrap() {
            Fact::Value(v) => &mut v[0],
            Fact::Error(_) => unreachable!(),
        }
    }

    #[test]
    fn fails_an_alarm_on_another_metric_or_without_actions() {
        let mut s = monitored(GOOD);
        alarm(&mut s).metric_name = Some("Other".to_string());
        assert_eq!(one(check, &s).status, Status::Fail);

        let mut s = monitored(GOOD);
        alarm(&mut s).actions_enabled = false;
        let f = one(check, &s);
        assert_eq!(f.status, Status::Fail);
        assert!(f.message.contains("actions disabled"), "{}", f.message);

        let mut s = monitored(GOOD);
        alarm(&mut s).alarm_actions =
            vec![format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:notify")];
        let f = one(check, &s);
        assert_eq!(f.status, Status::Fail);
        assert!(f.message.contains("notifies no SNS topic"), "{}", f.message);
    }

    #[test]
    fn passes_a_metric_math_alarm_comparing_the_metric_itself() {
        let mut s = monitored(GOOD);
        let a = alarm(&mut s);
        a.namespace = None;
        a.metric_name = None;
        a.statistic = None;
        let metric = MetricTransformation {
            metric_namespace: NAMESPACE.to_string(),
            metric_name: METRIC.to_string(),
            metric_value: None,
            default_value: None,
            dimensions: Default::default(),
            unit: None,
        };
        a.metrics = vec![metric.clone()];
        a.returned = Some(AlarmQuery {
            id: "m1".to_string(),
            expression: None,
            metric: Some(metric),
            stat: Some("Sum".to_string()),
        });
        assert_eq!(one(check, &s).status, Status::Pass);
    }

    /// An alarm on the right metric that one event cannot set off fails,
    /// and the evidence says why.
    #[test]
    fn fails_an_alarm_that_one_event_cannot_set_off() {
        let mut s = monitored(GOOD);
        alarm(&mut s).threshold = Some(10.0);
        let f = one(check, &s);
        assert_eq!(f.status, Status::Fail);
        assert!(
            f.message.contains("does not fire on one matching event"),
            "{}",
            f.message
        );
        let alarms = &filter_evidence(&f)["alarms"];
        assert!(
            alarms[0]["cannot_fire_because"][0]
                .as_str()
                .unwrap_or("")
                .contains("does not cross"),
            "{alarms}"
        );
        let mut s = monitored(GOOD);
        alarm(&mut s).datapoints_to_alarm = Some(2);
        assert_eq!(one(check, &s).status, Status::Fail);
    }

    #[test]
    fn fails_a_filter_on_transformed_logs() {
        let mut s = monitored(GOOD);
        if let Some(Fact::Value(filters)) =
            &mut s.log_groups.values_mut().next().unwrap().metric_filters
        {
            filters[0].apply_on_transformed_logs = true;
        }
        let f = one(check, &s);
        assert_eq!(f.status, Status::Fail);
        assert!(
            f.message.contains("transformed log events"),
            "{}",
            f.message
        );
    }

    #[test]
    fn fails_a_topic_without_confirmed_subscription() {
        let mut s = monitored(GOOD);
        s.sns_topics.get_mut(&topic_arn()).unwrap().subscriptions =
            Some(Fact::Value(vec![SnsSubscription {
                subscription_arn: "PendingConfirmation".to_string(),
                protocol: "email".to_string(),
                confirmed: false,
            }]));
        let f = one(check, &s);
        assert_eq!(f.status, Status::Fail);
        assert!(
            f.message.contains("no confirmed subscription"),
            "{}",
            f.message
        );
    }

    #[test]
    fn collection_errors_are_errors() {
        let mut s = monitored(GOOD);
        s.log_groups.values_mut().next().unwrap().metric_filters = None;
        let f = one(check, &s);
        assert_eq!(f.status, Status::Error, "{}", f.message);
        assert!(f.message.contains("metric filters"), "{}", f.message);

        let mut s = monitored(GOOD);
        s.log_groups.values_mut().next().unwrap().metric_filters = Some(Fact::Error(
            access_denied(ACCOUNT, "logs", "DescribeMetricFilters"),
        ));
        assert_eq!(one(check, &s).status, Status::Error);

        let mut s = monitored(GOOD);
        s.alarms.clear();
        let f = one(check, &s);
        assert_eq!(f.status, Status::Error);
        assert!(f.message.contains("NotCollected"), "{}", f.message);

        let mut s = monitored(GOOD);
        s.alarms.insert(
            format!("{ACCOUNT}/{REGION}"),
            Fact::Error(access_denied(ACCOUNT, "cloudwatch", "DescribeAlarms")),
        );
        assert_eq!(one(check, &s).status, Status::Error);

        let mut s = monitored(GOOD);
        s.sns_topics.get_mut(&topic_arn()).unwrap().subscriptions = None;
        assert_eq!(one(check, &s).status, Status::Error);

        let mut s = monitored(GOOD);
        s.sns_topics.clear();
        assert_eq!(one(check, &s).status, Status::Error);

        let mut s = monitored(GOOD);
        only_trail(&mut s).status =
            Fact::Error(access_denied(ACCOUNT, "cloudtrail", "GetTrailStatus"));
        assert_eq!(one(check, &s).status, Status::Error);
    }

    #[test]
    fn a_passing_filter_stands_despite_another_filters_error() {
        let mut s = monitored(GOOD);
        // A second alarm on the same metric whose topic was not collected.
        if let Some(Fact::Value(alarms)) = s.alarms.values_mut().next() {
            let mut other = alarms[0].clone();
            other.name = "other".to_string();
            other.alarm_actions = vec![format!("arn:aws:sns:{REGION}:{ACCOUNT}:unknown")];
            alarms.insert(0, other);
        }
        assert_eq!(one(check, &s).status, Status::Pass);
    }

    #[test]
    fn a_known_failure_with_an_error_elsewhere_is_an_error() {
        // The broken filter fails, but the other filter's alarms are unknown.
        let mut s = monitored(GOOD);
        s.alarms.clear();
        let group = s.log_groups.values_mut().next().unwrap();
        if let Some(Fact::Value(filters)) = &mut group.metric_filters {
            let mut broken = filters[0].clone();
            broken.name = "broken".to_string();
            broken.pattern = "{ $.eventName = CreateTrail }".to_string();
            filters.push(broken);
        }
        assert_eq!(one(check, &s).status, Status::Error);
    }

    #[test]
    fn a_member_account_is_judged_on_the_org_trail() {
        let mut s = organization(true);
        let trail = s
            .trails
            .values()
            .find(|t| t.config.value().is_some_and(|c| c.is_organization_trail))
            .unwrap()
            .clone();
        let group_arn = trail
            .config
            .value()
            .unwrap()
            .cloud_watch_logs_log_group_arn
            .clone()
            .unwrap();
        let m = monitored(GOOD);
        let mut group = m.log_groups.values().next().unwrap().clone();
        let (acct, region) = (trail.account_id.clone(), trail.home_region.clone());
        group.arn = group_arn.clone();
        group.account_id = acct.clone();
        group.region = region.clone();
        s.log_groups.insert(group_arn, group);
        let mut alarms = m.alarms.values().next().unwrap().clone();
        if let Fact::Value(a) = &mut alarms {
            a[0].alarm_actions = vec![topic_arn()];
        }
        s.alarms.insert(format!("{acct}/{region}"), alarms);
        s.sns_topics.extend(m.sns_topics.clone());
        let findings = run_check(check, &s);
        assert!(findings.len() >= 2, "{findings:#?}");
        for f in findings {
            assert_eq!(f.status, Status::Pass, "{}: {}", f.account_id, f.message);
        }
    }
}
