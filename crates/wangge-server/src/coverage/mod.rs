//! `GET /api/v1/coverage`: the coverage report (the same content as
//! `wangge coverage --format json`). Anyone may ask, so what a request can
//! make the server do is bounded (issue 12):
//!
//! * the expensive geometric part (overlays, gaps, overlaps, edges) is
//!   cached per grid geometry and level — not per grid revision: a newer
//!   revision whose grids have the same codes, levels, parents and
//!   coordinates ([`Snapshot::same_geometry`]: a rename, a type change)
//!   reuses it; nor per gap width, which only decides which gaps are
//!   slivers and is applied to the cached analysis afterwards
//!   ([`CoverageGeometry::report`]), so every width is allowed and costs
//!   no new analysis;
//! * identical analyses in flight are one ([`flights`]): the eighth caller
//!   waits for the first one's; an analysis nobody waits for any more (the
//!   clients went away) is cancelled between pieces;
//! * analyses run off the async threads, [`ANALYSES_AT_ONCE`] at a time,
//!   and whole answers (SQL for ownership and data gaps, JSON) at most
//!   [`ANSWERS_AT_ONCE`] at a time, so `/healthz` and the rest stay quick.
//!
//! Freshness stays the rule of [`crate::fresh`]: an answer uses a snapshot
//! of the grids at least as new as the server's snapshot; the analysis is
//! that snapshot's or one proven equal to it. Ownership and data gaps are
//! read on every call.

mod flights;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;
use wangge_coverage::{
    analyze_snapshot_geometry, build_report, feature_collection, geometry_report, CoverageError,
    Kind, Report, ReportOptions, Snapshot,
};
use wangge_model::{GridCode, LevelNo};
use wangge_spatial::coverage::{CoverageGeometry, CoverageReport};
use wangge_store::Store;

use crate::params::{self, Params};
use crate::{ApiError, AppState};
use flights::Flights;

/// Geometric analyses running at once, each on a blocking thread (about a
/// core-second on the demo): the other core stays with the server.
pub const ANALYSES_AT_ONCE: usize = 1;

/// Coverage answers assembled at once (their SQL and JSON); more wait.
pub const ANSWERS_AT_ONCE: usize = 2;

/// Analyses kept (a level, or every level, of the current geometry and a
/// few others).
const CACHED_GEOMETRIES: usize = 8;

/// What the coverage analysis did since the server started, for tests
/// and logs ([`AppState::coverage_stats`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CoverageStats {
    /// Geometric analyses begun on a blocking thread.
    pub analyses_started: u64,
    /// Of those, finished and cached.
    pub analyses_finished: u64,
    /// Of those, stopped midway because nobody waited for them any more.
    pub analyses_cancelled: u64,
    /// Snapshots of the grids read from the store (one per grid revision
    /// asked for at most).
    pub snapshots_loaded: u64,
    /// Times a newer grid revision reused the analysis of an older one
    /// with the same geometry.
    pub analyses_reused: u64,
}

#[derive(Default)]
struct Counters {
    started: AtomicU64,
    finished: AtomicU64,
    cancelled: AtomicU64,
    loaded: AtomicU64,
    reused: AtomicU64,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every change under these locks is a whole push or replace.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

struct CachedGeometry {
    /// `None`: every level.
    level: Option<LevelNo>,
    /// The newest snapshot known to have this geometry.
    snapshot: Arc<Snapshot>,
    geometry: Geometry,
}

/// An analysis and the grid revision it was computed at.
type Geometry = (Arc<CoverageGeometry>, i64);

/// What the analyses share with the tasks that compute them.
struct Shared {
    geometries: Mutex<Vec<CachedGeometry>>,
    cpu: Arc<Semaphore>,
    counters: Counters,
}

impl Shared {
    /// A cached analysis of `snapshot`'s geometry covering `level`.
    fn find(&self, snapshot: &Arc<Snapshot>, level: Option<LevelNo>) -> Option<Geometry> {
        let mut entries = lock(&self.geometries);
        let entry = entries.iter_mut().find(|e| {
            (e.level == level || e.level.is_none())
                && (Arc::ptr_eq(&e.snapshot, snapshot) || e.snapshot.same_geometry(snapshot))
        })?;
        if !Arc::ptr_eq(&entry.snapshot, snapshot) && entry.snapshot.revision < snapshot.revision {
            // Proven equal once: later lookups of this snapshot are a
            // pointer comparison.
            entry.snapshot = snapshot.clone();
            bump(&self.counters.reused);
        }
        Some(entry.geometry.clone())
    }

    fn keep(&self, snapshot: Arc<Snapshot>, level: Option<LevelNo>, geometry: Geometry) {
        let mut entries = lock(&self.geometries);
        // Another geometry at an older revision is dead.
        entries.retain(|e| {
            e.snapshot.geometry_key() == snapshot.geometry_key()
                || e.snapshot.revision > snapshot.revision
        });
        if entries.len() >= CACHED_GEOMETRIES {
            entries.remove(0);
        }
        entries.push(CachedGeometry {
            level,
            snapshot,
            geometry,
        });
    }
}

/// The snapshots and geometric analyses of the coverage report.
pub struct CoverageCache {
    /// The newest snapshot of the grids read.
    latest: Mutex<Option<Arc<Snapshot>>>,
    /// One snapshot read at a time (concurrent callers wait and share it).
    loading: tokio::sync::Mutex<()>,
    shared: Arc<Shared>,
    /// Analyses in flight by (geometry key, level).
    analyses: Flights<(u64, Option<LevelNo>), Geometry>,
    answers: Semaphore,
    /// The whole report's features for the OGC API, with their ids, and
    /// the store revisions (every table) they were built at: paging
    /// through them reads one page, not the report again.
    findings: tokio::sync::Mutex<Option<(wangge_store::Revisions, Arc<Vec<serde_json::Value>>)>>,
}

impl Default for CoverageCache {
    fn default() -> Self {
        CoverageCache {
            latest: Mutex::new(None),
            loading: tokio::sync::Mutex::new(()),
            shared: Arc::new(Shared {
                geometries: Mutex::new(Vec::new()),
                cpu: Arc::new(Semaphore::new(ANALYSES_AT_ONCE)),
                counters: Counters::default(),
            }),
            analyses: Flights::default(),
            answers: Semaphore::new(ANSWERS_AT_ONCE),
            findings: tokio::sync::Mutex::new(None),
        }
    }
}

type Analysis = (Arc<Snapshot>, Arc<CoverageReport>);

impl CoverageCache {
    pub fn stats(&self) -> CoverageStats {
        let c = &self.shared.counters;
        let read = |n: &AtomicU64| n.load(Ordering::Relaxed);
        CoverageStats {
            analyses_started: read(&c.started),
            analyses_finished: read(&c.finished),
            analyses_cancelled: read(&c.cancelled),
            snapshots_loaded: read(&c.loaded),
            analyses_reused: read(&c.reused),
        }
    }

    /// The analysis of the grid as the store holds it now (one read of the
    /// grid revision): what a coverage fix checks its preview against.
    pub async fn analysis(
        &self,
        store: &Store,
        options: &ReportOptions,
    ) -> Result<Analysis, CoverageError> {
        let revision = store.grid_revision().await?;
        self.analysis_at(store, revision, options).await
    }

    /// The analysis of the grid at least as new as the server's snapshot.
    pub async fn current(
        &self,
        state: &AppState,
        options: &ReportOptions,
    ) -> Result<Analysis, CoverageError> {
        let revision = state.snapshot().await.revisions.grids;
        self.analysis_at(state.store(), revision, options).await
    }

    /// The report of `options` on a snapshot of grid revision `revision`
    /// or newer, from a cached or shared geometric analysis.
    async fn analysis_at(
        &self,
        store: &Store,
        revision: i64,
        options: &ReportOptions,
    ) -> Result<Analysis, CoverageError> {
        options.check()?;
        let snapshot = self.snapshot_at(store, revision).await?;
        let (geometry, _) = self.geometry(&snapshot, options.level).await?;
        let report = Arc::new(geometry_report(&geometry, options));
        Ok((snapshot, report))
    }

    /// For the coverage tiles: the report with the default options of the
    /// grid at least as new as the server's snapshot, and the grid revision
    /// its analysis was computed at — the same for every later revision
    /// with the same geometry, so tiles cut from it stay cached.
    pub async fn current_findings(
        &self,
        state: &AppState,
    ) -> Result<(i64, Arc<CoverageReport>), CoverageError> {
        let options = ReportOptions::default();
        let revision = state.snapshot().await.revisions.grids;
        let snapshot = self.snapshot_at(state.store(), revision).await?;
        let (geometry, computed_at) = self.geometry(&snapshot, options.level).await?;
        Ok((computed_at, Arc::new(geometry_report(&geometry, &options))))
    }

    fn latest_at(&self, revision: i64) -> Option<Arc<Snapshot>> {
        lock(&self.latest)
            .as_ref()
            .filter(|s| s.revision >= revision)
            .cloned()
    }

    /// The newest snapshot read if it is at least `revision`, else a new
    /// one (read once for everyone waiting).
    async fn snapshot_at(
        &self,
        store: &Store,
        revision: i64,
    ) -> Result<Arc<Snapshot>, CoverageError> {
        if let Some(snapshot) = self.latest_at(revision) {
            return Ok(snapshot);
        }
        let _loading = self.loading.lock().await;
        if let Some(snapshot) = self.latest_at(revision) {
            return Ok(snapshot);
        }
        let snapshot = Arc::new(Snapshot::load(store).await?);
        bump(&self.shared.counters.loaded);
        let mut latest = lock(&self.latest);
        if latest
            .as_ref()
            .is_none_or(|l| l.revision <= snapshot.revision)
        {
            *latest = Some(snapshot.clone());
        }
        Ok(snapshot)
    }

    /// The geometric analysis of `snapshot` for `level`: cached, joined
    /// while another caller's runs, or run now (cancelled if every caller
    /// leaves before it ends).
    async fn geometry(
        &self,
        snapshot: &Arc<Snapshot>,
        level: Option<LevelNo>,
    ) -> Result<Geometry, CoverageError> {
        if let Some(hit) = self.shared.find(snapshot, level) {
            return Ok(hit);
        }
        let shared = self.shared.clone();
        let snapshot = snapshot.clone();
        let key = (snapshot.geometry_key(), level);
        self.analyses
            .run(key, move |cancel| async move {
                // It may have finished between the look above and now.
                if let Some(hit) = shared.find(&snapshot, level) {
                    return Ok(hit);
                }
                let permit = shared
                    .cpu
                    .clone()
                    .acquire_owned()
                    .await
                    .map_err(|e| e.to_string())?;
                if cancel.load(Ordering::SeqCst) {
                    return Err("cancelled before it started".to_owned());
                }
                bump(&shared.counters.started);
                let input = snapshot.clone();
                let done = tokio::task::spawn_blocking(move || {
                    let _permit = permit;
                    analyze_snapshot_geometry(&input, level, &cancel)
                })
                .await
                .map_err(|e| e.to_string())?;
                let Some(geometry) = done else {
                    bump(&shared.counters.cancelled);
                    return Err("cancelled: nobody waited for it any more".to_owned());
                };
                bump(&shared.counters.finished);
                let geometry = (Arc::new(geometry), snapshot.revision);
                shared.keep(snapshot, level, geometry.clone());
                Ok(geometry)
            })
            .await
            .map_err(CoverageError::Analysis)
    }
}

/// Most items a page of each list holds.
const MAX_PAGE: i64 = 10_000;

/// Keeps items `offset..offset + limit` of every list of the report (the
/// summary still counts them all), so a map can list the first findings
/// without downloading every geometry.
fn page(report: &mut Report, offset: usize, limit: usize) {
    fn cut<T>(items: &mut Vec<T>, offset: usize, limit: usize) {
        items.drain(..offset.min(items.len()));
        items.truncate(limit);
    }
    cut(&mut report.gaps, offset, limit);
    cut(&mut report.overlaps, offset, limit);
    cut(&mut report.outside_parent, offset, limit);
    cut(&mut report.edge_mismatches, offset, limit);
    cut(&mut report.invalid, offset, limit);
    cut(&mut report.fixes, offset, limit);
    let owned = &mut report.ownership;
    cut(&mut owned.unclaimed_cells, offset, limit);
    cut(&mut owned.level3_without_manager, offset, limit);
    cut(&mut owned.grids_without_outlet, offset, limit);
    cut(&mut owned.outlets_supporting_nothing, offset, limit);
    cut(&mut owned.overlapping_claims, offset, limit);
    let data = &mut report.data;
    cut(&mut data.unplaced_by_grid, offset, limit);
    cut(&mut data.network_blind_spots, offset, limit);
    cut(&mut data.ports_over_90pct, offset, limit);
}

/// `GET /api/v1/coverage?level=&parent=&kind=&gap_width_m=&slivers=&offset=&limit=&format=json|geojson`
pub async fn coverage(
    State(state): State<AppState>,
    Query(q): Query<Params>,
) -> Result<Response, ApiError> {
    let kinds = match q.get("kind") {
        Some(text) => Kind::parse_list(text)
            .map_err(|e| ApiError::bad_request(format!("parameter kind: {e}")))?,
        None => Vec::new(),
    };
    let options = ReportOptions {
        level: params::optional::<LevelNo>(&q, "level")?,
        gap_width_m: params::optional::<f64>(&q, "gap_width_m")?
            .unwrap_or(ReportOptions::default().gap_width_m),
        parent: params::optional::<GridCode>(&q, "parent")?,
        kinds,
    };
    options
        .check()
        .map_err(|e| ApiError::bad_request(format!("parameter gap_width_m: {e}")))?;
    let slivers = match q.get("slivers").map(|v| v.trim()) {
        None | Some("" | "true") => true,
        Some("false") => false,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "parameter slivers={other:?}: expected true or false"
            )))
        }
    };
    let limit = params::limit(&q, MAX_PAGE)?;
    let offset = match params::optional::<i64>(&q, "offset")? {
        Some(n) if n < 0 => {
            return Err(ApiError::bad_request(format!(
                "parameter offset={n}: must not be negative"
            )))
        }
        other => other.unwrap_or(0),
    };
    let geojson = match q.get("format").map(|f| f.trim()) {
        None | Some("" | "json") => false,
        Some("geojson") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "parameter format={other:?}: expected json or geojson"
            )))
        }
    };
    if state.store().is_empty().await? {
        return Err(ApiError::not_found("the database holds no grid yet"));
    }
    let (mut report, _turn) = current_report(&state, &options).await?;
    let body = tokio::task::spawn_blocking(move || {
        if !slivers {
            report.gaps.retain(|g| !g.sliver);
        }
        if limit.is_some() || offset > 0 {
            let limit = limit.map_or(usize::MAX, |n| n as usize);
            page(
                &mut report,
                usize::try_from(offset).unwrap_or(usize::MAX),
                limit,
            );
        }
        if geojson {
            let collection = feature_collection(&report)?;
            Ok(("application/geo+json", serde_json::to_vec(&collection)?))
        } else {
            Ok(("application/json", serde_json::to_vec(&report)?))
        }
    })
    .await
    .map_err(|e| api_error(CoverageError::Analysis(e.to_string())))?
    .map_err(api_error)?;
    let (content_type, bytes) = body;
    Ok(([(header::CONTENT_TYPE, content_type)], bytes).into_response())
}

/// The report for `options` from the analysis cached for the current grid
/// revision, the ownership and data read now. An answer's own work (SQL,
/// JSON of up to megabytes) waits its turn: the permit comes with the
/// report, to hold while it is written.
async fn current_report<'a>(
    state: &'a AppState,
    options: &ReportOptions,
) -> Result<(Report, tokio::sync::SemaphorePermit<'a>), ApiError> {
    let cache = state.coverage_cache();
    let (snapshot, geometry) = cache.current(state, options).await.map_err(api_error)?;
    let turn = cache
        .answers
        .acquire()
        .await
        .map_err(|e| api_error(CoverageError::Analysis(e.to_string())))?;
    let report = build_report(state.store(), &snapshot, &geometry, options)
        .await
        .map_err(api_error)?;
    Ok((report, turn))
}

/// The whole report's features (every level, every kind), each with an
/// id of its kind and number (`gap-3`): the OGC API's `coverage_findings`
/// collection. Kept while the store's revisions (of every table: the
/// ownership and data parts read claims, users, customers …) stay where
/// they were, so a client paging through them reads the report once.
pub(crate) async fn findings_features(
    state: &AppState,
) -> Result<Arc<Vec<serde_json::Value>>, ApiError> {
    let cache = state.coverage_cache();
    // One builder at a time: a client paging in parallel waits for the first.
    let mut kept = cache.findings.lock().await;
    // The analysis runs on the server's snapshot of the grids, which may
    // trail the store's grid revision by a poll: the key says so, and the
    // features are rebuilt once the snapshot catches up. Read before the
    // build, so a write during it makes the next request rebuild.
    let mut revisions = state.store().revisions().await?;
    revisions.grids = revisions.grids.min(state.snapshot().await.revisions.grids);
    if let Some((at, features)) = kept.as_ref() {
        if *at == revisions {
            return Ok(features.clone());
        }
    }
    let features = if state.store().is_empty().await? {
        Vec::new()
    } else {
        let (report, _turn) = current_report(state, &ReportOptions::default()).await?;
        let mut collection = feature_collection(&report).map_err(api_error)?;
        let mut counters: std::collections::HashMap<String, usize> =
            std::collections::HashMap::new();
        let mut features = match collection.get_mut("features").map(serde_json::Value::take) {
            Some(serde_json::Value::Array(features)) => features,
            _ => Vec::new(),
        };
        for f in &mut features {
            let kind = f["properties"]["kind"]
                .as_str()
                .unwrap_or("finding")
                .to_owned();
            let n = counters.entry(kind.clone()).or_default();
            *n += 1;
            f["id"] = serde_json::json!(format!("{kind}-{n}"));
        }
        features
    };
    let features = Arc::new(features);
    *kept = Some((revisions, features.clone()));
    Ok(features)
}

pub(crate) fn api_error(e: CoverageError) -> ApiError {
    match e {
        CoverageError::Store(e) => e.into(),
        CoverageError::BadOption(message) if message.starts_with("unknown report kind") => {
            ApiError::bad_request(message)
        }
        other => {
            tracing::error!(error = %other, "coverage report failed");
            ApiError {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                error: "internal",
                message: "internal error; the server log has the details".to_owned(),
                ..Default::default()
            }
        }
    }
}
