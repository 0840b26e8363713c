//! How much boundary a piece (a gap, an overlap) shares with a grid: the
//! rule that picks who receives it.

use geo::{Coord, LineString, MultiPolygon};

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

/// Segments of a geometry's rings, projected, that come near a box.
fn segments_near(
    mp: &MultiPolygon<f64>,
    [x0, y0, x1, y1]: [f64; 4],
    margin_deg: f64,
    local: &LocalMetres,
) -> Vec<(Coord<f64>, Coord<f64>)> {
    let near = |a: Coord<f64>, b: Coord<f64>| {
        a.x.max(b.x) >= x0 - margin_deg
            && a.x.min(b.x) <= x1 + margin_deg
            && a.y.max(b.y) >= y0 - margin_deg
            && a.y.min(b.y) <= y1 + margin_deg
    };
    mp.iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(LineString::lines)
        .filter(|line| near(line.start, line.end))
        .map(|line| (local.project(line.start), local.project(line.end)))
        .collect()
}

/// The contact of `piece` with `grid`, lengths in metres of `local`.
pub(crate) fn contact(
    piece: &MultiPolygon<f64>,
    grid: &MultiPolygon<f64>,
    local: &LocalMetres,
) -> Contact {
    let Some(bbox) = bbox_of(piece) else {
        return Contact::default();
    };
    // 1e-6° is over 0.09 m anywhere below 30° from the poles.
    let segments = segments_near(grid, bbox, 1e-6, local);
    if segments.is_empty() {
        return Contact::default();
    }
    let on_boundary = |p: Coord<f64>| {
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
        let a_on = on_boundary(a);
        found.touches |= a_on;
        if a_on && on_boundary(b) {
            let middle = Coord {
                x: 0.5 * (a.x + b.x),
                y: 0.5 * (a.y + b.y),
            };
            if on_boundary(middle) {
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
        let found = contact(&a, &b, &local);
        assert!(found.touches);
        assert!((found.shared_m - 110.57).abs() < 0.1, "{found:?}");
        let corner = MultiPolygon(vec![
            polygon![(x: 0.001, y: 0.001), (x: 0.002, y: 0.001), (x: 0.002, y: 0.002)],
        ]);
        let found = contact(&a, &corner, &local);
        assert!(found.touches);
        assert!(found.shared_m.abs() < 1e-9);
        assert!(boxes_meet([0.0, 0.0, 1.0, 1.0], [1.0, 1.0, 2.0, 2.0], 0.0));
        assert!(!boxes_meet([0.0, 0.0, 1.0, 1.0], [1.1, 0.0, 2.0, 2.0], 0.0));
    }
}
