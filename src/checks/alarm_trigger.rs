//! Whether one event that a metric filter matches sets a CloudWatch alarm
//! off. An alarm "on the metric" is not enough: CIS's intent is that a
//! single root login or trail change notifies someone, and an alarm with a
//! threshold of 5, an `Average` diluted by a default value, a `LessThan`
//! comparison, "3 out of 3" datapoints, or dimensions the filter does not
//! publish never fires for it.
//!
//! The model follows the CloudWatch documentation: a metric filter publishes
//! `metricValue` for each matching log event (and `defaultValue`, when set,
//! for each non-matching one) under its dimensions and unit ("Creating
//! metrics from log events using filters"); an alarm compares one statistic
//! of its metric per period with its threshold and goes to `ALARM` when
//! `DatapointsToAlarm` (else `EvaluationPeriods`) datapoints breach ("Using
//! Amazon CloudWatch alarms", "Evaluating an alarm").

use crate::snapshot::{MetricAlarm, MetricTransformation};

/// Why one matching event does not set `alarm` off through the metric of
/// `filter` (empty when it does). `filter` is the filter's transformation
/// the alarm watches.
pub fn why_it_cannot_fire(filter: &MetricTransformation, alarm: &MetricAlarm) -> Vec<String> {
    let mut why = Vec::new();
    let value = event_value(filter, &mut why);
    if !filter.dimensions.is_empty() {
        let names: Vec<&str> = filter.dimensions.keys().map(String::as_str).collect();
        why.push(format!(
            "the filter publishes its metric per value of dimension(s) {}: an alarm sees one combination of values, not every event",
            names.join(", ")
        ));
    }
    let (statistic, watched_dimensions) = match &alarm.returned {
        Some(query) => match (&query.expression, &query.metric) {
            (Some(expression), _) => {
                why.push(format!(
                    "the alarm compares the metric math expression {expression:?}: whether one event crosses its threshold cannot be shown"
                ));
                return why;
            }
            (None, Some(metric)) if metric.same_metric(filter) => {
                (query.stat.clone(), metric.dimensions.clone())
            }
            _ => {
                why.push(format!(
                    "the alarm compares query {:?}, not the filter's metric",
                    query.id
                ));
                return why;
            }
        },
        None => (
            alarm
                .statistic
                .clone()
                .or_else(|| alarm.extended_statistic.clone()),
            alarm.dimensions.clone(),
        ),
    };
    if !watched_dimensions.is_empty() && filter.dimensions.is_empty() {
        why.push(format!(
            "the alarm watches dimension(s) {} that the filter does not publish: it sees no datapoint",
            watched_dimensions.keys().cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    if let Some(unit) = alarm.unit.as_deref() {
        let published = filter.unit.as_deref().unwrap_or("None");
        if unit != published {
            why.push(format!(
                "the alarm watches unit {unit} but the filter publishes {published}: it sees no datapoint"
            ));
        }
    }
    let observed = statistic_of_one_event(statistic.as_deref(), value, filter, &mut why);
    let needed = alarm
        .datapoints_to_alarm
        .or(alarm.evaluation_periods)
        .unwrap_or(1);
    if needed > 1 {
        why.push(format!(
            "the alarm needs {needed} breaching datapoints (DatapointsToAlarm / EvaluationPeriods): one event makes one"
        ));
    }
    match (alarm.comparison_operator.as_deref(), alarm.threshold) {
        (None, _) => why.push("the alarm has no comparison operator".to_string()),
        (_, None) => why.push("the alarm has no threshold".to_string()),
        (Some(op), Some(threshold)) => {
            let rising = matches!(op, "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold");
            if !rising {
                why.push(format!(
                    "comparison {op} does not fire when the metric rises"
                ));
            } else if let Some(v) = observed {
                let crosses = if op == "GreaterThanThreshold" {
                    v > threshold
                } else {
                    v >= threshold
                };
                if !crosses {
                    why.push(format!(
                        "one event makes the {} {}, which does not cross {op} {}",
                        statistic.as_deref().unwrap_or("statistic"),
                        fmt(v),
                        fmt(threshold)
                    ));
                }
            }
        }
    }
    why
}

/// The value one matching event publishes, when it is a known number.
fn event_value(filter: &MetricTransformation, why: &mut Vec<String>) -> Option<f64> {
    let Some(raw) = filter.metric_value.as_deref() else {
        why.push("the filter's metric value was not recorded".to_string());
        return None;
    };
    let raw = raw.trim();
    if raw.starts_with('$') {
        why.push(format!(
            "the filter publishes the event's own field {raw}, whose value is not known to be positive"
        ));
        return None;
    }
    match raw.parse::<f64>() {
        Ok(v) if v > 0.0 => Some(v),
        Ok(v) => {
            why.push(format!(
                "the filter publishes {} per matching event, not a positive value",
                fmt(v)
            ));
            None
        }
        Err(_) => {
            why.push(format!("the filter's metric value {raw:?} is not a number"));
            None
        }
    }
}

/// The alarm's statistic over a period holding one matching event.
fn statistic_of_one_event(
    statistic: Option<&str>,
    value: Option<f64>,
    filter: &MetricTransformation,
    why: &mut Vec<String>,
) -> Option<f64> {
    match statistic {
        // One datapoint of `value`: a default value never lowers a maximum
        // below it, nor a sum unless the default is negative.
        Some("Maximum") => value,
        Some("Sum") => match filter.default_value {
            Some(default) if default < 0.0 => {
                why.push(format!(
                    "with a negative default value ({}), non-matching events lower the Sum of a period holding one matching event",
                    fmt(default)
                ));
                None
            }
            _ => value,
        },
        // Each published datapoint counts: at least the one event.
        Some("SampleCount") => Some(1.0),
        // A percentile (`p99`, `tm90`…), average or minimum of one value is
        // that value, unless non-matching events publish a default too.
        Some(stat) if matches!(stat, "Average" | "Minimum") || is_percentile(stat) => {
            if let Some(default) = filter.default_value {
                why.push(format!(
                    "with a default value of {}, non-matching events publish too: the {stat} of a period holding one matching event need not reach the threshold",
                    fmt(default)
                ));
                None
            } else {
                value
            }
        }
        Some(other) => {
            why.push(format!(
                "statistic {other} is not one trailwarden can judge"
            ));
            None
        }
        None => {
            why.push("the alarm names no statistic".to_string());
            None
        }
    }
}

/// An extended statistic: `p99`, `tm90`, `wm99`, `tc90`, `ts90`, `IQM`…
fn is_percentile(stat: &str) -> bool {
    stat == "IQM"
        || ["p", "tm", "wm", "tc", "ts", "TM", "WM", "TC", "TS"]
            .iter()
            .any(|prefix| {
                stat.strip_prefix(prefix)
                    .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit() || c == '('))
            })
}

fn fmt(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::AlarmQuery;
    use std::collections::BTreeMap;

    fn filter() -> MetricTransformation {
        MetricTransformation {
            metric_namespace: "CISBenchmark".into(),
            metric_name: "RootUsage".into(),
            metric_value: Some("1".into()),
            default_value: None,
            dimensions: BTreeMap::new(),
            unit: None,
        }
    }

    fn alarm() -> MetricAlarm {
        MetricAlarm {
            name: "root".into(),
            arn: "arn:aws:cloudwatch:us-east-1:111111111111:alarm:root".into(),
            namespace: Some("CISBenchmark".into()),
            metric_name: Some("RootUsage".into()),
            metrics: Vec::new(),
            actions_enabled: true,
            alarm_actions: Vec::new(),
            state_value: None,
            statistic: Some("Sum".into()),
            extended_statistic: None,
            comparison_operator: Some("GreaterThanOrEqualToThreshold".into()),
            threshold: Some(1.0),
            evaluation_periods: Some(1),
            datapoints_to_alarm: None,
            dimensions: BTreeMap::new(),
            unit: None,
            returned: None,
        }
    }

    fn fires(f: &MetricTransformation, a: &MetricAlarm) -> bool {
        why_it_cannot_fire(f, a).is_empty()
    }

    #[test]
    fn the_cis_alarm_fires_on_one_event() {
        assert!(
            fires(&filter(), &alarm()),
            "{:?}",
            why_it_cannot_fire(&filter(), &alarm())
        );
        for stat in ["Sum", "Maximum", "SampleCount", "Average", "Minimum"] {
            let mut a = alarm();
            a.statistic = Some(stat.into());
            assert!(fires(&filter(), &a), "{stat}");
        }
        let mut a = alarm();
        a.comparison_operator = Some("GreaterThanThreshold".into());
        a.threshold = Some(0.0);
        assert!(fires(&filter(), &a));
    }

    #[test]
    fn a_threshold_one_event_does_not_reach_never_fires() {
        let mut a = alarm();
        a.threshold = Some(5.0);
        let why = why_it_cannot_fire(&filter(), &a);
        assert!(
            why[0].contains("does not cross GreaterThanOrEqualToThreshold 5"),
            "{why:?}"
        );
        a.threshold = Some(1.0);
        a.comparison_operator = Some("GreaterThanThreshold".into());
        assert!(!fires(&filter(), &a));
    }

    #[test]
    fn a_falling_comparison_never_fires() {
        let mut a = alarm();
        a.comparison_operator = Some("LessThanThreshold".into());
        let why = why_it_cannot_fire(&filter(), &a);
        assert!(
            why.iter()
                .any(|w| w.contains("does not fire when the metric rises")),
            "{why:?}"
        );
    }

    #[test]
    fn several_datapoints_are_more_than_one_event() {
        let mut a = alarm();
        a.evaluation_periods = Some(3);
        assert!(!fires(&filter(), &a));
        a.datapoints_to_alarm = Some(1);
        assert!(fires(&filter(), &a), "1 out of 3 fires on one datapoint");
    }

    #[test]
    fn the_published_value_must_be_a_known_positive_number() {
        for value in ["0", "-1", "$.count", "one"] {
            let mut f = filter();
            f.metric_value = Some(value.into());
            assert!(!fires(&f, &alarm()), "{value}");
        }
    }

    #[test]
    fn a_default_value_dilutes_an_average_but_not_a_sum() {
        let mut f = filter();
        f.default_value = Some(0.0);
        assert!(fires(&f, &alarm()));
        let mut a = alarm();
        a.statistic = Some("Average".into());
        let why = why_it_cannot_fire(&f, &a);
        assert!(
            why.iter().any(|w| w.contains("default value of 0")),
            "{why:?}"
        );
    }

    #[test]
    fn a_negative_default_value_can_cancel_a_sum() {
        let mut f = filter();
        f.default_value = Some(-1.0);
        let why = why_it_cannot_fire(&f, &alarm());
        assert!(
            why.iter().any(|w| w.contains("negative default value")),
            "{why:?}"
        );
        let mut a = alarm();
        a.statistic = Some("Maximum".into());
        assert!(fires(&f, &a));
    }

    #[test]
    fn dimensions_must_agree() {
        let mut f = filter();
        f.dimensions
            .insert("EventSource".into(), "$.eventSource".into());
        assert!(!fires(&f, &alarm()));
        let mut a = alarm();
        a.dimensions.insert("Env".into(), "prod".into());
        let why = why_it_cannot_fire(&filter(), &a);
        assert!(
            why.iter().any(|w| w.contains("sees no datapoint")),
            "{why:?}"
        );
    }

    #[test]
    fn a_unit_the_filter_does_not_publish_sees_nothing() {
        let mut a = alarm();
        a.unit = Some("Seconds".into());
        assert!(!fires(&filter(), &a));
        let mut f = filter();
        f.unit = Some("Seconds".into());
        assert!(fires(&f, &a));
    }

    #[test]
    fn metric_math_fires_only_when_it_compares_the_metric_itself() {
        let mut a = alarm();
        a.namespace = None;
        a.metric_name = None;
        a.statistic = None;
        a.returned = Some(AlarmQuery {
            id: "m1".into(),
            expression: None,
            metric: Some(MetricTransformation {
                metric_value: None,
                ..filter()
            }),
            stat: Some("Sum".into()),
        });
        assert!(
            fires(&filter(), &a),
            "{:?}",
            why_it_cannot_fire(&filter(), &a)
        );
        a.returned = Some(AlarmQuery {
            id: "e1".into(),
            expression: Some("m1 * 0".into()),
            metric: None,
            stat: None,
        });
        let why = why_it_cannot_fire(&filter(), &a);
        assert!(why[0].contains("metric math expression"), "{why:?}");
    }
}
