//! Building the index: hierarchy checks, the outline arrays and one R-tree of
//! bounding boxes per level.

use std::collections::HashMap;

use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, RTreeNode};
use wangge_model::{GridCode, LevelNo};

use super::shape::Shapes;
use super::tiles::{Tiles, MAX_GRIDS};
use super::{GridMeta, GridRef, IndexError, IndexedGrid, UpdatedGrid};

/// A grid's bounding box in an R-tree, with its [`GridRef`] number.
pub(super) type BoxEntry = GeomWithData<Rectangle<[f64; 2]>, u32>;

/// The cells of a territory and their level-1 to level-3 grids, ready for
/// point location. Build it with [`CellIndex::build`]; it is immutable and
/// `Sync`, so threads share one.
#[derive(Debug)]
pub struct CellIndex {
    pub(super) grids: Vec<GridMeta>,
    pub(super) shapes: Shapes,
    /// Bounding boxes per level, `trees[0]` for level 1 .. `trees[3]` for cells.
    pub(super) trees: [RTree<BoxEntry>; 4],
    /// Answers of the tiles no outline crosses.
    pub(super) tiles: Tiles,
    /// `(id, grid)` sorted by id.
    by_id: Vec<(i64, GridRef)>,
    /// Grids sorted by code.
    by_code: Vec<GridRef>,
    /// Grids with rings left out for a NaN or infinite coordinate.
    dropped_rings: Vec<GridRef>,
    /// The raster was patched from the index this one updated.
    raster_patched: bool,
}

impl CellIndex {
    /// Indexes grids of all four levels. `parent_id` must name a grid of the
    /// level above (none for level 1); ids and codes must be unique.
    /// [`GridRef`]s number the grids in the order given.
    ///
    /// Geometry is taken as it is, valid or not. A ring with a NaN or
    /// infinite coordinate is left out (an exterior ring with its holes) and
    /// the grid listed in [`CellIndex::grids_with_dropped_rings`], so one
    /// broken grid does not stop a territory from loading.
    pub fn build(grids: Vec<IndexedGrid>) -> Result<CellIndex, IndexError> {
        CellIndex::assemble(None, grids.into_iter().map(UpdatedGrid::from).collect())
    }

    /// The index of a new state of the grids, from this one: `grids` are
    /// all grids of the new state, as [`CellIndex::build`] takes them, with
    /// `geometry` `None` for a grid whose outline (by id) this index holds
    /// unchanged. Unchanged outlines are copied, not parsed again, and the
    /// raster is answered again only around the grids that changed, were
    /// added or removed (a whole build when the territory's box moved).
    /// Every point is located as by a fresh [`CellIndex::build`].
    pub fn update(&self, grids: Vec<UpdatedGrid>) -> Result<CellIndex, IndexError> {
        CellIndex::assemble(Some(self), grids)
    }

    fn assemble(old: Option<&CellIndex>, grids: Vec<UpdatedGrid>) -> Result<CellIndex, IndexError> {
        let max = MAX_GRIDS;
        if grids.len() > max {
            return Err(IndexError::TooManyGrids {
                count: grids.len(),
                max,
            });
        }
        let mut positions: HashMap<i64, usize> = HashMap::with_capacity(grids.len());
        let mut codes: HashMap<&GridCode, usize> = HashMap::with_capacity(grids.len());
        for (i, grid) in grids.iter().enumerate() {
            if let Some(&first) = positions.get(&grid.id) {
                return Err(IndexError::DuplicateId {
                    id: grid.id,
                    code: grid.code.clone(),
                    first: grids[first].code.clone(),
                });
            }
            positions.insert(grid.id, i);
            if let Some(&first) = codes.get(&grid.code) {
                return Err(IndexError::DuplicateCode {
                    code: grid.code.clone(),
                    first_id: grids[first].id,
                    id: grid.id,
                });
            }
            codes.insert(&grid.code, i);
        }
        drop(codes);

        let parents = grids
            .iter()
            .map(|grid| parent_of(grid, &grids, &positions))
            .collect::<Result<Vec<_>, _>>()?;
        drop(positions);

        let mut shapes = Shapes::default();
        let mut entries: [Vec<BoxEntry>; 4] = Default::default();
        let mut metas = Vec::with_capacity(grids.len());
        let mut dropped_rings = Vec::new();
        // Old number → new (u32::MAX: removed), and where the map changed.
        let mut remap = vec![u32::MAX; old.map_or(0, |o| o.grids.len())];
        let mut changed: Vec<[f64; 4]> = Vec::new();
        for (i, (grid, parent)) in grids.into_iter().zip(parents).enumerate() {
            let before = old.and_then(|o| o.by_id(grid.id).map(|r| (o, r)));
            if let Some((_, r)) = before {
                remap[r.index()] = i as u32;
            }
            let dropped = match (grid.geometry, before) {
                (Some(geometry), _) => {
                    changed.extend(before.and_then(|(o, r)| o.shapes.bbox(r.index())));
                    let dropped = shapes.push(&geometry) > 0;
                    changed.extend(shapes.bbox(i));
                    dropped
                }
                (None, Some((o, r))) => {
                    shapes.push_copy(&o.shapes, r.index());
                    // A grid turned cell (or back) changes the candidates.
                    if o.grids[r.index()].level != grid.level {
                        changed.extend(o.shapes.bbox(r.index()));
                    }
                    o.dropped_rings.binary_search(&r).is_ok()
                }
                (None, None) => {
                    return Err(IndexError::NoOutline {
                        id: grid.id,
                        code: grid.code,
                    })
                }
            };
            if dropped {
                dropped_rings.push(GridRef(i as u32));
            }
            if let Some([x0, y0, x1, y1]) = shapes.bbox(i) {
                entries[usize::from(grid.level.get() - 1)].push(GeomWithData::new(
                    Rectangle::from_corners([x0, y0], [x1, y1]),
                    i as u32,
                ));
            }
            metas.push(GridMeta {
                id: grid.id,
                code: grid.code,
                level: grid.level,
                parent,
            });
        }
        if let Some(o) = old {
            for (r, &new) in remap.iter().enumerate() {
                if new == u32::MAX {
                    changed.extend(o.shapes.bbox(r));
                }
            }
        }
        let trees = entries.map(RTree::bulk_load);

        let mut by_id: Vec<(i64, GridRef)> = metas
            .iter()
            .enumerate()
            .map(|(i, m)| (m.id, GridRef(i as u32)))
            .collect();
        by_id.sort_unstable();
        let mut by_code: Vec<GridRef> = (0..metas.len()).map(|i| GridRef(i as u32)).collect();
        by_code.sort_unstable_by(|a, b| metas[a.index()].code.cmp(&metas[b.index()].code));
        let mut index = CellIndex {
            grids: metas,
            shapes,
            trees,
            tiles: Tiles::default(),
            by_id,
            by_code,
            dropped_rings,
            raster_patched: false,
        };
        let is_cell: Vec<bool> = index.grids.iter().map(|g| g.level.is_cell()).collect();
        let answer_at = |p| index.deepest_holder(p).map(|g| g.0);
        let patched = old.and_then(|o| {
            Tiles::patch(
                &o.tiles,
                &remap,
                &index.shapes,
                &is_cell,
                &changed,
                answer_at,
            )
        });
        let (tiles, raster_patched) = match patched {
            Some(tiles) => (tiles, true),
            None => (Tiles::build(&index.shapes, &is_cell, answer_at), false),
        };
        index.tiles = tiles;
        index.raster_patched = raster_patched;
        Ok(index)
    }

    /// Whether [`CellIndex::update`] patched the raster of the index it
    /// started from (false: built whole, as by [`CellIndex::build`]).
    pub fn raster_patched(&self) -> bool {
        self.raster_patched
    }

    /// The grid behind a [`GridRef`] this index handed out.
    ///
    /// # Panics
    /// When `r` comes from another index with more grids.
    pub fn grid(&self, r: GridRef) -> &GridMeta {
        &self.grids[r.index()]
    }

    pub fn by_id(&self, id: i64) -> Option<GridRef> {
        self.by_id
            .binary_search_by_key(&id, |&(id, _)| id)
            .ok()
            .map(|k| self.by_id[k].1)
    }

    pub fn by_code(&self, code: &GridCode) -> Option<GridRef> {
        self.by_code
            .binary_search_by(|r| self.grids[r.index()].code.cmp(code))
            .ok()
            .map(|k| self.by_code[k])
    }

    /// Grids of which some ring was left out for a NaN or infinite
    /// coordinate, in [`GridRef`] order.
    pub fn grids_with_dropped_rings(&self) -> &[GridRef] {
        &self.dropped_rings
    }

    /// Number of level-4 grids (network cells).
    pub fn cell_count(&self) -> usize {
        self.grids.iter().filter(|g| g.level.is_cell()).count()
    }

    /// Number of grids of all levels.
    pub fn grid_count(&self) -> usize {
        self.grids.len()
    }

    /// Edges stored for the point tests, counting an edge once per latitude
    /// bucket it spans.
    pub fn stored_edge_count(&self) -> usize {
        self.shapes.edge_count()
    }

    /// Share of the raster over the territory's box answered at build time
    /// (tiles no outline crosses), for the figures.
    pub fn known_tile_share(&self) -> f64 {
        self.tiles.known_share()
    }

    /// Heap bytes held: metadata and codes, outline arrays, the four R-trees
    /// (counted node by node), the tile raster and the lookup tables.
    pub fn memory_bytes(&self) -> usize {
        let metas = self.grids.capacity() * size_of::<GridMeta>()
            + self
                .grids
                .iter()
                .map(|g| g.code.as_str().len())
                .sum::<usize>();
        let trees: usize = self
            .trees
            .iter()
            .map(|t| tree_bytes(t.root().children()))
            .sum();
        metas
            + self.shapes.memory_bytes()
            + trees
            + self.by_id.capacity() * size_of::<(i64, GridRef)>()
            + self.by_code.capacity() * size_of::<GridRef>()
            + self.dropped_rings.capacity() * size_of::<GridRef>()
            + self.tiles.memory_bytes()
    }

    /// Cells whose bounding box meets `[min_lon, min_lat, max_lon, max_lat]`
    /// (edges included), in [`GridRef`] order: the cells a changed polygon
    /// with that box can have taken points from or given points to.
    pub fn cells_in_bbox(&self, bbox: [f64; 4]) -> Vec<GridRef> {
        self.grids_in_bbox(bbox, LevelNo::CELL)
    }

    /// Grids of `level` whose bounding box meets `bbox` (edges included),
    /// in [`GridRef`] order.
    pub fn grids_in_bbox(&self, bbox: [f64; 4], level: LevelNo) -> Vec<GridRef> {
        let [x0, y0, x1, y1] = bbox;
        if !(x0 <= x1 && y0 <= y1) {
            return Vec::new();
        }
        let envelope = rstar::AABB::from_corners([x0, y0], [x1, y1]);
        let mut grids: Vec<GridRef> = self.trees[usize::from(level.get() - 1)]
            .locate_in_envelope_intersecting(&envelope)
            .map(|e| GridRef(e.data))
            .collect();
        grids.sort_unstable();
        grids
    }

    /// The level-1 to level-3 ancestors of a grid, `[l3, l2, l1]`, each
    /// `None` above the grid's own level or where the chain is broken.
    pub(super) fn chain(&self, r: GridRef) -> [Option<GridRef>; 3] {
        let mut chain = [None; 3];
        let mut at = Some(r);
        while let Some(g) = at {
            let meta = &self.grids[g.index()];
            match meta.level.get() {
                3 => chain[0] = Some(g),
                2 => chain[1] = Some(g),
                1 => chain[2] = Some(g),
                _ => {}
            }
            at = meta.parent;
        }
        chain
    }
}

/// Bytes of the R-tree nodes under (and including) `children`.
fn tree_bytes(children: &[RTreeNode<BoxEntry>]) -> usize {
    size_of_val(children)
        + children
            .iter()
            .map(|child| match child {
                RTreeNode::Parent(parent) => tree_bytes(parent.children()),
                RTreeNode::Leaf(_) => 0,
            })
            .sum::<usize>()
}

fn parent_of(
    grid: &UpdatedGrid,
    grids: &[UpdatedGrid],
    positions: &HashMap<i64, usize>,
) -> Result<Option<GridRef>, IndexError> {
    match (grid.level.parent(), grid.parent_id) {
        (None, None) => Ok(None),
        (None, Some(parent_id)) => Err(IndexError::UnexpectedParent {
            code: grid.code.clone(),
            parent_id,
        }),
        (Some(_), None) => Err(IndexError::MissingParent {
            code: grid.code.clone(),
            level: grid.level,
        }),
        (Some(expected), Some(parent_id)) => {
            let Some(&p) = positions.get(&parent_id) else {
                return Err(IndexError::UnknownParent {
                    code: grid.code.clone(),
                    parent_id,
                });
            };
            let parent = &grids[p];
            if parent.level == expected {
                Ok(Some(GridRef(p as u32)))
            } else {
                Err(IndexError::ParentLevel {
                    code: grid.code.clone(),
                    level: grid.level,
                    parent_code: parent.code.clone(),
                    parent_level: parent.level,
                    expected,
                })
            }
        }
    }
}
