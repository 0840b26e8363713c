//! The operator's standard address base (标准地址) and an imported edition of
//! the village-level gazetteer. Codes are kept as text (the statistical codes
//! of 2, 4, 6, 9 and 12 digits); the geocoder checks their chains.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::bulk::{analyze_if_bulk, chunk_rows, values_rows};
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
const ADDRESS_PARAMS: usize = 12;
/// Rows per statement at most: large enough that the statement count is
/// small, small enough that one statement's text stays modest.
const MAX_CHUNK_ROWS: usize = 1_000;

/// The rows with each code once, its last occurrence kept, in the order of
/// those last occurrences (one statement may not write a row twice).
fn last_per_code<T>(rows: &[T], code: impl Fn(&T) -> &str) -> Vec<&T> {
    let mut last = std::collections::HashMap::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        last.insert(code(r), i);
    }
    rows.iter()
        .enumerate()
        .filter(|(i, r)| last.get(code(r)) == Some(i))
        .map(|(_, r)| r)
        .collect()
}

impl Store {
    /// Inserts or replaces (by code) standard addresses, all in one
    /// transaction: a bad row leaves the base as it was. A code given twice
    /// keeps its last row. Multi-row statements: one per chunk, not two per
    /// row.
    pub async fn upsert_standard_addresses(
        &self,
        rows: &[StandardAddressRecord],
    ) -> Result<usize, StoreError> {
        let rows = last_per_code(rows, |r| r.code.as_str());
        let backend = self.backend();
        let set: Vec<String> = ADDRESS_COLUMNS
            .split(", ")
            .skip(1)
            .map(|c| format!("{c} = excluded.{c}"))
            .collect();
        let mut tx = self.begin_write().await?;
        for chunk in rows.chunks(chunk_rows(backend, ADDRESS_PARAMS, MAX_CHUNK_ROWS)) {
            let sql = format!(
                "INSERT INTO standard_addresses ({ADDRESS_COLUMNS}) VALUES {} \
                 ON CONFLICT (code) DO UPDATE SET {}",
                values_rows(backend, chunk.len(), ADDRESS_PARAMS, "", ""),
                set.join(", ")
            );
            let mut query = sqlx::query(&sql);
            for r in chunk {
                query = query
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
                    .bind(r.lat);
            }
            query.execute(&mut *tx).await?;
        }
        analyze_if_bulk(&mut tx, backend, "standard_addresses", rows.len()).await?;
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
    /// A code given twice keeps its last row.
    pub async fn replace_villages(&self, rows: &[VillageRecord]) -> Result<usize, StoreError> {
        let rows = last_per_code(rows, |r| r.code.as_str());
        let backend = self.backend();
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM gazetteer_villages")
            .execute(&mut *tx)
            .await?;
        for chunk in rows.chunks(chunk_rows(backend, 3, MAX_CHUNK_ROWS)) {
            let sql = format!(
                "INSERT INTO gazetteer_villages (code, name, town_code) VALUES {}",
                values_rows(backend, chunk.len(), 3, "", "")
            );
            let mut query = sqlx::query(&sql);
            for r in chunk {
                query = query
                    .bind(r.code.as_str())
                    .bind(r.name.as_str())
                    .bind(r.town_code.as_str());
            }
            query.execute(&mut *tx).await?;
        }
        analyze_if_bulk(&mut tx, backend, "gazetteer_villages", rows.len()).await?;
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
