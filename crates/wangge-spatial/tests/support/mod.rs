//! The Shiyan county boundaries shipped in data/boundaries, parsed the way an
//! import sees them.

// Test support: a broken fixture should stop the test loudly.
#![allow(clippy::unwrap_used)]
// Each test binary (and the bench) uses part of it.
#![allow(dead_code)]

use geo::{Coord, LineString, MultiPolygon, Polygon};
use serde_json::Value;

/// Raw GeoJSON polygon coordinates: polygons -> rings -> positions -> numbers.
pub type RawPolygons = Vec<Vec<Vec<Vec<f64>>>>;

pub struct County {
    pub code: String,
    pub name: String,
    pub raw: RawPolygons,
    pub multipolygon: MultiPolygon<f64>,
}

pub fn shiyan_counties() -> Vec<County> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/boundaries/shiyan-counties.geojson"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let collection: Value = serde_json::from_str(&text).unwrap();
    collection["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|feature| {
            let geometry = &feature["geometry"];
            let coordinates = geometry["coordinates"].clone();
            let raw: RawPolygons = match geometry["type"].as_str().unwrap() {
                "Polygon" => vec![serde_json::from_value(coordinates).unwrap()],
                "MultiPolygon" => serde_json::from_value(coordinates).unwrap(),
                other => panic!("unexpected geometry {other}"),
            };
            County {
                code: feature["id"].as_str().unwrap().to_owned(),
                name: feature["properties"]["name"].as_str().unwrap().to_owned(),
                multipolygon: to_multipolygon(&raw),
                raw,
            }
        })
        .collect()
}

pub fn to_multipolygon(raw: &RawPolygons) -> MultiPolygon<f64> {
    let ring = |positions: &Vec<Vec<f64>>| {
        LineString(
            positions
                .iter()
                .map(|p| Coord { x: p[0], y: p[1] })
                .collect(),
        )
    };
    MultiPolygon(
        raw.iter()
            .map(|rings| Polygon::new(ring(&rings[0]), rings[1..].iter().map(ring).collect()))
            .collect(),
    )
}
