//! `wangge import customers|resources|buildings|opportunities|outlets`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use wangge_io::entities::{
    read_buildings, read_customers, read_opportunities, read_outlets, read_resources,
};
use wangge_io::{spreadsheet_cell, RowError, Table};
use wangge_store::Store;

use crate::args::ImportTableArgs;

#[derive(Debug, Clone, Copy)]
pub enum What {
    Customers,
    Resources,
    Buildings,
    Opportunities,
    Outlets,
}

pub async fn run(store: &Store, args: &ImportTableArgs, what: What) -> anyhow::Result<()> {
    let started = Instant::now();
    let (table, file_crs) = read_table(&args.file, args.encoding, args.layer.as_deref())?;
    let crs = args.crs.or(file_crs).unwrap_or_default();
    let territory = super::territory_or_new(store, &args.territory, "默认区域").await?;
    let (loaded, errors) = match what {
        What::Customers => {
            let rows = read_customers(&table, crs)?;
            let report = store
                .upsert_customers_committing_every(&territory, &rows.records, args.commit_rows)
                .await?;
            (
                format!(
                    "{} customers ({} new, {} updated)",
                    rows.records.len(),
                    report.inserted,
                    report.updated
                ),
                rows.errors,
            )
        }
        What::Resources => {
            let rows = read_resources(&table, crs)?;
            let report = store.upsert_resources(&territory, &rows.records).await?;
            (
                format!(
                    "{} resources ({} new, {} updated)",
                    rows.records.len(),
                    report.inserted,
                    report.updated
                ),
                rows.errors,
            )
        }
        What::Buildings => {
            let rows = read_buildings(&table, crs)?;
            let report = store.upsert_buildings(&territory, &rows.records).await?;
            (
                format!(
                    "{} buildings ({} new, {} updated)",
                    rows.records.len(),
                    report.inserted,
                    report.updated
                ),
                rows.errors,
            )
        }
        What::Opportunities => {
            let rows = read_opportunities(&table, crs)?;
            let report = store
                .upsert_opportunities(&territory, &rows.records)
                .await?;
            (
                format!(
                    "{} opportunities ({} new, {} updated)",
                    rows.records.len(),
                    report.inserted,
                    report.updated
                ),
                rows.errors,
            )
        }
        What::Outlets => {
            let rows = read_outlets(&table, crs)?;
            store.replace_outlets(&rows.records).await?;
            (
                format!("{} outlets (the stored list replaced)", rows.records.len()),
                rows.errors,
            )
        }
    };
    let encoding = table.encoding.map(|e| format!(", {e}")).unwrap_or_default();
    outln!(
        "loaded {loaded} from {}{encoding} in {} ms",
        args.file.display(),
        started.elapsed().as_millis()
    )?;
    if !errors.is_empty() {
        let path = args
            .rejects
            .clone()
            .unwrap_or_else(|| rejects_path(&args.file));
        write_rejects(&path, &table, &errors)?;
        for e in errors.iter().take(20) {
            outln!("rejected {e}")?;
        }
        if errors.len() > 20 {
            outln!("... and {} more", errors.len() - 20)?;
        }
        outln!(
            "{} rows rejected; they are in {} with the reason, ready to fix and load again",
            errors.len(),
            path.display()
        )?;
    }
    if args.no_assign || matches!(what, What::Outlets) {
        return Ok(());
    }
    super::assign::after_change(store).await
}

/// The rows of a CSV, or of a layer of points in any GIS format (with the
/// system the file names).
fn read_table(
    path: &Path,
    encoding: Option<wangge_io::Encoding>,
    layer: Option<&str>,
) -> anyhow::Result<(Table, Option<wangge_geocode::crs::Crs>)> {
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    let is_gis = matches!(
        extension.as_deref(),
        Some("geojson" | "json" | "shp" | "fgb" | "gpkg" | "kml")
    );
    if !is_gis {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        return Ok((wangge_io::read_csv(&bytes, encoding)?, None));
    }
    let layer = wangge_io::layer::read_layer(path, encoding, layer)
        .with_context(|| format!("{} was not imported", path.display()))?;
    let table = wangge_io::read_geojson_points(&layer.geojson)
        .with_context(|| format!("{} was not imported", path.display()))?;
    Ok((table, layer.crs))
}

fn rejects_path(input: &Path) -> PathBuf {
    let stem = input
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("input");
    input.with_file_name(format!("{stem}.rejected.csv"))
}

/// Rejected rows with their row number and reason, in `--csv-encoding` (UTF-8
/// with a BOM by default, so Excel shows the Chinese right); cells neutralised against formula
/// injection (the file is meant to be opened in a spreadsheet).
fn write_rejects(path: &Path, table: &Table, errors: &[RowError]) -> anyhow::Result<()> {
    let file = crate::output::open_csv(Some(path))?;
    // Flexible: a ragged row is written with the fields it had, none lost.
    let mut writer = csv::WriterBuilder::new().flexible(true).from_writer(file);
    writer.write_record(
        ["row", "error"].iter().map(|s| (*s).to_owned()).chain(
            table
                .header
                .iter()
                .map(|h| spreadsheet_cell(h).into_owned()),
        ),
    )?;
    for e in errors {
        writer.write_record(
            [e.row.to_string(), spreadsheet_cell(&e.message).into_owned()]
                .into_iter()
                .chain(e.fields.iter().map(|f| spreadsheet_cell(f).into_owned())),
        )?;
    }
    writer.flush()?;
    Ok(())
}
