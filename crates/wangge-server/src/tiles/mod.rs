//! Vector tiles: `GET /tiles/{layer}/{z}/{x}/{y}.mvt` for `grids` (levels
//! 1-3, with a `level` property), `cells` (network cells with type and
//! category) and `customers` (clustered below zoom 14), cut from the grid
//! snapshot ([`AppState::index`]) and cached per snapshot, with a content
//! ETag so an unchanged tile answers `304`; and `coverage` (the findings
//! of the coverage analysis: see [`findings`]), cut from the analysis
//! cached per grid revision and cached under that revision, so a change
//! to the grids (by this server, the CLI or another server) is seen on
//! the next tile.
//!
//! Claim status is not in the tiles: it changes with every click, so the
//! map paints it from `/api/v1/claims` by feature state, and the tiles of a
//! snapshot never go stale.

mod cache;
pub mod clip;
pub mod findings;
pub mod mvt;
pub mod source;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

pub use cache::TileCache;
pub use clip::Frame;
use findings::FindingSource;
use source::{DotSource, GridSource};

use crate::{ApiError, AppState};

/// Deepest zoom served (a cell is many screens wide long before this).
pub const MAX_ZOOM: u8 = 20;
/// Customers are re-read from the store at most this often (placements
/// change without the grid snapshot changing).
const CUSTOMERS_MAX_AGE: Duration = Duration::from_secs(30);

/// The layers, by URL name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layer {
    Grids,
    Cells,
    Customers,
    Coverage,
}

impl Layer {
    pub fn parse(name: &str) -> Option<Layer> {
        match name {
            "grids" => Some(Layer::Grids),
            "cells" => Some(Layer::Cells),
            "customers" => Some(Layer::Customers),
            "coverage" => Some(Layer::Coverage),
            _ => None,
        }
    }
}

/// What tiles are cut from; a layer whose source is missing is empty.
#[derive(Clone, Copy, Default)]
pub struct Sources<'a> {
    pub grids: Option<&'a GridSource>,
    pub dots: Option<&'a DotSource>,
    pub findings: Option<&'a FindingSource>,
}

/// One encoded tile and its ETag.
pub struct Encoded {
    pub body: Vec<u8>,
    pub etag: String,
}

impl Encoded {
    fn new(body: Vec<u8>) -> Encoded {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(&body);
        let hex = digest[..12].iter().fold(String::new(), |mut out, b| {
            use std::fmt::Write;
            let _ = write!(out, "{b:02x}");
            out
        });
        Encoded {
            body,
            etag: format!("\"{hex}\""),
        }
    }
}

/// Cuts one tile from the sources (no cache).
pub fn render(sources: Sources<'_>, layer: Layer, frame: &Frame) -> Vec<u8> {
    let mut tile = Vec::new();
    match (layer, sources) {
        (Layer::Grids, Sources { grids: Some(g), .. }) => g.write("grids", frame, &mut tile),
        (Layer::Cells, Sources { grids: Some(g), .. }) => g.write("cells", frame, &mut tile),
        (Layer::Customers, Sources { dots: Some(d), .. }) => d.write(frame, &mut tile),
        (
            Layer::Coverage,
            Sources {
                findings: Some(f), ..
            },
        ) => f.write(frame, &mut tile),
        _ => {}
    }
    tile
}

/// Parses `z/x/y.mvt`, naming the faulty part.
pub fn parse_address(z: &str, x: &str, y: &str) -> Result<Frame, ApiError> {
    let z: u8 = z
        .parse()
        .ok()
        .filter(|z| *z <= MAX_ZOOM)
        .ok_or_else(|| ApiError::bad_request(format!("z: {z:?} is not a zoom 0-{MAX_ZOOM}")))?;
    let n = 1u32 << z;
    let x: u32 = x.parse().ok().filter(|x| *x < n).ok_or_else(|| {
        ApiError::bad_request(format!("x: {x:?} is not a column 0-{} at zoom {z}", n - 1))
    })?;
    let y_num = y
        .strip_suffix(".mvt")
        .ok_or_else(|| ApiError::bad_request(format!("y: {y:?} must end in .mvt")))?;
    let y: u32 = y_num.parse().ok().filter(|y| *y < n).ok_or_else(|| {
        ApiError::bad_request(format!("y: {y_num:?} is not a row 0-{} at zoom {z}", n - 1))
    })?;
    Ok(Frame::new(z, x, y))
}

fn unavailable(message: String) -> ApiError {
    ApiError {
        status: StatusCode::SERVICE_UNAVAILABLE,
        error: "unavailable",
        message,
    }
}

/// The grid source for the current snapshot, built on first use after the
/// snapshot changed (one builder at a time; the others wait for it).
async fn grid_source(state: &AppState) -> Result<Arc<GridSource>, ApiError> {
    let Some(index) = state.index() else {
        return Err(ApiError::not_found(
            "no grid loaded yet: import or seed a territory",
        ));
    };
    let cache = state.tiles();
    let mut slot = cache.grids.lock().await;
    if let Some(current) = slot.as_ref() {
        if Arc::ptr_eq(&current.index, &index) {
            return Ok(current.clone());
        }
    }
    let built = Arc::new(
        GridSource::load(state.store(), index)
            .await
            .map_err(|e| unavailable(format!("tiles: reading the grid failed: {e}")))?,
    );
    cache.new_generation();
    *slot = Some(built.clone());
    prewarm(state.clone(), built.clone());
    Ok(built)
}

/// Deepest zoom cut ahead: shallower tiles hold thousands of cells each and
/// take tens of milliseconds, deeper ones a few at most.
pub const PREWARM_MAX_ZOOM: u8 = 8;

/// Cuts the grid and cell tiles of zooms 0-[`PREWARM_MAX_ZOOM`] over the
/// territory in the background, so they are cache hits when asked for.
fn prewarm(state: AppState, grids: Arc<GridSource>) {
    let generation = state.tiles().grid_generation();
    tokio::task::spawn_blocking(move || {
        let [x0, y0, x1, y1] = grids.world_extent();
        if x0 > x1 {
            return;
        }
        for z in 0..=PREWARM_MAX_ZOOM {
            let n = f64::from(1u32 << z);
            let last = (1u32 << z) - 1;
            let (tx0, tx1) = ((x0 * n) as u32, ((x1 * n) as u32).min(last));
            let (ty0, ty1) = ((y0 * n) as u32, ((y1 * n) as u32).min(last));
            for x in tx0..=tx1 {
                for y in ty0..=ty1 {
                    for layer in [Layer::Grids, Layer::Cells] {
                        let frame = Frame::new(z, x, y);
                        let key = TileCache::grid_key_at(generation, layer, &frame);
                        if state.tiles().get(&key).is_none() {
                            let sources = Sources {
                                grids: Some(&grids),
                                ..Sources::default()
                            };
                            let tile = Encoded::new(render(sources, layer, &frame));
                            state.tiles().put(key, Arc::new(tile));
                        }
                    }
                }
            }
        }
    });
}

async fn dot_source(state: &AppState) -> Result<Arc<DotSource>, ApiError> {
    let cache = state.tiles();
    let mut slot = cache.dots.lock().await;
    if let Some((at, dots)) = slot.as_ref() {
        if at.elapsed() < CUSTOMERS_MAX_AGE {
            return Ok(dots.clone());
        }
    }
    let dots = Arc::new(
        DotSource::load(state.store())
            .await
            .map_err(|e| unavailable(format!("tiles: reading customers failed: {e}")))?,
    );
    cache.new_customer_generation();
    *slot = Some((Instant::now(), dots.clone()));
    Ok(dots)
}

/// The findings of the current grid revision, rebuilt from the coverage
/// analysis (cached per revision by [`crate::coverage::CoverageCache`])
/// when the revision changed; one builder at a time.
async fn finding_source(state: &AppState) -> Result<Arc<FindingSource>, ApiError> {
    let revision = state.store().grid_revision().await?;
    let cache = state.tiles();
    let mut slot = cache.findings.lock().await;
    if let Some(current) = slot.as_ref() {
        if current.revision == revision {
            return Ok(current.clone());
        }
    }
    if state.store().is_empty().await? {
        return Err(ApiError::not_found("the database holds no grid yet"));
    }
    let (snapshot, geometry) = state
        .coverage_cache()
        .analysis(state.store(), &wangge_coverage::ReportOptions::default())
        .await
        .map_err(|e| unavailable(format!("tiles: the coverage analysis failed: {e}")))?;
    let built = tokio::task::spawn_blocking(move || {
        Arc::new(FindingSource::new(snapshot.revision, &geometry))
    })
    .await
    .map_err(|e| unavailable(format!("tiles: the coverage task failed: {e}")))?;
    *slot = Some(built.clone());
    Ok(built)
}

/// `GET /tiles/{layer}/{z}/{x}/{y}.mvt` (customers: `/tiles/customers/...`,
/// which needs a login; coverage: `/tiles/coverage/...`, with the access
/// rule of `GET /api/v1/coverage`).
pub async fn tile(
    State(state): State<AppState>,
    Path((layer, z, x, y)): Path<(String, String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let layer = Layer::parse(&layer).ok_or_else(|| {
        ApiError::not_found(format!(
            "layer: no tile layer {layer:?} (grids, cells, customers, coverage)"
        ))
    })?;
    // Their own routes carry their own access rules.
    match layer {
        Layer::Customers => Err(ApiError::not_found(
            "customer tiles are at /tiles/customers/{z}/{x}/{y}.mvt",
        )),
        Layer::Coverage => Err(ApiError::not_found(
            "coverage tiles are at /tiles/coverage/{z}/{x}/{y}.mvt",
        )),
        Layer::Grids | Layer::Cells => serve(&state, layer, &z, &x, &y, &headers).await,
    }
}

/// `GET /tiles/coverage/{z}/{x}/{y}.mvt`: gaps, overlaps, parts outside
/// parents and invalid grids of the current grid revision.
pub async fn coverage_tile(
    State(state): State<AppState>,
    Path((z, x, y)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    serve(&state, Layer::Coverage, &z, &x, &y, &headers).await
}

/// `GET /tiles/customers/{z}/{x}/{y}.mvt`.
pub async fn customer_tile(
    State(state): State<AppState>,
    Path((z, x, y)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    serve(&state, Layer::Customers, &z, &x, &y, &headers).await
}

async fn serve(
    state: &AppState,
    layer: Layer,
    z: &str,
    x: &str,
    y: &str,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let frame = parse_address(z, x, y)?;
    let cache = state.tiles();
    let (grids, dots, findings, key) = if layer == Layer::Coverage {
        let findings = finding_source(state).await?;
        let key = TileCache::coverage_key(findings.revision, &frame);
        (None, None, Some(findings), key)
    } else {
        let grids = grid_source(state).await?;
        let dots = if layer == Layer::Customers {
            Some(dot_source(state).await?)
        } else {
            None
        };
        (Some(grids), dots, None, cache.key(layer, &frame))
    };
    let encoded = if let Some(hit) = cache.get(&key) {
        hit
    } else {
        let encoded = tokio::task::spawn_blocking(move || {
            let sources = Sources {
                grids: grids.as_deref(),
                dots: dots.as_deref(),
                findings: findings.as_deref(),
            };
            Arc::new(Encoded::new(render(sources, layer, &frame)))
        })
        .await
        .map_err(|e| unavailable(format!("tiles: the tile task failed: {e}")))?;
        cache.put(key, encoded.clone());
        encoded
    };
    let etag = HeaderValue::from_str(&encoded.etag).map_err(|e| unavailable(e.to_string()))?;
    let common = [
        (header::ETAG, etag),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
    ];
    if matches(headers, &encoded.etag) {
        return Ok((StatusCode::NOT_MODIFIED, common).into_response());
    }
    Ok((
        StatusCode::OK,
        common,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/vnd.mapbox-vector-tile"),
        )],
        encoded.body.clone(),
    )
        .into_response())
}

/// `If-None-Match` lists this ETag (or `*`); weak forms count.
fn matches(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == etag || t == "*")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked_part_by_part() {
        assert!(parse_address("3", "7", "7.mvt").is_ok());
        let e = parse_address("3", "8", "0.mvt").err().unwrap();
        assert!(e.message.starts_with("x:"), "{}", e.message);
        let e = parse_address("21", "0", "0.mvt").err().unwrap();
        assert!(e.message.starts_with("z:"), "{}", e.message);
        let e = parse_address("1", "0", "0.png").err().unwrap();
        assert!(e.message.starts_with("y:"), "{}", e.message);
    }

    #[test]
    fn if_none_match_accepts_lists_and_weak_tags() {
        let mut h = HeaderMap::new();
        h.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"a\", W/\"b\""),
        );
        assert!(matches(&h, "\"b\""));
        assert!(!matches(&h, "\"c\""));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic
mod router_tests;
