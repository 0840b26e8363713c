//! Geocoding routes through `router()`: one address, reverse geocoding.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic

mod claims_support;

use axum::http::{Method, StatusCode};
use serde_json::json;
use wangge_model::Role;
use wangge_server::{router, AppState};
use wangge_store::{StandardAddressRecord, Store};

use claims_support::call;

fn std_addr(
    code: &str,
    town: &str,
    road: &str,
    number: &str,
    lon: f64,
    lat: f64,
) -> StandardAddressRecord {
    StandardAddressRecord {
        code: code.into(),
        province_code: None,
        city_code: None,
        county_code: None,
        town_code: Some(town.into()),
        village_code: None,
        road: road.into(),
        house_number: Some(number.into()),
        compound: None,
        building: Some("3栋".into()),
        lon,
        lat,
    }
}

async fn app() -> (axum::Router, String) {
    let store = Store::connect("sqlite::memory:").await.unwrap();
    store
        .upsert_standard_addresses(&[
            std_addr("S1", "420302001", "北京路", "12号", 110.7901, 32.6501),
            std_addr("S2", "420302001", "北京路", "30号", 110.7950, 32.6520),
        ])
        .await
        .unwrap();
    let hash = claims_support::cheap_hash(claims_support::PASSWORD);
    claims_support::add_user(&store, "clerk", Role::Clerk, None, &[], &hash).await;
    let app = router(AppState::new(store));
    let token = claims_support::login(&app, "clerk").await;
    (app, token)
}

#[tokio::test]
async fn geocode_one_address() {
    let (app, token) = app().await;
    let a = call(
        &app,
        Method::POST,
        "/api/v1/geocode",
        Some(&token),
        Some(json!({"address": "湖北十堰茅箭区武当路街道北京路１２号3栋2单元301"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.body["status"], "matched");
    assert_eq!(a.body["precision"], "building");
    assert_eq!(a.body["town_code"], "420302001");
    assert_eq!(a.body["lon"], 110.7901);
    assert_eq!(a.body["parsed"]["room"], "301");

    let a = call(
        &app,
        Method::POST,
        "/api/v1/geocode",
        Some(&token),
        Some(json!({"address": "鼓楼区"})),
    )
    .await;
    assert_eq!(a.body["status"], "ambiguous");
    assert!(a.body["candidates"].as_array().unwrap().len() >= 4);
    let a = call(
        &app,
        Method::POST,
        "/api/v1/geocode",
        Some(&token),
        Some(json!({"address": "鼓楼区", "city": "3201"})),
    )
    .await;
    assert_eq!(a.body["county_code"], "320106");

    // GCJ-02 out: shifted east of WGS-84.
    let a = call(
        &app,
        Method::POST,
        "/api/v1/geocode",
        Some(&token),
        Some(json!({"address": "十堰茅箭区北京路12号3栋", "crs": "gcj02"})),
    )
    .await;
    let lon = a.body["lon"].as_f64().unwrap();
    assert!(lon > 110.7931, "{lon}");

    // Bad input: clear 400s.
    let a = call(
        &app,
        Method::POST,
        "/api/v1/geocode",
        Some(&token),
        Some(json!({"address": "x".repeat(10_000)})),
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(a.text.contains("at most 4096"), "{}", a.text);
    let a = call(
        &app,
        Method::POST,
        "/api/v1/geocode",
        Some(&token),
        Some(json!({"address": "五堰街道", "crs": "utm50"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);

    // Not logged in: refused.
    let a = call(
        &app,
        Method::POST,
        "/api/v1/geocode",
        None,
        Some(json!({"address": "五堰街道"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn reverse_gives_the_nearest_standard_address_and_its_divisions() {
    let (app, token) = app().await;
    let a = call(
        &app,
        Method::GET,
        "/api/v1/reverse?lon=110.7951&lat=32.6521",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let n = &a.body["nearest"];
    assert_eq!(n["number"], "30号");
    assert!(n["distance_m"].as_f64().unwrap() < 20.0);
    let levels: Vec<&str> = n["divisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(levels, ["湖北省", "十堰市", "茅箭区", "武当路街道"]);
    assert!(n["label"]
        .as_str()
        .unwrap()
        .starts_with("湖北省十堰市茅箭区武当路街道北京路30号"));
    // No grid in this database: no cell.
    assert!(a.body["cell_code"].is_null());

    let a = call(
        &app,
        Method::GET,
        "/api/v1/reverse?lon=200&lat=32",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    let a = call(
        &app,
        Method::GET,
        "/api/v1/reverse?lat=32",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(a.text.contains("lon is required"));
}
