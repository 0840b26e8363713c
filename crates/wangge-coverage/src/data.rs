//! Data gaps (issue section 7): what the assignment engine could not place,
//! and cells whose network does not serve what lies in them.

use serde::Serialize;
use serde_json::Value;
use wangge_model::{GridCode, LevelNo, PlacementStatus};
use wangge_store::{EntityKind, StatusCounts, Store};

use crate::{CoverageError, Snapshot};

/// A cell whose ports are used beyond this share is full.
pub const PORTS_FULL_SHARE: f64 = 0.9;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DataGaps {
    /// Customers and resources by placement status, territory-wide.
    pub unplaced: Vec<UnplacedKind>,
    /// Level-3 grids holding entities that lie in no cell (status `in_gap`).
    pub unplaced_by_grid: Vec<UnplacedInGrid>,
    /// Cells with customers but no network resource placed in them.
    pub network_blind_spots: Vec<CellItem>,
    /// Cells whose resources use more than 90 % of their ports.
    pub ports_over_90pct: Vec<CellItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnplacedKind {
    /// `customer` or `resource`.
    pub kind: &'static str,
    /// Stored entities of the kind.
    pub stored: i64,
    /// Placed in a cell (`assigned`, `via_parent`).
    pub in_cell: i64,
    /// Stored but not placed yet (`wangge assign` not run since).
    pub not_placed_yet: i64,
    pub in_gap: i64,
    pub outside: i64,
    pub no_location: i64,
    pub invalid_coordinates: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnplacedInGrid {
    pub level: LevelNo,
    pub grid: GridCode,
    pub name: String,
    pub parent: Option<GridCode>,
    pub customers_in_gap: i64,
    pub resources_in_gap: i64,
    pub geometry: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CellItem {
    pub level: LevelNo,
    pub grid: GridCode,
    pub name: String,
    pub parent: Option<GridCode>,
    pub customers: i64,
    pub resources: i64,
    pub capacity_ports: i64,
    pub ports_in_use: i64,
    /// `ports_in_use / capacity_ports`; `None` without capacity.
    pub share_used: Option<f64>,
    pub geometry: Value,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DataCounts {
    pub customers_not_in_cell: i64,
    pub resources_not_in_cell: i64,
    pub grids_with_unplaced: usize,
    pub network_blind_spots: usize,
    pub ports_over_90pct: usize,
}

impl DataGaps {
    pub fn counts(&self) -> DataCounts {
        let not_in_cell = |kind: &str| {
            self.unplaced
                .iter()
                .filter(|u| u.kind == kind)
                .map(|u| u.stored - u.in_cell)
                .sum()
        };
        DataCounts {
            customers_not_in_cell: not_in_cell("customer"),
            resources_not_in_cell: not_in_cell("resource"),
            grids_with_unplaced: self.unplaced_by_grid.len(),
            network_blind_spots: self.network_blind_spots.len(),
            ports_over_90pct: self.ports_over_90pct.len(),
        }
    }
}

pub async fn data_gaps(store: &Store, snapshot: &Snapshot) -> Result<DataGaps, CoverageError> {
    let placed = store.placement_gaps().await?;
    let stored = store.entity_counts().await?;
    let mut unplaced = Vec::new();
    for kind in [EntityKind::Customer, EntityKind::Resource] {
        let counts = StatusCounts::from_counts(
            placed
                .by_status
                .iter()
                .filter(|(k, _, _)| *k == kind)
                .map(|(_, s, n)| (*s, *n)),
        );
        let stored = stored
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(0, |(_, n)| *n);
        unplaced.push(UnplacedKind {
            kind: kind.as_str(),
            stored,
            in_cell: counts.in_cell,
            not_placed_yet: (stored - counts.total).max(0),
            in_gap: counts.count(PlacementStatus::InGap),
            outside: counts.count(PlacementStatus::Outside),
            no_location: counts.count(PlacementStatus::NoLocation),
            invalid_coordinates: counts.count(PlacementStatus::InvalidCoordinates),
        });
    }
    let mut by_grid: Vec<UnplacedInGrid> = Vec::new();
    for (code, kind, n) in placed.in_gap_by_l3 {
        if by_grid.last().is_none_or(|g| g.grid != code) {
            let grid = snapshot.grid(&code);
            by_grid.push(UnplacedInGrid {
                level: LevelNo::OUTLET_AREA,
                name: grid.map(|g| g.name.clone()).unwrap_or_default(),
                parent: grid.and_then(|g| g.parent.clone()),
                geometry: snapshot.geometry(&code),
                grid: code,
                customers_in_gap: 0,
                resources_in_gap: 0,
            });
        }
        if let Some(line) = by_grid.last_mut() {
            match kind {
                EntityKind::Customer => line.customers_in_gap += n,
                _ => line.resources_in_gap += n,
            }
        }
    }

    let mut blind = Vec::new();
    let mut full = Vec::new();
    for load in store.cell_loads().await? {
        let share_used = (load.capacity_ports > 0)
            .then(|| load.ports_in_use as f64 / load.capacity_ports as f64);
        let grid = snapshot.grid(&load.cell);
        let item = CellItem {
            level: LevelNo::CELL,
            name: grid.map(|g| g.name.clone()).unwrap_or_default(),
            parent: grid.and_then(|g| g.parent.clone()),
            geometry: snapshot.geometry(&load.cell),
            grid: load.cell,
            customers: load.customers,
            resources: load.resources,
            capacity_ports: load.capacity_ports,
            ports_in_use: load.ports_in_use,
            share_used,
        };
        if item.customers > 0 && item.resources == 0 {
            blind.push(item);
        } else if share_used.is_some_and(|s| s > PORTS_FULL_SHARE) {
            full.push(item);
        }
    }
    Ok(DataGaps {
        unplaced,
        unplaced_by_grid: by_grid,
        network_blind_spots: blind,
        ports_over_90pct: full,
    })
}
