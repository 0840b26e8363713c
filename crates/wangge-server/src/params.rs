//! Query parameters, parsed by hand so every bad one gets a JSON error that
//! names it (axum's `Query` rejection is plain text).

use std::collections::HashMap;
use std::str::FromStr;

use crate::ApiError;

pub type Params = HashMap<String, String>;

/// An optional parameter parsed with `FromStr`; an empty value counts as absent.
/// A text parameter that must be given, trimmed; `what` says what it is in
/// the refusal.
pub fn required_text(params: &Params, name: &str, what: &str) -> Result<String, ApiError> {
    match params.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        Some(v) => Ok(v.to_owned()),
        None => Err(ApiError::bad_request(format!(
            "parameter {name} is required: {what}"
        ))),
    }
}

pub fn optional<T>(params: &Params, name: &str) -> Result<Option<T>, ApiError>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    match params.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|e| ApiError::bad_request(format!("parameter {name}={v:?}: {e}"))),
    }
}

/// `bbox=minLon,minLat,maxLon,maxLat` in degrees.
pub fn bbox(params: &Params) -> Result<Option<[f64; 4]>, ApiError> {
    let Some(text) = params
        .get("bbox")
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
    else {
        return Ok(None);
    };
    let bad = |why: &str| ApiError::bad_request(format!("parameter bbox={text:?}: {why}"));
    let numbers: Vec<f64> = text
        .split(',')
        .map(|n| n.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad("expected four numbers minLon,minLat,maxLon,maxLat"))?;
    let [min_lon, min_lat, max_lon, max_lat] = numbers[..] else {
        return Err(bad("expected four numbers minLon,minLat,maxLon,maxLat"));
    };
    if numbers.iter().any(|n| !n.is_finite()) {
        return Err(bad("numbers must be finite"));
    }
    if min_lon > max_lon || min_lat > max_lat {
        return Err(bad("min must not exceed max"));
    }
    Ok(Some([min_lon, min_lat, max_lon, max_lat]))
}

/// `limit`, at most `max`.
pub fn limit(params: &Params, max: i64) -> Result<Option<i64>, ApiError> {
    match optional::<i64>(params, "limit")? {
        Some(n) if n < 1 || n > max => Err(ApiError::bad_request(format!(
            "parameter limit={n}: must be between 1 and {max}"
        ))),
        other => Ok(other),
    }
}
