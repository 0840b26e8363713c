//! One layer of features in any of the GIS formats wangge reads and
//! writes: the format a path names, the reader behind it, and the typed
//! columns the writers declare. Every reader gives the same thing, a
//! GeoJSON FeatureCollection in the file's own coordinate system with that
//! system, so the grid import and the point import check one form.

use std::path::Path;

use serde_json::Value;
use wangge_geocode::crs::Crs;

use crate::{Encoding, IoError};

/// A GIS file format, named by the file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    GeoJson,
    /// `.shp` with its `.shx`, `.dbf`, `.prj` and `.cpg`.
    Shapefile,
    FlatGeobuf,
    GeoPackage,
    Kml,
}

impl FileFormat {
    /// The format of `path` by its extension; anything else is GeoJSON.
    pub fn of_path(path: &Path) -> FileFormat {
        let extension = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match extension.as_deref() {
            Some("shp") => FileFormat::Shapefile,
            Some("fgb") => FileFormat::FlatGeobuf,
            Some("gpkg") => FileFormat::GeoPackage,
            Some("kml") => FileFormat::Kml,
            _ => FileFormat::GeoJson,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            FileFormat::GeoJson => "GeoJSON",
            FileFormat::Shapefile => "Shapefile",
            FileFormat::FlatGeobuf => "FlatGeobuf",
            FileFormat::GeoPackage => "GeoPackage",
            FileFormat::Kml => "KML",
        }
    }
}

/// A layer read: its features as GeoJSON in the file's system, and that
/// system (`None` when the file names none: GeoJSON's own `crs` member is
/// read later, by the import).
#[derive(Debug)]
pub struct Layer {
    pub format: FileFormat,
    pub geojson: String,
    pub crs: Option<Crs>,
    /// Features in the file (0 for GeoJSON, counted by the import).
    pub features: usize,
    /// A Shapefile's attribute table's encoding.
    pub encoding: Option<Encoding>,
}

/// Reads the layer of `path`: `encoding` for a Shapefile's table (else its
/// `.cpg` or a guess), `layer_name` for a GeoPackage that holds several.
pub fn read_layer(
    path: &Path,
    encoding: Option<Encoding>,
    layer_name: Option<&str>,
) -> Result<Layer, IoError> {
    let format = FileFormat::of_path(path);
    let layer = match format {
        FileFormat::Shapefile => {
            let shp = crate::shp::read_shapefile(path, encoding)?;
            Layer {
                format,
                geojson: shp.geojson,
                crs: shp.crs,
                features: shp.features,
                encoding: Some(shp.encoding),
            }
        }
        FileFormat::FlatGeobuf => {
            let fgb = crate::fgb::read_flatgeobuf(path)?;
            Layer {
                format,
                geojson: fgb.geojson,
                crs: fgb.crs,
                features: fgb.features,
                encoding: None,
            }
        }
        FileFormat::GeoPackage => crate::gpkg::read_geopackage(path, layer_name)?,
        FileFormat::Kml => crate::kml::read_kml(path)?,
        FileFormat::GeoJson => {
            let bytes = std::fs::read(path)
                .map_err(|e| IoError::Table(format!("cannot read {}: {e}", path.display())))?;
            Layer {
                format,
                geojson: String::from_utf8(bytes).map_err(|e| {
                    IoError::NotJson(format!(
                        "{} is not UTF-8 (byte {}): GeoJSON must be UTF-8 (RFC 7946); re-save it as UTF-8",
                        path.display(),
                        e.utf8_error().valid_up_to()
                    ))
                })?,
                crs: None,
                features: 0,
                encoding: None,
            }
        }
    };
    Ok(layer)
}

/// The type of a column a writer declares: GIS tools show integers as
/// integers and flags as flags only when the file says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Text,
    Integer,
    Real,
    Boolean,
}

/// The columns of the grids' export ([`crate::grid_properties`]), in that
/// object's (sorted) order: FlatGeobuf hands properties over by position.
pub const GRID_FIELDS: [(&str, FieldType); 13] = [
    ("area_m2", FieldType::Real),
    ("category", FieldType::Text),
    ("cell_type", FieldType::Text),
    ("code", FieldType::Text),
    ("invalid_reason", FieldType::Text),
    ("level", FieldType::Integer),
    ("name", FieldType::Text),
    ("outlet", FieldType::Text),
    ("parent", FieldType::Text),
    ("type_name_en", FieldType::Text),
    ("type_name_zh", FieldType::Text),
    ("valid", FieldType::Boolean),
    ("zhengqi", FieldType::Boolean),
];

/// What a layer's geometries are, for the type a writer declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GeometryKind {
    Points,
    /// Polygons and multipolygons (and a layer without geometry).
    Polygons,
    /// Anything else: points, lines and polygons together.
    Mixed,
}

pub(crate) fn geometry_kind(features: &[Value]) -> GeometryKind {
    let types: std::collections::BTreeSet<&str> = features
        .iter()
        .filter_map(|f| f.get("geometry").filter(|g| !g.is_null()))
        .filter_map(|g| g.get("type").and_then(Value::as_str))
        .collect();
    if !types.is_empty() && types.iter().all(|t| *t == "Point") {
        GeometryKind::Points
    } else if types
        .iter()
        .all(|t| matches!(*t, "Polygon" | "MultiPolygon"))
    {
        GeometryKind::Polygons
    } else {
        GeometryKind::Mixed
    }
}

/// The typed columns of a layer's properties, in sorted order: each key's
/// type is that of its first value that is not null (text when none is).
pub fn fields_of(geojson: &str) -> Result<Vec<(String, FieldType)>, IoError> {
    let features = features_of(geojson)?;
    let mut fields: std::collections::BTreeMap<String, Option<FieldType>> =
        std::collections::BTreeMap::new();
    for feature in &features {
        let Some(properties) = feature.get("properties").and_then(Value::as_object) else {
            continue;
        };
        for (key, value) in properties {
            let kind = match value {
                Value::Null => None,
                Value::Bool(_) => Some(FieldType::Boolean),
                Value::Number(n) if n.is_i64() || n.is_u64() => Some(FieldType::Integer),
                Value::Number(_) => Some(FieldType::Real),
                _ => Some(FieldType::Text),
            };
            let entry = fields.entry(key.clone()).or_insert(None);
            match (*entry, kind) {
                (None, k) => *entry = k,
                // An integer column with a fraction somewhere is a real one.
                (Some(FieldType::Integer), Some(FieldType::Real)) => *entry = Some(FieldType::Real),
                (Some(a), Some(b))
                    if a != b && !(a == FieldType::Real && b == FieldType::Integer) =>
                {
                    *entry = Some(FieldType::Text);
                }
                _ => {}
            }
        }
    }
    Ok(fields
        .into_iter()
        .map(|(key, kind)| (key, kind.unwrap_or(FieldType::Text)))
        .collect())
}

/// The typed columns the format modules' tests write and read back.
#[cfg(test)]
pub(crate) const TEST_FIELDS: [(&str, FieldType); 5] = [
    ("area_m2", FieldType::Real),
    ("code", FieldType::Text),
    ("level", FieldType::Integer),
    ("name", FieldType::Text),
    ("valid", FieldType::Boolean),
];

/// The features of a FeatureCollection's text.
pub(crate) fn features_of(geojson: &str) -> Result<Vec<Value>, IoError> {
    let mut root: Value =
        serde_json::from_str(geojson).map_err(|e| IoError::NotJson(e.to_string()))?;
    match root.get_mut("features").map(Value::take) {
        Some(Value::Array(features)) => Ok(features),
        _ => Err(IoError::NotFeatureCollection(
            "it has no \"features\" array".into(),
        )),
    }
}

/// The bounding box `[min_x, min_y, max_x, max_y]` of a GeoJSON geometry's
/// coordinates (`None` when it has none).
pub fn geometry_bbox(geometry: &Value) -> Option<[f64; 4]> {
    fn walk(value: &Value, bbox: &mut Option<[f64; 4]>) {
        let Value::Array(items) = value else { return };
        if let [Value::Number(x), Value::Number(y), ..] = items.as_slice() {
            if let (Some(x), Some(y)) = (x.as_f64(), y.as_f64()) {
                *bbox = Some(wangge_model::bbox::including(*bbox, x, y));
            }
            return;
        }
        for item in items {
            walk(item, bbox);
        }
    }
    let mut bbox = None;
    walk(geometry.get("coordinates")?, &mut bbox);
    bbox
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_extension_names_the_format() {
        assert_eq!(
            FileFormat::of_path(Path::new("a/B.SHP")),
            FileFormat::Shapefile
        );
        assert_eq!(
            FileFormat::of_path(Path::new("b.gpkg")),
            FileFormat::GeoPackage
        );
        assert_eq!(FileFormat::of_path(Path::new("b.kml")), FileFormat::Kml);
        assert_eq!(
            FileFormat::of_path(Path::new("b.fgb")),
            FileFormat::FlatGeobuf
        );
        assert_eq!(
            FileFormat::of_path(Path::new("b.json")),
            FileFormat::GeoJson
        );
        assert_eq!(FileFormat::of_path(Path::new("b")), FileFormat::GeoJson);
    }

    #[test]
    fn a_bbox_covers_every_ring() {
        let geometry: Value = serde_json::from_str(
            r#"{"type":"MultiPolygon","coordinates":[[[[1,2],[3,2],[3,5],[1,2]]],[[[-1,0],[0,0],[0,1],[-1,0]]]]}"#,
        )
        .unwrap();
        assert_eq!(geometry_bbox(&geometry), Some([-1.0, 0.0, 3.0, 5.0]));
        assert_eq!(geometry_bbox(&Value::Null), None);
    }

    /// The fields are the export's properties, in their order: a property
    /// added there and not here would shift every FlatGeobuf column after it.
    #[test]
    fn the_fields_are_the_exports_properties() {
        let record = wangge_model::GridRecord {
            id: 1,
            code: "A".parse().unwrap(),
            name: "茅箭区".into(),
            level: wangge_model::LevelNo::DEPARTMENT,
            parent: None,
            cell_type: None,
            category: None,
            geometry_geojson: String::new(),
            bbox: [0.0; 4],
            area_m2: 1.0,
            valid: true,
            invalid_reason: None,
            outlet: None,
            properties_json: None,
            version: 1,
        };
        let properties = crate::grid_properties(&record, &wangge_model::CellTypeCatalog::default());
        let keys: Vec<&str> = properties.keys().map(String::as_str).collect();
        let fields: Vec<&str> = GRID_FIELDS.iter().map(|(name, _)| *name).collect();
        assert_eq!(keys, fields);
    }
}
