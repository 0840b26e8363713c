//! Issue 12, point 8: customers loaded but not placed yet (an import killed
//! between loading and placing) count in `/api/v1/assignment` as a status of
//! their own, `not_placed_yet`, in the territory's total and rate; they are
//! listed by `/api/v1/unplaced?status=not_placed_yet`; and a server places
//! them when it starts.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic

mod claims_support;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};

use axum::http::{Method, StatusCode};
use claims_support::{app, call, login};
use serde_json::Value;
use wangge_assign::{assign_all, load_index, AssignOptions};
use wangge_store::{NewCustomer, Store};
use wangge_tests::{backend_kinds, sample_tree, test_territory};

fn customer(code: &str, lon: f64, lat: f64) -> NewCustomer {
    NewCustomer {
        code: code.into(),
        name: format!("客户 {code}"),
        segment: None,
        product_type: None,
        address: None,
        lon: Some(lon),
        lat: Some(lat),
        monthly_spend_yuan: None,
        staff_count: None,
        class: None,
        other_operator: false,
    }
}

/// Three customers in cells of the sample tree and one outside it.
fn placed_batch() -> Vec<NewCustomer> {
    vec![
        customer("K1", 0.5, 0.5),
        customer("K2", 2.5, 0.5),
        customer("K3", 3.5, 3.5),
        customer("K4", 10.0, 10.0),
    ]
}

/// Two more in cells, loaded after the placement ran.
fn late_batch() -> Vec<NewCustomer> {
    vec![customer("K5", 1.5, 2.5), customer("K6", 2.5, 2.5)]
}

async fn place(store: &Store) {
    let index = load_index(store).await.unwrap();
    assign_all(store, &index, &AssignOptions::default())
        .await
        .unwrap();
}

/// The count of `status` in a `by_status` list of `[status, n]` pairs.
fn status_count(counts: &Value, status: &str) -> i64 {
    counts["by_status"]
        .as_array()
        .unwrap()
        .iter()
        .find(|pair| pair[0] == status)
        .and_then(|pair| pair[1].as_i64())
        .unwrap_or_else(|| panic!("no {status} in {counts}"))
}

#[tokio::test]
async fn customers_not_placed_yet_count_in_the_rates_and_are_listed() {
    for kind in backend_kinds() {
        let app = app(kind).await;
        let admin = login(&app.router, "admin").await;
        let territory = test_territory();
        app.store
            .upsert_customers(&territory, &placed_batch())
            .await
            .unwrap();
        place(&app.store).await;
        let rates = call(
            &app.router,
            Method::GET,
            "/api/v1/assignment?level=1",
            Some(&admin),
            None,
        )
        .await;
        assert_eq!(rates.status, StatusCode::OK, "{kind}: {}", rates.text);
        let all = &rates.body["rates"][0]["customers"];
        assert_eq!(
            (all["total"].as_i64(), all["in_cell"].as_i64()),
            (Some(4), Some(3)),
            "{kind}: {all}"
        );
        assert_eq!(status_count(all, "not_placed_yet"), 0, "{kind}");

        // Loaded, then killed before placing: counted, not forgotten.
        app.store
            .upsert_customers(&territory, &late_batch())
            .await
            .unwrap();
        let rates = call(
            &app.router,
            Method::GET,
            "/api/v1/assignment?level=1",
            Some(&admin),
            None,
        )
        .await;
        let all = &rates.body["rates"][0]["customers"];
        assert_eq!(rates.body["rates"][0]["code"], Value::Null, "{kind}");
        assert_eq!(all["total"], 6, "{kind}: {all}");
        assert_eq!(all["in_cell"], 3, "{kind}: {all}");
        assert_eq!(all["rate"], 0.5, "{kind}: {all}");
        assert_eq!(status_count(all, "not_placed_yet"), 2, "{kind}: {all}");
        assert_eq!(status_count(all, "outside"), 1, "{kind}: {all}");
        let listed = call(
            &app.router,
            Method::GET,
            "/api/v1/unplaced?kind=customer&status=not_placed_yet",
            Some(&admin),
            None,
        )
        .await;
        assert_eq!(listed.status, StatusCode::OK, "{kind}: {}", listed.text);
        assert_eq!(listed.body["total"], 2, "{kind}: {}", listed.text);
        let codes: Vec<&str> = listed.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, ["K5", "K6"], "{kind}");
        assert_eq!(listed.body["items"][0]["status"], Value::Null, "{kind}");
        // The other statuses list as before.
        let outside = call(
            &app.router,
            Method::GET,
            "/api/v1/unplaced?kind=customer&status=outside",
            Some(&admin),
            None,
        )
        .await;
        assert_eq!(outside.body["total"], 1, "{kind}: {}", outside.text);
        assert_eq!(outside.body["items"][0]["code"], "K4", "{kind}");
        assert_eq!(
            app.store.not_placed_yet_counts().await.unwrap()[0].1,
            2,
            "{kind}"
        );
        place(&app.store).await;
        assert_eq!(
            app.store.not_placed_yet_counts().await.unwrap()[0].1,
            0,
            "{kind}"
        );
        app.finish().await;
    }
}

/// Kills the server when the test ends, also on a panic.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_server_places_what_was_loaded_but_not_placed_when_it_starts() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("w.db").display());
    let store = Store::connect(&url).await.unwrap();
    store
        .import_grids(&test_territory(), &sample_tree())
        .await
        .unwrap();
    let mut customers = placed_batch();
    customers.extend(late_batch());
    store
        .upsert_customers(&test_territory(), &customers)
        .await
        .unwrap();
    assert_eq!(store.not_placed_yet_counts().await.unwrap()[0].1, 6);
    store.close().await;

    let mut child = Command::new(env!("CARGO_BIN_EXE_wangge-under-test"))
        .args(["--db", &url, "serve", "--bind", "127.0.0.1:0"])
        .env("RUST_LOG", "warn")
        .env_remove("WANGGE_BASEMAP_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _server = Running(child);
    let mut printed = String::new();
    let mut address = None;
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        if let Some(rest) = line.split("wangge serving http://").nth(1) {
            address = rest.split('/').next().map(str::to_owned);
            break;
        }
        printed.push_str(&line);
        printed.push('\n');
    }
    let address = address.unwrap_or_else(|| panic!("the server did not start: {printed}"));
    assert!(printed.contains("placed 6 customers"), "{printed}");

    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    write!(
        stream,
        "GET /api/v1/assignment?level=1 HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let body: Value = serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    let all = &body["rates"][0]["customers"];
    assert_eq!(all["total"], 6, "{all}");
    assert_eq!(all["in_cell"], 5, "{all}");
    assert_eq!(status_count(all, "not_placed_yet"), 0, "{all}");

    let store = Store::connect(&url).await.unwrap();
    assert!(store
        .not_placed_yet_counts()
        .await
        .unwrap()
        .iter()
        .all(|(_, n)| *n == 0));
    store.close().await;
}
