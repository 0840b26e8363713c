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
    /// (node << 32 | char) → child node.
    edges: FxMap<u64, u32>,
    /// Root children by `char - ROOT_FIRST`; 0 = none (node 0 is the root).
    root: Vec<u32>,
    /// Pattern id ending at each node, or `NO_PATTERN`.
    terminal: Vec<u32>,
    patterns: u32,
}

fn key(node: u32, c: char) -> u64 {
    (u64::from(node) << 32) | u64::from(c as u32)
}

impl Trie {
    pub fn new() -> Trie {
        Trie {
            edges: FxMap::default(),
            root: vec![0; ROOT_LEN],
            terminal: vec![NO_PATTERN],
            patterns: 0,
        }
    }

    /// The id of `word`, added if new. Ids count up from 0.
    pub fn insert(&mut self, word: &str) -> u32 {
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
            let Some(next) = self.trie.child(self.node, c) else {
                // Exhaust: no later character can match.
                self.chars = "".char_indices();
                return None;
            };
            self.node = next;
            let t = self.trie.terminal[next as usize];
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
    }
}
