//! Finding division names in a text in one pass.
//!
//! One character trie holds the base of every division name (十堰, 茅箭,
//! 武当路, 白岭) and every old name (郧县, 襄樊); it is walked from each
//! position of the text. At each hit the matcher reads the suffix that follows (市, 区, 街道办事处,
//! 村委会 …) to decide which divisions the base names and how sure that is:
//! the official suffix is `Full`, another suffix of the same level a
//! `Variant`, none at all `Short`. A base followed by 路/街/大道 or by a place
//! word (小区, 大学) is a road or a place, not a division (北京路 in 十堰).

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;

use crate::changes::division_changes;
use crate::code::Level;
use crate::gazetteer::{NodeId, Tree};
use crate::names::{
    ends_like_road, is_road_or_place_after, split_name, suffix_at, SuffixClass, CLASS_MUNICIPALITY,
    CLASS_NONE,
};
use crate::names::{has_prefix, is_generic_zone_name};
use crate::normalize::first_number;
use crate::trie::Trie;
use crate::zones::zones;

/// How a division was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Kind {
    /// The official name, or its suffix written another way of the same class.
    Full,
    /// An old name (郧县).
    Old,
    /// Another suffix of the same level (茅箭县, 城关乡 for 城关镇).
    Variant,
    /// The base alone (十堰, 茅箭, 城关).
    Short,
}

impl Kind {
    /// The evidence one mention gives, by how it was written and its level.
    pub fn weight(self, level: Level) -> f32 {
        match (self, level) {
            // An old name written in full is as sure as a current one: 密云县
            // must beat 云县 inside it on coverage.
            (Kind::Full | Kind::Old, _) => 1.0,
            (Kind::Variant, _) => 0.8,
            (Kind::Short, Level::Province | Level::City | Level::County) => 0.75,
            (Kind::Short, Level::Town) => 0.5,
            (Kind::Short, Level::Village) => 0.35,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    node: NodeId,
    class: SuffixClass,
    /// Index into `remainders`: the official text after the base (土家族苗族自治州).
    remainder: u16,
    old: bool,
    /// The node's level, kept here: looking it up in the tree per entry was
    /// a cache miss on every candidate of every base.
    level: Level,
    /// The previous entry of the same base has the same class, remainder,
    /// age and level: all [`Matcher::read_suffix`] looks at besides the
    /// text, so it reads the text the same way (88 towns named 城关 are read
    /// once).
    alike_prev: bool,
}

impl Entry {
    fn reads_like(&self, other: &Entry) -> bool {
        (self.class, self.remainder, self.old, self.level)
            == (other.class, other.remainder, other.old, other.level)
    }
}

/// A division a mention may name.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Cand {
    pub node: NodeId,
    pub kind: Kind,
    /// The node's level, carried along (a lookup in the tree is a cache
    /// miss per candidate).
    pub level: Level,
}

/// A stretch of text naming a division; `cands` indexes [`Scan::cands`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Mention {
    pub start: u32,
    pub end: u32,
    pub cands: Range<u32>,
}

/// What one pass over a text found.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Scan {
    /// The normalised text the offsets refer to.
    pub text: String,
    pub mentions: Vec<Mention>,
    pub cands: Vec<Cand>,
    /// Indices of the mentions that best segment the text.
    pub segmentation: Vec<u32>,
}

impl Scan {
    pub fn mention_text(&self, m: &Mention) -> &str {
        self.text
            .get(m.start as usize..m.end as usize)
            .unwrap_or("")
    }

    pub fn cands_of(&self, m: &Mention) -> &[Cand] {
        &self.cands[m.cands.start as usize..m.cands.end as usize]
    }

    fn push(&mut self, start: usize, end: usize, cands: impl Iterator<Item = Cand>) {
        let first = self.cands.len() as u32;
        self.cands.extend(cands);
        if self.cands.len() as u32 > first {
            self.mentions.push(Mention {
                start: start as u32,
                end: end as u32,
                cands: first..self.cands.len() as u32,
            });
        }
    }

    /// Short readings inside a longer reading are part of that name (下陆 in
    /// 老下陆, 湖北 in 湖北沙洋经济开发区…).
    fn drop_contained_shorts(&mut self) {
        let all_short =
            |sc: &Scan, m: &Mention| sc.cands_of(m).iter().all(|c| c.kind == Kind::Short);
        let hidden = |m: &Mention| {
            // A variant reading (阿合奇苏木) does not hide the base (阿合奇).
            let firm = |o: &Mention| {
                all_short(self, o)
                    || self
                        .cands_of(o)
                        .iter()
                        .any(|c| matches!(c.kind, Kind::Full | Kind::Old))
            };
            all_short(self, m)
                && self.mentions.iter().any(|o| {
                    o.start <= m.start
                        && o.end >= m.end
                        && o.end - o.start > m.end - m.start
                        && firm(o)
                })
        };
        // Usually none: the Vec then never allocates.
        let drop: Vec<usize> = (0..self.mentions.len())
            .filter(|&i| hidden(&self.mentions[i]))
            .collect();
        if drop.is_empty() {
            return;
        }
        let (mut i, mut d) = (0, 0);
        self.mentions.retain(|_| {
            let dropped = drop.get(d) == Some(&i);
            d += usize::from(dropped);
            i += 1;
            !dropped
        });
    }

    /// The non-overlapping readings covering the most text, weighted by how
    /// they are written (a full name over two short ones inside it).
    fn segment(&mut self) {
        let n = self.mentions.len();
        let value = |m: &Mention| -> f32 {
            let q = self
                .cands_of(m)
                .iter()
                .map(|c| match c.kind {
                    Kind::Full | Kind::Old => 1.0,
                    Kind::Variant => 0.9,
                    Kind::Short => match c.level {
                        Level::Town => 0.4,
                        Level::Village => 0.3,
                        _ => 0.6,
                    },
                })
                .fold(0.0f32, f32::max);
            let chars = self.text[m.start as usize..m.end as usize].chars().count();
            q * chars as f32
        };
        // best[i].0: the best value using mentions i.. (sorted by start);
        // best[i].1: whether it takes mention i. On the stack for the usual
        // handful of mentions.
        let mut on_stack = [(0.0f32, false); 33];
        let mut on_heap = Vec::new();
        let best: &mut [(f32, bool)] = if n < on_stack.len() {
            &mut on_stack[..=n]
        } else {
            on_heap.resize(n + 1, (0.0f32, false));
            &mut on_heap
        };
        for i in (0..n).rev() {
            let m = &self.mentions[i];
            let next = (i + 1..n)
                .find(|&j| self.mentions[j].start >= m.end)
                .unwrap_or(n);
            let with = value(m) + best[next].0;
            let take = with > best[i + 1].0;
            best[i] = (if take { with } else { best[i + 1].0 }, take);
        }
        let mut i = 0;
        while i < n {
            if best[i].1 {
                self.segmentation.push(i as u32);
                let end = self.mentions[i].end;
                i = (i + 1..n)
                    .find(|&j| self.mentions[j].start >= end)
                    .unwrap_or(n);
            } else {
                i += 1;
            }
        }
    }
}

/// Strong readings at one position as (candidate, end).
type Readings = Vec<(Cand, usize)>;
/// Bases starting at one position as (pattern, end), shortest first.
type Bases = Vec<(u32, usize)>;

thread_local! {
    /// The matcher's per-position buffers, reused from one text to the next
    /// on a thread.
    static WALK: RefCell<(Readings, Bases)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

/// The generic suffix after one base, computed once per level.
#[derive(Default)]
struct SuffixCache {
    done: u8,
    found: [Option<(usize, SuffixClass)>; 5],
}

impl SuffixCache {
    fn get(&mut self, rest: &str, level: Level) -> Option<(usize, SuffixClass)> {
        let i = level.index();
        if self.done & (1 << i) == 0 {
            self.found[i] = suffix_at(rest, level);
            self.done |= 1 << i;
        }
        self.found[i]
    }
}

#[derive(Debug)]
pub(crate) struct Matcher {
    trie: Trie,
    /// Entries of pattern `i` are `entries[starts[i]..starts[i + 1]]`.
    starts: Vec<u32>,
    entries: Vec<Entry>,
    remainders: Vec<String>,
    /// (county, city it was moved from), sorted: 公主岭市 and 四平市. A text
    /// that still names the old city does not contradict the county.
    moved_from: Vec<(NodeId, NodeId)>,
    /// Bit per node: it has a pair in `moved_from` (most have none, and the
    /// resolver asks for every ancestor of every candidate).
    moved_bits: Vec<u64>,
}

impl Matcher {
    pub fn build(tree: &Tree) -> Matcher {
        let mut trie = Trie::new();
        let changes = division_changes();
        let mut pairs: Vec<(u32, Entry)> = Vec::with_capacity(tree.len() + changes.len() * 4);
        let mut remainders: Vec<String> = vec![String::new()];
        let mut remainder_ids: HashMap<String, u16> = HashMap::new();
        let mut intern = |r: &str| -> u16 {
            if r.is_empty() {
                return 0;
            }
            if let Some(&id) = remainder_ids.get(r) {
                return id;
            }
            remainders.push(r.to_string());
            let id = (remainders.len() - 1) as u16;
            remainder_ids.insert(r.to_string(), id);
            id
        };
        for id in 0..tree.len() as NodeId {
            if tree.grouping[id as usize] {
                continue;
            }
            let level = tree.levels[id as usize];
            let name = generic_zone_town(tree.name(id), level);
            let (base, class, clean) = split_name(name, level);
            let remainder = if class == CLASS_NONE {
                0
            } else {
                intern(&clean[base.len()..])
            };
            let pattern = trie.insert(&base);
            let entry = Entry {
                node: id,
                class,
                remainder,
                old: false,
                level: tree.levels[id as usize],
                alike_prev: false,
            };
            pairs.push((pattern, entry));
        }
        // Bases of current names: an old base that is one is not added (it
        // would make every 江东 read as the old district).
        let current_patterns = trie.len() as u32;
        let mut old_pairs: Vec<(u32, NodeId)> = Vec::new();
        for change in changes.iter().filter(|c| !c.is_move()) {
            // A split district names each of its successors: the town decides.
            for &code in &change.successors {
                let Some(node) = tree.find(code) else {
                    continue;
                };
                let level = tree.levels[node as usize];
                let entry = Entry {
                    node,
                    class: CLASS_NONE,
                    remainder: 0,
                    old: true,
                    level,
                    alike_prev: false,
                };
                let pattern = trie.insert(&change.old_name);
                if !old_pairs.contains(&(pattern, node)) {
                    old_pairs.push((pattern, node));
                    pairs.push((pattern, entry));
                }
                // The old base too (襄樊 for 襄樊市), unless it is a current base.
                let (base, class, _) = split_name(&change.old_name, level);
                let is_current = trie.get(&base).is_some_and(|p| p < current_patterns);
                if class != CLASS_NONE && !is_current {
                    let remainder = intern(&change.old_name[base.len()..]);
                    let pattern = trie.insert(&base);
                    if !old_pairs.contains(&(pattern, node)) {
                        old_pairs.push((pattern, node));
                        pairs.push((
                            pattern,
                            Entry {
                                class,
                                remainder,
                                ..entry
                            },
                        ));
                    }
                }
            }
        }
        add_zones(tree, &mut trie, &mut pairs);
        let moved_from = moved_from(tree, changes);
        let mut moved_bits = vec![0u64; tree.len().div_ceil(64)];
        for &(n, _) in &moved_from {
            moved_bits[n as usize / 64] |= 1 << (n % 64);
        }
        pairs.sort_unstable_by_key(|(p, e)| (*p, e.node));
        for i in 1..pairs.len() {
            let (prev_pattern, prev) = pairs[i - 1];
            let (pattern, e) = &mut pairs[i];
            e.alike_prev = *pattern == prev_pattern && e.reads_like(&prev);
        }

        let mut starts = Vec::with_capacity(trie.len() + 1);
        let mut entries = Vec::with_capacity(pairs.len());
        for (p, e) in pairs {
            while starts.len() <= p as usize {
                starts.push(entries.len() as u32);
            }
            entries.push(e);
        }
        while starts.len() <= trie.len() {
            starts.push(entries.len() as u32);
        }
        trie.freeze();
        Matcher {
            trie,
            starts,
            entries,
            remainders,
            moved_from,
            moved_bits,
        }
    }

    /// `node` was moved out of a parent that still exists (a bit test).
    pub fn has_old_parents(&self, node: NodeId) -> bool {
        self.moved_bits
            .get(node as usize / 64)
            .is_some_and(|w| w & (1 << (node % 64)) != 0)
    }

    /// The parents `node` was moved out of (四平市 for 公主岭市), usually none.
    #[inline]
    pub fn old_parents(&self, node: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        let from = if self.has_old_parents(node) {
            self.moved_from.partition_point(|&(n, _)| n < node)
        } else {
            self.moved_from.len()
        };
        self.moved_from[from..]
            .iter()
            .take_while(move |&&(n, _)| n == node)
            .map(|&(_, p)| p)
    }

    /// `node` was moved out of `parent` (which still exists).
    pub fn was_moved_from(&self, node: NodeId, parent: NodeId) -> bool {
        self.old_parents(node).any(|p| p == parent)
    }

    fn entries_of(&self, pattern: u32) -> &[Entry] {
        &self.entries
            [self.starts[pattern as usize] as usize..self.starts[pattern as usize + 1] as usize]
    }

    /// How an entry reads with `rest` after its base: the kind and the suffix
    /// length, or `None` if no suffix of its level follows. `generic` caches
    /// the generic suffix at `rest` per level (many entries share a base).
    fn read_suffix(
        &self,
        e: Entry,
        rest: &str,
        generic: &mut SuffixCache,
    ) -> Option<(Kind, usize)> {
        let same = if e.old { Kind::Old } else { Kind::Full };
        if e.class == CLASS_NONE {
            return Some((same, 0));
        }
        let own = &self.remainders[e.remainder as usize];
        let own_len = if !own.is_empty() && has_prefix(rest, own) {
            own.len()
        } else {
            0
        };
        let generic = generic.get(rest, e.level);
        match generic {
            // A longer generic suffix of the same class: 街道办事处 for 街道.
            Some((len, class)) if len > own_len && class == e.class => Some((same, len)),
            Some((len, class)) if len > own_len => {
                // 吉林市 is the city, not 吉林省 written another way.
                let municipal = class == CLASS_MUNICIPALITY || e.class == CLASS_MUNICIPALITY;
                if own_len > 0 {
                    Some((same, own_len))
                } else if municipal {
                    None
                } else {
                    Some((Kind::Variant, len))
                }
            }
            _ if own_len > 0 => Some((same, own_len)),
            _ => None,
        }
    }

    /// Every reading of a division name in `text` (already normalised), by
    /// start; readings may overlap (常德|安乡县 and 德安乡 in 常德安乡县): the
    /// resolver picks the non-overlapping set that explains a chain best, and
    /// [`Scan::segmentation`] is the best set on coverage alone.
    ///
    /// A base followed by a suffix of its level is a strong reading; only
    /// where none is, each base (and shorter base) at that position is a
    /// short reading. Short readings after the first number or road are
    /// ignored: there they name places (五堰小区 is not 五堰街道).
    pub fn scan(&self, text: String) -> Scan {
        // Room for a typical address: growing these was a tenth of the time.
        let mut scan = Scan {
            text: String::new(),
            mentions: Vec::with_capacity(16),
            cands: Vec::with_capacity(64),
            segmentation: Vec::with_capacity(8),
        };
        self.find_readings(&text, &mut scan);
        scan.text = text;
        scan.drop_contained_shorts();
        scan.segment();
        scan
    }

    /// The mentions and candidates of [`Matcher::scan`].
    fn find_readings(&self, text: &str, scan: &mut Scan) {
        WALK.with(|cell| match cell.try_borrow_mut() {
            Ok(mut w) => {
                let (strong, bases) = &mut *w;
                self.find_readings_with(text, scan, strong, bases);
            }
            // Not reentrant, but never panic for a buffer.
            Err(_) => self.find_readings_with(text, scan, &mut Vec::new(), &mut Vec::new()),
        });
    }

    /// [`Matcher::find_readings`] with its two buffers: the strong
    /// readings at a position and the bases starting there, shortest first,
    /// as (pattern, end).
    fn find_readings_with(
        &self,
        text: &str,
        scan: &mut Scan,
        strong: &mut Readings,
        bases: &mut Bases,
    ) {
        let mut structure_start = first_number(text).unwrap_or(text.len());
        // End of the furthest strong reading: roads inside it are not roads.
        let mut covered_until = 0;
        // The characters with the byte offset after each, decoded once (the
        // walk from each position reads the next few again); on the stack
        // unless the text is long.
        let mut on_stack = [('\0', 0u32); 256];
        let mut on_heap = Vec::new();
        let mut n = 0;
        for (i, c) in text.char_indices() {
            if n == on_stack.len() {
                on_heap = text
                    .char_indices()
                    .map(|(i, c)| (c, (i + c.len_utf8()) as u32))
                    .collect();
                break;
            }
            on_stack[n] = (c, (i + c.len_utf8()) as u32);
            n += 1;
        }
        let chars: &[(char, u32)] = if on_heap.is_empty() {
            &on_stack[..n]
        } else {
            &on_heap
        };
        for k in 0..chars.len() {
            let s = if k == 0 { 0 } else { chars[k - 1].1 as usize };
            bases.clear();
            self.trie.prefixes_of_chars(&chars[k..], bases);
            if bases.is_empty() {
                continue;
            }
            let mut short_pattern = None;
            if let Some(end) = self.strong_readings(text, bases, strong) {
                // A complete name with no suffix (城南, a town so named) is also
                // the short form of others (城南街道 …).
                let bare = bases.iter().find(|&&(_, e)| e == end).map(|&(p, _)| p);
                if let Some(p) = bare.filter(|_| s < structure_start) {
                    short_pattern = Some(p);
                }
                let shorts = short_pattern.map_or(&[][..], |p| self.entries_of(p));
                let extra = shorts
                    .iter()
                    .filter(|en| en.class != CLASS_NONE)
                    .map(|en| Cand {
                        node: en.node,
                        kind: Kind::Short,
                        level: en.level,
                    });
                scan.push(s, end, strong.iter().map(|k| k.0).chain(extra));
                covered_until = covered_until.max(end);
                // The base alone may be meant too: when a longer name starts
                // here (当阳市河溶 for the town 当阳市河溶镇, beside 当阳 + 市),
                // or when the suffix only fits as a variant (阿合奇 + 苏木塔什乡,
                // not 阿合奇镇 written 阿合奇苏木).
                let only_variants = strong.iter().all(|k| k.0.kind == Kind::Variant);
                let longest = bases
                    .last()
                    .filter(|b| (b.1 > end || only_variants) && s < structure_start);
                if let Some(&(p, e)) = longest {
                    if !self.road_like(text, s, e) {
                        let cands = self.entries_of(p).iter().map(|en| Cand {
                            node: en.node,
                            kind: Kind::Short,
                            level: en.level,
                        });
                        scan.push(s, e, cands);
                    }
                }
                continue;
            }
            // The longest short reading that is not a road or place: 平阳坑
            // is not 平阳 + 坑, but 北京路 is a road (and 衡水路北街道 is
            // 衡水 + 路北街道).
            for &(p, e) in bases.iter().rev() {
                if self.road_like(text, s, e) {
                    if s >= covered_until {
                        structure_start = structure_start.min(s);
                    }
                    continue;
                }
                short_pattern = Some(p);
                break;
            }
            if let Some(p) = short_pattern.filter(|_| s < structure_start) {
                let end = bases.iter().find(|b| b.0 == p).map_or(s, |b| b.1);
                let cands = self.entries_of(p).iter().map(|en| Cand {
                    node: en.node,
                    kind: Kind::Short,
                    level: en.level,
                });
                scan.push(s, end, cands);
            }
        }
    }

    /// Whether the base `s..e` is part of a road or place name.
    fn road_like(&self, text: &str, s: usize, e: usize) -> bool {
        (is_road_or_place_after(&text[e..]) || ends_like_road(&text[s..e]))
            && !self.strong_at(text, e)
    }

    /// The longest strong readings of `bases` (all starting at one position)
    /// into `out`; returns where they end.
    fn strong_readings(
        &self,
        text: &str,
        bases: &[(u32, usize)],
        out: &mut Vec<(Cand, usize)>,
    ) -> Option<usize> {
        out.clear();
        for &(p, base_end) in bases {
            let mut generic = SuffixCache::default();
            let rest = &text[base_end..];
            let mut reading = None;
            for &entry in self.entries_of(p) {
                if !entry.alike_prev {
                    reading = self.read_suffix(entry, rest, &mut generic);
                }
                if let Some((kind, len)) = reading {
                    let cand = Cand {
                        node: entry.node,
                        kind,
                        level: entry.level,
                    };
                    out.push((cand, base_end + len));
                }
            }
        }
        let end = out.iter().map(|k| k.1).max()?;
        // Longest strong reading: 城区街道 is the street, not the county 城区.
        out.retain(|k| k.1 == end);
        Some(end)
    }

    /// Whether a strong reading starts at `pos`.
    fn strong_at(&self, text: &str, pos: usize) -> bool {
        self.trie.prefixes_of(&text[pos..]).any(|(p, len)| {
            let rest = &text[pos + len..];
            let mut generic = SuffixCache::default();
            // An entry read like the one before gives its (failed) reading.
            self.entries_of(p)
                .iter()
                .any(|&e| !e.alike_prev && self.read_suffix(e, rest, &mut generic).is_some())
        })
    }

    /// Divisions a whole string names (for hand-filled fields and lookups).
    pub fn lookup_exact(&self, name: &str) -> Vec<NodeId> {
        let scan = self.scan(name.to_string());
        let mut nodes: Vec<NodeId> = scan
            .mentions
            .iter()
            .filter(|m| m.start == 0 && m.end as usize == name.len())
            .flat_map(|m| scan.cands_of(m).iter().map(|c| c.node))
            .collect();
        nodes.sort_unstable();
        nodes.dedup();
        nodes
    }
}
/// A town named `县经济开发区` (4 of them: 射阳县's, 云梦县's…) is read by
/// its zone words alone: read whole, it took the 县 of `嘉善县经济开发区`
/// and made that address one of 射阳县's or 云梦县's. The zone words after a
/// county are that county's zone anyway (`resolve::is_zone_word`).
fn generic_zone_town(name: &str, level: Level) -> &str {
    match ["县", "市", "区"].iter().find_map(|p| name.strip_prefix(p)) {
        Some(rest) if level == Level::Town && is_generic_zone_name(name) => rest,
        _ => name,
    }
}

/// A zone's name and aliases (`北京经开区`) read as its division: the
/// bureau's town-level unit of it where there is one, else its county or
/// city ([`crate::zones`]). A name already read as that division or as a
/// division inside it (the unit's own name, 随州市经济开发区 a town of 曾都区)
/// is not added: it would only make that reading ambiguous.
fn add_zones(tree: &Tree, trie: &mut Trie, pairs: &mut Vec<(u32, Entry)>) {
    let mut zone_pairs: Vec<(u32, NodeId)> = Vec::new();
    for zone in zones() {
        let Some(node) = zone
            .town
            .and_then(|t| tree.find(t))
            .or_else(|| tree.find(zone.division))
        else {
            continue;
        };
        for text in std::iter::once(&zone.name).chain(&zone.aliases) {
            if !names_a_division_in(tree, node, text) {
                zone_pairs.push((trie.insert(text), node));
            }
        }
    }
    zone_pairs.sort_unstable();
    zone_pairs.dedup();
    for (pattern, node) in zone_pairs {
        pairs.push((
            pattern,
            Entry {
                node,
                class: CLASS_NONE,
                remainder: 0,
                old: false,
                level: tree.levels[node as usize],
                alike_prev: false,
            },
        ));
    }
}

/// `text` begins the name of `node`, of a town or county inside it, or of
/// another town of its county: the gazetteer reads it already (an alias
/// of 湖北曾都经济开发区 is the name of its neighbour 随州市经济开发区).
fn names_a_division_in(tree: &Tree, node: NodeId, text: &str) -> bool {
    let named = |n: NodeId| tree.name(n).starts_with(text);
    if named(node) {
        return true;
    }
    let node = match tree.parent(node) {
        Some(county) if tree.levels[node as usize] == Level::Town => county,
        _ => node,
    };
    tree.children(node).any(|child| {
        named(child)
            || (tree.levels[child as usize] < Level::Town && tree.children(child).any(named))
    })
}

/// The (division, old parent) pairs of the changes that moved a county to
/// another city, or a town to another county of its city, where the old
/// parent still exists.
fn moved_from(tree: &Tree, changes: &[crate::changes::DivisionChange]) -> Vec<(NodeId, NodeId)> {
    let mut pairs = Vec::new();
    for change in changes
        .iter()
        .filter(|c| c.level >= Level::County && !c.old_parent.is_empty())
    {
        for &code in &change.successors {
            let Some(node) = tree.find(code) else {
                continue;
            };
            let old_parents = if change.level == Level::County {
                let cities = tree
                    .level_range(Level::City)
                    .chain(tree.level_range(Level::Province));
                cities
                    .filter(|&n| tree.name(n) == change.old_parent)
                    .collect::<Vec<_>>()
            } else {
                // The old county is in the town's city.
                let city = tree
                    .chain(node)
                    .find(|&n| tree.levels[n as usize] == Level::City);
                city.map(|c| tree.children(c))
                    .into_iter()
                    .flatten()
                    .filter(|&n| tree.name(n) == change.old_parent)
                    .collect()
            };
            for old_parent in old_parents {
                if !tree.chain(node).any(|n| n == old_parent) {
                    pairs.push((node, old_parent));
                }
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

#[cfg(test)]
mod debug_tests {
    #[test]
    fn debug_scan() {
        let g = crate::Gazetteer::shared();
        let text = std::env::var("SCAN").unwrap_or_default();
        let scan = g.matcher.scan(text);
        for m in &scan.mentions {
            let c: Vec<String> = scan
                .cands_of(m)
                .iter()
                .take(6)
                .map(|c| format!("{}{:?}", g.tree.name(c.node), c.kind))
                .collect();
            eprintln!(
                "{} {}..{} {:?} (+{})",
                scan.mention_text(m),
                m.start,
                m.end,
                c,
                scan.cands_of(m).len()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_texts_are_walked_whole() {
        // Longer than the walk's stack buffer of characters.
        let g = crate::Gazetteer::shared();
        let text = format!("十堰市{}茅箭区", ",".repeat(300));
        let scan = g.matcher.scan(text.clone());
        let found: Vec<&str> = scan.mentions.iter().map(|m| scan.mention_text(m)).collect();
        assert!(found.contains(&"十堰市"), "{found:?}");
        assert!(found.contains(&"茅箭区"), "{found:?}");
        let short = g.matcher.scan("十堰市,茅箭区".to_string());
        assert_eq!(scan.mentions.len(), short.mentions.len());
        assert_eq!(scan.cands, short.cands);
    }
}
