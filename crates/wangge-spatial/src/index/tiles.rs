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

/// A rectangle of tiles.
struct Window {
    rows: std::ops::Range<usize>,
    columns: std::ops::Range<usize>,
}

impl Window {
    fn holds(&self, t: usize, nx: usize) -> bool {
        self.rows.contains(&(t / nx)) && self.columns.contains(&(t % nx))
    }
}

/// Renumbers the grid answers of `answers` (crossed and unknown tiles and
/// outside stay); false when one names a removed grid.
fn remapped_answers(answers: &mut [u32], remap: &[u32]) -> bool {
    for a in answers {
        let base = *a & !FAR_BIT;
        if base == UNKNOWN || base == OUTSIDE || base & CROSSED_BIT != 0 {
            continue;
        }
        match remap.get(base as usize) {
            Some(&new) if new != u32::MAX => *a = new | (*a & FAR_BIT),
            _ => return false,
        }
    }
    true
}

#[derive(Debug, Default)]
#[cfg_attr(test, derive(PartialEq))]
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

    /// The box of all outlines, which the raster covers; `None` without any.
    pub(super) fn extent(shapes: &Shapes, grids: usize) -> Option<[f64; 4]> {
        wangge_model::bbox::union_all((0..grids).filter_map(|i| shapes.bbox(i)))
    }

    /// Builds the raster for the grids of `shapes`, answering each group of
    /// unmarked tiles with `answer_at` (the exact test; `None` = outside).
    pub(super) fn build(
        shapes: &Shapes,
        is_cell: &[bool],
        answer_at: impl Fn([f64; 2]) -> Option<u32>,
    ) -> Tiles {
        let Some(bbox) = Tiles::extent(shapes, is_cell.len()) else {
            return Tiles::default();
        };
        let cells = is_cell.iter().filter(|&&c| c).count();
        let mut tiles = Tiles::plan(bbox, cells);
        let whole = Window {
            rows: 0..tiles.ny,
            columns: 0..tiles.nx,
        };
        let (crossed, near) = tiles.marks(shapes, is_cell, 0..is_cell.len());
        tiles.answer_faces(&whole, &crossed, &answer_at);
        tiles.list_candidates(shapes, is_cell, &crossed);
        for (answer, near) in tiles.answers.iter_mut().zip(&near) {
            if !near && *answer != UNKNOWN {
                *answer |= FAR_BIT;
            }
        }
        tiles
    }

    /// Within [`FAR_M`] of a cell edge, in degrees `[lon, lat]`; longitude at
    /// the box's widest-degree latitude so the reach is never short.
    fn reach_deg(&self) -> [f64; 2] {
        let max_abs_lat = self.bbox[1].abs().max(self.bbox[3].abs()).min(89.9);
        [
            FAR_M / (METRES_PER_DEG * max_abs_lat.to_radians().cos()),
            FAR_M / METRES_PER_DEG,
        ]
    }

    /// The tiles that the edges of `grids` can reach (crossed), and the
    /// tiles within [`FAR_M`] of a cell edge among them (near), over the
    /// whole raster.
    fn marks(
        &self,
        shapes: &Shapes,
        is_cell: &[bool],
        grids: impl IntoIterator<Item = usize>,
    ) -> (Vec<bool>, Vec<bool>) {
        let n = self.nx * self.ny;
        let mut crossed = vec![false; n];
        let mut near = vec![false; n];
        let [reach_x, reach_y] = self.reach_deg();
        for i in grids {
            let cell = is_cell[i];
            shapes.for_each_edge(i, |lo, hi| {
                self.mark_segment(&mut crossed, lo, hi);
                if cell {
                    let (x0, x1) = (lo[0].min(hi[0]) - reach_x, lo[0].max(hi[0]) + reach_x);
                    for r in self.row(lo[1] - reach_y)..=self.row(hi[1] + reach_y) {
                        near[r * self.nx + self.column(x0)..=r * self.nx + self.column(x1)]
                            .fill(true);
                    }
                }
            });
        }
        (crossed, near)
    }

    /// Answers the groups of 4-connected unmarked tiles of `window` that are
    /// still unknown: one exact test each, a group kept inside the window.
    fn answer_faces(
        &mut self,
        window: &Window,
        crossed: &[bool],
        answer_at: &impl Fn([f64; 2]) -> Option<u32>,
    ) {
        let mut stack = Vec::new();
        for r0 in window.rows.clone() {
            for c0 in window.columns.clone() {
                let start = r0 * self.nx + c0;
                if crossed[start] || self.answers[start] != UNKNOWN {
                    continue;
                }
                let centre = [
                    self.bbox[0] + (c0 as f64 + 0.5) / self.per_deg[0],
                    self.bbox[1] + (r0 as f64 + 0.5) / self.per_deg[1],
                ];
                // A degenerate box, or a centre that rounds into another tile:
                // leave the group to the exact test at query time.
                if !(self.per_deg[0] > 0.0 && self.per_deg[1] > 0.0)
                    || self.row(centre[1]) != r0
                    || self.column(centre[0]) != c0
                {
                    continue;
                }
                let answer = answer_at(centre).unwrap_or(OUTSIDE);
                self.answers[start] = answer;
                stack.push(start);
                while let Some(t) = stack.pop() {
                    let (r, c) = (t / self.nx, t % self.nx);
                    let neighbours = [
                        (c > window.columns.start).then(|| t - 1),
                        (c + 1 < window.columns.end).then_some(t + 1),
                        (r > window.rows.start).then(|| t - self.nx),
                        (r + 1 < window.rows.end).then_some(t + self.nx),
                    ];
                    for u in neighbours.into_iter().flatten() {
                        if !crossed[u] && self.answers[u] == UNKNOWN {
                            self.answers[u] = answer;
                            stack.push(u);
                        }
                    }
                }
            }
        }
    }

    /// The raster of an updated index from `old` (the raster of the index
    /// before): equal to what [`Tiles::build`] gives on the same plan, for
    /// the cost of the changed area. Tiles away from every box of
    /// `changed` (the old and new boxes of the grids that changed, were
    /// added or removed) keep their answers, grid numbers renumbered by
    /// `remap` (old number → new, `u32::MAX` for a grid removed); the
    /// tiles near them are marked and answered again. `None` when the
    /// territory's box moved (the plan would too): build whole then.
    pub(super) fn patch(
        old: &Tiles,
        remap: &[u32],
        shapes: &Shapes,
        is_cell: &[bool],
        changed: &[[f64; 4]],
        answer_at: impl Fn([f64; 2]) -> Option<u32>,
    ) -> Option<Tiles> {
        if old.answers.is_empty() || Tiles::extent(shapes, is_cell.len()) != Some(old.bbox) {
            return None;
        }
        let mut tiles = Tiles {
            bbox: old.bbox,
            per_deg: old.per_deg,
            nx: old.nx,
            ny: old.ny,
            answers: Vec::new(),
            starts: Vec::new(),
            candidates: Vec::new(),
        };
        let Some(area) = wangge_model::bbox::union_all(changed.iter().copied()) else {
            // Nothing moved: the old answers, renumbered.
            tiles.answers.clone_from(&old.answers);
            tiles.starts.clone_from(&old.starts);
            tiles.candidates = old.candidates.iter().map(|&c| remap[c as usize]).collect();
            return remapped_answers(&mut tiles.answers, remap).then_some(tiles);
        };
        // The window: every tile whose answer, crossing, candidates or
        // distance to a cell edge the changed grids can affect, one tile more.
        let [reach_x, reach_y] = tiles.reach_deg();
        let window = Window {
            rows: tiles.row(area[1] - reach_y - PAD_DEG).saturating_sub(1)
                ..(tiles.row(area[3] + reach_y + PAD_DEG) + 2).min(tiles.ny),
            columns: tiles.column(area[0] - reach_x - PAD_DEG).saturating_sub(1)
                ..(tiles.column(area[2] + reach_x + PAD_DEG) + 2).min(tiles.nx),
        };
        let nx = tiles.nx;
        let inside = |t: usize| window.holds(t, nx);
        // Grids whose edges can mark a tile of the window (crossed, or near
        // for a cell): their box meets the window grown by the reach.
        let [wx0, wy0, wx1, wy1] = tiles.window_box(&window);
        // One tile of slack for rounding at the window's edge.
        let [reach_x, reach_y] = [
            reach_x + 1.0 / tiles.per_deg[0],
            reach_y + 1.0 / tiles.per_deg[1],
        ];
        let meets = |i: &usize| {
            shapes.bbox(*i).is_some_and(|[x0, y0, x1, y1]| {
                x1 >= wx0 - reach_x
                    && x0 <= wx1 + reach_x
                    && y1 >= wy0 - reach_y
                    && y0 <= wy1 + reach_y
            })
        };
        let (marks, near_marks) = tiles.marks(shapes, is_cell, (0..is_cell.len()).filter(meets));

        let n = old.answers.len();
        let mut answers = Vec::with_capacity(n);
        let mut crossed = vec![false; n];
        for (t, &a) in old.answers.iter().enumerate() {
            if inside(t) {
                crossed[t] = marks[t];
                answers.push(UNKNOWN);
            } else {
                crossed[t] = a & CROSSED_BIT != 0;
                answers.push(a);
            }
        }
        if !remapped_answers(&mut answers, remap) {
            return None;
        }
        // `remapped_answers` left crossed tiles alone; their lists follow.
        tiles.answers = answers;
        tiles.answer_faces(&window, &crossed, &answer_at);

        // Candidate lists: renumbered outside the window, listed inside.
        let mut pairs: Vec<(usize, u32)> = Vec::new();
        for i in (0..is_cell.len()).filter(|&i| is_cell[i]) {
            let Some([x0, y0, x1, y1]) = shapes.bbox(i) else {
                continue;
            };
            // One tile of slack for rounding at the window's edge.
            let [tx, ty] = [1.0 / tiles.per_deg[0], 1.0 / tiles.per_deg[1]];
            if x1 < wx0 - tx || x0 > wx1 + tx || y1 < wy0 - ty || y0 > wy1 + ty {
                continue;
            }
            let rows =
                tiles.row(y0).max(window.rows.start)..=tiles.row(y1).min(window.rows.end - 1);
            for r in rows {
                let columns = tiles.column(x0).max(window.columns.start)
                    ..=tiles.column(x1).min(window.columns.end - 1);
                for c in columns {
                    let t = r * tiles.nx + c;
                    if crossed[t] {
                        pairs.push((t, i as u32));
                    }
                }
            }
        }
        pairs.sort_by_key(|&(t, _)| t);
        let mut starts = vec![0_u32];
        let mut candidates = Vec::new();
        let mut next_pair = 0;
        for t in 0..n {
            if !crossed[t] {
                continue;
            }
            let k = starts.len() as u32 - 1;
            if inside(t) {
                while next_pair < pairs.len() && pairs[next_pair].0 < t {
                    next_pair += 1;
                }
                while next_pair < pairs.len() && pairs[next_pair].0 == t {
                    candidates.push(pairs[next_pair].1);
                    next_pair += 1;
                }
                let far = if near_marks[t] { 0 } else { FAR_BIT };
                tiles.answers[t] = CROSSED_BIT | k | far;
            } else {
                let a = tiles.answers[t];
                for &c in old.candidates(a & !(CROSSED_BIT | FAR_BIT)) {
                    candidates.push(remap[c as usize]);
                }
                tiles.answers[t] = CROSSED_BIT | k | (a & FAR_BIT);
            }
            starts.push(candidates.len() as u32);
        }
        if candidates.contains(&u32::MAX) {
            return None;
        }
        for r in window.rows.clone() {
            for c in window.columns.clone() {
                let t = r * tiles.nx + c;
                let a = tiles.answers[t];
                if a & CROSSED_BIT == 0 && !near_marks[t] && a != UNKNOWN {
                    tiles.answers[t] |= FAR_BIT;
                }
            }
        }
        tiles.starts = starts;
        tiles.candidates = candidates;
        Some(tiles)
    }

    /// `[min_lon, min_lat, max_lon, max_lat]` that the tiles of `window` cover.
    fn window_box(&self, window: &Window) -> [f64; 4] {
        [
            self.bbox[0] + window.columns.start as f64 / self.per_deg[0],
            self.bbox[1] + window.rows.start as f64 / self.per_deg[1],
            self.bbox[0] + window.columns.end as f64 / self.per_deg[0],
            self.bbox[1] + window.rows.end as f64 / self.per_deg[1],
        ]
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
