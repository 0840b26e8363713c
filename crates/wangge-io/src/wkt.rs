//! Well-known text of GeoJSON geometries, for every CSV wangge writes (the
//! grid exports, the coverage report): the one WKT writer.

use std::fmt::Write as _;

use serde_json::Value;

/// WKT of a GeoJSON geometry object (points, lines, polygons and their
/// multis); `None` for anything else.
pub fn geojson_to_wkt(geometry: &Value) -> Option<String> {
    fn position(text: &mut String, p: &Value) -> Option<()> {
        let p = p.as_array()?;
        // `{}` on f64 prints the shortest text that reads back exactly.
        write!(text, "{} {}", p.first()?.as_f64()?, p.get(1)?.as_f64()?).ok()
    }
    /// `depth` 0: a position; n: a parenthesised list of depth n-1.
    fn nested(text: &mut String, v: &Value, depth: u8) -> Option<()> {
        if depth == 0 {
            return position(text, v);
        }
        text.push('(');
        for (i, item) in v.as_array()?.iter().enumerate() {
            if i > 0 {
                text.push_str(", ");
            }
            nested(text, item, depth - 1)?;
        }
        text.push(')');
        Some(())
    }
    let coordinates = geometry.get("coordinates")?;
    let (name, depth) = match geometry.get("type")?.as_str()? {
        "Point" => ("POINT", 1),
        "LineString" => ("LINESTRING", 1),
        "MultiLineString" => ("MULTILINESTRING", 2),
        "Polygon" => ("POLYGON", 2),
        "MultiPolygon" => ("MULTIPOLYGON", 3),
        _ => return None,
    };
    let mut text = format!("{name} ");
    if name == "POINT" {
        text.push('(');
        position(&mut text, coordinates)?;
        text.push(')');
    } else {
        nested(&mut text, coordinates, depth)?;
    }
    Some(text)
}

/// WKT of a GeoJSON `Polygon` or `MultiPolygon` object (the grid exports);
/// `None` for other types or coordinates that are not finite numbers.
pub fn geojson_polygonal_to_wkt(geometry: &Value) -> Option<String> {
    match geometry.get("type")?.as_str()? {
        "Polygon" | "MultiPolygon" => geojson_to_wkt(geometry),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polygon_and_multipolygon() {
        let p: Value =
            serde_json::from_str(r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}"#)
                .unwrap();
        assert_eq!(
            geojson_polygonal_to_wkt(&p).unwrap(),
            "POLYGON ((0 0, 1 0, 1 1, 0 0))"
        );
        let m: Value = serde_json::from_str(
            r#"{"type":"MultiPolygon","coordinates":[[[[0.5,0],[1,0],[1,1],[0.5,0]]],[[[2,2],[3,2],[3,3],[2,2]]]]}"#,
        )
        .unwrap();
        assert_eq!(
            geojson_polygonal_to_wkt(&m).unwrap(),
            "MULTIPOLYGON (((0.5 0, 1 0, 1 1, 0.5 0)), ((2 2, 3 2, 3 3, 2 2)))"
        );
        let bad: Value =
            serde_json::from_str(r#"{"type":"Polygon","coordinates":[[[0,null]]]}"#).unwrap();
        assert!(geojson_polygonal_to_wkt(&bad).is_none());
    }
}

#[cfg(test)]
mod every_kind {
    use super::geojson_to_wkt as wkt;
    use serde_json::json;

    #[test]
    fn wkt_of_every_geometry_the_report_writes() {
        let cases = [
            (
                json!({"type": "Point", "coordinates": [110.5, 32]}),
                "POINT (110.5 32)",
            ),
            (
                json!({"type": "LineString", "coordinates": [[0, 0], [1, 0.5]]}),
                "LINESTRING (0 0, 1 0.5)",
            ),
            (
                json!({"type": "MultiLineString", "coordinates": [[[0, 0], [1, 0]], [[2, 2], [3, 3]]]}),
                "MULTILINESTRING ((0 0, 1 0), (2 2, 3 3))",
            ),
            (
                json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}),
                "POLYGON ((0 0, 1 0, 1 1, 0 0))",
            ),
            (
                json!({"type": "MultiPolygon", "coordinates": [[[[0, 0], [1, 0], [1, 1], [0, 0]]], [[[2, 2], [3, 2], [3, 3], [2, 2]]]]}),
                "MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((2 2, 3 2, 3 3, 2 2)))",
            ),
        ];
        for (geometry, expected) in cases {
            assert_eq!(wkt(&geometry).as_deref(), Some(expected));
        }
        assert_eq!(wkt(&json!(null)), None);
        assert_eq!(
            wkt(&json!({"type": "Point", "coordinates": [0, null]})),
            None
        );
    }
}
