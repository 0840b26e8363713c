//! Shared helpers of the black-box tests: fresh stores on every backend
//! (`SQLite` in memory, a `SQLite` file, and `PostgreSQL` when
//! `WANGGE_TEST_PG_URL` is set) and small grid fixtures.
//!
//! Each `PostgreSQL` store gets its own database (`wangge_t_<random>`), created
//! through the URL in `WANGGE_TEST_PG_URL` and dropped afterwards, so tests run
//! in parallel. When the variable is set and the server cannot be reached the
//! helpers panic: a configured `PostgreSQL` run must never silently skip.
//! With `WANGGE_REQUIRE_PG=1` (set by `.ci/run`) a missing `WANGGE_TEST_PG_URL`
//! panics too, so no `PostgreSQL` half of any suite can be skipped there.

pub mod cli;

use std::fmt;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::{Connection, Executor, PgConnection};
use tempfile::TempDir;
use wangge_model::{CellTypeCode, GridCode, LevelNo, Territory};
use wangge_store::{NewGrid, Store};

/// Environment variable naming the `PostgreSQL` server the tests may use.
pub const PG_URL_VAR: &str = "WANGGE_TEST_PG_URL";

/// Environment variable that, set to `1`, makes a run without
/// [`PG_URL_VAR`] fail instead of skipping the `PostgreSQL` halves.
pub const REQUIRE_PG_VAR: &str = "WANGGE_REQUIRE_PG";

/// The `PostgreSQL` admin URL of this run, if configured (non-empty).
/// Panics when none is configured but [`REQUIRE_PG_VAR`] is `1`.
pub fn postgres_url() -> Option<String> {
    let url = std::env::var(PG_URL_VAR)
        .ok()
        .filter(|u| !u.trim().is_empty());
    assert!(
        url.is_some() || !postgres_required(),
        "{REQUIRE_PG_VAR}=1 but {PG_URL_VAR} is not set: the PostgreSQL half cannot run"
    );
    url
}

/// True when [`REQUIRE_PG_VAR`] is `1`: skipping `PostgreSQL` is a failure.
pub fn postgres_required() -> bool {
    std::env::var(REQUIRE_PG_VAR).is_ok_and(|v| v.trim() == "1")
}

/// The `PostgreSQL` URL for the `PostgreSQL` half of `suite`, or `None` after
/// logging `{suite}: SKIPPED ...` when none is configured. Panics instead of
/// skipping when [`REQUIRE_PG_VAR`] is `1` (see [`postgres_url`]).
pub fn postgres_or_skip(suite: &str) -> Option<String> {
    let url = postgres_url();
    if url.is_none() {
        log_line(&format!("{suite}: SKIPPED ({PG_URL_VAR} is not set)"));
    }
    url
}

/// Writes a line to stderr that `cargo test` does not capture, so that CI
/// logs show it even for passing tests.
pub fn log_line(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BackendKind {
    SqliteMemory,
    SqliteFile,
    Postgres,
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BackendKind::SqliteMemory => "sqlite (memory)",
            BackendKind::SqliteFile => "sqlite (file)",
            BackendKind::Postgres => "postgres",
        })
    }
}

/// The backends this run tests: both `SQLite` flavours, plus `PostgreSQL`
/// when [`PG_URL_VAR`] is set.
pub fn backend_kinds() -> Vec<BackendKind> {
    let mut kinds = vec![BackendKind::SqliteMemory, BackendKind::SqliteFile];
    if postgres_url().is_some() {
        kinds.push(BackendKind::Postgres);
    }
    kinds
}

/// A store on a fresh, private database, plus what keeps that database alive.
pub struct TestStore {
    pub store: Store,
    pub kind: BackendKind,
    /// The URL the store was opened with; connecting to it again reaches the
    /// same data, except for `sqlite::memory:` (a new, empty database).
    pub url: String,
    _dir: Option<TempDir>,
    pg: Option<PgDatabase>,
}

impl TestStore {
    /// Closes the store and drops its `PostgreSQL` database (also done on drop,
    /// e.g. after a panic, but then without closing the pool first).
    pub async fn finish(mut self) {
        self.store.close().await;
        if let Some(pg) = self.pg.take() {
            pg.drop_database().await;
        }
    }
}

/// A fresh store on one backend. Panics when the backend cannot be set up,
/// including a `PostgreSQL` that [`PG_URL_VAR`] names but that is unreachable.
pub async fn fresh_store(kind: BackendKind) -> TestStore {
    match kind {
        BackendKind::SqliteMemory => {
            let url = "sqlite::memory:".to_owned();
            TestStore {
                store: connect(&url).await,
                kind,
                url,
                _dir: None,
                pg: None,
            }
        }
        BackendKind::SqliteFile => {
            let dir = TempDir::new().unwrap_or_else(|e| panic!("temp dir: {e}"));
            let url = format!("sqlite://{}", dir.path().join("wangge.db").display());
            TestStore {
                store: connect(&url).await,
                kind,
                url,
                _dir: Some(dir),
                pg: None,
            }
        }
        BackendKind::Postgres => {
            let admin_url = postgres_url()
                .unwrap_or_else(|| panic!("{PG_URL_VAR} is not set: no PostgreSQL to test"));
            let pg = PgDatabase::create(&admin_url).await;
            let url = pg.url.clone();
            TestStore {
                store: connect(&url).await,
                kind,
                url,
                _dir: None,
                pg: Some(pg),
            }
        }
    }
}

/// One fresh store per backend of this run ([`backend_kinds`]).
pub async fn each_backend() -> Vec<TestStore> {
    let mut stores = Vec::new();
    for kind in backend_kinds() {
        stores.push(fresh_store(kind).await);
    }
    stores
}

async fn connect(url: &str) -> Store {
    Store::connect(url)
        .await
        .unwrap_or_else(|e| panic!("Store::connect({url}): {e}"))
}

/// A private `PostgreSQL` database, dropped when this value is.
struct PgDatabase {
    admin_url: String,
    name: String,
    url: String,
    dropped: bool,
}

impl PgDatabase {
    async fn create(admin_url: &str) -> PgDatabase {
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!(
            "wangge_t_{}_{}_{nanos}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = PgConnection::connect(admin_url).await.unwrap_or_else(|e| {
            panic!("{PG_URL_VAR}={admin_url} is set but PostgreSQL is unreachable: {e}")
        });
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name} via {admin_url}: {e}"));
        let _ = admin.close().await;
        PgDatabase {
            admin_url: admin_url.to_owned(),
            url: with_database(admin_url, &name),
            name,
            dropped: false,
        }
    }

    async fn drop_database(mut self) {
        drop_database(&self.admin_url, &self.name).await;
        self.dropped = true;
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if self.dropped {
            return;
        }
        // No async drop: a panicking test still cleans up, on its own thread
        // and runtime so that the test's runtime is not blocked on itself.
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                rt.block_on(drop_database(&admin_url, &name));
            }
        })
        .join();
    }
}

async fn drop_database(admin_url: &str, name: &str) {
    if let Ok(mut admin) = PgConnection::connect(admin_url).await {
        // FORCE ends connections the test left open.
        let _ = admin
            .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
            .await;
        let _ = admin.close().await;
    }
}

/// The same server URL with another database name (the path), query kept.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let host_start = base.find("://").map_or(0, |i| i + 3);
    let server = match base[host_start..].find('/') {
        Some(slash) => &base[..host_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{server}/{database}?{query}"),
        None => format!("{server}/{database}"),
    }
}

/// A GeoJSON polygon text of the box, written as given (no reformatting).
pub fn box_polygon([min_lon, min_lat, max_lon, max_lat]: [f64; 4]) -> String {
    format!(
        r#"{{"type":"Polygon","coordinates":[[[{min_lon},{min_lat}],[{max_lon},{min_lat}],[{max_lon},{max_lat}],[{min_lon},{max_lat}],[{min_lon},{min_lat}]]]}}"#
    )
}

/// A valid grid whose geometry is the box `bbox`; `cell_type` only for level 4.
pub fn box_grid(
    code: &str,
    level: u8,
    parent: Option<&str>,
    cell_type: Option<&str>,
    bbox: [f64; 4],
) -> NewGrid {
    let parse_code = |c: &str| -> GridCode {
        c.parse()
            .unwrap_or_else(|e| panic!("fixture code {c}: {e}"))
    };
    NewGrid {
        code: parse_code(code),
        name: format!("网格 {code}"),
        level: LevelNo::try_from(level).unwrap_or_else(|e| panic!("fixture level: {e}")),
        parent: parent.map(parse_code),
        cell_type: cell_type.map(|t| {
            t.parse::<CellTypeCode>()
                .unwrap_or_else(|e| panic!("fixture cell type {t}: {e}"))
        }),
        geometry_geojson: box_polygon(bbox),
        bbox,
        // Roughly: one degree is about 111 km.
        area_m2: (bbox[2] - bbox[0]) * (bbox[3] - bbox[1]) * 111_000.0 * 111_000.0,
        invalid_reason: None,
        properties_json: None,
        source: Some(format!("fixture {code}")),
    }
}

/// The territory of the fixtures.
pub fn test_territory() -> Territory {
    Territory {
        code: "TT".parse().unwrap_or_else(|e| panic!("{e}")),
        name: "测试辖区".to_owned(),
    }
}

/// A small full tree on the box [0,0]-[4,4]: one level-1 grid `T`, two
/// level-2 grids (west `T-W`, east `T-E`), four level-3 grids (`T-W-S`,
/// `T-W-N`, `T-E-S`, `T-E-N`), and two cells in each, of the types
/// 15 15 | 20 01 | 04 17 | 14 15 (categories community x3, rural, industry,
/// cluster, vacant, non-cluster). Children tile their parents.
pub fn sample_tree() -> Vec<NewGrid> {
    let mut grids = vec![
        box_grid("T", 1, None, None, [0.0, 0.0, 4.0, 4.0]),
        box_grid("T-W", 2, Some("T"), None, [0.0, 0.0, 2.0, 4.0]),
        box_grid("T-E", 2, Some("T"), None, [2.0, 0.0, 4.0, 4.0]),
    ];
    let level3 = [
        ("T-W-S", "T-W", [0.0, 0.0, 2.0, 2.0], ["15", "15"]),
        ("T-W-N", "T-W", [0.0, 2.0, 2.0, 4.0], ["20", "01"]),
        ("T-E-S", "T-E", [2.0, 0.0, 4.0, 2.0], ["04", "17"]),
        ("T-E-N", "T-E", [2.0, 2.0, 4.0, 4.0], ["14", "15"]),
    ];
    for (code, parent, bbox, _) in level3 {
        grids.push(box_grid(code, 3, Some(parent), None, bbox));
    }
    for (code, _, [x0, y0, x1, y1], types) in level3 {
        let mid = f64::midpoint(x0, x1);
        grids.push(box_grid(
            &format!("{code}-1"),
            4,
            Some(code),
            Some(types[0]),
            [x0, y0, mid, y1],
        ));
        grids.push(box_grid(
            &format!("{code}-2"),
            4,
            Some(code),
            Some(types[1]),
            [mid, y0, x1, y1],
        ));
    }
    grids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_name_replaces_the_path_only() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://u:p@h/test?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
    }

    #[test]
    fn sample_tree_has_every_level() {
        let tree = sample_tree();
        let per_level: Vec<usize> = (1..=4)
            .map(|l| tree.iter().filter(|g| g.level.get() == l).count())
            .collect();
        assert_eq!(per_level, [1, 2, 4, 8]);
    }
}
