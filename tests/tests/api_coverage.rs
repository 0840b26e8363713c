//! `GET /api/v1/coverage` through `router(state)`: the report of a
//! hand-made territory (a gap between C1 and C2, an overlap of C3 and C4),
//! its filters and errors, and a cached analysis that follows a change of
//! the grid.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::Value;
use tower::ServiceExt;
use wangge_model::{GridCode, LevelNo, Territory};
use wangge_server::{router, AppState};
use wangge_store::{GeometryUpdate, NewGrid, Store};

fn rect(code: &str, level: u8, parent: Option<&str>, [x0, y0, x1, y1]: [f64; 4]) -> NewGrid {
    NewGrid {
        code: code.parse().unwrap(),
        name: code.to_owned(),
        level: LevelNo::try_from(level).unwrap(),
        parent: parent.map(|p| p.parse::<GridCode>().unwrap()),
        cell_type: (level == 4).then(|| "15".parse().unwrap()),
        geometry_geojson: polygon([x0, y0, x1, y1]),
        bbox: [x0, y0, x1, y1],
        area_m2: 1.0,
        invalid_reason: None,
        properties_json: None,
        source: None,
    }
}

fn polygon([x0, y0, x1, y1]: [f64; 4]) -> String {
    format!(
        r#"{{"type":"Polygon","coordinates":[[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]]]}}"#
    )
}

async fn app() -> (axum::Router, Store) {
    let store = Store::connect("sqlite::memory:").await.unwrap();
    let territory = Territory {
        code: "T".parse().unwrap(),
        name: "测试".into(),
    };
    let whole = [110.0, 32.0, 110.02, 32.02];
    let grids = vec![
        rect("D1", 1, None, whole),
        rect("B1", 2, Some("D1"), whole),
        rect("A1", 3, Some("B1"), whole),
        rect("C1", 4, Some("A1"), [110.0, 32.0, 110.01, 32.01]),
        rect("C2", 4, Some("A1"), [110.0101, 32.0, 110.02, 32.01]),
        rect("C3", 4, Some("A1"), [110.0, 32.01, 110.0102, 32.02]),
        rect("C4", 4, Some("A1"), [110.01, 32.01, 110.02, 32.02]),
    ];
    store.import_grids(&territory, &grids).await.unwrap();
    (router(AppState::new(store.clone())), store)
}

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, String, Value) {
    let response = app
        .clone()
        .oneshot(
            Request::get(uri)
                .header("accept-language", "en")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let json = serde_json::from_slice(&body).unwrap_or_else(|e| panic!("{uri}: not JSON ({e})"));
    (status, content_type, json)
}

fn codes(items: &Value, key: &str) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i[key].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_report_with_filters_and_errors() {
    let (app, _store) = app().await;
    let (status, content_type, r) = get(&app, "/api/v1/coverage").await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    assert_eq!(r["gaps"].as_array().unwrap().len(), 1);
    assert_eq!(r["gaps"][0]["parent"], "A1");
    assert_eq!(r["gaps"][0]["level"], 4);
    let area = r["gaps"][0]["area_m2"].as_f64().unwrap();
    assert!((area / 10_477.48 - 1.0).abs() < 2e-3, "{area}");
    assert_eq!(r["overlaps"].as_array().unwrap().len(), 1);
    assert_eq!(
        (
            r["overlaps"][0]["a"].as_str(),
            r["overlaps"][0]["b"].as_str()
        ),
        (Some("C3"), Some("C4"))
    );
    assert_eq!(
        codes(&r["ownership"]["unclaimed_cells"], "grid"),
        ["C1", "C2", "C3", "C4"]
    );
    assert_eq!(
        codes(&r["ownership"]["grids_without_outlet"], "grid"),
        ["A1"]
    );
    assert_eq!(r["summary"]["levels"].as_array().unwrap().len(), 4);

    // kind and parent cut the lists; the summary stays.
    let (_, _, r) = get(&app, "/api/v1/coverage?kind=overlaps&parent=D1").await;
    assert!(r["gaps"].as_array().unwrap().is_empty());
    assert_eq!(r["overlaps"].as_array().unwrap().len(), 1);
    assert!(r["ownership"]["unclaimed_cells"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(r["summary"]["levels"][3]["gaps"]["count"], 1);
    // Ownership and data were not asked for: not read, not counted.
    assert!(r["summary"]["ownership"].is_null());
    assert!(r["summary"]["data"].is_null());
    let (_, _, r) = get(&app, "/api/v1/coverage?level=3").await;
    assert!(r["gaps"].as_array().unwrap().is_empty());
    assert_eq!(r["summary"]["levels"].as_array().unwrap().len(), 1);
    // A wider sliver threshold makes the 9.4 m gap a sliver.
    let (_, _, r) = get(&app, "/api/v1/coverage?gap_width_m=20&kind=gaps").await;
    assert_eq!(r["gaps"][0]["sliver"], true);

    let (status, content_type, fc) =
        get(&app, "/api/v1/coverage?format=geojson&kind=gaps,overlaps").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "application/geo+json");
    assert_eq!(fc["type"], "FeatureCollection");
    let kinds: Vec<&str> = fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["gap", "overlap"]);
    assert_eq!(fc["features"][0]["geometry"]["type"], "Polygon");

    for (uri, status, needle) in [
        (
            "/api/v1/coverage?kind=holes",
            StatusCode::BAD_REQUEST,
            "holes",
        ),
        ("/api/v1/coverage?level=7", StatusCode::BAD_REQUEST, "level"),
        (
            "/api/v1/coverage?gap_width_m=-1",
            StatusCode::BAD_REQUEST,
            "gap_width_m",
        ),
        (
            "/api/v1/coverage?format=kml",
            StatusCode::BAD_REQUEST,
            "format",
        ),
        (
            "/api/v1/coverage?parent=NOPE",
            StatusCode::NOT_FOUND,
            "NOPE",
        ),
    ] {
        let (got, _, body) = get(&app, uri).await;
        assert_eq!(got, status, "{uri}: {body}");
        assert!(
            body["message"].as_str().unwrap().contains(needle),
            "{uri}: {body}"
        );
    }
}

#[tokio::test]
async fn a_cached_analysis_follows_a_change_of_the_grid() {
    let (app, store) = app().await;
    let (_, _, before) = get(&app, "/api/v1/coverage?kind=gaps").await;
    assert_eq!(before["gaps"].as_array().unwrap().len(), 1);
    let (_, _, cached) = get(&app, "/api/v1/coverage?kind=gaps").await;
    assert_eq!(cached, before);
    // Close the gap: C2 reaches to C1 (what `wangge coverage --fix` does).
    store
        .update_grid_geometries(&[GeometryUpdate {
            code: "C2".parse().unwrap(),
            geometry_geojson: polygon([110.01, 32.0, 110.02, 32.01]),
            bbox: [110.01, 32.0, 110.02, 32.01],
            area_m2: 1.0,
            invalid_reason: None,
        }])
        .await
        .unwrap();
    // Written as by another process: seen once the server's snapshot
    // follows the revisions (polled with a deadline).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    let after = loop {
        let (_, _, after) = get(&app, "/api/v1/coverage?kind=gaps").await;
        if after["summary"]["revision"] != before["summary"]["revision"] {
            break after;
        }
        assert!(std::time::Instant::now() < deadline, "still {after}");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    };
    assert!(after["gaps"].as_array().unwrap().is_empty(), "{after}");

    // An unknown code refuses the whole batch and changes nothing.
    let err = store
        .update_grid_geometries(&[
            GeometryUpdate {
                code: "C1".parse().unwrap(),
                geometry_geojson: polygon([110.0, 32.0, 110.005, 32.01]),
                bbox: [110.0, 32.0, 110.005, 32.01],
                area_m2: 1.0,
                invalid_reason: None,
            },
            GeometryUpdate {
                code: "GHOST".parse().unwrap(),
                geometry_geojson: polygon([0.0, 0.0, 1.0, 1.0]),
                bbox: [0.0, 0.0, 1.0, 1.0],
                area_m2: 1.0,
                invalid_reason: None,
            },
        ])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("GHOST"), "{err}");
    let (_, _, unchanged) = get(&app, "/api/v1/coverage?kind=gaps").await;
    assert_eq!(unchanged, after);
}

#[tokio::test]
async fn lists_can_leave_slivers_out_and_be_paged() {
    let (app, _store) = app().await;
    // The 9.4 m gap is a sliver under a 20 m threshold: slivers=false drops
    // it from the list, the summary still counts it.
    let (_, _, r) = get(
        &app,
        "/api/v1/coverage?kind=gaps&gap_width_m=20&slivers=false",
    )
    .await;
    assert!(r["gaps"].as_array().unwrap().is_empty(), "{r}");
    assert_eq!(r["summary"]["levels"][3]["slivers"]["count"], 1);
    let (_, _, r) = get(&app, "/api/v1/coverage?kind=gaps&slivers=false").await;
    assert_eq!(r["gaps"].as_array().unwrap().len(), 1, "a 5 m threshold");

    // limit and offset cut every list; the summary counts everything.
    let (_, _, all) = get(&app, "/api/v1/coverage").await;
    let (_, _, first) = get(&app, "/api/v1/coverage?limit=1").await;
    assert_eq!(
        codes(&first["ownership"]["unclaimed_cells"], "grid"),
        ["C1"]
    );
    assert_eq!(first["gaps"], all["gaps"]);
    assert_eq!(first["summary"], all["summary"]);
    let (_, _, second) = get(&app, "/api/v1/coverage?offset=1&limit=2").await;
    assert_eq!(
        codes(&second["ownership"]["unclaimed_cells"], "grid"),
        ["C2", "C3"]
    );
    assert!(second["gaps"].as_array().unwrap().is_empty());
    assert!(second["overlaps"].as_array().unwrap().is_empty());

    for (uri, needle) in [
        ("/api/v1/coverage?limit=0", "limit"),
        ("/api/v1/coverage?limit=10001", "limit"),
        ("/api/v1/coverage?offset=-1", "offset"),
        ("/api/v1/coverage?slivers=maybe", "slivers"),
    ] {
        let (status, _, body) = get(&app, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        assert!(
            body["message"].as_str().unwrap().contains(needle),
            "{uri}: {body}"
        );
    }
}
