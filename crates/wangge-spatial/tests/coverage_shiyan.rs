//! The real Shiyan county boundaries as level 1: the gaps between counties
//! and the invalid counties, as shapely 2.2 / GEOS 3.14.1 finds them
//! (scripts/coverage/compare_shapely.py; GEOS make_valid, its default
//! 'linework' method, for the invalid counties).

mod coverage_support;

use wangge_spatial::coverage::{analyze, CoverageOptions, FixKind};

#[test]
fn gaps_between_counties_and_invalid_counties() {
    let counties = coverage_support::shiyan_counties();
    let report = analyze(&counties, &CoverageOptions::default());

    // shapely: territory (the union, holes filled) minus the union. The
    // 14,881 m² one is the pocket of 张湾区 (420303) that its ring closes
    // only by running back along itself: GEOS leaves it out of the county.
    // It borders 张湾区 (longest) and 茅箭区, as shapely finds too.
    let expected_m2 = [2_204_915.8, 1_637_480.7, 14_881.2, 9_864.8];
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
    assert_eq!(
        neighbours,
        [
            vec!["420325"],
            vec!["420304"],
            vec!["420303", "420302"],
            vec!["420322"]
        ]
    );
    // shapely.maximum_inscribed_circle (0.01 m) on an azimuthal
    // equidistant projection about each gap: 954.59 m, 808.15 m, 84.98 m
    // and 91.08 m (ours reads the width on its own local plane).
    let widths: Vec<f64> = report.gaps.iter().map(|g| g.width_m).collect();
    for (found, geos) in widths.iter().zip([954.59, 808.15, 84.98, 91.08]) {
        assert!((found / geos - 1.0).abs() < 2e-3, "{widths:?}");
    }
    // The two large ones are blind spots; the small ones go to their
    // neighbour (the pocket back to 张湾区, the last to 郧西县).
    let kinds: Vec<FixKind> = report.fixes.iter().map(|f| f.kind).collect();
    assert_eq!(
        kinds,
        [
            FixKind::LeaveBlindSpot,
            FixKind::LeaveBlindSpot,
            FixKind::GapToNeighbour,
            FixKind::GapToNeighbour
        ]
    );
    let targets: Vec<Option<&str>> = report.fixes[2..]
        .iter()
        .map(|f| f.target.as_ref().map(wangge_model::GridCode::as_str))
        .collect();
    assert_eq!(targets, [Some("420303"), Some("420322")]);

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

/// Chengdu's and Hangzhou's districts, most of them invalid: the overlaps
/// of 5,000 m² or more are those GEOS finds after `make_valid` (shapely
/// 2, default method): Chengdu 3, Hangzhou 1, each pair with its area.
#[test]
fn overlaps_between_invalid_districts_are_those_geos_finds() {
    for (city, expected) in [
        (
            "chengdu-districts",
            &[
                ("510107", "510116", 5_070.0),
                ("510112", "510116", 20_303.0),
                ("510129", "510183", 25_384.0),
            ][..],
        ),
        ("hangzhou-districts", &[("330122", "330182", 20_449.0)][..]),
    ] {
        let report = analyze(
            &coverage_support::boundaries(city),
            &CoverageOptions::default(),
        );
        assert!(
            report.invalid.len() > 10,
            "{city}: most districts are invalid"
        );
        let mut big: Vec<(String, String, f64)> = report
            .overlaps
            .iter()
            .filter(|o| o.area_m2 >= 5_000.0)
            .map(|o| {
                let mut pair = [o.a.to_string(), o.b.to_string()];
                pair.sort();
                let [a, b] = pair;
                (a, b, o.area_m2)
            })
            .collect();
        big.sort_by(|x, y| x.0.cmp(&y.0));
        assert_eq!(big.len(), expected.len(), "{city}: {big:?}");
        for ((a, b, area), (ea, eb, e_area)) in big.iter().zip(expected) {
            assert_eq!((a.as_str(), b.as_str()), (*ea, *eb), "{city}");
            assert!(
                (area / e_area - 1.0).abs() < 2e-3,
                "{city} {a}/{b}: {area} vs {e_area}"
            );
        }
    }
}
