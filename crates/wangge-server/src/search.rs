//! The map's search box, `GET /api/v1/search?q=`: grids and cells by name
//! first (a grid manager types the name of their own cell, often after its
//! divisions: `十堰市茅箭区润景家园`), then, signed in, the address, with how
//! precise each hit is. Only an address located as precisely as a road or
//! a building selects a cell; a town's or a county's centre selects none.

use axum::extract::{Query, State};
use axum::Json;
use serde_json::{json, Value};
use wangge_geocode::{distance_m, Hints};
use wangge_store::GridNameHit;

use crate::auth::CurrentUser;
use crate::geocode::cell_of;
use crate::params::{self, Params};
use crate::{ApiError, AppState};

/// Longest text accepted (the geocoder reads 256 characters).
const MAX_QUERY_BYTES: usize = 1024;
/// Grids answered at most.
const MAX_GRID_HITS: i64 = 10;

/// `GET /api/v1/search?q=`
pub async fn search(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Query(q): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    let text = params::required_text(&q, "q", "a grid or cell name, or an address")?;
    let text = text.as_str();
    if text.len() > MAX_QUERY_BYTES {
        return Err(ApiError::bad_request(format!(
            "q is {} bytes; at most {MAX_QUERY_BYTES} are accepted",
            text.len()
        )));
    }
    let mut grids = state.store().grids_named_in(text, MAX_GRID_HITS).await?;
    // The address needs a signed-in user, as `POST /api/v1/geocode` does.
    let located = match user {
        Some(_) => {
            let g = state.geocoder().await?;
            let places = state.named_cells().await?;
            let r = g.geocode_in(text, &Hints::default(), Some(&places));
            let cell = cell_of(&state, &r).await;
            Some((r, cell))
        }
        None => None,
    };
    // Several grids of the name the text holds: the one nearest to where
    // its divisions put it comes first (阳光小区 of 茅箭区, not of 郧阳区).
    if let Some((r, _)) = &located {
        if let (Some(lon), Some(lat)) = (r.lon, r.lat) {
            order_by_distance(&mut grids, lon, lat);
        }
    }
    let tied = grids.len() > 1
        && grids[0].name_in_text
        && grids[1].name_in_text
        && grids[1].name == grids[0].name
        && located.as_ref().is_none_or(|(r, _)| r.lon.is_none());
    let grids: Vec<Value> = grids
        .iter()
        .map(|g| {
            json!({
                "code": g.code,
                "name": g.name,
                "level": g.level,
                "precision": if g.level.get() == 4 { "cell" } else { "grid" },
                "name_in_text": g.name_in_text,
                "bbox": g.bbox,
            })
        })
        .collect();
    let address = located.map(|(r, cell)| {
        json!({
            "lon": r.lon,
            "lat": r.lat,
            "precision": r.precision.as_str(),
            "confidence": r.confidence,
            "status": r.status.as_str(),
            "reason": r.reason,
            "name": r.name,
            "outside_territory": r.outside_territory,
            "cell_code": cell,
        })
    });
    Ok(Json(json!({
        "query": text,
        "grids": grids,
        // The first grid has a namesake the text does not tell apart.
        "grids_tied": tied,
        "address": address,
    })))
}

/// Hits of the same rank (the text holds the name, as long a name, the same
/// level), nearer to the point first.
fn order_by_distance(grids: &mut [GridNameHit], lon: f64, lat: f64) {
    let rank = |g: &GridNameHit| (g.name_in_text, g.name.chars().count(), g.level);
    let distance = |g: &GridNameHit| {
        let [x0, y0, x1, y1] = g.bbox;
        distance_m(lon, lat, f64::midpoint(x0, x1), f64::midpoint(y0, y1))
    };
    grids.sort_by(|a, b| {
        rank(b)
            .cmp(&rank(a))
            .then(distance(a).total_cmp(&distance(b)))
    });
}
