//! Multi-row statements for bulk writes: one `INSERT ... VALUES (...), (...)`
//! per chunk of rows, sized to the backend's parameter limit.
//!
//! `PostgreSQL` needs numbered `$n` parameters; `SQLite` gets anonymous `?`
//! ones, because it looks a named parameter up by a linear scan, which makes
//! binding thousands of `$n` quadratic. Values that are the same for every
//! row of a call (territory id, timestamps, entity kind) are written into the
//! statement as literals instead of being bound once per row; they come from
//! the store itself (integers, fixed names), never from the caller's text.

use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AnyConnection};

use crate::Backend;

/// A query of the Any driver with its arguments.
pub(crate) type AnyQuery<'q> = Query<'q, Any, AnyArguments<'q>>;

/// From this many rows written by one call on, `PostgreSQL`'s statistics
/// of the table are gathered before the commit ([`analyze_if_bulk`]).
pub(crate) const ANALYZE_FROM_ROWS: usize = 5_000;

/// `PostgreSQL` plans queries by table statistics that only `ANALYZE`
/// gathers, and autovacuum may be behind or off: after a bulk load the
/// next queries are planned for an empty table and scan it whole (a cell's
/// child count at province scale took 400 ms, JIT compilation included,
/// instead of 0.3 ms, and the claims load fell to 66 requests/s). So a call
/// that wrote `rows` rows of `table` gathers them itself, inside its
/// transaction (the statistics commit with the data). `SQLite` needs none.
/// A customer import committed in chunks analyses after each chunk, so a
/// server answering meanwhile plans with statistics at most a chunk old;
/// `ANALYZE` reads a fixed sample (30,000 rows), and the 10-copy demo
/// seeded no slower with it (104.7 s before, 99.5 s after).
pub(crate) async fn analyze_if_bulk(
    conn: &mut AnyConnection,
    backend: Backend,
    table: &str,
    rows: usize,
) -> Result<(), sqlx::Error> {
    if backend == Backend::Postgres && rows >= ANALYZE_FROM_ROWS {
        sqlx::query(&format!("ANALYZE {table}"))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Most parameters in one statement: `SQLite` allows 32,766, `PostgreSQL` 65,535.
fn max_params(backend: Backend) -> usize {
    match backend {
        Backend::Sqlite => 32_766,
        Backend::Postgres => 65_535,
    }
}

/// Rows per statement for rows of `params_per_row` parameters: as many as the
/// parameter limit allows, at most `cap`.
pub(crate) fn chunk_rows(backend: Backend, params_per_row: usize, cap: usize) -> usize {
    (max_params(backend) / params_per_row.max(1)).clamp(1, cap.max(1))
}

/// The row tuples of a multi-row VALUES: `rows` times
/// `(prefix, p, p, ..., suffix)` with `params_per_row` parameters each,
/// numbered from `$1` on `PostgreSQL`. `prefix` and `suffix` are literal SQL
/// (may be empty): on `PostgreSQL`, 2 rows of 2 with prefix `7` and suffix
/// `'x'` give `(7, $1, $2, 'x'), (7, $3, $4, 'x')`.
pub(crate) fn values_rows(
    backend: Backend,
    rows: usize,
    params_per_row: usize,
    prefix: &str,
    suffix: &str,
) -> String {
    let mut sql =
        String::with_capacity(rows * (params_per_row * 4 + prefix.len() + suffix.len() + 6));
    let mut n = 0;
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        let mut first = true;
        let mut sep = |sql: &mut String| {
            if !first {
                sql.push_str(", ");
            }
            first = false;
        };
        if !prefix.is_empty() {
            sep(&mut sql);
            sql.push_str(prefix);
        }
        for _ in 0..params_per_row {
            sep(&mut sql);
            match backend {
                Backend::Sqlite => sql.push('?'),
                Backend::Postgres => {
                    n += 1;
                    sql.push('$');
                    sql.push_str(&n.to_string());
                }
            }
        }
        if !suffix.is_empty() {
            sep(&mut sql);
            sql.push_str(suffix);
        }
        sql.push(')');
    }
    sql
}

/// One placeholder list of `count` parameters for `IN (...)`, numbered from
/// `$first` on `PostgreSQL`.
pub(crate) fn placeholders(backend: Backend, first: usize, count: usize) -> String {
    (0..count)
        .map(|i| match backend {
            Backend::Sqlite => "?".to_owned(),
            Backend::Postgres => format!("${}", first + i),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `'text'` as an SQL string literal (quotes doubled).
/// Ids written into SQL as `1,2,3` (numbers only, so no binding is
/// needed, whatever the backend's parameter limit).
pub(crate) fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

pub(crate) fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_number_every_parameter_once() {
        assert_eq!(
            values_rows(Backend::Postgres, 2, 2, "7", "'x'"),
            "(7, $1, $2, 'x'), (7, $3, $4, 'x')"
        );
        assert_eq!(
            values_rows(Backend::Sqlite, 2, 3, "", ""),
            "(?, ?, ?), (?, ?, ?)"
        );
        assert_eq!(values_rows(Backend::Sqlite, 1, 0, "1", "2"), "(1, 2)");
        assert_eq!(placeholders(Backend::Postgres, 3, 2), "$3, $4");
        assert_eq!(placeholders(Backend::Sqlite, 3, 2), "?, ?");
    }

    #[test]
    fn chunks_stay_within_the_parameter_limit() {
        assert_eq!(chunk_rows(Backend::Sqlite, 9, usize::MAX), 3_640);
        assert!(chunk_rows(Backend::Sqlite, 9, usize::MAX) * 9 <= 32_766);
        assert_eq!(chunk_rows(Backend::Postgres, 9, 1_000), 1_000);
        assert_eq!(chunk_rows(Backend::Sqlite, 100_000, 10), 1);
    }

    #[test]
    fn literals_are_quoted() {
        assert_eq!(literal("customer"), "'customer'");
        assert_eq!(literal("o'neil"), "'o''neil'");
    }
}
