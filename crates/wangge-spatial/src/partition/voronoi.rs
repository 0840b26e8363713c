//! Voronoi pieces of a parent polygon.

use geo::{Coord, LineString, MultiPolygon, Polygon};

use super::shared_vertices::share_vertices;
use super::snap::snap_to_grid;
use super::PARTITION_STEP_DEG;
use crate::bbox::bbox_of;
use crate::overlay::{contours_of, SharedGrid};

/// Splits `parent` into the Voronoi cells of `seeds` clipped to `parent`:
/// piece `i` belongs to `seeds[i]` and is empty when that seed's cell misses
/// the parent (or the seed is NaN, or repeats an earlier seed).
///
/// The pieces tile the parent: their union is the parent, they do not
/// overlap, and neighbours share edges with identical vertices. All
/// coordinates are snapped to [`PARTITION_STEP_DEG`] (1e-7°), the parent's
/// first. The parent should be valid (see [`super::resolve_self_intersections`]);
/// rings with NaN or infinite coordinates are ignored.
///
/// Cells are built by clipping a frame around the parent with the bisector of
/// each nearer seed (Sutherland–Hodgman, stopping once no farther seed can
/// reach the cell), then intersected with the parent, so the cost is about
/// n log n per seed plus one polygon intersection per seed.
pub fn voronoi_partition(
    parent: &MultiPolygon<f64>,
    seeds: &[Coord<f64>],
) -> Vec<MultiPolygon<f64>> {
    let parent = snap_to_grid(&finite_rings(parent), PARTITION_STEP_DEG);
    let Some([x0, y0, x1, y1]) = bbox_of(&parent) else {
        return vec![MultiPolygon(vec![]); seeds.len()];
    };
    // A frame strictly around the parent, so no frame edge runs along it.
    let margin = 0.01 * (x1 - x0).max(y1 - y0) + 1e-5;
    let frame = [x0 - margin, y0 - margin, x1 + margin, y1 + margin];
    // One integer grid for every piece's overlay: a point two pieces share
    // comes out the same in both.
    let grid = SharedGrid::new(frame);
    let subject = parent.0.iter().flat_map(contours_of).collect();
    let mut pieces: Vec<MultiPolygon<f64>> = (0..seeds.len())
        .map(|i| {
            let cell = voronoi_cell(i, seeds, frame);
            if cell.len() < 3 || !meets_box(&cell, [x0, y0, x1, y1]) {
                return MultiPolygon(vec![]);
            }
            let clip: Vec<[f64; 2]> = cell.iter().map(|c| [c.x, c.y]).collect();
            snap_to_grid(&grid.intersect(&subject, &clip), PARTITION_STEP_DEG)
        })
        .collect();
    share_vertices(&mut pieces, PARTITION_STEP_DEG);
    pieces
}

fn finite_rings(mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    let finite = |ring: &LineString<f64>| ring.0.iter().all(|c| c.x.is_finite() && c.y.is_finite());
    MultiPolygon(
        mp.0.iter()
            .filter(|polygon| finite(polygon.exterior()))
            .map(|polygon| {
                let holes = polygon
                    .interiors()
                    .iter()
                    .filter(|r| finite(r))
                    .cloned()
                    .collect();
                Polygon::new(polygon.exterior().clone(), holes)
            })
            .collect(),
    )
}

fn meets_box(cell: &[Coord<f64>], [x0, y0, x1, y1]: [f64; 4]) -> bool {
    let (mut cx0, mut cy0, mut cx1, mut cy1) = (
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    );
    for c in cell {
        cx0 = cx0.min(c.x);
        cy0 = cy0.min(c.y);
        cx1 = cx1.max(c.x);
        cy1 = cy1.max(c.y);
    }
    cx0 <= x1 && x0 <= cx1 && cy0 <= y1 && y0 <= cy1
}

/// The Voronoi cell of `seeds[i]` within `frame` as an open ring
/// (counter-clockwise, no closing point); empty when the seed has none.
fn voronoi_cell(i: usize, seeds: &[Coord<f64>], [x0, y0, x1, y1]: [f64; 4]) -> Vec<Coord<f64>> {
    let seed = seeds[i];
    let finite = |c: &Coord<f64>| c.x.is_finite() && c.y.is_finite();
    // The first of equal seeds takes the cell.
    if !finite(&seed) || seeds[..i].contains(&seed) {
        return Vec::new();
    }
    // Work relative to the seed: bisector arithmetic stays small and exact-ish.
    let rel = |x: f64, y: f64| Coord {
        x: x - seed.x,
        y: y - seed.y,
    };
    let mut cell = vec![rel(x0, y0), rel(x1, y0), rel(x1, y1), rel(x0, y1)];
    let mut others: Vec<(f64, Coord<f64>)> = seeds
        .iter()
        .filter(|s| finite(s) && **s != seed)
        .map(|s| {
            let d = rel(s.x, s.y);
            (d.x * d.x + d.y * d.y, d)
        })
        .collect();
    others.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (distance2, d) in others {
        // A seed more than twice as far as the cell's farthest corner cannot
        // cut it, and neither can any seed after it.
        let reach2 = cell
            .iter()
            .map(|c| c.x * c.x + c.y * c.y)
            .fold(0.0, f64::max);
        if distance2 > 4.0 * reach2 {
            break;
        }
        cell = clip_half_plane(&cell, d, distance2 / 2.0);
        if cell.len() < 3 {
            return Vec::new();
        }
    }
    cell.into_iter()
        .map(|c| Coord {
            x: c.x + seed.x,
            y: c.y + seed.y,
        })
        .collect()
}

/// Keeps the part of convex `polygon` where `normal · p <= limit`.
fn clip_half_plane(polygon: &[Coord<f64>], normal: Coord<f64>, limit: f64) -> Vec<Coord<f64>> {
    let side = |p: Coord<f64>| normal.x * p.x + normal.y * p.y - limit;
    let mut out = Vec::with_capacity(polygon.len() + 1);
    for (k, &a) in polygon.iter().enumerate() {
        let b = polygon[(k + 1) % polygon.len()];
        let (sa, sb) = (side(a), side(b));
        if sa <= 0.0 {
            out.push(a);
        }
        if (sa < 0.0 && sb > 0.0) || (sa > 0.0 && sb < 0.0) {
            let t = sa / (sa - sb);
            out.push(Coord {
                x: a.x + (b.x - a.x) * t,
                y: a.y + (b.y - a.y) * t,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::coord;

    #[test]
    fn half_plane_clip_of_a_square() {
        let square = [
            coord! {x: 0.0, y: 0.0},
            coord! {x: 2.0, y: 0.0},
            coord! {x: 2.0, y: 2.0},
            coord! {x: 0.0, y: 2.0},
        ];
        let left = clip_half_plane(&square, coord! {x: 1.0, y: 0.0}, 1.0);
        assert_eq!(
            left,
            [
                coord! {x: 0.0, y: 0.0},
                coord! {x: 1.0, y: 0.0},
                coord! {x: 1.0, y: 2.0},
                coord! {x: 0.0, y: 2.0}
            ]
        );
        assert!(clip_half_plane(&square, coord! {x: 1.0, y: 0.0}, -1.0).is_empty());
    }

    #[test]
    fn cells_of_two_seeds_and_duplicates() {
        let seeds = [
            coord! {x: 1.0, y: 1.0},
            coord! {x: 3.0, y: 1.0},
            coord! {x: 1.0, y: 1.0},
        ];
        let frame = [0.0, 0.0, 4.0, 2.0];
        let left = voronoi_cell(0, &seeds, frame);
        assert!(left.iter().all(|c| c.x <= 2.0));
        assert!(left.contains(&coord! {x: 2.0, y: 2.0}));
        let right = voronoi_cell(1, &seeds, frame);
        assert!(right.iter().all(|c| c.x >= 2.0));
        assert!(voronoi_cell(2, &seeds, frame).is_empty());
    }
}
