//! Point location over the demo territory (Shiyan, seed 2011: 14 / 249 /
//! 1,020 / 7,183 grids): one point at a time, one million random points in
//! the territory's bounding box, and the 120,000 demo customers (clustered in
//! towns), each on one and two threads.
//!
//! `cargo bench -p wangge-assign --bench locate` prints the index figures
//! (build time, bytes per indexed cell, the statuses of the random points)
//! before criterion's timings; the element throughput of `locate_many` is
//! the points-per-second figure.

// A benchmark: a broken demo should stop it loudly.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use geo::{Coord, LineString, MultiPolygon, Polygon};
use serde_json::Value;
use wangge_demo::{generate, DemoConfig};
use wangge_spatial::index::{CellIndex, IndexedGrid, LocateOptions, PointStatus};

const POINTS: usize = 1_000_000;
/// The demo's default number of customers.
const CUSTOMERS: usize = 120_000;

/// A GeoJSON Polygon or MultiPolygon text as geo types.
fn multipolygon(text: &str) -> MultiPolygon<f64> {
    let value: Value = serde_json::from_str(text).unwrap();
    let ring = |v: &Value| {
        LineString(
            v.as_array()
                .unwrap()
                .iter()
                .map(|p| Coord {
                    x: p[0].as_f64().unwrap(),
                    y: p[1].as_f64().unwrap(),
                })
                .collect(),
        )
    };
    let polygon = |v: &Value| {
        let rings = v.as_array().unwrap();
        Polygon::new(ring(&rings[0]), rings[1..].iter().map(ring).collect())
    };
    let coordinates = &value["coordinates"];
    match value["type"].as_str() {
        Some("Polygon") => MultiPolygon(vec![polygon(coordinates)]),
        Some("MultiPolygon") => MultiPolygon(
            coordinates
                .as_array()
                .unwrap()
                .iter()
                .map(polygon)
                .collect(),
        ),
        other => panic!("not a polygon: {other:?}"),
    }
}

/// The demo's grids as the index takes them (ids are positions + 1), the
/// territory's bounding box, and the demo customers' coordinates (clustered
/// as a city's are).
fn demo_grids() -> (Vec<IndexedGrid>, [f64; 4], Vec<[f64; 2]>) {
    let demo = generate(&DemoConfig {
        seed: 2011,
        customers: CUSTOMERS,
    })
    .unwrap();
    let customers: Vec<[f64; 2]> = demo
        .customers
        .iter()
        .filter_map(|c| Some([c.lon?, c.lat?]))
        .collect();
    let ids: HashMap<&str, i64> = demo
        .grids
        .iter()
        .enumerate()
        .map(|(i, g)| (g.code.as_str(), i as i64 + 1))
        .collect();
    let grids: Vec<IndexedGrid> = demo
        .grids
        .iter()
        .enumerate()
        .map(|(i, g)| IndexedGrid {
            id: i as i64 + 1,
            code: g.code.clone(),
            level: g.level,
            parent_id: g.parent.as_ref().map(|p| ids[p.as_str()]),
            geometry: multipolygon(&g.geometry_geojson),
        })
        .collect();
    let bbox = wangge_model::bbox::union_all(
        demo.grids
            .iter()
            .filter(|g| g.level.get() == 1)
            .map(|g| g.bbox),
    )
    .expect("the demo has departments");
    (grids, bbox, customers)
}

/// Uniform random points in a box (64-bit LCG, fixed seed).
fn random_points(bbox: [f64; 4], count: usize, seed: u64) -> Vec<[f64; 2]> {
    let mut state = seed;
    let mut unit = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1_u64 << 53) as f64
    };
    (0..count)
        .map(|_| {
            [
                bbox[0] + (bbox[2] - bbox[0]) * unit(),
                bbox[1] + (bbox[3] - bbox[1]) * unit(),
            ]
        })
        .collect()
}

fn bench_locate(c: &mut Criterion) {
    let (grids, bbox, customers) = demo_grids();
    let vertices: usize = grids
        .iter()
        .filter(|g| g.level.is_cell())
        .map(|g| geo::CoordsIter::coords_count(&g.geometry))
        .sum();
    let started = Instant::now();
    let index = CellIndex::build(grids).unwrap();
    let build_ms = started.elapsed().as_secs_f64() * 1e3;
    let cells = index.cell_count();
    let bytes = index.memory_bytes();
    println!(
        "index: {} grids, {cells} cells ({vertices} cell vertices), built in {build_ms:.0} ms; \
         {bytes} heap bytes = {:.0} bytes per indexed cell; {} stored edges; \
         {:.1} % of tiles answered at build time",
        index.grid_count(),
        bytes as f64 / cells as f64,
        index.stored_edge_count(),
        100.0 * index.known_tile_share(),
    );
    let options = LocateOptions::default();
    let points = random_points(bbox, POINTS, 2011);
    let located = index.locate_many(&points, &options, 2);
    let count = |status| located.iter().filter(|l| l.status == status).count();
    println!(
        "{POINTS} random points in {bbox:?}: assigned {}, in gap {}, outside {} ({} with a suggestion)",
        count(PointStatus::Assigned),
        count(PointStatus::InGap),
        count(PointStatus::Outside),
        located.iter().filter(|l| l.suggestion.is_some()).count(),
    );

    let mut group = c.benchmark_group("locate");
    group.throughput(Throughput::Elements(1));
    let mut k = 0;
    group.bench_function("single_point", |b| {
        b.iter(|| {
            k = (k + 1) % points.len();
            let [lon, lat] = points[k];
            black_box(index.locate(black_box(lon), black_box(lat), &options))
        });
    });
    group.finish();

    let placed = index.locate_many(&customers, &options, 2);
    println!(
        "{} demo customers with coordinates: {} assigned",
        customers.len(),
        placed
            .iter()
            .filter(|l| l.status == PointStatus::Assigned)
            .count(),
    );

    let mut group = c.benchmark_group("locate_many_1m");
    group.sample_size(10);
    group.throughput(Throughput::Elements(POINTS as u64));
    for threads in [1, 2] {
        group.bench_with_input(
            BenchmarkId::new("threads", threads),
            &threads,
            |b, &threads| {
                b.iter(|| black_box(index.locate_many(&points, &options, threads)));
            },
        );
    }
    group.finish();

    // Where customers are: dense towns, small cells, most tiles crossed.
    let mut group = c.benchmark_group("locate_many_demo_customers");
    group.sample_size(20);
    group.throughput(Throughput::Elements(customers.len() as u64));
    for threads in [1, 2] {
        group.bench_with_input(
            BenchmarkId::new("threads", threads),
            &threads,
            |b, &threads| {
                b.iter(|| black_box(index.locate_many(&customers, &options, threads)));
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench_locate);
criterion_main!(benches);
