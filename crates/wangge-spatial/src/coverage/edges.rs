//! Edge mismatches of one level, the way GEOS's CoverageValidator finds
//! invalid edges: a segment shared by two grids must be the same segment in
//! both. Segments that match another grid's exactly are fine; of the rest,
//! any two of different grids that run along each other (within
//! [`EDGE_TOLERANCE_M`], over more than that length) are a mismatch.

use std::collections::BTreeMap;

use geo::{Coord, LineString, MultiLineString};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};
use wangge_model::LevelNo;

use super::local::LocalMetres;
use super::prepare::{union_box, Prepared};
use super::report::EdgeMismatch;

/// How far apart two edges may be and still run "along" each other.
pub const EDGE_TOLERANCE_M: f64 = 0.05;

#[derive(Clone, Copy)]
struct Segment {
    a: Coord<f64>,
    b: Coord<f64>,
    grid: usize,
}

/// Endpoints as bits, in a fixed order, so a segment and its reverse agree.
fn key(s: &Segment) -> [u64; 4] {
    let bits = |c: Coord<f64>| [c.x.to_bits(), c.y.to_bits()];
    let (p, q) = if (s.a.x, s.a.y) <= (s.b.x, s.b.y) {
        (s.a, s.b)
    } else {
        (s.b, s.a)
    };
    let [px, py] = bits(p);
    let [qx, qy] = bits(q);
    [px, py, qx, qy]
}

fn segments_of(grids: &[&Prepared<'_>]) -> Vec<Segment> {
    let mut segments = Vec::new();
    for (grid, prepared) in grids.iter().enumerate() {
        for polygon in &prepared.grid.geometry {
            for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
                for line in ring.lines() {
                    let finite = [line.start, line.end]
                        .iter()
                        .all(|c| c.x.is_finite() && c.y.is_finite());
                    if finite && line.start != line.end {
                        segments.push(Segment {
                            a: line.start,
                            b: line.end,
                            grid,
                        });
                    }
                }
            }
        }
    }
    segments
}

/// Splits segments into those matched by exactly one segment of another
/// grid (fine), those no other grid has (returned first, to be checked for
/// near neighbours), and pairs of grids sharing a segment that a third copy
/// makes ambiguous (a ring running back along itself over a neighbour's
/// edge: GEOS flags these too).
fn match_exactly(segments: Vec<Segment>) -> (Vec<Segment>, Vec<(Segment, Segment)>) {
    let mut keyed: Vec<([u64; 4], Segment)> = segments.into_iter().map(|s| (key(&s), s)).collect();
    keyed.sort_unstable_by(|x, y| x.0.cmp(&y.0).then(x.1.grid.cmp(&y.1.grid)));
    let mut open = Vec::new();
    let mut crowded = Vec::new();
    for run in keyed.chunk_by(|x, y| x.0 == y.0) {
        let first = run[0].1;
        let grids_differ = run.iter().any(|(_, s)| s.grid != first.grid);
        match run {
            [_, _] if grids_differ => {}
            _ if grids_differ => {
                for (i, (_, s)) in run.iter().enumerate() {
                    for (_, t) in &run[i + 1..] {
                        if s.grid != t.grid {
                            crowded.push((*s, *t));
                        }
                    }
                }
            }
            _ => open.extend(run.iter().map(|(_, s)| *s)),
        }
    }
    (open, crowded)
}

/// The stretch of `s` along which `t` runs within the tolerance, as
/// parameters (metres from `s.a`), when it is longer than the tolerance.
fn along(this: (Coord<f64>, Coord<f64>), other: (Coord<f64>, Coord<f64>)) -> Option<(f64, f64)> {
    let (start, end) = this;
    let length = (end.x - start.x).hypot(end.y - start.y);
    if length <= EDGE_TOLERANCE_M {
        return None;
    }
    let unit = Coord {
        x: (end.x - start.x) / length,
        y: (end.y - start.y) / length,
    };
    // (distance along `this`, signed distance off its line)
    let place = |p: Coord<f64>| {
        let (dx, dy) = (p.x - start.x, p.y - start.y);
        (dx * unit.x + dy * unit.y, unit.x * dy - unit.y * dx)
    };
    let (along0, off0) = place(other.0);
    let (along1, off1) = place(other.1);
    if (along1 - along0).abs() <= EDGE_TOLERANCE_M {
        return None;
    }
    let lo = along0.min(along1).max(0.0);
    let hi = along0.max(along1).min(length);
    if hi - lo <= EDGE_TOLERANCE_M {
        return None;
    }
    let offset = |at: f64| off0 + (off1 - off0) * (at - along0) / (along1 - along0);
    (offset(lo).abs() <= EDGE_TOLERANCE_M && offset(hi).abs() <= EDGE_TOLERANCE_M)
        .then_some((lo, hi))
}

/// All edge mismatches among `grids` (one level).
pub(crate) fn edge_mismatches(level: LevelNo, grids: &[&Prepared<'_>]) -> Vec<EdgeMismatch> {
    let (open, crowded) = match_exactly(segments_of(grids));
    let Some(bbox) = union_box(open.iter().chain(crowded.iter().map(|(s, _)| s)).map(|s| {
        [
            s.a.x.min(s.b.x),
            s.a.y.min(s.b.y),
            s.a.x.max(s.b.x),
            s.a.y.max(s.b.y),
        ]
    })) else {
        return Vec::new();
    };
    // Linear in lon/lat, so collinear stays collinear; scale errors across a
    // city change only the tolerance, by a few per cent.
    let local = LocalMetres::around(bbox);
    let max_lat = bbox[1].abs().max(bbox[3].abs()).min(85.0);
    let margin_deg = 2.0 * EDGE_TOLERANCE_M / (110_000.0 * max_lat.to_radians().cos());
    let projected: Vec<(Coord<f64>, Coord<f64>)> = open
        .iter()
        .map(|s| (local.project(s.a), local.project(s.b)))
        .collect();
    let tree = RTree::bulk_load(
        open.iter()
            .enumerate()
            .map(|(i, s)| {
                GeomWithData::new(
                    Rectangle::from_corners(
                        [s.a.x.min(s.b.x) - margin_deg, s.a.y.min(s.b.y) - margin_deg],
                        [s.a.x.max(s.b.x) + margin_deg, s.a.y.max(s.b.y) + margin_deg],
                    ),
                    i,
                )
            })
            .collect(),
    );

    let mut stretches: BTreeMap<(usize, usize), Vec<LineString<f64>>> = BTreeMap::new();
    let mut lengths: BTreeMap<(usize, usize), f64> = BTreeMap::new();
    for (s, t) in &crowded {
        let pair = (s.grid.min(t.grid), s.grid.max(t.grid));
        stretches
            .entry(pair)
            .or_default()
            .push(LineString(vec![s.a, s.b]));
        let (a, b) = (local.project(s.a), local.project(s.b));
        *lengths.entry(pair).or_default() += (b.x - a.x).hypot(b.y - a.y);
    }
    for (i, s) in open.iter().enumerate() {
        let envelope = AABB::from_corners(
            [s.a.x.min(s.b.x), s.a.y.min(s.b.y)],
            [s.a.x.max(s.b.x), s.a.y.max(s.b.y)],
        );
        for entry in tree.locate_in_envelope_intersecting(&envelope) {
            let j = entry.data;
            let t = &open[j];
            if j <= i || t.grid == s.grid {
                continue;
            }
            let Some((lo, hi)) = along(projected[i], projected[j]) else {
                continue;
            };
            let (a, b) = projected[i];
            let length = (b.x - a.x).hypot(b.y - a.y);
            let at = |u: f64| {
                local.unproject(Coord {
                    x: a.x + (b.x - a.x) * u / length,
                    y: a.y + (b.y - a.y) * u / length,
                })
            };
            // Whole-segment ends keep their exact input coordinates.
            let start = if lo <= 0.0 { s.a } else { at(lo) };
            let end = if hi >= length { s.b } else { at(hi) };
            let pair = (s.grid.min(t.grid), s.grid.max(t.grid));
            stretches
                .entry(pair)
                .or_default()
                .push(LineString(vec![start, end]));
            *lengths.entry(pair).or_default() += hi - lo;
        }
    }

    let mut found: Vec<EdgeMismatch> = stretches
        .into_iter()
        .map(|((x, y), lines)| {
            let (mut a, mut b) = (grids[x].grid.code.clone(), grids[y].grid.code.clone());
            if b < a {
                std::mem::swap(&mut a, &mut b);
            }
            EdgeMismatch {
                level,
                a,
                b,
                length_m: lengths.get(&(x, y)).copied().unwrap_or_default(),
                geometry: MultiLineString(lines),
            }
        })
        .collect();
    found.sort_by(|p, q| (&p.a, &p.b).cmp(&(&q.a, &q.b)));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn along_needs_overlap_and_closeness() {
        let c = |x: f64, y: f64| Coord { x, y };
        let s = (c(0.0, 0.0), c(10.0, 0.0));
        assert_eq!(
            along(s, (c(4.0, 0.0), c(20.0, 0.01))).map(|(lo, hi)| (lo.round(), hi)),
            Some((4.0, 10.0))
        );
        assert_eq!(along(s, (c(4.0, 0.0), c(20.0, 1.0))), None, "diverges");
        assert_eq!(along(s, (c(10.0, 0.0), c(20.0, 0.0))), None, "only touches");
        assert_eq!(along(s, (c(5.0, 0.0), c(5.0, 3.0))), None, "crosses");
    }
}
