//! Shared by the demo tests: one generated demo per test binary, and
//! geometry parsed back from the stored GeoJSON text.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::OnceLock;

use geo::MultiPolygon;
use wangge_demo::{generate, DemoConfig, DemoTerritory};
use wangge_store::NewGrid;

pub fn demo() -> &'static DemoTerritory {
    static DEMO: OnceLock<DemoTerritory> = OnceLock::new();
    DEMO.get_or_init(|| generate(&DemoConfig::default()).expect("the demo generates"))
}

pub fn geometry(grid: &NewGrid) -> MultiPolygon<f64> {
    let geometry: geojson::Geometry = grid
        .geometry_geojson
        .parse()
        .unwrap_or_else(|e| panic!("{}: {e}", grid.code));
    match geo::Geometry::<f64>::try_from(geometry.value)
        .unwrap_or_else(|e| panic!("{}: {e}", grid.code))
    {
        geo::Geometry::Polygon(p) => MultiPolygon(vec![p]),
        geo::Geometry::MultiPolygon(mp) => mp,
        other => panic!("{}: unexpected {other:?}", grid.code),
    }
}

pub fn property(grid: &NewGrid, key: &str) -> Option<String> {
    let props: serde_json::Value = serde_json::from_str(grid.properties_json.as_deref()?).ok()?;
    props.get(key)?.as_str().map(str::to_owned)
}

pub fn level(n: u8) -> impl Iterator<Item = &'static NewGrid> {
    demo().grids.iter().filter(move |g| g.level.get() == n)
}

pub fn by_code() -> &'static HashMap<String, &'static NewGrid> {
    static MAP: OnceLock<HashMap<String, &'static NewGrid>> = OnceLock::new();
    MAP.get_or_init(|| {
        demo()
            .grids
            .iter()
            .map(|g| (g.code.to_string(), g))
            .collect()
    })
}

/// Children of every parent code (level 1 grids under their county code).
pub fn children() -> &'static HashMap<String, Vec<&'static NewGrid>> {
    static MAP: OnceLock<HashMap<String, Vec<&'static NewGrid>>> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut map: HashMap<String, Vec<&'static NewGrid>> = HashMap::new();
        for grid in &demo().grids {
            let parent = match &grid.parent {
                Some(p) => p.to_string(),
                None => property(grid, "county_code").expect("level 1 carries its county code"),
            };
            map.entry(parent).or_default().push(grid);
        }
        map
    })
}
