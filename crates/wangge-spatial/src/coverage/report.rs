//! What [`analyze`](super::analyze) finds, ready to serialize: every geometry
//! is written as a GeoJSON geometry object, every area in m² on the WGS-84
//! ellipsoid by [`lonlat_area_m2`](super::lonlat_area_m2).

use geo::{MultiLineString, MultiPolygon};
use serde::Serialize;
use wangge_model::{GridCode, LevelNo};

use super::geojson;

/// The whole report. Items are ordered by level, then parent code, then
/// their own codes (gaps: largest first).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageReport {
    pub summary: Summary,
    pub gaps: Vec<Gap>,
    pub overlaps: Vec<Overlap>,
    pub outside_parent: Vec<OutsideParent>,
    pub edge_mismatches: Vec<EdgeMismatch>,
    pub invalid: Vec<InvalidGrid>,
    pub fixes: Vec<FixProposal>,
}

/// One connected part of a parent covered by none of its children.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    /// Level of the children that should cover it.
    pub level: LevelNo,
    /// The parent it lies in; `None` for level 1 (the territory boundary).
    pub parent: Option<GridCode>,
    /// Area on the WGS-84 ellipsoid of the piece as the overlays see it
    /// (edges straight in lon/lat): see [`lonlat_area_m2`](super::lonlat_area_m2).
    pub area_m2: f64,
    /// Twice the radius of the largest circle inside it.
    pub width_m: f64,
    /// Narrower than `gap_width_m`: a drawing error, not a blind spot.
    pub sliver: bool,
    /// Children whose boundary touches it, longest shared border first
    /// (children touching it at a point only come last).
    pub neighbours: Vec<GridCode>,
    #[serde(serialize_with = "geojson::polygonal")]
    pub geometry: MultiPolygon<f64>,
    /// Planar centroid in lon/lat (may lie outside a curved gap).
    pub centroid: [f64; 2],
    /// Centre of the largest inscribed circle: always inside, for labels
    /// and zooming.
    pub label_point: [f64; 2],
}

/// The part two siblings both cover.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Overlap {
    pub level: LevelNo,
    pub parent: Option<GridCode>,
    /// The pair, `a` < `b` by code.
    pub a: GridCode,
    pub b: GridCode,
    pub area_m2: f64,
    #[serde(serialize_with = "geojson::polygonal")]
    pub geometry: MultiPolygon<f64>,
}

/// The part of a grid that lies outside its parent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutsideParent {
    pub level: LevelNo,
    pub grid: GridCode,
    /// `None` for a level-1 grid outside the territory boundary.
    pub parent: Option<GridCode>,
    pub area_m2: f64,
    #[serde(serialize_with = "geojson::polygonal")]
    pub geometry: MultiPolygon<f64>,
}

/// A boundary two grids of one level share without sharing its vertices
/// (what GEOS calls invalid coverage edges): an edge of one lies along an
/// edge of the other but the two are not the same segment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EdgeMismatch {
    pub level: LevelNo,
    /// The pair, `a` < `b` by code.
    pub a: GridCode,
    pub b: GridCode,
    /// Total length of the mismatched stretches.
    pub length_m: f64,
    /// The stretches where they run along each other unmatched.
    #[serde(serialize_with = "geojson::lineal")]
    pub geometry: MultiLineString<f64>,
}

/// A grid whose geometry breaks the OGC rules (or was flagged on import).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InvalidGrid {
    pub level: LevelNo,
    pub grid: GridCode,
    pub reason: String,
    pub location: Option<[f64; 2]>,
}

/// What a proposal does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FixKind {
    /// The gap joins `target`.
    GapToNeighbour,
    /// The overlap stays in `target` and leaves `from`.
    OverlapSplit,
    /// The gap is a real blind spot: it needs a new cell, not a neighbour.
    LeaveBlindSpot,
}

/// A proposed change, applied only by [`apply_fixes`](super::apply_fixes).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FixProposal {
    pub kind: FixKind,
    pub level: LevelNo,
    pub parent: Option<GridCode>,
    /// The grid that receives (or keeps) the piece.
    pub target: Option<GridCode>,
    /// The grid that loses the piece.
    pub from: Option<GridCode>,
    pub area_m2: f64,
    /// The piece that moves.
    #[serde(serialize_with = "geojson::polygonal")]
    pub geometry: MultiPolygon<f64>,
    pub reason: String,
}

/// Counts and totals per level, and the health of every parent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub levels: Vec<LevelSummary>,
    /// One entry per parent (and one for the territory as parent of level 1).
    pub health: Vec<GridHealth>,
}

/// A count and a total area.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct AreaTotal {
    pub count: usize,
    pub area_m2: f64,
}

impl AreaTotal {
    pub(crate) fn add(&mut self, area_m2: f64) {
        self.count += 1;
        self.area_m2 += area_m2;
    }
}

/// A count and a total length.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct LengthTotal {
    pub count: usize,
    pub length_m: f64,
}

/// Totals of one level (the level of the children).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LevelSummary {
    pub level: LevelNo,
    /// Grids of this level.
    pub grids: usize,
    /// Parents analysed (1 for level 1: the territory).
    pub parents: usize,
    /// Grids whose parent is missing or not of the level above: left out of
    /// the gap and overlap analysis.
    pub orphans: Vec<GridCode>,
    pub gaps: AreaTotal,
    /// The gaps narrower than `gap_width_m`.
    pub slivers: AreaTotal,
    /// The gaps at least `gap_width_m` wide.
    pub blind_spots: AreaTotal,
    pub overlaps: AreaTotal,
    pub outside_parent: AreaTotal,
    pub edge_mismatches: LengthTotal,
    pub invalid: usize,
    pub fixes: usize,
}

/// How well a parent is covered by its children.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GridHealth {
    /// The parent; `None` for the territory (the parent of level 1).
    pub parent: Option<GridCode>,
    /// Level of the children.
    pub level: LevelNo,
    /// Share of the parent's area covered by exactly one child, 0 to 1.
    pub share_covered_once: f64,
}
