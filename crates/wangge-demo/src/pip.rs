//! Point-in-polygon for many points against one large polygon (a department
//! with thousands of boundary vertices): the edges are sorted into horizontal
//! bands once, so each test crosses only the edges of its own band.

use geo::{Coord, MultiPolygon};
use wangge_spatial::bbox::bbox_of;

/// A multipolygon prepared for fast even-odd point tests.
#[derive(Debug, Clone)]
pub struct BandedPolygon {
    bbox: [f64; 4],
    band_height: f64,
    /// Edges `[x0, y0, x1, y1]` whose y-range meets each band.
    bands: Vec<Vec<[f64; 4]>>,
}

/// Edges per band the index aims at.
const EDGES_PER_BAND: usize = 8;
const MAX_BANDS: usize = 8_192;

impl BandedPolygon {
    /// `None` for an empty multipolygon.
    pub fn new(mp: &MultiPolygon<f64>) -> Option<Self> {
        let bbox = bbox_of(mp)?;
        let rings = || {
            mp.0.iter()
                .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        };
        let edge_count: usize = rings().map(|r| r.0.len().saturating_sub(1)).sum();
        let band_count = (edge_count / EDGES_PER_BAND).clamp(1, MAX_BANDS);
        let band_height = ((bbox[3] - bbox[1]) / band_count as f64).max(f64::MIN_POSITIVE);
        let band_of = |y: f64| -> usize {
            (((y - bbox[1]) / band_height).max(0.0) as usize).min(band_count - 1)
        };
        let mut bands: Vec<Vec<[f64; 4]>> = vec![Vec::new(); band_count];
        for ring in rings() {
            for pair in ring.0.windows(2) {
                let (a, b) = (pair[0], pair[1]);
                for band in &mut bands[band_of(a.y.min(b.y))..=band_of(a.y.max(b.y))] {
                    band.push([a.x, a.y, b.x, b.y]);
                }
            }
        }
        Some(BandedPolygon {
            bbox,
            band_height,
            bands,
        })
    }

    /// Whether `p` lies inside (even-odd rule; a point exactly on an edge may
    /// go either way).
    pub fn contains(&self, p: Coord<f64>) -> bool {
        let [x0, y0, x1, y1] = self.bbox;
        if !(p.x >= x0 && p.x <= x1 && p.y >= y0 && p.y <= y1) {
            return false;
        }
        let band = (((p.y - y0) / self.band_height) as usize).min(self.bands.len() - 1);
        let mut inside = false;
        for &[ax, ay, bx, by] in &self.bands[band] {
            if (ay > p.y) != (by > p.y) {
                let x = ax + (p.y - ay) * (bx - ax) / (by - ay);
                if p.x < x {
                    inside = !inside;
                }
            }
        }
        inside
    }
}

#[cfg(test)]
mod tests {
    use geo::{polygon, Contains, Point};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;

    #[test]
    fn agrees_with_geo_on_a_polygon_with_a_hole() {
        let poly = polygon!(
            exterior: [(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 5.0, y: 4.0), (x: 0.0, y: 10.0)],
            interiors: [[(x: 2.0, y: 1.0), (x: 4.0, y: 1.0), (x: 4.0, y: 3.0), (x: 2.0, y: 3.0)]],
        );
        let mp = MultiPolygon(vec![poly]);
        let banded = BandedPolygon::new(&mp).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut inside = 0;
        for _ in 0..20_000 {
            let p = Coord {
                x: rng.gen_range(-1.0..11.0),
                y: rng.gen_range(-1.0..11.0),
            };
            assert_eq!(banded.contains(p), mp.contains(&Point(p)), "{p:?}");
            inside += usize::from(banded.contains(p));
        }
        assert!(inside > 5_000, "{inside}");
    }
}
