//! Geocoding routes through `router()`: one address, reverse geocoding.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic

mod claims_support;

use axum::http::{Method, StatusCode};
use serde_json::json;
use wangge_model::Role;
use wangge_server::{router, AppState};
use wangge_store::{ChunkCommit, JobChunk, JobPart, NewJob, StandardAddressRecord, Store};

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
    let (router, token, _) = app_with_store().await;
    (router, token)
}

async fn app_with_store() -> (axum::Router, String, Store) {
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
    claims_support::add_user(&store, "viewer", Role::Viewer, None, &[], &hash).await;
    let app = router(AppState::new(store.clone()));
    let token = claims_support::login(&app, "clerk").await;
    (app, token, store)
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

/// A CSV upload through the router.
async fn upload(
    app: &axum::Router,
    uri: &str,
    token: &str,
    body: Vec<u8>,
) -> (StatusCode, serde_json::Value) {
    use tower::ServiceExt;
    let request = axum::http::Request::post(uri)
        .header("accept-language", "en")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "text/csv")
        .body(axum::body::Body::from(body))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    )
}

/// Polls a job until it is no longer queued or running (bounded: 60 s).
async fn wait_for(app: &axum::Router, token: &str, id: &str) -> serde_json::Value {
    for _ in 0..1200 {
        let a = call(
            app,
            Method::GET,
            &format!("/api/v1/geocode/jobs/{id}"),
            Some(token),
            None,
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        if a.body["state"] != "running" && a.body["state"] != "queued" {
            return a.body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("job {id} still running after 60 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_geocode_job_runs_reports_and_gives_its_result() {
    let (app, token) = app().await;
    let csv = "客户,地址\n甲,湖北十堰茅箭区武当路街道北京路12号3栋\n乙,郧县城关镇\n丙,鼓楼区\n丁,不知道\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(csv);
    let (status, body) = upload(
        &app,
        "/api/v1/geocode/jobs?column=地址",
        &token,
        gbk.into_owned(),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["rows_total"], 4);
    let id = body["id"].as_str().unwrap().to_owned();
    let done = wait_for(&app, &token, &id).await;
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(done["percent_done"], 100.0);
    assert_eq!(done["counts"]["matched"], 1);
    assert_eq!(done["counts"]["ambiguous"], 1);
    // 郧县城关镇 has no coordinates here, but its divisions resolve.
    assert_eq!(done["counts"]["partial"], 1, "{done}");
    assert_eq!(done["counts"]["failed"], 1, "{done}");
    let a = call(
        &app,
        Method::GET,
        &format!("/api/v1/geocode/jobs/{id}/result"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    // For Excel, which reads a CSV without a BOM as GBK.
    let text = a
        .text
        .strip_prefix('\u{feff}')
        .expect("the download starts with a BOM");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5);
    assert!(
        lines[0].starts_with("客户,地址,lon,lat,precision,confidence,"),
        "{}",
        lines[0]
    );
    // The same added columns as `wangge geocode` writes (one table for both).
    assert!(
        lines[0].ends_with(&wangge_assign::ADDED_COLUMNS.join(",")),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].contains("building") && lines[1].contains("420302001"),
        "{}",
        lines[1]
    );
    // A done job cannot be cancelled.
    let a = call(
        &app,
        Method::POST,
        &format!("/api/v1/geocode/jobs/{id}/cancel"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::CONFLICT);
}

/// The failures file of a done job: the failed and ambiguous rows, and those
/// resolved without coordinates, as read
/// (quotes and commas kept) plus `status,reason`, like `wangge geocode`
/// writes it, ready to fix and submit again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_done_job_gives_its_rows_to_fix() {
    let (app, token) = app().await;
    let csv = "客户,地址,备注\n\
               甲,湖北十堰茅箭区武当路街道北京路12号3栋,\"装机, 二楼\"\n\
               乙,鼓楼区,\"说 \"\"急\"\"\"\n\
               丙,郧县城关镇,\n\
               丁,\"不知道, 哪里\",无\n\
               戊,浙江省杭州市西湖区北山街道,\n";
    let (status, body) = upload(&app, "/api/v1/geocode/jobs", &token, csv.into()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let id = body["id"].as_str().unwrap().to_owned();
    let done = wait_for(&app, &token, &id).await;
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(
        done["failures_url"],
        format!("/api/v1/geocode/jobs/{id}/failures")
    );
    // 丙 resolves (郧县 is 郧阳区) but no standard address there gives it a
    // point: a row to fix as well.
    assert_eq!(done["failure_rows"], 4, "{done}");
    let a = call(
        &app,
        Method::GET,
        done["failures_url"].as_str().unwrap(),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.headers["content-type"], "text/csv; charset=utf-8");
    assert!(a.headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains(&format!("geocode-{id}.failures.csv")));
    let mut reader = csv::Reader::from_reader(a.text.as_bytes());
    assert_eq!(
        reader.headers().unwrap(),
        vec!["客户", "地址", "备注", "status", "reason"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4, "{}", a.text);
    assert_eq!(
        rows[0].iter().take(3).collect::<Vec<_>>(),
        ["乙", "鼓楼区", "说 \"急\""]
    );
    // Outside the territory of the standard addresses: not placed.
    assert_eq!(&rows[3][0], "戊");
    assert_eq!(&rows[3][3], "partial");
    assert!(
        rows[3][4].contains("不在本公司标准地址库的范围内"),
        "{}",
        &rows[3][4]
    );
    assert_eq!(&rows[0][3], "ambiguous");
    assert_eq!(&rows[1][0], "丙");
    assert_eq!(&rows[1][3], "partial");
    assert_eq!(
        rows[2].iter().take(3).collect::<Vec<_>>(),
        ["丁", "不知道, 哪里", "无"]
    );
    assert_eq!(&rows[2][3], "failed");
    assert!(!rows[2][4].is_empty(), "a failed row says why");
    // The same access as the result: signed in, the creator's job.
    let a = call(
        &app,
        Method::GET,
        &format!("/api/v1/geocode/jobs/{id}/failures"),
        None,
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    let a = call(
        &app,
        Method::GET,
        "/api/v1/geocode/jobs/nosuch/failures",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_job_leaves_no_result() {
    let (app, token) = app().await;
    let mut csv = String::from("address\n");
    for i in 0..100_000 {
        csv.push_str("十堰市茅箭区北京路");
        csv.push_str(&i.to_string());
        csv.push_str("号\n");
    }
    let (status, body) = upload(&app, "/api/v1/geocode/jobs", &token, csv.into_bytes()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let id = body["id"].as_str().unwrap().to_owned();
    let a = call(
        &app,
        Method::POST,
        &format!("/api/v1/geocode/jobs/{id}/cancel"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let after = wait_for(&app, &token, &id).await;
    assert_eq!(after["state"], "cancelled");
    let a = call(
        &app,
        Method::GET,
        &format!("/api/v1/geocode/jobs/{id}/result"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert!(after["failures_url"].is_null());
    let a = call(
        &app,
        Method::GET,
        &format!("/api/v1/geocode/jobs/{id}/failures"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::CONFLICT);
}

/// What an instance that died mid-job leaves when the rest of the upload
/// is gone too: a running row under a lease that ran out, one committed
/// chunk. The next instance cannot resume it and reports it interrupted,
/// with the reason, and serves no result.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_that_cannot_resume_is_reported_interrupted() {
    let (app, token, store) = app_with_store().await;
    let users = store.users().await.unwrap();
    let clerk = users.iter().find(|u| u.name == "clerk").unwrap().id;
    store
        .create_job(&NewJob {
            id: "deadbeef",
            kind: "geocode",
            created_by: Some(clerk),
            created_at_ms: 1,
            params_json: r#"{"column":"","column_index":0,"header_fields":1,"city":null}"#,
            rows_total: 10,
            counts_json: r#"{"matched":0,"partial":0,"ambiguous":0,"failed":0}"#,
            chunks: &[
                JobChunk {
                    part: JobPart::Result,
                    seq: 0,
                    bytes: b"address,lon\n",
                },
                JobChunk {
                    part: JobPart::Input,
                    seq: 1,
                    bytes: b"a\nb\nc\nd\n",
                },
                JobChunk {
                    part: JobPart::Input,
                    seq: 2,
                    bytes: b"e\nf\ng\nh\ni\nj\n",
                },
            ],
        })
        .await
        .unwrap();
    let now = 2;
    let job = store
        .claim_job("dead-instance", now, 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.id, "deadbeef");
    assert!(store
        .commit_job_chunk(&ChunkCommit {
            job_id: "deadbeef",
            instance: "dead-instance",
            seq: 1,
            rows: 4,
            counts_json: r#"{"matched":4,"partial":0,"ambiguous":0,"failed":0}"#,
            result: b"a,1\nb,1\nc,1\nd,1\n",
            failures: b"",
            now_ms: now,
            lease_ms: 1,
        })
        .await
        .unwrap());
    sqlx::query("DELETE FROM job_chunks WHERE job_id = 'deadbeef' AND part = 'input' AND seq = 2")
        .execute(store.raw_pool())
        .await
        .unwrap();
    // Polling starts this instance's worker, which takes the job over.
    let done = wait_for(&app, &token, "deadbeef").await;
    assert_eq!(done["state"], "interrupted", "{done}");
    assert_eq!(done["percent_done"], 40.0);
    let error = done["error"].as_str().unwrap();
    assert!(
        error.contains("chunk 2 of 2") && error.contains("submit the file again"),
        "{error}"
    );
    let a = call(
        &app,
        Method::GET,
        "/api/v1/geocode/jobs/deadbeef/result",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    // Nothing half-written is kept.
    assert!(store
        .next_job_chunk("deadbeef", JobPart::Result, -1)
        .await
        .unwrap()
        .is_none());
    let a = call(
        &app,
        Method::GET,
        "/api/v1/geocode/jobs/nosuch",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_uploads_and_roles_are_refused_clearly() {
    let (app, token) = app().await;
    let (s, b) = upload(&app, "/api/v1/geocode/jobs", &token, Vec::new()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(b["message"].as_str().unwrap().contains("empty"), "{b}");
    let (s, b) = upload(
        &app,
        "/api/v1/geocode/jobs",
        &token,
        "name,phone\n甲,1\n".as_bytes().to_vec(),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        b["message"]
            .as_str()
            .unwrap()
            .contains("columns found: name, phone"),
        "{b}"
    );
    let mut junk = b"PK\x03\x04\x00\x00".to_vec();
    junk.extend([0u8; 100]);
    let (s, b) = upload(&app, "/api/v1/geocode/jobs", &token, junk).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(b["message"].as_str().unwrap().contains("binary"), "{b}");
    let viewer = claims_support::login(&app, "viewer").await;
    let (s, _) = upload(
        &app,
        "/api/v1/geocode/jobs",
        &viewer,
        "address\n五堰街道\n".as_bytes().to_vec(),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

/// One grid of [`named_territory`]: code, name, level, parent, bbox.
type NamedGrid = (
    &'static str,
    &'static str,
    u8,
    Option<&'static str>,
    [f64; 4],
);

/// A little territory near 十堰 with named cells: 润景家园 and 阳光小区 in
/// 茅箭区, another 阳光小区 in 郧阳区.
fn named_territory() -> Vec<wangge_store::NewGrid> {
    const MJ: [f64; 4] = [110.70, 32.55, 110.90, 32.75];
    const YY: [f64; 4] = [110.50, 32.80, 110.70, 32.90];
    let table: [NamedGrid; 9] = [
        ("MJ", "茅箭区城区经营部", 1, None, MJ),
        ("MJ-A", "五堰片区", 2, Some("MJ"), MJ),
        ("MJ-A-1", "北京路营业部", 3, Some("MJ-A"), MJ),
        (
            "MJ-A-1-1",
            "润景家园",
            4,
            Some("MJ-A-1"),
            [110.785, 32.645, 110.795, 32.655],
        ),
        (
            "MJ-A-1-2",
            "阳光小区",
            4,
            Some("MJ-A-1"),
            [110.795, 32.645, 110.805, 32.655],
        ),
        ("YY", "郧阳区经营部", 1, None, YY),
        ("YY-A", "城关片区", 2, Some("YY"), YY),
        ("YY-A-1", "城关营业部", 3, Some("YY-A"), YY),
        (
            "YY-A-1-1",
            "阳光小区",
            4,
            Some("YY-A-1"),
            [110.60, 32.85, 110.61, 32.86],
        ),
    ];
    table
        .into_iter()
        .map(|(code, name, level, parent, bbox)| {
            let cell_type = (level == 4).then_some("15");
            let mut g = wangge_tests::box_grid(code, level, parent, cell_type, bbox);
            name.clone_into(&mut g.name);
            g
        })
        .collect()
}

/// Issue 13: the map's search box finds cells and grids by name first, then
/// the address, and says how precise each hit is; a county-level hit selects
/// no cell; an address outside the territory says so. Both databases (the
/// name search is SQL of each).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_finds_cells_by_name_first_then_addresses_with_their_precision() {
    for test_store in wangge_tests::each_backend().await {
        let store = test_store.store.clone();
        store
            .import_grids(&wangge_tests::test_territory(), &named_territory())
            .await
            .unwrap();
        store
            .upsert_standard_addresses(&[
                std_addr("S1", "420302001", "北京路", "12号", 110.7901, 32.6501),
                std_addr("S2", "420304101", "安阳路", "1号", 110.605, 32.855),
            ])
            .await
            .unwrap();
        let hash = claims_support::cheap_hash(claims_support::PASSWORD);
        claims_support::add_user(&store, "clerk", Role::Clerk, None, &[], &hash).await;
        let app = router(AppState::new(store.clone()));
        let token = claims_support::login(&app, "clerk").await;
        let search = |q: &str, token: Option<String>| {
            let app = app.clone();
            let url = format!("/api/v1/search?q={}", urlencoding(q));
            async move { call(&app, Method::GET, &url, token.as_deref(), None).await }
        };
        let kind = test_store.kind;

        // The cell's own name after its divisions: the cell, not the district.
        let a = search("十堰市茅箭区润景家园", None).await;
        assert_eq!(a.status, StatusCode::OK, "{kind}: {}", a.text);
        assert_eq!(a.body["grids"][0]["code"], "MJ-A-1-1", "{kind}: {}", a.text);
        assert_eq!(a.body["grids"][0]["precision"], "cell");
        assert_eq!(a.body["grids_tied"], false);
        assert!(a.body["address"].is_null(), "the address needs a login");
        // A name typed in part finds the grid holding it.
        let a = search("五堰", None).await;
        assert_eq!(a.body["grids"][0]["code"], "MJ-A", "{kind}: {}", a.text);
        assert_eq!(a.body["grids"][0]["precision"], "grid");

        // Two cells of one name: the divisions of the text decide ...
        let a = search("十堰市郧阳区安阳镇阳光小区", Some(token.clone())).await;
        assert_eq!(a.body["grids"][0]["code"], "YY-A-1-1", "{kind}: {}", a.text);
        assert_eq!(a.body["grids_tied"], false, "{kind}: {}", a.text);
        let a = search("十堰市茅箭区武当路街道阳光小区", Some(token.clone())).await;
        assert_eq!(a.body["grids"][0]["code"], "MJ-A-1-2", "{kind}: {}", a.text);
        // ... and without them the tie is said.
        let a = search("阳光小区", None).await;
        assert_eq!(a.body["grids_tied"], true, "{kind}: {}", a.text);

        // An address to the building: its cell.
        let a = search("十堰市茅箭区武当路街道北京路12号3栋", Some(token.clone())).await;
        assert_eq!(
            a.body["grids"].as_array().unwrap().len(),
            0,
            "{kind}: {}",
            a.text
        );
        assert_eq!(
            a.body["address"]["precision"], "building",
            "{kind}: {}",
            a.text
        );
        assert_eq!(
            a.body["address"]["cell_code"], "MJ-A-1-1",
            "{kind}: {}",
            a.text
        );
        // The district alone: its centre, and no cell.
        let a = search("十堰市茅箭区", Some(token.clone())).await;
        assert_eq!(
            a.body["address"]["precision"], "county",
            "{kind}: {}",
            a.text
        );
        assert!(a.body["address"]["lon"].is_number(), "{kind}: {}", a.text);
        assert!(
            a.body["address"]["cell_code"].is_null(),
            "{kind}: {}",
            a.text
        );
        // Beijing, in Shiyan's system: outside, not placed.
        let a = search("北京市朝阳区建国路88号", Some(token.clone())).await;
        assert_eq!(
            a.body["address"]["outside_territory"], true,
            "{kind}: {}",
            a.text
        );
        assert!(a.body["address"]["lon"].is_null(), "{kind}: {}", a.text);
        assert!(a.body["address"]["confidence"].as_f64().unwrap() < 0.31);

        let a = search(" ", None).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{kind}: {}", a.text);
        drop(app);
        test_store.finish().await;
    }
}

/// Percent-encoding of a query value (UTF-8 bytes outside the unreserved set).
fn urlencoding(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
