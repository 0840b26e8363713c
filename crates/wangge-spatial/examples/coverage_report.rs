//! Prints the coverage report of grids read from GeoJSON as JSON, the shape
//! `wangge coverage --format json` gives (scripts/coverage/compare_shapely.py
//! checks it against shapely).
//!
//! ```text
//! cargo run --release -p wangge-spatial --example coverage_report -- \
//!     grids.geojson cells.geojson [--level N] [--as-level N] [--gap-width-m W] \
//!     [--max-fix-area-m2 A] [--repeat N]
//! ```
//! Files are FeatureCollections as `wangge export grids|cells --format
//! geojson` writes them (properties `code`, `level`, `parent`, `name`); a
//! boundary file without levels needs `--as-level 1` (codes from feature
//! ids). The time of `analyze` goes to stderr (`--repeat N`: the best of N).

#[path = "../tests/coverage_support/mod.rs"]
mod coverage_support;

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use wangge_model::LevelNo;
use wangge_spatial::coverage::{analyze, CoverageOptions};

fn run() -> Result<(), String> {
    let mut files = Vec::new();
    let mut options = CoverageOptions::default();
    let mut as_level = None;
    let mut repeat = 1_usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--level" => {
                options.level = Some(
                    value("--level")?
                        .parse::<LevelNo>()
                        .map_err(|e| e.to_string())?,
                );
            }
            "--as-level" => {
                as_level = Some(
                    value("--as-level")?
                        .parse::<LevelNo>()
                        .map_err(|e| e.to_string())?,
                );
            }
            "--gap-width-m" => {
                options.gap_width_m = value("--gap-width-m")?
                    .parse()
                    .map_err(|e| format!("--gap-width-m: {e}"))?;
            }
            "--max-fix-area-m2" => {
                options.max_fix_area_m2 = value("--max-fix-area-m2")?
                    .parse()
                    .map_err(|e| format!("--max-fix-area-m2: {e}"))?;
            }
            "--repeat" => {
                repeat = value("--repeat")?
                    .parse()
                    .map_err(|e| format!("--repeat: {e}"))?;
            }
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
            file => files.push(file.to_owned()),
        }
    }
    if files.is_empty() {
        return Err("usage: coverage_report GRIDS.geojson [MORE.geojson] [--level N] [--as-level N] [--gap-width-m W] [--max-fix-area-m2 A] [--repeat N]".to_owned());
    }
    let mut grids = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
        grids.extend(
            coverage_support::read_grids(&text, as_level).map_err(|e| format!("{file}: {e}"))?,
        );
    }

    let mut best_ms = f64::INFINITY;
    let mut report = None;
    for _ in 0..repeat.max(1) {
        let start = Instant::now();
        report = Some(analyze(&grids, &options));
        best_ms = best_ms.min(start.elapsed().as_secs_f64() * 1e3);
    }
    eprintln!("analyze: {} grids in {best_ms:.1} ms", grids.len());
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    serde_json::to_writer(&mut out, &report).map_err(|e| e.to_string())?;
    writeln!(out).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("coverage_report: {e}");
            ExitCode::FAILURE
        }
    }
}
