//! The coverage report of a stored territory (issue 4): where the grid is
//! broken and who or what it leaves out.
//!
//! * geometry - gaps, overlaps, parts outside parents, edge mismatches,
//!   invalid polygons and fix proposals - comes from
//!   [`wangge_spatial::coverage::analyze`] on a [`Snapshot`] of the stored
//!   grids ([`analyze_snapshot`]: pure CPU work; its expensive part,
//!   [`analyze_snapshot_geometry`], does not depend on the gap width or on
//!   names and is cacheable per [`Snapshot::geometry_key`]);
//! * ownership gaps (unclaimed cells, level-3 grids without manager or
//!   outlet, idle outlets, land claimed twice) and data gaps (entities not
//!   placed, cells with customers but no network, full ports) are read from
//!   the store each time ([`build_report`]);
//! * [`write_report`] writes JSON, one GeoJSON FeatureCollection or CSV with
//!   WKT; [`plan_fixes`] turns the proposals into new geometries (written
//!   by `wangge_edit::apply_fixes` in one transaction) and [`difference`]
//!   compares two reports.
//!
//! The CLI (`wangge coverage`) and the server (`GET /api/v1/coverage`)
//! share this crate, so both give the same content.

mod data;
mod error;
mod fix;
mod options;
mod ownership;
mod render;
mod report;
mod snapshot;

pub use data::{CellItem, DataCounts, DataGaps, UnplacedInGrid, UnplacedKind, PORTS_FULL_SHARE};
pub use error::CoverageError;
pub use fix::{difference, fixed_snapshot, plan_fixes, DiffRow, FixPlan, GridChange, LeftAlone};
pub use options::{Kind, ReportOptions};
pub use ownership::{
    GridItem, OutletItem, OverlappingClaim, Ownership, OwnershipCounts, UnclaimedCell,
};
pub use render::{feature_collection, write_report, Format};
pub use report::{
    analyze_snapshot, analyze_snapshot_geometry, build_report, geometry_report, Report, Summary,
};
pub use snapshot::{Snapshot, StoredExtra};
pub use wangge_spatial::geojson::polygonal_value;
