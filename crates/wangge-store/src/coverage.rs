//! What the coverage report needs of the store beyond grids and claims: the
//! grid's revision (for caches), the load of every cell (customers,
//! resources, ports) and writing repaired geometries back.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sqlx::Row;
use wangge_model::{GridCode, PlacementStatus};

use crate::row::{get_parsed, positive_zero};
use crate::{BBox, EntityKind, Store, StoreError};

/// What is placed in one cell (statuses `assigned` and `via_parent`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellLoad {
    pub cell: GridCode,
    pub customers: i64,
    pub resources: i64,
    /// Ports of the cell's resources that give a capacity above 0.
    pub capacity_ports: i64,
    /// Ports in use of those same resources (missing counts as 0).
    pub ports_in_use: i64,
}

/// See [`Store::placement_gaps`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlacementGaps {
    pub by_status: Vec<(EntityKind, PlacementStatus, i64)>,
    /// Level-3 grid, kind, entities `in_gap`; by code.
    pub in_gap_by_l3: Vec<(GridCode, EntityKind, i64)>,
}

/// A grid's new geometry (a coverage fix), with what is derived from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeometryUpdate {
    pub code: GridCode,
    /// `GeoJSON` geometry object (`Polygon` or `MultiPolygon`) as text.
    pub geometry_geojson: String,
    pub bbox: BBox,
    pub area_m2: f64,
    /// `Some(reason)` when the new geometry is invalid.
    pub invalid_reason: Option<String>,
}

impl Store {
    /// A number that changes whenever any grid is inserted, updated or
    /// deleted (kept by triggers, migration 0007), also by another process
    /// or server on the same database: [`crate::Revisions::grids`].
    pub async fn grid_revision(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT revision FROM revisions WHERE name = 'grids'")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("revision")?)
    }

    /// Every cell that has customers or resources placed in it, by code.
    /// Three narrow queries: each GROUP BY walks an index of `placements`.
    pub async fn cell_loads(&self) -> Result<Vec<CellLoad>, StoreError> {
        let customers = sqlx::query(
            "SELECT cell_id, COUNT(*) AS n FROM placements \
             WHERE cell_id IS NOT NULL AND entity_kind = 'customer' \
               AND status IN ('assigned', 'via_parent') GROUP BY cell_id",
        )
        .fetch_all(&self.pool)
        .await?;
        let resources = sqlx::query(
            "SELECT p.cell_id, COUNT(*) AS n, \
                    CAST(COALESCE(SUM(CASE WHEN r.capacity_ports > 0 THEN r.capacity_ports END), 0) AS BIGINT) AS capacity, \
                    CAST(COALESCE(SUM(CASE WHEN r.capacity_ports > 0 THEN r.ports_in_use END), 0) AS BIGINT) AS in_use \
             FROM placements p JOIN resources r ON r.id = p.entity_id \
             WHERE p.cell_id IS NOT NULL AND p.entity_kind = 'resource' \
               AND p.status IN ('assigned', 'via_parent') GROUP BY p.cell_id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut loads: HashMap<i64, CellLoad> = HashMap::new();
        let cells = sqlx::query("SELECT id, code FROM grids WHERE level = 4")
            .fetch_all(&self.pool)
            .await?;
        let mut codes: HashMap<i64, GridCode> = HashMap::with_capacity(cells.len());
        for row in &cells {
            codes.insert(row.try_get("id")?, get_parsed(row, "code", "grid code")?);
        }
        for row in &customers {
            if let Some(load) = load_of(&mut loads, &codes, row)? {
                load.customers += row.try_get::<i64, _>("n")?;
            }
        }
        for row in &resources {
            if let Some(load) = load_of(&mut loads, &codes, row)? {
                load.resources += row.try_get::<i64, _>("n")?;
                load.capacity_ports += row.try_get::<i64, _>("capacity")?;
                load.ports_in_use += row.try_get::<i64, _>("in_use")?;
            }
        }
        let mut loads: Vec<CellLoad> = loads.into_values().collect();
        loads.sort_by(|a, b| a.cell.cmp(&b.cell));
        Ok(loads)
    }

    /// Placements counted by kind and status over the whole territory, and
    /// the entities lying in a level-3 grid but in none of its cells
    /// (`in_gap`) per level-3 grid. Customers and resources only.
    pub async fn placement_gaps(&self) -> Result<PlacementGaps, StoreError> {
        let rows = sqlx::query(
            "SELECT entity_kind, status, COUNT(*) AS n FROM placements \
             WHERE entity_kind IN ('customer', 'resource') GROUP BY entity_kind, status",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut by_status = Vec::with_capacity(rows.len());
        for row in &rows {
            by_status.push((
                get_parsed(row, "entity_kind", "placement entity kind")?,
                get_parsed(row, "status", "placement status")?,
                row.try_get("n")?,
            ));
        }
        let rows = sqlx::query(
            "SELECT g.code, x.entity_kind, x.n FROM ( \
                 SELECT l3_id, entity_kind, COUNT(*) AS n FROM placements \
                 WHERE status = 'in_gap' AND entity_kind IN ('customer', 'resource') \
                 GROUP BY l3_id, entity_kind) x \
             JOIN grids g ON g.id = x.l3_id ORDER BY g.code, x.entity_kind",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut in_gap_by_l3 = Vec::with_capacity(rows.len());
        for row in &rows {
            in_gap_by_l3.push((
                get_parsed(row, "code", "grid code")?,
                get_parsed(row, "entity_kind", "placement entity kind")?,
                row.try_get("n")?,
            ));
        }
        Ok(PlacementGaps {
            by_status,
            in_gap_by_l3,
        })
    }
}

/// Writes one grid's new geometry (checked by [`check_update`] first).
pub(crate) async fn update_geometry(
    tx: &mut sqlx::AnyConnection,
    u: &GeometryUpdate,
    now: i64,
) -> Result<(), StoreError> {
    let [min_lon, min_lat, max_lon, max_lat] = u.bbox.map(positive_zero);
    let done = sqlx::query(
        "UPDATE grids SET geometry = $1, min_lon = $2, min_lat = $3, max_lon = $4, \
         max_lat = $5, area_m2 = $6, valid = $7, invalid_reason = $8, updated_at = $9 \
         WHERE id = (SELECT id FROM grids WHERE code = $10 ORDER BY territory_id LIMIT 1)",
    )
    .bind(u.geometry_geojson.as_str())
    .bind(min_lon)
    .bind(min_lat)
    .bind(max_lon)
    .bind(max_lat)
    .bind(positive_zero(u.area_m2))
    .bind(u.invalid_reason.is_none())
    .bind(u.invalid_reason.as_deref())
    .bind(now)
    .bind(u.code.as_str())
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::NotFound {
            what: "grid",
            key: u.code.to_string(),
        });
    }
    Ok(())
}

/// The load of the cell in `row`'s `cell_id`; `None` for no cell.
fn load_of<'a>(
    loads: &'a mut HashMap<i64, CellLoad>,
    codes: &HashMap<i64, GridCode>,
    row: &sqlx::any::AnyRow,
) -> Result<Option<&'a mut CellLoad>, StoreError> {
    let id: i64 = row.try_get("cell_id")?;
    let Some(code) = codes.get(&id) else {
        return Ok(None);
    };
    Ok(Some(loads.entry(id).or_insert_with(|| CellLoad {
        cell: code.clone(),
        customers: 0,
        resources: 0,
        capacity_ports: 0,
        ports_in_use: 0,
    })))
}

pub(crate) fn check_update(u: &GeometryUpdate) -> Result<(), StoreError> {
    let bad = |field: &'static str, value: String, reason: &'static str| {
        Err(StoreError::InvalidField {
            kind: "grid",
            code: u.code.to_string(),
            field,
            value,
            reason,
        })
    };
    if !u.bbox.iter().all(|v| v.is_finite()) || u.bbox[0] > u.bbox[2] || u.bbox[1] > u.bbox[3] {
        return bad(
            "bbox",
            format!("{:?}", u.bbox),
            "must be finite with min <= max",
        );
    }
    if !u.area_m2.is_finite() || u.area_m2 < 0.0 {
        return bad("area_m2", u.area_m2.to_string(), "must be finite and >= 0");
    }
    let polygonal = serde_json::from_str::<serde_json::Value>(&u.geometry_geojson)
        .ok()
        .is_some_and(|v| {
            matches!(v["type"].as_str(), Some("Polygon" | "MultiPolygon"))
                && v["coordinates"].is_array()
        });
    if !polygonal {
        let start: String = u.geometry_geojson.chars().take(40).collect();
        return bad(
            "geometry",
            start,
            "must be a GeoJSON Polygon or MultiPolygon object",
        );
    }
    Ok(())
}
