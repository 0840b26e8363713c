//! Metres around a point: an equirectangular projection scaled by the
//! WGS-84 radii of curvature there. Within a county (±1°) lengths are off by
//! under 0.5 %, plenty for widths and border lengths.

use geo::{Coord, LineString, MultiPolygon};

const SEMI_MAJOR_M: f64 = 6_378_137.0;
const FLATTENING: f64 = 1.0 / 298.257_223_563;

#[derive(Debug, Clone, Copy)]
pub(crate) struct LocalMetres {
    origin: Coord<f64>,
    m_per_deg_x: f64,
    m_per_deg_y: f64,
}

impl LocalMetres {
    pub(crate) fn at(origin: Coord<f64>) -> Self {
        let e2 = FLATTENING * (2.0 - FLATTENING);
        let lat = origin.y.clamp(-89.0, 89.0).to_radians();
        let w = (1.0 - e2 * lat.sin().powi(2)).sqrt();
        let prime_vertical_m = SEMI_MAJOR_M / w;
        let meridional_m = SEMI_MAJOR_M * (1.0 - e2) / w.powi(3);
        let rad_per_deg = std::f64::consts::PI / 180.0;
        Self {
            origin,
            m_per_deg_x: prime_vertical_m * lat.cos() * rad_per_deg,
            m_per_deg_y: meridional_m * rad_per_deg,
        }
    }

    /// Centred on a bounding box `[x0, y0, x1, y1]`.
    pub(crate) fn around([x0, y0, x1, y1]: [f64; 4]) -> Self {
        Self::at(Coord {
            x: 0.5 * (x0 + x1),
            y: 0.5 * (y0 + y1),
        })
    }

    pub(crate) fn project(&self, c: Coord<f64>) -> Coord<f64> {
        Coord {
            x: (c.x - self.origin.x) * self.m_per_deg_x,
            y: (c.y - self.origin.y) * self.m_per_deg_y,
        }
    }

    pub(crate) fn unproject(&self, p: Coord<f64>) -> Coord<f64> {
        Coord {
            x: self.origin.x + p.x / self.m_per_deg_x,
            y: self.origin.y + p.y / self.m_per_deg_y,
        }
    }

    /// Degrees of longitude and latitude that `metres` span here.
    pub(crate) fn degrees(&self, metres: f64) -> [f64; 2] {
        [metres / self.m_per_deg_x, metres / self.m_per_deg_y]
    }

    #[cfg(test)]
    pub(crate) fn length_m(&self, a: Coord<f64>, b: Coord<f64>) -> f64 {
        let (p, q) = (self.project(a), self.project(b));
        (q.x - p.x).hypot(q.y - p.y)
    }
}

/// Area in m² on the WGS-84 ellipsoid of a region whose edges are straight
/// in lon/lat: the region the overlays see (GEOS and shapely see the same).
///
/// Not `geodesic_area_m2`: that takes every edge as a geodesic, and a sliver
/// a few millimetres wide along a 20 km edge then becomes a different, much
/// larger shape (edges that run back and forth bow apart by metres). For a
/// cell with edges of a few hundred metres the two agree to about 1e-6.
///
/// By Green's theorem, `A = ∮ G(φ) dλ`, with `G` the integral of the area
/// element `M(φ) N(φ) cos φ` and a 3-point Gauss–Legendre rule along each
/// edge (exact to rounding for edges under a degree). Holes subtract; rings
/// with non-finite coordinates count 0.
///
/// ```
/// use geo::{polygon, MultiPolygon};
/// use wangge_spatial::coverage::lonlat_area_m2;
/// // The band between the equator and 1°N, 1° wide: 12,308.46 km².
/// let cell = MultiPolygon(vec![polygon![
///     (x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0),
/// ]]);
/// assert_eq!((lonlat_area_m2(&cell) / 1e4).round() / 100.0, 12_308.46);
/// ```
pub fn lonlat_area_m2(mp: &MultiPolygon<f64>) -> f64 {
    mp.iter()
        .map(|polygon| {
            let holes_m2: f64 = polygon.interiors().iter().map(ring_area_m2).sum();
            ring_area_m2(polygon.exterior()) - holes_m2
        })
        .sum()
}

fn ring_area_m2(ring: &LineString<f64>) -> f64 {
    let coords = &ring.0;
    if coords.len() < 4 || coords.iter().any(|c| !c.x.is_finite() || !c.y.is_finite()) {
        return 0.0;
    }
    let e2 = FLATTENING * (2.0 - FLATTENING);
    let e = e2.sqrt();
    let g = |lat_deg: f64| {
        let s = lat_deg.to_radians().sin();
        let w = 1.0 - e2 * s * s;
        SEMI_MAJOR_M * SEMI_MAJOR_M * (1.0 - e2) * (s / (2.0 * w) + (e * s).atanh() / (2.0 * e))
    };
    // Relative to the first latitude, which adds nothing round a closed
    // ring but keeps the terms small.
    let g0 = g(coords[0].y);
    let nodes = [
        (0.5 - 0.5 * (3.0_f64 / 5.0).sqrt(), 5.0 / 18.0),
        (0.5, 8.0 / 18.0),
        (0.5 + 0.5 * (3.0_f64 / 5.0).sqrt(), 5.0 / 18.0),
    ];
    let twice: f64 = coords
        .windows(2)
        .map(|w| {
            let (a, b) = (w[0], w[1]);
            let d_lon = (b.x - a.x).to_radians();
            if d_lon == 0.0 {
                return 0.0;
            }
            let mean: f64 = nodes
                .iter()
                .map(|&(t, weight)| weight * (g(a.y + t * (b.y - a.y)) - g0))
                .sum();
            mean * d_lon
        })
        .sum();
    twice.abs()
}

/// Distance from `p` to the segment `a`-`b`, all in one planar frame.
pub(crate) fn point_segment_distance(p: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> f64 {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p.x - a.x) * dx + (p.y - a.y) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    (p.x - (a.x + t * dx)).hypot(p.y - (a.y + t * dy))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_degree_at_shiyan() {
        // Geodesic lengths of 0.01° along each axis at 32.6°N (geographiclib).
        let local = LocalMetres::at(Coord { x: 110.8, y: 32.6 });
        let east = local.length_m(Coord { x: 110.8, y: 32.6 }, Coord { x: 110.81, y: 32.6 });
        let north = local.length_m(Coord { x: 110.8, y: 32.6 }, Coord { x: 110.8, y: 32.61 });
        assert!((east - 938.73).abs() < 0.05, "{east}");
        assert!((north - 1_108.97).abs() < 0.05, "{north}");
        let back = local.unproject(local.project(Coord { x: 110.9, y: 32.7 }));
        assert!((back.x - 110.9).abs() < 1e-12 && (back.y - 32.7).abs() < 1e-12);
    }

    #[test]
    fn lonlat_region_area_matches_geodesic_for_short_edges() {
        use crate::area::geodesic_area_m2;
        use geo::polygon;
        // 0.01° square near Shiyan: edges of 1 km, where geodesics and
        // lon/lat lines nearly agree.
        let square = MultiPolygon(vec![polygon![
            (x: 110.80, y: 32.60), (x: 110.81, y: 32.60), (x: 110.81, y: 32.61), (x: 110.80, y: 32.61),
        ]]);
        let ratio = lonlat_area_m2(&square) / geodesic_area_m2(&square);
        assert!((ratio - 1.0).abs() < 1e-6, "{ratio}");
        // A 1° by 1° cell at the equator: the band between two parallels
        // has a closed form, 12,308.46 km² for this one.
        let cell = MultiPolygon(vec![
            polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0)],
        ]);
        let km2 = lonlat_area_m2(&cell) / 1e6;
        assert!((km2 - 12_308.46).abs() < 0.01, "{km2}");
    }

    #[test]
    fn segment_distance() {
        let a = Coord { x: 0.0, y: 0.0 };
        let b = Coord { x: 10.0, y: 0.0 };
        assert!((point_segment_distance(Coord { x: 5.0, y: 3.0 }, a, b) - 3.0).abs() < 1e-12);
        assert!((point_segment_distance(Coord { x: 13.0, y: 4.0 }, a, b) - 5.0).abs() < 1e-12);
        assert!(
            (point_segment_distance(Coord { x: 1.0, y: 1.0 }, a, a) - 2f64.sqrt()).abs() < 1e-12
        );
    }
}
