//! Accuracy on the generated corpus (tests/data/corpus.tsv, written by
//! `examples/gen_corpus.rs` from real division names of every province, with
//! clerks' damage: missing levels, short forms, old names, full-width digits,
//! Chinese numerals, noise). Prints the accuracy table per damage tag.
//!
//! Thresholds (issue 5): at least 98 % of rows to the right county, 95 % to
//! the right town/street, and no wrong answer with confidence 0.5 or more.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use wangge_geocode::{DivisionCode, Geocoder, Hints, Status};

struct Row {
    address: String,
    province: String,
    county: String,
    town: String,
    village: String,
    tags: Vec<String>,
}

fn corpus() -> Vec<Row> {
    let text = include_str!("data/corpus.tsv");
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert_eq!(
        header,
        "address\tprovince\tcity\tcounty\ttown\tvillage\ttags"
    );
    lines
        .enumerate()
        .map(|(i, l)| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 7, "corpus line {}: {l:?}", i + 2);
            Row {
                address: f[0].to_string(),
                province: f[1].to_string(),
                county: f[3].to_string(),
                town: f[4].to_string(),
                village: f[5].to_string(),
                tags: f[6]
                    .split(',')
                    .filter(|t| !t.is_empty())
                    .map(String::from)
                    .collect(),
            }
        })
        .collect()
}

fn code_str(c: Option<DivisionCode>) -> String {
    c.map(|c| c.to_string()).unwrap_or_default()
}

#[derive(Default)]
struct Tally {
    rows: usize,
    county: usize,
    town: usize,
    wrong: usize,
}

#[test]
fn corpus_is_large_varied_and_true() {
    let rows = corpus();
    assert!(rows.len() >= 5_000, "only {} rows", rows.len());
    let provinces: BTreeSet<&str> = rows.iter().map(|r| r.province.as_str()).collect();
    assert!(provinces.len() >= 20, "only {} provinces", provinces.len());
    // The true codes are real divisions and form one chain.
    let g = Geocoder::new();
    for r in &rows {
        let town: DivisionCode = r.town.parse().unwrap();
        assert!(g.gazetteer().division(town).is_some(), "{}", r.town);
        assert!(town.to_string().starts_with(&r.county));
        assert!(r.county.starts_with(&r.province));
        if !r.village.is_empty() {
            assert!(r.village.starts_with(&r.town));
        }
    }
    let tags: BTreeSet<&str> = rows
        .iter()
        .flat_map(|r| r.tags.iter().map(String::as_str))
        .collect();
    for needed in [
        "no_province",
        "short_city",
        "old_county",
        "fullwidth",
        "cn_numerals",
        "phone",
        "direction",
        "city_road",
        "repeated",
        "spaces",
    ] {
        assert!(tags.contains(needed), "no row with damage {needed}");
    }
}

#[test]
fn accuracy_on_the_corpus() {
    let rows = corpus();
    let g = Geocoder::new();
    let hints = Hints::default();
    let mut per_tag: BTreeMap<String, Tally> = BTreeMap::new();
    let mut statuses: BTreeMap<&str, usize> = BTreeMap::new();
    let mut confident_wrong = Vec::new();
    let (mut village_rows, mut village_ok) = (0usize, 0usize);
    for r in &rows {
        let res = g.resolve_str(&r.address, &hints);
        let county = code_str(res.county_code);
        let town = code_str(res.town_code);
        let county_ok = county == r.county;
        let town_ok = town == r.town;
        let wrong = (!county.is_empty() && !county_ok) || (!town.is_empty() && !town_ok);
        if wrong && res.confidence >= 0.5 {
            confident_wrong.push(format!(
                "{} → {} ({}, {:.2}) want {}",
                r.address, res.name, res.reason, res.confidence, r.town
            ));
        }
        if !r.village.is_empty() {
            village_rows += 1;
            village_ok += usize::from(code_str(res.village_code) == r.village);
        }
        *statuses.entry(res.status.as_str()).or_default() += 1;
        for tag in r.tags.iter().map(String::as_str).chain(["ALL"]) {
            let t = per_tag.entry(tag.to_string()).or_default();
            t.rows += 1;
            t.county += usize::from(county_ok);
            t.town += usize::from(town_ok);
            t.wrong += usize::from(wrong);
        }
    }
    let mut table = String::from("damage            rows  county%   town%  wrong\n");
    for (tag, t) in &per_tag {
        let pct = |n: usize| 100.0 * n as f64 / t.rows as f64;
        writeln!(
            table,
            "{tag:<16} {:>5}  {:>6.2}  {:>6.2}  {:>5}",
            t.rows,
            pct(t.county),
            pct(t.town),
            t.wrong
        )
        .unwrap();
    }
    writeln!(
        table,
        "village codes right: {village_ok}/{village_rows}; statuses: {statuses:?}"
    )
    .unwrap();
    println!("{table}");

    let all = &per_tag["ALL"];
    let county_pct = 100.0 * all.county as f64 / all.rows as f64;
    let town_pct = 100.0 * all.town as f64 / all.rows as f64;
    assert!(county_pct >= 98.0, "county {county_pct:.2} %\n{table}");
    assert!(town_pct >= 95.0, "town {town_pct:.2} %\n{table}");
    assert!(
        confident_wrong.is_empty(),
        "{} wrong answers with confidence >= 0.5:\n{}",
        confident_wrong.len(),
        confident_wrong.join("\n")
    );
    // Not every row is an easy match: the table means something.
    assert!(statuses.get("matched").copied().unwrap_or(0) < rows.len());
}

#[test]
fn wrong_answers_are_never_matched_confidently_even_with_a_hint() {
    // A city hint that is wrong for most rows must not make wrong answers
    // confident: 十堰 for addresses all over China.
    let rows = corpus();
    let g = Geocoder::new();
    let hints = Hints {
        city_code: Some("4203".parse().unwrap()),
        ..Hints::default()
    };
    let mut bad = Vec::new();
    for r in rows.iter().step_by(3) {
        let res = g.resolve_str(&r.address, &hints);
        let county = code_str(res.county_code);
        let town = code_str(res.town_code);
        let wrong =
            (!county.is_empty() && county != r.county) || (!town.is_empty() && town != r.town);
        if wrong && res.confidence >= 0.5 && res.status != Status::Ambiguous {
            bad.push(format!(
                "{} → {} {:.2}",
                r.address, res.name, res.confidence
            ));
        }
    }
    // The hint may mislead a few bare names; it must stay rare.
    assert!(bad.len() * 100 <= rows.len() / 3, "{}", bad.join("\n"));
}
