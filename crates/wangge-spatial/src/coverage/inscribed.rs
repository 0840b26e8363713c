//! The largest circle inside a polygon (the pole of inaccessibility), on a
//! copy projected to local metres.
//!
//! Two searches, the better answer kept: the polylabel cell search
//! (Garcia-Castellanos & Lombardo 2007, as in Mapbox's polylabel) finds the
//! centre of a compact shape quickly but needs about length / width cells
//! for a long sliver; so first, from sample points along every edge, a ray
//! goes inwards to the opposite side and the midpoint is a candidate centre,
//! which measures a sliver's width directly. The cell search then starts
//! from the best candidate with a bounded budget.
//!
//! Both ask an R-tree of the edges (the nearest edge of a point, the edges
//! whose boxes a ray passes through), so a polygon of n vertices costs
//! about n log n; each question scanned every edge before (issue 12: a
//! gap of 50,000 vertices took seconds).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use geo::{Centroid, Coord, Polygon};
use rstar::primitives::{GeomWithData, Line};
use rstar::{RTree, RTreeObject, SelectionFunction, AABB};

use super::local::LocalMetres;

/// Centre (lon/lat) and radius of the largest inscribed circle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Inscribed {
    pub(crate) centre: Coord<f64>,
    pub(crate) radius_m: f64,
}

/// Cells the polylabel search evaluates at most.
const MAX_CELLS: usize = 512;

/// Edge samples (ray origins) at most; longer rings are sampled evenly.
const MAX_SAMPLES: usize = 1_024;

struct Cell {
    centre: Coord<f64>,
    half_m: f64,
    /// Signed distance to the boundary, positive inside.
    distance_m: f64,
    /// The best distance any point of the cell can have.
    potential_m: f64,
}

/// The edges of a polygon's rings (projected, none of zero length) and
/// their R-tree (the data is the edge's index).
struct Boundary {
    edges: Vec<(Coord<f64>, Coord<f64>)>,
    tree: RTree<GeomWithData<Line<[f64; 2]>, usize>>,
    /// The largest x of any edge: where a ray to the right leaves.
    right_x: f64,
}

impl Boundary {
    fn new(rings: &[Vec<Coord<f64>>]) -> Self {
        let edges: Vec<(Coord<f64>, Coord<f64>)> = rings
            .iter()
            .flat_map(|ring| ring.windows(2).map(|w| (w[0], w[1])))
            .filter(|(a, b)| a != b)
            .collect();
        let tree = RTree::bulk_load(
            edges
                .iter()
                .enumerate()
                .map(|(i, &(a, b))| GeomWithData::new(Line::new([a.x, a.y], [b.x, b.y]), i))
                .collect(),
        );
        let right_x = edges.iter().fold(f64::MIN, |x, (a, b)| x.max(a.x).max(b.x));
        Boundary {
            edges,
            tree,
            right_x,
        }
    }
}

/// The tree's nodes and edges whose boxes the ray `origin + t * direction`
/// (t ≥ 0) passes through: a slab test, each box widened by a micrometre
/// so rounding never drops an edge the ray touches at its end.
struct RaySelection {
    origin: Coord<f64>,
    direction: Coord<f64>,
}

impl RaySelection {
    fn meets(&self, envelope: &AABB<[f64; 2]>) -> bool {
        const WIDEN_M: f64 = 1e-6;
        let (lower, upper) = (envelope.lower(), envelope.upper());
        let (mut t_min, mut t_max) = (0.0_f64, f64::INFINITY);
        for (o, d, lo, hi) in [
            (
                self.origin.x,
                self.direction.x,
                lower[0] - WIDEN_M,
                upper[0] + WIDEN_M,
            ),
            (
                self.origin.y,
                self.direction.y,
                lower[1] - WIDEN_M,
                upper[1] + WIDEN_M,
            ),
        ] {
            if d == 0.0 {
                if o < lo || o > hi {
                    return false;
                }
            } else {
                let (t1, t2) = ((lo - o) / d, (hi - o) / d);
                t_min = t_min.max(t1.min(t2));
                t_max = t_max.min(t1.max(t2));
            }
        }
        t_min <= t_max
    }
}

impl SelectionFunction<GeomWithData<Line<[f64; 2]>, usize>> for RaySelection {
    fn should_unpack_parent(&self, envelope: &AABB<[f64; 2]>) -> bool {
        self.meets(envelope)
    }

    fn should_unpack_leaf(&self, leaf: &GeomWithData<Line<[f64; 2]>, usize>) -> bool {
        self.meets(&leaf.envelope())
    }
}

impl Cell {
    fn new(centre: Coord<f64>, half_m: f64, boundary: &Boundary) -> Self {
        let distance_m = signed_distance(centre, boundary);
        Self {
            centre,
            half_m,
            distance_m,
            potential_m: distance_m + half_m * std::f64::consts::SQRT_2,
        }
    }
}

impl PartialEq for Cell {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Cell {}
impl PartialOrd for Cell {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Cell {
    fn cmp(&self, other: &Self) -> Ordering {
        self.potential_m.total_cmp(&other.potential_m)
    }
}

/// `None` for a polygon without area or with non-finite coordinates.
/// The radius is found to within 0.1 % of the smaller side of the bounding
/// box (at least 5 mm, at most 0.5 m).
pub(crate) fn largest_inscribed_circle(polygon: &Polygon<f64>) -> Option<Inscribed> {
    let exterior = &polygon.exterior().0;
    let first = *exterior.first()?;
    if !(first.x.is_finite() && first.y.is_finite()) {
        return None;
    }
    let local = LocalMetres::at(first);
    let rings: Vec<Vec<Coord<f64>>> = std::iter::once(polygon.exterior())
        .chain(polygon.interiors())
        .map(|ring| ring.0.iter().map(|&c| local.project(c)).collect())
        .collect();
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for c in &rings[0] {
        x0 = x0.min(c.x);
        y0 = y0.min(c.y);
        x1 = x1.max(c.x);
        y1 = y1.max(c.y);
    }
    let short_m = (x1 - x0).min(y1 - y0);
    if !(short_m.is_finite() && short_m > 0.0) {
        return None;
    }
    let precision_m = (short_m * 1e-3).clamp(0.005, 0.5);
    // At most 32 cells along the long side to start with.
    let side_m = short_m.max((x1 - x0).max(y1 - y0) / 32.0);

    let boundary = Boundary::new(&rings);
    let centroid = polygon
        .centroid()
        .map_or(rings[0][0], |c| local.project(c.0));
    let mut best = Cell::new(centroid, 0.0, &boundary);
    for candidate in ray_midpoints(&boundary) {
        let cell = Cell::new(candidate, 0.0, &boundary);
        if cell.distance_m > best.distance_m {
            best = cell;
        }
    }
    let middle = Cell::new(
        Coord {
            x: f64::midpoint(x0, x1),
            y: f64::midpoint(y0, y1),
        },
        0.0,
        &boundary,
    );
    if middle.distance_m > best.distance_m {
        best = middle;
    }

    // A sliver thinner than the search's precision is measured by the rays
    // alone: cells could not resolve it, only spend their budget on it.
    let mut queue = BinaryHeap::new();
    if best.distance_m >= 4.0 * precision_m {
        let half_m = side_m / 2.0;
        let mut y = y0;
        while y < y1 {
            let mut x = x0;
            while x < x1 {
                queue.push(Cell::new(
                    Coord {
                        x: x + half_m,
                        y: y + half_m,
                    },
                    half_m,
                    &boundary,
                ));
                x += side_m;
            }
            y += side_m;
        }
    }

    let mut evaluated = queue.len();
    while let Some(cell) = queue.pop() {
        if cell.distance_m > best.distance_m {
            best = Cell::new(cell.centre, 0.0, &boundary);
        }
        if cell.potential_m - best.distance_m <= precision_m || evaluated >= MAX_CELLS {
            continue;
        }
        let h = cell.half_m / 2.0;
        for (dx, dy) in [(-h, -h), (h, -h), (-h, h), (h, h)] {
            queue.push(Cell::new(
                Coord {
                    x: cell.centre.x + dx,
                    y: cell.centre.y + dy,
                },
                h,
                &boundary,
            ));
        }
        evaluated += 4;
    }
    (best.distance_m > 0.0).then(|| Inscribed {
        centre: local.unproject(best.centre),
        radius_m: best.distance_m,
    })
}

/// Midpoints of inward rays from samples along the edges (edge midpoints and
/// vertices) to the first boundary they hit.
fn ray_midpoints(boundary: &Boundary) -> Vec<Coord<f64>> {
    let edges = &boundary.edges;
    let step = (2 * edges.len()).div_ceil(MAX_SAMPLES).max(1);
    let mut found = Vec::new();
    for (index, &(a, b)) in edges.iter().enumerate().step_by(step) {
        let length = (b.x - a.x).hypot(b.y - a.y);
        let middle = Coord {
            x: 0.5 * (a.x + b.x),
            y: 0.5 * (a.y + b.y),
        };
        for sample in [middle, a] {
            // Both normals: which side is inside depends on the ring's
            // winding; a candidate outside loses to any inside.
            for sign in [1.0, -1.0] {
                let normal = Coord {
                    x: -sign * (b.y - a.y) / length,
                    y: sign * (b.x - a.x) / length,
                };
                if let Some(t) = first_hit(sample, normal, boundary, index) {
                    found.push(Coord {
                        x: sample.x + normal.x * t / 2.0,
                        y: sample.y + normal.y * t / 2.0,
                    });
                }
            }
        }
    }
    found
}

/// Distance along the ray `origin + t * direction` (unit) to the nearest
/// edge other than `skip` and the edges ending at `origin` (a ray from a
/// vertex would hit them at once).
fn first_hit(
    origin: Coord<f64>,
    direction: Coord<f64>,
    boundary: &Boundary,
    skip: usize,
) -> Option<f64> {
    let mut nearest: Option<f64> = None;
    let ray = RaySelection { origin, direction };
    for entry in boundary.tree.locate_with_selection_function(ray) {
        let index = entry.data;
        let (a, b) = boundary.edges[index];
        if index == skip || a == origin || b == origin {
            continue;
        }
        let (ex, ey) = (b.x - a.x, b.y - a.y);
        let denominator = direction.x * ey - direction.y * ex;
        if denominator.abs() < 1e-15 {
            continue;
        }
        let (wx, wy) = (a.x - origin.x, a.y - origin.y);
        let t = (wx * ey - wy * ex) / denominator;
        let u = (wx * direction.y - wy * direction.x) / denominator;
        if t > 1e-9 && (0.0..=1.0).contains(&u) && nearest.is_none_or(|n| t < n) {
            nearest = Some(t);
        }
    }
    nearest
}

/// Distance to the nearest edge, negative outside (even-odd inside test,
/// counted on the edges a ray to the right may cross).
fn signed_distance(p: Coord<f64>, boundary: &Boundary) -> f64 {
    let Some(closest) = boundary.tree.nearest_neighbor(&[p.x, p.y]) else {
        return f64::NEG_INFINITY;
    };
    let (a, b) = boundary.edges[closest.data];
    let nearest = segment_distance2(p, a, b).sqrt();
    let mut inside = false;
    let right = AABB::from_corners([p.x, p.y], [boundary.right_x.max(p.x), p.y]);
    for entry in boundary.tree.locate_in_envelope_intersecting(&right) {
        let (a, b) = boundary.edges[entry.data];
        if (a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x {
            inside = !inside;
        }
    }
    if inside {
        nearest
    } else {
        -nearest
    }
}

/// Squared distance from `p` to the segment `a`-`b`.
fn segment_distance2(p: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> f64 {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p.x - a.x) * dx + (p.y - a.y) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (ex, ey) = (p.x - (a.x + t * dx), p.y - (a.y + t * dy));
    ex * ex + ey * ey
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, LineString};

    #[test]
    fn strip_and_square() {
        // 0.001° of latitude is 110.9 m at 32.6°N; a 20 m by 110.9 m strip.
        let local = LocalMetres::at(Coord { x: 110.8, y: 32.6 });
        let dx =
            20.0 / local.length_m(
                Coord { x: 110.8, y: 32.6 },
                Coord {
                    x: 110.801,
                    y: 32.6,
                },
            ) * 0.001;
        let strip = polygon![(x: 110.8, y: 32.6), (x: 110.8 + dx, y: 32.6), (x: 110.8 + dx, y: 32.601), (x: 110.8, y: 32.601)];
        let found = largest_inscribed_circle(&strip).unwrap();
        assert!((found.radius_m - 10.0).abs() < 0.05, "{found:?}");

        // A square with a square hole: the largest circle sits in a corner of
        // the frame, between two outer sides and the hole's corner, at
        // t = √2 / (1 + √2) · 0.001° from both sides (about 65 m).
        let shell = LineString::from(vec![
            (0.0, 0.0),
            (0.004, 0.0),
            (0.004, 0.004),
            (0.0, 0.004),
            (0.0, 0.0),
        ]);
        let hole = LineString::from(vec![
            (0.001, 0.001),
            (0.003, 0.001),
            (0.003, 0.003),
            (0.001, 0.003),
            (0.001, 0.001),
        ]);
        let frame = Polygon::new(shell, vec![hole]);
        let found = largest_inscribed_circle(&frame).unwrap();
        assert!((found.radius_m - 65.0).abs() < 0.3, "{found:?}");
        assert!(
            found.centre.x < 0.001 && found.centre.y < 0.001,
            "{found:?}"
        );
    }

    #[test]
    fn degenerate_gives_none() {
        let flat = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 2.0, y: 0.0)];
        assert_eq!(largest_inscribed_circle(&flat), None);
    }
}
