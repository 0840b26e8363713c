//! The width-independent analysis (issue 12): one `analyze_geometry` serves
//! every gap width and level exactly as `analyze` would, a raised cancel
//! flag stops it, and one grid of 100,000 vertices gets its report.

#[path = "coverage_support/big_polygon.rs"]
mod big_polygon;
mod coverage_support;

use std::sync::atomic::AtomicBool;

use geo::{Coord, LineString, MultiPolygon, Polygon};
use wangge_model::LevelNo;
use wangge_spatial::coverage::{
    analyze, analyze_geometry, lonlat_area_m2, CoverageGrid, CoverageOptions, FixKind,
};

#[test]
fn one_analysis_serves_every_width_and_level() {
    let counties = coverage_support::shiyan_counties();
    let go = AtomicBool::new(false);
    let geometry = analyze_geometry(&counties, None, None, &go).unwrap();
    let mut slivers = Vec::new();
    for gap_width_m in [0.0, 5.0, 37.5, 1e9] {
        for max_fix_area_m2 in [50_000.0, 1e12] {
            let options = CoverageOptions {
                gap_width_m,
                max_fix_area_m2,
                ..CoverageOptions::default()
            };
            let report = geometry.report(None, gap_width_m, max_fix_area_m2);
            assert_eq!(report, analyze(&counties, &options), "{gap_width_m} m");
            slivers.push(report.summary.levels[0].slivers.count);
        }
    }
    // The width moves gaps between slivers and blind spots (the county
    // gaps are all wider than 37.5 m).
    assert_eq!(slivers[..6], [0; 6]);
    assert!(slivers[6] > 0, "{slivers:?}");

    let demo = coverage_support_demo::demo_grids();
    let all = analyze_geometry(&demo, None, None, &go).unwrap();
    for level in LevelNo::ALL {
        let options = CoverageOptions {
            level: Some(level),
            ..CoverageOptions::default()
        };
        let alone = analyze(&demo, &options);
        assert_eq!(
            all.report(Some(level), 5.0, 50_000.0),
            alone,
            "level {level}"
        );
        assert_eq!(
            analyze_geometry(&demo, Some(level), None, &go)
                .unwrap()
                .report(None, 5.0, 50_000.0),
            alone
        );
    }
}

#[path = "coverage_support/demo.rs"]
mod coverage_support_demo;

#[test]
fn a_raised_flag_stops_the_analysis() {
    let stop = AtomicBool::new(true);
    assert!(analyze_geometry(&coverage_support::shiyan_counties(), None, None, &stop).is_none());
}

fn ring(points: &[[f64; 2]]) -> LineString<f64> {
    LineString(points.iter().map(|&[x, y]| Coord { x, y }).collect())
}

fn box_area_m2([x0, y0, x1, y1]: [f64; 4]) -> f64 {
    lonlat_area_m2(&MultiPolygon(vec![Polygon::new(
        ring(&[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]),
        vec![],
    )]))
}

#[test]
fn a_grid_of_100k_vertices_gets_its_report() {
    let big = big_polygon::big_polygon(100_000);
    let grid = |code: &str, geometry| CoverageGrid {
        id: 0,
        code: code.parse().unwrap(),
        name: code.to_owned(),
        level: LevelNo::DEPARTMENT,
        parent: None,
        geometry,
        invalid_reason: None,
    };
    let grids = vec![
        grid(
            "A",
            MultiPolygon(vec![Polygon::new(
                ring(&big.a_exterior),
                vec![ring(&big.a_hole)],
            )]),
        ),
        grid("B", MultiPolygon(vec![Polygon::new(ring(&big.b), vec![])])),
    ];
    let report = analyze(
        &grids,
        &CoverageOptions {
            level: Some(LevelNo::DEPARTMENT),
            ..CoverageOptions::default()
        },
    );
    let close = |got: f64, want: f64| (got / want - 1.0).abs() < 1e-6;
    assert_eq!(report.gaps.len(), 1);
    let gap = &report.gaps[0];
    assert_eq!(gap.neighbours, ["A".parse().unwrap()]);
    assert!(!gap.sliver);
    assert!(
        close(gap.area_m2, box_area_m2(big_polygon::HOLE_BOX)),
        "{}",
        gap.area_m2
    );
    // The hole is 0.1° (9.4 km east-west) wide less its zigzag.
    assert!(
        gap.width_m > 9_000.0 && gap.width_m < 9_500.0,
        "{}",
        gap.width_m
    );
    assert_eq!(report.overlaps.len(), 1);
    let overlap = &report.overlaps[0];
    assert_eq!((overlap.a.as_str(), overlap.b.as_str()), ("A", "B"));
    assert!(
        close(overlap.area_m2, box_area_m2(big_polygon::OVERLAP_BOX)),
        "{}",
        overlap.area_m2
    );
    assert_eq!(report.edge_mismatches.len(), 1);
    let kinds: Vec<FixKind> = report.fixes.iter().map(|f| f.kind).collect();
    assert_eq!(kinds, [FixKind::LeaveBlindSpot, FixKind::OverlapSplit]);
    assert!(report.invalid.is_empty());
}
