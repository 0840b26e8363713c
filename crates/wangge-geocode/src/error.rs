//! The crate's one error type.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum GeocodeError {
    #[error("bad division code {value:?}: {reason}")]
    BadCode { value: String, reason: String },

    #[error("embedded gazetteer is corrupt: {0}")]
    CorruptGazetteer(String),

    #[error("village file, line {line}: {reason}")]
    VillageCsv { line: u64, reason: String },

    #[error("standard address #{index}: {reason}")]
    BadStandardAddress { index: usize, reason: String },
}
