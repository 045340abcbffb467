//! Inert output: text that came from AWS (names, tags, messages, S3 keys)
//! or from a user file, made harmless for where it is written. A trail or
//! alarm name is chosen by whoever controls the account, and a report is
//! opened by someone else: in a terminal, a spreadsheet or a rendered
//! Markdown page, that text must stay text.

use std::borrow::Cow;

/// Whether `c` can steer a terminal or reorder what it shows: C0 and C1
/// control characters (ESC starts every escape sequence; U+009B is a
/// one-character CSI), DEL, and the Unicode bidirectional overrides and
/// isolates ("Trojan Source").
pub fn steers_terminal(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every character `bad` selects replaced by U+FFFD (borrowed
/// when there is none).
fn replaced(s: &str, bad: impl Fn(char) -> bool) -> Cow<'_, str> {
    if s.chars().any(&bad) {
        s.chars()
            .map(|c| if bad(c) { '\u{FFFD}' } else { c })
            .collect::<String>()
            .into()
    } else {
        s.into()
    }
}

/// One field for a terminal: every steering character, line breaks and
/// tabs included, becomes U+FFFD.
pub fn terminal_field(s: &str) -> Cow<'_, str> {
    replaced(s, steers_terminal)
}

/// Whole console output: as [`terminal_field`], but line breaks and tabs,
/// which the output itself uses, are kept.
pub fn terminal_text(s: &str) -> Cow<'_, str> {
    replaced(s, |c| steers_terminal(c) && c != '\n' && c != '\t')
}

/// One CSV cell a spreadsheet will not run: a cell starting with `=`,
/// `+`, `-`, `@`, a tab or a carriage return is read as a formula by Excel,
/// LibreOffice and Google Sheets, so it is prefixed with `'` (the OWASP
/// "CSV Injection" rule), which the spreadsheet shows as text.
pub fn csv_cell(s: &str) -> Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}").into(),
        _ => s.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_text_keeps_only_what_cannot_steer() {
        let hostile = "trail\u{1b}[2J\u{1b}]8;;http://x\u{7}name\u{9b}31m\u{202e}gpj.exe";
        let field = terminal_field(hostile);
        assert!(!field.chars().any(steers_terminal), "{field:?}");
        assert!(field.contains("trail") && field.contains("name"));
        assert_eq!(terminal_field("a\nb\tc"), "a\u{FFFD}b\u{FFFD}c");
        assert_eq!(terminal_text("a\nb\tc\u{1b}"), "a\nb\tc\u{FFFD}");
        assert!(matches!(terminal_field("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn csv_cells_that_a_spreadsheet_would_run_are_text() {
        for formula in [
            "=HYPERLINK(\"http://x\",\"y\")",
            "+1+2",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ] {
            assert_eq!(csv_cell(formula), format!("'{formula}"));
        }
        for plain in ["111111111111", "us-east-1", "a=b", ""] {
            assert_eq!(csv_cell(plain), plain);
        }
    }
}
