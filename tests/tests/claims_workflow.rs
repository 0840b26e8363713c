//! The claim workflow through `router()`: every step, its history, the
//! lasso batch (all or nothing, every refusal with its reason), the claim
//! list, the rules API, the portfolio, and the OpenAPI document covering
//! every route of the router.

#![allow(clippy::unwrap_used)]

mod claims_support;

use axum::http::{Method, StatusCode};
use claims_support::{app, call, login, step, T0_MS};
use serde_json::{json, Value};
use wangge_server::openapi::ROUTES;
use wangge_tests::BackendKind;

fn names(history: &Value) -> Vec<String> {
    history["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            format!(
                "{} by {} {}->{} ({})",
                h["action"].as_str().unwrap(),
                h["actor"].as_str().unwrap(),
                h["from"].as_str().unwrap_or("-"),
                h["to"].as_str().unwrap_or("-"),
                h["reason"].as_str().unwrap_or("")
            )
        })
        .collect()
}

async fn single_steps_and_their_history(kind: BackendKind) {
    let app = app(kind).await;
    let r = &app.router;
    let west_c = login(r, "west.c").await;
    let west_z = login(r, "west.z").await;
    let sup = login(r, "sup.west").await;

    // A community cell is granted at once.
    let claimed = step(
        r,
        Some(&west_c),
        "T-W-S-1",
        "claim",
        Some(json!({"reason": "my block"})),
    )
    .await;
    assert_eq!(claimed.status, StatusCode::OK, "{}", claimed.text);
    assert_eq!(claimed.body["claim"]["status"], "active");
    assert_eq!(claimed.body["claim"]["manager"]["name"], "west.c");
    assert_eq!(claimed.body["claim"]["decided_by"], Value::Null);
    assert_eq!(claimed.body["claim"]["requested_at_ms"], T0_MS);
    assert_eq!(claimed.body["claim"]["reason"], "my block");
    let again = step(r, Some(&west_c), "T-W-S-1", "claim", None).await;
    assert_eq!(
        (again.status, again.body["reason"].as_str()),
        (StatusCode::CONFLICT, Some("already_yours"))
    );

    // A 政企 cell waits for the supervisor.
    let pending = step(r, Some(&west_z), "T-W-N-2", "claim", None).await;
    assert_eq!(pending.body["claim"]["status"], "pending");
    app.clock.advance(60_000);
    let approved = step(
        r,
        Some(&sup),
        "T-W-N-2",
        "approve",
        Some(json!({"reason": "ok"})),
    )
    .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.text);
    assert_eq!(approved.body["claim"]["status"], "active");
    assert_eq!(approved.body["claim"]["decided_by"], "sup.west");
    assert_eq!(approved.body["claim"]["decided_at_ms"], T0_MS + 60_000);
    let released = step(
        r,
        Some(&west_z),
        "T-W-N-2",
        "release",
        Some(json!({"reason": "too far"})),
    )
    .await;
    assert_eq!(released.status, StatusCode::OK);
    assert_eq!(released.body["claim"], Value::Null);
    step(r, Some(&west_z), "T-W-N-2", "claim", None).await;
    let rejected = step(
        r,
        Some(&sup),
        "T-W-N-2",
        "reject",
        Some(json!({"reason": "given to another team"})),
    )
    .await;
    assert_eq!(rejected.status, StatusCode::OK);
    let not_pending = step(r, Some(&sup), "T-W-N-2", "approve", None).await;
    assert_eq!(not_pending.status, StatusCode::CONFLICT);
    assert_eq!(
        not_pending.body["message"],
        "cell T-W-N-2 has no claim waiting for approval"
    );
    let history = call(
        r,
        Method::GET,
        "/api/v1/cells/T-W-N-2/history",
        Some(&west_c),
        None,
    )
    .await;
    assert_eq!(
        names(&history.body),
        [
            "claim by west.z -->west.z ()",
            "approve by sup.west -->west.z (ok)",
            "release by west.z west.z->- (too far)",
            "claim by west.z -->west.z ()",
            "reject by sup.west west.z->- (given to another team)",
        ]
    );
    assert_eq!(history.body["history"][1]["at_ms"], T0_MS + 60_000);

    // A lock stops the owner and everyone else until unlocked.
    let locked = step(
        r,
        Some(&sup),
        "T-W-S-1",
        "lock",
        Some(json!({"reason": "settled"})),
    )
    .await;
    assert_eq!(locked.body["lock"]["locked_by"], "sup.west");
    let refused = step(r, Some(&west_c), "T-W-S-1", "release", None).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(
        refused.body["message"],
        "cell T-W-S-1 is locked by sup.west (settled)"
    );
    let moved = step(
        r,
        Some(&sup),
        "T-W-S-1",
        "transfer",
        Some(json!({"to": "west.c2"})),
    )
    .await;
    assert_eq!(moved.body["reason"], "locked");
    step(r, Some(&sup), "T-W-S-1", "unlock", None).await;
    let moved = step(
        r,
        Some(&sup),
        "T-W-S-1",
        "transfer",
        Some(json!({"to": "west.c2", "reason": "rebalance"})),
    )
    .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);
    assert_eq!(moved.body["claim"]["manager"]["name"], "west.c2");
    let history = call(
        r,
        Method::GET,
        "/api/v1/cells/T-W-S-1/history",
        Some(&west_c),
        None,
    )
    .await;
    assert_eq!(
        names(&history.body).last().unwrap(),
        "transfer by sup.west west.c->west.c2 (rebalance)"
    );

    // Bad requests.
    let no_to = step(r, Some(&sup), "T-W-S-2", "transfer", None).await;
    assert_eq!(no_to.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ghost = step(
        r,
        Some(&sup),
        "T-W-S-2",
        "transfer",
        Some(json!({"to": "ghost"})),
    )
    .await;
    assert_eq!(ghost.status, StatusCode::UNPROCESSABLE_ENTITY);
    let admin_id = app.store.user_by_name("admin").await.unwrap().unwrap().id;
    let to_admin = step(
        r,
        Some(&sup),
        "T-W-S-2",
        "transfer",
        Some(json!({"to": admin_id})),
    )
    .await;
    assert_eq!(
        (to_admin.status, to_admin.body["reason"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("not_a_manager"))
    );
    let unknown = step(r, Some(&west_c), "NO-SUCH", "claim", None).await;
    assert_eq!(
        (unknown.status, unknown.body["reason"].as_str()),
        (StatusCode::NOT_FOUND, Some("unknown_cell"))
    );
    let level3 = step(r, Some(&west_c), "T-W-S", "claim", None).await;
    assert_eq!(
        (level3.status, level3.body["reason"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("not_a_cell"))
    );
    let odd_body = step(
        r,
        Some(&west_c),
        "T-W-S-2",
        "claim",
        Some(json!({"why": 1})),
    )
    .await;
    assert_eq!(odd_body.status, StatusCode::UNPROCESSABLE_ENTITY);

    // The list and its filters.
    let list = |q: &'static str| {
        let (r, token) = (r.clone(), west_c.clone());
        async move {
            let answer = call(
                &r,
                Method::GET,
                &format!("/api/v1/claims{q}"),
                Some(&token),
                None,
            )
            .await;
            assert_eq!(answer.status, StatusCode::OK, "{q}: {}", answer.text);
            answer.body["claims"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| {
                    format!(
                        "{} {} {}",
                        c["cell"].as_str().unwrap(),
                        c["manager"]["name"].as_str().unwrap(),
                        c["status"].as_str().unwrap()
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(list("?status=active").await, ["T-W-S-1 west.c2 active"]);
    assert_eq!(
        list("?manager=west.c").await,
        ["T-W-S-1 west.c transferred"]
    );
    assert_eq!(
        list("?grid=T-W-N&status=released,rejected").await,
        ["T-W-N-2 west.z rejected", "T-W-N-2 west.z released"]
    );
    assert_eq!(list("?grid=T-E").await.len(), 0);
    assert_eq!(list("?limit=2").await.len(), 2);
    let bad = call(
        r,
        Method::GET,
        "/api/v1/claims?status=owned",
        Some(&west_c),
        None,
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let nobody = call(
        r,
        Method::GET,
        "/api/v1/claims?manager=ghost",
        Some(&west_c),
        None,
    )
    .await;
    assert_eq!(nobody.status, StatusCode::NOT_FOUND);
    app.finish().await;
}

async fn a_lasso_is_one_transaction_with_every_reason(kind: BackendKind) {
    let app = app(kind).await;
    let r = &app.router;
    let west_c = login(r, "west.c").await;
    let batch = |body: Value| {
        let (r, token) = (r.clone(), west_c.clone());
        async move {
            call(
                &r,
                Method::POST,
                "/api/v1/claims/batch",
                Some(&token),
                Some(body),
            )
            .await
        }
    };
    let refused = batch(
        json!({"cells": ["T-W-S-2", "T-E-N-2", "T-W-N-2", "NOPE", "T-W-S-1"], "action": "claim"}),
    )
    .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    assert_eq!(
        refused.body["message"],
        "3 of 5 cells refused; nothing was changed"
    );
    let reasons: Vec<(&str, &str)> = refused.body["refusals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["cell"].as_str().unwrap(), r["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        reasons,
        [
            ("T-E-N-2", "outside_scope"),
            ("T-W-N-2", "kind_not_allowed"),
            ("NOPE", "unknown_cell")
        ]
    );
    assert!(
        claims_support::history(&app.store, "T-W-S-2")
            .await
            .is_empty(),
        "nothing written"
    );

    let preview = batch(
        json!({"cells": ["T-W-S-2", "T-W-S-1", "T-W-N-1"], "action": "claim", "dry_run": true}),
    )
    .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text);
    assert_eq!(
        (
            preview.body["dry_run"].as_bool(),
            preview.body["applied"].as_i64()
        ),
        (Some(true), Some(0))
    );
    assert!(
        claims_support::history(&app.store, "T-W-S-2")
            .await
            .is_empty(),
        "a preview writes nothing"
    );

    let done = batch(
        json!({"cells": ["T-W-S-2", "T-W-S-1", "T-W-N-1"], "action": "claim", "reason": "lasso"}),
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    assert_eq!(done.body["applied"], 3);
    let cells: Vec<&str> = done.body["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["cell"].as_str().unwrap())
        .collect();
    assert_eq!(cells, ["T-W-S-2", "T-W-S-1", "T-W-N-1"]);
    let portfolio = call(
        r,
        Method::GET,
        "/api/v1/managers/west.c/portfolio",
        Some(&west_c),
        None,
    )
    .await;
    assert_eq!(portfolio.status, StatusCode::OK, "{}", portfolio.text);
    let held: Vec<&str> = portfolio.body["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert_eq!(held, ["T-W-N-1", "T-W-S-1", "T-W-S-2"]);
    assert_eq!(portfolio.body["workload"].as_array().unwrap().len(), 4);
    assert_eq!(portfolio.body["manager"]["name"], "west.c");
    assert!(portfolio.text.find("password").is_none());

    // Others cannot release a lasso of mine; I can.
    let west_c2 = login(r, "west.c2").await;
    let theirs = call(
        r,
        Method::POST,
        "/api/v1/claims/batch",
        Some(&west_c2),
        Some(json!({"cells": ["T-W-S-1", "T-W-S-2"], "action": "release"})),
    )
    .await;
    assert_eq!(theirs.status, StatusCode::FORBIDDEN);
    assert_eq!(theirs.body["refusals"][0]["reason"], "not_owner");
    let mine = batch(json!({"cells": ["T-W-S-1", "T-W-S-2"], "action": "release"})).await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.text);

    // Limits are rules an administrator edits.
    let admin = login(r, "admin").await;
    let mut rules = call(r, Method::GET, "/api/v1/claim-rules", Some(&admin), None)
        .await
        .body;
    assert_eq!(rules["types"].as_array().unwrap().len(), 20);
    assert_eq!(
        rules["types"][0],
        json!({"cell_type": "01", "kinds": ["zhengqi"], "needs_approval": true})
    );
    rules["max_cells_per_manager"] = json!(2);
    let put = call(
        r,
        Method::PUT,
        "/api/v1/claim-rules",
        Some(&admin),
        Some(rules.clone()),
    )
    .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text);
    let full = batch(json!({"cells": ["T-W-S-1", "T-W-S-2"], "action": "claim"})).await;
    assert_eq!(full.status, StatusCode::CONFLICT);
    assert_eq!(full.body["refusals"][0]["reason"], "cell_limit");
    let mut broken = rules.clone();
    broken["types"].as_array_mut().unwrap().pop();
    let put = call(
        r,
        Method::PUT,
        "/api/v1/claim-rules",
        Some(&admin),
        Some(broken),
    )
    .await;
    assert_eq!(put.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        put.body["message"].as_str().unwrap().contains("missing 20"),
        "{}",
        put.text
    );
    let put = call(
        r,
        Method::PUT,
        "/api/v1/claim-rules",
        Some(&admin),
        Some(json!({"types": "all"})),
    )
    .await;
    assert_eq!(put.status, StatusCode::UNPROCESSABLE_ENTITY);
    let empty = batch(json!({"cells": [], "action": "claim"})).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    let odd = batch(json!({"cells": ["T-W-S-1"], "action": "steal"})).await;
    assert_eq!(odd.status, StatusCode::UNPROCESSABLE_ENTITY);
    app.finish().await;
}

#[tokio::test]
async fn me_says_what_a_user_may_do() {
    let app = app(BackendKind::SqliteMemory).await;
    let sup = login(&app.router, "sup.west").await;
    let me = call(&app.router, Method::GET, "/api/v1/me", Some(&sup), None).await;
    assert_eq!(me.body["scopes"], json!(["T-W"]));
    assert_eq!(me.body["may"]["approve"], "in_scope");
    assert_eq!(me.body["may"]["claim"], "no");
    assert_eq!(me.body["may"]["edit_rules"], "no");
    let admin = login(&app.router, "admin").await;
    let me = call(&app.router, Method::GET, "/api/v1/me", Some(&admin), None).await;
    assert_eq!(me.body["may"]["edit_rules"], "yes");
    app.finish().await;
}

/// The server's source files (`crates/wangge-server/src/**/*.rs`), so a
/// route added in any module is seen.
fn server_sources() -> Vec<(std::path::PathBuf, String)> {
    let mut dirs =
        vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/wangge-server/src")];
    let mut files = Vec::new();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                files.push((path, text));
            }
        }
    }
    files.sort();
    files
}

/// `(method, path)` of every `.route("PATH", get(..).post(..))` in the
/// server's source.
fn routes_in_source() -> Vec<(String, String)> {
    let mut routes = Vec::new();
    for (_, source) in server_sources() {
        routes.extend(routes_in(&source));
    }
    routes
}

fn routes_in(source: &str) -> Vec<(String, String)> {
    let mut routes = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find(".route(") {
        rest = &rest[at + ".route(".len()..];
        let Some(open) = rest.find('"') else { break };
        let after = &rest[open + 1..];
        let close = after.find('"').unwrap();
        let path = after[..close].to_owned();
        // The method routers up to the closing parenthesis of .route(.
        let mut depth = 1;
        let mut end = 0;
        for (i, c) in rest.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let call = &rest[..end];
        for method in ["get", "post", "put", "delete", "patch"] {
            let found = call.match_indices(&format!("{method}(")).any(|(i, _)| {
                i == 0
                    || !call.as_bytes()[i - 1].is_ascii_alphanumeric()
                        && call.as_bytes()[i - 1] != b'_'
            });
            if found {
                routes.push((method.to_owned(), path.clone()));
            }
        }
    }
    routes
}

/// A spec path with its `{param}`s filled in: a cell code, a user name,
/// `1` for anything else.
fn fill_params(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').unwrap() + open;
        out.push_str(&rest[..open]);
        out.push_str(match &rest[open + 1..close] {
            "code" => "T-W-S-1",
            "name" => "viewer",
            _ => "1",
        });
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

#[tokio::test]
async fn the_openapi_document_covers_every_route() {
    let app = app(BackendKind::SqliteMemory).await;
    let answer = call(&app.router, Method::GET, "/api/openapi.json", None, None).await;
    assert_eq!(answer.status, StatusCode::OK);
    let spec = answer.body;
    assert_eq!(spec["openapi"], "3.0.3");
    let paths = spec["paths"].as_object().unwrap();

    // Every route registered in the router is in the spec ...
    let routes = routes_in_source();
    assert!(routes.len() >= 30, "parsed {} routes", routes.len());
    for (method, path) in &routes {
        let documented = [path.clone(), format!("/api/v1{path}")]
            .iter()
            .any(|p| paths.get(p).is_some_and(|ops| ops.get(method).is_some()));
        assert!(
            documented,
            "{method} {path} is routed but not in /api/openapi.json"
        );
    }
    // ... and every operation of the spec is routed: it reaches the access
    // check or a handler, never the API's not-found fallback or a 405.
    let mut operations = 0;
    for (path, ops) in paths {
        for (method, op) in ops.as_object().unwrap() {
            operations += 1;
            let uri = fill_params(path);
            let method: Method = method.to_uppercase().parse().unwrap();
            let answer = call(&app.router, method.clone(), &uri, None, None).await;
            assert_ne!(
                answer.status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {uri}"
            );
            assert!(
                !answer.text.contains("no API route"),
                "{method} {uri}: {}",
                answer.text
            );
            // Routes that need a token say so in the spec, and refuse without one.
            let security = op["security"].as_array().unwrap();
            let open =
                security.is_empty() || security.iter().any(|s| s.as_object().unwrap().is_empty());
            if !open {
                assert_eq!(
                    answer.status,
                    StatusCode::UNAUTHORIZED,
                    "{method} {uri} without a token"
                );
            }
        }
    }
    assert_eq!(operations, ROUTES.len());
    assert_eq!(
        operations,
        routes.len() + 1,
        "the table adds only the map page (a fallback)"
    );
    app.finish().await;
}

/// Portfolio tiers follow the rules' thresholds; overloaded managers and
/// unclaimed cells feed the coverage report. On both databases.
async fn portfolio_and_ownership_gaps(kind: BackendKind) {
    let app = app(kind).await;
    let r = &app.router;
    let west_c = login(r, "west.c").await;
    let admin = login(r, "admin").await;
    let lasso = call(
        r,
        Method::POST,
        "/api/v1/claims/batch",
        Some(&west_c),
        Some(json!({"cells": ["T-W-S-1", "T-W-S-2", "T-W-N-1"], "action": "claim"})),
    )
    .await;
    assert_eq!(lasso.status, StatusCode::OK, "{kind}: {}", lasso.text);
    let unclaimed: Vec<String> = app
        .store
        .unclaimed_cells()
        .await
        .unwrap()
        .iter()
        .map(|c| c.code.to_string())
        .collect();
    assert_eq!(
        unclaimed,
        ["T-E-N-1", "T-E-N-2", "T-E-S-1", "T-E-S-2", "T-W-N-2"],
        "{kind}"
    );
    assert!(app
        .store
        .overloaded_managers(None)
        .await
        .unwrap()
        .is_empty());

    // The administrator tightens the rules: west.c is now overloaded, and
    // the portfolio uses the new value-tier thresholds at once.
    let mut rules = call(r, Method::GET, "/api/v1/claim-rules", Some(&admin), None)
        .await
        .body;
    rules["max_cells_per_manager"] = json!(2);
    rules["value_tiers"]["medium_size_min_staff"] = json!(77);
    let put = call(
        r,
        Method::PUT,
        "/api/v1/claim-rules",
        Some(&admin),
        Some(rules),
    )
    .await;
    assert_eq!(put.status, StatusCode::OK, "{kind}: {}", put.text);
    let portfolio = call(
        r,
        Method::GET,
        "/api/v1/managers/west.c/portfolio",
        Some(&west_c),
        None,
    )
    .await;
    assert_eq!(portfolio.status, StatusCode::OK, "{}", portfolio.text);
    assert_eq!(portfolio.body["overloaded"], true, "{kind}");
    assert_eq!(portfolio.body["max_cells"], 2);
    assert_eq!(portfolio.body["thresholds"]["medium_size_min_staff"], 77);
    assert_eq!(portfolio.body["cells"].as_array().unwrap().len(), 3);
    let over: Vec<String> = app
        .store
        .overloaded_managers(None)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.manager.name)
        .collect();
    assert_eq!(over, ["west.c"], "{kind}");
    // At the limit, a released cell cannot be claimed back: 2 + 1 > 2.
    let released = step(r, Some(&west_c), "T-W-S-1", "release", None).await;
    assert_eq!(released.status, StatusCode::OK, "{kind}: {}", released.text);
    let more = step(r, Some(&west_c), "T-W-S-1", "claim", None).await;
    assert_eq!(more.status, StatusCode::CONFLICT, "{kind}: {}", more.text);
    assert_eq!(more.body["reason"], "cell_limit", "{}", more.text);
    app.finish().await;
}

#[tokio::test]
async fn workflow_sqlite() {
    single_steps_and_their_history(BackendKind::SqliteMemory).await;
    a_lasso_is_one_transaction_with_every_reason(BackendKind::SqliteFile).await;
    portfolio_and_ownership_gaps(BackendKind::SqliteFile).await;
}

/// The same on `PostgreSQL` when `WANGGE_TEST_PG_URL` is set.
#[tokio::test]
async fn workflow_postgres() {
    if wangge_tests::postgres_or_skip("postgres workflow").is_none() {
        return;
    }
    single_steps_and_their_history(BackendKind::Postgres).await;
    a_lasso_is_one_transaction_with_every_reason(BackendKind::Postgres).await;
    portfolio_and_ownership_gaps(BackendKind::Postgres).await;
}
