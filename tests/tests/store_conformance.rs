//! The store's conformance suite: ONE set of checks, run against `SQLite` in
//! memory, a `SQLite` file and - when `WANGGE_TEST_PG_URL` is set - `PostgreSQL`.
//! Every check gets a fresh database of its own; the checks of a backend run
//! concurrently, and each backend is one test, so failures are reported per
//! check and per backend.

// Test code: a failing unwrap is a failing check (clippy's allow-unwrap-in-tests
// only covers #[test] functions, not the checks they run).
#![allow(clippy::unwrap_used)]

use std::future::Future;
use std::pin::Pin;

use sqlx::Row;
use wangge_model::{
    Category, CellTypeCatalog, CellTypeCode, GridCode, LevelNo, ManagerKind, Role, Territory,
};
use wangge_store::{Backend, GridFilter, NewGrid, NewOutlet, NewUser, Stats, Store, StoreError};
use wangge_tests::{
    box_grid, fresh_store, log_line, postgres_or_skip, sample_tree, test_territory, BackendKind,
};

/// What a check gets: a store on a fresh database and how it was opened.
#[derive(Clone)]
struct Ctx {
    store: Store,
    url: String,
    kind: BackendKind,
}

type CheckFuture = Pin<Box<dyn Future<Output = ()> + Send>>;
type Check = fn(Ctx) -> CheckFuture;

macro_rules! checks {
    ($($name:ident),* $(,)?) => {
        fn checks() -> Vec<(&'static str, Check)> {
            vec![$((stringify!($name), (|ctx| Box::pin($name(ctx))) as Check)),*]
        }
    };
}

checks![
    migrations_are_idempotent,
    default_cell_types_are_present_and_editable,
    empty_store_and_territory,
    imports_a_three_level_batch,
    hierarchy_rules_name_the_grid,
    database_itself_rejects_hierarchy_violations,
    failing_batch_leaves_the_database_unchanged,
    existing_codes_are_updated,
    filters_narrow_the_list,
    ancestors_and_child_counts,
    outlets_support_level3_grids,
    users_never_show_their_hash,
    stats_count_levels_types_and_categories,
    geometry_round_trips_byte_exact,
    concurrent_writers_both_land,
    // ---- claims (issue 6): see the block at the end of the file.
    claim_rules_default_from_domain_and_editable,
    claim_rule_defaults_are_seeded_from_the_csv_where_missing,
    the_database_allows_one_open_claim_per_cell,
    claim_workflow_records_every_step,
    a_batch_is_all_or_nothing,
    sessions_expire_and_are_revoked,
    ownership_gaps_for_coverage,
    portfolio_counts_customers_by_value_tier,
    // ---- geocoding (issue 5)
    unlocated_addresses_are_those_without_coordinates,
    // ---- revisions and bulk writes (issues 11 and 12)
    a_transaction_raises_a_revision_once_on_postgres,
    the_grid_change_log_is_pruned_below_a_floor,
    a_customer_import_is_checked_whole_then_committed_in_chunks,
    standard_addresses_and_villages_keep_the_last_row_of_a_code,
];

#[tokio::test]
async fn conformance_sqlite_memory() {
    run_all(BackendKind::SqliteMemory).await;
}

#[tokio::test]
async fn conformance_sqlite_file() {
    run_all(BackendKind::SqliteFile).await;
}

#[tokio::test]
async fn conformance_postgres() {
    let Some(url) = postgres_or_skip("postgres conformance") else {
        return;
    };
    let ran = run_all(BackendKind::Postgres).await;
    log_line(&format!(
        "postgres conformance: {ran} checks ran against {url}"
    ));
}

/// Runs every check on its own fresh store; panics listing the failed ones.
async fn run_all(kind: BackendKind) -> usize {
    let mut tasks = tokio::task::JoinSet::new();
    for (name, check) in checks() {
        tasks.spawn(async move {
            let test_store = fresh_store(kind).await;
            let ctx = Ctx {
                store: test_store.store.clone(),
                url: test_store.url.clone(),
                kind,
            };
            // A panicking check must still release its database.
            let outcome = tokio::spawn(check(ctx)).await;
            test_store.finish().await;
            (name, outcome.map_err(|e| panic_text(&*e.into_panic())))
        });
    }
    let mut ran = 0;
    let mut failures = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((_, Ok(()))) => ran += 1,
            Ok((name, Err(message))) => failures.push(format!("{name}: {message}")),
            Err(e) => failures.push(format!("setup: {}", panic_text(&*e.into_panic()))),
        }
    }
    log_line(&format!(
        "{kind} conformance: {ran} of {} checks passed",
        checks().len()
    ));
    assert!(
        failures.is_empty(),
        "{kind}: {} checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    ran
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "panicked".to_owned())
}

// ---------------------------------------------------------------- helpers

fn code(text: &str) -> GridCode {
    text.parse().unwrap()
}

fn type_code(text: &str) -> CellTypeCode {
    text.parse().unwrap()
}

fn level(n: u8) -> LevelNo {
    LevelNo::try_from(n).unwrap()
}

async fn import_sample(store: &Store) {
    let report = store
        .import_grids(&test_territory(), &sample_tree())
        .await
        .unwrap();
    assert_eq!((report.inserted, report.updated), (15, 0));
}

fn codes_of(grids: &[wangge_store::GridRecord]) -> Vec<String> {
    grids.iter().map(|g| g.code.to_string()).collect()
}

/// Counts of every table, to compare the database before and after.
async fn table_counts(store: &Store) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in [
        "territories",
        "cell_types",
        "grids",
        "outlets",
        "users",
        "user_scopes",
    ] {
        let row = sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table}"))
            .fetch_one(store.raw_pool())
            .await
            .unwrap();
        counts.push(row.try_get::<i64, _>("n").unwrap());
    }
    counts
}

async fn expect_import_error(store: &Store, grids: &[NewGrid]) -> StoreError {
    let before = table_counts(store).await;
    let err = store
        .import_grids(&test_territory(), grids)
        .await
        .unwrap_err();
    assert_eq!(
        table_counts(store).await,
        before,
        "a failed import changed the database: {err}"
    );
    err
}

// ---------------------------------------------------------------- checks

async fn migrations_are_idempotent(ctx: Ctx) {
    import_sample(&ctx.store).await;
    // Connecting again runs the migrator and the seeding again: no error, no duplicate.
    let again = Store::connect(&ctx.url).await.unwrap();
    assert_eq!(again.cell_types().await.unwrap().types().len(), 20);
    if ctx.kind != BackendKind::SqliteMemory {
        // Same database: the data is still there.
        assert_eq!(again.stats().await.unwrap().by_level, [1, 2, 4, 8]);
        let rows =
            sqlx::query("SELECT COUNT(*) AS n, COUNT(DISTINCT version) AS d FROM _sqlx_migrations")
                .fetch_one(again.raw_pool())
                .await
                .unwrap();
        let migrations =
            std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations/sqlite"))
                .unwrap()
                .count() as i64;
        assert_eq!(
            (
                rows.try_get::<i64, _>("n").unwrap(),
                rows.try_get::<i64, _>("d").unwrap()
            ),
            (migrations, migrations),
            "each migration applied once"
        );
    }
    let expected = if ctx.kind == BackendKind::Postgres {
        Backend::Postgres
    } else {
        Backend::Sqlite
    };
    assert_eq!(again.backend(), expected);
    again.close().await;
}

async fn default_cell_types_are_present_and_editable(ctx: Ctx) {
    let store = &ctx.store;
    assert_eq!(
        store.cell_types().await.unwrap(),
        CellTypeCatalog::default()
    );
    store
        .set_cell_type_category(type_code("14"), Category::Cluster)
        .await
        .unwrap();
    let edited = store.cell_types().await.unwrap();
    assert_eq!(
        edited.get(type_code("14")).unwrap().category,
        Category::Cluster
    );
    assert_eq!(
        edited.get(type_code("15")).unwrap().category,
        Category::Community
    );
    assert!(edited.get(type_code("01")).unwrap().zhengqi);
    assert!(!edited.get(type_code("20")).unwrap().zhengqi);
    let err = store
        .set_cell_type_category(type_code("42"), Category::Rural)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::NotFound { what: "cell type", ref key } if key == "42"),
        "{err}"
    );
    // An edit survives reconnecting (the table is data, not re-seeded).
    if ctx.kind != BackendKind::SqliteMemory {
        let again = Store::connect(&ctx.url).await.unwrap();
        assert_eq!(again.cell_types().await.unwrap(), edited);
        again.close().await;
    }
}

async fn empty_store_and_territory(ctx: Ctx) {
    let store = &ctx.store;
    assert!(store.is_empty().await.unwrap());
    assert_eq!(store.territory().await.unwrap(), None);
    store.ensure_territory(&test_territory()).await.unwrap();
    store.ensure_territory(&test_territory()).await.unwrap();
    assert_eq!(store.territory().await.unwrap(), Some(test_territory()));
    let other = Territory {
        code: code("ZZ"),
        name: "other".into(),
    };
    store.ensure_territory(&other).await.unwrap();
    // "The" territory is the first one.
    assert_eq!(store.territory().await.unwrap(), Some(test_territory()));
    assert!(
        store.is_empty().await.unwrap(),
        "territories alone are no grids"
    );
    import_sample(store).await;
    assert!(!store.is_empty().await.unwrap());
}

async fn imports_a_three_level_batch(ctx: Ctx) {
    let store = &ctx.store;
    // Levels 1-3 only, children listed before their parents.
    let mut batch: Vec<NewGrid> = sample_tree()
        .into_iter()
        .filter(|g| g.level.get() <= 3)
        .collect();
    batch.reverse();
    let report = store.import_grids(&test_territory(), &batch).await.unwrap();
    assert_eq!((report.inserted, report.updated), (7, 0));
    assert!(report.invalid.is_empty());
    assert_eq!(
        store.territory().await.unwrap(),
        Some(test_territory()),
        "created by the import"
    );

    let all = store.grids(&GridFilter::default()).await.unwrap();
    assert_eq!(
        codes_of(&all),
        ["T", "T-E", "T-W", "T-E-N", "T-E-S", "T-W-N", "T-W-S"],
        "ordered by level, then code"
    );
    let wn = store.grid(&code("T-W-N")).await.unwrap().unwrap();
    assert_eq!(wn.level, LevelNo::OUTLET_AREA);
    assert_eq!(wn.parent, Some(code("T-W")));
    assert_eq!(wn.name, "网格 T-W-N");
    assert_eq!(
        (wn.cell_type, wn.category, wn.outlet.as_deref()),
        (None, None, None)
    );
    assert!(wn.valid);
    assert!(store.grid(&code("T-W-N-1")).await.unwrap().is_none());

    // Cells go under the stored level-3 grids in a second batch.
    let cells: Vec<NewGrid> = sample_tree()
        .into_iter()
        .filter(|g| g.level.is_cell())
        .collect();
    let report = store.import_grids(&test_territory(), &cells).await.unwrap();
    assert_eq!((report.inserted, report.updated), (8, 0));
    let cell = store.grid(&code("T-W-N-2")).await.unwrap().unwrap();
    assert_eq!(cell.parent, Some(code("T-W-N")));
    assert_eq!(cell.cell_type, Some(type_code("01")));
    assert_eq!(cell.category, Some(Category::Industry));
}

async fn hierarchy_rules_name_the_grid(ctx: Ctx) {
    let store = &ctx.store;
    import_sample(store).await;
    let cell = |c: &str, parent: &str, t: Option<&str>| {
        box_grid(c, 4, Some(parent), t, [0.0, 0.0, 1.0, 1.0])
    };

    let err = expect_import_error(store, &[cell("X-1", "NOPE", Some("15"))]).await;
    assert!(
        matches!(err, StoreError::ParentNotFound { ref grid, ref parent, ref source_hint }
            if grid == "X-1" && parent == "NOPE" && source_hint.as_deref() == Some("fixture X-1")),
        "{err}"
    );
    assert!(err.to_string().contains("X-1 (fixture X-1)"), "{err}");

    let err = expect_import_error(store, &[cell("X-2", "T-W", Some("15"))]).await;
    assert!(
        matches!(err, StoreError::ParentLevel { ref grid, parent_level: 2, level: 4, .. } if grid == "X-2"),
        "{err}"
    );

    let mut orphan = box_grid("X-3", 2, None, None, [0.0, 0.0, 1.0, 1.0]);
    let err = expect_import_error(store, std::slice::from_ref(&orphan)).await;
    assert!(
        matches!(err, StoreError::MissingParent { ref grid, .. } if grid == "X-3"),
        "{err}"
    );

    orphan.level = LevelNo::DEPARTMENT;
    orphan.parent = Some(code("T"));
    let err = expect_import_error(store, &[orphan]).await;
    assert!(
        matches!(err, StoreError::UnexpectedParent { ref grid, .. } if grid == "X-3"),
        "{err}"
    );

    let err = expect_import_error(store, &[cell("X-4", "T-W-S", None)]).await;
    assert!(
        matches!(err, StoreError::CellTypeRequired { ref grid, .. } if grid == "X-4"),
        "{err}"
    );

    let err = expect_import_error(
        store,
        &[box_grid(
            "X-5",
            3,
            Some("T-W"),
            Some("15"),
            [0.0, 0.0, 1.0, 1.0],
        )],
    )
    .await;
    assert!(
        matches!(err, StoreError::CellTypeNotAllowed { ref grid, .. } if grid == "X-5"),
        "{err}"
    );

    let err = expect_import_error(store, &[cell("X-6", "T-W-S", Some("21"))]).await;
    assert!(
        matches!(err, StoreError::UnknownCellType { ref grid, ref cell_type, .. } if grid == "X-6" && cell_type == "21"),
        "{err}"
    );

    let err = expect_import_error(
        store,
        &[
            cell("X-7", "T-W-S", Some("15")),
            cell("X-7", "T-W-S", Some("15")),
        ],
    )
    .await;
    assert!(
        matches!(err, StoreError::DuplicateCode { ref code, .. } if code == "X-7"),
        "{err}"
    );

    // An existing code cannot change its level.
    let err = expect_import_error(
        store,
        &[box_grid("T-W", 3, Some("T-E"), None, [0.0, 0.0, 1.0, 1.0])],
    )
    .await;
    assert!(
        matches!(err, StoreError::Conflict { ref message } if message.contains("T-W")),
        "{err}"
    );
    assert!(err.is_client_error());
}

async fn database_itself_rejects_hierarchy_violations(ctx: Ctx) {
    let store = &ctx.store;
    import_sample(store).await;
    let insert = |code: &str, level: u8, parent: &str, parent_level: &str, cell_type: &str| {
        format!(
            "INSERT INTO grids (territory_id, code, name, level, parent_id, parent_level, cell_type, \
             geometry, min_lon, min_lat, max_lon, max_lat, area_m2, valid, invalid_reason, properties, \
             created_at, updated_at) \
             SELECT t.id, '{code}', 'raw', {level}, {parent}, {parent_level}, {cell_type}, \
             '{{}}', 0, 0, 1, 1, 1, TRUE, NULL, NULL, 0, 0 FROM territories t"
        )
    };
    let id_of = |c: &str| format!("(SELECT id FROM grids WHERE code = '{c}')");
    let before = table_counts(store).await;
    let violations = [
        // level 3 under a level-1 grid, lying that the parent is level 2: composite FK
        (
            "level 3 under level 1 (FK)",
            insert("R-1", 3, &id_of("T"), "2", "NULL"),
        ),
        // ... and telling the truth: CHECK parent_level = level - 1
        (
            "level 3 under level 1 (CHECK)",
            insert("R-2", 3, &id_of("T"), "1", "NULL"),
        ),
        (
            "level 2 without parent",
            insert("R-3", 2, "NULL", "NULL", "NULL"),
        ),
        (
            "level 1 with parent",
            insert("R-4", 1, &id_of("T"), "1", "NULL"),
        ),
        (
            "parent id that does not exist",
            insert("R-5", 2, "999999", "1", "NULL"),
        ),
        (
            "cell without type",
            insert("R-6", 4, &id_of("T-W-S"), "3", "NULL"),
        ),
        (
            "level 3 with a type",
            insert("R-7", 3, &id_of("T-W"), "2", "'15'"),
        ),
        (
            "unknown type",
            insert("R-8", 4, &id_of("T-W-S"), "3", "'99'"),
        ),
        ("level 5", insert("R-9", 5, &id_of("T-W-S-1"), "4", "NULL")),
        ("duplicate code", insert("T-W", 2, &id_of("T"), "1", "NULL")),
    ];
    for (what, sql) in &violations {
        let result = sqlx::query(sql).execute(store.raw_pool()).await;
        assert!(
            result.is_err(),
            "{}: the database accepted {what}: {sql}",
            ctx.kind
        );
    }
    assert_eq!(table_counts(store).await, before);
    // The same statement shape with a correct parent is accepted: the
    // failures above are the constraints, not the SQL.
    sqlx::query(&insert("R-OK", 4, &id_of("T-W-S"), "3", "'15'"))
        .execute(store.raw_pool())
        .await
        .unwrap();
    assert_eq!(
        store.grid(&code("R-OK")).await.unwrap().unwrap().parent,
        Some(code("T-W-S"))
    );
}

async fn failing_batch_leaves_the_database_unchanged(ctx: Ctx) {
    let store = &ctx.store;
    import_sample(store).await;
    let stats_before = store.stats().await.unwrap();
    let t_before = store.grid(&code("T")).await.unwrap().unwrap();

    // Updates T's geometry, adds grids on three levels, then one bad cell last.
    let mut t = box_grid("T", 1, None, None, [0.0, 0.0, 5.0, 5.0]);
    t.name = "changed".into();
    let batch = vec![
        t,
        box_grid("N", 1, None, None, [10.0, 10.0, 11.0, 11.0]),
        box_grid("N-1", 2, Some("N"), None, [10.0, 10.0, 11.0, 11.0]),
        box_grid("N-1-1", 3, Some("N-1"), None, [10.0, 10.0, 11.0, 11.0]),
        box_grid(
            "N-1-1-1",
            4,
            Some("N-1-1"),
            Some("15"),
            [10.0, 10.0, 11.0, 11.0],
        ),
        box_grid(
            "N-1-1-2",
            4,
            Some("N-1-X"),
            Some("15"),
            [10.0, 10.0, 11.0, 11.0],
        ),
    ];
    let err = expect_import_error(store, &batch).await;
    assert!(
        matches!(err, StoreError::ParentNotFound { ref grid, .. } if grid == "N-1-1-2"),
        "{err}"
    );
    assert_eq!(store.stats().await.unwrap(), stats_before);
    let t_after = store.grid(&code("T")).await.unwrap().unwrap();
    assert_eq!(t_after, t_before, "T's name and geometry are unchanged");
    assert!(store.grid(&code("N")).await.unwrap().is_none());

    // A failing batch into a new territory does not leave the territory behind.
    let fresh = Store::connect("sqlite::memory:").await.unwrap();
    let other = Territory {
        code: code("NEW"),
        name: "new".into(),
    };
    fresh.import_grids(&other, &batch).await.unwrap_err();
    assert_eq!(fresh.territory().await.unwrap(), None);
    fresh.close().await;
    if ctx.kind != BackendKind::SqliteMemory {
        store.import_grids(&other, &batch).await.unwrap_err();
        assert_eq!(store.territory().await.unwrap(), Some(test_territory()));
        assert_eq!(table_counts(store).await[0], 1, "no territory NEW");
    }
}

async fn existing_codes_are_updated(ctx: Ctx) {
    let store = &ctx.store;
    import_sample(store).await;
    let before = store.grid(&code("T-W-S")).await.unwrap().unwrap();

    let mut renamed = box_grid("T-W-S", 3, Some("T-W"), None, [0.0, 0.0, 2.0, 1.5]);
    renamed.name = "新名字".into();
    renamed.properties_json = Some(r#"{"owner":"张三"}"#.into());
    // Move cell T-W-S-2 under T-E-S and make it a school.
    let moved = box_grid(
        "T-W-S-2",
        4,
        Some("T-E-S"),
        Some("07"),
        [1.0, 0.0, 2.0, 2.0],
    );
    let added = box_grid(
        "T-W-S-3",
        4,
        Some("T-W-S"),
        Some("20"),
        [0.0, 1.5, 2.0, 2.0],
    );
    let report = store
        .import_grids(&test_territory(), &[moved, renamed.clone(), added])
        .await
        .unwrap();
    assert_eq!((report.inserted, report.updated), (1, 2));

    let after = store.grid(&code("T-W-S")).await.unwrap().unwrap();
    assert_eq!(after.id, before.id, "updated in place");
    assert_eq!(after.name, "新名字");
    assert_eq!(after.geometry_geojson, renamed.geometry_geojson);
    assert_eq!(
        after.bbox.map(f64::to_bits),
        [0.0, 0.0, 2.0, 1.5].map(f64::to_bits)
    );
    assert_eq!(
        after.properties_json.as_deref(),
        Some(r#"{"owner":"张三"}"#)
    );
    let moved = store.grid(&code("T-W-S-2")).await.unwrap().unwrap();
    assert_eq!(moved.parent, Some(code("T-E-S")));
    assert_eq!(moved.cell_type, Some(type_code("07")));
    assert_eq!(moved.category, Some(Category::Industry));
    assert_eq!(
        store.child_counts(&code("T-W-S")).await.unwrap(),
        [0, 0, 0, 2]
    );
    assert_eq!(
        store.child_counts(&code("T-E-S")).await.unwrap(),
        [0, 0, 0, 3]
    );
    assert_eq!(store.stats().await.unwrap().by_level, [1, 2, 4, 9]);
}

async fn filters_narrow_the_list(ctx: Ctx) {
    let store = &ctx.store;
    import_sample(store).await;
    let list = |filter: GridFilter| async move { codes_of(&store.grids(&filter).await.unwrap()) };

    assert_eq!(list(GridFilter::default()).await.len(), 15);
    assert_eq!(
        list(GridFilter {
            level: Some(level(3)),
            ..Default::default()
        })
        .await,
        ["T-E-N", "T-E-S", "T-W-N", "T-W-S"]
    );
    assert_eq!(
        list(GridFilter {
            parent: Some(code("T-E")),
            ..Default::default()
        })
        .await,
        ["T-E-N", "T-E-S"]
    );
    // Cells whose bbox meets the box around (0.5, 0.5)..(1.5, 1.5): the two of T-W-S.
    let bbox = Some([0.5, 0.5, 1.5, 1.5]);
    assert_eq!(
        list(GridFilter {
            level: Some(level(4)),
            bbox,
            ..Default::default()
        })
        .await,
        ["T-W-S-1", "T-W-S-2"]
    );
    // Touching edges count as intersecting; a box outside matches nothing.
    assert_eq!(
        list(GridFilter {
            level: Some(level(3)),
            bbox: Some([2.0, 2.0, 3.0, 3.0]),
            ..Default::default()
        })
        .await,
        ["T-E-N", "T-E-S", "T-W-N", "T-W-S"]
    );
    assert!(list(GridFilter {
        bbox: Some([5.0, 5.0, 6.0, 6.0]),
        ..Default::default()
    })
    .await
    .is_empty());
    assert_eq!(
        list(GridFilter {
            cell_type: Some(type_code("15")),
            ..Default::default()
        })
        .await,
        ["T-E-N-2", "T-W-S-1", "T-W-S-2"]
    );
    assert_eq!(
        list(GridFilter {
            category: Some(Category::Rural),
            ..Default::default()
        })
        .await,
        ["T-W-N-1"]
    );
    // Category follows the editable type table.
    store
        .set_cell_type_category(type_code("17"), Category::Rural)
        .await
        .unwrap();
    assert_eq!(
        list(GridFilter {
            category: Some(Category::Rural),
            ..Default::default()
        })
        .await,
        ["T-E-S-2", "T-W-N-1"]
    );
    assert_eq!(
        list(GridFilter {
            category: Some(Category::Community),
            parent: Some(code("T-W-S")),
            bbox: Some([0.0, 0.0, 0.5, 0.5]),
            ..Default::default()
        })
        .await,
        ["T-W-S-1"]
    );
    assert_eq!(
        list(GridFilter {
            limit: Some(3),
            ..Default::default()
        })
        .await,
        ["T", "T-E", "T-W"]
    );
    // Pages of the same order (OGC API paging), and their total.
    assert_eq!(
        list(GridFilter {
            limit: Some(2),
            offset: Some(2),
            ..Default::default()
        })
        .await,
        ["T-W", "T-E-N"]
    );
    let cells = GridFilter {
        level: Some(LevelNo::CELL),
        ..Default::default()
    };
    let all = list(cells.clone()).await;
    let skipped = list(GridFilter {
        offset: Some(5),
        ..cells.clone()
    })
    .await;
    assert_eq!(skipped, all[5..]);
    assert_eq!(
        store
            .count_grids(&GridFilter {
                limit: Some(1),
                ..cells
            })
            .await
            .unwrap(),
        i64::try_from(all.len()).unwrap()
    );
}

async fn ancestors_and_child_counts(ctx: Ctx) {
    let store = &ctx.store;
    import_sample(store).await;
    let chain = store.ancestors(&code("T-E-N-1")).await.unwrap();
    assert_eq!(codes_of(&chain), ["T-E-N", "T-E", "T"]);
    assert_eq!(
        codes_of(&store.ancestors(&code("T-E")).await.unwrap()),
        ["T"]
    );
    assert!(store.ancestors(&code("T")).await.unwrap().is_empty());

    assert_eq!(store.child_counts(&code("T")).await.unwrap(), [0, 2, 4, 8]);
    assert_eq!(
        store.child_counts(&code("T-W")).await.unwrap(),
        [0, 0, 2, 4]
    );
    assert_eq!(
        store.child_counts(&code("T-W-N")).await.unwrap(),
        [0, 0, 0, 2]
    );
    assert_eq!(store.child_counts(&code("T-W-N-1")).await.unwrap(), [0; 4]);

    for err in [
        store.ancestors(&code("GHOST")).await.unwrap_err(),
        store.child_counts(&code("GHOST")).await.unwrap_err(),
    ] {
        assert!(
            matches!(err, StoreError::NotFound { what: "grid", ref key } if key == "GHOST"),
            "{err}"
        );
    }
}

async fn outlets_support_level3_grids(ctx: Ctx) {
    let store = &ctx.store;
    import_sample(store).await;
    let outlet = |c: &str, supports: &[&str]| NewOutlet {
        code: c.into(),
        name: format!("{c} 营业厅"),
        lon: 110.798_123_456_789,
        lat: 32.629_987_654_321,
        address: Some("湖北省十堰市茅箭区人民南路 1 号".into()),
        supports: supports.iter().map(|s| code(s)).collect(),
    };
    store
        .replace_outlets(&[outlet("O2", &["T-E-S", "T-E-N"]), outlet("O1", &["T-W-S"])])
        .await
        .unwrap();
    let listed = store.outlets().await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].code, "O1");
    assert_eq!(listed[0].supports, [code("T-W-S")]);
    assert_eq!(listed[1].supports, [code("T-E-N"), code("T-E-S")]);
    assert_eq!(listed[1].lon.to_bits(), 110.798_123_456_789_f64.to_bits());
    assert_eq!(listed[1].lat.to_bits(), 32.629_987_654_321_f64.to_bits());
    assert_eq!(
        listed[1].address.as_deref(),
        Some("湖北省十堰市茅箭区人民南路 1 号")
    );
    assert_eq!(
        store
            .grid(&code("T-E-S"))
            .await
            .unwrap()
            .unwrap()
            .outlet
            .as_deref(),
        Some("O2")
    );
    assert_eq!(
        store.grid(&code("T-W-N")).await.unwrap().unwrap().outlet,
        None
    );
    let stats = store.stats().await.unwrap();
    assert_eq!((stats.outlets, stats.level3_without_outlet), (2, 1));

    // Bad replacements fail whole and leave the previous outlets.
    let bad = [
        vec![outlet("O3", &["T-W"])],
        vec![outlet("O3", &["GHOST"])],
        vec![outlet("O3", &["T-W-S"]), outlet("O4", &["T-W-S"])],
        vec![outlet("O3", &[]), outlet("O3", &[])],
        vec![NewOutlet {
            lat: 95.0,
            ..outlet("O3", &[])
        }],
    ];
    for outlets in &bad {
        let err = store.replace_outlets(outlets).await.unwrap_err();
        assert!(err.is_client_error(), "{err}");
        assert_eq!(store.outlets().await.unwrap(), listed, "after {err}");
    }
    let err = store
        .replace_outlets(&[outlet("O3", &["T-W"])])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("level 2"), "{err}");
    let err = store
        .replace_outlets(&[outlet("O3", &["GHOST"])])
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::NotFound { what: "grid", .. }),
        "{err}"
    );

    store
        .replace_outlets(&[outlet("O9", &["T-W-N"])])
        .await
        .unwrap();
    assert_eq!(codes(&store.outlets().await.unwrap()), ["O9"]);
    assert_eq!(
        store.grid(&code("T-E-S")).await.unwrap().unwrap().outlet,
        None,
        "old links cleared"
    );
    assert_eq!(store.stats().await.unwrap().level3_without_outlet, 3);
    store.replace_outlets(&[]).await.unwrap();
    assert!(store.outlets().await.unwrap().is_empty());
}

fn codes(outlets: &[wangge_store::OutletRecord]) -> Vec<&str> {
    outlets.iter().map(|o| o.code.as_str()).collect()
}

async fn users_never_show_their_hash(ctx: Ctx) {
    let store = &ctx.store;
    import_sample(store).await;
    let hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo";
    let manager = NewUser {
        name: "wang.li".into(),
        role: Role::GridManager,
        kind: Some(ManagerKind::Community),
        scopes: vec![code("T-W-S"), code("T-W-N")],
        password_hash: hash.into(),
    };
    let id = store.insert_user(&manager).await.unwrap();
    let admin = NewUser {
        name: "admin".into(),
        role: Role::Admin,
        kind: None,
        scopes: vec![],
        password_hash: hash.into(),
    };
    store.insert_user(&admin).await.unwrap();

    let users = store.users().await.unwrap();
    assert_eq!(users.len(), 2);
    assert_eq!(users[0].name, "admin");
    let listed = &users[1];
    assert_eq!(listed.id, id);
    assert_eq!(listed.role, Role::GridManager);
    assert_eq!(listed.kind, Some(ManagerKind::Community));
    assert_eq!(listed.scopes, [code("T-W-N"), code("T-W-S")]);
    assert!(!listed.disabled);
    let json = serde_json::to_string(&users).unwrap();
    assert!(!json.contains("argon2") && !json.contains("hash"), "{json}");

    let err = store.insert_user(&manager).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { ref message } if message.contains("wang.li")),
        "{err}"
    );
    let ghost = NewUser {
        name: "ghost".into(),
        scopes: vec![code("GHOST")],
        ..manager.clone()
    };
    let err = store.insert_user(&ghost).await.unwrap_err();
    assert!(
        matches!(err, StoreError::NotFound { what: "grid", .. }),
        "{err}"
    );
    assert_eq!(store.users().await.unwrap().len(), 2, "no half-made user");

    let (user, stored_hash) = store.user_credentials("wang.li").await.unwrap().unwrap();
    assert_eq!((&user, stored_hash.as_str()), (listed, hash));
    assert!(store.user_credentials("nobody").await.unwrap().is_none());
    store.set_user_disabled("wang.li", true).await.unwrap();
    store
        .set_user_password_hash("wang.li", "$argon2id$new")
        .await
        .unwrap();
    let (user, stored_hash) = store.user_credentials("wang.li").await.unwrap().unwrap();
    assert!(user.disabled);
    assert_eq!(stored_hash, "$argon2id$new");
    assert!(matches!(
        store.set_user_disabled("nobody", true).await.unwrap_err(),
        StoreError::NotFound { what: "user", .. }
    ));
    assert_eq!(store.stats().await.unwrap().users, 2);
}

async fn stats_count_levels_types_and_categories(ctx: Ctx) {
    let store = &ctx.store;
    let empty = store.stats().await.unwrap();
    assert_eq!(empty.territory, None);
    assert_eq!(empty.by_level, [0; 4]);
    assert_eq!(empty.by_type.len(), 20);
    assert!(empty.by_type.iter().all(|t| t.cells == 0));

    let mut tree = sample_tree();
    tree[14].invalid_reason = Some("self-intersection at (3.5, 3)".into());
    store.import_grids(&test_territory(), &tree).await.unwrap();
    let stats: Stats = store.stats().await.unwrap();
    assert_eq!(stats.territory.as_deref(), Some("测试辖区"));
    assert_eq!(stats.by_level, [1, 2, 4, 8]);
    let cells_of = |t: &str| {
        stats
            .by_type
            .iter()
            .find(|c| c.code == type_code(t))
            .unwrap()
            .cells
    };
    assert_eq!(
        (
            cells_of("15"),
            cells_of("20"),
            cells_of("01"),
            cells_of("02")
        ),
        (3, 1, 1, 0)
    );
    let by_type_total: i64 = stats.by_type.iter().map(|t| t.cells).sum();
    assert_eq!(by_type_total, 8);
    let per_category: Vec<(Category, i64)> = stats
        .by_category
        .iter()
        .map(|c| (c.category, c.cells))
        .collect();
    assert_eq!(
        per_category,
        [
            (Category::Industry, 1),
            (Category::Cluster, 1),
            (Category::NonCluster, 1),
            (Category::Community, 3),
            (Category::Vacant, 1),
            (Category::Rural, 1),
        ]
    );
    assert_eq!(
        (
            stats.invalid_geometries,
            stats.outlets,
            stats.level3_without_outlet,
            stats.users
        ),
        (1, 0, 4, 0)
    );

    store
        .set_cell_type_category(type_code("15"), Category::Rural)
        .await
        .unwrap();
    let stats = store.stats().await.unwrap();
    let rural = stats
        .by_category
        .iter()
        .find(|c| c.category == Category::Rural)
        .unwrap();
    let community = stats
        .by_category
        .iter()
        .find(|c| c.category == Category::Community)
        .unwrap();
    assert_eq!((rural.cells, community.cells), (4, 0));
}

async fn geometry_round_trips_byte_exact(ctx: Ctx) {
    let store = &ctx.store;
    import_sample(store).await;
    // Odd but legal JSON: spacing, exponents, long decimals, negative zero, unicode.
    let geometry = "{ \"type\" : \"MultiPolygon\",\n  \"coordinates\": [[[[110.79812345678901234, 32.6],\
        [1.1e2, 3.26E1], [110.8000000000000000001,32.7],[-0.0, 32.6], [110.79812345678901234,32.6]]]],\
        \"bbox\":[110.798,32.6,110.8,32.7], \"名字\": \"茅箭\\u533a\" }";
    let mut grid = box_grid(
        "T-W-S-9",
        4,
        Some("T-W-S"),
        Some("17"),
        [0.0, 0.0, 1.0, 1.0],
    );
    grid.geometry_geojson = geometry.to_owned();
    grid.bbox = [-0.0, 32.6, 110.800_000_000_000_01, 0.1 + 0.2];
    grid.area_m2 = 1.234_567_890_123_456_7e7;
    grid.invalid_reason = Some("ring 0 is not closed: (110.798, 32.6) ≠ (110.8, 32.7)".into());
    grid.properties_json = Some(r#"{"原名":"茅箭区","n":1e400,"nested":{"a":[1,2,3]}}"#.into());
    let report = store
        .import_grids(&test_territory(), std::slice::from_ref(&grid))
        .await
        .unwrap();
    assert_eq!(
        report.invalid,
        [(code("T-W-S-9"), grid.invalid_reason.clone().unwrap())]
    );

    let stored = store.grid(&code("T-W-S-9")).await.unwrap().unwrap();
    assert_eq!(stored.geometry_geojson.as_bytes(), geometry.as_bytes());
    assert_eq!(stored.properties_json, grid.properties_json);
    // Bit-exact, except that -0.0 comes back as 0.0 on every backend (SQLite
    // cannot keep the sign of zero, so the store normalises it).
    assert_eq!(
        stored.bbox.map(f64::to_bits),
        [0.0, 32.6, 110.800_000_000_000_01, 0.1 + 0.2].map(f64::to_bits),
        "bbox bit-exact"
    );
    assert_eq!(stored.area_m2.to_bits(), grid.area_m2.to_bits());
    assert!(!stored.valid);
    assert_eq!(stored.invalid_reason, grid.invalid_reason);
    // Through the list too.
    let listed = store
        .grids(&GridFilter {
            cell_type: Some(type_code("17")),
            ..Default::default()
        })
        .await
        .unwrap();
    let listed = listed.iter().find(|g| g.code == code("T-W-S-9")).unwrap();
    assert_eq!(listed, &stored);
}

async fn concurrent_writers_both_land(ctx: Ctx) {
    // Two imports and a user insert at once through one store (a pool of
    // connections on the file and PostgreSQL backends): writers wait for
    // each other instead of failing with "database is locked".
    let other_tree: Vec<NewGrid> = sample_tree()
        .into_iter()
        .map(|mut g| {
            g.code = code(&g.code.as_str().replacen('T', "U", 1));
            g.parent = g.parent.map(|p| code(&p.as_str().replacen('T', "U", 1)));
            g
        })
        .collect();
    let (a, b, c) = (ctx.store.clone(), ctx.store.clone(), ctx.store.clone());
    let first =
        tokio::spawn(async move { a.import_grids(&test_territory(), &sample_tree()).await });
    let second = tokio::spawn(async move { b.import_grids(&test_territory(), &other_tree).await });
    let third = tokio::spawn(async move {
        c.insert_user(&NewUser {
            name: "clerk".into(),
            role: Role::Clerk,
            kind: None,
            scopes: vec![],
            password_hash: "$argon2id$x".into(),
        })
        .await
    });
    assert_eq!(first.await.unwrap().unwrap().inserted, 15);
    assert_eq!(second.await.unwrap().unwrap().inserted, 15);
    third.await.unwrap().unwrap();
    let stats = ctx.store.stats().await.unwrap();
    assert_eq!((stats.by_level, stats.users), ([2, 4, 8, 16], 1));
    assert_eq!(table_counts(&ctx.store).await[0], 1, "one territory");
}

// ================================================================ claims
// Checks of issue 6 (users, sessions, claim rules, the claim workflow and its
// history). Kept in this block; other blocks of checks live above.

use wangge_store::{
    CellRefusal, CellStep, ClaimAction, ClaimFilter, ClaimRules, ClaimStatus, EntityKind,
    NewCustomer, Placement, Refusal, StepContext, ValueTier,
};

/// A valid argon2id PHC string with tiny parameters (no login here).
const CHEAP_HASH: &str = "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g";

async fn add_user(
    store: &Store,
    name: &str,
    role: Role,
    kind: Option<ManagerKind>,
    scopes: &[&str],
) -> i64 {
    store
        .insert_user(&NewUser {
            name: name.into(),
            role,
            kind,
            scopes: scopes.iter().map(|s| code(s)).collect(),
            password_hash: CHEAP_HASH.into(),
        })
        .await
        .unwrap()
}

/// The sample tree with: admin; a supervisor of the west (T-W); community
/// managers "west.c" (T-W-S, T-W-N) and "west.c2" (T-W-N); a 政企 manager
/// "west.z" (T-W-N); a community manager "east.c" (T-E-S).
struct People {
    admin: i64,
    supervisor: i64,
    west_c: i64,
    west_c2: i64,
    west_z: i64,
    east_c: i64,
}

async fn claim_fixture(store: &Store) -> People {
    import_sample(store).await;
    let community = Some(ManagerKind::Community);
    People {
        admin: add_user(store, "admin", Role::Admin, None, &[]).await,
        supervisor: add_user(store, "sup.west", Role::Supervisor, None, &["T-W"]).await,
        west_c: add_user(
            store,
            "west.c",
            Role::GridManager,
            community,
            &["T-W-S", "T-W-N"],
        )
        .await,
        west_c2: add_user(store, "west.c2", Role::GridManager, community, &["T-W-N"]).await,
        west_z: add_user(
            store,
            "west.z",
            Role::GridManager,
            Some(ManagerKind::Zhengqi),
            &["T-W-N"],
        )
        .await,
        east_c: add_user(store, "east.c", Role::GridManager, community, &["T-E-S"]).await,
    }
}

/// One step on one cell at time `now_ms`.
async fn step(
    store: &Store,
    actor: i64,
    cell: &str,
    step: CellStep,
    now_ms: i64,
) -> Result<wangge_store::CellClaimState, CellRefusal> {
    let ctx = StepContext {
        actor_id: actor,
        reason: Some("check"),
        now_ms,
        thresholds: None,
        dry_run: false,
    };
    store
        .apply_cell_steps(&[(cell.to_owned(), step)], &ctx)
        .await
        .unwrap()
        .map(|mut states| states.remove(0))
        .map_err(|mut refusals| refusals.remove(0))
}

/// The default claim rules come from `cell_types.csv` (not from the
/// migrations): a type without a rule gets the CSV's at the next connect,
/// while a rule an administrator changed is kept.
async fn claim_rule_defaults_are_seeded_from_the_csv_where_missing(ctx: Ctx) {
    let defaults = wangge_model::default_claim_rules();
    let rules = ctx.store.claim_rules().await.unwrap();
    let as_seeded: Vec<_> = defaults
        .iter()
        .map(|d| (d.cell_type, d.claimed_by.clone(), d.needs_approval))
        .collect();
    let stored: Vec<_> = rules
        .types
        .iter()
        .map(|t| (t.cell_type, t.kinds.clone(), t.needs_approval))
        .collect();
    assert_eq!(stored, as_seeded, "a fresh database holds the CSV's rules");
    if ctx.kind == BackendKind::SqliteMemory {
        return; // connecting again would open another, empty database
    }
    // An administrator lets hotels be claimed at once; type 15 loses its rule
    // (as a type added to the CSV after the database was made would have none).
    sqlx::query("UPDATE claim_type_rules SET needs_approval = $1 WHERE cell_type = '05'")
        .bind(false)
        .execute(ctx.store.raw_pool())
        .await
        .unwrap();
    sqlx::query("DELETE FROM claim_type_rules WHERE cell_type = '15'")
        .execute(ctx.store.raw_pool())
        .await
        .unwrap();
    let again = Store::connect(&ctx.url).await.unwrap();
    let rules = again.claim_rules().await.unwrap();
    assert_eq!(rules.types.len(), defaults.len());
    let hotel = rules.type_rule(type_code("05")).unwrap();
    assert!(!hotel.needs_approval, "the administrator's rule is kept");
    let compound = rules.type_rule(type_code("15")).unwrap();
    assert_eq!(compound.kinds, [ManagerKind::Community]);
    assert!(!compound.needs_approval, "the missing rule is seeded");
    again.close().await;
}

async fn claim_rules_default_from_domain_and_editable(ctx: Ctx) {
    let store = &ctx.store;
    let admin = add_user(store, "admin", Role::Admin, None, &[]).await;
    let rules = store.claim_rules().await.unwrap();
    let catalog = store.cell_types().await.unwrap();
    assert_eq!(rules.types.len(), 20);
    for t in catalog.types() {
        let rule = rules.type_rule(t.code).unwrap();
        let kind = if t.zhengqi {
            ManagerKind::Zhengqi
        } else {
            ManagerKind::Community
        };
        assert_eq!(rule.kinds, [kind], "type {}", t.code);
        assert_eq!(rule.needs_approval, t.zhengqi, "type {}", t.code);
    }
    let norms: Vec<_> = rules
        .workload_norms
        .iter()
        .map(|n| (n.tier, n.min_customers, n.max_customers))
        .collect();
    assert_eq!(
        norms,
        [
            (ValueTier::High, Some(30), Some(40)),
            (ValueTier::Potential, Some(100), Some(120)),
            (ValueTier::Medium, Some(120), Some(150)),
        ]
    );
    assert_eq!(
        (
            rules.value_tiers.high_spend_top_pct,
            rules.value_tiers.medium_spend_top_pct,
            rules.value_tiers.medium_size_min_staff
        ),
        (5.0, 20.0, 50)
    );
    assert!(!rules.claim_outside_scope && rules.enforce_customer_norms);
    assert_eq!(rules.max_cells_per_manager, None);

    let mut edited: ClaimRules = rules.clone();
    let villages = edited
        .types
        .iter_mut()
        .find(|t| t.cell_type == type_code("20"))
        .unwrap();
    villages.kinds = vec![ManagerKind::Zhengqi, ManagerKind::Community];
    villages.needs_approval = true;
    edited.max_cells_per_manager = Some(3);
    edited.claim_outside_scope = true;
    edited.value_tiers.medium_size_min_staff = 80;
    edited.workload_norms.pop();
    let stored = store.set_claim_rules(&edited, admin, 5).await.unwrap();
    assert_eq!(stored, edited);
    assert_eq!(store.claim_rules().await.unwrap(), edited);

    let mut missing = edited.clone();
    missing.types.retain(|t| t.cell_type != type_code("07"));
    let err = store.set_claim_rules(&missing, admin, 6).await.unwrap_err();
    assert!(err.to_string().contains("missing 07"), "{err}");
    let mut twice = edited.clone();
    twice.types.push(twice.types[0].clone());
    let err = store.set_claim_rules(&twice, admin, 6).await.unwrap_err();
    assert!(err.to_string().contains("listed twice"), "{err}");
    let mut zero = edited.clone();
    zero.value_tiers.high_spend_top_pct = 0.0;
    assert!(store.set_claim_rules(&zero, admin, 6).await.is_err());
    assert_eq!(
        store.claim_rules().await.unwrap(),
        edited,
        "refused edits change nothing"
    );
}

async fn the_database_allows_one_open_claim_per_cell(ctx: Ctx) {
    let store = &ctx.store;
    let people = claim_fixture(store).await;
    let pool = store.raw_pool();
    let grid = |c: &'static str| async move {
        let row = sqlx::query("SELECT id, territory_id FROM grids WHERE code = $1")
            .bind(c)
            .fetch_one(pool)
            .await
            .unwrap();
        (row.get::<i64, _>("id"), row.get::<i64, _>("territory_id"))
    };
    let insert = |cell: (i64, i64), level: i64, manager: i64, status: &'static str| async move {
        let ended = (status != "pending" && status != "active").then_some(9_i64);
        sqlx::query(
            "INSERT INTO claims (territory_id, cell_id, cell_level, manager_id, status, \
             requested_by, requested_at, ended_at) VALUES ($1, $2, $3, $4, $5, $4, 1, $6)",
        )
        .bind(cell.1)
        .bind(cell.0)
        .bind(level)
        .bind(manager)
        .bind(status)
        .bind(ended)
        .execute(pool)
        .await
    };
    let cell = grid("T-W-S-1").await;
    insert(cell, 4, people.west_c, "active").await.unwrap();
    let err = insert(cell, 4, people.west_c2, "pending")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, sqlx::Error::Database(db) if db.is_unique_violation()),
        "{err}"
    );
    insert(cell, 4, people.west_c2, "released").await.unwrap();
    // Only level-4 cells can be claimed, whatever the row says.
    let l3 = grid("T-W-S").await;
    assert!(insert(l3, 4, people.west_c, "active").await.is_err());
    assert!(insert(l3, 3, people.west_c, "active").await.is_err());

    // The history is append-only.
    sqlx::query(
        "INSERT INTO claim_history (cell_id, action, actor_id, at) VALUES ($1, 'lock', $2, 1)",
    )
    .bind(cell.0)
    .bind(people.supervisor)
    .execute(pool)
    .await
    .unwrap();
    let err = sqlx::query("UPDATE claim_history SET reason = 'rewritten'")
        .execute(pool)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    let err = sqlx::query("DELETE FROM claim_history")
        .execute(pool)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM claim_history")
        .fetch_one(pool)
        .await
        .unwrap()
        .get("n");
    assert_eq!(n, 1);
    let _ = people.admin;
}

async fn claim_workflow_records_every_step(ctx: Ctx) {
    let store = &ctx.store;
    let p = claim_fixture(store).await;
    let owner_only = CellStep::Release { owner_only: true };

    // A community type in scope: granted at once, by the rules.
    let state = step(store, p.west_c, "T-W-S-1", CellStep::Claim, 10)
        .await
        .unwrap();
    let claim = state.claim.unwrap();
    assert_eq!(
        (claim.status, claim.manager.name.as_str()),
        (ClaimStatus::Active, "west.c")
    );
    assert_eq!((claim.decided_by, claim.decided_at_ms), (None, Some(10)));
    assert_eq!(claim.l3, code("T-W-S"));
    // Taken: the refusal names the owner.
    let refused = step(store, p.east_c, "T-W-S-1", CellStep::Claim, 11)
        .await
        .unwrap_err();
    assert_eq!(refused.refusal.code(), "claimed_by");
    assert_eq!(refused.message, "cell T-W-S-1 is already claimed by west.c");
    let again = step(store, p.west_c, "T-W-S-1", CellStep::Claim, 11)
        .await
        .unwrap_err();
    assert_eq!(again.refusal.code(), "already_yours");
    // Rules: kind, scope.
    let kind = step(store, p.west_c, "T-W-N-2", CellStep::Claim, 12)
        .await
        .unwrap_err();
    assert!(
        matches!(kind.refusal, Refusal::KindNotAllowed { .. }),
        "{kind:?}"
    );
    let scope = step(store, p.west_z, "T-E-S-1", CellStep::Claim, 12)
        .await
        .unwrap_err();
    assert_eq!(
        scope.message,
        "cell T-E-S-1 lies in grid T-E-S, outside the scope of west.z (claim rules forbid claiming outside it)"
    );
    let level3 = step(store, p.west_c, "T-W-S", CellStep::Claim, 12)
        .await
        .unwrap_err();
    assert_eq!(level3.refusal, Refusal::NotACell { level: 3 });

    // A 政企 type waits for a supervisor.
    let pending = step(store, p.west_z, "T-W-N-2", CellStep::Claim, 20)
        .await
        .unwrap();
    assert_eq!(pending.claim.as_ref().unwrap().status, ClaimStatus::Pending);
    let not_yet = step(store, p.west_z, "T-W-N-2", CellStep::Lock, 21)
        .await
        .unwrap_err();
    assert_eq!(not_yet.refusal.code(), "pending_decision");
    let approved = step(store, p.supervisor, "T-W-N-2", CellStep::Approve, 22)
        .await
        .unwrap();
    let claim = approved.claim.unwrap();
    assert_eq!(
        (claim.status, claim.decided_by.as_deref()),
        (ClaimStatus::Active, Some("sup.west"))
    );
    let twice = step(store, p.supervisor, "T-W-N-2", CellStep::Approve, 23)
        .await
        .unwrap_err();
    assert_eq!(
        twice.refusal,
        Refusal::NotPending {
            status: Some(ClaimStatus::Active)
        }
    );
    step(store, p.west_z, "T-W-N-2", owner_only, 24)
        .await
        .unwrap();
    step(store, p.west_z, "T-W-N-2", CellStep::Claim, 25)
        .await
        .unwrap();
    let rejected = step(store, p.supervisor, "T-W-N-2", CellStep::Reject, 26)
        .await
        .unwrap();
    assert!(rejected.claim.is_none());

    // Only the owner releases; a lock stops everyone.
    let not_owner = step(store, p.west_c2, "T-W-S-1", owner_only, 30)
        .await
        .unwrap_err();
    assert_eq!(
        not_owner.message,
        "cell T-W-S-1 is claimed by west.c; only the owner or a supervisor may release it"
    );
    step(store, p.supervisor, "T-W-S-1", CellStep::Lock, 31)
        .await
        .unwrap();
    let locked = step(store, p.west_c, "T-W-S-1", owner_only, 32)
        .await
        .unwrap_err();
    assert!(
        locked
            .message
            .starts_with("cell T-W-S-1 is locked by sup.west"),
        "{}",
        locked.message
    );
    let moved = step(
        store,
        p.supervisor,
        "T-W-S-1",
        CellStep::Transfer {
            to_manager_id: p.west_c2,
        },
        32,
    );
    assert_eq!(moved.await.unwrap_err().refusal.code(), "locked");
    step(store, p.supervisor, "T-W-S-1", CellStep::Unlock, 33)
        .await
        .unwrap();
    let not_locked = step(store, p.supervisor, "T-W-S-1", CellStep::Unlock, 33)
        .await
        .unwrap_err();
    assert_eq!(not_locked.refusal, Refusal::NotLocked);

    // Transfer: to a manager the rules allow (west.c2 has no T-W-S in scope).
    let outside = step(
        store,
        p.supervisor,
        "T-W-S-1",
        CellStep::Transfer {
            to_manager_id: p.west_c2,
        },
        34,
    )
    .await
    .unwrap_err();
    assert_eq!(outside.refusal.code(), "outside_scope");
    let to_admin = step(
        store,
        p.supervisor,
        "T-W-S-1",
        CellStep::Transfer {
            to_manager_id: p.admin,
        },
        34,
    )
    .await
    .unwrap_err();
    assert_eq!(to_admin.refusal.code(), "not_a_manager");
    step(store, p.west_c, "T-W-N-1", CellStep::Claim, 35)
        .await
        .unwrap();
    let transferred = step(
        store,
        p.supervisor,
        "T-W-N-1",
        CellStep::Transfer {
            to_manager_id: p.west_c2,
        },
        36,
    )
    .await
    .unwrap();
    let claim = transferred.claim.unwrap();
    assert_eq!(
        (claim.manager.name.as_str(), claim.status),
        ("west.c2", ClaimStatus::Active)
    );
    assert_eq!(claim.decided_by.as_deref(), Some("sup.west"));

    // The history: who, when, from, to, why.
    let history = store.cell_history(&code("T-W-N-2")).await.unwrap();
    let summary: Vec<_> = history
        .iter()
        .map(|h| {
            (
                h.action,
                h.actor.as_str(),
                h.from.as_deref(),
                h.to.as_deref(),
                h.status,
                h.at_ms,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                ClaimAction::Claim,
                "west.z",
                None,
                Some("west.z"),
                Some(ClaimStatus::Pending),
                20
            ),
            (
                ClaimAction::Approve,
                "sup.west",
                None,
                Some("west.z"),
                Some(ClaimStatus::Active),
                22
            ),
            (
                ClaimAction::Release,
                "west.z",
                Some("west.z"),
                None,
                Some(ClaimStatus::Released),
                24
            ),
            (
                ClaimAction::Claim,
                "west.z",
                None,
                Some("west.z"),
                Some(ClaimStatus::Pending),
                25
            ),
            (
                ClaimAction::Reject,
                "sup.west",
                Some("west.z"),
                None,
                Some(ClaimStatus::Rejected),
                26
            ),
        ]
    );
    assert!(history.iter().all(|h| h.reason.as_deref() == Some("check")));
    let moves: Vec<_> = store
        .cell_history(&code("T-W-N-1"))
        .await
        .unwrap()
        .into_iter()
        .map(|h| (h.action, h.from, h.to))
        .collect();
    assert_eq!(
        moves,
        [
            (ClaimAction::Claim, None, Some("west.c".to_owned())),
            (
                ClaimAction::Transfer,
                Some("west.c".to_owned()),
                Some("west.c2".to_owned())
            ),
        ]
    );
    let actions: Vec<_> = store
        .cell_history(&code("T-W-S-1"))
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.action)
        .collect();
    assert_eq!(
        actions,
        [ClaimAction::Claim, ClaimAction::Lock, ClaimAction::Unlock]
    );

    // Listing with filters.
    let all = |f: ClaimFilter| async move {
        let f = ClaimFilter { limit: 100, ..f };
        let mut v: Vec<_> = store
            .claims(&f)
            .await
            .unwrap()
            .into_iter()
            .map(|c| format!("{} {} {}", c.cell, c.manager.name, c.status))
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        all(ClaimFilter {
            statuses: vec![ClaimStatus::Active],
            ..ClaimFilter::default()
        })
        .await,
        ["T-W-N-1 west.c2 active", "T-W-S-1 west.c active"]
    );
    assert_eq!(
        all(ClaimFilter {
            manager_id: Some(p.west_c),
            ..ClaimFilter::default()
        })
        .await,
        ["T-W-N-1 west.c transferred", "T-W-S-1 west.c active"]
    );
    assert_eq!(
        all(ClaimFilter {
            grid: Some(code("T-W-N")),
            ..ClaimFilter::default()
        })
        .await
        .len(),
        4
    );
    assert_eq!(
        all(ClaimFilter {
            grid: Some(code("T")),
            ..ClaimFilter::default()
        })
        .await
        .len(),
        5
    );
    assert!(all(ClaimFilter {
        grid: Some(code("T-E")),
        ..ClaimFilter::default()
    })
    .await
    .is_empty());
    assert!(matches!(
        store.cell_history(&code("NOPE")).await.unwrap_err(),
        StoreError::NotFound { .. }
    ));
}

async fn a_batch_is_all_or_nothing(ctx: Ctx) {
    let store = &ctx.store;
    let p = claim_fixture(store).await;
    let ctx_at = |now_ms| StepContext {
        actor_id: p.west_c,
        reason: Some("lasso"),
        now_ms,
        thresholds: None,
        dry_run: false,
    };
    let batch = |cells: &[&str]| -> Vec<(String, CellStep)> {
        cells
            .iter()
            .map(|c| ((*c).to_owned(), CellStep::Claim))
            .collect()
    };
    let refusals = store
        .apply_cell_steps(
            &batch(&[
                "T-W-S-1", "T-W-S-2", "T-E-N-2", "T-W-N-2", "NOPE", "T-W-S-1",
            ]),
            &ctx_at(1),
        )
        .await
        .unwrap()
        .unwrap_err();
    let reasons: Vec<_> = refusals
        .iter()
        .map(|r| (r.cell.as_str(), r.refusal.code()))
        .collect();
    assert_eq!(
        reasons,
        [
            ("T-E-N-2", "outside_scope"),
            ("T-W-N-2", "kind_not_allowed"),
            ("NOPE", "unknown_cell"),
            ("T-W-S-1", "duplicate_in_batch"),
        ]
    );
    assert!(store
        .claims(&ClaimFilter {
            limit: 10,
            ..ClaimFilter::default()
        })
        .await
        .unwrap()
        .is_empty());
    assert!(
        store
            .cell_history(&code("T-W-S-1"))
            .await
            .unwrap()
            .is_empty(),
        "nothing written"
    );

    let states = store
        .apply_cell_steps(&batch(&["T-W-S-2", "T-W-S-1"]), &ctx_at(2))
        .await
        .unwrap()
        .unwrap();
    let cells: Vec<_> = states.iter().map(|s| s.cell.as_str()).collect();
    assert_eq!(cells, ["T-W-S-2", "T-W-S-1"], "answers in request order");
    assert!(states
        .iter()
        .all(|s| s.claim.as_ref().unwrap().status == ClaimStatus::Active));

    // A cell limit counts the cells of the batch too (cells go in code order).
    for (i, cell) in ["T-W-S-1", "T-W-S-2"].into_iter().enumerate() {
        step(
            store,
            p.west_c,
            cell,
            CellStep::Release { owner_only: true },
            3 + i as i64,
        )
        .await
        .unwrap();
    }
    let mut rules = store.claim_rules().await.unwrap();
    rules.max_cells_per_manager = Some(2);
    store.set_claim_rules(&rules, p.admin, 5).await.unwrap();
    let full = store
        .apply_cell_steps(&batch(&["T-W-S-1", "T-W-S-2", "T-W-N-1"]), &ctx_at(6))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(full.len(), 1);
    assert_eq!(
        full[0].message,
        "cell T-W-S-2 would give west.c more than 2 cells (claim rules)"
    );
    store
        .apply_cell_steps(&batch(&["T-W-S-1", "T-W-N-1"]), &ctx_at(7))
        .await
        .unwrap()
        .unwrap();
    let _ = (p.east_c, p.supervisor, p.west_z, p.west_c2);
}

async fn sessions_expire_and_are_revoked(ctx: Ctx) {
    let store = &ctx.store;
    let p = claim_fixture(store).await;
    let token = |c: char| c.to_string().repeat(64);
    store
        .create_session(p.west_c, &token('a'), 1_000, 2_000)
        .await
        .unwrap();
    store
        .create_session(p.west_c, &token('b'), 1_000, 2_000)
        .await
        .unwrap();
    store
        .create_session(p.admin, &token('c'), 1_000, 2_000)
        .await
        .unwrap();
    let live = store.session(&token('a'), 1_500).await.unwrap().unwrap();
    assert_eq!(
        (live.user.name.as_str(), live.expires_at_ms),
        ("west.c", 2_000)
    );
    assert_eq!(live.user.scopes, [code("T-W-N"), code("T-W-S")]);
    assert!(
        store.session(&token('a'), 2_000).await.unwrap().is_none(),
        "expired"
    );
    assert!(store.session(&token('d'), 1_500).await.unwrap().is_none());
    assert!(store
        .create_session(p.admin, "not-hex", 1, 2)
        .await
        .is_err());
    assert!(store
        .create_session(p.admin, &token('e'), 2, 2)
        .await
        .is_err());

    assert!(store.revoke_session(&token('a'), 1_600).await.unwrap());
    assert!(!store.revoke_session(&token('a'), 1_600).await.unwrap());
    assert!(
        store.session(&token('a'), 1_700).await.unwrap().is_none(),
        "revoked"
    );
    assert!(store.session(&token('b'), 1_700).await.unwrap().is_some());
    assert_eq!(
        store.revoke_user_sessions("west.c", 1_800).await.unwrap(),
        1
    );
    assert!(store.session(&token('b'), 1_900).await.unwrap().is_none());
    store.set_user_disabled("admin", true).await.unwrap();
    assert!(
        store.session(&token('c'), 1_900).await.unwrap().is_none(),
        "disabled user"
    );
    store.set_user_disabled("admin", false).await.unwrap();
    assert!(store.session(&token('c'), 1_900).await.unwrap().is_some());
    assert_eq!(store.delete_ended_sessions(1_900).await.unwrap(), 2);
    assert_eq!(
        store.user_by_id(p.west_c).await.unwrap().unwrap().name,
        "west.c"
    );
    assert!(store.user_by_id(-1).await.unwrap().is_none());
}

async fn ownership_gaps_for_coverage(ctx: Ctx) {
    let store = &ctx.store;
    let p = claim_fixture(store).await;
    let codes_of_cells = |v: Vec<wangge_store::UnclaimedCell>| {
        v.into_iter()
            .map(|c| format!("{}{}", c.code, if c.pending { "?" } else { "" }))
            .collect::<Vec<_>>()
    };
    assert_eq!(store.unclaimed_cells().await.unwrap().len(), 8);
    step(store, p.west_c, "T-W-S-1", CellStep::Claim, 1)
        .await
        .unwrap();
    step(store, p.west_z, "T-W-N-2", CellStep::Claim, 1)
        .await
        .unwrap();
    assert_eq!(
        codes_of_cells(store.unclaimed_cells().await.unwrap()),
        ["T-E-N-1", "T-E-N-2", "T-E-S-1", "T-E-S-2", "T-W-N-1", "T-W-N-2?", "T-W-S-2"]
    );
    let l3 = |v: Vec<wangge_store::GridBrief>| {
        v.into_iter()
            .map(|g| g.code.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(l3(store.level3_without_manager().await.unwrap()), ["T-E-N"]);
    store.set_user_disabled("east.c", true).await.unwrap();
    assert_eq!(
        l3(store.level3_without_manager().await.unwrap()),
        ["T-E-N", "T-E-S"]
    );
    add_user(
        store,
        "east.all",
        Role::GridManager,
        Some(ManagerKind::Zhengqi),
        &["T-E-S", "T-E-N"],
    )
    .await;
    assert!(
        store.level3_without_manager().await.unwrap().is_empty(),
        "east.all covers both east level-3 grids"
    );
    // A grid manager is scoped to level-3 grids only (the store refuses T-E).
    let wide = NewUser {
        name: "east.wide".into(),
        role: Role::GridManager,
        kind: Some(ManagerKind::Community),
        scopes: vec![code("T-E")],
        password_hash: CHEAP_HASH.into(),
    };
    let err = store.insert_user(&wide).await.unwrap_err().to_string();
    assert!(err.contains("T-E") && err.contains("level-3"), "{err}");
}

async fn portfolio_counts_customers_by_value_tier(ctx: Ctx) {
    let store = &ctx.store;
    let p = claim_fixture(store).await;
    // 20 own customers with spend 100..2000: top 5 % = the 2000 one, top
    // 20 % = 1700 and up. Staff 60 (medium size) for 20, 19, 6 and 5.
    let mut customers: Vec<NewCustomer> = (1..=20)
        .map(|i: i64| NewCustomer {
            code: format!("C{i:02}"),
            name: format!("客户{i}"),
            segment: None,
            product_type: None,
            address: None,
            lon: Some(0.5),
            lat: Some(0.5),
            monthly_spend_yuan: Some(100.0 * i as f64),
            staff_count: Some(if [5, 6, 19, 20].contains(&i) { 60 } else { 10 }),
            class: None,
            other_operator: false,
        })
        .collect();
    for i in 1..=2 {
        customers.push(NewCustomer {
            code: format!("X{i}"),
            monthly_spend_yuan: None,
            staff_count: None,
            other_operator: true,
            ..customers[0].clone()
        });
    }
    store
        .upsert_customers(&test_territory(), &customers)
        .await
        .unwrap();
    let mut ids: Vec<i64> = store
        .entity_points(EntityKind::Customer)
        .await
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    ids.sort_unstable();
    let cell_id = |c: &'static str| async move { store.grid(&code(c)).await.unwrap().unwrap().id };
    let (one, two) = (cell_id("T-W-S-1").await, cell_id("T-W-S-2").await);
    let placements: Vec<Placement> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| Placement {
            entity_id: *id,
            status: wangge_model::PlacementStatus::Assigned,
            cell_id: Some(if i < 20 { one } else { two }),
            l3_id: None,
            l2_id: None,
            l1_id: None,
            suggestion_cell_id: None,
            suggestion_distance_m: None,
            reason: None,
        })
        .collect();
    store
        .replace_placements(EntityKind::Customer, &placements)
        .await
        .unwrap();

    let rules = store.claim_rules().await.unwrap();
    let thresholds = store.value_thresholds(&rules.value_tiers).await.unwrap();
    assert_eq!(thresholds.customers_ranked, 20);
    assert_eq!(thresholds.high_spend_min_yuan, Some(2000.0));
    assert_eq!(thresholds.medium_spend_min_yuan, Some(1700.0));

    // Norm limit: at most 1 medium-value customer.
    let mut tight = rules.clone();
    tight
        .workload_norms
        .iter_mut()
        .find(|n| n.tier == ValueTier::Medium)
        .unwrap()
        .max_customers = Some(1);
    tight
        .workload_norms
        .iter_mut()
        .find(|n| n.tier == ValueTier::Medium)
        .unwrap()
        .min_customers = Some(0);
    store.set_claim_rules(&tight, p.admin, 1).await.unwrap();
    let over = step(store, p.west_c, "T-W-S-1", CellStep::Claim, 2)
        .await
        .unwrap_err();
    assert_eq!(
        over.message,
        "cell T-W-S-1 would give west.c 2 medium-value customers, above the norm of 1"
    );
    // A total limit of 21 customers: 20 fit, 2 more do not.
    let mut total = rules.clone();
    total.max_customers_per_manager = Some(21);
    store.set_claim_rules(&total, p.admin, 3).await.unwrap();
    step(store, p.west_c, "T-W-S-1", CellStep::Claim, 4)
        .await
        .unwrap();
    let over = step(store, p.west_c, "T-W-S-2", CellStep::Claim, 5)
        .await
        .unwrap_err();
    assert_eq!(over.refusal.code(), "customer_limit");
    assert!(
        over.message.contains("22 customers, above the limit of 21"),
        "{}",
        over.message
    );
    store.set_claim_rules(&rules, p.admin, 6).await.unwrap();
    step(store, p.west_c, "T-W-S-2", CellStep::Claim, 7)
        .await
        .unwrap();

    let portfolio = store.portfolio(p.west_c, None).await.unwrap();
    let c = portfolio.customers;
    assert_eq!(
        (c.high, c.potential, c.medium, c.low, c.other_operator),
        (1, 3, 2, 14, 2)
    );
    let cells: Vec<_> = portfolio
        .cells
        .iter()
        .map(|c| (c.code.as_str(), c.customers.total()))
        .collect();
    assert_eq!(cells, [("T-W-S-1", 20), ("T-W-S-2", 2)]);
    let high = &portfolio.workload[0];
    assert_eq!(
        (high.tier, high.customers, high.min_customers, high.status),
        (
            ValueTier::High,
            1,
            Some(30),
            wangge_store::NormStatus::Below
        )
    );
    assert!(!portfolio.overloaded);
    assert_eq!(portfolio.thresholds, thresholds);
    let json = serde_json::to_string(&portfolio).unwrap();
    assert!(!json.contains("argon2"), "{json}");
    assert!(matches!(
        store.portfolio(-5, None).await.unwrap_err(),
        StoreError::NotFound { .. }
    ));
    let _ = (p.supervisor, p.west_c2, p.west_z, p.east_c);
}

// ---- geocoding (issue 5) -------------------------------------------------

/// What the assignment engine geocodes: entities without a coordinate pair
/// but with a non-blank address, the address trimmed.
async fn unlocated_addresses_are_those_without_coordinates(ctx: Ctx) {
    let store = &ctx.store;
    let customer =
        |code: &str, address: Option<&str>, lon: Option<f64>, lat: Option<f64>| NewCustomer {
            code: code.to_owned(),
            name: format!("客户{code}"),
            segment: None,
            product_type: None,
            address: address.map(str::to_owned),
            lon,
            lat,
            monthly_spend_yuan: None,
            staff_count: None,
            class: None,
            other_operator: false,
        };
    let customers = vec![
        customer("A", Some(" 茅箭区北京路12号 "), None, None),
        customer("B", Some("张湾区人民路"), Some(110.8), Some(32.6)),
        customer("C", Some("   "), None, None),
        customer("D", None, None, None),
        customer("E", Some("郧县城关镇"), Some(110.8), None),
    ];
    store
        .upsert_customers(&test_territory(), &customers)
        .await
        .unwrap();
    let points = store.entity_points(EntityKind::Customer).await.unwrap();
    let id_of = |i: usize| points[i].id; // by id = insertion order
    let got = store
        .unlocated_addresses(EntityKind::Customer)
        .await
        .unwrap();
    assert_eq!(
        got,
        vec![
            (id_of(0), "茅箭区北京路12号".to_owned()),
            (id_of(4), "郧县城关镇".to_owned()),
        ]
    );
    assert!(store
        .unlocated_addresses(EntityKind::Opportunity)
        .await
        .unwrap()
        .is_empty());
}

// ------------------------------------------- revisions and bulk writes

fn customer(code: &str) -> wangge_store::NewCustomer {
    wangge_store::NewCustomer {
        code: code.into(),
        name: format!("客户 {code}"),
        segment: None,
        product_type: None,
        address: None,
        lon: Some(110.8),
        lat: Some(32.6),
        monthly_spend_yuan: Some(50.0),
        staff_count: None,
        class: None,
        other_operator: false,
    }
}

/// PostgreSQL raises a name's revision at the first statement of a
/// transaction and not again (each further raise of the one row cost the
/// transaction more: quadratic). SQLite's row triggers raise per row.
async fn a_transaction_raises_a_revision_once_on_postgres(ctx: Ctx) {
    let store = &ctx.store;
    let before = store.revisions().await.unwrap();
    let rows: Vec<_> = (0..2_500).map(|i| customer(&format!("C{i:05}"))).collect();
    let report = store
        .upsert_customers_committing_every(&test_territory(), &rows, 1_000)
        .await
        .unwrap();
    assert_eq!((report.inserted, report.updated), (2_500, 0));
    let after = store.revisions().await.unwrap();
    let raised = after.customers - before.customers;
    if ctx.kind == BackendKind::Postgres {
        // Three commits (1,000 + 1,000 + 500 rows, several statements each).
        assert_eq!(raised, 3, "customers revision");
    } else {
        assert!(raised >= 3, "customers revision raised {raised}");
    }
    // The grids: many statements in one import, one number on PostgreSQL,
    // and every grid logged under a number the revision reached.
    import_sample(store).await;
    let grids = store.revisions().await.unwrap().grids;
    if ctx.kind == BackendKind::Postgres {
        assert_eq!(grids - before.grids, 1, "grids revision");
    }
    let changes = store
        .grid_changes(before.grids, grids)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(changes.ids.len(), 15);
}

async fn the_grid_change_log_is_pruned_below_a_floor(ctx: Ctx) {
    let store = &ctx.store;
    import_sample(store).await;
    let first = store.revisions().await.unwrap().grids;
    assert_eq!(store.grid_changes_pruned_through().await.unwrap(), 0);
    assert_eq!(
        store
            .grid_changes(0, first)
            .await
            .unwrap()
            .unwrap()
            .ids
            .len(),
        15
    );
    // Keeping more revisions than there are prunes nothing.
    assert_eq!(store.prune_grid_changes(first + 10).await.unwrap(), 0);
    assert!(store.grid_changes(0, first).await.unwrap().is_some());

    let mut renamed = box_grid("T-W-S", 3, Some("T-W"), None, [0.0, 0.0, 2.0, 1.5]);
    renamed.name = "新名字".into();
    store
        .import_grids(&test_territory(), &[renamed])
        .await
        .unwrap();
    let second = store.revisions().await.unwrap().grids;
    assert!(second > first);
    // Keep only the last revision: everything up to the one before goes.
    let deleted = store.prune_grid_changes(1).await.unwrap();
    assert!(deleted >= 15, "{deleted} log rows deleted");
    assert_eq!(
        store.grid_changes_pruned_through().await.unwrap(),
        second - 1
    );
    // A reader from before the floor is told to rebuild in full ...
    assert_eq!(store.grid_changes(0, second).await.unwrap(), None);
    assert_eq!(store.grid_changes(first - 1, second).await.unwrap(), None);
    // ... one at the floor still reads the change it missed.
    let missed = store
        .grid_changes(second - 1, second)
        .await
        .unwrap()
        .unwrap();
    let id = store.grid(&code("T-W-S")).await.unwrap().unwrap().id;
    assert_eq!(missed.ids, vec![id]);
    // Pruning again at the same point does nothing.
    assert_eq!(store.prune_grid_changes(1).await.unwrap(), 0);
}

async fn a_customer_import_is_checked_whole_then_committed_in_chunks(ctx: Ctx) {
    let store = &ctx.store;
    let count = || async {
        store
            .entity_points(wangge_store::EntityKind::Customer)
            .await
            .unwrap()
            .len()
    };
    // A code repeated in the third chunk fails before the first is written.
    let mut rows: Vec<_> = (0..2_500).map(|i| customer(&format!("C{i:05}"))).collect();
    rows[2_400].code = "C00007".into();
    let err = store
        .upsert_customers_committing_every(&test_territory(), &rows, 1_000)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("C00007"), "{err}");
    assert_eq!(count().await, 0);
    // So does a spend that is not a number.
    rows[2_400].code = "C02400".into();
    rows[2_300].monthly_spend_yuan = Some(f64::NAN);
    let err = store
        .upsert_customers_committing_every(&test_territory(), &rows, 1_000)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("C02300"), "{err}");
    assert_eq!(count().await, 0);
    // A good file lands whole; the same file again updates every row.
    rows[2_300].monthly_spend_yuan = Some(12.5);
    let report = store
        .upsert_customers_committing_every(&test_territory(), &rows, 1_000)
        .await
        .unwrap();
    assert_eq!((report.inserted, report.updated), (2_500, 0));
    let report = store
        .upsert_customers_committing_every(&test_territory(), &rows, 0)
        .await
        .unwrap();
    assert_eq!((report.inserted, report.updated), (0, 2_500));
    assert_eq!(count().await, 2_500);
}

async fn standard_addresses_and_villages_keep_the_last_row_of_a_code(ctx: Ctx) {
    let store = &ctx.store;
    let address = |code: &str, road: &str| wangge_store::StandardAddressRecord {
        code: code.into(),
        province_code: Some("42".into()),
        city_code: Some("4203".into()),
        county_code: Some("420302".into()),
        town_code: None,
        village_code: None,
        road: road.into(),
        house_number: Some("1号".into()),
        compound: None,
        building: None,
        lon: 110.79,
        lat: 32.65,
    };
    // More rows than one statement takes, and a code given twice.
    let mut rows: Vec<_> = (0..2_345)
        .map(|i| address(&format!("A{i:05}"), "人民路"))
        .collect();
    rows.push(address("A00003", "北京路"));
    assert_eq!(store.upsert_standard_addresses(&rows).await.unwrap(), 2_345);
    let stored = store.standard_addresses().await.unwrap();
    assert_eq!(stored.len(), 2_345);
    assert_eq!(stored[3].road, "北京路");
    // Replacing a row by code keeps the base's other rows.
    store
        .upsert_standard_addresses(&[address("A00004", "上海路")])
        .await
        .unwrap();
    let stored = store.standard_addresses().await.unwrap();
    assert_eq!((stored.len(), stored[4].road.as_str()), (2_345, "上海路"));

    let village = |code: &str, name: &str| wangge_store::VillageRecord {
        code: code.into(),
        name: name.into(),
        town_code: code[..9].into(),
    };
    let mut villages: Vec<_> = (0..1_500)
        .map(|i| village(&format!("420303{i:06}"), "新村"))
        .collect();
    villages.push(village("420303000002", "老村"));
    assert_eq!(store.replace_villages(&villages).await.unwrap(), 1_500);
    let stored = store.villages().await.unwrap();
    assert_eq!((stored.len(), stored[2].name.as_str()), (1_500, "老村"));
}
