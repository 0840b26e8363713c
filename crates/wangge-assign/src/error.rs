use thiserror::Error;

#[derive(Debug, Error)]
pub enum AssignError {
    #[error(transparent)]
    Store(#[from] wangge_store::StoreError),
    #[error("building the cell index: {0}")]
    Index(#[from] wangge_spatial::index::IndexError),
    #[error("grid {code}: its stored geometry cannot be read: {reason}")]
    Geometry { code: String, reason: String },
    #[error("the database holds no grid: import or seed one first")]
    NoGrid,
}
