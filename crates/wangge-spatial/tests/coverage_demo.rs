//! The coverage report on the whole demo territory (14 / 249 / 1,020 /
//! 7,183 grids). What it finds was checked against shapely 2.2 / GEOS 3.14.1
//! with scripts/coverage/compare_shapely.py: the same gaps (count and area),
//! overlaps, parts outside parents and flagged edges at every level.

mod coverage_support;
#[path = "coverage_support/demo.rs"]
mod demo;

use wangge_model::LevelNo;
use wangge_spatial::coverage::{analyze, apply_fixes, CoverageOptions, FixKind};

#[test]
fn demo_territory_report_and_fixes() {
    let grids = demo::demo_grids();
    let report = analyze(&grids, &CoverageOptions::default());
    let counts: Vec<usize> = report.summary.levels.iter().map(|l| l.grids).collect();
    assert_eq!(counts.len(), 4);
    assert_eq!(&counts[..2], [14, 249]);
    assert!(report.invalid.is_empty(), "{:#?}", report.invalid);
    assert!(report.summary.levels.iter().all(|l| l.orphans.is_empty()));
    assert_eq!(
        report.fixes.len(),
        report.gaps.len() + report.overlaps.len()
    );

    // Level 1: the departments split the real counties, so the real gaps
    // between the counties are its blind spots.
    let blind: Vec<f64> = report
        .gaps
        .iter()
        .filter(|g| g.level == LevelNo::DEPARTMENT && !g.sliver)
        .map(|g| g.area_m2)
        .collect();
    let counties = analyze(
        &coverage_support::shiyan_counties(),
        &CoverageOptions::default(),
    );
    // Each is one of the counties' gaps. The counties' invalid rings are
    // read as GEOS MakeValid reads them, which leaves out a 14,881 m²
    // pocket of 张湾区 (420303) closed only by a ring running back along
    // itself; the demo's departments, generated from the rings as drawn,
    // keep it: that one gap of the counties is not the demo's.
    let county_gaps: Vec<f64> = counties.gaps.iter().map(|g| g.area_m2).collect();
    for found in &blind {
        assert!(
            county_gaps.iter().any(|c| (found / c - 1.0).abs() < 1e-4),
            "{blind:?} vs {county_gaps:?}"
        );
    }
    let only_counties: Vec<f64> = county_gaps
        .iter()
        .copied()
        .filter(|c| !blind.iter().any(|found| (found / c - 1.0).abs() < 1e-4))
        .collect();
    assert_eq!(only_counties.len(), 1, "{blind:?} vs {county_gaps:?}");
    assert!(
        (14_000.0..16_000.0).contains(&only_counties[0]),
        "{only_counties:?}"
    );

    // Below, children tile their parents up to slivers (a generated cell
    // follows a geodesic where its parent's edge is straight in lon/lat),
    // except the new estate cut out of a vacant-land cell: one blind spot
    // at level 4, about 100 m × 100 m.
    for level in &report.summary.levels[1..] {
        let blind_spots = usize::from(level.level == LevelNo::CELL);
        assert_eq!(level.blind_spots.count, blind_spots, "{level:?}");
        assert_eq!(level.overlaps.count, 0, "{level:?}");
    }
    let estate: Vec<_> = report
        .gaps
        .iter()
        .filter(|g| g.level == LevelNo::CELL && !g.sliver)
        .collect();
    assert_eq!(estate.len(), 1);
    assert!(
        (9_000.0..11_000.0).contains(&estate[0].area_m2),
        "{:?}",
        estate[0].area_m2
    );
    assert!(
        (80.0..=110.0).contains(&estate[0].width_m),
        "{:?}",
        estate[0].width_m
    );

    let options = CoverageOptions {
        level: Some(LevelNo::CELL),
        ..CoverageOptions::default()
    };
    let cells = analyze(&grids, &options);
    // Under the default 50,000 m² threshold even the estate is proposed to
    // its neighbour (the vacant-land cell around it).
    assert!(cells
        .fixes
        .iter()
        .all(|f| f.kind == FixKind::GapToNeighbour));
    let changed = apply_fixes(&grids, &cells.fixes);
    let mut fixed = grids.clone();
    let index: std::collections::HashMap<_, _> = grids
        .iter()
        .enumerate()
        .map(|(i, g)| (g.code.clone(), i))
        .collect();
    for (code, geometry) in changed {
        fixed[index[&code]].geometry = geometry;
    }
    let after = analyze(&fixed, &options);
    let gap_m2: f64 = after
        .gaps
        .iter()
        .filter(|g| g.sliver)
        .map(|g| g.area_m2)
        .sum();
    eprintln!(
        "level 4: {} gaps ({:.1} m²) before fixes, {} ({gap_m2:.3} m²) after; {} overlaps after; mismatches {} -> {}",
        cells.gaps.len(),
        cells.summary.levels[0].gaps.area_m2,
        after.gaps.len(),
        after.overlaps.len(),
        cells.edge_mismatches.len(),
        after.edge_mismatches.len()
    );
    // Applying the fixes closes almost everything; what the floating-point
    // overlay leaves are needles millimetres wide (recorded in the issue
    // note), never a new blind spot or a real overlap.
    let before_m2: f64 = cells
        .gaps
        .iter()
        .filter(|g| g.sliver)
        .map(|g| g.area_m2)
        .sum();
    assert!(gap_m2 < before_m2 * 0.05, "{gap_m2} of {before_m2} m² left");
    assert!(after.gaps.len() * 10 < cells.gaps.len());
    // The fixed cells are valid: nothing is left to a repair's reading.
    assert!(
        after.invalid.is_empty(),
        "{:#?}",
        &after.invalid[..after.invalid.len().min(3)]
    );
    assert_eq!(after.gaps.iter().filter(|g| !g.sliver).count(), 0);
    assert!(
        after.gaps.iter().all(|g| !g.sliver || g.area_m2 < 5.0),
        "{:#?}",
        &after.gaps[..after.gaps.len().min(3)]
    );
    assert!(
        after.overlaps.iter().all(|o| o.area_m2 < 5.0),
        "{:#?}",
        &after.overlaps[..after.overlaps.len().min(3)]
    );
}
