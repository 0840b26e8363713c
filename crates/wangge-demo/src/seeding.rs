//! Storing the demo so that a kill at any moment is finished or refused,
//! never served half-made.
//!
//! A province-scale demo (`--copies 10`: 12 M customers) is too large for
//! one transaction, so the store keeps the seeding's plan and progress
//! (`demo_seed`, one row) instead: the row is written before the first data,
//! raised after each stage — territory, grids and outlets; the entities of
//! each copy; the users — and marked complete by the caller after placing
//! ([`mark_complete`]). Every stage is idempotent (grids and entities are
//! upserted by code, outlets replaced, users created or given a new
//! password), so [`seed_plan`] on an unfinished seeding with the same plan
//! redoes the stage that was cut and goes on from there.
//!
//! Passwords are random unless the plan names a seed (tests), and are known
//! only to this run: the users stage sets them on every run, last, so a
//! resumed seeding prints passwords that work.

use std::time::Instant;

use wangge_model::Territory;
use wangge_store::{DemoSeedPlan, DemoSeedRecord, NewUser, Store};

use crate::copies::{self, TerritoryCopy};
use crate::users::{self, DemoUser};
use crate::{
    generate_timed, standard, DemoConfig, DemoError, DemoReport, DemoRoad, DemoTerritory,
    NewBuilding, NewCustomer, NewOpportunity, NewResource,
};

/// What to seed: the demo, how many copies, and where passwords come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedPlan {
    pub config: DemoConfig,
    pub copies: usize,
    /// `None` (the default): random passwords, different on every install.
    /// A seed makes them reproducible, for tests only.
    pub password_seed: Option<u64>,
}

impl SeedPlan {
    /// One copy of `config` with random passwords.
    pub fn new(config: DemoConfig) -> Self {
        SeedPlan {
            config,
            copies: 1,
            password_seed: None,
        }
    }

    /// The `wangge` subcommand and options that seed (or finish) this plan.
    pub fn command(&self) -> String {
        let password_seed = self
            .password_seed
            .map(|seed| format!(" --password-seed {seed}"))
            .unwrap_or_default();
        format!(
            "demo --seed {} --customers {} --copies {}{password_seed}",
            self.config.seed, self.config.customers, self.copies
        )
    }

    fn stored(&self) -> Result<DemoSeedPlan, DemoError> {
        let too_large = |what: &str| DemoError::Plan(format!("{what} is too large to store"));
        Ok(DemoSeedPlan {
            seed: self.config.seed,
            customers_per_copy: u64::try_from(self.config.customers)
                .map_err(|_| too_large("the customer count"))?,
            copies: u32::try_from(self.copies).map_err(|_| too_large("the copy count"))?,
            password_seed: self.password_seed,
        })
    }

    fn from_stored(plan: &DemoSeedPlan) -> Result<Self, DemoError> {
        let corrupt = |what: &str| DemoError::Plan(format!("the stored demo seeding's {what}"));
        Ok(SeedPlan {
            config: DemoConfig {
                seed: plan.seed,
                customers: usize::try_from(plan.customers_per_copy)
                    .map_err(|_| corrupt("customer count"))?,
            },
            copies: usize::try_from(plan.copies).map_err(|_| corrupt("copy count"))?,
            password_seed: plan.password_seed,
        })
    }
}

/// What a database holds, as far as the demo is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DemoState {
    /// No grid, no seeding started: the demo may be seeded.
    Empty,
    /// A seeding was started and not completed (killed, or failed).
    Unfinished(Unfinished),
    /// The demo was seeded completely.
    Complete(SeedPlan),
    /// Grids that no demo seeding wrote (imported data, or a demo seeded
    /// before seedings were recorded).
    OtherData,
}

/// A seeding that did not complete, and how far it got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unfinished {
    pub plan: SeedPlan,
    pub grids_stored: bool,
    pub copies_stored: usize,
}

impl Unfinished {
    /// "grids stored, entities of 1 of 2 copies stored" and the like.
    pub fn progress(&self) -> String {
        if !self.grids_stored {
            return "interrupted before its grids were stored".to_owned();
        }
        if self.copies_stored < self.plan.copies {
            return format!(
                "grids stored, entities of {} of {} copies stored",
                self.copies_stored, self.plan.copies
            );
        }
        "grids and entities stored, users or placement missing".to_owned()
    }
}

/// The demo state of `store`.
pub async fn demo_state(store: &Store) -> Result<DemoState, DemoError> {
    match store.demo_seed().await? {
        Some(DemoSeedRecord {
            plan,
            complete: true,
            ..
        }) => Ok(DemoState::Complete(SeedPlan::from_stored(&plan)?)),
        Some(record) => Ok(DemoState::Unfinished(Unfinished {
            plan: SeedPlan::from_stored(&record.plan)?,
            grids_stored: record.grids_stored,
            copies_stored: usize::try_from(record.copies_stored).unwrap_or(usize::MAX),
        })),
        None if store.is_empty().await? => Ok(DemoState::Empty),
        None => Ok(DemoState::OtherData),
    }
}

/// Seeds `plan` into an empty store, or finishes an unfinished seeding of
/// the same plan; anything else is refused ([`DemoError::Refused`]) with
/// nothing written. Everything but the placements is stored; the caller
/// places, then calls [`mark_complete`] and prints the report's passwords.
pub async fn seed_plan(store: &Store, plan: &SeedPlan) -> Result<DemoReport, DemoError> {
    copies::check_count(plan.copies)?;
    let (grids_done, copies_done) = match demo_state(store).await? {
        DemoState::Empty => {
            store.begin_demo_seed(&plan.stored()?).await?;
            tracing::info!(plan = %plan.command(), "demo seeding: started");
            (false, 0)
        }
        DemoState::Unfinished(unfinished) if unfinished.plan == *plan => {
            tracing::info!(plan = %plan.command(), progress = %unfinished.progress(), "demo seeding: resumed");
            (unfinished.grids_stored, unfinished.copies_stored)
        }
        DemoState::Unfinished(unfinished) => {
            return Err(DemoError::Refused(format!(
                "the database holds an unfinished demo seeding of other options ({}; {})",
                unfinished.plan.command(),
                unfinished.progress()
            )))
        }
        DemoState::Complete(_) => {
            return Err(DemoError::Refused(
                "the database already holds the complete demo".to_owned(),
            ))
        }
        DemoState::OtherData => {
            return Err(DemoError::Refused(
                "the database already holds a grid; the demo seeds only an empty database"
                    .to_owned(),
            ))
        }
    };
    let copies = plan.copies;
    let (demo, mut generate_grids_ms, mut generate_entities_ms) = generate_timed(&plan.config)?;
    let layout = copies::layout(&demo.grids, copies)?;

    let started = Instant::now();
    let mut grids = Vec::with_capacity(demo.grids.len() * copies);
    let mut outlets = Vec::with_capacity(demo.outlets.len() * copies);
    let mut users = Vec::with_capacity(demo.users.len() * copies);
    for copy in &layout {
        grids.extend(copy.grids(&demo.grids)?);
        outlets.extend(copy.outlets(&demo.outlets)?);
        users.extend(copy.users(&demo.users, plan.config.seed)?);
    }
    users::set_passwords(&mut users, plan.password_seed);
    generate_grids_ms += started.elapsed().as_millis();

    let started = Instant::now();
    if !grids_done {
        store.ensure_territory(&demo.territory).await?;
        store.import_grids(&demo.territory, &grids).await?;
        store.replace_outlets(&outlets).await?;
        store.demo_seed_grids_stored().await?;
        tracing::info!(grids = grids.len(), "demo seeding: grids stored");
    }
    let mut store_grids_ms = started.elapsed().as_millis();

    let mut store_entities_ms = 0;
    for (number, copy) in layout.iter().enumerate().skip(copies_done) {
        let started = Instant::now();
        let copied = (!copy.is_original()).then(|| CopiedEntities::new(copy, &demo));
        let entities = copied
            .as_ref()
            .map_or_else(|| EntitySlices::of(&demo), CopiedEntities::slices);
        generate_entities_ms += started.elapsed().as_millis();
        let started = Instant::now();
        entities.store(store, &demo.territory).await?;
        let stored = u32::try_from(number + 1).unwrap_or(u32::MAX);
        store.demo_seed_copies_stored(stored).await?;
        store_entities_ms += started.elapsed().as_millis();
        tracing::info!(
            copy = number + 1,
            copies,
            "demo seeding: entities of a copy stored"
        );
    }

    let started = Instant::now();
    store_users(store, &users).await?;
    store_grids_ms += started.elapsed().as_millis();
    tracing::info!(users = users.len(), "demo seeding: users stored");

    let mut grids_per_level = [0; 4];
    for grid in &grids {
        grids_per_level[usize::from(grid.level.get() - 1)] += 1;
    }
    Ok(DemoReport {
        grids_per_level,
        outlets: outlets.len(),
        users,
        customers: demo.customers.len() * copies,
        resources: demo.resources.len() * copies,
        buildings: demo.buildings.len() * copies,
        opportunities: demo.opportunities.len() * copies,
        generate_ms: generate_grids_ms + generate_entities_ms,
        store_ms: store_grids_ms + store_entities_ms,
        generate_grids_ms,
        generate_entities_ms,
        store_grids_ms,
        store_entities_ms,
    })
}

/// Marks the seeding complete (after the caller placed everything): from
/// now on the demo may be served.
pub async fn mark_complete(store: &Store) -> Result<(), DemoError> {
    store.demo_seed_complete().await?;
    tracing::info!("demo seeding: complete");
    Ok(())
}

/// Creates the demo users, or gives those a cut seeding created their new
/// password (its old one was never shown).
async fn store_users(store: &Store, users: &[DemoUser]) -> Result<(), DemoError> {
    for user in users {
        let password_hash = users::hash_password(&user.name, &user.password)?;
        if store.user_by_name(&user.name).await?.is_some() {
            store
                .set_user_password_hash(&user.name, &password_hash)
                .await?;
            continue;
        }
        store
            .insert_user(&NewUser {
                name: user.name.clone(),
                role: user.role,
                kind: user.kind,
                scopes: user.scopes.clone(),
                password_hash,
            })
            .await?;
    }
    Ok(())
}

/// One copy's entities as they are stored.
struct EntitySlices<'a> {
    customers: &'a [NewCustomer],
    resources: &'a [NewResource],
    buildings: &'a [NewBuilding],
    opportunities: &'a [NewOpportunity],
    roads: &'a [DemoRoad],
}

impl<'a> EntitySlices<'a> {
    fn of(demo: &'a DemoTerritory) -> Self {
        EntitySlices {
            customers: &demo.customers,
            resources: &demo.resources,
            buildings: &demo.buildings,
            opportunities: &demo.opportunities,
            roads: &demo.roads,
        }
    }

    /// Customers, resources, buildings, opportunities (they refer to the
    /// buildings and customers), then the standard addresses of the roads.
    async fn store(&self, store: &Store, territory: &Territory) -> Result<(), DemoError> {
        store.upsert_customers(territory, self.customers).await?;
        store.upsert_resources(territory, self.resources).await?;
        store.upsert_buildings(territory, self.buildings).await?;
        store
            .upsert_opportunities(territory, self.opportunities)
            .await?;
        store
            .upsert_standard_addresses(&standard::standard_addresses(self.roads))
            .await?;
        Ok(())
    }
}

/// The entities of a copy other than the first.
struct CopiedEntities {
    customers: Vec<NewCustomer>,
    resources: Vec<NewResource>,
    buildings: Vec<NewBuilding>,
    opportunities: Vec<NewOpportunity>,
    roads: Vec<DemoRoad>,
}

impl CopiedEntities {
    fn new(copy: &TerritoryCopy, demo: &DemoTerritory) -> Self {
        CopiedEntities {
            customers: copy.customers(&demo.customers),
            resources: copy.resources(&demo.resources),
            buildings: copy.buildings(&demo.buildings),
            opportunities: copy.opportunities(&demo.opportunities),
            roads: copy.roads(&demo.roads),
        }
    }

    fn slices(&self) -> EntitySlices<'_> {
        EntitySlices {
            customers: &self.customers,
            resources: &self.resources,
            buildings: &self.buildings,
            opportunities: &self.opportunities,
            roads: &self.roads,
        }
    }
}
