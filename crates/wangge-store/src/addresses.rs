//! The operator's standard address base (标准地址) and an imported edition of
//! the village-level gazetteer. Codes are kept as text (the statistical codes
//! of 2, 4, 6, 9 and 12 digits); the geocoder checks their chains.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::{Store, StoreError};

/// One standard address as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StandardAddressRecord {
    /// The source's id (unique).
    pub code: String,
    pub province_code: Option<String>,
    pub city_code: Option<String>,
    pub county_code: Option<String>,
    pub town_code: Option<String>,
    pub village_code: Option<String>,
    pub road: String,
    pub house_number: Option<String>,
    pub compound: Option<String>,
    pub building: Option<String>,
    /// WGS-84.
    pub lon: f64,
    pub lat: f64,
}

/// One village or community (村/社区).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VillageRecord {
    pub code: String,
    pub name: String,
    pub town_code: String,
}

const ADDRESS_COLUMNS: &str = "code, province_code, city_code, county_code, town_code, \
     village_code, road, house_number, compound, building, lon, lat";

impl Store {
    /// Inserts or replaces (by code) standard addresses, all in one
    /// transaction: a bad row leaves the base as it was.
    pub async fn upsert_standard_addresses(
        &self,
        rows: &[StandardAddressRecord],
    ) -> Result<usize, StoreError> {
        let mut tx = self.begin_write().await?;
        for r in rows {
            sqlx::query("DELETE FROM standard_addresses WHERE code = $1")
                .bind(r.code.as_str())
                .execute(&mut *tx)
                .await?;
            sqlx::query(&format!(
                "INSERT INTO standard_addresses ({ADDRESS_COLUMNS}) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
            ))
            .bind(r.code.as_str())
            .bind(r.province_code.as_deref())
            .bind(r.city_code.as_deref())
            .bind(r.county_code.as_deref())
            .bind(r.town_code.as_deref())
            .bind(r.village_code.as_deref())
            .bind(r.road.as_str())
            .bind(r.house_number.as_deref())
            .bind(r.compound.as_deref())
            .bind(r.building.as_deref())
            .bind(r.lon)
            .bind(r.lat)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(rows.len())
    }

    /// Every standard address, by code.
    pub async fn standard_addresses(&self) -> Result<Vec<StandardAddressRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {ADDRESS_COLUMNS} FROM standard_addresses ORDER BY code"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(StandardAddressRecord {
                    code: row.try_get("code")?,
                    province_code: row.try_get("province_code")?,
                    city_code: row.try_get("city_code")?,
                    county_code: row.try_get("county_code")?,
                    town_code: row.try_get("town_code")?,
                    village_code: row.try_get("village_code")?,
                    road: row.try_get("road")?,
                    house_number: row.try_get("house_number")?,
                    compound: row.try_get("compound")?,
                    building: row.try_get("building")?,
                    lon: row.try_get("lon")?,
                    lat: row.try_get("lat")?,
                })
            })
            .collect()
    }

    /// Replaces the stored village edition with `rows`, in one transaction.
    pub async fn replace_villages(&self, rows: &[VillageRecord]) -> Result<usize, StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM gazetteer_villages")
            .execute(&mut *tx)
            .await?;
        for r in rows {
            sqlx::query(
                "INSERT INTO gazetteer_villages (code, name, town_code) VALUES ($1, $2, $3)",
            )
            .bind(r.code.as_str())
            .bind(r.name.as_str())
            .bind(r.town_code.as_str())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(rows.len())
    }

    /// The stored village edition, by code (empty: use the embedded one).
    pub async fn villages(&self) -> Result<Vec<VillageRecord>, StoreError> {
        let rows =
            sqlx::query("SELECT code, name, town_code FROM gazetteer_villages ORDER BY code")
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|row| {
                Ok(VillageRecord {
                    code: row.try_get("code")?,
                    name: row.try_get("name")?,
                    town_code: row.try_get("town_code")?,
                })
            })
            .collect()
    }
}

/// A bulk geocoding job as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeocodeJobRecord {
    pub public_id: String,
    pub submitted_by: Option<i64>,
    /// queued, running, done, failed, cancelled, interrupted.
    pub state: String,
    pub column_name: String,
    pub input_path: String,
    pub result_path: Option<String>,
    pub rows_total: i64,
    pub rows_done: i64,
    /// Rows per status: matched, partial, ambiguous, failed.
    pub counts: [i64; 4],
    pub error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const JOB_COLUMNS: &str = "public_id, submitted_by, state, column_name, input_path, result_path, \
     rows_total, rows_done, matched, partial, ambiguous, failed, error, created_at, updated_at";

impl Store {
    pub async fn insert_geocode_job(&self, job: &GeocodeJobRecord) -> Result<(), StoreError> {
        sqlx::query(&format!(
            "INSERT INTO geocode_jobs ({JOB_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
        ))
        .bind(job.public_id.as_str())
        .bind(job.submitted_by)
        .bind(job.state.as_str())
        .bind(job.column_name.as_str())
        .bind(job.input_path.as_str())
        .bind(job.result_path.as_deref())
        .bind(job.rows_total)
        .bind(job.rows_done)
        .bind(job.counts[0])
        .bind(job.counts[1])
        .bind(job.counts[2])
        .bind(job.counts[3])
        .bind(job.error.as_deref())
        .bind(job.created_at)
        .bind(job.updated_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Writes a job's state, progress, result and error. A job already
    /// cancelled stays cancelled (the worker may report after the cancel).
    pub async fn update_geocode_job(&self, job: &GeocodeJobRecord) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE geocode_jobs SET state = $2, result_path = $3, rows_done = $4, matched = $5, \
             partial = $6, ambiguous = $7, failed = $8, error = $9, updated_at = $10 \
             WHERE public_id = $1 AND (state <> 'cancelled' OR $2 = 'cancelled')",
        )
        .bind(job.public_id.as_str())
        .bind(job.state.as_str())
        .bind(job.result_path.as_deref())
        .bind(job.rows_done)
        .bind(job.counts[0])
        .bind(job.counts[1])
        .bind(job.counts[2])
        .bind(job.counts[3])
        .bind(job.error.as_deref())
        .bind(job.updated_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn geocode_job(
        &self,
        public_id: &str,
    ) -> Result<Option<GeocodeJobRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {JOB_COLUMNS} FROM geocode_jobs WHERE public_id = $1"
        ))
        .bind(public_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(GeocodeJobRecord {
                public_id: row.try_get("public_id")?,
                submitted_by: row.try_get("submitted_by")?,
                state: row.try_get("state")?,
                column_name: row.try_get("column_name")?,
                input_path: row.try_get("input_path")?,
                result_path: row.try_get("result_path")?,
                rows_total: row.try_get("rows_total")?,
                rows_done: row.try_get("rows_done")?,
                counts: [
                    row.try_get("matched")?,
                    row.try_get("partial")?,
                    row.try_get("ambiguous")?,
                    row.try_get("failed")?,
                ],
                error: row.try_get("error")?,
                created_at: row.try_get("created_at")?,
                updated_at: row.try_get("updated_at")?,
            })
        })
        .transpose()
    }
}
