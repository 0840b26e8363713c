//! GeoJSON geometry objects and geo types, both ways: the one home of that
//! conversion for the crates above (the store keeps GeoJSON text).
//!
//! - [`parse_multipolygon`]: a stored Polygon or MultiPolygon as geo types;
//! - [`polygonal_value`]: a multipolygon as a GeoJSON object;
//! - [`polygonal`], [`lineal`]: the same written straight by serde (the
//!   coverage report's fields), with no JSON tree in between.

use geo::{Coord, LineString, MultiLineString, MultiPolygon, Polygon};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::{json, Value};

/// A stored GeoJSON Polygon or MultiPolygon as geo types. Coordinates that
/// are not numbers (a NaN in the source) become NaN, so the geometry still
/// loads; it is already flagged invalid in the store.
pub fn parse_multipolygon(text: &str) -> Result<MultiPolygon<f64>, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let ring = |v: &Value| -> Result<LineString<f64>, String> {
        let positions = v.as_array().ok_or("a ring is not an array")?;
        Ok(positions
            .iter()
            .map(|p| Coord {
                x: p.get(0).and_then(Value::as_f64).unwrap_or(f64::NAN),
                y: p.get(1).and_then(Value::as_f64).unwrap_or(f64::NAN),
            })
            .collect())
    };
    let polygon = |v: &Value| -> Result<Polygon<f64>, String> {
        let rings = v.as_array().ok_or("a polygon is not an array of rings")?;
        let mut rings = rings.iter().map(ring);
        let exterior = rings
            .next()
            .transpose()?
            .unwrap_or_else(|| LineString(vec![]));
        Ok(Polygon::new(exterior, rings.collect::<Result<_, _>>()?))
    };
    let coordinates = value.get("coordinates").ok_or("no coordinates")?;
    match value.get("type").and_then(Value::as_str) {
        Some("Polygon") => Ok(MultiPolygon(vec![polygon(coordinates)?])),
        Some("MultiPolygon") => coordinates
            .as_array()
            .ok_or("coordinates are not an array")?
            .iter()
            .map(polygon)
            .collect::<Result<Vec<_>, _>>()
            .map(MultiPolygon),
        other => Err(format!("geometry type {other:?} is not a polygon")),
    }
}

fn ring_value(line: &LineString<f64>) -> Value {
    Value::Array(line.coords().map(|c| json!([c.x, c.y])).collect())
}

fn rings_value(polygon: &Polygon<f64>) -> Value {
    Value::Array(
        std::iter::once(polygon.exterior())
            .chain(polygon.interiors())
            .map(ring_value)
            .collect(),
    )
}

/// A multipolygon as a GeoJSON geometry object: a `Polygon` when there is
/// one part, the way the store keeps them.
pub fn polygonal_value(mp: &MultiPolygon<f64>) -> Value {
    match mp.0.as_slice() {
        [polygon] => json!({"type": "Polygon", "coordinates": rings_value(polygon)}),
        parts => {
            json!({"type": "MultiPolygon", "coordinates": parts.iter().map(rings_value).collect::<Vec<_>>()})
        }
    }
}

struct Positions<'a>(&'a LineString<f64>);

impl Serialize for Positions<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.coords().map(|c| [c.x, c.y]))
    }
}

struct Rings<'a>(&'a Polygon<f64>);

impl Serialize for Rings<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(
            std::iter::once(self.0.exterior())
                .chain(self.0.interiors())
                .map(Positions),
        )
    }
}

struct Polygons<'a>(&'a MultiPolygon<f64>);

impl Serialize for Polygons<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(Rings))
    }
}

struct Lines<'a>(&'a MultiLineString<f64>);

impl Serialize for Lines<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(Positions))
    }
}

fn object<S: Serializer, C: Serialize>(
    s: S,
    kind: &str,
    coordinates: &C,
) -> Result<S::Ok, S::Error> {
    let mut map = s.serialize_map(Some(2))?;
    map.serialize_entry("type", kind)?;
    map.serialize_entry("coordinates", coordinates)?;
    map.end()
}

/// A `Polygon` when there is one part, else a `MultiPolygon`.
pub fn polygonal<S: Serializer>(mp: &MultiPolygon<f64>, s: S) -> Result<S::Ok, S::Error> {
    match mp.0.as_slice() {
        [polygon] => object(s, "Polygon", &Rings(polygon)),
        _ => object(s, "MultiPolygon", &Polygons(mp)),
    }
}

/// A `LineString` when there is one line, else a `MultiLineString`.
pub fn lineal<S: Serializer>(ml: &MultiLineString<f64>, s: S) -> Result<S::Ok, S::Error> {
    match ml.0.as_slice() {
        [line] => object(s, "LineString", &Positions(line)),
        _ => object(s, "MultiLineString", &Lines(ml)),
    }
}
