//! One real blind spot: a new estate (新建小区) built on vacant land after
//! the grid was drawn. Its ground is cut out of the vacant-land cell it was
//! built on and is not yet a cell of its own, so its residents' points lie
//! inside a level-3 grid but in no cell: the engine places them `in_gap`
//! and the coverage report shows one blind spot at level 4 — what operations
//! staff must find and cut a new cell for.

use geo::{Contains, Coord, LineString, MultiPolygon, Polygon};
use rand::seq::SliceRandom;
use rand::Rng;
use wangge_model::{GridCode, PlacementStatus};
use wangge_spatial::area::geodesic_area_m2;
use wangge_store::{NewCustomer, NewGrid};

use crate::build::{geojson_text, CellSite};
use crate::entities::Intent;
use crate::rng::rng_for;
use crate::sampler::round6;

/// The estate's side: about 100 m east–west and north–south at Shiyan's
/// latitude (32.6°N).
const SIDE_LON_DEG: f64 = 0.00107;
const SIDE_LAT_DEG: f64 = 0.0009;
/// Clear land kept between the estate and its cell's boundary.
const MARGIN_DEG: f64 = 0.0005;
/// The estate is placed in a level-3 grid at least this large, so it is a
/// small part of it (a new estate, not a new town).
const MIN_L3_AREA_M2: f64 = 20e6;
/// Share of customers who moved into the estate.
pub const RESIDENT_SHARE: f64 = 0.001;
/// The vacant-land type (空地).
const VACANT_TYPE: u8 = 17;

/// Where the estate was built.
#[derive(Debug, Clone)]
pub struct Estate {
    /// The vacant-land cell it was cut out of.
    pub cell: GridCode,
    pub l3: GridCode,
    pub ring: LineString<f64>,
}

fn square(center: Coord<f64>, half_lon: f64, half_lat: f64) -> Polygon<f64> {
    let (x0, x1) = (center.x - half_lon, center.x + half_lon);
    let (y0, y1) = (center.y - half_lat, center.y + half_lat);
    Polygon::new(
        LineString::from(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]),
        vec![],
    )
}

/// Cuts the estate out of the first vacant-land cell (by code) of a large
/// level-3 grid that has room for it around its seed, updating the cell site
/// and its grid row; `None` when no cell has room (a tiny territory).
pub fn carve(cells: &mut [CellSite], grids: &mut [NewGrid]) -> Option<Estate> {
    let mut order: Vec<usize> = (0..cells.len())
        .filter(|&i| cells[i].type_code.number() == VACANT_TYPE)
        .collect();
    order.sort_by(|&a, &b| cells[a].code.cmp(&cells[b].code));
    let l3_area = |code: &GridCode| {
        grids
            .iter()
            .find(|g| &g.code == code)
            .map_or(0.0, |g| g.area_m2)
    };
    for i in order {
        let site = &cells[i];
        if l3_area(&site.l3) < MIN_L3_AREA_M2 {
            continue;
        }
        let (half_lon, half_lat) = (SIDE_LON_DEG / 2.0, SIDE_LAT_DEG / 2.0);
        let room = square(site.seed, half_lon + MARGIN_DEG, half_lat + MARGIN_DEG);
        let Some(host) = site.geometry.0.iter().position(|p| p.contains(&room)) else {
            continue;
        };
        let hole = square(site.seed, half_lon, half_lat).exterior().clone();
        // A hole runs clockwise (the exterior runs anticlockwise).
        let mut clockwise = hole.clone();
        clockwise.0.reverse();
        let mut geometry: MultiPolygon<f64> = site.geometry.clone();
        geometry.0[host].interiors_push(clockwise);
        let grid = grids.iter_mut().find(|g| g.code == site.code)?;
        grid.geometry_geojson = geojson_text(&geometry);
        grid.area_m2 = geodesic_area_m2(&geometry);
        let estate = Estate {
            cell: site.code.clone(),
            l3: site.l3.clone(),
            ring: hole,
        };
        cells[i].geometry = geometry;
        return Some(estate);
    }
    None
}

/// Moves [`RESIDENT_SHARE`] of the customers into the estate: products
/// placed in cells of the estate's level-3 grid (their addresses stay in that
/// grid's town) get a point inside the estate and the intent `in_gap`; their
/// home cell stays the cell their address describes. `cell_l3[c]`: the
/// level-3 code of grid `c`, for cells.
pub fn move_residents(
    estate: &Estate,
    customers: &mut [NewCustomer],
    intents: &mut [Intent],
    cell_l3: &dyn Fn(u32) -> Option<GridCode>,
    seed: u64,
) -> usize {
    let wanted = (customers.len() as f64 * RESIDENT_SHARE).round() as usize;
    let mut candidates: Vec<usize> = (0..customers.len())
        .filter(|&i| intents[i].status == PlacementStatus::Assigned)
        .filter(|&i| intents[i].cell.and_then(cell_l3).as_ref() == Some(&estate.l3))
        .collect();
    let mut rng = rng_for(seed, &format!("estate/{}", estate.cell));
    candidates.shuffle(&mut rng);
    let ring = &estate.ring.0;
    let (x0, y0) = (ring[0].x, ring[0].y);
    let (x1, y1) = (ring[2].x, ring[2].y);
    let moved = wanted.min(candidates.len());
    for &i in &candidates[..moved] {
        // Inside, not on the edge: the estate's own ground.
        let x = round6(x0 + (x1 - x0) * rng.gen_range(0.05..0.95));
        let y = round6(y0 + (y1 - y0) * rng.gen_range(0.05..0.95));
        customers[i].lon = Some(x);
        customers[i].lat = Some(y);
        intents[i].status = PlacementStatus::InGap;
    }
    moved
}
