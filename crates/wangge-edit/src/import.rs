//! A GeoJSON FeatureCollection of one level imported: all features or none.
//! The file is read (and checked feature by feature) before the
//! transaction; the transaction writes the batch, and its dry run is the
//! same writes rolled back, so a preview finds the hierarchy errors too.

use wangge_geocode::crs::Crs;
use wangge_io::reproject::geojson_to_wgs84;
use wangge_io::{read_grids_geojson, GridFields};
use wangge_model::{LevelNo, Territory};
use wangge_store::Store;

use crate::change::{finish, union_bbox};
use crate::place::Scope;
use crate::{Changed, EditError};

/// Import a GeoJSON file of level `level`.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRequest<'a> {
    /// The file's bytes (UTF-8, as RFC 7946 requires).
    pub geojson: &'a [u8],
    pub level: LevelNo,
    pub fields: GridFields,
    /// The coordinate system of the file; `None`: its own `crs` member, else
    /// WGS-84. Stored as WGS-84 either way.
    pub crs: Option<Crs>,
    /// The territory to create when the store has none yet.
    pub territory: Option<Territory>,
    /// The grid revision the caller previewed; a different one refuses.
    pub expected_revision: Option<i64>,
    pub dry_run: bool,
}

/// What an import did (or would do).
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub territory: Territory,
    pub features: usize,
    pub inserted: usize,
    pub updated: usize,
    /// Features stored flagged invalid: (source label, reason).
    pub invalid: Vec<(String, String)>,
    pub changed: Changed,
}

/// Imports in ONE transaction (a dry run: the same, rolled back).
pub async fn import_grids(
    store: &Store,
    request: &ImportRequest<'_>,
) -> Result<Imported, EditError> {
    let text = std::str::from_utf8(request.geojson).map_err(|e| {
        EditError::bad_input(
            "file",
            format!(
                "the file is not UTF-8 (byte {}): GeoJSON must be UTF-8 (RFC 7946); re-save it as UTF-8",
                e.valid_up_to()
            ),
        )
    })?;
    let text = geojson_to_wgs84(text, request.crs)
        .map_err(|e| EditError::bad_input("file", e.to_string()))?;
    let catalog = store.cell_types().await?;
    let parsed = read_grids_geojson(&text, request.level, &request.fields, &catalog)
        .map_err(|e| EditError::bad_input("file", e.to_string()))?;
    let invalid: Vec<(String, String)> = parsed
        .invalid()
        .map(|(source, reason)| (source.to_owned(), reason.to_owned()))
        .collect();
    let territory =
        match (store.territory().await?, &request.territory) {
            (Some(stored), _) => stored,
            (None, Some(new)) => new.clone(),
            (None, None) => return Err(EditError::bad_input(
                "territory",
                "the database holds no territory yet: give territory (a code) and territory_name",
            )),
        };
    let mut edit = store.begin_grid_edit().await?;
    if let Some(expected) = request.expected_revision {
        let now = edit.revision_at_start();
        if expected != now {
            return Err(EditError::conflict(format!(
                "the grid changed since the preview (revision {expected}, now {now}): preview again"
            )));
        }
    }
    let codes: Vec<_> = parsed.grids.iter().map(|g| g.code.clone()).collect();
    let old_boxes = edit.stored_boxes(&codes).await?;
    let report = edit.import_grids(&territory, &parsed.grids).await?;
    let area = union_bbox(
        old_boxes
            .into_iter()
            .chain(parsed.grids.iter().map(|g| g.bbox)),
    );
    let changed = finish(store, edit, request.dry_run, codes, area, Scope::Everything).await?;
    Ok(Imported {
        territory,
        features: parsed.grids.len(),
        inserted: report.inserted,
        updated: report.updated,
        invalid,
        changed,
    })
}
