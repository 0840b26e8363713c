//! Finding customers by code (exact) or name (substring) for the map's
//! search box, with the cell each is placed in.

use serde::Serialize;
use sqlx::Row;

use crate::coords::from_stored;
use crate::{Store, StoreError};

/// One customer found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerHit {
    pub code: String,
    pub name: String,
    pub address: Option<String>,
    /// As given (NaN stays NaN; JSON writes it as null).
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    /// The cell it is placed in, when it is.
    pub cell_code: Option<String>,
}

/// `%`, `_` and the escape character itself match literally.
fn like_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

impl Store {
    /// Customers whose code is `text` or whose name contains it: exact code
    /// matches first, then by code; at most `limit`.
    pub async fn find_customers(
        &self,
        text: &str,
        limit: i64,
    ) -> Result<Vec<CustomerHit>, StoreError> {
        let rows = sqlx::query(
            "SELECT c.code, c.name, c.address, c.lon, c.lat, c.raw_coordinates, g.code AS cell_code \
             FROM customers c \
             LEFT JOIN placements p ON p.entity_kind = 'customer' AND p.entity_id = c.id \
             LEFT JOIN grids g ON g.id = p.cell_id \
             WHERE c.code = $1 OR c.name LIKE $2 ESCAPE '\\' \
             ORDER BY CASE WHEN c.code = $3 THEN 0 ELSE 1 END, c.code, c.id LIMIT $4",
        )
        .bind(text)
        .bind(like_pattern(text))
        .bind(text)
        .bind(limit.max(0))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let raw: Option<String> = row.try_get("raw_coordinates")?;
                let (lon, lat) =
                    from_stored(row.try_get("lon")?, row.try_get("lat")?, raw.as_deref());
                Ok(CustomerHit {
                    code: row.try_get("code")?,
                    name: row.try_get("name")?,
                    address: row.try_get("address")?,
                    lon,
                    lat,
                    cell_code: row.try_get("cell_code")?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::like_pattern;

    #[test]
    fn wildcards_are_escaped() {
        assert_eq!(like_pattern("十堰_5%"), "%十堰\\_5\\%%");
    }
}
