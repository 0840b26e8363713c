//! From lon/lat to tile units: Web Mercator "world" coordinates (0..1 both
//! ways, y down), the tile frame, clipping to the tile plus a buffer, and
//! quantisation to integer units with light simplification.

use super::mvt::{Ring, EXTENT};

/// Units drawn beyond the tile edge, so strokes do not end at the seam.
pub const BUFFER: f64 = 64.0;

/// Web Mercator's latitude limit.
const MAX_LAT: f64 = 85.051_128_78;

/// A multipolygon (lon/lat) as polygons of world-coordinate rings, exterior
/// first, not closed; non-finite vertices dropped.
pub fn world_polygons(mp: &geo::MultiPolygon<f64>) -> Vec<Vec<Vec<[f64; 2]>>> {
    mp.0.iter()
        .map(|p| {
            std::iter::once(p.exterior())
                .chain(p.interiors())
                .map(|ring| {
                    let mut pts: Vec<[f64; 2]> = ring
                        .0
                        .iter()
                        .filter(|c| c.x.is_finite() && c.y.is_finite())
                        .map(|c| world(c.x, c.y))
                        .collect();
                    if pts.len() > 1 && pts.first() == pts.last() {
                        pts.pop();
                    }
                    pts
                })
                .collect()
        })
        .collect()
}

/// The world-coordinate box of such polygons; `None` when they hold no point.
pub fn world_box_of(polygons: &[Vec<Vec<[f64; 2]>>]) -> Option<[f64; 4]> {
    let mut b = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    for p in polygons.iter().flatten().flatten() {
        b = [
            b[0].min(p[0]),
            b[1].min(p[1]),
            b[2].max(p[0]),
            b[3].max(p[1]),
        ];
    }
    (b[0] <= b[2]).then_some(b)
}

/// Lon/lat (degrees) to world coordinates in `0..1` (y down).
pub fn world(lon: f64, lat: f64) -> [f64; 2] {
    let lat = lat.clamp(-MAX_LAT, MAX_LAT).to_radians();
    let x = (lon + 180.0) / 360.0;
    let y = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0;
    [x, y]
}

/// World coordinates back to lon/lat (degrees).
pub fn lonlat(w: [f64; 2]) -> [f64; 2] {
    let lon = w[0] * 360.0 - 180.0;
    let n = std::f64::consts::PI * (1.0 - 2.0 * w[1]);
    [lon, n.sinh().atan().to_degrees()]
}

/// One tile `z/x/y` and how world coordinates map into it.
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    pub z: u8,
    pub x: u32,
    pub y: u32,
    scale: f64,
}

impl Frame {
    pub fn new(z: u8, x: u32, y: u32) -> Frame {
        Frame {
            z,
            x,
            y,
            scale: f64::from(1u32 << z) * f64::from(EXTENT),
        }
    }

    /// Tile units per world unit at this zoom.
    pub fn units_per_world(&self) -> f64 {
        self.scale
    }

    /// World coordinates to tile units (unrounded).
    pub fn project(&self, w: [f64; 2]) -> [f64; 2] {
        [
            w[0] * self.scale - f64::from(self.x) * f64::from(EXTENT),
            w[1] * self.scale - f64::from(self.y) * f64::from(EXTENT),
        ]
    }

    /// The tile with its buffer in world coordinates `[x0, y0, x1, y1]`.
    pub fn world_box(&self) -> [f64; 4] {
        let unit = 1.0 / self.scale;
        let e = f64::from(EXTENT);
        [
            (f64::from(self.x) * e - BUFFER) * unit,
            (f64::from(self.y) * e - BUFFER) * unit,
            (f64::from(self.x + 1) * e + BUFFER) * unit,
            (f64::from(self.y + 1) * e + BUFFER) * unit,
        ]
    }

    /// The tile with its buffer as `[min_lon, min_lat, max_lon, max_lat]`.
    pub fn lonlat_box(&self) -> [f64; 4] {
        let [x0, y0, x1, y1] = self.world_box();
        let [lon0, lat1] = lonlat([x0, y0]);
        let [lon1, lat0] = lonlat([x1, y1]);
        [lon0, lat0, lon1, lat1]
    }

    /// Simplification tolerance in tile units: vertices nearer than this
    /// to the last kept one are dropped. Zero at street zooms.
    pub fn tolerance(&self) -> f64 {
        match self.z {
            0..=9 => 3.0,
            10..=12 => 1.5,
            _ => 0.0,
        }
    }

    /// A ring (world coordinates, not closed) clipped to the buffered tile,
    /// quantised, simplified, deduplicated and oriented: clockwise on
    /// screen for an exterior ring, anticlockwise for a hole. `None` when
    /// nothing of area is left.
    /// Polygons (rings in world coordinates, exterior first) clipped to the
    /// tile; a polygon whose exterior leaves nothing in the tile is dropped.
    pub fn polygons(&self, polygons: &[Vec<Vec<[f64; 2]>>]) -> Vec<Vec<Ring>> {
        polygons
            .iter()
            .filter_map(|rings| {
                let mut out = Vec::with_capacity(rings.len());
                for (k, ring) in rings.iter().enumerate() {
                    match self.ring(ring, k == 0) {
                        Some(r) => out.push(r),
                        None if k == 0 => return None,
                        None => {}
                    }
                }
                Some(out)
            })
            .collect()
    }

    pub fn ring(&self, ring: &[[f64; 2]], exterior: bool) -> Option<Ring> {
        let projected: Vec<[f64; 2]> = ring.iter().map(|&w| self.project(w)).collect();
        let lo = -BUFFER;
        let hi = f64::from(EXTENT) + BUFFER;
        let clipped = clip_ring(projected, lo, hi);
        let tolerance = self.tolerance();
        let mut out: Ring = Vec::with_capacity(clipped.len());
        for p in clipped {
            let q = [p[0].round() as i32, p[1].round() as i32];
            if let Some(last) = out.last() {
                let dx = f64::from(q[0] - last[0]);
                let dy = f64::from(q[1] - last[1]);
                if q == *last || dx.hypot(dy) < tolerance {
                    continue;
                }
            }
            out.push(q);
        }
        while out.len() > 1 && out.first() == out.last() {
            out.pop();
        }
        if out.len() < 3 {
            return None;
        }
        let area = signed_area2(&out);
        if area == 0 {
            return None;
        }
        // y points down: a positive shoelace sum is clockwise on screen.
        if (area > 0) != exterior {
            out.reverse();
        }
        Some(out)
    }

    /// A point in tile units, or `None` outside the tile (no buffer: a
    /// point belongs to exactly one tile).
    pub fn point(&self, w: [f64; 2]) -> Option<[i32; 2]> {
        let [x, y] = self.project(w);
        let e = f64::from(EXTENT);
        if (0.0..e).contains(&x) && (0.0..e).contains(&y) {
            Some([x as i32, y as i32])
        } else {
            None
        }
    }
}

/// Twice the signed area (shoelace), exact in i64.
pub fn signed_area2(ring: &[[i32; 2]]) -> i64 {
    let n = ring.len();
    (0..n)
        .map(|i| {
            let a = ring[i];
            let b = ring[(i + 1) % n];
            i64::from(a[0]) * i64::from(b[1]) - i64::from(b[0]) * i64::from(a[1])
        })
        .sum()
}

/// Sutherland–Hodgman against the square `lo..=hi` on both axes. The result
/// may run along the square's edges where the ring left it: harmless, as
/// they lie in the buffer, outside what is drawn.
fn clip_ring(ring: Vec<[f64; 2]>, lo: f64, hi: f64) -> Vec<[f64; 2]> {
    if ring
        .iter()
        .all(|p| p[0] >= lo && p[0] <= hi && p[1] >= lo && p[1] <= hi)
    {
        return ring;
    }
    let mut poly = ring;
    for (axis, bound, keep_below) in [(0, lo, false), (0, hi, true), (1, lo, false), (1, hi, true)]
    {
        if poly.is_empty() {
            break;
        }
        let inside = |p: &[f64; 2]| {
            if keep_below {
                p[axis] <= bound
            } else {
                p[axis] >= bound
            }
        };
        let mut next = Vec::with_capacity(poly.len() + 4);
        for i in 0..poly.len() {
            let cur = poly[i];
            let prev = poly[(i + poly.len() - 1) % poly.len()];
            let (cin, pin) = (inside(&cur), inside(&prev));
            if cin != pin {
                let t = (bound - prev[axis]) / (cur[axis] - prev[axis]);
                let mut cross = [
                    prev[0] + (cur[0] - prev[0]) * t,
                    prev[1] + (cur[1] - prev[1]) * t,
                ];
                cross[axis] = bound;
                next.push(cross);
            }
            if cin {
                next.push(cur);
            }
        }
        poly = next;
    }
    poly
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn world_coordinates_round_trip() {
        let w = world(110.8, 32.6);
        let back = lonlat(w);
        assert!(
            (back[0] - 110.8).abs() < 1e-9 && (back[1] - 32.6).abs() < 1e-9,
            "{back:?}"
        );
        let west = world(-180.0, 0.0);
        assert!(
            west[0].abs() < 1e-12 && (west[1] - 0.5).abs() < 1e-12,
            "{west:?}"
        );
    }

    #[test]
    fn a_ring_larger_than_the_tile_is_clipped_to_the_buffer() {
        let frame = Frame::new(1, 0, 0);
        // The whole world: the tile 1/0/0 is its north-west quarter.
        let ring = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]];
        let out = frame.ring(&ring, true).unwrap();
        let xs: Vec<i32> = out.iter().map(|p| p[0]).collect();
        assert_eq!(*xs.iter().max().unwrap(), 4096 + 64);
        assert_eq!(
            *xs.iter().min().unwrap(),
            0,
            "the world's west edge is the tile's"
        );
        assert!(
            signed_area2(&out) > 0,
            "exterior clockwise on screen: {out:?}"
        );
        let hole = frame.ring(&ring, false).unwrap();
        assert!(signed_area2(&hole) < 0);
    }

    #[test]
    fn a_ring_outside_the_tile_leaves_nothing() {
        let frame = Frame::new(2, 0, 0);
        let ring = [[0.9, 0.9], [0.95, 0.9], [0.95, 0.95]];
        assert_eq!(frame.ring(&ring, true), None);
    }

    #[test]
    fn a_point_belongs_to_one_tile() {
        let w = [0.5, 0.5];
        assert_eq!(Frame::new(1, 1, 1).point(w), Some([0, 0]));
        assert_eq!(Frame::new(1, 0, 0).point(w), None);
    }
}
