use thiserror::Error;

/// Why the demo territory could not be generated or stored.
#[derive(Debug, Error)]
pub enum DemoError {
    /// The embedded reference data (boundaries, division CSVs) did not parse.
    #[error("embedded reference data {file}: {reason}")]
    Data { file: &'static str, reason: String },
    /// A parent could not be partitioned into valid, non-empty pieces.
    #[error("partition of {code} into {pieces} pieces failed after {attempts} attempts: {reason}")]
    Partition {
        code: String,
        pieces: usize,
        attempts: usize,
        reason: String,
    },
    /// The generated plan broke one of its own invariants (a bug, reported, not panicked).
    #[error("demo plan: {0}")]
    Plan(String),
    /// A generated code was rejected by the model.
    #[error("demo code: {0}")]
    Model(#[from] wangge_model::ModelError),
    /// Hashing a demo password failed.
    #[error("hashing the password of demo user {user}: {reason}")]
    Hash { user: String, reason: String },
    /// The database's state does not allow this seeding (it holds other
    /// data, the complete demo, or an unfinished seeding of other options);
    /// nothing was written.
    #[error("{0}")]
    Refused(String),
    /// The store refused the demo.
    #[error("storing the demo: {0}")]
    Store(#[from] wangge_store::StoreError),
}
