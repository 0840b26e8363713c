//! Reading grids: lists by filter, one grid, its parent chain and the sizes
//! of its subtree.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use wangge_model::{GridCode, LevelNo};

use crate::bulk::id_list;
use crate::row::{get_bool, get_parsed, get_parsed_opt};
use crate::{GridFilter, GridRecord, Store, StoreError};

/// The columns of a [`GridRecord`], for `FROM grids g` + [`GRID_JOINS`].
const GRID_COLUMNS: &str = "g.id, g.code, g.name, g.level, p.code AS parent_code, g.cell_type, \
    ct.category, g.geometry, g.min_lon, g.min_lat, g.max_lon, g.max_lat, g.area_m2, g.valid, \
    g.invalid_reason, o.code AS outlet_code, g.properties, g.version";

const GRID_JOINS: &str = "LEFT JOIN grids p ON p.id = g.parent_id \
    LEFT JOIN cell_types ct ON ct.code = g.cell_type \
    LEFT JOIN outlets o ON o.id = g.outlet_id";

impl Store {
    /// Grids matching every field of the filter, ordered by level, then
    /// code; `offset` and `limit` cut a page of that order.
    pub async fn grids(&self, filter: &GridFilter) -> Result<Vec<GridRecord>, StoreError> {
        let (filter_sql, next) = filter_sql(filter);
        // SQLite takes an OFFSET only after a LIMIT: "no limit" is the
        // largest one (PostgreSQL has no LIMIT -1).
        let limit = match (filter.limit, filter.offset) {
            (None, None) => None,
            (limit, _) => Some(limit.unwrap_or(i64::MAX)),
        };
        let page = match (limit, filter.offset) {
            (None, _) => String::new(),
            (Some(_), None) => format!(" LIMIT ${}", next + 1),
            (Some(_), Some(_)) => format!(" LIMIT ${} OFFSET ${}", next + 1, next + 2),
        };
        let sql = format!(
            "SELECT {GRID_COLUMNS} FROM grids g {GRID_JOINS}{filter_sql} \
             ORDER BY g.level, g.code, g.territory_id{page}"
        );
        let mut query = bind_filter(sqlx::query(&sql), filter);
        if let Some(limit) = limit {
            query = query.bind(limit.max(0));
        }
        if let Some(offset) = filter.offset {
            query = query.bind(offset.max(0));
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(grid_record).collect()
    }

    /// How many grids match the filter (its `limit` and `offset` aside).
    pub async fn count_grids(&self, filter: &GridFilter) -> Result<i64, StoreError> {
        let (filter_sql, _) = filter_sql(filter);
        let sql = format!("SELECT COUNT(*) FROM grids g {GRID_JOINS}{filter_sql}");
        let row = bind_filter(sqlx::query(&sql), filter)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<i64, _>(0)?)
    }

    /// The grids with these database ids (ids that are gone are left
    /// out), ordered by level, then code: what an incremental rebuild of
    /// a snapshot re-reads ([`Store::grid_changes`]).
    pub async fn grids_by_id(&self, ids: &[i64]) -> Result<Vec<GridRecord>, StoreError> {
        // Numbers only, so the list is written into the SQL: one statement
        // per 500 ids whatever the backend's parameter limit.
        let mut records = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let sql = format!(
                "SELECT {GRID_COLUMNS} FROM grids g {GRID_JOINS} WHERE g.id IN ({})",
                id_list(chunk)
            );
            let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
            for row in &rows {
                records.push(grid_record(row)?);
            }
        }
        records.sort_by(|a, b| (a.level, &a.code, a.id).cmp(&(b.level, &b.code, b.id)));
        Ok(records)
    }

    /// The grid or cell with this code, if any.
    pub async fn grid(&self, code: &GridCode) -> Result<Option<GridRecord>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        grid_by_code(&mut conn, code).await
    }

    /// The parent chain of a grid: its parent first, up to the level-1 grid.
    /// Empty for a level-1 grid; `NotFound` for an unknown code.
    pub async fn ancestors(&self, code: &GridCode) -> Result<Vec<GridRecord>, StoreError> {
        let id = self.grid_id(code).await?;
        let sql = format!(
            "WITH RECURSIVE chain (id, depth) AS ( \
                 SELECT parent_id, 1 FROM grids WHERE id = $1 AND parent_id IS NOT NULL \
                 UNION ALL \
                 SELECT x.parent_id, chain.depth + 1 FROM grids x JOIN chain ON x.id = chain.id \
                 WHERE x.parent_id IS NOT NULL \
             ) \
             SELECT {GRID_COLUMNS} FROM chain JOIN grids g ON g.id = chain.id {GRID_JOINS} \
             ORDER BY chain.depth"
        );
        let rows = sqlx::query(&sql).bind(id).fetch_all(&self.pool).await?;
        rows.iter().map(grid_record).collect()
    }

    /// How many descendants a grid has on each level (index 0 = level 1, so
    /// always 0; a level-2 grid counts its level-3 grids and cells).
    /// `NotFound` for an unknown code.
    pub async fn child_counts(&self, code: &GridCode) -> Result<[i64; 4], StoreError> {
        let id = self.grid_id(code).await?;
        let rows = sqlx::query(
            "WITH RECURSIVE sub (id, level) AS ( \
                 SELECT id, level FROM grids WHERE parent_id = $1 \
                 UNION ALL \
                 SELECT x.id, x.level FROM grids x JOIN sub ON x.parent_id = sub.id \
             ) \
             SELECT level, COUNT(*) AS n FROM sub GROUP BY level",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let mut counts = [0; 4];
        for row in &rows {
            let level = level_of(row, "level")?;
            counts[usize::from(level.get() - 1)] = row.try_get("n")?;
        }
        Ok(counts)
    }

    /// The database id of a grid, or `NotFound`.
    pub(crate) async fn grid_id(&self, code: &GridCode) -> Result<i64, StoreError> {
        // `level IN (..)` lets the (level, code) index find the code; the
        // unique (territory_id, code) index cannot without a territory.
        let row = sqlx::query(
            "SELECT id FROM grids WHERE level IN (1, 2, 3, 4) AND code = $1 \
             ORDER BY territory_id LIMIT 1",
        )
        .bind(code.as_str())
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => Ok(row.try_get("id")?),
            None => Err(StoreError::NotFound {
                what: "grid",
                key: code.to_string(),
            }),
        }
    }
}

/// The grid or cell with this code on one connection (a transaction's).
pub(crate) async fn grid_by_code(
    conn: &mut AnyConnection,
    code: &GridCode,
) -> Result<Option<GridRecord>, StoreError> {
    let sql = format!(
        "SELECT {GRID_COLUMNS} FROM grids g {GRID_JOINS} WHERE g.level IN (1, 2, 3, 4) AND g.code = $1 ORDER BY g.territory_id LIMIT 1"
    );
    let row = sqlx::query(&sql)
        .bind(code.as_str())
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(grid_record).transpose()
}

pub(crate) fn level_of(row: &AnyRow, column: &str) -> Result<LevelNo, StoreError> {
    let level: i64 = row.try_get(column)?;
    LevelNo::try_from(level).map_err(|e| StoreError::corrupt("grid level", e))
}

/// One row of `SELECT {GRID_COLUMNS}` as a record.
fn grid_record(row: &AnyRow) -> Result<GridRecord, StoreError> {
    Ok(GridRecord {
        id: row.try_get("id")?,
        code: get_parsed(row, "code", "grid code")?,
        name: row.try_get("name")?,
        level: level_of(row, "level")?,
        parent: get_parsed_opt(row, "parent_code", "parent code")?,
        cell_type: get_parsed_opt(row, "cell_type", "cell type code")?,
        category: get_parsed_opt(row, "category", "category")?,
        geometry_geojson: row.try_get("geometry")?,
        bbox: [
            row.try_get("min_lon")?,
            row.try_get("min_lat")?,
            row.try_get("max_lon")?,
            row.try_get("max_lat")?,
        ],
        area_m2: row.try_get("area_m2")?,
        valid: get_bool(row, "valid")?,
        invalid_reason: row.try_get("invalid_reason")?,
        outlet: row.try_get("outlet_code")?,
        properties_json: row.try_get("properties")?,
        version: row.try_get("version")?,
    })
}

/// The `WHERE` clause of a filter (placeholders `$1`…) and the number of
/// placeholders it used.
fn filter_sql(filter: &GridFilter) -> (String, usize) {
    let mut conditions: Vec<String> = Vec::new();
    let mut next = 0;
    let mut placeholder = || {
        next += 1;
        format!("${next}")
    };
    if filter.level.is_some() {
        conditions.push(format!("g.level = {}", placeholder()));
    }
    if filter.parent.is_some() {
        conditions.push(format!("p.code = {}", placeholder()));
    }
    if filter.bbox.is_some() {
        // Boxes intersect unless one lies wholly beside the other.
        let (a, b, c, d) = (placeholder(), placeholder(), placeholder(), placeholder());
        conditions.push(format!(
            "g.max_lon >= {a} AND g.max_lat >= {b} AND g.min_lon <= {c} AND g.min_lat <= {d}"
        ));
    }
    if filter.cell_type.is_some() {
        conditions.push(format!("g.cell_type = {}", placeholder()));
    }
    if filter.category.is_some() {
        conditions.push(format!("ct.category = {}", placeholder()));
    }
    let sql = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };
    (sql, next)
}

/// The filter's values bound in the order [`filter_sql`] numbered them.
fn bind_filter<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    filter: &'q GridFilter,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    if let Some(level) = filter.level {
        query = query.bind(i64::from(level.get()));
    }
    if let Some(parent) = &filter.parent {
        query = query.bind(parent.as_str());
    }
    if let Some([min_lon, min_lat, max_lon, max_lat]) = filter.bbox {
        query = query
            .bind(min_lon)
            .bind(min_lat)
            .bind(max_lon)
            .bind(max_lat);
    }
    if let Some(cell_type) = filter.cell_type {
        query = query.bind(cell_type.as_str());
    }
    if let Some(category) = filter.category {
        query = query.bind(category.as_str());
    }
    query
}
