//! Tile cutting times on a real database (the demo): every tile over the
//! territory at zooms 6-12, a sample of up to 300 at 13-16, cut cold (no
//! cache) for each layer; prints p50 / p99 / max wall time per zoom. The
//! server cuts the tiles of zooms 0-8 ahead ([`wangge_server::tiles`]), so
//! only 9 and deeper are cut on request. The `coverage` layer is cut from
//! the coverage analysis of the same database (default options).
//! `TILE_BENCH_EXTENT=x0,y0,x1,y1` (world units, as the bench prints them)
//! samples only that part, so that two databases are compared on the same
//! tiles.
//!
//! ```sh
//! wangge --db sqlite:///tmp/demo.db demo        # once
//! cargo run --release -p wangge-server --example tile_bench -- sqlite:///tmp/demo.db
//! ```

use std::sync::Arc;
use std::time::Instant;

use wangge_server::tiles::findings::FindingSource;
use wangge_server::tiles::source::{DotSource, GridSource};
use wangge_server::tiles::{render, Frame, Layer, Sources};
use wangge_store::Store;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "sqlite://wangge.db".to_owned());
    let store = Store::connect(&url).await?;
    let t = Instant::now();
    let index = Arc::new(wangge_assign::load_index(&store).await?);
    let grids = GridSource::load(&store, index).await?;
    let dots = DotSource::load(&store).await?;
    println!(
        "sources loaded in {:.0} ms ({} customers with coordinates)",
        t.elapsed().as_secs_f64() * 1e3,
        dots.len()
    );
    let t = Instant::now();
    let snapshot = wangge_coverage::Snapshot::load(&store).await?;
    let options = wangge_coverage::ReportOptions::default();
    let analysis = wangge_coverage::analyze_snapshot(&snapshot, &options);
    let analysed_ms = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let findings = FindingSource::new(snapshot.revision, &analysis);
    println!(
        "coverage analysed in {analysed_ms:.0} ms, {} findings ready in {:.1} ms",
        findings.len(),
        t.elapsed().as_secs_f64() * 1e3
    );
    let sources = Sources {
        grids: Some(&grids),
        dots: Some(&dots),
        findings: Some(&findings),
    };
    // TILE_BENCH_EXTENT=x0,y0,x1,y1 (world units 0-1, as printed) samples
    // that part only: the first copy's tiles at 1 and at 10 copies.
    let [x0, y0, x1, y1] = match std::env::var("TILE_BENCH_EXTENT") {
        Ok(text) => {
            let v: Vec<f64> = text
                .split(',')
                .map(str::trim)
                .map(str::parse)
                .collect::<Result<_, _>>()?;
            <[f64; 4]>::try_from(v).map_err(|_| "TILE_BENCH_EXTENT: four numbers")?
        }
        Err(_) => grids.world_extent(),
    };
    println!("extent (world units) {x0},{y0},{x1},{y1}");
    println!("layer      zoom  tiles   p50 ms   p99 ms   max ms  mean KiB");
    for layer in [
        Layer::Grids,
        Layer::Cells,
        Layer::Customers,
        Layer::Coverage,
    ] {
        for z in 6u8..=16 {
            let n = f64::from(1u32 << z);
            let (tx0, tx1) = ((x0 * n) as u32, (x1 * n) as u32);
            let (ty0, ty1) = ((y0 * n) as u32, (y1 * n) as u32);
            let mut all: Vec<(u32, u32)> = (tx0..=tx1)
                .flat_map(|x| (ty0..=ty1).map(move |y| (x, y)))
                .collect();
            if all.len() > 300 {
                // An even sample, deterministic.
                let step = all.len() / 300;
                all = all.into_iter().step_by(step).take(300).collect();
            }
            let mut times = Vec::with_capacity(all.len());
            let mut bytes = 0usize;
            for &(x, y) in &all {
                let frame = Frame::new(z, x, y);
                let t = Instant::now();
                let tile = render(sources, layer, &frame);
                times.push(t.elapsed().as_secs_f64() * 1e3);
                bytes += tile.len();
            }
            times.sort_by(f64::total_cmp);
            let at = |v: &[f64], q: f64| {
                v.get(((v.len().max(1) - 1) as f64 * q).round() as usize)
                    .copied()
                    .unwrap_or(f64::NAN)
            };
            println!(
                "{:<10} {z:>4} {:>6} {:>8.2} {:>8.2} {:>8.2} {:>9.1}",
                format!("{layer:?}"),
                times.len(),
                at(&times, 0.5),
                at(&times, 0.99),
                at(&times, 1.0),
                bytes as f64 / times.len() as f64 / 1024.0
            );
        }
    }
    Ok(())
}
