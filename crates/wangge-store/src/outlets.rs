//! Business outlets (营业厅) and the level-3 grids they support.

use std::collections::{HashMap, HashSet};

use sqlx::{AnyConnection, Row};
use wangge_model::GridCode;

use crate::grid_query::level_of;
use crate::row::{get_parsed, positive_zero};
use crate::territory::first_territory_id;
use crate::{NewOutlet, OutletRecord, Store, StoreError};

impl Store {
    /// Replaces all outlets of the territory in one transaction and links each
    /// outlet to the level-3 grids it `supports` (a grid has at most one).
    pub async fn replace_outlets(&self, outlets: &[NewOutlet]) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let Some(territory_id) = first_territory_id(&mut tx).await? else {
            if outlets.is_empty() {
                return Ok(());
            }
            return Err(StoreError::Conflict {
                message: "outlets need a territory: import the grids first".into(),
            });
        };
        let supported = check_outlets(&mut tx, territory_id, outlets).await?;

        sqlx::query(
            "UPDATE grids SET outlet_id = NULL WHERE territory_id = $1 AND outlet_id IS NOT NULL",
        )
        .bind(territory_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM outlets WHERE territory_id = $1")
            .bind(territory_id)
            .execute(&mut *tx)
            .await?;
        for (outlet, grid_ids) in outlets.iter().zip(&supported) {
            if let Some(problem) = wangge_model::name::name_problem(&outlet.name) {
                return Err(StoreError::bad_name(
                    "outlet",
                    outlet.code.as_str(),
                    &outlet.name,
                    problem,
                ));
            }
            let row = sqlx::query(
                "INSERT INTO outlets (territory_id, code, name, lon, lat, address) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(territory_id)
            .bind(outlet.code.as_str())
            .bind(outlet.name.as_str())
            .bind(positive_zero(outlet.lon))
            .bind(positive_zero(outlet.lat))
            .bind(outlet.address.as_deref())
            .fetch_one(&mut *tx)
            .await?;
            let outlet_id: i64 = row.try_get("id")?;
            for &grid_id in grid_ids {
                sqlx::query("UPDATE grids SET outlet_id = $1 WHERE id = $2")
                    .bind(outlet_id)
                    .bind(grid_id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// All outlets, by code, each with the codes of the grids it supports.
    pub async fn outlets(&self) -> Result<Vec<OutletRecord>, StoreError> {
        let rows =
            sqlx::query("SELECT id, code, name, lon, lat, address FROM outlets ORDER BY code, id")
                .fetch_all(&self.pool)
                .await?;
        let links = sqlx::query(
            "SELECT outlet_id, code FROM grids WHERE outlet_id IS NOT NULL ORDER BY code",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut supports: HashMap<i64, Vec<GridCode>> = HashMap::new();
        for link in &links {
            supports
                .entry(link.try_get("outlet_id")?)
                .or_default()
                .push(get_parsed(link, "code", "grid code")?);
        }
        rows.iter()
            .map(|row| {
                let id: i64 = row.try_get("id")?;
                Ok(OutletRecord {
                    id,
                    code: row.try_get("code")?,
                    name: row.try_get("name")?,
                    lon: row.try_get("lon")?,
                    lat: row.try_get("lat")?,
                    address: row.try_get("address")?,
                    supports: supports.remove(&id).unwrap_or_default(),
                })
            })
            .collect()
    }
}

/// Checks the outlets and returns, per outlet, the ids of the grids it supports.
async fn check_outlets(
    conn: &mut AnyConnection,
    territory_id: i64,
    outlets: &[NewOutlet],
) -> Result<Vec<Vec<i64>>, StoreError> {
    let rows =
        sqlx::query("SELECT id, code, level FROM grids WHERE territory_id = $1 AND level = 3")
            .bind(territory_id)
            .fetch_all(&mut *conn)
            .await?;
    let mut level3: HashMap<String, i64> = HashMap::with_capacity(rows.len());
    for row in &rows {
        level_of(row, "level")?;
        level3.insert(row.try_get("code")?, row.try_get("id")?);
    }
    let mut codes = HashSet::new();
    let mut taken: HashMap<&str, &str> = HashMap::new();
    let mut supported = Vec::with_capacity(outlets.len());
    for outlet in outlets {
        if !codes.insert(outlet.code.as_str()) {
            return Err(StoreError::DuplicateCode {
                code: outlet.code.clone(),
                source_hint: Some(format!("outlet {}", outlet.name)),
            });
        }
        let on_earth = outlet.lon.is_finite()
            && outlet.lat.is_finite()
            && (-180.0..=180.0).contains(&outlet.lon)
            && (-90.0..=90.0).contains(&outlet.lat);
        if !on_earth {
            return Err(StoreError::Conflict {
                message: format!(
                    "outlet {}: position ({}, {}) is not a longitude/latitude in degrees",
                    outlet.code, outlet.lon, outlet.lat
                ),
            });
        }
        let mut ids = Vec::with_capacity(outlet.supports.len());
        for grid in &outlet.supports {
            let Some(&id) = level3.get(grid.as_str()) else {
                return Err(grid_not_level3(conn, territory_id, &outlet.code, grid).await);
            };
            if let Some(other) = taken.insert(grid.as_str(), outlet.code.as_str()) {
                return Err(StoreError::Conflict {
                    message: format!(
                        "grid {grid} is supported by outlets {other} and {}: a grid has at most one outlet",
                        outlet.code
                    ),
                });
            }
            ids.push(id);
        }
        supported.push(ids);
    }
    Ok(supported)
}

/// The error for a supported grid that is no level-3 grid of the territory.
async fn grid_not_level3(
    conn: &mut AnyConnection,
    territory_id: i64,
    outlet: &str,
    grid: &GridCode,
) -> StoreError {
    let found = sqlx::query("SELECT level FROM grids WHERE territory_id = $1 AND code = $2")
        .bind(territory_id)
        .bind(grid.as_str())
        .fetch_optional(&mut *conn)
        .await;
    match found {
        Err(e) => e.into(),
        Ok(None) => StoreError::NotFound {
            what: "grid",
            key: grid.to_string(),
        },
        Ok(Some(row)) => match level_of(&row, "level") {
            Err(e) => e,
            Ok(level) => StoreError::Conflict {
                message: format!(
                    "outlet {outlet} supports grid {grid}, which is level {level}: outlets support level-3 grids"
                ),
            },
        },
    }
}
