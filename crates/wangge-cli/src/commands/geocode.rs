//! `wangge geocode IN.csv -o OUT.csv [--column address]`: bulk geocoding.
//!
//! The same table as the HTTP jobs (`wangge_assign::TableGeocoder`): every
//! input column copied through (as UTF-8) plus DESIGN.md's columns
//! `lon,lat,precision,confidence,province_code,city_code,county_code,
//! town_code,village_code,cell_code,status,reason`; rows to fix (failed,
//! ambiguous, without coordinates, outside the territory, unreadable) also
//! go, as read plus `status,reason`, to a failures file that can be fixed
//! and re-submitted. The file's encoding is decided once, on the whole file,
//! before the rows are read (`wangge_io::detect_encoding_of`, as the server
//! does), and every cell written is neutralised against formula injection.
//!
//! Streaming in constant memory: one thread cuts the file into chunks of
//! whole rows, `--threads` workers geocode chunks (CSV parsing, decoding and
//! writing included, so the whole row costs scale with the cores), and the
//! main thread writes the chunks back in order.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{bail, Context};
use wangge_assign::{
    address_column, assign_all, AddressHook, AssignOptions, ChunkOutput, RowCounts, TableGeocoder,
};
use wangge_geocode::{Geocoder, Hints};
use wangge_io::csv_stream::RowSplitter;
use wangge_io::Encoding;
use wangge_spatial::index::CellIndex;
use wangge_store::Store;

use crate::args::GeocodeArgs;
use crate::commands::geocoder::load_geocoder;

/// Rows per chunk: the unit of work of a thread.
const CHUNK_ROWS: usize = 4096;
/// The longest row read (a row longer is an error naming it).
const MAX_ROW_BYTES: usize = 16 << 20;

pub async fn run(store: &Store, args: &GeocodeArgs) -> anyhow::Result<()> {
    let geocoder = load_geocoder(store).await?;
    // Cells are optional: without grids, cell_code stays empty.
    let (index, places) = wangge_assign::load_index_and_cell_names(store).await?;
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
    let mut rows = ChunkReader::open(input)?;
    let Some(header) = rows.header()? else {
        bail!(
            "{} is empty: a header with an address column is expected",
            input.display()
        );
    };
    let names: Vec<String> = header.iter().map(|f| decode_name(f, encoding)).collect();
    let column = address_column(&names, args.column.as_deref()).ok_or_else(|| {
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
    let mut writer =
        std::io::BufWriter::with_capacity(1 << 20, crate::output::open_csv(output.as_deref())?);
    let mut failures =
        std::io::BufWriter::with_capacity(1 << 20, crate::output::open_csv(Some(&failures_path))?);
    let (result_header, failures_header) = TableGeocoder::headers(&names);
    writer.write_all(&result_header)?;
    failures.write_all(&failures_header)?;

    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, std::num::NonZero::get))
        .max(1);
    let table = TableGeocoder {
        geocoder: &geocoder,
        index: index.as_ref(),
        places: Some(&places),
        hints: &hints,
        crs: args.crs,
        encoding,
        column,
        width: names.len(),
    };
    let progress = crate::commands::geocoder::progress_bar();
    let started = Instant::now();
    let mut counts = RowCounts::default();
    let mut total = 0i64;
    geocode_in_parallel(&table, &mut rows, threads, |out| {
        writer.write_all(&out.result)?;
        failures.write_all(&out.failures)?;
        counts.add(out.counts);
        total += out.rows;
        progress.set_position(u64::try_from(total).unwrap_or_default());
        Ok(())
    })
    .with_context(|| format!("{}", input.display()))?;
    writer.flush()?;
    failures.flush()?;
    progress.finish_and_clear();
    let elapsed = started.elapsed().as_secs_f64().max(1e-9);
    eprintln!(
        "geocoded {total} rows in {elapsed:.2} s on {threads} threads ({:.0} rows/s): matched {}, partial {}, ambiguous {}, failed {}; {} rows to fix in {}",
        total as f64 / elapsed,
        counts.matched,
        counts.partial,
        counts.ambiguous,
        counts.failed,
        counts.to_fix,
        failures_path.display()
    );
    if args.assign {
        assign_stored(store, index.as_ref(), geocoder, hints, threads).await?;
    }
    Ok(())
}

/// A CSV file cut into chunks of whole rows, as in the file.
struct ChunkReader {
    file: std::fs::File,
    splitter: RowSplitter,
    buf: Vec<u8>,
    /// Rows cut but not yet taken, and where each of them ends.
    pending: Vec<u8>,
    pending_ends: Vec<usize>,
    header: Option<Vec<Vec<u8>>>,
    /// Rows handed out so far (the header excluded).
    rows_out: i64,
    eof: bool,
}

/// One chunk: the file's row number of its first row and its bytes.
struct Chunk {
    seq: u64,
    first_row: i64,
    bytes: Vec<u8>,
}

impl ChunkReader {
    fn open(path: &Path) -> anyhow::Result<Self> {
        Ok(ChunkReader {
            file: std::fs::File::open(path)
                .with_context(|| format!("cannot read {}", path.display()))?,
            splitter: RowSplitter::new(MAX_ROW_BYTES),
            buf: vec![0; 1 << 20],
            pending: Vec::new(),
            pending_ends: Vec::new(),
            header: None,
            rows_out: 0,
            eof: false,
        })
    }

    /// The header's fields (`None`: an empty file).
    fn header(&mut self) -> anyhow::Result<Option<Vec<Vec<u8>>>> {
        while self.header.is_none() && !self.eof {
            self.read_more()?;
        }
        Ok(self.header.clone())
    }

    /// Reads one piece of the file into the pending rows.
    fn read_more(&mut self) -> anyhow::Result<()> {
        let n = self.file.read(&mut self.buf)?;
        let (header, pending, pending_ends) =
            (&mut self.header, &mut self.pending, &mut self.pending_ends);
        let mut on_row = |row: wangge_io::csv_stream::Row<'_>| {
            if header.is_none() {
                let fields = row.fields().map(<[u8]>::to_vec).collect::<Vec<_>>();
                // A UTF-8 BOM is no part of the first name.
                let mut fields = fields;
                if let Some(first) = fields.first_mut() {
                    if first.starts_with(b"\xEF\xBB\xBF") {
                        first.drain(..3);
                    }
                }
                *header = Some(fields);
            } else {
                pending.extend_from_slice(row.raw);
                if !row.raw.ends_with(b"\n") && !row.raw.ends_with(b"\r") {
                    pending.push(b'\n'); // the last row, without a line end
                }
                pending_ends.push(pending.len());
            }
        };
        if n == 0 {
            self.eof = true;
            self.splitter
                .finish(&mut on_row)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        } else {
            let piece = &self.buf[..n];
            self.splitter
                .feed(piece, &mut on_row)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        Ok(())
    }

    /// The next chunk of at most [`CHUNK_ROWS`] rows (`None` at the end).
    fn next_chunk(&mut self, seq: u64) -> anyhow::Result<Option<Chunk>> {
        while self.pending_ends.len() < CHUNK_ROWS && !self.eof {
            self.read_more()?;
        }
        let take = self.pending_ends.len().min(CHUNK_ROWS);
        if take == 0 {
            return Ok(None);
        }
        let cut = self.pending_ends[take - 1];
        let rest = self.pending.split_off(cut);
        let bytes = std::mem::replace(&mut self.pending, rest);
        self.pending_ends.drain(..take);
        for end in &mut self.pending_ends {
            *end -= cut;
        }
        let first_row = self.rows_out + 2; // the header is row 1
        self.rows_out += i64::try_from(take).unwrap_or(i64::MAX);
        Ok(Some(Chunk {
            seq,
            first_row,
            bytes,
        }))
    }
}

/// Geocodes the chunks of `rows` on `threads` workers and hands the
/// outputs to `write` in the file's order. Memory holds at most a few
/// chunks per worker.
fn geocode_in_parallel(
    table: &TableGeocoder<'_>,
    rows: &mut ChunkReader,
    threads: usize,
    mut write: impl FnMut(ChunkOutput) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let (chunk_tx, chunk_rx) = sync_channel::<Chunk>(threads * 2);
    let (out_tx, out_rx) = sync_channel::<(u64, Result<ChunkOutput, String>)>(threads * 2);
    let chunk_rx = Arc::new(Mutex::new(chunk_rx));
    std::thread::scope(|s| {
        for _ in 0..threads {
            let (chunk_rx, out_tx) = (Arc::clone(&chunk_rx), out_tx.clone());
            s.spawn(move || worker(table, &chunk_rx, &out_tx));
        }
        drop(out_tx);
        let reader = s.spawn(move || -> anyhow::Result<()> {
            let mut seq = 0u64;
            while let Some(chunk) = rows.next_chunk(seq)? {
                seq += 1;
                if chunk_tx.send(chunk).is_err() {
                    break; // the writer stopped on an error
                }
            }
            Ok(())
        });
        let mut next = 0u64;
        let mut waiting = BTreeMap::new();
        let mut failed = None;
        for (seq, out) in out_rx {
            waiting.insert(seq, out);
            while let Some(out) = waiting.remove(&next) {
                next += 1;
                if failed.is_none() {
                    failed = out.map_err(anyhow::Error::msg).and_then(&mut write).err();
                }
            }
            if failed.is_some() {
                break;
            }
        }
        // Dropping the receiver stops the workers and then the reader.
        let read = reader
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the reader stopped")));
        match failed {
            Some(e) => Err(e),
            None => read,
        }
    })
}

fn worker(
    table: &TableGeocoder<'_>,
    chunks: &Mutex<Receiver<Chunk>>,
    out: &std::sync::mpsc::SyncSender<(u64, Result<ChunkOutput, String>)>,
) {
    loop {
        let next = chunks.lock().map(|rx| rx.recv());
        let Ok(Ok(chunk)) = next else { return };
        let done = table.chunk(&chunk.bytes, chunk.first_row);
        if out.send((chunk.seq, done)).is_err() {
            return;
        }
    }
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

fn decode(bytes: &[u8], encoding: Encoding) -> String {
    wangge_io::encoding::decode_field_lossy(bytes, encoding)
}
