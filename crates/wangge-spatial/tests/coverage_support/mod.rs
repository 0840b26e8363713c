//! Grids read from GeoJSON the way `wangge import` reads them (code from the
//! `code` property or the feature id, `level`, `parent`, `name`; raw
//! coordinate problems become the invalid reason), for the coverage tests,
//! the bench and the `coverage_report` example.

// Each test binary, the bench and the example use part of it.
#![allow(dead_code)]

use geo::{Coord, LineString, MultiPolygon, Polygon};
use serde_json::Value;
use wangge_model::{GridCode, LevelNo};
use wangge_spatial::coverage::CoverageGrid;
use wangge_spatial::validate::{check_raw_polygons, summarize};

type RawPolygons = Vec<Vec<Vec<Vec<f64>>>>;

fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn to_multipolygon(raw: &RawPolygons) -> MultiPolygon<f64> {
    let ring = |positions: &Vec<Vec<f64>>| {
        LineString(
            positions
                .iter()
                .filter(|p| p.len() >= 2)
                .map(|p| Coord { x: p[0], y: p[1] })
                .collect(),
        )
    };
    MultiPolygon(
        raw.iter()
            .filter_map(|rings| {
                let (exterior, holes) = rings.split_first()?;
                Some(Polygon::new(
                    ring(exterior),
                    holes.iter().map(ring).collect(),
                ))
            })
            .collect(),
    )
}

/// Polygon coordinates of a GeoJSON Polygon or MultiPolygon; anything else
/// (or NaN, which arrives as null) gives none: an empty, invalid geometry.
fn raw_polygons(geometry: &Value) -> RawPolygons {
    let coordinates = geometry["coordinates"].clone();
    let parsed: Result<RawPolygons, _> = match geometry["type"].as_str() {
        Some("Polygon") => serde_json::from_value(coordinates).map(|p| vec![p]),
        Some("MultiPolygon") => serde_json::from_value(coordinates),
        _ => Ok(Vec::new()),
    };
    parsed.unwrap_or_default()
}

/// A geometry object given as GeoJSON text (as the store keeps it).
pub fn geometry_from_text(text: &str) -> MultiPolygon<f64> {
    let value: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    to_multipolygon(&raw_polygons(&value))
}

/// Grids of a FeatureCollection. `as_level` gives the level of features
/// without a `level` property (a boundary file imported as level 1).
pub fn read_grids(text: &str, as_level: Option<LevelNo>) -> Result<Vec<CoverageGrid>, String> {
    let collection: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let features = collection["features"]
        .as_array()
        .ok_or("not a FeatureCollection")?;
    let mut grids = Vec::with_capacity(features.len());
    for (index, feature) in features.iter().enumerate() {
        let properties = &feature["properties"];
        let code_text = text_of(&properties["code"])
            .or_else(|| text_of(&feature["id"]))
            .ok_or(format!("feature {index}: no code"))?;
        let code: GridCode = code_text
            .parse()
            .map_err(|e| format!("feature {index}: {e}"))?;
        let level = match properties["level"].as_i64() {
            Some(n) => LevelNo::try_from(n).map_err(|e| format!("feature {index}: {e}"))?,
            None => as_level.ok_or(format!("feature {index}: no level (use --as-level)"))?,
        };
        let parent = text_of(&properties["parent"])
            .map(|p| p.parse::<GridCode>())
            .transpose()
            .map_err(|e| format!("feature {index}: {e}"))?;
        let raw = raw_polygons(&feature["geometry"]);
        grids.push(CoverageGrid {
            id: index as i64,
            name: properties["name"]
                .as_str()
                .map_or_else(|| code.to_string(), str::to_owned),
            code,
            level,
            parent,
            geometry: to_multipolygon(&raw),
            invalid_reason: summarize(&check_raw_polygons(&raw)),
        });
    }
    Ok(grids)
}

/// The Shiyan county boundaries of data/boundaries as level-1 grids.
pub fn shiyan_counties() -> Vec<CoverageGrid> {
    boundaries("shiyan-counties")
}

/// A boundary file of data/boundaries (`chengdu-districts`, …) as level-1 grids.
pub fn boundaries(name: &str) -> Vec<CoverageGrid> {
    let path = format!(
        "{}/../../data/boundaries/{name}.geojson",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    read_grids(&text, Some(LevelNo::DEPARTMENT)).unwrap_or_else(|e| panic!("{path}: {e}"))
}
