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

/// Refuses an output file whose folder does not exist, naming it, before
/// any work is done (a Shapefile or GeoPackage writer would say less).
pub fn check_target(path: &Path) -> anyhow::Result<()> {
    let folder = path.parent().filter(|f| !f.as_os_str().is_empty());
    if let Some(folder) = folder.filter(|f| !f.is_dir()) {
        anyhow::bail!(
            "cannot write {}: the folder {} does not exist",
            path.display(),
            folder.display()
        );
    }
    Ok(())
}

pub fn open(path: Option<&Path>) -> anyhow::Result<Box<dyn Write>> {
    if let Some(path) = path {
        check_target(path)?;
    }
    Ok(match path {
        Some(p) => Box::new(BufWriter::new(
            File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    })
}

/// The layer's name in a file: the output file's stem, else `default`.
pub fn layer_name(path: Option<&Path>, default: &str) -> String {
    path.and_then(Path::file_stem)
        .map_or_else(|| default.to_owned(), |s| s.to_string_lossy().into_owned())
}

/// Writes the FeatureCollection `geojson` (already in `crs`) as one layer
/// of a GeoPackage (`path` required: it is a database file), a FlatGeobuf
/// or a KML file (or stdout): the one place the exports of grids, points
/// and coverage findings hand a layer to its writer.
pub fn write_gis_layer(
    format: wangge_io::layer::FileFormat,
    geojson: &str,
    default_layer: &str,
    crs: wangge_geocode::crs::Crs,
    fields: &[(&str, wangge_io::layer::FieldType)],
    path: Option<&Path>,
) -> anyhow::Result<()> {
    use wangge_io::layer::FileFormat;
    let layer = layer_name(path, default_layer);
    if format == FileFormat::GeoPackage {
        let Some(path) = path else {
            anyhow::bail!("a GeoPackage is a database file: give -o FILE.gpkg");
        };
        check_target(path)?;
        wangge_io::gpkg::write_geopackage(geojson, &layer, crs, fields, path)?;
        return Ok(());
    }
    let mut out = open(path)?;
    match format {
        FileFormat::Kml => {
            wangge_io::kml::write_kml(geojson, &layer, crs, fields, &mut out)?;
        }
        FileFormat::FlatGeobuf => {
            wangge_io::fgb::write_flatgeobuf(geojson, &layer, crs, fields, &mut out)?;
        }
        other => anyhow::bail!("{} is not written as a GIS layer here", other.name()),
    }
    out.flush()?;
    Ok(())
}
