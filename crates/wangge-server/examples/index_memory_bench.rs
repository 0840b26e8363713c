//! The in-memory snapshot a server builds from the store, timed and weighed:
//! the cell index (what `locate`, placement and claims read) and the tile
//! sources (grid geometry, customer dots). Memory is the growth of the
//! process's resident set (`VmRSS` in `/proc/self/status`) while each is
//! built and held; best of `RUNS` for the time. Used by
//! `scripts/bench/province.sh`.
//!
//! ```sh
//! cargo run --release -p wangge-server --example index_memory_bench -- sqlite:///tmp/demo.db [RUNS]
//! ```

// Figures only.
#![allow(clippy::cast_precision_loss)]

use std::sync::Arc;
use std::time::Instant;

use wangge_server::tiles::source::{DotSource, GridSource};
use wangge_store::Store;

/// Resident set of this process in KiB (0 where `/proc` is missing).
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .unwrap_or_else(|| "sqlite://wangge.db".to_owned());
    let runs: usize = args.next().map_or(Ok(3), |r| r.parse())?;
    let store = Store::connect(&url).await?;

    let mut best_index_ms = f64::MAX;
    let mut best_grids_ms = f64::MAX;
    let mut best_dots_ms = f64::MAX;
    let (mut index_kib, mut grids_kib, mut dots_kib) = (0, 0, 0);
    let (mut cells, mut dots_len) = (0, 0);
    for _ in 0..runs.max(1) {
        let before = rss_kib();
        let t = Instant::now();
        let index = Arc::new(wangge_assign::load_index(&store).await?);
        best_index_ms = best_index_ms.min(t.elapsed().as_secs_f64() * 1e3);
        let with_index = rss_kib();
        let t = Instant::now();
        let grids = GridSource::load(&store, Arc::clone(&index)).await?;
        best_grids_ms = best_grids_ms.min(t.elapsed().as_secs_f64() * 1e3);
        let with_grids = rss_kib();
        let t = Instant::now();
        let dots = DotSource::load(&store).await?;
        best_dots_ms = best_dots_ms.min(t.elapsed().as_secs_f64() * 1e3);
        let with_dots = rss_kib();
        // The first run's growth: later runs reuse the allocator's freed pages.
        if index_kib == 0 {
            index_kib = with_index.saturating_sub(before);
            grids_kib = with_grids.saturating_sub(with_index);
            dots_kib = with_dots.saturating_sub(with_grids);
        }
        cells = index.cell_count();
        dots_len = dots.len();
        drop((dots, grids, index));
    }
    println!(
        "cell index: {cells} cells, built in {best_index_ms:.0} ms (best of {runs}), resident +{:.1} MiB",
        mib(index_kib)
    );
    println!(
        "grid tile source: built in {best_grids_ms:.0} ms, resident +{:.1} MiB",
        mib(grids_kib)
    );
    println!(
        "customer dot source: {dots_len} dots, built in {best_dots_ms:.0} ms, resident +{:.1} MiB",
        mib(dots_kib)
    );
    println!("process resident at the end: {:.1} MiB", mib(rss_kib()));
    Ok(())
}
