//! Finding grids and cells by name for the map's search box: the names a
//! text contains (`十堰市茅箭区润景家园` holds the cell 润景家园), or that
//! contain the text (a name typed in part).

use serde::Serialize;
use sqlx::Row;
use wangge_model::{GridCode, LevelNo};

use crate::grid_query::level_of;
use crate::row::get_parsed;
use crate::{BBox, Backend, Store, StoreError};

/// Names shorter than this are not looked for inside a text: one character
/// is part of too many words.
const MIN_NAME_CHARS: i64 = 2;

/// One grid or cell found by name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GridNameHit {
    pub code: GridCode,
    pub name: String,
    pub level: LevelNo,
    pub bbox: BBox,
    /// The text contains the whole name (rather than the name containing
    /// the text).
    pub name_in_text: bool,
}

impl Store {
    /// Grids whose name the text contains, then grids whose name contains
    /// the text; longer names first (a more specific hit), cells before
    /// grids of the same name length; at most `limit`.
    pub async fn grids_named_in(
        &self,
        text: &str,
        limit: i64,
    ) -> Result<Vec<GridNameHit>, StoreError> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(Vec::new());
        }
        // Whether `a` contains `b`: the two databases spell it differently.
        let contains = |a: &str, b: &str| match self.backend() {
            Backend::Sqlite => format!("instr({a}, {b}) > 0"),
            Backend::Postgres => format!("strpos({a}, {b}) > 0"),
        };
        let name_in_text = contains("$1", "name");
        let text_in_name = contains("name", "$2");
        let sql = format!(
            "SELECT code, name, level, min_lon, min_lat, max_lon, max_lat, \
                    CASE WHEN {name_in_text} THEN 1 ELSE 0 END AS name_in_text \
             FROM grids \
             WHERE (length(name) >= {MIN_NAME_CHARS} AND {name_in_text}) OR {text_in_name} \
             ORDER BY name_in_text DESC, length(name) DESC, level DESC, code LIMIT $3"
        );
        let rows = sqlx::query(&sql)
            .bind(text)
            .bind(text)
            .bind(limit.max(0))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(GridNameHit {
                    code: get_parsed(row, "code", "grid code")?,
                    name: row.try_get("name")?,
                    level: level_of(row, "level")?,
                    bbox: [
                        row.try_get("min_lon")?,
                        row.try_get("min_lat")?,
                        row.try_get("max_lon")?,
                        row.try_get("max_lat")?,
                    ],
                    name_in_text: row.try_get::<i64, _>("name_in_text")? == 1,
                })
            })
            .collect()
    }
}
