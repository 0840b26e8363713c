//! GeoJSON in another coordinate system than WGS-84, both ways: a file
//! GDAL wrote in a Gauss–Krüger zone (`"crs":{"type":"name","properties":
//! {"name":"urn:ogc:def:crs:EPSG::4546"}}`, the 2008 GeoJSON member that
//! GDAL and QGIS still read and write) or one the user names with `--crs`
//! is converted to WGS-84 on the way in; an export in another system gets
//! its coordinates converted and that member. The conversions are
//! `wangge_geocode::crs`'s (one home for them).

use std::borrow::Cow;

use serde_json::{json, Value};
use wangge_geocode::crs::{from_wgs84, to_wgs84, Crs};

use crate::IoError;

/// The system a FeatureCollection's `crs` member names, if any.
pub fn geojson_crs(root: &Value) -> Result<Option<Crs>, IoError> {
    let Some(member) = root.get("crs") else {
        return Ok(None);
    };
    let name = member
        .pointer("/properties/name")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            IoError::NotFeatureCollection(
                "its \"crs\" member has no properties.name (a named system such as urn:ogc:def:crs:EPSG::4546 is expected)".into(),
            )
        })?;
    // OGC:CRS84 is WGS-84 with lon/lat order, GeoJSON's own.
    if name.to_ascii_uppercase().ends_with("CRS84") {
        return Ok(Some(Crs::Wgs84));
    }
    name.parse::<Crs>()
        .map(Some)
        .map_err(|e| IoError::NotFeatureCollection(format!("its \"crs\" member: {e}")))
}

/// The file's text with every coordinate in WGS-84: converted from `crs`
/// when given, else from the file's own `crs` member; unchanged (borrowed)
/// when the file is WGS-84 already. A coordinate the system cannot convert
/// (a point far outside a zone) is an error naming the feature.
pub fn geojson_to_wgs84(text: &str, crs: Option<Crs>) -> Result<Cow<'_, str>, IoError> {
    // The usual WGS-84 file is not parsed twice.
    if crs.is_none_or(|c| c == Crs::Wgs84) && !text.contains("\"crs\"") {
        return Ok(Cow::Borrowed(text));
    }
    let mut root: Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
        .map_err(|e| IoError::NotJson(e.to_string()))?;
    let from = match crs {
        Some(c) => c,
        None => geojson_crs(&root)?.unwrap_or(Crs::Wgs84),
    };
    if let Value::Object(map) = &mut root {
        map.remove("crs");
    }
    if from != Crs::Wgs84 {
        let features = root
            .get_mut("features")
            .and_then(Value::as_array_mut)
            .map(std::mem::take)
            .unwrap_or_default();
        let mut converted = Vec::with_capacity(features.len());
        for (index, mut feature) in features.into_iter().enumerate() {
            if let Some(geometry) = feature.get_mut("geometry") {
                convert_geometry(geometry, &|x, y| to_wgs84(from, x, y)).map_err(|(x, y)| {
                    IoError::NotFeatureCollection(format!(
                        "feature {} has the point ({x}, {y}), which {from} cannot convert to WGS-84: is --crs right?",
                        index + 1
                    ))
                })?;
            }
            converted.push(feature);
        }
        if let Some(f) = root.get_mut("features") {
            *f = Value::Array(converted);
        }
    }
    Ok(Cow::Owned(root.to_string()))
}

/// A stored (WGS-84) GeoJSON geometry in `to`; unchanged for WGS-84.
pub fn geometry_from_wgs84(geometry: &str, to: Crs) -> Cow<'_, str> {
    if to == Crs::Wgs84 {
        return Cow::Borrowed(geometry);
    }
    let Ok(mut value) = serde_json::from_str::<Value>(geometry) else {
        return Cow::Borrowed(geometry);
    };
    // A point outside the system's domain stays as it is: the export
    // writes what it can, and `ogrinfo` shows the odd point.
    let _ = convert_geometry(&mut value, &|lon, lat| from_wgs84(to, lon, lat));
    Cow::Owned(value.to_string())
}

/// The `crs` member naming `crs` (none for WGS-84, GeoJSON's default).
pub fn crs_member(crs: Crs) -> Option<Value> {
    let code = crs.epsg().filter(|&c| c != 4326)?;
    Some(json!({"type": "name", "properties": {"name": format!("urn:ogc:def:crs:EPSG::{code}")}}))
}

/// Converts every position of a geometry's `coordinates` (and of a
/// collection's geometries) in place; the first position that converts to
/// a non-finite one is the error.
pub fn convert_geometry(
    geometry: &mut Value,
    f: &dyn Fn(f64, f64) -> (f64, f64),
) -> Result<(), (f64, f64)> {
    if let Some(parts) = geometry.get_mut("geometries").and_then(Value::as_array_mut) {
        for part in parts {
            convert_geometry(part, f)?;
        }
    }
    match geometry.get_mut("coordinates") {
        Some(coordinates) => positions(coordinates, f),
        None => Ok(()),
    }
}

fn positions(
    value: &mut Value,
    convert: &dyn Fn(f64, f64) -> (f64, f64),
) -> Result<(), (f64, f64)> {
    let Value::Array(items) = value else {
        return Ok(());
    };
    let is_position = items.first().is_some_and(Value::is_number);
    if !is_position {
        return items
            .iter_mut()
            .try_for_each(|item| positions(item, convert));
    }
    let (Some(x), Some(y)) = (
        items.first().and_then(Value::as_f64),
        items.get(1).and_then(Value::as_f64),
    ) else {
        return Ok(()); // a broken position: the geometry check names it
    };
    let (to_x, to_y) = convert(x, y);
    if !(to_x.is_finite() && to_y.is_finite()) {
        return Err((x, y));
    }
    items[0] = json!(to_x);
    items[1] = json!(to_y);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GK: &str = r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4546"}},
        "features":[{"type":"Feature","properties":{"code":"A"},"geometry":{"type":"Polygon","coordinates":[[[480293.3029,3611734.0828],[481293.3029,3611734.0828],[481293.3029,3612734.0828],[480293.3029,3611734.0828]]]}}]}"#;

    #[test]
    fn a_file_in_a_gauss_krueger_zone_is_read_as_wgs84() {
        let text = geojson_to_wgs84(GK, None).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        assert!(v.get("crs").is_none());
        let first = &v["features"][0]["geometry"]["coordinates"][0][0];
        assert!(
            (first[0].as_f64().unwrap() - 110.79).abs() < 1e-8,
            "{first}"
        );
        assert!((first[1].as_f64().unwrap() - 32.63).abs() < 1e-8, "{first}");
        // And back, to the millimetre.
        let geometry = v["features"][0]["geometry"].to_string();
        let back: Value =
            serde_json::from_str(&geometry_from_wgs84(&geometry, Crs::Epsg(4546))).unwrap();
        let p = &back["coordinates"][0][1];
        assert!((p[0].as_f64().unwrap() - 481_293.302_9).abs() < 1e-3, "{p}");
    }

    #[test]
    fn a_wgs84_file_is_not_touched_and_a_wrong_crs_is_named() {
        let plain = r#"{"type":"FeatureCollection","features":[]}"#;
        assert!(matches!(
            geojson_to_wgs84(plain, None).unwrap(),
            Cow::Borrowed(_)
        ));
        // Metres read as a geographic system's degrees, the other way round:
        // lon/lat given as Gauss–Krüger fall far outside the zone.
        let wrong = GK.replace("EPSG::4546", "EPSG::4326");
        let text = geojson_to_wgs84(&wrong, None).unwrap();
        assert!(text.contains("480293.3029"));
        let bad = r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:1"}},"features":[]}"#;
        assert!(geojson_to_wgs84(bad, None)
            .unwrap_err()
            .to_string()
            .contains("EPSG:1"));
        assert_eq!(crs_member(Crs::Wgs84), None);
        assert!(crs_member(Crs::Epsg(4549))
            .unwrap()
            .to_string()
            .contains("EPSG::4549"));
    }
}
