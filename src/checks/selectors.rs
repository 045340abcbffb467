//! What a trail's event selectors record, under AWS's semantics for classic
//! and advanced selectors. Several checks ask the same two questions (does
//! this trail record all management events? all S3 object events?), so the
//! answer lives here once, with its reasons, for the findings' evidence.
//!
//! Selectors of a trail are OR'ed: an event is recorded when any selector
//! matches it. Within an advanced selector, field selectors are AND'ed.

use crate::snapshot::{AdvancedEventSelector, AdvancedFieldSelector, EventSelectors};
use serde::Serialize;

/// Which management events a trail records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManagementCoverage {
    /// `none` (no selectors at all: nothing recorded), `classic` or `advanced`.
    pub selector_kind: &'static str,
    /// Some selector records read-only management events (maybe not from every source).
    pub read: bool,
    /// Some selector records write management events (maybe not from every source).
    pub write: bool,
    /// Read-only management events of every event source are recorded.
    pub all_read: bool,
    /// Write management events of every event source are recorded.
    pub all_write: bool,
    /// Event sources a selector leaves out (`ExcludeManagementEventSources`,
    /// or an `eventSource` negative operator).
    pub excluded_sources: Vec<String>,
    /// Every restriction that keeps a selector from recording all management
    /// events, in words.
    pub restrictions: Vec<String>,
    /// One sentence for the finding's message.
    pub reason: String,
}

impl ManagementCoverage {
    /// Records all management events, read and write, from every source.
    pub fn records_all(&self) -> bool {
        self.all_read && self.all_write
    }
}

/// Which S3 object-level (data) events a trail records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct S3DataCoverage {
    /// `none` (no selectors at all: nothing recorded), `classic` or `advanced`.
    pub selector_kind: &'static str,
    /// Object-level read events (GetObject…) of every bucket are recorded.
    pub all_buckets_read: bool,
    /// Object-level write events (PutObject, DeleteObject…) of every bucket are recorded.
    pub all_buckets_write: bool,
    /// Selectors that log S3 object events only for some buckets or some
    /// events, in words: they do not satisfy an all-buckets control.
    pub partial: Vec<String>,
}

fn selector_kind(selectors: &EventSelectors) -> &'static str {
    if !selectors.advanced.is_empty() {
        "advanced"
    } else if !selectors.classic.is_empty() {
        "classic"
    } else {
        "none"
    }
}

/// `ReadWriteType` → (records read, records write). Unknown values record
/// nothing, so they can never make a trail pass.
fn read_write(read_write_type: &str) -> (bool, bool) {
    match read_write_type.to_ascii_lowercase().as_str() {
        "all" => (true, true),
        "readonly" => (true, false),
        "writeonly" => (false, true),
        _ => (false, false),
    }
}

/// Whether a field value passes every operator of a field selector.
fn admits(field: &AdvancedFieldSelector, value: &str) -> bool {
    (field.equals.is_empty() || field.equals.iter().any(|v| v == value))
        && (field.starts_with.is_empty()
            || field
                .starts_with
                .iter()
                .any(|p| value.starts_with(p.as_str())))
        && (field.ends_with.is_empty()
            || field.ends_with.iter().any(|s| value.ends_with(s.as_str())))
        && !field.not_equals.iter().any(|v| v == value)
        && !field
            .not_starts_with
            .iter()
            .any(|p| value.starts_with(p.as_str()))
        && !field
            .not_ends_with
            .iter()
            .any(|s| value.ends_with(s.as_str()))
}

/// (read, write) an advanced selector admits through its `readOnly` fields:
/// absent means both.
fn advanced_read_write(selector: &AdvancedEventSelector) -> (bool, bool) {
    let read_only: Vec<&AdvancedFieldSelector> = selector
        .field_selectors
        .iter()
        .filter(|f| f.field == "readOnly")
        .collect();
    (
        read_only.iter().all(|f| admits(f, "true")),
        read_only.iter().all(|f| admits(f, "false")),
    )
}

fn has_negative(field: &AdvancedFieldSelector) -> bool {
    !(field.not_equals.is_empty()
        && field.not_starts_with.is_empty()
        && field.not_ends_with.is_empty())
}

/// The operators of a field selector, in words, e.g. `eventSource NotEquals [kms.amazonaws.com]`.
fn describe_field(field: &AdvancedFieldSelector) -> String {
    let mut parts = Vec::new();
    for (op, values) in [
        ("Equals", &field.equals),
        ("StartsWith", &field.starts_with),
        ("EndsWith", &field.ends_with),
        ("NotEquals", &field.not_equals),
        ("NotStartsWith", &field.not_starts_with),
        ("NotEndsWith", &field.not_ends_with),
    ] {
        if !values.is_empty() {
            parts.push(format!("{} {op} [{}]", field.field, values.join(", ")));
        }
    }
    if parts.is_empty() {
        format!("{} (no operator)", field.field)
    } else {
        parts.join(" and ")
    }
}

fn selector_label(index: usize, name: Option<&str>) -> String {
    match name {
        Some(name) if !name.is_empty() => format!("selector {} ({name})", index + 1),
        _ => format!("selector {}", index + 1),
    }
}

fn field_equals(selector: &AdvancedEventSelector, field: &str, value: &str) -> bool {
    selector
        .field_selectors
        .iter()
        .any(|f| f.field == field && f.equals.iter().any(|v| v == value))
}

/// Which management events the selectors record.
///
/// No selectors at all: nothing is recorded (AWS returns its default classic
/// selector for a trail created without any). Classic: a selector with
/// `IncludeManagementEvents` records read and/or write per `ReadWriteType`;
/// a non-empty `ExcludeManagementEventSources` leaves those sources out.
/// Advanced: a selector with `eventCategory` Equals `Management` records
/// read and/or write per its `readOnly` field; any `eventSource` operator,
/// or a filter on any other field, means it does not record them all.
pub fn management_coverage(selectors: &EventSelectors) -> ManagementCoverage {
    let mut cov = ManagementCoverage {
        selector_kind: selector_kind(selectors),
        read: false,
        write: false,
        all_read: false,
        all_write: false,
        excluded_sources: Vec::new(),
        restrictions: Vec::new(),
        reason: String::new(),
    };
    if selectors.classic.is_empty() && selectors.advanced.is_empty() {
        cov.reason =
            "the trail has no event selectors: it matches no event, so it records no management events"
                .to_string();
        return cov;
    }
    for (i, selector) in selectors.classic.iter().enumerate() {
        if !selector.include_management_events {
            continue;
        }
        let label = selector_label(i, None);
        let (r, w) = read_write(&selector.read_write_type);
        if !r || !w {
            cov.restrictions.push(format!(
                "{label} records management events with ReadWriteType {}",
                selector.read_write_type
            ));
        }
        cov.read |= r;
        cov.write |= w;
        if selector.exclude_management_event_sources.is_empty() {
            cov.all_read |= r;
            cov.all_write |= w;
        } else {
            cov.restrictions.push(format!(
                "{label} excludes management events from {}",
                selector.exclude_management_event_sources.join(", ")
            ));
            cov.excluded_sources
                .extend(selector.exclude_management_event_sources.iter().cloned());
        }
    }
    for (i, selector) in selectors.advanced.iter().enumerate() {
        if !field_equals(selector, "eventCategory", "Management") {
            continue;
        }
        let label = selector_label(i, selector.name.as_deref());
        let (r, w) = advanced_read_write(selector);
        if !r || !w {
            let read_only = selector
                .field_selectors
                .iter()
                .filter(|f| f.field == "readOnly")
                .map(describe_field)
                .collect::<Vec<_>>()
                .join(" and ");
            cov.restrictions.push(format!(
                "{label} records management events only where {read_only}"
            ));
        }
        let mut complete = true;
        for field in &selector.field_selectors {
            match field.field.as_str() {
                "eventCategory" | "readOnly" => {}
                "eventSource" => {
                    complete = false;
                    if has_negative(field) {
                        cov.excluded_sources.extend(
                            field
                                .not_equals
                                .iter()
                                .chain(&field.not_starts_with)
                                .chain(&field.not_ends_with)
                                .cloned(),
                        );
                    }
                    cov.restrictions.push(format!(
                        "{label} filters management events on {}",
                        describe_field(field)
                    ));
                }
                _ => {
                    complete = false;
                    cov.restrictions.push(format!(
                        "{label} filters management events on {}",
                        describe_field(field)
                    ));
                }
            }
        }
        cov.read |= r;
        cov.write |= w;
        if complete {
            cov.all_read |= r;
            cov.all_write |= w;
        }
    }
    cov.excluded_sources.sort();
    cov.excluded_sources.dedup();
    cov.reason = if cov.records_all() {
        "the event selectors record all management events, read and write".to_string()
    } else if !cov.read && !cov.write {
        "no event selector records management events".to_string()
    } else {
        let mut missing = Vec::new();
        if !cov.all_read {
            missing.push("read");
        }
        if !cov.all_write {
            missing.push("write");
        }
        let mut reason = format!(
            "the event selectors do not record all {} management events",
            missing.join(" and ")
        );
        if !cov.excluded_sources.is_empty() {
            reason.push_str(&format!(
                " (excluded sources: {})",
                cov.excluded_sources.join(", ")
            ));
        }
        reason
    };
    cov
}

/// `arn:<partition>:s3` or `arn:<partition>:s3:::`: the classic selector
/// values (and ARN prefixes) that mean every bucket, in any partition.
pub fn is_all_buckets_value(value: &str) -> bool {
    let Some(rest) = value.strip_prefix("arn:") else {
        return false;
    };
    let Some((partition, resource)) = rest.split_once(':') else {
        return false;
    };
    partition.starts_with("aws") && (resource == "s3" || resource == "s3:::")
}

/// Which S3 object-level events of all buckets the selectors record.
///
/// Classic: a data resource of type `AWS::S3::Object` whose values include
/// an all-buckets value (`arn:aws:s3` or `arn:aws:s3:::`, any partition);
/// per-bucket ARNs do not count. Advanced: `eventCategory` Equals `Data`,
/// `resources.type` Equals `AWS::S3::Object`, `readOnly` absent or matching,
/// and no other filter (a `resources.ARN` filter counts only when it is a
/// StartsWith of an all-buckets prefix, which matches every object).
pub fn s3_data_coverage(selectors: &EventSelectors) -> S3DataCoverage {
    let mut cov = S3DataCoverage {
        selector_kind: selector_kind(selectors),
        all_buckets_read: false,
        all_buckets_write: false,
        partial: Vec::new(),
    };
    for (i, selector) in selectors.classic.iter().enumerate() {
        let label = selector_label(i, None);
        for resource in selector
            .data_resources
            .iter()
            .filter(|d| d.r#type == "AWS::S3::Object")
        {
            if resource.values.iter().any(|v| is_all_buckets_value(v)) {
                let (r, w) = read_write(&selector.read_write_type);
                cov.all_buckets_read |= r;
                cov.all_buckets_write |= w;
                if !r || !w {
                    cov.partial.push(format!(
                        "{label} logs S3 object events of all buckets with ReadWriteType {}",
                        selector.read_write_type
                    ));
                }
            } else {
                cov.partial.push(format!(
                    "{label} logs S3 object events only for {}",
                    resource.values.join(", ")
                ));
            }
        }
    }
    for (i, selector) in selectors.advanced.iter().enumerate() {
        if !field_equals(selector, "eventCategory", "Data")
            || !field_equals(selector, "resources.type", "AWS::S3::Object")
        {
            continue;
        }
        let label = selector_label(i, selector.name.as_deref());
        let mut narrowed = Vec::new();
        for field in &selector.field_selectors {
            match field.field.as_str() {
                "eventCategory" | "resources.type" | "readOnly" => {}
                "resources.ARN"
                    if !has_negative(field)
                        && field.equals.is_empty()
                        && field.ends_with.is_empty()
                        && !field.starts_with.is_empty()
                        && field.starts_with.iter().any(|p| is_all_buckets_value(p)) => {}
                _ => narrowed.push(describe_field(field)),
            }
        }
        if !narrowed.is_empty() {
            cov.partial.push(format!(
                "{label} logs S3 object events only where {}",
                narrowed.join(" and ")
            ));
            continue;
        }
        let (r, w) = advanced_read_write(selector);
        cov.all_buckets_read |= r;
        cov.all_buckets_write |= w;
        if !r || !w {
            cov.partial.push(format!(
                "{label} logs S3 object events of all buckets only for {} events",
                if r {
                    "read"
                } else if w {
                    "write"
                } else {
                    "no"
                }
            ));
        }
    }
    cov
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{DataResource, EventSelector};

    fn classic(rw: &str, mgmt: bool, exclude: &[&str], data: &[(&str, &[&str])]) -> EventSelector {
        EventSelector {
            read_write_type: rw.to_string(),
            include_management_events: mgmt,
            exclude_management_event_sources: exclude.iter().map(|s| s.to_string()).collect(),
            data_resources: data
                .iter()
                .map(|(t, values)| DataResource {
                    r#type: t.to_string(),
                    values: values.iter().map(|v| v.to_string()).collect(),
                })
                .collect(),
        }
    }

    fn eq(field: &str, values: &[&str]) -> AdvancedFieldSelector {
        AdvancedFieldSelector {
            field: field.to_string(),
            equals: values.iter().map(|v| v.to_string()).collect(),
            ..Default::default()
        }
    }

    fn advanced(fields: Vec<AdvancedFieldSelector>) -> AdvancedEventSelector {
        AdvancedEventSelector {
            name: Some("sel".to_string()),
            field_selectors: fields,
        }
    }

    fn of_classic(selectors: Vec<EventSelector>) -> EventSelectors {
        EventSelectors {
            classic: selectors,
            advanced: vec![],
        }
    }

    fn of_advanced(selectors: Vec<AdvancedEventSelector>) -> EventSelectors {
        EventSelectors {
            classic: vec![],
            advanced: selectors,
        }
    }

    #[test]
    fn the_aws_default_selector_records_all_management_events_and_no_data_events() {
        let cov = management_coverage(&EventSelectors::aws_default());
        assert!(cov.records_all(), "{}", cov.reason);
        assert_eq!(cov.selector_kind, "classic");
        let data = s3_data_coverage(&EventSelectors::aws_default());
        assert!(!data.all_buckets_read && !data.all_buckets_write);
    }

    /// Both lists empty: the trail matches no event (it is not the default).
    #[test]
    fn no_selectors_at_all_record_nothing() {
        let cov = management_coverage(&EventSelectors::default());
        assert!(!cov.records_all());
        assert!(!cov.read && !cov.write);
        assert_eq!(cov.selector_kind, "none");
        assert!(cov.reason.contains("no event selectors"), "{}", cov.reason);
    }

    #[test]
    fn classic_all_with_management_records_all() {
        let cov = management_coverage(&of_classic(vec![classic("All", true, &[], &[])]));
        assert!(cov.records_all(), "{cov:?}");
        assert!(cov.excluded_sources.is_empty());
    }

    #[test]
    fn classic_read_only_or_write_only_alone_is_not_all() {
        for (rw, read, write) in [("ReadOnly", true, false), ("WriteOnly", false, true)] {
            let cov = management_coverage(&of_classic(vec![classic(rw, true, &[], &[])]));
            assert_eq!(
                (cov.read, cov.write, cov.all_read, cov.all_write),
                (read, write, read, write)
            );
            assert!(!cov.records_all(), "{rw}");
            assert!(
                cov.reason.contains(if read { "write" } else { "read" }),
                "{}",
                cov.reason
            );
        }
    }

    #[test]
    fn classic_selectors_are_ored() {
        let cov = management_coverage(&of_classic(vec![
            classic("ReadOnly", true, &[], &[]),
            classic("WriteOnly", true, &[], &[]),
        ]));
        assert!(cov.records_all());
    }

    #[test]
    fn classic_without_management_events_records_none() {
        let cov = management_coverage(&of_classic(vec![classic(
            "All",
            false,
            &[],
            &[("AWS::S3::Object", &["arn:aws:s3"])],
        )]));
        assert!(!cov.read && !cov.write && !cov.records_all());
        assert_eq!(cov.reason, "no event selector records management events");
    }

    #[test]
    fn exclude_management_event_sources_is_not_all() {
        let cov = management_coverage(&of_classic(vec![classic(
            "All",
            true,
            &["kms.amazonaws.com", "rdsdata.amazonaws.com"],
            &[],
        )]));
        assert!(cov.read && cov.write);
        assert!(!cov.records_all());
        assert_eq!(
            cov.excluded_sources,
            vec!["kms.amazonaws.com", "rdsdata.amazonaws.com"]
        );
        assert!(cov.reason.contains("kms.amazonaws.com"), "{}", cov.reason);
    }

    #[test]
    fn an_excluding_selector_is_compensated_by_a_complete_one() {
        let cov = management_coverage(&of_classic(vec![
            classic("All", true, &["kms.amazonaws.com"], &[]),
            classic("All", true, &[], &[]),
        ]));
        assert!(cov.records_all());
    }

    #[test]
    fn unknown_read_write_type_records_nothing() {
        let cov = management_coverage(&of_classic(vec![classic("Sometimes", true, &[], &[])]));
        assert!(!cov.read && !cov.write);
    }

    #[test]
    fn advanced_management_without_read_only_records_all() {
        let cov = management_coverage(&of_advanced(vec![advanced(vec![eq(
            "eventCategory",
            &["Management"],
        )])]));
        assert!(cov.records_all(), "{cov:?}");
        assert_eq!(cov.selector_kind, "advanced");
    }

    #[test]
    fn advanced_read_only_true_or_false_is_one_side() {
        let read = management_coverage(&of_advanced(vec![advanced(vec![
            eq("eventCategory", &["Management"]),
            eq("readOnly", &["true"]),
        ])]));
        assert!(read.all_read && !read.write && !read.records_all());
        let write = management_coverage(&of_advanced(vec![advanced(vec![
            eq("eventCategory", &["Management"]),
            eq("readOnly", &["false"]),
        ])]));
        assert!(write.all_write && !write.read && !write.records_all());
        let not_true = management_coverage(&of_advanced(vec![advanced(vec![
            eq("eventCategory", &["Management"]),
            AdvancedFieldSelector {
                field: "readOnly".to_string(),
                not_equals: vec!["true".to_string()],
                ..Default::default()
            },
        ])]));
        assert!(not_true.write && !not_true.read);
    }

    #[test]
    fn advanced_read_and_write_selectors_union_to_all() {
        let cov = management_coverage(&of_advanced(vec![
            advanced(vec![
                eq("eventCategory", &["Management"]),
                eq("readOnly", &["true"]),
            ]),
            advanced(vec![
                eq("eventCategory", &["Management"]),
                eq("readOnly", &["false"]),
            ]),
        ]));
        assert!(cov.records_all());
    }

    #[test]
    fn advanced_event_source_exclusion_is_not_all() {
        let cov = management_coverage(&of_advanced(vec![advanced(vec![
            eq("eventCategory", &["Management"]),
            AdvancedFieldSelector {
                field: "eventSource".to_string(),
                not_equals: vec!["kms.amazonaws.com".to_string()],
                ..Default::default()
            },
        ])]));
        assert!(cov.read && cov.write && !cov.records_all());
        assert_eq!(cov.excluded_sources, vec!["kms.amazonaws.com"]);
        assert!(cov.restrictions[0].contains("eventSource NotEquals [kms.amazonaws.com]"));
    }

    #[test]
    fn advanced_event_source_narrowing_and_other_fields_are_not_all() {
        for field in [
            eq("eventSource", &["s3.amazonaws.com"]),
            AdvancedFieldSelector {
                field: "eventSource".to_string(),
                starts_with: vec!["iam".to_string()],
                ..Default::default()
            },
            eq("userIdentity.arn", &["arn:aws:iam::111111111111:role/x"]),
        ] {
            let cov = management_coverage(&of_advanced(vec![advanced(vec![
                eq("eventCategory", &["Management"]),
                field.clone(),
            ])]));
            assert!(!cov.records_all(), "{field:?}");
            assert!(cov.excluded_sources.is_empty());
        }
    }

    #[test]
    fn advanced_data_only_selectors_record_no_management_events() {
        let cov = management_coverage(&of_advanced(vec![advanced(vec![
            eq("eventCategory", &["Data"]),
            eq("resources.type", &["AWS::S3::Object"]),
        ])]));
        assert!(!cov.read && !cov.write);
    }

    #[test]
    fn all_buckets_values_are_partition_aware() {
        for v in [
            "arn:aws:s3",
            "arn:aws:s3:::",
            "arn:aws-us-gov:s3",
            "arn:aws-cn:s3:::",
        ] {
            assert!(is_all_buckets_value(v), "{v}");
        }
        for v in [
            "arn:aws:s3:::bucket/",
            "arn:aws:s3:::bucket",
            "s3",
            "arn:aws:s3:::b/prefix",
            "arn:aws:sqs",
            "",
        ] {
            assert!(!is_all_buckets_value(v), "{v}");
        }
    }

    #[test]
    fn classic_s3_all_buckets_follows_read_write_type() {
        for (rw, read, write) in [
            ("All", true, true),
            ("ReadOnly", true, false),
            ("WriteOnly", false, true),
        ] {
            for value in ["arn:aws:s3", "arn:aws:s3:::"] {
                let cov = s3_data_coverage(&of_classic(vec![classic(
                    rw,
                    true,
                    &[],
                    &[("AWS::S3::Object", &[value])],
                )]));
                assert_eq!(
                    (cov.all_buckets_read, cov.all_buckets_write),
                    (read, write),
                    "{rw} {value}"
                );
            }
        }
    }

    #[test]
    fn classic_s3_per_bucket_arns_do_not_count() {
        let cov = s3_data_coverage(&of_classic(vec![classic(
            "All",
            true,
            &[],
            &[(
                "AWS::S3::Object",
                &["arn:aws:s3:::bucket-a/", "arn:aws:s3:::bucket-b/logs"],
            )],
        )]));
        assert!(!cov.all_buckets_read && !cov.all_buckets_write);
        assert_eq!(cov.partial.len(), 1);
        assert!(cov.partial[0].contains("bucket-a"));
    }

    #[test]
    fn classic_other_data_types_do_not_count() {
        let cov = s3_data_coverage(&of_classic(vec![classic(
            "All",
            true,
            &[],
            &[("AWS::Lambda::Function", &["arn:aws:lambda"])],
        )]));
        assert!(!cov.all_buckets_read && !cov.all_buckets_write);
    }

    #[test]
    fn advanced_s3_all_buckets() {
        let base = vec![
            eq("eventCategory", &["Data"]),
            eq("resources.type", &["AWS::S3::Object"]),
        ];
        let cov = s3_data_coverage(&of_advanced(vec![advanced(base.clone())]));
        assert!(cov.all_buckets_read && cov.all_buckets_write);
        let mut read_only = base.clone();
        read_only.push(eq("readOnly", &["true"]));
        let cov = s3_data_coverage(&of_advanced(vec![advanced(read_only)]));
        assert!(cov.all_buckets_read && !cov.all_buckets_write);
        let mut write_only = base.clone();
        write_only.push(eq("readOnly", &["false"]));
        let cov = s3_data_coverage(&of_advanced(vec![advanced(write_only)]));
        assert!(!cov.all_buckets_read && cov.all_buckets_write);
        let mut prefix_all = base;
        prefix_all.push(AdvancedFieldSelector {
            field: "resources.ARN".to_string(),
            starts_with: vec!["arn:aws-us-gov:s3:::".to_string()],
            ..Default::default()
        });
        let cov = s3_data_coverage(&of_advanced(vec![advanced(prefix_all)]));
        assert!(cov.all_buckets_read && cov.all_buckets_write);
    }

    #[test]
    fn advanced_s3_narrowing_does_not_count() {
        let narrowings = [
            AdvancedFieldSelector {
                field: "resources.ARN".to_string(),
                starts_with: vec!["arn:aws:s3:::bucket-a/".to_string()],
                ..Default::default()
            },
            AdvancedFieldSelector {
                field: "resources.ARN".to_string(),
                not_starts_with: vec!["arn:aws:s3:::noisy-bucket/".to_string()],
                ..Default::default()
            },
            eq("resources.ARN", &["arn:aws:s3:::bucket-a/key"]),
            eq("eventName", &["PutObject"]),
            eq("userIdentity.arn", &["arn:aws:iam::111111111111:role/app"]),
            AdvancedFieldSelector {
                field: "errorCode".to_string(),
                not_equals: vec!["AccessDenied".to_string()],
                ..Default::default()
            },
        ];
        for narrowing in narrowings {
            let cov = s3_data_coverage(&of_advanced(vec![advanced(vec![
                eq("eventCategory", &["Data"]),
                eq("resources.type", &["AWS::S3::Object"]),
                narrowing.clone(),
            ])]));
            assert!(
                !cov.all_buckets_read && !cov.all_buckets_write,
                "{narrowing:?}"
            );
            assert_eq!(cov.partial.len(), 1);
        }
    }

    #[test]
    fn advanced_other_resource_types_do_not_count() {
        let cov = s3_data_coverage(&of_advanced(vec![advanced(vec![
            eq("eventCategory", &["Data"]),
            eq("resources.type", &["AWS::DynamoDB::Table"]),
        ])]));
        assert!(!cov.all_buckets_read && !cov.all_buckets_write);
        let management = s3_data_coverage(&of_advanced(vec![advanced(vec![eq(
            "eventCategory",
            &["Management"],
        )])]));
        assert!(!management.all_buckets_read);
    }

    #[test]
    fn advanced_s3_read_and_write_selectors_union() {
        let cov = s3_data_coverage(&of_advanced(vec![
            advanced(vec![
                eq("eventCategory", &["Data"]),
                eq("resources.type", &["AWS::S3::Object"]),
                eq("readOnly", &["true"]),
            ]),
            advanced(vec![
                eq("eventCategory", &["Data"]),
                eq("resources.type", &["AWS::S3::Object"]),
                eq("readOnly", &["false"]),
            ]),
        ]));
        assert!(cov.all_buckets_read && cov.all_buckets_write);
    }
}
