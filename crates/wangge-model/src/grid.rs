use serde::{Deserialize, Serialize};

use crate::{CellTypeCode, GridCode, LevelNo};

/// The company's whole area (e.g. the Shiyan branch). It owns the grid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Territory {
    pub code: GridCode,
    pub name: String,
}

/// A grid or cell without its geometry: what lists and reports show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridSummary {
    pub code: GridCode,
    pub name: String,
    pub level: LevelNo,
    pub parent: Option<GridCode>,
    pub cell_type: Option<CellTypeCode>,
    pub area_m2: f64,
    pub valid: bool,
    pub invalid_reason: Option<String>,
}
