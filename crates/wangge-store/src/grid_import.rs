//! Importing a batch of grids: all or nothing, in one transaction.
//!
//! The batch is first checked as a whole against the hierarchy rules (so the
//! error names the offending grid and its source), then written level by
//! level with multi-row INSERTs so that parents get their ids before their
//! children need them. The database checks the same rules again (see
//! `migrations/*/0001_grid.sql`); those checks are the backstop, these give the
//! messages.

use std::collections::{HashMap, HashSet};

use sqlx::{AnyConnection, Row};
use wangge_model::{CellTypeCode, LevelNo, Territory};

use crate::bulk::analyze_if_bulk;
use crate::grid_query::level_of;
use crate::row::{get_parsed, is_unique_violation, now_ms, positive_zero};
use crate::territory::territory_id;
use crate::{Backend, GridEdit, ImportReport, NewGrid, StoreError};

/// Rows per multi-row INSERT: 200 x 18 parameters stays far below the
/// parameter limits of `SQLite` (32,766) and `PostgreSQL` (65,535).
const INSERT_CHUNK_ROWS: usize = 200;

const INSERT_COLUMNS: [&str; 18] = [
    "territory_id",
    "code",
    "name",
    "level",
    "parent_id",
    "parent_level",
    "cell_type",
    "geometry",
    "min_lon",
    "min_lat",
    "max_lon",
    "max_lat",
    "area_m2",
    "valid",
    "invalid_reason",
    "properties",
    "created_at",
    "updated_at",
];

/// A grid already stored in the territory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Existing {
    pub id: i64,
    pub level: LevelNo,
}

/// What to do with a checked batch: per level (index 0 = level 1), the
/// indices into the batch of the grids to insert, and of those to update
/// with their stored id.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct ImportPlan {
    pub inserts: [Vec<usize>; 4],
    pub updates: [Vec<(usize, i64)>; 4],
}

impl GridEdit {
    /// Imports grids of any levels into a territory (created if missing)
    /// inside this edit: all grids or none.
    ///
    /// Parents are found by code among the territory's stored grids or in the
    /// batch itself (the batch may hold several levels, in any order). A code
    /// that exists already is updated (name, geometry, type, parent) and
    /// counted in `updated`. Any error names the grid and its `source`; the
    /// caller then drops the edit, which rolls everything back.
    pub async fn import_grids(
        &mut self,
        territory: &Territory,
        grids: &[NewGrid],
    ) -> Result<ImportReport, StoreError> {
        let backend = self.backend();
        let tx = self.conn();
        let territory_id = territory_id(tx, territory).await?;
        let known_types = stored_type_codes(tx).await?;
        let existing = stored_grids(tx, territory_id).await?;
        let plan = plan_import(grids, &existing, &known_types)?;

        let mut ids: HashMap<String, i64> = existing
            .iter()
            .map(|(code, e)| (code.clone(), e.id))
            .collect();
        let now = now_ms();
        for level in 0..4 {
            for chunk in plan.inserts[level].chunks(INSERT_CHUNK_ROWS) {
                let sql = insert_sql(chunk.len(), backend);
                insert_chunk(tx, &sql, territory_id, grids, chunk, &mut ids, now).await?;
            }
            for &(i, id) in &plan.updates[level] {
                update_grid(tx, &grids[i], &ids, id, now).await?;
            }
        }

        analyze_if_bulk(tx, backend, "grids", grids.len()).await?;
        Ok(ImportReport {
            inserted: plan.inserts.iter().map(Vec::len).sum(),
            updated: plan.updates.iter().map(Vec::len).sum(),
            invalid: grids
                .iter()
                .filter_map(|g| g.invalid_reason.clone().map(|r| (g.code.clone(), r)))
                .collect(),
        })
    }
}

/// Checks a batch against the hierarchy and type rules and sorts it into
/// inserts and updates per level. Pure, so every rule is unit-tested.
pub(crate) fn plan_import(
    grids: &[NewGrid],
    existing: &HashMap<String, Existing>,
    known_types: &HashSet<CellTypeCode>,
) -> Result<ImportPlan, StoreError> {
    // Level of every code of the batch, refusing a code given twice.
    let mut batch_levels: HashMap<&str, LevelNo> = HashMap::with_capacity(grids.len());
    for g in grids {
        if batch_levels.insert(g.code.as_str(), g.level).is_some() {
            return Err(StoreError::DuplicateCode {
                code: g.code.to_string(),
                source_hint: g.source.clone(),
            });
        }
    }
    // Lower levels first, so an error names the grid highest in the tree.
    let mut order: Vec<usize> = (0..grids.len()).collect();
    order.sort_by_key(|&i| grids[i].level);

    let mut plan = ImportPlan::default();
    for i in order {
        let g = &grids[i];
        check_grid(g, existing, &batch_levels, known_types)?;
        let slot = usize::from(g.level.get() - 1);
        if let Some(stored) = existing.get(g.code.as_str()) {
            plan.updates[slot].push((i, stored.id));
        } else {
            plan.inserts[slot].push(i);
        }
    }
    Ok(plan)
}

fn check_grid(
    g: &NewGrid,
    existing: &HashMap<String, Existing>,
    batch_levels: &HashMap<&str, LevelNo>,
    known_types: &HashSet<CellTypeCode>,
) -> Result<(), StoreError> {
    let grid = || g.code.to_string();
    let source_hint = || g.source.clone();
    let level = g.level.get();
    if let Some(problem) = wangge_model::name::name_problem(&g.name) {
        return Err(StoreError::bad_name(
            "grid",
            g.code.as_str(),
            &g.name,
            problem,
        ));
    }
    if let Some(stored) = existing.get(g.code.as_str()) {
        if stored.level != g.level {
            return Err(StoreError::Conflict {
                message: format!(
                    "grid {}{} exists as a level-{} grid and cannot be re-imported as level {level}",
                    g.code,
                    g.source.as_deref().map(|s| format!(" ({s})")).unwrap_or_default(),
                    stored.level
                ),
            });
        }
    }
    let non_finite = g.bbox.iter().chain([&g.area_m2]).any(|v| !v.is_finite());
    if non_finite {
        return Err(StoreError::Conflict {
            message: format!(
                "grid {}{}: bbox {:?} or area {} is not a finite number",
                g.code,
                g.source
                    .as_deref()
                    .map(|s| format!(" ({s})"))
                    .unwrap_or_default(),
                g.bbox,
                g.area_m2
            ),
        });
    }
    match (g.level.parent(), &g.parent) {
        (None, Some(_)) => {
            return Err(StoreError::UnexpectedParent {
                grid: grid(),
                source_hint: source_hint(),
            })
        }
        (Some(_), None) => {
            return Err(StoreError::MissingParent {
                grid: grid(),
                source_hint: source_hint(),
            })
        }
        (Some(wanted), Some(parent)) => {
            let found = batch_levels
                .get(parent.as_str())
                .copied()
                .or_else(|| existing.get(parent.as_str()).map(|e| e.level));
            match found {
                None => {
                    return Err(StoreError::ParentNotFound {
                        grid: grid(),
                        source_hint: source_hint(),
                        parent: parent.to_string(),
                    })
                }
                Some(parent_level) if parent_level != wanted => {
                    return Err(StoreError::ParentLevel {
                        grid: grid(),
                        source_hint: source_hint(),
                        parent: parent.to_string(),
                        parent_level: parent_level.get(),
                        level,
                    })
                }
                Some(_) => {}
            }
        }
        (None, None) => {}
    }
    match (g.level.is_cell(), g.cell_type) {
        (true, None) => Err(StoreError::CellTypeRequired {
            grid: grid(),
            source_hint: source_hint(),
        }),
        (false, Some(_)) => Err(StoreError::CellTypeNotAllowed {
            grid: grid(),
            source_hint: source_hint(),
        }),
        (true, Some(t)) if !known_types.contains(&t) => Err(StoreError::UnknownCellType {
            grid: grid(),
            source_hint: source_hint(),
            cell_type: t.as_str(),
        }),
        _ => Ok(()),
    }
}

async fn stored_type_codes(conn: &mut AnyConnection) -> Result<HashSet<CellTypeCode>, StoreError> {
    let rows = sqlx::query("SELECT code FROM cell_types")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|row| get_parsed(row, "code", "cell type code"))
        .collect()
}

async fn stored_grids(
    conn: &mut AnyConnection,
    territory_id: i64,
) -> Result<HashMap<String, Existing>, StoreError> {
    let rows = sqlx::query("SELECT id, code, level FROM grids WHERE territory_id = $1")
        .bind(territory_id)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get::<String, _>("code")?,
                Existing {
                    id: row.try_get("id")?,
                    level: level_of(row, "level")?,
                },
            ))
        })
        .collect()
}

/// `INSERT INTO grids (...) VALUES (...), (...) RETURNING id, code`.
///
/// `PostgreSQL` needs numbered `$n` parameters; `SQLite` gets anonymous `?`
/// ones, because it looks a named parameter up by a linear scan, which makes
/// binding thousands of `$n` quadratic (two thirds of the import time).
fn insert_sql(rows: usize, backend: Backend) -> String {
    let width = INSERT_COLUMNS.len();
    let values: Vec<String> = (0..rows)
        .map(|r| {
            let params: Vec<String> = (1..=width)
                .map(|c| match backend {
                    Backend::Sqlite => "?".to_owned(),
                    Backend::Postgres => format!("${}", r * width + c),
                })
                .collect();
            format!("({})", params.join(", "))
        })
        .collect();
    format!(
        "INSERT INTO grids ({}) VALUES {} RETURNING id, code",
        INSERT_COLUMNS.join(", "),
        values.join(", ")
    )
}

/// The parent's id, already known: parents are written one level earlier.
fn parent_id(g: &NewGrid, ids: &HashMap<String, i64>) -> Result<Option<i64>, StoreError> {
    g.parent
        .as_ref()
        .map(|p| {
            ids.get(p.as_str())
                .copied()
                .ok_or_else(|| StoreError::ParentNotFound {
                    grid: g.code.to_string(),
                    source_hint: g.source.clone(),
                    parent: p.to_string(),
                })
        })
        .transpose()
}

async fn insert_chunk(
    conn: &mut AnyConnection,
    sql: &str,
    territory_id: i64,
    grids: &[NewGrid],
    chunk: &[usize],
    ids: &mut HashMap<String, i64>,
    now: i64,
) -> Result<(), StoreError> {
    let mut query = sqlx::query(sql);
    for &i in chunk {
        let g = &grids[i];
        let [min_lon, min_lat, max_lon, max_lat] = g.bbox.map(positive_zero);
        query = query
            .bind(territory_id)
            .bind(g.code.as_str())
            .bind(g.name.as_str())
            .bind(i64::from(g.level.get()))
            .bind(parent_id(g, ids)?)
            .bind(g.level.parent().map(|l| i64::from(l.get())))
            .bind(g.cell_type.map(|t| t.as_str()))
            .bind(g.geometry_geojson.as_str())
            .bind(min_lon)
            .bind(min_lat)
            .bind(max_lon)
            .bind(max_lat)
            .bind(positive_zero(g.area_m2))
            .bind(g.invalid_reason.is_none())
            .bind(g.invalid_reason.as_deref())
            .bind(g.properties_json.as_deref())
            .bind(now)
            .bind(now);
    }
    let rows = query.fetch_all(&mut *conn).await.map_err(|e| {
        if is_unique_violation(&e) {
            // Checked before writing, so only a concurrent import gets here.
            StoreError::Conflict {
                message: "another import wrote some of these grid codes at the same time; \
                          nothing was imported, try again"
                    .into(),
            }
        } else {
            e.into()
        }
    })?;
    for row in rows {
        ids.insert(row.try_get("code")?, row.try_get("id")?);
    }
    Ok(())
}

async fn update_grid(
    conn: &mut AnyConnection,
    g: &NewGrid,
    ids: &HashMap<String, i64>,
    id: i64,
    now: i64,
) -> Result<(), StoreError> {
    let [min_lon, min_lat, max_lon, max_lat] = g.bbox.map(positive_zero);
    sqlx::query(
        "UPDATE grids SET name = $1, parent_id = $2, parent_level = $3, cell_type = $4, \
         geometry = $5, min_lon = $6, min_lat = $7, max_lon = $8, max_lat = $9, area_m2 = $10, \
         valid = $11, invalid_reason = $12, properties = $13, updated_at = $14 WHERE id = $15",
    )
    .bind(g.name.as_str())
    .bind(parent_id(g, ids)?)
    .bind(g.level.parent().map(|l| i64::from(l.get())))
    .bind(g.cell_type.map(|t| t.as_str()))
    .bind(g.geometry_geojson.as_str())
    .bind(min_lon)
    .bind(min_lat)
    .bind(max_lon)
    .bind(max_lat)
    .bind(positive_zero(g.area_m2))
    .bind(g.invalid_reason.is_none())
    .bind(g.invalid_reason.as_deref())
    .bind(g.properties_json.as_deref())
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(code: &str, level: u8, parent: Option<&str>, cell_type: Option<&str>) -> NewGrid {
        NewGrid {
            code: code.parse().unwrap(),
            name: code.to_owned(),
            level: LevelNo::try_from(level).unwrap(),
            parent: parent.map(|p| p.parse().unwrap()),
            cell_type: cell_type.map(|t| t.parse().unwrap()),
            geometry_geojson: "{}".to_owned(),
            bbox: [0.0, 0.0, 1.0, 1.0],
            area_m2: 1.0,
            invalid_reason: None,
            properties_json: None,
            source: Some(format!("feature {code}")),
        }
    }

    fn types() -> HashSet<CellTypeCode> {
        ["15", "20"].iter().map(|t| t.parse().unwrap()).collect()
    }

    #[test]
    fn plans_levels_in_order_and_splits_inserts_from_updates() {
        let existing = HashMap::from([(
            "A".to_owned(),
            Existing {
                id: 7,
                level: LevelNo::DEPARTMENT,
            },
        )]);
        let batch = [
            grid("A-1-1-1", 4, Some("A-1-1"), Some("15")),
            grid("A-1", 2, Some("A"), None),
            grid("A", 1, None, None),
            grid("A-1-1", 3, Some("A-1"), None),
        ];
        let plan = plan_import(&batch, &existing, &types()).unwrap();
        assert_eq!(plan.inserts, [vec![], vec![1], vec![3], vec![0]]);
        assert_eq!(plan.updates, [vec![(2, 7)], vec![], vec![], vec![]]);
    }

    #[test]
    fn each_rule_names_the_grid() {
        let none = HashMap::new();
        let check = |batch: &[NewGrid]| plan_import(batch, &none, &types()).unwrap_err();

        let e = check(&[grid("A", 1, None, None), grid("A", 1, None, None)]);
        assert!(
            matches!(e, StoreError::DuplicateCode { ref code, .. } if code == "A"),
            "{e}"
        );
        let e = check(&[grid("B", 2, Some("X"), None)]);
        assert!(
            matches!(e, StoreError::ParentNotFound { ref grid, ref parent, ref source_hint }
                if grid == "B" && parent == "X" && source_hint.as_deref() == Some("feature B")),
            "{e}"
        );
        let e = check(&[grid("A", 1, None, None), grid("C", 3, Some("A"), None)]);
        assert!(
            matches!(
                e,
                StoreError::ParentLevel {
                    parent_level: 1,
                    level: 3,
                    ..
                }
            ),
            "{e}"
        );
        let e = check(&[grid("B", 2, None, None)]);
        assert!(matches!(e, StoreError::MissingParent { .. }), "{e}");
        let e = check(&[grid("A", 1, None, None), grid("Z", 1, Some("A"), None)]);
        assert!(
            matches!(e, StoreError::UnexpectedParent { ref grid, .. } if grid == "Z"),
            "{e}"
        );
        let e = check(&[grid("A", 1, Some("A"), None)]);
        assert!(matches!(e, StoreError::UnexpectedParent { .. }), "{e}");
        let e = check(&[grid("A", 1, None, Some("15"))]);
        assert!(matches!(e, StoreError::CellTypeNotAllowed { .. }), "{e}");
        let three = [
            grid("A", 1, None, None),
            grid("B", 2, Some("A"), None),
            grid("C", 3, Some("B"), None),
        ];
        let mut batch = three.to_vec();
        batch.push(grid("D", 4, Some("C"), None));
        assert!(matches!(check(&batch), StoreError::CellTypeRequired { .. }));
        let mut batch = three.to_vec();
        batch.push(grid("D", 4, Some("C"), Some("03")));
        let e = check(&batch);
        assert!(
            matches!(e, StoreError::UnknownCellType { ref cell_type, .. } if cell_type == "03"),
            "{e}"
        );
        let mut bad = grid("A", 1, None, None);
        bad.bbox[0] = f64::NAN;
        let e = check(&[bad]);
        assert!(
            matches!(e, StoreError::Conflict { ref message } if message.contains("feature A")),
            "{e}"
        );
    }

    #[test]
    fn an_existing_code_keeps_its_level() {
        let existing = HashMap::from([(
            "A".to_owned(),
            Existing {
                id: 1,
                level: LevelNo::BRANCH,
            },
        )]);
        let e = plan_import(&[grid("A", 1, None, None)], &existing, &types()).unwrap_err();
        assert!(e.to_string().contains("level-2"), "{e}");
    }

    #[test]
    fn insert_sql_numbers_every_parameter_once() {
        let sql = insert_sql(2, Backend::Postgres);
        assert!(sql.contains("($1, $2,"), "{sql}");
        assert!(sql.contains("($19, "), "{sql}");
        assert!(sql.contains("$36)"), "{sql}");
        assert!(!sql.contains("$37"), "{sql}");
        let sql = insert_sql(2, Backend::Sqlite);
        assert_eq!(sql.matches('?').count(), 36, "{sql}");
        assert!(!sql.contains('$'), "{sql}");
    }
}
