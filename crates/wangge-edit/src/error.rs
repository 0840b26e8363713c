//! The one error type of the edits. Every variant is a class the caller can
//! act on (an HTTP status, a CLI message); store internals stay in
//! [`EditError::Store`], which the server logs and never shows.

use thiserror::Error;
use wangge_store::StoreError;

#[derive(Debug, Error)]
pub enum EditError {
    /// The request itself is wrong; `field` names what to correct.
    #[error("{message}")]
    BadInput {
        field: &'static str,
        message: String,
    },
    /// No grid (or cell) with this code.
    #[error("{message}")]
    NotFound { message: String },
    /// The grid changed since the caller read or previewed it, or the edit
    /// clashes with what is stored (a code taken, claims of two managers,
    /// cells of two level-3 grids). Nothing was written.
    #[error("{message}")]
    Conflict { message: String },
    /// The hierarchy or the cell-type rules refuse the edit (a level-3 grid
    /// with a type, a parent of the wrong level, an empty name).
    #[error("{message}")]
    Hierarchy {
        message: String,
        /// The store's refusal, when it made it: its rule and the grids
        /// it names, for a caller that words the message itself.
        rule: Option<Box<StoreError>>,
    },
    /// Features of an imported file refused, each named with its reason;
    /// nothing was written.
    #[error("{} feature(s) cannot be imported, nothing was written: {}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Features(Vec<wangge_io::FeatureError>),
    /// The database failed; nothing was written.
    #[error("the store failed: {0}")]
    Store(#[source] StoreError),
}

impl EditError {
    /// A file the reader refused: feature by feature when it names them.
    pub(crate) fn of_file(e: wangge_io::IoError) -> Self {
        match e {
            wangge_io::IoError::Features(problems) => EditError::Features(problems),
            other => EditError::bad_input("file", other.to_string()),
        }
    }
}

impl EditError {
    pub(crate) fn bad_input(field: &'static str, message: impl Into<String>) -> Self {
        EditError::BadInput {
            field,
            message: message.into(),
        }
    }

    pub(crate) fn conflict(message: impl Into<String>) -> Self {
        EditError::Conflict {
            message: message.into(),
        }
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        EditError::NotFound {
            message: message.into(),
        }
    }

    /// The same class with `prefix: ` before the message (`nothing was
    /// imported: ...`).
    #[must_use]
    pub fn prefixed(self, prefix: &str) -> Self {
        let with = |message: String| format!("{prefix}: {message}");
        match self {
            EditError::BadInput { field, message } => EditError::BadInput {
                field,
                message: with(message),
            },
            EditError::NotFound { message } => EditError::NotFound {
                message: with(message),
            },
            EditError::Conflict { message } => EditError::Conflict {
                message: with(message),
            },
            EditError::Hierarchy { message, rule } => EditError::Hierarchy {
                rule,
                message: with(message),
            },
            other @ (EditError::Store(_) | EditError::Features(_)) => other,
        }
    }
}

impl From<StoreError> for EditError {
    fn from(e: StoreError) -> Self {
        if e.is_conflict() {
            // A database refusal (a row deleted or a code taken by a writer
            // that got in first) gets a plain message, not the constraint name.
            let message = match &e {
                StoreError::Database(_) => {
                    "the grid changed while the edit ran: read it again and retry".to_owned()
                }
                other => other.to_string(),
            };
            return EditError::Conflict { message };
        }
        match e {
            StoreError::NotFound { .. } => EditError::NotFound {
                message: e.to_string(),
            },
            _ if e.is_hierarchy() => EditError::Hierarchy {
                message: e.to_string(),
                rule: Some(Box::new(e)),
            },
            other => EditError::Store(other),
        }
    }
}
