//! The tile cache: encoded tiles keyed by the revisions of the source they
//! were cut from (grid and cell tiles: the grid part's grids, cell types
//! and outlets revisions; customer tiles: the customers revision of the
//! dots; coverage tiles: the grid revision of the findings), so a tile of
//! older data is never served for newer. When the grid part is rebuilt
//! incrementally, the tiles that meet none of the changed grids (their old
//! or new box) are carried over to the new key. Bounded by bytes, oldest
//! first out (tiles of older revisions age out with the rest).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use super::{Encoded, Frame, Layer};
use crate::fresh::GridRebuild;

/// Bytes of encoded tiles kept.
const MAX_CACHED_BYTES: usize = 64 << 20;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TileKey {
    /// The revisions of the tile's source.
    revisions: [i64; 3],
    layer: Layer,
    z: u8,
    x: u32,
    y: u32,
}

impl TileKey {
    pub(crate) fn new(revisions: [i64; 3], layer: Layer, frame: &Frame) -> TileKey {
        TileKey {
            revisions,
            layer,
            z: frame.z,
            x: frame.x,
            y: frame.y,
        }
    }
}

#[derive(Default)]
struct Entries {
    map: HashMap<TileKey, Arc<Encoded>>,
    order: VecDeque<TileKey>,
    bytes: usize,
}

/// The encoded tiles of this server.
#[derive(Default)]
pub struct TileCache {
    entries: Mutex<Entries>,
}

impl TileCache {
    pub(crate) fn get(&self, key: &TileKey) -> Option<Arc<Encoded>> {
        self.entries.lock().ok()?.map.get(key).cloned()
    }

    pub(crate) fn put(&self, key: TileKey, tile: Arc<Encoded>) {
        let Ok(mut e) = self.entries.lock() else {
            return;
        };
        insert(&mut e, key, tile);
    }

    /// After an incremental rebuild of the grid part from `from` to `to`:
    /// the grid and cell tiles of `from` that meet no changed grid are the
    /// same under `to`. Nothing is carried after a full rebuild.
    pub(crate) fn carry_over(&self, from: [i64; 3], to: [i64; 3], rebuild: &GridRebuild) {
        if !rebuild.incremental || from == to {
            return;
        }
        let Ok(mut e) = self.entries.lock() else {
            return;
        };
        let kept: Vec<(TileKey, Arc<Encoded>)> = e
            .map
            .iter()
            .filter(|(k, _)| k.revisions == from && matches!(k.layer, Layer::Grids | Layer::Cells))
            .filter(|(k, _)| {
                let b = Frame::new(k.z, k.x, k.y).lonlat_box();
                !rebuild
                    .changed_boxes
                    .iter()
                    .any(|c| c[0] <= b[2] && c[2] >= b[0] && c[1] <= b[3] && c[3] >= b[1])
            })
            .map(|(k, t)| {
                (
                    TileKey {
                        revisions: to,
                        ..k.clone()
                    },
                    t.clone(),
                )
            })
            .collect();
        for (key, tile) in kept {
            insert(&mut e, key, tile);
        }
    }

    /// How many tiles are cached under these revisions (tests, benchmark).
    pub fn count_at(&self, revisions: [i64; 3]) -> usize {
        self.entries.lock().map_or(0, |e| {
            e.map.keys().filter(|k| k.revisions == revisions).count()
        })
    }
}

fn insert(e: &mut Entries, key: TileKey, tile: Arc<Encoded>) {
    let size = tile.body.len() + 64;
    if let Some(old) = e.map.insert(key.clone(), tile) {
        e.bytes -= old.body.len() + 64;
    } else {
        e.order.push_back(key);
    }
    e.bytes += size;
    while e.bytes > MAX_CACHED_BYTES {
        let Some(oldest) = e.order.pop_front() else {
            break;
        };
        if let Some(gone) = e.map.remove(&oldest) {
            e.bytes -= gone.body.len() + 64;
        }
    }
}
