//! GeoPackage in and out (OGC 12-128r18, version 1.3): a SQLite file with
//! the `gpkg_spatial_ref_sys`, `gpkg_contents` and `gpkg_geometry_columns`
//! tables, its geometries in GeoPackage WKB (geozero's codec). rusqlite is
//! used rather than sqlx because a file is read and written synchronously,
//! beside the other formats; both share one bundled SQLite.
//!
//! GCJ-02 and BD-09 have no EPSG code and no published definition: they are
//! written as an SRS of the organisation `wangge` (its definition WGS-84's,
//! so tools that do not know it still draw it near the right place) and
//! read back as themselves.

use std::path::Path;

use geozero::geojson::GeoJson;
use geozero::wkb::GpkgWkb;
use geozero::{CoordDimensions, ToJson, ToWkb};
use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, OpenFlags};
use serde_json::{Map, Value};
use wangge_geocode::crs::Crs;

use crate::layer::{FieldType, FileFormat, Layer};
use crate::IoError;

const ORGANIZATION: &str = "wangge";

fn gpkg_error(path: &Path, e: impl std::fmt::Display) -> IoError {
    IoError::GeoPackage(format!("{}: {e}", path.display()))
}

/// `"name"` with its double quotes doubled: a table or column name in SQL.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Reads the features table `layer_name` of `path`, or its only one.
pub fn read_geopackage(path: &Path, layer_name: Option<&str>) -> Result<Layer, IoError> {
    let db = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| gpkg_error(path, e))?;
    let tables: Vec<(String, String, i64)> = db
        .prepare(
            "SELECT c.table_name, g.column_name, g.srs_id FROM gpkg_contents c \
             JOIN gpkg_geometry_columns g ON g.table_name = c.table_name \
             WHERE c.data_type = 'features' ORDER BY c.table_name",
        )
        .and_then(|mut q| {
            q.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect()
        })
        .map_err(|e| gpkg_error(path, format!("not a GeoPackage of features ({e})")))?;
    let names = || {
        tables
            .iter()
            .map(|t| t.0.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (table, geometry_column, srs_id) = match layer_name {
        Some(wanted) => tables.iter().find(|t| t.0 == wanted).ok_or_else(|| {
            gpkg_error(
                path,
                format!("it has no layer {wanted:?}; its layers: {}", names()),
            )
        })?,
        None => match tables.as_slice() {
            [only] => only,
            [] => return Err(gpkg_error(path, "it holds no layer of features")),
            _ => {
                return Err(gpkg_error(
                    path,
                    format!(
                        "it holds several layers ({}): choose one with --layer",
                        names()
                    ),
                ))
            }
        },
    };
    let crs = srs_crs(&db, *srs_id).map_err(|e| gpkg_error(path, e))?;

    // Column names and declared types; the primary key (fid) is the row's
    // number in the file, not a property of the grid.
    let columns: Vec<(String, String, bool)> = db
        .prepare(&format!("PRAGMA table_info({})", quoted(table)))
        .and_then(|mut q| {
            q.query_map([], |r| {
                Ok((r.get(1)?, r.get::<_, String>(2)?, r.get::<_, i64>(5)? > 0))
            })?
            .collect()
        })
        .map_err(|e| gpkg_error(path, e))?;
    let mut query = db
        .prepare(&format!("SELECT * FROM {}", quoted(table)))
        .map_err(|e| gpkg_error(path, e))?;
    let mut rows = query.query([]).map_err(|e| gpkg_error(path, e))?;
    let mut features = Vec::new();
    while let Some(row) = rows.next().map_err(|e| gpkg_error(path, e))? {
        let number = features.len() + 1;
        let mut properties = Map::new();
        let mut geometry = Value::Null;
        for (i, (name, declared, primary_key)) in columns.iter().enumerate() {
            let value = row.get_ref(i).map_err(|e| gpkg_error(path, e))?;
            if name == geometry_column {
                if let ValueRef::Blob(blob) = value {
                    let json = GpkgWkb(blob).to_json().map_err(|e| {
                        gpkg_error(path, format!("feature {number}: its geometry: {e}"))
                    })?;
                    geometry = serde_json::from_str(&json)
                        .map_err(|e| gpkg_error(path, format!("feature {number}: {e}")))?;
                }
                continue;
            }
            if *primary_key {
                continue;
            }
            let boolean = declared.eq_ignore_ascii_case("BOOLEAN");
            let json = match value {
                ValueRef::Null | ValueRef::Blob(_) => Value::Null,
                ValueRef::Integer(n) if boolean => Value::Bool(n != 0),
                ValueRef::Integer(n) => Value::from(n),
                ValueRef::Real(x) => {
                    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
                }
                ValueRef::Text(text) => Value::String(String::from_utf8_lossy(text).into_owned()),
            };
            properties.insert(name.clone(), json);
        }
        features.push(serde_json::json!({
            "type": "Feature",
            "properties": properties,
            "geometry": geometry,
        }));
    }
    let count = features.len();
    let geojson = serde_json::json!({"type": "FeatureCollection", "features": features});
    Ok(Layer {
        format: FileFormat::GeoPackage,
        geojson: geojson.to_string(),
        crs,
        features: count,
        encoding: None,
    })
}

/// The system of SRS `srs_id`: `None` for the undefined ones (0 and -1).
fn srs_crs(db: &Connection, srs_id: i64) -> Result<Option<Crs>, String> {
    if srs_id == 0 || srs_id == -1 {
        return Ok(None);
    }
    let (name, organization, code, definition): (String, String, i64, String) = db
        .query_row(
            "SELECT srs_name, organization, organization_coordsys_id, definition \
             FROM gpkg_spatial_ref_sys WHERE srs_id = ?1",
            [srs_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .map_err(|e| format!("its SRS {srs_id}: {e}"))?;
    if organization == ORGANIZATION {
        return name.parse::<Crs>().map(Some);
    }
    if organization.eq_ignore_ascii_case("EPSG") {
        if let Ok(code) = u16::try_from(code) {
            return Crs::from_epsg(code).map(Some);
        }
    }
    Crs::from_wkt(&definition).map(Some)
}

/// The SRS row of `crs`: (srs_id, name, organization, code, definition).
fn srs_row(crs: Crs) -> (i64, String, &'static str, i64, &'static str) {
    if let Some(code) = crs.epsg() {
        return (
            i64::from(code),
            crs.as_str().to_owned(),
            "EPSG",
            i64::from(code),
            crs.wkt(),
        );
    }
    // GCJ-02 and BD-09: the organisation's own numbers.
    let code = if crs == Crs::Gcj02 { 1 } else { 2 };
    (
        990_000 + code,
        crs.as_str().to_owned(),
        ORGANIZATION,
        code,
        crs.wkt(),
    )
}

/// Writes the FeatureCollection `geojson` (coordinates already in `crs`)
/// as the features table `layer` of a new GeoPackage at `path` (an old file
/// there is replaced), with these typed `columns` (other properties are
/// left out). Returns the number of features written.
pub fn write_geopackage(
    geojson: &str,
    layer: &str,
    crs: Crs,
    columns: &[(&str, FieldType)],
    path: &Path,
) -> Result<usize, IoError> {
    let features = crate::layer::features_of(geojson)?;
    let geometry_type = match crate::layer::geometry_kind(&features) {
        crate::layer::GeometryKind::Points => "POINT",
        crate::layer::GeometryKind::Polygons => "MULTIPOLYGON",
        crate::layer::GeometryKind::Mixed => "GEOMETRY",
    };
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(gpkg_error(path, e)),
    }
    let mut db = Connection::open(path).map_err(|e| gpkg_error(path, e))?;
    let tx = db.transaction().map_err(|e| gpkg_error(path, e))?;
    let sql = |e: rusqlite::Error| gpkg_error(path, e);
    // The application id 'GPKG' and version 1.3.0 (10300) tell readers what
    // the SQLite file is.
    tx.execute_batch(
        "PRAGMA application_id = 1196444487; PRAGMA user_version = 10300;
         CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,
           organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL,
           definition TEXT NOT NULL, description TEXT);
         CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL,
           identifier TEXT UNIQUE, description TEXT DEFAULT '',
           last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
           min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
           srs_id INTEGER REFERENCES gpkg_spatial_ref_sys(srs_id));
         CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
           geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
           CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name));
         INSERT INTO gpkg_spatial_ref_sys VALUES
           ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
           ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system');",
    )
    .map_err(sql)?;
    for srs in [Crs::Wgs84, crs] {
        let (id, name, organization, code, definition) = srs_row(srs);
        tx.execute(
            "INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES (?1, ?2, ?3, ?4, ?5, NULL)",
            params![name, id, organization, code, definition],
        )
        .map_err(sql)?;
    }
    let (srs_id, ..) = srs_row(crs);
    let mut create = format!(
        "CREATE TABLE {} (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom {geometry_type}",
        quoted(layer)
    );
    for (name, field_type) in columns {
        let declared = match field_type {
            FieldType::Text => "TEXT",
            FieldType::Integer => "INTEGER",
            FieldType::Real => "REAL",
            FieldType::Boolean => "BOOLEAN",
        };
        create.push_str(", ");
        create.push_str(&quoted(name));
        create.push(' ');
        create.push_str(declared);
    }
    create.push(')');
    tx.execute_batch(&create).map_err(sql)?;
    let placeholders: Vec<String> = (1..=columns.len() + 1).map(|i| format!("?{i}")).collect();
    let names: Vec<String> = columns.iter().map(|(name, _)| quoted(name)).collect();
    let insert = format!(
        "INSERT INTO {} (geom{}{}) VALUES ({})",
        quoted(layer),
        if names.is_empty() { "" } else { ", " },
        names.join(", "),
        placeholders.join(", ")
    );
    let mut extent: Option<[f64; 4]> = None;
    {
        let mut statement = tx.prepare(&insert).map_err(sql)?;
        for (i, feature) in features.iter().enumerate() {
            let geometry = feature.get("geometry").unwrap_or(&Value::Null);
            let blob = match crate::layer::geometry_bbox(geometry) {
                None => None,
                Some(bbox) => {
                    extent = Some(extent.map_or(bbox, |e| wangge_model::bbox::union(e, bbox)));
                    let text = if geometry_type == "MULTIPOLYGON" {
                        as_multi_polygon(geometry).to_string()
                    } else {
                        geometry.to_string()
                    };
                    Some(
                        GeoJson(&text)
                            .to_gpkg_wkb(
                                CoordDimensions::xy(),
                                i32::try_from(srs_id).ok(),
                                bbox.to_vec(),
                            )
                            .map_err(|e| gpkg_error(path, format!("feature {}: {e}", i + 1)))?,
                    )
                }
            };
            let mut values: Vec<rusqlite::types::Value> =
                vec![blob.map_or(rusqlite::types::Value::Null, rusqlite::types::Value::Blob)];
            let properties = feature.get("properties").and_then(Value::as_object);
            for (name, field_type) in columns {
                let value = properties
                    .and_then(|p| p.get(*name))
                    .unwrap_or(&Value::Null);
                values.push(column_value(value, *field_type));
            }
            statement
                .execute(rusqlite::params_from_iter(values))
                .map_err(|e| gpkg_error(path, format!("feature {}: {e}", i + 1)))?;
        }
    }
    let [min_x, min_y, max_x, max_y] = extent.map_or([None; 4], |e| e.map(Some));
    tx.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, min_x, min_y, max_x, max_y, srs_id) \
         VALUES (?1, 'features', ?1, ?2, ?3, ?4, ?5, ?6)",
        params![layer, min_x, min_y, max_x, max_y, srs_id],
    )
    .map_err(sql)?;
    tx.execute(
        "INSERT INTO gpkg_geometry_columns VALUES (?1, 'geom', ?2, ?3, 0, 0)",
        params![layer, geometry_type, srs_id],
    )
    .map_err(sql)?;
    tx.commit().map_err(sql)?;
    Ok(features.len())
}

/// A Polygon as a one-part MultiPolygon: the column holds one type.
fn as_multi_polygon(geometry: &Value) -> Value {
    match (
        geometry.get("type").and_then(Value::as_str),
        geometry.get("coordinates"),
    ) {
        (Some("Polygon"), Some(rings)) => {
            serde_json::json!({"type": "MultiPolygon", "coordinates": [rings]})
        }
        _ => geometry.clone(),
    }
}

fn column_value(value: &Value, field_type: FieldType) -> rusqlite::types::Value {
    use rusqlite::types::Value as Sql;
    match (value, field_type) {
        (Value::Null, _) => Sql::Null,
        (Value::Bool(b), _) => Sql::Integer(i64::from(*b)),
        (Value::Number(n), FieldType::Integer | FieldType::Boolean) => {
            n.as_i64().map_or(Sql::Null, Sql::Integer)
        }
        (Value::Number(n), _) => n.as_f64().map_or(Sql::Null, Sql::Real),
        (Value::String(s), _) => Sql::Text(s.clone()),
        (other, _) => Sql::Text(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GEOJSON: &str = r#"{"type":"FeatureCollection","features":[
      {"type":"Feature","properties":{"code":"A","name":"茅箭区","level":1,"area_m2":1000.5,"valid":true},
       "geometry":{"type":"Polygon","coordinates":[[[480293.3,3611734.1],[481293.3,3611734.1],[481293.3,3612734.1],[480293.3,3611734.1]]]}},
      {"type":"Feature","properties":{"code":"B","name":"张湾区","level":1,"area_m2":2.0,"valid":false},
       "geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[5,5],[6,5],[6,6],[5,5]]]]}}]}"#;

    use crate::layer::TEST_FIELDS as FIELDS;

    fn round_trip(crs: Crs) -> Layer {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("grids.gpkg");
        let n = write_geopackage(GEOJSON, "grids", crs, &FIELDS, &path).unwrap();
        assert_eq!(n, 2);
        read_geopackage(&path, None).unwrap()
    }

    #[test]
    fn a_layer_goes_out_and_back_with_its_system_types_and_names() {
        let layer = round_trip(Crs::Epsg(4546));
        assert_eq!(layer.crs, Some(Crs::Epsg(4546)));
        assert_eq!(layer.features, 2);
        let features = crate::layer::features_of(&layer.geojson).unwrap();
        let first = &features[0]["properties"];
        assert_eq!(first["name"], "茅箭区");
        assert_eq!(first["level"], 1);
        assert_eq!(first["valid"], true);
        assert_eq!(first["area_m2"], 1000.5);
        assert_eq!(features[1]["properties"]["valid"], false);
        assert_eq!(features[0]["geometry"]["type"], "MultiPolygon");
        assert_eq!(
            features[0]["geometry"]["coordinates"][0][0][0][0],
            480_293.3
        );
        assert_eq!(
            features[1]["geometry"]["coordinates"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn gcj02_comes_back_as_gcj02() {
        assert_eq!(round_trip(Crs::Gcj02).crs, Some(Crs::Gcj02));
        assert_eq!(round_trip(Crs::Wgs84).crs, Some(Crs::Wgs84));
    }

    #[test]
    fn several_layers_need_a_name_and_a_wrong_name_lists_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("two.gpkg");
        write_geopackage(GEOJSON, "grids", Crs::Wgs84, &FIELDS, &path).unwrap();
        let db = Connection::open(&path).unwrap();
        db.execute_batch(
            "CREATE TABLE cells (fid INTEGER PRIMARY KEY, geom BLOB);
             INSERT INTO gpkg_contents (table_name, data_type, srs_id) VALUES ('cells', 'features', 4326);
             INSERT INTO gpkg_geometry_columns VALUES ('cells', 'geom', 'MULTIPOLYGON', 4326, 0, 0);",
        )
        .unwrap();
        drop(db);
        let several = read_geopackage(&path, None).unwrap_err().to_string();
        assert!(
            several.contains("cells, grids") && several.contains("--layer"),
            "{several}"
        );
        let wrong = read_geopackage(&path, Some("nope"))
            .unwrap_err()
            .to_string();
        assert!(
            wrong.contains("\"nope\"") && wrong.contains("cells, grids"),
            "{wrong}"
        );
        assert_eq!(read_geopackage(&path, Some("grids")).unwrap().features, 2);
    }

    #[test]
    fn a_file_that_is_no_geopackage_is_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.gpkg");
        std::fs::write(&path, b"not sqlite at all, just text").unwrap();
        let error = read_geopackage(&path, None).unwrap_err().to_string();
        assert!(error.contains("x.gpkg"), "{error}");
    }
}
