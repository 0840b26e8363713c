//! The CSV readers in every encoding: the bytes as given, as UTF-8 text,
//! UTF-8 with a BOM, and the same text encoded as GBK/GB18030; detected or
//! forced; then read as each kind of entity, and as GeoJSON points. No
//! panic; rows are padded to the header; and a file in GBK forced as GBK
//! reads exactly as the same file in UTF-8 forced as UTF-8 (GB18030's
//! multi-byte sequences never contain the CSV's `,` `"` `\r` `\n`).
#![no_main]

use encoding_rs::GB18030;
use libfuzzer_sys::fuzz_target;
use wangge_geocode::crs::Crs;
use wangge_io::entities::{
    read_buildings, read_customers, read_opportunities, read_outlets, read_resources,
};
use wangge_io::{read_csv, read_geojson_points, Encoding, Table};

fn check(table: &Table) {
    for (row, fields) in &table.rows {
        assert_eq!(fields.len(), table.header.len(), "row {row}");
        assert!(*row >= 2, "data row {row} at or above the header");
    }
}

fn read_entities(table: &Table, crs: Crs) {
    // Errors are answers; only a panic is a finding.
    let _ = read_customers(table, crs);
    let _ = read_resources(table, crs);
    let _ = read_buildings(table, crs);
    let _ = read_opportunities(table, crs);
    let _ = read_outlets(table, crs);
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let (gbk, _, unmappable) = GB18030.encode(&text);
    let bytes: Vec<u8> = match flags % 4 {
        0 => rest.to_vec(),
        1 => text.as_bytes().to_vec(),
        2 => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        _ => gbk.to_vec(),
    };
    let forced = match (flags / 4) % 3 {
        0 => None,
        1 => Some(Encoding::Utf8),
        _ => Some(Encoding::Gb18030),
    };
    let crs = match (flags / 12) % 3 {
        0 => Crs::Wgs84,
        1 => Crs::Gcj02,
        _ => Crs::Bd09,
    };
    if let Ok(table) = read_csv(&bytes, forced) {
        check(&table);
        read_entities(&table, crs);
    }

    if !unmappable && !text.starts_with('\u{feff}') {
        let as_utf8 = read_csv(text.as_bytes(), Some(Encoding::Utf8));
        let as_gbk = read_csv(&gbk, Some(Encoding::Gb18030));
        match (as_utf8, as_gbk) {
            (Ok(u), Ok(g)) => {
                assert_eq!(u.header, g.header);
                assert_eq!(u.rows, g.rows);
                let rows = |t: &Table| t.errors.iter().map(|e| e.row).collect::<Vec<_>>();
                assert_eq!(rows(&u), rows(&g));
            }
            (Err(_), Err(_)) => {}
            (u, g) => panic!("UTF-8 read {:?}, GBK read {:?}", u.is_ok(), g.is_ok()),
        }
    }

    if let Ok(table) = read_geojson_points(&text) {
        for (row, fields) in &table.rows {
            assert_eq!(fields.len(), table.header.len(), "feature {row}");
        }
        read_entities(&table, crs);
    }
});
