//! Each grid made ready for overlays: validated, and when invalid, resolved
//! into a valid copy used for the overlays only (the report names the grid
//! invalid; nothing is stored).

use std::borrow::Cow;
use std::sync::OnceLock;

use geo::MultiPolygon;

use super::borders::{segment_tree, SegmentTree};
use super::report::InvalidGrid;
use super::CoverageGrid;
use crate::bbox::bbox_of;
use crate::repair::make_valid_linework;
use crate::validate::{check_multipolygon, summarize};

pub(crate) struct Prepared<'a> {
    pub(crate) grid: &'a CoverageGrid,
    /// The geometry as given when valid; its resolved copy when not.
    pub(crate) shape: Cow<'a, MultiPolygon<f64>>,
    pub(crate) bbox: Option<[f64; 4]>,
    pub(crate) invalid: Option<InvalidGrid>,
    /// The shape's segments, indexed when a piece first asks.
    segments: OnceLock<SegmentTree>,
}

impl Prepared<'_> {
    /// The R-tree of the shape's segments (built on first use).
    pub(crate) fn segments(&self) -> &SegmentTree {
        self.segments.get_or_init(|| segment_tree(&self.shape))
    }
}

pub(crate) fn prepare(grid: &CoverageGrid) -> Prepared<'_> {
    let problems = check_multipolygon(&grid.geometry);
    let reason = grid.invalid_reason.clone().or_else(|| summarize(&problems));
    let invalid = reason.map(|reason| InvalidGrid {
        level: grid.level,
        grid: grid.code.clone(),
        reason,
        location: problems.iter().find_map(|p| p.location),
    });
    let shape = if invalid.is_some() {
        Cow::Owned(make_valid_linework(&grid.geometry))
    } else {
        Cow::Borrowed(&grid.geometry)
    };
    Prepared {
        bbox: bbox_of(&shape),
        grid,
        shape,
        invalid,
        segments: OnceLock::new(),
    }
}

/// The smallest box holding all of `boxes`.
pub(crate) fn union_box(boxes: impl IntoIterator<Item = [f64; 4]>) -> Option<[f64; 4]> {
    wangge_model::bbox::union_all(boxes)
}
