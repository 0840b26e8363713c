//! Polygons as GeoJSON geometry objects (a `Polygon` when there is one
//! part), the way the store keeps them.

use geo::{LineString, MultiPolygon, Polygon};
use serde_json::{json, Value};

fn ring(line: &LineString<f64>) -> Value {
    Value::Array(line.coords().map(|c| json!([c.x, c.y])).collect())
}

fn rings(polygon: &Polygon<f64>) -> Value {
    Value::Array(
        std::iter::once(polygon.exterior())
            .chain(polygon.interiors())
            .map(ring)
            .collect(),
    )
}

pub fn polygonal_value(mp: &MultiPolygon<f64>) -> Value {
    match mp.0.as_slice() {
        [polygon] => json!({"type": "Polygon", "coordinates": rings(polygon)}),
        parts => {
            json!({"type": "MultiPolygon", "coordinates": parts.iter().map(rings).collect::<Vec<_>>()})
        }
    }
}
