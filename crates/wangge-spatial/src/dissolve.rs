//! The dissolved union of polygons that tile an area, as files hold them.
//!
//! Neighbouring cells in a file rarely share their edges exactly: their
//! coordinates are rounded (to 6 decimals, 0.1 m, in most Chinese data), so
//! where one cell has a vertex on the common edge and the other has none
//! (a T-junction), the vertex lies a few centimetres off the neighbour's
//! edge. A plain union then leaves hairline slivers along the edge and can
//! split one outlet area into "separate parts". So before the union every
//! vertex within [`SNAP_DEG`] of another polygon's edge is inserted into
//! that edge (JTS's snapping of vertices to segments, for this one case),
//! and the edges coincide exactly. Real holes and gaps wider than that stay.

use geo::orient::{Direction, Orient};
use geo::{Coord, LineString, MultiPolygon, Polygon};
use i_overlay::core::fill_rule::FillRule;
use rstar::{RTree, AABB};

use crate::overlay::{contours_of, fill, Contours};

/// How far (degrees; about 0.2 m) a vertex may lie off a neighbour's edge
/// and still be on it: four times the rounding of 6-decimal coordinates.
pub const SNAP_DEG: f64 = 2e-6;

/// The union of `parts` (any number, overlapping or not), with the
/// T-junctions between them closed first.
pub fn dissolve(parts: &[MultiPolygon<f64>]) -> MultiPolygon<f64> {
    let vertices: Vec<[f64; 2]> = parts
        .iter()
        .flat_map(|m| m.0.iter())
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(|ring| ring.0.iter().map(|c| [c.x, c.y]))
        .collect();
    let tree = RTree::bulk_load(vertices);
    let mut contours: Contours = Vec::new();
    for part in parts {
        for polygon in &part.0 {
            let snapped = snap_polygon(&polygon.orient(Direction::Default), &tree);
            contours.extend(contours_of(&snapped));
        }
    }
    fill(&contours, FillRule::NonZero)
}

fn snap_polygon(polygon: &Polygon<f64>, tree: &RTree<[f64; 2]>) -> Polygon<f64> {
    Polygon::new(
        snap_ring(polygon.exterior(), tree),
        polygon
            .interiors()
            .iter()
            .map(|r| snap_ring(r, tree))
            .collect(),
    )
}

/// `ring` with every other vertex that lies on one of its edges (within
/// [`SNAP_DEG`], strictly between the edge's ends) inserted there, in
/// order along the edge.
fn snap_ring(ring: &LineString<f64>, tree: &RTree<[f64; 2]>) -> LineString<f64> {
    let mut out: Vec<Coord<f64>> = Vec::with_capacity(ring.0.len());
    for edge in ring.0.windows(2) {
        let (a, b) = (edge[0], edge[1]);
        out.push(a);
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        let length2 = dx * dx + dy * dy;
        if length2 == 0.0 {
            continue;
        }
        let envelope = AABB::from_corners(
            [a.x.min(b.x) - SNAP_DEG, a.y.min(b.y) - SNAP_DEG],
            [a.x.max(b.x) + SNAP_DEG, a.y.max(b.y) + SNAP_DEG],
        );
        let mut on_edge: Vec<(f64, Coord<f64>)> = tree
            .locate_in_envelope(&envelope)
            .filter_map(|&[x, y]| {
                let t = ((x - a.x) * dx + (y - a.y) * dy) / length2;
                let (px, py) = (a.x + t * dx, a.y + t * dy);
                let off2 = (x - px).powi(2) + (y - py).powi(2);
                let near_end =
                    |c: Coord<f64>| (x - c.x).powi(2) + (y - c.y).powi(2) <= SNAP_DEG * SNAP_DEG;
                (t > 0.0 && t < 1.0 && off2 <= SNAP_DEG * SNAP_DEG && !near_end(a) && !near_end(b))
                    .then_some((t, Coord { x, y }))
            })
            .collect();
        on_edge.sort_by(|p, q| p.0.total_cmp(&q.0));
        on_edge.dedup_by(|p, q| p.1 == q.1);
        out.extend(on_edge.into_iter().map(|(_, c)| c));
    }
    if let Some(&last) = ring.0.last() {
        out.push(last);
    }
    LineString(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    /// Two cells side by side; the right one has a vertex on the shared
    /// edge 3e-7° off the left one's edge (a rounded T-junction).
    #[test]
    fn a_t_junction_does_not_leave_a_sliver_or_a_second_part() {
        let left = MultiPolygon(vec![polygon![
            (x: 110.0, y: 32.0), (x: 110.001, y: 32.0), (x: 110.001, y: 32.001), (x: 110.0, y: 32.001),
        ]]);
        let right = MultiPolygon(vec![polygon![
            (x: 110.001, y: 32.0), (x: 110.002, y: 32.0), (x: 110.002, y: 32.001),
            (x: 110.001, y: 32.001), (x: 110.001_000_3, y: 32.0005),
        ]]);
        let union = dissolve(&[left, right]);
        assert_eq!(union.0.len(), 1, "{union:?}");
        assert!(union.0[0].interiors().is_empty(), "{union:?}");
    }

    /// A real gap (1 m, well over the snapping distance) stays a hole.
    #[test]
    fn a_real_hole_stays() {
        let d = 0.001;
        let mut cells = Vec::new();
        for (x, y) in [
            (0, 0),
            (1, 0),
            (2, 0),
            (0, 1),
            (2, 1),
            (0, 2),
            (1, 2),
            (2, 2),
        ] {
            let (x0, y0) = (110.0 + f64::from(x) * d, 32.0 + f64::from(y) * d);
            cells.push(MultiPolygon(vec![polygon![
                (x: x0, y: y0), (x: x0 + d, y: y0), (x: x0 + d, y: y0 + d), (x: x0, y: y0 + d),
            ]]));
        }
        let union = dissolve(&cells);
        assert_eq!(union.0.len(), 1);
        assert_eq!(union.0[0].interiors().len(), 1);
        assert!(dissolve(&[]).0.is_empty());
    }
}
