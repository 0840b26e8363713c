//! What lies in the demo's cells: customers, network resources, buildings and
//! business opportunities, generated from the cells' geometry, types and
//! division names. The shared context (cells ready for sampling, roads, the
//! address of a point) lives here; each kind has its own module.

use std::sync::atomic::{AtomicUsize, Ordering};

use geo::Coord;
use rand::Rng;
use wangge_model::PlacementStatus;
use wangge_store::{NewBuilding, NewCustomer, NewGrid, NewOpportunity, NewResource};

use crate::address::AddressParts;
use crate::build::{CellSite, L3Site};
use crate::division::Divisions;
use crate::names::{village_stem, Tier};
use crate::plan::TownInfo;
use crate::roads::{nearest_roads, roads_by_town, DemoRoad};
use crate::sampler::CellSampler;
use crate::DemoError;
use crate::{buildings, customers, resources};

/// What the generator meant for one entity: the placement status it should
/// get and its home cell — the cell its point lies in, the cell its address
/// describes when it has no usable point, its parent's cell when it is
/// placed through the parent. `cell` is an index into `DemoTerritory::grids`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Intent {
    pub status: PlacementStatus,
    pub cell: Option<u32>,
}

/// The generator's intentions, parallel to the entity lists, and the cells
/// made special on purpose (grid indices).
#[derive(Debug, Clone, Default)]
pub struct Intended {
    /// One per customer, in the order of `DemoTerritory::customers`.
    pub customers: Vec<Intent>,
    /// One per resource, in the order of `DemoTerritory::resources`.
    pub resources: Vec<Intent>,
    /// Populated cells left without any network resource (blind spots).
    pub blind_spots: Vec<u32>,
    /// Cells whose ports are more than 90 % in use.
    pub busy_cells: Vec<u32>,
    /// The new estate cut out of a vacant-land cell: a blind spot at level 4.
    pub new_estate: Option<crate::new_estate::Estate>,
}

/// The cells ready for entities: sorted by code like the grids, each with its
/// grid index, sampler and nearest roads.
pub struct Context<'a> {
    pub div: &'a Divisions,
    pub towns: &'a [TownInfo],
    pub cells: &'a [CellSite],
    /// Index of each cell in `DemoTerritory::grids`.
    pub grid_index: Vec<u32>,
    pub samplers: Vec<Option<CellSampler>>,
    pub roads: &'a [DemoRoad],
    /// Up to three roads of the cell's town nearest its seed.
    pub cell_roads: Vec<Vec<usize>>,
    pub seed: u64,
}

/// Roads considered for the address of a point in a cell.
const ROADS_PER_CELL: usize = 3;

impl<'a> Context<'a> {
    pub fn new(
        div: &'a Divisions,
        towns: &'a [TownInfo],
        cells: &'a [CellSite],
        grids: &[NewGrid],
        roads: &'a [DemoRoad],
        seed: u64,
    ) -> Result<Self, DemoError> {
        let first_cell = grids.partition_point(|g| !g.level.is_cell());
        let grid_cells = &grids[first_cell..];
        let mut grid_index = Vec::with_capacity(cells.len());
        for cell in cells {
            let i = grid_cells
                .binary_search_by(|g| g.code.cmp(&cell.code))
                .map_err(|_| {
                    DemoError::Plan(format!("cell {} is not among the grids", cell.code))
                })?;
            grid_index.push(
                u32::try_from(first_cell + i)
                    .map_err(|_| DemoError::Plan("more grids than a u32 counts".into()))?,
            );
        }
        let samplers = parallel_map(cells.len(), |i| CellSampler::new(&cells[i].geometry));
        let by_town = roads_by_town(roads, towns);
        let cell_roads = cells
            .iter()
            .map(|c| nearest_roads(roads, &by_town[c.town], c.seed, ROADS_PER_CELL))
            .collect();
        Ok(Context {
            div,
            towns,
            cells,
            grid_index,
            samplers,
            roads,
            cell_roads,
            seed,
        })
    }

    pub fn town(&self, cell: usize) -> &TownInfo {
        &self.towns[self.cells[cell].town]
    }

    /// Whether addresses in the cell are written by village and group (村/组)
    /// rather than by road.
    pub fn village_style(&self, cell: usize) -> bool {
        let c = &self.cells[cell];
        let t = c.type_code.number();
        c.village.is_some()
            && (t == 20
                || (self.town(cell).tier == Tier::Rural && !matches!(t, 15 | 16))
                || self.cell_roads[cell].is_empty())
    }

    /// The road nearest `p` among the cell's candidates, and the number there.
    pub fn road_number(&self, cell: usize, p: Coord<f64>) -> Option<(usize, u32)> {
        let road = self.cell_roads[cell].iter().copied().min_by(|a, b| {
            self.roads[*a]
                .distance_km(p)
                .total_cmp(&self.roads[*b].distance_km(p))
        })?;
        Some((road, self.roads[road].number_at([p.x, p.y])))
    }

    /// The address of a point in a cell: county, town, then village and
    /// group or road and number. Compound, building and room are the caller's.
    pub fn address_at(&self, cell: usize, p: Coord<f64>, rng: &mut impl Rng) -> AddressParts<'a> {
        let c = &self.cells[cell];
        let mut parts = AddressParts {
            county: &self.div.counties[c.county].name,
            town: &self.div.towns[c.town].name,
            ..AddressParts::default()
        };
        if self.village_style(cell) {
            parts.village = c.village.map(|v| self.div.villages[v].name.as_str());
            parts.group = Some(rng.gen_range(1..=12));
            parts.number = Some(rng.gen_range(1..=80));
        } else if let Some((road, number)) = self.road_number(cell, p) {
            parts.road = Some(&self.roads[road].name);
            parts.number = Some(number);
        } else {
            parts.village = c.village.map(|v| self.div.villages[v].name.as_str());
        }
        parts
    }

    /// The name a compound or institution goes by in addresses: the cell's
    /// name, `顾家岗小区` for a cell named after its community.
    pub fn compound_name(&self, cell: usize) -> String {
        let name = &self.cells[cell].name;
        if name.ends_with("社区") {
            format!("{}小区", village_stem(name))
        } else {
            name.clone()
        }
    }

    /// A short place name for shop names: the village's or road's stem, else the town's.
    pub fn place_stem(&self, cell: usize) -> String {
        let c = &self.cells[cell];
        match (c.village, self.cell_roads[cell].first()) {
            (Some(v), _) => village_stem(&self.div.villages[v].name),
            (None, Some(&r)) => self.roads[r]
                .name
                .trim_end_matches(['路', '街', '道'])
                .trim_end_matches('大')
                .to_owned(),
            (None, None) => self.town(cell).stem.clone(),
        }
    }
}

/// `f(0..n)` on all cores, results in index order (each item must be
/// deterministic on its own, e.g. by its own random stream).
pub fn parallel_map<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .clamp(1, 8);
    let next = AtomicUsize::new(0);
    let mut parts: Vec<(usize, T)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= n {
                            break done;
                        }
                        done.push((i, f(i)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    parts.sort_unstable_by_key(|(i, _)| *i);
    parts.into_iter().map(|(_, t)| t).collect()
}

/// A standard normal draw (Box-Muller).
pub fn normal(rng: &mut impl Rng) -> f64 {
    let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A log-normal draw with the given median and log-scale sigma.
pub fn log_normal(median: f64, sigma: f64, rng: &mut impl Rng) -> f64 {
    median * (sigma * normal(rng)).exp()
}

/// Picks an index by weights (which need not sum to 1).
pub fn pick(weights: &[f64], rng: &mut impl Rng) -> usize {
    let total: f64 = weights.iter().sum();
    let mut u = rng.gen::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if u < *w {
            return i;
        }
        u -= w;
    }
    weights.len().saturating_sub(1)
}

/// Money with two decimals.
pub fn yuan(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// Everything that lies in the cells, with the generator's intentions.
pub struct Populated {
    pub customers: Vec<NewCustomer>,
    pub resources: Vec<NewResource>,
    pub buildings: Vec<NewBuilding>,
    pub opportunities: Vec<NewOpportunity>,
    pub roads: Vec<DemoRoad>,
    pub intended: Intended,
}

/// Generates the entities of the demo over its cells (sorted by code, as the
/// grids are); deterministic in `seed`.
#[allow(clippy::too_many_arguments)]
pub fn populate(
    div: &Divisions,
    towns: &[TownInfo],
    sites: &[L3Site],
    cells: &[CellSite],
    departments: &[geo::MultiPolygon<f64>],
    grids: &[NewGrid],
    customers_wanted: usize,
    seed: u64,
) -> Result<Populated, DemoError> {
    let roads = crate::roads::roads(towns, sites, cells, seed);
    let ctx = Context::new(div, towns, cells, grids, &roads, seed)?;
    let outside_wanted = (customers_wanted as f64 * customers::OUTSIDE_SHARE).round() as usize;
    let outside = crate::outside::outside_points(departments, cells, outside_wanted, seed);
    let counts = customers::per_cell(&ctx, customers_wanted - outside.len());
    let mut outside_by_cell: Vec<Vec<Coord<f64>>> = vec![Vec::new(); cells.len()];
    for (p, cell) in outside {
        outside_by_cell[cell].push(p);
    }
    let mut drafted = customers::generate(&ctx, &counts, &outside_by_cell);
    customers::number(&mut drafted);
    let (customer_list, customer_intents): (Vec<NewCustomer>, Vec<Intent>) =
        drafted.into_iter().map(|d| (d.customer, d.intent)).unzip();
    let network = resources::generate(&ctx, sites, &counts);
    let building_list = buildings::buildings(&ctx);
    let opportunity_list = buildings::opportunities(&ctx, &building_list, &customer_list);
    let to_grid = |cells: &[usize]| cells.iter().map(|&c| ctx.grid_index[c]).collect();
    let intended = Intended {
        customers: customer_intents,
        resources: network.intents,
        blind_spots: to_grid(&network.blind_spots),
        busy_cells: to_grid(&network.busy),
        new_estate: None,
    };
    drop(ctx);
    Ok(Populated {
        customers: customer_list,
        resources: network.resources,
        buildings: building_list,
        opportunities: opportunity_list,
        roads,
        intended,
    })
}
