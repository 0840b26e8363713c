//! What every edit shares: the geometry a cell is written with, the version
//! check, and the end of the transaction (commit and place again, or roll
//! back for a dry run).

use geo::MultiPolygon;
use serde::Serialize;
use wangge_model::GridCode;
use wangge_spatial::area::geodesic_area_m2;
use wangge_spatial::bbox::bbox_of;
use wangge_spatial::validate::{check_multipolygon, summarize};
use wangge_store::{BBox, GeometryUpdate, GridEdit, GridRecord, Store};

use crate::place::{place_again, Scope};
use crate::{EditError, PlacedAgain};

/// What an edit changed (or, for a dry run, would change).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Changed {
    pub dry_run: bool,
    /// The grids written, created or removed.
    pub codes: Vec<GridCode>,
    /// Old and new bounding boxes of every changed grid, joined: where the
    /// map (tiles, index) is different now. `None` when nothing changed.
    pub area: Option<BBox>,
    /// After the commit: the entities of the area placed again (only when
    /// geometry moved).
    pub placed_again: PlacedAgain,
}

/// Ends an edit: a dry run rolls back; otherwise commit, then place the
/// entities of `scope` again. Only a failed commit is an error:
/// after it, nothing reports failure as if the edit had not happened.
pub(crate) async fn finish(
    store: &Store,
    edit: GridEdit,
    dry_run: bool,
    codes: Vec<GridCode>,
    area: Option<BBox>,
    scope: Scope,
) -> Result<Changed, EditError> {
    if dry_run {
        edit.rollback().await?;
        return Ok(Changed {
            dry_run,
            codes,
            area,
            placed_again: PlacedAgain::NotNeeded,
        });
    }
    edit.commit().await?;
    let placed_again = place_again(store, scope).await;
    Ok(Changed {
        dry_run,
        codes,
        area,
        placed_again,
    })
}

/// Refuses the edit when the grid is no longer the version the caller read.
pub(crate) fn check_version(record: &GridRecord, expected: Option<i64>) -> Result<(), EditError> {
    match expected {
        Some(version) if version != record.version => Err(EditError::conflict(format!(
            "grid {} changed since it was read (version {version}, now {}): read it again",
            record.code, record.version
        ))),
        _ => Ok(()),
    }
}

/// A stored grid's geometry, parsed.
pub(crate) fn geometry_of(record: &GridRecord) -> Result<MultiPolygon<f64>, EditError> {
    wangge_assign::parse_multipolygon(&record.geometry_geojson).map_err(|reason| {
        EditError::Hierarchy {
            message: format!(
                "grid {}: its stored geometry cannot be read: {reason}",
                record.code
            ),
            rule: None,
        }
    })
}

/// New geometry of a grid with what is derived from it.
pub(crate) fn update_for(
    code: &GridCode,
    geometry: &MultiPolygon<f64>,
) -> Result<GeometryUpdate, EditError> {
    let bbox = bbox_of(geometry)
        .ok_or_else(|| EditError::bad_input("line", format!("cell {code} would be empty")))?;
    Ok(GeometryUpdate {
        code: code.clone(),
        geometry_geojson: wangge_coverage::polygonal_value(geometry).to_string(),
        bbox,
        area_m2: geodesic_area_m2(geometry),
        invalid_reason: summarize(&check_multipolygon(geometry)),
    })
}

/// The smallest box holding all of `boxes`.
pub fn union_bbox(boxes: impl IntoIterator<Item = BBox>) -> Option<BBox> {
    wangge_model::bbox::union_all(boxes)
}
