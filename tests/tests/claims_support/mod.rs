//! Shared helpers of the claims tests (`claims_*.rs`): an app on the sample
//! tree with one user per role, logins and JSON calls through `router()`.

#![allow(dead_code, clippy::unwrap_used)] // each test file uses a part

use std::net::SocketAddr;
use std::sync::Arc;

use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::Router;
use serde_json::{json, Value};
use tower::ServiceExt;
use wangge_model::{ManagerKind, Role};
use wangge_server::auth::{AuthConfig, ManualClock};
use wangge_server::{router, AppState};
use wangge_store::{NewUser, Store};
use wangge_tests::{fresh_store, sample_tree, test_territory, BackendKind, TestStore};

/// Every test user's password.
pub const PASSWORD: &str = "correct horse battery";

/// The start of the injected clock (2024-01-01, unix ms).
pub const T0_MS: i64 = 1_704_067_200_000;

/// An argon2id hash with the smallest parameters: tests log in hundreds of
/// times; the server verifies with the parameters the hash names.
pub fn cheap_hash(password: &str) -> String {
    let params = Params::new(8, 1, 1, None).unwrap();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password(
            password.as_bytes(),
            &SaltString::from_b64("c2FsdHNhbHRzYWx0").unwrap(),
        )
        .unwrap()
        .to_string()
}

/// The users of the sample tree (`T`: west `T-W` with `T-W-S` 15 15 and
/// `T-W-N` 20 01; east `T-E` with `T-E-S` 04 17 and `T-E-N` 14 15).
pub const USERS: &[(&str, Role, Option<ManagerKind>, &[&str])] = &[
    ("admin", Role::Admin, None, &[]),
    ("sup.west", Role::Supervisor, None, &["T-W"]),
    ("sup.east", Role::Supervisor, None, &["T-E"]),
    (
        "west.c",
        Role::GridManager,
        Some(ManagerKind::Community),
        &["T-W-S", "T-W-N"],
    ),
    (
        "west.c2",
        Role::GridManager,
        Some(ManagerKind::Community),
        &["T-W-S"],
    ),
    (
        "west.z",
        Role::GridManager,
        Some(ManagerKind::Zhengqi),
        &["T-W-N"],
    ),
    (
        "east.c",
        Role::GridManager,
        Some(ManagerKind::Community),
        &["T-E-S", "T-E-N"],
    ),
    (
        "east.c2",
        Role::GridManager,
        Some(ManagerKind::Community),
        &["T-E-S"],
    ),
    (
        "east.z",
        Role::GridManager,
        Some(ManagerKind::Zhengqi),
        &["T-E-S"],
    ),
    ("ops", Role::Ops, None, &[]),
    ("clerk", Role::Clerk, None, &[]),
    ("viewer", Role::Viewer, None, &[]),
];

pub struct App {
    pub router: Router,
    pub store: Store,
    pub clock: ManualClock,
    pub test_store: TestStore,
}

impl App {
    pub async fn finish(self) {
        self.test_store.finish().await;
    }
}

/// The sample tree with [`USERS`], served with a manual clock at [`T0_MS`].
pub async fn app(kind: BackendKind) -> App {
    app_with(kind, AuthConfig::default()).await
}

/// A fresh store holding the sample tree and [`USERS`] (password [`PASSWORD`]).
pub async fn seeded_store(kind: BackendKind) -> TestStore {
    let test_store = fresh_store(kind).await;
    let store = &test_store.store;
    store
        .import_grids(&test_territory(), &sample_tree())
        .await
        .unwrap();
    let hash = cheap_hash(PASSWORD);
    for (name, role, kind, scopes) in USERS {
        add_user(store, name, *role, *kind, scopes, &hash).await;
    }
    test_store
}

pub async fn app_with(kind: BackendKind, config: AuthConfig) -> App {
    let test_store = seeded_store(kind).await;
    let store = test_store.store.clone();
    let clock = ManualClock::new(T0_MS);
    let state = AppState::with_auth(store.clone(), config, Arc::new(clock.clone()));
    App {
        router: router(state),
        store,
        clock,
        test_store,
    }
}

pub async fn add_user(
    store: &Store,
    name: &str,
    role: Role,
    kind: Option<ManagerKind>,
    scopes: &[&str],
    hash: &str,
) -> i64 {
    store
        .insert_user(&NewUser {
            name: name.to_owned(),
            role,
            kind,
            scopes: scopes.iter().map(|s| s.parse().unwrap()).collect(),
            password_hash: hash.to_owned(),
        })
        .await
        .unwrap()
}

/// An answer: status, JSON body (Null when empty or not JSON), headers.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
    pub text: String,
    pub headers: HeaderMap,
}

/// One request through the router. `from`: the client address, as the
/// server sees it with `into_make_service_with_connect_info`. Messages in
/// English (the tests compare English text).
pub async fn call_from(
    router: &Router,
    method: Method,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
    from: Option<SocketAddr>,
) -> Answer {
    send(router, Some("en"), method, uri, token, body, from).await
}

/// One request with this `Accept-Language` (`None`: none, the server's
/// default, Chinese).
pub async fn call_in(
    router: &Router,
    language: Option<&str>,
    method: Method,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Answer {
    send(router, language, method, uri, token, body, None).await
}

async fn send(
    router: &Router,
    language: Option<&str>,
    method: Method,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
    from: Option<SocketAddr>,
) -> Answer {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(language) = language {
        request = request.header("accept-language", language);
    }
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let mut request = match body {
        Some(body) => request
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
        None => request.body(Body::empty()).unwrap(),
    };
    if let Some(from) = from {
        request.extensions_mut().insert(ConnectInfo(from));
    }
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    Answer {
        status,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        text,
        headers,
    }
}

pub async fn call(
    router: &Router,
    method: Method,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Answer {
    call_from(router, method, uri, token, body, None).await
}

/// Logs in with [`PASSWORD`]; panics unless it works.
pub async fn login(router: &Router, name: &str) -> String {
    let answer = call(
        router,
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"name": name, "password": PASSWORD})),
    )
    .await;
    assert_eq!(
        answer.status,
        StatusCode::OK,
        "login {name}: {}",
        answer.text
    );
    answer.body["token"].as_str().unwrap().to_owned()
}

/// `POST /api/v1/cells/{cell}/{action}` with an optional body.
pub async fn step(
    router: &Router,
    token: Option<&str>,
    cell: &str,
    action: &str,
    body: Option<Value>,
) -> Answer {
    call(
        router,
        Method::POST,
        &format!("/api/v1/cells/{cell}/{action}"),
        token,
        body,
    )
    .await
}

/// The cell's history as (action, actor) pairs.
pub async fn history(store: &Store, cell: &str) -> Vec<(String, String)> {
    store
        .cell_history(&cell.parse().unwrap())
        .await
        .unwrap()
        .into_iter()
        .map(|h| (h.action.to_string(), h.actor))
        .collect()
}
