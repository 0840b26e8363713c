//! Hand-made coverages whose gaps, overlaps, slivers and edge mismatches are
//! known exactly. A parent at level 1 (code `P`) and its children at level 2,
//! near Shiyan (110.8°E, 32.6°N), analysed at level 2 unless said otherwise.
#![allow(clippy::unwrap_used)] // a test may panic

use geo::{Coord, LineString, MultiPolygon, Polygon};
use wangge_model::{GridCode, LevelNo};
use wangge_spatial::coverage::{
    analyze, apply_fixes, lonlat_area_m2, CoverageGrid, CoverageOptions, CoverageReport, FixKind,
};
use wangge_spatial::validate::check_multipolygon;

const X0: f64 = 110.80;
const Y0: f64 = 32.60;
/// Height of every rectangle: 0.01° of latitude, about 1,109 m.
const H: f64 = 0.01;

fn code(text: &str) -> GridCode {
    text.parse().unwrap()
}

fn rect(x0: f64, x1: f64, y0: f64, y1: f64) -> Polygon<f64> {
    Polygon::new(
        LineString::from(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]),
        vec![],
    )
}

/// A rectangle spanning the full height.
fn column(x0: f64, x1: f64) -> MultiPolygon<f64> {
    MultiPolygon(vec![rect(x0, x1, Y0, Y0 + H)])
}

fn grid(text: &str, level: u8, parent: Option<&str>, geometry: MultiPolygon<f64>) -> CoverageGrid {
    CoverageGrid {
        id: 0,
        code: code(text),
        name: text.to_owned(),
        level: LevelNo::try_from(level).unwrap(),
        parent: parent.map(code),
        geometry,
        invalid_reason: None,
    }
}

/// `P` at level 1 and the children at level 2.
fn family(
    parent: MultiPolygon<f64>,
    children: Vec<(&str, MultiPolygon<f64>)>,
) -> Vec<CoverageGrid> {
    let mut grids = vec![grid("P", 1, None, parent)];
    grids.extend(children.into_iter().map(|(c, g)| grid(c, 2, Some("P"), g)));
    grids
}

fn level_2(grids: &[CoverageGrid]) -> CoverageReport {
    analyze(
        grids,
        &CoverageOptions {
            level: Some(LevelNo::BRANCH),
            ..CoverageOptions::default()
        },
    )
}

/// Degrees of longitude spanning `metres` at the latitude of the tests.
fn lon_deg(metres: f64) -> f64 {
    // Prime-vertical radius of WGS-84 at 32.605°N.
    let (a, f) = (6_378_137.0_f64, 1.0 / 298.257_223_563);
    let e2 = f * (2.0 - f);
    let lat = (Y0 + H / 2.0).to_radians();
    let n = a / (1.0 - e2 * lat.sin().powi(2)).sqrt();
    metres / (n * lat.cos()).to_radians()
}

fn assert_close(found: f64, expected: f64, relative: f64) {
    assert!(
        (found - expected).abs() <= relative * expected.abs(),
        "{found} vs {expected}"
    );
}

fn codes(list: &[GridCode]) -> Vec<&str> {
    list.iter().map(GridCode::as_str).collect()
}

/// Replaces the geometries `apply_fixes` returned.
fn with_fixes(grids: &[CoverageGrid], report: &CoverageReport) -> Vec<CoverageGrid> {
    let changed = apply_fixes(grids, &report.fixes);
    let mut fixed = grids.to_vec();
    for (c, geometry) in changed {
        assert!(
            check_multipolygon(&geometry).is_empty(),
            "{c}: {geometry:?}"
        );
        fixed.iter_mut().find(|g| g.code == c).unwrap().geometry = geometry;
    }
    fixed
}

#[test]
fn strip_of_10_m_between_two_squares_is_one_blind_spot() {
    let w = 0.005;
    let gap = lon_deg(10.0);
    let grids = family(
        column(X0, X0 + 2.0 * w + gap),
        vec![
            ("A", column(X0, X0 + w)),
            ("B", column(X0 + w + gap, X0 + 2.0 * w + gap)),
        ],
    );
    let report = level_2(&grids);
    assert_eq!(report.gaps.len(), 1, "{:#?}", report.gaps);
    let found = &report.gaps[0];
    let strip = column(X0 + w, X0 + w + gap);
    assert_close(found.area_m2, lonlat_area_m2(&strip), 1e-9);
    assert!((found.width_m - 10.0).abs() < 0.02, "{}", found.width_m);
    assert!(!found.sliver);
    assert_eq!(found.parent, Some(code("P")));
    let mut neighbours = codes(&found.neighbours);
    neighbours.sort_unstable();
    assert_eq!(neighbours, ["A", "B"]);
    assert!(report.overlaps.is_empty() && report.outside_parent.is_empty());
    assert!(report.edge_mismatches.is_empty() && report.invalid.is_empty());

    // 11,000 m²: under the default 50,000 m², it goes to a neighbour.
    assert_eq!(report.fixes.len(), 1);
    assert_eq!(report.fixes[0].kind, FixKind::GapToNeighbour);
    let share = report.summary.health[0].share_covered_once;
    let parent_m2 = lonlat_area_m2(&grids[0].geometry);
    assert_close(share, 1.0 - found.area_m2 / parent_m2, 1e-9);
    let level = &report.summary.levels[0];
    assert_eq!(
        (
            level.gaps.count,
            level.blind_spots.count,
            level.slivers.count
        ),
        (1, 1, 0)
    );

    // With a smaller threshold it is left for a new cell.
    let strict = analyze(
        &grids,
        &CoverageOptions {
            level: Some(LevelNo::BRANCH),
            max_fix_area_m2: 1_000.0,
            ..CoverageOptions::default()
        },
    );
    assert_eq!(strict.fixes[0].kind, FixKind::LeaveBlindSpot);
    assert_eq!(strict.fixes[0].target, None);
}

#[test]
fn strip_of_2_m_is_a_sliver_given_to_a_neighbour_whatever_its_area() {
    let w = 0.005;
    let gap = lon_deg(2.0);
    let grids = family(
        column(X0, X0 + 2.0 * w + gap),
        vec![
            ("A", column(X0, X0 + w)),
            ("B", column(X0 + w + gap, X0 + 2.0 * w + gap)),
        ],
    );
    let report = analyze(
        &grids,
        &CoverageOptions {
            level: Some(LevelNo::BRANCH),
            max_fix_area_m2: 1_000.0,
            ..CoverageOptions::default()
        },
    );
    assert_eq!(report.gaps.len(), 1);
    let found = &report.gaps[0];
    assert!((found.width_m - 2.0).abs() < 0.01, "{}", found.width_m);
    assert!(found.sliver);
    assert_close(
        found.area_m2,
        lonlat_area_m2(&column(X0 + w, X0 + w + gap)),
        1e-9,
    );
    assert!(found.area_m2 > 1_000.0);
    assert_eq!(report.fixes[0].kind, FixKind::GapToNeighbour);
    assert_eq!(report.summary.levels[0].slivers.count, 1);

    let fixed = with_fixes(&grids, &report);
    let after = level_2(&fixed);
    assert!(after.gaps.is_empty(), "{:#?}", after.gaps);
    assert!(after.overlaps.is_empty() && after.edge_mismatches.is_empty());
}

#[test]
fn overlapping_squares_overlap_by_exactly_their_common_part() {
    let grids = family(
        column(X0, X0 + 0.01),
        vec![
            ("A", column(X0, X0 + 0.006)),
            ("B", column(X0 + 0.004, X0 + 0.01)),
        ],
    );
    let report = level_2(&grids);
    assert!(report.gaps.is_empty(), "{:#?}", report.gaps);
    assert_eq!(report.overlaps.len(), 1);
    let overlap = &report.overlaps[0];
    assert_eq!((overlap.a.as_str(), overlap.b.as_str()), ("A", "B"));
    let common = column(X0 + 0.004, X0 + 0.006);
    assert_close(overlap.area_m2, lonlat_area_m2(&common), 1e-9);
    let parent_m2 = lonlat_area_m2(&grids[0].geometry);
    assert_close(
        report.summary.health[0].share_covered_once,
        1.0 - overlap.area_m2 / parent_m2,
        1e-9,
    );

    assert_eq!(report.fixes.len(), 1);
    let fix = &report.fixes[0];
    assert_eq!(fix.kind, FixKind::OverlapSplit);
    assert!(fix.target.is_some() && fix.from.is_some() && fix.target != fix.from);
    let fixed = with_fixes(&grids, &report);
    let after = level_2(&fixed);
    assert!(after.overlaps.is_empty() && after.gaps.is_empty());
    assert!(
        after.edge_mismatches.is_empty(),
        "{:#?}",
        after.edge_mismatches
    );
    assert!((after.summary.health[0].share_covered_once - 1.0).abs() < f64::EPSILON);
}

#[test]
fn touching_at_a_point_is_neither_gap_nor_overlap() {
    // Two departments meeting at one corner: the territory is both.
    let sw = MultiPolygon(vec![rect(X0, X0 + 0.01, Y0, Y0 + 0.01)]);
    let ne = MultiPolygon(vec![rect(X0 + 0.01, X0 + 0.02, Y0 + 0.01, Y0 + 0.02)]);
    let departments = vec![
        grid("SW", 1, None, sw.clone()),
        grid("NE", 1, None, ne.clone()),
    ];
    let report = analyze(&departments, &CoverageOptions::default());
    assert!(
        report.gaps.is_empty() && report.overlaps.is_empty(),
        "{report:#?}"
    );
    assert!(report.edge_mismatches.is_empty());

    // The same two squares as children of a two-part parent.
    let parent = MultiPolygon(vec![sw.0[0].clone(), ne.0[0].clone()]);
    let grids = family(parent, vec![("SW", sw), ("NE", ne)]);
    let report = level_2(&grids);
    assert!(
        report.gaps.is_empty() && report.overlaps.is_empty(),
        "{report:#?}"
    );

    // Four quadrants meeting at the centre.
    let (xm, ym) = (X0 + 0.005, Y0 + 0.005);
    let quadrant = |x0, x1, y0, y1| MultiPolygon(vec![rect(x0, x1, y0, y1)]);
    let grids = family(
        column(X0, X0 + 0.01),
        vec![
            ("Q1", quadrant(xm, X0 + 0.01, ym, Y0 + H)),
            ("Q2", quadrant(X0, xm, ym, Y0 + H)),
            ("Q3", quadrant(X0, xm, Y0, ym)),
            ("Q4", quadrant(xm, X0 + 0.01, Y0, ym)),
        ],
    );
    let report = level_2(&grids);
    assert!(
        report.gaps.is_empty() && report.overlaps.is_empty(),
        "{report:#?}"
    );
    assert!(report.edge_mismatches.is_empty());
}

#[test]
fn a_lake_filled_by_another_cell_is_no_gap_and_an_open_one_is() {
    let lake = rect(X0 + 0.004, X0 + 0.006, Y0 + 0.004, Y0 + 0.006);
    let shore = MultiPolygon(vec![Polygon::new(
        rect(X0, X0 + 0.01, Y0, Y0 + H).exterior().clone(),
        vec![lake.exterior().clone()],
    )]);
    let filled = family(
        column(X0, X0 + 0.01),
        vec![
            ("SHORE", shore.clone()),
            ("LAKE", MultiPolygon(vec![lake.clone()])),
        ],
    );
    let report = level_2(&filled);
    assert!(
        report.gaps.is_empty() && report.overlaps.is_empty(),
        "{report:#?}"
    );
    assert!(report.edge_mismatches.is_empty());
    assert!((report.summary.health[0].share_covered_once - 1.0).abs() < f64::EPSILON);

    let open = family(column(X0, X0 + 0.01), vec![("SHORE", shore)]);
    let report = level_2(&open);
    assert_eq!(report.gaps.len(), 1);
    let found = &report.gaps[0];
    let lake_m2 = lonlat_area_m2(&MultiPolygon(vec![lake]));
    assert_close(found.area_m2, lake_m2, 1e-9);
    assert_eq!(codes(&found.neighbours), ["SHORE"]);
    // 0.002° of longitude, the narrower side: 187.7 m.
    assert!(
        (found.width_m - lon_deg(1.0).recip() * 0.002).abs() < 0.5,
        "{}",
        found.width_m
    );
    assert_eq!(report.fixes[0].kind, FixKind::GapToNeighbour);
    assert_eq!(report.fixes[0].target, Some(code("SHORE")));

    let fixed = with_fixes(&open, &report);
    assert!(fixed[1].geometry.0.iter().all(|p| p.interiors().is_empty()));
    assert!(level_2(&fixed).gaps.is_empty());
}

#[test]
fn multipolygon_children_tile_and_leave_exact_gaps() {
    let two_parts = |east_end: f64| {
        MultiPolygon(vec![
            rect(X0, X0 + 0.01, Y0, Y0 + H),
            rect(X0 + 0.02, east_end, Y0, Y0 + H),
        ])
    };
    let middle = column(X0 + 0.01, X0 + 0.02);
    let whole = family(
        column(X0, X0 + 0.03),
        vec![("A", two_parts(X0 + 0.03)), ("B", middle.clone())],
    );
    let report = level_2(&whole);
    assert!(
        report.gaps.is_empty() && report.overlaps.is_empty(),
        "{report:#?}"
    );

    let short = family(
        column(X0, X0 + 0.03),
        vec![("A", two_parts(X0 + 0.029)), ("B", middle)],
    );
    let report = level_2(&short);
    assert_eq!(report.gaps.len(), 1);
    assert_close(
        report.gaps[0].area_m2,
        lonlat_area_m2(&column(X0 + 0.029, X0 + 0.03)),
        1e-9,
    );
    assert_eq!(codes(&report.gaps[0].neighbours), ["A"]);
}

#[test]
fn a_child_crossing_its_parent_boundary_sticks_out_by_exactly_that_much() {
    let grids = family(
        column(X0, X0 + 0.01),
        vec![
            ("A", column(X0, X0 + 0.005)),
            ("B", column(X0 + 0.005, X0 + 0.012)),
        ],
    );
    let report = level_2(&grids);
    assert!(
        report.gaps.is_empty() && report.overlaps.is_empty(),
        "{report:#?}"
    );
    assert_eq!(report.outside_parent.len(), 1);
    let outside = &report.outside_parent[0];
    assert_eq!(
        (
            outside.grid.as_str(),
            outside.parent.as_ref().map(GridCode::as_str)
        ),
        ("B", Some("P"))
    );
    assert_close(
        outside.area_m2,
        lonlat_area_m2(&column(X0 + 0.01, X0 + 0.012)),
        1e-9,
    );
    assert_eq!(report.summary.levels[0].outside_parent.count, 1);
}

#[test]
fn a_t_junction_is_an_edge_mismatch_with_each_neighbour() {
    let (xm, ym) = (X0 + 0.005, Y0 + 0.005);
    let west = column(X0, xm);
    let south = MultiPolygon(vec![rect(xm, X0 + 0.01, Y0, ym)]);
    let north = MultiPolygon(vec![rect(xm, X0 + 0.01, ym, Y0 + H)]);
    let grids = family(
        column(X0, X0 + 0.01),
        vec![("W", west), ("S", south.clone()), ("N", north.clone())],
    );
    let report = level_2(&grids);
    assert!(
        report.gaps.is_empty() && report.overlaps.is_empty(),
        "{report:#?}"
    );
    let pairs: Vec<(&str, &str)> = report
        .edge_mismatches
        .iter()
        .map(|m| (m.a.as_str(), m.b.as_str()))
        .collect();
    assert_eq!(pairs, [("N", "W"), ("S", "W")]);
    for mismatch in &report.edge_mismatches {
        // Half of 0.01° of latitude.
        assert!(
            (mismatch.length_m - 554.5).abs() < 0.5,
            "{}",
            mismatch.length_m
        );
        assert_eq!(mismatch.geometry.0.len(), 1);
        let line = &mismatch.geometry.0[0];
        assert!(line.0.iter().all(|c| (c.x - xm).abs() < 1e-12), "{line:?}");
    }

    // Giving the west cell the junction vertex makes them match.
    let west_matched = MultiPolygon(vec![Polygon::new(
        LineString::from(vec![
            (X0, Y0),
            (xm, Y0),
            (xm, ym),
            (xm, Y0 + H),
            (X0, Y0 + H),
            (X0, Y0),
        ]),
        vec![],
    )]);
    let grids = family(
        column(X0, X0 + 0.01),
        vec![("W", west_matched), ("S", south), ("N", north)],
    );
    assert!(level_2(&grids).edge_mismatches.is_empty());
}

#[test]
fn an_invalid_bow_tie_is_reported_and_the_rest_still_computed() {
    let xm = X0 + 0.005;
    let bow_tie = MultiPolygon(vec![Polygon::new(
        LineString::from(vec![
            (xm, Y0),
            (X0 + 0.01, Y0 + H),
            (X0 + 0.01, Y0),
            (xm, Y0 + H),
            (xm, Y0),
        ]),
        vec![],
    )]);
    let grids = family(
        column(X0, X0 + 0.01),
        vec![("A", column(X0, xm)), ("TIE", bow_tie)],
    );
    let report = level_2(&grids);
    assert_eq!(report.invalid.len(), 1);
    let invalid = &report.invalid[0];
    assert_eq!(invalid.grid.as_str(), "TIE");
    assert!(
        invalid.reason.contains("crosses itself"),
        "{}",
        invalid.reason
    );
    let [x, y] = invalid.location.unwrap();
    assert!((x - (X0 + 0.0075)).abs() < 1e-9 && (y - (Y0 + 0.005)).abs() < 1e-9);
    assert_eq!(report.summary.levels[0].invalid, 1);

    // The lobes cover the left and right triangles of the east half; the
    // top and bottom ones are gaps (touching at the crossing, so two).
    assert_eq!(report.gaps.len(), 2, "{:#?}", report.gaps);
    let centre = Coord {
        x: X0 + 0.0075,
        y: Y0 + 0.005,
    };
    let triangle = |a: (f64, f64), b: (f64, f64)| {
        MultiPolygon(vec![Polygon::new(
            LineString::from(vec![a, b, (centre.x, centre.y), a]),
            vec![],
        )])
    };
    let mut expected = [
        lonlat_area_m2(&triangle((xm, Y0), (X0 + 0.01, Y0))),
        lonlat_area_m2(&triangle((X0 + 0.01, Y0 + H), (xm, Y0 + H))),
    ];
    let mut found: Vec<f64> = report.gaps.iter().map(|g| g.area_m2).collect();
    expected.sort_by(f64::total_cmp);
    found.sort_by(f64::total_cmp);
    for (f, e) in found.iter().zip(expected) {
        assert_close(*f, e, 1e-6);
    }
    assert!(report
        .gaps
        .iter()
        .all(|g| codes(&g.neighbours).contains(&"TIE")));
    assert!(report.overlaps.is_empty());
}

#[test]
fn applied_fixes_clear_gaps_and_overlaps_and_keep_edges_matched() {
    // A | sliver | B, then C whose slanted west edge crosses B's east edge
    // halfway up (an overlap below, a gap above), then a 1 km² blind spot.
    let sliver = lon_deg(2.0);
    let (xb, xc) = (X0 + 0.01, X0 + 0.02);
    let c = MultiPolygon(vec![Polygon::new(
        LineString::from(vec![
            (xc - 0.001, Y0),
            (X0 + 0.03, Y0),
            (X0 + 0.03, Y0 + H),
            (xc + 0.001, Y0 + H),
            (xc - 0.001, Y0),
        ]),
        vec![],
    )]);
    let grids = family(
        column(X0, X0 + 0.04),
        vec![
            ("A", column(X0, xb)),
            ("B", column(xb + sliver, xc)),
            ("C", c),
        ],
    );
    let report = level_2(&grids);
    assert_eq!(report.overlaps.len(), 1, "{:#?}", report.overlaps);
    assert_eq!(report.gaps.len(), 3, "{:#?}", report.gaps);
    let kinds: Vec<FixKind> = report.fixes.iter().map(|f| f.kind).collect();
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == FixKind::LeaveBlindSpot)
            .count(),
        1,
        "{kinds:?}"
    );
    assert_eq!(kinds.len(), 4);
    // The triangle above the crossing borders C along its slanted edge
    // (562 m) and B along 554 m: it goes to C.
    let triangle = report
        .fixes
        .iter()
        .find(|f| f.kind == FixKind::GapToNeighbour && f.area_m2 > 10_000.0)
        .unwrap();
    assert_eq!(triangle.target, Some(code("C")));

    let fixed = with_fixes(&grids, &report);
    let after = level_2(&fixed);
    assert!(after.overlaps.is_empty(), "{:#?}", after.overlaps);
    assert_eq!(after.gaps.len(), 1, "{:#?}", after.gaps);
    assert!(!after.gaps[0].sliver);
    assert_close(
        after.gaps[0].area_m2,
        lonlat_area_m2(&column(X0 + 0.03, X0 + 0.04)),
        1e-9,
    );
    assert!(
        after.edge_mismatches.is_empty(),
        "{:#?}",
        after.edge_mismatches
    );
    assert_eq!(after.fixes.len(), 1);
}

#[test]
fn report_serializes_as_geojson_geometries() {
    let grids = family(column(X0, X0 + 0.01), vec![("A", column(X0, X0 + 0.005))]);
    let report = level_2(&grids);
    let json = serde_json::to_value(&report).unwrap();
    let gap = &json["gaps"][0];
    assert_eq!(gap["level"], 2);
    assert_eq!(gap["parent"], "P");
    assert_eq!(gap["neighbours"][0], "A");
    assert_eq!(gap["geometry"]["type"], "Polygon");
    let ring = gap["geometry"]["coordinates"][0].as_array().unwrap();
    assert_eq!(ring.first(), ring.last());
    assert_eq!(json["fixes"][0]["kind"], "leave_blind_spot");
    assert_eq!(json["summary"]["levels"][0]["gaps"]["count"], 1);
    for key in ["overlaps", "outside_parent", "edge_mismatches", "invalid"] {
        assert_eq!(json[key], serde_json::json!([]), "{key}");
    }
}
