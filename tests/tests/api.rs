//! The HTTP API through `router(state)`, no socket: status codes, JSON
//! errors, GeoJSON bodies.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::Value;
use tower::ServiceExt;
use wangge_model::{GridCode, LevelNo, Territory};
use wangge_server::{router, AppState};
use wangge_store::{NewGrid, Store};

fn square(code: &str, level: u8, parent: Option<&str>, x: f64, cell_type: Option<&str>) -> NewGrid {
    let geometry = format!(
        r#"{{"type":"Polygon","coordinates":[[[{x},32],[{x1},32],[{x1},32.1],[{x},32.1],[{x},32]]]}}"#,
        x1 = x + 0.1
    );
    NewGrid {
        code: code.parse().unwrap(),
        name: format!("{code}名"),
        level: LevelNo::try_from(level).unwrap(),
        parent: parent.map(|p| p.parse::<GridCode>().unwrap()),
        cell_type: cell_type.map(|t| t.parse().unwrap()),
        geometry_geojson: geometry,
        bbox: [x, 32.0, x + 0.1, 32.1],
        area_m2: 1.0e8,
        invalid_reason: None,
        properties_json: None,
        source: None,
    }
}

async fn app() -> axum::Router {
    let store = Store::connect("sqlite::memory:").await.unwrap();
    let territory = Territory {
        code: "T".parse().unwrap(),
        name: "测试".into(),
    };
    store.ensure_territory(&territory).await.unwrap();
    let grids = vec![
        square("D1", 1, None, 110.0, None),
        square("B1", 2, Some("D1"), 110.0, None),
        square("A1", 3, Some("B1"), 110.0, None),
        square("C1", 4, Some("A1"), 110.0, Some("15")),
        square("C2", 4, Some("A1"), 111.0, Some("20")),
    ];
    store.import_grids(&territory, &grids).await.unwrap();
    router(AppState::new(store))
}

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, String, Vec<u8>) {
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
    (status, content_type, body.to_vec())
}

async fn get_json(app: &axum::Router, uri: &str) -> (StatusCode, Value) {
    let (status, _, body) = get(app, uri).await;
    (
        status,
        serde_json::from_slice(&body).unwrap_or_else(|e| panic!("{uri}: not JSON ({e})")),
    )
}

#[tokio::test]
async fn health_and_map_page() {
    let app = app().await;
    let (status, body) = get_json(&app, "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
    let (status, content_type, body) = get(&app, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(String::from_utf8_lossy(&body).contains("maplibre"));
}

#[tokio::test]
async fn grids_and_cells_are_geojson_with_filters() {
    let app = app().await;
    let (status, content_type, body) = get(&app, "/api/v1/grids?level=1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "application/geo+json");
    let fc: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(fc["type"], "FeatureCollection");
    assert_eq!(fc["features"].as_array().unwrap().len(), 1);
    assert_eq!(fc["features"][0]["properties"]["code"], "D1");
    assert_eq!(fc["features"][0]["geometry"]["type"], "Polygon");

    let (_, fc) = get_json(&app, "/api/v1/cells").await;
    assert_eq!(fc["features"].as_array().unwrap().len(), 2);
    let (_, fc) = get_json(&app, "/api/v1/cells?bbox=110.9,31.9,111.2,32.2").await;
    let codes: Vec<&str> = fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["C2"]);
    let (_, fc) = get_json(&app, "/api/v1/cells?category=community").await;
    assert_eq!(fc["features"][0]["properties"]["code"], "C1");
    assert_eq!(fc["features"][0]["properties"]["type_name_zh"], "小区");
    let (_, fc) = get_json(&app, "/api/v1/cells?type=20").await;
    assert_eq!(fc["features"][0]["properties"]["code"], "C2");
    let (_, fc) = get_json(&app, "/api/v1/grids?parent=B1").await;
    assert_eq!(fc["features"][0]["properties"]["code"], "A1");
}

#[tokio::test]
async fn one_grid_with_its_chain_and_counts() {
    let app = app().await;
    let (status, body) = get_json(&app, "/api/v1/grids/C1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["grid"]["category"], "community");
    let chain: Vec<&str> = body["chain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["code"].as_str().unwrap())
        .collect();
    assert_eq!(chain, ["A1", "B1", "D1"]);
    let (_, body) = get_json(&app, "/api/v1/grids/D1").await;
    assert_eq!(body["child_counts"]["2"], 1);
    assert_eq!(body["child_counts"]["4"], 2);
}

#[tokio::test]
async fn bad_requests_get_json_errors_naming_the_parameter() {
    let app = app().await;
    for (uri, status, needle) in [
        ("/api/v1/grids?level=9", StatusCode::BAD_REQUEST, "level"),
        ("/api/v1/grids?bbox=1,2,3", StatusCode::BAD_REQUEST, "bbox"),
        (
            "/api/v1/grids?bbox=5,5,1,1",
            StatusCode::BAD_REQUEST,
            "bbox",
        ),
        ("/api/v1/cells?type=castle", StatusCode::BAD_REQUEST, "type"),
        (
            "/api/v1/cells?category=castle",
            StatusCode::BAD_REQUEST,
            "category",
        ),
        ("/api/v1/grids?limit=0", StatusCode::BAD_REQUEST, "limit"),
        ("/api/v1/grids/NOPE", StatusCode::NOT_FOUND, "NOPE"),
        ("/api/v1/grids/%E8%8C%85", StatusCode::BAD_REQUEST, "茅"),
        (
            "/api/v1/no-such-route",
            StatusCode::NOT_FOUND,
            "no-such-route",
        ),
        ("/no-such-page.html", StatusCode::NOT_FOUND, "no-such-page"),
    ] {
        let (got, body) = get_json(&app, uri).await;
        assert_eq!(got, status, "{uri}: {body}");
        assert!(body["error"].is_string(), "{uri}: {body}");
        assert!(
            body["message"].as_str().unwrap().contains(needle),
            "{uri}: {body}"
        );
    }
}

#[tokio::test]
async fn stats_and_cell_types() {
    let app = app().await;
    let (status, body) = get_json(&app, "/api/v1/stats").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["by_level"], serde_json::json!([1, 1, 1, 2]));
    let (_, body) = get_json(&app, "/api/v1/cell-types").await;
    assert_eq!(body["cell_types"].as_array().unwrap().len(), 20);
}
