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
