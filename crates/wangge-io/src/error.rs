use thiserror::Error;

/// One feature that cannot be imported, named by its position and, when
/// known, its code and name, so a clerk can find it in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureError {
    /// 0-based position in the `features` array.
    pub index: usize,
    pub code: Option<String>,
    pub name: Option<String>,
    pub message: String,
}

impl FeatureError {
    /// "feature 3 (code 420322, 郧西县)"
    pub fn label(&self) -> String {
        feature_label(self.index, self.code.as_deref(), self.name.as_deref())
    }
}

impl std::fmt::Display for FeatureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.label(), self.message)
    }
}

pub(crate) fn feature_label(index: usize, code: Option<&str>, name: Option<&str>) -> String {
    match (code, name) {
        (Some(c), Some(n)) if c != n => format!("feature {index} (code {c}, {n})"),
        (Some(c), _) => format!("feature {index} (code {c})"),
        (None, Some(n)) => format!("feature {index} ({n})"),
        (None, None) => format!("feature {index}"),
    }
}

#[derive(Debug, Error)]
pub enum IoError {
    #[error("the file is not JSON: {0}")]
    NotJson(String),
    #[error("the file is not a GeoJSON FeatureCollection: {0}")]
    NotFeatureCollection(String),
    #[error("{} feature(s) cannot be imported, nothing was written:\n{}", .0.len(), list(.0))]
    Features(Vec<FeatureError>),
    #[error("the file is empty: a header row is expected")]
    EmptyTable,
    #[error("{0}")]
    Table(String),
    #[error("the file lacks the column {missing}: it has {found} (column names may be English or Chinese, e.g. {example})")]
    MissingColumn {
        missing: String,
        found: String,
        example: String,
    },
    #[error("writing output: {0}")]
    Write(#[from] std::io::Error),
    #[error("writing CSV: {0}")]
    Csv(#[from] csv::Error),
}

fn list(errors: &[FeatureError]) -> String {
    const SHOWN: usize = 50;
    let mut text: Vec<String> = errors
        .iter()
        .take(SHOWN)
        .map(|e| format!("  {e}"))
        .collect();
    if errors.len() > SHOWN {
        text.push(format!("  ... and {} more", errors.len() - SHOWN));
    }
    text.join("\n")
}
