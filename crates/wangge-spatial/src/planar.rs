//! Planar predicates on lon/lat coordinates shared by validation and
//! partitioning. Orientation uses geo's robust (exact) kernel so that
//! decisions on nearly collinear points never contradict each other.

use std::cmp::Ordering;

use geo::kernels::{Kernel, RobustKernel};
use geo::{Coord, Orientation};

pub(crate) fn orient(a: Coord<f64>, b: Coord<f64>, c: Coord<f64>) -> Orientation {
    <RobustKernel as Kernel<f64>>::orient2d(a, b, c)
}

/// Where a point lies relative to a ring or a polygon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Position {
    Inside,
    OnBoundary,
    Outside,
}

/// Position of `p` relative to the closed ring `ring` (first == last), by
/// winding number, so it works for either orientation.
pub(crate) fn position_in_ring(p: Coord<f64>, ring: &[Coord<f64>]) -> Position {
    let mut winding = 0_i64;
    for edge in ring.windows(2) {
        let (a, b) = (edge[0], edge[1]);
        let side = orient(a, b, p);
        if side == Orientation::Collinear
            && p.x >= a.x.min(b.x)
            && p.x <= a.x.max(b.x)
            && p.y >= a.y.min(b.y)
            && p.y <= a.y.max(b.y)
        {
            return Position::OnBoundary;
        }
        if a.y <= p.y {
            if b.y > p.y && side == Orientation::CounterClockwise {
                winding += 1;
            }
        } else if b.y <= p.y && side == Orientation::Clockwise {
            winding -= 1;
        }
    }
    if winding == 0 {
        Position::Outside
    } else {
        Position::Inside
    }
}

/// Quadrant of the direction from `origin` to `p`, counted counter-clockwise
/// from the positive x axis (0 = north-east, 3 = south-east).
fn quadrant(origin: Coord<f64>, p: Coord<f64>) -> u8 {
    let (dx, dy) = (p.x - origin.x, p.y - origin.y);
    match (dx >= 0.0, dy >= 0.0) {
        (true, true) => 0,
        (false, true) => 1,
        (false, false) => 2,
        (true, false) => 3,
    }
}

/// Orders the directions `origin -> p` and `origin -> q` by their angle from
/// the positive x axis in [0, 2π); `Equal` when they point the same way.
pub(crate) fn compare_angle(origin: Coord<f64>, p: Coord<f64>, q: Coord<f64>) -> Ordering {
    match quadrant(origin, p).cmp(&quadrant(origin, q)) {
        Ordering::Equal => match orient(origin, q, p) {
            Orientation::CounterClockwise => Ordering::Greater,
            Orientation::Clockwise => Ordering::Less,
            Orientation::Collinear => Ordering::Equal,
        },
        other => other,
    }
}

/// Whether two boundaries meeting at `node` cross there: ring A arrives from
/// `a0` and leaves to `a1`, ring B likewise. They cross when B's two edges lie
/// on different sides of A's two edges. Edges along each other are not a
/// crossing here (a shared segment is reported on its own).
pub(crate) fn crosses_at_node(
    node: Coord<f64>,
    a0: Coord<f64>,
    a1: Coord<f64>,
    b0: Coord<f64>,
    b1: Coord<f64>,
) -> bool {
    let (lo, hi) = if compare_angle(node, a0, a1) == Ordering::Greater {
        (a1, a0)
    } else {
        (a0, a1)
    };
    // None when the edge runs along one of A's edges.
    let between = |b: Coord<f64>| -> Option<bool> {
        let to_lo = compare_angle(node, b, lo);
        let to_hi = compare_angle(node, b, hi);
        if to_lo == Ordering::Equal || to_hi == Ordering::Equal {
            None
        } else {
            Some(to_lo == Ordering::Greater && to_hi == Ordering::Less)
        }
    };
    match (between(b0), between(b1)) {
        (Some(first), Some(second)) => first != second,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::coord;

    fn square() -> Vec<Coord<f64>> {
        vec![
            coord! {x: 0.0, y: 0.0},
            coord! {x: 2.0, y: 0.0},
            coord! {x: 2.0, y: 2.0},
            coord! {x: 0.0, y: 2.0},
            coord! {x: 0.0, y: 0.0},
        ]
    }

    #[test]
    fn positions_in_either_orientation() {
        let ring = square();
        let mut reversed = ring.clone();
        reversed.reverse();
        for r in [&ring, &reversed] {
            assert_eq!(
                position_in_ring(coord! {x: 1.0, y: 1.0}, r),
                Position::Inside
            );
            assert_eq!(
                position_in_ring(coord! {x: 3.0, y: 1.0}, r),
                Position::Outside
            );
            assert_eq!(
                position_in_ring(coord! {x: 2.0, y: 1.0}, r),
                Position::OnBoundary
            );
            assert_eq!(
                position_in_ring(coord! {x: 0.0, y: 0.0}, r),
                Position::OnBoundary
            );
            assert_eq!(
                position_in_ring(coord! {x: 1.0, y: 2.0}, r),
                Position::OnBoundary
            );
        }
    }

    #[test]
    fn node_crossing() {
        let origin = coord! {x: 0.0, y: 0.0};
        let (east, north, west, south) = (
            coord! {x: 1.0, y: 0.0},
            coord! {x: 0.0, y: 1.0},
            coord! {x: -1.0, y: 0.0},
            coord! {x: 0.0, y: -1.0},
        );
        // A runs west-east, B south-north: a cross.
        assert!(crosses_at_node(origin, west, east, south, north));
        // B only touches from the north: no cross.
        let north_east = coord! {x: 1.0, y: 1.0};
        let north_west = coord! {x: -1.0, y: 1.0};
        assert!(!crosses_at_node(origin, west, east, north_east, north_west));
        assert!(!crosses_at_node(origin, east, west, north_west, north_east));
    }
}
