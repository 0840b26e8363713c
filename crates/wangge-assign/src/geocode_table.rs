//! The bulk-geocoding table, one for `wangge geocode` and the HTTP jobs:
//! which column holds the address, the columns added to every row, and what
//! goes beside a row of the failures file. Two copies of these had already
//! drifted apart (the jobs lacked `cell_code` and the `addr` column name).

use wangge_geocode::crs::{from_wgs84, Crs};
use wangge_geocode::{DivisionCode, GeocodeResult, Precision};
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

/// The values of [`ADDED_COLUMNS`] for one row: coordinates in `crs`, and the
/// cell of the point where it is as precise as a road or a building (a
/// town's or a county's centre lies in some cell the address does not name).
pub fn added_fields(r: &GeocodeResult, index: Option<&CellIndex>, crs: Crs) -> [String; 12] {
    let code = |c: Option<DivisionCode>| c.map(|c| c.to_string()).unwrap_or_default();
    let (lon, lat, cell) = match (r.lon, r.lat) {
        (Some(lon), Some(lat)) => {
            let cell = index
                .filter(|_| r.precision <= Precision::Road)
                .and_then(|ix| {
                    ix.locate(lon, lat, &LocateOptions::default())
                        .cell
                        .map(|c| ix.grid(c).code.to_string())
                })
                .unwrap_or_default();
            let (x, y) = from_wgs84(crs, lon, lat);
            (format!("{x:.6}"), format!("{y:.6}"), cell)
        }
        _ => (String::new(), String::new(), String::new()),
    };
    [
        lon,
        lat,
        r.precision.as_str().to_owned(),
        format!("{:.2}", r.confidence),
        code(r.province_code),
        code(r.city_code),
        code(r.county_code),
        code(r.town_code),
        code(r.village_code),
        cell,
        r.status.as_str().to_owned(),
        r.reason.clone(),
    ]
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
        let fields = added_fields(&r, None, Crs::Wgs84);
        assert_eq!(fields.len(), ADDED_COLUMNS.len());
        assert_eq!(fields[10], "failed");
        assert_eq!(failure_fields(&r).map(|f| f[0]), Some("failed"));
    }
}
