//! The demo territory (`wangge_demo::generate`, seed 2011) as coverage grids,
//! geometry parsed from the GeoJSON text the store would keep.

use wangge_spatial::coverage::CoverageGrid;

use crate::coverage_support::geometry_from_text;

pub fn demo_grids() -> Vec<CoverageGrid> {
    let territory = wangge_demo::generate(&wangge_demo::DemoConfig {
        seed: 2011,
        ..wangge_demo::DemoConfig::default()
    })
    .unwrap_or_else(|e| panic!("demo: {e}"));
    territory
        .grids
        .iter()
        .enumerate()
        .map(|(id, g)| CoverageGrid {
            id: id as i64,
            code: g.code.clone(),
            name: g.name.clone(),
            level: g.level,
            parent: g.parent.clone(),
            geometry: geometry_from_text(&g.geometry_geojson),
            invalid_reason: g.invalid_reason.clone(),
        })
        .collect()
}
