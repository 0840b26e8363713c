//! GeoJSON FeatureCollection -> grids ready for the store.
//!
//! Two kinds of fault, treated differently:
//! - structural faults (no code, unknown cell type, a Point instead of a
//!   polygon, a duplicate code, malformed coordinates, a vertex that is not
//!   a number: NaN, Infinity, null, text) reject the whole file, listing
//!   every faulty feature, so nothing half-imported is left behind and no
//!   stored geometry holds what GeoJSON cannot say (`[null, 32.6]`);
//! - invalid geometry (self-intersection, unclosed ring, too few points,
//!   coordinates out of range) is reported per feature and the grid is
//!   stored flagged with the reason, as given: never dropped, never "fixed".

use std::collections::HashMap;

use geo::{Coord, LineString, MultiPolygon, Polygon};
use serde_json::{Map, Value};
use wangge_model::NewGrid;
use wangge_model::{CellTypeCatalog, GridCode, LevelNo};
use wangge_spatial::validate::{check_multipolygon, check_raw_polygons, summarize};

use crate::error::feature_label;
use crate::non_finite::nulls_for_non_finite;
use crate::{FeatureError, IoError};

/// Which feature properties hold the grid's attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GridFields {
    pub name: String,
    /// When the property is missing, the feature's `id` is used.
    pub code: String,
    pub cell_type: String,
    pub parent: String,
}

impl Default for GridFields {
    fn default() -> Self {
        GridFields {
            name: "name".into(),
            code: "code".into(),
            cell_type: "type".into(),
            parent: "parent".into(),
        }
    }
}

/// A file's grids, each with where it came from; invalid ones carry their reason.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedGrids {
    pub grids: Vec<NewGrid>,
}

impl ParsedGrids {
    /// The grids flagged invalid, as `(source label, reason)`.
    pub fn invalid(&self) -> impl Iterator<Item = (&str, &str)> {
        self.grids.iter().filter_map(|g| {
            Some((
                g.source.as_deref().unwrap_or_default(),
                g.invalid_reason.as_deref()?,
            ))
        })
    }
}

/// Reads the grids of one level from GeoJSON text.
pub fn read_grids_geojson(
    text: &str,
    level: LevelNo,
    fields: &GridFields,
    catalog: &CellTypeCatalog,
) -> Result<ParsedGrids, IoError> {
    let text = nulls_for_non_finite(text.trim_start_matches('\u{feff}'));
    let root: Value = serde_json::from_str(&text).map_err(|e| IoError::NotJson(e.to_string()))?;
    let features = match (root.get("type").and_then(Value::as_str), root.get("features")) {
        (Some("FeatureCollection"), Some(Value::Array(features))) => features,
        (Some("FeatureCollection"), _) => {
            return Err(IoError::NotFeatureCollection("it has no \"features\" array".into()))
        }
        (Some(other), _) => {
            return Err(IoError::NotFeatureCollection(format!(
                "its type is {other:?}; wrap features in {{\"type\":\"FeatureCollection\",\"features\":[...]}}"
            )))
        }
        (None, _) => return Err(IoError::NotFeatureCollection("it has no \"type\" member".into())),
    };

    let mut grids = Vec::with_capacity(features.len());
    let mut errors = Vec::new();
    let mut first_index_of_code: HashMap<String, usize> = HashMap::new();
    for (index, feature) in features.iter().enumerate() {
        match read_feature(index, feature, level, fields, catalog) {
            Ok(grid) => {
                let code = grid.code.as_str().to_owned();
                if let Some(first) = first_index_of_code.insert(code.clone(), index) {
                    errors.push(FeatureError {
                        index,
                        code: Some(code),
                        name: Some(grid.name.clone()),
                        message: format!("its code is used already by feature {first}"),
                    });
                } else {
                    grids.push(grid);
                }
            }
            Err(error) => errors.push(error),
        }
    }
    if errors.is_empty() {
        Ok(ParsedGrids { grids })
    } else {
        Err(IoError::Features(errors))
    }
}

fn read_feature(
    index: usize,
    feature: &Value,
    level: LevelNo,
    fields: &GridFields,
    catalog: &CellTypeCatalog,
) -> Result<NewGrid, FeatureError> {
    let empty = Map::new();
    let properties = feature
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let code_text =
        property_text(properties, &fields.code).or_else(|| feature.get("id").and_then(scalar_text));
    let name = property_text(properties, &fields.name);
    let fail = |message: String| FeatureError {
        index,
        code: code_text.clone(),
        name: name.clone(),
        message,
    };

    let code: GridCode = code_text
        .as_deref()
        .ok_or_else(|| {
            fail(format!(
                "it has no code: property {:?} is missing and the feature has no id (choose the field: --code-field on the command line, code_field in the API)",
                fields.code
            ))
        })?
        .parse()
        .map_err(|e: wangge_model::ModelError| fail(e.to_string()))?;

    let parent = match level.parent() {
        None => None,
        Some(parent_level) => {
            let text = property_text(properties, &fields.parent).ok_or_else(|| {
                fail(format!(
                    "it has no parent: a level-{level} grid needs the code of its level-{parent_level} parent in property {:?} (choose it: --parent-field on the command line, parent_field in the API)",
                    fields.parent
                ))
            })?;
            Some(
                text.parse::<GridCode>()
                    .map_err(|e| fail(format!("parent: {e}")))?,
            )
        }
    };

    let cell_type = if level.is_cell() {
        let text = property_text(properties, &fields.cell_type).ok_or_else(|| {
            fail(format!(
                "it has no cell type: property {:?} is missing (choose it: --type-field on the command line, type_field in the API)",
                fields.cell_type
            ))
        })?;
        Some(
            catalog
                .resolve(&text)
                .map_err(|e| fail(e.to_string()))?
                .code,
        )
    } else {
        None
    };

    let geometry = feature
        .get("geometry")
        .filter(|g| !g.is_null())
        .ok_or_else(|| fail("it has no geometry".into()))?;
    let raw = raw_polygons(geometry).map_err(fail)?;

    let mut problems = check_raw_polygons(&raw);
    let multipolygon = to_multipolygon(&raw);
    if problems.is_empty() {
        problems = check_multipolygon(&multipolygon);
    }
    let area_m2 = if raw_all_finite(&raw) {
        wangge_spatial::area::geodesic_area_m2(&multipolygon)
    } else {
        0.0
    };
    let bbox = finite_bbox(&raw).unwrap_or([0.0; 4]);
    let label = feature_label(index, Some(code.as_str()), name.as_deref());
    Ok(NewGrid {
        name: name.clone().unwrap_or_else(|| code.to_string()),
        code,
        level,
        parent,
        cell_type,
        geometry_geojson: geometry.to_string(),
        bbox,
        area_m2,
        invalid_reason: summarize(&problems),
        properties_json: (!properties.is_empty())
            .then(|| Value::Object(properties.clone()).to_string()),
        source: Some(label),
    })
}

/// A property as text: strings trimmed, numbers as written (15 -> "15").
fn property_text(properties: &Map<String, Value>, key: &str) -> Option<String> {
    properties.get(key).and_then(scalar_text)
}

/// A scalar as text: strings trimmed (empty is none), numbers as written.
pub(crate) fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

type RawPolygons = Vec<Vec<Vec<Vec<f64>>>>;

/// The coordinates of a Polygon or MultiPolygon as nested vectors; a
/// coordinate that is not a finite number (null, which is what a bare NaN
/// or Infinity became, or a string) is a structural fault naming the vertex.
fn raw_polygons(geometry: &Value) -> Result<RawPolygons, String> {
    let kind = geometry
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("(none)");
    let coordinates = geometry
        .get("coordinates")
        .and_then(Value::as_array)
        .ok_or_else(|| format!("its {kind} geometry has no coordinates array"))?;
    match kind {
        "Polygon" => Ok(vec![raw_polygon(coordinates)?]),
        "MultiPolygon" => coordinates
            .iter()
            .enumerate()
            .map(|(i, p)| {
                p.as_array()
                    .ok_or_else(|| format!("polygon {i} of its MultiPolygon is not an array"))
                    .and_then(|rings| raw_polygon(rings).map_err(|e| format!("polygon {i}: {e}")))
            })
            .collect(),
        other => Err(format!(
            "its geometry is a {other}; grids must be Polygon or MultiPolygon"
        )),
    }
}

fn raw_polygon(rings: &[Value]) -> Result<Vec<Vec<Vec<f64>>>, String> {
    rings
        .iter()
        .enumerate()
        .map(|(r, ring)| {
            let positions = ring
                .as_array()
                .ok_or_else(|| format!("ring {r} is not an array of positions"))?;
            positions
                .iter()
                .enumerate()
                .map(|(p, position)| {
                    let values = position.as_array().ok_or_else(|| {
                        format!("ring {r}, position {p} is not an array [lon, lat]")
                    })?;
                    if values.len() < 2 {
                        return Err(format!("ring {r}, position {p} has fewer than 2 numbers"));
                    }
                    values
                        .iter()
                        .map(|v| {
                            v.as_f64().filter(|x| x.is_finite()).ok_or_else(|| {
                                let shown = if v.is_null() {
                                    "NaN, Infinity or null".to_owned()
                                } else {
                                    v.to_string().chars().take(40).collect()
                                };
                                format!(
                                    "ring {r}, position {p} holds {shown}: a vertex needs two finite numbers [lon, lat]"
                                )
                            })
                        })
                        .collect()
                })
                .collect()
        })
        .collect()
}

fn raw_all_finite(raw: &RawPolygons) -> bool {
    raw.iter()
        .flatten()
        .flatten()
        .all(|p| p[0].is_finite() && p[1].is_finite())
}

fn to_multipolygon(raw: &RawPolygons) -> MultiPolygon<f64> {
    let ring = |positions: &Vec<Vec<f64>>| {
        LineString::from(
            positions
                .iter()
                .map(|p| Coord { x: p[0], y: p[1] })
                .collect::<Vec<_>>(),
        )
    };
    MultiPolygon(
        raw.iter()
            .filter(|rings| !rings.is_empty())
            .map(|rings| Polygon::new(ring(&rings[0]), rings[1..].iter().map(ring).collect()))
            .collect(),
    )
}

fn finite_bbox(raw: &RawPolygons) -> Option<[f64; 4]> {
    let mut bbox: Option<[f64; 4]> = None;
    for p in raw.iter().flatten().flatten() {
        let (x, y) = (p[0], p[1]);
        if !(x.is_finite() && y.is_finite()) {
            continue;
        }
        bbox = Some(wangge_model::bbox::including(bbox, x, y));
    }
    bbox
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, level: u8) -> Result<ParsedGrids, IoError> {
        read_grids_geojson(
            text,
            LevelNo::try_from(level).unwrap(),
            &GridFields::default(),
            &CellTypeCatalog::default(),
        )
    }

    const SQUARE: &str = r#"{"type":"Polygon","coordinates":[[[110,32],[110.01,32],[110.01,32.01],[110,32.01],[110,32]]]}"#;

    fn collection(features: &[String]) -> String {
        format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            features.join(",")
        )
    }

    fn feature(props: &str, geometry: &str) -> String {
        format!(r#"{{"type":"Feature","properties":{props},"geometry":{geometry}}}"#)
    }

    #[test]
    fn reads_cells_with_type_as_code_chinese_or_english() {
        let text = collection(&[
            feature(
                r#"{"code":"C1","name":"甲","type":15,"parent":"G3"}"#,
                SQUARE,
            ),
            feature(
                r#"{"code":"C2","name":"乙","type":"小区","parent":"G3"}"#,
                SQUARE,
            ),
            feature(
                r#"{"code":"C3","name":"丙","type":"Residential compound","parent":"G3"}"#,
                SQUARE,
            ),
        ]);
        let parsed = parse(&text, 4).unwrap();
        assert_eq!(parsed.grids.len(), 3);
        assert!(parsed
            .grids
            .iter()
            .all(|g| g.cell_type.unwrap().to_string() == "15"));
        assert!(parsed.grids.iter().all(|g| g.invalid_reason.is_none()));
        let area = parsed.grids[0].area_m2;
        assert!((area - 1_000_000.0).abs() < 200_000.0, "{area}");
        assert_eq!(parsed.grids[0].parent.as_ref().unwrap().as_str(), "G3");
    }

    #[test]
    fn code_falls_back_to_feature_id() {
        let text = r#"{"type":"FeatureCollection","features":[{"type":"Feature","id":420302,"properties":{"name":"茅箭区"},"geometry":GEOM}]}"#
            .replace("GEOM", SQUARE);
        let parsed = parse(&text, 1).unwrap();
        assert_eq!(parsed.grids[0].code.as_str(), "420302");
        assert_eq!(parsed.grids[0].name, "茅箭区");
    }

    #[test]
    fn structural_faults_reject_the_file_naming_every_feature() {
        let text = collection(&[
            feature(
                r#"{"code":"C1","name":"甲","type":"城堡","parent":"G3"}"#,
                SQUARE,
            ),
            feature(r#"{"code":"C2","name":"乙","type":"15"}"#, SQUARE),
            feature(r#"{"name":"丙","type":"15","parent":"G3"}"#, SQUARE),
            feature(
                r#"{"code":"C4","type":"15","parent":"G3"}"#,
                r#"{"type":"Point","coordinates":[1,2]}"#,
            ),
            feature(r#"{"code":"C5","type":"15","parent":"G3"}"#, "null"),
            feature(r#"{"code":"C6","type":"15","parent":"G3"}"#, SQUARE),
            feature(r#"{"code":"C6","type":"15","parent":"G3"}"#, SQUARE),
            feature(
                r#"{"code":"C7","type":"15","parent":"G3"}"#,
                r#"{"type":"Polygon","coordinates":[[[0,0],[NaN,32.6],[1,1],[0,0]]]}"#,
            ),
        ]);
        let IoError::Features(errors) = parse(&text, 4).unwrap_err() else {
            panic!()
        };
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(errors.len(), 7, "{text:#?}");
        assert!(text[0].starts_with("feature 0 (code C1, 甲)") && text[0].contains("城堡"));
        assert!(text[1].contains("no parent"));
        assert!(text[2].starts_with("feature 2 (丙)") && text[2].contains("no code"));
        assert!(text[3].contains("Point"));
        assert!(text[4].contains("no geometry"));
        assert!(text[5].starts_with("feature 6") && text[5].contains("feature 5"));
        assert!(
            text[6].starts_with("feature 7") && text[6].contains("ring 0, position 1 holds NaN"),
            "{}",
            text[6]
        );
    }

    #[test]
    fn invalid_geometry_is_kept_and_flagged() {
        let bowtie = r#"{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}"#;
        let unclosed = r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}"#;
        let spike = r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[1,0],[0,0]]]}"#;
        let far = r#"{"type":"Polygon","coordinates":[[[0,0],[200,0],[1,91],[0,0]]]}"#;
        let few = r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}"#;
        let text = collection(&[
            feature(r#"{"code":"A"}"#, bowtie),
            feature(r#"{"code":"B"}"#, unclosed),
            feature(r#"{"code":"C"}"#, spike),
            feature(r#"{"code":"D"}"#, far),
            feature(r#"{"code":"E"}"#, few),
            feature(r#"{"code":"F"}"#, SQUARE),
        ]);
        let parsed = parse(&text, 1).unwrap();
        assert_eq!(parsed.grids.len(), 6);
        let reasons: Vec<Option<&str>> = parsed
            .grids
            .iter()
            .map(|g| g.invalid_reason.as_deref())
            .collect();
        assert!(reasons[5].is_none());
        for (i, reason) in reasons[..5].iter().enumerate() {
            assert!(reason.is_some(), "grid {i} should be flagged");
        }
        assert_eq!(parsed.invalid().count(), 5);
        // Stored as given: the unclosed ring stays unclosed.
        assert_eq!(
            parsed.grids[1].geometry_geojson,
            serde_json::from_str::<Value>(unclosed).unwrap().to_string()
        );
    }

    #[test]
    fn not_geojson_is_a_clear_error() {
        assert!(matches!(parse("{oops", 1), Err(IoError::NotJson(_))));
        let e = parse(r#"{"type":"Feature"}"#, 1).unwrap_err().to_string();
        assert!(e.contains("FeatureCollection"), "{e}");
    }
}
