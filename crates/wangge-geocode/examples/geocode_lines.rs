//! Parse and resolve addresses from stdin, one per line; print JSON lines.
//!
//! `echo 郧县城关镇 | cargo run -p wangge-geocode --example geocode_lines -- [CITY_CODE]`

use std::io::{self, BufRead, Write};

use wangge_geocode::{Geocoder, Hints};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let hints = Hints {
        city_code: std::env::args().nth(1).map(|c| c.parse()).transpose()?,
        ..Hints::default()
    };
    let g = Geocoder::new();
    let stdout = io::stdout();
    let mut out = stdout.lock();
    for line in io::stdin().lock().lines() {
        let line = line?;
        let parsed = g.parse(&line);
        let res = g.resolve(&parsed, &hints);
        let json = serde_json::json!({ "input": line, "parsed": parsed, "resolution": res });
        writeln!(out, "{json}")?;
    }
    Ok(())
}
