//! CloudWatch Logs metric filter patterns over JSON log events: a parser and
//! an evaluator, so the CIS monitoring checks can decide what a filter really
//! matches instead of comparing its text against a regular expression.
//!
//! The syntax is the one AWS documents for JSON filter patterns ("Filter and
//! pattern syntax", section "Matching terms in JSON log events"):
//!
//! ```text
//! pattern    := '{' or '}'
//! or         := and ( '||' and )*
//! and        := primary ( '&&' primary )*
//! primary    := '(' or ')' | condition
//! condition  := selector ( ('=' | '!=') value
//!                        | ('<' | '<=' | '>' | '>=') number
//!                        | 'EXISTS' | 'NOT' 'EXISTS'
//!                        | 'IS' ('NULL' | 'TRUE' | 'FALSE') )
//! selector   := '$' ( '.' key ( '[' digits ']' )* )+        key: [A-Za-z0-9_-]+
//! value      := '"' quoted '"' | bare                        bare: [A-Za-z0-9_.:/*+-]+
//! ```
//!
//! Semantics, each with the documentation it follows (see `eval.rs` for the
//! choices the documentation leaves open, and the tests for each of them):
//! - **Precedence**: "the syntax follows standard order of operations
//!   `()` > `&&` > `||`". So `A || B && C` is `A || (B && C)`: the CIS v3/v5
//!   unauthorized-API-calls pattern only applies its exclusions to the
//!   `AccessDenied*` branch, exactly as CloudWatch does.
//! - **Wildcards**: `*` matches any text "at, before, or after a search term"
//!   (`*Event`, `Event*`, `*Event*`, and `*` alone); AWS states that
//!   `Ev*ent` "will only match the actual string `Ev*ent`", so an interior
//!   `*` is literal.
//! - **Selectors must reach a value node** (a string or a number): on an
//!   array, an object, or (our reading, see `eval.rs`) a missing field, both
//!   `=` and `!=` are false. `NOT EXISTS` is the way to say "absent".
//! - **Numbers**: `<`, `<=`, `>`, `>=` compare only JSON numbers; a numeric
//!   literal (`400`, `+1000`, `10e-3`, `55.5`) with `=`/`!=` compares
//!   numerically with a number and textually with a string.
//!
//! Not supported (a pattern using them is a [`ParseError`], so it never counts
//! as a passing filter): text and space-delimited patterns, and `%regex%`
//! values.
//!
//! Robustness: parsing is a single left-to-right pass, evaluation walks the
//! tree once (wildcards are prefix/suffix/substring tests), and parentheses
//! nest at most [`MAX_NESTING`] deep, so no input can overflow the stack.

mod eval;
mod lexer;
mod parser;
#[cfg(test)]
mod tests;

use std::fmt;

/// How deep parentheses may nest. Real filters nest two or three levels;
/// the bound keeps recursion (parse, print, evaluate, drop) off the stack
/// limit whatever the input.
pub const MAX_NESTING: usize = 64;

/// Parses a CloudWatch Logs JSON filter pattern such as
/// `{ ($.eventName = "ConsoleLogin") && ($.errorMessage = "Failed authentication") }`.
pub fn parse(pattern: &str) -> Result<Pattern, ParseError> {
    parser::parse(pattern)
}

/// Why a pattern could not be parsed, and where: evidence for a filter that
/// does not count.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, thiserror::Error)]
#[error("at column {column}: {message}")]
pub struct ParseError {
    /// Byte offset into the pattern.
    pub offset: usize,
    /// 1-based column, counted in characters (what a reader counts).
    pub column: usize,
    pub message: String,
}

impl ParseError {
    pub(crate) fn at(source: &str, offset: usize, message: impl Into<String>) -> Self {
        let offset = offset.min(source.len());
        // `offset` always sits on a char boundary (the lexer only stops on
        // them); `get` keeps even a mistake from panicking.
        let column = source
            .get(..offset)
            .map_or(offset, |prefix| prefix.chars().count())
            + 1;
        ParseError {
            offset,
            column,
            message: message.into(),
        }
    }
}

/// A parsed JSON filter pattern. `Display` prints a canonical form (every
/// string quoted, `&&` groups inside `||` parenthesised) that parses back to
/// an equal pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    expr: Expr,
}

impl Pattern {
    /// Whether the pattern matches one JSON log event (a CloudTrail record).
    pub fn matches(&self, event: &serde_json::Value) -> bool {
        eval::matches(&self.expr, event)
    }

    /// The expression tree, for callers that explain a verdict.
    pub fn expr(&self) -> &Expr {
        &self.expr
    }
}

/// A boolean expression. `And`/`Or` hold two or more operands and are kept
/// flat (`(a && b) && c` is one `And` of three), so equal meanings written
/// with different redundant parentheses compare equal.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Or(Vec<Expr>),
    And(Vec<Expr>),
    Condition(Condition),
}

/// One test of one field: `$.errorCode = "AccessDenied*"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub selector: Selector,
    pub predicate: Predicate,
}

/// A path from the root of the event: `$.a.b[0].c`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    pub segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Predicate {
    Compare(CompareOp, Literal),
    Exists,
    NotExists,
    IsNull,
    IsTrue,
    IsFalse,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// The right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// A string, quoted or not; leading/trailing `*` are wildcards.
    Str(String),
    /// An unquoted number, kept as written (`+1000`, `10e3`) so the canonical
    /// form shows what the filter says.
    Num { text: String, value: f64 },
}

impl CompareOp {
    fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "=",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{ {} }}", self.expr)
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (items, sep) = match self {
            Expr::Condition(c) => return write!(f, "{c}"),
            Expr::Or(items) => (items, " || "),
            Expr::And(items) => (items, " && "),
        };
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                f.write_str(sep)?;
            }
            // An `||` inside `&&` needs its parentheses; an `&&` inside `||`
            // does not, but printing them spares the reader the precedence
            // rule (the parse is the same either way).
            match item {
                Expr::Condition(c) => write!(f, "{c}")?,
                nested => write!(f, "({nested})")?,
            }
        }
        Ok(())
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.selector)?;
        match &self.predicate {
            Predicate::Compare(op, lit) => write!(f, " {} {lit}", op.as_str()),
            Predicate::Exists => f.write_str(" EXISTS"),
            Predicate::NotExists => f.write_str(" NOT EXISTS"),
            Predicate::IsNull => f.write_str(" IS NULL"),
            Predicate::IsTrue => f.write_str(" IS TRUE"),
            Predicate::IsFalse => f.write_str(" IS FALSE"),
        }
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("$")?;
        for segment in &self.segments {
            match segment {
                Segment::Key(key) => write!(f, ".{key}")?,
                Segment::Index(i) => write!(f, "[{i}]")?,
            }
        }
        Ok(())
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Num { text, .. } => f.write_str(text),
            Literal::Str(s) => {
                f.write_str("\"")?;
                for c in s.chars() {
                    if c == '"' || c == '\\' {
                        f.write_str("\\")?;
                    }
                    write!(f, "{c}")?;
                }
                f.write_str("\"")
            }
        }
    }
}
