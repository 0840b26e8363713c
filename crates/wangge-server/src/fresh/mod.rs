//! The one place that decides freshness. The database keeps revisions
//! ([`wangge_store::Revisions`], raised by triggers whoever writes); every
//! in-memory thing of the server is keyed by the revisions it was built
//! from and by nothing else:
//!
//! * the [`Snapshot`]: the revisions last read and the grid part (cell
//!   index and grid tile source), rebuilt by a background task when the
//!   store's watcher sees a revision move, then swapped in whole — readers
//!   keep the old one until then and never wait on a rebuild;
//! * [`Slot`]s, built on first use and from then on kept fresh by the same
//!   task: the geocoder, the value-tier thresholds, the customer dots and
//!   the coverage findings of the tiles; a reader that finds an outdated
//!   value keeps it while the task rebuilds;
//! * caches of many answers (tiles, coverage analyses, H3 maps) whose keys
//!   hold the revisions their answer was computed from.
//!
//! A handler that wrote calls [`AppState::refresh`]: it reads the
//! revisions now and returns once a snapshot (and every slot in use but
//! the coverage findings, rebuilt beside the rounds for they take seconds
//! at province scale) that includes them is in, so the instance that wrote
//! reads its own write.

mod grid;

use std::future::Future;
use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

use tokio::sync::{watch, Notify};
use wangge_store::{Revisions, Store};

pub use grid::{GridPart, GridRebuild};

use crate::{AppState, Inner};

/// What the server knows of the store at one moment.
pub struct Snapshot {
    /// The revisions read before the data of this snapshot: its data is at
    /// least this new.
    pub revisions: Revisions,
    pub(crate) grid: Arc<GridPart>,
    /// False before the first build.
    built: bool,
}

/// The end of a refresh round: the revisions it reached and what failed.
#[derive(Debug, Clone, Default)]
struct Settled {
    revisions: Option<Revisions>,
    error: Option<String>,
}

/// The snapshot, the rounds and the background task's lifeline.
pub(crate) struct Freshness {
    snapshot_tx: watch::Sender<Arc<Snapshot>>,
    settled_tx: watch::Sender<Settled>,
    nudge: Arc<Notify>,
    /// Dropped with the state: the background task then ends.
    _alive: watch::Sender<()>,
    alive_rx: watch::Receiver<()>,
    /// The last grid rebuild (for logs and tests).
    last_rebuild: RwLock<GridRebuild>,
}

impl Freshness {
    pub(crate) fn new() -> Freshness {
        let empty = Arc::new(Snapshot {
            revisions: Revisions::default(),
            grid: Arc::new(GridPart::empty()),
            built: false,
        });
        let (alive, alive_rx) = watch::channel(());
        Freshness {
            snapshot_tx: watch::channel(empty).0,
            settled_tx: watch::channel(Settled::default()).0,
            nudge: Arc::new(Notify::new()),
            _alive: alive,
            alive_rx,
            last_rebuild: RwLock::default(),
        }
    }
}

/// Starts the background task of a new state, on the current tokio
/// runtime. It holds the state weakly and ends when the state is dropped.
pub(crate) fn start(inner: &Arc<Inner>) {
    let weak = Arc::downgrade(inner);
    let nudge = inner.fresh.nudge.clone();
    let alive = inner.fresh.alive_rx.clone();
    let store = inner.store.clone();
    tokio::spawn(run(weak, store, nudge, alive));
}

async fn run(weak: Weak<Inner>, store: Store, nudge: Arc<Notify>, mut alive: watch::Receiver<()>) {
    let mut watcher: Option<watch::Receiver<Revisions>> = None;
    loop {
        if watcher.is_none() {
            match store.watch_revisions().await {
                Ok(rx) => watcher = Some(rx),
                Err(e) => tracing::warn!(error = %e, "watching the revisions failed; retrying"),
            }
        }
        {
            let Some(inner) = weak.upgrade() else { return };
            AppState { inner }.round().await;
        }
        tokio::select! {
            changed = alive.changed() => if changed.is_err() { return },
            () = nudge.notified() => {}
            changed = async {
                if let Some(w) = watcher.as_mut() {
                    w.changed().await
                } else {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    Ok(())
                }
            } => if changed.is_err() { watcher = None },
        }
    }
}

/// Something built from the store and kept in a [`Slot`]: what it depends
/// on and how it is built.
pub(crate) trait Part: Send + Sync + Sized + 'static {
    /// The revisions it depends on (unused places 0).
    fn key(r: &Revisions) -> [i64; 3];
    fn slot(state: &AppState) -> &Slot<Self>;
    fn build(state: &AppState) -> impl Future<Output = Result<Self, String>> + Send;
}

/// One value built on first use, keyed by the revisions it depends on,
/// rebuilt in the background when they move.
pub(crate) struct Slot<T> {
    value: RwLock<Option<([i64; 3], Arc<T>)>>,
    building: tokio::sync::Mutex<()>,
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Slot {
            value: RwLock::new(None),
            building: tokio::sync::Mutex::new(()),
        }
    }
}

impl<T> Slot<T> {
    fn current(&self) -> Option<([i64; 3], Arc<T>)> {
        self.value.read().ok().and_then(|v| v.clone())
    }

    fn set(&self, key: [i64; 3], value: Arc<T>) {
        if let Ok(mut slot) = self.value.write() {
            *slot = Some((key, value));
        }
    }

    /// True when the slot holds a value (so it is kept fresh).
    fn in_use(&self) -> bool {
        self.value.read().is_ok_and(|v| v.is_some())
    }
}

impl AppState {
    /// The current snapshot; waits only for the first build of a new state.
    pub async fn snapshot(&self) -> Arc<Snapshot> {
        let mut rx = self.inner.fresh.snapshot_tx.subscribe();
        let first = rx.wait_for(|s| s.built).await.map(|s| s.clone());
        // The sender lives as long as the state: no error in practice.
        first.unwrap_or_else(|_| self.inner.fresh.snapshot_tx.borrow().clone())
    }

    /// Reads the revisions now and returns once a snapshot that includes
    /// them is in (with every slot in use rebuilt but the coverage
    /// findings, which follow in the background): after a write, this
    /// instance answers with it. Errors name what could not be rebuilt
    /// (the old value is kept and used until a rebuild succeeds).
    pub async fn refresh(&self) -> Result<(), String> {
        let wanted = self.store().revisions().await.map_err(|e| e.to_string())?;
        self.inner.fresh.nudge.notify_one();
        let mut settled = self.inner.fresh.settled_tx.subscribe();
        let reached = settled
            .wait_for(|s| s.revisions.is_some_and(|r| r.covers(&wanted)))
            .await
            .map_err(|e| e.to_string())?;
        match &reached.error {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }

    /// The last grid rebuild: incremental or full, grids re-read, time.
    pub fn last_grid_rebuild(&self) -> GridRebuild {
        self.inner
            .fresh
            .last_rebuild
            .read()
            .map(|r| r.clone())
            .unwrap_or_default()
    }

    /// One round of the background task: read the revisions, rebuild what
    /// moved, swap the snapshot in, rebuild the slots in use, settle.
    async fn round(&self) {
        let now = match self.store().revisions().await {
            Ok(now) => now,
            Err(e) => {
                tracing::warn!(error = %e, "reading the revisions failed");
                return;
            }
        };
        let old = self.inner.fresh.snapshot_tx.borrow().clone();
        if old.built && old.revisions == now && !self.slots_outdated(&now) {
            self.settle(now, None);
            return;
        }
        let mut errors = Vec::new();
        let grid = if old.built && old.grid.key == grid::grid_key(&now) {
            old.grid.clone()
        } else {
            match GridPart::build(self.store(), &old.grid, &now).await {
                Ok((part, report)) => {
                    tracing::debug!(?report, "grid snapshot rebuilt");
                    if let Some(from) = old.grid.source.as_ref().map(|_| old.grid.key) {
                        self.tiles().carry_over(from, part.key, &report);
                    }
                    if let Ok(mut last) = self.inner.fresh.last_rebuild.write() {
                        *last = report;
                    }
                    Arc::new(part)
                }
                Err(e) => {
                    tracing::error!(error = %e, "rebuilding the grid snapshot failed; keeping the old one");
                    errors.push(format!("the grid snapshot: {e}"));
                    old.grid.clone()
                }
            }
        };
        let fresh = Arc::new(Snapshot {
            revisions: now,
            grid: grid.clone(),
            built: true,
        });
        self.inner.fresh.snapshot_tx.send_replace(fresh);
        if let Some(source) = grid.source.as_ref() {
            if !old.built || !Arc::ptr_eq(&old.grid, &grid) {
                crate::tiles::prewarm(self.clone(), grid.key, source.clone());
            }
        }
        for e in [
            self.keep_fresh::<wangge_geocode::Geocoder>().await,
            self.keep_fresh::<crate::claims::Thresholds>().await,
            self.keep_fresh::<crate::tiles::source::DotSource>().await,
        ]
        .into_iter()
        .flatten()
        {
            errors.push(e);
        }
        // The coverage analysis of the tiles takes seconds at province
        // scale: it is rebuilt beside the rounds, so neither a writer's
        // refresh nor the next revision waits for it (its tiles carry the
        // revision they were analysed at, so an older one is never
        // mistaken for the new).
        self.keep_fresh_in_background::<crate::tiles::findings::FindingSource>();
        self.settle(now, (!errors.is_empty()).then(|| errors.join("; ")));
    }

    /// Starts rebuilding a slot in use whose value is outdated, in its own
    /// task; a failure is logged, and the next use or round tries again.
    fn keep_fresh_in_background<T: Part>(&self) {
        let outdated = T::slot(self).current().is_some_and(|(key, _)| {
            key != T::key(&self.inner.fresh.snapshot_tx.borrow().revisions)
        });
        if outdated && T::slot(self).building.try_lock().is_ok() {
            let state = self.clone();
            tokio::spawn(async move {
                if let Err(e) = state.rebuild::<T>().await {
                    tracing::error!(error = %e, "rebuilding a cached part failed");
                }
            });
        }
    }

    fn slots_outdated(&self, now: &Revisions) -> bool {
        fn outdated<T: Part>(state: &AppState, now: &Revisions) -> bool {
            T::slot(state)
                .current()
                .is_some_and(|(key, _)| key != T::key(now))
        }
        // The coverage findings are rebuilt beside the rounds.
        outdated::<wangge_geocode::Geocoder>(self, now)
            || outdated::<crate::claims::Thresholds>(self, now)
            || outdated::<crate::tiles::source::DotSource>(self, now)
    }

    fn settle(&self, revisions: Revisions, error: Option<String>) {
        self.inner.fresh.settled_tx.send_replace(Settled {
            revisions: Some(revisions),
            error,
        });
    }

    /// Rebuilds a slot in use whose value is outdated; the error, if any.
    async fn keep_fresh<T: Part>(&self) -> Option<String> {
        if !T::slot(self).in_use() {
            return None;
        }
        self.rebuild::<T>().await.err()
    }

    /// The value of a part for the current snapshot: built now on first
    /// use; an outdated one is returned while it is rebuilt.
    pub(crate) async fn part<T: Part>(&self) -> Result<Arc<T>, String> {
        Ok(self.part_with_key::<T>().await?.1)
    }

    /// [`AppState::part`] with the revisions the value was built at.
    pub(crate) async fn part_with_key<T: Part>(&self) -> Result<([i64; 3], Arc<T>), String> {
        let want = T::key(&self.snapshot().await.revisions);
        match T::slot(self).current() {
            Some((key, value)) if key == want => Ok((key, value)),
            Some((key, value)) => {
                // Nobody is rebuilding it (e.g. it failed before): start.
                if T::slot(self).building.try_lock().is_ok() {
                    let state = self.clone();
                    tokio::spawn(async move {
                        if let Err(e) = state.rebuild::<T>().await {
                            tracing::error!(error = %e, "rebuilding a cached part failed");
                        }
                    });
                }
                Ok((key, value))
            }
            None => self.rebuild::<T>().await,
        }
    }

    /// Builds the part for the current snapshot unless it already is.
    async fn rebuild<T: Part>(&self) -> Result<([i64; 3], Arc<T>), String> {
        let slot = T::slot(self);
        let _building = slot.building.lock().await;
        let want = T::key(&self.snapshot().await.revisions);
        if let Some((key, value)) = slot.current() {
            if key == want {
                return Ok((key, value));
            }
        }
        let value = Arc::new(T::build(self).await?);
        slot.set(want, value.clone());
        Ok((want, value))
    }
}
