//! Administrators change the grid from the map: a grid's name or a cell's
//! type, a GeoJSON import, cutting a cell along a drawn line, merging
//! neighbouring cells; operations staff apply the coverage report's fix
//! proposals. Every change is one store transaction; afterwards what lies
//! in the changed area is placed again and the snapshot (index, tiles,
//! geocoder) is rebuilt, so the map and the coverage report show the new
//! grid at once. `dry_run` answers with the result without writing.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::Json;
use geo::{Coord, MultiPolygon};
use serde::Deserialize;
use serde_json::{json, Value};
use wangge_coverage::{analyze_snapshot, difference, fixed_snapshot, plan_fixes};
use wangge_io::{read_grids_geojson, GridFields};
use wangge_model::{GridCode, LevelNo, Territory};
use wangge_spatial::area::geodesic_area_m2;
use wangge_spatial::bbox::bbox_of;
use wangge_spatial::edit::{merge, split_by_line};
use wangge_spatial::validate::{check_multipolygon, summarize};
use wangge_store::{BBox, GeometryUpdate, NewPiece};

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

/// A stored grid's geometry, parsed.
fn geometry_of(record: &wangge_store::GridRecord) -> Result<MultiPolygon<f64>, ApiError> {
    wangge_assign::parse_multipolygon(&record.geometry_geojson).map_err(|reason| {
        ApiError::bad_request(format!(
            "grid {}: its stored geometry cannot be read: {reason}",
            record.code
        ))
    })
}

/// New geometry of a grid with what is derived from it.
fn update_for(code: &GridCode, geometry: &MultiPolygon<f64>) -> Result<GeometryUpdate, ApiError> {
    let bbox = bbox_of(geometry)
        .ok_or_else(|| ApiError::bad_request(format!("cell {code} would be empty")))?;
    Ok(GeometryUpdate {
        code: code.clone(),
        geometry_geojson: wangge_coverage::polygonal_value(geometry).to_string(),
        bbox,
        area_m2: geodesic_area_m2(geometry),
        invalid_reason: summarize(&check_multipolygon(geometry)),
    })
}

fn union_bbox(boxes: impl IntoIterator<Item = BBox>) -> Option<BBox> {
    boxes.into_iter().reduce(|a, b| {
        [
            a[0].min(b[0]),
            a[1].min(b[1]),
            a[2].max(b[2]),
            a[3].max(b[3]),
        ]
    })
}

/// After a grid change: this instance's snapshot refreshed (it reads its
/// own write), the entities in `area` placed again with it, then refreshed
/// again (placements moved). Returns how many entities were placed again.
async fn grid_changed(state: &AppState, area: Option<BBox>) -> Result<usize, ApiError> {
    state.refresh().await.map_err(crate::refresh_error)?;
    let (Some(area), Some(index)) = (area, state.index().await) else {
        return Ok(0);
    };
    let anything_placed = state
        .store()
        .entity_counts()
        .await?
        .iter()
        .any(|(_, n)| *n > 0);
    if !anything_placed {
        return Ok(0);
    }
    let placed = wangge_assign::reassign_bbox(
        state.store(),
        &index,
        area,
        &wangge_assign::AssignOptions::default(),
    )
    .await
    .map_err(assign_error)?;
    state.refresh().await.map_err(crate::refresh_error)?;
    Ok(placed)
}

fn assign_error(e: wangge_assign::AssignError) -> ApiError {
    match e {
        wangge_assign::AssignError::Store(e) => e.into(),
        other => ApiError::bad_request(other.to_string()),
    }
}

fn cell_json(update: &GeometryUpdate, name: &str) -> Value {
    json!({
        "code": update.code,
        "name": name,
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
}

/// `PATCH /api/v1/grids/{code} {"name"?, "cell_type"?}`: the type as a code
/// (`15`), a Chinese (`小区`) or an English name.
pub async fn edit_attributes(
    State(state): State<AppState>,
    Path(code): Path<String>,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    let code = grid_code(&code, "grid")?;
    let edit: AttributesBody = body(&bytes, "{\"name\"?: text, \"cell_type\"?: code or name}")?;
    if edit.name.is_none() && edit.cell_type.is_none() {
        return Err(ApiError::bad_request(
            "nothing to change: give name and/or cell_type",
        ));
    }
    let catalog = state.store().cell_types().await?;
    let cell_type = match edit.cell_type.as_deref() {
        Some(text) => Some(
            catalog
                .resolve(text)
                .map_err(|e| ApiError::bad_request(format!("cell_type: {e}")))?
                .code,
        ),
        None => None,
    };
    state
        .store()
        .update_grid_attributes(&code, edit.name.as_deref(), cell_type.as_ref())
        .await?;
    // Tiles carry the name and category: a new snapshot.
    grid_changed(&state, None).await?;
    let record = state
        .store()
        .grid(&code)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no grid {code}")))?;
    Ok(Json(
        json!({ "grid": Value::Object(wangge_io::grid_properties(&record, &catalog)) }),
    ))
}

/// `POST /api/v1/grids/import?level=&code_field=&name_field=&type_field=&parent_field=&dry_run=`
/// with a GeoJSON FeatureCollection: all features or none.
pub async fn import(
    State(state): State<AppState>,
    Query(q): Query<Params>,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    let level: LevelNo = params::optional(&q, "level")?
        .ok_or_else(|| ApiError::bad_request("parameter level (1-4) is required"))?;
    let dry_run = params::optional::<bool>(&q, "dry_run")?.unwrap_or(false);
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
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        ApiError::bad_request(format!(
            "the file is not UTF-8 (byte {}): GeoJSON must be UTF-8 (RFC 7946); re-save it as UTF-8",
            e.valid_up_to()
        ))
    })?;
    let catalog = state.store().cell_types().await?;
    let parsed = read_grids_geojson(text, level, &fields, &catalog)
        .map_err(|e| ApiError::bad_request(format!("nothing was imported: {e}")))?;
    let invalid: Vec<Value> = parsed
        .invalid()
        .map(|(source, reason)| json!({ "feature": source, "reason": reason }))
        .collect();
    if dry_run {
        return Ok(Json(json!({
            "dry_run": true,
            "features": parsed.grids.len(),
            "invalid": invalid,
        })));
    }
    let territory = if let Some(t) = state.store().territory().await? {
        t
    } else {
        let code = q.get("territory").map_or("", |s| s.trim());
        Territory {
            code: code.parse().map_err(|_| {
                ApiError::bad_request(
                    "the database holds no territory yet: give territory (a code) and territory_name",
                )
            })?,
            name: q
                .get("territory_name")
                .map_or(code, |s| s.trim())
                .to_owned(),
        }
    };
    let mut old_boxes = Vec::new();
    for g in &parsed.grids {
        if let Some(old) = state.store().grid(&g.code).await? {
            old_boxes.push(old.bbox);
        }
    }
    let report = state
        .store()
        .import_grids(&territory, &parsed.grids)
        .await
        .map_err(|e| {
            let mut err = ApiError::from(e);
            err.message = format!("nothing was imported: {}", err.message);
            err
        })?;
    let area = union_bbox(
        old_boxes
            .into_iter()
            .chain(parsed.grids.iter().map(|g| g.bbox)),
    );
    let replaced = grid_changed(&state, area).await?;
    Ok(Json(json!({
        "dry_run": false,
        "features": parsed.grids.len(),
        "inserted": report.inserted,
        "updated": report.updated,
        "invalid": invalid,
        "entities_replaced": replaced,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitBody {
    /// `[[lon, lat], ...]` or a GeoJSON `LineString` geometry.
    line: Value,
    new_code: Option<String>,
    new_name: Option<String>,
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

/// A code for a new piece: `CODE-2`, `CODE-3`, ... the first one free.
async fn free_code(state: &AppState, code: &GridCode) -> Result<GridCode, ApiError> {
    for n in 2..1000 {
        let candidate = grid_code(&format!("{code}-{n}"), "new_code")?;
        if state.store().grid(&candidate).await?.is_none() {
            return Ok(candidate);
        }
    }
    Err(ApiError::bad_request(format!(
        "no free code {code}-N: give new_code"
    )))
}

/// `POST /api/v1/cells/{code}/split {"line", "new_code"?, "new_name"?, "dry_run"?}`:
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
        "{\"line\": [[lon, lat], ...], \"new_code\"?, \"new_name\"?, \"dry_run\"?}",
    )?;
    let record = state
        .store()
        .grid(&code)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no cell {code}")))?;
    if record.level != LevelNo::CELL {
        return Err(ApiError::bad_request(format!(
            "{code} is a level-{} grid: only cells (level 4) are cut",
            record.level
        )));
    }
    let line = line_points(&edit.line)?;
    let geometry = geometry_of(&record)?;
    let [a, b] = split_by_line(&geometry, &line)
        .map_err(|e| ApiError::bad_request(format!("cell {code}: {e}")))?;
    let (kept, cut) = if geodesic_area_m2(&a) >= geodesic_area_m2(&b) {
        (a, b)
    } else {
        (b, a)
    };
    let new_code = match edit.new_code.as_deref() {
        Some(text) => grid_code(text, "new_code")?,
        None => free_code(&state, &code).await?,
    };
    let new_name = edit
        .new_name
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| {
            format!(
                "{}-{}",
                record.name,
                new_code.as_str().rsplit('-').next().unwrap_or("2")
            )
        });
    let keep = update_for(&code, &kept)?;
    let piece = NewPiece {
        name: new_name.clone(),
        geometry: update_for(&new_code, &cut)?,
    };
    let cells = vec![
        cell_json(&keep, &record.name),
        cell_json(&piece.geometry, &new_name),
    ];
    state
        .store()
        .split_cell(&code, &keep, std::slice::from_ref(&piece), edit.dry_run)
        .await?;
    let replaced = if edit.dry_run {
        0
    } else {
        grid_changed(&state, Some(record.bbox)).await?
    };
    Ok(Json(json!({
        "dry_run": edit.dry_run,
        "cells": cells,
        "entities_replaced": replaced,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MergeBody {
    codes: Vec<String>,
    /// The cell that keeps its code, claims and name (default: the first).
    into: Option<String>,
    name: Option<String>,
    #[serde(default)]
    dry_run: bool,
}

/// `POST /api/v1/cells/merge {"codes": [...], "into"?, "name"?, "dry_run"?}`:
/// neighbouring cells of one grid become one.
pub async fn merge_cells(
    State(state): State<AppState>,
    user: CurrentUser,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    let edit: MergeBody = body(
        &bytes,
        "{\"codes\": [cell codes], \"into\"?, \"name\"?, \"dry_run\"?}",
    )?;
    let mut codes = Vec::with_capacity(edit.codes.len());
    for text in &edit.codes {
        let code = grid_code(text, "codes")?;
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    if codes.len() < 2 {
        return Err(ApiError::bad_request("codes: at least two different cells"));
    }
    let into = match edit.into.as_deref() {
        Some(text) => grid_code(text, "into")?,
        None => codes[0].clone(),
    };
    if !codes.contains(&into) {
        return Err(ApiError::bad_request(format!(
            "into {into} is not one of the cells merged"
        )));
    }
    let mut geometries = Vec::with_capacity(codes.len());
    let mut boxes = Vec::with_capacity(codes.len());
    let mut kept_name = String::new();
    for code in &codes {
        let record = state
            .store()
            .grid(code)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("no cell {code}")))?;
        if *code == into {
            kept_name.clone_from(&record.name);
        }
        boxes.push(record.bbox);
        geometries.push(geometry_of(&record)?);
    }
    let merged = merge(&geometries).map_err(|e| {
        ApiError::bad_request(format!(
            "cells {}: {e}",
            codes
                .iter()
                .map(GridCode::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;
    let update = update_for(&into, &merged)?;
    let absorbed: Vec<GridCode> = codes.iter().filter(|c| **c != into).cloned().collect();
    let name = edit
        .name
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    let outcome = state
        .store()
        .merge_cells(&into, &absorbed, &update, Some(user.id), edit.dry_run)
        .await?;
    let replaced = if edit.dry_run {
        0
    } else {
        if let Some(name) = &name {
            state
                .store()
                .update_grid_attributes(&into, Some(name), None)
                .await?;
        }
        grid_changed(&state, union_bbox(boxes)).await?
    };
    Ok(Json(json!({
        "dry_run": edit.dry_run,
        "cell": cell_json(&update, name.as_deref().unwrap_or(&kept_name)),
        "removed": absorbed,
        "claim": outcome.claim.map(|(manager, status)| json!({ "manager": manager, "status": status })),
        "claims_closed": outcome.claims_closed,
        "history_moved": outcome.history_moved,
        "entities_replaced": replaced,
    })))
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
        parent: parent.clone(),
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
    if let Some(revision) = edit.revision {
        if revision != snapshot.revision {
            return Err(ApiError {
                status: axum::http::StatusCode::CONFLICT,
                error: "conflict",
                message: format!(
                    "the grid changed since the preview (revision {revision}, now {}): preview again",
                    snapshot.revision
                ),
            });
        }
    }
    let mut chosen = (*report).clone();
    if let Some(parent) = &parent {
        chosen
            .fixes
            .retain(|f| snapshot.within(f.parent.as_ref(), parent));
    }
    let plan = plan_fixes(&snapshot, &chosen);
    // The report after the change, computed on the fixed snapshot in memory
    // (the same numbers a fresh report gives after writing).
    let after = {
        let fixed = fixed_snapshot(&snapshot, &plan);
        let options = options.clone();
        tokio::task::spawn_blocking(move || analyze_snapshot(&fixed, &options))
            .await
            .map_err(|e| ApiError::bad_request(format!("coverage analysis failed: {e}")))?
    };
    let changes: Vec<Value> = plan
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
    let mut replaced = 0;
    if !edit.dry_run && !plan.changes.is_empty() {
        // Written here rather than by `wangge_coverage::apply_plan`, so the
        // new index is built once and serves both the map and re-placement.
        let updates: Vec<GeometryUpdate> = plan.changes.iter().map(|c| c.update.clone()).collect();
        state.store().update_grid_geometries(&updates).await?;
        let area = union_bbox(
            plan.changes
                .iter()
                .flat_map(|c| c.old_bbox.into_iter().chain([c.update.bbox])),
        );
        replaced = grid_changed(&state, area).await?;
    }
    Ok(Json(json!({
        "dry_run": edit.dry_run,
        "revision": snapshot.revision,
        "proposals_applied": plan.proposals_applied,
        "blind_spots_left": plan.blind_spots_left,
        "left_alone": plan.left_alone,
        "changes": changes,
        "difference": difference(&report, &after),
        "entities_replaced": replaced,
    })))
}
