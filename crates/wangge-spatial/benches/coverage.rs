//! The coverage report on the whole demo territory (14 / 249 / 1,020 /
//! 7,183 grids) and on the real Shiyan counties
//! (`cargo bench -p wangge-spatial --bench coverage`).

#![allow(clippy::unwrap_used)]

#[path = "../tests/coverage_support/mod.rs"]
mod coverage_support;

#[path = "../tests/coverage_support/demo.rs"]
mod demo;

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use wangge_model::LevelNo;
use wangge_spatial::coverage::{analyze, apply_fixes, CoverageOptions};

fn coverage(c: &mut Criterion) {
    let grids = demo::demo_grids();
    let all = CoverageOptions::default();
    let mut group = c.benchmark_group("coverage");
    group.sample_size(10);
    group.bench_function("demo territory, all levels", |b| {
        b.iter(|| analyze(black_box(&grids), &all));
    });
    for level in LevelNo::ALL {
        let options = CoverageOptions {
            level: Some(level),
            ..CoverageOptions::default()
        };
        group.bench_function(format!("demo territory, level {level}"), |b| {
            b.iter(|| analyze(black_box(&grids), &options));
        });
    }
    let report = analyze(&grids, &all);
    group.bench_function(format!("apply {} demo fixes", report.fixes.len()), |b| {
        b.iter(|| apply_fixes(black_box(&grids), &report.fixes));
    });
    let counties = coverage_support::shiyan_counties();
    group.bench_function("Shiyan counties as level 1", |b| {
        b.iter(|| analyze(black_box(&counties), &all));
    });
    group.finish();
}

criterion_group!(benches, coverage);
criterion_main!(benches);
