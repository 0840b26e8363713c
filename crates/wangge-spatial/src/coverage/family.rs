//! One parent and its children: gaps, overlaps, parts outside, the fix
//! proposals for them, and the parent's health. All overlays of a family run
//! on one integer grid ([`Frame`]).

use std::sync::atomic::{AtomicBool, Ordering};

use geo::{Centroid, MultiPolygon, Polygon};
use i_overlay::core::overlay_rule::OverlayRule;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};
use wangge_model::{GridCode, LevelNo};

use super::borders::{boxes_meet, contact, Contact};
use super::frame::{overlay, rings_area2, shapes_area2, Frame, Rings};
use super::inscribed::largest_inscribed_circle;
use super::local::LocalMetres;
use super::prepare::{union_box, Prepared};
use super::report::{FixKind, FixProposal, Gap, GridHealth, OutsideParent, Overlap};
use crate::area::lonlat_area_m2 as area_m2_of;
use crate::bbox::bbox_of;

/// Pieces smaller than this are noise of the arithmetic, not findings.
pub const AREA_TOLERANCE_M2: f64 = 0.01;

/// Boxes closer than this (degrees, about 0.1 m) may touch.
const BOX_MARGIN_DEG: f64 = 1e-6;

pub(crate) struct Family<'p, 'a> {
    pub(crate) level: LevelNo,
    /// `None` for level 1, whose parent is the territory.
    pub(crate) parent: Option<&'a GridCode>,
    pub(crate) parent_shape: &'p MultiPolygon<f64>,
    /// Sorted by code.
    pub(crate) children: Vec<&'p Prepared<'a>>,
}

/// What one family holds before a gap width is chosen: each gap (its
/// `sliver` still unset) with the neighbour sharing the longest border.
#[derive(Debug, Clone, Default)]
pub(crate) struct Findings {
    /// Largest first.
    pub(crate) gaps: Vec<(Gap, Option<(GridCode, f64)>)>,
    pub(crate) overlaps: Vec<Overlap>,
    /// One per overlap, in the same order.
    pub(crate) overlap_fixes: Vec<FixProposal>,
    pub(crate) outside: Vec<OutsideParent>,
    pub(crate) health: Option<GridHealth>,
}

/// The findings of a family; `None` when `cancel` went up meanwhile
/// (checked between pieces).
pub(crate) fn analyze_family(family: &Family<'_, '_>, cancel: &AtomicBool) -> Option<Findings> {
    let stopped = || cancel.load(Ordering::Relaxed);
    let mut findings = Findings::default();
    let boxes = bbox_of(family.parent_shape)
        .into_iter()
        .chain(family.children.iter().filter_map(|c| c.bbox));
    let Some(bbox) = union_box(boxes) else {
        return Some(findings);
    };
    let mut frame = Frame::new(bbox);
    let parent_rings = frame.rings(family.parent_shape);
    let child_rings: Vec<Rings> = family
        .children
        .iter()
        .map(|c| frame.rings(&c.shape))
        .collect();
    let child_refs: Vec<&Rings> = child_rings.iter().collect();
    let [gap_shapes, outside_shapes, union_shapes] = overlay(
        &[&parent_rings],
        &child_refs,
        &[
            OverlayRule::Difference,
            OverlayRule::InverseDifference,
            OverlayRule::Clip,
        ],
    )
    .try_into()
    .unwrap_or_else(|_| unreachable!("three rules give three results"));

    let mut gaps = Vec::new();
    for polygon in frame.multipolygon(&gap_shapes) {
        if stopped() {
            return None;
        }
        gaps.extend(gap_of(family, polygon));
    }
    gaps.sort_by(|x, y| y.0.area_m2.total_cmp(&x.0.area_m2));
    let gap_area_m2: f64 = gaps.iter().map(|(gap, _)| gap.area_m2).sum();
    findings.gaps = gaps;

    // Without overlaps, the union's area is exactly the sum of the
    // children's on the shared grid; only then are pairs skipped.
    let sum_area2: i128 = child_rings.iter().map(rings_area2).sum();
    let mut overlap_rings: Rings = Vec::new();
    if sum_area2 != shapes_area2(&union_shapes) {
        // Candidate pairs from an R-tree of the children's boxes, taken in
        // code order as a loop over all pairs would.
        let boxes = RTree::bulk_load(
            family
                .children
                .iter()
                .enumerate()
                .filter_map(|(i, c)| {
                    let [x0, y0, x1, y1] = c.bbox?;
                    Some(GeomWithData::new(
                        Rectangle::from_corners([x0, y0], [x1, y1]),
                        i,
                    ))
                })
                .collect(),
        );
        for (i, a) in family.children.iter().enumerate() {
            if stopped() {
                return None;
            }
            let Some([x0, y0, x1, y1]) = a.bbox else {
                continue;
            };
            let mut partners: Vec<usize> = boxes
                .locate_in_envelope_intersecting(&AABB::from_corners([x0, y0], [x1, y1]))
                .map(|entry| entry.data)
                .filter(|&j| j > i)
                .collect();
            partners.sort_unstable();
            for j in partners {
                let b = &family.children[j];
                if let Some(overlap) =
                    overlap_of(family, &frame, (a, &child_rings[i]), (b, &child_rings[j]))
                {
                    findings.overlap_fixes.push(overlap_fix(&overlap, a, b));
                    overlap_rings.extend(frame.rings(&overlap.geometry));
                    findings.overlaps.push(overlap);
                }
            }
        }
    }

    if shapes_area2(&outside_shapes) > 0 {
        let outside = frame.multipolygon(&outside_shapes);
        if area_m2_of(&outside) > AREA_TOLERANCE_M2 {
            let outside_box = bbox_of(&outside);
            for (child, rings) in family.children.iter().zip(&child_rings) {
                if stopped() {
                    return None;
                }
                let meets = matches!((child.bbox, outside_box), (Some(a), Some(b)) if boxes_meet(a, b, 0.0));
                if !meets {
                    continue;
                }
                let [part] = overlay(&[rings], &[&parent_rings], &[OverlayRule::Difference])
                    .try_into()
                    .unwrap_or_else(|_| unreachable!("one rule gives one result"));
                let geometry = frame.multipolygon(&part);
                let area_m2 = area_m2_of(&geometry);
                if area_m2 > AREA_TOLERANCE_M2 {
                    findings.outside.push(OutsideParent {
                        level: family.level,
                        grid: child.grid.code.clone(),
                        parent: family.parent.cloned(),
                        area_m2,
                        geometry,
                    });
                }
            }
        }
    }

    let twice_m2 = if overlap_rings.is_empty() {
        0.0
    } else {
        let [inside] = overlay(
            &[&overlap_rings],
            &[&parent_rings],
            &[OverlayRule::Intersect],
        )
        .try_into()
        .unwrap_or_else(|_| unreachable!("one rule gives one result"));
        area_m2_of(&frame.multipolygon(&inside))
    };
    let share_covered_once = if gap_area_m2 + twice_m2 > 0.0 {
        let parent_m2 = area_m2_of(family.parent_shape);
        if parent_m2 > 0.0 {
            ((parent_m2 - gap_area_m2 - twice_m2) / parent_m2).clamp(0.0, 1.0)
        } else {
            0.0
        }
    } else {
        1.0
    };
    findings.health = Some(GridHealth {
        parent: family.parent.cloned(),
        level: family.level,
        share_covered_once,
    });
    Some(findings)
}

/// Children touching `piece`, with their contact, longest shared border first.
fn contacts<'p, 'a>(
    family: &Family<'p, 'a>,
    piece: &MultiPolygon<f64>,
) -> Vec<(&'p Prepared<'a>, Contact)> {
    let Some(piece_box) = bbox_of(piece) else {
        return Vec::new();
    };
    let local = LocalMetres::around(piece_box);
    let mut found: Vec<(&Prepared, Contact)> = family
        .children
        .iter()
        .filter(|c| {
            c.bbox
                .is_some_and(|b| boxes_meet(b, piece_box, BOX_MARGIN_DEG))
        })
        .map(|c| (*c, contact(piece, c.segments(), &local)))
        .filter(|(_, found)| found.touches)
        .collect();
    // Stable: equal borders keep code order.
    found.sort_by(|x, y| y.1.shared_m.total_cmp(&x.1.shared_m));
    found
}

/// A gap with the neighbour sharing the longest border (and its length);
/// `sliver` is set later, from the gap width asked for.
fn gap_of(
    family: &Family<'_, '_>,
    polygon: Polygon<f64>,
) -> Option<(Gap, Option<(GridCode, f64)>)> {
    let geometry = MultiPolygon(vec![polygon]);
    let area_m2 = area_m2_of(&geometry);
    if area_m2 <= AREA_TOLERANCE_M2 {
        return None;
    }
    let inscribed = largest_inscribed_circle(&geometry.0[0]);
    let width_m = inscribed.map_or(0.0, |c| 2.0 * c.radius_m);
    let centroid = geometry
        .centroid()
        .map_or([f64::NAN, f64::NAN], |p| [p.x(), p.y()]);
    let label_point = inscribed.map_or(centroid, |c| [c.centre.x, c.centre.y]);
    let neighbours = contacts(family, &geometry);
    let best = neighbours
        .first()
        .filter(|(_, found)| found.shared_m > 0.0)
        .map(|(c, found)| (c.grid.code.clone(), found.shared_m));
    let gap = Gap {
        level: family.level,
        parent: family.parent.cloned(),
        area_m2,
        width_m,
        sliver: false,
        neighbours: neighbours
            .iter()
            .map(|(c, _)| c.grid.code.clone())
            .collect(),
        geometry,
        centroid,
        label_point,
    };
    Some((gap, best))
}

/// A gap goes to the neighbour sharing the longest border, unless it is a
/// real blind spot: wider than a sliver and larger than `max_fix_area_m2`.
pub(crate) fn gap_fix(
    gap: &Gap,
    best: Option<(GridCode, f64)>,
    max_fix_area_m2: f64,
) -> FixProposal {
    let leave = |reason: String| FixProposal {
        kind: FixKind::LeaveBlindSpot,
        level: gap.level,
        parent: gap.parent.clone(),
        target: None,
        from: None,
        area_m2: gap.area_m2,
        geometry: gap.geometry.clone(),
        reason,
    };
    let Some((target, shared_m)) = best else {
        return leave(format!(
            "no level-{} grid shares a border with this gap of {:.0} m²: it needs a new grid",
            gap.level, gap.area_m2
        ));
    };
    if !gap.sliver && gap.area_m2 > max_fix_area_m2 {
        return leave(format!(
            "a blind spot of {:.0} m², {:.1} m wide, larger than {max_fix_area_m2:.0} m²: it needs a new grid, not a neighbour",
            gap.area_m2, gap.width_m
        ));
    }
    let what = if gap.sliver { "sliver" } else { "gap" };
    FixProposal {
        kind: FixKind::GapToNeighbour,
        level: gap.level,
        parent: gap.parent.clone(),
        reason: format!(
            "{what} of {:.1} m², {:.1} m wide, joins {target}, which shares the longest border with it ({shared_m:.1} m)",
            gap.area_m2, gap.width_m
        ),
        target: Some(target),
        from: None,
        area_m2: gap.area_m2,
        geometry: gap.geometry.clone(),
    }
}

fn overlap_of(
    family: &Family<'_, '_>,
    frame: &Frame,
    a: (&Prepared<'_>, &Rings),
    b: (&Prepared<'_>, &Rings),
) -> Option<Overlap> {
    let (Some(box_a), Some(box_b)) = (a.0.bbox, b.0.bbox) else {
        return None;
    };
    // Boxes that only touch cannot hold an overlap of any area.
    if !(box_a[0] < box_b[2] && box_b[0] < box_a[2] && box_a[1] < box_b[3] && box_b[1] < box_a[3]) {
        return None;
    }
    let [common] = overlay(&[a.1], &[b.1], &[OverlayRule::Intersect])
        .try_into()
        .unwrap_or_else(|_| unreachable!("one rule gives one result"));
    if common.is_empty() {
        return None;
    }
    let geometry = frame.multipolygon(&common);
    let area_m2 = area_m2_of(&geometry);
    (area_m2 > AREA_TOLERANCE_M2).then(|| {
        let (first, second) = if a.0.grid.code <= b.0.grid.code {
            (a.0, b.0)
        } else {
            (b.0, a.0)
        };
        Overlap {
            level: family.level,
            parent: family.parent.cloned(),
            a: first.grid.code.clone(),
            b: second.grid.code.clone(),
            area_m2,
            geometry,
        }
    })
}

/// An overlap stays with the grid whose rest borders it longest (the rest
/// of `a` borders it where `b`'s boundary runs inside `a`), and leaves the
/// other.
fn overlap_fix(overlap: &Overlap, a: &Prepared<'_>, b: &Prepared<'_>) -> FixProposal {
    let local = bbox_of(&overlap.geometry).map_or_else(
        || LocalMetres::at(geo::Coord { x: 0.0, y: 0.0 }),
        LocalMetres::around,
    );
    let along_a = contact(&overlap.geometry, a.segments(), &local).shared_m;
    let along_b = contact(&overlap.geometry, b.segments(), &local).shared_m;
    // The rest of `a` touches the piece along `b`'s boundary, and back.
    let (keeper, loser, kept_m, lost_m) = if along_b >= along_a {
        (a, b, along_b, along_a)
    } else {
        (b, a, along_a, along_b)
    };
    FixProposal {
        kind: FixKind::OverlapSplit,
        level: overlap.level,
        parent: overlap.parent.clone(),
        target: Some(keeper.grid.code.clone()),
        from: Some(loser.grid.code.clone()),
        area_m2: overlap.area_m2,
        geometry: overlap.geometry.clone(),
        reason: format!(
            "overlap of {:.1} m² stays in {} (the rest of it borders the overlap along {kept_m:.1} m, the rest of {} along {lost_m:.1} m) and leaves {}",
            overlap.area_m2, keeper.grid.code, loser.grid.code, loser.grid.code
        ),
    }
}
