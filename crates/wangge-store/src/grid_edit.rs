//! The SQL of an administrator's grid edits, inside one transaction: a
//! grid's name or a cell's type, cutting a cell in two, merging
//! neighbouring cells, new geometries (coverage fixes), an import.
//!
//! [`Store::begin_grid_edit`] opens the transaction and takes the grid's
//! write lock first, so whatever the edit reads in it stays as read until
//! it commits or rolls back: the rules and the geometry work between the
//! reads and the writes live in `wangge-edit`, which decides, and a dry run
//! is the same transaction rolled back.

use std::collections::HashSet;

use sqlx::{Any, AnyConnection, Row, Transaction};
use wangge_model::{CellTypeCode, GridCode, Territory};

use crate::coverage::{check_update, update_geometry};
use crate::grid_query::grid_by_code;
use crate::row::now_ms;
use crate::{BBox, Backend, GeometryUpdate, GridRecord, ImportReport, NewGrid, Store, StoreError};

/// A new cell cut off an existing one: it takes the parent, type and
/// properties of the cell it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPiece {
    pub name: String,
    /// Its code is in `geometry.code`.
    pub geometry: GeometryUpdate,
}

/// What a merge did to the claims of the cells.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MergeOutcome {
    /// The open claim (pending or active) that now holds the merged cell:
    /// manager name and status.
    pub claim: Option<(String, String)>,
    /// Open claims of the removed cells closed as released (the same
    /// manager's, now on the merged cell).
    pub claims_closed: usize,
    /// Claim history rows moved to the merged cell.
    pub history_moved: usize,
}

/// A level-4 cell as an edit sees it.
struct CellRow {
    id: i64,
    level: i64,
    parent_id: Option<i64>,
}

/// One grid edit: a write transaction that holds the grid's write lock
/// (`SQLite`: `BEGIN IMMEDIATE`; `PostgreSQL`: the grids row of `revisions`,
/// which every write of `grids` takes through its trigger anyway, so grid
/// writers queue there instead of deadlocking on rows). Dropped without
/// [`GridEdit::commit`], it rolls back.
pub struct GridEdit {
    tx: Transaction<'static, Any>,
    backend: Backend,
    revision: i64,
}

impl Store {
    /// Opens a grid edit (see [`GridEdit`]); waits for an edit in progress.
    pub async fn begin_grid_edit(&self) -> Result<GridEdit, StoreError> {
        let mut tx = self.begin_write().await?;
        let lock = match self.backend() {
            Backend::Sqlite => "SELECT revision FROM revisions WHERE name = 'grids'",
            Backend::Postgres => "SELECT revision FROM revisions WHERE name = 'grids' FOR UPDATE",
        };
        let row = sqlx::query(lock).fetch_one(&mut *tx).await?;
        Ok(GridEdit {
            tx,
            backend: self.backend(),
            revision: row.try_get("revision")?,
        })
    }

    /// Imports grids in ONE transaction (see [`GridEdit::import_grids`]).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use wangge_model::{LevelNo, Territory};
    /// use wangge_store::{NewGrid, Store, StoreError};
    /// let store = Store::connect("sqlite::memory:").await?;
    /// let territory = Territory { code: "SY".parse()?, name: "十堰".into() };
    /// let grid = |code: &str, level: u8, parent: Option<&str>| NewGrid {
    ///     code: code.parse().unwrap(),
    ///     name: code.into(),
    ///     level: LevelNo::try_from(level).unwrap(),
    ///     parent: parent.map(|p| p.parse().unwrap()),
    ///     cell_type: (level == 4).then(|| "15".parse().unwrap()),
    ///     geometry_geojson: r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}"#.into(),
    ///     bbox: [0.0, 0.0, 1.0, 1.0],
    ///     area_m2: 1.0,
    ///     invalid_reason: None,
    ///     properties_json: None,
    ///     source: Some(format!("feature {code}")),
    /// };
    /// let report = store
    ///     .import_grids(&territory, &[grid("A-1", 2, Some("A")), grid("A", 1, None)])
    ///     .await?;
    /// assert_eq!(report.inserted, 2);
    ///
    /// // A level-3 grid under a level-1 grid is refused, and nothing is written.
    /// let err = store
    ///     .import_grids(&territory, &[grid("B", 1, None), grid("B-1", 3, Some("B"))])
    ///     .await
    ///     .unwrap_err();
    /// assert!(matches!(err, StoreError::ParentLevel { .. }));
    /// assert!(err.to_string().contains("B-1 (feature B-1)"));
    /// assert!(store.grid(&"B".parse()?).await?.is_none());
    /// # Ok(()) }
    /// ```
    pub async fn import_grids(
        &self,
        territory: &Territory,
        grids: &[NewGrid],
    ) -> Result<ImportReport, StoreError> {
        let mut edit = self.begin_grid_edit().await?;
        let report = edit.import_grids(territory, grids).await?;
        edit.commit().await?;
        Ok(report)
    }

    /// Replaces the geometry of these grids in ONE transaction (see
    /// [`GridEdit::update_geometries`]).
    pub async fn update_grid_geometries(
        &self,
        updates: &[GeometryUpdate],
    ) -> Result<(), StoreError> {
        let mut edit = self.begin_grid_edit().await?;
        edit.update_geometries(updates).await?;
        edit.commit().await
    }
}

impl GridEdit {
    /// The grid revision when the edit began (it holds the lock: no other
    /// grid write came in between since).
    pub fn revision_at_start(&self) -> i64 {
        self.revision
    }

    pub(crate) fn backend(&self) -> Backend {
        self.backend
    }

    pub(crate) fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }

    /// The grid or cell with this code, as it is in this transaction.
    pub async fn grid(&mut self, code: &GridCode) -> Result<Option<GridRecord>, StoreError> {
        grid_by_code(&mut self.tx, code).await
    }

    /// True when some grid has this code.
    pub async fn code_taken(&mut self, code: &GridCode) -> Result<bool, StoreError> {
        let taken = sqlx::query("SELECT 1 FROM grids WHERE code = $1")
            .bind(code.as_str())
            .fetch_optional(&mut *self.tx)
            .await?;
        Ok(taken.is_some())
    }

    /// The bounding boxes of those of `codes` that are stored: one scan of
    /// the boxes (an import of a whole territory asks for thousands).
    pub async fn stored_boxes(&mut self, codes: &[GridCode]) -> Result<Vec<BBox>, StoreError> {
        let wanted: HashSet<&str> = codes.iter().map(GridCode::as_str).collect();
        let rows = sqlx::query("SELECT code, min_lon, min_lat, max_lon, max_lat FROM grids")
            .fetch_all(&mut *self.tx)
            .await?;
        let mut boxes = Vec::new();
        for row in &rows {
            let code: String = row.try_get("code")?;
            if wanted.contains(code.as_str()) {
                boxes.push([
                    row.try_get("min_lon")?,
                    row.try_get("min_lat")?,
                    row.try_get("max_lon")?,
                    row.try_get("max_lat")?,
                ]);
            }
        }
        Ok(boxes)
    }

    /// Makes the edit permanent.
    pub async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await?;
        Ok(())
    }

    /// Undoes everything the edit wrote (the dry run's end).
    pub async fn rollback(self) -> Result<(), StoreError> {
        self.tx.rollback().await?;
        Ok(())
    }

    /// Renames a grid and/or sets a cell's type. A type is only for level-4
    /// cells and must be in the cell type table; an empty name is refused.
    pub async fn set_attributes(
        &mut self,
        code: &GridCode,
        name: Option<&str>,
        cell_type: Option<&CellTypeCode>,
    ) -> Result<(), StoreError> {
        if let Some(name) = name {
            if let Some(problem) = wangge_model::name::name_problem(name) {
                return Err(StoreError::bad_name("grid", code.as_str(), name, problem));
            }
        }
        let cell = cell_row(&mut self.tx, code).await?;
        if let Some(cell_type) = cell_type {
            if cell.level != 4 {
                return Err(StoreError::CellTypeNotAllowed {
                    grid: code.to_string(),
                    source_hint: None,
                });
            }
            let known = sqlx::query("SELECT 1 FROM cell_types WHERE code = $1")
                .bind(cell_type.as_str())
                .fetch_optional(&mut *self.tx)
                .await?;
            if known.is_none() {
                return Err(StoreError::UnknownCellType {
                    grid: code.to_string(),
                    source_hint: None,
                    cell_type: cell_type.to_string(),
                });
            }
        }
        sqlx::query(
            "UPDATE grids SET name = COALESCE($1, name), cell_type = COALESCE($2, cell_type), \
             updated_at = $3 WHERE id = $4",
        )
        .bind(name.map(str::trim))
        .bind(cell_type.map(CellTypeCode::as_str))
        .bind(now_ms())
        .bind(cell.id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Cuts a level-4 cell: it keeps its code and claims with the geometry
    /// `keep`; each of `pieces` becomes a new cell beside it (same parent,
    /// type and properties), unclaimed. A code that exists already refuses
    /// the whole edit.
    pub async fn split_cell(
        &mut self,
        code: &GridCode,
        keep: &GeometryUpdate,
        pieces: &[NewPiece],
    ) -> Result<(), StoreError> {
        check_update(keep)?;
        for piece in pieces {
            check_update(&piece.geometry)?;
            if let Some(problem) = wangge_model::name::name_problem(&piece.name) {
                return Err(StoreError::bad_name(
                    "cell",
                    piece.geometry.code.as_str(),
                    &piece.name,
                    problem,
                ));
            }
        }
        let cell = cell_row(&mut self.tx, code).await?;
        require_cell(code, &cell)?;
        let now = now_ms();
        update_geometry(&mut self.tx, keep, now).await?;
        for piece in pieces {
            if self.code_taken(&piece.geometry.code).await? {
                return Err(StoreError::DuplicateCode {
                    code: piece.geometry.code.to_string(),
                    source_hint: Some("a grid with this code exists".to_owned()),
                });
            }
            let g = &piece.geometry;
            let [min_lon, min_lat, max_lon, max_lat] = g.bbox;
            sqlx::query(
                "INSERT INTO grids (territory_id, code, name, level, parent_id, parent_level, \
                 cell_type, geometry, min_lon, min_lat, max_lon, max_lat, area_m2, valid, \
                 invalid_reason, properties, created_at, updated_at) \
                 SELECT territory_id, $1, $2, level, parent_id, parent_level, cell_type, $3, \
                 $4, $5, $6, $7, $8, $9, $10, properties, $11, $11 FROM grids WHERE id = $12",
            )
            .bind(g.code.as_str())
            .bind(piece.name.trim())
            .bind(g.geometry_geojson.as_str())
            .bind(min_lon)
            .bind(min_lat)
            .bind(max_lon)
            .bind(max_lat)
            .bind(g.area_m2)
            .bind(g.invalid_reason.is_none())
            .bind(g.invalid_reason.as_deref())
            .bind(now)
            .bind(cell.id)
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(())
    }

    /// Merges `absorbed` into the cell `keep`, which takes `geometry` (its
    /// code in `geometry.code` must be `keep`). All must be level-4 cells of
    /// one parent. Claims: open claims of different managers refuse the
    /// merge (release or transfer first); otherwise the one open claim
    /// (the kept cell's first) holds the merged cell, the same manager's
    /// other open claims are closed as released, and the history of the
    /// removed cells moves to the merged cell, marked "merged from CODE".
    /// Placements in removed cells are cleared for the caller to re-place.
    pub async fn merge_cells(
        &mut self,
        keep: &GridCode,
        absorbed: &[GridCode],
        geometry: &GeometryUpdate,
        actor_user_id: Option<i64>,
    ) -> Result<MergeOutcome, StoreError> {
        check_update(geometry)?;
        if geometry.code != *keep {
            return Err(StoreError::Conflict {
                message: format!(
                    "merge: the new geometry is for {}, not for the kept cell {keep}",
                    geometry.code
                ),
            });
        }
        let tx = &mut self.tx;
        let kept = cell_row(tx, keep).await?;
        require_cell(keep, &kept)?;
        let mut gone = Vec::with_capacity(absorbed.len());
        for code in absorbed {
            if code == keep || gone.iter().any(|(c, _): &(&GridCode, i64)| *c == code) {
                return Err(StoreError::DuplicateCode {
                    code: code.to_string(),
                    source_hint: Some("merge list".to_owned()),
                });
            }
            let cell = cell_row(tx, code).await?;
            require_cell(code, &cell)?;
            if cell.parent_id != kept.parent_id {
                return Err(StoreError::Conflict {
                    message: format!(
                        "cells {keep} and {code} lie in different level-3 grids: only cells of one grid can be merged"
                    ),
                });
            }
            gone.push((code, cell.id));
        }
        let mut open = Vec::new();
        for &(code, id) in std::iter::once(&(keep, kept.id)).chain(gone.iter()) {
            let rows = sqlx::query(
                "SELECT c.id, c.manager_id, c.status, u.name FROM claims c \
                 JOIN users u ON u.id = c.manager_id \
                 WHERE c.cell_id = $1 AND c.status IN ('pending', 'active')",
            )
            .bind(id)
            .fetch_all(&mut **tx)
            .await?;
            for row in rows {
                open.push((
                    code.clone(),
                    row.try_get::<i64, _>("id")?,
                    row.try_get::<i64, _>("manager_id")?,
                    row.try_get::<String, _>("status")?,
                    row.try_get::<String, _>("name")?,
                ));
            }
        }
        if let Some(other) = open.iter().find(|o| o.2 != open[0].2) {
            return Err(StoreError::Conflict {
                message: format!(
                    "cell {} is claimed by {} and cell {} by {}: release or transfer one first",
                    open[0].0, open[0].4, other.0, other.4
                ),
            });
        }
        let now = now_ms();
        let mut outcome = MergeOutcome::default();
        // The kept cell's claim first; else an active one before a pending one.
        let chosen = open
            .iter()
            .min_by_key(|o| (o.0 != *keep, o.3 != "active"))
            .map(|o| o.1);
        for o in &open {
            if Some(o.1) == chosen {
                outcome.claim = Some((o.4.clone(), o.3.clone()));
                continue;
            }
            sqlx::query(
                "UPDATE claims SET status = 'released', ended_at = $1, ended_by = $2, \
                 reason = $3 WHERE id = $4",
            )
            .bind(now)
            .bind(actor_user_id)
            .bind(format!("merged into {keep}"))
            .bind(o.1)
            .execute(&mut **tx)
            .await?;
            outcome.claims_closed += 1;
        }
        for &(code, id) in &gone {
            let moved = sqlx::query(
                "UPDATE claims SET cell_id = $1, \
                 reason = COALESCE(reason || '; ', '') || $2 WHERE cell_id = $3",
            )
            .bind(kept.id)
            .bind(format!("merged from {code}"))
            .bind(id)
            .execute(&mut **tx)
            .await?;
            outcome.history_moved += usize::try_from(moved.rows_affected()).unwrap_or(0);
            sqlx::query("DELETE FROM grids WHERE id = $1")
                .bind(id)
                .execute(&mut **tx)
                .await?;
        }
        update_geometry(tx, geometry, now).await?;
        Ok(outcome)
    }

    /// Replaces the geometry (with bbox, area and validity) of these grids.
    /// An unknown code, a bbox or area that is not finite, or a geometry
    /// that is not a polygon's GeoJSON object refuses the whole batch,
    /// naming the grid.
    pub async fn update_geometries(
        &mut self,
        updates: &[GeometryUpdate],
    ) -> Result<(), StoreError> {
        for u in updates {
            check_update(u)?;
        }
        let now = now_ms();
        for u in updates {
            update_geometry(&mut self.tx, u, now).await?;
        }
        Ok(())
    }
}

async fn cell_row(tx: &mut AnyConnection, code: &GridCode) -> Result<CellRow, StoreError> {
    let row = sqlx::query(
        "SELECT id, level, parent_id FROM grids WHERE code = $1 ORDER BY territory_id LIMIT 1",
    )
    .bind(code.as_str())
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| StoreError::NotFound {
        what: "grid",
        key: code.to_string(),
    })?;
    Ok(CellRow {
        id: row.try_get("id")?,
        level: row.try_get("level")?,
        parent_id: row.try_get("parent_id")?,
    })
}

fn require_cell(code: &GridCode, cell: &CellRow) -> Result<(), StoreError> {
    if cell.level == 4 {
        return Ok(());
    }
    Err(StoreError::Conflict {
        message: format!(
            "{code} is a level-{} grid: only level-4 cells can be cut or merged",
            cell.level
        ),
    })
}
