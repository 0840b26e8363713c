//! The gazetteer: every division of levels 1–4 nationally and Hubei's
//! villages, embedded compressed (see build.rs), plus the name matcher built
//! over it.
//!
//! Divisions are stored level by level, each level sorted by code; children
//! of a division are therefore one contiguous run of the next level, and a
//! code is found by binary search.

use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use crate::code::{DivisionCode, Level};
use crate::error::GeocodeError;
use crate::matcher::Matcher;

static BLOB: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/gazetteer.bin.z"));

/// Index of a division inside one gazetteer.
pub(crate) type NodeId = u32;
pub(crate) const NO_PARENT: NodeId = NodeId::MAX;

/// City rows that only group counties (市辖区 of the municipalities, 省直辖县级
/// 行政区划): they have codes but no name anyone writes.
const GROUPING_NAMES: &[&str] = &[
    "市辖区",
    "县",
    "省直辖县级行政区划",
    "自治区直辖县级行政区划",
];

/// One division, as the gazetteer returns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Division<'a> {
    pub code: DivisionCode,
    pub name: &'a str,
    pub level: Level,
}

/// The division tree (levels 1-5) without the matcher.
#[derive(Debug, Default)]
pub(crate) struct Tree {
    pub codes: Vec<u64>,
    pub parents: Vec<NodeId>,
    pub levels: Vec<Level>,
    name_spans: Vec<(u32, u32)>,
    names: String,
    /// First node of each level, plus the end.
    level_starts: [u32; 6],
    children: Vec<(u32, u32)>,
    pub grouping: Vec<bool>,
}

impl Tree {
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    pub fn name(&self, id: NodeId) -> &str {
        let (s, e) = self.name_spans[id as usize];
        &self.names[s as usize..e as usize]
    }

    pub fn code(&self, id: NodeId) -> DivisionCode {
        DivisionCode::new(self.codes[id as usize])
            .unwrap_or_else(|| panic!("gazetteer node {id} has an invalid code"))
    }

    pub fn parent(&self, id: NodeId) -> Option<NodeId> {
        let p = self.parents[id as usize];
        (p != NO_PARENT).then_some(p)
    }

    pub fn level_range(&self, level: Level) -> std::ops::Range<u32> {
        let i = level.index();
        self.level_starts[i]..self.level_starts[i + 1]
    }

    pub fn children(&self, id: NodeId) -> std::ops::Range<u32> {
        let (s, e) = self.children[id as usize];
        s..e
    }

    pub fn find(&self, code: DivisionCode) -> Option<NodeId> {
        let range = self.level_range(code.level());
        let slice = &self.codes[range.start as usize..range.end as usize];
        slice
            .binary_search(&code.value())
            .ok()
            .map(|i| range.start + i as u32)
    }

    /// The only child, when it has the node's own name (东莞市 under 东莞市).
    pub fn sole_namesake_child(&self, id: NodeId) -> Option<NodeId> {
        let kids = self.children(id);
        (kids.len() == 1 && self.name(kids.start) == self.name(id)).then_some(kids.start)
    }

    /// The node and its ancestors, deepest first.
    pub fn chain(&self, id: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        std::iter::successors(Some(id), move |&n| self.parent(n))
    }

    fn push(&mut self, code: u64, parent: NodeId, level: Level, name: &str) {
        let start = self.names.len() as u32;
        self.names.push_str(name);
        self.codes.push(code);
        self.parents.push(parent);
        self.levels.push(level);
        self.name_spans.push((start, self.names.len() as u32));
        self.grouping
            .push(level == Level::City && GROUPING_NAMES.contains(&name));
    }

    /// Level starts and child ranges, once all nodes are in.
    fn finish(&mut self) {
        let mut starts = [self.len() as u32; 6];
        for level in Level::ALL.iter().rev() {
            if let Some(first) = self.levels.iter().position(|l| l == level) {
                starts[level.index()] = first as u32;
            } else {
                starts[level.index()] = starts[level.index() + 1];
            }
        }
        self.level_starts = starts;
        self.children = vec![(0, 0); self.len()];
        let mut i = 0usize;
        while i < self.len() {
            let p = self.parents[i];
            let mut j = i;
            while j < self.len() && self.parents[j] == p {
                j += 1;
            }
            if p != NO_PARENT {
                self.children[p as usize] = (i as u32, j as u32);
            }
            i = j;
        }
    }
}

fn read_varint(data: &[u8], pos: &mut usize) -> Result<u64, GeocodeError> {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let b = *data
            .get(*pos)
            .ok_or_else(|| GeocodeError::CorruptGazetteer("truncated".into()))?;
        *pos += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(v);
        }
        shift += 7;
        if shift > 63 {
            return Err(GeocodeError::CorruptGazetteer("bad varint".into()));
        }
    }
}

/// Decode the embedded blob, levels up to and including `through`.
fn decode_embedded(through: Level) -> Result<Tree, GeocodeError> {
    let corrupt = |s: &str| GeocodeError::CorruptGazetteer(s.to_string());
    let data = miniz_oxide::inflate::decompress_to_vec_with_limit(BLOB, 64 << 20)
        .map_err(|e| corrupt(&format!("inflate: {e:?}")))?;
    if !data.starts_with(b"WGZ1") {
        return Err(corrupt("bad magic"));
    }
    let mut pos = 4;
    let mut tree = Tree::default();
    let mut prev_level_start = 0u32;
    for level in Level::ALL {
        if level > through {
            break;
        }
        let count = read_varint(&data, &mut pos)?;
        let level_start = tree.len() as u32;
        let mut code = 0u64;
        let mut parent = 0u64;
        for _ in 0..count {
            code += read_varint(&data, &mut pos)?;
            let parent_id = if level == Level::Province {
                NO_PARENT
            } else {
                parent += read_varint(&data, &mut pos)?;
                prev_level_start + parent as u32
            };
            let len = read_varint(&data, &mut pos)? as usize;
            let bytes = data
                .get(pos..pos + len)
                .ok_or_else(|| corrupt("truncated name"))?;
            pos += len;
            let name = std::str::from_utf8(bytes).map_err(|_| corrupt("name not UTF-8"))?;
            tree.push(code, parent_id, level, name);
        }
        prev_level_start = level_start;
    }
    tree.finish();
    Ok(tree)
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// The division gazetteer and its name matcher. Build it once and share it
/// (it is `Send + Sync`); [`Gazetteer::shared`] keeps one per process.
///
/// ```
/// use wangge_geocode::{Gazetteer, DivisionCode, Level};
/// let g = Gazetteer::shared();
/// let maojian = g.division("420302".parse().unwrap()).unwrap();
/// assert_eq!(maojian.name, "茅箭区");
/// assert_eq!(g.full_name("420302001".parse().unwrap()).unwrap(), "湖北省十堰市茅箭区武当路街道");
/// assert!(g.count(Level::Village) > 20_000); // Hubei's villages are built in
/// ```
#[derive(Debug)]
pub struct Gazetteer {
    id: u64,
    pub(crate) tree: Tree,
    pub(crate) matcher: Matcher,
    villages_skipped: usize,
}

impl Gazetteer {
    /// The embedded gazetteer: levels 1-4 nationally and Hubei's villages.
    pub fn embedded() -> Gazetteer {
        let tree = decode_embedded(Level::Village)
            .unwrap_or_else(|e| panic!("{e} (the blob is built by build.rs; a test decodes it)"));
        Gazetteer::from_tree(tree, 0)
    }

    /// One embedded gazetteer per process, built on first use.
    pub fn shared() -> Arc<Gazetteer> {
        static SHARED: OnceLock<Arc<Gazetteer>> = OnceLock::new();
        SHARED
            .get_or_init(|| Arc::new(Gazetteer::embedded()))
            .clone()
    }

    /// The embedded levels 1-4 with the village level read from a CSV file
    /// instead of the built-in Hubei one (the national file, or another
    /// edition). Columns `code` (12 digits) and `name` are required, in any
    /// order; villages whose town is not in the gazetteer are skipped and
    /// counted ([`Gazetteer::villages_skipped`]).
    pub fn with_villages_csv<R: Read>(reader: R) -> Result<Gazetteer, GeocodeError> {
        let mut tree = decode_embedded(Level::Town)?;
        let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
        let err = |line: u64, reason: String| GeocodeError::VillageCsv { line, reason };
        let headers = rdr.headers().map_err(|e| err(1, e.to_string()))?.clone();
        let col = |name: &str| {
            headers
                .iter()
                .position(|h| h.trim().trim_start_matches('\u{feff}') == name)
                .ok_or_else(|| err(1, format!("no {name:?} column (found {headers:?})")))
        };
        let (code_col, name_col) = (col("code")?, col("name")?);
        let mut rows: Vec<(u64, String)> = Vec::new();
        for (i, rec) in rdr.records().enumerate() {
            let line = i as u64 + 2;
            let rec = rec.map_err(|e| err(line, e.to_string()))?;
            let code = rec.get(code_col).unwrap_or("").trim();
            let name = rec.get(name_col).unwrap_or("").trim();
            let value: u64 = code
                .parse()
                .ok()
                .filter(|v| DivisionCode::new(*v).map(DivisionCode::level) == Some(Level::Village))
                .ok_or_else(|| {
                    err(
                        line,
                        format!("code {code:?} is not a 12-digit village code"),
                    )
                })?;
            if name.is_empty() {
                return Err(err(line, format!("village {code} has no name")));
            }
            rows.push((value, name.to_string()));
        }
        rows.sort_unstable_by_key(|r| r.0);
        rows.dedup_by_key(|r| r.0);
        let mut skipped = 0;
        for (code, name) in rows {
            let town = DivisionCode::new(code / 1000).and_then(|t| tree.find(t));
            match town {
                Some(t) => tree.push(code, t, Level::Village, &name),
                None => skipped += 1,
            }
        }
        tree.finish();
        Ok(Gazetteer::from_tree(tree, skipped))
    }

    fn from_tree(tree: Tree, villages_skipped: usize) -> Gazetteer {
        let matcher = Matcher::build(&tree);
        Gazetteer {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            tree,
            matcher,
            villages_skipped,
        }
    }

    /// A number unique to this instance (parsed evidence is tied to it).
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// All divisions.
    pub fn len(&self) -> usize {
        self.tree.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tree.len() == 0
    }

    /// Divisions at one level.
    pub fn count(&self, level: Level) -> usize {
        self.tree.level_range(level).len()
    }

    /// Villages of the loaded CSV whose town was unknown.
    pub fn villages_skipped(&self) -> usize {
        self.villages_skipped
    }

    pub fn division(&self, code: DivisionCode) -> Option<Division<'_>> {
        self.tree.find(code).map(|id| self.node(id))
    }

    pub(crate) fn node(&self, id: NodeId) -> Division<'_> {
        Division {
            code: self.tree.code(id),
            name: self.tree.name(id),
            level: self.tree.levels[id as usize],
        }
    }

    /// The divisions directly under `code`.
    pub fn children(&self, code: DivisionCode) -> impl Iterator<Item = Division<'_>> + '_ {
        let range = self
            .tree
            .find(code)
            .map_or(0..0, |id| self.tree.children(id));
        range.map(move |id| self.node(id))
    }

    /// Every division of one level, by code.
    pub fn iter_level(&self, level: Level) -> impl Iterator<Item = Division<'_>> + '_ {
        self.tree.level_range(level).map(move |id| self.node(id))
    }

    /// The names from the province down, without grouping rows such as 市辖区:
    /// `湖北省十堰市茅箭区`.
    pub fn full_name(&self, code: DivisionCode) -> Option<String> {
        self.tree.find(code).map(|id| self.label(id))
    }

    pub(crate) fn label(&self, id: NodeId) -> String {
        // Five levels at most: a stack array, not a Vec per call.
        let mut chain = [0 as NodeId; 8];
        let mut n = 0;
        for node in self.tree.chain(id).take(chain.len()) {
            chain[n] = node;
            n += 1;
        }
        let mut out = String::with_capacity(48);
        for &node in chain[..n].iter().rev() {
            if !self.tree.grouping[node as usize] {
                out.push_str(self.tree.name(node));
            }
        }
        out
    }

    /// Codes of divisions that a name (official, short, variant or old) can
    /// mean, e.g. `鼓楼区` → four counties, `郧县` → 郧阳区.
    pub fn lookup(&self, name: &str) -> Vec<DivisionCode> {
        self.matcher
            .lookup_exact(name)
            .into_iter()
            .map(|id| self.tree.code(id))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_counts() {
        let g = Gazetteer::shared();
        assert_eq!(g.count(Level::Province), 31);
        assert_eq!(g.count(Level::City), 342);
        assert_eq!(g.count(Level::County), 2978);
        assert_eq!(g.count(Level::Town), 41352);
        assert_eq!(g.count(Level::Village), 27057);
    }

    #[test]
    fn tree_links() {
        let g = Gazetteer::shared();
        let t = &g.tree;
        let maojian = t.find(DivisionCode::new(420_302).unwrap()).unwrap();
        let city = t.parent(maojian).unwrap();
        assert_eq!(t.name(city), "十堰市");
        let kids: Vec<&str> = t.children(maojian).map(|n| t.name(n)).collect();
        assert!(kids.contains(&"武当路街道"), "{kids:?}");
        for id in t.children(maojian) {
            assert_eq!(t.parent(id), Some(maojian));
        }
        assert_eq!(
            g.full_name(DivisionCode::new(110_101).unwrap()).unwrap(),
            "北京市东城区"
        );
    }
}
