//! Administrators change the grid from the map: a grid's name or a cell's
//! type, a GeoJSON import, cutting a cell along a drawn line, merging
//! neighbouring cells; operations staff apply the coverage report's fix
//! proposals. The handlers parse, call `wangge_edit` (one store transaction
//! per edit, its `dry_run` the same transaction rolled back, the changed
//! area placed again after the commit) and answer; then the snapshot
//! (index, tiles, geocoder) is refreshed so the map and the coverage report
//! show the new grid at once. After a commit the answer is 200 even when a
//! later step failed: `placement_error` / `snapshot_error` say which.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use geo::Coord;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use wangge_edit::{
    AttributesRequest, Changed, EditError, EditedCell, FixRequest, ImportRequest, MergeRequest,
    SplitRequest,
};
use wangge_io::GridFields;
use wangge_model::{GridCode, LevelNo, Territory};
use wangge_store::BBox;

use crate::auth::CurrentUser;
use crate::params::{self, Params};
use crate::{ApiError, AppState};

fn body<T: for<'de> Deserialize<'de>>(bytes: &Bytes, expected: &str) -> Result<T, ApiError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("expected a JSON body {expected}: {e}")))
}

fn grid_code(text: &str, field: &str) -> Result<GridCode, ApiError> {
    text.trim()
        .parse()
        .map_err(|e| ApiError::bad_request(format!("{field} {text:?}: {e}")))
}

/// An edit's refusal as the client sees it: 400 bad input (the message
/// names the field), 404, 409 conflict (the grid moved since it was read, a
/// code taken, claims in the way), 422 hierarchy; store failures 500.
fn edit_error(e: EditError) -> ApiError {
    match e {
        EditError::BadInput { message, .. } => ApiError::bad_request(message),
        EditError::NotFound { message } => ApiError::not_found(message),
        EditError::Conflict { message } => ApiError {
            status: StatusCode::CONFLICT,
            error: "conflict",
            message,
            ..Default::default()
        },
        // The rule's code and grids from the store, the edit's own words.
        EditError::Hierarchy {
            message,
            rule: Some(rule),
        } => ApiError {
            message,
            ..ApiError::from(*rule)
        },
        EditError::Hierarchy {
            message,
            rule: None,
        } => ApiError::unprocessable(message),
        EditError::Features(problems) => {
            let listed: Vec<Value> = problems
                .iter()
                .map(|p| {
                    json!({"feature": p.label(), "index": p.index, "code": p.code, "name": p.name, "message": p.message})
                })
                .collect();
            ApiError::bad_request(format!(
                "{} feature(s) cannot be imported, nothing was written",
                problems.len()
            ))
            .code("features_refused")
            .with("count", problems.len())
            .with("features", listed)
        }
        EditError::Store(e) => e.into(),
    }
}

/// After a committed grid change: this instance's snapshot (index, tiles,
/// the geocoder, which names places after cells) refreshed, so it reads its
/// own write; other instances follow the revisions. `area` is where the
/// grid changed.
async fn grid_changed(state: &AppState, area: Option<BBox>) -> Result<(), ApiError> {
    tracing::debug!(?area, "grid changed: new snapshot");
    state.refresh().await.map_err(crate::refresh_error)
}

/// The answer's fields that every committed edit shares: how many entities
/// were placed again, and what failed after the commit (the edit stands).
async fn after_commit(state: &AppState, changed: &Changed) -> Map<String, Value> {
    let mut fields = Map::new();
    fields.insert(
        "entities_replaced".into(),
        json!(changed.placed_again.count()),
    );
    if changed.dry_run || changed.codes.is_empty() {
        return fields;
    }
    if let Some(reason) = changed.placed_again.failure() {
        fields.insert("placement_error".into(), json!(reason));
    }
    if let Err(e) = grid_changed(state, changed.area).await {
        tracing::warn!(message = %e.message, "the edit is committed; the snapshot was not rebuilt");
        fields.insert(
            "snapshot_error".into(),
            json!(format!(
                "the edit is saved, but the map was not refreshed: {}",
                e.message
            )),
        );
    }
    fields
}

fn with(mut answer: Value, fields: Map<String, Value>) -> Json<Value> {
    if let Value::Object(map) = &mut answer {
        map.extend(fields);
    }
    Json(answer)
}

fn cell_json(cell: &EditedCell) -> Value {
    let update = &cell.geometry;
    json!({
        "code": update.code,
        "name": cell.name,
        "area_m2": update.area_m2,
        "invalid_reason": update.invalid_reason,
        "geometry": serde_json::from_str::<Value>(&update.geometry_geojson).unwrap_or(Value::Null),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributesBody {
    name: Option<String>,
    cell_type: Option<String>,
    /// The grid's `version` as read (`GET /grids/{code}`); another refuses.
    version: Option<i64>,
}

/// `PATCH /api/v1/grids/{code} {"name"?, "cell_type"?, "version"?}`: the type
/// as a code (`15`), a Chinese (`小区`) or an English name.
pub async fn edit_attributes(
    State(state): State<AppState>,
    Path(code): Path<String>,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    let code = grid_code(&code, "grid")?;
    let edit: AttributesBody = body(
        &bytes,
        "{\"name\"?: text, \"cell_type\"?: code or name, \"version\"?}",
    )?;
    let done = wangge_edit::set_attributes(
        state.store(),
        &AttributesRequest {
            grid: code,
            name: edit.name,
            cell_type: edit.cell_type,
            expected_version: edit.version,
            dry_run: false,
        },
    )
    .await
    .map_err(edit_error)?;
    // Tiles carry the name and category: a new snapshot.
    let mut fields = after_commit(&state, &done.changed).await;
    fields.remove("entities_replaced");
    Ok(with(
        json!({
            "grid": Value::Object(wangge_io::grid_properties(&done.grid, &done.catalog)),
            "version": done.grid.version,
        }),
        fields,
    ))
}

/// `POST /api/v1/grids/import?level=&code_field=&name_field=&type_field=&parent_field=&revision=&dry_run=`
/// with a GeoJSON FeatureCollection: all features or none.
pub async fn import(
    State(state): State<AppState>,
    Query(q): Query<Params>,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    let level: LevelNo = params::optional(&q, "level")?
        .ok_or_else(|| ApiError::bad_request("parameter level (1-4) is required"))?;
    let dry_run = params::optional::<bool>(&q, "dry_run")?.unwrap_or(false);
    let expected_revision = params::optional::<i64>(&q, "revision")?;
    // The file's coordinate system (else its own "crs" member, else WGS-84).
    let crs = params::optional::<wangge_geocode::crs::Crs>(&q, "crs")?;
    let defaults = GridFields::default();
    let field = |name: &str, default: &str| {
        q.get(name)
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| default.to_owned())
    };
    let fields = GridFields {
        name: field("name_field", &defaults.name),
        code: field("code_field", &defaults.code),
        cell_type: field("type_field", &defaults.cell_type),
        parent: field("parent_field", &defaults.parent),
    };
    // Used only when the store holds no territory yet.
    let territory = q
        .get("territory")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(|code| {
            Ok::<_, ApiError>(Territory {
                code: grid_code(code, "territory")?,
                name: q
                    .get("territory_name")
                    .map_or(code, |s| s.trim())
                    .to_owned(),
            })
        })
        .transpose()?;
    let done = wangge_edit::import_grids(
        state.store(),
        &ImportRequest {
            geojson: &bytes,
            level,
            fields,
            crs,
            territory,
            expected_revision,
            dry_run,
        },
    )
    .await
    .map_err(|e| edit_error(e.prefixed("nothing was imported")))?;
    let invalid: Vec<Value> = done
        .invalid
        .iter()
        .map(|(source, reason)| json!({ "feature": source, "reason": reason }))
        .collect();
    let fields = after_commit(&state, &done.changed).await;
    Ok(with(
        json!({
            "dry_run": dry_run,
            "features": done.features,
            "inserted": done.inserted,
            "updated": done.updated,
            "invalid": invalid,
        }),
        fields,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitBody {
    /// `[[lon, lat], ...]` or a GeoJSON `LineString` geometry.
    line: Value,
    new_code: Option<String>,
    new_name: Option<String>,
    /// The cell's `version` as read or previewed; another refuses (409).
    version: Option<i64>,
    #[serde(default)]
    dry_run: bool,
}

fn line_points(line: &Value) -> Result<Vec<Coord<f64>>, ApiError> {
    let coords = match line {
        Value::Array(_) => line,
        Value::Object(o) if o.get("type").and_then(Value::as_str) == Some("LineString") => o
            .get("coordinates")
            .ok_or_else(|| ApiError::bad_request("line: the LineString has no coordinates"))?,
        _ => {
            return Err(ApiError::bad_request(
                "line: expected [[lon, lat], ...] or a GeoJSON LineString",
            ))
        }
    };
    let points: Vec<[f64; 2]> = serde_json::from_value(coords.clone()).map_err(|_| {
        ApiError::bad_request("line: every point must be [lon, lat] with two numbers")
    })?;
    Ok(points.into_iter().map(|[x, y]| Coord { x, y }).collect())
}

/// `POST /api/v1/cells/{code}/split {"line", "new_code"?, "new_name"?, "version"?, "dry_run"?}`:
/// the larger side keeps the code, the claims and the history; the other
/// side becomes a new, unclaimed cell of the same grid and type.
pub async fn split(
    State(state): State<AppState>,
    Path(code): Path<String>,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    let code = grid_code(&code, "cell")?;
    let edit: SplitBody = body(
        &bytes,
        "{\"line\": [[lon, lat], ...], \"new_code\"?, \"new_name\"?, \"version\"?, \"dry_run\"?}",
    )?;
    let new_code = edit
        .new_code
        .as_deref()
        .map(|text| grid_code(text, "new_code"))
        .transpose()?;
    let done = wangge_edit::split(
        state.store(),
        &SplitRequest {
            cell: code,
            line: line_points(&edit.line)?,
            new_code,
            new_name: edit.new_name,
            expected_version: edit.version,
            dry_run: edit.dry_run,
        },
    )
    .await
    .map_err(edit_error)?;
    let fields = after_commit(&state, &done.changed).await;
    Ok(with(
        json!({
            "dry_run": edit.dry_run,
            "cells": [cell_json(&done.kept), cell_json(&done.cut)],
        }),
        fields,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MergeBody {
    codes: Vec<String>,
    /// The cell that keeps its code, claims and name (default: the first).
    into: Option<String>,
    name: Option<String>,
    /// The cells' `version`s as read or previewed, by code; another refuses (409).
    #[serde(default)]
    versions: std::collections::BTreeMap<String, i64>,
    #[serde(default)]
    dry_run: bool,
}

/// `POST /api/v1/cells/merge {"codes": [...], "into"?, "name"?, "versions"?, "dry_run"?}`:
/// neighbouring cells of one grid become one.
pub async fn merge_cells(
    State(state): State<AppState>,
    user: CurrentUser,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    let edit: MergeBody = body(
        &bytes,
        "{\"codes\": [cell codes], \"into\"?, \"name\"?, \"versions\"?, \"dry_run\"?}",
    )?;
    let cells = edit
        .codes
        .iter()
        .map(|text| grid_code(text, "codes"))
        .collect::<Result<Vec<_>, _>>()?;
    let into = edit
        .into
        .as_deref()
        .map(|text| grid_code(text, "into"))
        .transpose()?;
    let expected_versions = edit
        .versions
        .iter()
        .map(|(text, v)| Ok((grid_code(text, "versions")?, *v)))
        .collect::<Result<Vec<_>, ApiError>>()?;
    let done = wangge_edit::merge_cells(
        state.store(),
        &MergeRequest {
            cells,
            into,
            name: edit.name,
            expected_versions,
            actor_user_id: Some(user.id),
            dry_run: edit.dry_run,
        },
    )
    .await
    .map_err(edit_error)?;
    let fields = after_commit(&state, &done.changed).await;
    Ok(with(
        json!({
            "dry_run": edit.dry_run,
            "cell": cell_json(&done.cell),
            "removed": done.removed,
            "claim": done.claims.claim.map(|(manager, status)| json!({ "manager": manager, "status": status })),
            "claims_closed": done.claims.claims_closed,
            "history_moved": done.claims.history_moved,
        }),
        fields,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixBody {
    level: Option<LevelNo>,
    /// Only the proposals inside this grid.
    parent: Option<String>,
    gap_width_m: Option<f64>,
    /// The grid revision the client previewed; a different one is refused.
    revision: Option<i64>,
    #[serde(default)]
    dry_run: bool,
}

/// `POST /api/v1/coverage/fixes {"level"?, "parent"?, "gap_width_m"?, "revision"?, "dry_run"?}`:
/// the report's proposals (gaps to a neighbour, overlaps split) applied, or
/// with `dry_run` only shown: each changed grid before and after, and the
/// report's difference.
pub async fn apply_fixes(
    State(state): State<AppState>,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    let edit: FixBody = body(
        &bytes,
        "{\"level\"?, \"parent\"?, \"gap_width_m\"?, \"revision\"?, \"dry_run\"?}",
    )?;
    let parent = match edit.parent.as_deref() {
        Some(text) => Some(grid_code(text, "parent")?),
        None => None,
    };
    let options = wangge_coverage::ReportOptions {
        level: edit.level,
        gap_width_m: edit
            .gap_width_m
            .unwrap_or(wangge_coverage::ReportOptions::default().gap_width_m),
        parent,
        kinds: Vec::new(),
    };
    options
        .check()
        .map_err(|e| ApiError::bad_request(format!("gap_width_m: {e}")))?;
    let (snapshot, report) = state
        .coverage_cache()
        .analysis(state.store(), &options)
        .await
        .map_err(crate::coverage::api_error)?;
    let done = wangge_edit::apply_fixes(
        state.store(),
        &FixRequest {
            snapshot: snapshot.clone(),
            report,
            options,
            expected_revision: edit.revision,
            dry_run: edit.dry_run,
        },
    )
    .await
    .map_err(edit_error)?;
    let changes: Vec<Value> = done
        .plan
        .changes
        .iter()
        .map(|c| {
            json!({
                "grid": c.grid,
                "level": c.level,
                "area_before_m2": c.area_before_m2,
                "area_after_m2": c.area_after_m2,
                "before": snapshot.geometry(&c.grid),
                "after": serde_json::from_str::<Value>(&c.update.geometry_geojson).unwrap_or(Value::Null),
            })
        })
        .collect();
    let fields = after_commit(&state, &done.changed).await;
    Ok(with(
        json!({
            "dry_run": edit.dry_run,
            "revision": done.revision,
            "proposals_applied": done.plan.proposals_applied,
            "blind_spots_left": done.plan.blind_spots_left,
            "left_alone": done.plan.left_alone,
            "changes": changes,
            "difference": done.difference,
        }),
        fields,
    ))
}
