//! The territory: the company's whole area, owner of the grid. Most
//! installations hold exactly one; "the territory" is the first created.

use sqlx::{AnyConnection, Row};
use wangge_model::Territory;

use crate::row::get_parsed;
use crate::{Store, StoreError};

impl Store {
    /// The first territory created, if any.
    pub async fn territory(&self) -> Result<Option<Territory>, StoreError> {
        let row = sqlx::query("SELECT code, name FROM territories ORDER BY id LIMIT 1")
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            Ok(Territory {
                code: get_parsed(&row, "code", "territory code")?,
                name: row.try_get("name")?,
            })
        })
        .transpose()
    }

    /// Creates the territory unless one with its code exists (the name of an
    /// existing one is left as it is).
    pub async fn ensure_territory(&self, territory: &Territory) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        territory_id(&mut conn, territory).await?;
        Ok(())
    }
}

/// The id of the territory with this code, created when missing.
pub(crate) async fn territory_id(
    conn: &mut AnyConnection,
    territory: &Territory,
) -> Result<i64, StoreError> {
    // ON CONFLICT DO NOTHING: two writers creating it at once both succeed.
    sqlx::query(
        "INSERT INTO territories (code, name) VALUES ($1, $2) ON CONFLICT (code) DO NOTHING",
    )
    .bind(territory.code.as_str())
    .bind(territory.name.as_str())
    .execute(&mut *conn)
    .await?;
    let row = sqlx::query("SELECT id FROM territories WHERE code = $1")
        .bind(territory.code.as_str())
        .fetch_one(&mut *conn)
        .await?;
    Ok(row.try_get("id")?)
}

/// The id of the first territory, if any.
pub(crate) async fn first_territory_id(
    conn: &mut AnyConnection,
) -> Result<Option<i64>, StoreError> {
    let row = sqlx::query("SELECT id FROM territories ORDER BY id LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(|r| r.try_get("id")).transpose()?)
}
