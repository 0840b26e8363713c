//! Voronoi pieces tile their parent: same area, no overlaps, union equal to
//! the parent, neighbours sharing every vertex of their common edges.

mod support;

use std::collections::HashSet;

use geo::algorithm::bool_ops::unary_union;
use geo::{
    Area, BooleanOps, Contains, Coord, CoordsIter, Intersects, LineString, MultiPolygon, Point,
    Polygon,
};
use wangge_spatial::area::geodesic_area_m2;
use wangge_spatial::bbox::bbox_of;
use wangge_spatial::partition::{
    resolve_self_intersections, snap_to_grid, voronoi_partition, PARTITION_STEP_DEG,
};
use wangge_spatial::validate::check_multipolygon;

/// A small deterministic generator (64-bit LCG), so tests need no rand.
struct Lcg(u64);

impl Lcg {
    fn next_unit(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1_u64 << 53) as f64
    }
}

fn seeds_inside(parent: &MultiPolygon<f64>, count: usize, seed: u64) -> Vec<Coord<f64>> {
    let Some([x0, y0, x1, y1]) = bbox_of(parent) else {
        panic!("seeds asked for an empty parent")
    };
    let mut rng = Lcg(seed);
    let mut seeds = Vec::new();
    while seeds.len() < count {
        let c = Coord {
            x: x0 + (x1 - x0) * rng.next_unit(),
            y: y0 + (y1 - y0) * rng.next_unit(),
        };
        if parent.contains(&Point(c)) {
            seeds.push(c);
        }
    }
    seeds
}

fn bboxes_meet(a: [f64; 4], b: [f64; 4]) -> bool {
    a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3]
}

fn on_segment(p: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> bool {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let length2 = dx * dx + dy * dy;
    let t = ((p.x - a.x) * dx + (p.y - a.y) * dy) / length2;
    let (ex, ey) = (a.x + t * dx - p.x, a.y + t * dy - p.y);
    (0.0..=1.0).contains(&t) && ex * ex + ey * ey < 1e-20
}

fn segments(mp: &MultiPolygon<f64>) -> Vec<(Coord<f64>, Coord<f64>)> {
    mp.0.iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(|ring| ring.0.windows(2).map(|w| (w[0], w[1])).collect::<Vec<_>>())
        .collect()
}

/// Checks every tiling property; returns how many neighbour pairs share an edge.
fn assert_tiles(
    parent: &MultiPolygon<f64>,
    seeds: &[Coord<f64>],
    pieces: &[MultiPolygon<f64>],
) -> usize {
    assert_eq!(pieces.len(), seeds.len());
    for (i, piece) in pieces.iter().enumerate() {
        if !piece.0.is_empty() {
            assert_eq!(check_multipolygon(piece), [], "piece {i}");
            // geo's own validator (which the demo also asks) agrees.
            assert!(geo::Validation::is_valid(piece), "piece {i}");
        }
    }
    // Each seed inside the parent lies in its own piece.
    for (seed, piece) in seeds.iter().zip(pieces) {
        if parent.contains(&Point(*seed)) {
            assert!(
                piece.intersects(&Point(*seed)),
                "seed {seed:?} outside its piece"
            );
        }
    }
    // Areas add up in the lon/lat plane.
    let parent_deg2 = parent.unsigned_area();
    let pieces_deg2: f64 = pieces.iter().map(Area::unsigned_area).sum();
    assert!(
        (pieces_deg2 / parent_deg2 - 1.0).abs() < 1e-7,
        "{pieces_deg2} vs {parent_deg2}"
    );
    // The union is the parent: no gap between pieces (it would be a hole of
    // the union), and the outline differs only by slivers where a piece
    // corner on the parent's edge was rounded to the 1e-7° grid (about 1 m²
    // each).
    let union = unary_union(pieces.iter());
    let snapped_parent = snap_to_grid(parent, PARTITION_STEP_DEG);
    let holes = |mp: &MultiPolygon<f64>| mp.0.iter().map(|p| p.interiors().len()).sum::<usize>();
    assert_eq!(union.0.len(), snapped_parent.0.len());
    assert_eq!(holes(&union), holes(&snapped_parent));
    let difference_deg2 = union.xor(&snapped_parent).unsigned_area();
    assert!(
        difference_deg2 < 1e-7 * parent_deg2,
        "union differs by {difference_deg2} deg²"
    );
    // Snapping the parent itself moves its vertices by up to 0.5e-7°.
    let difference_deg2 = union.xor(parent).unsigned_area();
    assert!(
        difference_deg2 < 1e-6 * parent_deg2,
        "union differs by {difference_deg2} deg²"
    );

    let boxes: Vec<Option<[f64; 4]>> = pieces.iter().map(bbox_of).collect();
    let mut edge_neighbours = 0;
    for i in 0..pieces.len() {
        for j in 0..pieces.len() {
            let (Some(bi), Some(bj)) = (boxes[i], boxes[j]) else {
                continue;
            };
            if i == j || !bboxes_meet(bi, bj) {
                continue;
            }
            if i < j {
                let overlap_deg2 = pieces[i].intersection(&pieces[j]).unsigned_area();
                assert!(
                    overlap_deg2 < 1e-12 * parent_deg2,
                    "pieces {i} and {j} overlap by {overlap_deg2} deg²"
                );
            }
            // Every vertex of i on j's boundary is a vertex of j.
            let vertices_j: HashSet<(u64, u64)> = pieces[j]
                .coords_iter()
                .map(|c| (c.x.to_bits(), c.y.to_bits()))
                .collect();
            let segments_j = segments(&pieces[j]);
            let mut shared = HashSet::new();
            for v in pieces[i].coords_iter() {
                if segments_j.iter().any(|&(a, b)| on_segment(v, a, b)) {
                    assert!(
                        vertices_j.contains(&(v.x.to_bits(), v.y.to_bits())),
                        "vertex {v:?} of piece {i} lies on piece {j}'s edge but is not its vertex"
                    );
                    shared.insert((v.x.to_bits(), v.y.to_bits()));
                }
            }
            if i < j && shared.len() >= 2 {
                edge_neighbours += 1;
            }
        }
    }
    // Every coordinate sits on the 1e-7° grid.
    for c in pieces.iter().flat_map(CoordsIter::coords_iter) {
        for value in [c.x, c.y] {
            let steps = value / PARTITION_STEP_DEG;
            assert!((steps - steps.round()).abs() < 1e-6, "{value} off the grid");
        }
    }
    edge_neighbours
}

fn square(x0: f64, y0: f64, size: f64) -> LineString<f64> {
    LineString::from(vec![
        (x0, y0),
        (x0 + size, y0),
        (x0 + size, y0 + size),
        (x0, y0 + size),
        (x0, y0),
    ])
}

#[test]
fn grid_of_seeds_in_a_square_makes_a_grid_of_squares() {
    // 25 seeds on a 5 x 5 grid: every inner Voronoi vertex joins four cells.
    let parent = MultiPolygon(vec![Polygon::new(square(110.0, 32.0, 0.5), vec![])]);
    let seeds: Vec<Coord<f64>> = (0..25)
        .map(|k| Coord {
            x: 110.05 + 0.1 * f64::from(k % 5),
            y: 32.05 + 0.1 * f64::from(k / 5),
        })
        .collect();
    let pieces = voronoi_partition(&parent, &seeds);
    // 40 shared edges in a 5 x 5 grid of squares.
    assert_eq!(assert_tiles(&parent, &seeds, &pieces), 40);
    let expected = MultiPolygon(vec![Polygon::new(square(110.2, 32.2, 0.1), vec![])]);
    assert!(
        pieces[12].xor(&expected).unsigned_area() < 1e-14,
        "{:?}",
        pieces[12]
    );
}

#[test]
fn concave_parent_with_a_hole_and_two_parts() {
    // About 2 km across, near Shiyan.
    let at = |x: f64, y: f64| (110.8 + 0.01 * x, 32.6 + 0.01 * y);
    let l_shape = LineString::from(
        [
            (0.0, 0.0),
            (2.0, 0.0),
            (2.0, 1.0),
            (1.0, 1.0),
            (1.0, 2.0),
            (0.0, 2.0),
            (0.0, 0.0),
        ]
        .map(|(x, y)| at(x, y))
        .to_vec(),
    );
    let lake = square(110.803, 32.603, 0.004);
    let island = Polygon::new(square(110.83, 32.6, 0.005), vec![]);
    let parent = MultiPolygon(vec![Polygon::new(l_shape, vec![lake]), island]);
    let seeds = seeds_inside(&parent, 30, 7);
    let pieces = voronoi_partition(&parent, &seeds);
    assert!(assert_tiles(&parent, &seeds, &pieces) >= 30);
}

#[test]
fn every_shiyan_county_splits_into_sixty_pieces_that_tile_it() {
    for (k, county) in support::shiyan_counties().iter().enumerate() {
        let parent = resolve_self_intersections(&county.multipolygon);
        let seeds = seeds_inside(&parent, 60, 1000 + k as u64);
        let pieces = voronoi_partition(&parent, &seeds);
        assert!(pieces.iter().all(|p| !p.0.is_empty()), "{}", county.name);
        // Geodesic areas add up too. (An edge is a geodesic, so splitting a
        // parent edge at a piece corner bends it a little: negligible for
        // these 100 m edges, about 1e-5 for 2 km east-west edges.)
        let parent_m2 = geodesic_area_m2(&parent);
        let pieces_m2: f64 = pieces.iter().map(geodesic_area_m2).sum();
        assert!(
            (pieces_m2 / parent_m2 - 1.0).abs() < 1e-6,
            "{}: {pieces_m2} vs {parent_m2}",
            county.name
        );
        let neighbours = assert_tiles(&parent, &seeds, &pieces);
        // A planar tiling of 60 cells has at least 59 edge-sharing pairs.
        assert!(neighbours >= 59, "{}: {neighbours}", county.name);
    }
}

#[test]
fn seeds_that_get_nothing() {
    let parent = MultiPolygon(vec![Polygon::new(square(0.0, 0.0, 1.0), vec![])]);
    let nan = Coord {
        x: f64::NAN,
        y: 0.5,
    };
    let seeds = [
        Coord { x: 0.5, y: 0.5 },
        Coord { x: 0.5, y: 0.5 },   // repeats seed 0
        Coord { x: 50.0, y: 50.0 }, // its cell misses the parent
        nan,
    ];
    let pieces = voronoi_partition(&parent, &seeds);
    assert_eq!(pieces.len(), 4);
    assert!((pieces[0].unsigned_area() - 1.0).abs() < 1e-12);
    assert!(pieces[1].0.is_empty() && pieces[2].0.is_empty() && pieces[3].0.is_empty());

    assert!(voronoi_partition(&parent, &[]).is_empty());
    let nothing = voronoi_partition(&MultiPolygon(vec![]), &seeds[..2]);
    assert!(nothing.iter().all(|p| p.0.is_empty()) && nothing.len() == 2);
}

#[test]
fn a_seed_outside_can_still_own_a_piece() {
    let parent = MultiPolygon(vec![Polygon::new(square(110.0, 32.0, 0.01), vec![])]);
    let seeds = [
        Coord {
            x: 110.0025,
            y: 32.005,
        },
        Coord {
            x: 110.015,
            y: 32.005,
        },
    ];
    let pieces = voronoi_partition(&parent, &seeds);
    assert_tiles(&parent, &seeds, &pieces);
    // The bisector is lon 110.00875.
    assert!(pieces[1].0[0].exterior().0.contains(&Coord {
        x: 110.008_75,
        y: 32.01
    }));
    assert!((pieces[1].unsigned_area() / parent.unsigned_area() - 0.125).abs() < 1e-9);
}

/// Many more seed sets over every county; run with `cargo test -- --ignored`.
#[test]
#[ignore = "stress: 8 counties x 20 seed sets"]
fn stress_many_seed_sets() {
    for (k, county) in support::shiyan_counties().iter().enumerate() {
        let parent = resolve_self_intersections(&county.multipolygon);
        for round in 0..20_u64 {
            let count = 5 + (round as usize * 7) % 60;
            let seeds = seeds_inside(&parent, count, 10_000 * k as u64 + round);
            let pieces = voronoi_partition(&parent, &seeds);
            assert_tiles(&parent, &seeds, &pieces);
        }
    }
}
