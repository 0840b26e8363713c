//! How long the store takes for the bulk paths of assignment at Shiyan
//! scale: upserting 1,206,974 customers, loading their points, replacing all
//! their placements in one transaction (twice: the second run deletes the
//! first), rates per level, pages, a partial re-placement.
//!
//! ```text
//! cargo run --release -p wangge-store --example placement_bench -- [DATABASE_URL] [CUSTOMERS]
//! ```
//! Without a URL it uses a new `SQLite` file in the temp directory (removed
//! afterwards). A PostgreSQL URL should name an empty database.

use std::time::Instant;

use wangge_model::{GridCode, LevelNo, PlacementStatus, Territory};
use wangge_store::{EntityKind, GridFilter, NewCustomer, NewGrid, Placement, Store};

const SHIYAN_CUSTOMERS: usize = 1_206_974;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let temp_file =
        std::env::temp_dir().join(format!("wangge-placement-bench-{}.db", std::process::id()));
    let url = args
        .next()
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| format!("sqlite://{}", temp_file.display()));
    let customers: usize = match args.next() {
        Some(n) => n.parse()?,
        None => SHIYAN_CUSTOMERS,
    };

    let store = Store::connect(&url).await?;
    let backend = store.backend();
    let territory = Territory {
        code: "BENCH".parse()?,
        name: "bench".into(),
    };
    let started = start();
    store.import_grids(&territory, &bench_grid()).await?;
    println!(
        "{backend}: grid of 8,442 boxes imported in {}",
        secs(started)
    );

    let rows = bench_customers(customers);
    let started = start();
    let report = store.upsert_customers(&territory, &rows).await?;
    println!(
        "{backend}: upsert_customers {customers} (inserted {}, updated {}) in {}",
        report.inserted,
        report.updated,
        secs(started)
    );
    let started = start();
    let report = store.upsert_customers(&territory, &rows).await?;
    println!(
        "{backend}: upsert_customers again (inserted {}, updated {}) in {}",
        report.inserted,
        report.updated,
        secs(started)
    );
    drop(rows);

    let started = start();
    let points = store.entity_points(EntityKind::Customer).await?;
    println!(
        "{backend}: entity_points {} in {}",
        points.len(),
        secs(started)
    );

    let cells = store
        .grids(&GridFilter {
            level: Some(LevelNo::CELL),
            ..Default::default()
        })
        .await?;
    let ancestors = ancestor_ids(&store).await?;
    let placements: Vec<Placement> = points
        .iter()
        .enumerate()
        .map(|(i, p)| place(i, p.id, &cells, &ancestors))
        .collect();
    drop(points);
    for run in ["first", "again"] {
        let started = start();
        store
            .replace_placements(EntityKind::Customer, &placements)
            .await?;
        println!(
            "{backend}: replace_placements {} ({run}) in {}",
            placements.len(),
            secs(started)
        );
    }

    for level in 1..=4_u8 {
        let level = LevelNo::try_from(level)?;
        let started = start();
        let rates = store.assignment_rates(level).await?;
        let t = &rates[0].customers;
        println!(
            "{backend}: assignment_rates level {level}: {} rows in {} (territory {} of {}, {:.2} %)",
            rates.len(),
            secs(started),
            t.in_cell,
            t.total,
            t.rate * 100.0
        );
    }

    let cell: &GridCode = &cells[cells.len() / 2].code;
    let started = start();
    let page = store
        .entities_in_cell(EntityKind::Customer, cell, 100, 50)
        .await?;
    println!(
        "{backend}: entities_in_cell {cell} page of {} (of {}) in {}",
        page.items.len(),
        page.total,
        secs(started)
    );
    for status in [PlacementStatus::NoLocation, PlacementStatus::Assigned] {
        let started = start();
        let page = store
            .entities_with_status(EntityKind::Customer, status, 1_000, 50)
            .await?;
        println!(
            "{backend}: entities_with_status {status} page of {} (of {}) in {}",
            page.items.len(),
            page.total,
            secs(started)
        );
    }

    let some: Vec<Placement> = placements.iter().step_by(100).cloned().collect();
    let started = start();
    store.upsert_placements(EntityKind::Customer, &some).await?;
    println!(
        "{backend}: upsert_placements {} in {}",
        some.len(),
        secs(started)
    );
    store.close().await;
    if url.contains(&*temp_file.to_string_lossy()) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", temp_file.display()));
        }
    }
    Ok(())
}

/// A phase's start: wall clock and CPU time of the process (all threads,
/// the `SQLite` worker included), since the machine may be shared.
#[derive(Clone, Copy)]
struct Started {
    wall: Instant,
    cpu_s: f64,
}

fn start() -> Started {
    Started {
        wall: Instant::now(),
        cpu_s: cpu_secs(),
    }
}

/// "1.234 s (CPU 1.100 s)".
fn secs(started: Started) -> String {
    format!(
        "{:.3} s (CPU {:.2} s)",
        started.wall.elapsed().as_secs_f64(),
        cpu_secs() - started.cpu_s
    )
}

/// User + system time of this process from /proc (Linux; 0 elsewhere),
/// in the kernel's 100 Hz ticks.
fn cpu_secs() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which may hold spaces) in parentheses.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (tick(11) + tick(12)) / 100.0
}

/// Cell id -> (level-3, level-2, level-1 ids).
async fn ancestor_ids(
    store: &Store,
) -> Result<std::collections::HashMap<i64, [i64; 3]>, Box<dyn std::error::Error>> {
    let all = store.grids(&GridFilter::default()).await?;
    let by_code: std::collections::HashMap<&str, (i64, Option<&GridCode>)> = all
        .iter()
        .map(|g| (g.code.as_str(), (g.id, g.parent.as_ref())))
        .collect();
    let up = |code: &GridCode| by_code[code.as_str()];
    Ok(all
        .iter()
        .filter(|g| g.level == LevelNo::CELL)
        .map(|cell| {
            let (l3, l3_parent) = up(cell
                .parent
                .as_ref()
                .unwrap_or_else(|| panic!("cell parent")));
            let (l2, l2_parent) = up(l3_parent.unwrap_or_else(|| panic!("l3 parent")));
            let (l1, _) = up(l2_parent.unwrap_or_else(|| panic!("l2 parent")));
            (cell.id, [l3, l2, l1])
        })
        .collect())
}

/// A deterministic placement: 97.3 % assigned (some via parent), the rest
/// spread over the other statuses, like the field's figures.
fn place(
    i: usize,
    entity_id: i64,
    cells: &[wangge_store::GridRecord],
    ancestors: &std::collections::HashMap<i64, [i64; 3]>,
) -> Placement {
    let cell = &cells[(i * 7_919) % cells.len()];
    let [l3, l2, l1] = ancestors[&cell.id];
    let (status, grid) = match i % 1_000 {
        0..=972 => (PlacementStatus::Assigned, true),
        973..=979 => (PlacementStatus::InGap, false),
        980..=984 => (PlacementStatus::Outside, false),
        985..=994 => (PlacementStatus::NoLocation, false),
        _ => (PlacementStatus::InvalidCoordinates, false),
    };
    let in_gap = status == PlacementStatus::InGap;
    Placement {
        entity_id,
        status,
        cell_id: grid.then_some(cell.id),
        l3_id: (grid || in_gap).then_some(l3),
        l2_id: (grid || in_gap).then_some(l2),
        l1_id: (grid || in_gap).then_some(l1),
        suggestion_cell_id: (status == PlacementStatus::Outside).then_some(cell.id),
        suggestion_distance_m: (status == PlacementStatus::Outside).then_some(12.5),
        reason: (!grid).then(|| format!("bench {status}")),
    }
}

fn bench_customers(n: usize) -> Vec<NewCustomer> {
    (0..n)
        .map(|i| {
            let located = i % 1_000 < 985;
            NewCustomer {
                code: format!("C{i:08}"),
                name: format!("客户 {i}"),
                segment: Some(["residential", "sme", "enterprise"][i % 3].to_owned()),
                product_type: Some(["broadband", "mobile", "fixed"][i % 3].to_owned()),
                address: Some(format!("湖北省十堰市茅箭区人民路 {} 号", i % 997)),
                lon: located.then(|| 110.0 + (i % 1_400) as f64 / 1_000.0),
                lat: located.then(|| 32.0 + (i % 400) as f64 / 1_000.0),
                monthly_spend_yuan: Some((i % 500) as f64 + 0.5),
                staff_count: (i % 7 == 0).then_some((i % 300) as i64),
                class: None,
                other_operator: i % 50 == 0,
            }
        })
        .collect()
}

/// 14 level-1, 249 level-2, 996 level-3 grids and 7,183 cells (boxes).
fn bench_grid() -> Vec<NewGrid> {
    let mut grids = Vec::new();
    let mut cells_left = 7_183_usize;
    let mut l2_left = 249_usize;
    let mut l3_left = 996_usize;
    for l1 in 0..14_usize {
        let l1_code = format!("B-{l1:02}");
        let x0 = 110.0 + l1 as f64 * 0.1;
        grids.push(grid(&l1_code, 1, None, [x0, 32.0, x0 + 0.1, 32.4]));
        let l2_count = l2_left / (14 - l1);
        l2_left -= l2_count;
        for l2 in 0..l2_count {
            let l2_code = format!("{l1_code}-{l2:02}");
            let dy = 0.4 / l2_count as f64;
            let y0 = 32.0 + dy * l2 as f64;
            grids.push(grid(
                &l2_code,
                2,
                Some(&l1_code),
                [x0, y0, x0 + 0.1, y0 + dy],
            ));
            for l3 in 0..4_usize {
                let l3_code = format!("{l2_code}-{l3}");
                let lx = x0 + 0.025 * l3 as f64;
                grids.push(grid(
                    &l3_code,
                    3,
                    Some(&l2_code),
                    [lx, y0, lx + 0.025, y0 + dy],
                ));
                let cell_count = cells_left / l3_left;
                l3_left -= 1;
                cells_left -= cell_count;
                for c in 0..cell_count {
                    let w = 0.025 / cell_count as f64;
                    let cx = lx + w * c as f64;
                    grids.push(grid(
                        &format!("{l3_code}-{c:02}"),
                        4,
                        Some(&l3_code),
                        [cx, y0, cx + w, y0 + dy],
                    ));
                }
            }
        }
    }
    grids
}

fn grid(code: &str, level: u8, parent: Option<&str>, bbox: [f64; 4]) -> NewGrid {
    let [x0, y0, x1, y1] = bbox;
    NewGrid {
        code: code.parse().unwrap_or_else(|e| panic!("{e}")),
        name: code.to_owned(),
        level: LevelNo::try_from(level).unwrap_or_else(|e| panic!("{e}")),
        parent: parent.map(|p| p.parse().unwrap_or_else(|e| panic!("{e}"))),
        cell_type: (level == 4).then(|| "15".parse().unwrap_or_else(|e| panic!("{e}"))),
        geometry_geojson: format!(
            r#"{{"type":"Polygon","coordinates":[[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]]]}}"#
        ),
        bbox,
        area_m2: (x1 - x0) * (y1 - y0) * 1.0e10,
        invalid_reason: None,
        properties_json: None,
        source: None,
    }
}
