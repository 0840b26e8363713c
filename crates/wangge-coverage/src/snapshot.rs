//! The stored grid as the report sees it: every grid as a
//! [`CoverageGrid`], with the stored geometry object and outlet link kept
//! for the items that show a whole grid (an unclaimed cell, a grid without
//! an outlet).

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::OnceLock;

use serde_json::Value;
use wangge_model::{GridCode, LevelNo};
use wangge_spatial::coverage::CoverageGrid;
use wangge_store::{GridFilter, Store};

use crate::{polygonal_value, CoverageError};

/// The grids of the store at one revision.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// [`Store::grid_revision`] read before the grids: a change while
    /// loading makes the snapshot look older, never newer.
    pub revision: i64,
    pub grids: Vec<CoverageGrid>,
    /// Per grid (same order): what the report needs beyond the geometry.
    pub stored: Vec<StoredExtra>,
    by_code: HashMap<GridCode, usize>,
    /// A hash of what the geometric analysis reads ([`Snapshot::geometry_key`]).
    geometry_key: u64,
}

#[derive(Debug, Clone)]
pub struct StoredExtra {
    /// The stored text parsed as polygons (else the geometry is empty).
    pub parsed: bool,
    /// The supporting outlet's code (level 3).
    pub outlet: Option<String>,
}

impl Snapshot {
    /// Loads every grid. A geometry that does not parse becomes an empty
    /// polygon set flagged invalid with the reason: the rest of the report
    /// is still computed.
    pub async fn load(store: &Store) -> Result<Snapshot, CoverageError> {
        let revision = store.grid_revision().await?;
        let records = store.grids(&GridFilter::default()).await?;
        let mut grids = Vec::with_capacity(records.len());
        let mut stored = Vec::with_capacity(records.len());
        for r in records {
            let (geometry, parse_error) =
                match wangge_assign::parse_multipolygon(&r.geometry_geojson) {
                    Ok(mp) => (mp, None),
                    Err(e) => (geo::MultiPolygon(vec![]), Some(e)),
                };
            let invalid_reason = match (r.invalid_reason, &parse_error) {
                (Some(reason), _) => Some(reason),
                (None, Some(e)) => Some(format!("stored geometry does not parse: {e}")),
                (None, None) => None,
            };
            stored.push(StoredExtra {
                parsed: parse_error.is_none(),
                outlet: r.outlet,
            });
            grids.push(CoverageGrid {
                id: r.id,
                code: r.code,
                name: r.name,
                level: r.level,
                parent: r.parent,
                geometry,
                invalid_reason,
            });
        }
        Ok(Snapshot::new(revision, grids, stored))
    }

    /// A snapshot of grids held in memory (`stored` in the same order).
    pub fn new(revision: i64, grids: Vec<CoverageGrid>, stored: Vec<StoredExtra>) -> Snapshot {
        let mut by_code = HashMap::with_capacity(grids.len());
        for (i, g) in grids.iter().enumerate() {
            by_code.entry(g.code.clone()).or_insert(i);
        }
        let geometry_key = geometry_key(&grids);
        Snapshot {
            revision,
            grids,
            stored,
            by_code,
            geometry_key,
        }
    }

    /// What the geometric analysis depends on, hashed: every grid's code,
    /// level, parent, coordinates (bit for bit) and stored invalid reason —
    /// not its id, name, type or outlet, so a rename keeps the analysis.
    /// The hash is keyed per process (not guessable); [`Snapshot::same_geometry`]
    /// compares for certain.
    pub fn geometry_key(&self) -> u64 {
        self.geometry_key
    }

    /// True when the geometric analysis of both is the same: the same
    /// grids in the same order, equal in everything it reads.
    pub fn same_geometry(&self, other: &Snapshot) -> bool {
        self.geometry_key == other.geometry_key
            && self.grids.len() == other.grids.len()
            && self.grids.iter().zip(&other.grids).all(|(a, b)| {
                a.code == b.code
                    && a.level == b.level
                    && a.parent == b.parent
                    && a.invalid_reason == b.invalid_reason
                    && same_coordinates(&a.geometry, &b.geometry)
            })
    }

    pub fn grid(&self, code: &GridCode) -> Option<&CoverageGrid> {
        self.by_code.get(code).map(|&i| &self.grids[i])
    }

    /// The geometry object of a grid, as stored (`Null` when unknown or
    /// when the stored text does not parse).
    pub fn geometry(&self, code: &GridCode) -> Value {
        match self.by_code.get(code) {
            Some(&i) if self.stored.get(i).is_some_and(|s| s.parsed) => {
                polygonal_value(&self.grids[i].geometry)
            }
            _ => Value::Null,
        }
    }

    pub fn level(&self, code: &GridCode) -> Option<LevelNo> {
        self.grid(code).map(|g| g.level)
    }

    /// True when `ancestor` is `start` or one of its ancestors.
    pub fn within(&self, start: Option<&GridCode>, ancestor: &GridCode) -> bool {
        let mut current = start;
        // Four levels: a longer chain is a cycle in bad data.
        for _ in 0..LevelNo::ALL.len() {
            match current {
                Some(code) if code == ancestor => return true,
                Some(code) => current = self.grid(code).and_then(|g| g.parent.as_ref()),
                None => return false,
            }
        }
        false
    }

    /// True when `code` lies strictly below `ancestor`.
    pub fn below(&self, code: &GridCode, ancestor: &GridCode) -> bool {
        self.within(self.grid(code).and_then(|g| g.parent.as_ref()), ancestor)
    }
}

/// The geometric inputs of every grid, hashed with a key chosen once per
/// process.
fn geometry_key(grids: &[CoverageGrid]) -> u64 {
    static KEYS: OnceLock<RandomState> = OnceLock::new();
    let mut hasher = KEYS.get_or_init(RandomState::new).build_hasher();
    grids.len().hash(&mut hasher);
    for g in grids {
        g.code.as_str().hash(&mut hasher);
        g.level.get().hash(&mut hasher);
        g.parent.as_ref().map(GridCode::as_str).hash(&mut hasher);
        g.invalid_reason.hash(&mut hasher);
        g.geometry.0.len().hash(&mut hasher);
        for polygon in &g.geometry {
            polygon.interiors().len().hash(&mut hasher);
            for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
                ring.0.len().hash(&mut hasher);
                for c in &ring.0 {
                    c.x.to_bits().hash(&mut hasher);
                    c.y.to_bits().hash(&mut hasher);
                }
            }
        }
    }
    hasher.finish()
}

/// Equal coordinates bit for bit (NaN equals NaN: the analysis sees the same).
fn same_coordinates(a: &geo::MultiPolygon<f64>, b: &geo::MultiPolygon<f64>) -> bool {
    let same_ring = |r: &geo::LineString<f64>, s: &geo::LineString<f64>| {
        r.0.len() == s.0.len()
            && r.0
                .iter()
                .zip(&s.0)
                .all(|(c, d)| c.x.to_bits() == d.x.to_bits() && c.y.to_bits() == d.y.to_bits())
    };
    a.0.len() == b.0.len()
        && a.iter().zip(b).all(|(p, q)| {
            same_ring(p.exterior(), q.exterior())
                && p.interiors().len() == q.interiors().len()
                && p.interiors()
                    .iter()
                    .zip(q.interiors())
                    .all(|(r, s)| same_ring(r, s))
        })
}
