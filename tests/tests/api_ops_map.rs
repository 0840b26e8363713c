//! The operations map routes through `router()`: the H3 heat map of
//! customers (all, or unplaced with a location) and customer search.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic

mod claims_support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::Value;
use tower::ServiceExt;
use wangge_assign::{assign_all, load_index, AssignOptions};
use wangge_model::{LevelNo, ManagerKind, Role, Territory};
use wangge_server::{router, AppState};
use wangge_store::{NewCustomer, NewGrid};
use wangge_tests::{backend_kinds, fresh_store, BackendKind, TestStore};

fn rect(code: &str, level: u8, parent: Option<&str>, x0: f64, x1: f64) -> NewGrid {
    NewGrid {
        code: code.parse().unwrap(),
        name: code.into(),
        level: LevelNo::try_from(level).unwrap(),
        parent: parent.map(|p| p.parse().unwrap()),
        cell_type: (level == 4).then(|| "15".parse().unwrap()),
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

fn customer(code: &str, name: &str, at: Option<(f64, f64)>) -> NewCustomer {
    NewCustomer {
        code: code.into(),
        name: name.into(),
        segment: None,
        product_type: None,
        address: Some(format!("{name}路1号")),
        lon: at.map(|a| a.0),
        lat: at.map(|a| a.1),
        monthly_spend_yuan: None,
        staff_count: None,
        class: None,
        other_operator: false,
    }
}

struct App {
    router: axum::Router,
    ops: String,
    manager: String,
    test_store: TestStore,
}

/// Cells C1 (110.0-110.1) and C2 (110.1-110.15); 20 customers in C1 (10 at
/// one spot), 2 east of C2 (in a gap and outside), one without a location.
async fn app(kind: BackendKind) -> App {
    let test_store = fresh_store(kind).await;
    let store = test_store.store.clone();
    let t = Territory {
        code: "T".parse().unwrap(),
        name: "t".into(),
    };
    store.ensure_territory(&t).await.unwrap();
    let grids = [
        rect("D", 1, None, 110.0, 110.2),
        rect("B", 2, Some("D"), 110.0, 110.2),
        rect("A1", 3, Some("B"), 110.0, 110.1),
        rect("A2", 3, Some("B"), 110.1, 110.2),
        rect("C1", 4, Some("A1"), 110.0, 110.1),
        rect("C2", 4, Some("A2"), 110.1, 110.15),
    ];
    store.import_grids(&t, &grids).await.unwrap();
    let mut customers: Vec<NewCustomer> = (0..20)
        .map(|i| {
            // Ten at one spot, ten spread along a line 5 km north of it.
            let at = if i < 10 {
                (110.05, 32.1)
            } else {
                (110.005 + f64::from(i - 10) * 0.009, 32.15)
            };
            customer(&format!("K{i:02}"), &format!("便利店{i:02}"), Some(at))
        })
        .collect();
    customers.extend([
        customer("GAP", "缺口洗衣_店", Some((110.1502, 32.1))),
        customer("FAR", "远方洗衣店", Some((121.0, 31.0))),
        customer("NONE", "无址小店", None),
    ]);
    store.upsert_customers(&t, &customers).await.unwrap();
    let index = load_index(&store).await.unwrap();
    assign_all(&store, &index, &AssignOptions::default())
        .await
        .unwrap();
    let hash = claims_support::cheap_hash(claims_support::PASSWORD);
    claims_support::add_user(&store, "ops", Role::Ops, None, &[], &hash).await;
    claims_support::add_user(
        &store,
        "gm",
        Role::GridManager,
        Some(ManagerKind::Community),
        &["A1"],
        &hash,
    )
    .await;
    let state = AppState::new(store);
    state.refresh().await.unwrap();
    let router = router(state);
    let ops = claims_support::login(&router, "ops").await;
    let manager = claims_support::login(&router, "gm").await;
    App {
        router,
        ops,
        manager,
        test_store,
    }
}

async fn get_as(app: &App, token: &str, uri: &str) -> (StatusCode, Value) {
    let request = Request::get(uri)
        .header("accept-language", "en")
        .header("authorization", format!("Bearer {token}"))
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

fn counts(fc: &Value) -> Vec<u64> {
    fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["count"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn h3_hexagons_count_customers_and_unplaced_ones() {
    let app = app(BackendKind::SqliteMemory).await;
    let (status, fc) = get_as(&app, &app.ops, "/api/v1/h3?res=7&kind=customers").await;
    assert_eq!(status, StatusCode::OK, "{fc}");
    assert_eq!(fc["type"], "FeatureCollection");
    // 22 with coordinates; the one without is skipped, not lost.
    assert_eq!(
        (fc["points"].as_u64(), fc["skipped"].as_u64()),
        (Some(22), Some(1))
    );
    let c = counts(&fc);
    assert_eq!(c.iter().sum::<u64>(), 22);
    // The ten at one spot share a hexagon: the largest count, listed first.
    assert!(c[0] >= 10, "{c:?}");
    assert_eq!(fc["max_count"].as_u64(), Some(c[0]));
    let ring = fc["features"][0]["geometry"]["coordinates"][0]
        .as_array()
        .unwrap();
    assert_eq!(ring.len(), 7, "a closed hexagon");
    let (lon, lat) = (ring[0][0].as_f64().unwrap(), ring[0][1].as_f64().unwrap());
    assert!(
        (109.9..110.2).contains(&lon) && (32.0..32.2).contains(&lat),
        "{lon},{lat}"
    );
    let h3 = fc["features"][0]["properties"]["h3"].as_str().unwrap();
    assert_eq!(h3.len(), 15, "an H3 index in hex: {h3}");

    // Finer hexagons: the spread ten split up, the spot stays whole.
    let (_, fine) = get_as(&app, &app.ops, "/api/v1/h3?res=9").await;
    assert!(counts(&fine).len() > counts(&fc).len());
    assert_eq!(counts(&fine)[0], 10);

    let (status, un) = get_as(&app, &app.ops, "/api/v1/h3?res=7&kind=unplaced").await;
    assert_eq!(status, StatusCode::OK, "{un}");
    assert_eq!(un["points"].as_u64(), Some(2), "in_gap and outside: {un}");
    assert_eq!(counts(&un), vec![1, 1]);

    for uri in [
        "/api/v1/h3?res=3",
        "/api/v1/h3?res=10",
        "/api/v1/h3?res=x",
        "/api/v1/h3?kind=buildings",
    ] {
        let (status, body) = get_as(&app, &app.ops, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        assert!(
            body["message"].as_str().unwrap().contains("parameter"),
            "{body}"
        );
    }
    // Every customer of the company: not for a grid manager.
    let (status, _) = get_as(&app, &app.manager, "/api/v1/h3?res=7").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// The heat maps are cached per data state (the revisions): a repeated
/// request gives the same answer, and an import or a placement run (here
/// straight into the store, as the CLI does) shows once the server's
/// snapshot follows (polled with a deadline).
async fn h3_until(app: &App, uri: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    loop {
        let (_, body) = get_as(app, &app.ops, uri).await;
        if done(&body) {
            return body;
        }
        assert!(std::time::Instant::now() < deadline, "{uri}: still {body}");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn h3_answers_follow_imports_and_placements() {
    let app = app(BackendKind::SqliteFile).await;
    let store = app.test_store.store.clone();
    let (_, first) = get_as(&app, &app.ops, "/api/v1/h3?res=9").await;
    assert_eq!(counts(&first)[0], 10, "ten at one spot");
    let (_, again) = get_as(&app, &app.ops, "/api/v1/h3?res=9").await;
    assert_eq!(again, first);
    let (_, unplaced) = get_as(&app, &app.ops, "/api/v1/h3?res=7&kind=unplaced").await;
    assert_eq!(unplaced["points"], 2);

    // K00 moves from the spot into the gap east of C2: same count, same
    // ids, only its coordinates change.
    let t = Territory {
        code: "T".parse().unwrap(),
        name: "t".into(),
    };
    store
        .upsert_customers(
            &t,
            &[customer("K00", "便利店00", Some((110.1503, 32.1001)))],
        )
        .await
        .unwrap();
    let moved = h3_until(&app, "/api/v1/h3?res=9", |b| b != &first).await;
    assert_eq!(counts(&moved)[0], 9, "{moved}");
    assert_eq!(moved["points"], 22);
    // Not placed again yet: still the two unplaced ones.
    let (_, unplaced) = get_as(&app, &app.ops, "/api/v1/h3?res=7&kind=unplaced").await;
    assert_eq!(unplaced["points"], 2);
    // The placement run puts K00 in the gap: three now.
    let index = load_index(&store).await.unwrap();
    assign_all(&store, &index, &AssignOptions::default())
        .await
        .unwrap();
    let unplaced = h3_until(&app, "/api/v1/h3?res=7&kind=unplaced", |b| b["points"] != 2).await;
    assert_eq!(unplaced["points"], 3, "{unplaced}");
    // A new customer counts at once too.
    store
        .upsert_customers(&t, &[customer("NEW", "新店", Some((110.05, 32.1)))])
        .await
        .unwrap();
    let added = h3_until(&app, "/api/v1/h3?res=9", |b| b != &moved).await;
    assert_eq!(counts(&added)[0], 10, "{added}");
    assert_eq!(added["points"], 23);
}

#[tokio::test]
async fn customers_are_found_by_code_or_name() {
    // The LIKE with its escape on every backend (PostgreSQL when configured).
    for kind in backend_kinds() {
        customer_search_on(kind).await;
    }
}

async fn customer_search_on(kind: BackendKind) {
    let app = app(kind).await;
    let (status, body) = get_as(&app, &app.ops, "/api/v1/customers/search?q=K03").await;
    assert_eq!(status, StatusCode::OK, "{kind}: {body}");
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{kind}: {body}");
    assert_eq!(items[0]["code"], "K03");
    assert_eq!(items[0]["name"], "便利店03");
    assert_eq!(items[0]["cell_code"], "C1");
    assert_eq!(items[0]["lon"].as_f64(), Some(110.05));

    // By part of a name, ordered by code, limited.
    let (_, body) = get_as(
        &app,
        &app.ops,
        "/api/v1/customers/search?q=%E4%BE%BF%E5%88%A9%E5%BA%97&limit=3",
    )
    .await;
    let codes: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["K00", "K01", "K02"]);
    // "洗衣_店": the underscore is literal, so only GAP matches (not 远方洗衣店's "洗衣店").
    let (_, body) = get_as(
        &app,
        &app.ops,
        "/api/v1/customers/search?q=%E6%B4%97%E8%A1%A3_%E5%BA%97",
    )
    .await;
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{body}");
    assert_eq!(items[0]["code"], "GAP");
    assert!(items[0]["cell_code"].is_null(), "in a gap: no cell");
    // Without a location: found, with null coordinates.
    let (_, body) = get_as(&app, &app.ops, "/api/v1/customers/search?q=NONE").await;
    assert!(body["items"][0]["lon"].is_null());

    let (_, body) = get_as(&app, &app.ops, "/api/v1/customers/search?q=nobody").await;
    assert_eq!(body["items"].as_array().unwrap().len(), 0);
    for uri in [
        "/api/v1/customers/search",
        "/api/v1/customers/search?q=%20",
        "/api/v1/customers/search?q=K&limit=101",
    ] {
        let (status, body) = get_as(&app, &app.ops, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
    }
    let (status, _) = get_as(&app, &app.manager, "/api/v1/customers/search?q=K03").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    app.test_store.finish().await;
}

/// A GET through the router (anonymous when `token` is empty): status,
/// `Content-Crs` header and JSON body.
async fn ogc_get(app: &App, token: &str, uri: &str) -> (StatusCode, Option<String>, Value) {
    let mut request = Request::get(uri)
        .header("accept-language", "en")
        .header("host", "wangge.test");
    if !token.is_empty() {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = app
        .router
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let crs = response
        .headers()
        .get("content-crs")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        crs,
        serde_json::from_slice(&body).unwrap_or_else(|e| panic!("{uri}: not JSON ({e})")),
    )
}

/// `value` against `schema` of the published document: required members,
/// JSON types, array items, `$ref`s. Returns the first fault.
fn check_schema(value: &Value, schema: &Value, doc: &Value, at: &str) -> Result<(), String> {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        return check_schema(value, &doc["components"]["schemas"][name], doc, at);
    }
    if value.is_null() && schema["nullable"] == true {
        return Ok(());
    }
    let fits = match schema["type"].as_str() {
        Some("object") => value.is_object(),
        Some("array") => value.is_array(),
        Some("string") => value.is_string(),
        Some("integer") => value.is_u64() || value.is_i64(),
        Some("number") => value.is_number(),
        _ => true,
    };
    if !fits {
        return Err(format!("{at}: {value} is not {}", schema["type"]));
    }
    if let Some(allowed) = schema["enum"].as_array() {
        if !allowed.contains(value) {
            return Err(format!("{at}: {value} is none of {allowed:?}"));
        }
    }
    for name in schema["required"].as_array().into_iter().flatten() {
        let name = name.as_str().unwrap();
        if value.get(name).is_none() {
            return Err(format!("{at}: the required member {name} is missing"));
        }
    }
    if let Some(properties) = schema["properties"].as_object() {
        for (name, property) in properties {
            if let Some(member) = value.get(name) {
                check_schema(member, property, doc, &format!("{at}.{name}"))?;
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, item) in array.iter().enumerate() {
            check_schema(item, items, doc, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}

/// The OGC API's documents and items fit the OpenAPI document it
/// publishes; pages follow `next` to every feature exactly once.
#[tokio::test]
async fn ogc_api_answers_fit_its_openapi_and_pages_reach_every_feature() {
    let app = app(BackendKind::SqliteMemory).await;
    let (status, _, doc) = ogc_get(&app, "", "/ogc/api").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.0.3");
    let response_schema = |path: &str| {
        let responses = &doc["paths"][path]["get"]["responses"]["200"]["content"];
        let (_, media) = responses.as_object().unwrap().iter().next().unwrap();
        media["schema"].clone()
    };
    for (uri, path) in [
        ("/ogc", "/"),
        ("/ogc/conformance", "/conformance"),
        ("/ogc/collections", "/collections"),
        ("/ogc/collections/cells", "/collections/{collectionId}"),
        (
            "/ogc/collections/cells/items",
            "/collections/{collectionId}/items",
        ),
        (
            "/ogc/collections/outlet_areas/items?parent=B",
            "/collections/{collectionId}/items",
        ),
        (
            "/ogc/collections/coverage_findings/items",
            "/collections/{collectionId}/items",
        ),
        (
            "/ogc/collections/cells/items/C1",
            "/collections/{collectionId}/items/{featureId}",
        ),
    ] {
        let (status, _, body) = ogc_get(&app, "", uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {body}");
        check_schema(&body, &response_schema(path), &doc, uri)
            .unwrap_or_else(|e| panic!("{e}\n{body}"));
    }
    let (_, _, landing) = ogc_get(&app, "", "/ogc").await;
    let rels: Vec<&str> = landing["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["rel"].as_str().unwrap())
        .collect();
    assert_eq!(rels, ["self", "service-desc", "conformance", "data"]);
    assert_eq!(
        landing["links"][3]["href"],
        "http://wangge.test/ogc/collections"
    );
    let (_, _, conformance) = ogc_get(&app, "", "/ogc/conformance").await;
    assert!(conformance["conformsTo"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c.as_str().unwrap().ends_with("features-2/1.0/conf/crs")));

    // Every cell, one per page, by following `next`.
    let mut uri = "/ogc/collections/cells/items?limit=1".to_owned();
    let mut seen = Vec::new();
    loop {
        let (status, _, page) = ogc_get(&app, "", &uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {page}");
        assert_eq!(page["numberMatched"], 2);
        assert_eq!(page["numberReturned"], 1);
        seen.push(page["features"][0]["id"].as_str().unwrap().to_owned());
        let next = page["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["rel"] == "next");
        match next {
            Some(link) => {
                uri = link["href"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("http://wangge.test")
                    .to_owned();
            }
            None => break,
        }
    }
    assert_eq!(seen, ["C1", "C2"]);
    // Filters: by parent, by box, by code; an unknown collection is named.
    let (_, _, areas) = ogc_get(&app, "", "/ogc/collections/outlet_areas/items?parent=B").await;
    assert_eq!(areas["numberMatched"], 2);
    let (_, _, east) = ogc_get(
        &app,
        "",
        "/ogc/collections/cells/items?bbox=110.12,32.05,110.14,32.1",
    )
    .await;
    let ids: Vec<&str> = east["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["C2"]);
    let (status, _, missing) = ogc_get(&app, "", "/ogc/collections/nope/items").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        missing["message"]
            .as_str()
            .unwrap()
            .contains("departments, branches"),
        "{missing}"
    );
}

/// Part 2: the answer in CGCS2000 / Gauss–Krüger, northing first as EPSG
/// defines the zone, said in `Content-Crs`; a box given in the zone.
#[tokio::test]
async fn ogc_items_come_in_the_system_asked_for() {
    let app = app(BackendKind::SqliteMemory).await;
    let zone = "http://www.opengis.net/def/crs/EPSG/0/4546";
    let (status, crs, cells) = ogc_get(
        &app,
        "",
        &format!("/ogc/collections/cells/items?crs={zone}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{cells}");
    assert_eq!(crs.as_deref(), Some(format!("<{zone}>").as_str()));
    let first = &cells["features"][0]["geometry"]["coordinates"][0][0];
    let (north, east) = (first[0].as_f64().unwrap(), first[1].as_f64().unwrap());
    assert!((3_500_000.0..3_600_000.0).contains(&north), "{first}");
    assert!((300_000.0..800_000.0).contains(&east), "{first}");
    let (_, crs, _) = ogc_get(&app, "", "/ogc/collections/cells/items").await;
    assert_eq!(
        crs.as_deref(),
        Some("<http://www.opengis.net/def/crs/OGC/1.3/CRS84>")
    );
    // The same box as above, as northings and eastings of the zone.
    let box_in_zone = format!(
        "/ogc/collections/cells/items?bbox-crs={zone}&bbox={},{},{},{}",
        north - 10.0,
        east - 10.0,
        north + 10.0,
        east + 10.0
    );
    let (status, _, near) = ogc_get(&app, "", &box_in_zone).await;
    assert_eq!(status, StatusCode::OK, "{near}");
    assert_eq!(near["features"][0]["id"], "C1");
    let (status, _, refused) =
        ogc_get(&app, "", "/ogc/collections/cells/items?crs=EPSG:2000").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("parameter crs"),
        "{refused}"
    );
}

/// Customers and resources: the REST API's rule for lists that are not one
/// cell's. Anonymous: 401 and not listed; a grid manager: 403; operations:
/// every customer, paged and boxed.
#[tokio::test]
async fn ogc_customers_are_for_company_wide_roles() {
    let app = app(BackendKind::SqliteMemory).await;
    let ids = |collections: &Value| -> Vec<String> {
        collections["collections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, _, anonymous) = ogc_get(&app, "", "/ogc/collections").await;
    assert!(
        !ids(&anonymous).contains(&"customers".to_owned()),
        "{anonymous}"
    );
    let (_, _, ops) = ogc_get(&app, &app.ops, "/ogc/collections").await;
    assert!(
        ids(&ops).contains(&"customers".to_owned()) && ids(&ops).contains(&"resources".to_owned())
    );
    let (status, _, _) = ogc_get(&app, "", "/ogc/collections/customers/items").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, refused) =
        ogc_get(&app, &app.manager, "/ogc/collections/customers/items").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("/api/v1/cells/"),
        "{refused}"
    );
    let (status, _, all) =
        ogc_get(&app, &app.ops, "/ogc/collections/customers/items?limit=5").await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(all["numberMatched"], 23);
    assert_eq!(all["numberReturned"], 5);
    let (_, _, spot) = ogc_get(
        &app,
        &app.ops,
        "/ogc/collections/customers/items?bbox=110.04,32.09,110.06,32.11",
    )
    .await;
    assert_eq!(spot["numberMatched"], 10, "the ten at one spot");
    assert_eq!(spot["features"][0]["geometry"]["type"], "Point");
    assert!(spot["features"][0]["properties"]["name"]
        .as_str()
        .unwrap()
        .starts_with("便利店"));
    // One customer, by its code: as a filter and as a feature.
    let (_, _, one) = ogc_get(&app, &app.ops, "/ogc/collections/customers/items?code=K07").await;
    assert_eq!(one["numberMatched"], 1, "{one}");
    let (status, _, feature) =
        ogc_get(&app, &app.ops, "/ogc/collections/customers/items/GAP").await;
    assert_eq!(status, StatusCode::OK, "{feature}");
    assert_eq!(feature["properties"]["name"], "缺口洗衣_店");
    let (status, _, _) = ogc_get(&app, &app.ops, "/ogc/collections/customers/items/NOPE").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// The findings collection is kept between pages, under the store's
/// revisions: a claim (no grid moved) shows in the next page read.
#[tokio::test]
async fn ogc_findings_follow_a_claim_made_between_two_pages() {
    let app = app(BackendKind::SqliteMemory).await;
    let c1 = |page: &Value| {
        page["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["properties"]["grid"] == "C1")
            .map(|f| f["properties"]["pending"].clone())
    };
    let uri = "/ogc/collections/coverage_findings/items?kind=unclaimed_cell";
    let (status, _, before) = ogc_get(&app, "", uri).await;
    assert_eq!(status, StatusCode::OK, "{before}");
    assert_eq!(before["numberMatched"], 2, "{before}");
    assert_eq!(c1(&before), Some(Value::Bool(false)), "{before}");
    let (_, _, again) = ogc_get(&app, "", uri).await;
    assert_eq!(again["features"], before["features"]);
    let claimed = claims_support::step(&app.router, Some(&app.manager), "C1", "claim", None).await;
    assert!(claimed.status.is_success(), "{}", claimed.text);
    let (_, _, after) = ogc_get(&app, "", uri).await;
    assert_ne!(
        c1(&after),
        Some(Value::Bool(false)),
        "C1 is still shown unclaimed with no claim pending: {after}"
    );
}
