//! Counts for `wangge stats` and `GET /api/v1/stats`.

use std::collections::HashMap;

use sqlx::Row;
use wangge_model::Category;

use crate::grid_query::level_of;
use crate::row::get_parsed;
use crate::{CategoryCount, Stats, Store, StoreError, TypeCount};

impl Store {
    /// Grids by level, cells by type and by category (every type and all six
    /// categories listed, zeros included), invalid geometries, outlets,
    /// level-3 grids without an outlet, users, and the entities placed in
    /// the grid (customers, resources, buildings, opportunities).
    pub async fn stats(&self) -> Result<Stats, StoreError> {
        let mut by_level = [0; 4];
        let rows = sqlx::query("SELECT level, COUNT(*) AS n FROM grids GROUP BY level")
            .fetch_all(&self.pool)
            .await?;
        for row in &rows {
            by_level[usize::from(level_of(row, "level")?.get() - 1)] = row.try_get("n")?;
        }

        // Categories come from the type table, so an edited mapping counts at once.
        let rows = sqlx::query(
            "SELECT ct.code, ct.name_zh, ct.name_en, ct.category, COUNT(g.id) AS n \
             FROM cell_types ct LEFT JOIN grids g ON g.cell_type = ct.code \
             GROUP BY ct.code, ct.name_zh, ct.name_en, ct.category ORDER BY ct.code",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut by_type = Vec::with_capacity(rows.len());
        let mut per_category: HashMap<Category, i64> = HashMap::new();
        for row in &rows {
            let count = TypeCount {
                code: get_parsed(row, "code", "cell type code")?,
                name_zh: row.try_get("name_zh")?,
                name_en: row.try_get("name_en")?,
                category: get_parsed(row, "category", "cell type category")?,
                cells: row.try_get("n")?,
            };
            *per_category.entry(count.category).or_default() += count.cells;
            by_type.push(count);
        }
        let by_category = Category::ALL
            .into_iter()
            .map(|category| CategoryCount {
                category,
                cells: per_category.get(&category).copied().unwrap_or(0),
            })
            .collect();

        let row = sqlx::query(
            "SELECT \
               (SELECT COUNT(*) FROM grids WHERE NOT (valid = $1)) AS invalid, \
               (SELECT COUNT(*) FROM outlets) AS outlets, \
               (SELECT COUNT(*) FROM grids WHERE level = 3 AND outlet_id IS NULL) AS orphans, \
               (SELECT COUNT(*) FROM users) AS users",
        )
        .bind(true)
        .fetch_one(&self.pool)
        .await?;

        let [customers, resources, buildings, opportunities] =
            self.entity_counts().await?.map(|(_, n)| n);
        Ok(Stats {
            territory: self.territory().await?.map(|t| t.name),
            by_level,
            by_type,
            by_category,
            invalid_geometries: row.try_get("invalid")?,
            outlets: row.try_get("outlets")?,
            level3_without_outlet: row.try_get("orphans")?,
            users: row.try_get("users")?,
            customers,
            resources,
            buildings,
            opportunities,
        })
    }
}
