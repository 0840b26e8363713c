//! Issue 12, points 3 and 4: `wangge demo` killed (SIGKILL) at several
//! moments — when its log shows a stage, or after some milliseconds — never
//! leaves a database that is served half-made. `serve` then refuses with the
//! command that finishes the seeding, or serves the complete demo; `demo`
//! with the same options, or `serve --demo`, finishes it, and afterwards the
//! demo is whole: every grid, entity, user and placement, and the printed
//! passwords log in. Passwords are random unless a test asks for a seed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use argon2::password_hash::{PasswordHash, PasswordVerifier};
use wangge_demo::DemoState;
use wangge_store::Store;

const CUSTOMERS: &str = "1500";
const COPIES: &str = "2";
/// Users of the demo per copy (one per role and kind of manager).
const USERS_PER_COPY: usize = 7;

fn wangge(db: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wangge-under-test"));
    cmd.arg("--db")
        .arg(url(db))
        .env_remove("WANGGE_BASEMAP_URL")
        .env_remove("WANGGE_BIND");
    cmd
}

fn url(db: &Path) -> String {
    format!("sqlite://{}", db.display())
}

fn demo_args() -> Vec<&'static str> {
    vec!["demo", "--customers", CUSTOMERS, "--copies", COPIES]
}

/// When to kill the seeding.
#[derive(Debug, Clone, Copy)]
enum Moment {
    /// As soon as a log line contains this text.
    Log(&'static str),
    /// After this many milliseconds.
    AfterMs(u64),
}

/// Runs `wangge demo` and kills it (SIGKILL) at `moment`; true when it
/// was killed, false when it had finished first.
fn seed_and_kill(db: &Path, moment: Moment) -> bool {
    let mut child = wangge(db)
        .args(demo_args())
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (lines_tx, lines) = mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    match moment {
        Moment::Log(text) => loop {
            match lines.recv_timeout(Duration::from_mins(10)) {
                Ok(line) if line.contains(text) => break,
                Ok(_) => {}
                // The process ended (or went silent) without the line.
                Err(e) => panic!("{moment:?}: the seeding never logged {text:?} ({e})"),
            }
        },
        Moment::AfterMs(ms) => std::thread::sleep(Duration::from_millis(ms)),
    }
    let finished = child.try_wait().unwrap().is_some();
    let _ = child.kill(); // SIGKILL on Unix
    let status = child.wait().unwrap();
    drop(lines);
    let _ = reader.join();
    !finished && !status.success()
}

/// Kills the server when the test ends, also on a panic.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// How `serve` began: serving (its address, what it printed before, the
/// guard), or refusing (its stderr).
enum Served {
    Serving {
        address: String,
        printed: String,
        _server: Running,
    },
    Refused(String),
}

fn serve(db: &Path, demo: bool) -> Served {
    let mut cmd = wangge(db);
    cmd.args(["serve", "--bind", "127.0.0.1:0"]);
    if demo {
        cmd.arg("--demo");
    }
    let mut child = cmd
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let mut printed = String::new();
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        // "wangge serving http://127.0.0.1:PORT/  (database ...)"
        if let Some(rest) = line.split("wangge serving http://").nth(1) {
            let address = rest.split('/').next().unwrap().to_owned();
            return Served::Serving {
                address,
                printed,
                _server: Running(child),
            };
        }
        printed.push_str(&line);
        printed.push('\n');
    }
    let status = child.wait().unwrap();
    let mut err = String::new();
    stderr.read_to_string(&mut err).unwrap();
    assert!(!status.success(), "serve ended without serving: {printed}");
    Served::Refused(err)
}

fn get(address: &str, path: &str) -> serde_json::Value {
    use std::io::Write;
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_mins(1)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{path}: {answer}");
    serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap()).unwrap()
}

/// The password printed for `name` ("  admin   admin   password XYZ  scope -").
fn printed_password(printed: &str, name: &str) -> Option<String> {
    let line = printed
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("{name} ")))?;
    let rest = line.split("password ").nth(1)?;
    Some(rest.split_whitespace().next()?.to_owned())
}

/// The whole demo is stored and placed, and the printed passwords verify.
async fn assert_complete(db: &Path, printed: &str, moment: Moment) {
    let store = Store::connect(&url(db)).await.unwrap();
    assert!(
        matches!(
            wangge_demo::demo_state(&store).await.unwrap(),
            DemoState::Complete(_)
        ),
        "{moment:?}: the seeding is complete"
    );
    let stats = store.stats().await.unwrap();
    assert_eq!(stats.by_level[3], 2 * 7_183, "{moment:?}: every cell");
    let counts = store.entity_counts().await.unwrap();
    assert_eq!(counts[0].1, 2 * 1_500, "{moment:?}: every customer");
    let not_placed = store.not_placed_yet_counts().await.unwrap();
    assert!(
        not_placed.iter().all(|(_, n)| *n == 0),
        "{moment:?}: everything placed: {not_placed:?}"
    );
    let users = store.users().await.unwrap();
    assert_eq!(users.len(), 2 * USERS_PER_COPY, "{moment:?}: every user");
    for name in ["admin", "ops-02", "community"] {
        let password = printed_password(printed, name)
            .unwrap_or_else(|| panic!("{moment:?}: no password printed for {name}: {printed}"));
        let (_, hash) = store.user_credentials(name).await.unwrap().unwrap();
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &PasswordHash::new(&hash).unwrap())
            .unwrap_or_else(|e| panic!("{moment:?}: the printed password of {name}: {e}"));
    }
    store.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_demo_killed_at_any_moment_is_finished_or_refused_never_served_half() {
    let moments = [
        Moment::Log("demo seeding: started"),
        Moment::Log("demo seeding: grids stored"),
        Moment::Log("demo seeding: entities of a copy stored"),
        Moment::Log("demo seeding: users stored"),
        Moment::Log("placed"),
        Moment::AfterMs(300),
        Moment::AfterMs(2_500),
    ];
    for (i, moment) in moments.into_iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("demo.db");
        let killed = seed_and_kill(&db, moment);
        wangge_tests::log_line(&format!("demo_kill: {moment:?}: killed {killed}"));

        // Without --demo: refused with the command that finishes it, or the
        // whole demo (the kill came after the seeding completed).
        match serve(&db, false) {
            Served::Refused(err) => {
                assert!(
                    err.contains("refusing to serve a half-seeded demo"),
                    "{moment:?}: {err}"
                );
                assert!(
                    err.contains(&format!(
                        "demo --seed 2011 --customers {CUSTOMERS} --copies {COPIES}"
                    )),
                    "{moment:?}: names the command: {err}"
                );
                assert!(err.contains("serve --demo"), "{moment:?}: {err}");
            }
            Served::Serving { address, .. } => {
                let store = Store::connect(&url(&db)).await.unwrap();
                let state = wangge_demo::demo_state(&store).await.unwrap();
                store.close().await;
                // Only a complete demo, or (killed before anything was
                // written) an empty database, may be served.
                assert!(
                    matches!(state, DemoState::Complete(_) | DemoState::Empty),
                    "{moment:?}: served {state:?}"
                );
                let rates = get(&address, "/api/v1/assignment?level=1");
                let territory = &rates["rates"][0]["customers"];
                if matches!(state, DemoState::Complete(_)) {
                    assert_eq!(territory["total"], 3_000, "{moment:?}");
                }
                continue;
            }
        }

        // Other options do not mix into the cut seeding.
        let other = wangge(&db)
            .args(["demo", "--customers", "10"])
            .env("RUST_LOG", "warn")
            .output()
            .unwrap();
        assert!(!other.status.success(), "{moment:?}");
        let err = String::from_utf8_lossy(&other.stderr);
        assert!(err.contains("interrupted with other options"), "{err}");
        assert!(
            err.contains(&format!("--customers {CUSTOMERS} --copies {COPIES}")),
            "{err}"
        );

        // Finished by `demo` with the same options, or by `serve --demo`.
        let printed = if i % 2 == 0 {
            let output = wangge(&db)
                .args(demo_args())
                .env("RUST_LOG", "warn")
                .output()
                .unwrap();
            let printed = String::from_utf8_lossy(&output.stdout).into_owned();
            assert!(
                output.status.success(),
                "{moment:?}: {printed} {}",
                String::from_utf8_lossy(&output.stderr)
            );
            assert!(printed.contains("finishing the demo seeding"), "{printed}");
            printed
        } else {
            match serve(&db, true) {
                Served::Serving {
                    address, printed, ..
                } => {
                    let rates = get(&address, "/api/v1/assignment?level=1");
                    let territory = &rates["rates"][0]["customers"];
                    assert_eq!(territory["total"], 3_000, "{moment:?}: {territory}");
                    printed
                }
                Served::Refused(err) => panic!("{moment:?}: serve --demo refused: {err}"),
            }
        };
        assert_complete(&db, &printed, moment).await;
        // Now it is served as it is.
        assert!(
            matches!(serve(&db, false), Served::Serving { .. }),
            "{moment:?}"
        );
    }
}

#[test]
fn demo_passwords_are_random_unless_a_test_seeds_them_and_say_how_to_reset() {
    let admin_password = |extra: &[&str]| {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("demo.db");
        let output = wangge(&db)
            .args(["demo", "--customers", "0"])
            .args(extra)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap();
        let printed = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(output.status.success(), "{printed}");
        assert!(
            printed.contains("random passwords, shown only now"),
            "{printed}"
        );
        assert!(
            printed.contains(&format!("wangge --db {} user passwd NAME", url(&db))),
            "says how to reset: {printed}"
        );
        let password = printed_password(&printed, "admin").unwrap();
        // The reset it names works: a new password, printed once.
        let reset = wangge(&db)
            .args(["user", "passwd", "admin"])
            .env("RUST_LOG", "warn")
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&reset.stdout);
        assert!(reset.status.success(), "{said}");
        assert!(said.contains("password (shown only now): "), "{said}");
        password
    };
    let first = admin_password(&[]);
    let second = admin_password(&[]);
    assert_ne!(first, second, "two installs, two passwords");
    let seeded = admin_password(&["--password-seed", "7"]);
    assert_eq!(seeded, admin_password(&["--password-seed", "7"]));
}
