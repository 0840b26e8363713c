//! Login throttling and token revocation across server instances: two
//! `AppState`s / `router()`s (each with its own connection pool) on one
//! `SQLite` file and on one `PostgreSQL` database, sharing one injected
//! clock. The throttle is in the database, so what one instance counted the
//! other sees; sessions are read from the database on every request, so a
//! revocation on one holds on the other at once.

#![allow(clippy::unwrap_used)]

mod claims_support;

use std::net::SocketAddr;
use std::process::Command;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode};
use axum::Router;
use claims_support::{seeded_store, Answer, PASSWORD, T0_MS};
use serde_json::{json, Value};
use tower::ServiceExt;
use wangge_server::auth::{
    parse_trusted_proxy, AuthConfig, Clock, ManualClock, SystemClock, TrustedProxies,
};
use wangge_server::{router, AppState};
use wangge_store::{LoginLimits, LoginReservation, Store};
use wangge_tests::{log_line, postgres_url, BackendKind, TestStore, PG_URL_VAR};

/// One server instance: its state (for its counters) and its router.
struct Instance {
    state: AppState,
    router: Router,
}

/// Two instances on one database, with one clock.
struct Pair {
    a: Instance,
    b: Instance,
    clock: ManualClock,
    /// The store of instance A (B has a pool of its own on the same data).
    store: Store,
    test_store: TestStore,
}

impl Pair {
    async fn finish(self) {
        self.b.state.store().close().await;
        self.test_store.finish().await;
    }

    fn password_checks(&self) -> u64 {
        self.a.state.password_checks() + self.b.state.password_checks()
    }
}

async fn pair(kind: BackendKind, config: AuthConfig) -> Pair {
    let test_store = seeded_store(kind).await;
    let store = test_store.store.clone();
    let clock = ManualClock::new(T0_MS);
    let instance = |store: Store| {
        let state = AppState::with_auth(store, config.clone(), Arc::new(clock.clone()));
        Instance {
            router: router(state.clone()),
            state,
        }
    };
    let second = Store::connect(&test_store.url).await.unwrap();
    Pair {
        a: instance(store.clone()),
        b: instance(second),
        clock,
        store,
        test_store,
    }
}

/// The backends with a database that two pools can share: a `SQLite` file
/// and `PostgreSQL` (a run without [`PG_URL_VAR`] says so loudly).
fn shared_backends(test: &str) -> Vec<BackendKind> {
    let mut kinds = vec![BackendKind::SqliteFile];
    if postgres_url().is_some() {
        kinds.push(BackendKind::Postgres);
    } else {
        log_line(&format!(
            "{test} postgres: SKIPPED ({PG_URL_VAR} is not set)"
        ));
    }
    kinds
}

/// A request with a socket peer and extra headers.
async fn send(
    router: &Router,
    method: Method,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
    peer: Option<SocketAddr>,
    headers: &[(&str, &str)],
) -> Answer {
    let mut request = Request::builder()
        .header("accept-language", "en")
        .method(method)
        .uri(uri);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut request = match body {
        Some(body) => request
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
        None => request.body(Body::empty()).unwrap(),
    };
    if let Some(peer) = peer {
        request.extensions_mut().insert(ConnectInfo(peer));
    }
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    Answer {
        status,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        text: String::from_utf8_lossy(&bytes).into_owned(),
        headers,
    }
}

async fn attempt(
    router: &Router,
    name: &str,
    password: &str,
    peer: Option<SocketAddr>,
    headers: &[(&str, &str)],
) -> Answer {
    send(
        router,
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"name": name, "password": password})),
        peer,
        headers,
    )
    .await
}

async fn me(router: &Router, token: &str) -> StatusCode {
    send(
        router,
        Method::GET,
        "/api/v1/me",
        Some(token),
        None,
        None,
        &[],
    )
    .await
    .status
}

fn token_of(answer: &Answer) -> String {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.body["token"].as_str().unwrap().to_owned()
}

fn addr(text: &str) -> SocketAddr {
    text.parse().unwrap()
}

/// The client addresses the throttle has rows for.
async fn counted_addresses(store: &Store) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT subject FROM login_attempts WHERE scope = 'address' ORDER BY subject",
    )
    .fetch_all(store.raw_pool())
    .await
    .unwrap()
}

#[tokio::test]
async fn a_name_locked_on_one_instance_is_locked_on_the_other() {
    for kind in shared_backends("lockout") {
        let p = pair(kind, AuthConfig::default()).await;
        for i in 0..5 {
            let on = if i % 2 == 0 { &p.a } else { &p.b };
            let answer = attempt(&on.router, "west.c", "wrong password", None, &[]).await;
            assert_eq!(
                answer.status,
                StatusCode::UNAUTHORIZED,
                "{kind} failure {i}"
            );
        }
        for on in [&p.a, &p.b] {
            let locked = attempt(&on.router, "west.c", PASSWORD, None, &[]).await;
            assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS, "{kind}");
            assert_eq!(locked.headers["retry-after"], "30", "{kind}");
        }
        // The same for a name that does not exist (no enumeration).
        for _ in 0..5 {
            attempt(&p.b.router, "nobody", "x", None, &[]).await;
        }
        let ghost = attempt(&p.a.router, "nobody", "x", None, &[]).await;
        assert_eq!(ghost.status, StatusCode::TOO_MANY_REQUESTS, "{kind}");
        assert_eq!(
            p.password_checks(),
            10,
            "{kind}: refused attempts check nothing"
        );

        // After the lockout, one more failure on B doubles it on A.
        p.clock.advance(30_000);
        let again = attempt(&p.b.router, "west.c", "wrong password", None, &[]).await;
        assert_eq!(again.status, StatusCode::UNAUTHORIZED, "{kind}");
        let doubled = attempt(&p.a.router, "west.c", PASSWORD, None, &[]).await;
        assert_eq!(doubled.headers["retry-after"], "60", "{kind}");
        // When it runs out, the right password works on either and clears the count.
        p.clock.advance(60_000);
        token_of(&attempt(&p.a.router, "west.c", PASSWORD, None, &[]).await);
        for _ in 0..4 {
            attempt(&p.b.router, "west.c", "wrong password", None, &[]).await;
        }
        token_of(&attempt(&p.b.router, "west.c", PASSWORD, None, &[]).await);
        p.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forty_simultaneous_wrong_passwords_get_five_checks() {
    for kind in shared_backends("parallel") {
        let p = pair(kind, AuthConfig::default()).await;
        let attacker = addr("10.1.2.3:50000");
        let mut tasks = Vec::new();
        for i in 0..40 {
            let router = if i % 2 == 0 {
                p.a.router.clone()
            } else {
                p.b.router.clone()
            };
            tasks.push(tokio::spawn(async move {
                attempt(&router, "west.c", "wrong password", Some(attacker), &[])
                    .await
                    .status
            }));
        }
        let mut checked = 0;
        let mut refused = 0;
        for task in tasks {
            match task.await.unwrap() {
                StatusCode::UNAUTHORIZED => checked += 1,
                StatusCode::TOO_MANY_REQUESTS => refused += 1,
                other => panic!("{kind}: unexpected {other}"),
            }
        }
        log_line(&format!(
            "{kind}: 40 simultaneous wrong passwords over two instances: {checked} checked, {refused} refused"
        ));
        assert_eq!((checked, refused), (5, 35), "{kind}");
        assert_eq!(p.password_checks(), 5, "{kind}: argon2 ran five times");
        let a_checks = p.a.state.password_checks();
        assert!(a_checks <= 5, "{kind}: {a_checks}");

        // West.c is locked on both; a user at the attacker's address who
        // has not failed logs in (the address failed 5 times of 100).
        for on in [&p.a, &p.b] {
            let locked = attempt(&on.router, "west.c", PASSWORD, Some(attacker), &[]).await;
            assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS, "{kind}");
        }
        token_of(&attempt(&p.b.router, "west.z", PASSWORD, Some(attacker), &[]).await);
        p.finish().await;
    }
}

#[tokio::test]
async fn a_spraying_address_does_not_lock_out_its_known_users() {
    for kind in shared_backends("spray") {
        let p = pair(kind, AuthConfig::default()).await;
        let office = addr("10.1.2.3:50000");
        let neighbour = addr("10.9.9.9:50000");
        // West.c works from the office.
        token_of(&attempt(&p.a.router, "west.c", PASSWORD, Some(office), &[]).await);
        // Someone in the office sprays a password over 100 names, on both instances.
        for i in 0..100 {
            let on = if i % 2 == 0 { &p.a } else { &p.b };
            let answer = attempt(
                &on.router,
                &format!("guess{i}"),
                "123456",
                Some(office),
                &[],
            )
            .await;
            assert_eq!(
                answer.status,
                StatusCode::UNAUTHORIZED,
                "{kind} attempt {i}"
            );
        }
        let blocked = attempt(&p.b.router, "guess100", "123456", Some(office), &[]).await;
        assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS, "{kind}");
        assert_eq!(
            blocked.headers["retry-after"], "60",
            "{kind}: a short address lockout"
        );
        // The user who logs in from the office is not held back, on either instance ...
        token_of(&attempt(&p.a.router, "west.c", PASSWORD, Some(office), &[]).await);
        token_of(&attempt(&p.b.router, "west.c", PASSWORD, Some(office), &[]).await);
        // ... nor anyone at another address.
        token_of(&attempt(&p.b.router, "west.z", PASSWORD, Some(neighbour), &[]).await);
        // A user new to the office waits for the short lockout only.
        let new = attempt(&p.a.router, "west.z", PASSWORD, Some(office), &[]).await;
        assert_eq!(new.status, StatusCode::TOO_MANY_REQUESTS, "{kind}");
        p.clock.advance(60_000);
        token_of(&attempt(&p.a.router, "west.z", PASSWORD, Some(office), &[]).await);
        assert_eq!(p.password_checks(), 105, "{kind}");
        p.finish().await;
    }
}

#[tokio::test]
async fn x_forwarded_for_is_believed_only_from_a_trusted_proxy() {
    for kind in shared_backends("forwarded") {
        let config = AuthConfig {
            trusted_proxies: TrustedProxies::new(vec![parse_trusted_proxy("10.0.0.0/8").unwrap()]),
            // Few failures per address, to see who is counted.
            throttle: LoginLimits {
                max_failures_per_address: 3,
                ..LoginLimits::default()
            },
            ..AuthConfig::default()
        };
        let p = pair(kind, config).await;
        let proxy = addr("10.0.0.2:40000");
        let outsider = addr("198.51.100.7:40000");
        // From an untrusted peer the header is ignored: the peer is counted.
        let forged = [("x-forwarded-for", "203.0.113.99")];
        attempt(&p.a.router, "guess", "x", Some(outsider), &forged).await;
        assert_eq!(
            counted_addresses(&p.store).await,
            ["198.51.100.7"],
            "{kind}"
        );
        // From the proxy: the right-most address that is not a proxy.
        let client = [("x-forwarded-for", "1.1.1.1, 203.0.113.5, 10.7.7.7")];
        for i in 0..3 {
            let answer =
                attempt(&p.b.router, &format!("guess{i}"), "x", Some(proxy), &client).await;
            assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{kind}");
        }
        assert_eq!(
            counted_addresses(&p.store).await,
            ["198.51.100.7", "203.0.113.5"],
            "{kind}: neither the forged entry nor the proxies"
        );
        // That client is locked (on A too); another client behind the same
        // proxy is not, nor is the proxy itself.
        let locked = attempt(&p.a.router, "west.c", PASSWORD, Some(proxy), &client).await;
        assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS, "{kind}");
        let other = [("x-forwarded-for", "203.0.113.6")];
        token_of(&attempt(&p.a.router, "west.c", PASSWORD, Some(proxy), &other).await);
        token_of(&attempt(&p.b.router, "west.z", PASSWORD, Some(proxy), &[]).await);
        p.finish().await;
    }
}

#[tokio::test]
async fn a_logout_on_one_instance_holds_on_the_other_at_once() {
    for kind in shared_backends("logout") {
        let p = pair(kind, AuthConfig::default()).await;
        let token = token_of(&attempt(&p.a.router, "west.c", PASSWORD, None, &[]).await);
        let other = token_of(&attempt(&p.b.router, "west.c", PASSWORD, None, &[]).await);
        assert_eq!(me(&p.b.router, &token).await, StatusCode::OK, "{kind}");
        let out = send(
            &p.a.router,
            Method::POST,
            "/api/v1/auth/logout",
            Some(&token),
            None,
            None,
            &[],
        )
        .await;
        assert_eq!(out.status, StatusCode::NO_CONTENT, "{kind}");
        // No waiting: the very next request on B is refused.
        assert_eq!(
            me(&p.b.router, &token).await,
            StatusCode::UNAUTHORIZED,
            "{kind}"
        );
        assert_eq!(
            me(&p.a.router, &token).await,
            StatusCode::UNAUTHORIZED,
            "{kind}"
        );
        assert_eq!(
            me(&p.b.router, &other).await,
            StatusCode::OK,
            "{kind}: only that token"
        );

        // An administrator disables west.c through the API of B: A refuses too.
        let admin = token_of(&attempt(&p.b.router, "admin", PASSWORD, None, &[]).await);
        let disable = send(
            &p.b.router,
            Method::POST,
            "/api/v1/users/west.c/disable",
            Some(&admin),
            None,
            None,
            &[],
        )
        .await;
        assert!(disable.status.is_success(), "{kind}: {}", disable.text);
        assert_eq!(
            me(&p.a.router, &other).await,
            StatusCode::UNAUTHORIZED,
            "{kind}"
        );
        let enable = send(
            &p.a.router,
            Method::POST,
            "/api/v1/users/west.c/enable",
            Some(&admin),
            None,
            None,
            &[],
        )
        .await;
        assert!(enable.status.is_success(), "{kind}: {}", enable.text);
        token_of(&attempt(&p.b.router, "west.c", PASSWORD, None, &[]).await);
        p.finish().await;
    }
}

#[tokio::test]
async fn a_user_disabled_through_the_cli_is_refused_on_every_instance() {
    for kind in shared_backends("cli disable") {
        let p = pair(kind, AuthConfig::default()).await;
        // The CLI revokes at the wall clock's time: the servers' clock too.
        p.clock.set(SystemClock.now_ms());
        let on_a = token_of(&attempt(&p.a.router, "west.c", PASSWORD, None, &[]).await);
        let on_b = token_of(&attempt(&p.b.router, "west.c", PASSWORD, None, &[]).await);
        let wangge = |args: &[&str]| {
            let output = Command::new(env!("CARGO_BIN_EXE_wangge-under-test"))
                .arg("--db")
                .arg(&p.test_store.url)
                .args(args)
                .env("RUST_LOG", "warn")
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
            assert!(
                output.status.success(),
                "{kind}: wangge {args:?}: {stdout}{}",
                String::from_utf8_lossy(&output.stderr)
            );
            stdout
        };
        let said = wangge(&["user", "disable", "west.c"]);
        assert!(said.contains("disabled user west.c"), "{kind}: {said}");
        for (router, token) in [
            (&p.a.router, &on_a),
            (&p.b.router, &on_b),
            (&p.a.router, &on_b),
        ] {
            assert_eq!(me(router, token).await, StatusCode::UNAUTHORIZED, "{kind}");
        }
        for on in [&p.a, &p.b] {
            let answer = attempt(&on.router, "west.c", PASSWORD, None, &[]).await;
            assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{kind}");
            assert_eq!(
                answer.body["message"], "wrong user name or password",
                "{kind}"
            );
        }
        wangge(&["user", "enable", "west.c"]);
        token_of(&attempt(&p.b.router, "west.c", PASSWORD, None, &[]).await);
        // Old tokens stay dead: disabling revoked them, it did not hide them.
        assert_eq!(
            me(&p.a.router, &on_a).await,
            StatusCode::UNAUTHORIZED,
            "{kind}"
        );
        p.finish().await;
    }
}

#[tokio::test]
async fn reservations_of_a_dead_instance_are_given_up_after_a_minute() {
    for kind in shared_backends("abandoned") {
        let p = pair(kind, AuthConfig::default()).await;
        let limits = LoginLimits::default();
        // An instance reserved five checks and died before reporting any.
        for _ in 0..5 {
            let r = p
                .store
                .reserve_login_attempt(&limits, "west.c", None, T0_MS)
                .await
                .unwrap();
            assert!(matches!(r, LoginReservation::Granted(_)), "{kind}: {r:?}");
        }
        let busy = attempt(&p.b.router, "west.c", PASSWORD, None, &[]).await;
        assert_eq!(busy.status, StatusCode::TOO_MANY_REQUESTS, "{kind}");
        assert_eq!(
            busy.headers["retry-after"], "1",
            "{kind}: checks in flight, not a lockout"
        );
        p.clock.advance(limits.reservation_ttl_ms);
        let still = attempt(&p.b.router, "west.c", PASSWORD, None, &[]).await;
        assert_eq!(
            still.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{kind}: not before the minute is over"
        );
        p.clock.advance(1);
        token_of(&attempt(&p.a.router, "west.c", PASSWORD, None, &[]).await);
        p.finish().await;
    }
}
