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
