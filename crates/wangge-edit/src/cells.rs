//! Cutting a cell along a line and merging neighbouring cells: the cell's
//! geometry is read inside the edit's transaction (which holds the grid's
//! write lock), so a concurrent split or merge of the same cell cannot
//! leave two cells over one piece of land.

use geo::Coord;
use wangge_model::{GridCode, LevelNo};
use wangge_spatial::area::geodesic_area_m2;
use wangge_spatial::edit::{merge, split_by_line};
use wangge_store::{GeometryUpdate, GridEdit, NewPiece, Store};

use crate::change::{check_version, finish, geometry_of, union_bbox, update_for};
use crate::place::Scope;
use crate::{Changed, EditError};

/// A cell as an edit leaves it.
#[derive(Debug, Clone, PartialEq)]
pub struct EditedCell {
    pub name: String,
    /// The code is in `geometry.code`.
    pub geometry: GeometryUpdate,
}

/// Cut `cell` along `line` (at least two points, crossing the cell).
#[derive(Debug, Clone, PartialEq)]
pub struct SplitRequest {
    pub cell: GridCode,
    pub line: Vec<Coord<f64>>,
    /// The new cell's code; default the first free `CODE-2`, `CODE-3`, ...
    pub new_code: Option<GridCode>,
    /// Default: the cell's name with the new code's last part.
    pub new_name: Option<String>,
    /// The cell's `version` the caller read or previewed; a different one
    /// refuses the split as a conflict.
    pub expected_version: Option<i64>,
    pub dry_run: bool,
}

/// The two sides of a cut.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    /// The larger side: keeps the code, the claims and the history.
    pub kept: EditedCell,
    /// The other side: a new, unclaimed cell of the same grid and type.
    pub cut: EditedCell,
    pub changed: Changed,
}

/// Cuts a level-4 cell in ONE transaction (a dry run: the same, rolled back).
pub async fn split(store: &Store, request: &SplitRequest) -> Result<Split, EditError> {
    let code = &request.cell;
    let mut edit = store.begin_grid_edit().await?;
    let record = edit
        .grid(code)
        .await?
        .ok_or_else(|| EditError::not_found(format!("no cell {code}")))?;
    check_version(&record, request.expected_version)?;
    if record.level != LevelNo::CELL {
        return Err(EditError::bad_input(
            "cell",
            format!(
                "{code} is a level-{} grid: only cells (level 4) are cut",
                record.level
            ),
        ));
    }
    let geometry = geometry_of(&record)?;
    let [a, b] = split_by_line(&geometry, &request.line)
        .map_err(|e| EditError::bad_input("line", format!("cell {code}: {e}")))?;
    let (kept, cut) = if geodesic_area_m2(&a) >= geodesic_area_m2(&b) {
        (a, b)
    } else {
        (b, a)
    };
    let new_code = match &request.new_code {
        Some(c) => c.clone(),
        None => free_code(&mut edit, code).await?,
    };
    let new_name = request
        .new_name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map_or_else(
            || {
                format!(
                    "{}-{}",
                    record.name,
                    new_code.as_str().rsplit('-').next().unwrap_or("2")
                )
            },
            str::to_owned,
        );
    let kept = EditedCell {
        name: record.name.clone(),
        geometry: update_for(code, &kept)?,
    };
    let cut = EditedCell {
        name: new_name,
        geometry: update_for(&new_code, &cut)?,
    };
    let piece = NewPiece {
        name: cut.name.clone(),
        geometry: cut.geometry.clone(),
    };
    edit.split_cell(code, &kept.geometry, std::slice::from_ref(&piece))
        .await?;
    let area = union_bbox([record.bbox, kept.geometry.bbox, cut.geometry.bbox]);
    let changed = finish(
        store,
        edit,
        request.dry_run,
        vec![code.clone(), new_code],
        area,
        Scope::of(area),
    )
    .await?;
    Ok(Split { kept, cut, changed })
}

/// A code for a new piece: `CODE-2`, `CODE-3`, ... the first one free.
async fn free_code(edit: &mut GridEdit, code: &GridCode) -> Result<GridCode, EditError> {
    for n in 2..1000 {
        let candidate: GridCode = format!("{code}-{n}")
            .parse()
            .map_err(|e| EditError::bad_input("new_code", format!("new_code {code}-{n}: {e}")))?;
        if !edit.code_taken(&candidate).await? {
            return Ok(candidate);
        }
    }
    Err(EditError::bad_input(
        "new_code",
        format!("no free code {code}-N: give new_code"),
    ))
}

/// Merge neighbouring cells of one level-3 grid into one.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeRequest {
    /// At least two different cells (a code given twice counts once).
    pub cells: Vec<GridCode>,
    /// The cell that keeps its code, claims and name; default the first.
    pub into: Option<GridCode>,
    /// A new name for the merged cell.
    pub name: Option<String>,
    /// Versions the caller read or previewed, by cell; a cell whose
    /// version differs refuses the merge as a conflict.
    pub expected_versions: Vec<(GridCode, i64)>,
    /// Who merges (recorded on the claims closed).
    pub actor_user_id: Option<i64>,
    pub dry_run: bool,
}

/// The merged cell and what happened to the others and their claims.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    pub cell: EditedCell,
    pub removed: Vec<GridCode>,
    pub claims: wangge_store::MergeOutcome,
    pub changed: Changed,
}

/// Merges cells in ONE transaction (a dry run: the same, rolled back),
/// the new name included.
pub async fn merge_cells(store: &Store, request: &MergeRequest) -> Result<Merged, EditError> {
    let mut codes: Vec<GridCode> = Vec::with_capacity(request.cells.len());
    for code in &request.cells {
        if !codes.contains(code) {
            codes.push(code.clone());
        }
    }
    if codes.len() < 2 {
        return Err(EditError::bad_input(
            "codes",
            "codes: at least two different cells",
        ));
    }
    let into = request.into.clone().unwrap_or_else(|| codes[0].clone());
    if !codes.contains(&into) {
        return Err(EditError::bad_input(
            "into",
            format!("into {into} is not one of the cells merged"),
        ));
    }
    let name = request
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);

    let mut edit = store.begin_grid_edit().await?;
    let mut geometries = Vec::with_capacity(codes.len());
    let mut boxes = Vec::with_capacity(codes.len());
    let mut kept_name = String::new();
    for code in &codes {
        let record = edit
            .grid(code)
            .await?
            .ok_or_else(|| EditError::not_found(format!("no cell {code}")))?;
        let expected = request
            .expected_versions
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, v)| *v);
        check_version(&record, expected)?;
        if *code == into {
            kept_name.clone_from(&record.name);
        }
        boxes.push(record.bbox);
        geometries.push(geometry_of(&record)?);
    }
    let merged = merge(&geometries).map_err(|e| {
        EditError::bad_input(
            "codes",
            format!(
                "cells {}: {e}",
                codes
                    .iter()
                    .map(GridCode::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })?;
    let update = update_for(&into, &merged)?;
    let removed: Vec<GridCode> = codes.iter().filter(|c| **c != into).cloned().collect();
    let claims = edit
        .merge_cells(&into, &removed, &update, request.actor_user_id)
        .await?;
    if let Some(name) = &name {
        edit.set_attributes(&into, Some(name), None).await?;
    }
    let area = union_bbox(boxes);
    let changed = finish(store, edit, request.dry_run, codes, area, Scope::of(area)).await?;
    Ok(Merged {
        cell: EditedCell {
            name: name.unwrap_or(kept_name),
            geometry: update,
        },
        removed,
        claims,
        changed,
    })
}
