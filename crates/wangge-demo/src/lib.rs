//! The demo territory: Shiyan (十堰) as its telecom branch gridded it in 2011,
//! rebuilt from the real county boundaries and the real names of its towns,
//! villages and communities.
//!
//! It reproduces the field figures of DOMAIN.md exactly: 14 departments
//! (level 1), 249 branches (level 2), 3–6 outlet areas per branch (level 3) and
//! 7,183 network cells (level 4) — villages 1,951, industry 742, SMEs and
//! clusters 1,861, non-cluster 190, communities 2,058, vacant land 381, all 20
//! types present. Every level is the Voronoi partition of its parent, so
//! children tile their parent with shared edges. Outlets (营业厅) support about
//! one level-3 grid each, with a few grids left without one; one demo user per
//! role gets a random password.
//!
//! In the cells lie customers (120,000 by default, 1,206,974 at the field's
//! scale), network resources (cabinets with their boxes, OLTs and splitters,
//! port groups, base stations), buildings and business opportunities,
//! distributed like a real city and with about 2.7 % of customers lacking a
//! usable location, so placement lands near the field's 97.27 %. Addresses
//! use the real division names and roads of [`DemoTerritory::roads`], written
//! as clerks write them ([`address`]).
//!
//! [`generate`] is pure and deterministic (same seed, same bytes); [`seed`]
//! stores the result.
//!
//! ```
//! # fn main() -> Result<(), wangge_demo::DemoError> {
//! use wangge_demo::{generate, DemoConfig};
//! let demo = generate(&DemoConfig { customers: 1_000, ..DemoConfig::default() })?;
//! assert_eq!(demo.grids.iter().filter(|g| g.level.is_cell()).count(), 7_183);
//! let first = &demo.grids[0];
//! assert_eq!((first.code.as_str(), first.name.as_str()), ("SY-DJK01", "丹江口市城区经营部"));
//! assert!(demo.grids.iter().any(|g| g.name == "北京路网点区域"));
//! assert_eq!(demo.customers.len(), 1_000);
//! assert!(demo.resources.iter().any(|r| r.parent.is_some() && r.lon.is_none()));
//! # Ok(()) }
//! ```

pub mod address;
pub mod apportion;
mod build;
mod buildings;
pub mod copies;
mod customers;
mod division;
mod entities;
mod error;
mod names;
pub mod new_estate;
mod outlets;
mod outside;
mod people;
mod pip;
mod plan;
pub mod profile;
mod resources;
pub mod rng;
mod roads;
mod sample;
mod sampler;
pub mod seeding;
mod standard;
mod users;

use std::time::Instant;

use wangge_model::{CellTypeCatalog, GridCode, Territory};
use wangge_store::{
    NewBuilding, NewCustomer, NewGrid, NewOpportunity, NewOutlet, NewResource, Store,
};

pub use build::{geojson_text, TERRITORY_CODE};
pub use entities::{Intended, Intent};
pub use error::DemoError;
pub use outlets::GRIDS_WITHOUT_OUTLET;
pub use roads::DemoRoad;
pub use seeding::{demo_state, mark_complete, seed_plan, DemoState, SeedPlan, Unfinished};
pub use users::DemoUser;

/// The field's count of customer products in Shiyan (DOMAIN.md).
pub const SHIYAN_CUSTOMERS: usize = 1_206_974;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoConfig {
    /// Seed of every random choice (seed points, split villages; the
    /// passwords of [`generate`], not those [`seed`] stores).
    pub seed: u64,
    /// Customer products to generate; [`SHIYAN_CUSTOMERS`] is the field's scale.
    pub customers: usize,
}

impl Default for DemoConfig {
    fn default() -> Self {
        // The year of the field report.
        DemoConfig {
            seed: 2011,
            customers: 120_000,
        }
    }
}

/// The generated demo, ready to store.
#[derive(Debug, Clone)]
pub struct DemoTerritory {
    pub territory: Territory,
    /// Levels 1 to 4 in order, each level by code.
    pub grids: Vec<NewGrid>,
    pub outlets: Vec<NewOutlet>,
    pub users: Vec<DemoUser>,
    /// Customer products, by cell; codes `SYKH…` (own) and `SYTW…` (他网).
    pub customers: Vec<NewCustomer>,
    /// Network resources; a parent is always listed before its children.
    pub resources: Vec<NewResource>,
    pub buildings: Vec<NewBuilding>,
    /// Opportunities refer to buildings and customers above by code.
    pub opportunities: Vec<NewOpportunity>,
    /// The roads every road address refers to, by town.
    pub roads: Vec<DemoRoad>,
    /// What the generator meant each customer and resource to get.
    pub intended: Intended,
}

/// The roads of the demo (the standard address base is built from them).
pub fn demo_roads(demo: &DemoTerritory) -> &[DemoRoad] {
    &demo.roads
}

/// What [`seed`] did.
#[derive(Debug, Clone)]
pub struct DemoReport {
    pub grids_per_level: [usize; 4],
    pub outlets: usize,
    /// With their plain passwords (random unless the plan names a seed),
    /// for the CLI to print once.
    pub users: Vec<DemoUser>,
    pub customers: usize,
    pub resources: usize,
    pub buildings: usize,
    pub opportunities: usize,
    /// Generating everything (`generate_grids_ms` + `generate_entities_ms`).
    pub generate_ms: u128,
    /// Storing everything (`store_grids_ms` + `store_entities_ms`).
    pub store_ms: u128,
    /// Grids, outlets and users.
    pub generate_grids_ms: u128,
    /// Customers, resources, buildings, opportunities and roads.
    pub generate_entities_ms: u128,
    /// Territory, grids, outlets and users (with their password hashes).
    pub store_grids_ms: u128,
    pub store_entities_ms: u128,
}

/// Generates the demo territory. Pure and deterministic: the same seed gives
/// the same grids and entities, byte for byte.
pub fn generate(config: &DemoConfig) -> Result<DemoTerritory, DemoError> {
    Ok(generate_timed(config)?.0)
}

/// [`generate`], with the milliseconds spent on the grids and on the entities.
pub(crate) fn generate_timed(
    config: &DemoConfig,
) -> Result<(DemoTerritory, u128, u128), DemoError> {
    let started = Instant::now();
    let divisions = division::Divisions::shiyan()?;
    let catalog = CellTypeCatalog::default();
    let plan = plan::plan(&divisions, &catalog, config.seed)?;
    let built = build::build(&divisions, &plan, config.seed)?;
    let outlets = outlets::outlets(&built.sites, config.seed);
    let users = users::demo_users(&built.sites, &catalog, config.seed);
    let mut grids = Vec::with_capacity(built.levels.iter().map(Vec::len).sum());
    for mut level in built.levels {
        level.sort_by(|a, b| a.code.cmp(&b.code));
        grids.extend(level);
    }
    let mut cells = built.cells;
    cells.sort_by(|a, b| a.code.cmp(&b.code));
    let estate = new_estate::carve(&mut cells, &mut grids);
    let grids_ms = started.elapsed().as_millis();

    let started = Instant::now();
    let mut populated = entities::populate(
        &divisions,
        &plan.towns,
        &built.sites,
        &cells,
        &built.departments,
        &grids,
        config.customers,
        config.seed,
    )?;
    if let Some(estate) = &estate {
        let cell_l3 = |c: u32| grids[c as usize].parent.clone();
        new_estate::move_residents(
            estate,
            &mut populated.customers,
            &mut populated.intended.customers,
            &cell_l3,
            config.seed,
        );
    }
    populated.intended.new_estate = estate;
    let entities_ms = started.elapsed().as_millis();
    let demo = DemoTerritory {
        territory: Territory {
            code: GridCode::try_from(TERRITORY_CODE.to_owned())?,
            name: "十堰市分公司".to_owned(),
        },
        grids,
        outlets,
        users,
        customers: populated.customers,
        resources: populated.resources,
        buildings: populated.buildings,
        opportunities: populated.opportunities,
        roads: populated.roads,
        intended: populated.intended,
    };
    Ok((demo, grids_ms, entities_ms))
}

/// [`generate`] laid out `copies` times side by side (see [`copies`]): the
/// grids copy after copy (each copy in level order), and so the entities;
/// `config.customers` is per copy. `copies = 1` is [`generate`].
///
/// ```
/// # fn main() -> Result<(), wangge_demo::DemoError> {
/// use wangge_demo::{generate_copies, DemoConfig};
/// let demo = generate_copies(&DemoConfig { customers: 100, ..DemoConfig::default() }, 2)?;
/// assert_eq!(demo.grids.iter().filter(|g| g.level.is_cell()).count(), 2 * 7_183);
/// assert_eq!(demo.customers.len(), 200);
/// assert!(demo.grids.iter().any(|g| g.code.as_str() == "C02-SY-DJK01"));
/// # Ok(()) }
/// ```
pub fn generate_copies(config: &DemoConfig, copies: usize) -> Result<DemoTerritory, DemoError> {
    copies::check_count(copies)?;
    let base = generate(config)?;
    let layout = copies::layout(&base.grids, copies)?;
    if copies == 1 {
        return Ok(base);
    }
    let mut out = DemoTerritory {
        territory: base.territory.clone(),
        grids: Vec::with_capacity(base.grids.len() * copies),
        outlets: Vec::new(),
        users: Vec::new(),
        customers: Vec::with_capacity(base.customers.len() * copies),
        resources: Vec::new(),
        buildings: Vec::new(),
        opportunities: Vec::new(),
        roads: Vec::new(),
        intended: Intended {
            new_estate: base.intended.new_estate.clone(),
            ..Intended::default()
        },
    };
    for copy in &layout {
        let grids_before = out.grids.len();
        out.grids.extend(copy.grids(&base.grids)?);
        out.outlets.extend(copy.outlets(&base.outlets)?);
        out.users.extend(copy.users(&base.users, config.seed)?);
        out.customers.extend(copy.customers(&base.customers));
        out.resources.extend(copy.resources(&base.resources));
        out.buildings.extend(copy.buildings(&base.buildings));
        out.opportunities
            .extend(copy.opportunities(&base.opportunities));
        out.roads.extend(copy.roads(&base.roads));
        let intended = copy.intended(&base.intended, grids_before)?;
        out.intended.customers.extend(intended.customers);
        out.intended.resources.extend(intended.resources);
        out.intended.blind_spots.extend(intended.blind_spots);
        out.intended.busy_cells.extend(intended.busy_cells);
    }
    Ok(out)
}

/// Generates the demo and stores it (see [`seeding`]): territory, grids,
/// outlets, customers, resources, buildings and opportunities, then the
/// users with argon2 hashes of random passwords. Placing them, then
/// [`mark_complete`], is the caller's; until then the demo is unfinished.
pub async fn seed(store: &Store, config: &DemoConfig) -> Result<DemoReport, DemoError> {
    seed_copies(store, config, 1).await
}

/// [`seed`] of `copies` copies side by side (see [`copies`]);
/// `config.customers` is per copy. The grids and outlets of all copies are
/// stored first, then the entities copy by copy, so that at most one
/// copy's entities are held beside the demo's.
pub async fn seed_copies(
    store: &Store,
    config: &DemoConfig,
    copies: usize,
) -> Result<DemoReport, DemoError> {
    seed_plan(
        store,
        &SeedPlan {
            config: config.clone(),
            copies,
            password_seed: None,
        },
    )
    .await
}
