//! The whole run: load points, place them, persist, report.

use std::collections::HashSet;
use std::time::Instant;

use serde::Serialize;
use wangge_model::{LevelNo, PlacementStatus};
use wangge_spatial::bbox::grown_by_m;
use wangge_spatial::index::{CellIndex, GridRef, LocateOptions};
use wangge_store::{BBox, EntityKind, EntityPoint, Store};

use crate::{load_index_around, place_points, place_with_addresses, AddressHook, AssignError};

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

/// Places again the entities an edit of `area` (a changed polygon's old
/// and new box, joined) may have moved: those whose point lies in it (grown
/// by the snap distance, for the suggestions), found through their
/// placements, and the resources linked to them through the resources
/// they hang on (up and down the chains). The index and the reads cover the
/// area only (grown to a chain's points when it reaches beyond), so the
/// cost follows the edit, not the territory.
/// How many entities were written.
pub async fn reassign_area(
    store: &Store,
    area: BBox,
    options: &AssignOptions,
) -> Result<usize, AssignError> {
    let locate = LocateOptions {
        snap_distance_m: options.snap_distance_m,
    };
    let area = grown_by_m(area, options.snap_distance_m.max(0.0));
    // A cell holding a point of the area meets it; a suggested one lies
    // within the snap distance of it.
    let index =
        load_index_around(store, grown_by_m(area, options.snap_distance_m.max(0.0))).await?;
    let ids_of =
        |refs: Vec<GridRef>| -> Vec<i64> { refs.into_iter().map(|r| index.grid(r).id).collect() };
    let cell_ids = ids_of(index.cells_in_bbox(area));
    let l3_ids = ids_of(index.grids_in_bbox(area, LevelNo::OUTLET_AREA));
    let inside = |p: &EntityPoint| match (p.lon, p.lat) {
        (Some(x), Some(y)) => x >= area[0] && x <= area[2] && y >= area[1] && y <= area[3],
        _ => false,
    };
    let mut changed = 0;
    for kind in KINDS {
        let near = store
            .entities_placed_near(kind, &cell_ids, &l3_ids, area)
            .await?;
        let mut points: Vec<EntityPoint> = store
            .entity_points_by_id(kind, &near)
            .await?
            .into_iter()
            .filter(inside)
            .collect();
        let mut wider = None;
        if kind == EntityKind::Resource {
            chains(store, &mut points).await?;
            // A chain may reach beyond the area: the index must then hold
            // every point of it, so each is located as the whole index would.
            let reach = points
                .iter()
                .filter_map(|p| match (p.lon, p.lat) {
                    (Some(x), Some(y)) if x.abs() <= 180.0 && y.abs() <= 90.0 => Some([x, y, x, y]),
                    _ => None,
                })
                .fold(area, wangge_model::bbox::union);
            if reach[0] < area[0] || reach[1] < area[1] || reach[2] > area[2] || reach[3] > area[3]
            {
                let grown = grown_by_m(reach, 2.0 * options.snap_distance_m.max(0.0));
                wider = Some(load_index_around(store, grown).await?);
            }
        }
        let index = wider.as_ref().unwrap_or(&index);
        let placements = place_points(index, &points, &locate, options.threads);
        changed += placements.len();
        store.upsert_placements(kind, &placements).await?;
    }
    Ok(changed)
}

/// Adds to `points` what placing resources through the ones they hang on
/// needs (`via_parent` follows a chain up to 16 links, through resources
/// that have coordinates but are in no cell): every resource hanging on
/// one of them, down the chains, and every resource they hang on, up.
async fn chains(store: &Store, points: &mut Vec<EntityPoint>) -> Result<(), AssignError> {
    let mut known: HashSet<i64> = points.iter().map(|p| p.id).collect();
    let mut below: Vec<i64> = known.iter().copied().collect();
    for _ in 0..16 {
        if below.is_empty() {
            break;
        }
        let children = store.resources_hanging_on(&below).await?;
        let fresh: Vec<i64> = children
            .into_iter()
            .filter(|id| known.insert(*id))
            .collect();
        let hanging = store
            .entity_points_by_id(EntityKind::Resource, &fresh)
            .await?;
        below = hanging.iter().map(|p| p.id).collect();
        points.extend(hanging);
    }
    for _ in 0..16 {
        let mut above: Vec<i64> = points
            .iter()
            .filter_map(|p| p.parent_id)
            .filter(|id| !known.contains(id))
            .collect();
        above.sort_unstable();
        above.dedup();
        if above.is_empty() {
            break;
        }
        known.extend(above.iter().copied());
        points.extend(
            store
                .entity_points_by_id(EntityKind::Resource, &above)
                .await?,
        );
    }
    points.sort_unstable_by_key(|p| p.id);
    Ok(())
}
