use thiserror::Error;

/// What can go wrong building or fixing a coverage report.
#[derive(Debug, Error)]
pub enum CoverageError {
    #[error(transparent)]
    Store(#[from] wangge_store::StoreError),
    #[error("writing the report: {0}")]
    Write(#[from] std::io::Error),
    #[error("writing the CSV report: {0}")]
    Csv(#[from] csv::Error),
    #[error("writing the JSON report: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{0}")]
    BadOption(String),
    /// The geometric analysis did not end with a result (its task failed,
    /// or it was cancelled).
    #[error("the coverage analysis failed: {0}")]
    Analysis(String),
}

impl CoverageError {
    /// True when the caller's input is at fault (a 4xx over HTTP).
    pub fn is_client_error(&self) -> bool {
        match self {
            CoverageError::Store(e) => e.is_client_error(),
            CoverageError::BadOption(_) => true,
            _ => false,
        }
    }
}
