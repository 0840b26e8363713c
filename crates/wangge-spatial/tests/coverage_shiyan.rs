//! The real Shiyan county boundaries as level 1: the gaps between counties
//! and the invalid counties, as shapely 2.2 / GEOS 3.14.1 finds them
//! (scripts/coverage/compare_shapely.py; GEOS make_valid 'structure').

mod coverage_support;

use wangge_spatial::coverage::{analyze, CoverageOptions, FixKind};

#[test]
fn gaps_between_counties_and_invalid_counties() {
    let counties = coverage_support::shiyan_counties();
    let report = analyze(&counties, &CoverageOptions::default());

    // shapely: territory (the union, holes filled) minus the union.
    let expected_m2 = [2_204_915.8, 1_637_481.0, 9_864.8];
    assert_eq!(report.gaps.len(), expected_m2.len(), "{:#?}", report.gaps);
    for (gap, expected) in report.gaps.iter().zip(expected_m2) {
        assert!(
            (gap.area_m2 / expected - 1.0).abs() < 1e-4,
            "{} vs {expected}",
            gap.area_m2
        );
        assert_eq!(gap.parent, None);
        assert!(!gap.sliver);
    }
    let neighbours: Vec<Vec<&str>> = report
        .gaps
        .iter()
        .map(|g| {
            g.neighbours
                .iter()
                .map(wangge_model::GridCode::as_str)
                .collect()
        })
        .collect();
    assert_eq!(neighbours, [vec!["420325"], vec!["420304"], vec!["420322"]]);
    // shapely.maximum_inscribed_circle on the same local projection:
    // 954.56 m, 808.16 m and 91.08 m.
    let widths: Vec<f64> = report.gaps.iter().map(|g| g.width_m).collect();
    for (found, geos) in widths.iter().zip([954.56, 808.16, 91.08]) {
        assert!((found / geos - 1.0).abs() < 1e-3, "{widths:?}");
    }
    // The two large ones are blind spots; the small one goes to 郧西县.
    let kinds: Vec<FixKind> = report.fixes.iter().map(|f| f.kind).collect();
    assert_eq!(
        kinds,
        [
            FixKind::LeaveBlindSpot,
            FixKind::LeaveBlindSpot,
            FixKind::GapToNeighbour
        ]
    );
    assert_eq!(
        report.fixes[2]
            .target
            .as_ref()
            .map(wangge_model::GridCode::as_str),
        Some("420322")
    );

    let invalid: Vec<&str> = report.invalid.iter().map(|i| i.grid.as_str()).collect();
    assert_eq!(
        invalid,
        ["420302", "420303", "420304", "420322", "420323", "420325"]
    );
    assert!(report
        .invalid
        .iter()
        .all(|i| i.location.is_some() && !i.reason.is_empty()));
    assert!(report.overlaps.is_empty() && report.outside_parent.is_empty());
    // 茅箭区 and 张湾区 share a segment that 张湾区's ring also runs back along.
    let pairs: Vec<(&str, &str)> = report
        .edge_mismatches
        .iter()
        .map(|m| (m.a.as_str(), m.b.as_str()))
        .collect();
    assert_eq!(pairs, [("420302", "420303")]);
    let health = &report.summary.health;
    assert_eq!(health.len(), 1);
    assert!(health[0].share_covered_once > 0.998 && health[0].share_covered_once < 1.0);
}
