//! OGC validity of a multipolygon, as GEOS judges it, with the place of each
//! fault. Segment pairs come from an R-tree of segment envelopes, so a ring of
//! a few thousand vertices is checked in about n log n.

use std::collections::{BTreeMap, HashMap, HashSet};

use geo::line_intersection::{line_intersection, LineIntersection};
use geo::{Coord, Line, MultiPolygon};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

use super::{format_lonlat, more_places, ring_label, GeometryProblem, ProblemKind};
use crate::planar::{crosses_at_node, position_in_ring, Position};

/// Topological validity of a multipolygon by the OGC rules as GEOS applies
/// them: every ring simple (no crossing, touching or running back along
/// itself), rings of a polygon neither crossing nor sharing segments, holes
/// inside their exterior and not inside each other, the interior connected,
/// and the polygons neither crossing, sharing segments nor nested. Rings may
/// touch at single points.
///
/// Also reports what geo types can still hold (NaN, rings with fewer than 3
/// distinct points: those rings are then left out of the other checks) and an
/// empty multipolygon, which GEOS calls valid but a grid cannot be.
///
/// ```
/// use geo::{polygon, MultiPolygon};
/// use wangge_spatial::validate::{check_multipolygon, ProblemKind};
///
/// let shell_with_hole_outside = MultiPolygon(vec![polygon!(
///     exterior: [(x: 0.0, y: 0.0), (x: 4.0, y: 0.0), (x: 4.0, y: 4.0), (x: 0.0, y: 4.0)],
///     interiors: [[(x: 5.0, y: 1.0), (x: 6.0, y: 1.0), (x: 6.0, y: 2.0)]],
/// )]);
/// let problems = check_multipolygon(&shell_with_hole_outside);
/// assert_eq!(problems.len(), 1);
/// assert_eq!(problems[0].kind, ProblemKind::HoleOutsideShell);
/// assert_eq!(problems[0].location, Some([5.0, 1.0]));
/// ```
pub fn check_multipolygon(mp: &MultiPolygon<f64>) -> Vec<GeometryProblem> {
    let mut problems = Vec::new();
    let (rings, polygons) = usable_rings(mp, &mut problems);
    if rings.is_empty() {
        if problems.is_empty() {
            problems.push(GeometryProblem::new(
                ProblemKind::Empty,
                "geometry is empty".to_owned(),
                None,
            ));
        }
        return problems;
    }
    let scan = scan_segments(&rings);
    report_contacts(&rings, &scan.findings, &mut problems);
    let conflicted: HashSet<(usize, usize)> =
        scan.findings.iter().map(|f| (f.ring_a, f.ring_b)).collect();
    check_holes(&rings, &polygons, &conflicted, &mut problems);
    check_connected(&rings, &scan.touches, &mut problems);
    check_polygons_apart(&rings, &polygons, &conflicted, &mut problems);
    problems
}

/// A ring fit for the topology checks: finite, no repeated consecutive
/// points, closed, at least 3 distinct points.
struct Ring {
    polygon: usize,
    index: usize,
    coords: Vec<Coord<f64>>,
    bbox: [f64; 4],
}

impl Ring {
    fn label(&self) -> String {
        ring_label(self.polygon, self.index)
    }

    fn segment_count(&self) -> usize {
        self.coords.len() - 1
    }

    fn segment(&self, k: usize) -> Line<f64> {
        Line::new(self.coords[k], self.coords[k + 1])
    }

    /// The vertex before vertex `k`, going round the ring.
    fn before(&self, k: usize) -> Coord<f64> {
        if k == 0 {
            self.coords[self.segment_count() - 1]
        } else {
            self.coords[k - 1]
        }
    }

    fn adjacent(&self, k1: usize, k2: usize) -> bool {
        let n = self.segment_count();
        (k1 + 1) % n == k2 || (k2 + 1) % n == k1
    }
}

/// Indices into the ring list, per polygon.
struct PolygonRings {
    exterior: Option<usize>,
    holes: Vec<usize>,
}

fn usable_rings(
    mp: &MultiPolygon<f64>,
    problems: &mut Vec<GeometryProblem>,
) -> (Vec<Ring>, Vec<PolygonRings>) {
    let mut rings = Vec::new();
    let mut polygons = Vec::new();
    for (polygon_index, polygon) in mp.0.iter().enumerate() {
        let mut entry = PolygonRings {
            exterior: None,
            holes: Vec::new(),
        };
        let all = std::iter::once(polygon.exterior()).chain(polygon.interiors());
        for (ring_index, line_string) in all.enumerate() {
            if line_string.0.is_empty() {
                continue;
            }
            let label = ring_label(polygon_index, ring_index);
            if let Some(index) = line_string
                .0
                .iter()
                .position(|c| !c.x.is_finite() || !c.y.is_finite())
            {
                problems.push(GeometryProblem::new(
                    ProblemKind::NonFinite,
                    format!(
                        "{label} has a non-finite coordinate (NaN or infinity) at index {index}"
                    ),
                    None,
                ));
                continue;
            }
            let mut coords = line_string.0.clone();
            coords.dedup();
            if coords.first() != coords.last() {
                coords.push(coords[0]);
            }
            if coords.len() < 4 {
                problems.push(GeometryProblem::new(
                    ProblemKind::TooFewPoints,
                    format!(
                        "{label} has only {} distinct positions; a ring needs at least 3",
                        coords.len() - 1
                    ),
                    Some([coords[0].x, coords[0].y]),
                ));
                continue;
            }
            let bbox = coords.iter().fold(
                [
                    f64::INFINITY,
                    f64::INFINITY,
                    f64::NEG_INFINITY,
                    f64::NEG_INFINITY,
                ],
                |b, c| wangge_model::bbox::union(b, [c.x, c.y, c.x, c.y]),
            );
            let id = rings.len();
            rings.push(Ring {
                polygon: polygon_index,
                index: ring_index,
                coords,
                bbox,
            });
            if ring_index == 0 {
                entry.exterior = Some(id);
            } else {
                entry.holes.push(id);
            }
        }
        polygons.push(entry);
    }
    (rings, polygons)
}

/// How two boundary pieces meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Contact {
    /// They cross (properly, or at a shared vertex).
    Cross,
    /// A ring meets itself at a point without crossing.
    Touch,
    /// They run along each other.
    Overlap,
}

/// An invalid meeting of ring `ring_a` (segment `seg_a`) with `ring_b`
/// (`ring_a <= ring_b`).
struct Finding {
    ring_a: usize,
    seg_a: usize,
    ring_b: usize,
    seg_b: usize,
    contact: Contact,
    at: Coord<f64>,
}

struct Scan {
    findings: Vec<Finding>,
    /// Valid point touches between different rings of one polygon.
    touches: Vec<(usize, usize, Coord<f64>)>,
}

type SegmentEnvelope = GeomWithData<Rectangle<[f64; 2]>, (usize, usize)>;

fn scan_segments(rings: &[Ring]) -> Scan {
    let mut envelopes: Vec<SegmentEnvelope> = Vec::new();
    for (r, ring) in rings.iter().enumerate() {
        for k in 0..ring.segment_count() {
            let line = ring.segment(k);
            envelopes.push(GeomWithData::new(
                Rectangle::from_corners([line.start.x, line.start.y], [line.end.x, line.end.y]),
                (r, k),
            ));
        }
    }
    let tree = RTree::bulk_load(envelopes.clone());
    let mut scan = Scan {
        findings: Vec::new(),
        touches: Vec::new(),
    };
    let mut seen: HashSet<(usize, usize, Contact, u64, u64)> = HashSet::new();
    for envelope in &envelopes {
        let a = envelope.data;
        let aabb = AABB::from_corners(envelope.geom().lower(), envelope.geom().upper());
        for other in tree.locate_in_envelope_intersecting(&aabb) {
            let b = other.data;
            if b <= a {
                continue;
            }
            examine_pair(rings, a, b, &mut scan, &mut seen);
        }
    }
    scan.findings
        .sort_by_key(|f| (f.ring_a, f.ring_b, f.contact, f.seg_a, f.seg_b));
    scan
}

/// Classifies how segment `a` and segment `b` (a < b) meet, as GEOS's
/// `PolygonIntersectionAnalyzer` does.
fn examine_pair(
    rings: &[Ring],
    (ring_a, seg_a): (usize, usize),
    (ring_b, seg_b): (usize, usize),
    scan: &mut Scan,
    seen: &mut HashSet<(usize, usize, Contact, u64, u64)>,
) {
    let (ra, rb) = (&rings[ring_a], &rings[ring_b]);
    let (la, lb) = (ra.segment(seg_a), rb.segment(seg_b));
    let Some(hit) = line_intersection(la, lb) else {
        return;
    };
    let same_ring = ring_a == ring_b;
    let adjacent = same_ring && ra.adjacent(seg_a, seg_b);
    let mut record = |contact: Contact, at: Coord<f64>| {
        if seen.insert((ring_a, ring_b, contact, at.x.to_bits(), at.y.to_bits())) {
            scan.findings.push(Finding {
                ring_a,
                seg_a,
                ring_b,
                seg_b,
                contact,
                at,
            });
        }
    };
    match hit {
        LineIntersection::Collinear { intersection } => {
            record(Contact::Overlap, intersection.start);
        }
        // Neighbouring segments of a ring meet at their shared vertex.
        LineIntersection::SinglePoint { .. } if adjacent => {}
        LineIntersection::SinglePoint {
            intersection,
            is_proper: true,
        } => record(Contact::Cross, intersection),
        LineIntersection::SinglePoint { intersection, .. } if same_ring => {
            record(Contact::Touch, intersection);
        }
        LineIntersection::SinglePoint {
            intersection: at, ..
        } => {
            // A meeting at a segment's end is judged with the next segment,
            // where it is a start: then both edges around the node are known.
            if at == la.end || at == lb.end {
                return;
            }
            let (a0, a1) = if at == la.start {
                (ra.before(seg_a), la.end)
            } else {
                (la.start, la.end)
            };
            let (b0, b1) = if at == lb.start {
                (rb.before(seg_b), lb.end)
            } else {
                (lb.start, lb.end)
            };
            if crosses_at_node(at, a0, a1, b0, b1) {
                record(Contact::Cross, at);
            } else if ra.polygon == rb.polygon {
                scan.touches.push((ring_a, ring_b, at));
            }
        }
    }
}

/// One problem per pair of rings and kind of contact, at its first place.
fn report_contacts(rings: &[Ring], findings: &[Finding], problems: &mut Vec<GeometryProblem>) {
    let mut groups: BTreeMap<(usize, usize, Contact), (Coord<f64>, usize)> = BTreeMap::new();
    for f in findings {
        groups
            .entry((f.ring_a, f.ring_b, f.contact))
            .and_modify(|(_, count)| *count += 1)
            .or_insert((f.at, 1));
    }
    for ((a, b, contact), (at, count)) in groups {
        let (ra, rb) = (&rings[a], &rings[b]);
        let place = format!("{}{}", format_lonlat(at.x, at.y), more_places(count));
        let (kind, message) = if a == b {
            let how = match contact {
                Contact::Cross => "crosses itself",
                Contact::Touch => "touches itself",
                Contact::Overlap => "runs back along itself",
            };
            (
                ProblemKind::SelfIntersection,
                format!("{} {how} at {place}", ra.label()),
            )
        } else {
            let how = if contact == Contact::Overlap {
                "shares a segment with"
            } else {
                "crosses"
            };
            if ra.polygon == rb.polygon {
                let role = if rb.index == 0 { "exterior" } else { "hole" };
                (
                    ProblemKind::RingsIntersect,
                    format!("{} {how} ring {} ({role}) at {place}", ra.label(), rb.index),
                )
            } else {
                (
                    ProblemKind::ShellsOverlap,
                    format!("{} {how} {} at {place}", ra.label(), rb.label()),
                )
            }
        };
        problems.push(GeometryProblem::new(kind, message, Some([at.x, at.y])));
    }
}

/// Where `ring` lies relative to `other`, judged at its first vertex (or
/// segment midpoint) that is not on `other`'s boundary.
fn sample_position(ring: &Ring, other: &Ring) -> Option<(Coord<f64>, Position)> {
    let midpoints = ring.coords.windows(2).map(|w| Coord {
        x: f64::midpoint(w[0].x, w[1].x),
        y: f64::midpoint(w[0].y, w[1].y),
    });
    ring.coords
        .iter()
        .copied()
        .chain(midpoints)
        .map(|p| (p, position_in_ring(p, &other.coords)))
        .find(|(_, position)| *position != Position::OnBoundary)
}

fn bboxes_meet(a: [f64; 4], b: [f64; 4]) -> bool {
    a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3]
}

fn check_holes(
    rings: &[Ring],
    polygons: &[PolygonRings],
    conflicted: &HashSet<(usize, usize)>,
    problems: &mut Vec<GeometryProblem>,
) {
    let clash = |a: usize, b: usize| conflicted.contains(&(a.min(b), a.max(b)));
    for polygon in polygons {
        let Some(exterior) = polygon.exterior else {
            continue;
        };
        for &hole in &polygon.holes {
            if clash(exterior, hole) {
                continue;
            }
            if let Some((at, Position::Outside)) = sample_position(&rings[hole], &rings[exterior]) {
                problems.push(GeometryProblem::new(
                    ProblemKind::HoleOutsideShell,
                    format!(
                        "{} lies outside the exterior ring at {}",
                        rings[hole].label(),
                        format_lonlat(at.x, at.y)
                    ),
                    Some([at.x, at.y]),
                ));
            }
        }
        for (i, &h1) in polygon.holes.iter().enumerate() {
            for &h2 in &polygon.holes[i + 1..] {
                if clash(h1, h2) || !bboxes_meet(rings[h1].bbox, rings[h2].bbox) {
                    continue;
                }
                for (inner, outer) in [(h1, h2), (h2, h1)] {
                    if let Some((at, Position::Inside)) =
                        sample_position(&rings[inner], &rings[outer])
                    {
                        problems.push(GeometryProblem::new(
                            ProblemKind::HolesNested,
                            format!(
                                "{} lies inside ring {} (hole) at {}",
                                rings[inner].label(),
                                rings[outer].index,
                                format_lonlat(at.x, at.y)
                            ),
                            Some([at.x, at.y]),
                        ));
                        break;
                    }
                }
            }
        }
    }
}

/// Rings of a polygon that touch form a graph of rings and touch points; a
/// cycle in it (two rings touching twice, or a chain of holes closing on
/// itself) cuts the interior apart.
fn check_connected(
    rings: &[Ring],
    touches: &[(usize, usize, Coord<f64>)],
    problems: &mut Vec<GeometryProblem>,
) {
    let mut point_ids: HashMap<(u64, u64), usize> = HashMap::new();
    let mut incidences: Vec<(usize, usize, Coord<f64>)> = Vec::new();
    let mut seen = HashSet::new();
    for &(ra, rb, at) in touches {
        let next_id = rings.len() + point_ids.len();
        let point = *point_ids
            .entry((at.x.to_bits(), at.y.to_bits()))
            .or_insert(next_id);
        for ring in [ra, rb] {
            if seen.insert((ring, point)) {
                incidences.push((ring, point, at));
            }
        }
    }
    let mut parent: Vec<usize> = (0..rings.len() + point_ids.len()).collect();
    let mut reported = HashSet::new();
    for (ring, point, at) in incidences {
        let (root_ring, root_point) = (find(&mut parent, ring), find(&mut parent, point));
        if root_ring == root_point {
            let polygon = rings[ring].polygon;
            if reported.insert(polygon) {
                problems.push(GeometryProblem::new(
                    ProblemKind::DisconnectedInterior,
                    format!(
                        "polygon {polygon} has rings that touch at {} and again elsewhere, cutting its interior apart",
                        format_lonlat(at.x, at.y)
                    ),
                    Some([at.x, at.y]),
                ));
            }
        } else {
            parent[root_ring] = root_point;
        }
    }
}

fn find(parent: &mut [usize], mut node: usize) -> usize {
    while parent[node] != node {
        parent[node] = parent[parent[node]];
        node = parent[node];
    }
    node
}

/// No polygon may lie inside another (unless inside one of its holes).
fn check_polygons_apart(
    rings: &[Ring],
    polygons: &[PolygonRings],
    conflicted: &HashSet<(usize, usize)>,
    problems: &mut Vec<GeometryProblem>,
) {
    let clashing_polygons: HashSet<(usize, usize)> = conflicted
        .iter()
        .map(|&(a, b)| (rings[a].polygon, rings[b].polygon))
        .filter(|(pa, pb)| pa != pb)
        .collect();
    let shells: Vec<(usize, usize)> = polygons
        .iter()
        .enumerate()
        .filter_map(|(p, rings_of)| rings_of.exterior.map(|e| (p, e)))
        .collect();
    for (i, &(p, shell_p)) in shells.iter().enumerate() {
        for &(q, shell_q) in &shells[i + 1..] {
            if clashing_polygons.contains(&(p, q))
                || !bboxes_meet(rings[shell_p].bbox, rings[shell_q].bbox)
            {
                continue;
            }
            for (inner, outer, outer_polygon) in [(shell_q, shell_p, p), (shell_p, shell_q, q)] {
                let Some((at, Position::Inside)) = sample_position(&rings[inner], &rings[outer])
                else {
                    continue;
                };
                let in_a_hole = polygons[outer_polygon]
                    .holes
                    .iter()
                    .any(|&h| position_in_ring(at, &rings[h].coords) != Position::Outside);
                if !in_a_hole {
                    problems.push(GeometryProblem::new(
                        ProblemKind::ShellsOverlap,
                        format!(
                            "polygon {} lies inside polygon {} at {}",
                            rings[inner].polygon,
                            outer_polygon,
                            format_lonlat(at.x, at.y)
                        ),
                        Some([at.x, at.y]),
                    ));
                    break;
                }
            }
        }
    }
}
