//! Esri Shapefiles in (the `shapefile` crate, with `dbase` for the
//! attribute table): a layer of polygons becomes the GeoJSON
//! FeatureCollection the grid import reads, so a Shapefile is checked
//! feature by feature exactly as a GeoJSON file is.
//!
//! The attribute table's encoding is, in this order: `--encoding`, the
//! `.cpg` beside it, else the one rule of every file wangge reads
//! ([`crate::detect_encoding`]: valid UTF-8 throughout, else GBK) — design
//! institutes write GBK tables without a `.cpg`. The coordinate system comes
//! from the `.prj` ([`Crs::from_wkt`]) unless `--crs` is given.

use std::path::Path;

use serde_json::{json, Map, Value};
use shapefile::dbase::{self, FieldValue};
use shapefile::record::traits::HasXY;
use shapefile::{PolygonRing, Shape, ShapeReader};
use wangge_geocode::crs::Crs;

use crate::encoding::Encoding;
use crate::IoError;

/// A Shapefile read: its features as a GeoJSON FeatureCollection (in the
/// file's coordinate system), that system and the table's encoding.
#[derive(Debug)]
pub struct ShapefileLayer {
    pub geojson: String,
    /// From the `.prj`; `None` without one.
    pub crs: Option<Crs>,
    pub encoding: Encoding,
    pub features: usize,
}

fn shp_error(path: &Path, e: impl std::fmt::Display) -> IoError {
    IoError::Shapefile(format!("{}: {e}", path.display()))
}

/// Reads `path` (the `.shp`; the `.shx`, `.dbf`, `.prj` and `.cpg` beside
/// it): polygons (grids) or points (customers, resources, outlets; the
/// import of each says which it takes). A record whose shape is empty (a
/// null shape) gets a `null` geometry, which the import names.
pub fn read_shapefile(path: &Path, encoding: Option<Encoding>) -> Result<ShapefileLayer, IoError> {
    let dbf = path.with_extension("dbf");
    let dbf_bytes = std::fs::read(&dbf).map_err(|e| {
        shp_error(
            path,
            format!("its attribute table {} cannot be read ({e}); a Shapefile is the .shp with its .shx and .dbf", dbf.display()),
        )
    })?;
    let cpg = std::fs::read_to_string(path.with_extension("cpg")).ok();
    let encoding = match (encoding, cpg.as_deref().map(encoding_of_cpg)) {
        (Some(e), _) | (None, Some(Some(e))) => e,
        (None, Some(None)) => {
            return Err(shp_error(
                path,
                format!(
                    "its .cpg names the encoding {:?}, which wangge does not read: give --encoding utf-8 or gbk",
                    cpg.unwrap_or_default().trim()
                ),
            ))
        }
        (None, None) => records_encoding(&dbf_bytes),
    };
    let dyn_encoding = dbf_encoding(path, encoding)?;
    let table = dbase::Reader::new_with_encoding(std::io::Cursor::new(dbf_bytes), dyn_encoding)
        .map_err(|e| shp_error(path, format!("its attribute table: {e}")))?;
    let shapes = ShapeReader::from_path(path).map_err(|e| shp_error(path, e))?;
    let mut reader = shapefile::Reader::new(shapes, table);
    let crs = match std::fs::read_to_string(path.with_extension("prj")) {
        Ok(wkt) => {
            Some(Crs::from_wkt(&wkt).map_err(|e| shp_error(path, format!("its .prj: {e}")))?)
        }
        Err(_) => None,
    };
    let mut features = Vec::new();
    for (index, item) in reader.iter_shapes_and_records().enumerate() {
        let (shape, record) =
            item.map_err(|e| shp_error(path, format!("feature {}: {e}", index + 1)))?;
        let geometry = match shape {
            Shape::NullShape => Value::Null,
            Shape::Polygon(p) => polygon_json(p.rings()),
            Shape::PolygonZ(p) => polygon_json(p.rings()),
            Shape::PolygonM(p) => polygon_json(p.rings()),
            Shape::Point(p) => json!({"type": "Point", "coordinates": [p.x, p.y]}),
            Shape::PointZ(p) => json!({"type": "Point", "coordinates": [p.x, p.y]}),
            Shape::PointM(p) => json!({"type": "Point", "coordinates": [p.x, p.y]}),
            other => {
                return Err(shp_error(
                    path,
                    format!(
                        "feature {} is a {}: wangge reads polygon layers (grids) and point layers (customers, resources, outlets)",
                        index + 1,
                        other.shapetype()
                    ),
                ))
            }
        };
        let properties: Map<String, Value> = record
            .into_iter()
            .map(|(name, value)| (name, field_json(value)))
            .collect();
        // A table read in the wrong encoding decodes to replacement
        // characters: refuse it, naming where, rather than store mojibake.
        if let Some((field, _)) = properties
            .iter()
            .find(|(_, v)| v.as_str().is_some_and(|t| t.contains('\u{FFFD}')))
        {
            return Err(shp_error(
                path,
                format!(
                    "feature {}, field {field}: the attribute table is not {encoding} text; give --encoding gbk or utf-8",
                    index + 1
                ),
            ));
        }
        features.push(json!({"type": "Feature", "properties": properties, "geometry": geometry}));
    }
    let count = features.len();
    Ok(ShapefileLayer {
        geojson: json!({"type": "FeatureCollection", "features": features}).to_string(),
        crs,
        encoding,
        features: count,
    })
}

/// The records of a `.dbf` without a `.cpg`: UTF-8 when they are valid
/// UTF-8 throughout, else GBK (the rule of every file wangge reads; the
/// binary header is left out of the test).
fn records_encoding(dbf: &[u8]) -> Encoding {
    let header_len = dbf
        .get(8..10)
        .map_or(0, |b| usize::from(u16::from_le_bytes([b[0], b[1]])));
    let records = dbf.get(header_len..).unwrap_or_default();
    if std::str::from_utf8(records).is_ok() {
        Encoding::Utf8
    } else {
        Encoding::Gb18030
    }
}

/// The encoding a `.cpg` names, if wangge reads it.
fn encoding_of_cpg(text: &str) -> Option<Encoding> {
    match text
        .trim()
        .trim_start_matches('\u{feff}')
        .to_ascii_uppercase()
        .as_str()
    {
        "UTF-8" | "UTF8" | "65001" => Some(Encoding::Utf8),
        "GBK" | "936" | "CP936" | "GB2312" | "GB18030" | "54936" => Some(Encoding::Gb18030),
        _ => None,
    }
}

/// A Shapefile polygon's rings as a GeoJSON MultiPolygon: each outer ring
/// (clockwise in the file) starts a polygon, the inner rings after it are
/// its holes — the order Esri's specification and GDAL write. Rings are
/// wound the GeoJSON way (exterior counter-clockwise).
fn polygon_json<P: HasXY>(rings: &[PolygonRing<P>]) -> Value {
    let mut polygons: Vec<Vec<Vec<[f64; 2]>>> = Vec::new();
    let mut outer_box = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for r in rings {
        let mut ring: Vec<[f64; 2]> = r.points().iter().map(|p| [p.x(), p.y()]).collect();
        ring.reverse(); // Esri: exteriors clockwise, holes counter-clockwise
        let ring_box = bbox(&ring);
        // A ring wound like a hole but outside the polygon before it is a
        // polygon of its own: an invalid ring's winding says little (GDAL
        // reads such files by nesting, and so does this).
        let is_hole = matches!(r, PolygonRing::Inner(_))
            && ring_box[0] >= outer_box[0]
            && ring_box[1] >= outer_box[1]
            && ring_box[2] <= outer_box[2]
            && ring_box[3] <= outer_box[3];
        match polygons.last_mut() {
            Some(polygon) if is_hole => polygon.push(ring),
            _ => {
                outer_box = ring_box;
                polygons.push(vec![ring]);
            }
        }
    }
    json!({"type": "MultiPolygon", "coordinates": polygons})
}

fn bbox(ring: &[[f64; 2]]) -> [f64; 4] {
    ring.iter()
        .fold(None, |b, [x, y]| {
            Some(wangge_model::bbox::including(b, *x, *y))
        })
        .unwrap_or([
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ])
}

fn field_json(value: FieldValue) -> Value {
    match value {
        FieldValue::Character(s) => {
            s.map_or(Value::Null, |s| Value::String(s.trim_end().to_owned()))
        }
        FieldValue::Memo(s) => Value::String(s),
        FieldValue::Numeric(n) => n.map_or(Value::Null, |n| {
            // DBF numbers of no decimals are integers to their readers.
            if n.fract() == 0.0 && n.abs() < 9.0e15 {
                json!(n as i64)
            } else {
                json!(n)
            }
        }),
        FieldValue::Float(f) => f.map_or(Value::Null, |f| json!(f64::from(f))),
        FieldValue::Integer(i) => json!(i),
        FieldValue::Double(d) | FieldValue::Currency(d) => json!(d),
        FieldValue::Logical(b) => b.map_or(Value::Null, Value::Bool),
        FieldValue::Date(d) => d.map_or(Value::Null, |d| {
            Value::String(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()))
        }),
        FieldValue::DateTime(dt) => {
            let d = dt.date();
            Value::String(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()))
        }
    }
}

/// The attributes of a grid in a Shapefile: DBF field names are at most
/// 10 bytes, so the GeoJSON export's `type_name_zh` is `type_name`.
const SHP_TEXT_FIELDS: [(&str, u8); 7] = [
    ("code", 64),
    ("name", 254),
    ("parent", 64),
    ("cell_type", 16),
    ("type_name", 80),
    ("category", 16),
    ("outlet", 64),
];

/// Writes grids as a polygon Shapefile at `path` (`.shp`, `.shx`, `.dbf`,
/// `.prj` in `crs`, `.cpg` naming the table's encoding): `level` an
/// integer, `area_m2` a number with two decimals, `valid` a logical, text
/// in `encoding` (GBK for tools that ignore `.cpg`). A name longer than a
/// DBF field holds (254 bytes) is cut at a character boundary. Returns the
/// number of features written.
pub fn write_grids_shapefile<'a>(
    records: impl IntoIterator<Item = &'a wangge_model::GridRecord>,
    catalog: &wangge_model::CellTypeCatalog,
    path: &Path,
    crs: Crs,
    encoding: Encoding,
) -> Result<usize, IoError> {
    use shapefile::dbase::{FieldName, Record, TableWriterBuilder};
    let name =
        |n: &str| FieldName::try_from(n).map_err(|e| shp_error(path, format!("field {n}: {e:?}")));
    let dyn_encoding = dbf_encoding(path, encoding)?;
    let mut table = TableWriterBuilder::new().set_encoding(dyn_encoding);
    for (field, len) in SHP_TEXT_FIELDS {
        table = table.add_character_field(name(field)?, len);
    }
    table = table
        .add_numeric_field(name("level")?, 1, 0)
        .add_numeric_field(name("area_m2")?, 18, 2)
        .add_logical_field(name("valid")?);
    let mut writer = shapefile::Writer::from_path(path, table).map_err(|e| shp_error(path, e))?;
    let mut written = 0usize;
    for grid in records {
        let properties = crate::grid_properties(grid, catalog);
        let text = |k: &str| properties.get(k).and_then(Value::as_str).map(str::to_owned);
        let mut record = Record::default();
        for (field, len) in SHP_TEXT_FIELDS {
            let key = if field == "type_name" {
                "type_name_zh"
            } else {
                field
            };
            let value = text(key).map(|v| cut_to_bytes(&v, usize::from(len), encoding));
            record.insert(field.to_owned(), FieldValue::Character(value));
        }
        record.insert(
            "level".into(),
            FieldValue::Numeric(Some(f64::from(grid.level.get()))),
        );
        record.insert(
            "area_m2".into(),
            FieldValue::Numeric(Some((grid.area_m2 * 100.0).round() / 100.0)),
        );
        record.insert("valid".into(), FieldValue::Logical(Some(grid.valid)));
        let polygon = shapefile_polygon(&grid.geometry_geojson, crs).ok_or_else(|| {
            shp_error(
                path,
                format!("grid {}: its stored geometry is not a polygon", grid.code),
            )
        })?;
        writer
            .write_shape_and_record(&polygon, &record)
            .map_err(|e| shp_error(path, format!("grid {}: {e}", grid.code)))?;
        written += 1;
    }
    drop(writer); // flushes the .shp, .shx and .dbf
    write_sidecars(path, crs, encoding)?;
    Ok(written)
}

/// The one kind of shape a Shapefile holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShapeKind {
    Point,
    Line,
    Polygon,
}

impl ShapeKind {
    /// The kind of a GeoJSON geometry object (`None` for a null or a
    /// collection, which no Shapefile holds).
    pub fn of(geometry: &Value) -> Option<ShapeKind> {
        match geometry.get("type")?.as_str()? {
            "Point" | "MultiPoint" => Some(ShapeKind::Point),
            "LineString" | "MultiLineString" => Some(ShapeKind::Line),
            "Polygon" | "MultiPolygon" => Some(ShapeKind::Polygon),
            _ => None,
        }
    }

    /// The suffix of the file holding this kind when a layer is split.
    pub fn suffix(self) -> &'static str {
        match self {
            ShapeKind::Point => "points",
            ShapeKind::Line => "lines",
            ShapeKind::Polygon => "polygons",
        }
    }
}

/// Writes a FeatureCollection of points (coordinates already in `crs`) as
/// a point Shapefile at `path` with these typed `fields` (text in
/// `encoding`, cut at a character to the DBF's 254 bytes; DBF names of at
/// most 10 bytes, so longer keys are cut too). Features without a point
/// are left out. Returns the number of points written.
pub fn write_points_shapefile(
    geojson: &str,
    fields: &[(String, crate::layer::FieldType)],
    path: &Path,
    crs: Crs,
    encoding: Encoding,
) -> Result<usize, IoError> {
    let features = crate::layer::features_of(geojson)?;
    let table = TableSpec { fields, encoding };
    write_kind(&features, ShapeKind::Point, &table, path, crs)
}

/// Writes a FeatureCollection of mixed geometries (coordinates already in
/// `crs`; the coverage findings) as one Shapefile per kind of shape, since
/// a Shapefile holds one: `STEM_polygons.shp`, `STEM_lines.shp`,
/// `STEM_points.shp` beside `path`, each with every field, only those with
/// features. Features without a geometry are left out. Returns each file
/// written with its feature count.
pub fn write_mixed_shapefiles(
    geojson: &str,
    fields: &[(String, crate::layer::FieldType)],
    path: &Path,
    crs: Crs,
    encoding: Encoding,
) -> Result<Vec<(std::path::PathBuf, usize)>, IoError> {
    let features = crate::layer::features_of(geojson)?;
    let table = TableSpec { fields, encoding };
    let stem = path
        .file_stem()
        .map_or_else(|| "layer".into(), |s| s.to_string_lossy().into_owned());
    let mut written = Vec::new();
    for kind in [ShapeKind::Polygon, ShapeKind::Line, ShapeKind::Point] {
        let of_kind: Vec<Value> = features
            .iter()
            .filter(|f| ShapeKind::of(&f["geometry"]) == Some(kind))
            .cloned()
            .collect();
        if of_kind.is_empty() {
            continue;
        }
        let file = path.with_file_name(format!("{stem}_{}.shp", kind.suffix()));
        let n = write_kind(&of_kind, kind, &table, &file, crs)?;
        written.push((file, n));
    }
    Ok(written)
}

/// The attribute table of a Shapefile written from GeoJSON features.
struct TableSpec<'a> {
    fields: &'a [(String, crate::layer::FieldType)],
    encoding: Encoding,
}

impl TableSpec<'_> {
    /// DBF names are at most 10 bytes: longer keys are cut.
    fn dbf_name(&self, key: &str) -> String {
        cut_to_bytes(key, 10, self.encoding)
    }

    fn builder(&self, path: &Path) -> Result<shapefile::dbase::TableWriterBuilder, IoError> {
        use crate::layer::FieldType;
        use shapefile::dbase::{FieldName, TableWriterBuilder};
        let mut table = TableWriterBuilder::new().set_encoding(dbf_encoding(path, self.encoding)?);
        for (key, kind) in self.fields {
            let name = FieldName::try_from(self.dbf_name(key).as_str())
                .map_err(|e| shp_error(path, format!("field {key}: {e:?}")))?;
            table = match kind {
                FieldType::Text => table.add_character_field(name, 254),
                FieldType::Integer => table.add_numeric_field(name, 18, 0),
                FieldType::Real => table.add_numeric_field(name, 24, 8),
                FieldType::Boolean => table.add_logical_field(name),
            };
        }
        Ok(table)
    }

    fn record(&self, feature: &Value) -> shapefile::dbase::Record {
        use crate::layer::FieldType;
        let properties = feature.get("properties").and_then(Value::as_object);
        let mut record = shapefile::dbase::Record::default();
        for (key, kind) in self.fields {
            let value = properties.and_then(|p| p.get(key)).unwrap_or(&Value::Null);
            let field = match kind {
                FieldType::Text => FieldValue::Character(match value {
                    Value::Null => None,
                    Value::String(s) => Some(cut_to_bytes(s, 254, self.encoding)),
                    other => Some(other.to_string()),
                }),
                FieldType::Integer | FieldType::Real => FieldValue::Numeric(value.as_f64()),
                FieldType::Boolean => FieldValue::Logical(value.as_bool()),
            };
            record.insert(self.dbf_name(key), field);
        }
        record
    }
}

/// Writes the `features` of one `kind` (others and null geometries left
/// out) to the Shapefile at `path`, with its sidecars.
fn write_kind(
    features: &[Value],
    kind: ShapeKind,
    table: &TableSpec<'_>,
    path: &Path,
    crs: Crs,
) -> Result<usize, IoError> {
    let keep = |xy: (f64, f64)| xy;
    let shapes = features.iter().filter_map(|f| {
        let geometry = &f["geometry"];
        (ShapeKind::of(geometry) == Some(kind)).then_some((geometry, f))
    });
    let written = match kind {
        ShapeKind::Point => write_shapes(
            shapes.filter_map(|(g, f)| point_of(g).map(|p| (p, f))),
            table,
            path,
        )?,
        ShapeKind::Line => write_shapes(
            shapes.filter_map(|(g, f)| polyline_of(g).map(|p| (p, f))),
            table,
            path,
        )?,
        ShapeKind::Polygon => write_shapes(
            shapes.filter_map(|(g, f)| polygon_of(g, keep).map(|p| (p, f))),
            table,
            path,
        )?,
    };
    write_sidecars(path, crs, table.encoding)?;
    Ok(written)
}

fn write_shapes<'a, S: shapefile::record::EsriShape>(
    shapes: impl Iterator<Item = (S, &'a Value)>,
    table: &TableSpec<'_>,
    path: &Path,
) -> Result<usize, IoError> {
    let mut writer =
        shapefile::Writer::from_path(path, table.builder(path)?).map_err(|e| shp_error(path, e))?;
    let mut written = 0usize;
    for (shape, feature) in shapes {
        writer
            .write_shape_and_record(&shape, &table.record(feature))
            .map_err(|e| shp_error(path, format!("feature {}: {e}", written + 1)))?;
        written += 1;
    }
    drop(writer); // flushes the .shp, .shx and .dbf
    Ok(written)
}

fn xy(position: &Value) -> Option<shapefile::Point> {
    Some(shapefile::Point::new(
        position.get(0)?.as_f64()?,
        position.get(1)?.as_f64()?,
    ))
}

/// A GeoJSON Point (or the first point of a MultiPoint).
fn point_of(geometry: &Value) -> Option<shapefile::Point> {
    let coordinates = &geometry["coordinates"];
    match geometry["type"].as_str()? {
        "Point" => xy(coordinates),
        _ => xy(coordinates.get(0)?),
    }
}

/// A GeoJSON LineString or MultiLineString as one polyline of its parts.
fn polyline_of(geometry: &Value) -> Option<shapefile::Polyline> {
    let coordinates = geometry["coordinates"].as_array()?;
    let lines: Vec<&Value> = match geometry["type"].as_str()? {
        "LineString" => vec![&geometry["coordinates"]],
        _ => coordinates.iter().collect(),
    };
    let parts: Vec<Vec<shapefile::Point>> = lines
        .iter()
        .filter_map(|l| Some(l.as_array()?.iter().filter_map(xy).collect::<Vec<_>>()))
        .filter(|points| points.len() >= 2)
        .collect();
    (!parts.is_empty()).then(|| shapefile::Polyline::with_parts(parts))
}

/// The name of `encoding` in a `.cpg` and to dbase (encoding_rs's GBK
/// decoder is the GB18030 one, WHATWG).
fn cpg_name(encoding: Encoding) -> &'static str {
    match encoding {
        Encoding::Utf8 => "UTF-8",
        Encoding::Gb18030 => "GBK",
    }
}

fn dbf_encoding(path: &Path, encoding: Encoding) -> Result<dbase::encoding::DynEncoding, IoError> {
    dbase::encoding::DynEncoding::from_name(cpg_name(encoding))
        .ok_or_else(|| shp_error(path, format!("the encoding {encoding} is not available")))
}

/// The `.prj` naming `crs` and the `.cpg` naming the table's encoding.
fn write_sidecars(path: &Path, crs: Crs, encoding: Encoding) -> Result<(), IoError> {
    std::fs::write(path.with_extension("prj"), crs.wkt())?;
    std::fs::write(path.with_extension("cpg"), cpg_name(encoding))?;
    Ok(())
}

/// `text` cut to at most `max` bytes in `encoding`, at a character boundary.
fn cut_to_bytes(text: &str, max: usize, encoding: Encoding) -> String {
    let width = |c: char| match encoding {
        Encoding::Utf8 => c.len_utf8(),
        Encoding::Gb18030 if c.is_ascii() => 1,
        Encoding::Gb18030 => 2,
    };
    let mut used = 0;
    text.chars()
        .take_while(|&c| {
            used += width(c);
            used <= max
        })
        .collect()
}

/// A stored GeoJSON (Multi)Polygon as a Shapefile polygon in `crs`.
fn shapefile_polygon(geojson: &str, crs: Crs) -> Option<shapefile::Polygon> {
    let value: Value = serde_json::from_str(geojson).ok()?;
    polygon_of(&value, |(x, y)| wangge_geocode::crs::from_wgs84(crs, x, y))
}

/// A GeoJSON (Multi)Polygon as a Shapefile polygon, each position through
/// `to_xy`: each polygon's exterior an outer ring, its holes inner rings
/// (the crate winds them the Esri way).
fn polygon_of(
    value: &Value,
    to_xy: impl Fn((f64, f64)) -> (f64, f64),
) -> Option<shapefile::Polygon> {
    let coordinates = value.get("coordinates")?.as_array()?;
    let polygons: Vec<&Value> = match value.get("type")?.as_str()? {
        "Polygon" => vec![value.get("coordinates")?],
        "MultiPolygon" => coordinates.iter().collect(),
        _ => return None,
    };
    let mut rings = Vec::new();
    for polygon in polygons {
        for (i, ring) in polygon.as_array()?.iter().enumerate() {
            let points: Vec<shapefile::Point> = ring
                .as_array()?
                .iter()
                .filter_map(|p| {
                    let (x, y) = to_xy((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?));
                    Some(shapefile::Point::new(x, y))
                })
                .collect();
            rings.push(if i == 0 {
                PolygonRing::Outer(points)
            } else {
                PolygonRing::Inner(points)
            });
        }
    }
    Some(shapefile::Polygon::with_rings(rings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_encoding_comes_from_the_cpg_else_from_the_records() {
        assert_eq!(encoding_of_cpg("GBK\r\n"), Some(Encoding::Gb18030));
        assert_eq!(encoding_of_cpg("\u{feff}UTF-8"), Some(Encoding::Utf8));
        assert_eq!(encoding_of_cpg("936"), Some(Encoding::Gb18030));
        assert_eq!(encoding_of_cpg("ISO-8859-1"), None);
        // A 32-byte header (its length at bytes 8-9), then the records.
        let mut dbf = vec![0u8; 32];
        dbf[8] = 32;
        dbf[20] = 0xC3; // a header byte that is no UTF-8: not looked at
        let mut utf8 = dbf.clone();
        utf8.extend_from_slice(" 茅箭区".as_bytes());
        assert_eq!(records_encoding(&utf8), Encoding::Utf8);
        let (gbk, _, _) = encoding_rs::GBK.encode(" 茅箭区");
        dbf.extend_from_slice(&gbk);
        assert_eq!(records_encoding(&dbf), Encoding::Gb18030);
    }

    #[test]
    fn a_ring_wound_like_a_hole_outside_its_polygon_is_a_polygon() {
        let square = |x: f64| {
            vec![
                shapefile::Point::new(x, 0.0),
                shapefile::Point::new(x, 1.0),
                shapefile::Point::new(x + 1.0, 1.0),
                shapefile::Point::new(x + 1.0, 0.0),
                shapefile::Point::new(x, 0.0),
            ]
        };
        let rings = vec![
            PolygonRing::Outer(square(0.0)),
            PolygonRing::Inner(
                square(0.25)
                    .iter()
                    .map(|p| shapefile::Point::new(p.x * 0.5, p.y * 0.5))
                    .collect(),
            ),
            PolygonRing::Inner(square(5.0)),
        ];
        let v = polygon_json(&rings);
        let polygons = v["coordinates"].as_array().unwrap();
        assert_eq!(polygons.len(), 2, "{v}");
        assert_eq!(
            polygons[0].as_array().unwrap().len(),
            2,
            "the first keeps its hole: {v}"
        );
    }

    #[test]
    fn a_long_name_is_cut_at_a_character_in_the_fields_bytes() {
        let name = "十堰市".repeat(100);
        assert_eq!(cut_to_bytes(&name, 254, Encoding::Utf8).len(), 252);
        assert_eq!(
            cut_to_bytes(&name, 254, Encoding::Gb18030).chars().count(),
            127
        );
        assert_eq!(cut_to_bytes("ab", 254, Encoding::Utf8), "ab");
    }
}
