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
    #[error("Shapefile {0}")]
    Shapefile(String),
    #[error("FlatGeobuf {0}")]
    FlatGeobuf(String),
    #[error("GeoPackage {0}")]
    GeoPackage(String),
    #[error("KML {0}")]
    Kml(String),
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

/// Columns shown in a message.
const SHOWN_COLUMNS: usize = 20;
/// Characters shown of one column name.
const SHOWN_NAME_CHARS: usize = 40;
/// Characters of the whole list.
const SHOWN_CHARS: usize = 200;

/// A header's column names for a message that echoes them: at most 20
/// names of at most 40 characters, at most 200 characters in all, each cut
/// marked with `…`. (A file that is one 60 MB line has one 60 MB "column
/// name"; a message must not repeat it.)
///
/// ```
/// let names: Vec<String> = (1..=30).map(|i| format!("c{i}")).collect();
/// let shown = wangge_io::shown_columns(&names);
/// assert!(shown.starts_with("c1, c2") && shown.ends_with("… (30 columns)"));
/// assert!(wangge_io::shown_columns(&["x".repeat(1000)]).chars().count() < 60);
/// ```
pub fn shown_columns<S: AsRef<str>>(names: &[S]) -> String {
    let mut shown = String::new();
    let mut cut = names.len() > SHOWN_COLUMNS;
    for (i, name) in names.iter().take(SHOWN_COLUMNS).enumerate() {
        let name = name.as_ref();
        let mut part: String = name.chars().take(SHOWN_NAME_CHARS).collect();
        if part.len() < name.len() {
            part.push('…');
        }
        if shown.chars().count() + part.chars().count() > SHOWN_CHARS {
            cut = true;
            break;
        }
        if i > 0 {
            shown.push_str(", ");
        }
        shown.push_str(&part);
    }
    if cut {
        use std::fmt::Write as _;
        let _ = write!(shown, " … ({} columns)", names.len());
    }
    shown
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
