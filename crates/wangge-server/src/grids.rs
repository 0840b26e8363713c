//! Grid and cell routes: GeoJSON lists, one grid with its chain, stats.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use wangge_model::{Category, CellTypeCode, GridCode, LevelNo};
use wangge_store::{GridFilter, GridRecord};

use crate::params::{self, Params};
use crate::{ApiError, AppState};

const MAX_FEATURES: i64 = 100_000;

/// `GET /api/v1/grids?level=&parent=&bbox=&limit=`
pub async fn list_grids(
    State(state): State<AppState>,
    Query(q): Query<Params>,
) -> Result<Response, ApiError> {
    let filter = GridFilter {
        level: params::optional::<LevelNo>(&q, "level")?,
        parent: params::optional::<GridCode>(&q, "parent")?,
        bbox: params::bbox(&q)?,
        cell_type: params::optional::<CellTypeCode>(&q, "type")?,
        category: params::optional::<Category>(&q, "category")?,
        limit: params::limit(&q, MAX_FEATURES)?,
        offset: None,
    };
    feature_collection(&state, &filter).await
}

/// `GET /api/v1/cells?bbox=&type=&category=&parent=&limit=` (level 4 only).
pub async fn list_cells(
    State(state): State<AppState>,
    Query(q): Query<Params>,
) -> Result<Response, ApiError> {
    let filter = GridFilter {
        level: Some(LevelNo::CELL),
        parent: params::optional::<GridCode>(&q, "parent")?,
        bbox: params::bbox(&q)?,
        cell_type: params::optional::<CellTypeCode>(&q, "type")?,
        category: params::optional::<Category>(&q, "category")?,
        limit: params::limit(&q, MAX_FEATURES)?,
        offset: None,
    };
    feature_collection(&state, &filter).await
}

async fn feature_collection(state: &AppState, filter: &GridFilter) -> Result<Response, ApiError> {
    let store = state.store();
    let (grids, catalog) = tokio::try_join!(store.grids(filter), store.cell_types())?;
    let mut body = Vec::with_capacity(grids.iter().map(|g| g.geometry_geojson.len() + 300).sum());
    wangge_io::write_feature_collection(&grids, &catalog, &mut body)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    Ok(([(header::CONTENT_TYPE, "application/geo+json")], body).into_response())
}

/// `GET /api/v1/grids/{code}`: the grid, its parent chain and descendant counts.
pub async fn grid_detail(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let code: GridCode = code
        .parse()
        .map_err(|e| ApiError::bad_request(format!("{e}")))?;
    let store = state.store();
    let grid = store
        .grid(&code)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no grid or cell with code {code}")))?;
    let (chain, counts, catalog) = tokio::try_join!(
        store.ancestors(&code),
        store.child_counts(&code),
        store.cell_types()
    )?;
    let summary = |g: &GridRecord| Value::Object(wangge_io::grid_properties(g, &catalog));
    let mut child_counts = serde_json::Map::new();
    for level in LevelNo::ALL.into_iter().filter(|l| *l > grid.level) {
        child_counts.insert(
            level.to_string(),
            json!(counts[usize::from(level.get() - 1)]),
        );
    }
    // Stored geometry with a non-number vertex (from before imports refused
    // them) is answered as null, never as `[null, 32.6]`.
    let geometry: Value =
        serde_json::from_str(wangge_io::grid_export::geometry_text(&grid)).unwrap_or(Value::Null);
    Ok(Json(json!({
        "grid": summary(&grid),
        // What an edit sends back as `version` so a change in between is refused.
        "version": grid.version,
        "geometry": geometry,
        "bbox": grid.bbox,
        "chain": chain.iter().map(summary).collect::<Vec<_>>(),
        "child_counts": child_counts,
    })))
}

/// `GET /api/v1/cell-types`: the type table in force (an operator may edit it).
pub async fn cell_types(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let catalog = state.store().cell_types().await?;
    Ok(Json(json!({ "cell_types": catalog.types() })))
}

/// `GET /api/v1/stats`
pub async fn stats(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let stats = state.store().stats().await?;
    Ok(Json(serde_json::to_value(stats).unwrap_or(Value::Null)))
}

/// `GET /api/v1/outlets` as GeoJSON points.
pub async fn outlets(State(state): State<AppState>) -> Result<Response, ApiError> {
    let outlets = state.store().outlets().await?;
    let features: Vec<Value> = outlets
        .iter()
        .map(|o| {
            json!({
                "type": "Feature",
                "id": o.code,
                "properties": {"code": o.code, "name": o.name, "address": o.address, "supports": o.supports},
                "geometry": {"type": "Point", "coordinates": [o.lon, o.lat]},
            })
        })
        .collect();
    let body = json!({"type": "FeatureCollection", "features": features});
    Ok((
        [(header::CONTENT_TYPE, "application/geo+json")],
        body.to_string(),
    )
        .into_response())
}
