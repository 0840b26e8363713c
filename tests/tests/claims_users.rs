//! `wangge user add|list|disable|enable|passwd` as a process, against a
//! server (`router()`) on the same SQLite file: a disabled user cannot log
//! in and their tokens stop working; a new password revokes the old
//! tokens and the old password.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic

mod claims_support;

use std::path::Path;
use std::process::{Command, Output};

use axum::http::{Method, StatusCode};
use claims_support::{app, call, Answer};
use serde_json::json;
use wangge_server::{router, AppState};
use wangge_store::Store;
use wangge_tests::BackendKind;

fn wangge(db: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_wangge-under-test"))
        .arg("--db")
        .arg(format!("sqlite://{}", db.display()))
        .args(args)
        .env("RUST_LOG", "warn")
        .env_remove("WANGGE_NEW_PASSWORD")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run wangge");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn ok(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "wangge failed\nstdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

async fn login(router: &axum::Router, name: &str, password: &str) -> Answer {
    call(
        router,
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"name": name, "password": password})),
    )
    .await
}

async fn me(router: &axum::Router, token: &str) -> StatusCode {
    call(router, Method::GET, "/api/v1/me", Some(token), None)
        .await
        .status
}

/// The generated password a command printed once.
fn printed_password(out: &str) -> String {
    let line = out
        .lines()
        .find(|l| l.contains("password (shown only now):"))
        .unwrap_or_else(|| panic!("no generated password in:\n{out}"));
    line.rsplit(' ').next().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disable_enable_and_passwd_reach_logins_and_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("users.db");
    let first = "first-password";
    ok(&wangge(
        &db,
        &["user", "add", "li", "--role", "viewer", "--password", first],
        None,
    ));
    let store = Store::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    let app = router(AppState::new(store.clone()));

    let answer = login(&app, "li", first).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let token = answer.body["token"].as_str().unwrap().to_owned();
    assert_eq!(me(&app, &token).await, StatusCode::OK);

    // Disabled: the live token stops working and the password no longer logs in.
    let out = ok(&wangge(&db, &["user", "disable", "li"], None));
    assert!(out.contains("1 live token(s) revoked"), "{out}");
    assert_eq!(me(&app, &token).await, StatusCode::UNAUTHORIZED);
    let refused = login(&app, "li", first).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.text);
    let list = ok(&wangge(&db, &["user", "list"], None));
    assert!(
        list.lines()
            .any(|l| l.contains(" li ") && l.contains("disabled")),
        "{list}"
    );

    // A disabled user's token is refused even if it was not revoked.
    ok(&wangge(&db, &["user", "enable", "li"], None));
    let token = login(&app, "li", first).await.body["token"]
        .as_str()
        .unwrap()
        .to_owned();
    store.set_user_disabled("li", true).await.unwrap();
    assert_eq!(me(&app, &token).await, StatusCode::UNAUTHORIZED);
    store.set_user_disabled("li", false).await.unwrap();
    assert_eq!(me(&app, &token).await, StatusCode::OK);

    // passwd with a generated password: printed once, old password and
    // old tokens dead, the new one works.
    let out = ok(&wangge(&db, &["user", "passwd", "li"], None));
    let second = printed_password(&out);
    assert!(second.len() >= 16, "{out}");
    assert_eq!(me(&app, &token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        login(&app, "li", first).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(login(&app, "li", &second).await.status, StatusCode::OK);

    // passwd from stdin and with --password; too short is refused, unchanged.
    let out = ok(&wangge(
        &db,
        &["user", "passwd", "li", "--password-stdin"],
        Some("third-password\n"),
    ));
    assert!(!out.contains("third-password"), "never echoed: {out}");
    assert_eq!(
        login(&app, "li", "third-password").await.status,
        StatusCode::OK
    );
    let short = wangge(&db, &["user", "passwd", "li", "--password", "short"], None);
    assert_eq!(short.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 8 characters"));
    assert_eq!(
        login(&app, "li", "third-password").await.status,
        StatusCode::OK
    );

    // Unknown users are named.
    for args in [
        &["user", "disable", "nobody"][..],
        &["user", "passwd", "nobody", "--password", "long-enough"][..],
    ] {
        let out = wangge(&db, args, None);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("nobody"), "{args:?}: {err}");
    }
    store.close().await;
}

/// The users API: administrators only, shapes of roles checked, never a
/// password or hash in an answer.
#[tokio::test]
async fn administrators_manage_users_through_the_api() {
    let app = app(BackendKind::SqliteMemory).await;
    let r = &app.router;
    let admin = claims_support::login(r, "admin").await;
    let list = call(r, Method::GET, "/api/v1/users", Some(&admin), None).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert!(list.body["users"].as_array().unwrap().len() >= 12);
    assert!(!list.text.contains("argon2") && !list.text.contains("hash"));
    for name in ["viewer", "sup.west", "west.c", "ops"] {
        let token = claims_support::login(r, name).await;
        let answer = call(r, Method::GET, "/api/v1/users", Some(&token), None).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{name}");
        let answer = call(
            r,
            Method::POST,
            "/api/v1/users/viewer/disable",
            Some(&token),
            None,
        )
        .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{name}");
    }
    let anonymous = call(r, Method::GET, "/api/v1/users", None, None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

    let add =
        |body: serde_json::Value| call(r, Method::POST, "/api/v1/users", Some(&admin), Some(body));
    let secret = "new-manager-secret";
    let added = add(
        json!({"name": "new.m", "role": "grid_manager", "kind": "community",
        "scopes": ["T-W-S"], "password": secret}),
    )
    .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    assert_eq!(added.body["user"]["scopes"], json!(["T-W-S"]));
    assert!(!added.text.contains(secret) && !added.text.contains("argon2"));
    let token = login(r, "new.m", secret).await.body["token"]
        .as_str()
        .unwrap()
        .to_owned();

    // Every refusal names the field or value at fault and adds nobody.
    let refused = [
        (
            json!({"name": "a", "role": "grid_manager", "kind": "community", "scopes": ["T-W"], "password": secret}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "T-W",
        ),
        (
            json!({"name": "b", "role": "supervisor", "scopes": ["T-W-S"], "password": secret}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "level-1 or level-2",
        ),
        (
            json!({"name": "c", "role": "viewer", "kind": "zhengqi", "password": secret}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "only grid managers have a kind",
        ),
        (
            json!({"name": "d", "role": "grid_manager", "scopes": ["T-W-S"], "password": secret}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "needs a kind",
        ),
        (
            json!({"name": "e", "role": "ops", "scopes": ["T-W"], "password": secret}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "have no scope",
        ),
        (
            json!({"name": "f", "role": "grid_manager", "kind": "community", "scopes": ["GHOST"], "password": secret}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "GHOST",
        ),
        (
            json!({"name": "g", "role": "viewer", "password": "short"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "8 characters",
        ),
        (
            json!({"name": "h", "role": "pope", "password": secret}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "expected a JSON body",
        ),
        (
            json!({"name": "new.m", "role": "viewer", "password": secret}),
            StatusCode::CONFLICT,
            "new.m",
        ),
    ];
    for (body, status, says) in refused {
        let answer = add(body.clone()).await;
        assert_eq!(answer.status, status, "{body}: {}", answer.text);
        assert!(answer.text.contains(says), "{body}: {}", answer.text);
        assert!(!answer.text.contains(secret), "{}", answer.text);
    }
    let after = call(r, Method::GET, "/api/v1/users", Some(&admin), None).await;
    assert_eq!(
        after.body["users"].as_array().unwrap().len(),
        list.body["users"].as_array().unwrap().len() + 1
    );

    // Disable: the token dies, no login; enable; a new password revokes.
    let post = |uri: &'static str, body: Option<serde_json::Value>| {
        call(r, Method::POST, uri, Some(&admin), body)
    };
    let answer = post("/api/v1/users/new.m/disable", None).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.body["revoked_tokens"], 1);
    assert_eq!(answer.body["user"]["disabled"], true);
    assert_eq!(me(r, &token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        login(r, "new.m", secret).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        post("/api/v1/users/new.m/enable", None).await.status,
        StatusCode::OK
    );
    let token = login(r, "new.m", secret).await.body["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let answer = post(
        "/api/v1/users/new.m/password",
        Some(json!({"password": "another-secret"})),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert!(!answer.text.contains("another-secret"));
    assert_eq!(me(r, &token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        login(r, "new.m", "another-secret").await.status,
        StatusCode::OK
    );
    let short = post(
        "/api/v1/users/new.m/password",
        Some(json!({"password": "x"})),
    )
    .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    let nobody = post("/api/v1/users/nobody/disable", None).await;
    assert_eq!(nobody.status, StatusCode::NOT_FOUND, "{}", nobody.text);
    let myself = post("/api/v1/users/admin/disable", None).await;
    assert_eq!(myself.status, StatusCode::CONFLICT);
    app.finish().await;
}
