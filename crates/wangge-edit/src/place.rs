//! After an edit committed: the entities of the changed area placed again.
//! A failure here is reported as such (the edit stays committed), never as
//! a failed edit.

use serde::Serialize;
use wangge_assign::{assign_all, load_index, reassign_area, AssignError, AssignOptions};
use wangge_store::{BBox, Store};

/// Rounds of placing again when another edit moved the grid meanwhile.
const ATTEMPTS: usize = 3;

/// What placing the changed area again did, after the edit's commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum PlacedAgain {
    /// A dry run, an edit that moved no geometry, or nothing placed yet.
    NotNeeded,
    /// Customers, resources, buildings and opportunities written again.
    Entities { count: usize },
    /// The edit is committed, placing failed; `wangge assign` (or the next
    /// edit of the area) places them again.
    Failed { reason: String },
}

impl PlacedAgain {
    /// How many entities were placed again (0 unless `Entities`).
    pub fn count(&self) -> usize {
        match self {
            PlacedAgain::Entities { count } => *count,
            _ => 0,
        }
    }

    /// Why placing failed, if it did.
    pub fn failure(&self) -> Option<&str> {
        match self {
            PlacedAgain::Failed { reason } => Some(reason),
            _ => None,
        }
    }
}

/// What an edit places again after its commit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Scope {
    /// Nothing (no geometry moved).
    Nothing,
    /// The entities in this box (a cut, a merge, fixes).
    Area(BBox),
    /// Every entity, all placements replaced (`wangge assign`): an import
    /// may move any part of the territory, and places what was never placed.
    Everything,
}

impl Scope {
    /// The entities of `area`, or nothing without one.
    pub(crate) fn of(area: Option<BBox>) -> Scope {
        area.map_or(Scope::Nothing, Scope::Area)
    }
}

/// Places the entities of `scope` again with a fresh index of the store.
pub(crate) async fn place_again(store: &Store, scope: Scope) -> PlacedAgain {
    let placed = match scope {
        Scope::Nothing => return PlacedAgain::NotNeeded,
        Scope::Area(area) => place_area(store, Some(area)).await,
        Scope::Everything => place_area(store, None).await,
    };
    match placed {
        Ok(placed) => placed,
        Err(e) => {
            tracing::warn!(error = %e, "the edit is committed; placing its area again failed");
            PlacedAgain::Failed {
                reason: format!("the edit is saved, but placing its area again failed: {e}"),
            }
        }
    }
}

/// `area` `None`: everything.
async fn place_area(store: &Store, area: Option<BBox>) -> Result<PlacedAgain, AssignError> {
    if !store.has_entities().await? {
        return Ok(PlacedAgain::NotNeeded);
    }
    let mut attempt = 0;
    loop {
        attempt += 1;
        let revision = store.grid_revision().await?;
        let options = AssignOptions::default();
        let placed = match area {
            Some(area) => reassign_area(store, area, &options).await,
            None => match load_index(store).await {
                Ok(index) => assign_all(store, &index, &options)
                    .await
                    .map(|report| report.kinds.iter().map(|k| k.total).sum()),
                Err(e) => Err(e),
            },
        };
        if matches!(placed, Err(AssignError::NoGrid)) {
            return Ok(PlacedAgain::NotNeeded);
        }
        // Another edit that committed meanwhile leaves this index behind
        // (its cells may be gone: a foreign-key refusal); a fresh one places
        // right. That edit places its own area again itself.
        let moved = store.grid_revision().await? != revision;
        match placed {
            Ok(_) | Err(_) if moved && attempt < ATTEMPTS => {}
            Ok(count) => return Ok(PlacedAgain::Entities { count }),
            Err(e) => return Err(e),
        }
    }
}
