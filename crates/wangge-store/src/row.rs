//! Reading rows of the Any driver into domain types, the same way on both
//! backends (`SQLite` gives booleans as integers, `PostgreSQL` as booleans).

use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::any::AnyRow;
use sqlx::Row;

use crate::StoreError;

/// A boolean column: INTEGER 0/1 on `SQLite`, BOOLEAN on `PostgreSQL`.
pub(crate) fn get_bool(row: &AnyRow, column: &str) -> Result<bool, StoreError> {
    match row.try_get::<i64, _>(column) {
        Ok(n) => Ok(n != 0),
        Err(_) => Ok(row.try_get::<bool, _>(column)?),
    }
}

/// A text column parsed into a domain type; a value that does not parse means
/// the stored data is corrupt (the store only writes valid values).
pub(crate) fn get_parsed<T>(row: &AnyRow, column: &str, what: &str) -> Result<T, StoreError>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    let text: String = row.try_get(column)?;
    text.parse()
        .map_err(|e| StoreError::corrupt(format!("{what} {text:?}"), e))
}

/// Like [`get_parsed`] for a nullable column.
pub(crate) fn get_parsed_opt<T>(
    row: &AnyRow,
    column: &str,
    what: &str,
) -> Result<Option<T>, StoreError>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    let text: Option<String> = row.try_get(column)?;
    text.map(|t| {
        t.parse()
            .map_err(|e| StoreError::corrupt(format!("{what} {t:?}"), e))
    })
    .transpose()
}

/// Unix time in milliseconds, the store's timestamp format.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// True when a database error is a UNIQUE violation (a race lost to another writer).
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// `-0.0` as `0.0`, other values unchanged. `SQLite` stores a REAL that is a
/// whole number as an integer and so loses the sign of zero; normalising on
/// write makes both backends give back the same bits.
pub(crate) fn positive_zero(value: f64) -> f64 {
    value + 0.0
}
