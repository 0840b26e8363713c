//! `wangge assign-points IN.csv -o OUT.csv`: stateless placement of points.
//!
//! Streams the file in chunks (constant memory for any size), locates each
//! chunk on all cores, and copies every input column through byte for byte
//! (a GBK file stays GBK), adding `cell_code,l3_code,l2_code,l1_code,status`
//! and `suggestion` (the nearest cell within the snap distance, for points in
//! no cell).

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use wangge_assign::{load_index, status_of};
use wangge_geocode::crs::{to_wgs84, Crs};
use wangge_spatial::index::{CellIndex, GridRef, LocateOptions};
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
    let mut writer = csv::Writer::from_writer(crate::output::open(args.output.as_deref())?);

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
            names.join(", ")
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
    writer.write_byte_record(&out_header)?;

    let options = LocateOptions {
        snap_distance_m: args.snap_distance_m,
    };
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, std::num::NonZero::get));
    let started = Instant::now();
    let mut locate_time = Duration::ZERO;
    let mut total = 0usize;
    let mut rows: Vec<csv::ByteRecord> = Vec::with_capacity(CHUNK_ROWS);
    let mut points: Vec<[f64; 2]> = Vec::with_capacity(CHUNK_ROWS);
    loop {
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
        for (row, location) in rows.iter_mut().zip(&locations) {
            for r in [location.cell, location.l3, location.l2, location.l1] {
                row.push_field(code(&index, r).as_bytes());
            }
            row.push_field(status_of(location).as_str().as_bytes());
            row.push_field(code(&index, location.suggestion.map(|(r, _)| r)).as_bytes());
            writer.write_byte_record(row)?;
        }
        total += rows.len();
    }
    writer.flush()?;
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

fn code(index: &CellIndex, r: Option<GridRef>) -> String {
    r.map(|r| index.grid(r).code.to_string())
        .unwrap_or_default()
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
