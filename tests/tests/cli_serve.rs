//! `wangge serve` as a user starts it: the base-map options are checked at
//! start (a clear error, not a map without tiles), and a good one reaches
//! the page through `GET /api/v1/config`; `--trusted-proxy` is checked at
//! start too, and decides whose address the login throttle counts.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

fn serve(db: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wangge-under-test"));
    cmd.arg("--db")
        .arg(format!("sqlite://{}", db.display()))
        .arg("serve")
        .args(["--bind", "127.0.0.1:0"])
        .args(args)
        .env("RUST_LOG", "warn")
        .env_remove("WANGGE_BASEMAP_URL")
        .env_remove("WANGGE_BASEMAP_ATTRIBUTION")
        .env_remove("WANGGE_TRUSTED_PROXIES");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

fn refused(output: &Output) -> String {
    assert!(
        !output.status.success(),
        "serve should have refused to start"
    );
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn bad_base_map_urls_stop_the_start_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    for (args, env, says) in [
        (
            vec!["--basemap-url", "ftp://tiles.intranet/{z}/{x}/{y}.png"],
            vec![],
            "http:// or https://",
        ),
        (
            vec!["--basemap-url", "http://tiles.intranet/{z}/{x}.png"],
            vec![],
            "lacks {y}",
        ),
        (
            vec![],
            vec![("WANGGE_BASEMAP_URL", "tiles.intranet/{z}/{x}/{y}.png")],
            "http:// or https://",
        ),
        (
            vec!["--basemap-attribution", "© somebody"],
            vec![],
            "--basemap-url",
        ),
    ] {
        let output = serve(&db, &args, &env).output().unwrap();
        let err = refused(&output);
        assert!(err.contains(says), "{args:?} {env:?}: {err}");
        assert!(
            err.contains("basemap"),
            "{args:?} {env:?}: names the option: {err}"
        );
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

fn get(address: &str, path: &str) -> String {
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

#[test]
fn a_base_map_from_the_environment_reaches_the_page() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    let (address, server) = start(
        &db,
        &["--basemap-attribution", "© 测绘院"],
        &[(
            "WANGGE_BASEMAP_URL",
            "https://tiles.intranet/{z}/{x}/{y}.png",
        )],
    );
    let answer = get(&address, "/api/v1/config");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let body = answer.split("\r\n\r\n").nth(1).unwrap();
    let config: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(
        config["basemap"],
        serde_json::json!({"url": "https://tiles.intranet/{z}/{x}/{y}.png", "attribution": "© 测绘院"})
    );
    drop(server);
    // An empty variable (a service file's `WANGGE_BASEMAP_URL=`) is none.
    let (address, server) = start(&db, &[], &[("WANGGE_BASEMAP_URL", "")]);
    let answer = get(&address, "/api/v1/config");
    let body = answer.split("\r\n\r\n").nth(1).unwrap();
    let config: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(config["basemap"], serde_json::Value::Null, "{answer}");
    drop(server);
}

/// Starts the server on a free port: its address and the guard that stops it.
fn start(db: &Path, args: &[&str], env: &[(&str, &str)]) -> (String, Running) {
    let mut child = serve(db, args, env)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let server = Running(child);
    // "wangge serving http://127.0.0.1:PORT/  (database ...)"
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let address = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("the server did not start: {line:?}"))
        .to_owned();
    (address, server)
}

/// `POST /api/v1/auth/login` with a wrong password, through a proxy that
/// says the request came from `forwarded_for`; the status line.
fn failed_login(address: &str, forwarded_for: &str) -> String {
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let body = r#"{"name": "nobody", "password": "wrong password"}"#;
    write!(
        stream,
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\
         X-Forwarded-For: {forwarded_for}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer.lines().next().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn the_login_throttle_counts_the_client_behind_a_trusted_proxy() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    for (args, env) in [
        (vec!["--trusted-proxy", "10.0.0.0/33"], vec![]),
        (
            vec![],
            vec![("WANGGE_TRUSTED_PROXIES", "10.0.0.1,proxy.local")],
        ),
    ] {
        let err = refused(&serve(&db, &args, &env).output().unwrap());
        assert!(err.contains("--trusted-proxy"), "{args:?} {env:?}: {err}");
        assert!(
            err.contains("neither an IP address"),
            "{args:?} {env:?}: {err}"
        );
    }
    // Behind a proxy on 127.0.0.1 (from the environment, two entries) ...
    let (address, server) = start(
        &db,
        &[],
        &[("WANGGE_TRUSTED_PROXIES", "10.0.0.0/8,127.0.0.1")],
    );
    let status = failed_login(&address, "198.51.100.1, 203.0.113.5");
    assert!(status.starts_with("HTTP/1.1 401"), "{status}");
    drop(server);
    // ... and without: the same header is not believed.
    let (address, server) = start(&db, &[], &[]);
    let status = failed_login(&address, "203.0.113.6");
    assert!(status.starts_with("HTTP/1.1 401"), "{status}");
    drop(server);
    let store = wangge_store::Store::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    let counted: Vec<String> = sqlx::query_scalar(
        "SELECT subject FROM login_attempts WHERE scope = 'address' ORDER BY subject",
    )
    .fetch_all(store.raw_pool())
    .await
    .unwrap();
    assert_eq!(counted, ["127.0.0.1", "203.0.113.5"]);
    store.close().await;
}
