//! Stored grids as GeoJSON or CSV with WKT. GDAL's GeoJSON and CSV drivers
//! (and so QGIS) read both; the HTTP API sends the same GeoJSON.

use std::io::Write;
use wangge_geocode::crs::Crs;

use serde_json::{json, Map, Value};
use wangge_model::CellTypeCatalog;
use wangge_model::GridRecord;

use crate::wkt::geojson_polygonal_to_wkt;
use crate::IoError;

/// The properties every grid feature carries, in the API and in exports.
pub fn grid_properties(record: &GridRecord, catalog: &CellTypeCatalog) -> Map<String, Value> {
    let cell_type = record.cell_type.and_then(|code| catalog.get(code));
    let json = json!({
        "code": record.code,
        "name": record.name,
        "level": record.level,
        "parent": record.parent,
        "cell_type": record.cell_type,
        "type_name_zh": cell_type.map(|t| t.name_zh.as_str()),
        "type_name_en": cell_type.map(|t| t.name_en.as_str()),
        "category": record.category,
        "zhengqi": cell_type.map(|t| t.zhengqi),
        // Whole square metres: sub-metre digits are noise in a 1/1024-degree source.
        "area_m2": record.area_m2.round(),
        "valid": record.valid,
        "invalid_reason": record.invalid_reason,
        "outlet": record.outlet,
    });
    match json {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Stored geometry text, or `null` when it holds coordinates that are not
/// numbers (a NaN stored before imports refused them): GDAL rejects a whole
/// file for one of those, and `[null, 32.6]` is not GeoJSON. Every answer
/// with a grid's geometry (exports, `/grids`, `/grids/{code}`) uses it.
pub fn geometry_text(record: &GridRecord) -> &str {
    if record.geometry_geojson.contains("null") {
        "null"
    } else {
        &record.geometry_geojson
    }
}

/// Writes an RFC 7946 FeatureCollection, geometry copied as stored (no re-parse).
pub fn write_feature_collection<'a, W: Write>(
    records: impl IntoIterator<Item = &'a GridRecord>,
    catalog: &CellTypeCatalog,
    out: &mut W,
) -> Result<(), IoError> {
    write_feature_collection_in(records, catalog, Crs::Wgs84, None, out)
}

/// [`write_feature_collection`] in another coordinate system: coordinates
/// converted and the `crs` member GDAL and QGIS read
/// ([`crate::reproject`]); with `lineage`, each cell also carries its
/// outlet area's, branch's and department's names and codes.
pub fn write_feature_collection_in<'a, W: Write>(
    records: impl IntoIterator<Item = &'a GridRecord>,
    catalog: &CellTypeCatalog,
    crs: Crs,
    lineage: Option<&crate::hierarchy::Lineage<'_>>,
    out: &mut W,
) -> Result<(), IoError> {
    out.write_all(br#"{"type":"FeatureCollection","#)?;
    if let Some(member) = crate::reproject::crs_member(crs) {
        write!(out, r#""crs":{member},"#)?;
    }
    out.write_all(br#""features":["#)?;
    for (i, record) in records.into_iter().enumerate() {
        if i > 0 {
            out.write_all(b",\n")?;
        }
        let mut properties = grid_properties(record, catalog);
        if let Some(lineage) = lineage {
            lineage.add_to(record, &mut properties);
        }
        let properties = Value::Object(properties);
        write!(
            out,
            r#"{{"type":"Feature","id":{},"properties":{},"geometry":{}}}"#,
            Value::String(record.code.to_string()),
            properties,
            crate::reproject::geometry_from_wgs84(geometry_text(record), crs)
        )?;
    }
    out.write_all(b"]}\n")?;
    Ok(())
}

/// CSV with the geometry as WKT in the first column, named `WKT` so that
/// GDAL's CSV driver takes it as the geometry. Text cells are made safe for
/// spreadsheets ([`crate::spreadsheet_cell`]).
pub fn write_grids_csv<'a, W: Write>(
    records: impl IntoIterator<Item = &'a GridRecord>,
    catalog: &CellTypeCatalog,
    out: W,
) -> Result<(), IoError> {
    write_grids_csv_in(records, catalog, Crs::Wgs84, out)
}

/// [`write_grids_csv`] with the WKT in another coordinate system.
pub fn write_grids_csv_in<'a, W: Write>(
    records: impl IntoIterator<Item = &'a GridRecord>,
    catalog: &CellTypeCatalog,
    crs: Crs,
    out: W,
) -> Result<(), IoError> {
    let columns = [
        "code",
        "name",
        "level",
        "parent",
        "cell_type",
        "type_name_zh",
        "type_name_en",
        "category",
        "area_m2",
        "valid",
        "invalid_reason",
        "outlet",
    ];
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(std::iter::once("WKT").chain(columns))?;
    for record in records {
        let properties = grid_properties(record, catalog);
        let wkt = serde_json::from_str::<Value>(&crate::reproject::geometry_from_wgs84(
            geometry_text(record),
            crs,
        ))
        .ok()
        .and_then(|g| geojson_polygonal_to_wkt(&g))
        .unwrap_or_default();
        // Names and codes come from files people wrote: neutralised
        // against formula injection like every CSV cell we write.
        let cells = columns.iter().map(|c| match properties.get(*c) {
            Some(Value::String(s)) => crate::spreadsheet_cell(s).into_owned(),
            Some(Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        });
        writer.write_record(std::iter::once(wkt).chain(cells))?;
    }
    writer.flush()?;
    Ok(())
}
