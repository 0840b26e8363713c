//! How long the store takes to import a demo-sized grid: 14 level-1, 249
//! level-2, 996 level-3 grids and 7,183 cells (8,442 polygons) in one batch.
//!
//! ```text
//! cargo run --release -p wangge-store --example import_bench -- [DATABASE_URL]
//! ```
//! Without a URL it uses a new `SQLite` file in the temp directory. The
//! database should be empty (the second run would update, not insert).

use std::time::Instant;

use wangge_model::{CellTypeCatalog, LevelNo, Territory};
use wangge_store::{NewGrid, NewOutlet, Store};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args().nth(1).unwrap_or_else(|| {
        let path =
            std::env::temp_dir().join(format!("wangge-import-bench-{}.db", std::process::id()));
        format!("sqlite://{}", path.display())
    });
    let grids = demo_sized_grid();
    let geometry_mb = grids
        .iter()
        .map(|g| g.geometry_geojson.len())
        .sum::<usize>() as f64
        / 1e6;
    let store = Store::connect(&url).await?;
    let territory = Territory {
        code: "BENCH".parse()?,
        name: "bench".into(),
    };
    let started = Instant::now();
    let report = store.import_grids(&territory, &grids).await?;
    let elapsed = started.elapsed();
    println!(
        "{}: imported {} grids ({} inserted, {} updated, {geometry_mb:.1} MB of GeoJSON) in {:.3} s",
        store.backend(),
        grids.len(),
        report.inserted,
        report.updated,
        elapsed.as_secs_f64()
    );
    // One outlet per level-3 grid, as the demo seeds them.
    let outlets: Vec<NewOutlet> = grids
        .iter()
        .filter(|g| g.level == LevelNo::OUTLET_AREA)
        .map(|g| NewOutlet {
            code: format!("O-{}", g.code),
            name: format!("{} 营业厅", g.name),
            lon: g.bbox[0],
            lat: g.bbox[1],
            address: None,
            supports: vec![g.code.clone()],
        })
        .collect();
    let started = Instant::now();
    store.replace_outlets(&outlets).await?;
    println!(
        "{}: replaced outlets with {} in {:.3} s",
        store.backend(),
        outlets.len(),
        started.elapsed().as_secs_f64()
    );
    store.close().await;
    Ok(())
}

/// Boxes with many vertices along their edges, like partitioned polygons.
fn demo_sized_grid() -> Vec<NewGrid> {
    let types: Vec<_> = CellTypeCatalog::default()
        .types()
        .iter()
        .map(|t| t.code)
        .collect();
    let mut grids = Vec::new();
    let mut cells_left = 7_183_usize;
    let mut l2_left = 249_usize;
    let mut l3_left = 996_usize;
    for l1 in 0..14_usize {
        let l1_code = format!("B-{l1:02}");
        let x0 = 110.0 + l1 as f64 * 0.1;
        grids.push(grid(
            &l1_code,
            1,
            None,
            None,
            [x0, 32.0, x0 + 0.1, 32.4],
            600,
        ));
        let l2_count = l2_left / (14 - l1);
        l2_left -= l2_count;
        for l2 in 0..l2_count {
            let l2_code = format!("{l1_code}-{l2:02}");
            let y0 = 32.0 + 0.4 * l2 as f64 / l2_count as f64;
            let dy = 0.4 / l2_count as f64;
            grids.push(grid(
                &l2_code,
                2,
                Some(&l1_code),
                None,
                [x0, y0, x0 + 0.1, y0 + dy],
                60,
            ));
            for l3 in 0..4_usize {
                let l3_code = format!("{l2_code}-{l3}");
                let lx = x0 + 0.025 * l3 as f64;
                grids.push(grid(
                    &l3_code,
                    3,
                    Some(&l2_code),
                    None,
                    [lx, y0, lx + 0.025, y0 + dy],
                    16,
                ));
                let cell_count = cells_left / l3_left;
                l3_left -= 1;
                cells_left -= cell_count;
                for c in 0..cell_count {
                    let cx = lx + 0.025 * c as f64 / cell_count as f64;
                    let t = types[(l2 + l3 + c) % types.len()];
                    grids.push(grid(
                        &format!("{l3_code}-{c:02}"),
                        4,
                        Some(&l3_code),
                        Some(t.as_str()),
                        [cx, y0, cx + 0.025 / cell_count as f64, y0 + dy],
                        8,
                    ));
                }
            }
        }
    }
    grids
}

fn grid(
    code: &str,
    level: u8,
    parent: Option<&str>,
    cell_type: Option<String>,
    bbox: [f64; 4],
    points_per_edge: usize,
) -> NewGrid {
    let [x0, y0, x1, y1] = bbox;
    let mut ring = Vec::with_capacity(points_per_edge * 4 + 1);
    for i in 0..points_per_edge {
        let f = i as f64 / points_per_edge as f64;
        ring.push((x0 + (x1 - x0) * f, y0));
    }
    for i in 0..points_per_edge {
        let f = i as f64 / points_per_edge as f64;
        ring.push((x1, y0 + (y1 - y0) * f));
    }
    for i in 0..points_per_edge {
        let f = i as f64 / points_per_edge as f64;
        ring.push((x1 - (x1 - x0) * f, y1));
    }
    for i in 0..points_per_edge {
        let f = i as f64 / points_per_edge as f64;
        ring.push((x0, y1 - (y1 - y0) * f));
    }
    ring.push((x0, y0));
    let coordinates: Vec<String> = ring.iter().map(|(x, y)| format!("[{x},{y}]")).collect();
    NewGrid {
        code: code.parse().unwrap_or_else(|e| panic!("{e}")),
        name: code.to_owned(),
        level: LevelNo::try_from(level).unwrap_or_else(|e| panic!("{e}")),
        parent: parent.map(|p| p.parse().unwrap_or_else(|e| panic!("{e}"))),
        cell_type: cell_type.map(|t| t.parse().unwrap_or_else(|e| panic!("{e}"))),
        geometry_geojson: format!(
            r#"{{"type":"Polygon","coordinates":[[{}]]}}"#,
            coordinates.join(",")
        ),
        bbox,
        area_m2: (x1 - x0) * (y1 - y0) * 1.0e10,
        invalid_reason: None,
        properties_json: Some(format!(r#"{{"source_code":"{code}"}}"#)),
        source: Some(format!("bench {code}")),
    }
}
