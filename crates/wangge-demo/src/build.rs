//! Geometry for the plan: each county's (resolved) boundary is cut into its
//! departments, each department into its branches, and so on down to the
//! cells, always as the Voronoi partition of the parent by seeds sampled
//! inside it. Seeds nearest the county seat (or the town centre) go to the
//! most urban children, so business cells sit in town and vacant land and
//! villages further out.

use geo::{Area, Contains, Coord, InteriorPoint, MultiPolygon, Point};
use rand_chacha::ChaCha8Rng;
use serde_json::json;
use wangge_model::{CellTypeCode, GridCode, LevelNo};
use wangge_spatial::area::geodesic_area_m2;
use wangge_spatial::bbox::bbox_of;
use wangge_spatial::partition::{resolve_self_intersections, voronoi_partition};
use wangge_store::NewGrid;

use crate::division::{County, Divisions};
use crate::names::Tier;
use crate::plan::{is_large, Plan, PlannedCounty, TownInfo};
use crate::rng::rng_for;
use crate::sample::{densify, distance_km, partition, sample_points, Density, SeedsAndPieces};
use crate::DemoError;

/// The territory's code, the first part of every grid code.
pub const TERRITORY_CODE: &str = "SY";

/// A level-3 grid with what outlets and users need to know about it.
#[derive(Debug, Clone)]
pub struct L3Site {
    pub code: GridCode,
    pub name: String,
    pub branch: GridCode,
    pub department: GridCode,
    pub county_name: String,
    pub town_display: String,
    pub town_stem: String,
    pub rural: bool,
    pub geometry: MultiPolygon<f64>,
    /// The seed of its most central cell: where its outlet would stand.
    pub anchor: Coord<f64>,
    pub cell_types: Vec<CellTypeCode>,
}

/// A network cell with what the entities placed in it need to know.
#[derive(Debug, Clone)]
pub struct CellSite {
    pub code: GridCode,
    pub name: String,
    pub type_code: CellTypeCode,
    /// Index into [`Divisions::counties`].
    pub county: usize,
    /// Index into [`Divisions::towns`] (and the plan's towns).
    pub town: usize,
    /// Index into [`Divisions::villages`] for village and community cells.
    pub village: Option<usize>,
    /// The level-3 grid it belongs to.
    pub l3: GridCode,
    /// The seed the cell was cut around (inside it, or very nearly).
    pub seed: Coord<f64>,
    pub geometry: MultiPolygon<f64>,
}

/// Every grid of the demo by level (index 0 = level 1), the level-3 sites,
/// the cells with their geometry and the departments' geometry.
#[derive(Debug, Default)]
pub struct Built {
    pub levels: [Vec<NewGrid>; 4],
    pub sites: Vec<L3Site>,
    pub cells: Vec<CellSite>,
    pub departments: Vec<MultiPolygon<f64>>,
}

/// Builds the geometry of the whole plan; counties are independent, so they
/// are built on two threads and merged in county order (deterministic).
pub fn build(div: &Divisions, plan: &Plan, seed: u64) -> Result<Built, DemoError> {
    let results: Vec<Result<Built, DemoError>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..2)
            .map(|w| {
                scope.spawn(move || {
                    plan.counties
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| i % 2 == w)
                        .map(|(i, pc)| (i, build_county(div, &plan.towns, pc, seed)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut all: Vec<(usize, Result<Built, DemoError>)> = workers
            .into_iter()
            .flat_map(|h| {
                h.join().unwrap_or_else(|_| {
                    vec![(
                        usize::MAX,
                        Err(DemoError::Plan("a build thread panicked".into())),
                    )]
                })
            })
            .collect();
        all.sort_by_key(|(i, _)| *i);
        all.into_iter().map(|(_, r)| r).collect()
    });
    let mut built = Built::default();
    for result in results {
        let part = result?;
        for (level, grids) in part.levels.into_iter().enumerate() {
            built.levels[level].extend(grids);
        }
        built.sites.extend(part.sites);
        built.cells.extend(part.cells);
        built.departments.extend(part.departments);
    }
    Ok(built)
}

fn code(text: String) -> Result<GridCode, DemoError> {
    Ok(GridCode::try_from(text)?)
}

/// GeoJSON geometry text: a Polygon when there is one part, else a MultiPolygon.
pub fn geojson_text(mp: &MultiPolygon<f64>) -> String {
    wangge_spatial::geojson::polygonal_value(mp).to_string()
}

struct GridSpec<'a> {
    code: &'a GridCode,
    name: &'a str,
    level: LevelNo,
    parent: Option<&'a GridCode>,
    cell_type: Option<CellTypeCode>,
    geometry: &'a MultiPolygon<f64>,
    properties: serde_json::Value,
}

fn new_grid(spec: &GridSpec<'_>) -> Result<NewGrid, DemoError> {
    let bbox = bbox_of(spec.geometry)
        .ok_or_else(|| DemoError::Plan(format!("{} has an empty geometry", spec.code)))?;
    Ok(NewGrid {
        code: spec.code.clone(),
        name: spec.name.to_owned(),
        level: spec.level,
        parent: spec.parent.cloned(),
        cell_type: spec.cell_type,
        geometry_geojson: geojson_text(spec.geometry),
        bbox,
        area_m2: geodesic_area_m2(spec.geometry),
        invalid_reason: None,
        properties_json: Some(spec.properties.to_string()),
        source: Some(format!("demo {} ({})", spec.code, spec.name)),
    })
}

/// The county seat inside the resolved boundary (the label point, or the
/// nearest of a few sampled points when the label falls outside).
fn seat_inside(boundary: &MultiPolygon<f64>, county: &County, rng: &mut ChaCha8Rng) -> Coord<f64> {
    if boundary.contains(&Point(county.seat)) {
        return county.seat;
    }
    let interior = boundary.interior_point().map_or(county.seat, |p| p.0);
    let everywhere = Density {
        focus: county.seat,
        scale_km: 1.0,
        floor: 1.0,
    };
    sample_points(boundary, 64, &everywhere, rng)
        .unwrap_or_default()
        .into_iter()
        .chain([interior])
        .min_by(|a, b| distance_km(*a, county.seat).total_cmp(&distance_km(*b, county.seat)))
        .unwrap_or(interior)
}

/// Where `p` lies seen from `from`: 东部, 南部, 西部 or 北部.
fn direction(from: Coord<f64>, p: Coord<f64>) -> &'static str {
    let (dx, dy) = (p.x - from.x, p.y - from.y);
    if dx.abs() >= dy.abs() {
        if dx >= 0.0 {
            "东部"
        } else {
            "西部"
        }
    } else if dy >= 0.0 {
        "北部"
    } else {
        "南部"
    }
}

/// Index of the nearest still-free seed to `to`, marking it taken.
fn take_nearest(
    seeds: &[Coord<f64>],
    free: &mut [bool],
    to: Coord<f64>,
) -> Result<usize, DemoError> {
    let best = (0..seeds.len())
        .filter(|&i| free[i])
        .min_by(|&a, &b| distance_km(seeds[a], to).total_cmp(&distance_km(seeds[b], to)))
        .ok_or_else(|| DemoError::Plan("more children than seeds".into()))?;
    free[best] = false;
    Ok(best)
}

/// Seed indices ordered by distance to `focus`, nearest first.
fn by_distance(seeds: &[Coord<f64>], focus: Coord<f64>) -> Vec<usize> {
    let mut order: Vec<usize> = (0..seeds.len()).collect();
    order.sort_by(|&a, &b| distance_km(seeds[a], focus).total_cmp(&distance_km(seeds[b], focus)));
    order
}

/// The departments of a county: one piece, or two cut by the bisector of the
/// seat and a second seed, chosen among sampled candidates so that the seat's
/// department gets about `seat_share` of the county's area.
fn departments(
    l1_key: &str,
    boundary: &MultiPolygon<f64>,
    seat: Coord<f64>,
    count: usize,
    seat_share: f64,
    rng: &mut ChaCha8Rng,
) -> Result<SeedsAndPieces, DemoError> {
    if count == 1 {
        return Ok((
            vec![seat],
            voronoi_partition(boundary, &[seat])
                .iter()
                .map(densify)
                .collect(),
        ));
    }
    let fail = |reason: &str| DemoError::Partition {
        code: l1_key.to_owned(),
        pieces: count,
        attempts: 1,
        reason: reason.to_owned(),
    };
    let everywhere = Density {
        focus: seat,
        scale_km: 1.0,
        floor: 1.0,
    };
    let candidates = sample_points(boundary, 24, &everywhere, rng)
        .ok_or_else(|| fail("no point could be sampled inside the county"))?;
    let mut best: Option<(f64, SeedsAndPieces)> = None;
    for far in candidates {
        let seeds = vec![seat, far];
        let pieces: Vec<MultiPolygon<f64>> = voronoi_partition(boundary, &seeds)
            .iter()
            .map(densify)
            .collect();
        if !pieces
            .iter()
            .all(|p| !p.0.is_empty() && geo::Validation::is_valid(p))
        {
            continue;
        }
        let (a0, a1) = (pieces[0].unsigned_area(), pieces[1].unsigned_area());
        let miss = (a0 / (a0 + a1) - seat_share).abs();
        if best.as_ref().is_none_or(|(m, _)| miss < *m) {
            best = Some((miss, (seeds, pieces)));
        }
    }
    best.map(|(_, split)| split)
        .ok_or_else(|| fail("no valid split of the county into two"))
}

/// The seat department's share of the county area: built-up branches weigh
/// little, rural ones much (branches in town are small).
fn seat_share(towns: &[TownInfo], pc: &PlannedCounty) -> f64 {
    let weight = |d: &crate::plan::PlannedDept| -> f64 {
        d.branches
            .iter()
            .map(|b| {
                if towns[b.town].tier == Tier::Rural {
                    1.0
                } else {
                    0.05
                }
            })
            .sum()
    };
    let total: f64 = pc.depts.iter().map(weight).sum();
    pc.depts
        .first()
        .map_or(1.0, |d| weight(d) / total)
        .clamp(0.15, 0.85)
}

fn build_county(
    div: &Divisions,
    towns: &[TownInfo],
    pc: &PlannedCounty,
    seed: u64,
) -> Result<Built, DemoError> {
    let county = &div.counties[pc.county];
    let mut built = Built::default();
    let boundary = resolve_self_intersections(&county.boundary);
    let l1_key = format!("{TERRITORY_CODE}-{}", pc.plan.abbr);
    let mut rng = rng_for(seed, &l1_key);
    let seat = seat_inside(&boundary, county, &mut rng);
    let (dept_seeds, dept_pieces) = departments(
        &l1_key,
        &boundary,
        seat,
        pc.depts.len(),
        seat_share(towns, pc),
        &mut rng,
    )?;

    for (d, (dept, dept_geom)) in pc.depts.iter().zip(&dept_pieces).enumerate() {
        let l1 = code(format!("{l1_key}{:02}", d + 1))?;
        let name = match (pc.depts.len(), dept.seat) {
            (1, _) => format!("{}经营部", county.name),
            (_, true) => format!("{}城区经营部", county.name),
            (_, false) => format!("{}{}经营部", county.name, direction(seat, dept_seeds[d])),
        };
        built.levels[0].push(new_grid(&GridSpec {
            code: &l1,
            name: &name,
            level: LevelNo::DEPARTMENT,
            parent: None,
            cell_type: None,
            geometry: dept_geom,
            properties: json!({ "county_code": county.code, "county_name": county.name }),
        })?);
        built.departments.push(dept_geom.clone());

        let mut rng = rng_for(seed, l1.as_str());
        // As many seeds near the seat as there are built-up branches.
        let urban = dept
            .branches
            .iter()
            .filter(|b| towns[b.town].tier != Tier::Rural)
            .count();
        let scale_km = if crate::profile::CITY_DISTRICTS.contains(&county.code.as_str()) {
            4.0
        } else {
            2.5
        };
        let near_share = urban as f64 / dept.branches.len().max(1) as f64;
        let density = Density::calibrated(dept_geom, seat, scale_km, near_share, &mut rng);
        let (seeds, pieces) = partition(
            l1.as_str(),
            dept_geom,
            dept.branches.len(),
            &density,
            &mut rng,
        )?;
        // Built-up towns come first in the plan and take the seeds nearest the
        // seat; a town's further branches take the seeds nearest its first.
        let mut free = vec![true; seeds.len()];
        let mut assigned = Vec::with_capacity(seeds.len());
        for (b, branch) in dept.branches.iter().enumerate() {
            let first_of_town = b == 0 || dept.branches[b - 1].town != branch.town;
            let to = if first_of_town {
                seat
            } else {
                seeds[assigned[b - 1]]
            };
            assigned.push(take_nearest(&seeds, &mut free, to)?);
        }

        for (b, branch) in dept.branches.iter().enumerate() {
            let town = &towns[branch.town];
            let l2 = code(format!("{l1}-{:02}", b + 1))?;
            let l2_geom = &pieces[assigned[b]];
            let town_props = json!({ "county_code": county.code, "town_code": town.code, "town_name": town.display });
            built.levels[1].push(new_grid(&GridSpec {
                code: &l2,
                name: &branch.name,
                level: LevelNo::BRANCH,
                parent: Some(&l1),
                cell_type: None,
                geometry: l2_geom,
                properties: town_props.clone(),
            })?);
            let urban = town.tier != Tier::Rural;
            let focus = if urban { seat } else { seeds[assigned[b]] };
            let at = Where {
                county: pc.county,
                town: branch.town,
            };
            build_branch(
                div, county, town, at, branch, &l1, &l2, l2_geom, focus, seed, &mut built,
            )?;
        }
    }
    Ok(built)
}

/// Which county and town a branch lies in (indices into [`Divisions`]).
#[derive(Debug, Clone, Copy)]
struct Where {
    county: usize,
    town: usize,
}

#[allow(clippy::too_many_arguments)]
fn build_branch(
    div: &Divisions,
    county: &County,
    town: &TownInfo,
    at: Where,
    branch: &crate::plan::PlannedBranch,
    l1: &GridCode,
    l2: &GridCode,
    l2_geom: &MultiPolygon<f64>,
    focus: Coord<f64>,
    seed: u64,
    built: &mut Built,
) -> Result<(), DemoError> {
    let urban = town.tier != Tier::Rural;
    let mut rng = rng_for(seed, l2.as_str());
    let density = if urban {
        Density {
            focus,
            scale_km: 2.0,
            floor: 0.1,
        }
    } else {
        Density {
            focus,
            scale_km: 3.0,
            floor: 0.15,
        }
    };
    let (seeds, pieces) = partition(l2.as_str(), l2_geom, branch.l3.len(), &density, &mut rng)?;
    let order = by_distance(&seeds, focus);
    for (k, l3) in branch.l3.iter().enumerate() {
        let l3_code = code(format!("{l2}-{:03}", k + 1))?;
        let l3_geom = &pieces[order[k]];
        built.levels[2].push(new_grid(&GridSpec {
            code: &l3_code,
            name: &l3.name,
            level: LevelNo::OUTLET_AREA,
            parent: Some(l2),
            cell_type: None,
            geometry: l3_geom,
            properties: json!({ "county_code": county.code, "town_code": town.code, "town_name": town.display }),
        })?);

        let mut rng = rng_for(seed, l3_code.as_str());
        // Small cells (businesses, compounds) crowd towards the centre and
        // leave the rest of the grid to its villages and vacant land; a grid
        // of small cells only is cut evenly.
        let large = l3.cells.iter().filter(|c| is_large(c)).count();
        let cell_density = if large == 0 {
            Density {
                focus,
                scale_km: 1.0,
                floor: 0.5,
            }
        } else {
            let near_share = (l3.cells.len() - large) as f64 / l3.cells.len() as f64;
            let scale_km = if urban { 1.0 } else { 0.8 };
            Density::calibrated(l3_geom, focus, scale_km, near_share, &mut rng)
        };
        let (cell_seeds, cell_pieces) = partition(
            l3_code.as_str(),
            l3_geom,
            l3.cells.len(),
            &cell_density,
            &mut rng,
        )?;
        let cell_order = by_distance(&cell_seeds, focus);
        for (c, cell) in l3.cells.iter().enumerate() {
            let cell_code = code(format!("{l3_code}-{:04}", c + 1))?;
            let mut props = json!({ "county_code": county.code, "town_code": town.code });
            if let Some(v) = cell.village {
                props["village_code"] = json!(div.villages[v].code);
                props["village_name"] = json!(div.villages[v].official_name);
            }
            built.levels[3].push(new_grid(&GridSpec {
                code: &cell_code,
                name: &cell.name,
                level: LevelNo::CELL,
                parent: Some(&l3_code),
                cell_type: Some(cell.type_code),
                geometry: &cell_pieces[cell_order[c]],
                properties: props,
            })?);
            built.cells.push(CellSite {
                code: cell_code,
                name: cell.name.clone(),
                type_code: cell.type_code,
                county: at.county,
                town: at.town,
                village: cell.village,
                l3: l3_code.clone(),
                seed: cell_seeds[cell_order[c]],
                geometry: cell_pieces[cell_order[c]].clone(),
            });
        }
        built.sites.push(L3Site {
            code: l3_code.clone(),
            name: l3.name.clone(),
            branch: l2.clone(),
            department: l1.clone(),
            county_name: county.name.clone(),
            town_display: town.display.clone(),
            town_stem: town.stem.clone(),
            rural: !urban,
            geometry: l3_geom.clone(),
            anchor: cell_seeds[cell_order[0]],
            cell_types: l3.cells.iter().map(|c| c.type_code).collect(),
        });
    }
    Ok(())
}
