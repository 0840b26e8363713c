//! The GeoJSON grid import: any text as a FeatureCollection of grids of
//! any level. No panic; an accepted file's grids each have a code and a
//! geometry, and an invalid one says why.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use wangge_io::grid_import::{read_grids_geojson, GridFields};
use wangge_model::{CellTypeCatalog, LevelNo};

fn catalog() -> &'static CellTypeCatalog {
    static CATALOG: OnceLock<CellTypeCatalog> = OnceLock::new();
    CATALOG.get_or_init(CellTypeCatalog::default)
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let Ok(level) = LevelNo::try_from(flags % 4 + 1) else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let fields = GridFields::default();
    if let Ok(parsed) = read_grids_geojson(&text, level, &fields, catalog()) {
        for grid in &parsed.grids {
            assert!(!grid.code.as_str().is_empty());
            assert!(
                grid.area_m2.is_finite() && grid.area_m2 >= 0.0,
                "area {}",
                grid.area_m2
            );
            // Stored as given, so it must at least be JSON again.
            assert!(
                serde_json::from_str::<serde_json::Value>(&grid.geometry_geojson).is_ok(),
                "geometry {:?}",
                grid.geometry_geojson
            );
        }
        for (_, reason) in parsed.invalid() {
            assert!(!reason.is_empty());
        }
    }
});
