//! The stored grid as the report sees it: every grid as a
//! [`CoverageGrid`], with the stored geometry object and outlet link kept
//! for the items that show a whole grid (an unclaimed cell, a grid without
//! an outlet).

use std::collections::HashMap;

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
        Snapshot {
            revision,
            grids,
            stored,
            by_code,
        }
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
