//! One level-1 grid of about `n` vertices with a known report (issue 12:
//! 100,000 vertices took 166 s, the cost was quadratic), for the coverage
//! tests, the `coverage_big_polygon` example and the server's test.
//!
//! Grid `A` is the box `A_BOX` whose east side zigzags (half the vertices)
//! and whose hole, the box `HOLE_BOX`, zigzags on all four sides (the other
//! half); grid `B`, a plain box, overlaps A's east side by `OVERLAP_DEG`.
//! The zigzags go 0, +a, 0, −a along each side, so the areas are those of
//! the boxes. Level 1 tiles the union with its holes filled, so the report
//! holds one gap (the hole, next to A only, a blind spot), one overlap
//! (A, B: the strip `OVERLAP_BOX`) and one edge mismatch (A, B: the two
//! stretches of `OVERLAP_DEG` where their south and north sides run along
//! each other). Plain coordinates: no dependency beyond std.

// Each test binary and the example use part of it.
#![allow(dead_code)]

/// `[x0, y0, x1, y1]` of grid A before its east side zigzags.
pub const A_BOX: [f64; 4] = [110.0, 32.0, 110.2, 32.2];
/// The hole of A before its sides zigzag.
pub const HOLE_BOX: [f64; 4] = [110.05, 32.05, 110.15, 32.15];
/// How far B reaches west of A's east side (far more than the zigzag).
pub const OVERLAP_DEG: f64 = 0.002;
/// Grid B.
pub const B_BOX: [f64; 4] = [110.2 - OVERLAP_DEG, 32.0, 110.3, 32.2];
/// The part of A that B covers.
pub const OVERLAP_BOX: [f64; 4] = [110.2 - OVERLAP_DEG, 32.0, 110.2, 32.2];
/// How far a zigzag vertex moves sideways, as a share of the step along
/// the side: under half a step, so a ring never crosses itself at a corner.
const AMPLITUDE_PER_STEP: f64 = 0.25;

/// Closed rings as `[lon, lat]`: A's exterior and hole, and B.
pub struct BigPolygon {
    pub a_exterior: Vec<[f64; 2]>,
    pub a_hole: Vec<[f64; 2]>,
    pub b: Vec<[f64; 2]>,
}

impl BigPolygon {
    /// Vertices of A (closing points not counted).
    pub fn a_vertices(&self) -> usize {
        self.a_exterior.len() + self.a_hole.len() - 2
    }
}

/// `from` to `to` (not including `to`) in `steps` steps, the k-th point
/// moved sideways (to the left of the direction) by 0, +a, 0, −a, ...
fn zigzag(from: [f64; 2], to: [f64; 2], steps: usize) -> Vec<[f64; 2]> {
    let (dx, dy) = (to[0] - from[0], to[1] - from[1]);
    let length = dx.hypot(dy);
    let amplitude = AMPLITUDE_PER_STEP * length / steps as f64;
    let (nx, ny) = (-dy / length, dx / length);
    (0..steps)
        .map(|k| {
            let t = k as f64 / steps as f64;
            let side = [0.0, 1.0, 0.0, -1.0][k % 4] * amplitude;
            [from[0] + t * dx + side * nx, from[1] + t * dy + side * ny]
        })
        .collect()
}

fn closed(mut ring: Vec<[f64; 2]>) -> Vec<[f64; 2]> {
    ring.push(ring[0]);
    ring
}

/// The two grids with A of about `n` vertices (`n` rounded to a multiple
/// of 8 so that every zigzag has whole periods).
pub fn big_polygon(n: usize) -> BigPolygon {
    let half = (n / 8).max(1) * 4;
    let [x0, y0, x1, y1] = A_BOX;
    let mut exterior = vec![[x0, y0]];
    exterior.extend(zigzag([x1, y0], [x1, y1], half));
    exterior.push([x1, y1]);
    exterior.push([x0, y1]);
    let [h0, k0, h1, k1] = HOLE_BOX;
    let corners = [[h0, k0], [h0, k1], [h1, k1], [h1, k0], [h0, k0]];
    let side = half / 4;
    let hole: Vec<[f64; 2]> = corners
        .windows(2)
        .flat_map(|w| zigzag(w[0], w[1], side))
        .collect();
    let [b0, c0, b1, c1] = B_BOX;
    BigPolygon {
        a_exterior: closed(exterior),
        a_hole: closed(hole),
        b: closed(vec![[b0, c0], [b1, c0], [b1, c1], [b0, c1]]),
    }
}
