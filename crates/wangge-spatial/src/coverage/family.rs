//! One parent and its children: gaps, overlaps, parts outside, the fix
//! proposals for them, and the parent's health. All overlays of a family run
//! on one integer grid ([`Frame`]).

use geo::{Centroid, MultiPolygon, Polygon};
use i_overlay::core::overlay_rule::OverlayRule;
use wangge_model::{GridCode, LevelNo};

use super::borders::{boxes_meet, contact, Contact};
use super::frame::{overlay, rings_area2, shapes_area2, Frame, Rings};
use super::inscribed::largest_inscribed_circle;
use super::local::lonlat_area_m2 as area_m2_of;
use super::local::LocalMetres;
use super::prepare::{union_box, Prepared};
use super::report::{FixKind, FixProposal, Gap, GridHealth, OutsideParent, Overlap};
use super::CoverageOptions;
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

#[derive(Default)]
pub(crate) struct Findings {
    pub(crate) gaps: Vec<Gap>,
    pub(crate) overlaps: Vec<Overlap>,
    pub(crate) outside: Vec<OutsideParent>,
    pub(crate) fixes: Vec<FixProposal>,
    pub(crate) health: Option<GridHealth>,
}

pub(crate) fn analyze_family(family: &Family<'_, '_>, options: &CoverageOptions) -> Findings {
    let mut findings = Findings::default();
    let boxes = bbox_of(family.parent_shape)
        .into_iter()
        .chain(family.children.iter().filter_map(|c| c.bbox));
    let Some(bbox) = union_box(boxes) else {
        return findings;
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

    let mut gap_area_m2 = 0.0;
    let mut gaps: Vec<_> = frame
        .multipolygon(&gap_shapes)
        .into_iter()
        .filter_map(|polygon| gap_of(family, polygon, options))
        .collect();
    gaps.sort_by(|x, y| y.0.area_m2.total_cmp(&x.0.area_m2));
    for (gap, best) in gaps {
        gap_area_m2 += gap.area_m2;
        findings.fixes.push(gap_fix(&gap, best, options));
        findings.gaps.push(gap);
    }

    // Without overlaps, the union's area is exactly the sum of the
    // children's on the shared grid; only then are pairs skipped.
    let sum_area2: i128 = child_rings.iter().map(rings_area2).sum();
    let mut overlap_rings: Rings = Vec::new();
    if sum_area2 != shapes_area2(&union_shapes) {
        for (i, a) in family.children.iter().enumerate() {
            for (j, b) in family.children.iter().enumerate().skip(i + 1) {
                if let Some(overlap) =
                    overlap_of(family, &frame, (a, &child_rings[i]), (b, &child_rings[j]))
                {
                    findings.fixes.push(overlap_fix(&overlap, a, b));
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
    findings
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
        .map(|c| (*c, contact(piece, &c.shape, &local)))
        .filter(|(_, found)| found.touches)
        .collect();
    // Stable: equal borders keep code order.
    found.sort_by(|x, y| y.1.shared_m.total_cmp(&x.1.shared_m));
    found
}

/// A gap with the neighbour sharing the longest border (and its length).
fn gap_of(
    family: &Family<'_, '_>,
    polygon: Polygon<f64>,
    options: &CoverageOptions,
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
        sliver: width_m < options.gap_width_m,
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
fn gap_fix(gap: &Gap, best: Option<(GridCode, f64)>, options: &CoverageOptions) -> FixProposal {
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
    if !gap.sliver && gap.area_m2 > options.max_fix_area_m2 {
        return leave(format!(
            "a blind spot of {:.0} m², {:.1} m wide, larger than {:.0} m²: it needs a new grid, not a neighbour",
            gap.area_m2, gap.width_m, options.max_fix_area_m2
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
    let along_a = contact(&overlap.geometry, &a.shape, &local).shared_m;
    let along_b = contact(&overlap.geometry, &b.shape, &local).shared_m;
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
