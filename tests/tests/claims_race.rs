//! Races: many managers claiming one cell at the same instant, through
//! `router()`, on a `SQLite` file and on `PostgreSQL` (when
//! `WANGGE_TEST_PG_URL` is set; an unreachable server fails the test).
//! Exactly one wins, the others get a clean 409 naming the winner, and the
//! history holds exactly the winner's step.

#![allow(clippy::unwrap_used)]

mod claims_support;

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use claims_support::{add_user, app, call, cheap_hash, login, step, App, PASSWORD};
use serde_json::json;
use sqlx::Row;
use tokio::sync::Barrier;
use wangge_model::{ManagerKind, Role};
use wangge_tests::{log_line, postgres_or_skip, BackendKind};

const RACERS: usize = 50;

/// Adds `n` community managers scoped to the west's level-3 grids and logs
/// them in.
async fn racers(app: &App, prefix: &str, n: usize) -> Vec<(String, String)> {
    let hash = cheap_hash(PASSWORD);
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let name = format!("{prefix}{i:02}");
        add_user(
            &app.store,
            &name,
            Role::GridManager,
            Some(ManagerKind::Community),
            &["T-W-S", "T-W-N"],
            &hash,
        )
        .await;
        let token = login(&app.router, &name).await;
        out.push((name, token));
    }
    out
}

async fn fifty_claims_of_one_cell(kind: BackendKind) {
    let app = app(kind).await;
    let racers = racers(&app, "racer", RACERS).await;
    let barrier = Arc::new(Barrier::new(RACERS));
    let mut tasks = Vec::new();
    for (name, token) in racers {
        let (router, barrier) = (app.router.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let answer = step(
                &router,
                Some(&token),
                "T-W-S-1",
                "claim",
                Some(json!({"reason": "race"})),
            )
            .await;
            (name, answer)
        }));
    }
    let mut winners = Vec::new();
    let mut losers = Vec::new();
    for task in tasks {
        let (name, answer) = task.await.unwrap();
        match answer.status {
            StatusCode::OK => winners.push(name),
            StatusCode::CONFLICT => losers.push(answer),
            other => panic!("{kind}: {name} got {other}: {}", answer.text),
        }
    }
    assert_eq!(
        winners.len(),
        1,
        "{kind}: exactly one owner, got {winners:?}"
    );
    assert_eq!(losers.len(), RACERS - 1);
    let winner = &winners[0];
    for loser in &losers {
        assert_eq!(loser.body["error"], "conflict");
        assert_eq!(loser.body["reason"], "claimed_by");
        assert_eq!(loser.body["owner"], winner.as_str());
        assert_eq!(
            loser.body["message"],
            format!("cell T-W-S-1 is already claimed by {winner}")
        );
    }
    // The database agrees, and the history holds the winner's step only.
    let open: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM claims c JOIN grids g ON g.id = c.cell_id \
         WHERE g.code = 'T-W-S-1' AND c.status IN ('pending', 'active')",
    )
    .fetch_one(app.store.raw_pool())
    .await
    .unwrap()
    .get("n");
    assert_eq!(open, 1, "{kind}");
    let history = claims_support::history(&app.store, "T-W-S-1").await;
    assert_eq!(history, [("claim".to_owned(), winner.clone())], "{kind}");
    let admin = login(&app.router, "admin").await;
    let listed = call(
        &app.router,
        Method::GET,
        "/api/v1/claims?grid=T-W-S-1",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(listed.body["count"], 1);
    assert_eq!(listed.body["claims"][0]["manager"]["name"], winner.as_str());
    log_line(&format!(
        "{kind}: {RACERS} concurrent claims: 1 owner ({winner}), {} x 409",
        losers.len()
    ));
    app.finish().await;
}

/// Overlapping lassos at once: every batch is all or nothing, so both cells
/// end with the same owner and every loser changed nothing.
async fn overlapping_batches(kind: BackendKind) {
    let app = app(kind).await;
    let racers = racers(&app, "lasso", 10).await;
    let barrier = Arc::new(Barrier::new(racers.len()));
    let mut tasks = Vec::new();
    for (i, (name, token)) in racers.into_iter().enumerate() {
        let (router, barrier) = (app.router.clone(), barrier.clone());
        // Half list the cells one way round, half the other.
        let cells = if i % 2 == 0 {
            json!(["T-W-S-1", "T-W-S-2", "T-W-N-1"])
        } else {
            json!(["T-W-N-1", "T-W-S-2", "T-W-S-1"])
        };
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let body = json!({"cells": cells, "action": "claim"});
            let answer = call(
                &router,
                Method::POST,
                "/api/v1/claims/batch",
                Some(&token),
                Some(body),
            )
            .await;
            (name, answer)
        }));
    }
    let mut winners = Vec::new();
    for task in tasks {
        let (name, answer) = task.await.unwrap();
        match answer.status {
            StatusCode::OK => winners.push(name),
            StatusCode::CONFLICT => {
                assert_eq!(
                    answer.body["refusals"].as_array().unwrap().len(),
                    3,
                    "{}",
                    answer.text
                );
            }
            other => panic!("{kind}: {name} got {other}: {}", answer.text),
        }
    }
    assert_eq!(winners.len(), 1, "{kind}: {winners:?}");
    for cell in ["T-W-S-1", "T-W-S-2", "T-W-N-1"] {
        let history = claims_support::history(&app.store, cell).await;
        assert_eq!(
            history,
            [("claim".to_owned(), winners[0].clone())],
            "{kind} {cell}"
        );
    }
    app.finish().await;
}

/// The constraint itself: 50 raw INSERTs of an open claim of one cell at
/// once, bypassing the store's checks: the database accepts exactly one.
async fn the_database_refuses_a_second_open_claim(kind: BackendKind) {
    let app = app(kind).await;
    let pool = app.store.raw_pool().clone();
    let row = sqlx::query("SELECT id, territory_id FROM grids WHERE code = 'T-W-S-2'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let (cell, territory): (i64, i64) = (row.get("id"), row.get("territory_id"));
    let manager = app.store.user_by_name("west.c").await.unwrap().unwrap().id;
    let barrier = Arc::new(Barrier::new(RACERS));
    let mut tasks = Vec::new();
    for _ in 0..RACERS {
        let (pool, barrier) = (pool.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            sqlx::query(
                "INSERT INTO claims (territory_id, cell_id, cell_level, manager_id, status, \
                 requested_by, requested_at) VALUES ($1, $2, 4, $3, 'active', $3, 1)",
            )
            .bind(territory)
            .bind(cell)
            .bind(manager)
            .execute(&pool)
            .await
        }));
    }
    let (mut ok, mut unique) = (0, 0);
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => ok += 1,
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => unique += 1,
            Err(e) => panic!("{kind}: {e}"),
        }
    }
    assert_eq!((ok, unique), (1, RACERS - 1), "{kind}");
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn race_sqlite_file() {
    fifty_claims_of_one_cell(BackendKind::SqliteFile).await;
    overlapping_batches(BackendKind::SqliteFile).await;
    the_database_refuses_a_second_open_claim(BackendKind::SqliteFile).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn race_postgres() {
    if postgres_or_skip("postgres race").is_none() {
        return;
    }
    fifty_claims_of_one_cell(BackendKind::Postgres).await;
    overlapping_batches(BackendKind::Postgres).await;
    the_database_refuses_a_second_open_claim(BackendKind::Postgres).await;
}
