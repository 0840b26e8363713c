//! Text for CSV files that people open in a spreadsheet.
//!
//! Excel, WPS and LibreOffice run a cell that starts with `=`, `+`, `-` or
//! `@` (and, in some versions, a tab or carriage return) as a formula, so a
//! customer name `=HYPERLINK("http://evil","点击")` in an export becomes a
//! live link, or worse (CSV injection). Every CSV writer of wangge passes
//! its text cells through [`spreadsheet_cell`], which puts a `'` before such
//! a cell: spreadsheets show the text as it was and run nothing.
//!
//! A cell that is a number (`-3.5`, `+86`, `-1e3`) is left alone: it is no
//! formula, and a negative spend or coordinate must stay a number. So the
//! rule is about the cell's text, not its column: "-3.5" stays, "-3.5 元"
//! and "-" get the quote.

use std::borrow::Cow;

/// The first characters that make a spreadsheet read a cell as a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `text` made safe for a spreadsheet: a text cell starting with a formula
/// character gets a leading `'`; everything else is returned unchanged.
///
/// ```
/// use wangge_io::spreadsheet_cell;
/// assert_eq!(spreadsheet_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
/// assert_eq!(spreadsheet_cell("@SUM(A1)"), "'@SUM(A1)");
/// assert_eq!(spreadsheet_cell("-3.5"), "-3.5");
/// assert_eq!(spreadsheet_cell("十堰市"), "十堰市");
/// ```
pub fn spreadsheet_cell(text: &str) -> Cow<'_, str> {
    match text.chars().next() {
        Some(c) if FORMULA_STARTS.contains(&c) && !is_number(text) => {
            Cow::Owned(format!("'{text}"))
        }
        _ => Cow::Borrowed(text),
    }
}

/// The bytes of a CSV field made safe (see [`spreadsheet_cell`]); fields
/// that are not UTF-8 are only checked on their first byte.
pub fn spreadsheet_field(field: &[u8]) -> Cow<'_, [u8]> {
    match field.first() {
        Some(b) if FORMULA_STARTS.contains(&char::from(*b)) => match std::str::from_utf8(field) {
            Ok(text) if is_number(text) => Cow::Borrowed(field),
            _ => {
                let mut out = Vec::with_capacity(field.len() + 1);
                out.push(b'\'');
                out.extend_from_slice(field);
                Cow::Owned(out)
            }
        },
        _ => Cow::Borrowed(field),
    }
}

/// A record with every field made safe.
pub fn spreadsheet_record(record: &csv::ByteRecord) -> csv::ByteRecord {
    record.iter().map(spreadsheet_field).collect()
}

/// A finite decimal number as spreadsheets read it (`-3.5`, `+86`, `1e3`).
fn is_number(text: &str) -> bool {
    text.parse::<f64>().is_ok_and(f64::is_finite)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_get_a_quote_numbers_do_not() {
        for formula in [
            "=1+1",
            "+SUM(A1:A9)",
            "-2+3",
            "@cmd",
            "\t=1",
            "\r=1",
            "-",
            "=HYPERLINK(\"http://x\",\"点\")",
        ] {
            assert_eq!(spreadsheet_cell(formula), format!("'{formula}"));
            assert_eq!(
                &*spreadsheet_field(formula.as_bytes()),
                format!("'{formula}").as_bytes()
            );
        }
        for plain in ["-3.5", "+86", "-1e3", "0", "", "张湾区", "a=b", " =1"] {
            assert_eq!(spreadsheet_cell(plain), plain);
            assert_eq!(&*spreadsheet_field(plain.as_bytes()), plain.as_bytes());
        }
        // "NaN" and "inf" are no formula either; "-inf" is not a number to a
        // spreadsheet, so it is quoted.
        assert_eq!(spreadsheet_cell("-inf"), "'-inf");
        let record = csv::ByteRecord::from(vec!["=A1", "1", "-2.5"]);
        assert_eq!(
            spreadsheet_record(&record),
            csv::ByteRecord::from(vec!["'=A1", "1", "-2.5"])
        );
    }
}
