//! Uniform random points inside a cell, fast: the cell is triangulated once
//! (earcut), a triangle is chosen by area and a point drawn inside it. No
//! rejection on the polygon, so a village of a thousand vertices costs the
//! same per point as a square.

use geo::kernels::{Kernel, Orientation, RobustKernel};
use geo::{Area, Coord, MultiPolygon, TriangulateEarcut};
use rand::Rng;

/// Coordinates are written with 6 decimals (about 0.1 m), like field data.
pub fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

/// A cell ready for sampling.
#[derive(Debug, Clone)]
pub struct CellSampler {
    triangles: Vec<[Coord<f64>; 3]>,
    /// Running sum of the triangles' areas.
    cumulative: Vec<f64>,
}

/// Draws before a point is taken unrounded.
const ATTEMPTS: usize = 64;

impl CellSampler {
    /// `None` when the cell has no area (nothing to sample in).
    pub fn new(mp: &MultiPolygon<f64>) -> Option<Self> {
        let mut triangles = Vec::new();
        let mut cumulative = Vec::new();
        let mut total = 0.0;
        for polygon in &mp.0 {
            for t in polygon.earcut_triangles_iter() {
                let area = t.unsigned_area();
                if area > 0.0 {
                    total += area;
                    triangles.push([t.v1(), t.v2(), t.v3()]);
                    cumulative.push(total);
                }
            }
        }
        (total > 0.0).then_some(CellSampler {
            triangles,
            cumulative,
        })
    }

    /// The cell's area in square degrees, as the triangles cover it.
    pub fn area_deg2(&self) -> f64 {
        self.cumulative.last().copied().unwrap_or(0.0)
    }

    /// A uniform point strictly inside the cell, rounded to 6 decimals (a
    /// rounded point that left its triangle is drawn again).
    pub fn sample(&self, rng: &mut impl Rng) -> Coord<f64> {
        let mut last = None;
        for _ in 0..ATTEMPTS {
            let (t, p) = self.draw(rng);
            let rounded = Coord {
                x: round6(p.x),
                y: round6(p.y),
            };
            if strictly_inside(&self.triangles[t], rounded) {
                return rounded;
            }
            last = Some(p);
        }
        // Only a cell thinner than the rounding step gets here.
        last.unwrap_or_default()
    }

    fn draw(&self, rng: &mut impl Rng) -> (usize, Coord<f64>) {
        let at = rng.gen::<f64>() * self.area_deg2();
        let index = self
            .cumulative
            .partition_point(|sum| *sum < at)
            .min(self.triangles.len() - 1);
        let [corner, b, c] = self.triangles[index];
        let (mut r1, mut r2) = (rng.gen::<f64>(), rng.gen::<f64>());
        if r1 + r2 > 1.0 {
            (r1, r2) = (1.0 - r1, 1.0 - r2);
        }
        let point = Coord {
            x: corner.x + r1 * (b.x - corner.x) + r2 * (c.x - corner.x),
            y: corner.y + r1 * (b.y - corner.y) + r2 * (c.y - corner.y),
        };
        (index, point)
    }
}

/// Strictly inside the triangle by exact orientation tests: never on an edge,
/// so never on the cell's boundary either.
fn strictly_inside(t: &[Coord<f64>; 3], p: Coord<f64>) -> bool {
    let turn = RobustKernel::orient2d(t[0], t[1], t[2]);
    turn != Orientation::Collinear
        && RobustKernel::orient2d(t[0], t[1], p) == turn
        && RobustKernel::orient2d(t[1], t[2], p) == turn
        && RobustKernel::orient2d(t[2], t[0], p) == turn
}

#[cfg(test)]
mod tests {
    use geo::{polygon, Contains, Point};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    #[test]
    fn points_are_inside_and_spread_by_area() {
        // An L shape with a hole in its foot: the upper arm holds half the area.
        let poly = polygon!(
            exterior: [(x: 110.0, y: 32.0), (x: 110.02, y: 32.0), (x: 110.02, y: 32.01), (x: 110.01, y: 32.01), (x: 110.01, y: 32.03), (x: 110.0, y: 32.03)],
            interiors: [[(x: 110.002, y: 32.002), (x: 110.004, y: 32.002), (x: 110.004, y: 32.004), (x: 110.002, y: 32.004)]],
        );
        let mp = MultiPolygon(vec![poly]);
        let sampler = CellSampler::new(&mp).unwrap();
        assert!((sampler.area_deg2() - mp.unsigned_area()).abs() < 1e-12);
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let points: Vec<Coord<f64>> = (0..6_000).map(|_| sampler.sample(&mut rng)).collect();
        assert!(points.iter().all(|p| mp.contains(&Point(*p))));
        assert!(points
            .iter()
            .all(|p| round6(p.x).to_bits() == p.x.to_bits()
                && round6(p.y).to_bits() == p.y.to_bits()));
        let upper = points.iter().filter(|p| p.y > 32.01).count();
        let share = upper as f64 / points.len() as f64;
        // The upper arm: 0.01 x 0.02 of 0.0004 - 0.000004 deg².
        let expected = 0.0002 / (0.0004 - 0.000_004);
        assert!((share - expected).abs() < 0.03, "{share} vs {expected}");
    }
}
