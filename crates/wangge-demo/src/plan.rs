//! The demo's structure before any geometry: which cells exist (type, name,
//! town, village), how they group into level-3 grids, branches and
//! departments. Exact by construction: the counts come from the field figures
//! through exact apportionment.

use rand::seq::SliceRandom;
use wangge_model::{CellTypeCatalog, CellTypeCode};

use crate::apportion::{dhondt, largest_remainder, with_minimum};
use crate::division::{Divisions, VillageKind};
use crate::names::{
    chinese_number, county_short, town_display, town_stem, village_stem, NameBook, Place, Tier,
};
use crate::profile::{
    profile, town_boost, CountyPlan, Placement, TownClass, CATEGORY_CELLS, CITY_DISTRICTS,
    COMMUNITY_WEIGHTS, COUNTY_PLANS,
};
use crate::rng::rng_for;
use crate::DemoError;

/// A town with what the demo derives from it.
#[derive(Debug, Clone)]
pub struct TownInfo {
    pub code: String,
    pub county_code: String,
    pub class: TownClass,
    pub tier: Tier,
    /// `五堰街道`, `白浪街道`, `郧西工业园区`.
    pub display: String,
    /// `五堰`, `城关`.
    pub stem: String,
}

/// One network cell to be: its type, name and where it belongs.
#[derive(Debug, Clone)]
pub struct PlannedCell {
    pub type_code: CellTypeCode,
    /// 0 = the heart of a town; the largest ranks (vacant land) go to the edges.
    pub rank: u8,
    /// Index into [`Divisions::villages`] for village and community cells (and
    /// rural cells named after a village).
    pub village: Option<usize>,
    /// 0 for a whole village, 1, 2.. for the parts of a split one.
    pub part: u8,
    /// The first residential cell of a community, named after it.
    pub community_first: bool,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct PlannedL3 {
    pub name: String,
    pub cells: Vec<PlannedCell>,
}

#[derive(Debug, Clone)]
pub struct PlannedBranch {
    /// Index into [`Plan::towns`].
    pub town: usize,
    pub name: String,
    pub l3: Vec<PlannedL3>,
}

#[derive(Debug, Clone)]
pub struct PlannedDept {
    /// The department of the county seat (the first one).
    pub seat: bool,
    pub branches: Vec<PlannedBranch>,
}

#[derive(Debug, Clone)]
pub struct PlannedCounty {
    /// Index into [`Divisions::counties`].
    pub county: usize,
    pub plan: CountyPlan,
    pub depts: Vec<PlannedDept>,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub towns: Vec<TownInfo>,
    pub counties: Vec<PlannedCounty>,
}

/// Cells per level-3 grid the demo aims at; each branch gets 3 to 6 grids.
const CELLS_PER_L3: f64 = 7.0;

/// Builds the whole plan; deterministic in `seed`.
pub fn plan(div: &Divisions, catalog: &CellTypeCatalog, seed: u64) -> Result<Plan, DemoError> {
    let towns = town_infos(div);
    let quotas = type_quotas(catalog)?;
    let mut town_cells: Vec<Vec<PlannedCell>> = vec![Vec::new(); towns.len()];
    for (code, quota) in &quotas {
        allocate_type(div, &towns, *code, *quota, seed, &mut town_cells)?;
    }
    for cells in &mut town_cells {
        cells.sort_by_key(|c| (c.rank, c.village, c.part, !c.community_first));
    }
    let mut counties = Vec::new();
    for county_plan in COUNTY_PLANS {
        let county = div
            .counties
            .iter()
            .position(|c| c.code == county_plan.code)
            .ok_or_else(|| {
                DemoError::Plan(format!(
                    "county {} missing from the boundaries",
                    county_plan.code
                ))
            })?;
        let mut planned = structure(&towns, &mut town_cells, county, county_plan)?;
        name_county(div, &towns, &mut planned);
        counties.push(planned);
    }
    Ok(Plan { towns, counties })
}

fn town_infos(div: &Divisions) -> Vec<TownInfo> {
    div.towns
        .iter()
        .map(|t| {
            let county_name = div
                .counties
                .iter()
                .find(|c| c.code == t.county_code)
                .map_or("", |c| c.name.as_str());
            let class = TownClass::of(&t.county_code, &t.name);
            let display = town_display(&county_short(county_name), &t.name);
            TownInfo {
                code: t.code.clone(),
                county_code: t.county_code.clone(),
                class,
                tier: Tier::of(class, CITY_DISTRICTS.contains(&t.county_code.as_str())),
                stem: town_stem(&display),
                display,
            }
        })
        .collect()
}

/// Cells per type: each field category count shared among the catalog's types
/// of that category, by the profile shares.
pub fn type_quotas(catalog: &CellTypeCatalog) -> Result<Vec<(CellTypeCode, usize)>, DemoError> {
    let mut quotas = Vec::new();
    for (category, total) in CATEGORY_CELLS {
        let types: Vec<CellTypeCode> = catalog
            .types()
            .iter()
            .filter(|t| t.category == category)
            .map(|t| t.code)
            .collect();
        if types.is_empty() {
            return Err(DemoError::Plan(format!(
                "the cell type catalog has no type of category {category}"
            )));
        }
        let shares: Vec<f64> = types.iter().map(|c| profile(c.number()).share).collect();
        quotas.extend(types.into_iter().zip(largest_remainder(total, &shares)));
    }
    quotas.sort_by_key(|q| q.0);
    Ok(quotas)
}

fn new_cell(code: CellTypeCode, village: Option<usize>) -> PlannedCell {
    PlannedCell {
        type_code: code,
        rank: profile(code.number()).rank,
        village,
        part: 0,
        community_first: false,
        name: String::new(),
    }
}

fn town_index(towns: &[TownInfo], code: &str) -> Result<usize, DemoError> {
    towns
        .iter()
        .position(|t| t.code == code)
        .ok_or_else(|| DemoError::Plan(format!("village of unknown town {code}")))
}

fn allocate_type(
    div: &Divisions,
    towns: &[TownInfo],
    code: CellTypeCode,
    quota: usize,
    seed: u64,
    out: &mut [Vec<PlannedCell>],
) -> Result<(), DemoError> {
    match profile(code.number()).placement {
        Placement::Villages => {
            let villages: Vec<usize> = (0..div.villages.len())
                .filter(|&i| div.villages[i].kind == VillageKind::Village)
                .collect();
            let mut parts = vec![0_u8; div.villages.len()];
            let mut rng = rng_for(seed, &format!("villages/{code}"));
            if quota <= villages.len() {
                let mut chosen = villages.clone();
                chosen.shuffle(&mut rng);
                for &v in &chosen[..quota] {
                    parts[v] = 1;
                }
            } else {
                for &v in &villages {
                    parts[v] = 1;
                }
                // Big rural villages are split in two; not the city's suburbs.
                let mut eligible: Vec<usize> = villages
                    .iter()
                    .copied()
                    .filter(|&v| {
                        let town =
                            &towns[town_index(towns, &div.villages[v].town_code).unwrap_or(0)];
                        !town.class.is_urban()
                            && !CITY_DISTRICTS.contains(&town.county_code.as_str())
                    })
                    .collect();
                eligible.shuffle(&mut rng);
                if eligible.is_empty() {
                    eligible.clone_from(&villages);
                }
                for &v in eligible.iter().cycle().take(quota - villages.len()) {
                    parts[v] += 1;
                }
            }
            for (v, &n) in parts.iter().enumerate() {
                let town = town_index(towns, &div.villages[v].town_code)?;
                for part in 1..=n {
                    let mut cell = new_cell(code, Some(v));
                    cell.part = if n > 1 { part } else { 0 };
                    out[town].push(cell);
                }
            }
        }
        Placement::Communities { first } => {
            let communities: Vec<(usize, usize)> = div
                .villages
                .iter()
                .enumerate()
                .filter(|(_, v)| v.kind == VillageKind::Community)
                .map(|(i, v)| Ok((i, town_index(towns, &v.town_code)?)))
                .collect::<Result<_, DemoError>>()?;
            let weights: Vec<f64> = communities
                .iter()
                .map(|&(_, t)| COMMUNITY_WEIGHTS[towns[t].class.index()])
                .collect();
            let counts = if first {
                with_minimum(quota, &weights, 1)
            } else {
                largest_remainder(quota, &weights)
            };
            for (&(v, town), &n) in communities.iter().zip(&counts) {
                for k in 0..n {
                    let mut cell = new_cell(code, Some(v));
                    cell.community_first = first && k == 0;
                    out[town].push(cell);
                }
            }
        }
        Placement::Towns(class_weights) => {
            let weights: Vec<f64> = towns
                .iter()
                .map(|t| class_weights[t.class.index()] * town_boost(code.number(), &t.code))
                .collect();
            for (town, n) in largest_remainder(quota, &weights).into_iter().enumerate() {
                // Rural cells borrow the names of the town's villages ("X村农家乐").
                let villages: Vec<usize> = (0..div.villages.len())
                    .filter(|&i| {
                        div.villages[i].town_code == towns[town].code
                            && div.villages[i].kind == VillageKind::Village
                    })
                    .collect();
                let already = out[town].len();
                for k in 0..n {
                    let village =
                        (!villages.is_empty()).then(|| villages[(k + already) % villages.len()]);
                    let mut cell = new_cell(code, village);
                    // Only village-type cells count as the village itself.
                    cell.part = 0;
                    out[town].push(cell);
                }
            }
        }
    }
    Ok(())
}

/// Splits a sequence of `n` items into `k` contiguous chunks, sizes as equal as possible.
fn chunk_sizes(n: usize, k: usize) -> Vec<usize> {
    largest_remainder(n, &vec![1.0; k.max(1)])
}

fn split_off<T>(items: Vec<T>, sizes: &[usize]) -> Vec<Vec<T>> {
    let mut rest = items.into_iter();
    sizes
        .iter()
        .map(|&s| rest.by_ref().take(s).collect())
        .collect()
}

/// Whether a cell is a large piece of land (a village, vacant land) rather
/// than a small built-up one (a business, a compound).
pub fn is_large(cell: &PlannedCell) -> bool {
    matches!(
        profile(cell.type_code.number()).placement,
        Placement::Villages
    ) || cell.rank >= EDGE_RANK
}

/// Ranks from here on are the edges of town (vacant land).
const EDGE_RANK: u8 = 19;

/// Splits cells (sorted by rank) into `k` groups (a town's branches, a
/// branch's level-3 grids), the first nearest the town centre. In the country
/// the small cells all go to the first group (the 集镇) with a few villages;
/// in town they are dealt round the groups so each mixes businesses and
/// compounds. Villages and vacant land follow in runs, in town to the groups
/// with the fewest cells.
fn split_mixed(cells: Vec<PlannedCell>, k: usize, rural: bool) -> Vec<Vec<PlannedCell>> {
    let (large, small): (Vec<PlannedCell>, Vec<PlannedCell>) =
        cells.into_iter().partition(is_large);
    let mut grids: Vec<Vec<PlannedCell>> = vec![Vec::new(); k.max(1)];
    let mut large_sizes = chunk_sizes(large.len(), grids.len());
    if rural && grids.len() > 1 {
        // Twelve small cells weigh as much as a village in the balance.
        let small_weight = small.len().div_ceil(12);
        let first = large.len().saturating_sub(small_weight * (grids.len() - 1)) / grids.len();
        let first = first.min(large.len());
        large_sizes = std::iter::once(first)
            .chain(chunk_sizes(large.len() - first, grids.len() - 1))
            .collect();
        grids[0].extend(small);
    } else if rural {
        grids[0].extend(small);
    } else {
        for (i, cell) in small.into_iter().enumerate() {
            grids[i % k.max(1)].push(cell);
        }
    }
    // Runs of large cells: the biggest runs to the grids with the fewest cells,
    // outer grids first on ties.
    let mut order: Vec<usize> = (0..grids.len()).collect();
    if !rural {
        order.sort_by_key(|&g| (grids[g].len(), std::cmp::Reverse(g)));
        large_sizes.sort_by(|a, b| b.cmp(a));
    }
    for (&g, run) in order.iter().zip(split_off(large, &large_sizes)) {
        grids[g].extend(run);
    }
    grids.retain(|g| !g.is_empty());
    grids
}

fn structure(
    towns: &[TownInfo],
    town_cells: &mut [Vec<PlannedCell>],
    county: usize,
    county_plan: CountyPlan,
) -> Result<PlannedCounty, DemoError> {
    let mut own: Vec<usize> = (0..towns.len())
        .filter(|&t| towns[t].county_code == county_plan.code)
        .collect();
    own.sort_by_key(|&t| (towns[t].class, towns[t].code.clone()));
    if own.len() > county_plan.branches {
        return Err(DemoError::Plan(format!(
            "county {} has {} towns but only {} branches",
            county_plan.code,
            own.len(),
            county_plan.branches
        )));
    }
    let votes: Vec<f64> = own.iter().map(|&t| town_cells[t].len() as f64).collect();
    let branches = dhondt(vec![1; own.len()], &votes, county_plan.branches - own.len());

    // The seat's department takes the built-up towns, then rural ones until it
    // holds half the branches; the other department the rest.
    let mut dept_towns: Vec<Vec<usize>> = vec![Vec::new(); county_plan.departments];
    let half = county_plan.branches / 2;
    let mut seat_branches = 0;
    for (i, &t) in own.iter().enumerate() {
        let core = matches!(towns[t].class, TownClass::CityCore | TownClass::Seat);
        let seat_side = county_plan.departments == 1 || core || seat_branches < half;
        if seat_side {
            seat_branches += branches[i];
        }
        dept_towns[usize::from(!seat_side)].push(i);
    }
    if dept_towns.iter().any(Vec::is_empty) {
        return Err(DemoError::Plan(format!(
            "county {} left a department without towns",
            county_plan.code
        )));
    }

    let mut depts = Vec::new();
    for (d, members) in dept_towns.into_iter().enumerate() {
        let mut planned = Vec::new();
        for i in members {
            let t = own[i];
            let cells = std::mem::take(&mut town_cells[t]);
            let rural = towns[t].tier == Tier::Rural;
            for branch_cells in split_mixed(cells, branches[i], rural) {
                let n = branch_cells.len();
                let n3 = ((n as f64 / CELLS_PER_L3).round() as usize)
                    .clamp(3, 6)
                    .min(n)
                    .max(1);
                let l3 = split_mixed(branch_cells, n3, rural)
                    .into_iter()
                    .map(|cells| PlannedL3 {
                        name: String::new(),
                        cells,
                    })
                    .collect();
                planned.push(PlannedBranch {
                    town: t,
                    name: String::new(),
                    l3,
                });
            }
        }
        if planned.iter().any(|b| b.l3.is_empty()) {
            return Err(DemoError::Plan(format!(
                "county {} has a branch without cells",
                county_plan.code
            )));
        }
        depts.push(PlannedDept {
            seat: d == 0,
            branches: planned,
        });
    }
    let total: usize = depts.iter().map(|d| d.branches.len()).sum();
    if total != county_plan.branches {
        return Err(DemoError::Plan(format!(
            "county {} got {total} branches instead of {}",
            county_plan.code, county_plan.branches
        )));
    }
    Ok(PlannedCounty {
        county,
        plan: county_plan,
        depts,
    })
}

fn name_county(div: &Divisions, towns: &[TownInfo], county: &mut PlannedCounty) {
    let c = &div.counties[county.county];
    let mut book = NameBook::new(&c.code, &c.name);
    for v in &div.villages {
        if v.town_code.starts_with(&c.code) {
            book.unique(v.name.clone());
        }
    }
    let mut branches_of_town: std::collections::HashMap<usize, usize> =
        std::collections::HashMap::new();
    let mut centre_named: std::collections::HashSet<usize> = std::collections::HashSet::new();
    for dept in &mut county.depts {
        for branch in &mut dept.branches {
            let town = &towns[branch.town];
            let ordinal = branches_of_town.entry(branch.town).or_insert(0);
            *ordinal += 1;
            let mut town_centre_named = centre_named.contains(&branch.town);
            for l3 in &mut branch.l3 {
                // The grid first: the county's first roads name its first grids.
                l3.name = l3_name(div, town, &mut book, &l3.cells, &mut town_centre_named);
                for cell in &mut l3.cells {
                    cell.name = cell_name(div, town, &mut book, cell);
                }
            }
            if town_centre_named {
                centre_named.insert(branch.town);
            }
            // A further branch of a town is a 片区 named after a community or
            // village in it not yet used for a name, else after a road.
            let cells = || branch.l3.iter().flat_map(|l3| &l3.cells);
            let candidates: Vec<String> = cells()
                .filter(|c| c.community_first || c.type_code.number() == 20)
                .chain(cells().filter(|c| !c.community_first && c.type_code.number() != 20))
                .filter_map(|c| c.village)
                .map(|v| {
                    format!(
                        "{}{}片区",
                        town.display,
                        village_stem(&div.villages[v].name)
                    )
                })
                .collect();
            let name = match *ordinal {
                1 => format!("{}分局", town.display),
                _ => match candidates.into_iter().find(|n| book.is_free(n)) {
                    Some(name) => name,
                    None => format!("{}{}片区", town.display, book.road()),
                },
            };
            branch.name = book.unique(name);
        }
    }
}

fn cell_name(div: &Divisions, town: &TownInfo, book: &mut NameBook, cell: &PlannedCell) -> String {
    let village = cell.village.map(|v| div.villages[v].name.as_str());
    if cell.type_code.number() == 20 {
        if let Some(v) = village {
            return match cell.part {
                0 => v.to_owned(),
                p => format!("{v}{}片", chinese_number(usize::from(p))),
            };
        }
    }
    if cell.community_first {
        if let Some(v) = village {
            return v.to_owned();
        }
    }
    let place = Place {
        tier: town.tier,
        town_code: &town.code,
        town: &town.display,
        town_stem: &town.stem,
        village,
    };
    book.cell(cell.type_code.number(), &place)
}

/// A level-3 grid in town is named after a road; in the country after its
/// first village, and the first one without villages is the town centre (集镇).
fn l3_name(
    div: &Divisions,
    town: &TownInfo,
    book: &mut NameBook,
    cells: &[PlannedCell],
    centre_named: &mut bool,
) -> String {
    let name = if town.tier == Tier::Rural {
        let village = cells
            .iter()
            .find(|c| c.type_code.number() == 20)
            .or_else(|| {
                if *centre_named {
                    cells.iter().find(|c| c.village.is_some())
                } else {
                    None
                }
            })
            .and_then(|c| c.village);
        if let Some(v) = village {
            format!("{}网点区域", village_stem(&div.villages[v].name))
        } else {
            *centre_named = true;
            format!("{}集镇网点区域", town.stem)
        }
    } else {
        format!("{}网点区域", book.road())
    };
    book.unique(name)
}
