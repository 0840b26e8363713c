//! A fixed amount of parse + resolve work (the accuracy corpus, N passes,
//! one thread), for profilers and `perf stat`, whose cycle and instruction
//! counts compare builds on a busy machine better than a wall clock.
//!
//! `perf stat -e cycles:u,instructions:u target/release/examples/resolve_passes 20`
//!
//! Where the machine has no hardware counters (a VM), callgrind counts
//! instructions exactly: run `valgrind --tool=callgrind` with 5 passes and
//! with 0, and divide the difference by 30,000 addresses.

use std::hint::black_box;

use wangge_geocode::{Geocoder, Hints};

fn main() {
    let passes: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10);
    let rows: Vec<&str> = include_str!("../tests/data/corpus.tsv")
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .collect();
    let g = Geocoder::new();
    let hints = Hints::default();
    for _ in 0..passes {
        for a in &rows {
            black_box(g.resolve_str(black_box(a), &hints));
        }
    }
    println!("{} addresses", passes * rows.len());
}
