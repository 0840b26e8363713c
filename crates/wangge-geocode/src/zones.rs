//! Development zones, parks and new areas (经济开发区, 高新区, 工业园区, 新区,
//! 科技城 …) that are not county-level units of the code list but lie in one
//! county (or span the counties of one city): `北京经开区…` is in 大兴区,
//! `东湖高新区…` in 武汉市. The matcher reads a zone's name and aliases as
//! its division — the town-level unit the statistics bureau lists it as,
//! where it lists one, else its county or city.
//!
//! The table is `data/zones/zones.csv` (`scripts/data/zones.py`): the
//! bureau's town-level units named as zones in the 2016-2023 code editions,
//! with a few famous zones hand-checked against public pages; provenance in
//! `data/zones/README.md`. A test checks every row against the gazetteer.

use std::sync::OnceLock;

use crate::code::DivisionCode;

static ZONES_CSV: &str = include_str!("../../../data/zones/zones.csv");

/// Aliases shorter than this are not read: `光谷`, `雄安` and `横琴` are
/// parts of too many other names to be taken on their own.
pub const MIN_ZONE_ALIAS_CHARS: usize = 4;

/// One zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    pub name: String,
    /// The short forms read for it (at least [`MIN_ZONE_ALIAS_CHARS`]).
    pub aliases: Vec<String>,
    /// Its county (6 digits) or, when it spans counties, its city (4).
    pub division: DivisionCode,
    /// The 2023 town-level unit the bureau lists it as, when exactly one.
    pub town: Option<DivisionCode>,
    /// Where the fact comes from.
    pub source: String,
}

/// The embedded zone table.
pub fn zones() -> &'static [Zone] {
    static ZONES: OnceLock<Vec<Zone>> = OnceLock::new();
    ZONES.get_or_init(|| parse_zones(ZONES_CSV))
}

fn parse_zones(text: &str) -> Vec<Zone> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut out = Vec::new();
    for (i, record) in reader.records().enumerate() {
        // The table is embedded and checked by tests: a bad row is a bug in
        // the build, not an input error.
        let row = record.unwrap_or_else(|e| panic!("zones.csv row {}: {e}", i + 2));
        let field = |k: usize| row.get(k).unwrap_or("");
        let code = |c: &str| {
            c.parse::<u64>()
                .ok()
                .and_then(DivisionCode::new)
                .unwrap_or_else(|| panic!("zones.csv row {}: code {c:?}", i + 2))
        };
        let source = field(10).to_string();
        // `stats-bureau streets.csv 2023 code 110115403`: that town.
        let town = source
            .strip_prefix("stats-bureau streets.csv 2023 code ")
            .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
            .filter(|c| c.len() == 9)
            .map(code);
        out.push(Zone {
            name: field(0).to_string(),
            aliases: field(1)
                .split('|')
                .filter(|a| a.chars().count() >= MIN_ZONE_ALIAS_CHARS)
                .map(str::to_string)
                .collect(),
            division: code(field(2)),
            town,
            source,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gazetteer::Gazetteer;

    #[test]
    fn every_zone_lies_in_a_division_of_the_gazetteer() {
        let g = Gazetteer::shared();
        let all = zones();
        assert!(all.len() > 1000, "{} zones", all.len());
        for z in all {
            assert!(
                g.division(z.division).is_some(),
                "{}: {}",
                z.name,
                z.division
            );
            if let Some(t) = z.town {
                assert!(g.division(t).is_some(), "{}: {t}", z.name);
                assert!(
                    t.is_within(z.division),
                    "{}: {t} not in {}",
                    z.name,
                    z.division
                );
            }
            assert!(!z.source.is_empty(), "{} has no source", z.name);
        }
        let jingkai = all.iter().find(|z| z.name == "北京经济技术开发区").unwrap();
        assert_eq!(
            jingkai.town.map(|t| t.to_string()).as_deref(),
            Some("110115403")
        );
        assert!(jingkai.aliases.iter().any(|a| a == "北京经开区"));
    }
}
