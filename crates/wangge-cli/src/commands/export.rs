use std::io::Write;

use wangge_model::LevelNo;
use wangge_store::{GridFilter, Store};

use crate::args::{ExportArgs, ExportFormat, ExportWhat};

pub async fn run(store: &Store, args: &ExportArgs) -> anyhow::Result<()> {
    let levels: Vec<LevelNo> = match (args.what, args.level) {
        (ExportWhat::Cells, Some(level)) if !level.is_cell() => {
            anyhow::bail!("cells are level 4; for level {level} export grids")
        }
        (ExportWhat::Grids, Some(level)) if level.is_cell() => {
            anyhow::bail!("level 4 holds cells: use `wangge export cells`")
        }
        (ExportWhat::Cells, _) => vec![LevelNo::CELL],
        (ExportWhat::Grids, Some(level)) => vec![level],
        (ExportWhat::Grids, None) => {
            vec![LevelNo::DEPARTMENT, LevelNo::BRANCH, LevelNo::OUTLET_AREA]
        }
    };
    let mut records = Vec::new();
    for level in levels {
        records.extend(
            store
                .grids(&GridFilter {
                    level: Some(level),
                    ..GridFilter::default()
                })
                .await?,
        );
    }
    let catalog = store.cell_types().await?;
    if args.format == ExportFormat::Shapefile {
        let Some(path) = args.output.as_deref() else {
            anyhow::bail!("a Shapefile is several files: give -o FILE.shp");
        };
        let n = wangge_io::shp::write_grids_shapefile(
            &records,
            &catalog,
            path,
            args.crs,
            args.encoding,
        )?;
        eprintln!(
            "exported {n} features to {} (with .shx, .dbf, .prj, .cpg; {}, {})",
            path.display(),
            args.crs,
            args.encoding
        );
        return Ok(());
    }
    let cells = args.what == ExportWhat::Cells;
    if matches!(
        args.format,
        ExportFormat::Geojson
            | ExportFormat::Flatgeobuf
            | ExportFormat::Geopackage
            | ExportFormat::Kml
    ) {
        // These writers take the GeoJSON export, already in the system;
        // cells carry their outlet area's, branch's and department's names
        // and codes, so that the file alone rebuilds the hierarchy.
        let mut ancestors = Vec::new();
        if cells {
            for level in [LevelNo::DEPARTMENT, LevelNo::BRANCH, LevelNo::OUTLET_AREA] {
                ancestors.extend(
                    store
                        .grids(&GridFilter {
                            level: Some(level),
                            ..GridFilter::default()
                        })
                        .await?,
                );
            }
        }
        let lineage = cells.then(|| wangge_io::hierarchy::Lineage::new(&ancestors));
        let fields = if cells {
            wangge_io::hierarchy::fields_with_lineage()
        } else {
            wangge_io::layer::GRID_FIELDS.to_vec()
        };
        if args.format == ExportFormat::Geojson {
            // Streamed: one feature at a time.
            let mut out = crate::output::open(args.output.as_deref())?;
            wangge_io::write_feature_collection_in(
                &records,
                &catalog,
                args.crs,
                lineage.as_ref(),
                &mut out,
            )?;
            out.flush()?;
            if let Some(path) = &args.output {
                eprintln!(
                    "exported {} features to {} ({})",
                    records.len(),
                    path.display(),
                    args.crs
                );
            }
            return Ok(());
        }
        let mut geojson = Vec::new();
        wangge_io::write_feature_collection_in(
            &records,
            &catalog,
            args.crs,
            lineage.as_ref(),
            &mut geojson,
        )?;
        let geojson = String::from_utf8(geojson)?;
        let layer = args
            .output
            .as_deref()
            .and_then(|p| p.file_stem())
            .map_or_else(
                || match args.what {
                    ExportWhat::Cells => "cells".to_owned(),
                    ExportWhat::Grids => "grids".to_owned(),
                },
                |s| s.to_string_lossy().into_owned(),
            );
        let fields = &fields;
        if args.format == ExportFormat::Geopackage {
            let Some(path) = args.output.as_deref() else {
                anyhow::bail!("a GeoPackage is a database file: give -o FILE.gpkg");
            };
            wangge_io::gpkg::write_geopackage(&geojson, &layer, args.crs, fields, path)?;
        } else {
            let mut out = crate::output::open(args.output.as_deref())?;
            if args.format == ExportFormat::Kml {
                wangge_io::kml::write_kml(&geojson, &layer, args.crs, fields, &mut out)?;
            } else {
                wangge_io::fgb::write_flatgeobuf(&geojson, &layer, args.crs, fields, &mut out)?;
            }
            out.flush()?;
        }
        if let Some(path) = &args.output {
            eprintln!(
                "exported {} features to {} ({})",
                records.len(),
                path.display(),
                args.crs
            );
        }
        return Ok(());
    }
    let mut out = crate::output::open_csv(args.output.as_deref())?;
    match args.format {
        ExportFormat::Csv => wangge_io::write_grids_csv_in(&records, &catalog, args.crs, &mut out)?,
        ExportFormat::Geojson
        | ExportFormat::Shapefile
        | ExportFormat::Flatgeobuf
        | ExportFormat::Geopackage
        | ExportFormat::Kml => unreachable!("written above"),
    }
    out.flush()?;
    if let Some(path) = &args.output {
        eprintln!("exported {} features to {}", records.len(), path.display());
    }
    Ok(())
}
