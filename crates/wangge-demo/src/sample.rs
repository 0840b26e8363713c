//! Seed points inside a parent polygon, denser near a focus (a county seat or
//! a town centre) so that built-up areas get small grids and the mountains
//! large ones; and the partition of the parent by those seeds, checked and
//! resampled until every piece is valid and of a sensible size.

use geo::{
    Area, BoundingRect, Contains, Coord, LineString, MultiPolygon, Point, Polygon, Validation,
};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use wangge_spatial::partition::{snap_to_grid, voronoi_partition, PARTITION_STEP_DEG};
use wangge_spatial::validate::{check_multipolygon, summarize};

use crate::DemoError;

/// Kilometres between two lon/lat points (equirectangular; fine at county scale).
pub fn distance_km(a: Coord<f64>, b: Coord<f64>) -> f64 {
    let lat = f64::midpoint(a.y, b.y).to_radians();
    let dx = (a.x - b.x) * 111.32 * lat.cos();
    let dy = (a.y - b.y) * 110.57;
    dx.hypot(dy)
}

/// Seed density: `exp(-d / scale_km)` around `focus`, never below `floor`.
#[derive(Debug, Clone, Copy)]
pub struct Density {
    pub focus: Coord<f64>,
    pub scale_km: f64,
    pub floor: f64,
}

impl Density {
    pub fn weight(&self, p: Coord<f64>) -> f64 {
        (-distance_km(p, self.focus) / self.scale_km)
            .exp()
            .max(self.floor)
    }

    /// A density around `focus` whose floor is set so that about `near_share`
    /// of the seeds fall in the peak (within a few `scale_km` of the focus)
    /// and the rest spread evenly over `parent`: the peak holds
    /// `E[exp(-d/s)]` of the mass per unit floor, estimated on sampled points.
    pub fn calibrated(
        parent: &MultiPolygon<f64>,
        focus: Coord<f64>,
        scale_km: f64,
        near_share: f64,
        rng: &mut ChaCha8Rng,
    ) -> Density {
        const PROBES: usize = 400;
        let uniform = Density {
            focus,
            scale_km,
            floor: 1.0,
        };
        let peak_mass = sample_points(parent, PROBES, &uniform, rng).map_or(0.0, |points| {
            points
                .iter()
                .map(|p| (-distance_km(*p, focus) / scale_km).exp())
                .sum::<f64>()
                / PROBES as f64
        });
        let floor = if near_share <= 0.0 {
            1.0
        } else {
            (peak_mass * (1.0 - near_share.min(1.0)) / near_share).clamp(1e-4, 1.0)
        };
        Density {
            focus,
            scale_km,
            floor,
        }
    }

    /// The largest weight anywhere in the box: at its point nearest the focus.
    fn max_in(&self, [x0, y0, x1, y1]: [f64; 4]) -> f64 {
        self.weight(Coord {
            x: self.focus.x.clamp(x0, x1),
            y: self.focus.y.clamp(y0, y1),
        })
    }
}

/// Candidates drawn per seed; the one farthest from the seeds so far (in
/// units of the local spacing) wins: a blue-noise spread that follows the density.
const CANDIDATES: usize = 8;
/// Uniform draws allowed per accepted candidate before giving up.
const MAX_DRAWS: usize = 100_000;

/// One point strictly inside `parent` drawn with probability ∝ `density`
/// (rejection sampling in the bounding box).
fn draw(
    parent: &MultiPolygon<f64>,
    bbox: [f64; 4],
    w_max: f64,
    density: &Density,
    rng: &mut ChaCha8Rng,
) -> Option<Coord<f64>> {
    for _ in 0..MAX_DRAWS {
        let p = Coord {
            x: rng.gen_range(bbox[0]..=bbox[2]),
            y: rng.gen_range(bbox[1]..=bbox[3]),
        };
        if rng.gen::<f64>() * w_max <= density.weight(p) && parent.contains(&Point(p)) {
            return Some(p);
        }
    }
    None
}

fn bbox_and_peak(parent: &MultiPolygon<f64>, density: &Density) -> Option<([f64; 4], f64)> {
    let rect = parent.bounding_rect()?;
    let bbox = [rect.min().x, rect.min().y, rect.max().x, rect.max().y];
    Some((bbox, density.max_in(bbox)))
}

/// `n` independent points inside `parent` drawn by `density`.
pub fn sample_points(
    parent: &MultiPolygon<f64>,
    n: usize,
    density: &Density,
    rng: &mut ChaCha8Rng,
) -> Option<Vec<Coord<f64>>> {
    let (bbox, w_max) = bbox_and_peak(parent, density)?;
    (0..n)
        .map(|_| draw(parent, bbox, w_max, density, rng))
        .collect()
}

/// `n` seed points strictly inside `parent`, spread like blue noise that
/// follows `density`; `None` when the parent is empty or too thin to hit.
pub fn sample_seeds(
    parent: &MultiPolygon<f64>,
    n: usize,
    density: &Density,
    rng: &mut ChaCha8Rng,
) -> Option<Vec<Coord<f64>>> {
    let (bbox, w_max) = bbox_and_peak(parent, density)?;
    let mut seeds: Vec<Coord<f64>> = Vec::with_capacity(n);
    for _ in 0..n {
        let mut best: Option<(f64, Coord<f64>)> = None;
        for _ in 0..CANDIDATES {
            let p = draw(parent, bbox, w_max, density, rng)?;
            let nearest = seeds
                .iter()
                .map(|s| distance_km(*s, p))
                .fold(f64::INFINITY, f64::min);
            let score = nearest * density.weight(p).sqrt();
            if best.is_none_or(|(b, _)| score > b) {
                best = Some((score, p));
            }
        }
        seeds.push(best?.1);
    }
    Some(seeds)
}

/// The longest edge left in a piece, in degrees (about 1 km). A long straight
/// lon/lat edge measures differently as one geodesic than as the several
/// pieces a child level cuts it into (0.15 % of a department's area); at
/// 1 km the difference is a few cm².
pub const MAX_EDGE_DEG: f64 = 0.01;

/// Inserts points along every edge longer than [`MAX_EDGE_DEG`], on the
/// straight lon/lat line, snapped to the partition grid. The points depend
/// only on the edge's two ends (taken in a fixed order), so the two pieces
/// that share an edge get the same points.
pub fn densify(mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    let ring = |ring: &LineString<f64>| -> LineString<f64> {
        let mut out = Vec::with_capacity(ring.0.len());
        for pair in ring.0.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            out.push(a);
            let steps = ((b.x - a.x).hypot(b.y - a.y) / MAX_EDGE_DEG).ceil() as usize;
            if steps > 1 {
                let forward = (a.x, a.y) <= (b.x, b.y);
                let (lo, hi) = if forward { (a, b) } else { (b, a) };
                let mut inner: Vec<Coord<f64>> = (1..steps)
                    .map(|i| {
                        let t = i as f64 / steps as f64;
                        Coord {
                            x: lo.x + (hi.x - lo.x) * t,
                            y: lo.y + (hi.y - lo.y) * t,
                        }
                    })
                    .collect();
                if !forward {
                    inner.reverse();
                }
                out.extend(inner);
            }
        }
        out.extend(ring.0.last());
        LineString(out)
    };
    let dense = MultiPolygon(
        mp.0.iter()
            .map(|p| Polygon::new(ring(p.exterior()), p.interiors().iter().map(ring).collect()))
            .collect(),
    );
    snap_to_grid(&dense, PARTITION_STEP_DEG)
}

/// Seed points and the pieces they cut, piece `i` for seed `i`.
pub type SeedsAndPieces = (Vec<Coord<f64>>, Vec<MultiPolygon<f64>>);

/// How many times a parent is resampled before the demo gives up.
const ATTEMPTS: usize = 12;
/// A piece smaller than this share of the mean piece is a sliver: resample.
const MIN_SHARE_OF_MEAN: f64 = 0.01;

/// Seeds and the pieces of `parent` they cut (piece `i` for seed `i`), every
/// piece non-empty, valid and not a sliver.
pub fn partition(
    code: &str,
    parent: &MultiPolygon<f64>,
    n: usize,
    density: &Density,
    rng: &mut ChaCha8Rng,
) -> Result<SeedsAndPieces, DemoError> {
    let fail = |attempts: usize, reason: String| DemoError::Partition {
        code: code.to_owned(),
        pieces: n,
        attempts,
        reason,
    };
    let parent_area = parent.unsigned_area();
    let mut reason = String::from("no attempt");
    for _ in 0..ATTEMPTS {
        let Some(seeds) = sample_seeds(parent, n, density, rng) else {
            return Err(fail(
                0,
                "no point could be sampled inside the parent".into(),
            ));
        };
        let pieces: Vec<MultiPolygon<f64>> = voronoi_partition(parent, &seeds)
            .iter()
            .map(densify)
            .collect();
        match check_pieces(parent_area, &pieces) {
            Ok(()) => return Ok((seeds, pieces)),
            Err(why) => reason = why,
        }
    }
    Err(fail(ATTEMPTS, reason))
}

fn check_pieces(parent_area: f64, pieces: &[MultiPolygon<f64>]) -> Result<(), String> {
    let min_area = parent_area / pieces.len().max(1) as f64 * MIN_SHARE_OF_MEAN;
    let mut sum = 0.0;
    for (i, piece) in pieces.iter().enumerate() {
        let area = piece.unsigned_area();
        if piece.0.is_empty() || area <= min_area {
            return Err(format!("piece {i} is empty or a sliver ({area:e} deg²)"));
        }
        if let Err(e) = piece.check_validation() {
            return Err(format!("piece {i} is invalid: {e}"));
        }
        // The store's own validator must accept it too (it flags, never fixes).
        if let Some(reason) = summarize(&check_multipolygon(piece)) {
            return Err(format!("piece {i} is invalid: {reason}"));
        }
        sum += area;
    }
    if (sum - parent_area).abs() > 1e-4 * parent_area {
        return Err(format!("pieces cover {sum:e} deg² of {parent_area:e}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use geo::polygon;
    use rand::SeedableRng;

    use super::*;

    fn square() -> MultiPolygon<f64> {
        MultiPolygon(vec![polygon![
            (x: 110.0, y: 32.0), (x: 110.2, y: 32.0), (x: 110.2, y: 32.2), (x: 110.0, y: 32.2),
        ]])
    }

    #[test]
    fn seeds_are_inside_and_denser_near_the_focus() {
        let parent = square();
        let density = Density {
            focus: Coord { x: 110.0, y: 32.0 },
            scale_km: 3.0,
            floor: 0.05,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let seeds = sample_seeds(&parent, 60, &density, &mut rng).unwrap();
        assert_eq!(seeds.len(), 60);
        assert!(seeds.iter().all(|s| parent.contains(&Point(*s))));
        let near = seeds.iter().filter(|s| s.x < 110.1 && s.y < 32.1).count();
        assert!(near > 20, "only {near} of 60 seeds in the focus quarter");
    }

    #[test]
    fn partition_gives_valid_pieces_that_tile() {
        let parent = square();
        let density = Density {
            focus: Coord { x: 110.1, y: 32.1 },
            scale_km: 5.0,
            floor: 0.1,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let (seeds, pieces) = partition("T", &parent, 12, &density, &mut rng).unwrap();
        assert_eq!(seeds.len(), 12);
        assert_eq!(pieces.len(), 12);
        let sum: f64 = pieces.iter().map(Area::unsigned_area).sum();
        assert!((sum - parent.unsigned_area()).abs() < 1e-9);
        for (seed, piece) in seeds.iter().zip(&pieces) {
            assert!(piece.contains(&Point(*seed)));
        }
    }
}
