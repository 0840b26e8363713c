//! `wangge assign-points IN.csv -o OUT.csv`: stateless placement of points.
//!
//! Streams the file in chunks (constant memory for any size), locates each
//! chunk on all cores, and copies every input column through byte for byte
//! (a GBK file stays GBK; a cell that a spreadsheet would run as a formula
//! gets a leading `'`), adding `cell_code,l3_code,l2_code,l1_code,status`
//! and `suggestion` (the nearest cell within the snap distance, for points in
//! no cell).

use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use wangge_assign::{load_index, status_of};
use wangge_geocode::crs::{to_wgs84, Crs};
use wangge_spatial::index::{CellIndex, GridRef, LocateOptions, Location};
use wangge_store::Store;

use crate::args::AssignPointsArgs;

const CHUNK_ROWS: usize = 1 << 20;
const LON: &[&str] = &["lon", "lng", "longitude", "x", "经度"];
const LAT: &[&str] = &["lat", "latitude", "y", "纬度"];

pub async fn run(store: &Store, args: &AssignPointsArgs) -> anyhow::Result<()> {
    let index = load_index(store).await?;
    let file = std::fs::File::open(&args.input)
        .with_context(|| format!("cannot read {}", args.input.display()))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(std::io::BufReader::with_capacity(1 << 20, file));

    let mut header = csv::ByteRecord::new();
    if !reader.read_byte_record(&mut header)? {
        bail!(
            "{} is empty: a header with lon,lat is expected",
            args.input.display()
        );
    }
    let names: Vec<String> = header.iter().map(decode_name).collect();
    let find = |aliases: &[&str]| {
        names
            .iter()
            .position(|n| aliases.iter().any(|a| n.eq_ignore_ascii_case(a)))
    };
    let (Some(lon_col), Some(lat_col)) = (find(LON), find(LAT)) else {
        bail!(
            "{} needs columns lon and lat (or 经度, 纬度); it has {}",
            args.input.display(),
            wangge_io::shown_columns(&names)
        );
    };
    let mut out_header = header.clone();
    for extra in [
        "cell_code",
        "l3_code",
        "l2_code",
        "l1_code",
        "status",
        "suggestion",
    ] {
        out_header.push_field(extra.as_bytes());
    }
    let options = LocateOptions {
        snap_distance_m: args.snap_distance_m,
    };
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, std::num::NonZero::get));

    // Writing overlaps with reading the next chunk: formatted chunks go to a
    // writer thread (which opens the output itself: stdout's lock stays on
    // one thread), at most two in flight.
    let output = args.output.clone();
    let (chunks, received) = std::sync::mpsc::sync_channel::<Vec<u8>>(2);
    let writer = std::thread::spawn(move || -> anyhow::Result<()> {
        let mut out = crate::output::open_csv(output.as_deref())?;
        for chunk in received {
            out.write_all(&chunk)?;
        }
        out.flush()?;
        Ok(())
    });
    let send = |chunk: Vec<u8>| chunks.send(chunk).is_ok();

    let started = Instant::now();
    let mut locate_time = Duration::ZERO;
    let mut total = 0usize;
    let mut sent = send(format_rows(&index, &[out_header], &[])?);
    let mut rows: Vec<csv::ByteRecord> = Vec::with_capacity(CHUNK_ROWS);
    let mut points: Vec<[f64; 2]> = Vec::with_capacity(CHUNK_ROWS);
    while sent {
        rows.clear();
        points.clear();
        let mut record = csv::ByteRecord::new();
        while rows.len() < CHUNK_ROWS && reader.read_byte_record(&mut record)? {
            points.push(point_of(&record, lon_col, lat_col, args.crs));
            rows.push(std::mem::take(&mut record));
        }
        if rows.is_empty() {
            break;
        }
        let t = Instant::now();
        let locations = index.locate_many(&points, &options, threads);
        locate_time += t.elapsed();
        // Formatting is as costly as locating: split over the threads too.
        let per_thread = rows.len().div_ceil(threads.max(1));
        let parts: Vec<anyhow::Result<Vec<u8>>> = std::thread::scope(|scope| {
            let handles: Vec<_> = rows
                .chunks(per_thread)
                .zip(locations.chunks(per_thread))
                .map(|(rows, locations)| scope.spawn(|| format_rows(&index, rows, locations)))
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| bail!("a formatting thread panicked"))
                })
                .collect()
        });
        total += rows.len();
        for part in parts {
            sent = sent && send(part?);
        }
    }
    drop(chunks);
    writer
        .join()
        .unwrap_or_else(|_| bail!("the writing thread panicked"))?;
    let elapsed = started.elapsed().as_secs_f64().max(1e-9);
    let locate = locate_time.as_secs_f64().max(1e-9);
    eprintln!(
        "assigned {total} points in {elapsed:.2} s on {threads} threads: {:.0} points/s end to end, {:.0} points/s locating ({} cells)",
        total as f64 / elapsed,
        total as f64 / locate,
        index.cell_count()
    );
    Ok(())
}

/// CSV text of `rows`, each followed by its location's columns (all rows
/// as they are when `locations` is empty: the header).
fn format_rows(
    index: &CellIndex,
    rows: &[csv::ByteRecord],
    locations: &[Location],
) -> anyhow::Result<Vec<u8>> {
    let mut out = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::with_capacity(rows.len() * 96));
    for (i, row) in rows.iter().enumerate() {
        // Cells neutralised against formula injection, byte for byte otherwise.
        let row = &wangge_io::spreadsheet_record(row);
        let Some(location) = locations.get(i) else {
            out.write_byte_record(row)?;
            continue;
        };
        let code = |r: Option<GridRef>| r.map_or("", |r| index.grid(r).code.as_str());
        let suggestion = code(location.suggestion.map(|(r, _)| r));
        let extra = [
            code(location.cell),
            code(location.l3),
            code(location.l2),
            code(location.l1),
            status_of(location).as_str(),
            suggestion,
        ];
        out.write_record(row.iter().chain(extra.iter().map(|s| s.as_bytes())))?;
    }
    out.into_inner()
        .map_err(|e| anyhow::anyhow!("formatting CSV: {}", e.error()))
}

/// Header names may be GBK (经度); try UTF-8 first.
fn decode_name(bytes: &[u8]) -> String {
    let text = match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    };
    text.trim().trim_start_matches('\u{feff}').to_owned()
}

/// A row's point in WGS-84; anything unreadable becomes NaN, which the index
/// reports as invalid coordinates (the row is kept, never dropped).
fn point_of(record: &csv::ByteRecord, lon_col: usize, lat_col: usize, crs: Crs) -> [f64; 2] {
    let number = |c: usize| {
        record
            .get(c)
            .and_then(|b| std::str::from_utf8(b).ok())
            .and_then(|s| s.trim().parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    let (lon, lat) = (number(lon_col), number(lat_col));
    if crs == Crs::Wgs84 || !(lon.is_finite() && lat.is_finite()) {
        return [lon, lat];
    }
    let (lon, lat) = to_wgs84(crs, lon, lat);
    [lon, lat]
}
