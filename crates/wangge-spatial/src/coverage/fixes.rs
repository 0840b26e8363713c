//! Applying fix proposals: every grid that gains or loses pieces is rebuilt
//! in one overlay, keeping the exact coordinates of its own and its
//! neighbours' vertices; points the overlay had to compute (where edges
//! crossed) are snapped like the input and inserted into every edge of the
//! level that passes through them, so shared edges still match vertex for
//! vertex.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use geo::{Coord, CoordsIter, LineString, MultiPolygon, Polygon};
use i_overlay::core::overlay_rule::OverlayRule;
use wangge_model::{GridCode, LevelNo};

use super::family::AREA_TOLERANCE_M2;
use super::frame::{overlay, Frame, Rings};
use super::prepare::{prepare, union_box};
use super::report::{FixKind, FixProposal};
use super::CoverageGrid;
use crate::area::lonlat_area_m2;
use crate::bbox::bbox_of;
use crate::partition::{resolve_self_intersections, PARTITION_STEP_DEG};
use crate::validate::check_multipolygon;

/// New points closer than this (degrees, about 1.5 cm) to an edge are put
/// into it: a snapped crossing lies within 0.71 grid steps of both edges.
const INSERT_TOLERANCE_DEG: f64 = 1.5 * PARTITION_STEP_DEG;

/// Applies `fixes` to `grids` and returns the new geometry of every grid
/// that changes, by code: `gap_to_neighbour` adds the piece to `target`,
/// `overlap_split` removes it from `from` (`target` already has it),
/// `leave_blind_spot` changes nothing. Results are valid polygons (the
/// overlay's OGC output); a grid only gets a vertex inserted where a
/// neighbour's new corner lies on its edge (within 1.5 ×
/// [`PARTITION_STEP_DEG`]).
/// Proposals naming unknown grids are skipped.
///
/// ```
/// use geo::{polygon, MultiPolygon};
/// use wangge_model::{GridCode, LevelNo};
/// use wangge_spatial::coverage::{analyze, apply_fixes, CoverageGrid, CoverageOptions};
///
/// let grid = |code: &str, level: u8, parent: Option<&str>, x0: f64, x1: f64| CoverageGrid {
///     id: 0,
///     code: code.parse().unwrap(),
///     name: code.to_owned(),
///     level: LevelNo::try_from(level).unwrap(),
///     parent: parent.map(|p| p.parse().unwrap()),
///     geometry: MultiPolygon(vec![polygon![
///         (x: x0, y: 32.0), (x: x1, y: 32.0), (x: x1, y: 32.001), (x: x0, y: 32.001),
///     ]]),
///     invalid_reason: None,
/// };
/// // Two children leave a strip of 0.00001° (about 0.94 m) of their parent.
/// let grids = vec![
///     grid("P", 1, None, 110.0, 110.002),
///     grid("A", 2, Some("P"), 110.0, 110.001),
///     grid("B", 2, Some("P"), 110.00101, 110.002),
/// ];
/// let report = analyze(&grids, &CoverageOptions::default());
/// assert_eq!(report.gaps.len(), 1);
/// assert!(report.gaps[0].sliver);
/// let changed = apply_fixes(&grids, &report.fixes);
/// assert_eq!(changed.len(), 1);
/// let mut fixed = grids.clone();
/// for (code, geometry) in changed {
///     fixed.iter_mut().find(|g| g.code == code).unwrap().geometry = geometry;
/// }
/// assert!(analyze(&fixed, &CoverageOptions::default()).gaps.is_empty());
/// ```
pub fn apply_fixes(
    grids: &[CoverageGrid],
    fixes: &[FixProposal],
) -> Vec<(GridCode, MultiPolygon<f64>)> {
    let mut by_code: HashMap<&GridCode, &CoverageGrid> = HashMap::new();
    for grid in grids {
        by_code.entry(&grid.code).or_insert(grid);
    }
    let mut gains: BTreeMap<&GridCode, Vec<&MultiPolygon<f64>>> = BTreeMap::new();
    let mut losses: BTreeMap<&GridCode, Vec<&MultiPolygon<f64>>> = BTreeMap::new();
    for fix in fixes {
        match (fix.kind, &fix.target, &fix.from) {
            (FixKind::GapToNeighbour, Some(target), _) => {
                gains.entry(target).or_default().push(&fix.geometry);
            }
            (FixKind::OverlapSplit, _, Some(from)) => {
                losses.entry(from).or_default().push(&fix.geometry);
            }
            _ => {}
        }
    }
    let codes: BTreeSet<&GridCode> = gains.keys().chain(losses.keys()).copied().collect();

    let mut changed: BTreeMap<GridCode, MultiPolygon<f64>> = BTreeMap::new();
    let mut new_points: Vec<(LevelNo, &GridCode, Coord<f64>)> = Vec::new();
    for code in codes {
        let Some(grid) = by_code.get(code) else {
            continue;
        };
        let gained = gains.get(code).map_or(&[][..], Vec::as_slice);
        let lost = losses.get(code).map_or(&[][..], Vec::as_slice);
        let (geometry, points) = rebuild(grid, gained, lost);
        new_points.extend(points.into_iter().map(|p| (grid.level, code, p)));
        changed.insert(code.clone(), geometry);
    }

    if !new_points.is_empty() {
        for grid in by_code.values() {
            let current = changed.get(&grid.code).unwrap_or(&grid.geometry);
            let Some([x0, y0, x1, y1]) = bbox_of(current) else {
                continue;
            };
            let near: Vec<Coord<f64>> = new_points
                .iter()
                .filter(|(level, owner, p)| {
                    *level == grid.level
                        && **owner != grid.code
                        && p.x >= x0 - INSERT_TOLERANCE_DEG
                        && p.x <= x1 + INSERT_TOLERANCE_DEG
                        && p.y >= y0 - INSERT_TOLERANCE_DEG
                        && p.y <= y1 + INSERT_TOLERANCE_DEG
                })
                .map(|(_, _, p)| *p)
                .collect();
            if let Some(updated) = insert_points(current, &near) {
                changed.insert(grid.code.clone(), updated);
            }
        }
    }
    // A rebuilt ring can touch itself or run back along a neighbour's
    // inserted corner. Stored like that it would be flagged invalid, and
    // read as GEOS reads it a face closed by a doubled edge would fall
    // out: such a result is made valid keeping the area it was built to
    // cover (each polygon's rings even-odd, the polygons unioned).
    changed
        .into_iter()
        .map(|(code, geometry)| {
            if check_multipolygon(&geometry).is_empty() {
                (code, geometry)
            } else {
                (code, resolve_self_intersections(&geometry))
            }
        })
        .collect()
}

/// `(grid ∪ gained) − lost`, and the points the overlay computed.
fn rebuild(
    grid: &CoverageGrid,
    gained: &[&MultiPolygon<f64>],
    lost: &[&MultiPolygon<f64>],
) -> (MultiPolygon<f64>, Vec<Coord<f64>>) {
    let prepared = prepare(grid);
    let boxes = prepared
        .bbox
        .into_iter()
        .chain(gained.iter().chain(lost).filter_map(|g| bbox_of(g)));
    let Some(bbox) = union_box(boxes) else {
        return (MultiPolygon(vec![]), Vec::new());
    };
    let mut frame = Frame::new(bbox);
    let mut subject: Vec<Rings> = vec![frame.rings(&prepared.shape)];
    subject.extend(gained.iter().map(|g| frame.rings(g)));
    let clip: Vec<Rings> = lost.iter().map(|g| frame.rings(g)).collect();
    let subject_refs: Vec<&Rings> = subject.iter().collect();
    let clip_refs: Vec<&Rings> = clip.iter().collect();
    let [result] = overlay(&subject_refs, &clip_refs, &[OverlayRule::Difference])
        .try_into()
        .unwrap_or_else(|_| unreachable!("one rule gives one result"));
    let built = frame.multipolygon(&result);

    let ring = |line: &LineString<f64>| -> Option<LineString<f64>> {
        let coords = without_spikes(line.0.clone());
        let ring = LineString(coords);
        let area_m2 = lonlat_area_m2(&MultiPolygon(vec![Polygon::new(ring.clone(), vec![])]));
        (ring.0.len() >= 4 && area_m2 > AREA_TOLERANCE_M2).then_some(ring)
    };
    // Pieces cut in another overlay can leave needles micrometres wide
    // where their computed corners miss this grid's edges: dropped.
    let rebuilt = MultiPolygon(
        built
            .iter()
            .filter_map(|p| {
                let exterior = ring(p.exterior())?;
                Some(Polygon::new(
                    exterior,
                    p.interiors().iter().filter_map(ring).collect(),
                ))
            })
            .collect(),
    );
    // Corners this grid did not have: a neighbour's edge may pass through
    // them (a crossing, or a piece's corner on its edge).
    let own: HashSet<[u64; 2]> = grid.geometry.coords_iter().map(bits).collect();
    let mut points: Vec<Coord<f64>> = rebuilt
        .coords_iter()
        .filter(|&c| !own.contains(&bits(c)))
        .collect();
    points.sort_by(|a, b| a.x.total_cmp(&b.x).then(a.y.total_cmp(&b.y)));
    points.dedup();
    (rebuilt, points)
}

/// A closed ring without repeated points and without spikes (a point the
/// ring goes to and straight back from).
fn without_spikes(coords: Vec<Coord<f64>>) -> Vec<Coord<f64>> {
    let mut open: Vec<Coord<f64>> = Vec::with_capacity(coords.len());
    for c in coords {
        if open.last() == Some(&c) {
            continue;
        }
        if open.len() >= 2 && open[open.len() - 2] == c {
            open.pop();
            continue;
        }
        open.push(c);
    }
    // The closing point, and spikes across it.
    while open.len() > 1 && open.first() == open.last() {
        open.pop();
    }
    loop {
        let n = open.len();
        if n >= 3 && open[n - 2] == open[0] {
            open.pop();
            open.pop();
        } else if n >= 3 && open[1] == open[n - 1] {
            open.remove(0);
            open.pop();
        } else {
            break;
        }
    }
    if let Some(&first) = open.first() {
        open.push(first);
    }
    open
}

fn bits(c: Coord<f64>) -> [u64; 2] {
    [c.x.to_bits(), c.y.to_bits()]
}

/// `mp` with each of `points` put into every edge it lies on (and is not
/// already an end of); `None` when nothing was inserted.
fn insert_points(mp: &MultiPolygon<f64>, points: &[Coord<f64>]) -> Option<MultiPolygon<f64>> {
    if points.is_empty() {
        return None;
    }
    let mut inserted = false;
    let mut ring = |line: &LineString<f64>| {
        let mut coords = Vec::with_capacity(line.0.len());
        for edge in line.0.windows(2) {
            let (a, b) = (edge[0], edge[1]);
            coords.push(a);
            let (dx, dy) = (b.x - a.x, b.y - a.y);
            let len2 = dx * dx + dy * dy;
            if len2 == 0.0 {
                continue;
            }
            let mut on: Vec<(f64, Coord<f64>)> = points
                .iter()
                .filter(|&&p| p != a && p != b)
                .filter_map(|&p| {
                    let t = ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2;
                    let (ex, ey) = (a.x + t * dx - p.x, a.y + t * dy - p.y);
                    (t > 0.0 && t < 1.0 && ex.hypot(ey) <= INSERT_TOLERANCE_DEG).then_some((t, p))
                })
                .collect();
            on.sort_by(|x, y| x.0.total_cmp(&y.0));
            inserted |= !on.is_empty();
            coords.extend(on.into_iter().map(|(_, p)| p));
        }
        if let Some(&last) = line.0.last() {
            coords.push(last);
        }
        coords.dedup();
        LineString(coords)
    };
    let result = MultiPolygon(
        mp.iter()
            .map(|p| {
                Polygon::new(
                    ring(p.exterior()),
                    p.interiors().iter().map(&mut ring).collect(),
                )
            })
            .collect(),
    );
    inserted.then_some(result)
}
