//! Metres around a point: an equirectangular projection scaled by the
//! WGS-84 radii of curvature there. Within a county (±1°) lengths are off by
//! under 0.5 %, plenty for widths and border lengths.

use geo::Coord;

use crate::area::{FLATTENING, SEMI_MAJOR_M};

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
