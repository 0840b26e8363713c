//! `GET /api/v1/config`: what the map page learns of the server's settings
//! (the raster base map of `wangge serve --basemap-url`), open to anyone.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic

mod claims_support;

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use serde_json::json;
use wangge_server::auth::{AuthConfig, Policy, SystemClock};
use wangge_server::config::{Basemap, ClientConfig};
use wangge_server::{router, AppState};
use wangge_store::Store;

use claims_support::call;

#[tokio::test]
async fn without_a_base_map_the_config_says_null() {
    let store = Store::connect("sqlite::memory:").await.unwrap();
    let app = router(AppState::new(store));
    let a = call(&app, Method::GET, "/api/v1/config", None, None).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.body["basemap"], json!(null));
    // How the bulk geocoding finds the address column, for the page.
    assert_eq!(
        a.body["address_columns"],
        json!(wangge_assign::ADDRESS_COLUMN_NAMES)
    );
    assert_eq!(
        a.body["address_column_words"],
        json!(wangge_assign::ADDRESS_COLUMN_WORDS)
    );
}

#[tokio::test]
async fn a_base_map_is_given_to_anyone_even_on_a_private_server() {
    let store = Store::connect("sqlite::memory:").await.unwrap();
    let config = AuthConfig {
        policy: Policy { public_map: false },
        ..AuthConfig::default()
    };
    let basemap = Basemap::new(
        "http://tiles.intranet/{z}/{x}/{y}.png",
        Some("© 十堰市测绘院"),
    )
    .unwrap();
    let state = AppState::with_auth(store, config, Arc::new(SystemClock)).with_client_config(
        ClientConfig {
            basemap: Some(basemap),
        },
    );
    let app = router(state);
    // The page reads it before anyone logs in.
    let a = call(&app, Method::GET, "/api/v1/config", None, None).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(
        a.body["basemap"],
        json!({
            "url": "http://tiles.intranet/{z}/{x}/{y}.png",
            "attribution": "© 十堰市测绘院",
        })
    );
    // The rest of a private server stays closed.
    let a = call(&app, Method::GET, "/api/v1/grids", None, None).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    // And the spec lists the route as open.
    let spec = call(&app, Method::GET, "/api/openapi.json", None, None).await;
    let get = &spec.body["paths"]["/api/v1/config"]["get"];
    assert_eq!(get["security"], json!([]), "{get}");
}
