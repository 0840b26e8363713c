//! Ownership gaps (issue section 6): land and grids nobody answers for.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{json, Value};
use wangge_model::{CellTypeCode, GridCode, LevelNo};
use wangge_spatial::coverage::Overlap;
use wangge_store::{ClaimFilter, ClaimStatus, Store};

use crate::{CoverageError, Snapshot};

/// Who answers for what, and where nobody does.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Ownership {
    /// Cells with an active claim. While it is 0 no claims exist, so every
    /// cell is listed as unclaimed.
    pub claimed_cells: usize,
    /// Cells without an active claim (a pending one is flagged).
    pub unclaimed_cells: Vec<UnclaimedCell>,
    /// Level-3 grids no enabled grid manager is scoped to.
    pub level3_without_manager: Vec<GridItem>,
    /// Level-3 grids no outlet supports.
    pub grids_without_outlet: Vec<GridItem>,
    pub outlets_supporting_nothing: Vec<OutletItem>,
    /// Land claimed twice: two overlapping cells held (active or pending)
    /// by different managers. One cell cannot have two open claims: the
    /// database refuses it.
    pub overlapping_claims: Vec<OverlappingClaim>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnclaimedCell {
    pub level: LevelNo,
    pub grid: GridCode,
    pub name: String,
    pub cell_type: CellTypeCode,
    /// The level-3 grid.
    pub parent: GridCode,
    pub pending: bool,
    pub locked: bool,
    /// The cell's stored geometry.
    pub geometry: Value,
}

/// A grid, with its stored geometry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GridItem {
    pub level: LevelNo,
    pub grid: GridCode,
    pub name: String,
    pub parent: Option<GridCode>,
    pub geometry: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutletItem {
    pub outlet: String,
    pub name: String,
    /// A GeoJSON Point.
    pub geometry: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OverlappingClaim {
    pub level: LevelNo,
    pub parent: Option<GridCode>,
    pub a: GridCode,
    pub b: GridCode,
    pub manager_a: String,
    pub manager_b: String,
    pub area_m2: f64,
    pub geometry: Value,
}

/// Counts for the summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OwnershipCounts {
    pub claimed_cells: usize,
    pub unclaimed_cells: usize,
    pub level3_without_manager: usize,
    pub grids_without_outlet: usize,
    pub outlets_supporting_nothing: usize,
    pub overlapping_claims: usize,
}

impl Ownership {
    pub fn counts(&self) -> OwnershipCounts {
        OwnershipCounts {
            claimed_cells: self.claimed_cells,
            unclaimed_cells: self.unclaimed_cells.len(),
            level3_without_manager: self.level3_without_manager.len(),
            grids_without_outlet: self.grids_without_outlet.len(),
            outlets_supporting_nothing: self.outlets_supporting_nothing.len(),
            overlapping_claims: self.overlapping_claims.len(),
        }
    }
}

/// Reads claims, scopes and outlets; `overlaps` are the analysis's (the
/// level-4 ones matter).
pub async fn ownership(
    store: &Store,
    snapshot: &Snapshot,
    overlaps: &[Overlap],
) -> Result<Ownership, CoverageError> {
    let unclaimed: Vec<UnclaimedCell> = store
        .unclaimed_cells()
        .await?
        .into_iter()
        .map(|c| UnclaimedCell {
            level: LevelNo::CELL,
            geometry: snapshot.geometry(&c.code),
            grid: c.code,
            name: c.name,
            cell_type: c.cell_type,
            parent: c.l3,
            pending: c.pending,
            locked: c.locked,
        })
        .collect();
    let cells = snapshot
        .grids
        .iter()
        .filter(|g| g.level == LevelNo::CELL)
        .count();

    let grid_item = |code: GridCode, name: String, parent: Option<GridCode>| GridItem {
        level: snapshot.level(&code).unwrap_or(LevelNo::OUTLET_AREA),
        geometry: snapshot.geometry(&code),
        grid: code,
        name,
        parent,
    };
    let without_manager = store
        .level3_without_manager()
        .await?
        .into_iter()
        .map(|g| grid_item(g.code, g.name, g.parent))
        .collect();
    let without_outlet = snapshot
        .grids
        .iter()
        .zip(&snapshot.stored)
        .filter(|(g, s)| g.level == LevelNo::OUTLET_AREA && s.outlet.is_none())
        .map(|(g, _)| grid_item(g.code.clone(), g.name.clone(), g.parent.clone()))
        .collect();
    let idle_outlets = store
        .outlets()
        .await?
        .into_iter()
        .filter(|o| o.supports.is_empty())
        .map(|o| OutletItem {
            geometry: json!({"type": "Point", "coordinates": [o.lon, o.lat]}),
            outlet: o.code,
            name: o.name,
        })
        .collect();

    let open = store
        .claims(&ClaimFilter {
            statuses: vec![ClaimStatus::Pending, ClaimStatus::Active],
            limit: i64::MAX,
            ..ClaimFilter::default()
        })
        .await?;
    let holder: HashMap<&GridCode, (i64, &str)> = open
        .iter()
        .map(|c| (&c.cell, (c.manager.id, c.manager.name.as_str())))
        .collect();
    let overlapping_claims = overlaps
        .iter()
        .filter(|o| o.level == LevelNo::CELL)
        .filter_map(|o| {
            let (id_a, name_a) = holder.get(&o.a)?;
            let (id_b, name_b) = holder.get(&o.b)?;
            (id_a != id_b).then(|| OverlappingClaim {
                level: o.level,
                parent: o.parent.clone(),
                a: o.a.clone(),
                b: o.b.clone(),
                manager_a: (*name_a).to_owned(),
                manager_b: (*name_b).to_owned(),
                area_m2: o.area_m2,
                geometry: crate::polygonal_value(&o.geometry),
            })
        })
        .collect();

    Ok(Ownership {
        claimed_cells: cells.saturating_sub(unclaimed.len()),
        unclaimed_cells: unclaimed,
        level3_without_manager: without_manager,
        grids_without_outlet: without_outlet,
        outlets_supporting_nothing: idle_outlets,
        overlapping_claims,
    })
}
