//! The one error type of the store. Every variant that concerns a grid names
//! it (its code) and, when the caller gave one, where it came from
//! (`source_hint`, e.g. "feature 7 (茅箭区)"), so an import error points at the
//! offending feature of the file.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("grid {grid}{}: parent {parent:?} was found neither among the territory's grids nor earlier in the batch", hint(.source_hint.as_ref()))]
    ParentNotFound {
        grid: String,
        source_hint: Option<String>,
        parent: String,
    },
    #[error("grid {grid}{} is level {level}, so its parent must be level {}, but parent {parent:?} is level {parent_level}", hint(.source_hint.as_ref()), .level.saturating_sub(1))]
    ParentLevel {
        grid: String,
        source_hint: Option<String>,
        parent: String,
        parent_level: u8,
        level: u8,
    },
    #[error("grid {grid}{} has no parent: grids of levels 2-4 need the code of their level n-1 parent", hint(.source_hint.as_ref()))]
    MissingParent {
        grid: String,
        source_hint: Option<String>,
    },
    #[error("grid {grid}{} is level 1 and cannot have a parent", hint(.source_hint.as_ref()))]
    UnexpectedParent {
        grid: String,
        source_hint: Option<String>,
    },
    #[error("cell {grid}{} (level 4) has no cell type: network cells need one of the types 01-20", hint(.source_hint.as_ref()))]
    CellTypeRequired {
        grid: String,
        source_hint: Option<String>,
    },
    #[error("grid {grid}{} has a cell type, but only level-4 network cells have one", hint(.source_hint.as_ref()))]
    CellTypeNotAllowed {
        grid: String,
        source_hint: Option<String>,
    },
    #[error("cell {grid}{}: cell type {cell_type:?} is not in the store's cell type table", hint(.source_hint.as_ref()))]
    UnknownCellType {
        grid: String,
        source_hint: Option<String>,
        cell_type: String,
    },
    #[error("code {code:?}{} is given twice", hint(.source_hint.as_ref()))]
    DuplicateCode {
        code: String,
        source_hint: Option<String>,
    },
    #[error("{kind} {code:?}: name {value:?} is not allowed: {}", .problem.reason())]
    BadName {
        kind: &'static str,
        code: String,
        value: String,
        problem: wangge_model::name::NameProblem,
    },
    #[error("{kind} {code:?}: {field} {value} is not allowed: {reason}")]
    InvalidField {
        kind: &'static str,
        code: String,
        field: &'static str,
        value: String,
        reason: &'static str,
    },
    #[error(
        "{kind} {code} refers to {field} {target:?}, which is neither in this batch nor stored"
    )]
    UnknownReference {
        kind: &'static str,
        code: String,
        field: &'static str,
        target: String,
    },
    #[error("resource {code} would be its own ancestor: {}", .chain.join(" -> "))]
    ParentCycle { code: String, chain: Vec<String> },
    #[error("{what} {key:?} not found")]
    NotFound { what: &'static str, key: String },
    #[error("{message}")]
    Conflict { message: String },
    /// Another writer holds the database (`SQLite`: "database is locked"
    /// after the busy timeout, e.g. under a CLI import; `PostgreSQL`: a lock
    /// timeout) or no connection came free in time. Nothing was written;
    /// the same request may succeed in a moment (503 with `Retry-After`).
    #[error("the database is busy: {0}")]
    Busy(sqlx::Error),
    #[error("database error: {0}")]
    Database(sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored {what} is corrupt: {reason}")]
    Corrupt { what: String, reason: String },
    /// The database server could not be reached at all (refused, no such
    /// host, no answer): said at once, not after the pool's timeout.
    #[error("cannot connect to PostgreSQL at {address}: {reason}")]
    Unreachable { address: String, reason: String },
}

impl From<sqlx::Error> for StoreError {
    /// Every database error of the store passes here, so a busy database is
    /// [`StoreError::Busy`] wherever it happens.
    fn from(e: sqlx::Error) -> Self {
        if is_busy(&e) {
            StoreError::Busy(e)
        } else {
            StoreError::Database(e)
        }
    }
}

/// `SQLite` SQLITE_BUSY (5) and SQLITE_LOCKED (6) with their extended codes
/// (the low byte is the primary code); `PostgreSQL` lock_not_available
/// (55P03); a pool that had no connection free within its timeout.
fn is_busy(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut => true,
        sqlx::Error::Database(db) => {
            let Some(code) = db.code() else { return false };
            if code == "55P03" {
                return true;
            }
            // PostgreSQL codes are five characters and may be all digits
            // (e.g. 23505): only SQLite's are shorter.
            code.len() < 5 && code.parse::<u32>().is_ok_and(|c| matches!(c & 0xff, 5 | 6))
        }
        _ => false,
    }
}

/// " (feature 7)" or nothing, appended after a grid code in messages.
fn hint(source_hint: Option<&String>) -> String {
    source_hint.map(|s| format!(" ({s})")).unwrap_or_default()
}

impl StoreError {
    /// A name refused by [`wangge_model::name::name_problem`], quoting at
    /// most 40 characters of it.
    pub fn bad_name(
        kind: &'static str,
        code: &str,
        name: &str,
        problem: wangge_model::name::NameProblem,
    ) -> StoreError {
        StoreError::BadName {
            kind,
            code: code.to_owned(),
            value: wangge_model::name::shortened(name, 40),
            problem,
        }
    }

    /// A refusal by the grid's hierarchy or field rules (a missing or wrong
    /// parent, a cell type, a bad field): the caller's input, never a fault.
    /// One list, read by every layer that maps store errors (edit, HTTP).
    pub fn is_hierarchy(&self) -> bool {
        matches!(
            self,
            StoreError::ParentNotFound { .. }
                | StoreError::ParentLevel { .. }
                | StoreError::MissingParent { .. }
                | StoreError::UnexpectedParent { .. }
                | StoreError::CellTypeRequired { .. }
                | StoreError::CellTypeNotAllowed { .. }
                | StoreError::UnknownCellType { .. }
                | StoreError::InvalidField { .. }
                | StoreError::BadName { .. }
                | StoreError::UnknownReference { .. }
                | StoreError::ParentCycle { .. }
        )
    }

    /// A stored value that no longer parses as its domain type.
    pub(crate) fn corrupt(what: impl Into<String>, reason: impl std::fmt::Display) -> Self {
        StoreError::Corrupt {
            what: what.into(),
            reason: reason.to_string(),
        }
    }

    /// True when the write lost a race or clashes with what is stored: a
    /// code taken, a stated conflict, or the database refusing for the same
    /// reasons (a unique key, a foreign key to a row just deleted, a
    /// PostgreSQL deadlock or serialization failure). Retrying after
    /// reading again may succeed; a 409 to an HTTP client.
    pub fn is_conflict(&self) -> bool {
        match self {
            StoreError::DuplicateCode { .. } | StoreError::Conflict { .. } => true,
            StoreError::Database(sqlx::Error::Database(db)) => {
                db.is_unique_violation()
                    || db.is_foreign_key_violation()
                    || matches!(db.code().as_deref(), Some("40P01" | "40001"))
            }
            _ => false,
        }
    }

    /// True for errors that come from the caller's data (4xx), false for
    /// database or migration failures and corruption (5xx).
    pub fn is_client_error(&self) -> bool {
        !matches!(
            self,
            StoreError::Database(_)
                | StoreError::Busy(_)
                | StoreError::Migrate(_)
                | StoreError::Corrupt { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_grid_and_its_source() {
        let e = StoreError::ParentNotFound {
            grid: "SY-01-02".into(),
            source_hint: Some("feature 7 (茅箭区)".into()),
            parent: "SY-09".into(),
        };
        let text = e.to_string();
        assert!(text.contains("SY-01-02 (feature 7 (茅箭区))"), "{text}");
        assert!(text.contains("\"SY-09\""), "{text}");
        let e = StoreError::ParentLevel {
            grid: "C1".into(),
            source_hint: None,
            parent: "L1".into(),
            parent_level: 1,
            level: 4,
        };
        assert_eq!(
            e.to_string(),
            "grid C1 is level 4, so its parent must be level 3, but parent \"L1\" is level 1"
        );
        assert!(e.is_client_error());
    }
}
