//! Geocoding over HTTP: one address (`POST /api/v1/geocode`) and reverse
//! (`GET /api/v1/reverse`). The geocoder (gazetteer with the stored village
//! edition, the standard address base) is loaded from the store on first use
//! and kept under the standard addresses and villages revisions; when they
//! move (an import here, by the CLI or by another server) it is loaded again
//! in the background ([`crate::fresh`]).

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use wangge_assign::{load_geocoder, load_named_cells};
use wangge_geocode::crs::{from_wgs84, to_wgs84, Crs};
use wangge_geocode::{DivisionCode, GeocodeResult, Geocoder, Hints, Level, NamedPlaces, Precision};
use wangge_spatial::index::LocateOptions;

use wangge_store::Revisions;

use crate::fresh::{Part, Slot};
use crate::params::{self, Params};
use crate::{ApiError, AppState};

/// Longest address accepted in one request (the parser reads 256 characters).
const MAX_ADDRESS_BYTES: usize = 4096;

/// The geocoder depends on the standard addresses and the village edition.
impl Part for Geocoder {
    fn key(r: &Revisions) -> [i64; 3] {
        [r.standard_addresses, r.villages, 0]
    }

    fn slot(state: &AppState) -> &Slot<Self> {
        &state.inner.geocoder
    }

    async fn build(state: &AppState) -> Result<Self, String> {
        load_geocoder(state.store()).await
    }
}

/// The cells' names depend on the grids alone: a grid edit does not load
/// the standard address base again.
impl Part for NamedPlaces {
    fn key(r: &Revisions) -> [i64; 3] {
        [r.grids, 0, 0]
    }

    fn slot(state: &AppState) -> &Slot<Self> {
        &state.inner.named_cells
    }

    async fn build(state: &AppState) -> Result<Self, String> {
        load_named_cells(state.store())
            .await
            .map_err(|e| e.to_string())
    }
}

fn internal(what: &str, e: &str) -> ApiError {
    ApiError::internal(&format!("loading {what}: {e}"))
}

impl AppState {
    /// The geocoder of the current revisions (loaded on first use).
    pub async fn geocoder(&self) -> Result<Arc<Geocoder>, ApiError> {
        self.part::<Geocoder>()
            .await
            .map_err(|e| internal("the geocoder", &e))
    }

    /// The cells' names of the current grids, for [`Geocoder::geocode_in`].
    pub async fn named_cells(&self) -> Result<Arc<NamedPlaces>, ApiError> {
        self.part::<NamedPlaces>()
            .await
            .map_err(|e| internal("the cells' names", &e))
    }
}

#[derive(Debug, Deserialize)]
pub struct GeocodeRequest {
    address: String,
    /// 4-digit city code that breaks ties (4203 for 十堰).
    city: Option<String>,
    /// Coordinate system of the answer.
    crs: Option<String>,
}

fn parse_crs(s: Option<&str>) -> Result<Crs, ApiError> {
    s.map_or(Ok(Crs::Wgs84), |c| {
        c.parse()
            .map_err(|e| ApiError::bad_request(format!("crs: {e}")))
    })
}

/// `POST /api/v1/geocode` `{"address": "...", "city"?: "4203", "crs"?: "gcj02"}`
pub async fn geocode_one(
    State(state): State<AppState>,
    Json(req): Json<GeocodeRequest>,
) -> Result<Json<Value>, ApiError> {
    if req.address.len() > MAX_ADDRESS_BYTES {
        return Err(ApiError::bad_request(format!(
            "address is {} bytes; at most {MAX_ADDRESS_BYTES} are accepted",
            req.address.len()
        )));
    }
    let crs = parse_crs(req.crs.as_deref())?;
    let city_code = req
        .city
        .as_deref()
        .map(|c| {
            c.parse::<DivisionCode>()
                .map_err(|e| ApiError::bad_request(format!("city {c:?}: {e}")))
        })
        .transpose()?;
    let hints = Hints {
        city_code,
        ..Hints::default()
    };
    let g = state.geocoder().await?;
    let places = state.named_cells().await?;
    let r = g.geocode_in(&req.address, &hints, Some(&places));
    let cell = cell_of(&state, &r).await;
    let (lon, lat) = match (r.lon, r.lat) {
        (Some(x), Some(y)) => {
            let (x, y) = from_wgs84(crs, x, y);
            (Some(x), Some(y))
        }
        _ => (None, None),
    };
    let parsed = g.parse(&req.address);
    let code = |c: Option<DivisionCode>| c.map(|c| c.to_string());
    Ok(Json(json!({
        "address": req.address,
        "lon": lon,
        "lat": lat,
        "crs": crs.as_str(),
        "precision": r.precision.as_str(),
        "confidence": r.confidence,
        "status": r.status.as_str(),
        "reason": r.reason,
        "province_code": code(r.province_code),
        "city_code": code(r.city_code),
        "county_code": code(r.county_code),
        "town_code": code(r.town_code),
        "village_code": code(r.village_code),
        "name": r.name,
        // Only a point as precise as a road or a building is in one cell;
        // a town's or a county's centre selects none.
        "cell_code": cell,
        "outside_territory": r.outside_territory,
        "candidates": r.candidates.iter().map(|c| json!({
            "code": c.code.to_string(), "name": c.name, "levels_matched": c.levels_matched,
        })).collect::<Vec<_>>(),
        "parsed": parsed,
    })))
}

/// The cell the address names, else the cell a geocoded point is in when
/// the point is precise enough to name one (a building, a road): the centre
/// of a town or a county lies in some cell that the address does not name.
pub(crate) async fn cell_of(state: &AppState, r: &GeocodeResult) -> Option<String> {
    if let Some(code) = &r.place_code {
        return Some(code.clone());
    }
    if r.precision > Precision::Road {
        return None;
    }
    let (lon, lat) = (r.lon?, r.lat?);
    let ix = state.index().await?;
    ix.locate(lon, lat, &LocateOptions::default())
        .cell
        .map(|c| ix.grid(c).code.to_string())
}

/// `GET /api/v1/reverse?lon=&lat=[&crs=gcj02]`: the nearest standard
/// address with its division chain, and the cell of the point.
pub async fn reverse(
    State(state): State<AppState>,
    Query(q): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    let lon = params::optional::<f64>(&q, "lon")?
        .ok_or_else(|| ApiError::bad_request("parameter lon is required"))?;
    let lat = params::optional::<f64>(&q, "lat")?
        .ok_or_else(|| ApiError::bad_request("parameter lat is required"))?;
    if !(lon.is_finite() && lat.is_finite() && lon.abs() <= 180.0 && lat.abs() <= 90.0) {
        return Err(ApiError::bad_request(format!(
            "lon/lat {lon} {lat} are not a point on Earth"
        )));
    }
    let crs = params::optional::<Crs>(&q, "crs")?.unwrap_or_default();
    let (lon, lat) = to_wgs84(crs, lon, lat);
    let g = state.geocoder().await?;
    let nearest = g.base().nearest(lon, lat).map(|(a, d_m)| {
        let chain: Vec<Value> = Level::ALL
            .iter()
            .filter_map(|&l| a.code(l))
            .map(|c| {
                json!({
                    "level": c.level().as_str(),
                    "code": c.to_string(),
                    "name": g.gazetteer().division(c).map(|d| d.name.to_owned()),
                })
            })
            .collect();
        let full = a.deepest().and_then(|c| g.gazetteer().full_name(c));
        json!({
            "distance_m": d_m,
            "lon": a.lon,
            "lat": a.lat,
            "road": a.road,
            "number": a.number,
            "compound": a.compound,
            "building": a.building,
            "divisions": chain,
            "label": format!(
                "{}{}{}{}",
                full.unwrap_or_default(),
                a.road,
                a.number.as_deref().unwrap_or(""),
                a.building.as_deref().unwrap_or("")
            ),
        })
    });
    let cell = state.index().await.and_then(|ix| {
        ix.locate(lon, lat, &LocateOptions::default())
            .cell
            .map(|c| ix.grid(c).code.to_string())
    });
    Ok(Json(json!({
        "lon": lon,
        "lat": lat,
        "nearest": nearest,
        "cell_code": cell,
    })))
}
