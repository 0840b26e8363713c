//! The polygonal part of an invalid multipolygon made valid the way GEOS
//! `MakeValid` does by default (its "linework" method, the algorithm of
//! PostGIS' `ST_MakeValid`), so that the coverage of a real, broken
//! boundary file agrees with what GEOS, shapely, QGIS and PostGIS find.
//!
//! The method, for the whole multipolygon at once:
//!
//! 1. node every ring's segments against each other (crossings, touches,
//!    overlaps) and count a segment drawn twice once — so a spike that
//!    goes out and back is a dangling line, and a triangle closed by a
//!    doubled edge is a face of its own;
//! 2. drop the dangling edges and find the faces of the planar graph;
//! 3. build the area as `BuildArea` does: a face is land when an even
//!    number of other faces hold it in one of their holes;
//! 4. take away the boundary of that area from the edges and build an area
//!    again from what is left (the edges inside the land), toggling it in
//!    (symmetric difference); repeat until no face is left.
//!
//! No crate of the georust family offers this (geo has no `make_valid`,
//! and GEOS through the `geos` crate needs the C++ library on every
//! machine), so it is written here on geo's robust segment intersection.
//! Only the polygonal result is kept; the collapsed lines GEOS also
//! returns carry no area.

use std::collections::{BTreeMap, HashMap};

use geo::line_intersection::{line_intersection, LineIntersection};
use geo::{Coord, Line, MultiPolygon};
use i_overlay::core::fill_rule::FillRule;
use rstar::{RTree, RTreeObject, AABB};

use crate::overlay::{fill, Contours};

/// A vertex, keyed by its exact bits (after noding, a point shared by two
/// segments is computed once and so is bit-for-bit the same).
type Key = (u64, u64);

fn key(c: Coord<f64>) -> Key {
    // +0.0 and -0.0 are one point.
    ((c.x + 0.0).to_bits(), (c.y + 0.0).to_bits())
}

/// The area GEOS `MakeValid` (linework) gives `mp`, as a valid
/// multipolygon. A valid input comes back as it is, up to ring order.
pub fn make_valid_linework(mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    let segments: Vec<Line<f64>> =
        mp.0.iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .filter(|ring| ring.0.iter().all(|c| c.x.is_finite() && c.y.is_finite()))
            .flat_map(geo::LineString::lines)
            .filter(|l| l.start != l.end)
            .collect();
    let graph = Graph::noded(&segments);
    let fine = graph.faces();
    if fine.shells.is_empty() {
        return MultiPolygon(vec![]);
    }
    // The land, per fine face, toggled by each round's area.
    let mut land = vec![false; fine.shells.len()];
    let mut edges = graph.edges.clone();
    for _round in 0..64 {
        let round_graph = Graph::from_edges(edges);
        let faces = round_graph.faces();
        if faces.shells.is_empty() {
            break;
        }
        let included = faces.build_area();
        // Each fine face lies in one face of this round's (coarser) graph.
        for (f, point) in fine.points.iter().enumerate() {
            if let Some(c) = faces.face_at(*point) {
                land[f] ^= included[c];
            }
        }
        // What is left: the edges with the new area on both sides or on
        // neither (inside the land, or between two faces left out).
        edges = round_graph
            .edges
            .iter()
            .filter(|(a, b)| {
                let (left, right) = faces.sides(*a, *b);
                let side = |face: Option<usize>| face.is_some_and(|c| included[c]);
                side(left) == side(right)
            })
            .copied()
            .collect();
    }
    // Land faces, each with the components inside it as holes.
    let mut contours: Contours = Vec::new();
    for (f, shell) in fine.shells.iter().enumerate() {
        if !land[f] {
            continue;
        }
        contours.push(shell.iter().map(|c| [c.x, c.y]).collect());
        for (component, outer) in fine.outers.iter().enumerate() {
            if fine.container[component] == Some(f) {
                contours.push(outer.iter().map(|c| [c.x, c.y]).collect());
            }
        }
    }
    fill(&contours, FillRule::EvenOdd)
}

#[derive(Clone, Copy)]
struct Segment {
    index: usize,
    line: Line<f64>,
}

impl RTreeObject for Segment {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        AABB::from_corners(
            [self.line.start.x, self.line.start.y],
            [self.line.end.x, self.line.end.y],
        )
    }
}

/// An undirected planar graph of straight edges, without dangling edges.
struct Graph {
    coords: HashMap<Key, Coord<f64>>,
    /// Each vertex's neighbours, counter-clockwise by angle.
    around: HashMap<Key, Vec<Key>>,
    /// Every edge once, `(a, b)` with `a < b`.
    edges: Vec<(Key, Key)>,
}

impl Graph {
    /// The segments split where they meet one another, each piece once.
    fn noded(segments: &[Line<f64>]) -> Graph {
        let tree = RTree::bulk_load(
            segments
                .iter()
                .enumerate()
                .map(|(index, &line)| Segment { index, line })
                .collect(),
        );
        // Points on each segment where it is to be cut.
        let mut cuts: Vec<Vec<Coord<f64>>> =
            segments.iter().map(|l| vec![l.start, l.end]).collect();
        for (i, line) in segments.iter().enumerate() {
            let envelope = Segment {
                index: i,
                line: *line,
            }
            .envelope();
            for other in tree.locate_in_envelope_intersecting(&envelope) {
                if other.index <= i {
                    continue;
                }
                match line_intersection(*line, other.line) {
                    None => {}
                    Some(LineIntersection::SinglePoint { intersection, .. }) => {
                        cuts[i].push(intersection);
                        cuts[other.index].push(intersection);
                    }
                    Some(LineIntersection::Collinear { intersection }) => {
                        for p in [intersection.start, intersection.end] {
                            cuts[i].push(p);
                            cuts[other.index].push(p);
                        }
                    }
                }
            }
        }
        let mut coords = HashMap::new();
        let mut edges = Vec::new();
        for (line, mut points) in segments.iter().zip(cuts) {
            let (dx, dy) = (line.end.x - line.start.x, line.end.y - line.start.y);
            let along = |c: &Coord<f64>| (c.x - line.start.x) * dx + (c.y - line.start.y) * dy;
            points.sort_by(|p, q| along(p).total_cmp(&along(q)));
            points.dedup_by(|p, q| key(*p) == key(*q));
            for pair in points.windows(2) {
                let (a, b) = (key(pair[0]), key(pair[1]));
                if a == b {
                    continue;
                }
                coords.insert(a, pair[0]);
                coords.insert(b, pair[1]);
                edges.push(if a < b { (a, b) } else { (b, a) });
            }
        }
        let mut graph = Graph::build(coords, edges);
        graph.drop_dangles();
        graph
    }

    fn from_edges(edges: Vec<(Key, Key)>) -> Graph {
        let coords = edges
            .iter()
            .flat_map(|(a, b)| [*a, *b])
            .map(|k| {
                (
                    k,
                    Coord {
                        x: f64::from_bits(k.0),
                        y: f64::from_bits(k.1),
                    },
                )
            })
            .collect();
        let mut graph = Graph::build(coords, edges);
        graph.drop_dangles();
        graph
    }

    fn build(coords: HashMap<Key, Coord<f64>>, mut edges: Vec<(Key, Key)>) -> Graph {
        edges.sort_unstable();
        edges.dedup();
        let mut graph = Graph {
            coords,
            around: HashMap::new(),
            edges,
        };
        graph.link();
        graph
    }

    fn link(&mut self) {
        let mut around: HashMap<Key, Vec<Key>> = HashMap::new();
        for &(a, b) in &self.edges {
            around.entry(a).or_default().push(b);
            around.entry(b).or_default().push(a);
        }
        for (v, neighbours) in &mut around {
            let c = self.coords[v];
            let angle = |n: &Key| {
                let p = self.coords[n];
                (p.y - c.y).atan2(p.x - c.x)
            };
            neighbours.sort_by(|p, q| angle(p).total_cmp(&angle(q)));
        }
        self.around = around;
    }

    /// Removes edges with a free end until none is left: they bound no face.
    fn drop_dangles(&mut self) {
        loop {
            let dangling: std::collections::HashSet<Key> = self
                .around
                .iter()
                .filter(|(_, n)| n.len() < 2)
                .map(|(v, _)| *v)
                .collect();
            if dangling.is_empty() {
                return;
            }
            self.edges
                .retain(|(a, b)| !dangling.contains(a) && !dangling.contains(b));
            self.link();
        }
    }

    /// The half-edge after `from → at` on the face to its left: at `at`,
    /// the neighbour just before `from` counter-clockwise.
    fn next(&self, from: Key, at: Key) -> Key {
        let neighbours = &self.around[&at];
        let i = neighbours.iter().position(|n| *n == from).unwrap_or(0);
        neighbours[(i + neighbours.len() - 1) % neighbours.len()]
    }

    /// Every cycle of half-edges: bounded faces counter-clockwise, the
    /// outer boundary of each connected part clockwise.
    fn faces(&self) -> Faces {
        let mut cycle_of: HashMap<(Key, Key), usize> = HashMap::new();
        let mut cycles: Vec<Vec<Key>> = Vec::new();
        let mut half_edges: Vec<(Key, Key)> = self
            .edges
            .iter()
            .flat_map(|&(a, b)| [(a, b), (b, a)])
            .collect();
        half_edges.sort_unstable();
        for start in half_edges {
            if cycle_of.contains_key(&start) {
                continue;
            }
            let id = cycles.len();
            let mut cycle = Vec::new();
            let (mut from, mut at) = start;
            loop {
                cycle_of.insert((from, at), id);
                cycle.push(from);
                let next = self.next(from, at);
                (from, at) = (at, next);
                if (from, at) == start || cycle.len() > 4 * self.edges.len() + 4 {
                    break;
                }
            }
            cycles.push(cycle);
        }
        let rings: Vec<Vec<Coord<f64>>> = cycles
            .iter()
            .map(|c| c.iter().map(|k| self.coords[k]).collect())
            .collect();
        let mut shells = Vec::new();
        let mut outers = Vec::new();
        // Cycle index -> (is a shell, index among shells or outers).
        let mut kind: Vec<(bool, usize)> = Vec::with_capacity(rings.len());
        for ring in rings {
            if signed_area(&ring) > 0.0 {
                kind.push((true, shells.len()));
                shells.push(ring);
            } else {
                kind.push((false, outers.len()));
                outers.push(ring);
            }
        }
        let areas: Vec<f64> = shells.iter().map(|s| signed_area(s)).collect();
        let points: Vec<Coord<f64>> = shells.iter().map(|s| interior_point(s)).collect();
        // The face holding each part (its outer boundary's first point is
        // inside that face's shell, and it is the smallest such shell that
        // is not the part's own).
        let container: Vec<Option<usize>> = outers
            .iter()
            .map(|outer| {
                let probe = outer[0];
                let mut best: Option<usize> = None;
                for (s, shell) in shells.iter().enumerate() {
                    if shell.iter().any(|c| key(*c) == key(probe)) {
                        continue; // a face of the same part
                    }
                    if contains(shell, probe) && best.is_none_or(|b| areas[s] < areas[b]) {
                        best = Some(s);
                    }
                }
                best
            })
            .collect();
        let mut sides = BTreeMap::new();
        for ((from, at), id) in &cycle_of {
            sides.insert((*from, *at), kind[*id]);
        }
        Faces {
            shells,
            outers,
            areas,
            points,
            container,
            sides,
        }
    }
}

/// The faces of a graph.
struct Faces {
    /// Bounded faces' outer rings, counter-clockwise.
    shells: Vec<Vec<Coord<f64>>>,
    /// Each connected part's outer boundary, clockwise.
    outers: Vec<Vec<Coord<f64>>>,
    areas: Vec<f64>,
    /// A point inside each face.
    points: Vec<Coord<f64>>,
    /// The face each part lies in (`None`: outside everything).
    container: Vec<Option<usize>>,
    /// The cycle on the left of each half-edge: (is a shell, its index).
    sides: BTreeMap<(Key, Key), (bool, usize)>,
}

impl Faces {
    /// `BuildArea`: a face is land when it lies in the holes of an even
    /// number of other faces (in the shells of an even number of others).
    fn build_area(&self) -> Vec<bool> {
        self.points
            .iter()
            .enumerate()
            .map(|(f, p)| {
                let holding = self
                    .shells
                    .iter()
                    .enumerate()
                    .filter(|(g, shell)| *g != f && contains(shell, *p))
                    .count();
                holding % 2 == 0
            })
            .collect()
    }

    /// The face whose region holds `p`: the smallest shell around it.
    fn face_at(&self, p: Coord<f64>) -> Option<usize> {
        self.shells
            .iter()
            .enumerate()
            .filter(|(_, shell)| contains(shell, p))
            .min_by(|a, b| self.areas[a.0].total_cmp(&self.areas[b.0]))
            .map(|(s, _)| s)
    }

    /// The faces on the left and right of the edge `a`–`b` (`None`: the
    /// outside of everything).
    fn sides(&self, a: Key, b: Key) -> (Option<usize>, Option<usize>) {
        let face = |half: (Key, Key)| match self.sides.get(&half) {
            Some((true, s)) => Some(*s),
            Some((false, o)) => self.container[*o],
            None => None,
        };
        (face((a, b)), face((b, a)))
    }
}

fn signed_area(ring: &[Coord<f64>]) -> f64 {
    let n = ring.len();
    (0..n)
        .map(|i| {
            let (p, q) = (ring[i], ring[(i + 1) % n]);
            p.x * q.y - q.x * p.y
        })
        .sum::<f64>()
        / 2.0
}

/// Crossing test; a point on the ring counts as either.
fn contains(ring: &[Coord<f64>], point: Coord<f64>) -> bool {
    let mut inside = false;
    let count = ring.len();
    for i in 0..count {
        let (from, to) = (ring[i], ring[(i + 1) % count]);
        if (from.y > point.y) != (to.y > point.y) {
            let crossing_x = from.x + (point.y - from.y) / (to.y - from.y) * (to.x - from.x);
            if point.x < crossing_x {
                inside = !inside;
            }
        }
    }
    inside
}

/// A point just inside a counter-clockwise face, left of its longest edge.
fn interior_point(ring: &[Coord<f64>]) -> Coord<f64> {
    let n = ring.len();
    let (a, b) = (0..n)
        .map(|i| (ring[i], ring[(i + 1) % n]))
        .max_by(|(a, b), (c, d)| {
            let l = |p: &Coord<f64>, q: &Coord<f64>| (q.x - p.x).hypot(q.y - p.y);
            l(a, b).total_cmp(&l(c, d))
        })
        .unwrap_or((ring[0], ring[0]));
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let length = dx.hypot(dy).max(f64::MIN_POSITIVE);
    // A hundred-thousandth of the edge to its left: inside the face unless
    // another edge runs closer than that to its middle.
    let step = length * 1e-5;
    Coord {
        x: f64::midpoint(a.x, b.x) - dy / length * step,
        y: f64::midpoint(a.y, b.y) + dx / length * step,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::check_multipolygon;
    use geo::{Area, LineString, Polygon};

    fn polygon_of(coords: &[(f64, f64)]) -> Polygon<f64> {
        Polygon::new(LineString::from(coords.to_vec()), vec![])
    }

    fn area(mp: &MultiPolygon<f64>) -> f64 {
        mp.unsigned_area()
    }

    #[test]
    fn a_valid_polygon_stays_the_same() {
        let square = MultiPolygon(vec![Polygon::new(
            LineString::from(vec![
                (0.0, 0.0),
                (4.0, 0.0),
                (4.0, 4.0),
                (0.0, 4.0),
                (0.0, 0.0),
            ]),
            vec![LineString::from(vec![
                (1.0, 1.0),
                (1.0, 2.0),
                (2.0, 2.0),
                (2.0, 1.0),
                (1.0, 1.0),
            ])],
        )]);
        let fixed = make_valid_linework(&square);
        assert!((area(&fixed) - 15.0).abs() < 1e-9, "{fixed:?}");
        assert!(check_multipolygon(&fixed).is_empty());
    }

    #[test]
    fn a_bow_tie_keeps_both_lobes() {
        let bow_tie = MultiPolygon(vec![polygon_of(&[
            (0.0, 0.0),
            (2.0, 2.0),
            (2.0, 0.0),
            (0.0, 2.0),
            (0.0, 0.0),
        ])]);
        let fixed = make_valid_linework(&bow_tie);
        assert!((area(&fixed) - 2.0).abs() < 1e-9, "{fixed:?}");
        assert_eq!(fixed.0.len(), 2);
    }

    /// The case of the real district files: the ring runs A→B→A (a spike)
    /// and on to C and back to B, closing the triangle A-C-B with the
    /// doubled edge. GEOS keeps the triangle and drops the spike.
    #[test]
    fn a_triangle_closed_by_a_doubled_edge_is_kept() {
        let ring = [
            (0.0, 0.0),
            (4.0, 0.0),
            (4.0, 4.0),
            (2.0, 4.0), // A
            (1.0, 4.0), // B
            (2.0, 4.0), // back to A
            (1.0, 5.0), // C, above the square
            (1.0, 4.0), // B
            (0.0, 4.0),
            (0.0, 0.0),
        ];
        let fixed = make_valid_linework(&MultiPolygon(vec![polygon_of(&ring)]));
        assert!(
            (area(&fixed) - 16.5).abs() < 1e-9,
            "{} {fixed:?}",
            area(&fixed)
        );
        assert!(check_multipolygon(&fixed).is_empty());
    }

    /// Two overlapping parts of a multipolygon: GEOS reads their shared
    /// linework, so the overlap becomes a hole (not a union).
    #[test]
    fn overlapping_parts_leave_their_overlap_out() {
        let mp = MultiPolygon(vec![
            polygon_of(&[(0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (0.0, 2.0), (0.0, 0.0)]),
            polygon_of(&[(1.0, 1.0), (3.0, 1.0), (3.0, 3.0), (1.0, 3.0), (1.0, 1.0)]),
        ]);
        let fixed = make_valid_linework(&mp);
        assert!(
            (area(&fixed) - 6.0).abs() < 1e-9,
            "{} {fixed:?}",
            area(&fixed)
        );
    }

    /// A part inside another: its ring is a hole of the outer one (GEOS
    /// gives the annulus).
    #[test]
    fn a_nested_ring_is_a_hole() {
        let mp = MultiPolygon(vec![
            polygon_of(&[(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0), (0.0, 0.0)]),
            polygon_of(&[(1.0, 1.0), (3.0, 1.0), (3.0, 3.0), (1.0, 3.0), (1.0, 1.0)]),
        ]);
        let fixed = make_valid_linework(&mp);
        assert!(
            (area(&fixed) - 12.0).abs() < 1e-9,
            "{} {fixed:?}",
            area(&fixed)
        );
        assert!(make_valid_linework(&MultiPolygon(vec![])).0.is_empty());
    }
}
