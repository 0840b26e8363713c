//! Load generator: mixed claims and reads against a running `wangge serve`
//! at increasing request rates; prints throughput and p50/p99 latency per
//! rate. Used by `scripts/load/run.sh`.
//!
//! ```text
//! cargo run --release -p wangge-server --example load -- \
//!     --base http://127.0.0.1:18190 --db sqlite:///tmp/wangge-load/load.db \
//!     --rates 500,1000,2000,3000,4000 --seconds 10 --connections 64
//! ```
//!
//! Setup: `--db` (the server's database) gets one community grid manager
//! per connection (`load.m00`..), each scoped to a level-3 grid with
//! community cells; they log in through the API. Then every connection
//! sends, paced to its share of the target rate, a mix of:
//!
//! | share | request |
//! |---|---|
//! | 10 % | claim or release one of the manager's cells (a write transaction) |
//! | 25 % | `GET /api/v1/grids/{cell}` (anonymous, the map's click) |
//! | 20 % | `GET /api/v1/locate?lon=&lat=` (anonymous) |
//! | 15 % | `GET /api/v1/claims?manager=NAME&limit=20` |
//! | 15 % | `GET /api/v1/cells/{cell}/history` |
//! | 10 % | `GET /api/v1/cells/{cell}/customers?limit=20` |
//! | 5 % | `GET /api/v1/me` |
//!
//! Latency is measured from when a request was due, not when it was sent,
//! so a server that falls behind shows it (no coordinated omission).
//!
//! Several servers on one database (`--base URL1,URL2`, issue 11): the
//! connections are dealt out in turn, and after every claim or release
//! that succeeded through one server the connection asks the next one
//! (`GET /api/v1/claims?grid=CELL&status=active`) until it answers the new
//! way, within one second; an answer still old after that second is
//! counted `stale`, and the time until it agreed is reported (`seen p99`).
//! These checks are not in the latency figures.
//! A plain HTTP/1.1 keep-alive client over tokio keeps the tool free of
//! extra dependencies.

// Figures only: counts and durations far below 2^52.
#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use std::time::{Duration, Instant};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHasher, SaltString};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use wangge_model::{ManagerKind, Role};
use wangge_store::{NewUser, Store, StoreError};

type Error = Box<dyn std::error::Error + Send + Sync>;

const PASSWORD: &str = "load-test-password";

struct Options {
    /// The servers, `host:port` each; connections are dealt out in turn.
    addresses: Vec<String>,
    db: String,
    rates: Vec<u32>,
    seconds: u64,
    connections: usize,
    /// The servers' process ids: their CPU time per request is reported
    /// (a figure that holds when other processes share the cores).
    server_pids: Vec<u32>,
    /// Send only one request kind of the mix (0 write, 1 grid, 2 locate,
    /// 3 claims, 4 history, 5 customers, 6 me), to see its cost alone.
    only: Option<u32>,
}

fn options() -> Result<Options, Error> {
    let mut o = Options {
        addresses: vec!["127.0.0.1:18190".into()],
        db: "sqlite:///tmp/wangge-load/load.db".into(),
        rates: vec![500, 1000, 2000, 3000, 4000],
        seconds: 10,
        connections: 64,
        server_pids: Vec::new(),
        only: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--base" => {
                o.addresses = value
                    .split(',')
                    .map(|base| {
                        base.trim()
                            .strip_prefix("http://")
                            .map(|a| a.trim_end_matches('/').to_owned())
                            .ok_or_else(|| format!("--base {base:?} must start with http://"))
                    })
                    .collect::<Result<_, _>>()?;
            }
            "--db" => o.db = value,
            "--rates" => {
                o.rates = value
                    .split(',')
                    .map(|r| r.trim().parse().map_err(|e| format!("--rates {r:?}: {e}")))
                    .collect::<Result<_, _>>()?;
            }
            "--seconds" => o.seconds = value.parse().map_err(|e| format!("--seconds: {e}"))?,
            "--connections" => {
                o.connections = value.parse().map_err(|e| format!("--connections: {e}"))?;
            }
            "--only" => o.only = Some(value.parse().map_err(|e| format!("--only: {e}"))?),
            "--server-pid" => {
                o.server_pids = value
                    .split(',')
                    .map(|p| {
                        p.trim()
                            .parse()
                            .map_err(|e| format!("--server-pid {p:?}: {e}"))
                    })
                    .collect::<Result<_, _>>()?;
            }
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    if o.connections == 0 || o.rates.is_empty() || o.addresses.is_empty() {
        return Err("need at least one connection and one rate".into());
    }
    Ok(o)
}

/// One HTTP/1.1 keep-alive connection.
struct Conn {
    address: String,
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
}

impl Conn {
    async fn open(address: &str) -> Result<Self, Error> {
        let stream = TcpStream::connect(address).await?;
        stream.set_nodelay(true)?;
        let (read, write) = stream.into_split();
        Ok(Conn {
            address: address.to_owned(),
            reader: BufReader::new(read),
            writer: write,
        })
    }

    /// Sends one request and reads the answer: (status, body).
    async fn send(
        &mut self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> Result<(u16, Vec<u8>), Error> {
        let body = body.unwrap_or("");
        let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            self.address,
            body.len()
        );
        self.writer.write_all(head.as_bytes()).await?;
        self.writer.write_all(body.as_bytes()).await?;
        let mut line = String::new();
        self.reader.read_line(&mut line).await?;
        let status: u16 = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("bad status line {line:?}"))?;
        let (mut length, mut chunked) = (None, false);
        loop {
            line.clear();
            if self.reader.read_line(&mut line).await? == 0 {
                return Err("connection closed in the headers".into());
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                let value = value.trim();
                if name.eq_ignore_ascii_case("content-length") {
                    length = Some(value.parse::<usize>()?);
                } else if name.eq_ignore_ascii_case("transfer-encoding") {
                    chunked = value.eq_ignore_ascii_case("chunked");
                }
            }
        }
        let mut out = Vec::new();
        if chunked {
            loop {
                line.clear();
                self.reader.read_line(&mut line).await?;
                let size = usize::from_str_radix(line.trim(), 16)?;
                let mut chunk = vec![0; size + 2];
                self.reader.read_exact(&mut chunk).await?;
                if size == 0 {
                    break;
                }
                out.extend_from_slice(&chunk[..size]);
            }
        } else {
            out.resize(length.unwrap_or(0), 0);
            self.reader.read_exact(&mut out).await?;
        }
        Ok((status, out))
    }

    async fn json(
        &mut self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Result<(u16, Value), Error> {
        let text = body.map(Value::to_string);
        let (status, bytes) = self.send(method, path, token, text.as_deref()).await?;
        Ok((
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        ))
    }
}

/// A load manager: name, token, cells (code, claimed by them), a bbox.
struct Manager {
    name: String,
    token: String,
    cells: Vec<(String, bool)>,
    bbox: [f64; 4],
}

fn bbox_of(geometry: &Value, b: &mut [f64; 4]) {
    match geometry {
        Value::Array(items) if items.len() >= 2 && items[0].is_number() => {
            let (x, y) = (
                items[0].as_f64().unwrap_or(0.0),
                items[1].as_f64().unwrap_or(0.0),
            );
            *b = wangge_model::bbox::union(*b, [x, y, x, y]);
        }
        Value::Array(items) => items.iter().for_each(|i| bbox_of(i, b)),
        Value::Object(o) => {
            if let Some(c) = o.get("coordinates") {
                bbox_of(c, b);
            }
        }
        _ => {}
    }
}

/// Creates (or reuses) the load managers, logs them in, finds their cells.
async fn setup(o: &Options, address: &str) -> Result<Vec<Manager>, Error> {
    let store = Store::connect(&o.db).await?;
    let mut conn = Conn::open(address).await?;
    let hash = argon2::Argon2::default()
        .hash_password(PASSWORD.as_bytes(), &SaltString::generate(&mut OsRng))
        .map_err(|e| format!("hashing: {e}"))?
        .to_string();
    let (status, grids) = conn
        .json("GET", "/api/v1/grids?level=3&limit=2000", None, None)
        .await?;
    if status != 200 {
        return Err(format!("GET level-3 grids: {status}").into());
    }
    let mut managers = Vec::new();
    for feature in grids["features"].as_array().into_iter().flatten() {
        if managers.len() == o.connections {
            break;
        }
        let code = feature["properties"]["code"].as_str().unwrap_or_default();
        let path = format!("/api/v1/cells?parent={code}");
        let (_, cells) = conn.json("GET", &path, None, None).await?;
        let community: Vec<(String, bool)> = cells["features"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| c["properties"]["zhengqi"] == json!(false))
            .filter_map(|c| {
                c["properties"]["code"]
                    .as_str()
                    .map(|s| (s.to_owned(), false))
            })
            .collect();
        if community.len() < 2 {
            continue;
        }
        let name = format!("load.m{:02}", managers.len());
        let added = store
            .insert_user(&NewUser {
                name: name.clone(),
                role: Role::GridManager,
                kind: Some(ManagerKind::Community),
                scopes: vec![code.parse()?],
                password_hash: hash.clone(),
            })
            .await;
        match added {
            Ok(_) | Err(StoreError::Conflict { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        let (status, login) = conn
            .json(
                "POST",
                "/api/v1/auth/login",
                None,
                Some(&json!({"name": name, "password": PASSWORD})),
            )
            .await?;
        if status != 200 {
            return Err(format!("login {name}: {status} {login}").into());
        }
        let mut bbox = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
        bbox_of(&feature["geometry"], &mut bbox);
        let token = login["token"].as_str().unwrap_or_default().to_owned();
        // Start from a known state: release what an earlier run left claimed.
        let mut held = community;
        for (cell, claimed) in &mut held {
            let path = format!("/api/v1/cells/{cell}/release");
            let (status, _) = conn.json("POST", &path, Some(&token), None).await?;
            *claimed = false;
            let _ = status; // 200 (was claimed) or 409 (was not)
        }
        managers.push(Manager {
            name,
            token,
            cells: held,
            bbox,
        });
    }
    store.close().await;
    if managers.len() < o.connections {
        return Err(format!("only {} level-3 grids with community cells", managers.len()).into());
    }
    Ok(managers)
}

/// What one request was, for the breakdown.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Write,
    Read,
}

#[derive(Default)]
struct Tally {
    /// (latency from due time in µs, kind)
    samples: Vec<(u32, Kind)>,
    errors: u64,
    /// 409s of claims/releases (expected: none, each connection owns its cells).
    conflicts: u64,
    /// With several servers: µs until another server answered a write's
    /// effect, per successful write.
    seen_us: Vec<u32>,
    /// Writes another server still answered the old way after [`FRESH_WITHIN`].
    stale: u64,
}

/// How soon another server must answer a write's effect.
const FRESH_WITHIN: Duration = Duration::from_secs(1);

/// Asks `other` for the active claims of `cell` until it answers `claimed`
/// (or the deadline passes): the time it took, `None` when still stale.
async fn seen_by(
    other: &mut Conn,
    cell: &str,
    token: &str,
    claimed: bool,
) -> Result<Option<Duration>, Error> {
    let started = Instant::now();
    let path = format!("/api/v1/claims?grid={cell}&status=active&limit=5");
    loop {
        let (status, body) = other.json("GET", &path, Some(token), None).await?;
        if status != 200 {
            return Err(format!("GET {path} on {}: {status} {body}", other.address).into());
        }
        let active = body["count"].as_u64().unwrap_or(0) > 0;
        if active == claimed {
            return Ok(Some(started.elapsed()));
        }
        if started.elapsed() >= FRESH_WITHIN {
            return Ok(None);
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Runs one connection at `per_conn_rate` until `until`; with `other`,
/// checks that server sees each write.
#[allow(clippy::too_many_arguments)]
async fn drive(
    address: String,
    other: Option<String>,
    mut manager: Manager,
    per_conn_rate: f64,
    until: Instant,
    seed: u64,
    only: Option<u32>,
) -> Result<(Tally, Manager), Error> {
    let mut conn = Conn::open(&address).await?;
    let mut other = match &other {
        Some(a) => Some(Conn::open(a).await?),
        None => None,
    };
    let mut rng = StdRng::seed_from_u64(seed);
    let period = Duration::from_secs_f64(1.0 / per_conn_rate);
    let mut due = Instant::now() + period.mul_f64(rng.gen::<f64>());
    let mut tally = Tally::default();
    while due < until {
        let now = Instant::now();
        if due > now {
            tokio::time::sleep(due - now).await;
        }
        let pick = match only {
            Some(kind) => [0, 10, 35, 55, 70, 85, 95][kind.min(6) as usize],
            None => rng.gen_range(0..100),
        };
        let cell_index = rng.gen_range(0..manager.cells.len());
        let cell = manager.cells[cell_index].0.clone();
        let token = Some(manager.token.as_str());
        let (method, path, auth, kind) = match pick {
            0..=9 => {
                let action = if manager.cells[cell_index].1 {
                    "release"
                } else {
                    "claim"
                };
                (
                    "POST",
                    format!("/api/v1/cells/{cell}/{action}"),
                    token,
                    Kind::Write,
                )
            }
            10..=34 => ("GET", format!("/api/v1/grids/{cell}"), None, Kind::Read),
            35..=54 => {
                let [x0, y0, x1, y1] = manager.bbox;
                let lon = rng.gen_range(x0..=x1);
                let lat = rng.gen_range(y0..=y1);
                (
                    "GET",
                    format!("/api/v1/locate?lon={lon:.6}&lat={lat:.6}"),
                    None,
                    Kind::Read,
                )
            }
            55..=69 => (
                "GET",
                format!("/api/v1/claims?manager={}&limit=20", manager.name),
                token,
                Kind::Read,
            ),
            70..=84 => (
                "GET",
                format!("/api/v1/cells/{cell}/history"),
                token,
                Kind::Read,
            ),
            85..=94 => (
                "GET",
                format!("/api/v1/cells/{cell}/customers?limit=20"),
                token,
                Kind::Read,
            ),
            _ => ("GET", "/api/v1/me".to_owned(), token, Kind::Read),
        };
        let body = (kind == Kind::Write).then_some("{\"reason\":\"load\"}");
        let answer = conn.send(method, &path, auth, body).await;
        let latency_us = due.elapsed().as_micros().min(u128::from(u32::MAX)) as u32;
        match answer {
            Ok((200, _)) => {
                tally.samples.push((latency_us, kind));
                if kind == Kind::Write {
                    manager.cells[cell_index].1 = !manager.cells[cell_index].1;
                    if let Some(other) = other.as_mut() {
                        let claimed = manager.cells[cell_index].1;
                        if let Some(after) = seen_by(other, &cell, &manager.token, claimed).await? {
                            tally
                                .seen_us
                                .push(after.as_micros().min(u128::from(u32::MAX)) as u32);
                        } else {
                            tally.stale += 1;
                            eprintln!(
                                "stale: {} still answers cell {cell} {} 1 s after the {}",
                                other.address,
                                if claimed { "unclaimed" } else { "claimed" },
                                if claimed { "claim" } else { "release" }
                            );
                        }
                    }
                }
            }
            Ok((409, _)) if kind == Kind::Write => {
                tally.conflicts += 1;
                tally.samples.push((latency_us, kind));
            }
            Ok((status, body)) => {
                tally.errors += 1;
                if tally.errors <= 3 {
                    eprintln!(
                        "{method} {path}: {status} {}",
                        String::from_utf8_lossy(&body)
                    );
                }
            }
            Err(e) => {
                tally.errors += 1;
                eprintln!("{method} {path}: {e}; reconnecting");
                conn = Conn::open(&address).await?;
            }
        }
        due += period;
    }
    Ok((tally, manager))
}

/// CPU ticks of all the servers together (`None` without pids, or when one is gone).
fn cpu_of(pids: &[u32]) -> Option<u64> {
    if pids.is_empty() {
        return None;
    }
    pids.iter().map(|&p| cpu_ticks(p)).sum()
}

/// CPU time (user + system) of a process in clock ticks (100 per second
/// on Linux), from `/proc/PID/stat`.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the parenthesised command name; utime and stime are 14 and 15.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    f64::from(sorted[rank]) / 1000.0
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let o = options()?;
    let servers = o.addresses.len();
    let mut managers = setup(&o, &o.addresses[0]).await?;
    println!(
        "{} connections, one community manager each, over {servers} server(s), {} s per rate; mix: 10 % claim/release, 90 % reads",
        o.connections, o.seconds
    );
    println!(
        "{:>8} {:>10} {:>8} {:>8} {:>8} {:>8} {:>9} {:>7} {:>9} {:>6} {:>9}",
        "target/s",
        "achieved/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "max ms",
        "write p99",
        "errors",
        "conflicts",
        "stale",
        "seen p99"
    );
    let mut cpu_lines = Vec::new();
    for (step, rate) in o.rates.iter().enumerate() {
        let per_conn = f64::from(*rate) / o.connections as f64;
        let start = Instant::now();
        let cpu_before = cpu_of(&o.server_pids);
        let until = start + Duration::from_secs(o.seconds);
        let mut tasks = Vec::new();
        for (i, manager) in managers.drain(..).enumerate() {
            let seed = 2011 + (step * 1000 + i) as u64;
            let address = o.addresses[i % servers].clone();
            let other = (servers > 1).then(|| o.addresses[(i + 1) % servers].clone());
            tasks.push(tokio::spawn(drive(
                address, other, manager, per_conn, until, seed, o.only,
            )));
        }
        let mut all = Tally::default();
        for task in tasks {
            let (tally, manager) = task.await??;
            managers.push(manager);
            all.samples.extend(tally.samples);
            all.errors += tally.errors;
            all.conflicts += tally.conflicts;
            all.seen_us.extend(tally.seen_us);
            all.stale += tally.stale;
        }
        let elapsed = start.elapsed().as_secs_f64();
        if let (Some(before), Some(after)) = (cpu_before, cpu_of(&o.server_pids)) {
            let cpu_ms = (after - before) as f64 * 10.0;
            let per_request_ms = cpu_ms / all.samples.len().max(1) as f64;
            cpu_lines.push(format!(
                "{rate:>8}/s: server CPU (all servers, freshness checks included) {:.0} % of one core, {:.3} ms per request = {:.0} req/s per dedicated core",
                cpu_ms / elapsed / 10.0,
                per_request_ms,
                1000.0 / per_request_ms
            ));
        }
        let mut latencies: Vec<u32> = all.samples.iter().map(|(l, _)| *l).collect();
        latencies.sort_unstable();
        let mut writes: Vec<u32> = all
            .samples
            .iter()
            .filter(|(_, k)| *k == Kind::Write)
            .map(|(l, _)| *l)
            .collect();
        writes.sort_unstable();
        all.seen_us.sort_unstable();
        let seen = if servers > 1 {
            format!("{:.2}", percentile(&all.seen_us, 99.0))
        } else {
            "-".to_owned()
        };
        println!(
            "{:>8} {:>10.0} {:>8.2} {:>8.2} {:>8.2} {:>8.1} {:>9.2} {:>7} {:>9} {:>6} {:>9}",
            rate,
            latencies.len() as f64 / elapsed,
            percentile(&latencies, 50.0),
            percentile(&latencies, 90.0),
            percentile(&latencies, 99.0),
            percentile(&latencies, 100.0),
            percentile(&writes, 99.0),
            all.errors,
            all.conflicts,
            all.stale,
            seen
        );
    }
    for line in cpu_lines {
        println!("{line}");
    }
    Ok(())
}
