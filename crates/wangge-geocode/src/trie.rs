//! A character trie walked from every start position.
//!
//! Why not the aho-corasick crate: the matcher needs every name starting at
//! every position (readings overlap: 常德|安乡县 against 德安乡), so it walks
//! from each position anyway and failure links buy nothing; building them for
//! ~90,000 names took 80–150 ms, most of the start-up budget. Inserting the
//! names into this trie takes a few milliseconds, and a walk is one hash
//! lookup per character, usually ending after one or two.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// FxHash (rustc's): one multiply per word; keys here are (node, char) pairs.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

pub(crate) const NO_PATTERN: u32 = u32::MAX;

/// First characters in the CJK Unified Ideographs block get a direct table
/// at the root: most positions of a text start no name, and this answers
/// them without hashing.
const ROOT_FIRST: u32 = 0x4E00;
const ROOT_LEN: usize = 0x5200;

#[derive(Debug, Default)]
pub(crate) struct Trie {
    /// (node << 32 | char) → child node, while building.
    edges: FxMap<u64, u32>,
    /// Root children by `char - ROOT_FIRST`; 0 = none (node 0 is the root).
    root: Vec<u32>,
    /// Pattern id ending at each node, or `NO_PATTERN`.
    terminal: Vec<u32>,
    patterns: u32,
    /// After [`Trie::freeze`]: the nodes renumbered breadth-first, so a
    /// node's children are consecutive records sorted by character. A walk
    /// then reads two nearby records per character instead of probing a
    /// hash table several times the size (the walk was a quarter of the
    /// parse + resolve time, mostly cache misses).
    frozen: Vec<Node>,
    frozen_root: Vec<u32>,
    /// Children of frozen nodes with more than `SCAN_MAX` of them, by
    /// (node << 32 | char): one probe instead of a binary search whose
    /// every step is a cache miss (a first character like 新 has hundreds).
    wide: FxMap<u64, u32>,
}

/// Up to this many children are scanned in place.
const SCAN_MAX: usize = 8;

/// One node of the frozen trie.
#[derive(Debug, Clone, Copy)]
struct Node {
    /// Its children are `first_child..` the next node's `first_child`.
    first_child: u32,
    /// The character leading to it.
    label: u32,
    /// Pattern id ending here, or `NO_PATTERN`.
    terminal: u32,
}

fn key(node: u32, c: char) -> u64 {
    key_of(node, c as u32)
}

fn key_of(node: u32, c: u32) -> u64 {
    (u64::from(node) << 32) | u64::from(c)
}

impl Trie {
    pub fn new() -> Trie {
        Trie {
            edges: FxMap::default(),
            root: vec![0; ROOT_LEN],
            terminal: vec![NO_PATTERN],
            patterns: 0,
            frozen: Vec::new(),
            frozen_root: Vec::new(),
            wide: FxMap::default(),
        }
    }

    /// Packs the trie for walking (see `frozen`); inserting afterwards
    /// unfreezes it.
    pub fn freeze(&mut self) {
        let n = self.terminal.len();
        let mut children: Vec<Vec<(u32, u32)>> = vec![Vec::new(); n];
        for (slot, &child) in self.root.iter().enumerate() {
            if child != 0 {
                children[0].push((ROOT_FIRST + slot as u32, child));
            }
        }
        for (&k, &child) in &self.edges {
            children[(k >> 32) as usize].push(((k & 0xFFFF_FFFF) as u32, child));
        }
        // Breadth-first: new ids in visiting order, children right after
        // their siblings.
        let mut order: Vec<(u32, u32)> = Vec::with_capacity(n); // (old id, label)
        order.push((0, 0));
        let mut frozen = Vec::with_capacity(n + 1);
        let mut next_id = 1u32;
        let mut i = 0;
        while i < order.len() {
            let (old, label) = order[i];
            let kids = &mut children[old as usize];
            kids.sort_unstable();
            frozen.push(Node {
                first_child: next_id,
                label,
                terminal: self.terminal[old as usize],
            });
            next_id += kids.len() as u32;
            order.extend(kids.iter().map(|&(c, child)| (child, c)));
            i += 1;
        }
        frozen.push(Node {
            first_child: next_id,
            label: 0,
            terminal: NO_PATTERN,
        });
        let mut frozen_root = vec![0; ROOT_LEN];
        let root_kids = frozen[0].first_child..frozen[1].first_child;
        for id in root_kids {
            let slot = frozen[id as usize].label.wrapping_sub(ROOT_FIRST) as usize;
            if slot < ROOT_LEN {
                frozen_root[slot] = id;
            }
        }
        let mut wide = FxMap::default();
        for (id, pair) in frozen.windows(2).enumerate().skip(1) {
            let kids = pair[0].first_child..pair[1].first_child;
            if kids.len() > SCAN_MAX {
                for kid in kids {
                    wide.insert(key_of(id as u32, frozen[kid as usize].label), kid);
                }
            }
        }
        self.frozen = frozen;
        self.frozen_root = frozen_root;
        self.wide = wide;
    }

    /// The id of `word`, added if new. Ids count up from 0.
    pub fn insert(&mut self, word: &str) -> u32 {
        self.frozen.clear();
        self.frozen_root.clear();
        self.wide.clear();
        let mut node = 0u32;
        for c in word.chars() {
            let next = self.terminal.len() as u32;
            let slot = (c as u32).wrapping_sub(ROOT_FIRST) as usize;
            if node == 0 && slot < ROOT_LEN {
                if self.root[slot] == 0 {
                    self.root[slot] = next;
                }
                node = self.root[slot];
            } else {
                node = *self.edges.entry(key(node, c)).or_insert(next);
            }
            if node == next {
                self.terminal.push(NO_PATTERN);
            }
        }
        let t = &mut self.terminal[node as usize];
        if *t == NO_PATTERN {
            *t = self.patterns;
            self.patterns += 1;
        }
        *t
    }

    pub fn len(&self) -> usize {
        self.patterns as usize
    }

    /// (child, pattern ending there) of `node` by `c`.
    #[inline]
    fn step(&self, node: u32, c: char) -> Option<(u32, u32)> {
        if self.frozen.is_empty() {
            let next = self.child(node, c)?;
            return Some((next, self.terminal[next as usize]));
        }
        let slot = (c as u32).wrapping_sub(ROOT_FIRST) as usize;
        let next = if node == 0 && slot < ROOT_LEN {
            let n = self.frozen_root[slot];
            if n == 0 {
                return None;
            }
            n
        } else {
            let from = self.frozen[node as usize].first_child as usize;
            let to = self.frozen[node as usize + 1].first_child as usize;
            if to - from > SCAN_MAX {
                *self.wide.get(&key(node, c))?
            } else {
                let c = c as u32;
                let at = self.frozen[from..to].iter().position(|k| k.label == c)?;
                (from + at) as u32
            }
        };
        Some((next, self.frozen[next as usize].terminal))
    }

    fn child(&self, node: u32, c: char) -> Option<u32> {
        let slot = (c as u32).wrapping_sub(ROOT_FIRST) as usize;
        if node == 0 && slot < ROOT_LEN {
            let n = self.root[slot];
            (n != 0).then_some(n)
        } else {
            self.edges.get(&key(node, c)).copied()
        }
    }

    /// Every pattern that starts `text`, shortest first: (pattern id, byte length).
    pub fn prefixes_of<'a>(&'a self, text: &'a str) -> Prefixes<'a> {
        Prefixes {
            trie: self,
            chars: text.char_indices(),
            node: 0,
        }
    }

    /// Every pattern that starts a text, shortest first, into `out` as
    /// (pattern id, byte offset where it ends): [`Trie::prefixes_of`] as one
    /// loop over characters decoded once, each with the byte offset after
    /// it, for the matcher's walk from every position.
    #[inline]
    pub fn prefixes_of_chars(&self, chars: &[(char, u32)], out: &mut Vec<(u32, usize)>) {
        let mut node = 0u32;
        for &(c, end) in chars {
            let Some((next, t)) = self.step(node, c) else {
                return;
            };
            node = next;
            if t != NO_PATTERN {
                out.push((t, end as usize));
            }
        }
    }

    /// The id of exactly `word`.
    pub fn get(&self, word: &str) -> Option<u32> {
        self.prefixes_of(word)
            .find(|&(_, len)| len == word.len())
            .map(|(id, _)| id)
    }
}

/// Iterator of [`Trie::prefixes_of`]; stops at the first character with no
/// edge.
pub(crate) struct Prefixes<'a> {
    trie: &'a Trie,
    chars: std::str::CharIndices<'a>,
    node: u32,
}

impl Iterator for Prefixes<'_> {
    type Item = (u32, usize);

    fn next(&mut self) -> Option<(u32, usize)> {
        loop {
            let (i, c) = self.chars.next()?;
            let Some((next, t)) = self.trie.step(self.node, c) else {
                // Exhaust: no later character can match.
                self.chars = "".char_indices();
                return None;
            };
            self.node = next;
            if t != NO_PATTERN {
                return Some((t, i + c.len_utf8()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks() {
        let mut t = Trie::new();
        let a = t.insert("十堰");
        let b = t.insert("十堰市区");
        assert_eq!(t.insert("十堰"), a);
        let found: Vec<(u32, usize)> = t.prefixes_of("十堰市区张湾").collect();
        assert_eq!(found, vec![(a, 6), (b, 12)]);
        assert_eq!(t.get("十堰市"), None);
        assert_eq!(t.get("十堰市区"), Some(b));
        assert_eq!(t.len(), 2);
        // The same answers once frozen, and again after another insert.
        t.freeze();
        let frozen: Vec<(u32, usize)> = t.prefixes_of("十堰市区张湾").collect();
        assert_eq!(frozen, found);
        assert_eq!(t.get("十堰市"), None);
        assert_eq!(t.get("十堰市区"), Some(b));
        let c = t.insert("abc");
        t.freeze();
        assert_eq!(t.get("abc"), Some(c));
        assert_eq!(t.get("十堰"), Some(a));
        assert_eq!(t.prefixes_of("ab").count(), 0);
    }

    #[test]
    fn frozen_walks_equal_unfrozen_on_many_names() {
        let names = [
            "武汉市",
            "武汉",
            "武当路街道",
            "武当山",
            "十堰市",
            "十堰",
            "1号",
            "A区",
            "武",
        ];
        let mut t = Trie::new();
        for n in names {
            t.insert(n);
        }
        let texts = ["武汉市武当路街道", "十堰市武当山", "1号楼", "A区武", "无"];
        let before: Vec<Vec<(u32, usize)>> =
            texts.iter().map(|x| t.prefixes_of(x).collect()).collect();
        t.freeze();
        let after: Vec<Vec<(u32, usize)>> =
            texts.iter().map(|x| t.prefixes_of(x).collect()).collect();
        assert_eq!(before, after);
        assert!(!after[0].is_empty());
        for (x, found) in texts.iter().zip(&after) {
            let chars: Vec<(char, u32)> = x
                .char_indices()
                .map(|(i, c)| (c, (i + c.len_utf8()) as u32))
                .collect();
            let mut into = Vec::new();
            t.prefixes_of_chars(&chars, &mut into);
            assert_eq!(&into, found);
        }
    }
}
