//! Vector tiles: `GET /tiles/{layer}/{z}/{x}/{y}.mvt` for `grids` (levels
//! 1-3, with a `level` property), `cells` (network cells with type and
//! category) and `customers` (clustered below zoom 14), cut from the grid
//! snapshot ([`AppState::snapshot`]) and the customer dots, with a content
//! ETag so an unchanged tile answers `304`; and `coverage` (the findings
//! of the coverage analysis: see [`findings`]). Every tile is cached under
//! the revisions of its source ([`crate::fresh`]), so a change by this
//! server, the CLI or another server is seen once the snapshot moves.
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

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

pub use cache::TileCache;
use cache::TileKey;
pub use clip::Frame;
use findings::FindingSource;
use source::{DotSource, GridSource};
use wangge_store::Revisions;

use crate::fresh::{Part, Slot};
use crate::{ApiError, AppState};

/// Deepest zoom served (a cell is many screens wide long before this).
pub const MAX_ZOOM: u8 = 20;

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

/// A tile that could not be made: a 503 whose detail (a store error)
/// goes to the log, not to the client.
fn unavailable(detail: &str) -> ApiError {
    ApiError::unavailable("map tiles", &detail)
}

/// The grid source of the current snapshot and the revisions it was read
/// at (the snapshot is rebuilt in the background: see [`crate::fresh`]).
async fn grid_source(state: &AppState) -> Result<([i64; 3], Arc<GridSource>), ApiError> {
    let snapshot = state.snapshot().await;
    match snapshot.grid.source.as_ref() {
        Some(source) => Ok((snapshot.grid.key, source.clone())),
        None => Err(ApiError::not_found(
            "no grid loaded yet: import or seed a territory",
        )),
    }
}

/// Deepest zoom cut ahead: shallower tiles hold thousands of cells each and
/// take tens of milliseconds, deeper ones a few at most.
pub const PREWARM_MAX_ZOOM: u8 = 8;

/// Cuts the grid and cell tiles of zooms 0-[`PREWARM_MAX_ZOOM`] over the
/// territory in the background, so they are cache hits when asked for
/// (tiles carried over from the previous snapshot are not cut again).
pub(crate) fn prewarm(state: AppState, revisions: [i64; 3], grids: Arc<GridSource>) {
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
                        let key = TileKey::new(revisions, layer, &frame);
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

/// Customer dots, keyed by the customers revision.
impl Part for DotSource {
    fn key(r: &Revisions) -> [i64; 3] {
        [r.customers, 0, 0]
    }

    fn slot(state: &AppState) -> &Slot<Self> {
        &state.inner.dots
    }

    async fn build(state: &AppState) -> Result<Self, String> {
        DotSource::load(state.store()).await
    }
}

/// The coverage findings of the tiles (default options), rebuilt when the
/// grid revision moves; tiles are keyed by the revision the analysis was
/// computed at, which a rename does not move.
impl Part for FindingSource {
    fn key(r: &Revisions) -> [i64; 3] {
        [r.grids, 0, 0]
    }

    fn slot(state: &AppState) -> &Slot<Self> {
        &state.inner.findings
    }

    async fn build(state: &AppState) -> Result<Self, String> {
        let (revision, report) = state
            .coverage_cache()
            .current_findings(state)
            .await
            .map_err(|e| format!("the coverage analysis failed: {e}"))?;
        tokio::task::spawn_blocking(move || FindingSource::new(revision, &report))
            .await
            .map_err(|e| format!("the coverage task failed: {e}"))
    }
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
    let (grids, dots, findings, key) = match layer {
        Layer::Coverage => {
            if state.snapshot().await.grid.index.is_none() {
                return Err(ApiError::not_found("the database holds no grid yet"));
            }
            let findings = state
                .part::<FindingSource>()
                .await
                .map_err(|e| unavailable(&format!("tiles: {e}")))?;
            let key = TileKey::new([findings.revision, 0, 0], layer, &frame);
            (None, None, Some(findings), key)
        }
        Layer::Customers => {
            let (dots_key, dots) = state
                .part_with_key::<DotSource>()
                .await
                .map_err(|e| unavailable(&format!("tiles: reading customers failed: {e}")))?;
            (
                None,
                Some(dots),
                None,
                TileKey::new(dots_key, layer, &frame),
            )
        }
        Layer::Grids | Layer::Cells => {
            let (revisions, grids) = grid_source(state).await?;
            (
                Some(grids),
                None,
                None,
                TileKey::new(revisions, layer, &frame),
            )
        }
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
        .map_err(|e| unavailable(&format!("tiles: the tile task failed: {e}")))?;
        cache.put(key, encoded.clone());
        encoded
    };
    let etag = HeaderValue::from_str(&encoded.etag).map_err(|e| unavailable(&e.to_string()))?;
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
