//! Making neighbouring pieces share their vertices exactly.
//!
//! Each piece comes from its own overlay, so the same point of a shared edge
//! can come out one grid step apart in two pieces, or as a vertex of one
//! piece only (an overlay drops vertices it finds collinear). This pass merges
//! grid points within one step of each other and inserts into every edge the
//! vertices of other pieces lying on it, so shared edges match vertex for
//! vertex.

use std::collections::HashMap;

use geo::{Coord, CoordsIter, LineString, MultiPolygon, Polygon};
use rstar::primitives::GeomWithData;
use rstar::{RTree, AABB};

use super::snap::{close_ring, scale_of};

type Grid = (i64, i64);

pub(crate) fn share_vertices(pieces: &mut [MultiPolygon<f64>], step_deg: f64) {
    let scale = scale_of(step_deg);
    let to_grid =
        |c: Coord<f64>| -> Grid { ((c.x * scale).round() as i64, (c.y * scale).round() as i64) };
    let to_coord = |g: Grid| Coord {
        x: g.0 as f64 / scale,
        y: g.1 as f64 / scale,
    };

    // Merge grid points one step apart, the first in sorted order winning.
    let mut points: Vec<Grid> = pieces
        .iter()
        .flat_map(CoordsIter::coords_iter)
        .map(to_grid)
        .collect();
    points.sort_unstable();
    points.dedup();
    let mut representative: HashMap<Grid, Grid> = HashMap::with_capacity(points.len());
    for &p in &points {
        let neighbour = (-1..=1)
            .flat_map(|dx| (-1..=1).map(move |dy| (p.0 + dx, p.1 + dy)))
            .find(|q| representative.get(q) == Some(q));
        representative.insert(p, neighbour.unwrap_or(p));
    }
    let merge = |c: Coord<f64>| {
        to_coord(
            representative
                .get(&to_grid(c))
                .copied()
                .unwrap_or_else(|| to_grid(c)),
        )
    };
    for piece in pieces.iter_mut() {
        *piece = map_rings(piece, |ring| ring.iter().map(|&c| merge(c)).collect());
    }

    // Vertices of every piece, to insert into the edges of the others.
    let entries: Vec<GeomWithData<[f64; 2], usize>> = pieces
        .iter()
        .enumerate()
        .flat_map(|(i, piece)| {
            piece
                .coords_iter()
                .map(move |c| GeomWithData::new([c.x, c.y], i))
        })
        .collect();
    let tree = RTree::bulk_load(entries);
    let tolerance = 2.0 * step_deg;
    for (i, piece) in pieces.iter_mut().enumerate() {
        *piece = map_rings(piece, |ring| insert_on_edges(ring, i, &tree, tolerance));
    }
}

/// Rebuilds every ring with `f`, then drops repeated points and zero-width
/// spikes; rings and polygons that collapse go.
fn map_rings(
    piece: &MultiPolygon<f64>,
    mut f: impl FnMut(&[Coord<f64>]) -> Vec<Coord<f64>>,
) -> MultiPolygon<f64> {
    let mut ring = |line: &LineString<f64>| close_ring(remove_spikes(f(&line.0)));
    MultiPolygon(
        piece
            .0
            .iter()
            .filter_map(|polygon| {
                let exterior = ring(polygon.exterior())?;
                let holes = polygon.interiors().iter().filter_map(&mut ring).collect();
                Some(Polygon::new(exterior, holes))
            })
            .collect(),
    )
}

fn insert_on_edges(
    ring: &[Coord<f64>],
    piece: usize,
    tree: &RTree<GeomWithData<[f64; 2], usize>>,
    tolerance: f64,
) -> Vec<Coord<f64>> {
    let mut out = Vec::with_capacity(ring.len());
    let Some(&first) = ring.first() else {
        return out;
    };
    out.push(first);
    for edge in ring.windows(2) {
        let (a, b) = (edge[0], edge[1]);
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        let length2 = dx * dx + dy * dy;
        if length2 > 0.0 {
            let envelope = AABB::from_corners(
                [a.x.min(b.x) - tolerance, a.y.min(b.y) - tolerance],
                [a.x.max(b.x) + tolerance, a.y.max(b.y) + tolerance],
            );
            let mut on_edge: Vec<(f64, Coord<f64>)> = tree
                .locate_in_envelope(&envelope)
                .filter(|entry| entry.data != piece)
                .map(|entry| Coord {
                    x: entry.geom()[0],
                    y: entry.geom()[1],
                })
                .filter(|&v| v != a && v != b)
                .filter_map(|v| {
                    let t = ((v.x - a.x) * dx + (v.y - a.y) * dy) / length2;
                    let (px, py) = (a.x + t * dx - v.x, a.y + t * dy - v.y);
                    (t > 0.0 && t < 1.0 && px * px + py * py <= tolerance * tolerance)
                        .then_some((t, v))
                })
                .collect();
            on_edge.sort_by(|p, q| p.0.total_cmp(&q.0));
            on_edge.dedup_by(|p, q| p.1 == q.1);
            out.extend(on_edge.into_iter().map(|(_, v)| v));
        }
        out.push(b);
    }
    out
}

/// Drops repeated points and spikes A-B-A (to A), also across the seam of a
/// closed ring; returns an open ring.
fn remove_spikes(coords: Vec<Coord<f64>>) -> Vec<Coord<f64>> {
    let mut out: Vec<Coord<f64>> = Vec::with_capacity(coords.len());
    for p in coords {
        if out.last() == Some(&p) {
            continue;
        }
        if out.len() >= 2 && out[out.len() - 2] == p {
            out.pop();
            continue;
        }
        out.push(p);
    }
    loop {
        let n = out.len();
        if n < 3 {
            break;
        }
        if out[0] == out[n - 1] || out[n - 2] == out[0] {
            out.pop();
        } else if out[n - 1] == out[1] {
            out.remove(0);
        } else {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{coord, polygon};

    #[test]
    fn spikes_go() {
        let c = |x: f64, y: f64| coord! {x: x, y: y};
        let ring = vec![
            c(0.0, 0.0),
            c(1.0, 0.0),
            c(2.0, 0.0),
            c(1.0, 0.0),
            c(1.0, 1.0),
            c(0.0, 0.0),
        ];
        assert_eq!(remove_spikes(ring), [c(0.0, 0.0), c(1.0, 0.0), c(1.0, 1.0)]);
        let seam = vec![
            c(5.0, 5.0),
            c(0.0, 0.0),
            c(1.0, 0.0),
            c(1.0, 1.0),
            c(0.0, 0.0),
            c(5.0, 5.0),
        ];
        assert_eq!(remove_spikes(seam), [c(0.0, 0.0), c(1.0, 0.0), c(1.0, 1.0)]);
    }

    fn right_piece_with(mid: Coord<f64>) -> MultiPolygon<f64> {
        MultiPolygon(vec![polygon![
            (x: 1.0, y: 0.0), (x: 2.0, y: 0.0), (x: 2.0, y: 1.0), (x: 1.0, y: 1.0), (x: mid.x, y: mid.y),
        ]])
    }

    #[test]
    fn a_vertex_on_a_neighbours_edge_is_inserted_there() {
        // The left square's right edge has only its corners; the right piece
        // has a vertex one grid step off that edge.
        let left = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0)];
        let mid = coord! {x: 1.000_000_1, y: 0.5};
        let mut pieces = [MultiPolygon(vec![left]), right_piece_with(mid)];
        share_vertices(&mut pieces, 1e-7);
        assert!(
            pieces[0].0[0].exterior().0.contains(&mid),
            "{:?}",
            pieces[0]
        );
        assert!(
            pieces[1].0[0].exterior().0.contains(&mid),
            "{:?}",
            pieces[1]
        );
        assert_eq!(pieces[0].0[0].exterior().0.len(), 6);
    }

    #[test]
    fn points_one_step_apart_merge() {
        let left = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 0.5), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0)];
        let mut pieces = [
            MultiPolygon(vec![left]),
            right_piece_with(coord! {x: 1.000_000_1, y: 0.500_000_1}),
        ];
        share_vertices(&mut pieces, 1e-7);
        let shared = coord! {x: 1.0, y: 0.5};
        assert!(
            pieces[0].0[0].exterior().0.contains(&shared),
            "{:?}",
            pieces[0]
        );
        assert!(
            pieces[1].0[0].exterior().0.contains(&shared),
            "{:?}",
            pieces[1]
        );
    }
}
