//! Time to build the embedded gazetteer (decompress, index, automaton).
//!
//! `cargo run --release -p wangge-geocode --example startup`

use std::time::Instant;

fn main() {
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        let g = wangge_geocode::Gazetteer::embedded();
        let s = t.elapsed().as_secs_f64();
        best = best.min(s);
        assert!(!g.is_empty());
    }
    println!("gazetteer build: best of 5 = {:.1} ms", best * 1000.0);
}
