//! A grid's name or a cell's type: no geometry moves, so nothing is placed
//! again, but the map (tile labels, categories) changes.

use wangge_model::{CellTypeCatalog, CellTypeCode, GridCode};
use wangge_store::{GridRecord, Store};

use crate::change::{check_version, finish};
use crate::place::Scope;
use crate::{Changed, EditError};

/// Rename a grid and/or set a cell's type.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributesRequest {
    pub grid: GridCode,
    pub name: Option<String>,
    /// A type code (`15`), a Chinese (`小区`) or an English name.
    pub cell_type: Option<String>,
    /// The grid's `version` the caller read; a different one refuses.
    pub expected_version: Option<i64>,
    pub dry_run: bool,
}

/// The grid as the edit leaves it, with the type table to describe it.
#[derive(Debug, Clone)]
pub struct AttributesSet {
    pub grid: GridRecord,
    pub catalog: CellTypeCatalog,
    pub changed: Changed,
}

/// Sets name and/or type in ONE transaction.
pub async fn set_attributes(
    store: &Store,
    request: &AttributesRequest,
) -> Result<AttributesSet, EditError> {
    if request.name.is_none() && request.cell_type.is_none() {
        return Err(EditError::bad_input(
            "name",
            "nothing to change: give name and/or cell_type",
        ));
    }
    let catalog = store.cell_types().await?;
    let cell_type: Option<CellTypeCode> = match request.cell_type.as_deref() {
        Some(text) => Some(
            catalog
                .resolve(text)
                .map_err(|e| EditError::bad_input("cell_type", format!("cell_type: {e}")))?
                .code,
        ),
        None => None,
    };
    let code = &request.grid;
    let mut edit = store.begin_grid_edit().await?;
    let before = edit
        .grid(code)
        .await?
        .ok_or_else(|| EditError::not_found(format!("no grid {code}")))?;
    check_version(&before, request.expected_version)?;
    edit.set_attributes(code, request.name.as_deref(), cell_type.as_ref())
        .await?;
    let grid = edit
        .grid(code)
        .await?
        .ok_or_else(|| EditError::not_found(format!("no grid {code}")))?;
    let changed = finish(
        store,
        edit,
        request.dry_run,
        vec![code.clone()],
        Some(grid.bbox),
        Scope::Nothing,
    )
    .await?;
    Ok(AttributesSet {
        grid,
        catalog,
        changed,
    })
}
