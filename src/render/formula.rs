//! Text for CSV cells that a spreadsheet program must not run as a formula. Unit names, plan
//! measures and counsellors' recommendations are typed by people; a cell that starts with `=`,
//! `+`, `-`, `@`, a tab or a carriage return is read by Excel, LibreOffice and Google Sheets as a
//! formula (CSV injection), so such a text is written with a leading `'`, which those programs
//! show as the text itself. Numbers stay numbers: `-1,5` is a figure, not a formula.

use std::borrow::Cow;

/// `text` as a CSV cell that no spreadsheet program evaluates.
pub fn neutralised(text: &str) -> Cow<'_, str> {
    let risky = text
        .chars()
        .next()
        .is_some_and(|c| matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r'));
    if risky && !is_number(text) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// A plain figure in either notation (`-12`, `-1.5`, `-1,5`, `+3`).
fn is_number(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    !digits.is_empty()
        && digits.chars().filter(|c| matches!(c, '.' | ',')).count() <= 1
        && digits
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | ','))
        && digits.chars().any(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_and_everything_else_stays_as_it_is() {
        for (text, written) in [
            ("=1+2", "'=1+2"),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("-", "'-"),
            ("Team =A", "Team =A"),
            ("Verpleging", "Verpleging"),
            ("", ""),
            ("-12", "-12"),
            ("-1,5", "-1,5"),
            ("-1.5", "-1.5"),
            ("+3", "+3"),
            ("-1.2.3", "'-1.2.3"),
        ] {
            assert_eq!(neutralised(text), written, "{text:?}");
        }
    }
}
