//! Divisions abolished, merged, renamed or moved to another city since
//! about 2000. Clerks keep writing the old names for years (宁波市江东区 was
//! merged into 鄞州区; 郧县 is 郧阳区 since 2014), so the matcher reads every
//! old name as its successors, and the resolution tells the clerk that an
//! old name was read.
//!
//! The table is `data/division-changes/changes.csv`: the statistics
//! bureau's code editions 2015-2023 compared year by year, a county followed
//! by its towns to its successors (`scripts/data/division_changes.py`), with
//! the dates of jionlp's change list and a hand-checked table of earlier
//! changes; provenance in `data/README.md`. Every row is checked against the
//! gazetteer by a test.

use std::sync::OnceLock;

use crate::code::{DivisionCode, Level};

static CHANGES_CSV: &str = include_str!("../../../data/division-changes/changes.csv");

/// One change: an old division and the current divisions that took it over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DivisionChange {
    /// City, county, or town (towns only as moves between the counties of
    /// one city: 临平街道 from 余杭区 to 临平区).
    pub level: Level,
    pub old_name: String,
    /// The division the old one was in: the city of a county (the province
    /// for a municipality's district), the county of a town; empty where the
    /// source does not say.
    pub old_parent: String,
    /// The year of the decision, where a dated source gives it.
    pub year: Option<u16>,
    /// The first code edition without the old division, where the change
    /// was found by comparing editions.
    pub edition: Option<u16>,
    /// What happened: 撤县设区, 并入鄞州区, 撤销，分入上城区、钱塘区, 改隶长春市 …
    pub change: String,
    /// The current divisions that took it over, the one that took most of
    /// its towns first. Several: the old division was split, and the town
    /// decides which.
    pub successors: Vec<DivisionCode>,
    pub successor_names: Vec<String>,
}

impl DivisionChange {
    /// Only the parent changed (公主岭市 moved from 四平市 to 长春市): the
    /// name is current, the old parent is what a writer may still give.
    pub fn is_move(&self) -> bool {
        self.successor_names.len() == 1 && self.successor_names[0] == self.old_name
    }

    /// When it happened, as a clerk reads it: `2016 年` from a dated source,
    /// `2017 年版区划代码起` where only the code editions show it.
    pub fn when_zh(&self) -> String {
        match (self.year, self.edition) {
            (Some(y), _) => format!("{y} 年"),
            (None, Some(e)) => format!("{e} 年版区划代码起"),
            (None, None) => String::new(),
        }
    }

    /// `江东区（2016 年并入鄞州区）`: what the clerk is told when the old name
    /// was read.
    pub fn note_zh(&self) -> String {
        let what = if self.change.starts_with("并入")
            || self.change.starts_with("撤销")
            || self.change.starts_with("改隶")
        {
            self.change.clone()
        } else {
            format!("{}为{}", self.change, self.successor_names.join("、"))
        };
        format!("{}（{}{}）", self.old_name, self.when_zh(), what)
    }
}

/// Every change of the table, parsed once.
pub fn division_changes() -> &'static [DivisionChange] {
    static CHANGES: OnceLock<Vec<DivisionChange>> = OnceLock::new();
    CHANGES.get_or_init(|| parse_changes(CHANGES_CSV))
}

/// The changes whose successors include `code`, oldest first: the few
/// rows the resolver looks at when it read an old name (an index, so that
/// this costs nothing per address that reads none).
pub(crate) fn changes_into(code: DivisionCode) -> impl Iterator<Item = &'static DivisionChange> {
    static BY_SUCCESSOR: OnceLock<Vec<(DivisionCode, u32)>> = OnceLock::new();
    let all = division_changes();
    let index = BY_SUCCESSOR.get_or_init(|| {
        let mut index: Vec<(DivisionCode, u32)> = all
            .iter()
            .enumerate()
            .flat_map(|(i, c)| c.successors.iter().map(move |&s| (s, i as u32)))
            .collect();
        index.sort_unstable();
        index
    });
    let from = index.partition_point(|&(c, _)| c < code);
    index[from..]
        .iter()
        .take_while(move |&&(c, _)| c == code)
        .map(move |&(_, i)| &all[i as usize])
}

fn parse_changes(text: &str) -> Vec<DivisionChange> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut out = Vec::new();
    for (i, record) in reader.records().enumerate() {
        // The table is embedded and checked by tests: a bad row is a bug in
        // the build, not an input error.
        let row = record.unwrap_or_else(|e| panic!("changes.csv row {}: {e}", i + 2));
        let field = |k: usize| row.get(k).unwrap_or("");
        let level = match field(0) {
            "city" => Level::City,
            "county" => Level::County,
            "town" => Level::Town,
            other => panic!("changes.csv row {}: level {other:?}", i + 2),
        };
        let successors = field(7)
            .split(';')
            .map(|c| {
                c.parse::<u64>()
                    .ok()
                    .and_then(DivisionCode::new)
                    .unwrap_or_else(|| panic!("changes.csv row {}: code {c:?}", i + 2))
            })
            .collect();
        out.push(DivisionChange {
            level,
            old_name: field(2).to_string(),
            old_parent: field(3).to_string(),
            year: field(4).parse().ok(),
            edition: field(5).parse().ok(),
            change: field(6).to_string(),
            successors,
            successor_names: field(8).split(';').map(str::to_string).collect(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_parses_and_tells_what_happened() {
        let all = division_changes();
        assert!(all.len() > 200, "{}", all.len());
        let jiangdong = all.iter().find(|c| c.old_name == "江东区").unwrap();
        assert_eq!(jiangdong.successors[0].to_string(), "330212");
        assert!(
            jiangdong.note_zh().contains("并入鄞州区"),
            "{}",
            jiangdong.note_zh()
        );
        let yunxian = all.iter().find(|c| c.old_name == "郧县").unwrap();
        assert_eq!(yunxian.note_zh(), "郧县（2014 年撤县设区为郧阳区）");
        let moved = all.iter().find(|c| c.old_name == "公主岭市").unwrap();
        assert!(moved.is_move());
    }
}
