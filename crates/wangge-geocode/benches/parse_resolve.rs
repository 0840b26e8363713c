//! Parse + resolve throughput on one core, over the accuracy corpus (6,000
//! addresses from every province with clerks' damage). Criterion reports
//! elements (addresses) per second.
//!
//! `cargo bench -p wangge-geocode --bench parse_resolve`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use wangge_geocode::{Geocoder, Hints};

fn addresses() -> Vec<&'static str> {
    include_str!("../tests/data/corpus.tsv")
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .collect()
}

fn parse_resolve(c: &mut Criterion) {
    let rows = addresses();
    let g = Geocoder::new();
    let hints = Hints::default();
    let mut group = c.benchmark_group("geocode");
    group.throughput(Throughput::Elements(rows.len() as u64));
    group.sample_size(20);
    group.bench_function("parse_resolve_corpus", |b| {
        b.iter(|| {
            for a in &rows {
                black_box(g.resolve_str(black_box(a), &hints));
            }
        });
    });
    group.bench_function("parse_only_corpus", |b| {
        b.iter(|| {
            for a in &rows {
                black_box(g.parse(black_box(a)));
            }
        });
    });
    group.finish();
}

criterion_group!(benches, parse_resolve);
criterion_main!(benches);
