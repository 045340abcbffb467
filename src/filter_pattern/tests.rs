//! Engine tests: syntax, precedence, wildcards, missing fields, arrays,
//! errors with positions, the CIS patterns on realistic CloudTrail records,
//! and property tests.

use super::*;
use serde_json::{json, Value};

fn p(src: &str) -> Pattern {
    match parse(src) {
        Ok(pattern) => pattern,
        Err(e) => panic!("{src:?} should parse: {e}"),
    }
}

fn m(src: &str, event: &Value) -> bool {
    p(src).matches(event)
}

fn err(src: &str) -> ParseError {
    match parse(src) {
        Ok(pattern) => panic!("{src:?} should not parse, got {pattern}"),
        Err(e) => e,
    }
}

/// The example event of the AWS documentation's compound-conditions section.
fn doc_event() -> Value {
    json!({
        "user": { "id": 1, "email": "John.Stiles@example.com" },
        "users": [
            { "id": 2, "email": "John.Doe@example.com" },
            { "id": 3, "email": "Jane.Doe@example.com" }
        ],
        "actions": ["GET", "PUT", "DELETE"],
        "coordinates": [[0, 1, 2], [4, 5, 6], [7, 8, 9]],
        "eventType": "UpdateTrail",
        "sourceIPAddress": "111.111.111.111",
        "SomeObject": null,
        "ThisFlag": true,
        "OtherFlag": false,
        "latency": 512.5,
        "code": "200"
    })
}

// ---- syntax -------------------------------------------------------------

#[test]
fn documented_examples_match_the_documented_event() {
    let e = doc_event();
    assert!(m(r#"{ $.eventType = "UpdateTrail" }"#, &e));
    assert!(m("{ $.sourceIPAddress != 123.123.* }", &e));
    assert!(m(r#"{ $.actions[0] = "GET" }"#, &e));
    assert!(m("{ $.users[1].id = 3 }", &e));
    assert!(m("{ $.SomeObject IS NULL }", &e));
    assert!(m("{ $.SomeOtherObject NOT EXISTS }", &e));
    assert!(m("{ $.ThisFlag IS TRUE }", &e));
    assert!(m("{ $.OtherFlag IS FALSE }", &e));
    assert!(m(
        r#"{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }"#,
        &e
    ));
    assert!(!m(
        r#"{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }"#,
        &e
    ));
}

#[test]
fn every_operator_and_keyword_parses_and_prints() {
    let cases = [
        ("{$.a=1}", "{ $.a = 1 }"),
        ("{ $.a != x }", r#"{ $.a != "x" }"#),
        ("{ $.a < 1 }", "{ $.a < 1 }"),
        ("{ $.a <= -1.5 }", "{ $.a <= -1.5 }"),
        ("{ $.a > +1000 }", "{ $.a > +1000 }"),
        ("{ $.a >= 10e-3 }", "{ $.a >= 10e-3 }"),
        ("{ $.a EXISTS }", "{ $.a EXISTS }"),
        ("{ $.a NOT EXISTS }", "{ $.a NOT EXISTS }"),
        ("{ $.a is null }", "{ $.a IS NULL }"),
        ("{ $.a IS TRUE }", "{ $.a IS TRUE }"),
        ("{ $.a IS FALSE }", "{ $.a IS FALSE }"),
        (
            "{ $.a-b.c_d[0][12].e = \"q\" }",
            r#"{ $.a-b.c_d[0][12].e = "q" }"#,
        ),
        (
            r#"{ $.a = "say \"hi\" \\ \x" }"#,
            r#"{ $.a = "say \"hi\" \\ \\x" }"#,
        ),
    ];
    for (src, canonical) in cases {
        let pattern = p(src);
        assert_eq!(pattern.to_string(), canonical, "{src}");
        assert_eq!(p(canonical), pattern, "{src} round trip");
    }
}

#[test]
fn whitespace_is_free_between_tokens() {
    let e = json!({ "a": "x", "b": 2 });
    let compact = p(r#"{($.a="x")&&($.b>1)}"#);
    for src in [
        "{ ( $.a = \"x\" ) && ( $.b > 1 ) }",
        "\n\t{\n  ($.a = x)\n  &&\n  ($.b > 1)\n}\n",
        "  {$.a=x&&$.b>1}  ",
    ] {
        let pattern = p(src);
        assert_eq!(pattern, compact, "{src:?}");
        assert!(pattern.matches(&e));
    }
}

#[test]
fn quoted_and_unquoted_values_are_the_same_string() {
    let e = json!({ "eventSource": "kms.amazonaws.com", "arn": "arn:aws:iam::1:role/x" });
    assert_eq!(
        p("{ $.eventSource = kms.amazonaws.com }"),
        p(r#"{ $.eventSource = "kms.amazonaws.com" }"#)
    );
    assert!(m("{ $.eventSource = kms.amazonaws.com }", &e));
    assert!(m("{ $.arn = arn:aws:iam::1:role/x }", &e));
    // A quoted value may hold what an unquoted one cannot.
    assert!(m(r#"{ $.arn = "arn:aws:iam::1:role/x" }"#, &e));
    assert!(m(r#"{ $.m = "a b@c" }"#, &json!({ "m": "a b@c" })));
}

// ---- precedence ---------------------------------------------------------

#[test]
fn and_binds_tighter_than_or_as_aws_documents() {
    let e = doc_event();
    // AWS: "Matches the JSON above" / "Doesn't match the JSON above".
    let loose = r#"{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }"#;
    let grouped = r#"{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch) && $.actions[2] = nomatch }"#;
    assert!(m(loose, &e));
    assert!(!m(grouped, &e));
    assert_eq!(
        p(loose),
        p(
            r#"{ $.user.email = "John.Stiles@example.com" || ($.coordinates[0][1] = nonmatch && $.actions[2] = nomatch) }"#
        )
    );
    assert_ne!(p(loose), p(grouped));
    assert_eq!(
        p(loose).to_string(),
        r#"{ $.user.email = "John.Stiles@example.com" || ($.coordinates[0][1] = "nonmatch" && $.actions[2] = "nomatch") }"#
    );
    assert_eq!(
        p(grouped).to_string(),
        r#"{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = "nonmatch") && $.actions[2] = "nomatch" }"#
    );
}

#[test]
fn redundant_parentheses_do_not_change_the_pattern() {
    let flat = p("{ $.a = 1 && $.b = 2 && $.c = 3 }");
    assert_eq!(p("{ (($.a = 1) && ($.b = 2)) && $.c = 3 }"), flat);
    assert_eq!(p("{ $.a = 1 && ($.b = 2 && ($.c = 3)) }"), flat);
    assert_eq!(p("{ ((($.a = 1 && $.b = 2 && $.c = 3))) }"), flat);
    assert_eq!(
        p("{ ($.a = 1 || $.b = 2) || $.c = 3 }"),
        p("{ $.a = 1 || $.b = 2 || $.c = 3 }")
    );
}

// ---- wildcards ----------------------------------------------------------

#[test]
fn wildcards_match_at_start_end_or_both_and_interior_star_is_literal() {
    let e = |v: &str| json!({ "v": v });
    assert!(m(r#"{ $.v = "*Event" }"#, &e("PutEvent")));
    assert!(!m(r#"{ $.v = "*Event" }"#, &e("EventPut")));
    assert!(m("{ $.v = Event* }", &e("EventName")));
    assert!(!m("{ $.v = Event* }", &e("PutEventName")));
    assert!(m("{ $.v = *Event* }", &e("PutEventName")));
    assert!(m("{ $.v = *Event* }", &e("Event")));
    assert!(!m("{ $.v = *Event* }", &e("Evnt")));
    // AWS: "Ev*ent will only match the actual string Ev*ent".
    assert!(!m("{ $.v = Ev*ent }", &e("Event")));
    assert!(m("{ $.v = Ev*ent }", &e("Ev*ent")));
    assert!(m("{ $.v = * }", &e("")));
    assert!(m("{ $.v = ** }", &e("anything")));
    assert!(m("{ $.v = 123.123.* }", &e("123.123.4.5")));
    assert!(!m("{ $.v != 123.123.* }", &e("123.123.4.5")));
    assert!(m("{ $.v != 123.123.* }", &e("10.0.0.1")));
    // Case matters: filters are case sensitive.
    assert!(!m("{ $.v = event* }", &e("EventName")));
}

#[test]
fn star_matches_any_value_node_but_not_absence_or_containers() {
    let e = doc_event();
    assert!(m("{ $.latency = * }", &e));
    assert!(m("{ $.eventType = * }", &e));
    assert!(!m("{ $.missing = * }", &e));
    assert!(!m("{ $.users = * }", &e));
    assert!(!m("{ $.SomeObject = * }", &e));
}

// ---- missing fields, nulls, booleans, containers ------------------------

#[test]
fn comparisons_on_a_missing_field_are_false_both_ways() {
    let e = json!({ "eventName": "ConsoleLogin" });
    assert!(!m(r#"{ $.errorCode = "AccessDenied" }"#, &e));
    assert!(!m(r#"{ $.errorCode != "AccessDenied" }"#, &e));
    assert!(!m("{ $.a.b.c != x }", &e));
    assert!(!m("{ $.eventName.x != x }", &e));
    assert!(m("{ $.errorCode NOT EXISTS }", &e));
    assert!(!m("{ $.errorCode EXISTS }", &e));
    assert!(m("{ $.eventName EXISTS }", &e));
    assert!(m(
        r#"{ $.errorCode NOT EXISTS || $.errorCode != "AccessDenied" }"#,
        &e
    ));
}

#[test]
fn containers_null_and_booleans_are_not_compared() {
    let e = doc_event();
    // AWS: on an array both `=` and `!=` fail.
    assert!(!m("{ $.users = 1 }", &e));
    assert!(!m("{ $.users != 1 }", &e));
    assert!(!m("{ $.user != x }", &e));
    assert!(!m("{ $.SomeObject != x }", &e));
    assert!(!m("{ $.ThisFlag = true }", &e));
    assert!(!m("{ $.ThisFlag != true }", &e));
    assert!(m("{ $.SomeObject EXISTS }", &e));
    assert!(!m("{ $.SomeObject NOT EXISTS }", &e));
    assert!(!m("{ $.missing IS NULL }", &e));
    assert!(!m("{ $.ThisFlag IS FALSE }", &e));
    assert!(!m("{ $.eventType IS TRUE }", &e));
    assert!(!m(r#"{ $.code IS TRUE }"#, &json!({ "code": "true" })));
}

// ---- arrays -------------------------------------------------------------

#[test]
fn array_indexes_select_elements_and_fail_out_of_range_or_on_non_arrays() {
    let e = doc_event();
    assert!(m("{ $.actions[2] = DELETE }", &e));
    assert!(m("{ $.coordinates[1][2] = 6 }", &e));
    assert!(m(r#"{ $.users[0].email = "John.Doe@example.com" }"#, &e));
    assert!(!m("{ $.actions[3] = DELETE }", &e));
    assert!(!m("{ $.actions[3] != DELETE }", &e));
    assert!(m("{ $.actions[3] NOT EXISTS }", &e));
    assert!(!m("{ $.user[0] = 1 }", &e));
    assert!(!m("{ $.eventType[0] = U }", &e));
    assert!(!m("{ $.actions.x = 1 }", &e));
}

// ---- numbers ------------------------------------------------------------

#[test]
fn numeric_comparisons_only_on_numbers() {
    let e = doc_event();
    assert!(m("{ $.latency > 500 }", &e));
    assert!(m("{ $.latency >= 512.5 }", &e));
    assert!(m("{ $.latency <= 5.125e2 }", &e));
    assert!(!m("{ $.latency < 512.5 }", &e));
    assert!(m("{ $.user.id = 1.0 }", &e));
    assert!(m("{ $.user.id != 2 }", &e));
    assert!(m("{ $.user.id = +1 }", &e));
    // A string that looks like a number is not compared numerically...
    assert!(!m("{ $.code > 100 }", &e));
    assert!(!m("{ $.code < 1000 }", &e));
    // ...but `=` compares it as text.
    assert!(m("{ $.code = 200 }", &e));
    assert!(!m("{ $.code = 200.0 }", &e));
    // The documented account-id example: CloudTrail writes it as a string.
    assert!(m(
        "{ $.recipientAccountId = 123456789012 }",
        &json!({ "recipientAccountId": "123456789012" })
    ));
    // A string value against a number field compares the number's text.
    assert!(m(r#"{ $.user.id = "1" }"#, &e));
    assert!(m("{ $.latency = 512* }", &e));
}

#[test]
fn numeric_operators_require_a_number() {
    for src in [
        r#"{ $.a > "5" }"#,
        "{ $.a < abc }",
        "{ $.a >= 1.2.3 }",
        "{ $.a <= 5* }",
    ] {
        let e = err(src);
        assert!(e.message.contains("expected a number"), "{src}: {e}");
    }
}

#[test]
fn number_grammar() {
    use super::parser::parse_number;
    for ok in [
        "0", "400", "+1000", "-5", "55.5", ".5", "5.", "10e3", "10E-3", "1e+2",
    ] {
        assert!(parse_number(ok).is_some(), "{ok}");
    }
    for no in [
        "",
        "+",
        "-",
        ".",
        "e3",
        "1e",
        "1e+",
        "1.2.3",
        "123.123.*",
        "0x10",
        "1-2",
    ] {
        assert!(parse_number(no).is_none(), "{no}");
    }
}

// ---- errors and positions -----------------------------------------------

#[test]
fn errors_point_at_the_offending_column() {
    let e = err(r#"{ ($.eventName = "ConsoleLogin" }"#);
    assert_eq!(e.column, 33);
    assert_eq!(e.offset, 32);
    assert_eq!(e.to_string(), "at column 33: expected ')', found '}'");

    let e = err("{ $.a = 1 ");
    assert_eq!(
        e.to_string(),
        "at column 11: expected '}', found the end of the pattern"
    );

    let e = err("{ $.a = 1 & $.b = 2 }");
    assert_eq!((e.column, e.message.as_str()), (11, "expected '&&'"));

    let e = err("{ $.a = \"open }");
    assert_eq!(
        (e.column, e.message.as_str()),
        (9, "unterminated quoted string")
    );

    // Columns count characters, offsets count bytes.
    let e = err("{ $.a = \"éé\" && ) }");
    assert_eq!((e.offset, e.column), (18, 17));
}

#[test]
fn malformed_patterns_are_errors_not_matches() {
    let cases = [
        ("", "empty pattern"),
        ("ERROR", "only JSON filter patterns"),
        ("[ip, user]", "only JSON filter patterns"),
        ("{ }", "expected a selector"),
        ("{ $.a }", "expected an operator"),
        ("{ $.a = }", "expected a value"),
        ("{ $.a = 1 } extra", "expected the end of the pattern"),
        ("{ $.a = 1 }}", "expected the end of the pattern"),
        ("{ $ = 1 }", "expected '.' after '$'"),
        ("{ $. = 1 }", "expected a property name"),
        ("{ $.* = 1 }", "wildcard selectors"),
        ("{ $[0] = 1 }", "must follow a property"),
        ("{ $.a[] = 1 }", "expected an array index"),
        ("{ $.a[x] = 1 }", "expected an array index"),
        ("{ $.a[1 = 1 }", "expected ']'"),
        ("{ $.a[99999999999999999999999] = 1 }", "too large"),
        ("{ $.a[0]b = 1 }", "in selector"),
        ("{ $.a@b = 1 }", "unexpected character '@'"),
        ("{ $.a NOT NULL }", "expected 'EXISTS' after 'NOT'"),
        ("{ $.a IS MAYBE }", "expected NULL, TRUE or FALSE"),
        ("{ $.a = 1 && }", "expected a selector"),
        ("{ $.a = 1 || || $.b = 2 }", "expected a selector"),
        ("{ ($.a = 1 }", "expected ')'"),
        ("{ $.a = 1) }", "expected '}'"),
        ("{ $.a ! 1 }", "expected '!='"),
        ("{ $.a = %Del.*% }", "regular expression"),
        ("{ $.a == 1 }", "expected a value"),
        ("{ $.a = 1 $.b = 2 }", "expected '}'"),
        ("{ $.a = x y }", "expected '}'"),
        ("{ $.a = ~ }", "unexpected character"),
    ];
    for (src, needle) in cases {
        let e = err(src);
        assert!(e.message.contains(needle), "{src:?}: got {e}");
        assert!(e.offset <= src.len() && e.column >= 1, "{src:?}: {e:?}");
    }
}

#[test]
fn nesting_is_bounded_without_overflowing_the_stack() {
    let ok = format!(
        "{{ {}$.a = 1{} }}",
        "(".repeat(MAX_NESTING),
        ")".repeat(MAX_NESTING)
    );
    assert!(p(&ok).matches(&json!({ "a": 1 })));
    let deep = format!(
        "{{ {}$.a = 1{} }}",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    let e = err(&deep);
    assert!(e.message.contains("nested more than"), "{e}");
    assert_eq!(e.offset, 2 + MAX_NESTING);
}

#[test]
fn expression_levels_are_bounded_so_the_printed_form_always_reparses() {
    // `a || b && (c || d && (...))`: each level of parentheses adds two
    // levels of `||`/`&&`, which the canonical form parenthesises.
    let nested = |levels: usize| {
        let mut body = "$.z = 0".to_string();
        for i in 0..levels {
            body = format!("$.a = {i} || $.b = {i} && ({body})");
        }
        format!("{{ {body} }}")
    };
    let ok = p(&nested(MAX_NESTING / 2));
    assert_eq!(p(&ok.to_string()), ok);
    let e = err(&nested(MAX_NESTING / 2 + 1));
    assert!(e.message.contains("levels"), "{e}");
}

#[test]
fn long_flat_patterns_are_fine() {
    let n = 20_000;
    let src = format!(
        "{{ {} }}",
        (0..n)
            .map(|i| format!("$.k = v{i}"))
            .collect::<Vec<_>>()
            .join(" || ")
    );
    let pattern = p(&src);
    assert!(pattern.matches(&json!({ "k": format!("v{}", n - 1) })));
    assert!(!pattern.matches(&json!({ "k": "other" })));
    assert_eq!(p(&pattern.to_string()), pattern);
}

// ---- CIS patterns on realistic CloudTrail records ------------------------

const CIS_UNAUTHORIZED: &str = r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") && ($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket") }"#;
const CIS_UNAUTHORIZED_V1: &str =
    r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }"#;
const CIS_NO_MFA: &str = r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }"#;
const CIS_ROOT: &str = r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#;
const CIS_KMS: &str = "{ ($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }";

fn cloudtrail(overrides: Value) -> Value {
    let mut event = json!({
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": "AIDAEXAMPLEUSERID",
            "arn": "arn:aws:iam::111122223333:user/alice",
            "accountId": "111122223333",
            "accessKeyId": "AKIAEXAMPLEKEYID",
            "userName": "alice"
        },
        "eventTime": "2024-05-01T12:00:00Z",
        "eventSource": "ec2.amazonaws.com",
        "eventName": "DescribeInstances",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.10",
        "userAgent": "aws-cli/2.15.0",
        "requestParameters": null,
        "responseElements": null,
        "requestID": "11111111-2222-3333-4444-555555555555",
        "eventID": "66666666-7777-8888-9999-000000000000",
        "readOnly": true,
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": "111122223333",
        "eventCategory": "Management"
    });
    merge(&mut event, overrides);
    event
}

fn merge(into: &mut Value, from: Value) {
    match (into, from) {
        (Value::Object(into), Value::Object(from)) => {
            for (k, v) in from {
                match into.get_mut(&k) {
                    Some(slot) if v.is_object() && slot.is_object() => merge(slot, v),
                    _ => {
                        into.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

#[test]
fn cis_unauthorized_api_calls() {
    let pattern = p(CIS_UNAUTHORIZED);
    let v1 = p(CIS_UNAUTHORIZED_V1);
    let denied = cloudtrail(
        json!({ "errorCode": "AccessDenied", "errorMessage": "User: ... is not authorized" }),
    );
    let ec2 = cloudtrail(json!({ "errorCode": "Client.UnauthorizedOperation" }));
    let ok = cloudtrail(json!({}));
    let head_bucket = cloudtrail(json!({
        "eventSource": "s3.amazonaws.com", "eventName": "HeadBucket", "errorCode": "AccessDenied"
    }));
    let delivery = cloudtrail(json!({
        "sourceIPAddress": "delivery.logs.amazonaws.com", "errorCode": "AccessDenied"
    }));
    let other_error = cloudtrail(json!({ "errorCode": "ThrottlingException" }));
    for (event, expected, what) in [
        (&denied, true, "AccessDenied"),
        (&ec2, true, "UnauthorizedOperation"),
        (&ok, false, "success"),
        (&head_bucket, false, "HeadBucket is excluded"),
        (&delivery, false, "log delivery is excluded"),
        (&other_error, false, "unrelated error"),
    ] {
        assert_eq!(pattern.matches(event), expected, "{what}");
    }
    // `&&` binds tighter: the exclusions only apply to the AccessDenied
    // branch, so an UnauthorizedOperation from log delivery still matches.
    let ec2_delivery = cloudtrail(json!({
        "sourceIPAddress": "delivery.logs.amazonaws.com",
        "errorCode": "Client.UnauthorizedOperation"
    }));
    assert!(pattern.matches(&ec2_delivery));
    // The older form catches the excluded noise too.
    assert!(v1.matches(&denied) && v1.matches(&ec2) && v1.matches(&head_bucket));
    assert!(!v1.matches(&ok));
}

#[test]
fn cis_console_signin_without_mfa() {
    let pattern = p(CIS_NO_MFA);
    let login = |mfa: &str, user_type: &str, outcome: &str| {
        cloudtrail(json!({
            "eventSource": "signin.amazonaws.com",
            "eventName": "ConsoleLogin",
            "userIdentity": { "type": user_type },
            "additionalEventData": {
                "LoginTo": "https://console.aws.amazon.com/console/home",
                "MobileVersion": "No",
                "MFAUsed": mfa
            },
            "responseElements": { "ConsoleLogin": outcome },
            "readOnly": false
        }))
    };
    assert!(pattern.matches(&login("No", "IAMUser", "Success")));
    assert!(!pattern.matches(&login("Yes", "IAMUser", "Success")));
    assert!(!pattern.matches(&login("No", "IAMUser", "Failure")));
    assert!(!pattern.matches(&login("No", "Root", "Success")));
    assert!(!pattern.matches(&cloudtrail(json!({}))));
}

#[test]
fn cis_root_usage() {
    let pattern = p(CIS_ROOT);
    let root = |extra: Value| {
        let mut event = cloudtrail(json!({
            "userIdentity": {
                "type": "Root",
                "principalId": "111122223333",
                "arn": "arn:aws:iam::111122223333:root",
                "accountId": "111122223333"
            },
            "eventName": "ListBuckets",
            "eventSource": "s3.amazonaws.com"
        }));
        merge(&mut event, extra);
        event
    };
    assert!(pattern.matches(&root(json!({}))));
    assert!(!pattern.matches(&root(
        json!({ "userIdentity": { "invokedBy": "cloudformation.amazonaws.com" } })
    )));
    assert!(!pattern.matches(&root(json!({ "eventType": "AwsServiceEvent" }))));
    assert!(!pattern.matches(&cloudtrail(json!({}))));
    // Dropping NOT EXISTS is a real difference the engine sees.
    let broken = p(r#"{ $.userIdentity.type = "Root" && $.eventType != "AwsServiceEvent" }"#);
    assert!(broken.matches(&root(
        json!({ "userIdentity": { "invokedBy": "cloudformation.amazonaws.com" } })
    )));
}

#[test]
fn cis_kms_key_deletion() {
    let pattern = p(CIS_KMS);
    let kms = |name: &str| {
        cloudtrail(json!({
            "eventSource": "kms.amazonaws.com",
            "eventName": name,
            "requestParameters": { "keyId": "arn:aws:kms:us-east-1:111122223333:key/1234" }
        }))
    };
    assert!(pattern.matches(&kms("DisableKey")));
    assert!(pattern.matches(&kms("ScheduleKeyDeletion")));
    assert!(!pattern.matches(&kms("EnableKey")));
    assert!(!pattern.matches(&kms("DisableKeyRotation")));
    assert!(!pattern.matches(&cloudtrail(json!({ "eventName": "DisableKey" }))));
    // `&&` where `||` was needed breaks it.
    let broken = p(
        "{ ($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)&&($.eventName=ScheduleKeyDeletion)) }",
    );
    assert!(!broken.matches(&kms("DisableKey")));
    // A reordered, requoted rewrite is the same pattern.
    let rewrite = p(
        r#"{ (($.eventName = "DisableKey") || ($.eventName = "ScheduleKeyDeletion")) && $.eventSource = "kms.amazonaws.com" }"#,
    );
    assert!(rewrite.matches(&kms("ScheduleKeyDeletion")));
    assert!(!rewrite.matches(&kms("EnableKey")));
}

#[test]
fn cis_patterns_round_trip_through_their_canonical_form() {
    for src in [
        CIS_UNAUTHORIZED,
        CIS_UNAUTHORIZED_V1,
        CIS_NO_MFA,
        CIS_ROOT,
        CIS_KMS,
    ] {
        let pattern = p(src);
        assert_eq!(p(&pattern.to_string()), pattern, "{src}");
    }
    assert_eq!(
        p(CIS_KMS).to_string(),
        r#"{ $.eventSource = "kms.amazonaws.com" && ($.eventName = "DisableKey" || $.eventName = "ScheduleKeyDeletion") }"#
    );
    assert_eq!(
        p(CIS_UNAUTHORIZED).to_string(),
        r#"{ $.errorCode = "*UnauthorizedOperation" || ($.errorCode = "AccessDenied*" && $.sourceIPAddress != "delivery.logs.amazonaws.com" && $.eventName != "HeadBucket") }"#
    );
}

// ---- property tests -----------------------------------------------------

mod properties {
    use super::super::*;
    use proptest::prelude::*;
    use serde_json::{json, Value};

    fn selector() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop_oneof![
                3 => "[a-c]".prop_map(|k| format!(".{k}")),
                1 => (0usize..3).prop_map(|i| format!("[{i}]")),
            ],
            0..3,
        )
        .prop_map(|rest| format!("$.{}{}", "a", rest.concat()))
    }

    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-c]{0,3}".prop_map(|s| format!("\"{s}\"")),
            "\\*?[a-c0-9]{1,3}\\*?",
            (-5i32..5).prop_map(|n| n.to_string()),
            "[a-c\"\\\\ ]{0,4}"
                .prop_map(|s| { format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")) }),
        ]
    }

    fn condition() -> impl Strategy<Value = String> {
        prop_oneof![
            (selector(), prop_oneof![Just("="), Just("!=")], value())
                .prop_map(|(s, op, v)| format!("{s} {op} {v}")),
            (
                selector(),
                prop_oneof![Just("<"), Just("<="), Just(">"), Just(">=")],
                -5i32..5
            )
                .prop_map(|(s, op, n)| format!("{s}{op}{n}")),
            (
                selector(),
                prop_oneof![
                    Just("EXISTS"),
                    Just("NOT EXISTS"),
                    Just("IS NULL"),
                    Just("IS TRUE"),
                    Just("IS FALSE")
                ]
            )
                .prop_map(|(s, k)| format!("{s} {k}")),
        ]
    }

    /// Pattern bodies (without braces), with arbitrary redundant parentheses.
    fn body() -> impl Strategy<Value = String> {
        condition().prop_recursive(4, 24, 3, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} && {b}")),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} || {b}")),
                inner.prop_map(|a| format!("({a})")),
            ]
        })
    }

    fn leaf() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (-5i64..5).prop_map(|n| json!(n)),
            "[a-c0-9*\"\\\\ ]{0,3}".prop_map(Value::String),
        ]
    }

    fn event() -> impl Strategy<Value = Value> {
        leaf()
            .prop_recursive(3, 16, 3, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
                    prop::collection::btree_map("[a-c]", inner, 0..3)
                        .prop_map(|m| Value::Object(m.into_iter().collect())),
                ]
            })
            .prop_map(|v| json!({ "a": v }))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn printing_then_reparsing_gives_an_equal_pattern(b in body()) {
            let src = format!("{{ {b} }}");
            let pattern = parse(&src).map_err(|e| TestCaseError::fail(format!("{src}: {e}")))?;
            let printed = pattern.to_string();
            let reparsed = parse(&printed).map_err(|e| TestCaseError::fail(format!("{printed}: {e}")))?;
            prop_assert_eq!(&reparsed, &pattern);
            prop_assert_eq!(reparsed.to_string(), printed);
        }

        #[test]
        fn printed_form_matches_the_same_events(b in body(), e in event()) {
            let pattern = parse(&format!("{{ {b} }}")).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let reparsed = parse(&pattern.to_string()).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(pattern.matches(&e), reparsed.matches(&e));
        }

        #[test]
        fn or_and_follow_boolean_logic(a in body(), b in body(), e in event()) {
            let pa = parse(&format!("{{ {a} }}")).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let pb = parse(&format!("{{ {b} }}")).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let or = parse(&format!("{{ ({a}) || ({b}) }}")).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let and = parse(&format!("{{ ({a}) && ({b}) }}")).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(or.matches(&e), pa.matches(&e) || pb.matches(&e));
            prop_assert_eq!(and.matches(&e), pa.matches(&e) && pb.matches(&e));
        }

        #[test]
        fn exists_and_not_exists_are_complements(s in selector(), e in event()) {
            let yes = parse(&format!("{{ {s} EXISTS }}")).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let no = parse(&format!("{{ {s} NOT EXISTS }}")).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_ne!(yes.matches(&e), no.matches(&e));
        }

        #[test]
        fn eq_and_ne_never_both_match(s in selector(), v in value(), e in event()) {
            let eq = parse(&format!("{{ {s} = {v} }}")).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let ne = parse(&format!("{{ {s} != {v} }}")).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert!(!(eq.matches(&e) && ne.matches(&e)));
            // On a value node exactly one of them matches.
            let exists_as_value = parse(&format!("{{ {s} = * }}")).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(eq.matches(&e) || ne.matches(&e), exists_as_value.matches(&e));
        }

        #[test]
        fn parse_never_panics_on_arbitrary_strings(s in "\\PC{0,64}") {
            if let Err(e) = parse(&s) {
                prop_assert!(e.offset <= s.len());
                prop_assert!(s.is_char_boundary(e.offset));
                prop_assert!(e.column >= 1);
            }
        }

        #[test]
        fn parse_never_panics_on_pattern_like_noise(
            s in "[{}()$.a\\[\\]0-9=!<>&| \"*\\\\%-]{0,48}"
        ) {
            if let Ok(pattern) = parse(&s) {
                let _ = pattern.matches(&json!({ "a": [1, "x", null] }));
                prop_assert_eq!(parse(&pattern.to_string()).ok(), Some(pattern));
            }
        }
    }
}
