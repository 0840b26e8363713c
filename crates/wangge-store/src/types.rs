//! The records the store takes and gives. Geometry travels as `GeoJSON` text
//! (lossless: `serde_json` writes the shortest round-tripping f64) with its bbox.

use serde::{Deserialize, Serialize};
pub use wangge_model::{BBox, GridRecord, NewGrid, NewOutlet};
use wangge_model::{Category, CellTypeCode, GridCode, LevelNo, ManagerKind, Role};

/// Filter for listing grids; every field narrows the result (AND).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GridFilter {
    pub level: Option<LevelNo>,
    pub parent: Option<GridCode>,
    /// Grids whose bbox intersects this box.
    pub bbox: Option<BBox>,
    pub cell_type: Option<CellTypeCode>,
    pub category: Option<Category>,
    pub limit: Option<i64>,
    /// Grids of the order skipped before the first returned.
    pub offset: Option<i64>,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportReport {
    pub inserted: usize,
    pub updated: usize,
    /// Codes of grids stored flagged invalid, with the reason.
    pub invalid: Vec<(GridCode, String)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutletRecord {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub lon: f64,
    pub lat: f64,
    pub address: Option<String>,
    pub supports: Vec<GridCode>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewUser {
    pub name: String,
    pub role: Role,
    pub kind: Option<ManagerKind>,
    /// Grid codes the user is scoped to (supervisors, grid managers).
    pub scopes: Vec<GridCode>,
    /// An argon2 PHC string; the store never sees a password.
    pub password_hash: String,
}

/// A user as listed: never carries the password hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRecord {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub kind: Option<ManagerKind>,
    pub scopes: Vec<GridCode>,
    pub disabled: bool,
}

/// Counts for `wangge stats` and `GET /api/v1/stats`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    pub territory: Option<String>,
    /// Grids per level, levels 1-4 (index 0 = level 1).
    pub by_level: [i64; 4],
    /// Cells per type code, every type of the table listed (zero included).
    pub by_type: Vec<TypeCount>,
    /// Cells per category, all six listed.
    pub by_category: Vec<CategoryCount>,
    pub invalid_geometries: i64,
    pub outlets: i64,
    pub level3_without_outlet: i64,
    pub users: i64,
    #[serde(default)]
    pub customers: i64,
    #[serde(default)]
    pub resources: i64,
    #[serde(default)]
    pub buildings: i64,
    #[serde(default)]
    pub opportunities: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypeCount {
    pub code: CellTypeCode,
    pub name_zh: String,
    pub name_en: String,
    pub category: Category,
    pub cells: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryCount {
    pub category: Category,
    pub cells: i64,
}
