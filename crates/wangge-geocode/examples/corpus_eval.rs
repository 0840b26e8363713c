//! Accuracy and speed on a corpus file (see gen_corpus), printed as JSON.
//!
//! `cargo run --release -p wangge-geocode --example corpus_eval -- crates/wangge-geocode/tests/data/corpus.tsv`
//!
//! Speed is parse + resolve on one thread, the corpus repeated for at least
//! two seconds; accuracy compares the codes returned with the true ones (a
//! missing code is a miss; a different code is a wrong answer).

use std::collections::BTreeMap;
use std::time::Instant;

use wangge_geocode::{Geocoder, Hints, Resolution, Status};

struct Row {
    address: String,
    county: String,
    town: String,
    village: String,
    tags: Vec<String>,
}

fn code_str(c: Option<wangge_geocode::DivisionCode>) -> String {
    c.map(|c| c.to_string()).unwrap_or_default()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: corpus_eval FILE")?;
    let text = std::fs::read_to_string(&path)?;
    let rows: Vec<Row> = text
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f.len() >= 7).then(|| Row {
                address: f[0].to_string(),
                county: f[3].to_string(),
                town: f[4].to_string(),
                village: f[5].to_string(),
                tags: f[6]
                    .split(',')
                    .filter(|t| !t.is_empty())
                    .map(String::from)
                    .collect(),
            })
        })
        .collect();
    let started = Instant::now();
    let g = Geocoder::new();
    let startup_s = started.elapsed().as_secs_f64();
    let hints = Hints::default();

    // Speed.
    let cpu_start = thread_cpu_seconds();
    let start = Instant::now();
    let mut done = 0usize;
    let mut sink = 0usize;
    while start.elapsed().as_secs_f64() < 2.0 {
        for r in &rows {
            let res = g.resolve_str(&r.address, &hints);
            sink += res.candidates.len() + usize::from(res.town_code.is_some());
        }
        done += rows.len();
    }
    let seconds = start.elapsed().as_secs_f64();
    let cpu_seconds = thread_cpu_seconds().zip(cpu_start).map(|(b, a)| b - a);

    // Accuracy.
    let results: Vec<Resolution> = rows
        .iter()
        .map(|r| g.resolve_str(&r.address, &hints))
        .collect();
    let mut county_ok = 0usize;
    let mut town_ok = 0usize;
    // A town labelled `?` could not be decided from the text: left out of
    // the town figure and of the town's part of the wrong count.
    let mut town_rows = 0usize;
    let (mut village_rows, mut village_ok) = (0usize, 0usize);
    let mut wrong = 0usize;
    let mut wrong_confident = Vec::new();
    let mut status: BTreeMap<&str, usize> = BTreeMap::new();
    let mut per_tag: BTreeMap<String, [usize; 3]> = BTreeMap::new();
    for (r, res) in rows.iter().zip(&results) {
        let county = code_str(res.county_code);
        let town = code_str(res.town_code);
        let c_ok = county == r.county;
        let town_known = r.town != "?";
        let t_ok = town == r.town;
        county_ok += usize::from(c_ok);
        town_rows += usize::from(town_known);
        town_ok += usize::from(town_known && t_ok);
        if !r.village.is_empty() {
            village_rows += 1;
            village_ok += usize::from(code_str(res.village_code) == r.village);
        }
        let is_wrong = (!county.is_empty() && !c_ok) || (town_known && !town.is_empty() && !t_ok);
        if is_wrong {
            wrong += 1;
            if res.confidence >= 0.5 {
                wrong_confident.push(serde_json::json!({
                    "address": r.address, "true_town": r.town, "got": res.name,
                    "confidence": res.confidence, "reason": res.reason,
                }));
            }
        }
        *status.entry(status_str(res.status)).or_default() += 1;
        for t in r.tags.iter().map(String::as_str).chain(["all"]) {
            let e = per_tag.entry(t.to_string()).or_default();
            e[0] += 1;
            e[1] += usize::from(c_ok);
            e[2] += usize::from(t_ok);
        }
    }
    let n = rows.len().max(1) as f64;
    let tags: BTreeMap<String, serde_json::Value> = per_tag
        .into_iter()
        .map(|(t, [rows, c, tw])| {
            (t, serde_json::json!({ "rows": rows, "county": c as f64 / rows as f64, "town": tw as f64 / rows as f64 }))
        })
        .collect();
    let report = serde_json::json!({
        "file": path,
        "rows": rows.len(),
        "startup_seconds": startup_s,
        "addresses_per_second": done as f64 / seconds,
        // Per second of this thread's CPU time: what one core does when the
        // machine is shared (Linux only).
        "addresses_per_cpu_second": cpu_seconds.map(|c| done as f64 / c),
        "county_accuracy": county_ok as f64 / n,
        "town_rows": town_rows,
        "town_accuracy": town_ok as f64 / town_rows.max(1) as f64,
        "village_accuracy": if village_rows == 0 { 0.0 } else { village_ok as f64 / village_rows as f64 },
        "wrong_answers": wrong,
        "wrong_with_confidence_at_least_0_5": wrong_confident.len(),
        "wrong_confident_examples": wrong_confident.iter().take(20).collect::<Vec<_>>(),
        "statuses": status,
        "per_tag": tags,
        "checksum": sink,
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

/// CPU time of this thread from /proc/thread-self/schedstat (Linux).
fn thread_cpu_seconds() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}

fn status_str(s: Status) -> &'static str {
    s.as_str()
}
