//! Point location: the cell first, then (only on a miss) the level-3, 2 and
//! 1 grids and the nearest cell within the snap distance.

use std::ops::ControlFlow;

use rstar::AABB;

use super::build::CellIndex;
use super::shape::METRES_PER_DEG;
use super::tiles::{CROSSED_BIT, FAR_BIT, FAR_M, OUTSIDE, UNKNOWN};
use super::{GridRef, LocateOptions, Location, PointStatus};

const CELLS: usize = 3;

impl CellIndex {
    /// Locates one WGS-84 point (degrees). See the module documentation for
    /// the statuses and the rule for points on shared edges.
    pub fn locate(&self, lon: f64, lat: f64, options: &LocateOptions) -> Location {
        if !(lon.is_finite() && lat.is_finite() && lon.abs() <= 180.0 && lat.abs() <= 90.0) {
            return Location::INVALID;
        }
        let p = [lon, lat];
        let answer = self.tiles.answer(p);
        let (holder, far) = match answer & !FAR_BIT {
            UNKNOWN => return self.locate_exactly(p, options.snap_distance_m),
            crossed if crossed & CROSSED_BIT != 0 => {
                return self.locate_in_crossed_tile(
                    p,
                    crossed & !CROSSED_BIT,
                    options.snap_distance_m,
                );
            }
            OUTSIDE => (None, answer & FAR_BIT != 0),
            g => (Some(GridRef(g)), answer & FAR_BIT != 0),
        };
        if let Some(g) = holder.filter(|&g| self.grids[g.index()].level.is_cell()) {
            return self.assigned(g);
        }
        let suggestion = if far && options.snap_distance_m <= FAR_M {
            None
        } else {
            self.nearest_cell(p, options.snap_distance_m)
        };
        self.missed(holder, suggestion)
    }

    /// [`CellIndex::locate`] without the tiles: the R-trees and the exact
    /// tests, for points in tiles an outline crosses.
    fn locate_exactly(&self, p: [f64; 2], snap_distance_m: f64) -> Location {
        let cell = self
            .lowest_containing(CELLS, p)
            .or_else(|| self.lowest_touching_cell(p));
        if let Some(cell) = cell {
            return self.assigned(cell);
        }
        let holder = self.deepest_holder_above_cells(p);
        self.missed(holder, self.nearest_cell(p, snap_distance_m))
    }

    /// A point in a tile an outline crosses: the tile's candidate cells in
    /// [`GridRef`] order (so the first taker is the lowest), then the exact
    /// path for the levels above.
    fn locate_in_crossed_tile(&self, p: [f64; 2], tile: u32, snap_distance_m: f64) -> Location {
        let candidates = self.tiles.candidates(tile);
        let cell = candidates
            .iter()
            .find(|&&c| self.shapes.contains(c as usize, p))
            .or_else(|| {
                candidates
                    .iter()
                    .find(|&&c| self.shapes.on_boundary(c as usize, p))
            });
        if let Some(&cell) = cell {
            return self.assigned(GridRef(cell));
        }
        let holder = self.deepest_holder_above_cells(p);
        self.missed(holder, self.nearest_cell(p, snap_distance_m))
    }

    fn assigned(&self, cell: GridRef) -> Location {
        let [l3, l2, l1] = self.chain(cell);
        Location {
            status: PointStatus::Assigned,
            cell: Some(cell),
            l3,
            l2,
            l1,
            suggestion: None,
        }
    }

    /// A point in no cell: in gap under `holder`, or outside without one.
    fn missed(&self, holder: Option<GridRef>, suggestion: Option<(GridRef, f32)>) -> Location {
        let [l3, l2, l1] = holder.map_or([None; 3], |g| self.chain(g));
        Location {
            status: if holder.is_some() {
                PointStatus::InGap
            } else {
                PointStatus::Outside
            },
            cell: None,
            l3,
            l2,
            l1,
            suggestion,
        }
    }

    /// The deepest grid containing `p` by the half-open rule (a cell, else a
    /// level-3, 2 or 1 grid), the lowest [`GridRef`] of its level.
    pub(super) fn deepest_holder(&self, p: [f64; 2]) -> Option<GridRef> {
        self.lowest_containing(CELLS, p)
            .or_else(|| self.deepest_holder_above_cells(p))
    }

    fn deepest_holder_above_cells(&self, p: [f64; 2]) -> Option<GridRef> {
        (0..CELLS)
            .rev()
            .find_map(|slot| self.lowest_containing(slot, p))
    }

    /// [`CellIndex::locate`] for many points on `threads` OS threads (at
    /// least one), each taking one contiguous chunk; results in input order.
    /// Points are `[lon, lat]`.
    pub fn locate_many(
        &self,
        points: &[[f64; 2]],
        options: &LocateOptions,
        threads: usize,
    ) -> Vec<Location> {
        let mut out = vec![Location::INVALID; points.len()];
        let threads = threads.clamp(1, points.len().max(1));
        if threads == 1 {
            for (point, slot) in points.iter().zip(&mut out) {
                *slot = self.locate(point[0], point[1], options);
            }
            return out;
        }
        let chunk = points.len().div_ceil(threads);
        std::thread::scope(|scope| {
            for (points, out) in points.chunks(chunk).zip(out.chunks_mut(chunk)) {
                scope.spawn(move || {
                    for (point, slot) in points.iter().zip(out) {
                        *slot = self.locate(point[0], point[1], options);
                    }
                });
            }
        });
        out
    }

    /// The lowest-numbered grid of a tree slot containing `p` by the
    /// half-open rule.
    fn lowest_containing(&self, slot: usize, p: [f64; 2]) -> Option<GridRef> {
        let mut best: Option<u32> = None;
        let _ =
            self.trees[slot].locate_in_envelope_intersecting_int(&AABB::from_point(p), |entry| {
                let i = entry.data;
                if best.is_none_or(|b| i < b) && self.shapes.contains(i as usize, p) {
                    best = Some(i);
                }
                ControlFlow::<()>::Continue(())
            });
        best.map(GridRef)
    }

    /// The lowest-numbered cell with `p` exactly on its outline: a point on
    /// the territory's edge or a gap's edge, which the half-open rule pushes
    /// out of every cell.
    fn lowest_touching_cell(&self, p: [f64; 2]) -> Option<GridRef> {
        let mut best: Option<u32> = None;
        let _ =
            self.trees[CELLS].locate_in_envelope_intersecting_int(&AABB::from_point(p), |entry| {
                let i = entry.data;
                if best.is_none_or(|b| i < b) && self.shapes.on_boundary(i as usize, p) {
                    best = Some(i);
                }
                ControlFlow::<()>::Continue(())
            });
        best.map(GridRef)
    }

    /// The cell nearest to `p` within `limit_m` metres (ties to the lower
    /// [`GridRef`]), with its distance.
    fn nearest_cell(&self, p: [f64; 2], limit_m: f64) -> Option<(GridRef, f32)> {
        if limit_m.is_nan() || limit_m <= 0.0 {
            return None;
        }
        let reach_lat = limit_m / METRES_PER_DEG;
        let reach_lon = limit_m / (METRES_PER_DEG * p[1].to_radians().cos().max(1e-9));
        let envelope = AABB::from_corners(
            [p[0] - reach_lon, p[1] - reach_lat],
            [p[0] + reach_lon, p[1] + reach_lat],
        );
        let mut best: Option<(u32, f64)> = None;
        let _ = self.trees[CELLS].locate_in_envelope_intersecting_int(&envelope, |entry| {
            let i = entry.data;
            if let Some(d) = self.shapes.distance_to_outline_m(i as usize, p, limit_m) {
                if best.is_none_or(|(b, bd)| d.total_cmp(&bd).then(i.cmp(&b)).is_lt()) {
                    best = Some((i, d));
                }
            }
            ControlFlow::<()>::Continue(())
        });
        best.map(|(i, d)| (GridRef(i), d as f32))
    }
}
