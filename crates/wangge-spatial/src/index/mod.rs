//! The cell index: every grid of a territory in R-trees of bounding boxes
//! (one per level, bulk loaded), outlines as flat edge arrays, the hierarchy
//! as arrays, and point location in bulk.
//!
//! # What a point gets
//! - [`PointStatus::Assigned`]: the cell holding it, and the cell's level-3,
//!   level-2 and level-1 grids (read from the hierarchy arrays, no query).
//! - [`PointStatus::InGap`]: in no cell but inside a grid of level 3 (or, if
//!   none, 2 or 1): the deepest such grid and its ancestors.
//! - [`PointStatus::Outside`]: in no grid of the territory.
//! - [`PointStatus::InvalidCoordinates`]: NaN or infinite, |lon| > 180 or
//!   |lat| > 90.
//!
//! An `InGap` or `Outside` point also gets a [`Location::suggestion`]: the
//! cell whose outline is nearest, when it is within
//! [`LocateOptions::snap_distance_m`] (30 m by default). It is reported,
//! never used to place the point. Distances are on a local plane with
//! longitude scaled by cos(latitude), on a sphere of the mean Earth radius.
//!
//! # Points on edges: one cell, always the same
//! A point belongs to the cell that contains the point moved an infinitely
//! small step **east**, or, where the boundary runs exactly east–west,
//! **north**. So a point on an edge shared by two cells goes to the cell on
//! its east side (on a north–south edge) or its north side (on an east–west
//! edge), and a point on a shared vertex goes to the cell whose corner opens
//! towards the direction just north of east. This is the half-open
//! crossing-number test: an edge counts when one end is at or below the
//! point and the other above it, and the point lies strictly left of it,
//! decided with exact (robust) orientation. Shared edges are bit-identical in
//! both neighbours, and even where neighbours do not share vertices the
//! moved point is one point of the plane: cells that do not overlap never
//! both take it.
//!
//! Two fall-backs keep it total and deterministic:
//! - a point that no cell takes by this rule but that lies exactly on a
//!   cell's outline (the territory's edge, the edge of a gap) goes to the
//!   lowest [`GridRef`] among the cells it touches;
//! - where cells overlap (invalid data), the lowest [`GridRef`] among those
//!   that take it.
//!
//! The same rule (moved point, lowest [`GridRef`]) chooses among level-3, 2
//! and 1 grids for `InGap`.
//!
//! # Speed
//! - A raster over the territory's box (about 64 tiles per cell) holds, for
//!   each tile that no outline of any level touches, its answer (the deepest
//!   grid holding it, or outside), found once at build time by the exact test
//!   below: most points are located with one array read. Tiles are marked
//!   conservatively (every tile a segment can reach, padded far beyond
//!   rounding), so a tile answer is never a guess. A crossed tile keeps the
//!   cells whose boxes meet it, in [`GridRef`] order.
//! - Each outline's edges are stored with endpoints ordered by latitude and
//!   grouped in latitude buckets of about four edges, so a test scans one
//!   bucket; edges of an outline's multipolygon parts and holes are tested
//!   together (crossing parity), so a point in a hole is not in the cell.
//! - The R-trees of bounding boxes (one per level, bulk loaded) serve the
//!   rest: level 1 to 3 outlines, which are large, are tested only when no
//!   cell took a point in a crossed tile, and the suggestion search (skipped
//!   in tiles farther than 100 m from every cell edge).
//!
//! ```
//! use geo::{polygon, MultiPolygon};
//! use wangge_spatial::index::{CellIndex, GridRef, IndexedGrid, LocateOptions, PointStatus};
//! use wangge_model::LevelNo;
//!
//! let square = |x0: f64, x1: f64| MultiPolygon(vec![polygon![
//!     (x: x0, y: 32.0), (x: x1, y: 32.0), (x: x1, y: 32.1), (x: x0, y: 32.1),
//! ]]);
//! let grid = |id: i64, level: u8, parent_id: Option<i64>, geometry| IndexedGrid {
//!     id, code: format!("G{id}").parse().unwrap(), level: LevelNo::try_from(level).unwrap(),
//!     parent_id, geometry,
//! };
//! let index = CellIndex::build(vec![
//!     grid(1, 1, None, square(110.0, 110.2)),
//!     grid(2, 2, Some(1), square(110.0, 110.2)),
//!     grid(3, 3, Some(2), square(110.0, 110.2)),
//!     // Two cells side by side; 110.1..110.2 of the level-3 grid has none.
//!     grid(4, 4, Some(3), square(110.0, 110.05)),
//!     grid(5, 4, Some(3), square(110.05, 110.1)),
//! ]).unwrap();
//! let options = LocateOptions::default();
//!
//! let hit = index.locate(110.02, 32.05, &options);
//! assert_eq!((hit.status, hit.cell, hit.l1), (PointStatus::Assigned, Some(GridRef(3)), Some(GridRef(0))));
//! // On the shared edge at lon 110.05: the cell to the east.
//! assert_eq!(index.locate(110.05, 32.05, &options).cell, Some(GridRef(4)));
//! // 0.0001° (9.4 m) east of the second cell: in the level-3 grid, cell suggested.
//! let gap = index.locate(110.1001, 32.05, &options);
//! assert_eq!((gap.status, gap.l3), (PointStatus::InGap, Some(GridRef(2))));
//! let (cell, distance_m) = gap.suggestion.unwrap();
//! assert_eq!(index.grid(cell).code.as_str(), "G5");
//! assert!((distance_m - 9.4).abs() < 0.1, "{distance_m}");
//! assert_eq!(index.locate(111.0, 32.05, &options).status, PointStatus::Outside);
//! assert_eq!(index.locate(f64::NAN, 32.0, &options).status, PointStatus::InvalidCoordinates);
//! ```

mod build;
mod error;
mod locate;
mod shape;
mod tiles;

use wangge_model::{GridCode, LevelNo};

pub use build::CellIndex;
pub use error::IndexError;

/// A grid or cell as the index takes it. Grids of all four levels are given;
/// `parent_id` links each to its parent one level up.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexedGrid {
    pub id: i64,
    pub code: GridCode,
    pub level: LevelNo,
    pub parent_id: Option<i64>,
    pub geometry: geo::MultiPolygon<f64>,
}

/// A grid of [`CellIndex::update`]: as [`IndexedGrid`], with `geometry`
/// `None` when the outline the index holds for this id is unchanged.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdatedGrid {
    pub id: i64,
    pub code: GridCode,
    pub level: LevelNo,
    pub parent_id: Option<i64>,
    pub geometry: Option<geo::MultiPolygon<f64>>,
}

impl From<IndexedGrid> for UpdatedGrid {
    fn from(g: IndexedGrid) -> UpdatedGrid {
        UpdatedGrid {
            id: g.id,
            code: g.code,
            level: g.level,
            parent_id: g.parent_id,
            geometry: Some(g.geometry),
        }
    }
}

/// Position of a grid inside the index: dense, `0..n`, in the order the
/// grids were given to [`CellIndex::build`].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct GridRef(pub u32);

impl GridRef {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// What the index keeps of a grid besides its outline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GridMeta {
    pub id: i64,
    pub code: GridCode,
    pub level: LevelNo,
    pub parent: Option<GridRef>,
}

/// Where a point fell.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum PointStatus {
    /// In a network cell.
    Assigned,
    /// In no cell, but inside a grid of level 3 (or 2, or 1).
    InGap,
    /// In no grid of the territory.
    Outside,
    /// NaN or infinite, or longitude beyond ±180 or latitude beyond ±90.
    InvalidCoordinates,
}

impl PointStatus {
    /// The placement status of the model with the same meaning.
    pub fn placement(self) -> wangge_model::PlacementStatus {
        match self {
            PointStatus::Assigned => wangge_model::PlacementStatus::Assigned,
            PointStatus::InGap => wangge_model::PlacementStatus::InGap,
            PointStatus::Outside => wangge_model::PlacementStatus::Outside,
            PointStatus::InvalidCoordinates => wangge_model::PlacementStatus::InvalidCoordinates,
        }
    }
}

/// The answer for one point.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Location {
    pub status: PointStatus,
    /// The cell, for `Assigned` only.
    pub cell: Option<GridRef>,
    /// The cell's (or, `InGap`, the holding grid's) level-3 grid and up.
    pub l3: Option<GridRef>,
    pub l2: Option<GridRef>,
    pub l1: Option<GridRef>,
    /// `InGap` and `Outside`: the nearest cell within the snap distance and
    /// its distance in metres. Reported, never applied.
    pub suggestion: Option<(GridRef, f32)>,
}

impl Location {
    /// The answer for coordinates that are not a place.
    pub const INVALID: Location = Location {
        status: PointStatus::InvalidCoordinates,
        cell: None,
        l3: None,
        l2: None,
        l1: None,
        suggestion: None,
    };
}

/// How to locate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocateOptions {
    /// Suggest the nearest cell when its outline is at most this far, in
    /// metres; 30 by default. Zero or less: never.
    pub snap_distance_m: f64,
}

impl LocateOptions {
    pub const DEFAULT_SNAP_DISTANCE_M: f64 = 30.0;
}

impl Default for LocateOptions {
    fn default() -> Self {
        LocateOptions {
            snap_distance_m: Self::DEFAULT_SNAP_DISTANCE_M,
        }
    }
}

#[cfg(test)]
mod update_tests;
