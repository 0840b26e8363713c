//! What an anonymous caller of `GET /api/v1/coverage` can make the server
//! do (issue 12, point 2), counted by the server's
//! [`AppState::coverage_stats`], never timed: identical requests share one
//! analysis, a request dropped midway stops it, a rename and another gap
//! width reuse it, and one level-1 grid of 100,000 vertices gets its report
//! (the step that was quadratic is n log n).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic

#[path = "../../crates/wangge-spatial/tests/coverage_support/big_polygon.rs"]
mod big_polygon;

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::Value;
use tower::ServiceExt;
use wangge_model::{GridCode, LevelNo, Territory};
use wangge_server::{router, AppState, CoverageStats};
use wangge_spatial::coverage::lonlat_area_m2;
use wangge_store::{NewGrid, Store};

fn ring_json(ring: &[[f64; 2]]) -> String {
    let points: Vec<String> = ring.iter().map(|[x, y]| format!("[{x},{y}]")).collect();
    format!("[{}]", points.join(","))
}

fn polygon_json(rings: &[&[[f64; 2]]]) -> String {
    let rings: Vec<String> = rings.iter().map(|r| ring_json(r)).collect();
    format!(
        r#"{{"type":"Polygon","coordinates":[{}]}}"#,
        rings.join(",")
    )
}

fn box_ring([x0, y0, x1, y1]: [f64; 4]) -> Vec<[f64; 2]> {
    vec![[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
}

fn grid(code: &str, level: u8, parent: Option<&str>, geometry_geojson: String) -> NewGrid {
    NewGrid {
        code: code.parse().unwrap(),
        name: code.to_owned(),
        level: LevelNo::try_from(level).unwrap(),
        parent: parent.map(|p| p.parse::<GridCode>().unwrap()),
        cell_type: (level == 4).then(|| "15".parse().unwrap()),
        geometry_geojson,
        bbox: [110.0, 32.0, 110.3, 32.2],
        area_m2: 1.0,
        invalid_reason: None,
        properties_json: None,
        source: None,
    }
}

/// A territory whose level-4 cells leave a 9.4 m gap (C1 | C2) and overlap
/// (C3, C4), as in `api_coverage.rs`.
fn small_territory() -> Vec<NewGrid> {
    let whole = [110.0, 32.0, 110.02, 32.02];
    let rect = |code: &str, level: u8, parent: Option<&str>, b: [f64; 4]| {
        grid(code, level, parent, polygon_json(&[&box_ring(b)]))
    };
    vec![
        rect("D1", 1, None, whole),
        rect("B1", 2, Some("D1"), whole),
        rect("A1", 3, Some("B1"), whole),
        rect("C1", 4, Some("A1"), [110.0, 32.0, 110.01, 32.01]),
        rect("C2", 4, Some("A1"), [110.0101, 32.0, 110.02, 32.01]),
        rect("C3", 4, Some("A1"), [110.0, 32.01, 110.0102, 32.02]),
        rect("C4", 4, Some("A1"), [110.01, 32.01, 110.02, 32.02]),
    ]
}

/// Level-1 grid A of about `n` vertices and its neighbour B.
fn big_territory(n: usize) -> Vec<NewGrid> {
    let big = big_polygon::big_polygon(n);
    vec![
        grid("A", 1, None, polygon_json(&[&big.a_exterior, &big.a_hole])),
        grid("B", 1, None, polygon_json(&[&big.b])),
    ]
}

async fn serve(grids: &[NewGrid]) -> (axum::Router, AppState, Store) {
    let store = Store::connect("sqlite::memory:").await.unwrap();
    let territory = Territory {
        code: "T".parse().unwrap(),
        name: "测试".into(),
    };
    store.import_grids(&territory, grids).await.unwrap();
    let state = AppState::new(store.clone());
    (router(state.clone()), state, store)
}

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, Value) {
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
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let json = serde_json::from_slice(&body).unwrap_or_else(|e| panic!("{uri}: not JSON ({e})"));
    (status, json)
}

/// Waits (up to a generous bound, not a timing assertion) until `done`.
async fn until(state: &AppState, what: &str, done: impl Fn(&CoverageStats) -> bool) {
    let deadline = Instant::now() + Duration::from_mins(2);
    loop {
        let stats = state.coverage_stats();
        if done(&stats) {
            return;
        }
        assert!(Instant::now() < deadline, "never {what}: {stats:?}");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_identical_requests_run_one_analysis() {
    let (app, state, _store) = serve(&big_territory(30_000)).await;
    let requests: Vec<_> = (0..8)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(
                async move { get(&app, "/api/v1/coverage?level=1&kind=gaps,overlaps").await },
            )
        })
        .collect();
    let mut answers = Vec::new();
    for request in requests {
        let (status, body) = request.await.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        answers.push(body);
    }
    assert!(answers.iter().all(|a| a == &answers[0]));
    assert_eq!(answers[0]["overlaps"].as_array().unwrap().len(), 1);
    let stats = state.coverage_stats();
    assert_eq!(
        (
            stats.analyses_started,
            stats.analyses_finished,
            stats.snapshots_loaded
        ),
        (1, 1, 1),
        "{stats:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_dropped_midway_stops_its_analysis() {
    let (app, state, _store) = serve(&big_territory(100_000)).await;
    let request = tokio::spawn({
        let app = app.clone();
        async move { get(&app, "/api/v1/coverage?level=1").await }
    });
    until(&state, "started", |s| s.analyses_started == 1).await;
    // The client goes away: axum drops the handler's future.
    request.abort();
    assert!(request.await.unwrap_err().is_cancelled());
    until(&state, "cancelled", |s| s.analyses_cancelled == 1).await;
    let stats = state.coverage_stats();
    assert_eq!(stats.analyses_finished, 0, "{stats:?}");

    // Nothing half-done is kept: the next caller gets a whole analysis.
    let (status, body) = get(&app, "/api/v1/coverage?level=1&kind=overlaps").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["overlaps"].as_array().unwrap().len(), 1);
    let stats = state.coverage_stats();
    assert_eq!(
        (
            stats.analyses_started,
            stats.analyses_finished,
            stats.analyses_cancelled
        ),
        (2, 1, 1),
        "{stats:?}"
    );
}

/// The coverage tile holding (110.01°, 32.01°) at zoom 12.
fn tile_uri() -> String {
    let z = 12;
    let n = f64::from(1u32 << z);
    let (lon, lat) = (110.01_f64, 32.01_f64.to_radians());
    let x = ((lon + 180.0) / 360.0 * n).floor();
    let y = ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor();
    format!("/tiles/coverage/{z}/{x}/{y}.mvt")
}

async fn etag(app: &axum::Router, uri: &str) -> String {
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
    assert_eq!(response.status(), StatusCode::OK, "{uri}");
    response.headers()["etag"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_rename_keeps_the_analysis_and_the_coverage_tiles() {
    let (app, state, store) = serve(&small_territory()).await;
    let (_, before) = get(&app, "/api/v1/coverage").await;
    let tile_before = etag(&app, &tile_uri()).await;
    assert_eq!(state.coverage_stats().analyses_started, 1);

    // Renamed as by another process: seen once the snapshot follows.
    let mut edit = store.begin_grid_edit().await.unwrap();
    edit.set_attributes(&"C1".parse().unwrap(), Some("新名字"), None)
        .await
        .unwrap();
    edit.commit().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let after = loop {
        let (_, after) = get(&app, "/api/v1/coverage").await;
        if after["summary"]["revision"] != before["summary"]["revision"] {
            break after;
        }
        assert!(Instant::now() < deadline, "still {after}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    // The new name is in the answer; the geometry was not analysed again.
    let names: Vec<&str> = after["ownership"]["unclaimed_cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"新名字"), "{names:?}");
    assert_eq!(after["gaps"], before["gaps"]);
    assert_eq!(after["overlaps"], before["overlaps"]);
    assert_eq!(etag(&app, &tile_uri()).await, tile_before);
    let stats = state.coverage_stats();
    assert_eq!(
        (
            stats.analyses_started,
            stats.analyses_reused,
            stats.snapshots_loaded
        ),
        (1, 1, 2),
        "{stats:?}"
    );
}

#[tokio::test]
async fn every_gap_width_reuses_the_geometry() {
    let (app, state, _store) = serve(&small_territory()).await;
    let mut slivers = Vec::new();
    for width in ["5", "20", "0.123", "9.39", "1e3", "5"] {
        let (status, r) = get(
            &app,
            &format!("/api/v1/coverage?kind=gaps&gap_width_m={width}"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{r}");
        assert_eq!(r["summary"]["gap_width_m"].as_f64(), width.parse().ok());
        slivers.push(r["gaps"][0]["sliver"].as_bool().unwrap());
    }
    // The gap is 9.4 m wide.
    assert_eq!(slivers, [false, true, false, false, true, false]);
    // Another level is another analysis; a level of an analysed
    // "every level" is not.
    let (_, r) = get(&app, "/api/v1/coverage?kind=gaps&level=4&gap_width_m=20").await;
    assert_eq!(r["summary"]["levels"][0]["slivers"]["count"], 1);
    let stats = state.coverage_stats();
    assert_eq!(
        (stats.analyses_started, stats.snapshots_loaded),
        (1, 1),
        "{stats:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_grid_of_100k_vertices_gets_its_report() {
    let big = big_polygon::big_polygon(100_000);
    assert!(big.a_vertices() >= 100_000, "{}", big.a_vertices());
    let (app, state, _store) = serve(&big_territory(100_000)).await;
    let (status, r) = get(&app, "/api/v1/coverage?level=1").await;
    assert_eq!(status, StatusCode::OK, "{}", r["message"]);
    let area_of = |b: [f64; 4]| {
        lonlat_area_m2(&wangge_assign::parse_multipolygon(&polygon_json(&[&box_ring(b)])).unwrap())
    };
    let close = |got: &Value, want: f64| {
        let got = got.as_f64().unwrap();
        assert!((got / want - 1.0).abs() < 1e-6, "{got} against {want}");
    };

    // The hole of A is the one gap: a blind spot next to A alone.
    let gaps = r["gaps"].as_array().unwrap();
    assert_eq!(gaps.len(), 1, "{:?}", r["summary"]);
    assert_eq!(gaps[0]["neighbours"], serde_json::json!(["A"]));
    assert_eq!(gaps[0]["sliver"], false);
    close(&gaps[0]["area_m2"], area_of(big_polygon::HOLE_BOX));
    // A and B overlap in the strip west of A's zigzag east side.
    let overlaps = r["overlaps"].as_array().unwrap();
    assert_eq!(overlaps.len(), 1);
    assert_eq!(
        (overlaps[0]["a"].as_str(), overlaps[0]["b"].as_str()),
        (Some("A"), Some("B"))
    );
    close(&overlaps[0]["area_m2"], area_of(big_polygon::OVERLAP_BOX));
    // Their south and north sides run along each other for the strip's width.
    let mismatches = r["edge_mismatches"].as_array().unwrap();
    assert_eq!(mismatches.len(), 1);
    let strip_m = 2.0 * big_polygon::OVERLAP_DEG * 94_400.0;
    let length_m = mismatches[0]["length_m"].as_f64().unwrap();
    assert!((length_m / strip_m - 1.0).abs() < 0.01, "{length_m}");
    let kinds: Vec<&str> = r["fixes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["leave_blind_spot", "overlap_split"]);
    assert!(r["invalid"].as_array().unwrap().is_empty());
    assert_eq!(state.coverage_stats().analyses_finished, 1);
}
