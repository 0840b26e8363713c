//! Well-known text for the GeoJSON polygons wangge stores, for CSV export.

use std::fmt::Write as _;

use serde_json::Value;

/// WKT of a GeoJSON `Polygon` or `MultiPolygon` object; `None` for other
/// types or coordinates that are not finite numbers.
pub fn geojson_polygonal_to_wkt(geometry: &Value) -> Option<String> {
    let coordinates = geometry.get("coordinates")?.as_array()?;
    let mut wkt = String::new();
    match geometry.get("type")?.as_str()? {
        "Polygon" => {
            wkt.push_str("POLYGON ");
            write_polygon(&mut wkt, coordinates)?;
        }
        "MultiPolygon" => {
            wkt.push_str("MULTIPOLYGON (");
            for (i, polygon) in coordinates.iter().enumerate() {
                if i > 0 {
                    wkt.push_str(", ");
                }
                write_polygon(&mut wkt, polygon.as_array()?)?;
            }
            wkt.push(')');
        }
        _ => return None,
    }
    Some(wkt)
}

fn write_polygon(wkt: &mut String, rings: &[Value]) -> Option<()> {
    wkt.push('(');
    for (i, ring) in rings.iter().enumerate() {
        if i > 0 {
            wkt.push_str(", ");
        }
        wkt.push('(');
        for (j, position) in ring.as_array()?.iter().enumerate() {
            if j > 0 {
                wkt.push_str(", ");
            }
            let x = position.get(0)?.as_f64()?;
            let y = position.get(1)?.as_f64()?;
            // `{}` on f64 prints the shortest text that reads back exactly.
            let _ = write!(wkt, "{x} {y}");
        }
        wkt.push(')');
    }
    wkt.push(')');
    Some(())
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
