//! Recursive descent over the token stream. `&&` binds tighter than `||`
//! ("standard order of operations () > && > ||" in the AWS documentation);
//! only parentheses recurse, and they are bounded by `MAX_NESTING`.

use super::lexer::{Lexer, Token};
use super::{CompareOp, Condition, Expr, Literal, ParseError, Pattern, Predicate, MAX_NESTING};

pub(super) fn parse(src: &str) -> Result<Pattern, ParseError> {
    // Checked before lexing, so a text or space-delimited pattern (`ERROR`,
    // `[ip, user]`) is reported for what it is.
    let start = src.len() - src.trim_start().len();
    match src[start..].chars().next() {
        Some('{') => {}
        None => {
            return Err(ParseError::at(
                src,
                start,
                "empty pattern: expected '{' (only JSON filter patterns are supported)",
            ))
        }
        Some(_) => {
            return Err(ParseError::at(
                src,
                start,
                "expected '{': only JSON filter patterns ({ ... }) are supported",
            ))
        }
    }
    let mut parser = Parser::new(src)?;
    parser.expect(Token::LBrace, "'{'")?;
    let expr = parser.or(0)?;
    parser.expect(Token::RBrace, "'}'")?;
    if parser.token != Token::Eof {
        return Err(parser.error_here(format!(
            "expected the end of the pattern after '}}', found {}",
            parser.token.describe()
        )));
    }
    // The canonical form parenthesises every nested `&&`/`||`, so the tree
    // must be as shallow as the parentheses allowed for it to parse again.
    if levels(&expr) > MAX_NESTING {
        return Err(ParseError::at(
            src,
            start,
            format!("expression nested more than {MAX_NESTING} levels deep"),
        ));
    }
    Ok(Pattern { expr })
}

/// How many `&&`/`||` levels nest (a lone condition is 0).
fn levels(expr: &Expr) -> usize {
    match expr {
        Expr::Condition(_) => 0,
        Expr::And(items) | Expr::Or(items) => 1 + items.iter().map(levels).max().unwrap_or(0),
    }
}

struct Parser<'a> {
    src: &'a str,
    lexer: Lexer<'a>,
    /// The current token and its byte offset.
    token: Token,
    offset: usize,
}

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> Result<Self, ParseError> {
        let mut lexer = Lexer::new(src);
        let (offset, token) = lexer.next_token()?;
        Ok(Parser {
            src,
            lexer,
            token,
            offset,
        })
    }

    fn advance(&mut self) -> Result<Token, ParseError> {
        let (offset, token) = self.lexer.next_token()?;
        self.offset = offset;
        Ok(std::mem::replace(&mut self.token, token))
    }

    fn error_here(&self, message: impl Into<String>) -> ParseError {
        ParseError::at(self.src, self.offset, message)
    }

    fn expect(&mut self, token: Token, what: &str) -> Result<(), ParseError> {
        if self.token == token {
            self.advance()?;
            Ok(())
        } else {
            Err(self.error_here(format!("expected {what}, found {}", self.token.describe())))
        }
    }

    fn or(&mut self, depth: usize) -> Result<Expr, ParseError> {
        let mut items = vec![self.and(depth)?];
        while self.token == Token::Or {
            self.advance()?;
            items.push(self.and(depth)?);
        }
        Ok(flatten(items, Expr::Or, |e| match e {
            Expr::Or(inner) => Ok(inner),
            other => Err(other),
        }))
    }

    fn and(&mut self, depth: usize) -> Result<Expr, ParseError> {
        let mut items = vec![self.primary(depth)?];
        while self.token == Token::And {
            self.advance()?;
            items.push(self.primary(depth)?);
        }
        Ok(flatten(items, Expr::And, |e| match e {
            Expr::And(inner) => Ok(inner),
            other => Err(other),
        }))
    }

    fn primary(&mut self, depth: usize) -> Result<Expr, ParseError> {
        match &self.token {
            Token::LParen => {
                if depth >= MAX_NESTING {
                    return Err(
                        self.error_here(format!("parentheses nested more than {MAX_NESTING} deep"))
                    );
                }
                self.advance()?;
                let inner = self.or(depth + 1)?;
                self.expect(Token::RParen, "')'")?;
                Ok(inner)
            }
            Token::Selector(_) => self.condition(),
            other => Err(self.error_here(format!(
                "expected a selector ($.field) or '(', found {}",
                other.describe()
            ))),
        }
    }

    fn condition(&mut self) -> Result<Expr, ParseError> {
        let Token::Selector(selector) = self.advance()? else {
            return unreachable_selector();
        };
        let predicate = match self.token.clone() {
            Token::Op(op) => {
                self.advance()?;
                Predicate::Compare(op, self.literal(op)?)
            }
            Token::Bare(word) if word.eq_ignore_ascii_case("EXISTS") => {
                self.advance()?;
                Predicate::Exists
            }
            Token::Bare(word) if word.eq_ignore_ascii_case("NOT") => {
                self.advance()?;
                match &self.token {
                    Token::Bare(w) if w.eq_ignore_ascii_case("EXISTS") => {
                        self.advance()?;
                        Predicate::NotExists
                    }
                    other => {
                        return Err(self.error_here(format!(
                            "expected 'EXISTS' after 'NOT', found {}",
                            other.describe()
                        )))
                    }
                }
            }
            Token::Bare(word) if word.eq_ignore_ascii_case("IS") => {
                self.advance()?;
                let predicate = match &self.token {
                    Token::Bare(w) if w.eq_ignore_ascii_case("NULL") => Predicate::IsNull,
                    Token::Bare(w) if w.eq_ignore_ascii_case("TRUE") => Predicate::IsTrue,
                    Token::Bare(w) if w.eq_ignore_ascii_case("FALSE") => Predicate::IsFalse,
                    other => {
                        return Err(self.error_here(format!(
                            "expected NULL, TRUE or FALSE after 'IS', found {}",
                            other.describe()
                        )))
                    }
                };
                self.advance()?;
                predicate
            }
            other => {
                return Err(self.error_here(format!(
                    "expected an operator (=, !=, <, <=, >, >=), EXISTS, NOT EXISTS or IS after \
                     the selector, found {}",
                    other.describe()
                )))
            }
        };
        Ok(Expr::Condition(Condition {
            selector,
            predicate,
        }))
    }

    /// The value after an operator. `<`, `<=`, `>`, `>=` take only numbers.
    fn literal(&mut self, op: CompareOp) -> Result<Literal, ParseError> {
        let literal = match &self.token {
            Token::Quoted(s) => Literal::Str(s.clone()),
            Token::Bare(word) => match parse_number(word) {
                Some(value) => Literal::Num {
                    text: word.clone(),
                    value,
                },
                None => Literal::Str(word.clone()),
            },
            other => {
                return Err(self.error_here(format!(
                    "expected a value after '{}', found {}",
                    op.as_str(),
                    other.describe()
                )))
            }
        };
        let numeric_only = !matches!(op, CompareOp::Eq | CompareOp::Ne);
        if numeric_only && !matches!(literal, Literal::Num { .. }) {
            return Err(self.error_here(format!(
                "expected a number after '{}', found {}",
                op.as_str(),
                self.token.describe()
            )));
        }
        self.advance()?;
        Ok(literal)
    }
}

/// The parser only calls `condition` on a selector token; an error instead
/// of a panic keeps that invariant from ever taking the process down.
fn unreachable_selector<T>() -> Result<T, ParseError> {
    Err(ParseError {
        offset: 0,
        column: 1,
        message: "internal error: expected a selector".into(),
    })
}

/// One operand stays itself; several become one flat `And`/`Or` (operands
/// that are already of the same kind, from parentheses, are spliced in).
fn flatten(
    items: Vec<Expr>,
    make: fn(Vec<Expr>) -> Expr,
    same_kind: fn(Expr) -> Result<Vec<Expr>, Expr>,
) -> Expr {
    if items.len() == 1 {
        return items.into_iter().next().unwrap_or_else(|| make(Vec::new()));
    }
    let mut flat = Vec::with_capacity(items.len());
    for item in items {
        match same_kind(item) {
            Ok(inner) => flat.extend(inner),
            Err(other) => flat.push(other),
        }
    }
    make(flat)
}

/// The documented NUMBER: an optional sign, an integer or a decimal, and an
/// optional exponent (`400`, `+1000`, `-5`, `55.5`, `.5`, `10e-3`).
/// Anything else unquoted (`123.123.*`, `kms.amazonaws.com`) is a string.
pub(super) fn parse_number(word: &str) -> Option<f64> {
    let bytes = word.as_bytes();
    let mut i = 0;
    if matches!(bytes.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let int_start = i;
    while bytes.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let mut digits = i - int_start;
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        let frac_start = i;
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        digits += i - frac_start;
    }
    if digits == 0 {
        return None;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp_start = i;
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == exp_start {
            return None;
        }
    }
    if i != bytes.len() {
        return None;
    }
    word.parse::<f64>().ok()
}
