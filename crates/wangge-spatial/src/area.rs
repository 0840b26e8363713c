//! Areas on the WGS-84 ellipsoid, the one home of them:
//! - [`geodesic_area_m2`]: edges taken as geodesics (geographiclib, through
//!   geo), for stored grids;
//! - [`lonlat_area_m2`]: edges straight in lon/lat, for what the overlays
//!   make (coverage findings), as GEOS and shapely see them.

use geo::{GeodesicArea, LineString, MultiPolygon, Polygon};

/// WGS-84 semi-major axis.
pub(crate) const SEMI_MAJOR_M: f64 = 6_378_137.0;
/// WGS-84 flattening.
pub(crate) const FLATTENING: f64 = 1.0 / 298.257_223_563;

/// Geodesic area in m² of a multipolygon on the WGS-84 ellipsoid.
///
/// Each polygon counts its exterior ring minus its holes, whatever their
/// winding; polygons are summed (overlaps count twice). Works on invalid
/// polygons too: a self-intersecting ring counts its signed area as given, so
/// the two lobes of a bow-tie cancel. Never NaN: rings with NaN or infinite
/// coordinates count 0, and an empty multipolygon is 0.0. Never negative: a
/// polygon whose holes are larger than its exterior (invalid, and reported so
/// by the validation) counts 0. Meant for areas smaller than half the earth.
///
/// ```
/// use geo::{polygon, MultiPolygon};
/// use wangge_spatial::area::geodesic_area_m2;
/// // 1° by 1° at the equator: about 12,309 km².
/// let square = MultiPolygon(vec![polygon![
///     (x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0),
/// ]]);
/// assert_eq!((geodesic_area_m2(&square) / 1e6).round(), 12_309.0);
/// assert_eq!(geodesic_area_m2(&MultiPolygon(vec![])), 0.0);
/// ```
pub fn geodesic_area_m2(mp: &MultiPolygon<f64>) -> f64 {
    mp.0.iter().map(polygon_area_m2).sum()
}

fn polygon_area_m2(polygon: &Polygon<f64>) -> f64 {
    let holes_m2: f64 = polygon.interiors().iter().map(ring_area_m2).sum();
    (ring_area_m2(polygon.exterior()) - holes_m2).max(0.0)
}

/// Unsigned area enclosed by one ring.
fn ring_area_m2(ring: &LineString<f64>) -> f64 {
    if ring.0.len() < 3 || ring.0.iter().any(|c| !c.x.is_finite() || !c.y.is_finite()) {
        return 0.0;
    }
    let area_m2 = Polygon::new(ring.clone(), vec![])
        .geodesic_area_signed()
        .abs();
    if area_m2.is_finite() {
        area_m2
    } else {
        0.0
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
/// use wangge_spatial::area::lonlat_area_m2;
/// // The band between the equator and 1°N, 1° wide: 12,308.46 km².
/// let cell = MultiPolygon(vec![polygon![
///     (x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0),
/// ]]);
/// assert_eq!((lonlat_area_m2(&cell) / 1e4).round() / 100.0, 12_308.46);
/// ```
pub fn lonlat_area_m2(mp: &MultiPolygon<f64>) -> f64 {
    mp.iter()
        .map(|polygon| {
            let holes_m2: f64 = polygon.interiors().iter().map(lonlat_ring_area_m2).sum();
            lonlat_ring_area_m2(polygon.exterior()) - holes_m2
        })
        .sum()
}

fn lonlat_ring_area_m2(ring: &LineString<f64>) -> f64 {
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

#[cfg(test)]
#[allow(clippy::float_cmp)] // grid values are exact
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn winding_does_not_matter_and_holes_subtract() {
        let ccw = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0)];
        let mut cw = ccw.clone();
        cw.exterior_mut(|r| r.0.reverse());
        let a_ccw = geodesic_area_m2(&MultiPolygon(vec![ccw.clone()]));
        let a_cw = geodesic_area_m2(&MultiPolygon(vec![cw]));
        assert!((a_ccw - a_cw).abs() < 1e-6, "{a_ccw} {a_cw}");
        assert!(a_ccw > 1.2e10);

        let hole = LineString::from(vec![(0.25, 0.25), (0.75, 0.25), (0.75, 0.75), (0.25, 0.75)]);
        let with_hole = Polygon::new(ccw.exterior().clone(), vec![hole.clone()]);
        let hole_m2 = geodesic_area_m2(&MultiPolygon(vec![Polygon::new(hole, vec![])]));
        let total = geodesic_area_m2(&MultiPolygon(vec![with_hole]));
        assert!((total - (a_ccw - hole_m2)).abs() < 1e-3);
        assert!((hole_m2 / a_ccw - 0.25).abs() < 1e-3);
    }

    #[test]
    fn bow_tie_lobes_cancel_and_nan_counts_zero() {
        let bow_tie =
            polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 1.0), (x: 1.0, y: 0.0), (x: 0.0, y: 1.0)];
        let area_m2 = geodesic_area_m2(&MultiPolygon(vec![bow_tie]));
        assert!(area_m2.abs() < 1e3, "{area_m2}");
        let nan = polygon![(x: 0.0, y: 0.0), (x: f64::NAN, y: 0.0), (x: 1.0, y: 1.0)];
        assert_eq!(geodesic_area_m2(&MultiPolygon(vec![nan])), 0.0);
    }

    /// Found by the `grid_import` fuzz target: a one-point exterior with a
    /// real hole gave a negative area.
    #[test]
    fn a_hole_larger_than_its_exterior_counts_zero_not_negative() {
        let point = LineString::from(vec![(110.7, 32.0)]);
        let hole = LineString::from(vec![
            (110.72, 32.62),
            (110.72, 32.64),
            (110.74, 32.64),
            (110.74, 32.62),
            (110.72, 32.62),
        ]);
        let area_m2 = geodesic_area_m2(&MultiPolygon(vec![Polygon::new(point, vec![hole])]));
        assert_eq!(area_m2, 0.0);
    }

    #[test]
    fn lonlat_region_area_matches_geodesic_for_short_edges() {
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
}
