use geo::InteriorPoint;
use std::collections::{HashMap, HashSet};
use wangge_spatial::index::{CellIndex, IndexedGrid};

use wangge_geocode::{NamedPlace, NamedPlaces};
use wangge_model::{GridCode, LevelNo};
use wangge_store::{BBox, GridFilter, GridRecord, Store};

use crate::AssignError;

pub use wangge_spatial::geojson::parse_multipolygon;

/// Loads every grid of the store into a fresh index.
pub async fn load_index(store: &Store) -> Result<CellIndex, AssignError> {
    let grids = store.grids(&GridFilter::default()).await?;
    if grids.is_empty() {
        return Err(AssignError::NoGrid);
    }
    index_of(&grids)
}

/// An index of the grids whose box meets `area`, with their ancestors:
/// it locates every point of `area` exactly as the index of the whole
/// territory does (the cells and grids holding a point all meet its box,
/// and they keep their relative order, which breaks ties), for the cost
/// of the area. Suggestions reach only the cells meeting `area`: grow it
/// by the snap distance first. An area with no grid gives an empty index.
pub async fn load_index_around(store: &Store, area: BBox) -> Result<CellIndex, AssignError> {
    let mut grids = store
        .grids(&GridFilter {
            bbox: Some(area),
            ..GridFilter::default()
        })
        .await?;
    // Ancestors whose own box misses the area (invalid data) come too, or
    // the hierarchy would break.
    let mut known: HashSet<GridCode> = grids.iter().map(|g| g.code.clone()).collect();
    let orphans: Vec<GridCode> = grids
        .iter()
        .filter(|g| g.parent.as_ref().is_some_and(|p| !known.contains(p)))
        .map(|g| g.code.clone())
        .collect();
    for code in orphans {
        for ancestor in store.ancestors(&code).await? {
            if known.insert(ancestor.code.clone()) {
                grids.push(ancestor);
            }
        }
    }
    grids.sort_by(|a, b| (a.level, &a.code).cmp(&(b.level, &b.code)));
    index_of(&grids)
}

/// The index of these grids (ordered by level, then code); none: an
/// index in which every point is outside.
fn index_of(grids: &[GridRecord]) -> Result<CellIndex, AssignError> {
    let ids: HashMap<&str, i64> = grids.iter().map(|g| (g.code.as_str(), g.id)).collect();
    let indexed = grids
        .iter()
        .map(|g| {
            let geometry = parse_multipolygon(&g.geometry_geojson).map_err(|reason| {
                AssignError::Geometry {
                    code: g.code.to_string(),
                    reason,
                }
            })?;
            Ok(IndexedGrid {
                id: g.id,
                code: g.code.clone(),
                level: g.level,
                parent_id: g.parent.as_ref().and_then(|p| ids.get(p.as_str()).copied()),
                geometry,
            })
        })
        .collect::<Result<Vec<_>, AssignError>>()?;
    Ok(CellIndex::build(indexed)?)
}

/// [`load_index`] and [`load_named_cells`] from one read of the grids (the
/// bulk geocoder wants both; `None` for the index when there is no grid).
pub async fn load_index_and_cell_names(
    store: &Store,
) -> Result<(Option<CellIndex>, NamedPlaces), AssignError> {
    let grids = store.grids(&GridFilter::default()).await?;
    if grids.is_empty() {
        return Ok((None, NamedPlaces::default()));
    }
    Ok((Some(index_of(&grids)?), named_cells(&grids)))
}

/// The cells' names, each with a point inside the cell, for the geocoder
/// ([`wangge_geocode::Geocoder::geocode_in`]): an address naming a cell
/// is placed in it.
pub async fn load_named_cells(store: &Store) -> Result<NamedPlaces, AssignError> {
    let cells = store
        .grids(&GridFilter {
            level: Some(LevelNo::CELL),
            ..GridFilter::default()
        })
        .await?;
    Ok(named_cells(&cells))
}

/// [`load_named_cells`] of grids already read (other levels are skipped).
pub fn named_cells(grids: &[GridRecord]) -> NamedPlaces {
    let places = grids
        .iter()
        .filter(|g| g.level == LevelNo::CELL)
        .map(|g| {
            // The interior point lies inside even a concave cell; a broken
            // geometry falls back to its box's centre.
            let point = parse_multipolygon(&g.geometry_geojson)
                .ok()
                .and_then(|m| m.interior_point())
                .map(|p| (p.x(), p.y()));
            let [x0, y0, x1, y1] = g.bbox;
            let (lon, lat) = point.unwrap_or((f64::midpoint(x0, x1), f64::midpoint(y0, y1)));
            NamedPlace {
                code: g.code.to_string(),
                name: g.name.clone(),
                lon,
                lat,
            }
        })
        .collect();
    NamedPlaces::new(places)
}
