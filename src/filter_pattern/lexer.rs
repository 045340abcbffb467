//! Splits a filter pattern into tokens, each with the byte offset it starts
//! at, so every parse error can point at a column.

use super::{CompareOp, ParseError, Segment, Selector};

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Token {
    LBrace,
    RBrace,
    LParen,
    RParen,
    And,
    Or,
    Op(CompareOp),
    Selector(Selector),
    /// A double-quoted string, escapes resolved.
    Quoted(String),
    /// An unquoted word: a value (`kms.amazonaws.com`, `123.123.*`, `-5`)
    /// or a keyword (`EXISTS`, `NOT`, `IS`, `NULL`, `TRUE`, `FALSE`).
    Bare(String),
    Eof,
}

impl Token {
    /// How the token reads in an error message.
    pub(super) fn describe(&self) -> String {
        match self {
            Token::LBrace => "'{'".into(),
            Token::RBrace => "'}'".into(),
            Token::LParen => "'('".into(),
            Token::RParen => "')'".into(),
            Token::And => "'&&'".into(),
            Token::Or => "'||'".into(),
            Token::Op(op) => format!("'{}'", op.as_str()),
            Token::Selector(s) => format!("selector '{s}'"),
            Token::Quoted(_) => "a quoted string".into(),
            Token::Bare(word) => format!("'{}'", shorten(word)),
            Token::Eof => "the end of the pattern".into(),
        }
    }
}

/// Keeps error messages one line even for a huge word.
fn shorten(word: &str) -> String {
    const MAX: usize = 40;
    if word.chars().count() <= MAX {
        word.to_string()
    } else {
        let head: String = word.chars().take(MAX).collect();
        format!("{head}…")
    }
}

/// Characters of an unquoted value: the documented alphanumerics, plus the
/// punctuation real filters write unquoted (`kms.amazonaws.com`, `123.123.*`,
/// `arn:aws:...`, `+1000`, `10e-3`).
pub(super) fn is_bare_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':' | '/' | '*' | '+')
}

/// Characters of a selector key: "alphanumeric strings that also support
/// '-' and '_'".
pub(super) fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

pub(super) struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    pub(super) fn new(src: &'a str) -> Self {
        Lexer { src, pos: 0 }
    }

    fn peek_char(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek_char()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn error(&self, offset: usize, message: impl Into<String>) -> ParseError {
        ParseError::at(self.src, offset, message)
    }

    /// The next token and the byte offset it starts at.
    pub(super) fn next_token(&mut self) -> Result<(usize, Token), ParseError> {
        while self.peek_char().is_some_and(char::is_whitespace) {
            self.bump();
        }
        let start = self.pos;
        let Some(c) = self.bump() else {
            return Ok((start, Token::Eof));
        };
        let token = match c {
            '{' => Token::LBrace,
            '}' => Token::RBrace,
            '(' => Token::LParen,
            ')' => Token::RParen,
            '&' | '|' => {
                if self.peek_char() == Some(c) {
                    self.bump();
                    if c == '&' {
                        Token::And
                    } else {
                        Token::Or
                    }
                } else {
                    return Err(self.error(start, format!("expected '{c}{c}'")));
                }
            }
            '=' => Token::Op(CompareOp::Eq),
            '!' => {
                if self.peek_char() == Some('=') {
                    self.bump();
                    Token::Op(CompareOp::Ne)
                } else {
                    return Err(self.error(start, "expected '!='"));
                }
            }
            '<' | '>' => {
                let or_equal = self.peek_char() == Some('=');
                if or_equal {
                    self.bump();
                }
                Token::Op(match (c, or_equal) {
                    ('<', false) => CompareOp::Lt,
                    ('<', true) => CompareOp::Le,
                    ('>', false) => CompareOp::Gt,
                    _ => CompareOp::Ge,
                })
            }
            '"' => Token::Quoted(self.quoted(start)?),
            '$' => Token::Selector(self.selector(start)?),
            '%' => {
                return Err(self.error(start, "regular expression values (%...%) are not supported"))
            }
            c if is_bare_char(c) => {
                while self.peek_char().is_some_and(is_bare_char) {
                    self.bump();
                }
                Token::Bare(self.src[start..self.pos].to_string())
            }
            other => {
                return Err(self.error(start, format!("unexpected character {other:?}")));
            }
        };
        Ok((start, token))
    }

    /// The body of a quoted string (the opening quote already consumed).
    /// `\"` and `\\` are escapes; any other backslash is kept as written.
    fn quoted(&mut self, start: usize) -> Result<String, ParseError> {
        let mut out = String::new();
        loop {
            match self.bump() {
                None => return Err(self.error(start, "unterminated quoted string")),
                Some('"') => return Ok(out),
                Some('\\') if matches!(self.peek_char(), Some('"' | '\\')) => {
                    out.extend(self.bump());
                }
                Some(c) => out.push(c),
            }
        }
    }

    /// A selector (the `$` already consumed): `.key` steps, each followed by
    /// any number of `[index]` steps.
    fn selector(&mut self, start: usize) -> Result<Selector, ParseError> {
        let mut segments = Vec::new();
        loop {
            match self.peek_char() {
                Some('.') => {
                    self.bump();
                    let key_start = self.pos;
                    while self.peek_char().is_some_and(is_key_char) {
                        self.bump();
                    }
                    if key_start == self.pos {
                        let message = if self.peek_char() == Some('*') {
                            "wildcard selectors ($.*) are not supported"
                        } else {
                            "expected a property name after '.'"
                        };
                        return Err(self.error(self.pos, message));
                    }
                    segments.push(Segment::Key(self.src[key_start..self.pos].to_string()));
                }
                Some('[') if !segments.is_empty() => {
                    self.bump();
                    let digits_start = self.pos;
                    while self.peek_char().is_some_and(|c| c.is_ascii_digit()) {
                        self.bump();
                    }
                    let digits = &self.src[digits_start..self.pos];
                    if digits.is_empty() {
                        return Err(self.error(self.pos, "expected an array index"));
                    }
                    let index = digits
                        .parse::<usize>()
                        .map_err(|_| self.error(digits_start, "array index too large"))?;
                    if self.peek_char() != Some(']') {
                        return Err(self.error(self.pos, "expected ']'"));
                    }
                    self.bump();
                    segments.push(Segment::Index(index));
                }
                Some('[') => {
                    return Err(self.error(
                        self.pos,
                        "an array index must follow a property name ($.name[0])",
                    ))
                }
                _ => break,
            }
        }
        if segments.is_empty() {
            return Err(self.error(start, "expected '.' after '$'"));
        }
        // A selector runs straight into an operator or whitespace; anything
        // glued to it (`$.a@b`, `$.a[0]b`) is a malformed selector.
        if let Some(c) = self.peek_char() {
            if is_bare_char(c) || c == '$' || c == '"' {
                return Err(self.error(self.pos, format!("unexpected {c:?} in selector")));
            }
        }
        Ok(Selector { segments })
    }
}
