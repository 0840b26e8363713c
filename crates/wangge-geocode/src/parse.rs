//! Splitting an address into its parts: the five division levels (found by
//! the gazetteer's matcher), then road, house number (门牌), compound (小区),
//! building (栋/幢/号楼), unit (单元) and room from what is left.

use crate::names::{has_prefix, has_suffix, Words};
use serde::Serialize;

use crate::code::Level;
use crate::gazetteer::Gazetteer;
use crate::matcher::{Kind, Scan};
use crate::normalize::{normalize, numerals_to_digits};

/// What the parser found, kept for resolution so the text is scanned once.
/// Tied to the gazetteer that produced it; an empty one (an address filled in
/// by hand) is rebuilt from the text fields.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evidence {
    pub(crate) gazetteer_id: u64,
    pub(crate) scan: Scan,
}

/// An address split into parts. Division fields hold the text as written
/// (`十堰`, `郧县`); codes come from [`crate::Geocoder::resolve`].
///
/// ```
/// let p = wangge_geocode::parse("湖北十堰茅箭区武当路街道北京路１２号3栋二单元301");
/// assert_eq!(p.province.as_deref(), Some("湖北"));
/// assert_eq!(p.city.as_deref(), Some("十堰"));
/// assert_eq!(p.county.as_deref(), Some("茅箭区"));
/// assert_eq!(p.town.as_deref(), Some("武当路街道"));
/// assert_eq!(p.road.as_deref(), Some("北京路"));
/// assert_eq!(p.number.as_deref(), Some("12"));
/// assert_eq!(p.building.as_deref(), Some("3"));
/// assert_eq!(p.unit.as_deref(), Some("2"));
/// assert_eq!(p.room.as_deref(), Some("301"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ParsedAddress {
    pub province: Option<String>,
    pub city: Option<String>,
    pub county: Option<String>,
    pub town: Option<String>,
    pub village: Option<String>,
    pub road: Option<String>,
    /// House number on the road (门牌), digits as written: `12`, `12-1`.
    pub number: Option<String>,
    pub compound: Option<String>,
    pub building: Option<String>,
    pub unit: Option<String>,
    pub room: Option<String>,
    /// What was taken out: phone numbers, directions, bracketed remarks,
    /// unreadable pieces.
    pub noise: Vec<String>,
    /// The input was longer than [`crate::MAX_INPUT_CHARS`] and was cut.
    pub truncated: bool,
    #[serde(skip)]
    pub evidence: Evidence,
}

impl ParsedAddress {
    pub(crate) fn division_field(&mut self, level: Level) -> &mut Option<String> {
        match level {
            Level::Province => &mut self.province,
            Level::City => &mut self.city,
            Level::County => &mut self.county,
            Level::Town => &mut self.town,
            Level::Village => &mut self.village,
        }
    }

    /// Whether anything finer than a division was given (road, number,
    /// compound, building).
    pub fn has_street_detail(&self) -> bool {
        self.road.is_some()
            || self.number.is_some()
            || self.compound.is_some()
            || self.building.is_some()
    }

    /// The division text fields joined, for addresses filled in by hand.
    pub(crate) fn division_text(&self) -> String {
        [
            &self.province,
            &self.city,
            &self.county,
            &self.town,
            &self.village,
        ]
        .iter()
        .filter_map(|f| f.as_deref())
        .collect::<Vec<_>>()
        .join(",")
    }
}

pub(crate) fn parse_with(gaz: &Gazetteer, input: &str) -> ParsedAddress {
    let norm = normalize(input);
    let scan = gaz.matcher.scan(norm.text);
    let text = &scan.text;
    let mut out = ParsedAddress {
        noise: norm.noise,
        truncated: norm.truncated,
        ..ParsedAddress::default()
    };
    assign_division_fields(&scan, text, &mut out);
    // The rest, in order, with division mentions cut out.
    let mut rest = String::with_capacity(text.len());
    let mut pos = 0usize;
    for m in scan
        .segmentation
        .iter()
        .map(|&i| &scan.mentions[i as usize])
    {
        rest.push_str(&text[pos..m.start as usize]);
        rest.push(',');
        pos = m.end as usize;
    }
    rest.push_str(&text[pos..]);
    parse_detail(&numerals_to_digits(&rest), &mut out);
    out.evidence = Evidence {
        gazetteer_id: gaz.id(),
        scan,
    };
    out
}

/// Give each mention the field of its likeliest level: the best-written
/// candidate, preferring a level below the previous mention's.
fn assign_division_fields(scan: &Scan, text: &str, out: &mut ParsedAddress) {
    let mut last: Option<Level> = None;
    for m in scan
        .segmentation
        .iter()
        .map(|&i| &scan.mentions[i as usize])
    {
        let cands = scan.cands_of(m);
        let best_kind = cands.iter().map(|c| c.kind).min().unwrap_or(Kind::Short);
        // The levels of the best-written candidates, as bits by level index.
        let levels = cands
            .iter()
            .filter(|c| c.kind == best_kind)
            .fold(0u8, |bits, c| bits | 1 << c.level.index());
        let mut in_order = Level::ALL
            .into_iter()
            .filter(|l| levels & 1 << l.index() != 0);
        let level = in_order
            .clone()
            .find(|&l| last.is_none_or(|p| l > p))
            .or_else(|| in_order.next());
        let Some(level) = level else { continue };
        let field = out.division_field(level);
        if field.is_none() {
            *field = Some(text[m.start as usize..m.end as usize].to_string());
        }
        last = Some(level);
    }
}

const ROAD_SUFFIXES: Words<8> = Words::new(["大道", "大街", "胡同", "路", "街", "巷", "弄", "道"]);
const SECTION_SUFFIXES: &[&str] = &["东段", "西段", "南段", "北段", "中段", "段"];
const TOWN_SUFFIXES: &[&str] = &["街道办事处", "街道", "办事处", "镇", "乡"];
const VILLAGE_SUFFIXES: &[&str] = &["村民委员会", "村委会", "居委会", "社区", "村", "组"];
/// Where a road name cannot start before: 开发区人民路 is 人民路.
const ROAD_BOUNDARIES: &[&str] = &[
    "区", "镇", "乡", "村", "社区", "小区", "花园", "市", "县", "街道",
];

/// Road, number, compound, building, unit and room from the text left after
/// the divisions. Digits are ASCII by now (normalised, numerals converted).
fn parse_detail(s: &str, out: &mut ParsedAddress) {
    // The free text not read yet is always `s[start..i]`: a slice, not a
    // String grown a character at a time.
    let mut start = 0usize;
    let mut i = 0usize;
    while i < s.len() {
        let rest = &s[i..];
        let Some(c) = rest.chars().next() else { break };
        if c == ',' {
            flush_free_text(&s[start..i], out);
            i += 1;
            start = i;
            continue;
        }
        if c.is_ascii_alphanumeric() || c == '#' {
            flush_free_text(&s[start..i], out);
            i += read_numbered(rest, out);
            start = i;
            continue;
        }
        if start < i {
            if let Some(suffix) = road_suffix_at(rest) {
                let mut road = road_name(&s[start..i], out);
                road.push_str(suffix);
                i += suffix.len();
                if let Some(sec) = SECTION_SUFFIXES.iter().find(|x| has_prefix(&s[i..], x)) {
                    road.push_str(sec);
                    i += sec.len();
                }
                start = i;
                if out.road.is_none() {
                    out.road = Some(road);
                } else {
                    out.noise.push(road);
                }
                continue;
            }
        }
        i += c.len_utf8();
    }
    flush_free_text(&s[start..], out);
}

fn road_suffix_at(rest: &str) -> Option<&'static str> {
    let found = ROAD_SUFFIXES.at(rest)?;
    // 街道 is a street office, not a road.
    if found == "街" && (has_prefix(rest, "街道") || has_prefix(rest, "街办")) {
        return None;
    }
    Some(found)
}

/// Where the road name in `pending` starts: after the last place word, that
/// is the furthest end of any boundary word's last occurrence, except that a
/// word whose last occurrence ends the text does not count at all.
fn road_start(pending: &str) -> Option<usize> {
    let ends_at = |end: usize, k: usize| has_suffix(&pending[..end], ROAD_BOUNDARIES[k]);
    let mut dead = 0u32;
    for k in 0..ROAD_BOUNDARIES.len() {
        if ends_at(pending.len(), k) {
            dead |= 1 << k;
        }
    }
    for (i, c) in pending.char_indices().rev() {
        let end = i + c.len_utf8();
        // The last characters of ROAD_BOUNDARIES (a test keeps them in step).
        if end == pending.len()
            || !matches!(c, '区' | '镇' | '乡' | '村' | '园' | '市' | '县' | '道')
        {
            continue;
        }
        if (0..ROAD_BOUNDARIES.len()).any(|k| dead & (1 << k) == 0 && ends_at(end, k)) {
            return Some(end);
        }
    }
    None
}

/// The road part of the text before a road suffix: after the last place word.
fn road_name(pending: &str, out: &mut ParsedAddress) -> String {
    let name = match road_start(pending) {
        Some(p) => {
            flush_free_text(&pending[..p], out);
            &pending[p..]
        }
        None => pending,
    };
    // Room for the suffix and a section (大道, 东段).
    let mut road = String::with_capacity(name.len() + 12);
    road.push_str(name);
    road
}

/// Text that is not a road: a compound (五堰小区), a town or village not in
/// the gazetteer, or a place name.
fn flush_free_text(t: &str, out: &mut ParsedAddress) {
    if t.is_empty() {
        return;
    }
    let ends = |list: &[&str]| list.iter().any(|s| t.len() > s.len() && has_suffix(t, s));
    let t = t.to_string();
    if ends(VILLAGE_SUFFIXES) && out.village.is_none() && out.compound.is_none() {
        out.village = Some(t);
    } else if ends(TOWN_SUFFIXES) && out.town.is_none() && out.road.is_none() {
        out.town = Some(t);
    } else if out.compound.is_none() {
        // A named place (五堰小区, 人民医院) even without a compound suffix.
        out.compound = Some(t);
    } else {
        out.noise.push(t);
    }
}

/// A run of digits and letters with what it counts: 12号, 3栋, 2单元, 301室,
/// 3-2-301. Returns the bytes consumed.
fn read_numbered(s: &str, out: &mut ParsedAddress) -> usize {
    let run_len = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '#'))
        .unwrap_or(s.len());
    let run = s[..run_len].trim_end_matches('-');
    let after = &s[run_len..];
    let hash_building = run.ends_with('#');
    let value = run.trim_end_matches('#').to_string();
    let mut used = run_len;
    let mut take = |word: &str| {
        used += word.len();
    };
    if value.is_empty() {
        return used.max(1);
    }
    if hash_building {
        if after.starts_with('楼') {
            take("楼");
        }
        set_once(&mut out.building, value, &mut out.noise);
        return used;
    }
    if after.starts_with("号楼") {
        take("号楼");
        set_once(&mut out.building, value, &mut out.noise);
    } else if after.starts_with("号院") {
        take("号院");
        set_once(&mut out.number, value, &mut out.noise);
    } else if after.starts_with('号') {
        take("号");
        if out.number.is_none() {
            out.number = Some(value);
        } else if out.building.is_none() {
            out.building = Some(value);
        } else {
            set_once(&mut out.room, value, &mut out.noise);
        }
    } else if let Some(w) = ["栋", "幢", "座"].iter().find(|w| after.starts_with(*w)) {
        take(w);
        set_once(&mut out.building, value, &mut out.noise);
    } else if after.starts_with("单元") {
        take("单元");
        set_once(&mut out.unit, value, &mut out.noise);
    } else if let Some(w) = ["室", "房", "户"].iter().find(|w| after.starts_with(*w)) {
        take(w);
        set_once(&mut out.room, value, &mut out.noise);
    } else if let Some(w) = ["层", "楼"].iter().find(|w| after.starts_with(*w)) {
        // A floor: the room number says it again.
        take(w);
        out.noise.push(format!("{value}{w}"));
    } else if let Some(w) = ["组", "米"].iter().find(|w| after.starts_with(*w)) {
        take(w);
        out.noise.push(format!("{value}{w}"));
    } else {
        read_bare(&value, out);
    }
    used
}

/// A bare run: 3-2-301 is building-unit-room; after a road a run is its
/// number; after a building or unit, a room.
fn read_bare(value: &str, out: &mut ParsedAddress) {
    let parts: Vec<&str> = value.split('-').collect();
    if parts.len() == 3 && out.building.is_none() {
        out.building = Some(parts[0].to_string());
        out.unit = Some(parts[1].to_string());
        out.room = Some(parts[2].to_string());
    } else if out.road.is_some() && out.number.is_none() && out.building.is_none() {
        out.number = Some(value.to_string());
    } else if (out.building.is_some() || out.unit.is_some()) && out.room.is_none() {
        out.room = Some(value.to_string());
    } else if parts.len() == 2 && out.building.is_none() && out.number.is_some() {
        out.building = Some(parts[0].to_string());
        out.room = Some(parts[1].to_string());
    } else {
        out.noise.push(value.to_string());
    }
}

fn set_once(field: &mut Option<String>, value: String, noise: &mut Vec<String>) {
    if field.is_none() {
        *field = Some(value);
    } else {
        noise.push(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first formulation of `road_start`, with `rfind`.
    fn road_start_rfind(pending: &str) -> Option<usize> {
        ROAD_BOUNDARIES
            .iter()
            .filter_map(|b| pending.rfind(b).map(|p| p + b.len()))
            .filter(|&p| p < pending.len())
            .max()
    }

    #[test]
    fn road_start_is_after_the_last_place_word() {
        for b in ROAD_BOUNDARIES {
            // The backward scan stops only at these last characters.
            let last = b.chars().last().unwrap_or_default();
            assert!(
                matches!(last, '区' | '镇' | '乡' | '村' | '园' | '市' | '县' | '道'),
                "{b}"
            );
        }
        for p in [
            "开发区人民",
            "开发区人民区",
            "五堰小区",
            "五堰小区东",
            "城关镇花园",
            "城关镇花园东",
            "十堰市张湾区红卫街道车城",
            "人民",
            "",
            "社区",
            "区区区",
            "村委会新",
            "市县",
        ] {
            assert_eq!(road_start(p), road_start_rfind(p), "{p}");
        }
    }
}
