//! A GeoJSON FeatureCollection of one level imported: all features or none.
//! The file is read (and checked feature by feature) before the
//! transaction; the transaction writes the batch, and its dry run is the
//! same writes rolled back, so a preview finds the hierarchy errors too.

use wangge_geocode::crs::Crs;
use wangge_io::hierarchy::{build_hierarchy, Hierarchy, HierarchyFields};
use wangge_io::reproject::geojson_to_wgs84;
use wangge_io::{read_grids_geojson, GridFields, ParsedGrids};
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
    let text = wgs84_text(request.geojson, request.crs)?;
    let catalog = store.cell_types().await?;
    let parsed = read_grids_geojson(&text, request.level, &request.fields, &catalog)
        .map_err(EditError::of_file)?;
    let invalid = invalid_of(&parsed);
    let territory = territory_for(store, request.territory.as_ref()).await?;
    let written = write_batches(
        store,
        &territory,
        &[&parsed],
        request.expected_revision,
        request.dry_run,
    )
    .await?;
    Ok(Imported {
        territory,
        features: parsed.grids.len(),
        inserted: written.inserted,
        updated: written.updated,
        invalid,
        changed: written.changed,
    })
}

/// The file's text, as UTF-8, converted to WGS-84.
fn wgs84_text(geojson: &[u8], crs: Option<Crs>) -> Result<String, EditError> {
    let text = std::str::from_utf8(geojson).map_err(|e| {
        EditError::bad_input(
            "file",
            format!(
                "the file is not UTF-8 (byte {}): GeoJSON must be UTF-8 (RFC 7946); re-save it as UTF-8",
                e.valid_up_to()
            ),
        )
    })?;
    geojson_to_wgs84(text, crs)
        .map(std::borrow::Cow::into_owned)
        .map_err(|e| EditError::bad_input("file", e.to_string()))
}

fn invalid_of(parsed: &ParsedGrids) -> Vec<(String, String)> {
    parsed
        .invalid()
        .map(|(source, reason)| (source.to_owned(), reason.to_owned()))
        .collect()
}

/// The stored territory, else the one to create.
async fn territory_for(store: &Store, new: Option<&Territory>) -> Result<Territory, EditError> {
    match (store.territory().await?, new) {
        (Some(stored), _) => Ok(stored),
        (None, Some(new)) => Ok(new.clone()),
        (None, None) => Err(EditError::bad_input(
            "territory",
            "the database holds no territory yet: give territory (a code) and territory_name",
        )),
    }
}

/// Import one layer of cells that names, in its attributes, each cell's
/// outlet area, branch and department ([`wangge_io::hierarchy`]).
#[derive(Debug, Clone, PartialEq)]
pub struct HierarchyRequest<'a> {
    pub geojson: &'a [u8],
    pub levels: HierarchyFields,
    /// The cells' own code, name and type fields (their parent is the
    /// outlet area the levels name).
    pub cell_fields: GridFields,
    pub crs: Option<Crs>,
    pub territory: Option<Territory>,
    pub dry_run: bool,
}

/// What a hierarchy import did (or would do).
#[derive(Debug, Clone)]
pub struct HierarchyImported {
    pub territory: Territory,
    pub hierarchy: Hierarchy,
    /// Grids of levels 1–4 written (or that would be).
    pub counts: [usize; 4],
    pub inserted: usize,
    pub updated: usize,
    pub invalid: Vec<(String, String)>,
    pub changed: Changed,
}

/// Builds levels 1–3 from the cells and writes all four levels in ONE
/// transaction (a dry run: the same, rolled back).
pub async fn import_hierarchy(
    store: &Store,
    request: &HierarchyRequest<'_>,
) -> Result<HierarchyImported, EditError> {
    let text = wgs84_text(request.geojson, request.crs)?;
    let hierarchy = build_hierarchy(&text, &request.levels)
        .map_err(|e| EditError::bad_input("file", e.to_string()))?;
    let catalog = store.cell_types().await?;
    let mut levels = Vec::with_capacity(4);
    for (collection, level) in hierarchy.collections.iter().zip(LevelNo::ALL) {
        let fields = if level.is_cell() {
            GridFields {
                parent: "parent".into(),
                ..request.cell_fields.clone()
            }
        } else {
            GridFields::default()
        };
        let parsed = read_grids_geojson(collection, level, &fields, &catalog)
            .map_err(|e| EditError::bad_input("file", format!("level {level}: {e}")))?;
        levels.push(parsed);
    }
    let territory = territory_for(store, request.territory.as_ref()).await?;
    let batches: Vec<&ParsedGrids> = levels.iter().collect();
    let written = write_batches(store, &territory, &batches, None, request.dry_run).await?;
    let counts = [0, 1, 2, 3].map(|i| levels[i].grids.len());
    Ok(HierarchyImported {
        territory,
        hierarchy,
        counts,
        inserted: written.inserted,
        updated: written.updated,
        invalid: levels.iter().flat_map(invalid_of).collect(),
        changed: written.changed,
    })
}

/// What [`write_batches`] did.
struct Written {
    inserted: usize,
    updated: usize,
    changed: Changed,
}

/// Writes the batches in order (parents before children) in ONE grid
/// edit, refused when the grid moved past `expected_revision`; a dry run
/// rolls it back. The changed area is the old and new boxes of every grid.
async fn write_batches(
    store: &Store,
    territory: &Territory,
    batches: &[&ParsedGrids],
    expected_revision: Option<i64>,
    dry_run: bool,
) -> Result<Written, EditError> {
    let mut edit = store.begin_grid_edit().await?;
    if let Some(expected) = expected_revision {
        let now = edit.revision_at_start();
        if expected != now {
            return Err(EditError::conflict(format!(
                "the grid changed since the preview (revision {expected}, now {now}): preview again"
            )));
        }
    }
    let grids = || batches.iter().flat_map(|p| p.grids.iter());
    let codes: Vec<_> = grids().map(|g| g.code.clone()).collect();
    let old_boxes = edit.stored_boxes(&codes).await?;
    let (mut inserted, mut updated) = (0, 0);
    for batch in batches {
        let report = edit.import_grids(territory, &batch.grids).await?;
        inserted += report.inserted;
        updated += report.updated;
    }
    let area = union_bbox(old_boxes.into_iter().chain(grids().map(|g| g.bbox)));
    let changed = finish(store, edit, dry_run, codes, area, Scope::Everything).await?;
    Ok(Written {
        inserted,
        updated,
        changed,
    })
}
