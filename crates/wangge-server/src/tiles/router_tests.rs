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
    let state = AppState::new(store);
    state.reload_index().await.unwrap();
    router(state)
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
    let mut request = Request::get(uri);
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
