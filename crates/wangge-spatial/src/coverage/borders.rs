//! How much boundary a piece (a gap, an overlap) shares with a grid: the
//! rule that picks who receives it.

use geo::{Coord, LineString, MultiPolygon};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

use super::local::{point_segment_distance, LocalMetres};
use crate::bbox::bbox_of;

/// Points closer than this lie on a boundary: far above the overlay grid
/// (under 1 mm) and far below any real feature.
pub(crate) const BORDER_TOLERANCE_M: f64 = 0.005;

/// Contact of a piece with a grid.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Contact {
    /// Length of the piece's boundary that runs along the grid's boundary.
    pub(crate) shared_m: f64,
    /// Whether they touch at all (a shared point is enough).
    pub(crate) touches: bool,
}

/// The segments of a geometry's rings (lon/lat) in an R-tree of their
/// boxes, built once per grid and asked by every piece that meets it.
pub(crate) type SegmentTree = RTree<GeomWithData<Rectangle<[f64; 2]>, (Coord<f64>, Coord<f64>)>>;

/// The finite segments of `mp`'s rings.
pub(crate) fn segment_tree(mp: &MultiPolygon<f64>) -> SegmentTree {
    let finite = |c: Coord<f64>| c.x.is_finite() && c.y.is_finite();
    RTree::bulk_load(
        mp.iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .flat_map(LineString::lines)
            .filter(|line| finite(line.start) && finite(line.end))
            .map(|line| {
                GeomWithData::new(
                    Rectangle::from_corners([line.start.x, line.start.y], [line.end.x, line.end.y]),
                    (line.start, line.end),
                )
            })
            .collect(),
    )
}

/// The contact of `piece` with a grid (its [`segment_tree`]), lengths in
/// metres of `local`. Each point of the piece asks the tree for the grid's
/// segments near it, so the cost is about n log n in the vertices of both
/// (it was their product: a 100,000-vertex grid took minutes).
pub(crate) fn contact(
    piece: &MultiPolygon<f64>,
    grid: &SegmentTree,
    local: &LocalMetres,
) -> Contact {
    let Some([x0, y0, x1, y1]) = bbox_of(piece) else {
        return Contact::default();
    };
    // Only segments near the piece's box count (1e-6° is over 0.09 m
    // anywhere below 30° from the poles).
    let margin_deg = 1e-6;
    let near = |a: Coord<f64>, b: Coord<f64>| {
        a.x.max(b.x) >= x0 - margin_deg
            && a.x.min(b.x) <= x1 + margin_deg
            && a.y.max(b.y) >= y0 - margin_deg
            && a.y.min(b.y) <= y1 + margin_deg
    };
    // A segment within the tolerance of a point has its box within the
    // tolerance of it on each axis; twice that allows for rounding.
    let [reach_x, reach_y] = local.degrees(2.0 * BORDER_TOLERANCE_M);
    let on_boundary = |at: Coord<f64>, p: Coord<f64>| {
        let envelope = AABB::from_corners(
            [at.x - reach_x, at.y - reach_y],
            [at.x + reach_x, at.y + reach_y],
        );
        grid.locate_in_envelope_intersecting(&envelope).any(|s| {
            let (a, b) = s.data;
            near(a, b)
                && point_segment_distance(p, local.project(a), local.project(b))
                    <= BORDER_TOLERANCE_M
        })
    };
    let mut found = Contact::default();
    for line in piece
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(LineString::lines)
    {
        let (a, b) = (local.project(line.start), local.project(line.end));
        let a_on = on_boundary(line.start, a);
        found.touches |= a_on;
        if a_on && on_boundary(line.end, b) {
            let middle = Coord {
                x: 0.5 * (a.x + b.x),
                y: 0.5 * (a.y + b.y),
            };
            if on_boundary(local.unproject(middle), middle) {
                found.shared_m += (b.x - a.x).hypot(b.y - a.y);
            }
        }
    }
    found
}

/// Whether two boxes `[x0, y0, x1, y1]` meet, allowing a margin.
pub(crate) fn boxes_meet(a: [f64; 4], b: [f64; 4], margin_deg: f64) -> bool {
    a[0] <= b[2] + margin_deg
        && b[0] <= a[2] + margin_deg
        && a[1] <= b[3] + margin_deg
        && b[1] <= a[3] + margin_deg
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn shared_edge_and_corner_touch() {
        let local = LocalMetres::at(Coord { x: 0.0, y: 0.0 });
        let a = MultiPolygon(vec![
            polygon![(x: 0.0, y: 0.0), (x: 0.001, y: 0.0), (x: 0.001, y: 0.001), (x: 0.0, y: 0.001)],
        ]);
        // Shares a whole side, split in two by a vertex only b has.
        let b = MultiPolygon(vec![
            polygon![(x: 0.001, y: 0.0), (x: 0.002, y: 0.0), (x: 0.002, y: 0.001), (x: 0.001, y: 0.001), (x: 0.001, y: 0.0005)],
        ]);
        let found = contact(&a, &segment_tree(&b), &local);
        assert!(found.touches);
        assert!((found.shared_m - 110.57).abs() < 0.1, "{found:?}");
        let corner = MultiPolygon(vec![
            polygon![(x: 0.001, y: 0.001), (x: 0.002, y: 0.001), (x: 0.002, y: 0.002)],
        ]);
        let found = contact(&a, &segment_tree(&corner), &local);
        assert!(found.touches);
        assert!(found.shared_m.abs() < 1e-9);
        assert!(boxes_meet([0.0, 0.0, 1.0, 1.0], [1.0, 1.0, 2.0, 2.0], 0.0));
        assert!(!boxes_meet([0.0, 0.0, 1.0, 1.0], [1.1, 0.0, 2.0, 2.0], 0.0));
    }

    /// The contact as it was computed before the index: every segment of
    /// the grid near the piece's box against every point of the piece.
    fn contact_by_scan(
        piece: &MultiPolygon<f64>,
        grid: &MultiPolygon<f64>,
        local: &LocalMetres,
    ) -> Contact {
        let [x0, y0, x1, y1] = bbox_of(piece).unwrap();
        let m = 1e-6;
        let segments: Vec<(Coord<f64>, Coord<f64>)> = grid
            .iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .flat_map(LineString::lines)
            .filter(|l| {
                let (a, b) = (l.start, l.end);
                a.x.max(b.x) >= x0 - m
                    && a.x.min(b.x) <= x1 + m
                    && a.y.max(b.y) >= y0 - m
                    && a.y.min(b.y) <= y1 + m
            })
            .map(|l| (local.project(l.start), local.project(l.end)))
            .collect();
        let on = |p: Coord<f64>| {
            segments
                .iter()
                .any(|&(a, b)| point_segment_distance(p, a, b) <= BORDER_TOLERANCE_M)
        };
        let mut found = Contact::default();
        for line in piece
            .iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .flat_map(LineString::lines)
        {
            let (a, b) = (local.project(line.start), local.project(line.end));
            let a_on = on(a);
            found.touches |= a_on;
            if a_on
                && on(b)
                && on(Coord {
                    x: 0.5 * (a.x + b.x),
                    y: 0.5 * (a.y + b.y),
                })
            {
                found.shared_m += (b.x - a.x).hypot(b.y - a.y);
            }
        }
        found
    }

    #[test]
    fn the_index_finds_what_the_scan_found() {
        // A zigzag border shared in part, pieces on both sides, near misses
        // a few millimetres off.
        let zig = |offset: f64, steps: usize| -> Vec<(f64, f64)> {
            (0..=steps)
                .map(|k| {
                    let y = 32.0 + 0.01 * k as f64 / steps as f64;
                    let x = 110.01 + [0.0, 1e-5, 0.0, -1e-5][k % 4] + offset;
                    (x, y)
                })
                .collect()
        };
        let side = |offset: f64, west: bool| {
            let mut ring = zig(offset, 400);
            let x = if west { 110.0 } else { 110.02 };
            ring.push((x, 32.01));
            ring.push((x, 32.0));
            ring.push(ring[0]);
            MultiPolygon(vec![geo::Polygon::new(LineString::from(ring), vec![])])
        };
        let grid = side(0.0, true);
        let tree = segment_tree(&grid);
        let local = LocalMetres::around(bbox_of(&grid).unwrap());
        for offset in [0.0, 2e-8, 5e-8, 1e-7, 1e-6] {
            let piece = side(offset, false);
            let indexed = contact(&piece, &tree, &local);
            let scanned = contact_by_scan(&piece, &grid, &local);
            assert_eq!(indexed, scanned, "offset {offset}");
        }
        assert!(contact(&side(0.0, false), &tree, &local).shared_m > 1_000.0);
    }
}
