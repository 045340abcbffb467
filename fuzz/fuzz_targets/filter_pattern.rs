//! Arbitrary bytes as a filter pattern: parsing must never panic, an error
//! must point inside the input, and a parsed pattern must evaluate against a
//! CloudTrail-like event and print a canonical form that parses back equal.

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use trailwarden::filter_pattern;

fn event() -> &'static serde_json::Value {
    static EVENT: OnceLock<serde_json::Value> = OnceLock::new();
    EVENT.get_or_init(|| {
        serde_json::json!({
            "eventVersion": "1.09",
            "userIdentity": { "type": "Root", "accountId": "111122223333", "invokedBy": null },
            "eventSource": "kms.amazonaws.com",
            "eventName": "ScheduleKeyDeletion",
            "errorCode": "AccessDenied",
            "sourceIPAddress": "203.0.113.10",
            "additionalEventData": { "MFAUsed": "No" },
            "responseElements": { "ConsoleLogin": "Success" },
            "readOnly": false,
            "latency": 512.5,
            "actions": ["GET", "PUT", 3, [1, 2]],
        })
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    match filter_pattern::parse(src) {
        Ok(pattern) => {
            let _ = pattern.matches(event());
            let printed = pattern.to_string();
            let reparsed = filter_pattern::parse(&printed).expect("canonical form parses");
            assert_eq!(
                reparsed, pattern,
                "canonical form {printed:?} reparses equal"
            );
            assert_eq!(reparsed.matches(event()), pattern.matches(event()));
        }
        Err(e) => {
            assert!(e.offset <= src.len() && src.is_char_boundary(e.offset));
            assert!(e.column >= 1);
        }
    }
});
