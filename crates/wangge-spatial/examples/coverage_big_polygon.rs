//! Times the level-1 coverage analysis of one grid of n vertices (issue 12:
//! the cost was quadratic, 100,000 vertices took 166 s) and checks its
//! findings: one gap (A's hole), one overlap (A, B), one edge mismatch.
//!
//! ```text
//! cargo run --release -p wangge-spatial --example coverage_big_polygon -- 10000 30000 100000
//! ```
//! Prints per size the vertices of A and the best of `--repeat N` (default 1)
//! wall times.

#[path = "../tests/coverage_support/big_polygon.rs"]
mod big_polygon;

use std::process::ExitCode;
use std::time::Instant;

use geo::{Coord, LineString, MultiPolygon, Polygon};
use wangge_model::LevelNo;
use wangge_spatial::coverage::{analyze, CoverageGrid, CoverageOptions};

fn ring(points: &[[f64; 2]]) -> LineString<f64> {
    LineString(points.iter().map(|&[x, y]| Coord { x, y }).collect())
}

fn grids(n: usize) -> (usize, Vec<CoverageGrid>) {
    let big = big_polygon::big_polygon(n);
    let grid = |code: &str, geometry| CoverageGrid {
        id: 0,
        code: code
            .parse()
            .unwrap_or_else(|_| unreachable!("a valid code")),
        name: code.to_owned(),
        level: LevelNo::DEPARTMENT,
        parent: None,
        geometry,
        invalid_reason: None,
    };
    let a = MultiPolygon(vec![Polygon::new(
        ring(&big.a_exterior),
        vec![ring(&big.a_hole)],
    )]);
    let b = MultiPolygon(vec![Polygon::new(ring(&big.b), vec![])]);
    (big.a_vertices(), vec![grid("A", a), grid("B", b)])
}

fn run() -> Result<(), String> {
    let mut sizes = Vec::new();
    let mut repeat = 1_usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--repeat" {
            repeat = args
                .next()
                .ok_or("--repeat needs a value")?
                .parse()
                .map_err(|e| format!("--repeat: {e}"))?;
        } else {
            sizes.push(
                arg.parse::<usize>()
                    .map_err(|e| format!("{arg:?}: not a vertex count ({e})"))?,
            );
        }
    }
    if sizes.is_empty() {
        sizes = vec![10_000, 30_000, 100_000];
    }
    let options = CoverageOptions {
        level: Some(LevelNo::DEPARTMENT),
        ..CoverageOptions::default()
    };
    for n in sizes {
        let (vertices, grids) = grids(n);
        let mut best = f64::INFINITY;
        let mut report = None;
        for _ in 0..repeat.max(1) {
            let started = Instant::now();
            let found = analyze(&grids, &options);
            best = best.min(started.elapsed().as_secs_f64());
            report = Some(found);
        }
        let report = report.ok_or("no run")?;
        let found = (
            report.gaps.len(),
            report.overlaps.len(),
            report.edge_mismatches.len(),
        );
        if found != (1, 1, 1) {
            for gap in &report.gaps {
                eprintln!(
                    "gap {:.3} m² at {:?} width {:.3} m",
                    gap.area_m2, gap.centroid, gap.width_m
                );
            }
            return Err(format!(
                "{vertices} vertices: expected 1 gap, 1 overlap, 1 edge mismatch; got {found:?}"
            ));
        }
        println!(
            "level-1 analysis, one grid of {vertices} vertices: {:.3} s (gap {:.0} m², overlap {:.0} m²)",
            best, report.gaps[0].area_m2, report.overlaps[0].area_m2
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("coverage_big_polygon: {e}");
            ExitCode::FAILURE
        }
    }
}
