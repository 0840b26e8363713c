//! The grid part of the snapshot: the cell index (R-tree) and the grid tile
//! source, both from one read of the grids. Rebuilt when the grids, cell
//! types or outlets revision moves; when only the grids moved and the
//! `grid_changes` log names few of them, only those are read and parsed
//! again and the rest are reused (the index itself is always built whole:
//! its bulk load is the cheap part; README has both figures).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use geo::MultiPolygon;
use wangge_spatial::index::{CellIndex, IndexedGrid};
use wangge_store::{BBox, GridFilter, GridRecord, Revisions, Store};

use crate::tiles::source::{GridSource, Shape};

/// Above this share of the grids changed, a rebuild reads everything.
const INCREMENTAL_MAX_SHARE: f64 = 0.25;

/// What the grid part depends on: grids, cell types (categories), outlets
/// (the outlet codes of level-3 grids).
pub type GridKey = [i64; 3];

pub(crate) fn grid_key(r: &Revisions) -> GridKey {
    [r.grids, r.cell_types, r.outlets]
}

/// One grid as the snapshot keeps it, for the next incremental rebuild.
pub(crate) struct GridRow {
    /// The stored record without its geometry text.
    record: GridRecord,
    geometry: MultiPolygon<f64>,
    shape: Arc<Shape>,
}

/// The index and tile source of one grid state.
pub struct GridPart {
    pub(crate) key: GridKey,
    /// `None` when the store holds no grid.
    pub(crate) index: Option<Arc<CellIndex>>,
    pub(crate) source: Option<Arc<GridSource>>,
    rows: Arc<HashMap<i64, Arc<GridRow>>>,
}

/// How a rebuild went, for the log, the tile cache and the benchmark.
#[derive(Debug, Clone, Default)]
pub struct GridRebuild {
    /// Grids re-read (all of them for a full rebuild).
    pub reread: usize,
    pub incremental: bool,
    /// Boxes (lon/lat) of the changed grids before and after the change;
    /// empty for a full rebuild (everything changed).
    pub changed_boxes: Vec<BBox>,
    pub millis: f64,
}

impl GridPart {
    /// Before the first build: nothing.
    pub(crate) fn empty() -> GridPart {
        GridPart {
            key: [-1, -1, -1],
            index: None,
            source: None,
            rows: Arc::default(),
        }
    }

    /// The part for revisions `now`, built from `previous` when only a few
    /// grids changed, else from every grid.
    pub(crate) async fn build(
        store: &Store,
        previous: &GridPart,
        now: &Revisions,
    ) -> Result<(GridPart, GridRebuild), String> {
        let started = Instant::now();
        let key = grid_key(now);
        let (rows, mut report) = match incremental_rows(store, previous, &key).await? {
            Some(done) => done,
            None => (full_rows(store).await?, GridRebuild::default()),
        };
        let part = tokio::task::spawn_blocking(move || assemble(key, rows))
            .await
            .map_err(|e| format!("the snapshot task failed: {e}"))??;
        report.millis = started.elapsed().as_secs_f64() * 1e3;
        Ok((part, report))
    }

    /// A full rebuild whatever changed (the benchmark's baseline).
    pub async fn build_full(store: &Store, now: &Revisions) -> Result<GridPart, String> {
        let rows = full_rows(store).await?;
        let key = grid_key(now);
        tokio::task::spawn_blocking(move || assemble(key, rows))
            .await
            .map_err(|e| format!("the snapshot task failed: {e}"))?
    }
}

fn parse_row(record: GridRecord) -> Result<GridRow, String> {
    let geometry =
        wangge_assign::parse_multipolygon(&record.geometry_geojson).map_err(|reason| {
            format!(
                "grid {}: stored geometry does not parse: {reason}",
                record.code
            )
        })?;
    let shape = Arc::new(Shape::new(&record, &geometry));
    let mut record = record;
    record.geometry_geojson = String::new();
    Ok(GridRow {
        record,
        geometry,
        shape,
    })
}

async fn full_rows(store: &Store) -> Result<HashMap<i64, Arc<GridRow>>, String> {
    let records = store
        .grids(&GridFilter::default())
        .await
        .map_err(|e| e.to_string())?;
    tokio::task::spawn_blocking(move || {
        records
            .into_iter()
            .map(|r| Ok((r.id, Arc::new(parse_row(r)?))))
            .collect::<Result<HashMap<_, _>, String>>()
    })
    .await
    .map_err(|e| format!("the snapshot task failed: {e}"))?
}

/// The rows of `key` from `previous` and the grids the log names, or
/// `None` when a full rebuild is due: no previous build, cell types or
/// outlets moved, the log of the range was pruned, too many grids changed,
/// or a grid's code changed (its children name it).
async fn incremental_rows(
    store: &Store,
    previous: &GridPart,
    key: &GridKey,
) -> Result<Option<(HashMap<i64, Arc<GridRow>>, GridRebuild)>, String> {
    if previous.key[0] < 0 || previous.key[1..] != key[1..] || previous.key[0] > key[0] {
        return Ok(None);
    }
    let Some(changes) = store
        .grid_changes(previous.key[0], key[0])
        .await
        .map_err(|e| e.to_string())?
    else {
        // The log of that range was pruned.
        return Ok(None);
    };
    let limit = (previous.rows.len() as f64 * INCREMENTAL_MAX_SHARE) as usize;
    if changes.ids.len() > limit {
        return Ok(None);
    }
    let records = store
        .grids_by_id(&changes.ids)
        .await
        .map_err(|e| e.to_string())?;
    let mut rows = (*previous.rows).clone();
    let mut changed_boxes = Vec::with_capacity(2 * changes.ids.len());
    for id in &changes.ids {
        if let Some(old) = rows.remove(id) {
            changed_boxes.push(old.record.bbox);
        }
    }
    let reread = records.len();
    for record in records {
        if let Some(old) = previous.rows.get(&record.id) {
            if old.record.code != record.code {
                return Ok(None);
            }
        }
        changed_boxes.push(record.bbox);
        let row = parse_row(record)?;
        rows.insert(row.record.id, Arc::new(row));
    }
    Ok(Some((
        rows,
        GridRebuild {
            reread,
            incremental: true,
            changed_boxes,
            millis: 0.0,
        },
    )))
}

/// The index and tile source of the rows (ordered by level, then code,
/// as [`Store::grids`] returns them).
fn assemble(key: GridKey, rows: HashMap<i64, Arc<GridRow>>) -> Result<GridPart, String> {
    let mut ordered: Vec<&Arc<GridRow>> = rows.values().collect();
    ordered.sort_by(|a, b| {
        (a.record.level, &a.record.code, a.record.id).cmp(&(
            b.record.level,
            &b.record.code,
            b.record.id,
        ))
    });
    let (index, source) = if ordered.is_empty() {
        (None, None)
    } else {
        let ids: HashMap<&str, i64> = ordered
            .iter()
            .map(|r| (r.record.code.as_str(), r.record.id))
            .collect();
        let indexed = ordered
            .iter()
            .map(|r| IndexedGrid {
                id: r.record.id,
                code: r.record.code.clone(),
                level: r.record.level,
                parent_id: r
                    .record
                    .parent
                    .as_ref()
                    .and_then(|p| ids.get(p.as_str()).copied()),
                geometry: r.geometry.clone(),
            })
            .collect();
        let index = Arc::new(CellIndex::build(indexed).map_err(|e| e.to_string())?);
        let shapes = ordered.iter().map(|r| r.shape.clone()).collect();
        let source = Arc::new(GridSource::from_shapes(index.clone(), shapes));
        (Some(index), Some(source))
    };
    Ok(GridPart {
        key,
        index,
        source,
        rows: Arc::new(rows),
    })
}
