//! Resolving a parsed address to one division chain.
//!
//! Every division a mention may name is a candidate; a candidate's score is
//! the evidence of the mentions that name it or one of its ancestors (each
//! mention counted once, weighted by how it was written). This works top-down
//! and bottom-up at once: `武当路街道` alone picks its street and, through it,
//! 茅箭区 and 十堰市; `鼓楼区` alone ties four counties and is ambiguous unless
//! a hint breaks the tie. Candidates are ranked by score, then by how specific
//! their mentions are (茅箭区 is one county, 城关镇 is 88 towns), then depth.

use std::borrow::Cow;
use std::cell::RefCell;

use serde::{Deserialize, Serialize};

use crate::changes::changes_into;
use crate::code::{DivisionCode, Level};
use crate::gazetteer::{Gazetteer, NodeId};
use crate::matcher::{Kind, Mention, Scan};
use crate::names::is_generic_zone_name;
use crate::normalize::normalize;
use crate::parse::ParsedAddress;

/// What the caller knows about where the addresses are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hints {
    /// The city the addresses are in (`--city`); breaks ties and outweighs a
    /// short name elsewhere.
    pub city_code: Option<DivisionCode>,
    /// The operator's territory (county or city codes); a lighter preference.
    pub territory: Vec<DivisionCode>,
}

impl Hints {
    fn bonus(&self, code: DivisionCode) -> f32 {
        let mut b = 0.0;
        if self.city_code.is_some_and(|c| code.is_within(c)) {
            b += 0.5;
        }
        if self.territory.iter().any(|t| code.is_within(*t)) {
            b += 0.4;
        }
        b
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Found down to the town/street (or village), with nothing contradicting.
    Matched,
    /// Found, but only to a higher level, or with parts that did not fit.
    Partial,
    /// Several divisions fit equally well; see the candidates.
    Ambiguous,
    /// No division found.
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Matched => "matched",
            Status::Partial => "partial",
            Status::Ambiguous => "ambiguous",
            Status::Failed => "failed",
        }
    }
}

/// One possible reading of an ambiguous address.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// The deepest division of the reading.
    pub code: DivisionCode,
    /// Its full name, 江苏省南京市鼓楼区.
    pub name: String,
    /// How many levels of the address it explains.
    pub levels_matched: u8,
    pub score: f32,
}

/// The division chain an address resolves to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resolution {
    pub province_code: Option<DivisionCode>,
    pub city_code: Option<DivisionCode>,
    pub county_code: Option<DivisionCode>,
    pub town_code: Option<DivisionCode>,
    pub village_code: Option<DivisionCode>,
    /// Full name of the deepest code (湖北省十堰市茅箭区武当路街道), or empty.
    pub name: String,
    pub status: Status,
    /// How likely the codes given are right, 0-1. Below 0.5 means: check it.
    pub confidence: f32,
    /// For `Ambiguous`: the readings, best first.
    pub candidates: Vec<Candidate>,
    /// Why, for a clerk (Chinese / English).
    pub reason: String,
}

impl Resolution {
    pub(crate) fn failed(reason: impl Into<String>) -> Resolution {
        Resolution {
            province_code: None,
            city_code: None,
            county_code: None,
            town_code: None,
            village_code: None,
            name: String::new(),
            status: Status::Failed,
            confidence: 0.0,
            candidates: Vec::new(),
            reason: reason.into(),
        }
    }

    /// The code at one level.
    pub fn code(&self, level: Level) -> Option<DivisionCode> {
        match level {
            Level::Province => self.province_code,
            Level::City => self.city_code,
            Level::County => self.county_code,
            Level::Town => self.town_code,
            Level::Village => self.village_code,
        }
    }

    /// The deepest code found.
    pub fn deepest(&self) -> Option<DivisionCode> {
        Level::ALL.iter().rev().find_map(|&l| self.code(l))
    }

    fn set_chain(&mut self, code: DivisionCode) {
        for level in Level::ALL {
            let c = code.ancestor(level);
            match level {
                Level::Province => self.province_code = c,
                Level::City => self.city_code = c,
                Level::County => self.county_code = c,
                Level::Town => self.town_code = c,
                Level::Village => self.village_code = c,
            }
        }
    }
}

/// At most this many mentions take part (an address has a handful).
const MAX_MENTIONS: usize = 64;
/// Scores closer than this are a tie.
const TIE: f32 = 0.05;

#[derive(Debug, Clone, Copy)]
struct Scored {
    node: NodeId,
    score: f32,
    bonus: f32,
    /// Sum over used mentions of 1/(divisions the mention may name).
    specificity: f32,
    /// Characters of text the used mentions cover: with equal evidence the
    /// reading that explains more text wins (岳口镇, not 口镇 inside it).
    coverage: u32,
    levels: u8,
    used: u64,
}

impl Scored {
    fn total(&self) -> f32 {
        self.score + self.bonus
    }
}

pub(crate) fn resolve(gaz: &Gazetteer, parsed: &ParsedAddress, hints: &Hints) -> Resolution {
    let scan: Cow<'_, Scan> = if parsed.evidence.gazetteer_id == gaz.id() {
        Cow::Borrowed(&parsed.evidence.scan)
    } else {
        let text = if parsed.evidence.scan.text.is_empty() {
            normalize(&parsed.division_text()).text
        } else {
            parsed.evidence.scan.text.clone()
        };
        Cow::Owned(gaz.matcher.scan(text))
    };
    let mut res = resolve_scan(gaz, &scan, hints);
    if parsed.truncated {
        res.reason.push_str(
            "；地址过长，只读了前256个字 / input too long, only the first 256 characters were read",
        );
        res.confidence *= 0.9;
    }
    res
}

/// The candidates of all mentions as (node, mention, weight), sorted by node
/// (then weight, best first) for lookups along chains, with a filter of the
/// nodes present: most ancestors of a candidate are not mentioned, and the
/// filter answers those without a binary search.
struct NodeIndex<'a> {
    entries: &'a [(NodeId, u8, f32)],
    bloom: [u64; 4],
}

impl<'a> NodeIndex<'a> {
    fn bit(n: NodeId) -> (usize, u64) {
        let h = n.wrapping_mul(0x9E37_79B1) >> 24;
        ((h >> 6) as usize & 3, 1 << (h & 63))
    }

    fn new(entries: &'a mut [(NodeId, u8, f32)]) -> NodeIndex<'a> {
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.2.total_cmp(&a.2)));
        let entries: &'a [(NodeId, u8, f32)] = entries;
        let mut bloom = [0u64; 4];
        for e in entries {
            let (w, b) = Self::bit(e.0);
            bloom[w] |= b;
        }
        NodeIndex { entries, bloom }
    }

    /// The entries of node `n`, best weight first.
    fn of(&self, n: NodeId) -> &[(NodeId, u8, f32)] {
        let (w, b) = Self::bit(n);
        if self.bloom[w] & b == 0 {
            return &[];
        }
        let lo = self.entries.partition_point(|e| e.0 < n);
        let len = self.entries[lo..].iter().take_while(|e| e.0 == n).count();
        &self.entries[lo..lo + len]
    }
}

/// Buffers one thread reuses from one resolution to the next: two
/// allocations fewer per address.
struct Scratch {
    entries: Vec<(NodeId, u8, f32)>,
    scored: Vec<Scored>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = const {
        RefCell::new(Scratch {
            entries: Vec::new(),
            scored: Vec::new(),
        })
    };
}

fn resolve_scan(gaz: &Gazetteer, scan: &Scan, hints: &Hints) -> Resolution {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut s) => {
            let Scratch { entries, scored } = &mut *s;
            resolve_with(gaz, scan, hints, entries, scored)
        }
        // Not reentrant, but never panic for a buffer.
        Err(_) => resolve_with(gaz, scan, hints, &mut Vec::new(), &mut Vec::new()),
    })
}

fn resolve_with(
    gaz: &Gazetteer,
    scan: &Scan,
    hints: &Hints,
    entries: &mut Vec<(NodeId, u8, f32)>,
    scored: &mut Vec<Scored>,
) -> Resolution {
    let tree = &gaz.tree;
    let mentions = &scan.mentions[..scan.mentions.len().min(MAX_MENTIONS)];
    if mentions.is_empty() {
        return Resolution::failed("未识别到任何行政区划名称 / no division name found");
    }
    entries.clear();
    // Mentions with an old name among their readings (most addresses: none).
    let mut old_mentions = 0u64;
    for (mi, m) in mentions.iter().enumerate() {
        for c in scan.cands_of(m) {
            let w = c.kind.weight(c.level);
            entries.push((c.node, mi as u8, w));
            if c.kind == Kind::Old {
                old_mentions |= 1u64 << mi;
            }
        }
    }
    let index = NodeIndex::new(entries);
    // How many divisions each mention may name: its distinct nodes, counted
    // along the sorted index (a node's entries are adjacent).
    let mut ambiguity = [0.0f32; MAX_MENTIONS];
    let mut run = 0;
    for (i, &(node, mi, _)) in index.entries.iter().enumerate() {
        if i > 0 && index.entries[i - 1].0 != node {
            run = i;
        }
        if !index.entries[run..i].iter().any(|e| e.1 == mi) {
            ambiguity[mi as usize] += 1.0;
        }
    }

    scored.clear();
    let mut prev = NodeId::MAX;
    for &(node, mi, w) in index.entries {
        if node == prev {
            continue;
        }
        prev = node;
        // The first entry of a node is its best.
        let mut s = chain_score(gaz, mentions, &index, &ambiguity, node, (mi, w));
        // No hints (the usual bulk case): skip the code lookup, a cache miss.
        if hints.city_code.is_some() || !hints.territory.is_empty() {
            s.bonus = hints.bonus(tree.code(node));
        }
        scored.push(s);
    }
    let better = |a: &Scored, b: &Scored| {
        a.total()
            .total_cmp(&b.total())
            .then(a.coverage.cmp(&b.coverage))
            .then(a.specificity.total_cmp(&b.specificity))
            // Same evidence: the shallower reading. 抚松 alone is 抚松县, not
            // the town 抚松镇 that shares its name.
            .then(tree.levels[b.node as usize].cmp(&tree.levels[a.node as usize]))
            .then(b.node.cmp(&a.node))
    };
    let Some(best) = scored.iter().copied().max_by(|a, b| better(a, b)) else {
        return Resolution::failed("未识别到任何行政区划名称 / no division name found");
    };
    // A division written before the best reading constrains it: the best
    // reading under that division wins (宁波…江东区 is not 攀枝花市东区,
    // found by a suffix inside 江东区; 新泰市经济开发区 is not one of the 16
    // streets named 经济开发区); staying at the named division is one of them.
    let best = match named_above_outside(gaz, mentions, scan, &index, &best) {
        Some(mi) => scored
            .iter()
            .copied()
            .filter(|s| s.used & (1u64 << mi) != 0)
            .max_by(|a, b| better(a, b))
            .unwrap_or(best),
        None => best,
    };
    // The best node and its ancestors, once.
    let mut best_chain = [NodeId::MAX; 8];
    for (slot, n) in best_chain.iter_mut().zip(tree.chain(best.node)) {
        *slot = n;
    }
    let best_level = tree.levels[best.node as usize];
    // `n` is the best node, one of its ancestors or one of its descendants.
    let on_best_chain = |n: NodeId| {
        best_chain.contains(&n) || {
            let mut x = n;
            while tree.levels[x as usize] > best_level {
                match tree.parent(x) {
                    Some(p) => x = p,
                    None => break,
                }
            }
            x == best.node
        }
    };
    // A reading outside a division the text names before it, where the best
    // reading takes that division, is no rival (昆山市锦溪镇 is not 龙泉市's
    // 锦溪镇; 中山市火炬开发区 not 湘桥区's 开发区): the rule of
    // `named_above_outside` from the other side.
    let outside_named = |r: &Scored| {
        named_above_outside(gaz, mentions, scan, &index, r)
            .is_some_and(|mi| best.used & (1u64 << mi) != 0)
    };
    let mut rivals: Vec<Scored> = scored
        .iter()
        .copied()
        .filter(|r| {
            r.node != best.node
                && r.total() >= best.total() - TIE
                && r.coverage >= best.coverage
                && best.specificity - r.specificity < 0.5
                && !on_best_chain(r.node)
                && !outside_named(r)
        })
        .collect();
    if !rivals.is_empty() {
        rivals.push(best);
        return ambiguous(gaz, mentions, scan, old_mentions, &mut rivals);
    }
    // The best (total, score) off the best chain; the first of equal totals.
    let mut runner_up = (f32::MIN, f32::MIN);
    for r in scored.iter() {
        if r.total() > runner_up.0 && !on_best_chain(r.node) {
            runner_up = (r.total(), r.score);
        }
    }
    let mut res = decided(gaz, mentions, scan, old_mentions, best, runner_up);
    if generic_zone_without_its_county(gaz, &index, &best) {
        // 常熟沿江开发区 read as 吴中区's town 开发区: a generic zone name says
        // nothing of its county, so the county is only a guess.
        res.confidence = res.confidence.min(0.45);
        res.reason.push_str(
            "；园区名称通用，所属区县未写明，请核对 / a generic zone name without its county: check it",
        );
    }
    res
}

/// The best reading is a town named only by generic zone words
/// (开发区, 经济技术开发区) whose county the text does not name.
fn generic_zone_without_its_county(gaz: &Gazetteer, index: &NodeIndex, best: &Scored) -> bool {
    let tree = &gaz.tree;
    if tree.levels[best.node as usize] != Level::Town || !is_generic_zone_name(tree.name(best.node))
    {
        return false;
    }
    let Some(county) = tree.parent(best.node) else {
        return false;
    };
    !index
        .of(county)
        .iter()
        .any(|&(_, mi, _)| best.used & (1u64 << mi) != 0)
}

/// A mention before the best reading's own that names a division above it
/// elsewhere, where the best reading names none of its own divisions at
/// that level or above: the text says where it is, and the best reading is
/// somewhere else (宁波…东区, 新泰市经济开发区). It names cities or provinces
/// only, or counties written with their suffix (a short county name is too
/// often part of another word). A division moved out of the named one
/// (公主岭市, 四平市 until 2020) is not elsewhere.
fn named_above_outside(
    gaz: &Gazetteer,
    mentions: &[Mention],
    scan: &Scan,
    index: &NodeIndex,
    best: &Scored,
) -> Option<usize> {
    let tree = &gaz.tree;
    let best_level = tree.levels[best.node as usize];
    if best_level <= Level::City {
        return None;
    }
    // A chain is at most five levels deep.
    let mut chain = [NodeId::MAX; 8];
    for (slot, n) in chain.iter_mut().zip(tree.chain(best.node)) {
        *slot = n;
    }
    let chain = &chain[..chain.iter().position(|&n| n == NodeId::MAX).unwrap_or(8)];
    let named_at_or_above = |level: Level| {
        chain.iter().any(|&n| {
            tree.levels[n as usize] <= level
                && index
                    .of(n)
                    .iter()
                    .any(|&(_, mi, _)| best.used & (1u64 << mi) != 0)
        })
    };
    let first_used = mentions
        .iter()
        .enumerate()
        .filter(|(mi, _)| best.used & (1u64 << mi) != 0)
        .map(|(_, m)| m.start)
        .min()?;
    mentions
        .iter()
        .enumerate()
        .find(|&(mi, m)| {
            // The cheap tests first: this runs for every address.
            if best.used & (1u64 << mi) != 0 || m.end > first_used {
                return false;
            }
            let cands = scan.cands_of(m);
            let Some(deepest) = cands.iter().map(|c| c.level).max() else {
                return false;
            };
            deepest < best_level
                && (deepest <= Level::City
                    || (deepest == Level::County && cands.iter().all(|c| c.kind != Kind::Short)))
                && !named_at_or_above(deepest)
                && !cands.iter().any(|c| {
                    chain.contains(&c.node)
                        || chain.iter().any(|&n| gaz.matcher.was_moved_from(n, c.node))
                })
        })
        .map(|(mi, _)| mi)
}

/// A development zone, park or new area named generically (经济开发区,
/// 高新区, 工业园区): it belongs to the division written before it.
fn is_zone_word(text: &str) -> bool {
    const ZONES: &[&str] = &[
        "开发区",
        "高新区",
        "园区",
        "新区",
        "产业园",
        "工业区",
        "示范区",
        "试验区",
        "管理区",
    ];
    ZONES.iter().any(|z| text.ends_with(z))
}

/// What the clerk is told about the changes the chain was read through: an
/// old name (`“江东区”是旧名：江东区（2016 年并入鄞州区）`) or a former parent
/// (`“余杭区”是原属地：临平街道（2021 年版区划代码起改隶临平区）`).
fn change_notes(
    gaz: &Gazetteer,
    mentions: &[Mention],
    scan: &Scan,
    reads_old: bool,
    used: u64,
    node: NodeId,
) -> Vec<String> {
    let tree = &gaz.tree;
    // The usual address reads no old name and no moved division: nothing to
    // look up (this runs for every address).
    if !reads_old && !tree.chain(node).any(|n| gaz.matcher.has_old_parents(n)) {
        return Vec::new();
    }
    let mut notes = Vec::new();
    for (mi, m) in mentions.iter().enumerate() {
        if used & (1u64 << mi) == 0 {
            continue;
        }
        let text = scan.mention_text(m);
        for c in scan.cands_of(m) {
            let note = if c.kind == Kind::Old && tree.chain(node).any(|n| n == c.node) {
                let code = tree.code(c.node);
                // The latest change of that name (错那县 moved in 2016, became
                // 错那市 in 2023).
                changes_into(code)
                    .filter(|ch| {
                        !ch.is_move()
                            && (ch.old_name.starts_with(text)
                                || text.starts_with(ch.old_name.as_str()))
                    })
                    .max_by_key(|ch| ch.year.or(ch.edition))
                    .map(|ch| format!("“{text}”是旧名：{} / an old name", ch.note_zh()))
            } else if let Some(moved) = tree
                .chain(node)
                .find(|&n| gaz.matcher.was_moved_from(n, c.node))
            {
                let (code, parent) = (tree.code(moved), tree.name(c.node));
                changes_into(code)
                    .find(|ch| ch.is_move() && ch.old_parent == parent)
                    .map(|ch| {
                        format!(
                            "“{text}”是原属地：{} / written with its former parent",
                            ch.note_zh()
                        )
                    })
            } else {
                None
            };
            if let Some(note) = note.filter(|n| !notes.contains(n)) {
                notes.push(note);
            }
        }
    }
    notes
}

/// The evidence for `node`: deepest level first, each level takes its best
/// mention that is not used yet and does not overlap one used (a text can
/// be read only one way within one chain). `own` is the node's best entry
/// (mention, weight): nothing is used yet when the node itself is read.
fn chain_score(
    gaz: &Gazetteer,
    mentions: &[Mention],
    index: &NodeIndex,
    ambiguity: &[f32],
    node: NodeId,
    own: (u8, f32),
) -> Scored {
    let (mi, w) = own;
    let m = &mentions[mi as usize];
    let mut used = 1u64 << mi;
    let mut levels = 1u8;
    let mut score = w;
    let mut specificity = 1.0 / ambiguity[mi as usize];
    let mut coverage = m.end - m.start;
    let tree = &gaz.tree;
    let mut below = node;
    for n in tree.chain(node).skip(1) {
        let free = |&&(_, mi, _): &&(NodeId, u8, f32)| {
            let m = &mentions[mi as usize];
            if used & (1u64 << mi) != 0 {
                return false;
            }
            // No overlap with a used mention.
            let mut u = used;
            while u != 0 {
                let k = u.trailing_zeros() as usize;
                u &= u - 1;
                if mentions[k].end > m.start && mentions[k].start < m.end {
                    return false;
                }
            }
            true
        };
        // Entries of one node are sorted by weight, best first. The parent
        // the division below was moved out of counts as this level too
        // (四平市公主岭市).
        let mut pick = index.of(n).iter().find(free);
        if gaz.matcher.has_old_parents(below) {
            for old in gaz.matcher.old_parents(below) {
                if let Some(e) = index.of(old).iter().find(free) {
                    if pick.is_none_or(|p| e.2 > p.2) {
                        pick = Some(e);
                    }
                }
            }
        }
        below = n;
        if let Some(&(_, mi, w)) = pick {
            used |= 1u64 << mi;
            levels += 1;
            score += w;
            specificity += 1.0 / ambiguity[mi as usize];
            let m = &mentions[mi as usize];
            coverage += m.end - m.start;
        }
    }
    Scored {
        node,
        score,
        bonus: 0.0,
        specificity,
        coverage,
        levels,
        used,
    }
}

fn ambiguous(
    gaz: &Gazetteer,
    mentions: &[Mention],
    scan: &Scan,
    old_mentions: u64,
    tied: &mut [Scored],
) -> Resolution {
    let tree = &gaz.tree;
    tied.sort_by(|a, b| {
        b.total()
            .total_cmp(&a.total())
            .then(b.levels.cmp(&a.levels))
            .then(a.node.cmp(&b.node))
    });
    let codes: Vec<DivisionCode> = tied.iter().map(|s| tree.code(s.node)).collect();
    let mut res = Resolution::failed(String::new());
    // What all readings agree on.
    for level in Level::ALL {
        let first = codes[0].ancestor(level);
        if first.is_some() && codes.iter().all(|c| c.ancestor(level) == first) {
            if let Some(c) = first {
                res.set_chain(c);
            }
        } else {
            break;
        }
    }
    res.name = res
        .deepest()
        .and_then(|c| gaz.full_name(c))
        .unwrap_or_default();
    res.status = Status::Ambiguous;
    res.confidence = (0.45 / tied.len() as f32).min(0.4);
    res.candidates = tied
        .iter()
        .take(10)
        .map(|s| Candidate {
            code: tree.code(s.node),
            name: gaz.label(s.node),
            levels_matched: s.levels,
            score: s.total(),
        })
        .collect();
    let words: Vec<&str> = mentions
        .iter()
        .enumerate()
        .filter(|(mi, _)| tied.iter().all(|s| s.used & (1u64 << mi) != 0))
        .map(|(_, m)| scan.mention_text(m))
        .collect();
    let names: Vec<&str> = res
        .candidates
        .iter()
        .take(4)
        .map(|c| c.name.as_str())
        .collect();
    res.reason = format!(
        "“{}”有{}种可能（{}{}），请补充上级地名或指定城市 / {} divisions fit equally; add the city or county",
        words.join(""),
        tied.len(),
        names.join("、"),
        if tied.len() > 4 { "…" } else { "" },
        tied.len()
    );
    // A split old district (江干区): say so, the town decides.
    let mut notes: Vec<String> = Vec::new();
    for t in tied.iter() {
        for n in change_notes(
            gaz,
            mentions,
            scan,
            t.used & old_mentions != 0,
            t.used,
            t.node,
        ) {
            if !notes.contains(&n) {
                notes.push(n);
            }
        }
    }
    for n in notes {
        res.reason.push('；');
        res.reason.push_str(&n);
    }
    res
}

fn decided(
    gaz: &Gazetteer,
    mentions: &[Mention],
    scan: &Scan,
    old_mentions: u64,
    best: Scored,
    runner_up: (f32, f32),
) -> Resolution {
    let tree = &gaz.tree;
    // 东莞市 the city has one county, 东莞市: the county is implied.
    let node = tree.sole_namesake_child(best.node).unwrap_or(best.node);
    let code = tree.code(node);
    let level = code.level();
    let mut res = Resolution::failed(String::new());
    res.set_chain(code);
    res.name = gaz.label(node);

    // Mentions the chain leaves out that were written as real names contradict
    // it, unless they are another reading of text the chain already uses.
    let mut conflicts: Vec<(Level, usize)> = Vec::new();
    for (mi, m) in mentions.iter().enumerate() {
        let overlaps_used = mentions
            .iter()
            .enumerate()
            .any(|(k, u)| best.used & (1u64 << k) != 0 && u.start < m.end && m.start < u.end);
        // A level written twice (十堰市十堰市) repeats, not contradicts.
        let repeats = scan
            .cands_of(m)
            .iter()
            .any(|c| tree.chain(node).any(|n| n == c.node));
        if best.used & (1u64 << mi) != 0 || overlaps_used || repeats {
            continue;
        }
        let cands = scan.cands_of(m);
        if cands.iter().any(|c| c.kind != Kind::Short) {
            let shallowest = cands
                .iter()
                .map(|c| c.level)
                .min()
                .unwrap_or(Level::Village);
            conflicts.push((shallowest, mi));
        }
    }

    let mut confidence: f32 = if best.levels >= 2 {
        0.95
    } else {
        0.85 * best.score.min(1.0)
    };
    let margin_without_hint = best.score - runner_up.1;
    let margin = best.total() - runner_up.0;
    let mut notes: Vec<String> = change_notes(
        gaz,
        mentions,
        scan,
        best.used & old_mentions != 0,
        best.used,
        node,
    );
    if margin_without_hint < TIE && best.bonus > 0.0 {
        confidence = confidence.min(0.7);
        notes.push("同名地名按指定城市/辖区选定 / chosen by the city or territory hint".into());
    } else if margin < TIE {
        // Won only on specificity: the other readings are many.
        confidence = confidence.min(0.45);
    } else if margin < 0.3 {
        confidence *= 0.85;
    }
    for &(lvl, mi) in &conflicts {
        let word = scan.mention_text(&mentions[mi]);
        if lvl >= Level::Town && is_zone_word(word) {
            // 新泰市经济开发区: the zone of the division named before it, not
            // one of the streets of that name elsewhere.
            confidence *= 0.9;
            notes.push(format!(
                "“{word}”视为{}内的园区 / “{word}” read as a zone of {}",
                res.name, res.name
            ));
            continue;
        }
        confidence *= if lvl <= Level::County { 0.5 } else { 0.7 };
        notes.push(format!(
            "“{word}”与{}不符，已忽略 / “{word}” does not fit and was ignored",
            res.name
        ));
    }
    res.confidence = confidence.clamp(0.0, 1.0);
    let matched = level >= Level::Town && conflicts.is_empty();
    res.status = if matched {
        Status::Matched
    } else {
        Status::Partial
    };
    let mut reason = if level >= Level::Town {
        // The usual case, without the formatting machinery.
        let mut r = String::with_capacity(res.name.len() + 64);
        for part in [
            "匹配到",
            &res.name,
            " / resolved to ",
            level.as_str(),
            " level",
        ] {
            r.push_str(part);
        }
        r
    } else {
        format!(
            "只匹配到{}：{}，未识别{} / resolved to {} level only",
            level.label_zh(),
            res.name,
            Level::from_index(level.index() + 1).map_or("", Level::label_zh),
            level.as_str()
        )
    };
    for n in notes {
        reason.push('；');
        reason.push_str(&n);
    }
    res.reason = reason;
    res
}
