//! Opening a store: picking the backend from the URL, pool settings per
//! backend, migrations, the default cell-type table and claim rules.

use std::fmt;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::Migrator;
use sqlx::{Any, AnyConnection, AnyPool, Connection, Executor, Row, Transaction};

use crate::StoreError;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/postgres");

/// Which database a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend a URL names: `sqlite:` or `postgres:`/`postgresql:`.
    pub fn from_url(url: &str) -> Result<Backend, StoreError> {
        let scheme = url
            .split(':')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match scheme.as_str() {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            _ => Err(StoreError::Database(sqlx::Error::Configuration(
                format!(
                    "database URL {:?} is neither sqlite: (e.g. sqlite://wangge.db, sqlite::memory:) nor postgres://",
                    redact(url)
                )
                .into(),
            ))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The persistent store of one wangge installation. Cheap to clone (a pool).
#[derive(Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
    backend: Backend,
    /// The URL of a `SQLite` file (not of a memory database), for the
    /// connections of bulk writes opened outside the pool.
    sqlite_file_url: Option<String>,
    /// Rows per multi-row statement at most, below the writers' own caps;
    /// only tests lower it ([`Store::with_max_rows_per_statement`]).
    pub(crate) max_rows_per_statement: usize,
    /// The URL of a `PostgreSQL` database, for the listener of the
    /// revisions ([`Store::watch_revisions`]).
    postgres_url: Option<String>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

/// How long the first connection may take before the server counts as
/// unreachable (a dropped packet, not a refusal, which is immediate).
const FIRST_CONNECT: Duration = Duration::from_secs(5);

/// One connection tried before the pool is built: the pool retries a
/// refused connection until its timeout and then says only "pool timed
/// out"; this says where and why, at once.
async fn reach_postgres(url: &str) -> Result<(), StoreError> {
    let address = postgres_address(url);
    let unreachable = |reason: String| StoreError::Unreachable {
        address: address.clone(),
        reason,
    };
    match tokio::time::timeout(FIRST_CONNECT, sqlx::AnyConnection::connect(url)).await {
        Err(_) => Err(unreachable(format!(
            "no answer within {} s",
            FIRST_CONNECT.as_secs()
        ))),
        Ok(Err(sqlx::Error::Io(e))) => Err(unreachable(io_reason(&e))),
        Ok(Err(e)) => Err(e.into()),
        Ok(Ok(connection)) => {
            let _ = connection.close().await;
            Ok(())
        }
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::ConnectionRefused => "connection refused".to_owned(),
        _ => e.to_string(),
    }
}

/// `HOST:PORT` of a `postgres://` URL (no user or password), for messages.
fn postgres_address(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?']).next().unwrap_or(rest);
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    match host_port {
        "" => "localhost:5432".to_owned(),
        h if h.ends_with(']') || !h.contains(':') => format!("{h}:5432"),
        h => h.to_owned(),
    }
}

impl Store {
    /// Opens (and for `SQLite` files creates) the database, applies the
    /// migrations and seeds the default cell types into an empty type table.
    ///
    /// URLs: `sqlite://wangge.db` (a file, created if missing),
    /// `sqlite::memory:` (private to this store), `postgres://user@host/db`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), wangge_store::StoreError> {
    /// let store = wangge_store::Store::connect("sqlite::memory:").await?;
    /// assert_eq!(store.backend(), wangge_store::Backend::Sqlite);
    /// assert_eq!(store.cell_types().await?.types().len(), 20);
    /// assert!(store.is_empty().await?);
    /// # Ok(()) }
    /// ```
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let (pool, sqlite_file_url) = match backend {
            Backend::Sqlite => connect_sqlite(url).await?,
            Backend::Postgres => {
                reach_postgres(url).await?;
                let pool = AnyPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect(url)
                    .await?;
                (pool, None)
            }
        };
        let migrator = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&pool).await?;
        let store = Store {
            pool,
            backend,
            sqlite_file_url,
            max_rows_per_statement: usize::MAX,
            postgres_url: (backend == Backend::Postgres).then(|| url.to_owned()),
        };
        store.seed_cell_types().await?;
        store.seed_claim_type_rules().await?;
        tracing::debug!(backend = %backend, url = %redact(url), "store ready");
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The same store writing at most `rows` rows per multi-row statement
    /// (at least 1), so that tests cross chunk boundaries with small batches.
    /// Production code keeps the writers' own sizes.
    #[doc(hidden)]
    #[must_use]
    pub fn with_max_rows_per_statement(mut self, rows: usize) -> Store {
        self.max_rows_per_statement = rows.max(1);
        self
    }

    pub(crate) fn postgres_url(&self) -> Option<&str> {
        self.postgres_url.as_deref()
    }

    /// The connection pool, for tests that must bypass the store's own checks
    /// (e.g. proving the database rejects a bad row by itself). Production
    /// code keeps its SQL inside this crate.
    #[doc(hidden)]
    pub fn raw_pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Closes every connection; later calls fail.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// A transaction that will write. On `SQLite` it takes the write lock at
    /// once (`BEGIN IMMEDIATE`): a transaction that reads first and upgrades
    /// later fails with "database is locked" instead of waiting when another
    /// writer got in between.
    pub(crate) async fn begin_write(&self) -> Result<Transaction<'static, Any>, StoreError> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// For a bulk write on a `SQLite` file: a connection of its own, outside
    /// the pool, with foreign-key enforcement OFF and a large page cache.
    /// `None` on `PostgreSQL` and on a memory database (a new connection
    /// would open another, empty database).
    ///
    /// `SQLite` checks a foreign key with one b-tree search per reference
    /// and row, and cannot empty a table that has foreign keys in one step:
    /// a third of the time of writing a million placements. The caller
    /// checks the references itself inside its write transaction (which
    /// keeps every other writer out) and drops the connection afterwards,
    /// so no pooled connection ever runs without the checks.
    pub(crate) async fn unchecked_sqlite_connection(
        &self,
    ) -> Result<Option<AnyConnection>, StoreError> {
        let Some(url) = &self.sqlite_file_url else {
            return Ok(None);
        };
        let mut conn = AnyConnection::connect(url).await?;
        for pragma in SQLITE_PRAGMAS {
            conn.execute(pragma).await?;
        }
        conn.execute("PRAGMA foreign_keys = OFF").await?;
        conn.execute(format!("PRAGMA cache_size = -{BULK_CACHE_KIB}").as_str())
            .await?;
        Ok(Some(conn))
    }

    /// True when the store holds no grid at all (of any territory).
    pub async fn is_empty(&self) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM (SELECT 1 FROM grids LIMIT 1) AS one")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<i64, _>("n")? == 0)
    }
}

fn is_sqlite_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

/// The file a `sqlite:` URL names (`None` for an in-memory database or
/// another backend): what a command that only reads checks exists before
/// [`Store::connect`] would create it empty.
///
/// ```
/// use std::path::Path;
/// use wangge_store::sqlite_file;
/// assert_eq!(sqlite_file("sqlite://wangge.db").as_deref(), Some(Path::new("wangge.db")));
/// assert_eq!(sqlite_file("sqlite:///tmp/a.db?mode=rwc").as_deref(), Some(Path::new("/tmp/a.db")));
/// assert_eq!(sqlite_file("sqlite::memory:"), None);
/// assert_eq!(sqlite_file("postgres://localhost/x"), None);
/// ```
pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    if is_sqlite_memory(url) {
        return None;
    }
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty()).then(|| std::path::PathBuf::from(path))
}

/// Settings of every connection to a `SQLite` file. sqlx already sets
/// foreign_keys=ON and a 5 s busy timeout; synchronous=NORMAL is the safe and
/// fast companion of WAL; sorts and statement journals stay in memory; a
/// 64 MiB page cache (the default is 2 MiB) keeps the indexes of a million
/// customers or placements in memory while they are written or grouped.
const SQLITE_PRAGMAS: [&str; 5] = [
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA temp_store = MEMORY",
    POOL_CACHE_PRAGMA,
];

/// Page cache of a `SQLite` connection while it writes a large batch
/// ([`BULK_CACHE_FROM_ROWS`] rows or more), in KiB as `cache_size` takes it
/// (negative). Rows of a batch land at random places of the tables'
/// indexes (codes, spend); once those outgrow the 64 MiB of
/// [`SQLITE_PRAGMAS`] every row read pages back and spilled them again:
/// 1.2 M customers added to 4.8 M took 22.0 s with 64 MiB and 15.9 s with
/// 256 MiB (sqlite3 `.timer`, the same rows; 1 GiB gained nothing more).
const BULK_CACHE_KIB: i64 = 262_144;
/// From this many rows a write raises the page cache ([`BULK_CACHE_KIB`]).
const BULK_CACHE_FROM_ROWS: usize = 50_000;

/// Raises the page cache of this `SQLite` connection for a batch of `rows`
/// rows, when it is large; true when it did (then the caller MUST call
/// [`restore_sqlite_cache`] before the connection goes back to the pool,
/// on error too). Nothing on `PostgreSQL`.
pub(crate) async fn raise_sqlite_cache(
    conn: &mut AnyConnection,
    backend: Backend,
    rows: usize,
) -> Result<bool, StoreError> {
    if backend != Backend::Sqlite || rows < BULK_CACHE_FROM_ROWS {
        return Ok(false);
    }
    conn.execute(format!("PRAGMA cache_size = -{BULK_CACHE_KIB}").as_str())
        .await?;
    Ok(true)
}

/// Puts the page cache raised by [`raise_sqlite_cache`] back to the pool's
/// setting (the pages over it are freed; dirty ones go to the WAL, as the
/// commit would write them anyway).
pub(crate) async fn restore_sqlite_cache(conn: &mut AnyConnection) -> Result<(), StoreError> {
    conn.execute(POOL_CACHE_PRAGMA).await?;
    Ok(())
}

const POOL_CACHE_PRAGMA: &str = "PRAGMA cache_size = -65536";

/// The pool, and the URL of the file unless it is a memory database.
async fn connect_sqlite(url: &str) -> Result<(AnyPool, Option<String>), StoreError> {
    if is_sqlite_memory(url) {
        // Every connection to `sqlite::memory:` opens a new, empty database:
        // keep exactly one connection, forever.
        let pool = AnyPoolOptions::new()
            .min_connections(1)
            .max_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect(url)
            .await?;
        return Ok((pool, None));
    }
    // Create the file when missing, unless the caller chose a mode.
    let url = if url.contains("mode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    };
    let pool = AnyPoolOptions::new()
        .max_connections(4)
        .acquire_timeout(Duration::from_secs(10))
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                for pragma in SQLITE_PRAGMAS {
                    conn.execute(pragma).await?;
                }
                Ok(())
            })
        })
        .connect(&url)
        .await?;
    // WAL is a property of the file: set once here rather than per connection,
    // because switching needs an exclusive lock that busy_timeout cannot wait for.
    let mode: AnyRow = sqlx::query("PRAGMA journal_mode").fetch_one(&pool).await?;
    let mode: String = mode.try_get(0)?;
    if !mode.eq_ignore_ascii_case("wal") {
        sqlx::query("PRAGMA journal_mode = WAL")
            .execute(&pool)
            .await?;
    }
    Ok((pool, Some(url)))
}

/// The URL without its password, for logs and messages.
pub(crate) fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _password)) => {
                    format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..])
                }
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_follows_the_url_scheme() {
        assert_eq!(
            Backend::from_url("sqlite::memory:").unwrap(),
            Backend::Sqlite
        );
        assert_eq!(
            Backend::from_url("sqlite://wangge.db").unwrap(),
            Backend::Sqlite
        );
        assert_eq!(
            Backend::from_url("postgres://u@h/db").unwrap(),
            Backend::Postgres
        );
        assert_eq!(
            Backend::from_url("postgresql://u@h/db").unwrap(),
            Backend::Postgres
        );
        let err = Backend::from_url("mysql://root:pw@h/db")
            .unwrap_err()
            .to_string();
        assert!(err.contains("mysql://root:***@h/db"), "{err}");
    }

    #[test]
    fn redact_hides_only_the_password() {
        assert_eq!(
            redact("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("sqlite://wangge.db"), "sqlite://wangge.db");
    }

    #[tokio::test]
    async fn sqlite_file_is_created_and_in_wal_mode() {
        let dir = std::env::temp_dir().join(format!("wangge-store-wal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("w.db");
        let _ = std::fs::remove_file(&path);
        let store = Store::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        assert!(path.exists());
        let row: AnyRow = sqlx::query("PRAGMA journal_mode")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(row.try_get::<String, _>(0).unwrap().to_lowercase(), "wal");
        let row: AnyRow = sqlx::query("PRAGMA foreign_keys")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(row.try_get::<i64, _>(0).unwrap(), 1);
        store.close().await;
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[cfg(test)]
mod address_tests {
    use super::postgres_address;

    #[test]
    fn the_address_of_a_url_names_no_user_or_password() {
        assert_eq!(
            postgres_address("postgres://u:secret@db.example:6543/x?sslmode=disable"),
            "db.example:6543"
        );
        assert_eq!(
            postgres_address("postgres://127.0.0.1/test"),
            "127.0.0.1:5432"
        );
        assert_eq!(postgres_address("postgresql:///test"), "localhost:5432");
    }
}
