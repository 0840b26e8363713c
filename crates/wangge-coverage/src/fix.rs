//! The report's fix proposals as a plan (new geometry per grid that
//! changes), the same plan applied in memory (what the report would say
//! after it), and the difference between two reports. Writing a plan is an
//! edit of the grid: `wangge_edit::apply_fixes`.

use geo::MultiPolygon;
use serde::Serialize;
use wangge_model::{GridCode, LevelNo};
use wangge_spatial::area::geodesic_area_m2;
use wangge_spatial::bbox::bbox_of;
use wangge_spatial::coverage::{
    apply_fixes, lonlat_area_m2, AreaTotal, CoverageReport, FixKind, LevelSummary,
};
use wangge_spatial::validate::{check_multipolygon, summarize};
use wangge_store::{BBox, GeometryUpdate};

use crate::polygonal_value;
use crate::{Snapshot, StoredExtra};

/// What applying the proposals of a report changes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FixPlan {
    pub changes: Vec<GridChange>,
    /// Proposals that move a piece (`gap_to_neighbour`, `overlap_split`).
    pub proposals_applied: usize,
    /// Gaps left alone: real blind spots need a new cell.
    pub blind_spots_left: usize,
    /// Grids not changed because the result would be worse: empty, or
    /// invalid where the grid was valid (a person decides).
    pub left_alone: Vec<LeftAlone>,
}

/// A grid the plan does not change, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeftAlone {
    pub grid: GridCode,
    pub reason: String,
}

/// One grid's new geometry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GridChange {
    pub level: LevelNo,
    pub grid: GridCode,
    /// Areas as the report measures them (edges straight in lon/lat).
    pub area_before_m2: f64,
    pub area_after_m2: f64,
    #[serde(skip)]
    pub geometry: MultiPolygon<f64>,
    #[serde(skip)]
    pub old_bbox: Option<BBox>,
    #[serde(skip)]
    pub update: GeometryUpdate,
}

/// The changes the proposals of `report` (analysed on `snapshot`) make.
pub fn plan_fixes(snapshot: &Snapshot, report: &CoverageReport) -> FixPlan {
    let mut changes = Vec::new();
    let mut left_alone = Vec::new();
    for (code, geometry) in apply_fixes(&snapshot.grids, &report.fixes) {
        let Some(before) = snapshot.grid(&code) else {
            continue;
        };
        let Some(bbox) = bbox_of(&geometry) else {
            left_alone.push(LeftAlone {
                grid: code,
                reason: "the proposals would leave it empty".to_owned(),
            });
            continue;
        };
        let invalid_reason = summarize(&check_multipolygon(&geometry));
        // The overlay can pinch a ring where a piece meets a corner: a fix
        // must never turn a valid grid invalid.
        if let (None, Some(reason)) = (&before.invalid_reason, &invalid_reason) {
            left_alone.push(LeftAlone {
                grid: code,
                reason: format!("the result would be invalid: {reason}"),
            });
            continue;
        }
        let text = polygonal_value(&geometry).to_string();
        changes.push(GridChange {
            level: before.level,
            area_before_m2: lonlat_area_m2(&before.geometry),
            area_after_m2: lonlat_area_m2(&geometry),
            old_bbox: bbox_of(&before.geometry),
            update: GeometryUpdate {
                code: code.clone(),
                geometry_geojson: text,
                bbox,
                area_m2: geodesic_area_m2(&geometry),
                invalid_reason,
            },
            grid: code,
            geometry,
        });
    }
    let moving = |k: FixKind| matches!(k, FixKind::GapToNeighbour | FixKind::OverlapSplit);
    FixPlan {
        proposals_applied: report.fixes.iter().filter(|f| moving(f.kind)).count(),
        blind_spots_left: report
            .fixes
            .iter()
            .filter(|f| f.kind == FixKind::LeaveBlindSpot)
            .count(),
        changes,
        left_alone,
    }
}

/// `snapshot` with the plan applied, in memory (the dry run).
pub fn fixed_snapshot(snapshot: &Snapshot, plan: &FixPlan) -> Snapshot {
    let mut grids = snapshot.grids.clone();
    let mut stored = snapshot.stored.clone();
    for change in &plan.changes {
        if let Some(i) = grids.iter().position(|g| g.code == change.grid) {
            grids[i].geometry = change.geometry.clone();
            grids[i]
                .invalid_reason
                .clone_from(&change.update.invalid_reason);
            stored[i] = StoredExtra {
                parsed: true,
                outlet: stored[i].outlet.clone(),
            };
        }
    }
    Snapshot::new(snapshot.revision, grids, stored)
}

/// One line of the difference between two reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiffRow {
    pub level: LevelNo,
    /// `gaps`, `slivers`, `blind_spots`, `overlaps`, `outside_parent`,
    /// `edge_mismatches`, `invalid`.
    pub kind: &'static str,
    pub count_before: usize,
    pub count_after: usize,
    /// Total area (m²) or length (m, edge mismatches); 0 for `invalid`.
    pub amount_before: f64,
    pub amount_after: f64,
}

type AreaOf = fn(&LevelSummary) -> AreaTotal;

/// Per level and kind, before and after.
pub fn difference(before: &CoverageReport, after: &CoverageReport) -> Vec<DiffRow> {
    let mut rows = Vec::new();
    for b in &before.summary.levels {
        let Some(a) = after.summary.levels.iter().find(|a| a.level == b.level) else {
            continue;
        };
        let areas: [(&'static str, AreaOf); 5] = [
            ("gaps", |l| l.gaps),
            ("slivers", |l| l.slivers),
            ("blind_spots", |l| l.blind_spots),
            ("overlaps", |l| l.overlaps),
            ("outside_parent", |l| l.outside_parent),
        ];
        for (kind, total) in areas {
            rows.push(DiffRow {
                level: b.level,
                kind,
                count_before: total(b).count,
                count_after: total(a).count,
                amount_before: total(b).area_m2,
                amount_after: total(a).area_m2,
            });
        }
        rows.push(DiffRow {
            level: b.level,
            kind: "edge_mismatches",
            count_before: b.edge_mismatches.count,
            count_after: a.edge_mismatches.count,
            amount_before: b.edge_mismatches.length_m,
            amount_after: a.edge_mismatches.length_m,
        });
        rows.push(DiffRow {
            level: b.level,
            kind: "invalid",
            count_before: b.invalid,
            count_after: a.invalid,
            amount_before: 0.0,
            amount_after: 0.0,
        });
    }
    rows
}
