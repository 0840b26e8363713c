//! Editing cells on the map: cutting one in two along a drawn line, and
//! joining neighbours into one.
//!
//! Both work on lon/lat degrees through the same overlay engine as the
//! coverage report, so the two pieces of a cut share their new edge exactly
//! (no gap, no overlap is created) and a merge leaves no seam.
//!
//! ```
//! use geo::{polygon, Coord, MultiPolygon};
//! use wangge_spatial::edit::{merge, split_by_line};
//!
//! let cell = MultiPolygon(vec![polygon![
//!     (x: 0.0, y: 0.0), (x: 2.0, y: 0.0), (x: 2.0, y: 1.0), (x: 0.0, y: 1.0),
//! ]]);
//! // A north-south line through the middle.
//! let line = [Coord { x: 1.0, y: -0.5 }, Coord { x: 1.0, y: 1.5 }];
//! let [left, right] = split_by_line(&cell, &line).unwrap();
//! let joined = merge(&[left, right]).unwrap();
//! assert_eq!(joined.0.len(), 1);
//! ```

use geo::orient::{Direction, Orient};
use geo::{Area, Contains, Coord, LineString, MultiPolygon, Point, Polygon};
use i_overlay::core::fill_rule::FillRule;
use i_overlay::core::overlay_rule::OverlayRule;
use thiserror::Error;

use crate::bbox::bbox_of;
use crate::overlay::{contours_of, fill, Contours};
use crate::validate::{check_multipolygon, summarize};

/// Why a cut or a merge cannot be done; the messages are for the person
/// drawing on the map.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum EditError {
    #[error("the line needs at least two distinct points")]
    LineTooShort,
    #[error("point {index} of the line is not a finite coordinate")]
    LineNotFinite { index: usize },
    #[error("the line must start and end outside the cell (point {index} is inside): draw it right across")]
    LineEndsInside { index: usize },
    #[error("the line does not cut the cell in two: draw it right across")]
    NoCut,
    #[error("the line crosses itself: {0}")]
    LineCrossesItself(String),
    #[error("merge needs at least two cells")]
    TooFewCells,
    #[error("the cells do not form one piece: they must be neighbours sharing an edge ({parts} separate parts)")]
    NotNeighbours { parts: usize },
    #[error("a cell has no area")]
    Empty,
}

/// The two sides of `cell` left and right of `line` (in that order). The
/// line must start and end outside the cell; a line that crosses the cell
/// several times gives sides of several parts.
pub fn split_by_line(
    cell: &MultiPolygon<f64>,
    line: &[Coord<f64>],
) -> Result<[MultiPolygon<f64>; 2], EditError> {
    if let Some(index) = line
        .iter()
        .position(|c| !c.x.is_finite() || !c.y.is_finite())
    {
        return Err(EditError::LineNotFinite { index });
    }
    let mut points: Vec<Coord<f64>> = Vec::with_capacity(line.len());
    for c in line {
        if points.last() != Some(c) {
            points.push(*c);
        }
    }
    if points.len() < 2 {
        return Err(EditError::LineTooShort);
    }
    for index in [0, points.len() - 1] {
        if cell.contains(&Point(points[index])) {
            let index = if index == 0 { 0 } else { line.len() - 1 };
            return Err(EditError::LineEndsInside { index });
        }
    }
    let cell_box = bbox_of(cell).ok_or(EditError::Empty)?;
    let line_box = bbox_of(&MultiPolygon(vec![Polygon::new(
        LineString(points.clone()),
        vec![],
    )]))
    .unwrap_or(cell_box);
    let frame = frame_around(cell_box, line_box);
    let left = left_side(&points, frame);
    let problems = check_multipolygon(&MultiPolygon(vec![left.clone()]));
    if let Some(reason) = summarize(&problems) {
        return Err(EditError::LineCrossesItself(reason));
    }
    let subject = cell_contours(cell);
    let clip = contours_of(&left.orient(Direction::Default));
    let snap = Snap::new(cell, &points, snap_tolerance(frame));
    let left_part = snap.apply(overlay(&subject, &clip, OverlayRule::Intersect));
    let right_part = snap.apply(overlay(&subject, &clip, OverlayRule::Difference));
    // Below a square millimetre at these latitudes a side is rounding noise.
    let tiny_deg2 = 1e-16;
    if left_part.unsigned_area() < tiny_deg2 || right_part.unsigned_area() < tiny_deg2 {
        return Err(EditError::NoCut);
    }
    Ok([left_part, right_part])
}

/// The union of `cells`, which must form one connected piece.
pub fn merge(cells: &[MultiPolygon<f64>]) -> Result<MultiPolygon<f64>, EditError> {
    if cells.len() < 2 {
        return Err(EditError::TooFewCells);
    }
    let mut contours: Contours = Vec::new();
    for cell in cells {
        if cell.0.is_empty() {
            return Err(EditError::Empty);
        }
        contours.extend(cell_contours(cell));
    }
    let union = fill(&contours, FillRule::NonZero);
    let whole = MultiPolygon(cells.iter().flat_map(|c| c.0.iter().cloned()).collect());
    let tolerance = bbox_of(&whole).map_or(SNAP_DEG, snap_tolerance);
    let union = Snap::new(&whole, &[], tolerance).apply(union);
    match union.0.len() {
        0 => Err(EditError::Empty),
        1 => Ok(union),
        parts => Err(EditError::NotNeighbours { parts }),
    }
}

/// The overlay works on an integer grid, which moves every vertex by up to
/// about 1e-11 degrees (a micrometre). Kept as is, the cut cell would no
/// longer meet its neighbours exactly and the coverage report would find
/// micro-gaps. So each output vertex goes back to the input vertex it came
/// from, else onto the cell edge (or drawn line) it lies on.
struct Snap {
    /// Degrees: how far an output vertex may lie from where it came from.
    tolerance: f64,
    vertices: Vec<Coord<f64>>,
    /// Cell edges first: a point on both an edge and the line goes onto the
    /// edge, which the neighbour shares.
    segments: Vec<(Coord<f64>, Coord<f64>)>,
}

/// Well above the grid's error on a cell-sized frame, well below anything
/// drawn (0.1 mm).
const SNAP_DEG: f64 = 1e-9;

/// The snap distance for an overlay over `frame`: the integer grid is about
/// 2^30 steps across the frame, and a vertex can move by a step or two, so
/// a frame of degrees (a large grid cut again: its vertices are themselves
/// off the round numbers) needs more than [`SNAP_DEG`].
fn snap_tolerance(frame: [f64; 4]) -> f64 {
    let extent = (frame[2] - frame[0]).max(frame[3] - frame[1]);
    SNAP_DEG.max(extent * 4e-9)
}

impl Snap {
    fn new(cell: &MultiPolygon<f64>, line: &[Coord<f64>], tolerance: f64) -> Self {
        let rings = cell
            .0
            .iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()));
        let mut vertices = Vec::new();
        let mut segments = Vec::new();
        for ring in rings {
            vertices.extend(ring.0.iter().copied());
            segments.extend(ring.lines().map(|l| (l.start, l.end)));
        }
        segments.extend(line.windows(2).map(|w| (w[0], w[1])));
        Snap {
            tolerance,
            vertices,
            segments,
        }
    }

    fn coord(&self, c: Coord<f64>) -> Coord<f64> {
        let tolerance = self.tolerance;
        let near = |a: Coord<f64>| (a.x - c.x).abs() <= tolerance && (a.y - c.y).abs() <= tolerance;
        if let Some(v) = self.vertices.iter().find(|v| near(**v)) {
            return *v;
        }
        for &(a, b) in &self.segments {
            let d = b - a;
            let len2 = d.x * d.x + d.y * d.y;
            if len2 == 0.0 {
                continue;
            }
            let t = (((c - a).x * d.x + (c - a).y * d.y) / len2).clamp(0.0, 1.0);
            let on = a + d * t;
            if near(on) {
                return on;
            }
        }
        c
    }

    fn apply(&self, mut mp: MultiPolygon<f64>) -> MultiPolygon<f64> {
        for polygon in &mut mp.0 {
            polygon.exterior_mut(|ring| ring.0.iter_mut().for_each(|c| *c = self.coord(*c)));
            polygon.interiors_mut(|rings| {
                for ring in rings {
                    ring.0.iter_mut().for_each(|c| *c = self.coord(*c));
                }
            });
        }
        mp
    }
}

/// Every ring of every polygon, exteriors counter-clockwise and holes
/// clockwise, so a non-zero fill reads each polygon right.
fn cell_contours(cell: &MultiPolygon<f64>) -> Contours {
    cell.0
        .iter()
        .flat_map(|p| contours_of(&p.orient(Direction::Default)))
        .collect()
}

fn overlay(subject: &Contours, clip: &Contours, rule: OverlayRule) -> MultiPolygon<f64> {
    use i_overlay::core::solver::Solver;
    use i_overlay::float::overlay::{FloatOverlay, OverlayOptions};
    let options = OverlayOptions {
        preserve_input_collinear: true,
        preserve_output_collinear: true,
        ogc: true,
        ..OverlayOptions::default()
    };
    let shapes = FloatOverlay::with_subj_and_clip_custom(subject, clip, options, Solver::default())
        .overlay(rule, FillRule::NonZero);
    let contours: Contours = shapes.into_iter().flatten().collect();
    // Re-filled so that windings and holes come out as in the rest of the crate.
    fill(&contours, FillRule::EvenOdd)
}

/// A box holding the cell and the line with a margin, so the line's ends,
/// extended outwards, meet the box's border outside the cell.
fn frame_around(a: [f64; 4], b: [f64; 4]) -> [f64; 4] {
    let [x0, y0, x1, y1] = wangge_model::bbox::union(a, b);
    let margin = ((x1 - x0).max(y1 - y0)) * 0.5 + 1e-6;
    [x0 - margin, y0 - margin, x1 + margin, y1 + margin]
}

/// The part of `frame` left of the polyline: the line, its ends extended to
/// the frame's border, and the border walked counter-clockwise from the
/// end's exit back to the start's exit.
fn left_side(points: &[Coord<f64>], frame: [f64; 4]) -> Polygon<f64> {
    let n = points.len();
    let start = exit(points[0], points[0] - points[1], frame);
    let end = exit(points[n - 1], points[n - 1] - points[n - 2], frame);
    let mut ring = Vec::with_capacity(n + 6);
    ring.push(start);
    ring.extend_from_slice(points);
    ring.push(end);
    let (t_end, t_start) = (perimeter_t(end, frame), perimeter_t(start, frame));
    // The corners passed walking counter-clockwise from `end` to `start`.
    let mut t = t_end;
    let stop = if t_start > t_end {
        t_start
    } else {
        t_start + 4.0
    };
    loop {
        let next_corner = t.floor() + 1.0;
        if next_corner >= stop {
            break;
        }
        ring.push(corner(next_corner as i64, frame));
        t = next_corner;
    }
    ring.push(start);
    Polygon::new(LineString(ring), vec![])
}

/// Where the ray from `from` along `dir` leaves `frame`.
fn exit(from: Coord<f64>, dir: Coord<f64>, [x0, y0, x1, y1]: [f64; 4]) -> Coord<f64> {
    let along = |p: f64, d: f64, lo: f64, hi: f64| {
        if d > 0.0 {
            (hi - p) / d
        } else if d < 0.0 {
            (lo - p) / d
        } else {
            f64::INFINITY
        }
    };
    let s = along(from.x, dir.x, x0, x1).min(along(from.y, dir.y, y0, y1));
    let c = from + dir * s;
    Coord {
        x: c.x.clamp(x0, x1),
        y: c.y.clamp(y0, y1),
    }
}

/// Position on the frame's border, counter-clockwise from the south-west
/// corner: 0-1 south edge, 1-2 east, 2-3 north, 3-4 west.
fn perimeter_t(c: Coord<f64>, [x0, y0, x1, y1]: [f64; 4]) -> f64 {
    let (w, h) = (x1 - x0, y1 - y0);
    let eps = 1e-12 * (w + h);
    if (c.y - y0).abs() <= eps && c.x < x1 {
        (c.x - x0) / w
    } else if (c.x - x1).abs() <= eps && c.y < y1 {
        1.0 + (c.y - y0) / h
    } else if (c.y - y1).abs() <= eps && c.x > x0 {
        2.0 + (x1 - c.x) / w
    } else {
        3.0 + (y1 - c.y) / h
    }
}

/// Corner `k` (mod 4) of the frame: 1 south-east, 2 north-east, 3
/// north-west, 0 south-west.
fn corner(k: i64, [x0, y0, x1, y1]: [f64; 4]) -> Coord<f64> {
    match k.rem_euclid(4) {
        1 => Coord { x: x1, y: y0 },
        2 => Coord { x: x1, y: y1 },
        3 => Coord { x: x0, y: y1 },
        _ => Coord { x: x0, y: y0 },
    }
}

#[cfg(test)]
mod tests {
    use geo::{polygon, Area, Intersects};

    use super::*;

    fn square() -> MultiPolygon<f64> {
        MultiPolygon(vec![polygon![
            (x: 110.0, y: 32.0), (x: 110.02, y: 32.0), (x: 110.02, y: 32.01), (x: 110.0, y: 32.01),
        ]])
    }

    fn c(x: f64, y: f64) -> Coord<f64> {
        Coord { x, y }
    }

    #[test]
    fn a_straight_cut_gives_two_halves_that_tile_the_cell() {
        let cell = square();
        let [left, right] = split_by_line(&cell, &[c(110.01, 31.99), c(110.01, 32.02)]).unwrap();
        let (a, b, whole) = (
            left.unsigned_area(),
            right.unsigned_area(),
            cell.unsigned_area(),
        );
        assert!((a - whole / 2.0).abs() < whole * 1e-9, "{a} vs {whole}");
        assert!((a + b - whole).abs() < whole * 1e-9);
        // Walking north, the west half is on the left.
        assert!(left.contains(&Point::new(110.005, 32.005)));
        assert!(right.contains(&Point::new(110.015, 32.005)));
        assert!(check_multipolygon(&left).is_empty());
        assert!(check_multipolygon(&right).is_empty());
    }

    /// A cell degrees wide cut twice: the integer grid's error grows with
    /// the frame, and the second cut starts from vertices that are already
    /// off the round numbers. The pieces must still meet each other and the
    /// untouched neighbour edge (x = 1) exactly.
    #[test]
    // Exactly: the snap must put the shared edge on the very same coordinates.
    #[allow(clippy::float_cmp)]
    fn a_large_cell_cut_twice_still_meets_its_neighbours_exactly() {
        let cell = MultiPolygon(vec![polygon![
            (x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 2.0), (x: 0.0, y: 2.0),
        ]]);
        let [west, east] = split_by_line(&cell, &[c(0.3, -0.5), c(0.3, 2.5)]).unwrap();
        let [middle, rest] = split_by_line(&east, &[c(0.6, -0.5), c(0.6, 2.5)]).unwrap();
        let xs = |mp: &MultiPolygon<f64>| -> Vec<f64> {
            mp.0[0].exterior().0.iter().map(|p| p.x).collect()
        };
        let max = |v: Vec<f64>| v.into_iter().fold(f64::MIN, f64::max);
        let min = |v: Vec<f64>| v.into_iter().fold(f64::MAX, f64::min);
        assert_eq!(max(xs(&rest)), 1.0, "the neighbour's edge moved: {rest:?}");
        assert_eq!(max(xs(&west)), min(xs(&middle)), "{west:?} {middle:?}");
        assert_eq!(max(xs(&middle)), min(xs(&rest)), "{middle:?} {rest:?}");
        let whole = cell.unsigned_area();
        let sum = west.unsigned_area() + middle.unsigned_area() + rest.unsigned_area();
        assert!((sum - whole).abs() < whole * 1e-12, "{sum} vs {whole}");
    }

    #[test]
    fn a_bent_line_in_any_direction_cuts() {
        let cell = square();
        // From the east side to the south side, with a bend inside.
        let line = [c(110.03, 32.005), c(110.01, 32.004), c(110.012, 31.99)];
        let [left, right] = split_by_line(&cell, &line).unwrap();
        let whole = cell.unsigned_area();
        assert!((left.unsigned_area() + right.unsigned_area() - whole).abs() < whole * 1e-9);
        assert!(left.unsigned_area() > 0.0 && right.unsigned_area() > 0.0);
        // The south-east corner is cut off: it is the smaller side.
        let se = Point::new(110.019, 32.001);
        let small = if left.contains(&se) { &left } else { &right };
        assert!(small.unsigned_area() < whole / 2.0);
    }

    #[test]
    fn a_line_that_misses_or_stops_inside_is_refused() {
        let cell = square();
        assert_eq!(
            split_by_line(&cell, &[c(110.1, 31.9), c(110.1, 32.1)]),
            Err(EditError::NoCut)
        );
        assert_eq!(
            split_by_line(&cell, &[c(110.01, 31.99), c(110.01, 32.005)]),
            Err(EditError::LineEndsInside { index: 1 })
        );
        assert_eq!(
            split_by_line(&cell, &[c(110.01, 31.99), c(110.01, 31.99)]),
            Err(EditError::LineTooShort)
        );
        assert_eq!(
            split_by_line(&cell, &[c(f64::NAN, 31.99), c(110.01, 32.02)]),
            Err(EditError::LineNotFinite { index: 0 })
        );
    }

    #[test]
    fn merging_the_halves_gives_the_cell_back_and_strangers_are_refused() {
        let cell = square();
        let [left, right] = split_by_line(&cell, &[c(110.01, 31.99), c(110.01, 32.02)]).unwrap();
        let joined = merge(&[left.clone(), right]).unwrap();
        assert_eq!(joined.0.len(), 1);
        assert!(joined.0[0].interiors().is_empty());
        let whole = cell.unsigned_area();
        assert!((joined.unsigned_area() - whole).abs() < whole * 1e-9);
        let far = MultiPolygon(vec![polygon![
            (x: 111.0, y: 32.0), (x: 111.01, y: 32.0), (x: 111.01, y: 32.01),
        ]]);
        assert!(!far.intersects(&left));
        assert_eq!(
            merge(&[left.clone(), far]),
            Err(EditError::NotNeighbours { parts: 2 })
        );
        assert_eq!(merge(&[left]), Err(EditError::TooFewCells));
    }
}
