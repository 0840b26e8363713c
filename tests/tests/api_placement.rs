//! Placement routes through `router()`: locate, rates, what a cell holds.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic

mod claims_support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::Value;
use tower::ServiceExt;
use wangge_assign::{assign_all, load_index, AssignOptions};
use wangge_model::{LevelNo, Role, Territory};
use wangge_server::{router, AppState};
use wangge_store::{NewCustomer, NewGrid, Store};

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
        name: code.into(),
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

fn customer(code: &str, lon: Option<f64>, lat: Option<f64>) -> NewCustomer {
    NewCustomer {
        code: code.into(),
        name: code.into(),
        segment: None,
        product_type: None,
        address: None,
        lon,
        lat,
        monthly_spend_yuan: None,
        staff_count: None,
        class: None,
        other_operator: false,
    }
}

async fn app() -> App {
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
    let customers: Vec<NewCustomer> = (0..25)
        .map(|i| {
            customer(
                &format!("K{i:02}"),
                Some(110.01 + f64::from(i) * 0.003),
                Some(32.1),
            )
        })
        .chain([
            customer("GAP", Some(110.1502), Some(32.1)),
            customer("NONE", None, None),
        ])
        .collect();
    store.upsert_customers(&t, &customers).await.unwrap();
    let index = load_index(&store).await.unwrap();
    assign_all(&store, &index, &AssignOptions::default())
        .await
        .unwrap();
    // Lists of customers need a logged-in role: operations sees them all.
    let hash = claims_support::cheap_hash(claims_support::PASSWORD);
    claims_support::add_user(&store, "ops", Role::Ops, None, &[], &hash).await;
    let state = AppState::new(store);
    state.refresh().await.unwrap();
    let app = router(state);
    let token = claims_support::login(&app, "ops").await;
    App { router: app, token }
}

struct App {
    router: axum::Router,
    token: String,
}

async fn get(app: &App, uri: &str) -> (StatusCode, Value) {
    let request = Request::get(uri)
        .header("accept-language", "en")
        .header("authorization", format!("Bearer {}", app.token))
        .body(Body::empty())
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&body).unwrap_or_else(|e| panic!("{uri}: not JSON ({e})")),
    )
}

#[tokio::test]
async fn locate_a_point() {
    let app = app().await;
    let (status, body) = get(&app, "/api/v1/locate?lon=110.05&lat=32.1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "assigned");
    assert_eq!(body["cell_code"], "C1");
    assert_eq!(body["l1_code"], "D");
    // 110.1502 is about 19 m east of C2: in a gap, with C2 suggested, not snapped.
    let (_, body) = get(&app, "/api/v1/locate?lon=110.1502&lat=32.1").await;
    assert_eq!(body["status"], "in_gap");
    assert!(body["cell_code"].is_null());
    assert_eq!(body["suggestion"]["code"], "C2");
    let d = body["suggestion"]["distance_m"].as_f64().unwrap();
    assert!((15.0..25.0).contains(&d), "{d}");
    let (_, body) = get(&app, "/api/v1/locate?lon=120&lat=40").await;
    assert_eq!(body["status"], "outside");
    for uri in [
        "/api/v1/locate?lat=32",
        "/api/v1/locate?lon=x&lat=32",
        "/api/v1/locate?lon=110&lat=32&crs=utm",
    ] {
        let (status, body) = get(&app, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
    }
}

#[tokio::test]
async fn rates_and_cell_contents() {
    let app = app().await;
    let (status, body) = get(&app, "/api/v1/assignment?level=3").await;
    assert_eq!(status, StatusCode::OK);
    let rates = body["rates"].as_array().unwrap();
    assert!(rates[0]["code"].is_null(), "the territory row comes first");
    assert_eq!(rates[0]["customers"]["total"], 27);
    assert_eq!(rates[0]["customers"]["in_cell"], 25);
    let (status, _) = get(&app, "/api/v1/assignment?level=4").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, page) = get(&app, "/api/v1/cells/C1/customers?limit=10&offset=10").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["items"].as_array().unwrap().len(), 10);
    assert_eq!(page["offset"], 10);
    let total = page["total"].as_i64().unwrap();
    let (_, c2) = get(&app, "/api/v1/cells/C2/customers").await;
    assert_eq!(total + c2["total"].as_i64().unwrap(), 25);
    let (status, _) = get(&app, "/api/v1/cells/NOPE/customers").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = get(&app, "/api/v1/cells/C1/customers?limit=5000").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (_, page) = get(&app, "/api/v1/unplaced?kind=customer&status=in_gap").await;
    assert_eq!(page["items"][0]["code"], "GAP");
    assert!(page["items"][0]["reason"].as_str().unwrap().contains("C2"));
    let (_, page) = get(&app, "/api/v1/unplaced?kind=customer&status=no_location").await;
    assert_eq!(page["items"][0]["code"], "NONE");
}
