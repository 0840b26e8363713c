//! Tiles through `router()` on a small territory, decoded back.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use tower::ServiceExt;
use wangge_model::{LevelNo, Territory};
use wangge_store::{NewGrid, Store};

use super::clip::world;
use super::mvt::decode::{self, Layer};
use super::mvt::Value;
use super::source::{Dot, DotSource};
use super::Frame;
use crate::{router, AppState};

fn rect(
    code: &str,
    level: u8,
    parent: Option<&str>,
    x0: f64,
    x1: f64,
    cell_type: Option<&str>,
) -> NewGrid {
    NewGrid {
        code: code.parse().unwrap(),
        name: format!("{code} 名"),
        level: LevelNo::try_from(level).unwrap(),
        parent: parent.map(|p| p.parse().unwrap()),
        cell_type: cell_type.map(|t| t.parse().unwrap()),
        geometry_geojson: format!(
            r#"{{"type":"Polygon","coordinates":[[[{x0},32],[{x1},32],[{x1},32.2],[{x0},32.2],[{x0},32]]]}}"#
        ),
        bbox: [x0, 32.0, x1, 32.2],
        area_m2: 1.0,
        invalid_reason: None,
        properties_json: None,
        source: None,
    }
}

async fn app() -> axum::Router {
    app_and_store().await.0
}

async fn app_and_store() -> (axum::Router, Store) {
    let store = Store::connect("sqlite::memory:").await.unwrap();
    let t = Territory {
        code: "T".parse().unwrap(),
        name: "t".into(),
    };
    store.ensure_territory(&t).await.unwrap();
    let grids = [
        rect("D", 1, None, 110.0, 110.2, None),
        rect("B", 2, Some("D"), 110.0, 110.2, None),
        rect("A1", 3, Some("B"), 110.0, 110.1, None),
        rect("A2", 3, Some("B"), 110.1, 110.2, None),
        rect("C1", 4, Some("A1"), 110.0, 110.1, Some("15")),
        rect("C2", 4, Some("A2"), 110.1, 110.15, Some("04")),
    ];
    store.import_grids(&t, &grids).await.unwrap();
    let state = AppState::new(store.clone());
    state.refresh().await.unwrap();
    (router(state), store)
}

/// The tile at zoom `z` holding (110.05, 32.1).
fn address(z: u8) -> Frame {
    let w = world(110.05, 32.1);
    let n = f64::from(1u32 << z);
    Frame::new(z, (w[0] * n) as u32, (w[1] * n) as u32)
}

async fn fetch(
    app: &axum::Router,
    uri: &str,
    etag: Option<&str>,
) -> (StatusCode, Option<String>, Vec<u8>) {
    let mut request = Request::get(uri).header("accept-language", "en");
    if let Some(etag) = etag {
        request = request.header(header::IF_NONE_MATCH, etag);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let etag = response
        .headers()
        .get(header::ETAG)
        .map(|v| v.to_str().unwrap().to_owned());
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, etag, body.to_vec())
}

fn codes(layer: &Layer) -> Vec<String> {
    let mut codes: Vec<String> = layer
        .features
        .iter()
        .map(|f| match f.prop("code") {
            Some(Value::Str(s)) => s.clone(),
            other => panic!("code {other:?}"),
        })
        .collect();
    codes.sort();
    codes
}

#[tokio::test]
async fn cells_and_grids_decode_with_their_properties() {
    let app = app().await;
    let f = address(10);
    let (status, etag, body) =
        fetch(&app, &format!("/tiles/cells/10/{}/{}.mvt", f.x, f.y), None).await;
    assert_eq!(status, StatusCode::OK);
    let layers = decode::tile(&body);
    assert_eq!(layers.len(), 1);
    assert_eq!(layers[0].name, "cells");
    assert_eq!(codes(&layers[0]), ["C1", "C2"]);
    let c1 = layers[0]
        .features
        .iter()
        .find(|f| f.prop("code") == Some(&Value::Str("C1".into())))
        .unwrap();
    assert_eq!(c1.kind, 3, "a polygon");
    assert_eq!(c1.prop("type"), Some(&Value::Str("15".into())));
    assert_eq!(c1.prop("parent"), Some(&Value::Str("A1".into())));
    assert_eq!(c1.prop("level"), Some(&Value::Int(4)));
    assert!(matches!(c1.prop("category"), Some(Value::Str(_))));
    // C1's west edge at lon 110.0, where the frame puts it.
    let west = f.project(world(110.0, 32.1))[0].round() as i32;
    let xs: Vec<i32> = c1.parts[0].iter().map(|p| p[0]).collect();
    assert_eq!(*xs.iter().min().unwrap(), west.max(-64));
    assert!(
        super::clip::signed_area2(&c1.parts[0]) > 0,
        "exterior clockwise on screen"
    );

    // Same tile again with its ETag: 304, no body.
    let etag = etag.unwrap();
    let (status, again, body) = fetch(
        &app,
        &format!("/tiles/cells/10/{}/{}.mvt", f.x, f.y),
        Some(&etag),
    )
    .await;
    assert_eq!(
        (status, again.as_deref(), body.len()),
        (StatusCode::NOT_MODIFIED, Some(etag.as_str()), 0)
    );

    let (status, _, body) =
        fetch(&app, &format!("/tiles/grids/10/{}/{}.mvt", f.x, f.y), None).await;
    assert_eq!(status, StatusCode::OK);
    let layers = decode::tile(&body);
    assert_eq!(codes(&layers[0]), ["A1", "A2", "B", "D"]);
    let d = layers[0]
        .features
        .iter()
        .find(|f| f.prop("code") == Some(&Value::Str("D".into())))
        .unwrap();
    assert_eq!(d.prop("level"), Some(&Value::Int(1)));
    assert_eq!(d.prop("name"), Some(&Value::Str("D 名".into())));
}

#[tokio::test]
async fn a_tile_away_from_the_territory_is_empty_and_bad_addresses_are_named() {
    let app = app().await;
    let (status, _, body) = fetch(&app, "/tiles/cells/10/0/0.mvt", None).await;
    assert_eq!((status, body.len()), (StatusCode::OK, 0));
    let (status, _, body) = fetch(&app, "/tiles/cells/10/0/1024.mvt", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&body).contains("y:"));
    let (status, _, _) = fetch(&app, "/tiles/roads/1/0/0.mvt", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = fetch(&app, "/tiles/customers/1/0/0.mvt", None).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "customer positions need a login"
    );
}

#[test]
fn customers_cluster_below_zoom_14_and_are_single_from_it() {
    let near = [
        world(110.05, 32.1),
        world(110.050_01, 32.1),
        world(110.050_02, 32.1),
    ];
    let dots = DotSource::from_dots(
        near.iter()
            .enumerate()
            .map(|(i, &at)| Dot {
                id: i as i64 + 1,
                at,
            })
            .chain([Dot {
                id: 99,
                at: world(-100.0, 40.0),
            }])
            .collect(),
    );
    assert_eq!(dots.len(), 4);
    let mut tile = Vec::new();
    dots.write(&address(10), &mut tile);
    let layers = decode::tile(&tile);
    assert_eq!(layers[0].features.len(), 1, "one cluster");
    assert_eq!(layers[0].features[0].prop("count"), Some(&Value::Int(3)));

    let mut tile = Vec::new();
    dots.write(&address(16), &mut tile);
    let layers = decode::tile(&tile);
    let mut ids: Vec<u64> = layers[0].features.iter().map(|f| f.id.unwrap()).collect();
    ids.sort_unstable();
    assert_eq!(ids, [1, 2, 3]);
}

/// The features of the `coverage` layer of a tile (none when it is empty).
fn coverage_features(body: &[u8]) -> Vec<decode::Feature> {
    let mut layers = decode::tile(body);
    assert!(layers.len() <= 1, "one layer at most");
    match layers.pop() {
        Some(layer) => {
            assert_eq!(layer.name, "coverage");
            layer.features
        }
        None => Vec::new(),
    }
}

fn text(f: &decode::Feature, key: &str) -> String {
    match f.prop(key) {
        Some(Value::Str(s)) => s.clone(),
        other => panic!("{key}: {other:?}"),
    }
}

/// The tile at zoom `z` holding a lon/lat point.
fn tile_at(z: u8, lon: f64, lat: f64) -> Frame {
    let w = world(lon, lat);
    let n = f64::from(1u32 << z);
    Frame::new(z, (w[0] * n) as u32, (w[1] * n) as u32)
}

#[tokio::test]
async fn coverage_tiles_show_the_gap_follow_the_grid_and_answer_304() {
    // C2 covers only 110.10-110.15 of A2 (110.10-110.20): a level-4 gap.
    let (app, store) = app_and_store().await;
    let f = tile_at(12, 110.175, 32.1);
    let uri = format!("/tiles/coverage/12/{}/{}.mvt", f.x, f.y);
    let (status, etag, body) = fetch(&app, &uri, None).await;
    assert_eq!(status, StatusCode::OK);
    let features = coverage_features(&body);
    let gap = features
        .iter()
        .find(|g| text(g, "kind") == "gap" && text(g, "parent") == "A2")
        .unwrap_or_else(|| panic!("the gap in A2: {features:?}"));
    assert_eq!(gap.kind, 3, "a polygon");
    assert_eq!(gap.prop("level"), Some(&Value::Int(4)));
    assert_eq!(gap.prop("sliver"), Some(&Value::Bool(false)));
    assert_eq!(text(gap, "neighbours"), "C2");
    let Some(Value::Double(area)) = gap.prop("area_m2") else {
        panic!("area_m2 {:?}", gap.prop("area_m2"));
    };
    // 0.05° × 0.2° at 32°N: about 4.7 km × 22 km.
    assert!((90e6..120e6).contains(area), "{area}");
    assert!(matches!(gap.prop("width_m"), Some(Value::Double(w)) if *w > 4000.0));
    // Its item is its position in the report's list of gaps.
    let (_, _, json) = fetch(&app, "/api/v1/coverage?kind=gaps", None).await;
    let report: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let Some(Value::Int(item)) = gap.prop("item") else {
        panic!("item {:?}", gap.prop("item"));
    };
    let listed = &report["gaps"][*item as usize];
    assert_eq!(listed["parent"], "A2", "{report}");
    assert_eq!(listed["level"], 4);
    // The gap lies east of C2's edge at 110.15.
    let edge = f.project(world(110.15, 32.1))[0].round() as i32;
    let xs: Vec<i32> = gap.parts.iter().flatten().map(|p| p[0]).collect();
    assert!(
        xs.iter().min().unwrap() >= &(edge - 1),
        "{edge} {:?}",
        gap.parts
    );

    // Unchanged: 304 with the same ETag.
    let etag = etag.unwrap();
    let (status, again, body) = fetch(&app, &uri, Some(&etag)).await;
    assert_eq!(
        (status, again.as_deref(), body.len()),
        (StatusCode::NOT_MODIFIED, Some(etag.as_str()), 0)
    );

    // C2 fills A2 (a new grid revision): the tile is cut again, the gap is
    // gone, the old ETag no longer matches.
    store
        .update_grid_geometries(&[wangge_store::GeometryUpdate {
            code: "C2".parse().unwrap(),
            geometry_geojson: r#"{"type":"Polygon","coordinates":[[[110.1,32],[110.2,32],[110.2,32.2],[110.1,32.2],[110.1,32]]]}"#.to_owned(),
            bbox: [110.1, 32.0, 110.2, 32.2],
            area_m2: 1.0,
            invalid_reason: None,
        }])
        .await
        .unwrap();
    // A write by another process: seen once the snapshot follows the
    // revisions (polled with a deadline).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    let body = loop {
        let (status, fresh, body) = fetch(&app, &uri, Some(&etag)).await;
        if status == StatusCode::OK {
            assert_ne!(fresh.as_deref(), Some(etag.as_str()));
            break body;
        }
        assert_eq!(status, StatusCode::NOT_MODIFIED);
        assert!(
            std::time::Instant::now() < deadline,
            "the grid changed: still 304"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    };
    let features = coverage_features(&body);
    assert!(
        !features
            .iter()
            .any(|g| text(g, "kind") == "gap" && text(g, "parent") == "A2"),
        "{features:?}"
    );

    // Far from the territory: an empty tile; the generic route points to
    // the coverage route; bad addresses are named.
    let (status, _, body) = fetch(&app, "/tiles/coverage/10/0/0.mvt", None).await;
    assert_eq!((status, body.len()), (StatusCode::OK, 0));
    let (status, _, body) = fetch(&app, "/tiles/coverage/10/0/0.png", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&body).contains("y:"));
}

#[tokio::test]
async fn coverage_tiles_have_the_access_of_the_coverage_report() {
    // Public map (the default): anonymous reads of both are allowed.
    let app = app().await;
    let f = tile_at(12, 110.175, 32.1);
    let uri = format!("/tiles/coverage/12/{}/{}.mvt", f.x, f.y);
    let (tile, _, _) = fetch(&app, &uri, None).await;
    let (report, _, _) = fetch(&app, "/api/v1/coverage?kind=gaps", None).await;
    assert_eq!((tile, report), (StatusCode::OK, StatusCode::OK));

    // A private server: both need a login.
    let (_, store) = app_and_store().await;
    let config = crate::auth::AuthConfig {
        policy: crate::auth::Policy { public_map: false },
        ..crate::auth::AuthConfig::default()
    };
    let state = AppState::with_auth(store, config, std::sync::Arc::new(crate::auth::SystemClock));
    state.refresh().await.unwrap();
    let private = router(state);
    let (tile, _, _) = fetch(&private, &uri, None).await;
    let (report, _, _) = fetch(&private, "/api/v1/coverage?kind=gaps", None).await;
    assert_eq!(
        (tile, report),
        (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED)
    );
}

#[tokio::test]
async fn the_demo_new_estate_is_in_the_coverage_tiles() {
    // The demo's one real blind spot at level 4 (the new estate cut out of
    // a vacant-land cell, about 100 m × 100 m).
    let demo = wangge_demo::generate(&wangge_demo::DemoConfig {
        customers: 100,
        ..wangge_demo::DemoConfig::default()
    })
    .unwrap();
    let store = Store::connect("sqlite::memory:").await.unwrap();
    store.ensure_territory(&demo.territory).await.unwrap();
    store
        .import_grids(&demo.territory, &demo.grids)
        .await
        .unwrap();
    let state = AppState::new(store);
    state.refresh().await.unwrap();
    let app = router(state);

    let (_, _, json) = fetch(&app, "/api/v1/coverage?kind=gaps", None).await;
    let report: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let gaps = report["gaps"].as_array().unwrap();
    let estates: Vec<usize> = (0..gaps.len())
        .filter(|&i| gaps[i]["level"] == 4 && gaps[i]["sliver"] == false)
        .collect();
    assert_eq!(estates.len(), 1, "one blind spot at level 4");
    let item = estates[0];
    let estate = &gaps[item];
    let [lon, lat] = [
        estate["label_point"][0].as_f64().unwrap(),
        estate["label_point"][1].as_f64().unwrap(),
    ];

    // Street zoom: a polygon with the report's properties.
    let f = tile_at(16, lon, lat);
    let uri = format!("/tiles/coverage/16/{}/{}.mvt", f.x, f.y);
    let (status, etag, body) = fetch(&app, &uri, None).await;
    assert_eq!(status, StatusCode::OK);
    let features = coverage_features(&body);
    let found = features
        .iter()
        .find(|g| g.prop("item") == Some(&Value::Int(item as i64)) && text(g, "kind") == "gap")
        .unwrap_or_else(|| panic!("the estate (gap {item}) in {uri}: {features:?}"));
    assert_eq!(found.kind, 3, "a polygon at zoom 16");
    assert_eq!(found.prop("level"), Some(&Value::Int(4)));
    assert_eq!(found.prop("sliver"), Some(&Value::Bool(false)));
    assert_eq!(
        text(found, "parent"),
        estate["parent"].as_str().unwrap(),
        "{estate}"
    );
    let neighbours: Vec<&str> = estate["neighbours"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert_eq!(text(found, "neighbours"), neighbours.join(";"));
    let Some(Value::Double(area)) = found.prop("area_m2") else {
        panic!("area_m2");
    };
    assert!((9_000.0..11_000.0).contains(area), "{area}");

    // Zoomed out it is under a few pixels: a point where its label stands.
    let f = tile_at(8, lon, lat);
    let (status, _, body) = fetch(
        &app,
        &format!("/tiles/coverage/8/{}/{}.mvt", f.x, f.y),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let features = coverage_features(&body);
    let point = features
        .iter()
        .find(|g| g.prop("item") == Some(&Value::Int(item as i64)) && text(g, "kind") == "gap")
        .expect("the estate as a point at zoom 8");
    assert_eq!(point.kind, 1, "a point");
    // Small drawing errors are left out rather than drawn as points.
    assert!(
        features.iter().all(|g| g.kind != 1
            || (g.prop("sliver") != Some(&Value::Bool(true))
                && text(g, "kind") != "outside_parent")),
        "sliver gaps and parts outside parents are not points"
    );
    let want = f.project(world(lon, lat));
    let got = point.parts[0][0];
    assert!(
        (f64::from(got[0]) - want[0]).abs() <= 1.0 && (f64::from(got[1]) - want[1]).abs() <= 1.0,
        "{got:?} {want:?}"
    );

    // The same tile again: 304.
    let etag = etag.unwrap();
    let (status, _, _) = fetch(&app, &uri, Some(&etag)).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
}
