//! Each answer of the cell index on a hand-made territory: assigned, in gap
//! (at level 3 and at level 2), outside, invalid, suggestions, points on
//! shared edges and vertices, multipolygon cells, cells with holes; and the
//! build errors.

#![allow(clippy::unwrap_used)]

use geo::{polygon, LineString, MultiPolygon, Polygon};
use wangge_model::LevelNo;
use wangge_spatial::index::{
    CellIndex, GridRef, IndexError, IndexedGrid, LocateOptions, Location, PointStatus,
};

/// Metres per degree of latitude (mean Earth radius), as the index uses.
const M_PER_DEG: f64 = 6_371_008.8 * std::f64::consts::PI / 180.0;

fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Polygon<f64> {
    polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)]
}

fn grid(
    id: i64,
    code: &str,
    level: u8,
    parent_id: Option<i64>,
    polygons: Vec<Polygon<f64>>,
) -> IndexedGrid {
    IndexedGrid {
        id,
        code: code.parse().unwrap(),
        level: LevelNo::try_from(level).unwrap(),
        parent_id,
        geometry: MultiPolygon(polygons),
    }
}

/// ```text
/// lat 32.10 +------+------+---------------------+------------+------------+
///           |  C   |  D   |  F (hole at 110.14- |            |            |
///     32.05 +------+------+   110.16 x 32.07-32.08)  L3 "B":  | level 2    |
///           |  A   |  B   |  gap                |  no cells  | only       |
///     32.02 |      |      +--+   +--+           |            |            |
///           |      |      |E1|   |E2|  gap      |            |            |
///     32.00 +------+------+--+---+--+-----------+------------+------------+
///      110.00  110.05  110.10  .12 .14 .16   110.20       110.30       110.40
/// ```
fn territory() -> Vec<IndexedGrid> {
    let with_hole = Polygon::new(
        LineString::from(vec![
            (110.10, 32.05),
            (110.20, 32.05),
            (110.20, 32.10),
            (110.10, 32.10),
        ]),
        vec![LineString::from(vec![
            (110.14, 32.07),
            (110.16, 32.07),
            (110.16, 32.08),
            (110.14, 32.08),
        ])],
    );
    vec![
        grid(1, "L1", 1, None, vec![rect(110.0, 32.0, 110.4, 32.1)]),
        grid(2, "L2", 2, Some(1), vec![rect(110.0, 32.0, 110.4, 32.1)]),
        grid(3, "L3-A", 3, Some(2), vec![rect(110.0, 32.0, 110.2, 32.1)]),
        grid(4, "L3-B", 3, Some(2), vec![rect(110.2, 32.0, 110.3, 32.1)]),
        grid(10, "A", 4, Some(3), vec![rect(110.0, 32.0, 110.05, 32.05)]),
        grid(11, "B", 4, Some(3), vec![rect(110.05, 32.0, 110.1, 32.05)]),
        grid(12, "C", 4, Some(3), vec![rect(110.0, 32.05, 110.05, 32.1)]),
        grid(13, "D", 4, Some(3), vec![rect(110.05, 32.05, 110.1, 32.1)]),
        grid(
            14,
            "E",
            4,
            Some(3),
            vec![
                rect(110.10, 32.0, 110.12, 32.02),
                rect(110.14, 32.0, 110.16, 32.02),
            ],
        ),
        grid(15, "F", 4, Some(3), vec![with_hole]),
    ]
}

fn index() -> CellIndex {
    CellIndex::build(territory()).unwrap()
}

fn code(index: &CellIndex, r: Option<GridRef>) -> Option<&str> {
    r.map(|r| index.grid(r).code.as_str())
}

fn locate(index: &CellIndex, lon: f64, lat: f64) -> Location {
    index.locate(lon, lat, &LocateOptions::default())
}

/// The cell code a point gets, or its status when it gets none.
fn cell_at(index: &CellIndex, lon: f64, lat: f64) -> String {
    let l = locate(index, lon, lat);
    code(index, l.cell).map_or_else(|| format!("{:?}", l.status), str::to_owned)
}

#[test]
fn assigned_with_its_chain() {
    let index = index();
    let l = locate(&index, 110.02, 32.02);
    assert_eq!(l.status, PointStatus::Assigned);
    assert_eq!(code(&index, l.cell), Some("A"));
    assert_eq!(code(&index, l.l3), Some("L3-A"));
    assert_eq!(code(&index, l.l2), Some("L2"));
    assert_eq!(code(&index, l.l1), Some("L1"));
    assert_eq!(l.suggestion, None);
    assert_eq!(
        l.status.placement(),
        wangge_model::PlacementStatus::Assigned
    );
}

#[test]
fn in_gap_at_level_three_and_at_level_two() {
    let index = index();
    // Between the cells of L3-A.
    let l = locate(&index, 110.18, 32.03);
    assert_eq!((l.status, l.cell), (PointStatus::InGap, None));
    assert_eq!(
        [code(&index, l.l3), code(&index, l.l2), code(&index, l.l1)],
        [Some("L3-A"), Some("L2"), Some("L1")]
    );
    assert_eq!(l.suggestion, None);
    // L3-B has no cells at all.
    let l = locate(&index, 110.25, 32.05);
    assert_eq!(
        (l.status, code(&index, l.l3)),
        (PointStatus::InGap, Some("L3-B"))
    );
    // East of 110.3 only the level-2 grid holds the point.
    let l = locate(&index, 110.35, 32.05);
    assert_eq!(l.status, PointStatus::InGap);
    assert_eq!(
        [code(&index, l.l3), code(&index, l.l2), code(&index, l.l1)],
        [None, Some("L2"), Some("L1")]
    );
}

#[test]
fn outside_and_invalid() {
    let index = index();
    let l = locate(&index, 111.0, 33.0);
    assert_eq!(
        l,
        Location {
            status: PointStatus::Outside,
            cell: None,
            l3: None,
            l2: None,
            l1: None,
            suggestion: None
        }
    );
    // Exactly 180 is a longitude; beyond it is not.
    assert_eq!(locate(&index, 180.0, 32.0).status, PointStatus::Outside);
    for (lon, lat) in [
        (f64::NAN, 32.0),
        (110.0, f64::NAN),
        (f64::INFINITY, 32.0),
        (110.0, f64::NEG_INFINITY),
        (110.0, 95.0),
        (110.0, -90.5),
        (181.0, 32.0),
        (-180.1, 32.0),
    ] {
        assert_eq!(locate(&index, lon, lat), Location::INVALID, "{lon},{lat}");
    }
}

#[test]
fn suggestion_within_the_snap_distance_only() {
    let index = index();
    // 20 m north of E's first part, in the gap.
    let l = locate(&index, 110.11, 32.02 + 20.0 / M_PER_DEG);
    assert_eq!(l.status, PointStatus::InGap);
    let (cell, distance_m) = l.suggestion.unwrap();
    assert_eq!(index.grid(cell).code.as_str(), "E");
    assert!((distance_m - 20.0).abs() < 0.01, "{distance_m}");
    assert_eq!(l.cell, None, "reported, not snapped");

    // 10 m west of A: outside the territory, A suggested.
    let kx = M_PER_DEG * 32.02_f64.to_radians().cos();
    let l = locate(&index, 110.0 - 10.0 / kx, 32.02);
    assert_eq!(l.status, PointStatus::Outside);
    let (cell, distance_m) = l.suggestion.unwrap();
    assert_eq!(index.grid(cell).code.as_str(), "A");
    assert!((distance_m - 10.0).abs() < 0.01, "{distance_m}");

    // 100 m from the nearest cell (F's south edge at 32.05): none by default,
    // F when the snap distance is 150 m.
    let (lon, lat) = (110.18, 32.05 - 100.0 / M_PER_DEG);
    assert_eq!(locate(&index, lon, lat).suggestion, None);
    let wide = LocateOptions {
        snap_distance_m: 150.0,
    };
    let l = index.locate(lon, lat, &wide);
    let (cell, distance_m) = l.suggestion.unwrap();
    assert_eq!(index.grid(cell).code.as_str(), "F");
    assert!((distance_m - 100.0).abs() < 0.01, "{distance_m}");
    let off = LocateOptions {
        snap_distance_m: 0.0,
    };
    assert_eq!(index.locate(110.11, 32.0201, &off).suggestion, None);
}

#[test]
fn shared_edges_go_east_or_north() {
    let index = index();
    // North-south edge A|B at lon 110.05: to B, the east side.
    assert_eq!(cell_at(&index, 110.05, 32.02), "B");
    // East-west edge A/C at lat 32.05: to C, the north side.
    assert_eq!(cell_at(&index, 110.02, 32.05), "C");
    assert_eq!(cell_at(&index, 110.07, 32.05), "D");
    // Vertex shared by A, B, C, D: to D (north-east).
    assert_eq!(cell_at(&index, 110.05, 32.05), "D");
    // Vertex of A, B on the south edge of the territory: B.
    assert_eq!(cell_at(&index, 110.05, 32.0), "B");
    // D|F at lon 110.10: F.
    assert_eq!(cell_at(&index, 110.10, 32.07), "F");
}

#[test]
fn outline_points_no_neighbour_takes_go_to_the_cell_they_touch() {
    let index = index();
    // North edge of the territory, on C and on the C|D vertex.
    assert_eq!(cell_at(&index, 110.02, 32.1), "C");
    assert_eq!(cell_at(&index, 110.05, 32.1), "C");
    assert_eq!(cell_at(&index, 110.1, 32.1), "D");
    // East edge of E's first part, facing the gap; its north-east corner.
    assert_eq!(cell_at(&index, 110.12, 32.01), "E");
    assert_eq!(cell_at(&index, 110.12, 32.02), "E");
    // Edge of the hole in F.
    assert_eq!(cell_at(&index, 110.15, 32.07), "F");
    assert_eq!(cell_at(&index, 110.16, 32.075), "F");
}

/// The half-open rule looks at geometry only; the lowest-`GridRef`
/// fall-back (a point on outlines only) is the one order-dependent choice.
#[test]
fn the_rule_does_not_depend_on_the_order_of_grids() {
    let mut reversed = territory();
    reversed.reverse();
    let forward = index();
    let backward = CellIndex::build(reversed).unwrap();
    for (lon, lat) in [
        (110.05, 32.02),
        (110.02, 32.05),
        (110.05, 32.05),
        (110.05, 32.0),
        (110.10, 32.07),
        (110.10, 32.05),
        (110.02, 32.1),
        (110.12, 32.01),
        (110.15, 32.07),
    ] {
        assert_eq!(
            cell_at(&forward, lon, lat),
            cell_at(&backward, lon, lat),
            "{lon},{lat}"
        );
    }
}

/// Two triangles sharing a diagonal; a fan of six triangles around a vertex.
#[test]
fn sloped_edges_and_fan_vertices() {
    let tri = |a: (f64, f64), b: (f64, f64), c: (f64, f64)| {
        Polygon::new(LineString::from(vec![a, b, c]), vec![])
    };
    let l123 = |cells: Vec<(i64, Polygon<f64>)>| {
        let mut grids = vec![
            grid(1, "L1", 1, None, vec![rect(109.0, 31.0, 112.0, 34.0)]),
            grid(2, "L2", 2, Some(1), vec![rect(109.0, 31.0, 112.0, 34.0)]),
            grid(3, "L3", 3, Some(2), vec![rect(109.0, 31.0, 112.0, 34.0)]),
        ];
        for (id, p) in cells {
            grids.push(grid(100 + id, &format!("c{id}"), 4, Some(3), vec![p]));
        }
        CellIndex::build(grids).unwrap()
    };
    // Diagonal (110, 32)-(110.25, 32.25): lower-right and upper-left triangles.
    let index = l123(vec![
        (1, tri((110.0, 32.0), (110.25, 32.0), (110.25, 32.25))),
        (2, tri((110.0, 32.0), (110.25, 32.25), (110.0, 32.25))),
    ]);
    // On the diagonal: east of it is the lower-right triangle.
    assert_eq!(cell_at(&index, 110.125, 32.125), "c1");
    assert_eq!(cell_at(&index, 110.0625, 32.0625), "c1");
    assert_eq!(cell_at(&index, 110.1, 32.2), "c2");

    // Six triangles around (110.5, 32.5), the first with an edge due east.
    let fan = |offset_deg: f64| {
        let centre = (110.5, 32.5);
        let corner = |k: f64| {
            let a = (offset_deg + 60.0 * k).to_radians();
            (centre.0 + 0.1 * a.cos(), centre.1 + 0.1 * a.sin())
        };
        l123(
            (0..6)
                // The last triangle closes on the first corner, bit for bit.
                .map(|k| {
                    (
                        k + 1,
                        tri(centre, corner(k as f64), corner(((k + 1) % 6) as f64)),
                    )
                })
                .collect(),
        )
    };
    // Sectors [0°, 60°), [60°, 120°), ...: the point goes to the one just
    // north of east, the first.
    assert_eq!(cell_at(&fan(0.0), 110.5, 32.5), "c1");
    // Rotated by -30°: sector [-30°, 30°) is again the first.
    assert_eq!(cell_at(&fan(-30.0), 110.5, 32.5), "c1");
    // Rotated by +30°: due east lies in the last sector, [-30°, 30°) = c6.
    assert_eq!(cell_at(&fan(30.0), 110.5, 32.5), "c6");
}

#[test]
fn multipolygon_cells_and_holes() {
    let index = index();
    // Both parts of E, and not between them.
    assert_eq!(cell_at(&index, 110.11, 32.01), "E");
    assert_eq!(cell_at(&index, 110.15, 32.01), "E");
    let between = locate(&index, 110.13, 32.01);
    assert_eq!(
        (between.status, code(&index, between.l3)),
        (PointStatus::InGap, Some("L3-A"))
    );
    // F around its hole; inside the hole is a gap of L3-A.
    assert_eq!(cell_at(&index, 110.12, 32.07), "F");
    let hole = locate(&index, 110.15, 32.075);
    assert_eq!((hole.status, hole.cell), (PointStatus::InGap, None));
    assert_eq!(code(&index, hole.l3), Some("L3-A"));
    // The hole's edge is 0.005° (lat) from its centre: no suggestion at 30 m,
    // F at 600 m.
    assert_eq!(hole.suggestion, None);
    let wide = index.locate(
        110.15,
        32.075,
        &LocateOptions {
            snap_distance_m: 600.0,
        },
    );
    let (cell, distance_m) = wide.suggestion.unwrap();
    assert_eq!(index.grid(cell).code.as_str(), "F");
    assert!(
        (f64::from(distance_m) - 0.005 * M_PER_DEG).abs() < 0.1,
        "{distance_m}"
    );
}

#[test]
fn lookups_and_figures() {
    let index = index();
    assert_eq!(index.cell_count(), 6);
    assert_eq!(index.grid_count(), 10);
    let d = index.by_code(&"D".parse().unwrap()).unwrap();
    assert_eq!(d, GridRef(7));
    assert_eq!(index.by_id(13), Some(d));
    assert_eq!(index.by_id(99), None);
    assert_eq!(index.by_code(&"Z".parse().unwrap()), None);
    let meta = index.grid(d);
    assert_eq!(
        (meta.id, meta.level, meta.parent),
        (13, LevelNo::CELL, index.by_id(3))
    );
    // Cells whose boxes meet a box around the A|B|C|D vertex, in order.
    let near = index.cells_in_bbox([110.04, 32.04, 110.06, 32.06]);
    let codes: Vec<_> = near.iter().map(|&r| index.grid(r).code.as_str()).collect();
    assert_eq!(codes, ["A", "B", "C", "D"]);
    // Boxes touching at an edge count; an inverted box finds nothing.
    let touching = index.cells_in_bbox([110.16, 32.0, 110.17, 32.05]);
    assert_eq!(
        touching,
        [index.by_id(14).unwrap(), index.by_id(15).unwrap()]
    );
    assert!(index
        .cells_in_bbox([110.06, 32.06, 110.04, 32.04])
        .is_empty());
    assert!(index.memory_bytes() > index.stored_edge_count() * 32);
    // Many points on two threads: the same answers, in order.
    let points: Vec<[f64; 2]> = (0..2_000)
        .map(|k| {
            [
                109.95 + f64::from(k) * 0.00025,
                32.0 + f64::from(k % 97) * 0.0011,
            ]
        })
        .collect();
    let options = LocateOptions::default();
    let many = index.locate_many(&points, &options, 2);
    for (p, l) in points.iter().zip(&many) {
        assert_eq!(index.locate(p[0], p[1], &options), *l);
    }
    assert_eq!(index.locate_many(&points, &options, 0), many);
    assert!(index.locate_many(&[], &options, 2).is_empty());
}

#[test]
fn build_errors_name_the_grid() {
    let bad = |change: &dyn Fn(&mut Vec<IndexedGrid>)| {
        let mut grids = territory();
        change(&mut grids);
        CellIndex::build(grids).unwrap_err()
    };
    let err = bad(&|g| g[5].parent_id = Some(77));
    assert!(
        matches!(&err, IndexError::UnknownParent { code, parent_id: 77 } if code.as_str() == "B")
    );
    assert_eq!(
        err.to_string(),
        "grid B: parent id 77 is not among the grids given"
    );

    // A cell hanging on the level-2 grid.
    let err = bad(&|g| g[5].parent_id = Some(2));
    assert!(matches!(
        &err,
        IndexError::ParentLevel { code, level, parent_level, expected, .. }
            if code.as_str() == "B" && level.get() == 4 && parent_level.get() == 2 && expected.get() == 3
    ));
    assert!(err.to_string().contains("expected level 3"), "{err}");

    let err = bad(&|g| g[2].parent_id = None);
    assert!(matches!(&err, IndexError::MissingParent { code, .. } if code.as_str() == "L3-A"));
    let err = bad(&|g| g[0].parent_id = Some(2));
    assert!(
        matches!(&err, IndexError::UnexpectedParent { code, parent_id: 2 } if code.as_str() == "L1")
    );
    let err = bad(&|g| g[9].id = 10);
    assert!(
        matches!(&err, IndexError::DuplicateId { id: 10, code, first } if code.as_str() == "F" && first.as_str() == "A")
    );
    let err = bad(&|g| g[9].code = "A".parse().unwrap());
    assert!(
        matches!(&err, IndexError::DuplicateCode { code, first_id: 10, id: 15 } if code.as_str() == "A")
    );
}

/// A ring with NaN is left out and the grid listed; the rest still loads.
#[test]
fn rings_with_nan_are_left_out_and_listed() {
    let mut grids = territory();
    // E's second part broken; F's hole broken (F becomes a plain rectangle).
    grids[8].geometry.0[1] = rect(110.14, 32.0, f64::NAN, 32.02);
    let hole = LineString::from(vec![
        (110.14, 32.07),
        (f64::INFINITY, 32.07),
        (110.16, 32.08),
    ]);
    grids[9].geometry.0[0] = Polygon::new(grids[9].geometry.0[0].exterior().clone(), vec![hole]);
    let index = CellIndex::build(grids).unwrap();
    let listed: Vec<&str> = index
        .grids_with_dropped_rings()
        .iter()
        .map(|&r| index.grid(r).code.as_str())
        .collect();
    assert_eq!(listed, ["E", "F"]);
    assert_eq!(cell_at(&index, 110.11, 32.01), "E");
    assert_eq!(cell_at(&index, 110.15, 32.01), "InGap");
    assert_eq!(cell_at(&index, 110.15, 32.075), "F");

    // A broken exterior takes its whole cell out: A's land is a gap.
    let mut grids = territory();
    grids[4].geometry = MultiPolygon(vec![rect(f64::NAN, 32.0, 110.05, 32.05)]);
    let index = CellIndex::build(grids).unwrap();
    assert_eq!(cell_at(&index, 110.02, 32.02), "InGap");
    assert_eq!(cell_at(&index, 110.07, 32.02), "B");
}
