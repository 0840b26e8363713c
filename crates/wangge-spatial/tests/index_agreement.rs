//! The index against brute force: a synthetic four-level territory built with
//! `voronoi_partition` (4 level-1 grids, 20 level-2, 100 level-3, about
//! 3,000 cells, some removed to leave gaps, a lake-shaped hole), one million
//! random points over and around it, each checked with geo's `Contains` over
//! every grid with no index.

#![allow(clippy::unwrap_used)]

use geo::{
    BoundingRect, Contains, Coord, Distance, Euclidean, Intersects, LineString, MapCoords,
    MultiPolygon, Point, Polygon,
};
use wangge_model::LevelNo;
use wangge_spatial::index::{CellIndex, IndexedGrid, LocateOptions, PointStatus};
use wangge_spatial::partition::voronoi_partition;

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

/// The territory: an irregular outline near Shiyan with a hole (a lake).
fn outline() -> MultiPolygon<f64> {
    let exterior: Vec<Coord<f64>> = (0..48)
        .map(|k| {
            let a = f64::from(k) * std::f64::consts::TAU / 48.0;
            // A wobbly ring: radius 0.3° +- 0.08°.
            let r = 0.3 + 0.08 * (3.0 * a).sin() + 0.03 * (7.0 * a).cos();
            Coord {
                x: 110.8 + r * a.cos() * 1.2,
                y: 32.6 + r * a.sin(),
            }
        })
        .collect();
    let lake = LineString::from(vec![
        (110.86, 32.62),
        (110.90, 32.60),
        (110.93, 32.64),
        (110.88, 32.67),
    ]);
    MultiPolygon(vec![Polygon::new(LineString(exterior), vec![lake])])
}

fn seeds_in(parent: &MultiPolygon<f64>, count: usize, rng: &mut Lcg) -> Vec<Coord<f64>> {
    let rect = parent.bounding_rect().unwrap();
    let mut seeds = Vec::new();
    while seeds.len() < count {
        let c = Coord {
            x: rect.min().x + rect.width() * rng.next_unit(),
            y: rect.min().y + rect.height() * rng.next_unit(),
        };
        if parent.contains(&Point(c)) {
            seeds.push(c);
        }
    }
    seeds
}

struct Territory {
    grids: Vec<IndexedGrid>,
}

/// Level n+1 is the Voronoi partition of each level-n grid. Cells: every
/// 23rd removed, and all cells of two level-3 grids; level 3: all of one
/// level-2 grid's children removed (its points are in gap at level 2).
fn territory() -> Territory {
    let mut rng = Lcg(2011);
    let mut grids = Vec::new();
    let push = |grids: &mut Vec<IndexedGrid>, level: u8, parent_id: Option<i64>, mp| {
        let id = 1000 + grids.len() as i64;
        grids.push(IndexedGrid {
            id,
            code: format!("T-{level}-{id}").parse().unwrap(),
            level: LevelNo::try_from(level).unwrap(),
            parent_id,
            geometry: mp,
        });
        id
    };
    let root = outline();
    let children_per_level = [4, 5, 5, 30];
    let mut parents: Vec<(Option<i64>, MultiPolygon<f64>)> = vec![(None, root)];
    let mut level3_seen = 0;
    let mut level2_seen = 0;
    let mut cells_seen = 0;
    for (depth, &per_parent) in children_per_level.iter().enumerate() {
        let level = depth as u8 + 1;
        let mut next = Vec::new();
        for (parent_id, parent) in &parents {
            if level == 3 {
                level2_seen += 1;
                if level2_seen == 7 {
                    continue;
                }
            }
            if level == 4 {
                level3_seen += 1;
                if level3_seen == 11 || level3_seen == 52 {
                    continue;
                }
            }
            let seeds = seeds_in(parent, per_parent, &mut rng);
            for piece in voronoi_partition(parent, &seeds) {
                if piece.0.is_empty() {
                    continue;
                }
                if level == 4 {
                    cells_seen += 1;
                    if cells_seen % 23 == 0 {
                        continue;
                    }
                }
                let id = push(&mut grids, level, *parent_id, piece.clone());
                next.push((Some(id), piece));
            }
        }
        parents = next;
    }
    // A deterministic order unrelated to levels, so GridRefs mix levels.
    let n = grids.len();
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = (rng.next_unit() * (i + 1) as f64) as usize;
        order.swap(i, j.min(i));
    }
    let mut slots: Vec<Option<IndexedGrid>> = grids.into_iter().map(Some).collect();
    Territory {
        grids: order.iter().map(|&i| slots[i].take().unwrap()).collect(),
    }
}

/// What brute force says about a point: per level, the grids containing it,
/// and whether it touches a boundary without being inside.
struct Brute<'a> {
    grids: &'a [IndexedGrid],
    /// `(bbox, grid position)` per level 1..=4.
    boxes: [Vec<([f64; 4], usize)>; 4],
}

enum Verdict {
    OnEdge,
    Cell(usize),
    Gap(usize),
    Outside,
}

impl<'a> Brute<'a> {
    fn new(grids: &'a [IndexedGrid]) -> Self {
        let mut boxes: [Vec<([f64; 4], usize)>; 4] = Default::default();
        for (i, g) in grids.iter().enumerate() {
            let r = g.geometry.bounding_rect().unwrap();
            boxes[usize::from(g.level.get() - 1)]
                .push(([r.min().x, r.min().y, r.max().x, r.max().y], i));
        }
        Brute { grids, boxes }
    }

    /// Grids of one level containing `p`; `None` when it lies on an outline.
    fn containing(&self, level: usize, p: Point<f64>) -> Option<Vec<usize>> {
        let mut inside = Vec::new();
        for &([x0, y0, x1, y1], i) in &self.boxes[level - 1] {
            if p.x() < x0 || p.x() > x1 || p.y() < y0 || p.y() > y1 {
                continue;
            }
            let geometry = &self.grids[i].geometry;
            if geometry.contains(&p) {
                inside.push(i);
            } else if geometry.intersects(&p) {
                return None;
            }
        }
        Some(inside)
    }

    fn verdict(&self, p: Point<f64>) -> Verdict {
        for level in [4, 3, 2, 1] {
            let Some(inside) = self.containing(level, p) else {
                return Verdict::OnEdge;
            };
            assert!(inside.len() <= 1, "{p:?} inside {inside:?}");
            if let Some(&i) = inside.first() {
                return if level == 4 {
                    Verdict::Cell(i)
                } else {
                    Verdict::Gap(i)
                };
            }
        }
        Verdict::Outside
    }

    /// Distance in metres to the nearest cell on the local plane, by geo,
    /// among cells whose box comes within 0.001° (over 90 m here).
    fn nearest_cell_m(&self, p: Point<f64>) -> Option<(usize, f64)> {
        let ky = 6_371_008.8 * std::f64::consts::PI / 180.0;
        let kx = ky * p.y().to_radians().cos();
        let to_m = |c: Coord<f64>| Coord {
            x: (c.x - p.x()) * kx,
            y: (c.y - p.y()) * ky,
        };
        let origin = Point::new(0.0, 0.0);
        let reach = 0.001;
        self.boxes[3]
            .iter()
            .filter(|&&([x0, y0, x1, y1], _)| {
                p.x() >= x0 - reach
                    && p.x() <= x1 + reach
                    && p.y() >= y0 - reach
                    && p.y() <= y1 + reach
            })
            .map(|&(_, i)| {
                let local = self.grids[i].geometry.map_coords(to_m);
                (i, Euclidean.distance(&origin, &local))
            })
            .min_by(|a, b| a.1.total_cmp(&b.1))
    }
}

#[test]
fn a_million_random_points_agree_with_brute_force() {
    let territory = territory();
    let grids = &territory.grids;
    let count = |level: u8| grids.iter().filter(|g| g.level.get() == level).count();
    assert_eq!((count(1), count(2)), (4, 20));
    assert!((90..=100).contains(&count(3)), "{}", count(3));
    assert!((2_600..=3_000).contains(&count(4)), "{}", count(4));

    let index = CellIndex::build(grids.clone()).unwrap();
    assert_eq!(index.cell_count(), count(4));
    let brute = Brute::new(grids);
    let options = LocateOptions::default();

    // Points over the territory's box and a margin of 0.05° around it.
    let [x0, y0, x1, y1] = {
        let r = outline().bounding_rect().unwrap();
        [
            r.min().x - 0.05,
            r.min().y - 0.05,
            r.max().x + 0.05,
            r.max().y + 0.05,
        ]
    };
    let mut rng = Lcg(7);
    let points: Vec<[f64; 2]> = (0..1_000_000)
        .map(|_| {
            [
                x0 + (x1 - x0) * rng.next_unit(),
                y0 + (y1 - y0) * rng.next_unit(),
            ]
        })
        .collect();
    let located = index.locate_many(&points, &options, 2);
    assert_eq!(located.len(), points.len());

    // Brute force on two threads, each over half the points.
    let half = points.len() / 2;
    let tallies: Vec<[usize; 5]> = std::thread::scope(|scope| {
        let handles: Vec<_> = [0..half, half..points.len()]
            .into_iter()
            .map(|range| {
                let (brute, index, points, located) = (&brute, &index, &points, &located);
                scope.spawn(move || {
                    let mut tally = [0_usize; 5];
                    for k in range {
                        let [lon, lat] = points[k];
                        let got = located[k];
                        let want = brute.verdict(Point::new(lon, lat));
                        let chain_of = |i: usize| {
                            let r = index.by_id(grids[i].id).unwrap();
                            let meta = index.grid(r);
                            (r, meta.level)
                        };
                        match want {
                            Verdict::OnEdge => tally[3] += 1,
                            Verdict::Cell(i) => {
                                tally[0] += 1;
                                let (r, _) = chain_of(i);
                                assert_eq!(got.status, PointStatus::Assigned, "{lon},{lat}");
                                assert_eq!(got.cell, Some(r), "{lon},{lat}");
                                assert_eq!(got.suggestion, None);
                                let l3 = index.grid(r).parent.unwrap();
                                assert_eq!(got.l3, Some(l3));
                                assert_eq!(got.l2, index.grid(l3).parent);
                            }
                            Verdict::Gap(i) => {
                                tally[1] += 1;
                                let (r, level) = chain_of(i);
                                assert_eq!(got.status, PointStatus::InGap, "{lon},{lat}");
                                assert_eq!(got.cell, None);
                                let deepest = match level.get() {
                                    3 => got.l3,
                                    2 => {
                                        tally[4] += 1;
                                        got.l2
                                    }
                                    _ => got.l1,
                                };
                                assert_eq!(deepest, Some(r), "{lon},{lat}");
                                assert!(got.l1.is_some());
                            }
                            Verdict::Outside => {
                                tally[2] += 1;
                                assert_eq!(got.status, PointStatus::Outside, "{lon},{lat}");
                                assert_eq!(
                                    (got.cell, got.l3, got.l2, got.l1),
                                    (None, None, None, None)
                                );
                            }
                        }
                    }
                    tally
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let [assigned, gap, outside, on_edge, gap_at_level_2] =
        [0, 1, 2, 3, 4].map(|k| tallies.iter().map(|t| t[k]).sum::<usize>());
    println!(
        "assigned {assigned}, in gap {gap} ({gap_at_level_2} at level 2), outside {outside}, \
         on an edge {on_edge}"
    );
    // Every kind of answer occurs in numbers.
    assert!(assigned > 400_000, "{assigned}");
    assert!(gap > 10_000, "{gap}");
    assert!(gap_at_level_2 > 1_000, "{gap_at_level_2}");
    assert!(outside > 100_000, "{outside}");

    // Suggestions against geo's distance, on a sample of the misses.
    let mut checked = [0_usize; 2];
    for (k, got) in located
        .iter()
        .enumerate()
        .filter(|(_, l)| l.cell.is_none())
        .step_by(97)
    {
        let p = Point::new(points[k][0], points[k][1]);
        let near = brute.nearest_cell_m(p);
        match (got.suggestion, near) {
            (Some((r, d)), Some((i, want_m))) => {
                checked[0] += 1;
                assert!(
                    (f64::from(d) - want_m).abs() < 0.01,
                    "{p:?}: {d} vs {want_m}"
                );
                assert!(want_m <= 30.0);
                let suggested = &grids.iter().position(|g| g.id == index.grid(r).id).unwrap();
                // Equal distances may pick another cell; the distance must match.
                assert!(*suggested == i || (f64::from(d) - want_m).abs() < 1e-6);
            }
            (None, Some((_, want_m))) => {
                checked[1] += 1;
                assert!(
                    want_m > 30.0 - 0.01,
                    "{p:?}: no suggestion but a cell {want_m} m away"
                );
            }
            (None, None) => checked[1] += 1,
            (Some(got), None) => panic!("{p:?}: suggested {got:?} but no cell within 90 m"),
        }
    }
    println!(
        "suggestions checked: {} with, {} without",
        checked[0], checked[1]
    );
    assert!(checked[0] > 20 && checked[1] > 1_000, "{checked:?}");

    // One thread gives the same answers in the same order.
    let single = index.locate_many(&points[..50_000], &options, 1);
    assert_eq!(single, located[..50_000]);
}

/// Every vertex of every cell is assigned, to a cell whose outline holds it,
/// the same cell each time.
#[test]
fn cell_vertices_are_assigned_to_a_cell_touching_them() {
    let territory = territory();
    let index = CellIndex::build(territory.grids.clone()).unwrap();
    let options = LocateOptions::default();
    let mut vertices: Vec<[f64; 2]> = territory
        .grids
        .iter()
        .filter(|g| g.level.is_cell())
        .flat_map(|g| {
            g.geometry
                .0
                .iter()
                .flat_map(|p| p.exterior().0.iter().map(|c| [c.x, c.y]))
                .collect::<Vec<_>>()
        })
        .collect();
    vertices.sort_by(|a, b| a.partial_cmp(b).unwrap());
    vertices.dedup();
    assert!(vertices.len() > 5_000, "{}", vertices.len());
    let located = index.locate_many(&vertices, &options, 2);
    for (v, got) in vertices.iter().zip(&located) {
        assert_eq!(got.status, PointStatus::Assigned, "{v:?}");
        let cell = got.cell.unwrap();
        let grid = territory
            .grids
            .iter()
            .find(|g| g.id == index.grid(cell).id)
            .unwrap();
        assert!(grid.geometry.intersects(&Point::new(v[0], v[1])), "{v:?}");
        assert_eq!(index.locate(v[0], v[1], &options), *got);
    }
}
