//! The bulk-geocoding table, one for `wangge geocode` and the HTTP jobs:
//! which column holds the address, the columns added to every row, what
//! goes beside a row of the failures file, and the rows of a chunk turned
//! into its result and failures rows ([`TableGeocoder::chunk`]). Two copies
//! of these had already drifted apart (the jobs lacked `cell_code` and the
//! `addr` column name, the CLI let a row of the wrong width through).

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use wangge_geocode::crs::{from_wgs84, Crs};
use wangge_geocode::{GeocodeResult, Geocoder, Hints, NamedPlaces, Precision, Status};
use wangge_io::encoding::decode_field_lossy;
use wangge_io::{decode_field, spreadsheet_field, Encoding};
use wangge_spatial::index::{CellIndex, LocateOptions};

/// Header names an address column goes by when none is asked for, in the
/// order they are looked for (matched trimmed, ignoring ASCII case).
pub const ADDRESS_COLUMN_NAMES: &[&str] = &[
    "address",
    "地址",
    "装机地址",
    "安装地址",
    "详细地址",
    "addr",
];

/// Words a header name holds when it is an address column of another name
/// (客户地址, 联系地址, Install Address): taken when one column alone holds one.
pub const ADDRESS_COLUMN_WORDS: &[&str] = &["地址", "address"];

/// The columns added after the input's own (DESIGN.md).
pub const ADDED_COLUMNS: [&str; 12] = [
    "lon",
    "lat",
    "precision",
    "confidence",
    "province_code",
    "city_code",
    "county_code",
    "town_code",
    "village_code",
    "cell_code",
    "status",
    "reason",
];

/// The columns added after a row of the failures file.
pub const FAILURE_COLUMNS: [&str; 2] = ["status", "reason"];

/// The address column among `names`: the one asked for; else the first of
/// [`ADDRESS_COLUMN_NAMES`] present; else the one column whose name holds
/// one of [`ADDRESS_COLUMN_WORDS`]. `None` asks the user (never the first
/// column by default).
pub fn address_column(names: &[String], wanted: Option<&str>) -> Option<usize> {
    let norm = |s: &str| s.trim().trim_start_matches('\u{feff}').to_lowercase();
    if let Some(w) = wanted {
        return names.iter().position(|n| norm(n) == norm(w));
    }
    if let Some(i) = ADDRESS_COLUMN_NAMES
        .iter()
        .find_map(|a| names.iter().position(|n| norm(n) == norm(a)))
    {
        return Some(i);
    }
    let mut holding = names
        .iter()
        .enumerate()
        .filter(|(_, n)| ADDRESS_COLUMN_WORDS.iter().any(|w| norm(n).contains(w)));
    match (holding.next(), holding.next()) {
        (Some((i, _)), None) => Some(i),
        _ => None,
    }
}

/// Rows per status of a table, and how many went to the failures file
/// (stored as a geocoding job's `counts_json`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowCounts {
    pub matched: i64,
    pub partial: i64,
    pub ambiguous: i64,
    pub failed: i64,
    /// Rows in the failures file: failed, ambiguous, resolved without
    /// coordinates or outside the territory ([`GeocodeResult::needs_fixing`]),
    /// and rows that could not be read.
    #[serde(default)]
    pub to_fix: i64,
}

impl RowCounts {
    pub fn add(&mut self, other: RowCounts) {
        self.matched += other.matched;
        self.partial += other.partial;
        self.ambiguous += other.ambiguous;
        self.failed += other.failed;
        self.to_fix += other.to_fix;
    }

    pub fn rows(&self) -> i64 {
        self.matched + self.partial + self.ambiguous + self.failed
    }

    fn count(&mut self, status: Status) {
        match status {
            Status::Matched => self.matched += 1,
            Status::Partial => self.partial += 1,
            Status::Ambiguous => self.ambiguous += 1,
            Status::Failed => self.failed += 1,
        }
    }
}

/// What one chunk of rows gave: the result rows (the input's fields plus
/// [`ADDED_COLUMNS`]) and the failures rows (as read plus
/// [`FAILURE_COLUMNS`]), both CSV without a header, UTF-8, every cell
/// neutralised for spreadsheets.
#[derive(Debug, Default)]
pub struct ChunkOutput {
    pub rows: i64,
    pub counts: RowCounts,
    pub result: Vec<u8>,
    pub failures: Vec<u8>,
}

/// How the rows of one table are geocoded: the same for `wangge geocode`
/// and the HTTP jobs.
#[derive(Clone, Copy)]
pub struct TableGeocoder<'a> {
    pub geocoder: &'a Geocoder,
    /// The cells, for `cell_code`; `None` leaves it empty.
    pub index: Option<&'a CellIndex>,
    /// The cells' names ([`crate::load_named_cells`]): an address naming a
    /// cell is placed in it.
    pub places: Option<&'a NamedPlaces>,
    pub hints: &'a Hints,
    /// The coordinate system of `lon,lat`.
    pub crs: Crs,
    /// The file's encoding, decided on the whole file.
    pub encoding: Encoding,
    /// The address column and the header's number of fields.
    pub column: usize,
    pub width: usize,
}

impl TableGeocoder<'_> {
    /// The header of the result and of the failures file (CSV rows,
    /// neutralised like every cell).
    pub fn headers(names: &[String]) -> (Vec<u8>, Vec<u8>) {
        let mut result = csv::Writer::from_writer(Vec::new());
        let mut failures = csv::Writer::from_writer(Vec::new());
        let own = || names.iter().map(|n| spreadsheet_field(n.as_bytes()));
        // Writing to a Vec cannot fail.
        let _ = result.write_record(own().chain(ADDED_COLUMNS.iter().map(|c| c.as_bytes().into())));
        let _ =
            failures.write_record(own().chain(FAILURE_COLUMNS.iter().map(|c| c.as_bytes().into())));
        (
            result.into_inner().unwrap_or_default(),
            failures.into_inner().unwrap_or_default(),
        )
    }

    /// Geocodes one chunk of data rows (CSV bytes in the file's encoding,
    /// no header); `first_row` is the file's row number of its first row
    /// (the header is row 1). A row with another number of fields than the
    /// header, or with bytes that are not text in the encoding, goes to the
    /// failures only, named by its number; nothing else is lost.
    pub fn chunk(&self, input: &[u8], first_row: i64) -> Result<ChunkOutput, String> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(input);
        let mut result = csv::Writer::from_writer(Vec::with_capacity(input.len() * 3));
        let mut failures = csv::Writer::from_writer(Vec::new());
        let mut out = ChunkOutput::default();
        let mut rec = csv::ByteRecord::new();
        let mut row = csv::ByteRecord::new();
        let mut added = AddedFields::default();
        let err = |e: csv::Error| e.to_string();
        while reader.read_byte_record(&mut rec).map_err(err)? {
            let row_no = first_row + out.rows;
            out.rows += 1;
            let broken = self.fields_as_text(&rec, &mut row);
            if let Some(reason) = self.refusal(&row, broken, row_no) {
                let mut f: csv::ByteRecord = row.iter().take(self.width).collect();
                while f.len() < self.width {
                    f.push_field(b"");
                }
                f.push_field(b"failed");
                f.push_field(&spreadsheet_field(reason.as_bytes()));
                failures.write_byte_record(&f).map_err(err)?;
                out.counts.failed += 1;
                out.counts.to_fix += 1;
                continue;
            }
            let address = address_text(&rec, self.column, self.encoding);
            let r = self.geocoder.geocode_in(&address, self.hints, self.places);
            out.counts.count(r.status);
            if let Some(extra) = failure_fields(&r) {
                out.counts.to_fix += 1;
                let len = row.len();
                for field in extra {
                    row.push_field(&spreadsheet_field(field.as_bytes()));
                }
                failures.write_byte_record(&row).map_err(err)?;
                row.truncate(len);
            }
            added.fill(&r, self.index, self.crs);
            for f in added.fields() {
                row.push_field(&spreadsheet_field(f));
            }
            result.write_byte_record(&row).map_err(err)?;
        }
        let finish = |w: csv::Writer<Vec<u8>>| w.into_inner().map_err(|e| e.error().to_string());
        out.result = finish(result)?;
        out.failures = finish(failures)?;
        Ok(out)
    }

    /// The record's fields as UTF-8 text, neutralised, into `row`; the
    /// first field that is not text in the encoding, if any.
    fn fields_as_text(&self, rec: &csv::ByteRecord, row: &mut csv::ByteRecord) -> Option<usize> {
        row.clear();
        if self.encoding == Encoding::Utf8 && std::str::from_utf8(rec.as_slice()).is_ok() {
            for f in rec {
                row.push_field(&spreadsheet_field(f));
            }
            return None;
        }
        let mut broken = None;
        for (i, f) in rec.iter().enumerate() {
            let text = decode_field(f, self.encoding).unwrap_or_else(|| {
                broken.get_or_insert(i);
                decode_field_lossy(f, self.encoding)
            });
            row.push_field(&spreadsheet_field(text.as_bytes()));
        }
        broken
    }

    fn refusal(&self, row: &csv::ByteRecord, broken: Option<usize>, row_no: i64) -> Option<String> {
        let (n, width) = (row.len(), self.width);
        match n.cmp(&width) {
            std::cmp::Ordering::Less => Some(format!(
                "第 {row_no} 行有 {n} 列，表头有 {width} 列 / row {row_no} has {n} fields where the header has {width}"
            )),
            std::cmp::Ordering::Greater => Some(format!(
                "第 {row_no} 行有 {n} 列，表头有 {width} 列（多出的 {} 列未写出）/ row {row_no} has {n} fields where the header has {width} (the last {} are not shown here)",
                n - width,
                n - width
            )),
            std::cmp::Ordering::Equal => broken.map(|i| {
                format!(
                    "第 {row_no} 行第 {} 列不是有效的 {} 文本 / row {row_no}: column {} is not valid {} text",
                    i + 1,
                    self.encoding,
                    i + 1,
                    self.encoding
                )
            }),
        }
    }
}

/// The address field as text (borrowed when the file is UTF-8).
fn address_text(
    rec: &csv::ByteRecord,
    column: usize,
    encoding: Encoding,
) -> std::borrow::Cow<'_, str> {
    let bytes = rec.get(column).unwrap_or_default();
    match (encoding, std::str::from_utf8(bytes)) {
        (Encoding::Utf8, Ok(text)) => std::borrow::Cow::Borrowed(text),
        _ => std::borrow::Cow::Owned(decode_field_lossy(bytes, encoding)),
    }
}

/// The values of [`ADDED_COLUMNS`] for one row, written into one reused
/// buffer (no allocation per row: the bulk geocoder writes a million rows).
#[derive(Default)]
struct AddedFields {
    text: String,
    ends: [usize; 12],
}

impl AddedFields {
    fn fill(&mut self, r: &GeocodeResult, index: Option<&CellIndex>, crs: Crs) {
        self.text.clear();
        let mut i = 0;
        let mut end = |s: &mut Self| {
            s.ends[i] = s.text.len();
            i += 1;
        };
        if let (Some(lon), Some(lat)) = (r.lon, r.lat) {
            let (x, y) = from_wgs84(crs, lon, lat);
            let _ = write!(self.text, "{x:.6}");
            end(self);
            let _ = write!(self.text, "{y:.6}");
            end(self);
        } else {
            end(self);
            end(self);
        }
        self.text.push_str(r.precision.as_str());
        end(self);
        let _ = write!(self.text, "{:.2}", r.confidence);
        end(self);
        for c in [
            r.province_code,
            r.city_code,
            r.county_code,
            r.town_code,
            r.village_code,
        ] {
            if let Some(c) = c {
                let _ = write!(self.text, "{c}");
            }
            end(self);
        }
        if let Some(cell) = cell_code(r, index) {
            self.text.push_str(cell);
        }
        end(self);
        self.text.push_str(r.status.as_str());
        end(self);
        self.text.push_str(&r.reason);
        end(self);
    }

    fn fields(&self) -> impl Iterator<Item = &[u8]> + '_ {
        let bytes = self.text.as_bytes();
        (0..self.ends.len()).map(move |i| {
            let start = if i == 0 { 0 } else { self.ends[i - 1] };
            &bytes[start..self.ends[i]]
        })
    }
}

/// The cell the address names, else the cell of the point where it is as
/// precise as a road or a building (a town's or a county's centre lies in
/// some cell the address does not name).
fn cell_code<'r>(r: &'r GeocodeResult, index: Option<&'r CellIndex>) -> Option<&'r str> {
    if let Some(code) = &r.place_code {
        return Some(code);
    }
    let (ix, lon, lat) = (index?, r.lon?, r.lat?);
    if r.precision > Precision::Road {
        return None;
    }
    let cell = ix.locate(lon, lat, &LocateOptions::default()).cell?;
    Some(ix.grid(cell).code.as_str())
}

/// The values of [`FAILURE_COLUMNS`] when the row goes to the failures
/// file ([`GeocodeResult::needs_fixing`]), `None` otherwise.
pub fn failure_fields(r: &GeocodeResult) -> Option<[&str; 2]> {
    r.needs_fixing()
        .then(|| [r.status.as_str(), r.reason.as_str()])
}

#[cfg(test)]
mod tests {
    use super::*;
    use wangge_geocode::{Geocoder, Hints};

    #[test]
    fn the_address_column_is_found_by_its_usual_names() {
        let names = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(address_column(&names(&["客户", "装机地址"]), None), Some(1));
        assert_eq!(
            address_column(&names(&["\u{feff}Address", "x"]), None),
            Some(0)
        );
        assert_eq!(address_column(&names(&["a", "b"]), None), None);
        // One column holding the word: that one; two: ask.
        assert_eq!(address_column(&names(&["编号", "客户地址"]), None), Some(1));
        assert_eq!(
            address_column(&names(&["Install Address", "x"]), None),
            Some(0)
        );
        assert_eq!(
            address_column(&names(&["联系地址", "装机位置地址"]), None),
            None
        );
        assert_eq!(address_column(&names(&["a", " B "]), Some("b")), Some(1));
    }

    #[test]
    fn a_row_gets_the_added_fields_and_a_failure_says_why() {
        let g = Geocoder::new();
        let r = g.geocode("不知道在哪里", &Hints::default());
        let mut added = AddedFields::default();
        added.fill(&r, None, Crs::Wgs84);
        let fields: Vec<&[u8]> = added.fields().collect();
        assert_eq!(fields.len(), ADDED_COLUMNS.len());
        assert_eq!(fields[10], b"failed");
        assert_eq!(failure_fields(&r).map(|f| f[0]), Some("failed"));
    }

    fn table<'a>(
        g: &'a Geocoder,
        places: Option<&'a NamedPlaces>,
        hints: &'a Hints,
        encoding: Encoding,
    ) -> TableGeocoder<'a> {
        TableGeocoder {
            geocoder: g,
            index: None,
            places,
            hints,
            crs: Crs::Wgs84,
            encoding,
            column: 1,
            width: 2,
        }
    }

    #[test]
    fn a_chunk_keeps_every_row_and_names_the_ones_it_cannot_read() {
        let g = Geocoder::new();
        let h = Hints::default();
        let input = "1,湖北十堰茅箭区武当路街道北京路12号\n2,a,b\n3\n4,=1+1\n".as_bytes();
        let out = table(&g, None, &h, Encoding::Utf8).chunk(input, 2).unwrap();
        assert_eq!(out.rows, 4);
        let result = String::from_utf8(out.result).unwrap();
        let failures = String::from_utf8(out.failures).unwrap();
        // Rows 3 and 4 of the file (one field too many, one too few): in the
        // failures only, named by their number; the others in the result.
        assert_eq!(result.lines().count(), 2, "{result}");
        assert!(
            failures.contains("row 3 has 3 fields where the header has 2"),
            "{failures}"
        );
        assert!(failures.contains("第 4 行有 1 列"), "{failures}");
        // A formula is neutralised, and every result row has the added columns.
        assert!(result.contains("'=1+1"), "{result}");
        for line in result.lines() {
            let fields = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(line.as_bytes())
                .records()
                .next()
                .unwrap()
                .unwrap();
            assert_eq!(fields.len(), 2 + ADDED_COLUMNS.len(), "{line}");
        }
        assert_eq!(out.counts.rows(), 4, "refused rows count as failed");
        assert_eq!(out.counts.to_fix as usize, failures.lines().count());
    }

    #[test]
    fn a_gbk_chunk_is_written_as_utf8_and_a_broken_field_is_named() {
        let g = Geocoder::new();
        let h = Hints::default();
        let (gbk, _, _) = encoding_rs::GBK.encode("1,湖北省十堰市茅箭区\n");
        let mut input = gbk.into_owned();
        input.extend_from_slice(b"2,\xff\xfe\n");
        let out = table(&g, None, &h, Encoding::Gb18030)
            .chunk(&input, 2)
            .unwrap();
        let result = String::from_utf8(out.result).unwrap();
        assert!(result.starts_with("1,湖北省十堰市茅箭区,"), "{result}");
        let failures = String::from_utf8(out.failures).unwrap();
        assert!(failures.contains("column 2 is not valid"), "{failures}");
    }

    #[test]
    fn a_cell_named_in_a_row_is_its_cell_code() {
        let g = Geocoder::new();
        let h = Hints::default();
        let places = NamedPlaces::new(vec![wangge_geocode::NamedPlace {
            code: "SY-MJ-0005".into(),
            name: "润景家园".into(),
            lon: 110.795,
            lat: 32.64,
        }]);
        let out = table(&g, Some(&places), &h, Encoding::Utf8)
            .chunk("1,十堰市茅箭区润景家园\n".as_bytes(), 2)
            .unwrap();
        let result = String::from_utf8(out.result).unwrap();
        assert!(result.contains(",cell,"), "{result}");
        assert!(result.contains(",SY-MJ-0005,matched,"), "{result}");
        assert_eq!(out.counts.to_fix, 0, "{result}");
    }
}
