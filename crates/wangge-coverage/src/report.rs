//! The whole report: the geometric analysis of `wangge-spatial` joined with
//! ownership and data gaps from the store, then cut to the options' parent
//! and kinds.

use std::sync::atomic::AtomicBool;

use serde::Serialize;
use wangge_model::{GridCode, LevelNo};
use wangge_spatial::coverage::{
    analyze, analyze_geometry, CoverageGeometry, CoverageReport, EdgeMismatch, FixProposal, Gap,
    GridHealth, InvalidGrid, LevelSummary, OutsideParent, Overlap,
};
use wangge_store::{Store, StoreError};

use crate::data::{data_gaps, DataCounts, DataGaps};
use crate::ownership::{ownership, Ownership, OwnershipCounts};
use crate::{CoverageError, Kind, ReportOptions, Snapshot};

/// `wangge coverage --format json` and `GET /api/v1/coverage`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub summary: Summary,
    pub gaps: Vec<Gap>,
    pub overlaps: Vec<Overlap>,
    pub outside_parent: Vec<OutsideParent>,
    pub edge_mismatches: Vec<EdgeMismatch>,
    pub invalid: Vec<InvalidGrid>,
    pub fixes: Vec<FixProposal>,
    pub ownership: Ownership,
    pub data: DataGaps,
}

/// Counts and totals of everything analysed (before `parent` and `kinds`
/// cut the lists).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// The grid revision analysed.
    pub revision: i64,
    pub gap_width_m: f64,
    /// Per level of children: counts and areas of gaps, slivers, blind
    /// spots, overlaps, parts outside parents, edge mismatches, invalid.
    pub levels: Vec<LevelSummary>,
    /// Per parent: the share of its area covered exactly once.
    pub health: Vec<GridHealth>,
    /// `None` when `kinds` leave ownership out (its queries are skipped).
    pub ownership: Option<OwnershipCounts>,
    /// `None` when `kinds` leave data out (its queries are skipped).
    pub data: Option<DataCounts>,
}

/// The geometric analysis of a snapshot (CPU work: about a second for the
/// demo territory).
pub fn analyze_snapshot(snapshot: &Snapshot, options: &ReportOptions) -> CoverageReport {
    analyze(&snapshot.grids, &options.coverage_options())
}

/// The expensive part of [`analyze_snapshot`], for one level (`None`:
/// every level) and every gap width: the server runs it off the async
/// threads, caches it per [`Snapshot::geometry_key`] and sets `cancel`
/// when nobody waits for it any more (then: `None`).
pub fn analyze_snapshot_geometry(
    snapshot: &Snapshot,
    level: Option<LevelNo>,
    cancel: &AtomicBool,
) -> Option<CoverageGeometry> {
    analyze_geometry(&snapshot.grids, level, None, cancel)
}

/// The geometric analysis for `options` (its level and gap width) from
/// one of its level or of every level: what [`analyze_snapshot`] gives.
pub fn geometry_report(geometry: &CoverageGeometry, options: &ReportOptions) -> CoverageReport {
    let analysis = options.coverage_options();
    geometry.report(
        options.level,
        analysis.gap_width_m,
        analysis.max_fix_area_m2,
    )
}

/// Joins `geometry` (from [`analyze_snapshot`] of the same snapshot and
/// options) with the ownership and data gaps read from the store now.
pub async fn build_report(
    store: &Store,
    snapshot: &Snapshot,
    geometry: &CoverageReport,
    options: &ReportOptions,
) -> Result<Report, CoverageError> {
    options.check()?;
    if let Some(parent) = &options.parent {
        if snapshot.grid(parent).is_none() {
            return Err(StoreError::NotFound {
                what: "grid",
                key: parent.to_string(),
            }
            .into());
        }
    }
    // Only what is asked for is read (the map asks for gaps and overlaps).
    let with_ownership = options.shows(Kind::Ownership);
    let with_data = options.shows(Kind::Data);
    // The two reads are independent: side by side, each on its own
    // connection of the pool.
    let owned = async {
        if with_ownership {
            ownership(store, snapshot, &geometry.overlaps).await
        } else {
            Ok(Ownership::default())
        }
    };
    let data = async {
        if with_data {
            data_gaps(store, snapshot).await
        } else {
            Ok(DataGaps::default())
        }
    };
    let (mut owned, mut data) = futures_util::future::try_join(owned, data).await?;
    // The summary covers the analysed level(s).
    let at_level = |level| options.has_level(level);
    owned.unclaimed_cells.retain(|c| at_level(c.level));
    owned.level3_without_manager.retain(|g| at_level(g.level));
    owned.grids_without_outlet.retain(|g| at_level(g.level));
    if !at_level(wangge_model::LevelNo::OUTLET_AREA) {
        owned.outlets_supporting_nothing.clear();
    }
    owned.overlapping_claims.retain(|c| at_level(c.level));
    data.unplaced_by_grid.retain(|g| at_level(g.level));
    data.network_blind_spots.retain(|c| at_level(c.level));
    data.ports_over_90pct.retain(|c| at_level(c.level));

    let mut report = Report {
        summary: Summary {
            revision: snapshot.revision,
            gap_width_m: options.gap_width_m,
            levels: geometry.summary.levels.clone(),
            health: geometry.summary.health.clone(),
            ownership: with_ownership.then(|| owned.counts()),
            data: with_data.then(|| data.counts()),
        },
        gaps: geometry.gaps.clone(),
        overlaps: geometry.overlaps.clone(),
        outside_parent: geometry.outside_parent.clone(),
        edge_mismatches: geometry.edge_mismatches.clone(),
        invalid: geometry.invalid.clone(),
        fixes: geometry.fixes.clone(),
        ownership: owned,
        data,
    };
    if let Some(parent) = &options.parent {
        keep_within(&mut report, snapshot, parent);
    }
    keep_kinds(&mut report, options);
    Ok(report)
}

/// Keeps the items inside `parent`: those whose parent is it or lies below
/// it (and the outlets standing in it).
fn keep_within(report: &mut Report, snapshot: &Snapshot, parent: &GridCode) {
    let within = |p: Option<&GridCode>| snapshot.within(p, parent);
    let below = |code: &GridCode| snapshot.below(code, parent);
    report.summary.health.retain(|h| within(h.parent.as_ref()));
    report.gaps.retain(|g| within(g.parent.as_ref()));
    report.overlaps.retain(|o| within(o.parent.as_ref()));
    report.outside_parent.retain(|o| within(o.parent.as_ref()));
    report
        .edge_mismatches
        .retain(|m| below(&m.a) || below(&m.b));
    report.invalid.retain(|i| below(&i.grid));
    report.fixes.retain(|f| within(f.parent.as_ref()));
    let owned = &mut report.ownership;
    owned.unclaimed_cells.retain(|c| below(&c.grid));
    owned.level3_without_manager.retain(|g| below(&g.grid));
    owned.grids_without_outlet.retain(|g| below(&g.grid));
    owned
        .overlapping_claims
        .retain(|c| within(c.parent.as_ref()));
    let area = snapshot.grid(parent).map(|g| &g.geometry);
    owned.outlets_supporting_nothing.retain(|o| {
        let point = o.geometry["coordinates"]
            .as_array()
            .and_then(|c| Some(geo::Point::new(c.first()?.as_f64()?, c.get(1)?.as_f64()?)));
        matches!((area, point), (Some(area), Some(point)) if geo::Intersects::intersects(area, &point))
    });
    let data = &mut report.data;
    data.unplaced_by_grid.retain(|g| below(&g.grid));
    data.network_blind_spots.retain(|c| below(&c.grid));
    data.ports_over_90pct.retain(|c| below(&c.grid));
}

fn keep_kinds(report: &mut Report, options: &ReportOptions) {
    for kind in Kind::ALL {
        if options.shows(kind) {
            continue;
        }
        match kind {
            Kind::Gaps => report.gaps.clear(),
            Kind::Overlaps => report.overlaps.clear(),
            Kind::OutsideParent => report.outside_parent.clear(),
            Kind::EdgeMismatches => report.edge_mismatches.clear(),
            Kind::Invalid => report.invalid.clear(),
            Kind::Fixes => report.fixes.clear(),
            Kind::Ownership => {
                let o = &mut report.ownership;
                o.unclaimed_cells.clear();
                o.level3_without_manager.clear();
                o.grids_without_outlet.clear();
                o.outlets_supporting_nothing.clear();
                o.overlapping_claims.clear();
            }
            Kind::Data => {
                let d = &mut report.data;
                d.unplaced.clear();
                d.unplaced_by_grid.clear();
                d.network_blind_spots.clear();
                d.ports_over_90pct.clear();
            }
        }
    }
}
