//! H3 hexagon heat map of customers: all of them (density) or the unplaced
//! ones that have a location (in a gap or outside every cell), counted per
//! hexagon on the server with h3o and sent as GeoJSON.
//!
//! Reading every customer and hexing it takes seconds at the full scale, so
//! the answers are cached per (data state, res, kind), the data state being
//! the grids, customers and placements revisions of the server's snapshot
//! (raised by the database's triggers: [`crate::fresh`]), so an import or a
//! placement run by the CLI or another server shows once the snapshot
//! moves, with no counter to forget to bump and no scan to check it.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use h3o::{CellIndex, LatLng, Resolution};
use serde_json::{json, Value};
use wangge_model::PlacementStatus;
use wangge_store::EntityKind;

use crate::params::{self, Params};
use crate::{ApiError, AppState};

/// Coarsest and finest resolution served: res 4 hexagons are ~1,770 km²,
/// res 9 ~0.1 km² (finer would send one hexagon per customer).
const MIN_RES: u8 = 4;
const MAX_RES: u8 = 9;
const DEFAULT_RES: u8 = 7;
/// Rows per store page when reading the unplaced customers.
const PAGE_ROWS: i64 = 10_000;
/// Answers kept at most: every resolution of both kinds.
const CACHED_MAPS: usize = 2 * (MAX_RES - MIN_RES + 1) as usize;

/// What an answer depends on: the data (grids, customers and placements
/// revisions) and the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct HexKey {
    data: [i64; 3],
    res: u8,
    kind: HexKind,
}

/// Serialized answers by [`HexKey`].
#[derive(Default)]
pub struct HexCache {
    entries: Mutex<Vec<(HexKey, Bytes)>>,
}

impl HexCache {
    fn get(&self, key: &HexKey) -> Option<Bytes> {
        let entries = self.entries.lock().ok()?;
        entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, b)| b.clone())
    }

    fn put(&self, key: HexKey, body: Bytes) {
        if let Ok(mut entries) = self.entries.lock() {
            // Answers for other data are dead; a bounded number of the rest.
            entries.retain(|(k, _)| k.data == key.data);
            entries.retain(|(k, _)| k != &key);
            if entries.len() >= CACHED_MAPS {
                entries.remove(0);
            }
            entries.push((key, body));
        }
    }
}

/// What the hexagons count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HexKind {
    Customers,
    Unplaced,
}

impl HexKind {
    fn parse(text: &str) -> Result<HexKind, ApiError> {
        match text {
            "customers" => Ok(HexKind::Customers),
            "unplaced" => Ok(HexKind::Unplaced),
            other => Err(ApiError::bad_request(format!(
                "parameter kind={other}: expected customers or unplaced"
            ))),
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            HexKind::Customers => "customers",
            HexKind::Unplaced => "unplaced",
        }
    }
}

/// Counts per hexagon plus the points that could not be put on one.
#[derive(Debug, Default)]
struct HexCounts {
    by_cell: HashMap<CellIndex, u64>,
    skipped: u64,
}

impl HexCounts {
    fn add(&mut self, lon: Option<f64>, lat: Option<f64>, res: Resolution) {
        let cell = match (lon, lat) {
            (Some(lon), Some(lat)) if lon.abs() <= 180.0 && lat.abs() <= 90.0 => {
                LatLng::new(lat, lon).ok().map(|ll| ll.to_cell(res))
            }
            _ => None,
        };
        match cell {
            Some(cell) => *self.by_cell.entry(cell).or_default() += 1,
            None => self.skipped += 1,
        }
    }

    fn counted(&self) -> u64 {
        self.by_cell.values().sum()
    }
}

/// `GET /api/v1/h3?res=7&kind=customers|unplaced`
pub async fn hexagons(
    State(state): State<AppState>,
    Query(q): Query<Params>,
) -> Result<Response, ApiError> {
    let res_no = params::optional::<u8>(&q, "res")?.unwrap_or(DEFAULT_RES);
    if !(MIN_RES..=MAX_RES).contains(&res_no) {
        return Err(ApiError::bad_request(format!(
            "parameter res={res_no}: expected {MIN_RES} to {MAX_RES}"
        )));
    }
    let res = Resolution::try_from(res_no)
        .map_err(|e| ApiError::bad_request(format!("parameter res={res_no}: {e}")))?;
    let kind = HexKind::parse(
        params::optional::<String>(&q, "kind")?
            .as_deref()
            .unwrap_or("customers"),
    )?;
    // Read before the data: a write in between makes the key older than
    // the answer, never newer (the next snapshot computes again).
    let r = state.snapshot().await.revisions;
    let key = HexKey {
        data: [r.grids, r.customers, r.placements],
        res: res_no,
        kind,
    };
    let body = if let Some(body) = state.h3_cache().get(&key) {
        body
    } else {
        let body = Bytes::from(compute(&state, kind, res, res_no).await?.to_string());
        state.h3_cache().put(key, body.clone());
        body
    };
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

async fn compute(
    state: &AppState,
    kind: HexKind,
    res: Resolution,
    res_no: u8,
) -> Result<Value, ApiError> {
    let mut counts = HexCounts::default();
    match kind {
        HexKind::Customers => {
            for p in state.store().entity_points(EntityKind::Customer).await? {
                counts.add(p.lon, p.lat, res);
            }
        }
        HexKind::Unplaced => {
            // Unplaced with a location: the statuses that keep coordinates.
            for status in [PlacementStatus::InGap, PlacementStatus::Outside] {
                let mut offset = 0;
                loop {
                    let page = state
                        .store()
                        .entities_with_status(EntityKind::Customer, status, offset, PAGE_ROWS)
                        .await?;
                    let n = i64::try_from(page.items.len()).unwrap_or(i64::MAX);
                    for e in &page.items {
                        counts.add(e.lon, e.lat, res);
                    }
                    offset += n;
                    if n < PAGE_ROWS || offset >= page.total {
                        break;
                    }
                }
            }
        }
    }
    Ok(to_geojson(&counts, kind, res_no))
}

fn to_geojson(counts: &HexCounts, kind: HexKind, res: u8) -> Value {
    let mut cells: Vec<(&CellIndex, &u64)> = counts.by_cell.iter().collect();
    // Stable output: the largest counts first, then by index.
    cells.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let max = cells.first().map_or(0, |c| *c.1);
    let features: Vec<Value> = cells
        .into_iter()
        .map(|(cell, count)| {
            let mut ring: Vec<[f64; 2]> =
                cell.boundary().iter().map(|v| [v.lng(), v.lat()]).collect();
            if let Some(first) = ring.first().copied() {
                ring.push(first);
            }
            json!({
                "type": "Feature",
                "properties": { "h3": cell.to_string(), "count": count },
                "geometry": { "type": "Polygon", "coordinates": [ring] },
            })
        })
        .collect();
    json!({
        "type": "FeatureCollection",
        "kind": kind.as_str(),
        "res": res,
        "points": counts.counted(),
        "skipped": counts.skipped,
        "max_count": max,
        "features": features,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_fall_in_one_hexagon_and_bad_ones_are_skipped() {
        let res = Resolution::try_from(7).unwrap();
        let mut c = HexCounts::default();
        c.add(Some(110.8), Some(32.6), res);
        c.add(Some(110.8001), Some(32.6001), res);
        c.add(None, Some(32.6), res);
        c.add(Some(f64::NAN), Some(32.6), res);
        c.add(Some(500.0), Some(32.6), res);
        assert_eq!((c.counted(), c.skipped, c.by_cell.len()), (2, 3, 1));
        let fc = to_geojson(&c, HexKind::Customers, 7);
        let ring = &fc["features"][0]["geometry"]["coordinates"][0];
        assert_eq!(ring.as_array().unwrap().len(), 7, "six corners, closed");
        assert_eq!(ring[0], ring[6]);
        assert_eq!(fc["features"][0]["properties"]["count"], 2);
    }

    #[test]
    fn answers_are_kept_per_data_state_res_and_kind() {
        let cache = HexCache::default();
        let data = [1, 3, 100];
        let key = HexKey {
            data,
            res: 7,
            kind: HexKind::Customers,
        };
        assert!(cache.get(&key).is_none());
        cache.put(key, Bytes::from_static(b"a"));
        cache.put(
            HexKey {
                kind: HexKind::Unplaced,
                ..key
            },
            Bytes::from_static(b"u"),
        );
        assert_eq!(cache.get(&key).as_deref(), Some(&b"a"[..]));
        assert!(cache.get(&HexKey { res: 8, ..key }).is_none());
        // Another data state: a miss, and what was kept for the old one goes.
        let newer = HexKey {
            data: [1, 3, 101],
            ..key
        };
        assert!(cache.get(&newer).is_none());
        assert!(cache
            .get(&HexKey {
                data: [2, 3, 100],
                ..key
            })
            .is_none());
        cache.put(newer, Bytes::from_static(b"b"));
        assert!(cache.get(&key).is_none());
        assert_eq!(cache.entries.lock().unwrap().len(), 1);
        // Bounded.
        for res in MIN_RES..=MAX_RES {
            for kind in [HexKind::Customers, HexKind::Unplaced] {
                cache.put(HexKey { res, kind, ..newer }, Bytes::from_static(b"x"));
            }
        }
        assert_eq!(cache.entries.lock().unwrap().len(), CACHED_MAPS);
    }

    #[test]
    fn kind_names_are_checked() {
        assert_eq!(HexKind::parse("unplaced").unwrap(), HexKind::Unplaced);
        assert!(HexKind::parse("buildings").is_err());
    }
}
