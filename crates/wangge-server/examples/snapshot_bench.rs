//! The snapshot's rebuild after a one-cell edit, incremental against full,
//! on a real database (the demo): a second instance on the same database
//! is timed from the edit's commit until its snapshot holds the edit.
//!
//! ```sh
//! wangge --db sqlite:///tmp/demo.db demo        # once
//! cargo run --release -p wangge-server --example snapshot_bench -- sqlite:///tmp/demo.db
//! ```

use std::time::{Duration, Instant};

use wangge_server::fresh::GridPart;
use wangge_server::AppState;
use wangge_store::{GridFilter, Store};

const ROUNDS: usize = 7;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "sqlite://wangge.db".to_owned());
    let store = Store::connect(&url).await?;
    let t = Instant::now();
    let a = AppState::new(store.clone());
    a.refresh().await?;
    println!(
        "first snapshot of instance A: {:.0} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let b = AppState::new(Store::connect(&url).await?);
    b.refresh().await?;
    let cell = store
        .grids(&GridFilter {
            level: Some(wangge_model::LevelNo::try_from(4u8)?),
            limit: Some(1),
            ..GridFilter::default()
        })
        .await?
        .remove(0);
    println!(
        "grids: {}; edited cell: {}",
        a.index().await.map_or(0, |i| i.grid_count()),
        cell.code
    );

    let (mut full, mut incremental, mut seen_by_b) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let name = format!("{} ({round})", cell.name);
        rename(&store, &cell.code, &name).await?;
        let committed = Instant::now();
        let wanted = store.revisions().await?;
        // B learns of it by its watcher; A is told (the writer's refresh).
        a.refresh().await?;
        let rebuild = a.last_grid_rebuild();
        assert!(rebuild.incremental, "{rebuild:?}");
        if round == 0 {
            println!(
                "  A's rebuild: raster patched {}, read {:.1} ms, index {:.1} ms, source {:.1} ms",
                rebuild.raster_patched, rebuild.read_ms, rebuild.index_ms, rebuild.source_ms
            );
        }
        incremental.push(rebuild.millis);
        loop {
            if b.snapshot().await.revisions.covers(&wanted) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        seen_by_b.push(committed.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let part = GridPart::build_full(&store, &wanted).await?;
        full.push(t.elapsed().as_secs_f64() * 1e3);
        drop(part);
    }
    println!(
        "one-cell edit, median of {ROUNDS}: incremental rebuild {:.1} ms, full rebuild {:.1} ms; \
         commit → instance B's snapshot holds it {:.1} ms",
        median(incremental),
        median(full),
        median(seen_by_b)
    );
    rename(&store, &cell.code, &cell.name).await?;

    // A geometry edit as an administrator makes it: a split through the
    // cell's middle and the merge back, each with its entities placed again
    // (`wangge_edit`, what the server and the CLI run), then B follows.
    let (mut edit_ms, mut placed, mut seen_split, mut patched) = (Vec::new(), 0, Vec::new(), 0);
    let mut b_rebuilds = Vec::new();
    let [x0, y0, x1, y1] = cell.bbox;
    let x = 0.5 * (x0 + x1);
    for _ in 0..=ROUNDS / 2 {
        let t = Instant::now();
        let split = wangge_edit::split(
            &store,
            &wangge_edit::SplitRequest {
                cell: cell.code.clone(),
                line: vec![
                    geo::Coord { x, y: y0 - 0.01 },
                    geo::Coord { x, y: y1 + 0.01 },
                ],
                new_code: None,
                new_name: None,
                expected_version: None,
                dry_run: false,
            },
        )
        .await?;
        edit_ms.push(t.elapsed().as_secs_f64() * 1e3);
        placed = split.changed.placed_again.count();
        let wanted = store.revisions().await?;
        loop {
            if b.snapshot().await.revisions.covers(&wanted) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        seen_split.push(t.elapsed().as_secs_f64() * 1e3);
        b_rebuilds.push(b.last_grid_rebuild());
        a.refresh().await?;
        patched += usize::from(a.last_grid_rebuild().raster_patched);
        wangge_edit::merge_cells(
            &store,
            &wangge_edit::MergeRequest {
                cells: vec![cell.code.clone(), split.cut.geometry.code.clone()],
                into: Some(cell.code.clone()),
                name: Some(cell.name.clone()),
                expected_versions: Vec::new(),
                actor_user_id: None,
                dry_run: false,
            },
        )
        .await?;
        a.refresh().await?;
        // B holds the merge, and both instances' tiles are cut ahead,
        // before the next split is timed.
        let wanted = store.revisions().await?;
        while !b.snapshot().await.revisions.covers(&wanted) {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
    println!(
        "split of one cell, median of {}: edit with its entities placed again {:.1} ms \
         ({placed} entities); from the call until instance B's snapshot holds it {:.1} ms; \
         raster patched in {patched} of {} rebuilds",
        edit_ms.len(),
        median(edit_ms.clone()),
        median(seen_split),
        edit_ms.len()
    );
    for r in b_rebuilds {
        println!(
            "  B's rebuild: incremental {}, raster patched {}, read {:.1} ms, index {:.1} ms, \
             source {:.1} ms, all {:.1} ms",
            r.incremental, r.raster_patched, r.read_ms, r.index_ms, r.source_ms, r.millis
        );
    }
    Ok(())
}

/// A one-cell edit as any writer makes it (one grid edit transaction).
async fn rename(
    store: &Store,
    code: &wangge_model::GridCode,
    name: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut edit = store.begin_grid_edit().await?;
    edit.set_attributes(code, Some(name), None).await?;
    edit.commit().await?;
    Ok(())
}
