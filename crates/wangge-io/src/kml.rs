//! KML in and out (OGC KML 2.2, georust's `kml`): placemarks with their
//! `<name>` and `<ExtendedData>` (`SchemaData`/`SimpleData` as GDAL writes
//! them, or `Data`/`value`), polygons and multi-geometries of polygons.
//!
//! KML's coordinates are WGS-84 longitude and latitude by definition
//! (OGC 07-147r2 §6.2), so a KML file names no system: it is read as
//! WGS-84 unless `--crs` says it holds GCJ-02 or BD-09 (as files traced on
//! Chinese web maps do), and written only in a geographic system.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use ::kml::types::{Element, Geometry, Placemark};
use ::kml::{Kml, KmlDocument, KmlVersion, KmlWriter};
use geozero::geojson::GeoJson;
use geozero::{ToGeo, ToJson};
use serde_json::{Map, Value};
use wangge_geocode::crs::Crs;

use crate::layer::{FieldType, FileFormat, Layer};
use crate::IoError;

fn kml_error(path: &Path, e: impl std::fmt::Display) -> IoError {
    IoError::Kml(format!("{}: {e}", path.display()))
}

/// Reads every placemark of `path` (in documents and folders, at any
/// depth) as a feature; an unreadable geometry is refused, named by the
/// placemark's number and name.
pub fn read_kml(path: &Path) -> Result<Layer, IoError> {
    let text = std::fs::read_to_string(path).map_err(|e| kml_error(path, e))?;
    let root: Kml<f64> = text.parse().map_err(|e| kml_error(path, e))?;
    let mut placemarks = Vec::new();
    let mut schema = HashMap::new();
    collect(root, &mut placemarks, &mut schema);
    let mut features = Vec::with_capacity(placemarks.len());
    for (i, placemark) in placemarks.into_iter().enumerate() {
        let number = i + 1;
        let label = match &placemark.name {
            Some(name) => format!("placemark {number} ({name})"),
            None => format!("placemark {number}"),
        };
        let mut properties = Map::new();
        for element in &placemark.children {
            extended_data(element, &schema, &mut properties);
        }
        if let Some(name) = &placemark.name {
            properties
                .entry("name")
                .or_insert_with(|| Value::String(name.trim().to_owned()));
        }
        let geometry = match placemark.geometry {
            None => Value::Null,
            Some(geometry) => {
                geometry_json(geometry).map_err(|e| kml_error(path, format!("{label}: {e}")))?
            }
        };
        features.push(serde_json::json!({
            "type": "Feature",
            "properties": properties,
            "geometry": geometry,
        }));
    }
    let count = features.len();
    Ok(Layer {
        format: FileFormat::Kml,
        geojson: serde_json::json!({"type": "FeatureCollection", "features": features}).to_string(),
        crs: None,
        features: count,
        encoding: None,
    })
}

/// The placemarks under `kml` in document order, and the declared types of
/// the schemas' fields.
fn collect(
    kml: Kml<f64>,
    placemarks: &mut Vec<Placemark<f64>>,
    schema: &mut HashMap<String, String>,
) {
    match kml {
        Kml::KmlDocument(KmlDocument { elements, .. })
        | Kml::Document { elements, .. }
        | Kml::Folder { elements, .. } => {
            for element in elements {
                collect(element, placemarks, schema);
            }
        }
        Kml::Placemark(placemark) => placemarks.push(placemark),
        Kml::Element(element) if element.name == "Schema" => {
            for field in element.children.iter().filter(|c| c.name == "SimpleField") {
                if let (Some(name), Some(kind)) = (field.attrs.get("name"), field.attrs.get("type"))
                {
                    schema.insert(name.clone(), kind.to_ascii_lowercase());
                }
            }
        }
        _ => {}
    }
}

/// The properties in an `<ExtendedData>` element, typed by the schema.
fn extended_data(
    element: &Element,
    schema: &HashMap<String, String>,
    out: &mut Map<String, Value>,
) {
    match element.name.as_str() {
        "ExtendedData" | "SchemaData" => {
            for child in &element.children {
                extended_data(child, schema, out);
            }
        }
        "SimpleData" => {
            if let Some(name) = element.attrs.get("name") {
                let text = element.content.clone().unwrap_or_default();
                out.insert(
                    name.clone(),
                    typed(text, schema.get(name).map(String::as_str)),
                );
            }
        }
        "Data" => {
            if let Some(name) = element.attrs.get("name") {
                let text = element
                    .children
                    .iter()
                    .find(|c| c.name == "value")
                    .and_then(|c| c.content.clone())
                    .unwrap_or_default();
                out.insert(name.clone(), Value::String(text));
            }
        }
        _ => {}
    }
}

fn typed(text: String, kind: Option<&str>) -> Value {
    let parsed = match kind {
        Some("int" | "uint" | "short" | "ushort") => {
            text.trim().parse::<i64>().ok().map(Value::from)
        }
        Some("float" | "double") => text
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number),
        Some("bool") => match text.trim() {
            "1" | "true" => Some(Value::Bool(true)),
            "0" | "false" => Some(Value::Bool(false)),
            _ => None,
        },
        _ => None,
    };
    parsed.unwrap_or(Value::String(text))
}

/// A placemark's geometry as GeoJSON (altitudes dropped); a
/// multi-geometry of polygons is a MultiPolygon.
fn geometry_json(geometry: Geometry<f64>) -> Result<Value, String> {
    use geo_types::Geometry as G;
    let geometry = G::try_from(geometry).map_err(|e| e.to_string())?;
    let geometry = match geometry {
        G::GeometryCollection(c)
            if c.0
                .iter()
                .all(|g| matches!(g, G::Polygon(_) | G::MultiPolygon(_))) =>
        {
            let mut polygons = Vec::new();
            for g in c.0 {
                match g {
                    G::Polygon(p) => polygons.push(p),
                    G::MultiPolygon(m) => polygons.extend(m.0),
                    _ => {}
                }
            }
            G::MultiPolygon(geo_types::MultiPolygon(polygons))
        }
        other => other,
    };
    let json = geometry.to_json().map_err(|e| e.to_string())?;
    serde_json::from_str(&json).map_err(|e| e.to_string())
}

/// Writes the FeatureCollection `geojson` (already in `crs`, which must be
/// geographic) as a KML document: a schema `layer` declaring the typed
/// `columns`, and one placemark per feature, its `name` property as the
/// placemark's `<name>`. Returns the number of placemarks.
pub fn write_kml(
    geojson: &str,
    layer: &str,
    crs: Crs,
    columns: &[(&str, FieldType)],
    mut out: impl Write,
) -> Result<usize, IoError> {
    let path = Path::new(layer);
    if !crs.is_geographic() {
        return Err(kml_error(
            path,
            format!("KML holds longitude and latitude only; {crs} is a projected system (use wgs84, EPSG:4490, gcj02 or bd09)"),
        ));
    }
    let features = crate::layer::features_of(geojson)?;
    let attrs = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    let element = |name: &str,
                   attrs: HashMap<String, String>,
                   content: Option<String>,
                   children: Vec<Element>| Element {
        name: name.to_owned(),
        attrs,
        content,
        children,
    };
    let fields: Vec<Element> = columns
        .iter()
        .filter(|(name, _)| *name != "name")
        .map(|(name, field_type)| {
            let kind = match field_type {
                FieldType::Text => "string",
                FieldType::Integer => "int",
                FieldType::Real => "double",
                FieldType::Boolean => "bool",
            };
            element(
                "SimpleField",
                attrs(&[("name", name), ("type", kind)]),
                None,
                Vec::new(),
            )
        })
        .collect();
    // The schema belongs to the document, the placemarks to a folder
    // named after the layer: that is where GDAL's LIBKML looks.
    let schema = Kml::Element(element(
        "Schema",
        attrs(&[("name", layer), ("id", layer)]),
        None,
        fields,
    ));
    let mut elements = vec![Kml::Element(element(
        "name",
        HashMap::new(),
        Some(layer.to_owned()),
        Vec::new(),
    ))];
    let schema_url = format!("#{layer}");
    for (i, feature) in features.iter().enumerate() {
        let properties = feature.get("properties").and_then(Value::as_object);
        let mut data = Vec::new();
        for (name, _) in columns.iter().filter(|(name, _)| *name != "name") {
            let value = match properties.and_then(|p| p.get(*name)) {
                None | Some(Value::Null) => continue,
                Some(Value::String(s)) => s.clone(),
                Some(Value::Bool(b)) => if *b { "1" } else { "0" }.to_owned(),
                Some(other) => other.to_string(),
            };
            data.push(element(
                "SimpleData",
                attrs(&[("name", name)]),
                Some(value),
                Vec::new(),
            ));
        }
        let geometry = match feature.get("geometry") {
            None | Some(Value::Null) => None,
            Some(geometry) => {
                let text = geometry.to_string();
                let geo = GeoJson(&text)
                    .to_geo()
                    .map_err(|e| kml_error(path, format!("feature {}: {e}", i + 1)))?;
                Some(Geometry::from(geo))
            }
        };
        elements.push(Kml::Placemark(Placemark {
            name: properties
                .and_then(|p| p.get("name"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            geometry,
            children: vec![element(
                "ExtendedData",
                HashMap::new(),
                None,
                vec![element(
                    "SchemaData",
                    attrs(&[("schemaUrl", &schema_url)]),
                    None,
                    data,
                )],
            )],
            ..Placemark::default()
        }));
    }
    let document = Kml::KmlDocument(KmlDocument {
        version: KmlVersion::V22,
        attrs: attrs(&[("xmlns", "http://www.opengis.net/kml/2.2")]),
        elements: vec![Kml::Document {
            attrs: attrs(&[("id", "root_doc")]),
            elements: vec![
                schema,
                Kml::Folder {
                    attrs: HashMap::new(),
                    elements,
                },
            ],
        }],
    });
    out.write_all(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")?;
    KmlWriter::from_writer(&mut out)
        .write(&document)
        .map_err(|e| kml_error(path, e))?;
    out.write_all(b"\n")?;
    Ok(features.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GEOJSON: &str = r#"{"type":"FeatureCollection","features":[
      {"type":"Feature","properties":{"code":"A&1","name":"茅箭区","level":1,"area_m2":1000.5,"valid":true},
       "geometry":{"type":"Polygon","coordinates":[[[110.1,32.5],[110.2,32.5],[110.2,32.6],[110.1,32.5]]]}},
      {"type":"Feature","properties":{"code":"B","name":"张湾区","level":1,"area_m2":2.0,"valid":false},
       "geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[5,5],[6,5],[6,6],[5,5]]]]}}]}"#;

    use crate::layer::TEST_FIELDS as FIELDS;

    #[test]
    fn placemarks_go_out_and_back_with_their_names_and_types() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("grids.kml");
        let mut bytes = Vec::new();
        assert_eq!(
            write_kml(GEOJSON, "grids", Crs::Wgs84, &FIELDS, &mut bytes).unwrap(),
            2
        );
        std::fs::write(&path, &bytes).unwrap();
        let layer = read_kml(&path).unwrap();
        assert_eq!(layer.features, 2);
        let features = crate::layer::features_of(&layer.geojson).unwrap();
        let first = &features[0]["properties"];
        assert_eq!(first["name"], "茅箭区");
        assert_eq!(first["code"], "A&1");
        assert_eq!(first["level"], 1);
        assert_eq!(first["valid"], true);
        assert_eq!(first["area_m2"], 1000.5);
        assert_eq!(features[0]["geometry"]["type"], "Polygon");
        assert_eq!(features[0]["geometry"]["coordinates"][0][1][0], 110.2);
        assert_eq!(
            features[1]["geometry"]["coordinates"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn a_projected_system_is_refused_and_data_values_are_read() {
        let error = write_kml(GEOJSON, "g", Crs::Epsg(4546), &FIELDS, Vec::new()).unwrap_err();
        assert!(error.to_string().contains("projected"), "{error}");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.kml");
        std::fs::write(
            &path,
            r#"<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>
            <Placemark><name>营业厅</name><ExtendedData><Data name="code"><value>X1</value></Data></ExtendedData>
            <Point><coordinates>110.1,32.5,0</coordinates></Point></Placemark></Document></kml>"#,
        )
        .unwrap();
        let layer = read_kml(&path).unwrap();
        let features = crate::layer::features_of(&layer.geojson).unwrap();
        assert_eq!(features[0]["properties"]["code"], "X1");
        assert_eq!(features[0]["properties"]["name"], "营业厅");
        assert_eq!(features[0]["geometry"]["type"], "Point");
    }
}
