//! The records files, the demo and the store share: grids and cells to
//! insert and as stored, outlets, and the entities placed in cells. Geometry
//! travels as GeoJSON text (lossless: `serde_json` writes the shortest
//! round-tripping f64) with its bbox.

use serde::{Deserialize, Serialize};

use crate::{BBox, Category, CellTypeCode, CustomerClass, GridCode, LevelNo, ResourceKind};

/// A grid or cell to insert (import, demo, drawing).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewGrid {
    pub code: GridCode,
    pub name: String,
    pub level: LevelNo,
    /// Code of the level-(n-1) parent; `None` only for level 1.
    pub parent: Option<GridCode>,
    /// Required for level 4, `None` for levels 1-3.
    pub cell_type: Option<CellTypeCode>,
    /// `GeoJSON` geometry object (`Polygon` or `MultiPolygon`) as text, stored as given.
    pub geometry_geojson: String,
    pub bbox: BBox,
    pub area_m2: f64,
    /// `Some(reason)` when the geometry is invalid: stored flagged, never "fixed".
    pub invalid_reason: Option<String>,
    /// Any other properties of the source feature, as a JSON object text.
    pub properties_json: Option<String>,
    /// Where it came from, for error messages: "feature 7 (茅箭区)".
    pub source: Option<String>,
}

/// A stored grid or cell with its geometry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridRecord {
    pub id: i64,
    pub code: GridCode,
    pub name: String,
    pub level: LevelNo,
    pub parent: Option<GridCode>,
    pub cell_type: Option<CellTypeCode>,
    /// Category of the cell's type in the store's (editable) type table.
    pub category: Option<Category>,
    pub geometry_geojson: String,
    pub bbox: BBox,
    pub area_m2: f64,
    pub valid: bool,
    pub invalid_reason: Option<String>,
    /// Code of the supporting outlet (level-3 grids).
    pub outlet: Option<String>,
    pub properties_json: Option<String>,
    /// Raised by the database on every update of the row (migration 0011):
    /// an edit compares it with the version its caller read.
    pub version: i64,
}

/// A business outlet (营业厅) - a point that supports level-3 grids.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewOutlet {
    pub code: String,
    pub name: String,
    pub lon: f64,
    pub lat: f64,
    pub address: Option<String>,
    /// Level-3 grids this outlet supports (each grid has at most one outlet).
    pub supports: Vec<GridCode>,
}

/// A customer product to insert or update (by `code`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewCustomer {
    /// The source system's id, unique per territory.
    pub code: String,
    pub name: String,
    pub segment: Option<String>,
    pub product_type: Option<String>,
    /// Install address as written.
    pub address: Option<String>,
    /// WGS-84 degrees. Stored as given, NaN and out-of-range values included
    /// (placement reports them as `invalid_coordinates`).
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    /// Must be finite when given.
    pub monthly_spend_yuan: Option<f64>,
    pub staff_count: Option<i64>,
    pub class: Option<CustomerClass>,
    /// A competitor's customer (他网客户).
    pub other_operator: bool,
}

/// A network resource to insert or update (by `code`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewResource {
    pub code: String,
    pub name: String,
    pub kind: ResourceKind,
    /// Not negative when given.
    pub capacity_ports: Option<i64>,
    /// Not negative when given.
    pub ports_in_use: Option<i64>,
    /// Code of the resource this one hangs on (a box on a cabinet), found in
    /// the same batch or among the stored resources of the territory.
    pub parent: Option<String>,
    pub address: Option<String>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
}

/// A building (楼宇) to insert or update (by `code`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewBuilding {
    pub code: String,
    pub name: String,
    pub address: Option<String>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub developer: Option<String>,
    pub property_manager: Option<String>,
    /// A JSON array of `{name, role, phone}` objects, stored as given.
    pub contacts_json: Option<String>,
}

/// A business opportunity (商机) to insert or update (by `code`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewOpportunity {
    pub code: String,
    pub title: String,
    /// Code of a stored building of the territory.
    pub building: Option<String>,
    /// Code of a stored customer of the territory.
    pub customer: Option<String>,
    pub stage: Option<String>,
    /// Must be finite when given.
    pub value_yuan: Option<f64>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
}
