//! `CellIndex::update` after one changed cell against `CellIndex::build`,
//! on a stored territory (the province bench's databases):
//!
//! ```sh
//! cargo run --release -p wangge-assign --example index_update_bench -- sqlite:///tmp/prov/sqlite-c10-k120000.db
//! ```

use std::time::Instant;

use wangge_spatial::index::{CellIndex, IndexedGrid, UpdatedGrid};
use wangge_store::{GridFilter, Store};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "sqlite://wangge.db".to_owned());
    let store = Store::connect(&url).await?;
    let records = store.grids(&GridFilter::default()).await?;
    let ids: std::collections::HashMap<&str, i64> =
        records.iter().map(|g| (g.code.as_str(), g.id)).collect();
    let grids: Vec<IndexedGrid> = records
        .iter()
        .map(|g| IndexedGrid {
            id: g.id,
            code: g.code.clone(),
            level: g.level,
            parent_id: g.parent.as_ref().and_then(|p| ids.get(p.as_str()).copied()),
            geometry: wangge_assign::parse_multipolygon(&g.geometry_geojson).expect("geometry"),
        })
        .collect();
    let t = Instant::now();
    let index = CellIndex::build(grids.clone())?;
    println!(
        "build: {:.1} ms ({} grids, {} edges)",
        t.elapsed().as_secs_f64() * 1e3,
        index.grid_count(),
        index.stored_edge_count()
    );
    let cell = grids
        .iter()
        .position(|g| g.level.is_cell())
        .expect("a cell");
    let mut times = Vec::new();
    for _ in 0..5 {
        let updated: Vec<UpdatedGrid> = grids
            .iter()
            .enumerate()
            .map(|(i, g)| UpdatedGrid {
                id: g.id,
                code: g.code.clone(),
                level: g.level,
                parent_id: g.parent_id,
                geometry: (i == cell).then(|| g.geometry.clone()),
            })
            .collect();
        let t = Instant::now();
        let next = index.update(updated)?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
        assert!(next.raster_patched());
    }
    times.sort_by(f64::total_cmp);
    println!(
        "update after one changed cell: median {:.1} ms, best {:.1} ms",
        times[2], times[0]
    );
    Ok(())
}
