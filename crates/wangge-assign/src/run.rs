//! The whole run: load points, place them, persist, report.

use std::time::Instant;

use serde::Serialize;
use wangge_model::PlacementStatus;
use wangge_spatial::index::{CellIndex, LocateOptions};
use wangge_store::{EntityKind, Store};

use crate::{place_points, place_with_addresses, AddressHook, AssignError};

#[derive(Debug, Clone)]
pub struct AssignOptions {
    /// Points in no cell but this close to one get it as a suggestion.
    pub snap_distance_m: f64,
    pub threads: usize,
    /// When set, customers without coordinates but with an address are
    /// geocoded and placed from it (the `no_location` hook).
    pub addresses: Option<AddressHook>,
}

impl Default for AssignOptions {
    fn default() -> Self {
        AssignOptions {
            snap_distance_m: 30.0,
            threads: std::thread::available_parallelism().map_or(2, std::num::NonZero::get),
            addresses: None,
        }
    }
}

/// What one kind's run did.
#[derive(Debug, Clone, Serialize)]
pub struct KindReport {
    pub kind: &'static str,
    pub total: usize,
    pub by_status: Vec<(PlacementStatus, usize)>,
    pub load_ms: u128,
    pub compute_ms: u128,
    pub persist_ms: u128,
}

#[derive(Debug, Clone, Serialize)]
pub struct AssignReport {
    pub kinds: Vec<KindReport>,
}

const KINDS: [EntityKind; 4] = [
    EntityKind::Customer,
    EntityKind::Resource,
    EntityKind::Building,
    EntityKind::Opportunity,
];

/// Places every entity of every kind and replaces all placements.
pub async fn assign_all(
    store: &Store,
    index: &CellIndex,
    options: &AssignOptions,
) -> Result<AssignReport, AssignError> {
    let locate = LocateOptions {
        snap_distance_m: options.snap_distance_m,
    };
    let mut kinds = Vec::new();
    for kind in KINDS {
        let started = Instant::now();
        let points = store.entity_points(kind).await?;
        let load_ms = started.elapsed().as_millis();
        let started = Instant::now();
        let placements = match &options.addresses {
            Some(hook) if kind == EntityKind::Customer => {
                let addresses = store.unlocated_addresses(kind).await?;
                let outcomes = hook.outcomes(&addresses, options.threads);
                place_with_addresses(index, &points, &outcomes, &locate, options.threads)
            }
            _ => place_points(index, &points, &locate, options.threads),
        };
        let compute_ms = started.elapsed().as_millis();
        let started = Instant::now();
        store.replace_placements(kind, &placements).await?;
        let persist_ms = started.elapsed().as_millis();
        let by_status = PlacementStatus::ALL
            .into_iter()
            .map(|s| (s, placements.iter().filter(|p| p.status == s).count()))
            .collect();
        tracing::info!(
            kind = kind.as_str(),
            total = points.len(),
            load_ms,
            compute_ms,
            persist_ms,
            "placed"
        );
        kinds.push(KindReport {
            kind: kind.as_str(),
            total: points.len(),
            by_status,
            load_ms,
            compute_ms,
            persist_ms,
        });
    }
    Ok(AssignReport { kinds })
}

/// Re-places only the entities whose point lies in `bbox` (a changed
/// polygon's old and new bbox, joined), plus the resources hanging on them.
pub async fn reassign_bbox(
    store: &Store,
    index: &CellIndex,
    bbox: [f64; 4],
    options: &AssignOptions,
) -> Result<usize, AssignError> {
    let locate = LocateOptions {
        snap_distance_m: options.snap_distance_m,
    };
    let inside = |p: &wangge_store::EntityPoint| match (p.lon, p.lat) {
        (Some(x), Some(y)) => x >= bbox[0] && x <= bbox[2] && y >= bbox[1] && y <= bbox[3],
        _ => false,
    };
    let mut changed = 0;
    for kind in KINDS {
        let points = store.entity_points(kind).await?;
        // Place all (cheap, in memory) so via_parent chains stay right, but write only the touched ones.
        let placements = place_points(index, &points, &locate, options.threads);
        let touched: std::collections::HashSet<i64> =
            points.iter().filter(|p| inside(p)).map(|p| p.id).collect();
        let subset: Vec<_> = placements
            .into_iter()
            .zip(&points)
            .filter(|(_, p)| {
                touched.contains(&p.id) || p.parent_id.is_some_and(|id| touched.contains(&id))
            })
            .map(|(placement, _)| placement)
            .collect();
        changed += subset.len();
        store.upsert_placements(kind, &subset).await?;
    }
    Ok(changed)
}
