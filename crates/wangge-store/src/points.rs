//! The compact points the assignment engine reads: 1.2 M customers must load
//! in about a second.
//!
//! The drivers' cost is per value and per row (`SQLite`'s driver copies
//! every value out of the statement, sends every row through a channel to
//! the async task, and the Any driver copies it again), not in the database:
//! read row by row, 1.2 M points take 2-3 s. So the database packs them:
//! one row per block of ids, a text of `packed,lon,lat[,parent]` items
//! joined by `;`, where `packed` is `id * 4 + flags` and a coordinate is the
//! integer `v * 2^52`. That integer is exact: multiplying by a power of two
//! loses nothing, and the SQL emits it only when it is a whole number that
//! fits (`|v| < 2048` with no bits below `2^-52`, i.e. every coordinate from
//! 1 degree on); anything else is marked `x` and read again as a float,
//! like the rows with non-finite coordinates. The result is bit-exact and
//! 2-3 times faster.

use std::thread::available_parallelism;

use sqlx::{AnyPool, Row};

use crate::bulk::{id_list, placeholders};
use crate::coords::from_stored;
use crate::{EntityKind, EntityPoint, Store, StoreError};

/// Ids per packed row.
const BLOCK_IDS: i64 = 4_096;

/// Below this many rows a single reader is as fast as several.
const PARALLEL_FROM_ROWS: i64 = 100_000;

/// Flags in the low bits of `packed`.
const FLAG_ADDRESS: i64 = 1;
const FLAG_RAW: i64 = 2;

/// The scale of the integer coordinates: `2^52`.
const SCALE: f64 = 4_503_599_627_370_496.0;

impl Store {
    /// The id, coordinates (as given: NaN and out-of-range values as they
    /// went in), parent (resources only) and whether a non-blank address is
    /// there, of every entity of `kind`, by id.
    ///
    /// Large tables are read in parallel parts over several connections, each
    /// a snapshot of its own: a write committed meanwhile may show in some
    /// parts only (the next run of the engine sees it whole).
    pub async fn entity_points(&self, kind: EntityKind) -> Result<Vec<EntityPoint>, StoreError> {
        let table = kind.table();
        let row = sqlx::query(&format!(
            "SELECT MIN(id) AS lo, MAX(id) AS hi, COUNT(*) AS n FROM {table}"
        ))
        .fetch_one(&self.pool)
        .await?;
        let lo: Option<i64> = row.try_get("lo")?;
        let hi: Option<i64> = row.try_get("hi")?;
        let (Some(lo), Some(hi)) = (lo, hi) else {
            return Ok(Vec::new());
        };
        let count: i64 = row.try_get("n")?;

        let blocks: Vec<(i64, i64)> = (0..=(hi - lo) / BLOCK_IDS)
            .map(|b| {
                (
                    lo - 1 + b * BLOCK_IDS,
                    (lo - 1 + (b + 1) * BLOCK_IDS).min(hi),
                )
            })
            .collect();
        let readers = if count >= PARALLEL_FROM_ROWS {
            let cores = available_parallelism().map_or(1, usize::from);
            let connections = self.pool.options().get_max_connections() as usize;
            cores.min(connections).clamp(1, 4)
        } else {
            1
        };
        let sql = packed_sql(kind);
        let mut tasks = Vec::with_capacity(readers);
        for part in blocks.chunks(blocks.len().div_ceil(readers).max(1)) {
            let (pool, sql, part) = (self.pool.clone(), sql.clone(), part.to_vec());
            tasks.push(tokio::spawn(async move {
                read_blocks(&pool, &sql, &part).await
            }));
        }
        let mut points = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
        let mut reread = Vec::new();
        for task in tasks {
            let (part, again) = task.await.map_err(|e| {
                StoreError::corrupt("entity points", format!("reader task failed: {e}"))
            })??;
            points.extend(part);
            reread.extend(again);
        }
        if !points.is_sorted_by_key(|p| p.id) {
            points.sort_unstable_by_key(|p| p.id);
        }
        self.reread_floats(table, &mut points, &reread).await?;
        Ok(points)
    }

    /// [`Store::entity_points`] of these ids only (ids that are gone are
    /// left out), by id: what placing one edited area again reads.
    pub async fn entity_points_by_id(
        &self,
        kind: EntityKind,
        ids: &[i64],
    ) -> Result<Vec<EntityPoint>, StoreError> {
        let mut points = Vec::with_capacity(ids.len());
        let mut reread = Vec::new();
        // Numbers only, so the list is written into the SQL.
        for chunk in ids.chunks(1_000) {
            let sql = packed_sql_where(kind, &format!("id IN ({})", id_list(chunk)));
            let row = sqlx::query(&sql).fetch_one(&self.pool).await?;
            parse_packed(&row, &mut points, &mut reread)?;
        }
        points.sort_unstable_by_key(|p| p.id);
        points.dedup_by_key(|p| p.id);
        self.reread_floats(kind.table(), &mut points, &reread)
            .await?;
        Ok(points)
    }

    /// The id and trimmed address of every entity of `kind` that has no
    /// coordinate pair but a non-blank address, by id: what the assignment
    /// engine geocodes (the packed points carry only an address flag).
    pub async fn unlocated_addresses(
        &self,
        kind: EntityKind,
    ) -> Result<Vec<(i64, String)>, StoreError> {
        if kind == EntityKind::Opportunity {
            return Ok(Vec::new()); // opportunities have no address column
        }
        let sql = format!(
            "SELECT id, TRIM(address) AS address FROM {} \
             WHERE (lon IS NULL OR lat IS NULL) AND address IS NOT NULL AND TRIM(address) <> '' ORDER BY id",
            kind.table()
        );
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| Ok((row.try_get("id")?, row.try_get("address")?)))
            .collect()
    }

    /// Reads the coordinates of these ids as floats (and their raw text).
    async fn reread_floats(
        &self,
        table: &str,
        points: &mut [EntityPoint],
        ids: &[i64],
    ) -> Result<(), StoreError> {
        let backend = self.backend();
        for chunk in ids.chunks(1_000) {
            let sql = format!(
                "SELECT id, lon, lat, raw_coordinates FROM {table} WHERE id IN ({})",
                placeholders(backend, 1, chunk.len())
            );
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            for row in query.fetch_all(&self.pool).await? {
                let id: i64 = row.try_get("id")?;
                let raw: Option<String> = row.try_get("raw_coordinates")?;
                if let Ok(i) = points.binary_search_by_key(&id, |p| p.id) {
                    let (lon, lat) =
                        from_stored(row.try_get("lon")?, row.try_get("lat")?, raw.as_deref());
                    points[i].lon = lon;
                    points[i].lat = lat;
                }
            }
        }
        Ok(())
    }
}

/// One packed row per block: ids in `($1, $2]`. The same SQL on both
/// backends (`string_agg` exists in `SQLite` since 3.44).
fn packed_sql(kind: EntityKind) -> String {
    packed_sql_where(kind, "id > $1 AND id <= $2")
}

/// The packed row of the entities of `kind` that `condition` selects.
fn packed_sql_where(kind: EntityKind, condition: &str) -> String {
    let (parent, address) = match kind {
        EntityKind::Resource => (
            " || ',' || COALESCE(CAST(parent_id AS TEXT), '')",
            "address",
        ),
        EntityKind::Customer | EntityKind::Building => ("", "address"),
        EntityKind::Opportunity => ("", "CAST(NULL AS TEXT)"),
    };
    let exact = |c: &str| {
        format!(
            "CASE WHEN {c} IS NULL THEN '' \
             WHEN abs({c}) < 2048.0 AND {c} * {SCALE:.1} = CAST({c} * {SCALE:.1} AS BIGINT) \
             THEN CAST(CAST({c} * {SCALE:.1} AS BIGINT) AS TEXT) ELSE 'x' END"
        )
    };
    format!(
        "SELECT string_agg(\
           CAST(id * 4 \
             + CASE WHEN raw_coordinates IS NULL THEN 0 ELSE {FLAG_RAW} END \
             + CASE WHEN {address} IS NULL OR TRIM({address}) = '' THEN 0 ELSE {FLAG_ADDRESS} END \
             AS TEXT) || ',' || {} || ',' || {}{parent}, ';') AS packed \
         FROM {} WHERE {condition}",
        exact("lon"),
        exact("lat"),
        kind.table()
    )
}

/// Reads packed blocks; gives the points and the ids whose coordinates must
/// be read again as floats.
async fn read_blocks(
    pool: &AnyPool,
    sql: &str,
    blocks: &[(i64, i64)],
) -> Result<(Vec<EntityPoint>, Vec<i64>), StoreError> {
    let mut conn = pool.acquire().await?;
    let mut points = Vec::with_capacity(blocks.len() * usize::try_from(BLOCK_IDS).unwrap_or(0));
    let mut reread = Vec::new();
    for &(from, to) in blocks {
        let row = sqlx::query(sql)
            .bind(from)
            .bind(to)
            .fetch_one(&mut *conn)
            .await?;
        parse_packed(&row, &mut points, &mut reread)?;
    }
    Ok((points, reread))
}

/// The points of one packed row (none for an empty block), with the ids
/// whose coordinates must be read again as floats.
fn parse_packed(
    row: &sqlx::any::AnyRow,
    points: &mut Vec<EntityPoint>,
    reread: &mut Vec<i64>,
) -> Result<(), StoreError> {
    let Some(text) = row.try_get::<Option<String>, _>("packed")? else {
        return Ok(());
    };
    for item in text.split(';') {
        let (point, exact) = parse_item(item)?;
        if !exact {
            reread.push(point.id);
        }
        points.push(point);
    }
    Ok(())
}

/// One `packed,lon,lat[,parent]` item; `false` when its coordinates must be
/// read again.
fn parse_item(item: &str) -> Result<(EntityPoint, bool), StoreError> {
    let bad = || StoreError::corrupt("packed entity point", format!("{item:?}"));
    let mut fields = item.split(',');
    let packed: i64 = fields.next().and_then(|f| f.parse().ok()).ok_or_else(bad)?;
    let mut exact = packed & FLAG_RAW == 0;
    let mut coordinate = |field: Option<&str>| -> Result<Option<f64>, StoreError> {
        match field.ok_or_else(bad)? {
            "" => Ok(None),
            "x" => {
                exact = false;
                Ok(None)
            }
            // Exact: |k| < 2^63 has at most 53 significant bits (it is a
            // double times 2^52), and dividing by 2^52 is exact.
            k => Ok(Some(k.parse::<i64>().map_err(|_| bad())? as f64 / SCALE)),
        }
    };
    let lon = coordinate(fields.next())?;
    let lat = coordinate(fields.next())?;
    let parent_id = match fields.next() {
        None | Some("") => None,
        Some(p) => Some(p.parse().map_err(|_| bad())?),
    };
    Ok((
        EntityPoint {
            id: packed >> 2,
            lon,
            lat,
            parent_id,
            has_address: packed & FLAG_ADDRESS != 0,
        },
        exact,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_parse_exactly() {
        let v = 110.798_123_456_789_f64;
        let k = (v * SCALE) as i64;
        let (p, exact) = parse_item(&format!("{},{k},,17", 5 * 4 + FLAG_ADDRESS)).unwrap();
        assert!(exact);
        assert_eq!(p.id, 5);
        assert_eq!(p.lon.map(f64::to_bits), Some(v.to_bits()));
        assert_eq!((p.lat, p.parent_id, p.has_address), (None, Some(17), true));
        let (p, exact) = parse_item(&format!("{},x,{k}", 9 * 4 + FLAG_RAW)).unwrap();
        assert!(!exact);
        assert_eq!((p.id, p.lon, p.has_address), (9, None, false));
        assert!(parse_item("garbage").is_err());
        assert!(parse_item("4,1").is_err());
    }

    #[test]
    fn the_scale_is_two_to_the_52() {
        assert_eq!(SCALE.to_bits(), 2_f64.powi(52).to_bits());
        assert_eq!(format!("{SCALE:.1}"), "4503599627370496.0");
    }
}
