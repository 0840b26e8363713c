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
    if args.format == ExportFormat::Flatgeobuf {
        let mut geojson = Vec::new();
        wangge_io::write_feature_collection_in(&records, &catalog, args.crs, &mut geojson)?;
        let name = args
            .output
            .as_deref()
            .and_then(|p| p.file_stem())
            .map_or_else(|| "grids".to_owned(), |s| s.to_string_lossy().into_owned());
        let mut out = crate::output::open(args.output.as_deref())?;
        wangge_io::fgb::write_flatgeobuf(
            &String::from_utf8_lossy(&geojson),
            &name,
            args.crs,
            &wangge_io::fgb::GRID_COLUMNS,
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
    let mut out = crate::output::open(args.output.as_deref())?;
    match args.format {
        ExportFormat::Geojson => {
            wangge_io::write_feature_collection_in(&records, &catalog, args.crs, &mut out)?;
        }
        ExportFormat::Csv => wangge_io::write_grids_csv_in(&records, &catalog, args.crs, &mut out)?,
        ExportFormat::Shapefile | ExportFormat::Flatgeobuf => unreachable!("written above"),
    }
    out.flush()?;
    if let Some(path) = &args.output {
        eprintln!("exported {} features to {}", records.len(), path.display());
    }
    Ok(())
}
