//! The HTTP service of wangge: `router(AppState)` builds the whole service
//! without a socket, so tests call it directly; the CLI binds and serves it.

mod api_error;
mod assets;
pub mod auth;
mod claims;
pub mod config;
mod coverage;
pub mod fresh;
pub mod geocode;
mod geocode_jobs;
mod grid_edit;
mod grids;
mod h3;
mod limits;
mod messages;
pub mod ogc;
pub mod openapi;
mod params;
mod placement;
mod search;
mod security;
pub mod tiles;
mod users;

use std::sync::{Arc, RwLock};

use wangge_geocode::Geocoder;

use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use tower_http::trace::TraceLayer;
use wangge_spatial::index::CellIndex;
use wangge_store::Store;

pub use api_error::ApiError;
pub use coverage::CoverageStats;
pub use geocode_jobs::JobConfig;

/// What every handler shares: the store (the truth), auth state, and what
/// is kept in memory — each keyed by the database revisions it was built
/// from, kept fresh by one background task ([`fresh`]).
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    auth: auth::AuthState,
    /// The snapshot (revisions, cell index, grid tile source) and the task
    /// that rebuilds it when the revisions move.
    fresh: fresh::Freshness,
    /// Value-tier thresholds under the claim rules.
    thresholds: fresh::Slot<claims::Thresholds>,
    /// The geocoder with the standard address base.
    geocoder: fresh::Slot<Geocoder>,
    /// The cells' names the geocoder looks for in an address.
    named_cells: fresh::Slot<wangge_geocode::NamedPlaces>,
    /// Customer points of the customer tiles.
    dots: fresh::Slot<tiles::source::DotSource>,
    /// Coverage findings of the coverage tiles.
    findings: fresh::Slot<tiles::findings::FindingSource>,
    /// Vector tiles, keyed by the revisions of their source.
    tiles: tiles::TileCache,
    /// This instance's job worker and settings (the jobs are in the store).
    jobs: geocode_jobs::JobRunner,
    /// Coverage analyses per grid geometry, shared while in flight.
    coverage: coverage::CoverageCache,
    /// H3 heat maps per revisions, resolution and kind.
    h3: h3::HexCache,
    /// What the map page reads of the settings (`GET /api/v1/config`).
    client: RwLock<config::ClientConfig>,
}

impl AppState {
    /// A state on `store`. Call it inside a tokio runtime: it starts the
    /// task that keeps the snapshot fresh (it ends when the state is
    /// dropped); the first snapshot is built at once, and handlers wait
    /// for that first one only.
    pub fn new(store: Store) -> Self {
        Self::with_auth(
            store,
            auth::AuthConfig::default(),
            Arc::new(auth::SystemClock),
        )
    }

    /// With authentication settings and a clock (tests inject a
    /// [`auth::ManualClock`]).
    pub fn with_auth(store: Store, config: auth::AuthConfig, clock: Arc<dyn auth::Clock>) -> Self {
        let inner = Arc::new(Inner {
            store,
            auth: auth::AuthState::new(config, clock),
            fresh: fresh::Freshness::new(),
            thresholds: fresh::Slot::default(),
            geocoder: fresh::Slot::default(),
            named_cells: fresh::Slot::default(),
            dots: fresh::Slot::default(),
            findings: fresh::Slot::default(),
            tiles: tiles::TileCache::default(),
            jobs: geocode_jobs::JobRunner::default(),
            coverage: coverage::CoverageCache::default(),
            h3: h3::HexCache::default(),
            client: RwLock::default(),
        });
        fresh::start(&inner);
        AppState { inner }
    }

    /// With the settings the map page reads (the base map).
    #[must_use]
    pub fn with_client_config(self, config: config::ClientConfig) -> Self {
        if let Ok(mut guard) = self.inner.client.write() {
            *guard = config;
        }
        self
    }

    pub(crate) fn client_config(&self) -> config::ClientConfig {
        self.inner
            .client
            .read()
            .map(|c| c.clone())
            .unwrap_or_default()
    }

    pub(crate) fn auth(&self) -> &auth::AuthState {
        &self.inner.auth
    }

    pub(crate) fn jobs(&self) -> &geocode_jobs::JobRunner {
        &self.inner.jobs
    }

    pub fn tiles(&self) -> &tiles::TileCache {
        &self.inner.tiles
    }

    pub(crate) fn coverage_cache(&self) -> &coverage::CoverageCache {
        &self.inner.coverage
    }

    /// What the coverage analysis did so far: analyses started, finished,
    /// cancelled and reused, snapshots read.
    pub fn coverage_stats(&self) -> CoverageStats {
        self.inner.coverage.stats()
    }

    pub(crate) fn h3_cache(&self) -> &h3::HexCache {
        &self.inner.h3
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The cell index of the current snapshot, if the store has a grid.
    pub async fn index(&self) -> Option<Arc<CellIndex>> {
        self.snapshot().await.grid.index.clone()
    }
}

/// A refresh that failed, as a 500 (the details go to the log).
pub(crate) fn refresh_error(e: impl std::fmt::Display) -> ApiError {
    ApiError::internal(&format!("refreshing the snapshot failed: {e}"))
}

/// The whole service: API under `/api/v1`, `/healthz`, and the map at `/`.
pub fn router(state: AppState) -> Router {
    let [csp, no_sniff, no_frames] = security::layers(&state.client_config());
    let api = Router::new()
        .route("/grids", get(grids::list_grids))
        .route(
            "/grids/{code}",
            get(grids::grid_detail).patch(grid_edit::edit_attributes),
        )
        // Whole territories' GeoJSON: up to 256 MiB.
        .route(
            "/grids/import",
            limits::limited(post(grid_edit::import), 256 << 20),
        )
        .route("/cells/merge", post(grid_edit::merge_cells))
        .route("/cells/{code}/split", post(grid_edit::split))
        .route("/coverage/fixes", post(grid_edit::apply_fixes))
        .route("/cells", get(grids::list_cells))
        .route("/cells/{code}", get(grids::grid_detail))
        .route("/cell-types", get(grids::cell_types))
        .route("/stats", get(grids::stats))
        .route("/outlets", get(grids::outlets))
        .route("/locate", get(placement::locate))
        .route("/geocode", post(geocode::geocode_one))
        .route("/reverse", get(geocode::reverse))
        // Streamed uploads; the handler bounds a row and the file (413).
        .route("/geocode/jobs", post(geocode_jobs::submit))
        .route("/geocode/jobs/{id}", get(geocode_jobs::status))
        .route("/geocode/jobs/{id}/cancel", post(geocode_jobs::cancel))
        .route("/geocode/jobs/{id}/result", get(geocode_jobs::result))
        .route("/geocode/jobs/{id}/failures", get(geocode_jobs::failures))
        .route("/config", get(config::config))
        .route("/assignment", get(placement::assignment))
        .route("/cells/{code}/customers", get(placement::cell_customers))
        .route("/cells/{code}/resources", get(placement::cell_resources))
        .route("/unplaced", get(placement::unplaced))
        .route("/h3", get(h3::hexagons))
        .route("/customers/search", get(placement::search_customers))
        .route("/search", get(search::search))
        .route("/coverage", get(coverage::coverage))
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/me", get(auth::me))
        .route("/cells/{code}/claimable", get(claims::claimable))
        .route("/cells/{code}/claim", post(claims::claim))
        .route("/cells/{code}/release", post(claims::release))
        .route("/cells/{code}/transfer", post(claims::transfer))
        .route("/cells/{code}/approve", post(claims::approve))
        .route("/cells/{code}/reject", post(claims::reject))
        .route("/cells/{code}/lock", post(claims::lock))
        .route("/cells/{code}/unlock", post(claims::unlock))
        .route("/cells/{code}/history", get(claims::history))
        .route("/claims", get(claims::list))
        .route("/claims/batch", post(claims::batch))
        .route("/claim-rules", get(claims::rules).put(claims::set_rules))
        .route("/managers/{id}/portfolio", get(claims::portfolio))
        .route("/users", get(users::list).post(users::add))
        .route("/users/{name}/disable", post(users::disable))
        .route("/users/{name}/enable", post(users::enable))
        .route("/users/{name}/password", post(users::password))
        .fallback(api_not_found);
    Router::new()
        .route("/healthz", get(healthz))
        .route("/ogc", get(ogc::landing))
        .route("/ogc/api", get(ogc::api))
        .route("/ogc/conformance", get(ogc::conformance))
        .route("/ogc/collections", get(ogc::collections))
        .route("/ogc/collections/{collection_id}", get(ogc::collection))
        .route(
            "/ogc/collections/{collection_id}/queryables",
            get(ogc::queryables),
        )
        .route("/ogc/collections/{collection_id}/items", get(ogc::items))
        .route(
            "/ogc/collections/{collection_id}/items/{feature_id}",
            get(ogc::item),
        )
        .route("/api/openapi.json", get(openapi::spec))
        .route("/tiles/customers/{z}/{x}/{y}", get(tiles::customer_tile))
        .route("/tiles/coverage/{z}/{x}/{y}", get(tiles::coverage_tile))
        .route("/tiles/{layer}/{z}/{x}/{y}", get(tiles::tile))
        .nest("/api/v1", api)
        // Every route's access rule (openapi::ROUTES), before its handler.
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::authorize,
        ))
        .fallback(assets::serve_asset)
        // Error answers in the client's language (Accept-Language, zh
        // by default), whichever layer refused.
        .layer(axum::middleware::from_fn(api_error::localize))
        .layer(csp)
        .layer(no_sniff)
        .layer(no_frames)
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn healthz(
    state: axum::extract::State<AppState>,
) -> Result<Json<serde_json::Value>, ApiError> {
    // Touches the database, so a broken connection shows here, not later.
    let empty = state.store().is_empty().await?;
    Ok(Json(
        json!({ "status": "ok", "database": "ok", "grids": !empty }),
    ))
}

async fn api_not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!("no API route {}", uri.path()))
}
