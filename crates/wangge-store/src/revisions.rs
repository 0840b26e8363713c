//! The database's revisions (migration 0007): one number per kind of data,
//! raised by triggers whoever writes, read in one query, and watched —
//! `LISTEN wangge_revisions` on `PostgreSQL` with a poll as the fallback, a
//! cheap poll on `SQLite`. Everything a server keeps in memory is keyed by
//! the revisions it was built from.

use std::collections::HashMap;
use std::time::Duration;

use sqlx::Row;
use tokio::sync::watch;

use crate::{Backend, Store, StoreError};

/// How often `SQLite` is polled (one indexed read of 14 rows).
pub const SQLITE_POLL: Duration = Duration::from_millis(100);
/// How often `PostgreSQL` is polled besides listening (a lost notification,
/// a listener reconnecting).
pub const POSTGRES_POLL: Duration = Duration::from_secs(1);
/// Wait before a failed listener connects again.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// The revision of every kind of data, as the database keeps them. Equal
/// values mean the same data; a larger one, newer data.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Revisions {
    pub grids: i64,
    pub customers: i64,
    pub resources: i64,
    pub buildings: i64,
    pub opportunities: i64,
    pub placements: i64,
    pub standard_addresses: i64,
    /// The gazetteer edition (`gazetteer_villages`).
    pub villages: i64,
    /// Every claim-rule table (types, settings, norms).
    pub claim_rules: i64,
    /// Claims and cell locks.
    pub claims: i64,
    /// Users and their scopes.
    pub users: i64,
    pub sessions: i64,
    pub outlets: i64,
    pub cell_types: i64,
}

impl Revisions {
    /// True when every revision is at least `other`'s: data read at `self`
    /// includes every write `other` counted.
    #[must_use]
    pub fn covers(&self, other: &Revisions) -> bool {
        self.pairs()
            .iter()
            .zip(other.pairs())
            .all(|((_, a), (_, b))| *a >= b)
    }

    /// (name, revision) in the order of the migration.
    #[must_use]
    pub fn pairs(&self) -> [(&'static str, i64); 14] {
        [
            ("grids", self.grids),
            ("customers", self.customers),
            ("resources", self.resources),
            ("buildings", self.buildings),
            ("opportunities", self.opportunities),
            ("placements", self.placements),
            ("standard_addresses", self.standard_addresses),
            ("villages", self.villages),
            ("claim_rules", self.claim_rules),
            ("claims", self.claims),
            ("users", self.users),
            ("sessions", self.sessions),
            ("outlets", self.outlets),
            ("cell_types", self.cell_types),
        ]
    }

    fn from_map(map: &HashMap<String, i64>) -> Result<Revisions, StoreError> {
        let get = |name: &str| {
            map.get(name).copied().ok_or_else(|| {
                StoreError::corrupt("revisions", format!("no row {name:?} (migration 0007)"))
            })
        };
        Ok(Revisions {
            grids: get("grids")?,
            customers: get("customers")?,
            resources: get("resources")?,
            buildings: get("buildings")?,
            opportunities: get("opportunities")?,
            placements: get("placements")?,
            standard_addresses: get("standard_addresses")?,
            villages: get("villages")?,
            claim_rules: get("claim_rules")?,
            claims: get("claims")?,
            users: get("users")?,
            sessions: get("sessions")?,
            outlets: get("outlets")?,
            cell_types: get("cell_types")?,
        })
    }
}

/// The grids a range of grid revisions changed (inserted, updated or
/// deleted), from the `grid_changes` log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GridChanges {
    /// Database ids, ascending, each once; a deleted grid's id is here and
    /// no longer in `grids`.
    pub ids: Vec<i64>,
}

impl Store {
    /// Every revision, in one query.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), wangge_store::StoreError> {
    /// let store = wangge_store::Store::connect("sqlite::memory:").await?;
    /// let before = store.revisions().await?;
    /// store.replace_villages(&[wangge_store::VillageRecord {
    ///     code: "420303001001".into(),
    ///     name: "新村".into(),
    ///     town_code: "420303001".into(),
    /// }]).await?;
    /// let after = store.revisions().await?;
    /// assert!(after.villages > before.villages && after.grids == before.grids);
    /// assert!(after.covers(&before) && !before.covers(&after));
    /// # Ok(()) }
    /// ```
    pub async fn revisions(&self) -> Result<Revisions, StoreError> {
        let rows = sqlx::query("SELECT name, revision FROM revisions")
            .fetch_all(&self.pool)
            .await?;
        let mut map = HashMap::with_capacity(rows.len());
        for row in &rows {
            map.insert(row.try_get::<String, _>("name")?, row.try_get("revision")?);
        }
        Revisions::from_map(&map)
    }

    /// The grids changed after grid revision `after` up to and including
    /// `upto`; `None` when the log of part of that range was pruned
    /// ([`Store::prune_grid_changes`]): the caller rebuilds in full.
    pub async fn grid_changes(
        &self,
        after: i64,
        upto: i64,
    ) -> Result<Option<GridChanges>, StoreError> {
        let rows = sqlx::query(
            "SELECT DISTINCT grid_id FROM grid_changes \
             WHERE revision > $1 AND revision <= $2 ORDER BY grid_id",
        )
        .bind(after)
        .bind(upto)
        .fetch_all(&self.pool)
        .await?;
        // Read after the log: a pruning that committed in between is seen
        // here, so the answer errs towards a full rebuild, never towards a
        // log with a hole.
        if after < self.grid_changes_pruned_through().await? {
            return Ok(None);
        }
        let ids = rows
            .iter()
            .map(|r| r.try_get("grid_id"))
            .collect::<Result<Vec<i64>, _>>()?;
        Ok(Some(GridChanges { ids }))
    }

    /// The grids revision up to which the change log was pruned (0: never).
    pub async fn grid_changes_pruned_through(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT through_revision FROM grid_changes_pruned WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(row) => row.try_get("through_revision")?,
            None => 0,
        })
    }

    /// Deletes the change log of all but the last `kept_revisions` grids
    /// revisions and raises the floor that [`Store::grid_changes`] checks.
    /// Returns how many log rows went. Any instance may call it at any
    /// time: a server further behind than that rebuilds in full.
    pub async fn prune_grid_changes(&self, kept_revisions: i64) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let current: i64 = sqlx::query("SELECT revision FROM revisions WHERE name = 'grids'")
            .fetch_one(&mut *tx)
            .await?
            .try_get("revision")?;
        let through = current.saturating_sub(kept_revisions.max(0));
        let floor: i64 =
            sqlx::query("SELECT through_revision FROM grid_changes_pruned WHERE id = 1")
                .fetch_one(&mut *tx)
                .await?
                .try_get("through_revision")?;
        if through <= floor {
            tx.rollback().await?;
            return Ok(0);
        }
        let deleted = sqlx::query("DELETE FROM grid_changes WHERE revision <= $1")
            .bind(through)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query("UPDATE grid_changes_pruned SET through_revision = $1 WHERE id = 1")
            .bind(through)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(deleted)
    }

    /// Watches the revisions: the receiver holds the latest read and
    /// changes when they move. A task on the current tokio runtime
    /// listens (`PostgreSQL`: `LISTEN wangge_revisions`, plus a poll every
    /// [`POSTGRES_POLL`], reconnecting after errors) or polls (`SQLite`,
    /// every [`SQLITE_POLL`]); it ends when every receiver is dropped.
    /// Read errors are logged and retried; the last good value stays.
    pub async fn watch_revisions(&self) -> Result<watch::Receiver<Revisions>, StoreError> {
        let first = self.revisions().await?;
        let (tx, rx) = watch::channel(first);
        let store = self.clone();
        match self.backend() {
            Backend::Sqlite => {
                tokio::spawn(async move { poll(&store, &tx, SQLITE_POLL).await });
            }
            Backend::Postgres => {
                tokio::spawn(async move { listen(&store, &tx).await });
            }
        }
        Ok(rx)
    }

    /// Reads the revisions and publishes them when they moved.
    async fn publish(&self, tx: &watch::Sender<Revisions>) {
        match self.revisions().await {
            Ok(now) => {
                tx.send_if_modified(|seen| {
                    let moved = *seen != now;
                    *seen = now;
                    moved
                });
            }
            Err(e) => tracing::warn!(error = %e, "reading the revisions failed; retrying"),
        }
    }
}

async fn poll(store: &Store, tx: &watch::Sender<Revisions>, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = tx.closed() => return,
            _ = tick.tick() => store.publish(tx).await,
        }
    }
}

/// `LISTEN` with a poll beside it; a broken listener connects again after
/// [`RECONNECT_AFTER`] while the poll goes on.
async fn listen(store: &Store, tx: &watch::Sender<Revisions>) {
    let mut tick = tokio::time::interval(POSTGRES_POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let mut listener = match connect_listener(store).await {
            Ok(listener) => Some(listener),
            Err(e) => {
                tracing::warn!(error = %e, "LISTEN wangge_revisions failed; polling, reconnecting");
                None
            }
        };
        // A notification sent while the listener was away: read once.
        store.publish(tx).await;
        let reconnect = tokio::time::sleep(RECONNECT_AFTER);
        tokio::pin!(reconnect);
        loop {
            tokio::select! {
                () = tx.closed() => return,
                _ = tick.tick() => store.publish(tx).await,
                notified = async {
                    match listener.as_mut() {
                        Some(l) => l.recv().await.map(|_| ()),
                        None => std::future::pending().await,
                    }
                } => match notified {
                    Ok(()) => store.publish(tx).await,
                    Err(e) => {
                        tracing::warn!(error = %e, "the revisions listener broke; reconnecting");
                        break;
                    }
                },
                () = &mut reconnect, if listener.is_none() => break,
            }
        }
        if listener.is_some() {
            tokio::time::sleep(RECONNECT_AFTER).await;
        }
    }
}

async fn connect_listener(store: &Store) -> Result<sqlx::postgres::PgListener, StoreError> {
    let url = store.postgres_url().ok_or_else(|| {
        StoreError::Database(sqlx::Error::Configuration(
            "no PostgreSQL URL to LISTEN on".into(),
        ))
    })?;
    let mut listener = sqlx::postgres::PgListener::connect(url).await?;
    listener.listen("wangge_revisions").await?;
    Ok(listener)
}
