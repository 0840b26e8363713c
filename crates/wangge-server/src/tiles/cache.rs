//! The tile cache: encoded tiles keyed by the source generation, so a new
//! grid snapshot (or a customer refresh) never serves an old tile; coverage
//! tiles are keyed by the grid revision they were cut from, so a grid
//! change makes them unreachable at once. Bounded by bytes, oldest first
//! out (tiles of dead generations age out with the rest).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::findings::FindingSource;
use super::source::{DotSource, GridSource};
use super::{Encoded, Frame, Layer};

/// Bytes of encoded tiles kept.
const MAX_CACHED_BYTES: usize = 64 << 20;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TileKey {
    generation: u64,
    layer: Layer,
    z: u8,
    x: u32,
    y: u32,
}

#[derive(Default)]
struct Entries {
    map: HashMap<TileKey, Arc<Encoded>>,
    order: VecDeque<TileKey>,
    bytes: usize,
}

/// Per-server tile state: the sources and the encoded tiles.
#[derive(Default)]
pub struct TileCache {
    pub(super) grids: tokio::sync::Mutex<Option<Arc<GridSource>>>,
    pub(super) dots: tokio::sync::Mutex<Option<(Instant, Arc<DotSource>)>>,
    pub(super) findings: tokio::sync::Mutex<Option<Arc<FindingSource>>>,
    grid_generation: AtomicU64,
    customer_generation: AtomicU64,
    entries: Mutex<Entries>,
}

impl TileCache {
    pub(super) fn new_generation(&self) {
        self.grid_generation.fetch_add(1, Ordering::SeqCst);
    }

    pub(super) fn new_customer_generation(&self) {
        self.customer_generation.fetch_add(1, Ordering::SeqCst);
    }

    pub(super) fn key(&self, layer: Layer, frame: &Frame) -> TileKey {
        let generation = if layer == Layer::Customers {
            self.customer_generation.load(Ordering::SeqCst) << 32
                | self.grid_generation.load(Ordering::SeqCst)
        } else {
            self.grid_generation.load(Ordering::SeqCst)
        };
        TileKey {
            generation,
            layer,
            z: frame.z,
            x: frame.x,
            y: frame.y,
        }
    }

    /// The key of a grid or cell tile of a given grid generation (the
    /// background cutter keeps the generation it started with, so a tile
    /// of an older snapshot never lands under a newer key).
    pub(super) fn grid_key_at(generation: u64, layer: Layer, frame: &Frame) -> TileKey {
        TileKey {
            generation,
            layer,
            z: frame.z,
            x: frame.x,
            y: frame.y,
        }
    }

    /// The key of a coverage tile cut from the findings of a grid revision.
    pub(super) fn coverage_key(revision: i64, frame: &Frame) -> TileKey {
        TileKey {
            generation: revision as u64,
            layer: Layer::Coverage,
            z: frame.z,
            x: frame.x,
            y: frame.y,
        }
    }

    pub(super) fn grid_generation(&self) -> u64 {
        self.grid_generation.load(Ordering::SeqCst)
    }

    pub(super) fn get(&self, key: &TileKey) -> Option<Arc<Encoded>> {
        self.entries.lock().ok()?.map.get(key).cloned()
    }

    pub(super) fn put(&self, key: TileKey, tile: Arc<Encoded>) {
        let Ok(mut e) = self.entries.lock() else {
            return;
        };
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
}
