//! One layer of cells builds the whole hierarchy: each cell names its
//! outlet area (level 3), branch (2) and department (1) in its attributes,
//! as the design institutes' single-layer files do; the grids of levels 1–3
//! are the dissolved union of their cells. A mapping that does not fit
//! (a cell without one of the fields, a grid named under two parents) is
//! refused with every faulty feature named; holes and separate parts of a
//! union are reported, never filled in.
//!
//! The other way, [`add_lineage`] writes each cell's branch and department
//! into an export, so that such a file can be made from wangge itself.

use std::collections::{BTreeMap, HashMap};

use geo::MultiPolygon;
use geozero::geojson::GeoJson;
use geozero::{ToGeo, ToJson};
use serde_json::{json, Map, Value};
use wangge_model::GridRecord;
use wangge_model::{GridCode, LevelNo};

use crate::error::feature_label;
use crate::grid_import::scalar_text;
use crate::layer::FieldType;
use crate::{FeatureError, IoError};

/// Which properties of a cell name its grids of levels 1, 2 and 3.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HierarchyFields {
    /// The property holding the level-1, -2 and -3 grid: its code, or its
    /// name when that is no code (a code is then made up).
    pub levels: [String; 3],
    /// Properties holding the names of the level-1, -2 and -3 grids (when
    /// the level fields hold codes).
    pub names: Option<[String; 3]>,
}

/// A grid of levels 1–3 the cells make.
#[derive(Debug, Clone, PartialEq)]
pub struct BuiltGrid {
    pub code: GridCode,
    pub name: String,
    pub parent: Option<GridCode>,
    /// Cells inside it.
    pub cells: usize,
    /// Holes of its union (m² each, largest first) and its separate parts.
    pub holes_m2: Vec<f64>,
    pub parts: usize,
}

/// The hierarchy a layer of cells makes.
#[derive(Debug, Clone)]
pub struct Hierarchy {
    /// Levels 1, 2, 3 in code order within each level.
    pub grids: [Vec<BuiltGrid>; 3],
    /// FeatureCollections (WGS-84) of levels 1, 2 and 3, each grid with
    /// `code`, `name`, `parent` and its union, and of the cells, each with
    /// `parent` set to its outlet area's code.
    pub collections: [String; 4],
}

/// A hole smaller than this is a sliver between two cells that do not
/// quite meet (a digitising fault), not an enclave.
pub const SLIVER_M2: f64 = 100.0;

impl Hierarchy {
    /// One line per hole or extra part, for the import's report.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        for (i, level) in self.grids.iter().enumerate() {
            for grid in level {
                let label = format!("level-{} grid {} ({})", i + 1, grid.code, grid.name);
                if grid.parts > 1 {
                    notes.push(format!(
                        "{label}: its cells make {} separate parts",
                        grid.parts
                    ));
                }
                for hole in &grid.holes_m2 {
                    let kind = if *hole < SLIVER_M2 {
                        "a sliver"
                    } else {
                        "a hole"
                    };
                    notes.push(format!(
                        "{label}: {kind} of {hole:.0} m² that no cell covers"
                    ));
                }
            }
        }
        notes
    }
}

/// Builds the hierarchy of the cells in the FeatureCollection `geojson`
/// (WGS-84). The cells' own code, name and type are left to the cell
/// import; only the three level fields are read here.
pub fn build_hierarchy(geojson: &str, fields: &HierarchyFields) -> Result<Hierarchy, IoError> {
    let mut features = crate::layer::features_of(geojson)?;
    let mut faults = Vec::new();
    // Per level, the grid's key (the field's value) -> its parent's key, the
    // feature that first said so, its name, and its cells' indices.
    let mut seen: [BTreeMap<String, Seen>; 3] = Default::default();
    let mut keys_of_cells = Vec::with_capacity(features.len());
    for (index, feature) in features.iter().enumerate() {
        let properties = feature.get("properties").and_then(Value::as_object);
        let text = |key: &str| properties.and_then(|p| p.get(key)).and_then(scalar_text);
        let fault = |message: String| FeatureError {
            index,
            code: text("code"),
            name: text("name"),
            message,
        };
        let keys: Vec<Option<String>> = fields.levels.iter().map(|f| text(f)).collect();
        let missing: Vec<&str> = fields
            .levels
            .iter()
            .zip(&keys)
            .filter(|(_, k)| k.is_none())
            .map(|(f, _)| f.as_str())
            .collect();
        if !missing.is_empty() {
            faults.push(fault(format!("it has no value for {}", missing.join(", "))));
            keys_of_cells.push(None);
            continue;
        }
        let keys: Vec<String> = keys.into_iter().flatten().collect();
        for level in 0..3usize {
            let parent = level.checked_sub(1).map(|p| keys[p].clone());
            let name = fields
                .names
                .as_ref()
                .and_then(|names| text(&names[level]))
                .unwrap_or_else(|| keys[level].clone());
            let entry = seen[level]
                .entry(keys[level].clone())
                .or_insert_with(|| Seen {
                    parent: parent.clone(),
                    name,
                    first: index,
                    cells: Vec::new(),
                });
            if entry.parent != parent {
                faults.push(fault(format!(
                    "its {} {} is under {} {} here but under {} in {}",
                    fields.levels[level],
                    keys[level],
                    fields.levels[level - 1],
                    parent.as_deref().unwrap_or_default(),
                    entry.parent.as_deref().unwrap_or_default(),
                    feature_label(entry.first, None, None),
                )));
            }
            if level == 2 {
                entry.cells.push(index);
            }
        }
        keys_of_cells.push(Some(keys[2].clone()));
    }
    if !faults.is_empty() {
        return Err(IoError::Features(faults));
    }

    // Codes: the value itself where it is one, else made up from the
    // parent's code and the grid's place among its siblings by name.
    let mut codes: [HashMap<String, GridCode>; 3] = Default::default();
    for level in 0..3 {
        let mut counters: HashMap<Option<String>, usize> = HashMap::new();
        for (key, grid) in &seen[level] {
            let code = if let Ok(code) = key.parse::<GridCode>() {
                code
            } else {
                let parent_code = grid
                    .parent
                    .as_ref()
                    .map(|p| codes[level - 1][p].to_string());
                let n = counters.entry(parent_code.clone()).or_default();
                *n += 1;
                let made = match parent_code {
                    None => format!("L1-{n:02}"),
                    Some(p) => format!("{p}-{n:0width$}", width = if level == 2 { 3 } else { 2 }),
                };
                made.parse()
                    .map_err(|e| IoError::Table(format!("{key}: {e}")))?
            };
            codes[level].insert(key.clone(), code);
        }
        let mut by_code: HashMap<&GridCode, &str> = HashMap::new();
        for (key, code) in &codes[level] {
            if let Some(other) = by_code.insert(code, key) {
                return Err(IoError::Table(format!(
                    "{} {key} and {other} would both have the code {code}: give codes in {0}",
                    fields.levels[level]
                )));
            }
        }
    }

    // Each grid's cells, from the outlet areas up; its union is theirs
    // (with the T-junctions between them closed, `wangge_spatial::dissolve`).
    let geometries: Vec<Option<MultiPolygon<f64>>> = features
        .iter()
        .map(|f| f.get("geometry").and_then(multi_polygon))
        .collect();
    let mut cells_of: [HashMap<String, Vec<usize>>; 3] = Default::default();
    for (key, grid) in &seen[2] {
        cells_of[2].insert(key.clone(), grid.cells.clone());
        let branch = grid.parent.clone().unwrap_or_default();
        let department = seen[1][&branch].parent.clone().unwrap_or_default();
        cells_of[1].entry(branch).or_default().extend(&grid.cells);
        cells_of[0]
            .entry(department)
            .or_default()
            .extend(&grid.cells);
    }
    let mut unions: [HashMap<String, MultiPolygon<f64>>; 3] = Default::default();
    for level in 0..3 {
        for (key, cells) in &cells_of[level] {
            let parts: Vec<MultiPolygon<f64>> = cells
                .iter()
                .filter_map(|&i| geometries[i].clone())
                .collect();
            unions[level].insert(key.clone(), wangge_spatial::dissolve::dissolve(&parts));
        }
    }

    let mut grids: [Vec<BuiltGrid>; 3] = Default::default();
    let mut collections: [String; 4] = Default::default();
    for level in 0..3 {
        let mut collection = Vec::new();
        for (key, grid) in &seen[level] {
            let union = &unions[level][key];
            let code = codes[level][key].clone();
            let parent = grid.parent.as_ref().map(|p| codes[level - 1][p].clone());
            let mut holes_m2: Vec<f64> = union
                .0
                .iter()
                .flat_map(geo::Polygon::interiors)
                .map(|ring| {
                    wangge_spatial::area::geodesic_area_m2(&MultiPolygon(vec![geo::Polygon::new(
                        ring.clone(),
                        vec![],
                    )]))
                })
                .collect();
            holes_m2.sort_by(|a, b| b.total_cmp(a));
            let geometry: Value = geo::Geometry::MultiPolygon(union.clone())
                .to_json()
                .ok()
                .and_then(|text| serde_json::from_str(&text).ok())
                .unwrap_or(Value::Null);
            collection.push(json!({
                "type": "Feature",
                "properties": {"code": code, "name": grid.name, "parent": parent},
                "geometry": geometry,
            }));
            grids[level].push(BuiltGrid {
                cells: cells_of[level].get(key).map_or(0, Vec::len),
                code,
                name: grid.name.clone(),
                parent,
                holes_m2,
                parts: union.0.len(),
            });
        }
        collections[level] =
            json!({"type": "FeatureCollection", "features": collection}).to_string();
    }
    for (feature, key) in features.iter_mut().zip(&keys_of_cells) {
        if let (Some(properties), Some(key)) = (
            feature.get_mut("properties").and_then(Value::as_object_mut),
            key,
        ) {
            properties.insert("parent".into(), Value::String(codes[2][key].to_string()));
        }
    }
    collections[3] = json!({"type": "FeatureCollection", "features": features}).to_string();
    Ok(Hierarchy { grids, collections })
}

#[derive(Debug)]
struct Seen {
    parent: Option<String>,
    name: String,
    first: usize,
    cells: Vec<usize>,
}

fn multi_polygon(geometry: &Value) -> Option<MultiPolygon<f64>> {
    match GeoJson(&geometry.to_string()).to_geo().ok()? {
        geo::Geometry::Polygon(p) => Some(MultiPolygon(vec![p])),
        geo::Geometry::MultiPolygon(m) => Some(m),
        _ => None,
    }
}

/// The properties [`add_lineage`] gives each cell.
pub const LINEAGE_FIELDS: [(&str, FieldType); 5] = [
    ("branch", FieldType::Text),
    ("branch_name", FieldType::Text),
    ("department", FieldType::Text),
    ("department_name", FieldType::Text),
    ("outlet_area_name", FieldType::Text),
];

/// Each cell's outlet area's name and its branch's and department's codes
/// and names, looked up in the grids of levels 1–3: what an export of
/// cells carries so that the file alone rebuilds the hierarchy.
pub struct Lineage<'a> {
    by_code: HashMap<&'a str, &'a GridRecord>,
}

impl<'a> Lineage<'a> {
    pub fn new(grids: &'a [GridRecord]) -> Self {
        Lineage {
            by_code: grids.iter().map(|g| (g.code.as_str(), g)).collect(),
        }
    }

    fn parent_of(&self, grid: &GridRecord) -> Option<&'a GridRecord> {
        grid.parent
            .as_ref()
            .and_then(|p| self.by_code.get(p.as_str()).copied())
    }

    /// The [`LINEAGE_FIELDS`] of `cell` into `properties` (nothing for a
    /// grid that is no cell).
    pub fn add_to(&self, cell: &GridRecord, properties: &mut Map<String, Value>) {
        if cell.level != LevelNo::CELL {
            return;
        }
        let area = self.parent_of(cell);
        let branch = area.and_then(|a| self.parent_of(a));
        let department = branch.and_then(|b| self.parent_of(b));
        let mut put = |key: &str, value: Option<&str>| {
            properties.insert(
                key.into(),
                value.map_or(Value::Null, |v| Value::String(v.into())),
            );
        };
        put("outlet_area_name", area.map(|g| g.name.as_str()));
        put("branch", branch.map(|g| g.code.as_str()));
        put("branch_name", branch.map(|g| g.name.as_str()));
        put("department", department.map(|g| g.code.as_str()));
        put("department_name", department.map(|g| g.name.as_str()));
    }
}

/// The grid export's fields with [`LINEAGE_FIELDS`], in sorted order.
pub fn fields_with_lineage() -> Vec<(&'static str, FieldType)> {
    let mut fields: Vec<(&str, FieldType)> = crate::layer::GRID_FIELDS
        .iter()
        .chain(LINEAGE_FIELDS.iter())
        .copied()
        .collect();
    fields.sort_by_key(|(name, _)| *name);
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x: f64, y: f64, size: f64) -> String {
        format!(
            r#"{{"type":"Polygon","coordinates":[[[{x},{y}],[{x1},{y}],[{x1},{y1}],[{x},{y1}],[{x},{y}]]]}}"#,
            x1 = x + size,
            y1 = y + size
        )
    }

    fn cell(code: &str, l1: &str, l2: &str, l3: &str, geometry: &str) -> String {
        format!(
            r#"{{"type":"Feature","properties":{{"code":"{code}","name":"{code}","经营部":"{l1}","分局":"{l2}","网点":"{l3}"}},"geometry":{geometry}}}"#
        )
    }

    fn fields() -> HierarchyFields {
        HierarchyFields {
            levels: ["经营部".into(), "分局".into(), "网点".into()],
            names: None,
        }
    }

    #[test]
    fn cells_make_three_levels_of_unions_with_made_up_codes_for_names() {
        let d = 0.001;
        let cells = [
            cell(
                "C1",
                "茅箭经营部",
                "二堰分局",
                "A1",
                &square(110.0, 32.0, d),
            ),
            cell(
                "C2",
                "茅箭经营部",
                "二堰分局",
                "A1",
                &square(110.0 + d, 32.0, d),
            ),
            cell(
                "C3",
                "茅箭经营部",
                "二堰分局",
                "A2",
                &square(110.0, 32.0 + d, d),
            ),
            cell(
                "C4",
                "茅箭经营部",
                "武当分局",
                "A3",
                &square(110.1, 32.0, d),
            ),
        ];
        let geojson = format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            cells.join(",")
        );
        let h = build_hierarchy(&geojson, &fields()).unwrap();
        assert_eq!(h.grids.clone().map(|l| l.len()), [1, 2, 3]);
        assert_eq!(h.grids[0][0].code.as_str(), "L1-01");
        assert_eq!(h.grids[0][0].name, "茅箭经营部");
        assert_eq!(h.grids[0][0].cells, 4);
        // Two branches: 武当 in a second part of the department.
        assert_eq!(h.grids[0][0].parts, 2);
        let names: Vec<&str> = h.grids[1].iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["二堰分局", "武当分局"]);
        assert_eq!(h.grids[1][0].code.as_str(), "L1-01-01");
        assert_eq!(h.grids[2][0].code.as_str(), "A1");
        assert_eq!(h.grids[2][0].parent.as_ref().unwrap().as_str(), "L1-01-01");
        assert_eq!(h.grids[2][0].cells, 2);
        // A1's two cells dissolve into one part without holes.
        assert_eq!((h.grids[2][0].parts, h.grids[2][0].holes_m2.len()), (1, 0));
        assert!(h.collections[3].contains(r#""parent":"A1""#));
        assert!(
            h.notes().iter().any(|n| n.contains("2 separate parts")),
            "{:?}",
            h.notes()
        );
    }

    #[test]
    fn a_ring_of_cells_reports_its_hole() {
        let d = 0.001;
        let mut cells = Vec::new();
        for (i, (x, y)) in [
            (0, 0),
            (1, 0),
            (2, 0),
            (0, 1),
            (2, 1),
            (0, 2),
            (1, 2),
            (2, 2),
        ]
        .iter()
        .enumerate()
        {
            cells.push(cell(
                &format!("C{i}"),
                "D1",
                "B1",
                "A1",
                &square(110.0 + f64::from(*x) * d, 32.0 + f64::from(*y) * d, d),
            ));
        }
        let geojson = format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            cells.join(",")
        );
        let h = build_hierarchy(&geojson, &fields()).unwrap();
        let area = &h.grids[2][0];
        assert_eq!(area.holes_m2.len(), 1);
        // About 94 m × 111 m at 32° N.
        assert!(
            (9_000.0..12_000.0).contains(&area.holes_m2[0]),
            "{:?}",
            area.holes_m2
        );
        assert!(
            h.notes().iter().any(|n| n.contains("a hole of")),
            "{:?}",
            h.notes()
        );
    }

    #[test]
    fn a_grid_under_two_parents_and_a_missing_field_name_every_feature() {
        let d = 0.001;
        let cells = [
            cell("C1", "D1", "B1", "A1", &square(110.0, 32.0, d)),
            cell("C2", "D1", "B2", "A1", &square(110.0 + d, 32.0, d)),
            r#"{"type":"Feature","properties":{"code":"C3","经营部":"D1","网点":"A9"},"geometry":null}"#.to_owned(),
        ];
        let geojson = format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            cells.join(",")
        );
        let error = build_hierarchy(&geojson, &fields())
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("feature 1 (code C2)")
                && error.contains("under 分局 B2 here but under B1 in feature 0"),
            "{error}"
        );
        assert!(
            error.contains("feature 2 (code C3)") && error.contains("no value for 分局"),
            "{error}"
        );
    }
}
