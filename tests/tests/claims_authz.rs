//! The authorisation matrix through `router()`: every role (and nobody)
//! against every claim action, on a cell in the actor's scope and on one
//! outside it. Each case runs on a fresh database set up for that action,
//! and a refused case must leave the cell's history unchanged.

#![allow(clippy::unwrap_used)]

mod claims_support;

use axum::http::{Method, StatusCode};
use claims_support::{app, app_with, call, login, step, App};
use serde_json::json;
use wangge_server::auth::{AuthConfig, Policy};
use wangge_store::{CellStep, StepContext};
use wangge_tests::BackendKind;

/// Cells of the matrix: in the west (scope of `west.c`, `sup.west`) and in
/// the east (nobody of the west's).
const WEST: &str = "T-W-S-1"; // 15 community
const EAST: &str = "T-E-S-2"; // 17 vacant (community kind)
const WEST_ZQ: &str = "T-W-N-2"; // 01 政企
const EAST_ZQ: &str = "T-E-S-1"; // 04 政企

const ACTIONS: [&str; 7] = [
    "claim", "release", "approve", "reject", "transfer", "lock", "unlock",
];

/// The cell an action is tried on, in or out of the west.
fn cell(action: &str, west: bool) -> &'static str {
    match (action, west) {
        ("approve" | "reject", true) => WEST_ZQ,
        ("approve" | "reject", false) => EAST_ZQ,
        (_, true) => WEST,
        (_, false) => EAST,
    }
}

/// Puts the cells into the state the action needs (as their owners and
/// supervisors would, through the store).
async fn prepare(app: &App, action: &str) {
    let id = |name: &str| {
        let store = app.store.clone();
        let name = name.to_owned();
        async move { store.user_by_name(&name).await.unwrap().unwrap().id }
    };
    let run = |actor: i64, cell: &'static str, step: CellStep| {
        let store = app.store.clone();
        async move {
            let ctx = StepContext {
                actor_id: actor,
                reason: Some("setup"),
                now_ms: 1,
                thresholds: None,
                dry_run: false,
            };
            store
                .apply_cell_steps(&[(cell.to_owned(), step)], &ctx)
                .await
                .unwrap()
                .unwrap();
        }
    };
    match action {
        "release" | "transfer" => {
            run(id("west.c").await, WEST, CellStep::Claim).await;
            run(id("east.c").await, EAST, CellStep::Claim).await;
        }
        "approve" | "reject" => {
            run(id("west.z").await, WEST_ZQ, CellStep::Claim).await;
            run(id("east.z").await, EAST_ZQ, CellStep::Claim).await;
        }
        "unlock" => {
            run(id("admin").await, WEST, CellStep::Lock).await;
            run(id("admin").await, EAST, CellStep::Lock).await;
        }
        _ => {}
    }
}

/// The body of an action: a transfer names a manager the rules allow.
fn body(action: &str, west: bool) -> Option<serde_json::Value> {
    (action == "transfer")
        .then(|| json!({"to": if west { "west.c2" } else { "east.c2" }, "reason": "matrix"}))
}

/// Expected status of `actor` doing `action` in the west (`true`) or east.
fn expected(actor: Option<&str>, action: &str, west: bool) -> StatusCode {
    const OK: StatusCode = StatusCode::OK;
    const NO: StatusCode = StatusCode::FORBIDDEN;
    match actor {
        None => StatusCode::UNAUTHORIZED,
        Some("viewer" | "clerk" | "ops") => NO,
        // A manager claims in scope (rules) and releases only their own.
        Some("west.c") => match action {
            "claim" | "release" if west => OK,
            _ => NO,
        },
        // A supervisor does everything but claim, in the department only.
        Some("sup.west") => match action {
            "claim" => NO,
            _ if west => OK,
            _ => NO,
        },
        Some("admin") => match action {
            "claim" => NO,
            _ => OK,
        },
        Some(other) => panic!("no expectation for {other}"),
    }
}

#[tokio::test]
async fn every_role_against_every_claim_action_in_and_out_of_scope() {
    let actors = [
        None,
        Some("viewer"),
        Some("clerk"),
        Some("ops"),
        Some("west.c"),
        Some("sup.west"),
        Some("admin"),
    ];
    let mut failures = Vec::new();
    let mut cases = 0;
    for actor in actors {
        for action in ACTIONS {
            for west in [true, false] {
                let app = app(BackendKind::SqliteMemory).await;
                prepare(&app, action).await;
                let token = match actor {
                    Some(name) => Some(login(&app.router, name).await),
                    None => None,
                };
                let cell = cell(action, west);
                let before = claims_support::history(&app.store, cell).await;
                let answer = step(
                    &app.router,
                    token.as_deref(),
                    cell,
                    action,
                    body(action, west),
                )
                .await;
                let want = expected(actor, action, west);
                cases += 1;
                if answer.status != want {
                    failures.push(format!(
                        "{actor:?} {action} {cell}: got {} want {want}: {}",
                        answer.status, answer.text
                    ));
                }
                let after = claims_support::history(&app.store, cell).await;
                if want == StatusCode::OK {
                    assert_eq!(
                        after.len(),
                        before.len() + 1,
                        "{actor:?} {action}: one history entry"
                    );
                    assert_eq!(after.last().unwrap().1, actor.unwrap(), "recorded actor");
                } else {
                    assert_eq!(
                        after, before,
                        "{actor:?} {action} {cell}: refused, unchanged"
                    );
                    assert!(
                        answer.body["error"].is_string() && answer.body["message"].is_string(),
                        "{}",
                        answer.text
                    );
                }
                app.finish().await;
            }
        }
    }
    assert_eq!(cases, 7 * 7 * 2);
    assert!(
        failures.is_empty(),
        "{} of {cases} cases wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn refusals_say_why() {
    let app = app(BackendKind::SqliteMemory).await;
    prepare(&app, "release").await;
    let west_c2 = login(&app.router, "west.c2").await;
    // A manager cannot release another's cell: the store names the owner.
    let answer = step(&app.router, Some(&west_c2), WEST, "release", None).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(answer.body["reason"], "not_owner");
    assert_eq!(answer.body["owner"], "west.c");
    // A supervisor of one department cannot approve in another.
    prepare(&app, "approve").await;
    let sup_east = login(&app.router, "sup.east").await;
    let answer = step(&app.router, Some(&sup_east), WEST_ZQ, "approve", None).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(
        answer.body["message"],
        "cell T-W-N-2: the cell is outside your scope"
    );
    let answer = step(&app.router, Some(&sup_east), EAST_ZQ, "approve", None).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.body["claim"]["status"], "active");
    // A viewer cannot write, not even through a batch.
    let viewer = login(&app.router, "viewer").await;
    let answer = call(
        &app.router,
        Method::POST,
        "/api/v1/claims/batch",
        Some(&viewer),
        Some(json!({"cells": [WEST, EAST], "action": "lock"})),
    )
    .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(answer.body["refusals"].as_array().unwrap().len(), 2);
    // A 政企 manager may not claim community cells (claim rules).
    let west_z = login(&app.router, "west.z").await;
    let answer = step(&app.router, Some(&west_z), "T-W-N-1", "claim", None).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(answer.body["reason"], "kind_not_allowed");
    app.finish().await;
}

#[tokio::test]
async fn reads_the_map_without_login_and_data_with_a_token() {
    let app = app(BackendKind::SqliteMemory).await;
    let viewer = login(&app.router, "viewer").await;
    let map = [
        "/api/v1/grids",
        "/api/v1/cells",
        "/api/v1/grids/T-W",
        "/api/v1/stats",
        "/api/v1/cell-types",
        "/api/openapi.json",
        "/healthz",
    ];
    for uri in map {
        let answer = call(&app.router, Method::GET, uri, None, None).await;
        assert_eq!(answer.status, StatusCode::OK, "{uri}: {}", answer.text);
    }
    let data = [
        "/api/v1/claims",
        "/api/v1/cells/T-W-S-1/history",
        "/api/v1/cells/T-W-S-1/customers",
        "/api/v1/unplaced",
        "/api/v1/claim-rules",
        "/api/v1/managers/west.c/portfolio",
        "/api/v1/me",
    ];
    for uri in data {
        let answer = call(&app.router, Method::GET, uri, None, None).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{uri}");
        assert_eq!(answer.headers["www-authenticate"], "Bearer");
        assert_eq!(answer.body["error"], "unauthorized");
        let answer = call(&app.router, Method::GET, uri, Some(&viewer), None).await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "{uri} as viewer: {}",
            answer.text
        );
    }
    // A stale token does not break the map, but data needs a live one.
    let stale = "0".repeat(64);
    let answer = call(
        &app.router,
        Method::GET,
        "/api/v1/grids",
        Some(&stale),
        None,
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    let answer = call(
        &app.router,
        Method::GET,
        "/api/v1/claims",
        Some(&stale),
        None,
    )
    .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    // Only an administrator changes the rules.
    let rules = call(
        &app.router,
        Method::GET,
        "/api/v1/claim-rules",
        Some(&viewer),
        None,
    )
    .await;
    for name in ["sup.west", "west.c", "ops"] {
        let token = login(&app.router, name).await;
        let answer = call(
            &app.router,
            Method::PUT,
            "/api/v1/claim-rules",
            Some(&token),
            Some(rules.body.clone()),
        )
        .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{name}");
    }
    let admin = login(&app.router, "admin").await;
    let answer = call(
        &app.router,
        Method::PUT,
        "/api/v1/claim-rules",
        Some(&admin),
        Some(rules.body.clone()),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    app.finish().await;
}

#[tokio::test]
async fn a_private_server_shows_nothing_before_login() {
    let config = AuthConfig {
        policy: Policy { public_map: false },
        ..AuthConfig::default()
    };
    let app = app_with(BackendKind::SqliteMemory, config).await;
    let answer = call(&app.router, Method::GET, "/api/v1/grids", None, None).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    // Login, health and the spec stay open.
    for uri in ["/healthz", "/api/openapi.json"] {
        let answer = call(&app.router, Method::GET, uri, None, None).await;
        assert_eq!(answer.status, StatusCode::OK, "{uri}");
    }
    let viewer = login(&app.router, "viewer").await;
    let answer = call(
        &app.router,
        Method::GET,
        "/api/v1/grids",
        Some(&viewer),
        None,
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    app.finish().await;
}

/// Reads with customer data check role and scope: a cell's customers and
/// resources (scope, or a manager's own cell), the unplaced lists
/// (company-wide roles), portfolios (own, supervisors in scope).
#[tokio::test]
async fn data_reads_check_role_and_scope() {
    const OK: StatusCode = StatusCode::OK;
    const NO: StatusCode = StatusCode::FORBIDDEN;
    let app = app(BackendKind::SqliteMemory).await;
    let get = |token: String, uri: String| {
        let router = app.router.clone();
        async move {
            call(&router, Method::GET, &uri, Some(&token), None)
                .await
                .status
        }
    };
    // (user, west cell, east cell, unplaced, portfolio of west.c, of east.c)
    let table: [(&str, [StatusCode; 5]); 8] = [
        ("admin", [OK, OK, OK, OK, OK]),
        ("ops", [OK, OK, OK, OK, OK]),
        ("clerk", [OK, OK, OK, OK, OK]),
        ("viewer", [OK, OK, OK, OK, OK]),
        ("sup.west", [OK, NO, NO, OK, NO]),
        ("sup.east", [NO, OK, NO, NO, OK]),
        ("west.c", [OK, NO, NO, OK, NO]),
        ("west.c2", [OK, NO, NO, NO, NO]),
    ];
    for (name, want) in table {
        let token = login(&app.router, name).await;
        let uris = [
            format!("/api/v1/cells/{WEST}/customers"),
            format!("/api/v1/cells/{EAST}/resources"),
            "/api/v1/unplaced?kind=customer".to_owned(),
            "/api/v1/managers/west.c/portfolio".to_owned(),
            "/api/v1/managers/east.c/portfolio".to_owned(),
        ];
        for (uri, want) in uris.into_iter().zip(want) {
            let got = get(token.clone(), uri.clone()).await;
            assert_eq!(got, want, "{name} GET {uri}");
        }
    }
    // A refusal says why.
    let west_c = login(&app.router, "west.c").await;
    let answer = call(
        &app.router,
        Method::GET,
        &format!("/api/v1/cells/{EAST}/customers"),
        Some(&west_c),
        None,
    )
    .await;
    assert_eq!(answer.body["error"], "forbidden");
    assert!(
        answer.body["message"].as_str().unwrap().contains(EAST),
        "{}",
        answer.text
    );
    // A manager who holds a cell outside their level-3 grids reads it.
    let admin_id = app.store.user_by_name("admin").await.unwrap().unwrap().id;
    let mut rules = app.store.claim_rules().await.unwrap();
    rules.claim_outside_scope = true;
    app.store
        .set_claim_rules(&rules, admin_id, 1)
        .await
        .unwrap();
    let answer = step(&app.router, Some(&west_c), EAST, "claim", None).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let uri = format!("/api/v1/cells/{EAST}/customers");
    assert_eq!(get(west_c.clone(), uri.clone()).await, OK);
    // The owner is the responsible person for what the cell holds.
    let page = call(&app.router, Method::GET, &uri, Some(&west_c), None).await;
    assert_eq!(page.body["responsible"]["name"], "west.c", "{}", page.text);
    let page = call(
        &app.router,
        Method::GET,
        &format!("/api/v1/cells/{WEST}/resources"),
        Some(&west_c),
        None,
    )
    .await;
    assert!(page.body["responsible"].is_null(), "{}", page.text);
    let east_c2 = login(&app.router, "east.c2").await;
    assert_eq!(get(east_c2, uri).await, OK, "in east.c2's scope");
    // An unknown cell is a 404 for everyone, an unknown manager too.
    assert_eq!(
        get(west_c.clone(), "/api/v1/cells/T-W-S-9/customers".into()).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(west_c.clone(), "/api/v1/managers/nobody/portfolio".into()).await,
        StatusCode::NOT_FOUND
    );
    // `me`: the signed-in manager's own portfolio.
    let mine = call(
        &app.router,
        Method::GET,
        "/api/v1/managers/me/portfolio",
        Some(&west_c),
        None,
    )
    .await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.text);
    let by_name = call(
        &app.router,
        Method::GET,
        "/api/v1/managers/west.c/portfolio",
        Some(&west_c),
        None,
    )
    .await;
    assert_eq!(mine.body, by_name.body);
    app.finish().await;
}

/// `call_in` as (status, body), for the language test.
async fn call_in(
    app: &App,
    language: Option<&str>,
    method: Method,
    uri: &str,
    token: Option<&str>,
    body: Option<serde_json::Value>,
) -> (StatusCode, serde_json::Value) {
    let answer = claims_support::call_in(&app.router, language, method, uri, token, body).await;
    (answer.status, answer.body)
}

/// Errors carry a stable code and their values; the message is Chinese
/// unless the client asks for English, and no message is left untranslated.
#[tokio::test]
async fn errors_read_in_the_clients_language_chinese_by_default() {
    let app = app(BackendKind::SqliteMemory).await;
    prepare(&app, "release").await;
    let west_c2 = login(&app.router, "west.c2").await;
    let uri = format!("/api/v1/cells/{WEST}/release");
    let (status, zh) = call_in(&app, None, Method::POST, &uri, Some(&west_c2), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(zh["code"], "not_owner");
    assert_eq!(zh["owner"], "west.c");
    assert_eq!(
        zh["message"],
        format!("{WEST} 由 west.c 认领，只有认领人或主管可以释放")
    );
    let (_, en) = call_in(
        &app,
        Some("en-GB,en;q=0.9"),
        Method::POST,
        &uri,
        Some(&west_c2),
        None,
    )
    .await;
    assert_eq!(
        en["message"],
        format!("cell {WEST} is claimed by west.c; only the owner or a supervisor may release it")
    );
    assert_eq!(en["code"], zh["code"]);
    // A batch: every refused cell in Chinese.
    let (status, batch) = call_in(
        &app,
        Some("zh-CN"),
        Method::POST,
        "/api/v1/claims/batch",
        Some(&west_c2),
        Some(json!({"cells": [WEST], "action": "release"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{batch}");
    assert_eq!(batch["message"], "1 个网格中有 1 个被拒绝，未做任何更改");
    assert_eq!(batch["refusals"][0]["message"], zh["message"]);
    // Signing in: a wrong password, a revoked token.
    let (status, wrong) = call_in(
        &app,
        None,
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"name": "west.c2", "password": "not-the-password"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong["code"], "bad_credentials");
    assert_eq!(wrong["message"], "用户名或密码错误");
    let (status, _) = call_in(
        &app,
        None,
        Method::POST,
        "/api/v1/auth/logout",
        Some(&west_c2),
        None,
    )
    .await;
    assert!(status.is_success());
    let (status, gone) = call_in(&app, None, Method::GET, "/api/v1/me", Some(&west_c2), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(gone["code"], "session_expired");
    assert_eq!(gone["message"], "登录已失效（已过期或已注销），请重新登录");
    // No answer on the way keeps an English message in Chinese.
    for answer in [&zh, &batch, &wrong, &gone] {
        let message = answer["message"].as_str().unwrap();
        // Names and codes are what they are; no other Latin letter is left.
        let words = message.replace("west.c", "").replace(WEST, "");
        assert!(
            !words.chars().any(|c| c.is_ascii_alphabetic()),
            "English left in {message:?}"
        );
    }
    app.finish().await;
}
