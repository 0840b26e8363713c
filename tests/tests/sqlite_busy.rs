//! Issue 12, point 9: while another process holds the write lock of the
//! `SQLite` file (a CLI import), a claim through the server waits the busy
//! timeout and then answers 503 with `Retry-After`, not 500 "database is
//! locked"; nothing is written, and the same claim succeeds once the lock is
//! gone.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic

mod claims_support;

use axum::http::{header, StatusCode};
use claims_support::{app, login, step};
use sqlx::{Connection, Executor, SqliteConnection};
use wangge_store::StoreError;
use wangge_tests::{test_territory, BackendKind};

#[tokio::test]
async fn a_claim_under_a_held_write_lock_is_a_503_with_retry_after() {
    let app = app(BackendKind::SqliteFile).await;
    let token = login(&app.router, "west.c").await;

    // Another writer (as `wangge import` would be) takes the lock and keeps it.
    let mut other = SqliteConnection::connect(&app.test_store.url)
        .await
        .unwrap();
    other.execute("BEGIN IMMEDIATE").await.unwrap();

    let answer = step(&app.router, Some(&token), "T-W-S-1", "claim", None).await;
    assert_eq!(
        answer.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        answer.text
    );
    assert_eq!(answer.body["error"], "busy", "{}", answer.text);
    assert!(
        answer.body["message"]
            .as_str()
            .unwrap()
            .contains("retry in"),
        "{}",
        answer.text
    );
    let retry_after = answer
        .headers
        .get(header::RETRY_AFTER)
        .expect("Retry-After");
    assert!(
        retry_after.to_str().unwrap().parse::<u32>().unwrap() >= 1,
        "{retry_after:?}"
    );

    // The store names the cause as its own error, whatever writes.
    let err = app
        .store
        .upsert_customers(&test_territory(), &[])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Busy(_)), "{err:?}");

    other.execute("ROLLBACK").await.unwrap();
    other.close().await.unwrap();
    // Nothing was written by the refused claim: the same claim now works.
    let answer = step(&app.router, Some(&token), "T-W-S-1", "claim", None).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.body["claim"]["status"], "active");
    app.finish().await;
}
