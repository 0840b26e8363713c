//! `wangge user add|list|disable|enable|passwd` as a process, against a
//! server (`router()`) on the same SQLite file: a disabled user cannot log
//! in and their tokens stop working; a new password revokes the old
//! tokens and the old password.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic

mod claims_support;

use std::path::Path;
use std::process::{Command, Output};

use axum::http::{Method, StatusCode};
use claims_support::{call, Answer};
use serde_json::json;
use wangge_server::{router, AppState};
use wangge_store::Store;

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
