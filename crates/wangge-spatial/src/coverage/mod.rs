//! Coverage analysis: where the children of each grid fail to tile it.
//!
//! Per level, within each parent (level 1 within the territory boundary),
//! [`analyze`] finds gaps (blind spots and slivers), overlaps between
//! siblings, parts of children outside their parent, edge mismatches
//! (shared boundaries whose vertices differ, as GEOS's coverage validation
//! reports them) and invalid geometries, with a fix proposal for every gap
//! and overlap. [`apply_fixes`] applies proposals. Pure: no I/O.
//!
//! An invalid grid is reported (flagged, its stored geometry unchanged) and
//! then used in its repaired form, the polygonal part of what GEOS
//! `MakeValid` makes of it
//! ([`make_valid_linework`](crate::repair::make_valid_linework)), so one
//! bad polygon does not hide the rest of the report and the report agrees
//! with GEOS, QGIS and PostGIS on real, broken files.
//!
//! ```
//! use geo::{polygon, MultiPolygon};
//! use wangge_model::LevelNo;
//! use wangge_spatial::coverage::{analyze, CoverageGrid, CoverageOptions};
//!
//! let square = |x0: f64, x1: f64| MultiPolygon(vec![polygon![
//!     (x: x0, y: 32.0), (x: x1, y: 32.0), (x: x1, y: 32.01), (x: x0, y: 32.01),
//! ]]);
//! let grid = |code: &str, level: u8, parent: Option<&str>, geometry| CoverageGrid {
//!     id: 0,
//!     code: code.parse().unwrap(),
//!     name: code.to_owned(),
//!     level: LevelNo::try_from(level).unwrap(),
//!     parent: parent.map(|p| p.parse().unwrap()),
//!     geometry,
//!     invalid_reason: None,
//! };
//! let grids = vec![
//!     grid("P", 1, None, square(110.0, 110.03)),
//!     grid("A", 2, Some("P"), square(110.0, 110.011)),
//!     grid("B", 2, Some("P"), square(110.01, 110.02)),
//! ];
//! let report = analyze(&grids, &CoverageOptions::default());
//! // B overlaps A by 0.001° and nothing covers the east third of P.
//! assert_eq!(report.overlaps.len(), 1);
//! assert_eq!((report.overlaps[0].a.as_str(), report.overlaps[0].b.as_str()), ("A", "B"));
//! assert_eq!(report.gaps.len(), 1);
//! assert_eq!(report.gaps[0].neighbours[0].as_str(), "B");
//! // 0.01° of longitude at 32°N: 944.8 m.
//! assert!((report.gaps[0].width_m - 944.8).abs() < 1.0, "{}", report.gaps[0].width_m);
//! let json = serde_json::to_value(&report).unwrap();
//! assert_eq!(json["gaps"][0]["geometry"]["type"], "Polygon");
//! ```

mod borders;
mod edges;
mod family;
mod fixes;
mod frame;
use crate::geojson;
mod inscribed;
mod local;
mod prepare;
mod report;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

use geo::MultiPolygon;
use i_overlay::core::overlay_rule::OverlayRule;
use wangge_model::{GridCode, LevelNo};

pub use crate::area::lonlat_area_m2;
pub use edges::EDGE_TOLERANCE_M;
pub use family::AREA_TOLERANCE_M2;
pub use fixes::apply_fixes;
pub use report::{
    AreaTotal, CoverageReport, EdgeMismatch, FixKind, FixProposal, Gap, GridHealth, InvalidGrid,
    LengthTotal, LevelSummary, OutsideParent, Overlap, Summary,
};

use family::{analyze_family, gap_fix, Family, Findings};
use frame::{overlay, Frame, Rings};
use prepare::{prepare, union_box, Prepared};

use crate::repair::make_valid_linework;
use crate::validate::check_multipolygon;

/// One grid or cell as the analysis sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct CoverageGrid {
    pub id: i64,
    pub code: GridCode,
    pub name: String,
    pub level: LevelNo,
    pub parent: Option<GridCode>,
    pub geometry: MultiPolygon<f64>,
    /// A reason stored on import, if any: such a grid is reported invalid
    /// even when its geo geometry passes (e.g. an unclosed ring).
    pub invalid_reason: Option<String>,
}

/// What to analyse and the thresholds.
#[derive(Debug, Clone, PartialEq)]
pub struct CoverageOptions {
    /// Only this level of children; `None` analyses every level that has grids.
    pub level: Option<LevelNo>,
    /// Gaps narrower than this are slivers (drawing errors), not blind spots.
    pub gap_width_m: f64,
    /// The territory boundary that level 1 should tile; `None` takes the
    /// union of level 1 with its holes filled (so holes are gaps).
    pub boundary: Option<MultiPolygon<f64>>,
    /// Gaps larger than this (and wider than a sliver) are real blind spots:
    /// the proposal leaves them for a new grid instead of a neighbour.
    pub max_fix_area_m2: f64,
}

impl Default for CoverageOptions {
    fn default() -> Self {
        Self {
            level: None,
            gap_width_m: 5.0,
            boundary: None,
            max_fix_area_m2: 50_000.0,
        }
    }
}

/// The coverage report of `grids` (any levels, any order; the first of
/// duplicate codes counts as the parent). Levels without grids are skipped.
/// [`analyze_geometry`] then [`CoverageGeometry::report`].
pub fn analyze(grids: &[CoverageGrid], options: &CoverageOptions) -> CoverageReport {
    let never = AtomicBool::new(false);
    let Some(geometry) = analyze_geometry(grids, options.level, options.boundary.as_ref(), &never)
    else {
        unreachable!("nothing cancels it")
    };
    geometry.report(None, options.gap_width_m, options.max_fix_area_m2)
}

/// The geometric findings of one or every level before a gap width is
/// chosen — the expensive part of a report (overlays, gaps, overlaps,
/// edges, validity): a gap width and the largest fixable gap only decide
/// which gaps are slivers and what the proposals say, so one analysis
/// serves every width ([`CoverageGeometry::report`]).
#[derive(Debug, Clone)]
pub struct CoverageGeometry {
    levels: Vec<LevelGeometry>,
}

#[derive(Debug, Clone)]
struct LevelGeometry {
    /// Without the totals that depend on the gap width (gaps, slivers,
    /// blind spots, overlaps, parts outside, fixes): [`CoverageGeometry::report`]
    /// adds them up.
    summary: LevelSummary,
    invalid: Vec<InvalidGrid>,
    edge_mismatches: Vec<EdgeMismatch>,
    families: Vec<Findings>,
}

impl CoverageGeometry {
    /// The levels analysed.
    pub fn levels(&self) -> impl Iterator<Item = LevelNo> + '_ {
        self.levels.iter().map(|l| l.summary.level)
    }

    /// The report for a gap width (gaps narrower are slivers) and the
    /// largest gap a proposal gives to a neighbour, of `level` only or of
    /// every level analysed (`None`). The same as [`analyze`] with those
    /// options, for a fraction of its cost.
    pub fn report(
        &self,
        level: Option<LevelNo>,
        gap_width_m: f64,
        max_fix_area_m2: f64,
    ) -> CoverageReport {
        let mut report = CoverageReport {
            summary: Summary {
                levels: Vec::new(),
                health: Vec::new(),
            },
            gaps: Vec::new(),
            overlaps: Vec::new(),
            outside_parent: Vec::new(),
            edge_mismatches: Vec::new(),
            invalid: Vec::new(),
            fixes: Vec::new(),
        };
        for analysed in &self.levels {
            if level.is_some_and(|l| l != analysed.summary.level) {
                continue;
            }
            let mut summary = analysed.summary.clone();
            report.invalid.extend(analysed.invalid.iter().cloned());
            report
                .edge_mismatches
                .extend(analysed.edge_mismatches.iter().cloned());
            for family in &analysed.families {
                for (gap, best) in &family.gaps {
                    let mut gap = gap.clone();
                    gap.sliver = gap.width_m < gap_width_m;
                    summary.gaps.add(gap.area_m2);
                    if gap.sliver {
                        summary.slivers.add(gap.area_m2);
                    } else {
                        summary.blind_spots.add(gap.area_m2);
                    }
                    report
                        .fixes
                        .push(gap_fix(&gap, best.clone(), max_fix_area_m2));
                    report.gaps.push(gap);
                }
                for overlap in &family.overlaps {
                    summary.overlaps.add(overlap.area_m2);
                }
                for outside in &family.outside {
                    summary.outside_parent.add(outside.area_m2);
                }
                summary.fixes += family.gaps.len() + family.overlap_fixes.len();
                report.overlaps.extend(family.overlaps.iter().cloned());
                report.outside_parent.extend(family.outside.iter().cloned());
                report.fixes.extend(family.overlap_fixes.iter().cloned());
                report.summary.health.extend(family.health.clone());
            }
            report.summary.levels.push(summary);
        }
        report
    }
}

/// The width-independent analysis of `level` (or every level that has
/// grids) of `grids`, level 1 against `boundary` (or the union of level 1
/// with its holes filled). `None` when `cancel` went up meanwhile: it is
/// checked between grids and between the pieces of each parent, so an
/// analysis nobody waits for stops within one piece's work.
pub fn analyze_geometry(
    grids: &[CoverageGrid],
    level: Option<LevelNo>,
    boundary: Option<&MultiPolygon<f64>>,
    cancel: &AtomicBool,
) -> Option<CoverageGeometry> {
    let stopped = || cancel.load(Ordering::Relaxed);
    let levels: Vec<LevelNo> = level.map_or_else(|| LevelNo::ALL.to_vec(), |level| vec![level]);
    let needed = |level: LevelNo| {
        levels.contains(&level) || level.child().is_some_and(|child| levels.contains(&child))
    };
    let mut prepared: Vec<Prepared<'_>> = Vec::new();
    for grid in grids.iter().filter(|g| needed(g.level)) {
        if stopped() {
            return None;
        }
        prepared.push(prepare(grid));
    }
    let mut by_level: BTreeMap<LevelNo, Vec<&Prepared<'_>>> = BTreeMap::new();
    for p in &prepared {
        by_level.entry(p.grid.level).or_default().push(p);
    }
    for members in by_level.values_mut() {
        members.sort_by(|a, b| a.grid.code.cmp(&b.grid.code));
        members.dedup_by(|a, b| a.grid.code == b.grid.code);
    }

    let mut analysed = Vec::new();
    for level in levels {
        let Some(members) = by_level.get(&level).filter(|m| !m.is_empty()) else {
            continue;
        };
        let mut summary = LevelSummary {
            level,
            grids: members.len(),
            parents: 0,
            orphans: Vec::new(),
            gaps: AreaTotal::default(),
            slivers: AreaTotal::default(),
            blind_spots: AreaTotal::default(),
            overlaps: AreaTotal::default(),
            outside_parent: AreaTotal::default(),
            edge_mismatches: LengthTotal::default(),
            invalid: 0,
            fixes: 0,
        };

        let invalid: Vec<InvalidGrid> = members.iter().filter_map(|p| p.invalid.clone()).collect();
        summary.invalid = invalid.len();

        if stopped() {
            return None;
        }
        let edge_mismatches = edges::edge_mismatches(level, members);
        for m in &edge_mismatches {
            summary.edge_mismatches.count += 1;
            summary.edge_mismatches.length_m += m.length_m;
        }

        if stopped() {
            return None;
        }
        let territory;
        let families: Vec<Family<'_, '_>> = match level.parent() {
            None => {
                territory = match boundary {
                    Some(boundary) if check_multipolygon(boundary).is_empty() => boundary.clone(),
                    Some(boundary) => make_valid_linework(boundary),
                    None => filled_union(members),
                };
                vec![Family {
                    level,
                    parent: None,
                    parent_shape: &territory,
                    children: members.clone(),
                }]
            }
            Some(parent_level) => {
                let parents = by_level.get(&parent_level).map_or(&[][..], Vec::as_slice);
                let mut children: BTreeMap<&GridCode, Vec<&Prepared<'_>>> =
                    parents.iter().map(|p| (&p.grid.code, Vec::new())).collect();
                for child in members {
                    match child
                        .grid
                        .parent
                        .as_ref()
                        .and_then(|code| children.get_mut(code))
                    {
                        Some(siblings) => siblings.push(child),
                        None => summary.orphans.push(child.grid.code.clone()),
                    }
                }
                parents
                    .iter()
                    .map(|parent| Family {
                        level,
                        parent: Some(&parent.grid.code),
                        parent_shape: &parent.shape,
                        children: children.remove(&parent.grid.code).unwrap_or_default(),
                    })
                    .collect()
            }
        };
        summary.parents = families.len();

        let mut found = Vec::with_capacity(families.len());
        for family in &families {
            if stopped() {
                return None;
            }
            found.push(analyze_family(family, cancel)?);
        }
        analysed.push(LevelGeometry {
            summary,
            invalid,
            edge_mismatches,
            families: found,
        });
    }
    Some(CoverageGeometry { levels: analysed })
}

/// The union of `grids` with its holes filled: the territory level 1 should
/// tile when no boundary is given.
fn filled_union(grids: &[&Prepared<'_>]) -> MultiPolygon<f64> {
    let Some(bbox) = union_box(grids.iter().filter_map(|g| g.bbox)) else {
        return MultiPolygon(vec![]);
    };
    let mut frame = Frame::new(bbox);
    let rings: Vec<Rings> = grids.iter().map(|g| frame.rings(&g.shape)).collect();
    let refs: Vec<&Rings> = rings.iter().collect();
    let [mut union] = overlay(&refs, &[], &[OverlayRule::Subject])
        .try_into()
        .unwrap_or_else(|_| unreachable!("one rule gives one result"));
    for shape in &mut union {
        shape.truncate(1);
    }
    frame.multipolygon(&union)
}
