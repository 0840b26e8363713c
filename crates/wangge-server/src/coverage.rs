//! `GET /api/v1/coverage`: the coverage report (the same content as
//! `wangge coverage --format json`). The geometric analysis takes about a
//! second on the demo territory, so it is cached under the grid revision it
//! read (kept by the database's triggers); an answer uses an analysis at
//! least as new as the server's snapshot ([`crate::fresh`]), so a change
//! made by the CLI or another server shows once the snapshot moves.
//! Ownership and data gaps are read on every call.

use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use wangge_coverage::{
    analyze_snapshot, build_report, feature_collection, CoverageError, Kind, Report, ReportOptions,
    Snapshot,
};
use wangge_model::{GridCode, LevelNo};
use wangge_spatial::coverage::CoverageReport;
use wangge_store::Store;

use crate::params::{self, Params};
use crate::{ApiError, AppState};

/// Analyses kept at most (one per level and gap width asked for).
const CACHED_ANALYSES: usize = 8;

/// Geometric analyses by (grid revision, level, gap width).
#[derive(Default)]
pub struct CoverageCache {
    entries: Mutex<Vec<Cached>>,
    /// One analysis computed at a time (concurrent misses wait for it).
    computing: tokio::sync::Mutex<()>,
}

struct Cached {
    revision: i64,
    level: Option<LevelNo>,
    gap_width_bits: u64,
    snapshot: Arc<Snapshot>,
    geometry: Arc<CoverageReport>,
}

type Analysis = (Arc<Snapshot>, Arc<CoverageReport>);

impl CoverageCache {
    fn find(&self, revision: i64, options: &ReportOptions) -> Option<Analysis> {
        let gap_width_bits = options.gap_width_m.to_bits();
        let entries = self.entries.lock().ok()?;
        entries
            .iter()
            .filter(|c| {
                c.revision >= revision
                    && c.level == options.level
                    && c.gap_width_bits == gap_width_bits
            })
            .max_by_key(|c| c.revision)
            .map(|c| (c.snapshot.clone(), c.geometry.clone()))
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

    /// An analysis of grid revision `revision` or newer: cached, or
    /// computed now (off the async threads) and kept.
    async fn analysis_at(
        &self,
        store: &Store,
        revision: i64,
        options: &ReportOptions,
    ) -> Result<Analysis, CoverageError> {
        if let Some(hit) = self.find(revision, options) {
            return Ok(hit);
        }
        let _computing = self.computing.lock().await;
        if let Some(hit) = self.find(revision, options) {
            return Ok(hit);
        }
        let snapshot = Arc::new(Snapshot::load(store).await?);
        let for_analysis = (snapshot.clone(), options.clone());
        let geometry =
            tokio::task::spawn_blocking(move || analyze_snapshot(&for_analysis.0, &for_analysis.1))
                .await
                .map_err(|e| CoverageError::BadOption(format!("coverage analysis failed: {e}")))?;
        let geometry = Arc::new(geometry);
        if let Ok(mut entries) = self.entries.lock() {
            // Older revisions are dead; a bounded number of the rest.
            entries.retain(|c| c.revision >= snapshot.revision);
            if entries.len() >= CACHED_ANALYSES {
                entries.remove(0);
            }
            entries.push(Cached {
                revision: snapshot.revision,
                level: options.level,
                gap_width_bits: options.gap_width_m.to_bits(),
                snapshot: snapshot.clone(),
                geometry: geometry.clone(),
            });
        }
        Ok((snapshot, geometry))
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
    let (snapshot, geometry) = state
        .coverage_cache()
        .current(&state, &options)
        .await
        .map_err(api_error)?;
    let mut report = build_report(state.store(), &snapshot, &geometry, &options)
        .await
        .map_err(api_error)?;
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
        let collection = feature_collection(&report).map_err(api_error)?;
        return Ok((
            [(header::CONTENT_TYPE, "application/geo+json")],
            Json(collection),
        )
            .into_response());
    }
    Ok(Json(report).into_response())
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
            }
        }
    }
}
