use std::io::Write;

use wangge_model::LevelNo;
use wangge_store::{GridFilter, Store};

use crate::args::{ExportArgs, ExportFormat, ExportWhat};

pub async fn run(store: &Store, args: &ExportArgs) -> anyhow::Result<()> {
    if matches!(
        args.what,
        ExportWhat::Customers | ExportWhat::Resources | ExportWhat::Outlets
    ) {
        return points(store, args).await;
    }
    let levels: Vec<LevelNo> = match (args.what, args.level) {
        (ExportWhat::Cells, Some(level)) if !level.is_cell() => {
            anyhow::bail!("cells are level 4; for level {level} export grids")
        }
        (ExportWhat::Grids, Some(level)) if level.is_cell() => {
            anyhow::bail!("level 4 holds cells: use `wangge export cells`")
        }
        (ExportWhat::Cells, _) => vec![LevelNo::CELL],
        (ExportWhat::Customers | ExportWhat::Resources | ExportWhat::Outlets, _) => {
            unreachable!("exported as points above")
        }
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
            exported(args, records.len(), "features");
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
        let default_layer = if cells { "cells" } else { "grids" };
        crate::output::write_gis_layer(
            gis_format(args.format),
            &geojson,
            default_layer,
            args.crs,
            &fields,
            args.output.as_deref(),
        )?;
        exported(args, records.len(), "features");
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
    exported(args, records.len(), "features");
    Ok(())
}

/// The writer's format of an export format that writes a GIS layer.
fn gis_format(format: ExportFormat) -> wangge_io::layer::FileFormat {
    use wangge_io::layer::FileFormat;
    match format {
        ExportFormat::Geopackage => FileFormat::GeoPackage,
        ExportFormat::Kml => FileFormat::Kml,
        _ => FileFormat::FlatGeobuf,
    }
}

/// "exported N what to FILE (system)", when a file was written.
fn exported(args: &ExportArgs, count: usize, what: &str) {
    if let Some(path) = &args.output {
        eprintln!(
            "exported {count} {what} to {} ({})",
            path.display(),
            args.crs
        );
    }
}

/// A point to export: where it is (WGS-84 lon/lat, when known) and its
/// properties.
type PointRow = (
    Option<(f64, f64)>,
    serde_json::Map<String, serde_json::Value>,
);

/// `wangge export customers|resources|outlets`: the points in any format,
/// in `--crs`; those without a location only in GeoJSON and CSV (where
/// they keep their row), left out of the GIS formats with a count.
async fn points(store: &Store, args: &ExportArgs) -> anyhow::Result<()> {
    use serde_json::{json, Map, Value};
    let (layer, rows): (&str, Vec<PointRow>) = match args.what {
        ExportWhat::Outlets => (
            "outlets",
            store
                .outlets()
                .await?
                .into_iter()
                .map(|o| {
                    let mut properties = Map::new();
                    properties.insert("code".into(), json!(o.code));
                    properties.insert("name".into(), json!(o.name));
                    properties.insert("address".into(), json!(o.address));
                    let supports: Vec<&str> = o
                        .supports
                        .iter()
                        .map(wangge_model::GridCode::as_str)
                        .collect();
                    properties.insert("supports".into(), json!(supports.join(";")));
                    (Some((o.lon, o.lat)), properties)
                })
                .collect(),
        ),
        what => {
            let (layer, kind) = if what == ExportWhat::Customers {
                ("customers", wangge_store::EntityKind::Customer)
            } else {
                ("resources", wangge_store::EntityKind::Resource)
            };
            let page = store.entities_page(kind, None, None, 0, i64::MAX).await?;
            let rows = page
                .items
                .into_iter()
                .map(|e| {
                    let mut properties: Map<String, Value> =
                        serde_json::from_str(&e.extra_json).unwrap_or_default();
                    properties.insert("code".into(), json!(e.code));
                    properties.insert("name".into(), json!(e.name));
                    properties.insert("kind".into(), json!(e.kind));
                    properties.insert("address".into(), json!(e.address));
                    properties.insert("status".into(), json!(e.status));
                    let at = match (e.lon, e.lat) {
                        (Some(lon), Some(lat)) if lon.is_finite() && lat.is_finite() => {
                            Some((lon, lat))
                        }
                        _ => None,
                    };
                    (at, properties)
                })
                .collect();
            (layer, rows)
        }
    };
    let keep_unlocated = matches!(args.format, ExportFormat::Geojson | ExportFormat::Csv);
    let unlocated = rows.iter().filter(|(at, _)| at.is_none()).count();
    let features: Vec<Value> = rows
        .into_iter()
        .filter(|(at, _)| keep_unlocated || at.is_some())
        .map(|(at, properties)| {
            let geometry = at.map_or(Value::Null, |(lon, lat)| {
                let (x, y) = match args.crs {
                    wangge_geocode::crs::Crs::Wgs84 => (lon, lat),
                    crs => wangge_geocode::crs::from_wgs84(crs, lon, lat),
                };
                json!({"type": "Point", "coordinates": [x, y]})
            });
            json!({"type": "Feature", "properties": properties, "geometry": geometry})
        })
        .collect();
    let count = features.len();
    let mut root = Map::new();
    root.insert("type".into(), json!("FeatureCollection"));
    if let Some(member) = wangge_io::reproject::crs_member(args.crs) {
        root.insert("crs".into(), member);
    }
    root.insert("features".into(), Value::Array(features));
    let geojson = Value::Object(root).to_string();
    let fields = wangge_io::layer::fields_of(&geojson)?;
    let field_refs: Vec<(&str, wangge_io::layer::FieldType)> =
        fields.iter().map(|(k, t)| (k.as_str(), *t)).collect();
    match args.format {
        ExportFormat::Geojson => {
            let mut out = crate::output::open(args.output.as_deref())?;
            writeln!(out, "{geojson}")?;
            out.flush()?;
        }
        ExportFormat::Csv => {
            let mut out = crate::output::open_csv(args.output.as_deref())?;
            wangge_io::points::write_points_csv(&geojson, &fields, &mut out)?;
            out.flush()?;
        }
        ExportFormat::Shapefile => {
            let Some(path) = args.output.as_deref() else {
                anyhow::bail!("a Shapefile is several files: give -o FILE.shp");
            };
            wangge_io::shp::write_points_shapefile(
                &geojson,
                &fields,
                path,
                args.crs,
                args.encoding,
            )?;
        }
        gis => crate::output::write_gis_layer(
            gis_format(gis),
            &geojson,
            layer,
            args.crs,
            &field_refs,
            args.output.as_deref(),
        )?,
    }
    exported(args, count, layer);
    if !keep_unlocated && unlocated > 0 {
        eprintln!("{unlocated} without a location left out (GeoJSON and CSV keep them)");
    }
    Ok(())
}
