//! Round-trip properties of the store's chunked writers, beside the
//! conformance suite: random batches of customers, resources, buildings,
//! opportunities and placements, with every optional field empty at random
//! positions, are written with several statement sizes (1 row per statement
//! up to the writers' own sizes) and read back equal, on `SQLite` (memory
//! and file) and `PostgreSQL`.
//!
//! `PostgreSQL` prepares a statement once per connection with the parameter
//! types of its first execution; a writer that typed an empty value
//! differently from a present one failed as soon as a later chunk had a value
//! where the first had none ("incorrect binary data format in bind
//! parameter N", issue 11). Small statement sizes make every batch cross
//! many chunk boundaries; [`the_first_chunk_may_be_empty_where_later_ones_are_not`]
//! replays the reported case with the writers' real sizes.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use sqlx::any::AnyRow;
use sqlx::Row;
use wangge_model::{CustomerClass, LevelNo, PlacementStatus, ResourceKind};
use wangge_store::{
    EntityKind, GridFilter, NewBuilding, NewCustomer, NewOpportunity, NewResource, Placement,
    Store, StoreError,
};
use wangge_tests::{
    fresh_store, log_line, postgres_or_skip, sample_tree, test_territory, BackendKind,
};

/// Random batches per backend: enough to hit empty and present values at
/// every position across chunk boundaries, few enough to stay in seconds.
const CASES: u32 = 24;

/// Rows per statement the batches are written with (the writers' own cap
/// is 2,000 or 4,000 rows; `usize::MAX` keeps it).
const STATEMENT_ROWS: [usize; 6] = [1, 2, 3, 5, 8, usize::MAX];

#[test]
fn random_batches_round_trip_sqlite_memory() {
    round_trip_properties(BackendKind::SqliteMemory);
}

#[test]
fn random_batches_round_trip_sqlite_file() {
    round_trip_properties(BackendKind::SqliteFile);
}

#[test]
fn random_batches_round_trip_postgres() {
    if postgres_or_skip("postgres round trip").is_none() {
        return;
    }
    round_trip_properties(BackendKind::Postgres);
}

#[test]
fn the_first_chunk_may_be_empty_where_later_ones_are_not() {
    let mut kinds = vec![BackendKind::SqliteFile];
    if postgres_or_skip("postgres first-chunk case").is_some() {
        kinds.push(BackendKind::Postgres);
    }
    let rt = runtime();
    for kind in kinds {
        rt.block_on(async {
            let test_store = fresh_store(kind).await;
            let cells = Cells::import(&test_store.store).await;
            // 8,100 rows: customers fill four 2,000-row statements and the
            // placements two 4,000-row ones (the same SQL text each time, so
            // the same prepared statement). Coordinates and spend are empty
            // in the first customer chunk only, the suggestion distance in
            // the first placement chunk only.
            let n = 8_100;
            let batch = Batch {
                customers: (0..n)
                    .map(|i| {
                        let located = i >= 2_000;
                        customer(
                            i,
                            located.then_some(110.0 + i as f64 * 1e-4),
                            located.then_some(32.5),
                            located.then_some(100.0 + i as f64),
                        )
                    })
                    .collect(),
                resources: Vec::new(),
                buildings: Vec::new(),
                opportunities: Vec::new(),
                placements: (0..n)
                    .map(|i| PlacementSpec {
                        assigned: false,
                        distance_m: (i >= 4_000).then_some(12.5),
                        reason: Some(format!("near {i}")),
                    })
                    .collect(),
            };
            write_and_compare(&test_store.store, &cells, &batch)
                .await
                .unwrap_or_else(|e| panic!("{kind}: {e}"));
            log_line(&format!(
                "{kind} first-chunk case: {n} customers and placements round-trip"
            ));
            test_store.finish().await;
        });
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn round_trip_properties(kind: BackendKind) {
    let rt = runtime();
    let test_store = rt.block_on(fresh_store(kind));
    let cells = rt.block_on(Cells::import(&test_store.store));
    let mut runner = TestRunner::new(Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (proptest::sample::select(&STATEMENT_ROWS[..]), batch());
    let result = runner.run(&strategy, |(rows, batch)| {
        let store = test_store.store.clone().with_max_rows_per_statement(rows);
        rt.block_on(async {
            clear(&store).await;
            write_and_compare(&store, &cells, &batch).await
        })
        .map_err(|e| TestCaseError::fail(format!("{rows} rows per statement: {e}")))
    });
    rt.block_on(test_store.finish());
    if let Err(e) = result {
        panic!("{kind}: {e}");
    }
    log_line(&format!(
        "{kind} round trip: {CASES} random batches read back equal"
    ));
}

/// One random batch. Codes are unique by construction (`C0`, `C1`, ...);
/// references point at earlier rows of the same batch.
#[derive(Debug, Clone)]
struct Batch {
    customers: Vec<NewCustomer>,
    resources: Vec<NewResource>,
    buildings: Vec<NewBuilding>,
    opportunities: Vec<NewOpportunity>,
    /// One per customer at most (the first ones).
    placements: Vec<PlacementSpec>,
}

/// A customer placement: assigned to a cell (no suggestion) or outside with
/// a suggested cell and, maybe, its distance and a reason.
#[derive(Debug, Clone)]
struct PlacementSpec {
    assigned: bool,
    distance_m: Option<f64>,
    reason: Option<String>,
}

fn customer(i: usize, lon: Option<f64>, lat: Option<f64>, spend: Option<f64>) -> NewCustomer {
    NewCustomer {
        code: format!("C{i}"),
        name: format!("客户 {i}"),
        segment: None,
        product_type: None,
        address: None,
        lon,
        lat,
        monthly_spend_yuan: spend,
        staff_count: None,
        class: None,
        other_operator: false,
    }
}

fn text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of("\\PC{0,12}")
}

/// A coordinate: mostly finite (negative zero included), sometimes not a
/// number or infinite (stored as given, read back as given), or empty.
fn coordinate() -> impl Strategy<Value = Option<f64>> {
    proptest::option::of(prop_oneof![
        6 => -180.0..180.0f64,
        1 => Just(-0.0),
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
    ])
}

fn amount() -> impl Strategy<Value = Option<f64>> {
    proptest::option::of(prop_oneof![4 => 0.0..1e7f64, 1 => Just(-0.0), 1 => Just(12.0)])
}

fn count() -> impl Strategy<Value = Option<i64>> {
    proptest::option::of(0..10_000i64)
}

fn customers() -> impl Strategy<Value = Vec<NewCustomer>> {
    let row = (
        "\\PC{1,10}",
        (text(), text(), text()),
        (coordinate(), coordinate()),
        (amount(), count()),
        proptest::option::of(proptest::sample::select(vec![
            CustomerClass::A,
            CustomerClass::B,
            CustomerClass::C,
        ])),
        any::<bool>(),
    );
    proptest::collection::vec(row, 0..30).prop_map(|rows| {
        rows.into_iter()
            .enumerate()
            .map(
                |(
                    i,
                    (
                        name,
                        (segment, product_type, address),
                        (lon, lat),
                        (spend, staff),
                        class,
                        other,
                    ),
                )| {
                    NewCustomer {
                        code: format!("C{i}"),
                        name,
                        segment,
                        product_type,
                        address,
                        lon,
                        lat,
                        monthly_spend_yuan: spend,
                        staff_count: staff,
                        class,
                        other_operator: other,
                    }
                },
            )
            .collect()
    })
}

fn resources() -> impl Strategy<Value = Vec<NewResource>> {
    let row = (
        "\\PC{1,10}",
        proptest::sample::select(ResourceKind::ALL.to_vec()),
        (count(), count()),
        // A parent: some earlier row (the index is taken modulo the row's own).
        proptest::option::of(any::<usize>()),
        text(),
        (coordinate(), coordinate()),
    );
    proptest::collection::vec(row, 0..20).prop_map(|rows| {
        rows.into_iter()
            .enumerate()
            .map(
                |(i, (name, kind, (capacity, in_use), parent, address, (lon, lat)))| NewResource {
                    code: format!("R{i}"),
                    name,
                    kind,
                    capacity_ports: capacity,
                    ports_in_use: in_use,
                    parent: parent.filter(|_| i > 0).map(|p| format!("R{}", p % i)),
                    address,
                    lon,
                    lat,
                },
            )
            .collect()
    })
}

fn buildings() -> impl Strategy<Value = Vec<NewBuilding>> {
    let contacts = proptest::option::of(proptest::sample::select(vec![
        "[]".to_owned(),
        r#"[{"name":"张经理","role":"物业","phone":"138"}]"#.to_owned(),
    ]));
    let row = (
        "\\PC{1,10}",
        text(),
        (coordinate(), coordinate()),
        (text(), text()),
        contacts,
    );
    proptest::collection::vec(row, 0..15).prop_map(|rows| {
        rows.into_iter()
            .enumerate()
            .map(
                |(i, (name, address, (lon, lat), (developer, manager), contacts))| NewBuilding {
                    code: format!("B{i}"),
                    name,
                    address,
                    lon,
                    lat,
                    developer,
                    property_manager: manager,
                    contacts_json: contacts,
                },
            )
            .collect()
    })
}

fn batch() -> impl Strategy<Value = Batch> {
    let opportunity_rows = proptest::collection::vec(
        (
            "\\PC{1,10}",
            (
                proptest::option::of(any::<usize>()),
                proptest::option::of(any::<usize>()),
            ),
            text(),
            amount(),
            (coordinate(), coordinate()),
        ),
        0..15,
    );
    let placement_rows = proptest::collection::vec(
        (any::<bool>(), proptest::option::of(0.0..5_000.0f64), text()),
        0..30,
    );
    (
        customers(),
        resources(),
        buildings(),
        opportunity_rows,
        placement_rows,
    )
        .prop_map(
            |(customers, resources, buildings, opportunities, placements)| {
                let pick = |i: Option<usize>, prefix: &str, n: usize| {
                    i.filter(|_| n > 0).map(|i| format!("{prefix}{}", i % n))
                };
                let opportunities = opportunities
                    .into_iter()
                    .enumerate()
                    .map(
                        |(i, (title, (building, customer), stage, value, (lon, lat)))| {
                            NewOpportunity {
                                code: format!("O{i}"),
                                title,
                                building: pick(building, "B", buildings.len()),
                                customer: pick(customer, "C", customers.len()),
                                stage,
                                value_yuan: value,
                                lon,
                                lat,
                            }
                        },
                    )
                    .collect();
                let placements = placements
                    .into_iter()
                    .take(customers.len())
                    .map(|(assigned, distance_m, reason)| PlacementSpec {
                        assigned,
                        distance_m,
                        reason,
                    })
                    .collect();
                Batch {
                    customers,
                    resources,
                    buildings,
                    opportunities,
                    placements,
                }
            },
        )
}

/// The grid ids placements refer to: one cell with its level-3, 2 and 1
/// grids, and another cell to suggest.
#[derive(Debug, Clone, Copy)]
struct Cells {
    cell: i64,
    l3: i64,
    l2: i64,
    l1: i64,
    suggested: i64,
}

impl Cells {
    async fn import(store: &Store) -> Cells {
        store
            .import_grids(&test_territory(), &sample_tree())
            .await
            .unwrap();
        let grids = store.grids(&GridFilter::default()).await.unwrap();
        let id = |code: &str| grids.iter().find(|g| g.code.as_str() == code).unwrap().id;
        assert!(grids.iter().any(|g| g.level == LevelNo::CELL));
        Cells {
            cell: id("T-W-S-1"),
            l3: id("T-W-S"),
            l2: id("T-W"),
            l1: id("T"),
            suggested: id("T-W-S-2"),
        }
    }
}

async fn clear(store: &Store) {
    for table in [
        "placements",
        "opportunities",
        "buildings",
        "resources",
        "customers",
    ] {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(store.raw_pool())
            .await
            .unwrap();
    }
}

/// Writes the batch and compares every stored row with what went in.
async fn write_and_compare(store: &Store, cells: &Cells, batch: &Batch) -> Result<(), String> {
    let territory = test_territory();
    store
        .upsert_customers(&territory, &batch.customers)
        .await
        .map_err(fail("upsert_customers"))?;
    store
        .upsert_resources(&territory, &batch.resources)
        .await
        .map_err(fail("upsert_resources"))?;
    store
        .upsert_buildings(&territory, &batch.buildings)
        .await
        .map_err(fail("upsert_buildings"))?;
    store
        .upsert_opportunities(&territory, &batch.opportunities)
        .await
        .map_err(fail("upsert_opportunities"))?;

    let customer_ids = ids(store, "customers").await;
    let building_ids = ids(store, "buildings").await;
    let resource_ids = ids(store, "resources").await;
    let placements: Vec<Placement> = batch
        .placements
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let entity_id = customer_ids[&format!("C{i}")];
            if p.assigned {
                Placement {
                    entity_id,
                    status: PlacementStatus::Assigned,
                    cell_id: Some(cells.cell),
                    l3_id: Some(cells.l3),
                    l2_id: Some(cells.l2),
                    l1_id: Some(cells.l1),
                    suggestion_cell_id: None,
                    suggestion_distance_m: None,
                    reason: None,
                }
            } else {
                Placement {
                    entity_id,
                    status: PlacementStatus::Outside,
                    cell_id: None,
                    l3_id: None,
                    l2_id: None,
                    l1_id: None,
                    suggestion_cell_id: Some(cells.suggested),
                    suggestion_distance_m: p.distance_m,
                    reason: p.reason.clone(),
                }
            }
        })
        .collect();
    store
        .replace_placements(EntityKind::Customer, &placements)
        .await
        .map_err(fail("replace_placements"))?;

    // Customers: every column as stored, the coordinates as given.
    let rows = select(
        store,
        "SELECT code, name, segment, product_type, address, monthly_spend_yuan, staff_count, \
         class, other_operator FROM customers",
    )
    .await;
    same_len("customers", rows.len(), batch.customers.len())?;
    for row in &rows {
        let code: String = row.get("code");
        let c = &batch.customers[index(&code)];
        let stored = (
            row.get::<String, _>("name"),
            row.get::<Option<String>, _>("segment"),
            row.get::<Option<String>, _>("product_type"),
            row.get::<Option<String>, _>("address"),
            bits(row.get::<Option<f64>, _>("monthly_spend_yuan")),
            row.get::<Option<i64>, _>("staff_count"),
            row.get::<Option<String>, _>("class"),
            boolean(row, "other_operator"),
        );
        let given = (
            c.name.clone(),
            c.segment.clone(),
            c.product_type.clone(),
            c.address.clone(),
            bits(c.monthly_spend_yuan),
            c.staff_count,
            c.class.map(|k| format!("{k:?}")),
            c.other_operator,
        );
        equal(&code, &stored, &given)?;
    }
    let given = batch
        .customers
        .iter()
        .map(|c| (c.code.clone(), (c.lon, c.lat, None)));
    same_points(store, EntityKind::Customer, &customer_ids, given).await?;

    // Resources, with their parents as ids of the batch's rows.
    let rows = select(
        store,
        "SELECT code, name, kind, capacity_ports, ports_in_use, parent_id, address FROM resources",
    )
    .await;
    same_len("resources", rows.len(), batch.resources.len())?;
    for row in &rows {
        let code: String = row.get("code");
        let r = &batch.resources[index(&code)];
        let stored = (
            row.get::<String, _>("name"),
            row.get::<String, _>("kind"),
            row.get::<Option<i64>, _>("capacity_ports"),
            row.get::<Option<i64>, _>("ports_in_use"),
            row.get::<Option<i64>, _>("parent_id"),
            row.get::<Option<String>, _>("address"),
        );
        let given = (
            r.name.clone(),
            r.kind.as_str().to_owned(),
            r.capacity_ports,
            r.ports_in_use,
            r.parent.as_ref().map(|p| resource_ids[p]),
            r.address.clone(),
        );
        equal(&code, &stored, &given)?;
    }
    let given = batch.resources.iter().map(|r| {
        let parent = r.parent.as_ref().map(|p| resource_ids[p]);
        (r.code.clone(), (r.lon, r.lat, parent))
    });
    same_points(store, EntityKind::Resource, &resource_ids, given).await?;

    let rows = select(
        store,
        "SELECT code, name, address, developer, property_manager, contacts FROM buildings",
    )
    .await;
    same_len("buildings", rows.len(), batch.buildings.len())?;
    for row in &rows {
        let code: String = row.get("code");
        let b = &batch.buildings[index(&code)];
        let stored = (
            row.get::<String, _>("name"),
            row.get::<Option<String>, _>("address"),
            row.get::<Option<String>, _>("developer"),
            row.get::<Option<String>, _>("property_manager"),
            row.get::<Option<String>, _>("contacts"),
        );
        let given = (
            b.name.clone(),
            b.address.clone(),
            b.developer.clone(),
            b.property_manager.clone(),
            b.contacts_json.clone(),
        );
        equal(&code, &stored, &given)?;
    }
    let given = batch
        .buildings
        .iter()
        .map(|b| (b.code.clone(), (b.lon, b.lat, None)));
    same_points(store, EntityKind::Building, &building_ids, given).await?;

    let rows = select(
        store,
        "SELECT code, title, building_id, customer_id, stage, value_yuan FROM opportunities",
    )
    .await;
    same_len("opportunities", rows.len(), batch.opportunities.len())?;
    for row in &rows {
        let code: String = row.get("code");
        let o = &batch.opportunities[index(&code)];
        let stored = (
            row.get::<String, _>("title"),
            row.get::<Option<i64>, _>("building_id"),
            row.get::<Option<i64>, _>("customer_id"),
            row.get::<Option<String>, _>("stage"),
            bits(row.get::<Option<f64>, _>("value_yuan")),
        );
        let given = (
            o.title.clone(),
            o.building.as_ref().map(|b| building_ids[b]),
            o.customer.as_ref().map(|c| customer_ids[c]),
            o.stage.clone(),
            bits(o.value_yuan),
        );
        equal(&code, &stored, &given)?;
    }
    let opportunity_ids = ids(store, "opportunities").await;
    let given = batch
        .opportunities
        .iter()
        .map(|o| (o.code.clone(), (o.lon, o.lat, None)));
    same_points(store, EntityKind::Opportunity, &opportunity_ids, given).await?;

    let rows = select(
        store,
        "SELECT entity_id, status, cell_id, l3_id, l2_id, l1_id, suggestion_cell_id, \
         suggestion_distance_m, reason FROM placements WHERE entity_kind = 'customer'",
    )
    .await;
    same_len("placements", rows.len(), placements.len())?;
    let by_entity: HashMap<i64, &Placement> = placements.iter().map(|p| (p.entity_id, p)).collect();
    for row in &rows {
        let entity_id: i64 = row.get("entity_id");
        let p = by_entity[&entity_id];
        let stored = (
            row.get::<String, _>("status"),
            row.get::<Option<i64>, _>("cell_id"),
            (
                row.get::<Option<i64>, _>("l3_id"),
                row.get::<Option<i64>, _>("l2_id"),
                row.get::<Option<i64>, _>("l1_id"),
            ),
            row.get::<Option<i64>, _>("suggestion_cell_id"),
            bits(row.get::<Option<f64>, _>("suggestion_distance_m")),
            row.get::<Option<String>, _>("reason"),
        );
        let given = (
            p.status.as_str().to_owned(),
            p.cell_id,
            (p.l3_id, p.l2_id, p.l1_id),
            p.suggestion_cell_id,
            bits(p.suggestion_distance_m),
            p.reason.clone(),
        );
        equal(&format!("placement of {entity_id}"), &stored, &given)?;
    }
    Ok(())
}

/// A store error as the text of a failed case, naming the call.
fn fail(what: &'static str) -> impl Fn(StoreError) -> String {
    move |e| format!("{what}: {e}")
}

/// The row number in a code such as `C12`.
fn index(code: &str) -> usize {
    code[1..].parse().unwrap()
}

async fn select(store: &Store, sql: &str) -> Vec<AnyRow> {
    sqlx::query(sql)
        .fetch_all(store.raw_pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn ids(store: &Store, table: &str) -> HashMap<String, i64> {
    select(store, &format!("SELECT id, code FROM {table}"))
        .await
        .iter()
        .map(|row| (row.get("code"), row.get("id")))
        .collect()
}

/// A boolean column: INTEGER 0/1 on `SQLite`, BOOLEAN on `PostgreSQL`.
fn boolean(row: &AnyRow, column: &str) -> bool {
    row.try_get::<i64, _>(column)
        .map_or_else(|_| row.get::<bool, _>(column), |n| n != 0)
}

/// A float as its bits, so NaN equals NaN; `-0.0` is stored as `0.0`.
fn bits(value: Option<f64>) -> Option<u64> {
    value.map(|v| (v + 0.0).to_bits())
}

fn same_len(what: &str, stored: usize, given: usize) -> Result<(), String> {
    if stored == given {
        Ok(())
    } else {
        Err(format!("{stored} {what} stored, {given} written"))
    }
}

fn equal<T: PartialEq + std::fmt::Debug>(what: &str, stored: &T, given: &T) -> Result<(), String> {
    if stored == given {
        Ok(())
    } else {
        Err(format!(
            "{what}: stored {stored:?}\n  but written {given:?}"
        ))
    }
}

/// The coordinates (and resource parents) the assignment engine reads back
/// are the ones written, NaN and infinities included.
async fn same_points(
    store: &Store,
    kind: EntityKind,
    ids: &HashMap<String, i64>,
    given: impl Iterator<Item = (String, (Option<f64>, Option<f64>, Option<i64>))>,
) -> Result<(), String> {
    let points = store
        .entity_points(kind)
        .await
        .map_err(|e| format!("entity_points({kind}): {e}"))?;
    let stored: HashMap<i64, _> = points
        .iter()
        .map(|p| (p.id, (bits(p.lon), bits(p.lat), p.parent_id)))
        .collect();
    let mut n = 0;
    for (code, (lon, lat, parent)) in given {
        n += 1;
        let id = ids[&code];
        let want = (bits(lon), bits(lat), parent);
        equal(&format!("{kind} {code} point"), &stored[&id], &want)?;
    }
    same_len(&format!("{kind} points"), stored.len(), n)
}
