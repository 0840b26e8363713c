//! Tables of points (customers, resources, outlets...) from CSV or GeoJSON.
//!
//! CSV comes as Excel in China writes it: UTF-8, UTF-8 with a BOM, or
//! GBK/GB18030. The encoding is decided once for the file (or forced,
//! [`crate::encoding`]) and each row decoded in it, so one row with broken
//! bytes is rejected with its row number while the rest load, and so is a
//! row with more or fewer fields than the header. A GeoJSON FeatureCollection of Points reads as a table whose columns
//! are the properties plus `lon` and `lat` from the geometry.

use std::collections::BTreeSet;
use std::fmt;

use serde_json::Value;

use crate::encoding::{decode_field as decode, decode_field_lossy};
pub use crate::encoding::{detect_encoding, Encoding};
use crate::non_finite::nulls_for_non_finite;
use crate::IoError;

/// One row that could not be read, with its 1-based line number in the file
/// (the header is row 1) or feature index, and the raw fields for a rejects file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub row: usize,
    pub message: String,
    pub fields: Vec<String>,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "row {}: {}", self.row, self.message)
    }
}

/// A decoded table: the header, rows that decoded, rows that did not.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub header: Vec<String>,
    /// `(row number, fields)`; fields padded to the header's length.
    pub rows: Vec<(usize, Vec<String>)>,
    pub errors: Vec<RowError>,
    pub encoding: Option<Encoding>,
}

impl Table {
    /// Index of the first column whose name matches one of `names`
    /// (case-insensitive, spaces and `_`/`-` ignored).
    pub fn column(&self, names: &[&str]) -> Option<usize> {
        let norm = |s: &str| s.trim().to_lowercase().replace([' ', '_', '-'], "");
        names
            .iter()
            .find_map(|n| self.header.iter().position(|h| norm(h) == norm(n)))
    }
}

/// Reads a CSV file's bytes into a [`Table`].
pub fn read_csv(bytes: &[u8], forced: Option<Encoding>) -> Result<Table, IoError> {
    let encoding = forced.unwrap_or_else(|| detect_encoding(bytes));
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut table = Table {
        encoding: Some(encoding),
        ..Table::default()
    };
    let mut lines = LineCounter::new(bytes);
    let mut records = reader.byte_records();
    let header = match records.next() {
        None => return Err(IoError::EmptyTable),
        Some(record) => {
            record.map_err(|e| IoError::Table(format!("the header row cannot be read: {e}")))?
        }
    };
    table.header = header
        .iter()
        .enumerate()
        .map(|(i, field)| {
            decode(field, encoding)
                .map(|s| s.trim().to_owned())
                .ok_or_else(|| {
                    IoError::Table(format!("the header's column {} is not {encoding}", i + 1))
                })
        })
        .collect::<Result<_, _>>()?;
    if table.header.iter().all(String::is_empty) {
        return Err(IoError::Table("the header row is empty".into()));
    }
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let row = e.position().map_or(0, |p| lines.line_at(p.byte()));
                table.errors.push(RowError {
                    row,
                    message: format!("cannot be read as CSV: {e}"),
                    fields: vec![],
                });
                continue;
            }
        };
        let row = record.position().map_or(0, |p| lines.line_at(p.byte()));
        if record.iter().all(<[u8]>::is_empty) {
            continue; // a blank line, as spreadsheets leave at the end
        }
        let mut fields = Vec::with_capacity(table.header.len());
        let mut broken = None;
        for (i, field) in record.iter().enumerate() {
            if let Some(text) = decode(field, encoding) {
                fields.push(text);
            } else {
                broken.get_or_insert(i);
                fields.push(decode_field_lossy(field, encoding));
            }
        }
        if let Some(i) = broken {
            let name = table
                .header
                .get(i)
                .map_or_else(|| format!("{}", i + 1), |h| format!("{h:?}"));
            table.errors.push(RowError {
                row,
                message: format!("column {name} is not valid {encoding} text"),
                fields,
            });
            continue;
        }
        // Trailing empty fields beyond the header are what spreadsheets
        // leave; anything else ragged is rejected, never padded or cut.
        let width = table.header.len();
        let extra_filled =
            fields.len() > width && fields[width..].iter().any(|f| !f.trim().is_empty());
        if fields.len() < width || extra_filled {
            table.errors.push(RowError {
                row,
                message: format!("has {} fields but the header has {width}", fields.len()),
                fields,
            });
            continue;
        }
        fields.resize(table.header.len(), String::new());
        table.rows.push((row, fields));
    }
    Ok(table)
}

/// Line numbers of records from their byte offsets. The csv crate's own
/// `Position::line` is one short for every record of a CRLF file (as Excel
/// writes them) and for the first record after a blank line
/// (BurntSushi/rust-csv#395, #208), so rejects would name the wrong row.
struct LineCounter<'a> {
    bytes: &'a [u8],
    /// Bytes before `at` are counted; `line` is the line `at` is on.
    at: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        LineCounter {
            bytes,
            at: 0,
            line: 1,
        }
    }

    /// The 1-based line of the record the csv crate says starts at `byte`:
    /// the terminator bytes and blank lines it may point at are skipped, and
    /// `\n`, `\r\n` and a lone `\r` each end a line. Records come in order,
    /// so the whole file is scanned once.
    fn line_at(&mut self, byte: u64) -> usize {
        let mut start = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        while matches!(self.bytes.get(start), Some(&(b'\r' | b'\n'))) {
            start += 1;
        }
        if start < self.at {
            (self.at, self.line) = (0, 1);
        }
        let at = self.at;
        self.line += self.bytes[at..start]
            .iter()
            .enumerate()
            .filter(|&(k, &b)| {
                b == b'\n' || (b == b'\r' && self.bytes.get(at + k + 1) != Some(&b'\n'))
            })
            .count();
        self.at = start;
        self.line
    }
}

/// Reads a GeoJSON FeatureCollection of Points into a [`Table`]: columns are
/// the union of the properties, then `lon` and `lat`. Row numbers are the
/// features' 0-based indexes.
pub fn read_geojson_points(text: &str) -> Result<Table, IoError> {
    let text = nulls_for_non_finite(text.trim_start_matches('\u{feff}'));
    let root: Value = serde_json::from_str(&text).map_err(|e| IoError::NotJson(e.to_string()))?;
    let Some(features) = root.get("features").and_then(Value::as_array) else {
        return Err(IoError::NotFeatureCollection(
            "it has no \"features\" array".into(),
        ));
    };
    let mut keys = BTreeSet::new();
    for f in features {
        if let Some(p) = f.get("properties").and_then(Value::as_object) {
            keys.extend(p.keys().filter(|k| *k != "lon" && *k != "lat").cloned());
        }
    }
    let mut header: Vec<String> = keys.into_iter().collect();
    header.extend(["lon".to_owned(), "lat".to_owned()]);
    let mut table = Table {
        header,
        encoding: Some(Encoding::Utf8),
        ..Table::default()
    };
    let n = table.header.len();
    for (index, feature) in features.iter().enumerate() {
        let properties = feature.get("properties").and_then(Value::as_object);
        let mut fields: Vec<String> = table.header[..n - 2]
            .iter()
            .map(|k| match properties.and_then(|p| p.get(k)) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
            })
            .collect();
        let geometry = feature.get("geometry").filter(|g| !g.is_null());
        let (lon, lat) = match geometry {
            None => (String::new(), String::new()),
            Some(g) if g.get("type").and_then(Value::as_str) == Some("Point") => {
                let c = g.get("coordinates").and_then(Value::as_array);
                let at = |i: usize| {
                    c.and_then(|c| c.get(i))
                        .map_or_else(String::new, |v| match v {
                            Value::Number(n) => n.to_string(),
                            Value::Null => "NaN".to_owned(),
                            other => other.to_string(),
                        })
                };
                (at(0), at(1))
            }
            Some(g) => {
                let kind = g.get("type").and_then(Value::as_str).unwrap_or("(none)");
                table.errors.push(RowError {
                    row: index,
                    message: format!(
                        "feature {index}: its geometry is a {kind}; points are expected"
                    ),
                    fields,
                });
                continue;
            }
        };
        fields.push(lon);
        fields.push(lat);
        table.rows.push((index, fields));
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::GB18030;

    #[test]
    fn utf8_with_and_without_bom() {
        let t = read_csv("code,name\n1,十堰\n".as_bytes(), None).unwrap();
        assert_eq!(t.encoding, Some(Encoding::Utf8));
        assert_eq!(t.rows, vec![(2, vec!["1".to_owned(), "十堰".to_owned()])]);
        let t = read_csv("\u{feff}code,name\n1,十堰\n".as_bytes(), None).unwrap();
        assert_eq!(t.header, ["code", "name"]);
        assert_eq!(t.column(&["CODE"]), Some(0));
    }

    #[test]
    fn gbk_is_detected_and_a_broken_row_is_reported_alone() {
        let (gbk, _, _) = GB18030.encode("编码,名称\n1,十堰市茅箭区\n2,张湾区\n");
        let mut bytes = gbk.into_owned();
        bytes.extend_from_slice(b"3,\xff\xfe\xff\n4,ok\n");
        let t = read_csv(&bytes, None).unwrap();
        assert_eq!(t.encoding, Some(Encoding::Gb18030));
        assert_eq!(t.header, ["编码", "名称"]);
        assert_eq!(t.rows.len(), 3);
        assert_eq!(t.rows[0].1[1], "十堰市茅箭区");
        assert_eq!(t.errors.len(), 1);
        assert_eq!(t.errors[0].row, 4);
        assert!(t.errors[0].message.contains("名称"), "{}", t.errors[0]);
    }

    #[test]
    fn rows_are_numbered_by_line_with_crlf_and_blank_lines() {
        // Found by the csv_tables fuzz target: with CRLF every data row was
        // numbered one short (the first one as row 1, the header's number).
        let t = read_csv(b"lon,lat\r\n1,2\r\n3,4,5\r\n\r\n6,7\r\n", None).unwrap();
        assert_eq!(t.rows[0].0, 2);
        assert_eq!(t.errors[0].row, 3, "{}", t.errors[0]);
        assert_eq!(t.rows[1].0, 5);
        let t = read_csv(b"a,b\n\n\n1,2\r3,4\n\"x\ny\",5\n6,7\n", None).unwrap();
        let rows: Vec<usize> = t.rows.iter().map(|(row, _)| *row).collect();
        assert_eq!(rows, [4, 5, 6, 8]);
    }

    #[test]
    fn forced_encoding_and_ragged_rows() {
        let t = read_csv(b"a,b\n1,2,3\n4\n5,6,\n\n", Some(Encoding::Utf8)).unwrap();
        assert_eq!(t.errors.len(), 2);
        assert!(t.errors[0].message.contains("3 fields"));
        assert_eq!(t.errors[1].row, 3);
        assert!(t.errors[1]
            .message
            .contains("has 1 fields but the header has 2"));
        assert_eq!(t.rows, vec![(4, vec!["5".to_owned(), "6".to_owned()])]);
        assert!(matches!(read_csv(b"", None), Err(IoError::EmptyTable)));
        assert_eq!("GBK".parse::<Encoding>().unwrap(), Encoding::Gb18030);
    }

    #[test]
    fn geojson_points_become_rows() {
        let text = r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{"code":"A","spend":12.5},"geometry":{"type":"Point","coordinates":[110.8,32.6]}},
            {"type":"Feature","properties":{"code":"B"},"geometry":null},
            {"type":"Feature","properties":{"code":"C"},"geometry":{"type":"Polygon","coordinates":[]}}]}"#;
        let t = read_geojson_points(text).unwrap();
        assert_eq!(t.header, ["code", "spend", "lon", "lat"]);
        assert_eq!(t.rows[0].1, ["A", "12.5", "110.8", "32.6"]);
        assert_eq!(t.rows[1].1, ["B", "", "", ""]);
        assert_eq!(t.errors.len(), 1);
        assert!(t.errors[0].message.contains("Polygon"));
    }
}
