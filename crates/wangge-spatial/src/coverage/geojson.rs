//! GeoJSON geometry objects written straight from geo types by serde, so
//! the report needs no JSON library of its own.

use geo::{LineString, MultiLineString, MultiPolygon, Polygon};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

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
pub(crate) fn polygonal<S: Serializer>(mp: &MultiPolygon<f64>, s: S) -> Result<S::Ok, S::Error> {
    match mp.0.as_slice() {
        [polygon] => object(s, "Polygon", &Rings(polygon)),
        _ => object(s, "MultiPolygon", &Polygons(mp)),
    }
}

/// A `LineString` when there is one line, else a `MultiLineString`.
pub(crate) fn lineal<S: Serializer>(ml: &MultiLineString<f64>, s: S) -> Result<S::Ok, S::Error> {
    match ml.0.as_slice() {
        [line] => object(s, "LineString", &Positions(line)),
        _ => object(s, "MultiLineString", &Lines(ml)),
    }
}
