//! `wangge geocode IN.csv -o OUT.csv [--column address]`: bulk geocoding.
//!
//! Streams the file in chunks (constant memory for any size), geocodes each
//! chunk on all cores and copies every input column through (as UTF-8),
//! adding DESIGN.md's columns `lon,lat,precision,confidence,province_code,
//! city_code,county_code,town_code,village_code,cell_code,status,reason`.
//! Rows to fix (failed, ambiguous, without coordinates, outside the
//! territory; `wangge_assign::failure_fields`) are also written, as read plus
//! `status,reason`, to a failures file that can be fixed and re-submitted.
//! The file's encoding is decided once, on the whole file, before the rows
//! are read (`wangge_io::detect_encoding_of`, as the server does), and every
//! cell written is neutralised against formula injection.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use wangge_assign::{
    added_fields, address_column, assign_all, failure_fields, AddressHook, AssignOptions,
    ADDED_COLUMNS, FAILURE_COLUMNS,
};
use wangge_geocode::{GeocodeResult, Geocoder, Hints, Status};
use wangge_io::Encoding;
use wangge_spatial::index::CellIndex;
use wangge_store::Store;

use crate::args::GeocodeArgs;
use crate::commands::geocoder::load_geocoder;

const CHUNK_ROWS: usize = 1 << 14;
pub async fn run(store: &Store, args: &GeocodeArgs) -> anyhow::Result<()> {
    let geocoder = load_geocoder(store).await?;
    // Cells are optional: without grids, cell_code stays empty.
    let index = wangge_assign::load_index(store).await.ok();
    let hints = Hints {
        city_code: args
            .city
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(|e| anyhow::anyhow!("--city: {e}"))?,
        ..Hints::default()
    };
    let input = &args.input;
    check_not_binary(input)?;
    let encoding = match args.encoding {
        Some(forced) => forced,
        None => wangge_io::detect_encoding_of(
            std::fs::File::open(input)
                .with_context(|| format!("cannot read {}", input.display()))?,
        )
        .with_context(|| format!("cannot read {}", input.display()))?,
    };
    let file =
        std::fs::File::open(input).with_context(|| format!("cannot read {}", input.display()))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(std::io::BufReader::with_capacity(1 << 20, file));
    let mut header = csv::ByteRecord::new();
    if !reader
        .read_byte_record(&mut header)
        .with_context(|| format!("{}: cannot read the header", input.display()))?
    {
        bail!(
            "{} is empty: a header with an address column is expected",
            input.display()
        );
    }
    let names: Vec<String> = header.iter().map(|f| decode_name(f, encoding)).collect();
    let col = address_column(&names, args.column.as_deref()).ok_or_else(|| {
        anyhow::anyhow!(
            "{} has no {} column; columns found: {}",
            input.display(),
            args.column
                .as_deref()
                .map_or_else(|| "address (地址)".to_owned(), |c| format!("{c:?}")),
            wangge_io::shown_columns(&names)
        )
    })?;

    let output = args.output.clone();
    let failures_path = args
        .failures
        .clone()
        .unwrap_or_else(|| failures_default(output.as_deref(), input));
    let mut writer = csv::Writer::from_writer(crate::output::open(output.as_deref())?);
    let mut failures = csv::Writer::from_path(&failures_path)
        .with_context(|| format!("cannot create {}", failures_path.display()))?;
    let header = to_utf8(&header, encoding);
    let mut out_header = header.clone();
    for extra in ADDED_COLUMNS {
        out_header.push_field(extra.as_bytes());
    }
    writer.write_byte_record(&wangge_io::spreadsheet_record(&out_header))?;
    let mut fail_header = header.clone();
    for extra in FAILURE_COLUMNS {
        fail_header.push_field(extra.as_bytes());
    }
    failures.write_byte_record(&wangge_io::spreadsheet_record(&fail_header))?;

    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, std::num::NonZero::get))
        .max(1);
    let progress = crate::commands::geocoder::progress_bar();
    let started = Instant::now();
    let mut counts = [0usize; 4];
    let mut total = 0usize;
    let mut failed_rows = 0usize;
    let mut rows: Vec<csv::ByteRecord> = Vec::with_capacity(CHUNK_ROWS);
    loop {
        rows.clear();
        let mut record = csv::ByteRecord::new();
        while rows.len() < CHUNK_ROWS
            && reader.read_byte_record(&mut record).with_context(|| {
                format!(
                    "{}: row {} cannot be read",
                    input.display(),
                    total + rows.len() + 2
                )
            })?
        {
            rows.push(to_utf8(&record, encoding));
        }
        if rows.is_empty() {
            break;
        }
        let results = geocode_chunk(&geocoder, &hints, &rows, col, threads);
        for (row, r) in rows.iter_mut().zip(&results) {
            counts[status_index(r.status)] += 1;
            if let Some(extra) = failure_fields(r) {
                let mut f = wangge_io::spreadsheet_record(row);
                for field in extra {
                    f.push_field(&wangge_io::spreadsheet_field(field.as_bytes()));
                }
                failures.write_byte_record(&f)?;
                failed_rows += 1;
            }
            let mut out = wangge_io::spreadsheet_record(row);
            for field in added_fields(r, index.as_ref(), args.crs) {
                out.push_field(&wangge_io::spreadsheet_field(field.as_bytes()));
            }
            writer.write_byte_record(&out)?;
        }
        total += rows.len();
        progress.set_position(total as u64);
    }
    writer.flush()?;
    failures.flush()?;
    progress.finish_and_clear();
    let elapsed = started.elapsed().as_secs_f64().max(1e-9);
    eprintln!(
        "geocoded {total} rows in {elapsed:.2} s on {threads} threads ({:.0} rows/s): matched {}, partial {}, ambiguous {}, failed {}; {failed_rows} rows to fix in {}",
        total as f64 / elapsed,
        counts[0],
        counts[1],
        counts[2],
        counts[3],
        failures_path.display()
    );
    if args.assign {
        assign_stored(store, index.as_ref(), geocoder, hints, threads).await?;
    }
    Ok(())
}

/// `--assign`: place the stored entities again, the customers without
/// coordinates from their address (the assignment engine's `no_location`
/// hook). The summary goes to stderr: stdout may hold the CSV.
async fn assign_stored(
    store: &Store,
    index: Option<&CellIndex>,
    geocoder: Geocoder,
    hints: Hints,
    threads: usize,
) -> anyhow::Result<()> {
    let Some(index) = index else {
        bail!("--assign needs a grid in the store: import or seed one first (wangge import / wangge demo)");
    };
    let options = AssignOptions {
        threads,
        addresses: Some(AddressHook { geocoder, hints }),
        ..AssignOptions::default()
    };
    let report = assign_all(store, index, &options).await?;
    for kind in report.kinds.iter().filter(|k| k.total > 0) {
        let statuses: Vec<String> = kind
            .by_status
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(s, n)| format!("{s} {n}"))
            .collect();
        eprintln!(
            "placed {} {}: {}",
            kind.total,
            kind.kind,
            statuses.join(", ")
        );
    }
    Ok(())
}

fn status_index(s: Status) -> usize {
    match s {
        Status::Matched => 0,
        Status::Partial => 1,
        Status::Ambiguous => 2,
        Status::Failed => 3,
    }
}

/// A file whose first 8 KiB hold NUL bytes is no CSV (a spreadsheet, an image).
fn check_not_binary(path: &Path) -> anyhow::Result<()> {
    let mut head = [0u8; 8192];
    let mut f =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let n = f.read(&mut head)?;
    if head[..n].contains(&0) {
        let hint = if head.starts_with(b"PK") {
            " (it looks like an .xlsx workbook: save it as CSV)"
        } else {
            ""
        };
        bail!(
            "{} is not a text CSV file: it holds binary data{hint}",
            path.display()
        );
    }
    Ok(())
}

fn failures_default(output: Option<&Path>, input: &Path) -> PathBuf {
    let base = output.unwrap_or(input);
    let stem = base
        .file_stem()
        .map_or_else(|| "geocode".into(), |s| s.to_string_lossy().into_owned());
    base.with_file_name(format!("{stem}.failures.csv"))
}

/// A header name in the file's encoding.
pub(crate) fn decode_name(bytes: &[u8], encoding: Encoding) -> String {
    decode(bytes, encoding)
        .trim()
        .trim_start_matches('\u{feff}')
        .to_owned()
}

/// The output is UTF-8 throughout (the added reasons are Chinese): a GBK
/// row is transcoded, a UTF-8 row copied as it is.
fn to_utf8(record: &csv::ByteRecord, encoding: Encoding) -> csv::ByteRecord {
    if encoding == Encoding::Utf8 && std::str::from_utf8(record.as_slice()).is_ok() {
        return record.clone();
    }
    record
        .iter()
        .map(|f| decode(f, encoding).into_bytes())
        .collect()
}

/// A field in the file's encoding; bytes not valid in it become U+FFFD.
fn decode(bytes: &[u8], encoding: Encoding) -> String {
    wangge_io::encoding::decode_field_lossy(bytes, encoding)
}

fn geocode_chunk(
    geocoder: &Geocoder,
    hints: &Hints,
    rows: &[csv::ByteRecord],
    col: usize,
    threads: usize,
) -> Vec<GeocodeResult> {
    let one = |r: &csv::ByteRecord| {
        geocoder.geocode(
            &decode(r.get(col).unwrap_or_default(), Encoding::Utf8),
            hints,
        )
    };
    if threads <= 1 || rows.len() < 256 {
        return rows.iter().map(one).collect();
    }
    let per = rows.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = rows
            .chunks(per)
            .map(|part| s.spawn(move || part.iter().map(one).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}
