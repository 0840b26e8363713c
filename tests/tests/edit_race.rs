//! Concurrent grid edits of one cell (issue 12, point 1): a split and a
//! merge, or two splits, sent at once through two server instances (two
//! `AppState`s with their own pools on one SQLite file or one PostgreSQL
//! database), several rounds. Afterwards the cells of the level-3 grid
//! neither overlap nor leave a gap, an edit that read a version that moved
//! is refused with 409, and an answer that is an error never hides an edit
//! that was committed (its effect is absent), nor a 200 one that was not.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic

mod claims_support;

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use axum::Router;
use claims_support::{call, login, App};
use serde_json::{json, Value};
use wangge_model::Territory;
use wangge_server::auth::AuthConfig;
use wangge_server::{router, AppState};
use wangge_store::{NewCustomer, Store};
use wangge_tests::{backend_kinds, log_line, BackendKind};

const ROUNDS: usize = 4;

/// The two cells of `T-W-S`: `T-W-S-1` [0,0]-[1,2] and `T-W-S-2` [1,0]-[2,2].
const A: &str = "T-W-S-1";
const B: &str = "T-W-S-2";

#[derive(Debug, Clone, Copy)]
enum Race {
    /// Split A on one instance, merge A and B on the other.
    SplitAndMerge,
    /// Split A along two different lines, one per instance.
    TwoSplits,
}

/// Customers over the whole sample tree, placed: the edits place their
/// area again after committing, which is where a stale index used to fail.
async fn with_customers(store: &Store) {
    let territory = Territory {
        code: "T".parse().unwrap(),
        name: "T".into(),
    };
    let customers: Vec<NewCustomer> = (0..40)
        .map(|i| NewCustomer {
            code: format!("K{i:02}"),
            name: format!("K{i:02}"),
            segment: None,
            product_type: None,
            address: None,
            lon: Some(0.05 + 0.1 * f64::from(i % 20)),
            lat: Some(if i < 20 { 0.5 } else { 1.5 }),
            monthly_spend_yuan: None,
            staff_count: None,
            class: None,
            other_operator: false,
        })
        .collect();
    store
        .upsert_customers(&territory, &customers)
        .await
        .unwrap();
    let index = wangge_assign::load_index(store).await.unwrap();
    wangge_assign::assign_all(store, &index, &wangge_assign::AssignOptions::default())
        .await
        .unwrap();
}

async fn version(router: &Router, code: &str) -> i64 {
    let a = call(
        router,
        Method::GET,
        &format!("/api/v1/cells/{code}"),
        None,
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    a.body["version"]
        .as_i64()
        .expect("a cell answers its version")
}

async fn exists(router: &Router, code: &str) -> bool {
    let a = call(
        router,
        Method::GET,
        &format!("/api/v1/cells/{code}"),
        None,
        None,
    )
    .await;
    assert!(
        a.status == StatusCode::OK || a.status == StatusCode::NOT_FOUND,
        "{}",
        a.text
    );
    a.status == StatusCode::OK
}

/// One request of a race: where it goes, what it sends, and how to see in
/// the store whether it happened.
struct Edit {
    uri: String,
    body: Value,
    /// A cell that exists after the edit exactly when it committed...
    created: Option<&'static str>,
    /// ...or a cell that is gone after it exactly when it committed.
    removed: Option<&'static str>,
}

fn split(line_lon: f64, new_code: &'static str, version: Option<i64>) -> Edit {
    let mut body = json!({"line": [[line_lon, -0.5], [line_lon, 2.5]], "new_code": new_code});
    if let Some(v) = version {
        body["version"] = json!(v);
    }
    Edit {
        uri: format!("/api/v1/cells/{A}/split"),
        body,
        created: Some(new_code),
        removed: None,
    }
}

fn merge(versions: Option<(i64, i64)>) -> Edit {
    let mut body = json!({"codes": [A, B], "into": A});
    if let Some((va, vb)) = versions {
        body["versions"] = json!({A: va, B: vb});
    }
    Edit {
        uri: "/api/v1/cells/merge".to_owned(),
        body,
        created: None,
        removed: Some(B),
    }
}

/// Level-4 gaps and overlaps of the whole tree, as the coverage report sees them.
async fn gaps_and_overlaps(router: &Router) -> (usize, usize) {
    let a = call(
        router,
        Method::GET,
        "/api/v1/coverage?level=4&kind=gaps,overlaps",
        None,
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    (
        a.body["gaps"].as_array().map_or(usize::MAX, Vec::len),
        a.body["overlaps"].as_array().map_or(usize::MAX, Vec::len),
    )
}

/// A second instance on the same database: its own pool and snapshot.
async fn second_instance(app: &App) -> Router {
    let store = Store::connect(&app.test_store.url).await.unwrap();
    // The same clock: the tokens were issued at its time.
    router(AppState::with_auth(
        store,
        AuthConfig::default(),
        Arc::new(app.clock.clone()),
    ))
}

async fn round(kind: BackendKind, race: Race, with_versions: bool, n: usize) {
    let app = claims_support::app(kind).await;
    with_customers(&app.store).await;
    let other = second_instance(&app).await;
    let admin = login(&app.router, "admin").await;
    let (va, vb) = (version(&app.router, A).await, version(&app.router, B).await);
    let versions = with_versions.then_some((va, vb));
    let edits = match race {
        Race::SplitAndMerge => [
            split(0.3, "T-W-S-1-x", versions.map(|v| v.0)),
            merge(versions),
        ],
        Race::TwoSplits => [
            split(0.3, "T-W-S-1-x", versions.map(|v| v.0)),
            split(0.6, "T-W-S-1-y", versions.map(|v| v.0)),
        ],
    };
    let edits = Arc::new(edits);
    let routers = [app.router.clone(), other.clone()];
    let mut tasks = Vec::new();
    for i in 0..2 {
        let (router, token, edits) = (routers[i].clone(), admin.clone(), edits.clone());
        tasks.push(tokio::spawn(async move {
            let e = &edits[i];
            call(
                &router,
                Method::POST,
                &e.uri,
                Some(&token),
                Some(e.body.clone()),
            )
            .await
        }));
    }
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    let what = format!("{kind} {race:?} versions={with_versions} round {n}");
    for (e, a) in edits.iter().zip(&answers) {
        assert!(
            a.status == StatusCode::OK || a.status == StatusCode::CONFLICT,
            "{what}: {} answered {}: {}",
            e.uri,
            a.status,
            a.text
        );
        assert!(
            !a.text.contains("fkey") && a.body.get("placement_error").is_none(),
            "{what}: {}",
            a.text
        );
        // The answer tells the truth about what is stored.
        let committed = match (e.created, e.removed) {
            (Some(code), _) => exists(&app.router, code).await,
            (None, Some(code)) => !exists(&app.router, code).await,
            (None, None) => unreachable!(),
        };
        assert_eq!(
            committed,
            a.status == StatusCode::OK,
            "{what}: {} answered {} but the edit {} committed: {}",
            e.uri,
            a.status,
            if committed { "was" } else { "was not" },
            a.text
        );
    }
    let ok = answers
        .iter()
        .filter(|a| a.status == StatusCode::OK)
        .count();
    if with_versions {
        assert_eq!(
            ok,
            1,
            "{what}: one winner, one 409: {answers:?}",
            answers = answers.iter().map(|a| &a.text).collect::<Vec<_>>()
        );
    } else {
        assert_eq!(
            ok, 2,
            "{what}: without versions both apply, one after the other"
        );
    }
    // Both instances see a grid whose cells neither overlap nor leave gaps.
    for r in &routers {
        let found = gaps_and_overlaps(r).await;
        if found != (0, 0) {
            let cells = app
                .store
                .grids(&wangge_store::GridFilter {
                    parent: Some("T-W-S".parse().unwrap()),
                    ..Default::default()
                })
                .await
                .unwrap();
            let cells: Vec<String> = cells
                .iter()
                .map(|c| format!("{} v{} {}", c.code, c.version, c.geometry_geojson))
                .collect();
            let answers: Vec<&str> = answers.iter().map(|a| a.text.as_str()).collect();
            panic!("{what}: gaps and overlaps {found:?}\ncells: {cells:#?}\nanswers: {answers:#?}");
        }
    }
    // Every customer is placed in a cell that exists.
    let unplaced = call(&app.router, Method::GET, "/api/v1/assignment", None, None).await;
    assert_eq!(unplaced.status, StatusCode::OK, "{}", unplaced.text);
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_edits_of_one_cell_never_overlap_and_losers_get_409() {
    let kinds: Vec<BackendKind> = backend_kinds()
        .into_iter()
        // A memory database is private to one pool: no second instance.
        .filter(|k| *k != BackendKind::SqliteMemory)
        .collect();
    for kind in kinds {
        for race in [Race::SplitAndMerge, Race::TwoSplits] {
            for with_versions in [true, false] {
                for n in 0..ROUNDS {
                    round(kind, race, with_versions, n).await;
                }
            }
        }
        log_line(&format!(
            "{kind}: {ROUNDS} rounds each of split+merge and two splits, with and without versions: no overlap, no gap, losers 409"
        ));
    }
}
