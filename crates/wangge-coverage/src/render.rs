//! The report as JSON, as one GeoJSON FeatureCollection (every item a
//! feature with a `kind` property; GDAL and QGIS read it) or as CSV with the
//! geometry as WKT in the first column (GDAL's CSV driver takes it).

use std::io::Write;

use serde_json::{Map, Value};

use crate::{CoverageError, Report};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Geojson,
    Csv,
}

/// Where each list of the report lies and the `kind` its features get.
const LISTS: [(&str, Option<&str>, &str); 14] = [
    ("gaps", None, "gap"),
    ("overlaps", None, "overlap"),
    ("outside_parent", None, "outside_parent"),
    ("edge_mismatches", None, "edge_mismatch"),
    ("invalid", None, "invalid"),
    ("fixes", None, "fix"),
    ("ownership", Some("unclaimed_cells"), "unclaimed_cell"),
    (
        "ownership",
        Some("level3_without_manager"),
        "level3_without_manager",
    ),
    (
        "ownership",
        Some("grids_without_outlet"),
        "grid_without_outlet",
    ),
    (
        "ownership",
        Some("outlets_supporting_nothing"),
        "outlet_supporting_nothing",
    ),
    ("ownership", Some("overlapping_claims"), "overlapping_claim"),
    ("data", Some("unplaced_by_grid"), "unplaced_in_grid"),
    ("data", Some("network_blind_spots"), "network_blind_spot"),
    ("data", Some("ports_over_90pct"), "ports_over_90pct"),
];

pub fn write_report<W: Write>(
    report: &Report,
    format: Format,
    mut out: W,
) -> Result<(), CoverageError> {
    match format {
        Format::Json => {
            serde_json::to_writer(&mut out, report)?;
            out.write_all(b"\n")?;
        }
        Format::Geojson => {
            serde_json::to_writer(&mut out, &feature_collection(report)?)?;
            out.write_all(b"\n")?;
        }
        Format::Csv => write_csv(report, out)?,
    }
    Ok(())
}

/// A feature's geometry and properties (`kind` first).
type Feature = (Value, Map<String, Value>);

/// Every item of the report as a feature.
fn features(report: &Report) -> Result<Vec<Feature>, CoverageError> {
    let value = serde_json::to_value(report)?;
    let mut features = Vec::new();
    for (key, sub, kind) in LISTS {
        let list = match sub {
            None => &value[key],
            Some(sub) => &value[key][sub],
        };
        for item in list.as_array().map_or(&[][..], Vec::as_slice) {
            let Value::Object(fields) = item else {
                continue;
            };
            let mut properties = Map::new();
            properties.insert("kind".to_owned(), Value::String(kind.to_owned()));
            let mut geometry = Value::Null;
            for (name, v) in fields {
                match (name.as_str(), v) {
                    ("geometry", g) => geometry = g.clone(),
                    // An invalid grid's location is its geometry.
                    ("location", Value::Array(xy)) => {
                        geometry = serde_json::json!({"type": "Point", "coordinates": xy});
                    }
                    ("location", _) => {}
                    // Lists of codes: one text, ';'-separated, for GIS tools.
                    (_, Value::Array(items)) => {
                        let parts: Vec<String> = items.iter().map(scalar_text).collect();
                        properties.insert(name.clone(), Value::String(parts.join(";")));
                    }
                    _ => {
                        properties.insert(name.clone(), v.clone());
                    }
                }
            }
            features.push((geometry, properties));
        }
    }
    Ok(features)
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// One FeatureCollection; the summary rides along as a foreign member.
pub fn feature_collection(report: &Report) -> Result<Value, CoverageError> {
    let features: Vec<Value> = features(report)?
        .into_iter()
        .map(|(geometry, properties)| {
            serde_json::json!({"type": "Feature", "properties": properties, "geometry": geometry})
        })
        .collect();
    Ok(serde_json::json!({
        "type": "FeatureCollection",
        "features": features,
        "summary": report.summary,
    }))
}

fn write_csv<W: Write>(report: &Report, out: W) -> Result<(), CoverageError> {
    let features = features(report)?;
    // Columns: every property in order of first appearance.
    let mut columns: Vec<String> = Vec::new();
    for (_, properties) in &features {
        for name in properties.keys() {
            if !columns.contains(name) {
                columns.push(name.clone());
            }
        }
    }
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(std::iter::once("WKT").chain(columns.iter().map(String::as_str)))?;
    for (geometry, properties) in &features {
        let cells = columns
            .iter()
            .map(|c| properties.get(c).map(scalar_text).unwrap_or_default())
            // Grid names come from files people wrote: no formula injection.
            .map(|text| wangge_io::spreadsheet_cell(&text).into_owned());
        writer.write_record(
            std::iter::once(wangge_io::wkt::geojson_to_wkt(geometry).unwrap_or_default())
                .chain(cells),
        )?;
    }
    writer.flush()?;
    Ok(())
}
