//! Evaluating a parsed pattern against one JSON event.
//!
//! Where the AWS documentation is silent we chose, and say so here:
//! - **Missing field with `=` or `!=`: false for both.** AWS documents that a
//!   selector "must point to a value node (string or number)" and that on an
//!   array both `{$.users = 1}` and `{$.users != 1}` fail to match; a missing
//!   field points at no value node either, and `NOT EXISTS` exists precisely
//!   to match absence (the CIS root-usage pattern relies on it). So
//!   `$.x != "a"` never matches an event without `x`.
//! - **`null` and booleans with `=`/`!=`: false for both** (not value nodes
//!   by the same rule); `IS NULL`, `IS TRUE`, `IS FALSE` test them.
//! - **A number field with a string value** compares the number's JSON text
//!   (so `$.latency = *` matches any latency, as AWS's own metric-value
//!   example needs); a string field with a numeric literal compares text
//!   (`$.recipientAccountId = 123456789012` matches CloudTrail's string).
//! - **`EXISTS`** is true for any value, `null` included.

use super::{CompareOp, Condition, Expr, Literal, Predicate, Segment, Selector};
use serde_json::Value;

pub(super) fn matches(expr: &Expr, event: &Value) -> bool {
    match expr {
        Expr::Or(items) => items.iter().any(|e| matches(e, event)),
        Expr::And(items) => items.iter().all(|e| matches(e, event)),
        Expr::Condition(c) => condition(c, event),
    }
}

fn resolve<'a>(selector: &Selector, event: &'a Value) -> Option<&'a Value> {
    selector
        .segments
        .iter()
        .try_fold(event, |node, segment| match segment {
            Segment::Key(key) => node.as_object()?.get(key),
            Segment::Index(i) => node.as_array()?.get(*i),
        })
}

fn condition(c: &Condition, event: &Value) -> bool {
    let node = resolve(&c.selector, event);
    match &c.predicate {
        Predicate::Exists => node.is_some(),
        Predicate::NotExists => node.is_none(),
        Predicate::IsNull => matches!(node, Some(Value::Null)),
        Predicate::IsTrue => matches!(node, Some(Value::Bool(true))),
        Predicate::IsFalse => matches!(node, Some(Value::Bool(false))),
        Predicate::Compare(op, literal) => match node {
            Some(node @ (Value::String(_) | Value::Number(_))) => compare(*op, node, literal),
            _ => false,
        },
    }
}

/// `node` is a string or a number.
fn compare(op: CompareOp, node: &Value, literal: &Literal) -> bool {
    match op {
        CompareOp::Eq => equals(node, literal),
        CompareOp::Ne => !equals(node, literal),
        CompareOp::Lt | CompareOp::Le | CompareOp::Gt | CompareOp::Ge => {
            let (Some(field), Literal::Num { value, .. }) = (node.as_f64(), literal) else {
                return false;
            };
            match op {
                CompareOp::Lt => field < *value,
                CompareOp::Le => field <= *value,
                CompareOp::Gt => field > *value,
                _ => field >= *value,
            }
        }
    }
}

fn equals(node: &Value, literal: &Literal) -> bool {
    match (node, literal) {
        (Value::Number(n), Literal::Num { value, .. }) => n.as_f64() == Some(*value),
        (Value::String(s), Literal::Num { text, .. }) => s == text,
        (Value::String(s), Literal::Str(pattern)) => wildcard_match(pattern, s),
        (Value::Number(n), Literal::Str(pattern)) => wildcard_match(pattern, &n.to_string()),
        _ => false,
    }
}

/// AWS: `*` matches "any text at, before, or after a search term"; `Ev*ent`
/// "will only match the actual string Ev*ent". Runs of `*` count as one.
pub(super) fn wildcard_match(pattern: &str, text: &str) -> bool {
    let core = pattern.trim_start_matches('*');
    let leading = core.len() != pattern.len();
    if core.is_empty() {
        // `*`, `**`, ...: anything, the empty string included.
        return leading || text.is_empty();
    }
    let trimmed = core.trim_end_matches('*');
    let trailing = trimmed.len() != core.len();
    match (leading, trailing) {
        (true, true) => text.contains(trimmed),
        (true, false) => text.ends_with(trimmed),
        (false, true) => text.starts_with(trimmed),
        (false, false) => text == trimmed,
    }
}
