//! Where command output goes: a file given with -o, or stdout; CSV in the
//! encoding `--csv-encoding` chose (default: UTF-8 with a BOM into a file,
//! for Excel; plain UTF-8 down a pipe, for the next program).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::Context;
use wangge_io::csv_out::{CsvEncoding, CsvOut};

/// `--csv-encoding`, set once when the command line is read: every CSV a
/// command writes follows it.
static CSV_ENCODING: std::sync::OnceLock<CsvEncoding> = std::sync::OnceLock::new();

pub fn set_csv_encoding(encoding: Option<CsvEncoding>) {
    if let Some(encoding) = encoding {
        let _ = CSV_ENCODING.set(encoding);
    }
}

/// The encoding of a CSV written to `path` (stdout when `None`).
pub fn csv_encoding(path: Option<&Path>) -> CsvEncoding {
    match (CSV_ENCODING.get(), path) {
        (Some(chosen), _) => *chosen,
        (None, Some(_)) => CsvEncoding::Utf8Bom,
        (None, None) => CsvEncoding::Utf8,
    }
}

/// [`open`] for a CSV: its text in [`csv_encoding`].
pub fn open_csv(path: Option<&Path>) -> anyhow::Result<Box<dyn Write>> {
    Ok(Box::new(CsvOut::new(open(path)?, csv_encoding(path))))
}

pub fn open(path: Option<&Path>) -> anyhow::Result<Box<dyn Write>> {
    Ok(match path {
        Some(p) => Box::new(BufWriter::new(
            File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    })
}
