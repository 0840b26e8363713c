//! The stored, editable table of cell types.

use sqlx::Row;
use wangge_model::{Category, CellType, CellTypeCatalog, CellTypeCode};

use crate::row::{get_bool, get_parsed};
use crate::{Store, StoreError};

impl Store {
    /// The cell-type table in force (the operator's edited copy).
    pub async fn cell_types(&self) -> Result<CellTypeCatalog, StoreError> {
        let rows = sqlx::query(
            "SELECT code, name_zh, name_en, category, zhengqi FROM cell_types ORDER BY code",
        )
        .fetch_all(&self.pool)
        .await?;
        let types = rows
            .iter()
            .map(|row| {
                Ok(CellType {
                    code: get_parsed(row, "code", "cell type code")?,
                    name_zh: row.try_get("name_zh")?,
                    name_en: row.try_get("name_en")?,
                    category: get_parsed(row, "category", "cell type category")?,
                    zhengqi: get_bool(row, "zhengqi")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(CellTypeCatalog::new(types))
    }

    /// Moves a cell type to another category; counts by category follow.
    pub async fn set_cell_type_category(
        &self,
        code: CellTypeCode,
        category: Category,
    ) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE cell_types SET category = $1 WHERE code = $2")
            .bind(category.as_str())
            .bind(code.as_str())
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound {
                what: "cell type",
                key: code.as_str(),
            });
        }
        Ok(())
    }

    /// Fills an empty type table with the model's default 20 types.
    pub(crate) async fn seed_cell_types(&self) -> Result<(), StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM cell_types")
            .fetch_one(&self.pool)
            .await?;
        if row.try_get::<i64, _>("n")? > 0 {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        for t in CellTypeCatalog::default().types() {
            // DO NOTHING: another process seeding at the same moment is fine.
            sqlx::query(
                "INSERT INTO cell_types (code, name_zh, name_en, category, zhengqi) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (code) DO NOTHING",
            )
            .bind(t.code.as_str())
            .bind(t.name_zh.as_str())
            .bind(t.name_en.as_str())
            .bind(t.category.as_str())
            .bind(t.zhengqi)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
