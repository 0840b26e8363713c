//! Editing the grid through `router()` on both backends: a cell's type, a
//! GeoJSON import, cutting a cell along a line, merging neighbours, and the
//! coverage report's fixes with their preview; who may do which.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic

mod claims_support;

use axum::http::{Method, StatusCode};
use claims_support::{call, login, step, App};
use serde_json::{json, Value};
use wangge_tests::{backend_kinds, log_line};

async fn as_admin(app: &App) -> String {
    login(&app.router, "admin").await
}

async fn cell(app: &App, code: &str) -> (StatusCode, Value) {
    let a = call(
        &app.router,
        Method::GET,
        &format!("/api/v1/cells/{code}"),
        None,
        None,
    )
    .await;
    (a.status, a.body)
}

async fn locate(app: &App, lon: f64, lat: f64) -> Value {
    let a = call(
        &app.router,
        Method::GET,
        &format!("/api/v1/locate?lon={lon}&lat={lat}"),
        None,
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    a.body
}

/// The app with its grid snapshot loaded (the server does this at start).
async fn ready(app: &App) {
    let a = call(
        &app.router,
        Method::GET,
        "/api/v1/locate?lon=0.5&lat=0.5",
        None,
        None,
    )
    .await;
    if a.status != StatusCode::OK {
        // The test app has no snapshot yet: an edit builds it; here a no-op
        // rename does.
        let admin = as_admin(app).await;
        let r = call(
            &app.router,
            Method::PATCH,
            "/api/v1/grids/T",
            Some(&admin),
            Some(json!({"name": "网格 T"})),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
}

#[tokio::test]
async fn administrators_set_a_cells_type_by_code_or_name() {
    for kind in backend_kinds() {
        let app = claims_support::app(kind).await;
        let admin = as_admin(&app).await;
        let patch = |token: String, code: &'static str, body: Value| {
            let router = app.router.clone();
            async move {
                call(
                    &router,
                    Method::PATCH,
                    &format!("/api/v1/grids/{code}"),
                    Some(&token),
                    Some(body),
                )
                .await
            }
        };
        let a = patch(admin.clone(), "T-W-S-1", json!({"cell_type": "产业园区"})).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        let (_, detail) = cell(&app, "T-W-S-1").await;
        let chinese_type = detail["grid"]["cell_type"].clone();
        let a = patch(
            admin.clone(),
            "T-W-S-1",
            json!({"cell_type": "16", "name": "新名字"}),
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        let (_, detail) = cell(&app, "T-W-S-1").await;
        assert_eq!(detail["grid"]["cell_type"], "16", "{detail}");
        assert_eq!(detail["grid"]["name"], "新名字");
        assert_eq!(chinese_type, "10", "the Chinese name 产业园区 is type 10");

        // Bad input names the field; a level-3 grid has no type.
        let a = patch(admin.clone(), "T-W-S-1", json!({"cell_type": "99"})).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);
        assert!(a.text.contains("cell_type"), "{}", a.text);
        let a = patch(admin.clone(), "T-W-S", json!({"cell_type": "15"})).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.text);
        let a = patch(admin.clone(), "T-W-S-1", json!({"name": "  "})).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.text);
        assert!(a.text.contains("name"), "{}", a.text);
        // A 10,000-character name, a line break, a tab: refused, named, and
        // the name quoted short.
        for bad in [
            "网".repeat(10_000),
            "小区\n二期".to_owned(),
            "a\tb".to_owned(),
        ] {
            let a = patch(admin.clone(), "T-W-S-1", json!({"name": bad})).await;
            assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.text);
            assert!(a.text.contains("name"), "{}", a.text);
            assert!(
                a.text.len() < 600,
                "the whole name echoed: {}",
                a.text.len()
            );
        }
        let a = patch(admin.clone(), "T-W-S-1", json!({"name": "网".repeat(100)})).await;
        assert_eq!(
            a.status,
            StatusCode::OK,
            "100 characters are allowed: {}",
            a.text
        );
        let a = patch(admin.clone(), "T-W-S-1", json!({"name": "新名字"})).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        let a = patch(admin.clone(), "NOPE", json!({"name": "x"})).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{}", a.text);
        let a = patch(admin.clone(), "T-W-S-1", json!({"colour": "red"})).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);

        // Operations staff and managers may not.
        for who in ["ops", "west.c"] {
            let token = login(&app.router, who).await;
            let a = patch(token, "T-W-S-1", json!({"cell_type": "15"})).await;
            assert_eq!(a.status, StatusCode::FORBIDDEN, "{who}: {}", a.text);
        }
        let (_, detail) = cell(&app, "T-W-S-1").await;
        assert_eq!(
            detail["grid"]["cell_type"], "16",
            "refused edits change nothing"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn a_cell_is_cut_along_a_line_and_merged_back() {
    for kind in backend_kinds() {
        let app = claims_support::app(kind).await;
        ready(&app).await;
        let admin = as_admin(&app).await;
        // west.c claims T-W-S-1 ([0,0]-[1,2]) first.
        let manager = login(&app.router, "west.c").await;
        let a = step(&app.router, Some(&manager), "T-W-S-1", "claim", None).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);

        let split = |body: Value| {
            let (router, token) = (app.router.clone(), admin.clone());
            async move {
                call(
                    &router,
                    Method::POST,
                    "/api/v1/cells/T-W-S-1/split",
                    Some(&token),
                    Some(body),
                )
                .await
            }
        };
        // A line from south to north at lon 0.3: the western 30 % is cut off.
        let line = json!([[0.3, -0.5], [0.3, 2.5]]);
        let preview = split(json!({"line": line, "dry_run": true})).await;
        assert_eq!(preview.status, StatusCode::OK, "{}", preview.text);
        assert_eq!(preview.body["cells"].as_array().unwrap().len(), 2);
        assert_eq!(cell(&app, "T-W-S-1-2").await.0, StatusCode::NOT_FOUND);

        let done = split(json!({"line": {"type": "LineString", "coordinates": line}})).await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text);
        let cells = done.body["cells"].as_array().unwrap();
        assert_eq!(
            cells[0]["code"], "T-W-S-1",
            "the larger side keeps the code"
        );
        assert_eq!(cells[1]["code"], "T-W-S-1-2");
        let (a0, a1) = (
            cells[0]["area_m2"].as_f64().unwrap(),
            cells[1]["area_m2"].as_f64().unwrap(),
        );
        assert!((a1 / (a0 + a1) - 0.3).abs() < 0.01, "{a0} {a1}");
        let (status, new_cell) = cell(&app, "T-W-S-1-2").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(new_cell["grid"]["parent"], "T-W-S", "{new_cell}");
        assert_eq!(new_cell["grid"]["cell_type"], "15");
        // The new snapshot places points at once.
        assert_eq!(locate(&app, 0.1, 1.0).await["cell_code"], "T-W-S-1-2");
        assert_eq!(locate(&app, 0.6, 1.0).await["cell_code"], "T-W-S-1");
        // The two pieces meet each other and the neighbours exactly.
        let report = call(
            &app.router,
            Method::GET,
            "/api/v1/coverage?level=4&kind=gaps,overlaps",
            None,
            None,
        )
        .await;
        assert_eq!(report.status, StatusCode::OK, "{}", report.text);
        assert_eq!(
            report.body["gaps"].as_array().map(Vec::len),
            Some(0),
            "{}",
            report.text
        );
        assert_eq!(
            report.body["overlaps"].as_array().map(Vec::len),
            Some(0),
            "{}",
            report.text
        );
        // The claim stays with the code; the new cell is free.
        let claims = call(
            &app.router,
            Method::GET,
            "/api/v1/claims",
            Some(&admin),
            None,
        )
        .await;
        let open: Vec<&str> = claims.body["claims"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["status"] == "active")
            .map(|c| c["cell"].as_str().unwrap())
            .collect();
        assert_eq!(open, ["T-W-S-1"], "{}", claims.text);

        // Lines that do not cut across are refused with the reason.
        for (bad, needle) in [
            (json!([[0.6, -0.5], [0.6, 1.0]]), "outside the cell"),
            (json!([[5.0, -0.5], [5.0, 2.5]]), "does not cut"),
            (json!([[0.3, -0.5]]), "two distinct points"),
            (json!("north"), "LineString"),
        ] {
            let a = split(json!({"line": bad})).await;
            assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);
            assert!(a.text.contains(needle), "{needle}: {}", a.text);
        }

        // Merging back gives one cell of the old area; the claim holds it.
        let merge = |body: Value| {
            let (router, token) = (app.router.clone(), admin.clone());
            async move {
                call(
                    &router,
                    Method::POST,
                    "/api/v1/cells/merge",
                    Some(&token),
                    Some(body),
                )
                .await
            }
        };
        let a = merge(json!({"codes": ["T-W-S-1-2", "T-W-S-1"], "into": "T-W-S-1"})).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        assert_eq!(a.body["removed"], json!(["T-W-S-1-2"]));
        assert_eq!(a.body["claim"]["manager"], "west.c");
        assert!(
            ((a.body["cell"]["area_m2"].as_f64().unwrap()) - (a0 + a1)).abs() < (a0 + a1) * 1e-6
        );
        assert_eq!(cell(&app, "T-W-S-1-2").await.0, StatusCode::NOT_FOUND);
        assert_eq!(locate(&app, 0.1, 1.0).await["cell_code"], "T-W-S-1");

        // Not neighbours of one grid, or held by two managers: refused.
        let a = merge(json!({"codes": ["T-W-S-1", "T-W-N-1"]})).await;
        assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.text);
        assert!(a.text.contains("different level-3 grids"), "{}", a.text);
        let other = login(&app.router, "west.c2").await;
        let a = step(&app.router, Some(&other), "T-W-S-2", "claim", None).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        let a = merge(json!({"codes": ["T-W-S-1", "T-W-S-2"], "dry_run": true})).await;
        assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.text);
        assert!(a.text.contains("west.c2"), "{}", a.text);
        let a = merge(json!({"codes": ["T-W-S-1"]})).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);
        // Managers may not edit the grid.
        let a = call(
            &app.router,
            Method::POST,
            "/api/v1/cells/T-W-S-1/split",
            Some(&manager),
            Some(json!({"line": line})),
        )
        .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text);
        log_line(&format!("{kind:?}: split and merge ok"));
        app.finish().await;
    }
}

#[tokio::test]
async fn grids_are_imported_from_geojson_all_or_nothing() {
    for kind in backend_kinds() {
        let app = claims_support::app(kind).await;
        let admin = as_admin(&app).await;
        let feature = |code: &str, ring: Value| {
            json!({"type": "Feature", "properties": {"code": code, "name": code, "type": "小区", "parent": "T-E-N"},
                "geometry": {"type": "Polygon", "coordinates": [ring]}})
        };
        let good = json!({"type": "FeatureCollection", "features": [
            feature("T-E-N-3", json!([[3.0, 3.0], [4.0, 3.0], [4.0, 4.0], [3.0, 4.0], [3.0, 3.0]])),
        ]});
        let broken = json!({"type": "FeatureCollection", "features": [
            feature("T-E-N-4", json!([[3.0, 3.0], [4.0, 3.0], [4.0, 4.0], [3.0, 4.0], [3.0, 3.0]])),
            json!({"type": "Feature", "properties": {"code": "T-E-N-5", "type": "15", "parent": "NOPE"},
                "geometry": {"type": "Polygon", "coordinates": [[[3.0, 3.0], [4.0, 3.0], [4.0, 4.0], [3.0, 3.0]]]}}),
        ]});
        let import = |body: &Value, query: &str| {
            let (router, token, body) = (app.router.clone(), admin.clone(), body.clone());
            let uri = format!("/api/v1/grids/import?{query}");
            async move { call(&router, Method::POST, &uri, Some(&token), Some(body)).await }
        };
        let a = import(&broken, "level=4").await;
        assert!(a.status.is_client_error(), "{}", a.text);
        assert!(
            a.text.contains("T-E-N-5") && a.text.contains("NOPE"),
            "{}",
            a.text
        );
        assert_eq!(
            cell(&app, "T-E-N-4").await.0,
            StatusCode::NOT_FOUND,
            "nothing of a bad file"
        );
        // Features the reader refuses come back one by one, not run
        // together on a line, each with its label and reason.
        let unreadable = json!({"type": "FeatureCollection", "features": [
            json!({"type": "Feature", "properties": {"name": "无码", "type": "15", "parent": "T-E-N"},
                "geometry": {"type": "Polygon", "coordinates": [[[3.0, 3.0], [4.0, 3.0], [4.0, 4.0], [3.0, 3.0]]]}}),
            json!({"type": "Feature", "properties": {"code": "T-E-N-9", "name": "无父", "type": "15"},
                "geometry": {"type": "Polygon", "coordinates": [[[3.0, 3.0], [4.0, 3.0], [4.0, 4.0], [3.0, 3.0]]]}}),
        ]});
        let a = import(&unreadable, "level=4").await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);
        assert_eq!(a.body["code"], "features_refused", "{}", a.text);
        let listed = a.body["params"]["features"].as_array().unwrap();
        assert_eq!(listed.len(), 2, "{}", a.text);
        assert_eq!(listed[0]["index"], 0);
        assert!(
            listed[0]["message"].as_str().unwrap().contains("no code"),
            "{}",
            a.text
        );
        assert!(
            listed[1]["message"]
                .as_str()
                .unwrap()
                .contains("code_field")
                || listed[1]["message"]
                    .as_str()
                    .unwrap()
                    .contains("parent_field"),
            "{}",
            a.text
        );
        assert_eq!(listed[1]["code"], "T-E-N-9");
        let a = import(&good, "").await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);
        assert!(a.text.contains("level"), "{}", a.text);

        let a = import(&good, "level=4").await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        assert_eq!(
            (a.body["inserted"].as_u64(), a.body["updated"].as_u64()),
            (Some(1), Some(0))
        );
        let (status, detail) = cell(&app, "T-E-N-3").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(detail["grid"]["cell_type"], "15");
        // Again: the same code is updated, not doubled.
        let a = import(&good, "level=4").await;
        assert_eq!(a.body["updated"].as_u64(), Some(1), "{}", a.text);
        let ops = login(&app.router, "ops").await;
        let a = call(
            &app.router,
            Method::POST,
            "/api/v1/grids/import?level=4",
            Some(&ops),
            Some(good.clone()),
        )
        .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text);
        app.finish().await;
    }
}

#[tokio::test]
async fn coverage_fixes_are_previewed_then_applied() {
    for kind in backend_kinds() {
        let app = claims_support::app(kind).await;
        let admin = as_admin(&app).await;
        // Shrink T-E-S-1 ([2,0]-[3,2]) by 2 m on its east side: a sliver gap
        // between it and T-E-S-2.
        let shrunk = json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"code": "T-E-S-1", "name": "x", "type": "04", "parent": "T-E-S"},
             "geometry": {"type": "Polygon", "coordinates": [[[2.0, 0.0], [2.99998, 0.0], [2.99998, 2.0], [2.0, 2.0], [2.0, 0.0]]]}}]});
        let a = call(
            &app.router,
            Method::POST,
            "/api/v1/grids/import?level=4",
            Some(&admin),
            Some(shrunk),
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        let gaps = |app: &App| {
            let router = app.router.clone();
            async move {
                let a = call(
                    &router,
                    Method::GET,
                    "/api/v1/coverage?level=4&kind=gaps",
                    None,
                    None,
                )
                .await;
                assert_eq!(a.status, StatusCode::OK, "{}", a.text);
                a.body["gaps"].as_array().map_or(0, Vec::len)
            }
        };
        assert_eq!(gaps(&app).await, 1);

        let ops = login(&app.router, "ops").await;
        let fix = |body: Value| {
            let (router, token) = (app.router.clone(), ops.clone());
            async move {
                call(
                    &router,
                    Method::POST,
                    "/api/v1/coverage/fixes",
                    Some(&token),
                    Some(body),
                )
                .await
            }
        };
        let preview = fix(json!({"level": 4, "dry_run": true})).await;
        assert_eq!(preview.status, StatusCode::OK, "{}", preview.text);
        let changes = preview.body["changes"].as_array().unwrap();
        assert_eq!(changes.len(), 1, "{}", preview.text);
        assert!(
            changes[0]["before"]["type"].is_string() && changes[0]["after"]["type"].is_string()
        );
        let diff = preview.body["difference"].as_array().unwrap();
        let gaps_row = diff
            .iter()
            .find(|r| r["level"] == 4 && r["kind"] == "gaps")
            .unwrap();
        assert_eq!(
            (
                gaps_row["count_before"].as_u64(),
                gaps_row["count_after"].as_u64()
            ),
            (Some(1), Some(0))
        );
        assert_eq!(gaps(&app).await, 1, "a preview writes nothing");

        let revision = preview.body["revision"].as_i64().unwrap();
        let applied = fix(json!({"level": 4, "revision": revision})).await;
        assert_eq!(applied.status, StatusCode::OK, "{}", applied.text);
        assert_eq!(gaps(&app).await, 0, "the sliver went to a neighbour");
        // A preview of an older grid is not applied.
        let stale = fix(json!({"level": 4, "revision": revision})).await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.text);
        let manager = login(&app.router, "west.c").await;
        let a = call(
            &app.router,
            Method::POST,
            "/api/v1/coverage/fixes",
            Some(&manager),
            Some(json!({"dry_run": true})),
        )
        .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text);
        app.finish().await;
    }
}
