//! Where things are: single-point lookup, placement rates, what a cell holds.

use axum::extract::{Path, Query, State};
use axum::Json;
use serde_json::{json, Value};
use wangge_assign::status_of;
use wangge_geocode::crs::{to_wgs84, Crs};
use wangge_model::{GridCode, LevelNo, PlacementStatus};
use wangge_spatial::index::{GridRef, LocateOptions};
use wangge_store::{EntityKind, EntityRow, Page};

use crate::params::{self, Params};
use crate::{ApiError, AppState};

const MAX_PAGE: i64 = 1000;

/// `GET /api/v1/locate?lon=&lat=[&crs=gcj02][&snap_distance_m=30]`
pub async fn locate(
    State(state): State<AppState>,
    Query(q): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    let lon = params::optional::<f64>(&q, "lon")?
        .ok_or_else(|| ApiError::bad_request("parameter lon is required"))?;
    let lat = params::optional::<f64>(&q, "lat")?
        .ok_or_else(|| ApiError::bad_request("parameter lat is required"))?;
    let crs = params::optional::<Crs>(&q, "crs")?.unwrap_or_default();
    let snap_distance_m = params::optional::<f64>(&q, "snap_distance_m")?.unwrap_or(30.0);
    let index = state
        .index()
        .await
        .ok_or_else(|| ApiError::not_found("the database holds no grid yet"))?;
    let (wgs_lon, wgs_lat) = if lon.is_finite() && lat.is_finite() {
        to_wgs84(crs, lon, lat)
    } else {
        (lon, lat)
    };
    let location = index.locate(wgs_lon, wgs_lat, &LocateOptions { snap_distance_m });
    let grid = |r: Option<GridRef>| r.map(|r| index.grid(r).code.to_string());
    Ok(Json(json!({
        "lon": wgs_lon,
        "lat": wgs_lat,
        "status": status_of(&location),
        "cell_code": grid(location.cell),
        "l3_code": grid(location.l3),
        "l2_code": grid(location.l2),
        "l1_code": grid(location.l1),
        "suggestion": location.suggestion.map(|(r, d)| json!({"code": index.grid(r).code, "distance_m": d})),
    })))
}

/// `GET /api/v1/assignment?level=1`: the placement rate of every grid of a level.
pub async fn assignment(
    State(state): State<AppState>,
    Query(q): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    let level = params::optional::<LevelNo>(&q, "level")?.unwrap_or(LevelNo::DEPARTMENT);
    if level.is_cell() {
        return Err(ApiError::bad_request(
            "parameter level=4: rates are per grid of level 1, 2 or 3",
        ));
    }
    let rates = state.store().assignment_rates(level).await?;
    Ok(Json(json!({ "level": level, "rates": rates })))
}

fn page_params(q: &Params) -> Result<(i64, i64), ApiError> {
    let offset = params::optional::<i64>(q, "offset")?.unwrap_or(0);
    if offset < 0 {
        return Err(ApiError::bad_request(format!(
            "parameter offset={offset}: must not be negative"
        )));
    }
    Ok((offset, params::limit(q, MAX_PAGE)?.unwrap_or(100)))
}

async fn in_cell(
    state: &AppState,
    kind: EntityKind,
    code: &str,
    q: &Params,
) -> Result<Json<Value>, ApiError> {
    let code: GridCode = code
        .parse()
        .map_err(|e| ApiError::bad_request(format!("{e}")))?;
    let (offset, limit) = page_params(q)?;
    let (page, owner) = tokio::try_join!(
        state.store().entities_in_cell(kind, &code, offset, limit),
        state.store().cell_owner(&code)
    )?;
    // The cell's owner (active claim) is responsible for all it holds.
    let mut body = serde_json::to_value(page).unwrap_or(Value::Null);
    if let Some(object) = body.as_object_mut() {
        object.insert("responsible".into(), json!(owner));
    }
    Ok(Json(body))
}

/// `GET /api/v1/cells/{code}/customers?offset=&limit=`
pub async fn cell_customers(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    in_cell(&state, EntityKind::Customer, &code, &q).await
}

/// `GET /api/v1/cells/{code}/resources?offset=&limit=`
pub async fn cell_resources(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    in_cell(&state, EntityKind::Resource, &code, &q).await
}

/// `GET /api/v1/unplaced?kind=customer&status=no_location&offset=&limit=`
pub async fn unplaced(
    State(state): State<AppState>,
    Query(q): Query<Params>,
) -> Result<Json<Page<EntityRow>>, ApiError> {
    let kind = params::optional::<EntityKind>(&q, "kind")?.unwrap_or(EntityKind::Customer);
    let status =
        params::optional::<PlacementStatus>(&q, "status")?.unwrap_or(PlacementStatus::NoLocation);
    if status.in_cell() {
        return Err(ApiError::bad_request(format!(
            "parameter status={status}: that status is placed; list a cell's entities instead"
        )));
    }
    let (offset, limit) = page_params(&q)?;
    Ok(Json(
        state
            .store()
            .entities_with_status(kind, status, offset, limit)
            .await?,
    ))
}

/// `GET /api/v1/customers/search?q=&limit=`: by code (exact) or name (part).
pub async fn search_customers(
    State(state): State<AppState>,
    Query(q): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    let text = params::required_text(&q, "q", "a customer code or part of a name")?;
    let text = text.as_str();
    let limit = params::limit(&q, 100)?.unwrap_or(20);
    let items = state.store().find_customers(text, limit).await?;
    Ok(Json(json!({ "q": text, "items": items })))
}
