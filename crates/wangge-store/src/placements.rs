//! The placements the assignment engine writes: all of a kind at once, or a
//! few after a cell changed.

use std::collections::HashSet;

use sqlx::{AnyConnection, Connection, Row};
use wangge_model::PlacementStatus;

use crate::bulk::{analyze_if_bulk, chunk_rows, id_list, literal, values_rows, AnyQuery};
use crate::connect::{raise_sqlite_cache, restore_sqlite_cache};
use crate::float_param::OptF64;
use crate::row::{get_parsed, positive_zero};
use crate::{BBox, Backend, EntityKind, Placement, Store, StoreError};

/// Columns bound per placement row (`entity_kind` is a literal).
const PLACEMENT_COLUMNS: [&str; 9] = [
    "entity_id",
    "status",
    "cell_id",
    "l3_id",
    "l2_id",
    "l1_id",
    "suggestion_cell_id",
    "suggestion_distance_m",
    "reason",
];

/// Rows per INSERT at most.
const MAX_CHUNK_ROWS: usize = 4_000;

/// From this many rows on, `replace_placements` on a `SQLite` file writes in
/// bulk ([`replace_in_bulk`]).
const BULK_FROM_ROWS: usize = 50_000;

impl Store {
    /// Replaces ALL placements of `kind` in one transaction: running it twice
    /// with the same placements leaves the same rows. Placements of other
    /// kinds are untouched.
    pub async fn replace_placements(
        &self,
        kind: EntityKind,
        placements: &[Placement],
    ) -> Result<(), StoreError> {
        check_placements(kind, placements)?;
        // Rebuilding the indexes and copying the other kinds back only pays
        // when this kind is most of the table (customers, not resources).
        let bulk = if placements.len() >= BULK_FROM_ROWS
            && self.placements_of_other_kinds(kind).await? <= placements.len()
        {
            self.unchecked_sqlite_connection().await?
        } else {
            None
        };
        if let Some(mut conn) = bulk {
            let result = replace_in_bulk(&mut conn, kind, placements).await;
            // Never back into a pool: this connection does not check foreign keys.
            let closed = conn.close().await;
            return result.and(closed.map_err(StoreError::from));
        }
        let mut tx = self.begin_write().await?;
        sqlx::query(&format!(
            "DELETE FROM placements WHERE entity_kind = {}",
            literal(kind.as_str())
        ))
        .execute(&mut *tx)
        .await?;
        let raised = raise_sqlite_cache(&mut tx, self.backend(), placements.len()).await?;
        let written = write_placements(&mut tx, self.chunk_limits(), kind, placements, false).await;
        if raised {
            restore_sqlite_cache(&mut tx).await?;
        }
        written?;
        analyze_if_bulk(&mut tx, self.backend(), "placements", placements.len()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// How many placements of other kinds than `kind` there are.
    async fn placements_of_other_kinds(&self, kind: EntityKind) -> Result<usize, StoreError> {
        // Two ranges of the primary key rather than `<>`, which would scan.
        let kind = literal(kind.as_str());
        let count: i64 = sqlx::query_scalar(&format!(
            "SELECT count(*) FROM placements WHERE entity_kind < {kind} OR entity_kind > {kind}"
        ))
        .fetch_one(&self.pool)
        .await?;
        Ok(usize::try_from(count).unwrap_or(0))
    }

    /// Writes the placements of these entities only (re-placement after a
    /// cell's polygon changed), in one transaction; others stay as they are.
    pub async fn upsert_placements(
        &self,
        kind: EntityKind,
        placements: &[Placement],
    ) -> Result<(), StoreError> {
        check_placements(kind, placements)?;
        let mut tx = self.begin_write().await?;
        write_placements(&mut tx, self.chunk_limits(), kind, placements, true).await?;
        analyze_if_bulk(&mut tx, self.backend(), "placements", placements.len()).await?;
        tx.commit().await?;
        Ok(())
    }
}

impl Store {
    /// The entities of `kind` an edit of one area may place differently,
    /// read from their placements through the placement indexes (no scan of
    /// the entity table): those placed in one of `cell_ids` (the cells
    /// meeting the area), those in a gap of one of `l3_ids` (the level-3
    /// grids meeting it), and, with their point in `area`, those outside,
    /// in a gap of no level-3 grid, or whose cell the edit deleted (set
    /// NULL). By id. Entities with no placement row yet are left to
    /// `wangge assign`.
    pub async fn entities_placed_near(
        &self,
        kind: EntityKind,
        cell_ids: &[i64],
        l3_ids: &[i64],
        area: BBox,
    ) -> Result<Vec<i64>, StoreError> {
        let (table, kind) = (kind.table(), kind.as_str());
        // Groups that no placement index narrows to the area (they grow
        // with the territory): their ids from the placements, then their
        // points tested in the SQL by primary key, returning only the ids
        // inside (a join is planned as a scan of the entity table).
        let mut wide = Vec::new();
        for condition in [
            // One statement per status: equality on every column of
            // `placements_cell`, so its range is exactly these rows.
            format!("cell_id IS NULL AND entity_kind = '{kind}' AND status = 'assigned'"),
            format!("cell_id IS NULL AND entity_kind = '{kind}' AND status = 'via_parent'"),
            format!(
                "entity_kind = '{kind}' AND status <> 'assigned' AND (status = 'outside' \
                 OR (status = 'in_gap' AND l3_id IS NULL))"
            ),
        ] {
            let sql = format!("SELECT entity_id FROM placements WHERE {condition}");
            for row in sqlx::query(&sql).fetch_all(&self.pool).await? {
                wide.push(row.try_get::<i64, _>("entity_id")?);
            }
        }
        let mut ids = Vec::new();
        for chunk in wide.chunks(1_000) {
            let sql = format!(
                "SELECT id FROM {table} WHERE id IN ({}) \
                 AND lon >= $1 AND lat >= $2 AND lon <= $3 AND lat <= $4",
                id_list(chunk)
            );
            let rows = sqlx::query(&sql)
                .bind(area[0])
                .bind(area[1])
                .bind(area[2])
                .bind(area[3])
                .fetch_all(&self.pool)
                .await?;
            for row in rows {
                ids.push(row.try_get::<i64, _>("id")?);
            }
        }
        // Numbers and a fixed kind only, so the lists are written into the
        // SQL; separate statements so each uses its own index.
        let mut statements = Vec::new();
        for chunk in cell_ids.chunks(500) {
            statements.push(format!(
                "SELECT entity_id FROM placements WHERE cell_id IN ({}) AND entity_kind = '{kind}'",
                id_list(chunk)
            ));
        }
        for chunk in l3_ids.chunks(500) {
            statements.push(format!(
                "SELECT entity_id FROM placements WHERE entity_kind = '{kind}' \
                 AND status <> 'assigned' AND status = 'in_gap' AND l3_id IN ({})",
                id_list(chunk)
            ));
        }
        for sql in statements {
            for row in sqlx::query(&sql).fetch_all(&self.pool).await? {
                ids.push(row.try_get::<i64, _>("entity_id")?);
            }
        }
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }

    /// Every placement of `kind`, by entity id.
    pub async fn placements(&self, kind: EntityKind) -> Result<Vec<Placement>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT entity_id, status, cell_id, l3_id, l2_id, l1_id, suggestion_cell_id, \
             suggestion_distance_m, reason FROM placements \
             WHERE entity_kind = '{}' ORDER BY entity_id",
            kind.as_str()
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Placement {
                    entity_id: row.try_get("entity_id")?,
                    status: get_parsed(row, "status", "placement status")?,
                    cell_id: row.try_get("cell_id")?,
                    l3_id: row.try_get("l3_id")?,
                    l2_id: row.try_get("l2_id")?,
                    l1_id: row.try_get("l1_id")?,
                    suggestion_cell_id: row.try_get("suggestion_cell_id")?,
                    suggestion_distance_m: row.try_get("suggestion_distance_m")?,
                    reason: row.try_get("reason")?,
                })
            })
            .collect()
    }

    /// The resources hanging on any of these, by id.
    pub async fn resources_hanging_on(&self, parent_ids: &[i64]) -> Result<Vec<i64>, StoreError> {
        let mut ids = Vec::new();
        for chunk in parent_ids.chunks(500) {
            let sql = format!(
                "SELECT id FROM resources WHERE parent_id IN ({})",
                id_list(chunk)
            );
            for row in sqlx::query(&sql).fetch_all(&self.pool).await? {
                ids.push(row.try_get::<i64, _>("id")?);
            }
        }
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }

    /// The backend and the rows per placement INSERT at most.
    fn chunk_limits(&self) -> (Backend, usize) {
        (
            self.backend(),
            MAX_CHUNK_ROWS.min(self.max_rows_per_statement),
        )
    }
}

/// Refuses an entity placed twice and a status that contradicts the grid ids
/// (see [`Placement`]), naming the entity.
fn check_placements(kind: EntityKind, placements: &[Placement]) -> Result<(), StoreError> {
    let mut seen = HashSet::with_capacity(placements.len());
    for p in placements {
        if !seen.insert(p.entity_id) {
            return Err(StoreError::Conflict {
                message: format!("{kind} {} is placed twice in one batch", p.entity_id),
            });
        }
        let any_grid =
            p.cell_id.is_some() || p.l3_id.is_some() || p.l2_id.is_some() || p.l1_id.is_some();
        let contradiction = match p.status {
            PlacementStatus::Assigned | PlacementStatus::ViaParent => {
                p.cell_id.is_none().then_some("needs a cell_id")
            }
            PlacementStatus::InGap => p.cell_id.is_some().then_some("cannot have a cell_id"),
            PlacementStatus::Outside
            | PlacementStatus::NoLocation
            | PlacementStatus::InvalidCoordinates => {
                any_grid.then_some("cannot have a cell or level-1/2/3 grid")
            }
            PlacementStatus::NotPlacedYet => Some("is no placement: it is the lack of one"),
        };
        if let Some(what) = contradiction {
            return Err(StoreError::Conflict {
                message: format!(
                    "placement of {kind} {}: status {} {what}",
                    p.entity_id, p.status
                ),
            });
        }
        if p.suggestion_distance_m.is_some_and(|d| !d.is_finite()) {
            return Err(StoreError::Conflict {
                message: format!(
                    "placement of {kind} {}: suggestion distance {:?} is not a finite number",
                    p.entity_id, p.suggestion_distance_m
                ),
            });
        }
    }
    Ok(())
}

/// The two row shapes of a placement INSERT. Most placements are `assigned`
/// with no suggestion and no reason: for them the status and the three
/// NULLs are literals and only 5 values per row are bound instead of 9,
/// which makes the bulk write a third faster (binding is per value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Shape {
    /// `status` as a literal; no suggestion, no reason.
    Short(PlacementStatus),
    Full,
}

const SHORT_COLUMNS: [&str; 5] = ["entity_id", "cell_id", "l3_id", "l2_id", "l1_id"];

impl Shape {
    fn of(p: &Placement) -> Shape {
        if p.suggestion_cell_id.is_none() && p.suggestion_distance_m.is_none() && p.reason.is_none()
        {
            Shape::Short(p.status)
        } else {
            Shape::Full
        }
    }

    fn params_per_row(self) -> usize {
        match self {
            Shape::Short(_) => SHORT_COLUMNS.len(),
            Shape::Full => PLACEMENT_COLUMNS.len(),
        }
    }

    /// The INSERT of `rows` rows of this shape.
    fn sql(self, backend: Backend, kind: EntityKind, rows: usize, upsert: bool) -> String {
        let kind = literal(kind.as_str());
        let (columns, prefix) = match self {
            Shape::Short(status) => (
                format!(
                    "entity_kind, status, suggestion_cell_id, suggestion_distance_m, reason, {}",
                    SHORT_COLUMNS.join(", ")
                ),
                format!("{kind}, {}, NULL, NULL, NULL", literal(status.as_str())),
            ),
            Shape::Full => (
                format!("entity_kind, {}", PLACEMENT_COLUMNS.join(", ")),
                kind,
            ),
        };
        let values = values_rows(backend, rows, self.params_per_row(), &prefix, "");
        let on_conflict = if upsert {
            let set: Vec<String> = PLACEMENT_COLUMNS[1..]
                .iter()
                .map(|c| format!("{c} = excluded.{c}"))
                .collect();
            format!(
                " ON CONFLICT (entity_kind, entity_id) DO UPDATE SET {}",
                set.join(", ")
            )
        } else {
            String::new()
        };
        format!("INSERT INTO placements ({columns}) VALUES {values}{on_conflict}")
    }

    fn bind<'q>(self, query: AnyQuery<'q>, p: &'q Placement) -> AnyQuery<'q> {
        match self {
            Shape::Short(_) => query
                .bind(p.entity_id)
                .bind(p.cell_id)
                .bind(p.l3_id)
                .bind(p.l2_id)
                .bind(p.l1_id),
            Shape::Full => query
                .bind(p.entity_id)
                .bind(p.status.as_str())
                .bind(p.cell_id)
                .bind(p.l3_id)
                .bind(p.l2_id)
                .bind(p.l1_id)
                .bind(p.suggestion_cell_id)
                .bind(OptF64(p.suggestion_distance_m.map(positive_zero)))
                .bind(p.reason.as_deref()),
        }
    }
}

/// Multi-row INSERTs of placements, grouped by row shape; with `upsert`, an
/// existing placement of the same entity is overwritten.
async fn write_placements(
    conn: &mut AnyConnection,
    (backend, max_chunk_rows): (Backend, usize),
    kind: EntityKind,
    placements: &[Placement],
    upsert: bool,
) -> Result<(), StoreError> {
    let mut groups: Vec<(Shape, Vec<&Placement>)> = Vec::new();
    for p in placements {
        let shape = Shape::of(p);
        match groups.iter_mut().find(|(s, _)| *s == shape) {
            Some((_, rows)) => rows.push(p),
            None => groups.push((shape, vec![p])),
        }
    }
    for (shape, rows) in &groups {
        let chunk = chunk_rows(backend, shape.params_per_row(), max_chunk_rows);
        let full_sql = shape.sql(backend, kind, chunk, upsert);
        for rows in rows.chunks(chunk) {
            let tail_sql;
            let text = if rows.len() == chunk {
                &full_sql
            } else {
                tail_sql = shape.sql(backend, kind, rows.len(), upsert);
                &tail_sql
            };
            let mut query = sqlx::query(text);
            for p in rows {
                query = shape.bind(query, p);
            }
            query.execute(&mut *conn).await.map_err(|e| match e {
                sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                    // The database's own text names its constraint
                    // (placements_cell_id_fkey): callers get the domain's words.
                    StoreError::Conflict {
                        message: format!(
                            "a cell that {kind}s were being placed in was removed meanwhile (the grid changed): place them again"
                        ),
                    }
                }
                e => e.into(),
            })?;
        }
    }
    Ok(())
}

/// Replaces the placements of `kind` on a `SQLite` connection without
/// foreign-key enforcement, in one transaction that holds the write lock:
/// checks the grid ids itself, drops the secondary indexes, empties the
/// table in one step (keeping the other kinds), inserts, and builds the
/// indexes again - sorting once beats updating six b-trees row by row.
/// Measured with placement_bench: about half the time of the checked path.
async fn replace_in_bulk(
    conn: &mut AnyConnection,
    kind: EntityKind,
    placements: &[Placement],
) -> Result<(), StoreError> {
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    check_grid_ids(&mut tx, kind, placements).await?;
    let indexes = drop_secondary_indexes(&mut tx).await?;
    truncate_kind(&mut tx, kind).await?;
    write_placements(
        &mut tx,
        (Backend::Sqlite, MAX_CHUNK_ROWS),
        kind,
        placements,
        false,
    )
    .await?;
    for sql in &indexes {
        sqlx::query(sql).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// What the foreign keys of `placements` would check: every grid id given
/// exists.
async fn check_grid_ids(
    conn: &mut AnyConnection,
    kind: EntityKind,
    placements: &[Placement],
) -> Result<(), StoreError> {
    let rows = sqlx::query("SELECT id FROM grids")
        .fetch_all(&mut *conn)
        .await?;
    let ids = rows
        .iter()
        .map(|r| r.try_get::<i64, _>("id"))
        .collect::<Result<HashSet<i64>, _>>()?;
    for p in placements {
        for (column, id) in [
            ("cell_id", p.cell_id),
            ("l3_id", p.l3_id),
            ("l2_id", p.l2_id),
            ("l1_id", p.l1_id),
            ("suggestion_cell_id", p.suggestion_cell_id),
        ] {
            if let Some(id) = id.filter(|id| !ids.contains(id)) {
                return Err(StoreError::Conflict {
                    message: format!(
                        "placement of {kind} {}: {column} {id} is no grid id",
                        p.entity_id
                    ),
                });
            }
        }
    }
    Ok(())
}

/// Deletes the placements of `kind` by emptying the table (`SQLite`'s
/// truncate, only without foreign-key enforcement: pages are freed whole,
/// ten times faster than deleting a million rows one by one) and putting
/// back those of the other kinds.
async fn truncate_kind(conn: &mut AnyConnection, kind: EntityKind) -> Result<(), StoreError> {
    // Two ranges of the primary key rather than `<>`, which would scan.
    let kind = literal(kind.as_str());
    let keep = format!("entity_kind < {kind} OR entity_kind > {kind}");
    sqlx::query(&format!(
        "CREATE TEMP TABLE placements_kept AS SELECT * FROM placements WHERE {keep}"
    ))
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM placements")
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO placements SELECT * FROM placements_kept")
        .execute(&mut *conn)
        .await?;
    sqlx::query("DROP TABLE placements_kept")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Drops the secondary indexes of `placements` (`SQLite`) and returns the
/// statements that create them again, read from the schema itself so that
/// they stay exactly what the migrations made.
async fn drop_secondary_indexes(conn: &mut AnyConnection) -> Result<Vec<String>, StoreError> {
    let rows = sqlx::query(
        "SELECT name, sql FROM sqlite_master \
         WHERE type = 'index' AND tbl_name = 'placements' AND sql IS NOT NULL ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut create = Vec::with_capacity(rows.len());
    for row in &rows {
        let name: String = row.try_get("name")?;
        create.push(row.try_get("sql")?);
        sqlx::query(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))
            .execute(&mut *conn)
            .await?;
    }
    Ok(create)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placement(entity_id: i64, status: PlacementStatus, cell_id: Option<i64>) -> Placement {
        Placement {
            entity_id,
            status,
            cell_id,
            l3_id: cell_id.map(|c| c + 100),
            l2_id: None,
            l1_id: None,
            suggestion_cell_id: None,
            suggestion_distance_m: None,
            reason: None,
        }
    }

    #[test]
    fn statuses_must_agree_with_the_grid_ids() {
        use PlacementStatus as S;
        let ok = [
            placement(1, S::Assigned, Some(5)),
            placement(2, S::ViaParent, Some(5)),
            placement(4, S::Outside, None),
        ];
        check_placements(EntityKind::Customer, &ok).unwrap();
        let mut gap = placement(3, S::InGap, None);
        gap.l3_id = Some(9);
        check_placements(EntityKind::Customer, &[gap]).unwrap();

        for bad in [
            placement(1, S::Assigned, None),
            placement(1, S::InGap, Some(5)),
            placement(1, S::NoLocation, Some(5)),
        ] {
            let err = check_placements(EntityKind::Resource, &[bad]).unwrap_err();
            assert!(err.to_string().contains("resource 1"), "{err}");
        }
        let err = check_placements(
            EntityKind::Customer,
            &[
                placement(7, S::Outside, None),
                placement(7, S::Outside, None),
            ],
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("customer 7 is placed twice"),
            "{err}"
        );
    }
}
