//! Costs of the geometry work on the real Shiyan county boundaries
//! (`cargo bench -p wangge-spatial`).

#![allow(clippy::unwrap_used)]

#[path = "../tests/support/mod.rs"]
mod support;

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use geo::{Contains, Coord, MultiPolygon, Point};
use wangge_spatial::area::geodesic_area_m2;
use wangge_spatial::bbox::bbox_of;
use wangge_spatial::partition::{resolve_self_intersections, voronoi_partition};
use wangge_spatial::validate::{check_multipolygon, check_raw_polygons};

fn county(name: &str) -> support::County {
    support::shiyan_counties()
        .into_iter()
        .find(|c| c.name == name)
        .unwrap()
}

/// `count` deterministic points inside `parent` (64-bit LCG).
fn seeds_inside(parent: &MultiPolygon<f64>, count: usize) -> Vec<Coord<f64>> {
    let [x0, y0, x1, y1] = bbox_of(parent).unwrap();
    let mut state = 42_u64;
    let mut unit = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1_u64 << 53) as f64
    };
    let mut seeds = Vec::new();
    while seeds.len() < count {
        let c = Coord {
            x: x0 + (x1 - x0) * unit(),
            y: y0 + (y1 - y0) * unit(),
        };
        if parent.contains(&Point(c)) {
            seeds.push(c);
        }
    }
    seeds
}

fn validation(c: &mut Criterion) {
    // 郧西县: one ring of 1,737 positions, touching itself 10 times.
    let yunxi = county("郧西县");
    c.bench_function("check_raw_polygons 郧西县 (1737 positions)", |b| {
        b.iter(|| check_raw_polygons(black_box(&yunxi.raw)));
    });
    c.bench_function("check_multipolygon 郧西县 (1737 positions)", |b| {
        b.iter(|| check_multipolygon(black_box(&yunxi.multipolygon)));
    });
    // 房县: four parts, 1,847 positions, two pairs sharing segments.
    let fang = county("房县");
    c.bench_function("check_multipolygon 房县 (4 parts, 1847 positions)", |b| {
        b.iter(|| check_multipolygon(black_box(&fang.multipolygon)));
    });
    c.bench_function("geodesic_area_m2 房县", |b| {
        b.iter(|| geodesic_area_m2(black_box(&fang.multipolygon)));
    });
}

fn partition(c: &mut Criterion) {
    let yunxi = county("郧西县");
    c.bench_function("resolve_self_intersections 郧西县", |b| {
        b.iter(|| resolve_self_intersections(black_box(&yunxi.multipolygon)));
    });
    let fang = resolve_self_intersections(&county("房县").multipolygon);
    let seeds = seeds_inside(&fang, 60);
    c.bench_function("voronoi_partition 房县 into 60", |b| {
        b.iter(|| voronoi_partition(black_box(&fang), black_box(&seeds)));
    });
}

criterion_group!(benches, validation, partition);
criterion_main!(benches);
