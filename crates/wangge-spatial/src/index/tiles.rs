//! A raster over the territory's box: each tile that no outline of any level
//! touches lies in one face of the grid's arrangement, so its answer (the
//! deepest grid holding it, or outside) is computed once at build time by
//! the exact test, and a point there is located with one array read. A tile
//! an outline crosses keeps the list of cells whose boxes meet it, in
//! [`GridRef`](super::GridRef) order: the R-tree's answer, read from an array.
//!
//! Tiles are marked conservatively: an edge marks every tile its segment can
//! reach, padded by 1e-9° (far above rounding), so an unmarked tile is
//! certainly crossed by no edge. Neighbouring unmarked tiles form one face,
//! so the exact test runs once per group of them, not once per tile. A
//! second mark flags tiles farther than [`FAR_M`] from every cell edge, where
//! a point in a gap or outside needs no search for a suggestion.

use super::shape::{Shapes, METRES_PER_DEG};

/// A point more than this from every cell edge gets no suggestion for a
/// snap distance up to it.
pub(super) const FAR_M: f64 = 100.0;
/// Tiles per cell, and bounds on the raster.
const TILES_PER_CELL: usize = 64;
const MIN_TILES: usize = 1 << 12;
const MAX_TILES: usize = 1 << 22;
/// Degrees added around every marked segment.
const PAD_DEG: f64 = 1e-9;

/// Answers are grid numbers, or one of these; [`FAR_BIT`] may be set on any.
pub(super) const UNKNOWN: u32 = 0x3FFF_FFFF;
pub(super) const OUTSIDE: u32 = 0x3FFF_FFFE;
/// A crossed tile: the low 30 bits number its candidate list.
pub(super) const CROSSED_BIT: u32 = 1 << 30;
pub(super) const FAR_BIT: u32 = 1 << 31;
/// Grid numbers must stay below this.
pub(super) const MAX_GRIDS: usize = OUTSIDE as usize;

#[derive(Debug, Default)]
pub(super) struct Tiles {
    /// `[min_lon, min_lat, max_lon, max_lat]` covered.
    bbox: [f64; 4],
    per_deg: [f64; 2],
    nx: usize,
    ny: usize,
    answers: Vec<u32>,
    /// Crossed tile `k` has candidates `candidates[starts[k]..starts[k + 1]]`.
    starts: Vec<u32>,
    candidates: Vec<u32>,
}

impl Tiles {
    /// Plans the raster over `bbox` (all grids) for `cells` cells; every tile
    /// starts marked (unknown).
    fn plan(bbox: [f64; 4], cells: usize) -> Tiles {
        let [x0, y0, x1, y1] = bbox;
        let kx = METRES_PER_DEG * (0.5 * (y0 + y1)).to_radians().cos().max(1e-6);
        let (width_m, height_m) = ((x1 - x0) * kx, (y1 - y0) * METRES_PER_DEG);
        let target = (TILES_PER_CELL * cells.max(1)).clamp(MIN_TILES, MAX_TILES) as f64;
        let side_m = (width_m.max(1e-3) * height_m.max(1e-3) / target).sqrt();
        let count = |length_m: f64| ((length_m / side_m).ceil() as usize).clamp(1, 1 << 13);
        let (nx, ny) = (count(width_m), count(height_m));
        let per_deg = |n: usize, span: f64| if span > 0.0 { n as f64 / span } else { 0.0 };
        Tiles {
            bbox,
            per_deg: [per_deg(nx, x1 - x0), per_deg(ny, y1 - y0)],
            nx,
            ny,
            answers: vec![UNKNOWN; nx * ny],
            starts: Vec::new(),
            candidates: Vec::new(),
        }
    }

    fn column(&self, x: f64) -> usize {
        // `as` saturates below the box; the same formula for marks and lookups.
        (((x - self.bbox[0]) * self.per_deg[0]) as usize).min(self.nx - 1)
    }

    fn row(&self, y: f64) -> usize {
        (((y - self.bbox[1]) * self.per_deg[1]) as usize).min(self.ny - 1)
    }

    /// The answer stored for the tile of `p`: [`OUTSIDE`] beyond the box.
    #[inline]
    pub(super) fn answer(&self, p: [f64; 2]) -> u32 {
        let [x0, y0, x1, y1] = self.bbox;
        if self.answers.is_empty() || !(p[0] >= x0 && p[0] <= x1 && p[1] >= y0 && p[1] <= y1) {
            return OUTSIDE;
        }
        self.answers[self.row(p[1]) * self.nx + self.column(p[0])]
    }

    /// The cells whose boxes meet crossed tile `k`, in ascending order.
    #[inline]
    pub(super) fn candidates(&self, k: u32) -> &[u32] {
        let k = k as usize;
        &self.candidates[self.starts[k] as usize..self.starts[k + 1] as usize]
    }

    /// Marks every tile the segment `a`-`b` (with `a` the lower end) can reach.
    fn mark_segment(&self, marks: &mut [bool], a: [f64; 2], b: [f64; 2]) {
        let (xmin, xmax) = (a[0].min(b[0]), a[0].max(b[0]));
        for r in self.row(a[1] - PAD_DEG)..=self.row(b[1] + PAD_DEG) {
            // The part of the segment within this row's band (padded).
            let (mut lo, mut hi) = (xmin, xmax);
            if b[1] > a[1] && self.ny > 1 {
                let band_lo = self.bbox[1] + r as f64 / self.per_deg[1] - PAD_DEG;
                let band_hi = self.bbox[1] + (r + 1) as f64 / self.per_deg[1] + PAD_DEG;
                let x_at =
                    |y: f64| a[0] + (y.clamp(a[1], b[1]) - a[1]) * (b[0] - a[0]) / (b[1] - a[1]);
                let (xa, xb) = (x_at(band_lo), x_at(band_hi));
                lo = xa.min(xb).max(xmin);
                hi = xa.max(xb).min(xmax);
            }
            let row = r * self.nx;
            for c in self.column(lo - PAD_DEG)..=self.column(hi + PAD_DEG) {
                marks[row + c] = true;
            }
        }
    }

    /// Builds the raster for the grids of `shapes`, answering each group of
    /// unmarked tiles with `answer_at` (the exact test; `None` = outside).
    pub(super) fn build(
        shapes: &Shapes,
        is_cell: &[bool],
        answer_at: impl Fn([f64; 2]) -> Option<u32>,
    ) -> Tiles {
        let Some(bbox) = (0..is_cell.len())
            .filter_map(|i| shapes.bbox(i))
            .reduce(|a, b| {
                [
                    a[0].min(b[0]),
                    a[1].min(b[1]),
                    a[2].max(b[2]),
                    a[3].max(b[3]),
                ]
            })
        else {
            return Tiles::default();
        };
        let cells = is_cell.iter().filter(|&&c| c).count();
        let mut tiles = Tiles::plan(bbox, cells);
        let n = tiles.answers.len();

        let mut crossed = vec![false; n];
        let mut near = vec![false; n];
        // Within FAR_M of a cell edge, in degrees; longitude at the box's
        // widest-degree latitude so the reach is never short.
        let reach_y = FAR_M / METRES_PER_DEG;
        let max_abs_lat = bbox[1].abs().max(bbox[3].abs()).min(89.9);
        let reach_x = FAR_M / (METRES_PER_DEG * max_abs_lat.to_radians().cos());
        for (i, &cell) in is_cell.iter().enumerate() {
            shapes.for_each_edge(i, |lo, hi| {
                tiles.mark_segment(&mut crossed, lo, hi);
                if cell {
                    let (x0, x1) = (lo[0].min(hi[0]) - reach_x, lo[0].max(hi[0]) + reach_x);
                    for r in tiles.row(lo[1] - reach_y)..=tiles.row(hi[1] + reach_y) {
                        near[r * tiles.nx + tiles.column(x0)..=r * tiles.nx + tiles.column(x1)]
                            .fill(true);
                    }
                }
            });
        }

        // Groups of 4-connected unmarked tiles: one exact test each.
        let mut stack = Vec::new();
        for start in 0..n {
            if crossed[start] || tiles.answers[start] != UNKNOWN {
                continue;
            }
            let (r, c) = (start / tiles.nx, start % tiles.nx);
            let centre = [
                tiles.bbox[0] + (c as f64 + 0.5) / tiles.per_deg[0],
                tiles.bbox[1] + (r as f64 + 0.5) / tiles.per_deg[1],
            ];
            // A degenerate box, or a centre that rounds into another tile:
            // leave the group to the exact test at query time.
            if !(tiles.per_deg[0] > 0.0 && tiles.per_deg[1] > 0.0)
                || tiles.row(centre[1]) != r
                || tiles.column(centre[0]) != c
            {
                continue;
            }
            let answer = answer_at(centre).unwrap_or(OUTSIDE);
            tiles.answers[start] = answer;
            stack.push(start);
            while let Some(t) = stack.pop() {
                let (r, c) = (t / tiles.nx, t % tiles.nx);
                let neighbours = [
                    (c > 0).then(|| t - 1),
                    (c + 1 < tiles.nx).then_some(t + 1),
                    (r > 0).then(|| t - tiles.nx),
                    (r + 1 < tiles.ny).then_some(t + tiles.nx),
                ];
                for u in neighbours.into_iter().flatten() {
                    if !crossed[u] && tiles.answers[u] == UNKNOWN {
                        tiles.answers[u] = answer;
                        stack.push(u);
                    }
                }
            }
        }
        tiles.list_candidates(shapes, is_cell, &crossed);
        for (answer, near) in tiles.answers.iter_mut().zip(&near) {
            if !near && *answer != UNKNOWN {
                *answer |= FAR_BIT;
            }
        }
        tiles
    }

    /// Numbers the crossed tiles and lists, for each, the cells whose boxes
    /// meet it, in cell order.
    fn list_candidates(&mut self, shapes: &Shapes, is_cell: &[bool], crossed: &[bool]) {
        let mut number = vec![u32::MAX; self.answers.len()];
        let mut count = 0_u32;
        for (t, _) in crossed.iter().enumerate().filter(|(_, &c)| c) {
            number[t] = count;
            self.answers[t] = CROSSED_BIT | count;
            count += 1;
        }
        // (crossed tile, cell) pairs in cell order; a stable sort by tile
        // keeps each tile's cells ascending.
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        for (i, _) in is_cell.iter().enumerate().filter(|(_, &c)| c) {
            let Some([x0, y0, x1, y1]) = shapes.bbox(i) else {
                continue;
            };
            for r in self.row(y0)..=self.row(y1) {
                for c in self.column(x0)..=self.column(x1) {
                    let t = r * self.nx + c;
                    if crossed[t] {
                        pairs.push((number[t], i as u32));
                    }
                }
            }
        }
        pairs.sort_by_key(|&(k, _)| k);
        let mut starts = vec![0_u32; count as usize + 1];
        for &(k, _) in &pairs {
            starts[k as usize + 1] += 1;
        }
        for k in 1..starts.len() {
            starts[k] += starts[k - 1];
        }
        self.starts = starts;
        self.candidates = pairs.into_iter().map(|(_, cell)| cell).collect();
    }

    /// Share of tiles answered at build time, for the figures.
    pub(super) fn known_share(&self) -> f64 {
        if self.answers.is_empty() {
            return 0.0;
        }
        let known = self
            .answers
            .iter()
            .filter(|&&a| a & !FAR_BIT != UNKNOWN && a & CROSSED_BIT == 0)
            .count();
        known as f64 / self.answers.len() as f64
    }

    pub(super) fn memory_bytes(&self) -> usize {
        (self.answers.capacity() + self.starts.capacity() + self.candidates.capacity())
            * size_of::<u32>()
    }
}
