//! `wangge demo` on `PostgreSQL`, run as a user runs it (the binary against
//! a fresh database), at several sizes: the seeding writes thousands of rows
//! per table in chunks, which failed on `PostgreSQL` as soon as a chunk had a
//! coordinate where the first had none (issue 11). Each size is checked
//! against the same demo seeded into `SQLite`: the same grids, entities and
//! placements, so the two stores agree on the data as well.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic

use std::process::Output;

use wangge_tests::cli::{self, ok};

use wangge_model::LevelNo;
use wangge_store::{EntityKind, Store};
use wangge_tests::{fresh_store, log_line, postgres_or_skip, BackendKind};

/// Sizes of the demo: none, more than one 2,000-row chunk, more than two.
const SIZES: [usize; 3] = [0, 2_500, 5_000];

/// The binary under test.
const BIN: &str = env!("CARGO_BIN_EXE_wangge-under-test");

fn wangge(url: &str, args: &[&str]) -> Output {
    cli::run(BIN, url, args)
}

/// What a seeded demo store holds: grids per level, entities per kind and
/// the territory's placement counts per status.
#[derive(Debug, PartialEq)]
struct Holdings {
    grids_per_level: Vec<i64>,
    entities: Vec<(EntityKind, i64)>,
    customer_statuses: Vec<(String, i64)>,
    resource_statuses: Vec<(String, i64)>,
}

async fn holdings(url: &str) -> Holdings {
    let store = Store::connect(url).await.unwrap();
    let stats = store.stats().await.unwrap();
    let rates = store.assignment_rates(LevelNo::DEPARTMENT).await.unwrap();
    let territory = rates
        .iter()
        .find(|r| r.code.is_none())
        .expect("a territory-wide row");
    let statuses = |c: &wangge_store::StatusCounts| {
        c.by_status
            .iter()
            .map(|(s, n)| (s.as_str().to_owned(), *n))
            .collect()
    };
    let held = Holdings {
        grids_per_level: stats.by_level.to_vec(),
        entities: store.entity_counts().await.unwrap().to_vec(),
        customer_statuses: statuses(&territory.customers),
        resource_statuses: statuses(&territory.resources),
    };
    store.close().await;
    held
}

async fn demo_of_size(customers: usize) {
    let postgres = fresh_store(BackendKind::Postgres).await;
    let sqlite = fresh_store(BackendKind::SqliteFile).await;
    // The CLI opens the databases itself; the stores only created them.
    postgres.store.close().await;
    sqlite.store.close().await;
    let size = customers.to_string();
    let (pg_url, sqlite_url) = (postgres.url.clone(), sqlite.url.clone());
    let (pg_out, sqlite_out) = tokio::join!(
        tokio::task::spawn_blocking(move || wangge(
            &pg_url,
            &["demo", "--customers", size.as_str()]
        )),
        tokio::task::spawn_blocking({
            let size = customers.to_string();
            move || wangge(&sqlite_url, &["demo", "--customers", size.as_str()])
        }),
    );
    let out = ok(&pg_out.unwrap());
    assert!(out.contains("demo territory seeded"), "{out}");
    ok(&sqlite_out.unwrap());

    let on_postgres = holdings(&postgres.url).await;
    let on_sqlite = holdings(&sqlite.url).await;
    assert_eq!(on_postgres.grids_per_level[0], 14, "{on_postgres:?}");
    assert_eq!(on_postgres.grids_per_level[3], 7183, "{on_postgres:?}");
    assert_eq!(
        on_postgres.entities[0],
        (EntityKind::Customer, customers as i64),
        "{on_postgres:?}"
    );
    let placed: i64 = on_postgres.customer_statuses.iter().map(|(_, n)| n).sum();
    assert_eq!(placed, customers as i64, "every customer is placed");
    assert_eq!(
        on_postgres, on_sqlite,
        "the same demo on PostgreSQL and SQLite"
    );
    log_line(&format!(
        "postgres demo --customers {customers}: {:?}",
        on_postgres.entities
    ));
    postgres.finish().await;
    sqlite.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_runs_on_postgres_at_several_sizes() {
    if postgres_or_skip("postgres demo").is_none() {
        return;
    }
    for customers in SIZES {
        demo_of_size(customers).await;
    }
}
