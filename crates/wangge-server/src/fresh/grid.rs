//! The grid part of the snapshot: the cell index (R-tree) and the grid tile
//! source, both from one read of the grids. Rebuilt when the grids, cell
//! types or outlets revision moves; when only the grids moved and the
//! `grid_changes` log names few of them, only those are read and parsed
//! again, the rest are reused, and the index is updated from the previous
//! one ([`CellIndex::update`]: unchanged outlines copied, the raster
//! answered again around the changed grids only; README has both figures).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use geo::MultiPolygon;
use wangge_spatial::index::{CellIndex, IndexedGrid, UpdatedGrid};
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

/// One grid as the snapshot keeps it, for the next incremental rebuild
/// (its outline lives in the index).
pub(crate) struct GridRow {
    /// The stored record without its geometry text.
    record: GridRecord,
    shape: Arc<Shape>,
}

/// Outlines parsed in this rebuild, by grid id.
type Outlines = HashMap<i64, MultiPolygon<f64>>;

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
    /// The index's raster was patched around the changed grids (not built whole).
    pub raster_patched: bool,
    /// Reading and parsing the grids; updating or building the index; the
    /// tile source and the rest; all of it.
    pub read_ms: f64,
    pub index_ms: f64,
    pub source_ms: f64,
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
        let (rows, outlines, from, mut report) = if let Some((rows, outlines, report)) =
            incremental_rows(store, previous, &key).await?
        {
            (rows, outlines, previous.index.clone(), report)
        } else {
            let (rows, outlines) = full_rows(store).await?;
            (rows, outlines, None, GridRebuild::default())
        };
        report.read_ms = started.elapsed().as_secs_f64() * 1e3;
        let (part, index_ms) =
            tokio::task::spawn_blocking(move || assemble(key, rows, outlines, from.as_deref()))
                .await
                .map_err(|e| format!("the snapshot task failed: {e}"))??;
        report.raster_patched = part.index.as_ref().is_some_and(|i| i.raster_patched());
        report.millis = started.elapsed().as_secs_f64() * 1e3;
        report.index_ms = index_ms;
        report.source_ms = report.millis - report.read_ms - index_ms;
        Ok((part, report))
    }

    /// A full rebuild whatever changed (the benchmark's baseline).
    pub async fn build_full(store: &Store, now: &Revisions) -> Result<GridPart, String> {
        let (rows, outlines) = full_rows(store).await?;
        let key = grid_key(now);
        tokio::task::spawn_blocking(move || assemble(key, rows, outlines, None))
            .await
            .map_err(|e| format!("the snapshot task failed: {e}"))?
            .map(|(part, _)| part)
    }
}

fn parse_row(record: GridRecord) -> Result<(GridRow, MultiPolygon<f64>), String> {
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
    Ok((GridRow { record, shape }, geometry))
}

async fn full_rows(store: &Store) -> Result<(HashMap<i64, Arc<GridRow>>, Outlines), String> {
    let records = store
        .grids(&GridFilter::default())
        .await
        .map_err(|e| e.to_string())?;
    tokio::task::spawn_blocking(move || {
        let mut rows = HashMap::with_capacity(records.len());
        let mut outlines = HashMap::with_capacity(records.len());
        for record in records {
            let id = record.id;
            let (row, geometry) = parse_row(record)?;
            rows.insert(id, Arc::new(row));
            outlines.insert(id, geometry);
        }
        Ok((rows, outlines))
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
) -> Result<Option<(HashMap<i64, Arc<GridRow>>, Outlines, GridRebuild)>, String> {
    if previous.index.is_none()
        || previous.key[0] < 0
        || previous.key[1..] != key[1..]
        || previous.key[0] > key[0]
    {
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
    let mut outlines = HashMap::with_capacity(reread);
    for record in records {
        if let Some(old) = previous.rows.get(&record.id) {
            if old.record.code != record.code {
                return Ok(None);
            }
        }
        changed_boxes.push(record.bbox);
        let (row, geometry) = parse_row(record)?;
        outlines.insert(row.record.id, geometry);
        rows.insert(row.record.id, Arc::new(row));
    }
    Ok(Some((
        rows,
        outlines,
        GridRebuild {
            reread,
            incremental: true,
            changed_boxes,
            ..GridRebuild::default()
        },
    )))
}

/// The index and tile source of the rows (ordered by level, then code,
/// as [`Store::grids`] returns them): updated from `from` when given (the
/// outlines of the grids that changed in `outlines`), else built from
/// `outlines` whole.
fn assemble(
    key: GridKey,
    rows: HashMap<i64, Arc<GridRow>>,
    mut outlines: Outlines,
    from: Option<&CellIndex>,
) -> Result<(GridPart, f64), String> {
    let mut ordered: Vec<&Arc<GridRow>> = rows.values().collect();
    ordered.sort_unstable_by(|a, b| {
        (a.record.level, &a.record.code, a.record.id).cmp(&(
            b.record.level,
            &b.record.code,
            b.record.id,
        ))
    });
    let mut index_ms = 0.0;
    let (index, source) = if ordered.is_empty() {
        (None, None)
    } else {
        let ids: HashMap<&str, i64> = ordered
            .iter()
            .map(|r| (r.record.code.as_str(), r.record.id))
            .collect();
        let grids = ordered.iter().map(|r| UpdatedGrid {
            id: r.record.id,
            code: r.record.code.clone(),
            level: r.record.level,
            parent_id: r
                .record
                .parent
                .as_ref()
                .and_then(|p| ids.get(p.as_str()).copied()),
            geometry: outlines.remove(&r.record.id),
        });
        let started = Instant::now();
        let index = match from {
            Some(from) => from.update(grids.collect()),
            None => CellIndex::build(
                grids
                    .map(|g| IndexedGrid {
                        id: g.id,
                        code: g.code,
                        level: g.level,
                        parent_id: g.parent_id,
                        geometry: g.geometry.unwrap_or_else(|| MultiPolygon(Vec::new())),
                    })
                    .collect(),
            ),
        };
        let index = Arc::new(index.map_err(|e| e.to_string())?);
        index_ms = started.elapsed().as_secs_f64() * 1e3;
        let shapes = ordered.iter().map(|r| r.shape.clone()).collect();
        let source = Arc::new(GridSource::from_shapes(index.clone(), shapes));
        (Some(index), Some(source))
    };
    let part = GridPart {
        key,
        index,
        source,
        rows: Arc::new(rows),
    };
    Ok((part, index_ms))
}
